# cython: language_level=3
"""Compiled counting and SGNS training over encoded (word, context) pairs.

The pairs are an int32 array of shape (n, 2): column 0 the word (row of the result,
row of ``syn0``), column 1 the context (column of the result, row of ``syn1``), as
:class:`ngramvec.data.pairs.EncodedPairs` holds them in a memory-mapped file.

Counting hands a thread body to the data layer's accumulator
(:class:`ngramvec.data._ngrams.PairCounter`, spills and all): "sentences" are blocks
of pairs, and thread ``t`` of ``T`` adds the pairs whose row ``r`` has
``r % T == t``, so the counts are exact and independent of threads and memory.

Training is word2vecf's: each pair is one positive example, trained by the SGNS update
of ``csrc/nv_sgns_update.h`` (``l1 = syn0[word]`` against ``syn1[context]`` and
``negative`` negatives drawn from the alias table over the contexts; a negative equal
to the context is skipped, as in word2vec) with the learning rate decayed linearly
over the pairs of the whole run.
"""
from cython.parallel cimport parallel, prange, threadid
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport free
from libc.string cimport memcpy

import numpy as np

from ngramvec.data._ngrams cimport PairCounter, nv_counter, nv_counter_room, nv_pairtab_add

cdef extern from "nv_rng.h" nogil:
    ctypedef struct nv_rng:
        uint64_t s[4]
    uint64_t nv_rng_next(nv_rng *r)

cdef extern from "nv_alias.h" nogil:
    int32_t nv_alias_draw(const uint64_t *cells, uint64_t n, uint64_t r)

cdef extern from "nv_sgns_update.h" nogil:
    enum: NV_EXP_TABLE_SIZE
    void nv_fill_exp_table(float *t)
    double nv_sgns_pair(float *l1, float *syn1, int dim, const int32_t *targets,
                        int n_targets, float lr, float *neu1e, const float *exp_table,
                        int with_loss)

cdef extern from "nv_sgns.h" nogil:
    void *nv_alloc64(size_t n)
    int64_t nv_atomic_add_i64(int64_t *p, int64_t v)
    int64_t nv_atomic_load_i64(int64_t *p)


# ---------------------------------------------------------------------- counting

ctypedef struct pairs_job:
    const int32_t *pairs         # (n, 2) row-major
    const int64_t *ends          # end (in pairs) of each block


cdef int _pairs_thread(const void *job, nv_counter *pc, int t, int64_t s1) noexcept nogil:
    """Add the pairs of blocks [pc.next[t], s1) whose row is owned by t (weight 1)."""
    cdef const pairs_job *jb = <const pairs_job *>job
    cdef int T = pc.n_threads, col_bits = pc.col_bits, err = 0
    cdef int64_t s = pc.next[t], a, b, k, n_pairs = 0
    cdef int32_t r, c
    while s < s1:
        a = jb.ends[s - 1] if s > 0 else 0
        b = jb.ends[s]
        err = nv_counter_room(pc, t, b - a)      # every pair a new key, at worst
        if err != 0:
            break
        for k in range(a, b):
            r = jb.pairs[2 * k]
            if r % T != t:
                continue
            c = jb.pairs[2 * k + 1]
            if c < pc.dense_len[r]:
                pc.dense[pc.dense_off[r] + c] += 1
            else:
                nv_pairtab_add(&pc.tabs[t], (<uint64_t>r << col_bits) | <uint64_t>c, 1)
            n_pairs += 1
        s += 1
    pc.next[t] = s
    pc.pairs[t] += n_pairs
    return err


def cooccur_count_pairs(PairCounter pc, const int32_t[:, ::1] pairs,
                        const int64_t[::1] ends, int64_t s0, int64_t s1):
    """Count the pairs of blocks [s0, s1) into ``pc``, all threads.

    Parameters
    ----------
    pc : PairCounter
        Of shape (n_rows, n_cols).
    pairs : int32 array, shape (n, 2)
        (row, column) of each pair; every row in [0, n_rows), column in [0, n_cols).
    ends : int64 array, shape (n_blocks,)
        End of each block of pairs (``ends[-1] <= n``).
    s0, s1 : int
        Block range.

    Returns
    -------
    int
        Pairs counted.
    """
    cdef pairs_job jb
    cdef int64_t a, b, k
    cdef int bad = 0
    cdef int64_t n_rows = pc.n_rows, n_cols = pc.n_cols
    if s1 <= s0:
        return 0
    if pairs.shape[1] != 2:
        raise ValueError("pairs must have shape (n, 2)")
    if s0 < 0 or s1 > ends.shape[0] or ends[s1 - 1] > pairs.shape[0]:
        raise ValueError("block range out of bounds")
    a = ends[s0 - 1] if s0 > 0 else 0
    b = ends[s1 - 1]
    with nogil:
        for k in range(a, b):
            if pairs[k, 0] < 0 or pairs[k, 0] >= n_rows or pairs[k, 1] < 0 or \
                    pairs[k, 1] >= n_cols:
                bad = 1
                break
    if bad:
        raise ValueError("a pair's row or column is outside the counter's shape")
    if b == a:
        return 0
    jb.pairs = &pairs[0, 0]
    jb.ends = &ends[0]
    return pc.count(_pairs_thread, &jb, s0, s1)


# ---------------------------------------------------------------------- SGNS

def sgns_exp_table():
    """word2vec's sigmoid table (``nv_fill_exp_table``), float32."""
    t = np.empty(NV_EXP_TABLE_SIZE, dtype=np.float32)
    cdef float[::1] v = t
    nv_fill_exp_table(&v[0])
    return t


ctypedef struct train_opts:
    int dim, negative, with_loss
    float lr0, min_lr
    int64_t total                # pairs of the whole run (all epochs): the lr decay
    int64_t chunk                # pairs per work unit


cdef void _train_chunk(float *syn0, float *syn1, const int32_t *pairs, int64_t a,
                       int64_t b, const uint64_t *alias, uint64_t n_alias,
                       const float *exp_table, const train_opts *o, int64_t *progress,
                       nv_rng *rng, int32_t *targets, float *neu1e, double *loss) noexcept nogil:
    """Train pairs [a, b) at the learning rate of the run's progress so far."""
    cdef int64_t k
    cdef int j, nt
    cdef int32_t w, c, neg
    cdef double frac = <double>nv_atomic_load_i64(progress) / <double>o.total
    cdef float lr = o.lr0 - (o.lr0 - o.min_lr) * <float>frac
    cdef double lsum = 0.0
    if lr < o.min_lr:
        lr = o.min_lr
    for k in range(a, b):
        w = pairs[2 * k]
        c = pairs[2 * k + 1]
        targets[0] = c
        nt = 1
        for j in range(o.negative):
            neg = nv_alias_draw(alias, n_alias, nv_rng_next(rng))
            if neg != c:
                targets[nt] = neg
                nt += 1
        lsum += nv_sgns_pair(syn0 + <int64_t>w * o.dim, syn1, o.dim, targets, nt, lr, neu1e,
                             exp_table, o.with_loss)
    loss[0] += lsum
    nv_atomic_add_i64(progress, b - a)


def sgns_train_pairs(float[:, ::1] syn0, float[:, ::1] syn1, const int32_t[:, ::1] pairs,
                     int64_t start, int64_t stop, const uint64_t[::1] alias,
                     const float[::1] exp_table, uint64_t[:, ::1] rng_states,
                     int64_t[::1] progress, int negative, float lr, float min_lr,
                     int64_t total, bint with_loss):
    """Train SGNS on pairs [start, stop), all threads (one per row of ``rng_states``).

    Parameters
    ----------
    syn0 : float32 array, shape (n_words, dim)
        Word (input) vectors, updated in place.
    syn1 : float32 array, shape (n_contexts, dim)
        Context (output) vectors, updated in place.
    pairs : int32 array, shape (n, 2)
        (word, context) ids; checked against the shapes of ``syn0`` and ``syn1``.
    start, stop : int
        Range of pairs to train (cut into work units of 10,000 pairs).
    alias : uint64 array, shape (n_contexts,)
        Alias table of the negative-sampling distribution over the contexts
        (``ngramvec.models._sgns.sgns_alias_table``).
    exp_table : float32 array from :func:`sgns_exp_table`
    rng_states : uint64 array, shape (n_threads, 4)
        Per-thread xoshiro256** states, read and written back.
    progress : int64 array, shape (1,)
        Pairs trained so far in the run (all threads, all epochs); advanced here.
    negative : int
    lr, min_lr : float
        ``lr * (1 - progress / total)``, never below ``min_lr``.
    total : int
        Pairs of the whole run (epochs times pairs).
    with_loss : bool

    Returns
    -------
    (int, float)
        Pairs trained and their summed loss (0 without ``with_loss``).

    Notes
    -----
    Hogwild: threads update ``syn0`` and ``syn1`` without locks (as word2vec.c and
    word2vecf do); the learning rate reads the shared progress counter with relaxed
    atomics. With one thread a run is bit-for-bit reproducible from its seed.
    """
    cdef int T = rng_states.shape[0], tid, fail = 0
    cdef int dim = syn0.shape[1]
    cdef int64_t n_words = syn0.shape[0], n_ctx = syn1.shape[0], k, ch, n_chunks
    cdef train_opts o
    cdef int32_t *targets
    cdef float *neu1e
    cdef nv_rng *rng
    cdef int bad = 0
    if T < 1 or rng_states.shape[1] != 4:
        raise ValueError("rng_states must have shape (n_threads, 4), n_threads >= 1")
    if syn1.shape[1] != dim or dim < 1:
        raise ValueError("syn0 and syn1 must have the same number (>= 1) of columns")
    if exp_table.shape[0] != NV_EXP_TABLE_SIZE:
        raise ValueError("exp_table must come from sgns_exp_table()")
    if alias.shape[0] != n_ctx or n_ctx < 1:
        raise ValueError("alias must have one cell per row of syn1")
    if pairs.shape[1] != 2 or start < 0 or stop > pairs.shape[0] or progress.shape[0] < 1:
        raise ValueError("pairs must have shape (n, 2) and [start, stop) lie inside it")
    if negative < 0 or total < 1:
        raise ValueError("negative must be >= 0 and total >= 1")
    if stop <= start:
        return 0, 0.0
    with nogil:
        for k in range(start, stop):
            if pairs[k, 0] < 0 or pairs[k, 0] >= n_words or pairs[k, 1] < 0 or \
                    pairs[k, 1] >= n_ctx:
                bad = 1
                break
    if bad:
        raise ValueError("a pair's word or context id is outside syn0 / syn1")
    o.dim = dim
    o.negative = negative
    o.with_loss = with_loss
    o.lr0 = lr
    o.min_lr = min_lr
    o.total = total
    o.chunk = 10000
    n_chunks = (stop - start + o.chunk - 1) // o.chunk
    t_loss = np.zeros(T, dtype=np.float64)
    cdef double[::1] tl = t_loss
    cdef float *s0p = &syn0[0, 0]
    cdef float *s1p = &syn1[0, 0]
    cdef const int32_t *pp = &pairs[0, 0]
    cdef const uint64_t *al = &alias[0]
    cdef const float *et = &exp_table[0]
    cdef int64_t *prog = &progress[0]
    cdef uint64_t *states = &rng_states[0, 0]
    cdef const train_opts *op = &o
    cdef int *failp = &fail
    with nogil, parallel(num_threads=T):
        tid = threadid()
        rng = <nv_rng *>nv_alloc64(sizeof(nv_rng))
        targets = <int32_t *>nv_alloc64(sizeof(int32_t) * (negative + 1))
        neu1e = <float *>nv_alloc64(sizeof(float) * dim)
        if rng == NULL or targets == NULL or neu1e == NULL:
            failp[0] = 1
        else:
            memcpy(rng, states + 4 * tid, sizeof(nv_rng))
        for ch in prange(n_chunks, schedule="dynamic", chunksize=1):
            if rng != NULL and targets != NULL and neu1e != NULL:
                _train_chunk(s0p, s1p, pp, start + ch * op.chunk,
                             min(stop, start + (ch + 1) * op.chunk), al, <uint64_t>n_ctx,
                             et, op, prog, rng, targets, neu1e, &tl[tid])
        if rng != NULL and targets != NULL and neu1e != NULL:
            memcpy(states + 4 * tid, rng, sizeof(nv_rng))
        free(rng)
        free(targets)
        free(neu1e)
    if fail:
        raise MemoryError("cannot allocate the per-thread training buffers")
    return int(stop - start), float(t_loss.sum())
