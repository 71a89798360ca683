"""Truncated SVD of a (PPMI) matrix into word vectors, with eigenvalue weighting.

Levy, Goldberg & Dagan (2015): word vectors ``W = U Σ^eig``; context vectors
``C = V Σ^eig``; optionally ``W + C``.
"""
from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from ngramvec.base.validation import check_bool, check_float, check_int, check_option, check_seed
from ngramvec.models.cooccur import Cooccurrence

logger = logging.getLogger(__name__)

__all__ = ["SVD"]


class SVD:
    """Truncated SVD of a PPMI (or any) matrix into word vectors.

    Parameters
    ----------
    dim : int, default=300
        Number of singular triplets kept.
    eig : float, default=0.5
        Eigenvalue weighting p: vectors are ``U Σ^p`` (0 drops the singular values,
        1 keeps them; 0.5 is best for similarity in Levy et al. 2015).
    add_context : bool, default=False
        Return ``W + C`` where ``C = V Σ^p``, rows of W and C matched by key (a
        row key without a column keeps W alone).
    algorithm : {"randomized", "arpack"}, default="randomized"
        Randomized SVD (Halko, Martinsson & Tropp 2011, with power iterations) whose
        sparse products run in a parallel Numba kernel, or SciPy's ARPACK ``svds``.
        Randomized is the default: measured on the PPMI matrix of the 10M-token
        Gutenberg corpus (41,839 x 41,839, dim 300) it is several times faster
        than ARPACK at the same similarity and analogy scores (see
        benchmarks/README.md).
    n_iter : int, default=7
        Power iterations of the randomized algorithm.
    n_oversamples : int, default=20
        Extra random directions of the randomized algorithm.
    seed : int, default=0

    Attributes
    ----------
    keyed_vectors_ : KeyedVectors
        Word vectors, float32 (n_rows, dim), keys of the row vocabulary.
    context_vectors_ : KeyedVectors
        ``V Σ^p`` over the column vocabulary.
    singular_values_ : ndarray of float64, shape (dim,)
        In decreasing order.

    Examples
    --------
    >>> import ngramvec as nv
    >>> c = nv.Corpus(["a b c d", "b c d a", "c d a b"] * 5)
    >>> counts = nv.count_cooccurrences(c, nv.Vocabulary.build(c, min_count=1), window=1)
    >>> wv = nv.SVD(dim=2).fit(nv.PPMI().fit_transform(counts)).keyed_vectors_
    >>> wv.vectors.shape
    (4, 2)
    """

    def __init__(self, dim: int = 300, eig: float = 0.5, add_context: bool = False,
                 algorithm: str = "randomized", n_iter: int = 7, n_oversamples: int = 20,
                 seed: int = 0) -> None:
        self.dim = dim
        self.eig = eig
        self.add_context = add_context
        self.algorithm = algorithm
        self.n_iter = n_iter
        self.n_oversamples = n_oversamples
        self.seed = seed

    def fit(self, ppmi: Cooccurrence, progress: bool = False) -> "SVD":
        """Decompose ``ppmi.matrix`` and build the vectors.

        Raises
        ------
        ValueError
            ``dim`` is not below the smaller side of the matrix, or the matrix is empty.
        """
        from ngramvec.vectors.keyedvectors import KeyedVectors
        if not isinstance(ppmi, Cooccurrence):
            raise TypeError("SVD.fit expects a Cooccurrence (for example PPMI().fit_transform"
                            f"(counts)), got {type(ppmi).__name__}")
        n_rows, n_cols = ppmi.shape
        dim = check_int(self.dim, "dim", "SVD", 1)
        if dim >= min(n_rows, n_cols):
            raise ValueError(f"The 'dim' parameter of SVD must be smaller than the smaller side "
                             f"of the matrix ({n_rows:,} x {n_cols:,}): at most "
                             f"{min(n_rows, n_cols) - 1}. Got {dim} instead.")
        eig = check_float(self.eig, "eig", "SVD", 0.0, 1.0)
        add_context = check_bool(self.add_context, "add_context", "SVD")
        algorithm = check_option(self.algorithm, "algorithm", "SVD", ("randomized", "arpack"))
        n_iter = check_int(self.n_iter, "n_iter", "SVD", 0)
        n_over = check_int(self.n_oversamples, "n_oversamples", "SVD", 0)
        seed = check_seed(self.seed, "SVD")
        m = ppmi.matrix
        if m.nnz == 0:
            raise ValueError("the matrix is empty: nothing to decompose")
        if not np.all(np.isfinite(m.data)):
            raise ValueError("the matrix holds NaN or Inf values")
        m = m.astype(np.float32, copy=False) if m.dtype != np.float64 else m
        t0 = time.perf_counter()
        if algorithm == "randomized":
            u, s, vt = randomized_svd(m, dim, n_oversamples=n_over, n_iter=n_iter, seed=seed)
        else:
            from scipy.sparse.linalg import svds
            from sklearn.utils.extmath import svd_flip
            rng = np.random.default_rng(seed)
            v0 = rng.uniform(-1, 1, min(m.shape)).astype(m.dtype)
            u, s, vt = svds(m, k=dim, v0=v0)
            order = np.argsort(-s)
            u, s, vt = u[:, order], s[order], vt[order]
            u, vt = svd_flip(u, vt)
        logger.info("SVD (%s) of %s x %s, dim %d: %.1f s", algorithm, f"{n_rows:,}",
                    f"{n_cols:,}", dim, time.perf_counter() - t0)
        s = s.astype(np.float64)
        weight = s ** eig
        w = (u * weight).astype(np.float32)
        c = (vt.T * weight).astype(np.float32)
        self.singular_values_ = s
        self.context_vectors_ = KeyedVectors(c, ppmi.col_vocab.index_to_key,
                                             counts=ppmi.col_vocab.counts)
        if add_context:
            col_index = ppmi.col_vocab.key_to_index
            rows = np.fromiter((col_index.get(k, -1) for k in ppmi.row_vocab.index_to_key),
                               dtype=np.int64, count=n_rows)
            has = rows >= 0
            w[has] += c[rows[has]]
        self.keyed_vectors_ = KeyedVectors(w, ppmi.row_vocab.index_to_key,
                                           counts=ppmi.row_vocab.counts)
        return self

    def __repr__(self) -> str:  # noqa: D105
        return (f"SVD(dim={self.dim}, eig={self.eig}, add_context={self.add_context}, "
                f"algorithm={self.algorithm!r})")


def randomized_svd(m: sp.spmatrix, k: int, n_oversamples: int = 20, n_iter: int = 7,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-k singular triplets of a sparse matrix (Halko et al. 2011, Algorithm 4.4).

    A Gaussian test matrix of k + n_oversamples columns is multiplied by M, then
    ``n_iter`` power iterations (M^T, M) sharpen the range, renormalised by LU
    factorisation in between and by QR at the end, as scikit-learn does. The sparse
    products use :func:`ngramvec._svd_numba.csr_matmul` (all threads). Computed in
    the matrix's float type; signs follow scikit-learn's ``svd_flip`` convention.

    Returns
    -------
    u : ndarray, shape (n_rows, k)
    s : ndarray, shape (k,)
    vt : ndarray, shape (k, n_cols)
    """
    from scipy import linalg
    from sklearn.utils.extmath import svd_flip

    from ngramvec.models._svd_numba import csr_matmul

    a = sp.csr_matrix(m)
    at = a.T.tocsr()
    dtype = a.dtype if a.dtype in (np.float32, np.float64) else np.float64
    a = a.astype(dtype, copy=False)
    at = at.astype(dtype, copy=False)
    n_rows, n_cols = a.shape
    l_ = min(k + n_oversamples, n_rows, n_cols)
    rng = np.random.default_rng(seed)

    def mul(x_csr, x):
        out = np.empty((x_csr.shape[0], x.shape[1]), dtype=dtype)
        return csr_matmul(x_csr.indptr, x_csr.indices, x_csr.data,
                          np.ascontiguousarray(x, dtype=dtype), out)

    q = mul(a, rng.standard_normal((n_cols, l_)).astype(dtype))
    for _ in range(n_iter):
        q, _ = linalg.lu(q, permute_l=True, check_finite=False)
        z, _ = linalg.lu(mul(at, q), permute_l=True, check_finite=False)
        q = mul(a, z)
    q, _ = linalg.qr(q, mode="economic", check_finite=False)
    b = mul(at, q).T                                   # (l, n_cols) = Q^T M
    ub, s, vt = linalg.svd(b, full_matrices=False, check_finite=False)
    u = q @ ub
    u, vt = svd_flip(u, vt)
    return u[:, :k], s[:k], vt[:k]
