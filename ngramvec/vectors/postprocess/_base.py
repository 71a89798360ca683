"""Shared machinery of the post-processing estimators.

Array validation with uniform messages (parameters are checked by
:mod:`ngramvec.base.validation`, like every other estimator's), exact streamed
mean/covariance (Chan et al.'s pairwise merge, float64), a sorted symmetric
eigendecomposition with deterministic signs, and the reader of the files of format
version 1 (persistence itself is :mod:`ngramvec.base.persist`'s).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterator, Mapping

import numpy as np
import scipy.sparse
from scipy.linalg.blas import dsyrk

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import PersistMixin, Saved

logger = logging.getLogger(__name__)

__all__ = [
    "PostprocessWarning",
    "RankDeficientWarning",
    "EmptySentenceWarning",
]

#: Rows per float64 working chunk target: about 2**22 values (32 MiB).
_CHUNK_VALUES = 1 << 22


class PostprocessWarning(UserWarning):
    """Base class of the warnings of :mod:`ngramvec.postprocess`."""


class RankDeficientWarning(PostprocessWarning):
    """Some requested directions have (almost) no variance in the fitted data."""


class EmptySentenceWarning(PostprocessWarning):
    """Some sentences contain no known word; their vectors are zero."""


# --------------------------------------------------------------------------- arrays


def check_vectors(X: Any, owner: str, *, name: str = "X",
                  n_features: int | None = None) -> np.ndarray:
    """Validate a 2-d matrix of vectors; return it as float32 or float64.

    float32 and float64 arrays are returned as they are (no copy); other numeric
    dtypes are converted to float64.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    owner : str
        Class or function name used in messages.
    name : str, default="X"
    n_features : int, optional
        The number of features seen at fit; a different width is an error.

    Returns
    -------
    ndarray of shape (n_samples, n_features), dtype float32 or float64

    Raises
    ------
    TypeError
        Sparse or non-numeric input.
    ValueError
        Complex values, not 2-d, no samples, no features, a width different from
        ``n_features``, NaN or infinity.
    """
    if scipy.sparse.issparse(X):
        raise TypeError(f"{owner} needs a dense array for {name}; got a sparse matrix. "
                        f"Convert it with .toarray() first.")
    arr = np.asarray(X)
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {owner} needs real vectors for {name}.")
    if arr.dtype not in (np.float32, np.float64):
        if arr.dtype.kind not in "biufO":
            raise TypeError(f"{owner} needs a real numeric array for {name}; got dtype "
                            f"{arr.dtype}.")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{owner} needs a real numeric array for {name}; got an object "
                            f"array that is not numeric ({exc}).") from None
    if arr.ndim != 2:
        raise ValueError(f"{owner} needs {name} as a 2-d array of shape (n_samples, "
                         f"n_features); got an array of shape {arr.shape}. Reshape your data "
                         f"either using array.reshape(-1, 1) if your data has a single feature "
                         f"or array.reshape(1, -1) if it contains a single sample.")
    if arr.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of "
                         f"1 is required by {owner}: {name} is empty.")
    if arr.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of "
                         f"1 is required by {owner}.")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features, but {owner} is expecting "
                         f"{n_features} features as input.")
    check_finite(arr, owner, name)
    return arr


def check_finite(arr: np.ndarray, owner: str, name: str = "X") -> None:
    """Raise ValueError naming the rows if ``arr`` holds NaN or infinity.

    A single reduction decides the common case; only when the sum is not finite (NaN,
    infinity, or an overflow of huge finite values) are the rows examined.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.add.reduce(arr, axis=None))
    if np.isfinite(total):
        return
    bad_rows = np.flatnonzero(~np.isfinite(arr).all(axis=1))
    if bad_rows.size:
        raise ValueError(f"{name} contains NaN or infinity in {bad_rows.size} row(s) (first: "
                         f"row {int(bad_rows[0])}); {owner} needs finite vectors.")


def chunk_slices(n_rows: int, n_cols: int) -> Iterator[slice]:
    """Row slices of about ``_CHUNK_VALUES`` values each."""
    step = max(1, _CHUNK_VALUES // max(1, n_cols))
    for start in range(0, n_rows, step):
        yield slice(start, min(n_rows, start + step))


# --------------------------------------------------------------------------- moments


#: Rows per chunk when products are formed in float32 (float32 input): short sums keep
#: the float32 rounding error of each chunk near the precision of the input itself.
_CHUNK_ROWS_FLOAT32 = 8192


def _chunks(X: np.ndarray) -> Iterator[slice]:
    if X.dtype == np.float32:
        step = _CHUNK_ROWS_FLOAT32
        return (slice(s, min(X.shape[0], s + step)) for s in range(0, X.shape[0], step))
    return chunk_slices(X.shape[0], X.shape[1])


def _scatter(block: np.ndarray) -> np.ndarray:
    """``block.T @ block`` as float64 (d, d).

    float64 blocks use the symmetric rank-k update of BLAS (``dsyrk``, upper triangle,
    mirrored). float32 blocks (at most ``_CHUNK_ROWS_FLOAT32`` rows) are multiplied in
    float32 and the result converted to float64: the products of float32 values summed
    over a few thousand rows carry a relative error of about 1e-6, the precision of
    the input, while the sums over chunks are float64.
    """
    if block.dtype == np.float32:
        return (block.T @ block).astype(np.float64)
    # block.T is Fortran-ordered (d, nb): dsyrk(trans=0) gives block.T @ block without a copy.
    return _symmetrize_upper(dsyrk(1.0, block.T, trans=0, lower=0))


def gram_float64(X: np.ndarray) -> np.ndarray:
    """``X.T @ X`` summed in float64 over chunks of rows.

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64

    Returns
    -------
    ndarray of shape (d, d), float64, symmetric

    Notes
    -----
    See :func:`_scatter` for the arithmetic of each chunk.
    """
    d = X.shape[1]
    gram = np.zeros((d, d), dtype=np.float64)
    for sl in _chunks(X):
        gram += _scatter(np.ascontiguousarray(X[sl]))
    return gram


def _symmetrize_upper(a: np.ndarray) -> np.ndarray:
    out = np.triu(a)
    out += np.triu(a, 1).T
    return np.ascontiguousarray(out)


def update_moments(X: np.ndarray, n: int, mean: np.ndarray | None,
                   m2: np.ndarray | None) -> tuple[int, np.ndarray, np.ndarray]:
    """Merge the mean and scatter matrix of ``X`` into running float64 statistics.

    Notes
    -----
    Each chunk ``B`` of ``n_b`` rows gets its own mean ``m_b`` (computed in float64)
    and centred scatter ``S_b = (B - m_b)^T (B - m_b)``; the running ``(n_a, m_a,
    S_a)`` and the chunk are merged exactly with the pairwise formulas of Chan, Golub &
    LeVeque (1979)::

        n   = n_a + n_b
        δ   = m_b - m_a
        m   = m_a + δ n_b / n
        S   = S_a + S_b + δ δ^T n_a n_b / n

    So streaming the rows in any chunking gives the statistics of the whole matrix up
    to rounding; no sum of squares of uncentred values is ever formed. The running
    statistics are float64; ``S_b`` is formed in the dtype of the input (float32
    input: chunks of 8192 rows multiplied in float32, see :func:`_scatter`).

    Parameters
    ----------
    X : ndarray of shape (n_b, d), float32 or float64, finite
    n : int
        Rows merged so far (0 for none).
    mean : ndarray of shape (d,), float64, or None when ``n == 0``
    m2 : ndarray of shape (d, d), float64, or None when ``n == 0``
        Centred scatter matrix (covariance times ``n - 1``).

    Returns
    -------
    n, mean, m2 : the merged statistics (new arrays).
    """
    d = X.shape[1]
    if n == 0:
        mean = np.zeros(d, dtype=np.float64)
        m2 = np.zeros((d, d), dtype=np.float64)
    else:
        mean = np.array(mean, dtype=np.float64)
        m2 = np.array(m2, dtype=np.float64)
    for sl in _chunks(X):
        block = X[sl]
        n_b = block.shape[0]
        m_b = block.mean(axis=0, dtype=np.float64)
        centred = block - m_b.astype(block.dtype)
        s_b = _scatter(centred)
        n_new = n + n_b
        delta = m_b - mean
        mean += delta * (n_b / n_new)
        m2 += s_b
        m2 += np.outer(delta, delta) * (n * n_b / n_new)
        n = n_new
    return n, mean, m2


def eigh_descending(sym: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending, negatives clipped to 0) and eigenvectors as rows.

    Signs are made deterministic as in scikit-learn's ``svd_flip``: the entry of largest
    magnitude of each eigenvector is positive.

    Parameters
    ----------
    sym : ndarray of shape (d, d), float64, symmetric

    Returns
    -------
    values : ndarray of shape (d,), float64
    vectors : ndarray of shape (d, d), float64, row ``i`` is the ``i``-th eigenvector
    """
    values, vectors = np.linalg.eigh(sym)
    values = np.clip(values[::-1], 0.0, None)
    vectors = np.ascontiguousarray(vectors[:, ::-1].T)
    return values, flip_signs(vectors)


def flip_signs(rows: np.ndarray) -> np.ndarray:
    """Make the largest-magnitude entry of each row positive (in place; returned)."""
    if rows.size:
        idx = np.argmax(np.abs(rows), axis=1)
        signs = np.sign(rows[np.arange(rows.shape[0]), idx])
        signs[signs == 0] = 1.0
        rows *= signs[:, None]
    return rows


# --------------------------------------------------------------------------- persistence


class PostprocessPersist(PersistMixin):
    """``save`` / ``load`` of the post-processing estimators (:mod:`ngramvec.base.persist`).

    Also reads the files their own ``.npz`` layout wrote before format version 2
    (entries ``__estimator__``, ``__format__``, ``__params__`` and one per attribute).
    """

    @classmethod
    def _persist_legacy(cls, files: Mapping[str, np.ndarray], path: str) -> Saved | None:
        if not all(k in files for k in ("__estimator__", "__format__", "__params__")):
            return None
        name = str(files["__estimator__"])
        if name != cls.__name__:
            raise VectorsFormatError(f"holds a {name}, not a {cls.__name__}; load it with "
                                     f"{name}.load", path)
        try:
            params = json.loads(str(files["__params__"]))
        except (ValueError, RecursionError) as exc:
            raise VectorsFormatError(f"damaged parameters ({exc})", path) from None
        if not isinstance(params, dict):
            raise VectorsFormatError(f"damaged parameters: a {type(params).__name__}, not a "
                                     f"JSON object", path)
        arrays = {k: v for k, v in files.items() if not k.startswith("__")}
        return Saved(name, 1, params, {}, arrays)
