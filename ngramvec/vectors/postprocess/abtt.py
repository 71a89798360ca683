"""All-but-the-top: remove the mean and the dominating directions (Mu & Viswanath 2018)."""
from __future__ import annotations

import logging
import warnings

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin

from ngramvec.base.validation import check_int
from ngramvec.vectors.postprocess._base import RankDeficientWarning
from ngramvec.vectors.postprocess._linear import MomentTransformer

logger = logging.getLogger(__name__)

__all__ = ["AllButTheTop"]


class AllButTheTop(ClassNamePrefixFeaturesOutMixin, MomentTransformer):
    """All-but-the-top: subtract the mean, then the projections on the top D principal axes.

    ``transform(X) = Xc - (Xc @ U^T) @ U`` with ``Xc = X - mean_`` and ``U``
    (``components_``) the top ``D`` eigenvectors of the covariance of the fitted
    vectors. The output has the input's width and is orthogonal to every row of ``U``.

    Parameters
    ----------
    n_components : int or None, default=None
        Number ``D`` of dominating directions removed. None means
        ``max(1, n_features // 100)``, the rule of thumb of the paper (``D ≈ d / 100``).
        Must be smaller than the number of features and at most the number of fitted
        samples.

    Attributes
    ----------
    n_features_in_ : int
    n_samples_seen_ : int
    mean_ : ndarray of shape (n_features,), float64
    covariance_ : ndarray of shape (n_features, n_features), float64
    components_ : ndarray of shape (D, n_features), float64
        Removed directions, by decreasing variance.
    explained_variance_ : ndarray of shape (D,), float64
    n_components_ : int
        ``D``.

    Notes
    -----
    Algorithm 1 of the paper writes the removed projection as ``(u_i^T v(w)) u_i``
    with the *uncentred* ``v(w)``, subtracted from the *centred* ``ṽ(w)``. We project
    the centred vectors, ``ṽ(w) - Σ (u_i^T ṽ(w)) u_i``: then the output is exactly
    orthogonal to every ``u_i`` and has zero mean. With the uncentred projection every
    output would keep the common offset ``-Σ (u_i^T μ) u_i`` along the very directions
    the method means to remove, i.e. a shared component of the kind the method removes
    (the two agree only when ``μ`` is orthogonal to the ``u_i``). Most public
    reimplementations project the centred vectors too.

    Statistics are float64 and exact under :meth:`partial_fit` (see
    :class:`Whitening`).

    References
    ----------
    Mu & Viswanath (2018). All-but-the-Top: Simple and Effective Postprocessing for
    Word Representations. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(300, 8)) + 5.0
    >>> abtt = AllButTheTop(n_components=2).fit(X)
    >>> Y = abtt.transform(X)
    >>> bool(np.abs(Y @ abtt.components_.T).max() < 1e-9)
    True
    """

    def __init__(self, n_components: int | None = None) -> None:
        self.n_components = n_components

    def _resolved(self, n_features: int) -> int:
        if self.n_components is None:
            return max(1, n_features // 100)
        return int(self.n_components)

    def _check_params(self, n_features: int) -> int:
        self._validate_params()
        if n_features < 2:
            raise ValueError("AllButTheTop needs vectors of at least 2 features (it removes "
                             f"at least one direction and keeps the rest); got {n_features} feature(s).")
        d = check_int(self._resolved(n_features), "n_components", "AllButTheTop", 1,
                      n_features - 1, why=f"for data with {n_features} features")
        return max(2, d)

    def _finalize(self, values: np.ndarray, vectors: np.ndarray) -> None:
        d = self._resolved(self.n_features_in_)
        floor = 1e-12 * max(values[0], np.finfo(np.float64).tiny)
        n_null = int(np.count_nonzero(values[:d] <= floor))
        if n_null:
            warnings.warn(
                f"AllButTheTop: {n_null} of the {d} removed directions have no variance in "
                f"the {self.n_samples_seen_} fitted vectors; they are arbitrary directions of "
                f"the null space. Pass a smaller n_components.",
                RankDeficientWarning, stacklevel=4)
        self.n_components_ = d
        self.components_ = np.ascontiguousarray(vectors[:d])
        self.explained_variance_ = values[:d].copy()

    @property
    def _n_features_out(self) -> int:
        return self.n_features_in_

    def _transform_block(self, block: np.ndarray, out: np.ndarray) -> None:
        u = self.components_.astype(block.dtype, copy=False)
        np.subtract(block, (block @ u.T) @ u, out=out)
