"""Whitening of word or sentence vectors (Su et al. 2021)."""
from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin

from ngramvec.base.validation import check_int
from ngramvec.vectors.postprocess._base import RankDeficientWarning, check_vectors
from ngramvec.vectors.postprocess._linear import MomentTransformer

logger = logging.getLogger(__name__)

__all__ = ["Whitening"]


class Whitening(ClassNamePrefixFeaturesOutMixin, MomentTransformer):
    """Whitening: centre, rotate onto the principal axes, scale to unit variance.

    ``transform(X) = (X - mean_) @ W`` with ``W = U[:, :k] diag(1 / sqrt(s[:k]))`` where
    ``U diag(s) U^T`` is the eigendecomposition of the covariance of the fitted vectors
    (Su et al. 2021, "BERT-whitening"). With ``k < n_features`` it also reduces the
    dimension, keeping the directions of largest variance.

    Parameters
    ----------
    n_components : int or None, default=None
        Number ``k`` of directions kept; None keeps all ``n_features``. Must be at most
        the number of features and the number of fitted samples.
    eps : float, default=1e-6
        Relative variance floor, in (0, 1). Eigenvalues below ``eps * s_max`` (``s_max``
        the largest eigenvalue) are raised to that floor before taking ``1 / sqrt``, so
        a direction without variance (fewer samples than dimensions, constant or
        collinear features) is scaled by at most ``1 / sqrt(eps * s_max)`` instead of by
        ``1 / sqrt(1e-17)``. Kept directions under the floor give a
        :class:`RankDeficientWarning` that says how many there are.

    Attributes
    ----------
    n_features_in_ : int
        Width of the fitted vectors.
    n_samples_seen_ : int
        Number of rows fitted (over all ``partial_fit`` calls).
    mean_ : ndarray of shape (n_features,), float64
    covariance_ : ndarray of shape (n_features, n_features), float64
        Sample covariance (divided by ``n - 1``, as ``numpy.cov``).
    components_ : ndarray of shape (k, n_features), float64
        Principal axes as rows, by decreasing variance; the entry of largest magnitude
        of each row is positive.
    explained_variance_ : ndarray of shape (k,), float64
        Variance along each axis (before the floor).
    scale_ : ndarray of shape (k,), float64
        ``1 / sqrt(max(explained_variance_, eps * s_max))``.
    n_components_ : int
        ``k``.
    n_floored_ : int
        Kept directions whose variance was raised to the floor.

    Notes
    -----
    Statistics are accumulated in float64 by chunks, merging chunk means and scatter
    matrices exactly (Chan, Golub & LeVeque 1979), so :meth:`partial_fit` over chunks
    equals :meth:`fit` on their concatenation. With ``eps`` small this is
    scikit-learn's ``PCA(n_components=k, whiten=True)`` (same ``n - 1`` divisor) up
    to the signs of the axes.

    References
    ----------
    Su, Cao, Liu & Ou (2021). Whitening Sentence Representations for Better Semantics
    and Faster Retrieval. arXiv:2103.15316.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(500, 4)) @ np.diag([3.0, 2.0, 1.0, 0.5])
    >>> Z = Whitening().fit_transform(X)
    >>> np.allclose(np.cov(Z.T), np.eye(4))
    True
    """

    def __init__(self, n_components: int | None = None, eps: float = 1e-6) -> None:
        self.n_components = n_components
        self.eps = eps

    def _check_params(self, n_features: int) -> int:
        self._validate_params()
        k = check_int(self.n_components, "n_components", "Whitening", 1, n_features,
                      allow_none=True, why=f"for data with {n_features} features")
        return max(2, k or 0)

    def _finalize(self, values: np.ndarray, vectors: np.ndarray) -> None:
        if values[0] <= 0.0:
            raise ValueError("Whitening cannot whiten vectors without variance: all fitted "
                             "vectors are identical.")
        k = self.n_features_in_ if self.n_components is None else self.n_components
        floor = self.eps * values[0]
        kept = values[:k]
        self.n_floored_ = int(np.count_nonzero(kept < floor))
        if self.n_floored_:
            rank = int(np.count_nonzero(values >= floor))
            warnings.warn(
                f"Whitening: {self.n_floored_} of the {k} kept directions have a variance "
                f"below the floor eps * largest variance = {floor:.3g} (the fitted "
                f"{self.n_samples_seen_} vectors span about {rank} directions); their "
                f"variance was raised to the floor. Pass n_components <= {max(rank, 1)} to "
                f"drop them.", RankDeficientWarning, stacklevel=4)
        self.n_components_ = k
        self.components_ = np.ascontiguousarray(vectors[:k])
        self.explained_variance_ = kept.copy()
        self.scale_ = 1.0 / np.sqrt(np.maximum(kept, floor))
        # W = U diag(scale): (n_features, k)
        self._w = np.ascontiguousarray(self.components_.T * self.scale_)

    @property
    def _n_features_out(self) -> int:
        return self.n_components_

    def _transform_block(self, block: np.ndarray, out: np.ndarray) -> None:
        np.matmul(block, self._w.astype(block.dtype, copy=False), out=out)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Map whitened vectors back: ``X diag(1/scale_) components_ + mean_``.

        Exact for ``n_components=None`` when no variance was floored; otherwise the
        vectors are reconstructed from the kept directions only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_), float32 or float64

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_), dtype of ``X``
        """
        self._check_transform_fitted()
        X = check_vectors(X, "Whitening", n_features=self.n_components_)
        back = (self.components_ / self.scale_[:, None]).astype(X.dtype)
        return X @ back + self.mean_.astype(X.dtype)
