"""Base class of the linear post-processors fitted from a mean and a covariance."""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
from sklearn.base import TransformerMixin

from ngramvec.base.estimator import Estimator, not_fitted_error
from ngramvec.base.persist import ArraySpec, Saved
from ngramvec.vectors.postprocess._base import PostprocessPersist, check_vectors, eigh_descending, \
    update_moments

logger = logging.getLogger(__name__)


def too_few_samples(owner: str, n_samples: int, k: int | None) -> ValueError:
    """The error for fitting ``k`` directions (or a covariance) on ``n_samples`` rows."""
    if n_samples < 2:
        return ValueError(f"{owner} needs at least 2 samples to estimate a covariance; got "
                          f"{n_samples} sample(s).")
    return ValueError(f"n_components={k} is larger than the number of samples ({n_samples}); "
                      f"{owner} cannot estimate {k} directions from {n_samples} vectors.")


class MomentTransformer(TransformerMixin, PostprocessPersist, Estimator):
    """Fit = stream the rows into a float64 mean and covariance, then decompose.

    Subclasses implement ``_check_params(n_features, n_samples)`` and
    ``_finalize(values, vectors)`` (eigenvalues descending, eigenvectors as rows) and
    ``_transform_block(block, out)``.
    """

    _persist_attributes = ("n_features_in_", "n_samples_seen_", "mean_", "covariance_")
    _persist_schema = {"mean_": ArraySpec("f", ("d",)), "covariance_": ArraySpec("f", ("d", "d"))}

    # -- fitting ---------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> "MomentTransformer":
        """Fit from the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), float32 or float64
            Any other real dtype is converted to float64.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Invalid parameters, fewer samples than ``max(2, n_components)``, NaN or
            infinity, no rows.
        """
        self._reset()
        return self._merge(X, streaming=False)

    def partial_fit(self, X: Any, y: Any = None) -> "MomentTransformer":
        """Merge the rows of ``X`` into the statistics and refit the transform.

        Calling ``partial_fit`` on chunks of a matrix gives the same result as one
        ``fit`` on the whole matrix (up to float64 rounding): the means and
        covariances of the chunks are merged exactly (Chan et al. 1979). Until
        ``max(2, n_components)`` rows have been seen the statistics are kept but the
        transform is not available (``transform`` raises ``NotFittedError``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), float32 or float64
        y : None
            Ignored.

        Returns
        -------
        self
        """
        return self._merge(X, streaming=True)

    def _reset(self) -> None:
        for attr in ("n_samples_seen_", "mean_", "covariance_", "n_features_in_",
                     "components_"):
            if hasattr(self, attr):
                delattr(self, attr)

    def _merge(self, X: Any, streaming: bool) -> "MomentTransformer":
        owner = type(self).__name__
        seen = getattr(self, "n_samples_seen_", 0)
        X = check_vectors(X, owner, n_features=getattr(self, "n_features_in_", None))
        n_total = seen + X.shape[0]
        needed = self._check_params(X.shape[1])
        if n_total < needed and not streaming:
            raise too_few_samples(owner, n_total, needed)
        if seen:
            m2 = self.covariance_ * (seen - 1) if seen > 1 else np.zeros_like(self.covariance_)
            n, mean, m2 = update_moments(X, seen, self.mean_, m2)
        else:
            n, mean, m2 = update_moments(X, 0, None, None)
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = n
        self.mean_ = mean
        self.covariance_ = m2 / max(n - 1, 1)
        if n < needed:
            if hasattr(self, "components_"):
                del self.components_
            logger.info("%s: %d samples seen, %d needed before the transform can be fitted",
                        owner, n, needed)
            return self
        values, vectors = eigh_descending(self.covariance_)
        self._finalize(values, vectors)
        logger.debug("%s: fitted on %d samples of dimension %d", owner, n, X.shape[1])
        return self

    def _is_fitted(self) -> bool:
        return "n_samples_seen_" in vars(self)

    def _check_transform_fitted(self) -> None:
        self._check_fitted()
        if not hasattr(self, "components_"):
            raise not_fitted_error(self, f"It has seen {self.n_samples_seen_} samples, fewer "
                                         f"than it needs to fit its transform; call "
                                         f"partial_fit with more data.")

    def _check_params(self, n_features: int) -> int:  # pragma: no cover
        """Validate the parameters (the table, then the bounds that depend on
        ``n_features``); return the number of samples needed."""
        raise NotImplementedError

    def _finalize(self, values: np.ndarray, vectors: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    def _persist_restore(self, saved: Saved, path: str) -> None:
        self.n_features_in_ = int(self.n_features_in_)
        self.n_samples_seen_ = int(self.n_samples_seen_)
        self.mean_ = np.asarray(self.mean_, dtype=np.float64)
        self.covariance_ = np.asarray(self.covariance_, dtype=np.float64)
        if self.n_samples_seen_ >= self._check_params(self.n_features_in_):
            self._finalize(*eigh_descending(self.covariance_))

    # -- transforming ----------------------------------------------------------

    def transform(self, X: Any) -> np.ndarray:
        """Apply the fitted transform.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_), float32 or float64

        Returns
        -------
        ndarray of shape (n_samples, n_output_features)
            Same dtype as ``X`` (float32 stays float32; dtypes other than float32
            and float64 give float64). The statistics are float64; the arithmetic of
            the transform runs in the dtype of ``X``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            A width different from the fitted one, NaN or infinity, no rows.
        """
        self._check_transform_fitted()
        X = check_vectors(X, type(self).__name__, n_features=self.n_features_in_)
        out = np.empty((X.shape[0], self._n_features_out), dtype=X.dtype)
        mean = self.mean_.astype(X.dtype)
        step = max(1, (1 << 20) // X.shape[1])
        for start in range(0, X.shape[0], step):
            sl = slice(start, min(X.shape[0], start + step))
            block = X[sl] - mean
            self._transform_block(block, out[sl])
        return out

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X).transform(X)``; identical to the two calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), float32 or float64
        y : None
            Ignored.

        Returns
        -------
        ndarray of shape (n_samples, n_output_features), dtype of ``X``
        """
        return self.fit(X).transform(X)

    def _transform_block(self, block: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    @property
    def _n_features_out(self) -> int:  # pragma: no cover
        raise NotImplementedError
