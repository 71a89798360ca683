"""Randomized SVD of a row-partitioned sparse matrix, the products scheduled by Dask.

Halko, Martinsson & Tropp (2011), Algorithm 4.4, as :func:`ngramvec.models.svd.
randomized_svd` does on one machine, with the row blocks of the matrix staying on the
workers: ``Y = A G`` and ``A Z`` are computed block by block where the blocks live,
``A^T Q = sum_b A_b^T Q_b`` is a tree reduction of dense (n_cols x l) pieces, and the
tall ``Y`` is orthonormalized by CholeskyQR2 (the l x l Gram matrix ``sum_b Y_b^T Y_b``
reduced, its Cholesky factor applied to every block; twice, for stability). Only
l x l and n_cols x l matrices ever sit on one process; the row factor ``U`` is
gathered at the end (the vectors are what a user keeps).

Arithmetic is float64. The random test matrix is the one-machine one (same seed), so
the two give the same subspace up to rounding; singular values agree to the
precision of the randomized method.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from ngramvec.models.distributed._cluster import Bag, Stage, tree_reduce, unbox

__all__ = ["blocked_randomized_svd"]


def _mul(block: sp.csr_matrix, x: Bag) -> np.ndarray:
    return np.asarray(block.astype(np.float64) @ unbox(x))


def _tmul(block: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
    return np.asarray(block.T.astype(np.float64) @ y)


def _gram(y: np.ndarray) -> np.ndarray:
    return y.T @ y


def _add(*parts: np.ndarray) -> np.ndarray:
    out = parts[0].copy()
    for p in parts[1:]:
        out += p
    return out


def _apply_inverse(y: np.ndarray, r: np.ndarray) -> np.ndarray:
    return linalg.solve_triangular(r, y.T, trans="T", lower=False).T


def _cholesky(g: np.ndarray) -> np.ndarray:
    try:
        return linalg.cholesky(g, lower=False)
    except linalg.LinAlgError:          # rank-deficient Y: a tiny shift keeps it defined
        eps = np.finfo(np.float64).eps * max(float(np.trace(g)), 1.0)
        return linalg.cholesky(g + eps * np.eye(g.shape[0]), lower=False)


def _qr_dense(z: np.ndarray) -> np.ndarray:
    return linalg.qr(z, mode="economic", check_finite=False)[0]


def _orthonormalize(stage: Stage, ys: list) -> list:
    """CholeskyQR2 of the tall matrix whose row blocks are ``ys``."""
    for _ in range(2):
        g = tree_reduce(stage, [stage.submit(_gram, y) for y in ys], _add)
        r = stage.submit(_cholesky, g)
        ys = [stage.submit(_apply_inverse, y, r) for y in ys]
    return ys


def _test_matrix(n_cols: int, l_: int, seed: int) -> Bag:
    """The Gaussian test matrix of the one-machine randomized SVD (same seed, same
    draws)."""
    return Bag(np.random.default_rng(seed).standard_normal((n_cols, l_)))


def _small_svd(bt: np.ndarray) -> Bag:
    ub, s, vt = linalg.svd(bt.T, full_matrices=False, check_finite=False)
    return Bag((ub, s, vt))


def _times(q: np.ndarray, ub: Bag) -> np.ndarray:
    return q @ unbox(ub)[0]


def blocked_randomized_svd(stage: Stage, blocks: list, shape: tuple[int, int], k: int,
                           n_oversamples: int = 20, n_iter: int = 7, seed: int = 0
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-k singular triplets of the matrix of row blocks ``blocks`` (futures).

    Returns
    -------
    u : ndarray of float64, shape (n_rows, k)
    s : ndarray of float64, shape (k,)
    vt : ndarray of float64, shape (k, n_cols)
        Signs follow scikit-learn's ``svd_flip`` (as the one-machine SVD).
    """
    from sklearn.utils.extmath import svd_flip  # reason: scikit-learn loads on first use

    n_rows, n_cols = shape
    l_ = min(k + n_oversamples, n_rows, n_cols)
    g = stage.submit(_test_matrix, n_cols, l_, seed)    # drawn on a worker, not shipped
    ys = [stage.submit(_mul, b, g) for b in blocks]
    for _ in range(n_iter):
        qs = _orthonormalize(stage, ys)
        z = tree_reduce(stage, [stage.submit(_tmul, b, q) for b, q in zip(blocks, qs)], _add)
        zq = stage.submit(_box, stage.submit(_qr_dense, z))
        ys = [stage.submit(_mul, b, zq) for b in blocks]
    qs = _orthonormalize(stage, ys)
    bt = tree_reduce(stage, [stage.submit(_tmul, b, q) for b, q in zip(blocks, qs)], _add)
    small = stage.submit(_small_svd, bt)
    us = [stage.submit(_times, q, small) for q in qs]
    stage.wait(us + [small], "svd")
    _, s, vt = unbox(small.result())
    u = np.vstack(stage.client.gather(us))
    u, vt = svd_flip(u, vt)
    return u[:, :k], s[:k], vt[:k]


def _box(x: np.ndarray) -> Bag:
    return Bag(x)
