"""Numba kernels of GloVe: one epoch of AdaGrad over co-occurrence records, the
per-epoch shuffle of the visiting order, and the loss.

The front end is :mod:`ngramvec.glove`; it owns validation, initialisation, the
seeds (one per epoch, derived with ``numpy.random.SeedSequence``), the epoch loop,
callbacks and the NaN check. This module holds arithmetic only.

Parameter layout (as the reference C tool): a row of ``W`` (word side) or ``C``
(context side) is ``dim`` vector components followed by the bias, so
``W[i, :dim]`` is ``w_i`` and ``W[i, dim]`` is ``b_i``. ``GW`` / ``GC`` have the same
shape and hold the AdaGrad sums of squared (scaled) gradients.
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ngramvec.base.numba_cache import njit  # numba.njit; cache=True caches in the user's cache dir

__all__ = ["glove_train_epoch", "glove_shuffle", "glove_loss"]

# Partial sums of the dot product. The order of the additions is fixed in the
# source, so results do not depend on the compiler's vectorisation (fastmath is off:
# NaN and Inf checks must keep working), and the 8 independent chains let the CPU
# overlap the adds instead of waiting on one accumulator.
_LANES = 8
# Records ahead whose parameter rows are prefetched; the record indices themselves
# (rows[e], cols[e], vals[e] for e = order[p]) are prefetched twice as far ahead.
_PREFETCH = 8
# float32 values per 64-byte cache line
_LINE = 16


@intrinsic
def _prefetch(typingctx, arr, r, k):
    """Hint the CPU to fetch the cache line of ``arr[r, k]`` (2-D) or ``arr[r]`` (1-D,
    ``k`` ignored); no effect on results."""
    sig = types.void(arr, r, k)

    def codegen(context, builder, signature, args):
        aty = signature.args[0]
        ary = context.make_array(aty)(context, builder, args[0])
        # indices as intp, whatever integer type they arrive in
        idx = [context.cast(builder, args[n], signature.args[n], types.intp)
               for n in ((1,) if aty.ndim == 1 else (1, 2))]
        ptr = cgutils.get_item_pointer(context, builder, aty, ary, idx,
                                       wraparound=False, boundscheck=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # (address, rw=1 write, locality=3 keep in all levels, cache type=1 data)
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 1),
                          ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(nogil=True, fastmath=False, cache=True, inline="always")
def _prefetch_row(A, r, width):  # pragma: no cover - compiled
    """Prefetch every cache line of row ``r`` of the 2-D array ``A``."""
    for k in range(0, width, _LINE):
        _prefetch(A, r, k)
    _prefetch(A, r, width - 1)


@njit(nogil=True, fastmath=False, cache=True, inline="always")
def _dot(W, r, C, c, dim):  # pragma: no cover - compiled
    """w_r . c_c with 8 partial sums in a fixed order (deterministic)."""
    s0 = np.float32(0.0)
    s1 = np.float32(0.0)
    s2 = np.float32(0.0)
    s3 = np.float32(0.0)
    s4 = np.float32(0.0)
    s5 = np.float32(0.0)
    s6 = np.float32(0.0)
    s7 = np.float32(0.0)
    k = 0
    # main body: 8 components per step, component k + j goes to partial sum j
    while k + _LANES <= dim:
        s0 += W[r, k] * C[c, k]
        s1 += W[r, k + 1] * C[c, k + 1]
        s2 += W[r, k + 2] * C[c, k + 2]
        s3 += W[r, k + 3] * C[c, k + 3]
        s4 += W[r, k + 4] * C[c, k + 4]
        s5 += W[r, k + 5] * C[c, k + 5]
        s6 += W[r, k + 6] * C[c, k + 6]
        s7 += W[r, k + 7] * C[c, k + 7]
        k += _LANES
    # tail (dim not a multiple of 8) goes to the first partial sum
    while k < dim:
        s0 += W[r, k] * C[c, k]
        k += 1
    # pairwise combination of the partial sums, fixed order
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@njit(parallel=True, nogil=True, fastmath=False, cache=True)
def glove_train_epoch(rows, cols, vals, order, W, C, GW, GC, x_max, alpha, lr,
                      grad_clip, n_slices):  # pragma: no cover - compiled
    """One pass of AdaGrad over the co-occurrence records, in the order ``order``.

    Parameters
    ----------
    rows, cols : ndarray of int32, shape (nnz,)
        Word (row) and context (column) index of each record, 0-based.
    vals : ndarray of float32 or float64, shape (nnz,)
        Co-occurrence value X_ij of each record, > 0.
    order : ndarray of int32 or int64, shape (nnz,)
        The visiting order (a permutation of ``range(nnz)``).
    W, C : ndarray of float32, shape (n_rows, dim + 1) and (n_cols, dim + 1)
        Word and context parameters; the last column is the bias. Updated in place.
    GW, GC : ndarray of float32, same shapes as W and C
        AdaGrad accumulators (initialised to 1 by the caller). Updated in place.
    x_max, alpha : float
        Weighting f(x) = min(1, (x / x_max) ** alpha).
    lr : float
        Learning rate of the vector components (the reference's ``eta``).
    grad_clip : float
        Each gradient component is clipped to [-grad_clip, grad_clip] (reference: 100).
    n_slices : int
        ``order`` is cut into this many contiguous slices, one per thread.

    Returns
    -------
    loss : float
        Sum over the visited records of 0.5 f(X_ij) (w_i.c_j + b_i + b~_j - log X_ij)^2,
        each term computed before the record's update (as the reference reports it).
    n_visited : int
        Records processed. Less than ``len(order)`` when a slice met a non-finite
        difference: that slice stops at once and the loss returned is NaN.

    Notes
    -----
    For one record (i, j, x) with d = W.shape[1] - 1::

        f     = min(1, (x / x_max) ** alpha)
        diff  = w_i . c_j + b_i + b~_j - log x
        fdiff = f * diff
        loss += 0.5 * f * diff ** 2
        g_w   = lr * clip(fdiff * c_j),  g_c = lr * clip(fdiff * w_i)   (old values)
        w_i  -= g_w / sqrt(GW_i);  GW_i += g_w ** 2   (then the same for c_j)
        b_i  -= fdiff / sqrt(GWb_i); GWb_i += fdiff ** 2   (and b~_j)

    i.e. the update of glove.c: AdaGrad with the accumulators starting at 1, the
    step using the accumulator *before* this record's gradient is added, the vector
    accumulators summing squares of the lr-scaled gradients, and the bias step
    carrying no lr factor (as in the reference).

    Threads: slice ``t`` of ``order`` goes to one thread. Threads read and write the
    shared ``W``, ``C``, ``GW``, ``GC`` without locks (Hogwild, Recht et al. 2011):
    two threads updating the same row at once may lose part of an update, which
    sparse records make rare and SGD tolerates. With ``n_slices == 1`` the pass is
    sequential and bit-for-bit reproducible. No randomness is drawn here.
    """
    nnz = order.shape[0]
    dim = W.shape[1] - 1
    slice_loss = np.zeros(n_slices, dtype=np.float64)
    slice_done = np.zeros(n_slices, dtype=np.int64)
    x_max_f = np.float64(x_max)
    alpha_f = np.float64(alpha)
    lr32 = np.float32(lr)
    clip32 = np.float32(grad_clip)
    for t in prange(n_slices):
        # contiguous slice [start, stop) of the shuffled order for this thread
        start = (nnz * t) // n_slices
        stop = (nnz * (t + 1)) // n_slices
        loss = 0.0
        done = 0
        for p in range(start, stop):
            # prefetch the record two distances ahead, the parameter rows of the
            # record one distance ahead (hints only: the arithmetic is unchanged)
            if p + 2 * _PREFETCH < stop:
                e2 = order[p + 2 * _PREFETCH]
                _prefetch(rows, e2, 0)
                _prefetch(cols, e2, 0)
                _prefetch(vals, e2, 0)
            if p + _PREFETCH < stop:
                e1 = order[p + _PREFETCH]
                _prefetch_row(W, rows[e1], dim + 1)
                _prefetch_row(GW, rows[e1], dim + 1)
                _prefetch_row(C, cols[e1], dim + 1)
                _prefetch_row(GC, cols[e1], dim + 1)
            e = order[p]
            i = rows[e]  # word index
            j = cols[e]  # context index
            x = np.float64(vals[e])  # co-occurrence value X_ij
            # weighting f(x) = (x / x_max)^alpha below x_max, 1 above
            if x < x_max_f:
                f = (x / x_max_f) ** alpha_f
            else:
                f = 1.0
            # diff = w_i . c_j + b_i + b~_j - log X_ij (float32 dot, float64 rest)
            diff = (np.float64(_dot(W, i, C, j, dim)) + np.float64(W[i, dim])
                    + np.float64(C[j, dim]) - math.log(x))
            # fdiff = f(X_ij) * diff: the common factor of every gradient
            fdiff = f * diff
            # NaN or Inf: stop this slice; the caller raises TrainingDivergedError
            if not math.isfinite(fdiff):
                loss = np.nan
                break
            # weighted squared error of this record, before its update
            loss += 0.5 * fdiff * diff
            fd32 = np.float32(fdiff)
            for k in range(dim):
                w = W[i, k]  # old word component
                c = C[j, k]  # old context component
                # d loss / d w_ik = fdiff * c_jk, clipped, times lr
                gw = min(max(fd32 * c, -clip32), clip32) * lr32
                # d loss / d c_jk = fdiff * w_ik, clipped, times lr
                gc = min(max(fd32 * w, -clip32), clip32) * lr32
                # AdaGrad step with the accumulator before this gradient
                W[i, k] = w - gw / math.sqrt(GW[i, k])
                C[j, k] = c - gc / math.sqrt(GC[j, k])
                # accumulate the squared (lr-scaled) gradient
                GW[i, k] += gw * gw
                GC[j, k] += gc * gc
            # biases: d loss / d b_i = d loss / d b~_j = fdiff, step without lr
            W[i, dim] -= fd32 / math.sqrt(GW[i, dim])
            C[j, dim] -= fd32 / math.sqrt(GC[j, dim])
            # accumulate the squared bias gradient
            GW[i, dim] += fd32 * fd32
            GC[j, dim] += fd32 * fd32
            done += 1
        slice_loss[t] = loss
        slice_done[t] = done
    return slice_loss.sum(), slice_done.sum()


@njit(parallel=True, nogil=True, fastmath=False, cache=True)
def glove_loss(rows, cols, vals, W, C, x_max, alpha):  # pragma: no cover - compiled
    """Sum over all records of 0.5 f(X_ij) (w_i.c_j + b_i + b~_j - log X_ij)^2.

    Parameters as :func:`glove_train_epoch`; nothing is updated. Returns a float.
    """
    nnz = rows.shape[0]
    dim = W.shape[1] - 1
    total = 0.0
    for e in prange(nnz):
        x = np.float64(vals[e])
        f = (x / x_max) ** alpha if x < x_max else 1.0
        diff = (np.float64(_dot(W, rows[e], C, cols[e], dim)) + np.float64(W[rows[e], dim])
                + np.float64(C[cols[e], dim]) - math.log(x))
        total += 0.5 * f * diff * diff
    return total


@njit(nogil=True, fastmath=False, cache=True, inline="always")
def _splitmix64(state):  # pragma: no cover - compiled
    """One step of SplitMix64 (Steele et al. 2014): returns (new state, 64 random bits)."""
    state = state + np.uint64(0x9E3779B97F4A7C15)  # Weyl sequence step
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)  # mix 1
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)  # mix 2
    return state, z ^ (z >> np.uint64(31))  # final avalanche


@njit(nogil=True, fastmath=False, cache=True)
def glove_shuffle(order, seed):  # pragma: no cover - compiled
    """Shuffle ``order`` in place (Fisher-Yates) with a SplitMix64 stream from ``seed``.

    Parameters
    ----------
    order : ndarray of int32 or int64, shape (n,)
        Permuted in place. Shuffling any permutation again gives a uniform one.
    seed : int
        In [0, 2**63); the same seed and input give the same output.

    Notes
    -----
    Step ``i`` (from n-1 down to 1) swaps ``order[i]`` with ``order[j]``,
    ``j = floor(u * (i + 1))`` for a 53-bit uniform ``u`` (bias below n / 2**53).
    The ``j`` of the next steps are drawn ahead into a small ring so their cache lines
    are prefetched; the result is the same as without prefetching. Sequential: the
    swaps depend on each other.
    """
    n = order.shape[0]
    ring = np.empty(2 * _PREFETCH, dtype=np.int64)  # j of steps i .. i - len(ring) + 1
    state = np.uint64(seed)
    scale = 1.0 / 9007199254740992.0  # 2**-53
    m = ring.shape[0]
    # draw the first len(ring) targets
    for a in range(min(m, max(n - 1, 0))):
        i = n - 1 - a
        state, z = _splitmix64(state)
        ring[a % m] = np.int64(np.float64(z >> np.uint64(11)) * scale * (i + 1))
    for a in range(max(n - 1, 0)):
        i = n - 1 - a  # current position, from the end down to 1
        j = ring[a % m]  # its swap target, drawn earlier
        # draw the target of step a + m into the freed slot and prefetch it
        if i - m >= 1:
            state, z = _splitmix64(state)
            jn = np.int64(np.float64(z >> np.uint64(11)) * scale * (i - m + 1))
            ring[a % m] = jn
            _prefetch(order, jn, 0)
        # swap positions i and j
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
