"""Supervised linear heads over sentence vectors: CoSENT and direct cosine regression.

Both learn a linear map ``z = (x - mean_) W + bias_`` (``d -> k``) from pairs of
sentence vectors and gold similarity scores, so that the cosine of the two mapped
vectors of a pair follows the score:

* :class:`CoSENT` minimises Su's ranking loss: every pair with a higher gold score
  should get a higher cosine than every pair with a lower one;
* :class:`CosineRegression` minimises the mean squared error between the cosine and
  the gold score rescaled to [-1, 1] or [0, 1], the objective CoSENT was written
  against.

They take sentence vectors from any encoder (:class:`~ngramvec.postprocess.WordAverage`,
:class:`~ngramvec.postprocess.SIF`, :class:`~ngramvec.postprocess.USIF`); to fit an
encoder and a head on text pairs in one call and save them together, use
:class:`~ngramvec.postprocess.SentencePairEncoder`.

Measured (``benchmarks/quality_sentence.py``, 2026-12-01; full table in
``benchmarks/README.md``, "Supervised sentence heads"): SGNS and PPMI-SVD vectors
trained by ngramvec on 50M tokens of Gutenberg, sentence vectors by average,
position-weighted average, SIF and uSIF, heads fitted on the 5,749 STS-B train pairs
with every setting chosen on dev, Spearman x100 on STS-B test:

* CoSENT does not clearly beat direct cosine regression here: from the centred
  vectors it is +1.1 points ahead on average over the four encoders on PPMI-SVD and
  0.4 behind on SGNS; from the whitening map it is 0.8 behind (7 of 8 cells). The
  regulariser ``l2`` and the starting map matter more than the objective.
* ``lam=20`` (Su's value) suits mini-batches, not a full batch: over all training
  pairs the log-sum-exp is dominated by the worst few violations and the dev score was
  7 to 17 points below ``lam=5``, which dev chose for every full-batch CoSENT.
* A supervised head adds 3.0 to 8.1 points over unsupervised whitening (best head of
  each encoder; e.g. SGNS + uSIF: whitening 61.71, CosineRegression from the
  whitening map 66.76, CoSENT 65.72), on top of the 4 to 24 whitening adds over no
  head.
* Fit time on the 5,749 pairs: 0.7 to 6.5 s for 100-d vectors, 3.5 to 26 s for 300-d
  ones (L-BFGS, one BLAS thread).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np
import scipy.optimize
from sklearn.base import ClassNamePrefixFeaturesOutMixin

from ngramvec.base.estimator import Estimator
from ngramvec.base.exceptions import TrainingDivergedError
from ngramvec.base.persist import ArraySpec, Saved
from ngramvec.base.validation import check_int
from ngramvec.vectors.postprocess._base import PostprocessPersist, check_vectors, eigh_descending, \
    update_moments
from ngramvec.vectors.postprocess._pairloss import cosent_loss, cosine_mse_loss, pair_cosines, \
    pair_cosines_backward, score_groups

logger = logging.getLogger(__name__)

__all__ = ["CoSENT", "CosineRegression", "check_pairs"]

# Adam's constants (Kingma & Ba 2015), as everyone uses them
_BETA1, _BETA2, _ADAM_EPS = 0.9, 0.999, 1e-8


def check_pairs(X_a: Any, X_b: Any, scores: Any, owner: str
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate pairs of sentence vectors and their scores.

    Returns
    -------
    X_a, X_b : ndarray of shape (n_pairs, d), float32 or float64
    scores : ndarray of shape (n_pairs,), float64

    Raises
    ------
    TypeError
        Non-numeric input, sparse matrices.
    ValueError
        Different numbers of pairs in ``X_a``, ``X_b`` and ``scores``; ``X_a`` and
        ``X_b`` of different widths; NaN or infinity in the vectors or the scores;
        ``scores`` not 1-d.
    """
    X_a = check_vectors(X_a, owner, name="X_a")
    X_b = check_vectors(X_b, owner, name="X_b")
    if X_b.shape[1] != X_a.shape[1]:
        raise ValueError(f"X_a and X_b must have the same width: X_a has {X_a.shape[1]} "
                         f"features, X_b has {X_b.shape[1]}.")
    try:
        s = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{owner} needs numeric scores; got {type(scores).__name__}.") from None
    if s.ndim != 1:
        raise ValueError(f"{owner} needs scores as a 1-d array of shape (n_pairs,); got an "
                         f"array of shape {s.shape}.")
    if not X_a.shape[0] == X_b.shape[0] == s.size:
        raise ValueError(f"{owner} needs one row of X_a, one row of X_b and one score per "
                         f"pair: got {X_a.shape[0]}, {X_b.shape[0]} and {s.size} (mismatched "
                         f"lengths).")
    bad = np.flatnonzero(~np.isfinite(s))
    if bad.size:
        raise ValueError(f"scores contains NaN or infinity in {bad.size} pair(s) (first: pair "
                         f"{int(bad[0])}); {owner} needs finite scores.")
    return X_a, X_b, s


def _no_order_error(owner: str, s: np.ndarray) -> ValueError:
    return ValueError(f"all {s.size} scores are equal ({s[0]:g}): no pair has a higher score "
                      f"than another, so {owner} has nothing to learn. Pass pairs with "
                      f"different scores (or binary labels with both values).")


class _PairHead(ClassNamePrefixFeaturesOutMixin, PostprocessPersist, Estimator):
    """A linear map ``x -> (x - mean_) W + bias_`` fitted on scored pairs.

    Subclasses set ``_loss(cos, index)`` (loss and gradient in the cosines of the pairs
    ``index``, None for all) through ``_prepare(scores)``.
    """

    _persist_attributes = ("n_features_in_", "n_components_", "n_pairs_seen_", "mean_",
                           "components_", "bias_", "n_iter_", "loss_curve_", "initial_loss_",
                           "converged_")
    _persist_schema = {"mean_": ArraySpec("f", ("d",)), "components_": ArraySpec("f", ("k", "d")),
                       "bias_": ArraySpec("f", ("k",)), "loss_curve_": ArraySpec("f", (None,))}

    # -- the loss of a subclass -------------------------------------------------

    def _prepare(self, scores: np.ndarray) -> None:  # pragma: no cover
        """Check the scores and keep what the loss needs (raises if nothing to learn)."""
        raise NotImplementedError

    def _loss(self, cos: np.ndarray, index: np.ndarray | None) -> tuple[float, np.ndarray]:
        raise NotImplementedError  # pragma: no cover

    # -- fitting ----------------------------------------------------------------

    def fit(self, X_a: Any, X_b: Any, scores: Any) -> "_PairHead":
        """Fit the map on pairs of sentence vectors and their gold scores.

        Parameters
        ----------
        X_a, X_b : array-like of shape (n_pairs, d), float32 or float64
            Row ``i`` of ``X_a`` and row ``i`` of ``X_b`` are the two sentences of pair
            ``i`` (any encoder's output: WordAverage, SIF, USIF...).
        scores : array-like of shape (n_pairs,)
            Gold similarity (any scale: only the order matters to CoSENT; CosineRegression
            rescales the range seen here), or binary labels (1 similar, 0 not).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Invalid parameters (``lam <= 0``, ``n_components`` larger than ``d``...);
            mismatched lengths of ``X_a``, ``X_b`` and ``scores``; NaN or infinity in
            the vectors or the scores; all scores equal.
        TrainingDivergedError
            The loss became NaN or infinite (lower ``lr``).
        """
        owner = type(self).__name__
        p = self._validate_params()
        X_a, X_b, s = check_pairs(X_a, X_b, scores, owner)
        n, d = X_a.shape
        k = check_int(p["n_components"], "n_components", owner, 1, d, allow_none=True,
                      why=f"for data with {d} features") or d
        self._prepare(s)
        rng = np.random.default_rng(p["seed"])
        both = np.concatenate([X_a, X_b]).astype(np.float64, copy=False)
        if p["init"] == "random" or (p["init"] == "identity" and k == d):
            mean, cov = both.mean(axis=0), None     # no covariance needed
        else:
            with np.errstate(over="ignore", invalid="ignore"):   # checked just below
                _, mean, m2 = update_moments(both, 0, None, None)
                cov = m2 / max(both.shape[0] - 1, 1)
            if not np.isfinite(cov).all():
                raise ValueError(f"{owner}: the covariance of the sentence vectors overflows "
                                 f"float64 (values up to {np.abs(both).max():.3g}); rescale them.")
        del both
        w0 = self._initial_map(p["init"], cov, d, k, rng)
        if not p["center"]:
            mean = np.zeros(d)
        A = np.asarray(X_a, dtype=np.float64) - mean
        B = np.asarray(X_b, dtype=np.float64) - mean
        objective = self._objective(A, B, w0, p["l2"], p["bias"])
        theta0 = np.concatenate([w0.ravel(), np.zeros(k if p["bias"] else 0)])
        initial_loss = float(objective(theta0, None)[0])
        if p["batch_size"] is None or p["batch_size"] >= n:
            theta, curve, n_iter, converged = self._lbfgs(objective, theta0, p["max_iter"])
        else:
            theta, curve, n_iter, converged = self._adam(objective, theta0, n, p, rng)
        w = theta[:d * k].reshape(d, k)
        self.n_features_in_ = d
        self.n_components_ = k
        self.n_pairs_seen_ = n
        self.initial_loss_ = initial_loss
        self.mean_ = mean
        self.components_ = np.ascontiguousarray(w.T)
        self.bias_ = theta[d * k:].copy() if p["bias"] else np.zeros(k)
        self.n_iter_ = int(n_iter)
        self.loss_curve_ = np.asarray(curve, dtype=np.float64)
        self.converged_ = bool(converged)
        logger.info("%s: %d pairs, %d -> %d, loss %.4g -> %.4g in %d iterations", owner, n, d, k,
                    self.initial_loss_, curve[-1] if curve else self.initial_loss_, n_iter)
        return self

    @staticmethod
    def _initial_map(init: str, cov: np.ndarray | None, d: int, k: int,
                     rng: np.random.Generator) -> np.ndarray:
        """``W0`` (d, k), scaled to ``||W0||_F^2 = k`` (cosines do not see the scale)."""
        if init == "random":
            w0 = rng.standard_normal((d, k)) / np.sqrt(d)
        elif init == "identity" and k == d:
            w0 = np.eye(d)
        else:
            # the covariance was computed for these inits
            values, axes = eigh_descending(cov)
            if init == "whitening":
                # as Whitening (its default eps): U_k diag(1 / sqrt(max(s, eps s_max)))
                if values[0] <= 0.0:
                    raise ValueError("cannot whiten vectors without variance: all fitted "
                                     "sentence vectors are identical; use init='identity'.")
                floor = 1e-6 * values[0]
                w0 = axes[:k].T / np.sqrt(np.maximum(values[:k], floor))
            else:
                w0 = np.ascontiguousarray(axes[:k].T)   # top-k principal axes, unscaled
        return w0 * (np.sqrt(k) / np.linalg.norm(w0))

    def _objective(self, A: np.ndarray, B: np.ndarray, w0: np.ndarray, l2: float,
                   bias: bool) -> Callable[[np.ndarray, np.ndarray | None],
                                           tuple[float, np.ndarray]]:
        """``f(theta, index) -> (loss, gradient)`` over the pairs ``index`` (None: all)."""
        d, k = w0.shape
        reg = l2 / k    # ||W0||_F^2 = k: the penalty is l2 times the relative squared change

        def f(theta: np.ndarray, index: np.ndarray | None) -> tuple[float, np.ndarray]:
            w = theta[:d * k].reshape(d, k)
            a, b = (A, B) if index is None else (A[index], B[index])
            za, zb = a @ w, b @ w
            if bias:
                za += theta[d * k:]
                zb += theta[d * k:]
            cos, nu, nv = pair_cosines(za, zb)
            loss, g = self._loss(cos, index)
            gu, gv = pair_cosines_backward(za, zb, cos, nu, nv, g)
            grad = np.empty_like(theta)
            gw = grad[:d * k].reshape(d, k)
            np.matmul(a.T, gu, out=gw)
            gw += b.T @ gv
            if bias:
                grad[d * k:] = gu.sum(axis=0) + gv.sum(axis=0)
            if reg:
                delta = w - w0
                loss += reg * float(np.einsum("ij,ij->", delta, delta))
                gw += (2.0 * reg) * delta
            return loss, grad

        return f

    def _diverged(self, what: str) -> TrainingDivergedError:
        return TrainingDivergedError(f"{type(self).__name__}: the loss became NaN or infinite "
                                     f"{what}; lower lr (or raise l2).")

    def _lbfgs(self, objective: Callable, theta0: np.ndarray, max_iter: int
               ) -> tuple[np.ndarray, list[float], int, bool]:
        curve: list[float] = []

        def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            loss, grad = objective(theta, None)
            if not np.isfinite(loss) or not np.isfinite(grad).all():
                raise self._diverged("in L-BFGS")
            return loss, grad

        def record(intermediate_result: scipy.optimize.OptimizeResult) -> None:
            curve.append(float(intermediate_result.fun))

        res = scipy.optimize.minimize(fun, theta0, jac=True, method="L-BFGS-B", callback=record,
                                      options={"maxiter": max_iter})
        if not curve or curve[-1] != float(res.fun):
            curve.append(float(res.fun))
        if not res.success:
            logger.info("%s: L-BFGS stopped after %d iterations: %s", type(self).__name__,
                        res.nit, res.message)
        return res.x, curve, res.nit, bool(res.success)

    def _adam(self, objective: Callable, theta0: np.ndarray, n: int, p: dict,
              rng: np.random.Generator) -> tuple[np.ndarray, list[float], int, bool]:
        theta = theta0.copy()
        m = np.zeros_like(theta)
        v = np.zeros_like(theta)
        lr, size = p["lr"], p["batch_size"]
        step = 0
        curve = []
        for epoch in range(p["max_iter"]):
            perm = rng.permutation(n)
            total, batches = 0.0, 0
            for start in range(0, n - 1, size):    # a last batch of one pair has no pair
                index = perm[start:start + size]
                if index.size < 2:
                    continue
                loss, grad = objective(theta, index)
                if not np.isfinite(loss) or not np.isfinite(grad).all():
                    raise self._diverged(f"in epoch {epoch + 1} of Adam")
                step += 1
                m *= _BETA1
                m += (1.0 - _BETA1) * grad
                v *= _BETA2
                v += (1.0 - _BETA2) * grad * grad
                m_hat = m / (1.0 - _BETA1 ** step)
                v_hat = v / (1.0 - _BETA2 ** step)
                theta -= lr * m_hat / (np.sqrt(v_hat) + _ADAM_EPS)
                total += loss
                batches += 1
            curve.append(total / max(batches, 1))
        return theta, curve, p["max_iter"], True

    # -- using it ---------------------------------------------------------------

    def _is_fitted(self) -> bool:
        return "components_" in vars(self)

    @property
    def _n_features_out(self) -> int:
        return self.n_components_

    def transform(self, X: Any) -> np.ndarray:
        """Map sentence vectors: ``(X - mean_) @ components_.T + bias_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_), float32 or float64

        Returns
        -------
        ndarray of shape (n_samples, n_components_)
            dtype of ``X`` (other real dtypes give float64).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            Another width than at fit, NaN or infinity.
        """
        self._check_fitted()
        X = check_vectors(X, type(self).__name__, n_features=self.n_features_in_)
        out = (X - self.mean_.astype(X.dtype)) @ self.components_.T.astype(X.dtype)
        out += self.bias_.astype(X.dtype)
        return out

    def similarity(self, X_a: Any, X_b: Any) -> np.ndarray:
        """Cosine of each pair after the map.

        Parameters
        ----------
        X_a, X_b : array-like of shape (n_pairs, n_features_in_)

        Returns
        -------
        ndarray of shape (n_pairs,), float64
            0 for a pair where a mapped vector is zero.
        """
        self._check_fitted()
        za = np.asarray(self.transform(X_a), dtype=np.float64)
        zb = np.asarray(self.transform(X_b), dtype=np.float64)
        if za.shape != zb.shape:
            raise ValueError(f"X_a and X_b must have the same number of rows (pairs); got "
                             f"{za.shape[0]} and {zb.shape[0]}.")
        return pair_cosines(za, zb)[0]

    def score(self, X_a: Any, X_b: Any, scores: Any) -> float:
        """Spearman correlation between the gold ``scores`` and :meth:`similarity`.

        Returns
        -------
        float
            In [-1, 1] (multiply by 100 for the figure STS papers print).
        """
        from scipy.stats import spearmanr  # slow to import: only when used
        self._check_fitted()
        X_a, X_b, s = check_pairs(X_a, X_b, scores, type(self).__name__)
        return float(spearmanr(s, self.similarity(X_a, X_b)).statistic)

    # -- persistence ------------------------------------------------------------

    def _persist_restore(self, saved: Saved, path: str) -> None:
        self.n_features_in_ = int(self.n_features_in_)
        self.n_components_ = int(self.n_components_)
        self.n_pairs_seen_ = int(self.n_pairs_seen_)
        self.n_iter_ = int(self.n_iter_)
        self.converged_ = bool(self.converged_)
        self.initial_loss_ = float(self.initial_loss_)
        if self.components_.shape != (self.n_components_, self.n_features_in_):
            raise ValueError(f"components of shape {self.components_.shape} do not fit "
                             f"n_components_={self.n_components_} and "
                             f"n_features_in_={self.n_features_in_}")
        for name in ("mean_", "components_", "bias_", "loss_curve_"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.float64))


_PARAMS_DOC = """
    n_components : int or None, default=None
        Output dimension ``k``, in [1, d]; None keeps ``d``.
    init : {"whitening", "identity", "random"}, default="whitening"
        Starting map. ``"whitening"``: the whitening of the fitted sentence vectors (the
        union of ``X_a`` and ``X_b``; for ``k < d`` its top ``k`` directions), as
        :class:`~ngramvec.postprocess.Whitening` computes it. ``"identity"``: the vectors
        as they are (for ``k < d``: projected on their top ``k`` principal axes).
        ``"random"``: Gaussian, drawn with ``seed``. The map is rescaled to
        ``||W0||_F^2 = k``, which changes no cosine.
    max_iter : int, default=100
        Iterations of L-BFGS, or epochs of Adam when ``batch_size`` is set.
    batch_size : int or None, default=None
        None: full-batch L-BFGS (SciPy's L-BFGS-B) on the exact gradient. An int
        (>= 2): mini-batch Adam (written in NumPy) over batches of that many pairs, in a
        new random order each epoch; a batch size at least the number of pairs is
        full-batch L-BFGS.
    lr : float, default=1e-3
        Adam's step size (ignored by L-BFGS).
    l2 : float, default=0.0
        Weight of the penalty ``l2 ||W - W0||_F^2 / k`` (relative squared distance to
        the starting map, added to the loss of every batch). Since cosines do not see
        the scale of ``W``, this, not a penalty on ``||W||``, is what keeps the map near
        a known-good one.
    center : bool, default=True
        Subtract the mean of the fitted sentence vectors before the map (kept in
        ``mean_``); False maps ``x`` itself (``mean_`` is zero).
    bias : bool, default=False
        Also learn a vector ``bias_`` added after the map.
    seed : int or None, default=0
        Seed of the random initial map and of Adam's batch order; None draws one."""

_ATTRS_DOC = """
    n_features_in_ : int
        ``d``.
    n_components_ : int
        ``k``.
    n_pairs_seen_ : int
    mean_ : ndarray of shape (d,), float64
        Subtracted before the map (zeros with ``center=False``).
    components_ : ndarray of shape (k, d), float64
        The map: ``transform(X) = (X - mean_) @ components_.T + bias_``.
    bias_ : ndarray of shape (k,), float64
        Zeros unless ``bias=True``.
    n_iter_ : int
        L-BFGS iterations run, or Adam epochs.
    loss_curve_ : ndarray of shape (n_iter,), float64
        Loss (with the penalty) after each L-BFGS iteration, or the mean batch loss of
        each Adam epoch.
    initial_loss_ : float
        Loss over all pairs at the starting map.
    converged_ : bool
        L-BFGS met its tolerance before ``max_iter`` (always True for Adam)."""


class CoSENT(_PairHead):
    __doc__ = f"""A linear map of sentence vectors trained with the CoSENT ranking loss.

    Fitted on pairs ``(x_a_i, x_b_i)`` with gold scores ``s_i``, it minimises
    (with ``cos_i`` the cosine of the two mapped vectors of pair ``i``)

    ``L = log(1 + Σ_{{(i, j): s_i > s_j}} exp(λ (cos_j - cos_i)))``

    over all ordered pairs of pairs (of the whole training set with L-BFGS, of each
    batch with Adam): only the *order* of the scores matters, so it needs no mapping
    of the scores onto cosines and works with binary labels as well. Pairs of equal
    score (ties) are not compared.

    Parameters
    ----------{_PARAMS_DOC}
    lam : float, default=20.0
        ``λ > 0``, the inverse temperature: larger values weigh the worst-ranked pairs
        more. 20 is Su's choice, for mini-batches of a few dozen pairs. Over a full
        batch (``batch_size=None``) of thousands of pairs the loss is then dominated by
        the few worst violations and learns little: on STS-B, ``lam=5`` was 7 to 17
        dev points better (``benchmarks/README.md``); pass a smaller ``lam`` there.

    Attributes
    ----------{_ATTRS_DOC}

    Notes
    -----
    The loss is computed in O(n log n) time and O(n) memory by sorting the pairs by
    score and taking prefix and suffix log-sum-exps (see
    :func:`ngramvec.vectors.postprocess._pairloss.cosent_loss`); the gradient is
    exact and checked against finite differences in the tests.

    References
    ----------
    Su, J. (2022). CoSENT (1): a more effective sentence vector scheme than
    Sentence-BERT. https://kexue.fm/archives/8847

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X_a, X_b = rng.normal(size=(200, 8)), rng.normal(size=(200, 8))
    >>> scores = (X_a[:, 0] * X_b[:, 0] > 0).astype(float)   # similar iff same sign on axis 0
    >>> head = CoSENT(init="identity").fit(X_a, X_b, scores)
    >>> head.score(X_a, X_b, scores) > 0.8
    True
    """

    def __init__(self, n_components: int | None = None, lam: float = 20.0,
                 init: str = "whitening", max_iter: int = 100, batch_size: int | None = None,
                 lr: float = 1e-3, l2: float = 0.0, center: bool = True, bias: bool = False,
                 seed: int | None = 0) -> None:
        self.n_components = n_components
        self.lam = lam
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.lr = lr
        self.l2 = l2
        self.center = center
        self.bias = bias
        self.seed = seed

    def _prepare(self, scores: np.ndarray) -> None:
        if scores.min() == scores.max():
            raise _no_order_error(type(self).__name__, scores)
        self._scores = scores
        self._groups = score_groups(scores)
        self._lam = float(self.lam)

    def _loss(self, cos: np.ndarray, index: np.ndarray | None) -> tuple[float, np.ndarray]:
        if index is None:
            return cosent_loss(cos, self._scores, self._lam, self._groups)
        return cosent_loss(cos, self._scores[index], self._lam)

    def fit(self, X_a: Any, X_b: Any, scores: Any) -> "CoSENT":
        try:
            return super().fit(X_a, X_b, scores)  # type: ignore[return-value]
        finally:
            for name in ("_scores", "_groups", "_lam"):
                self.__dict__.pop(name, None)

    fit.__doc__ = _PairHead.fit.__doc__


class CosineRegression(_PairHead):
    __doc__ = f"""A linear map of sentence vectors fitted so that cosines match the gold scores.

    The baseline CoSENT was written against: it minimises the mean squared error
    ``mean_i (cos_i - t_i)^2`` between the cosine of the two mapped vectors of each
    pair and its gold score rescaled linearly from the range seen at fit
    (``[score_min_, score_max_]``) onto ``target_range``.

    Parameters
    ----------{_PARAMS_DOC}
    target_range : {{"[-1, 1]", "[0, 1]"}}, default="[-1, 1]"
        Where the lowest and highest fitted scores go. ``"[-1, 1]"`` asks unrelated
        pairs for opposite vectors, ``"[0, 1]"`` for orthogonal ones.

    Attributes
    ----------{_ATTRS_DOC}
    score_min_, score_max_ : float
        The range of the fitted scores.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X_a, X_b = rng.normal(size=(200, 8)), rng.normal(size=(200, 8))
    >>> scores = (X_a[:, 0] * X_b[:, 0] > 0).astype(float)
    >>> CosineRegression(init="identity").fit(X_a, X_b, scores).score(X_a, X_b, scores) > 0.8
    True
    """

    _persist_attributes = _PairHead._persist_attributes + ("score_min_", "score_max_")

    def __init__(self, n_components: int | None = None, target_range: str = "[-1, 1]",
                 init: str = "whitening", max_iter: int = 100, batch_size: int | None = None,
                 lr: float = 1e-3, l2: float = 0.0, center: bool = True, bias: bool = False,
                 seed: int | None = 0) -> None:
        self.n_components = n_components
        self.target_range = target_range
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.lr = lr
        self.l2 = l2
        self.center = center
        self.bias = bias
        self.seed = seed

    def _prepare(self, scores: np.ndarray) -> None:
        lo, hi = float(scores.min()), float(scores.max())
        if lo == hi:
            raise _no_order_error(type(self).__name__, scores)
        low = -1.0 if self.target_range == "[-1, 1]" else 0.0
        self._target = low + (1.0 - low) * (scores - lo) / (hi - lo)
        self._range = (lo, hi)

    def _loss(self, cos: np.ndarray, index: np.ndarray | None) -> tuple[float, np.ndarray]:
        return cosine_mse_loss(cos, self._target if index is None else self._target[index])

    def fit(self, X_a: Any, X_b: Any, scores: Any) -> "CosineRegression":
        try:
            super().fit(X_a, X_b, scores)
            self.score_min_, self.score_max_ = self._range
            return self
        finally:
            self.__dict__.pop("_target", None)
            self.__dict__.pop("_range", None)

    fit.__doc__ = _PairHead.fit.__doc__

    def _persist_restore(self, saved: Saved, path: str) -> None:
        super()._persist_restore(saved, path)
        self.score_min_, self.score_max_ = float(self.score_min_), float(self.score_max_)
