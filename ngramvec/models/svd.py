"""Truncated SVD of a (PPMI) matrix into word vectors, with eigenvalue weighting.

Levy, Goldberg & Dagan (2015): word vectors ``W = U Σ^eig``; context vectors
``C = V Σ^eig``; optionally ``W + C``.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from ngramvec.base.estimator import Estimator, VectorsMixin, add_by_key
from ngramvec.models.cooccur import Cooccurrence

logger = logging.getLogger(__name__)

__all__ = ["SVD"]


class SVD(VectorsMixin, Estimator):
    """Truncated SVD of a PPMI (or any) matrix into word vectors.

    Parameters
    ----------
    dim : int, default=300
        Number of singular triplets kept.
    eig : float, default=0.5
        Eigenvalue weighting p: vectors are ``U Σ^p`` (0 drops the singular values,
        1 keeps them; 0.5 is best for similarity in Levy et al. 2015).
    add_context : bool, default=False
        :attr:`vectors_` are ``W + C`` where ``C = V Σ^p``, rows of W and C matched by
        key (a row key without a column keeps W alone).
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
    vectors_ : ndarray of float32, shape (n_rows, dim)
        Word vectors ``W = U Σ^p`` (``W + C`` by key with ``add_context``).
        ``get_vector_arrays(which)`` gives copies of W ("word"), C ("context") or
        ``W + C`` ("word+context"), which is what :meth:`KeyedVectors.from_model
        <ngramvec.KeyedVectors.from_model>` wraps.
    index_to_key_ : list of str or None
        Keys of the rows (the row vocabulary); None when fitted on a bare matrix.
    counts_ : ndarray of int64, shape (n_rows,), or None
    context_vectors_ : ndarray of float32, shape (n_cols, dim)
        ``C = V Σ^p``.
    context_index_to_key_ : list of str or None
    context_counts_ : ndarray of int64, shape (n_cols,), or None
    singular_values_ : ndarray of float64, shape (dim,)
        In decreasing order.
    n_features_in_ : int
        Columns of the fitted matrix.

    Examples
    --------
    >>> import ngramvec as nv
    >>> c = nv.Corpus(["a b c d", "b c d a", "c d a b"] * 5)
    >>> counts = nv.count_cooccurrences(c, nv.Vocabulary.build(c, min_count=1), window=1)
    >>> svd = nv.SVD(dim=2).fit(nv.PPMI().fit_transform(counts))
    >>> svd.vectors_.shape
    (4, 2)
    >>> nv.KeyedVectors.from_model(svd).most_similar("a", topn=1)[0][0] in "bcd"
    True
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

    @staticmethod
    def _matrix(X: Any, owner: str) -> sp.csr_matrix:
        m = X.matrix if isinstance(X, Cooccurrence) else X
        if not sp.issparse(m):
            raise TypeError(f"{owner} expects a Cooccurrence (for example PPMI().fit_transform"
                            f"(counts)) or a scipy.sparse matrix, got {type(X).__name__}")
        return sp.csr_matrix(m)

    def fit(self, X: Cooccurrence | sp.spmatrix, y: Any = None, progress: bool = False) -> "SVD":
        """Decompose ``X`` and build the vectors.

        Parameters
        ----------
        X : Cooccurrence or scipy.sparse matrix of shape (n_rows, n_cols)
            A Cooccurrence gives the vectors its row and column keys; a bare matrix
            gives vectors without keys (``index_to_key_`` is None).
        y : None
            Ignored (scikit-learn's signature).
        progress : bool, default=False
            Unused (the decomposition has no progress to show); kept for the common
            ``fit`` signature.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            ``X`` is neither a Cooccurrence nor a sparse matrix.
        ValueError
            A bad parameter, ``dim`` not below the smaller side of the matrix, an empty
            matrix, NaN or Inf.
        """
        p = self._validate_params()
        m = self._matrix(X, "SVD.fit")
        if p["add_context"] and not isinstance(X, Cooccurrence):
            raise ValueError("SVD(add_context=True) matches rows and columns by key: fit it "
                             "on a Cooccurrence, not on a bare matrix")
        n_rows, n_cols = m.shape
        dim = p["dim"]
        if dim >= min(n_rows, n_cols):
            raise ValueError(f"The 'dim' parameter of SVD must be smaller than the smaller side "
                             f"of the matrix ({n_rows:,} x {n_cols:,}): at most "
                             f"{min(n_rows, n_cols) - 1}. Got {dim} instead.")
        if m.nnz == 0:
            raise ValueError("the matrix is empty: nothing to decompose")
        if not np.all(np.isfinite(m.data)):
            raise ValueError("the matrix holds NaN or Inf values")
        m = m.astype(np.float32, copy=False) if m.dtype != np.float64 else m
        t0 = time.perf_counter()
        if p["algorithm"] == "randomized":
            u, s, vt = randomized_svd(m, dim, n_oversamples=p["n_oversamples"],
                                      n_iter=p["n_iter"], seed=p["seed"])
        else:
            from scipy.sparse.linalg import svds  # reason: SciPy's ARPACK, only when chosen
            from sklearn.utils.extmath import svd_flip  # reason: scikit-learn loads on use
            rng = np.random.default_rng(p["seed"])
            v0 = rng.uniform(-1, 1, min(m.shape)).astype(m.dtype)
            u, s, vt = svds(m, k=dim, v0=v0)
            order = np.argsort(-s)
            u, s, vt = u[:, order], s[order], vt[order]
            u, vt = svd_flip(u, vt)
        logger.info("SVD (%s) of %s x %s, dim %d: %.1f s", p["algorithm"], f"{n_rows:,}",
                    f"{n_cols:,}", dim, time.perf_counter() - t0)
        s = s.astype(np.float64)
        weight = s ** p["eig"]
        w = (u * weight).astype(np.float32)
        c = (vt.T * weight).astype(np.float32)
        if isinstance(X, Cooccurrence):
            keys, context_keys = list(X.row_vocab.index_to_key), list(X.col_vocab.index_to_key)
            counts = np.asarray(X.row_vocab.counts, dtype=np.int64)
            context_counts = np.asarray(X.col_vocab.counts, dtype=np.int64)
        else:
            keys = context_keys = counts = context_counts = None
        self._word, self._index_to_key, self._counts = w, keys, counts
        self._context, self._context_index_to_key = c, context_keys
        self._context_counts = context_counts
        self._sum = (add_by_key(w, keys, c, context_keys), keys, counts) \
            if p["add_context"] else None
        self.singular_values_ = s
        self.n_features_in_ = int(n_cols)
        return self

    def transform(self, X: Cooccurrence | sp.spmatrix | np.ndarray) -> np.ndarray:
        """Project rows of a matrix over the fitted columns: ``X V Σ^(p-1)``.

        For the fitted matrix this is ``U Σ^p`` (exactly with ARPACK, up to the
        approximation with the randomized algorithm), the word vectors without
        ``add_context``; new rows (say, counts of words outside the vocabulary over
        the same contexts) get vectors in the same space.

        Parameters
        ----------
        X : Cooccurrence, scipy.sparse matrix or ndarray of shape (n, n_features_in_)
            A Cooccurrence must have the fitted column keys.

        Returns
        -------
        ndarray of float32, shape (n, dim)

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            Another number of columns, or other column keys.
        """
        self._check_fitted()
        if isinstance(X, Cooccurrence):
            if (self._context_index_to_key is not None
                    and X.col_vocab.index_to_key != self._context_index_to_key):
                raise ValueError("SVD.transform needs a Cooccurrence over the fitted columns "
                                 "(the same column keys in the same order)")
            X = X.matrix
        m = sp.csr_matrix(X) if sp.issparse(X) else np.asarray(X)
        if m.ndim != 2 or m.shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {m.shape}; SVD was fitted on a matrix of "
                             f"{self.n_features_in_} columns")
        s = self.singular_values_
        scale = np.divide(1.0, s, out=np.zeros_like(s), where=s > 0)
        proj = (self._context.astype(np.float64) * scale).astype(np.float32)
        out = m.astype(np.float32) @ proj
        return np.ascontiguousarray(out, dtype=np.float32)

    def fit_transform(self, X: Cooccurrence | sp.spmatrix, y: Any = None,
                      progress: bool = False) -> np.ndarray:
        """``fit(X).transform(X)``: about ``U Σ^p`` (see :meth:`transform`)."""
        return self.fit(X, progress=progress).transform(X)

    def _is_fitted(self) -> bool:
        return "singular_values_" in vars(self)

    # vectors_, index_to_key_, counts_, context_*, get_vector_arrays: VectorsMixin
    # ("word": W, "context": C, "word+context": W plus the C of the same key).

    def _vector_part(self, side: str) -> tuple[np.ndarray, list | None, np.ndarray | None] | None:
        if side == "word":
            return self._word, self._index_to_key, self._counts
        if side == "context":
            return self._context, self._context_index_to_key, self._context_counts
        return self._sum

    def _default_vectors(self) -> str:
        return "word+context" if self._sum is not None else "word"


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
    from scipy import linalg  # reason: scipy.linalg loads on first use
    from sklearn.utils.extmath import svd_flip  # reason: scikit-learn loads on first use

    from ngramvec.models._svd_numba import csr_matmul  # reason: Numba loads on first use

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
