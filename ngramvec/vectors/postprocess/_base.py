"""Shared machinery of the post-processing estimators.

Array validation with uniform messages, exact streamed mean/covariance (Chan et al.'s
pairwise merge, float64), a sorted symmetric eigendecomposition with deterministic
signs, and ``.npz`` persistence (``allow_pickle=False``, atomic writes).
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Iterator

import numpy as np
import scipy.sparse
from scipy.linalg.blas import dsyrk

logger = logging.getLogger(__name__)

__all__ = [
    "PostprocessWarning",
    "RankDeficientWarning",
    "EmptySentenceWarning",
]

#: Rows per float64 working chunk target: about 2**22 values (32 MiB).
_CHUNK_VALUES = 1 << 22
#: Version of the ``.npz`` layout written by :meth:`NpzMixin.save`.
_NPZ_FORMAT = 1


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


def _atomic_save_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` (exactly that name) as an uncompressed npz, atomically."""
    try:
        from ngramvec.base.fileio import atomic_write
    except ImportError:  # pragma: no cover - io.py is part of the package
        atomic_write = None
    if atomic_write is not None:
        with atomic_write(path, "wb") as f:
            np.savez(f, **arrays)
        return
    import tempfile  # pragma: no cover

    path = os.fspath(path)  # pragma: no cover
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:  # pragma: no cover
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # pragma: no cover
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class NpzMixin:
    """``save`` / ``load`` of an estimator's parameters and fitted arrays as ``.npz``.

    Subclasses list their fitted attributes in ``_npz_attributes`` and the
    constructor parameters that cannot be stored as JSON in ``_npz_skip_params``
    (those must be passed to :meth:`load` again).
    """

    _npz_attributes: tuple[str, ...] = ()
    _npz_skip_params: tuple[str, ...] = ()

    def _npz_extra(self) -> dict[str, np.ndarray]:
        return {}

    def save(self, path: str | os.PathLike) -> None:
        """Save parameters and fitted state to ``path`` (a NumPy ``.npz`` archive).

        The file is written under exactly this name (no suffix is added), atomically:
        a crash leaves either the old file or the new one. It is read back with
        ``allow_pickle=False``.

        Parameters
        ----------
        path : str or os.PathLike

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        params = {k: v for k, v in self.get_params(deep=False).items()  # type: ignore[attr-defined]
                  if k not in self._npz_skip_params}
        arrays: dict[str, np.ndarray] = {
            "__estimator__": np.array(type(self).__name__),
            "__format__": np.array(_NPZ_FORMAT, dtype=np.int64),
            "__params__": np.array(json.dumps(params)),
        }
        for attr in self._npz_attributes:
            arrays[attr] = np.asarray(getattr(self, attr))
        arrays.update(self._npz_extra())
        _atomic_save_npz(path, arrays)
        logger.info("saved %s to %s", type(self).__name__, os.fspath(path))

    @classmethod
    def _npz_read(cls, path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        with np.load(path, allow_pickle=False) as data:
            files = {k: data[k] for k in data.files}
        missing = [k for k in ("__estimator__", "__format__", "__params__") if k not in files]
        if missing:
            raise ValueError(f"{os.fspath(path)} is not a saved ngramvec estimator (no "
                             f"{missing[0]!r} entry).")
        name = str(files.pop("__estimator__"))
        if name != cls.__name__:
            raise ValueError(f"{os.fspath(path)} holds a {name}, not a {cls.__name__}; load "
                             f"it with {name}.load.")
        version = int(files.pop("__format__"))
        if version > _NPZ_FORMAT:
            raise ValueError(f"{os.fspath(path)} was written by a newer ngramvec (format "
                             f"{version}); this one reads format {_NPZ_FORMAT}.")
        params = json.loads(str(files.pop("__params__")))
        return params, files

    @classmethod
    def load(cls, path: str | os.PathLike, **params: Any) -> Any:
        """Load an estimator written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
        **params
            Constructor parameters that are not stored in the file (for sentence
            embedders: ``keyed_vectors``).

        Returns
        -------
        estimator
            A fitted instance of this class.

        Raises
        ------
        ValueError
            Not a saved estimator, or one of another class.
        """
        stored, files = cls._npz_read(path)
        stored.update(params)
        est = cls(**stored)
        for attr in cls._npz_attributes:
            value = files[attr]
            setattr(est, attr, value.item() if value.ndim == 0 else value)
        est._npz_restore(files)
        return est

    def _npz_restore(self, files: dict[str, np.ndarray]) -> None:
        """Hook for subclasses: restore derived state after loading."""
