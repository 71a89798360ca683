"""Isotropy measures of a set of vectors.

* :func:`average_cosine`: mean cosine similarity of pairs of distinct vectors (0 for
  directions spread evenly, near 1 when every vector shares one direction).
* :func:`partition_function_ratio`: Mu & Viswanath's ``I(V) = min_c Z(c) / max_c Z(c)``
  over the principal directions ``c`` (1 means isotropic).
* :func:`alignment` and :func:`uniformity`: Wang & Isola's two measures of a
  representation on the unit sphere.
* :func:`pair_measures`: the three for sentence pairs at once (alignment of the
  positive pairs, uniformity and average cosine of random pairs of all the sentences),
  to compare a representation before and after a transform.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
from scipy.special import logsumexp

from ngramvec.base.validation import check_param
from ngramvec.vectors.postprocess._base import check_vectors, chunk_slices, eigh_descending, gram_float64

logger = logging.getLogger(__name__)

__all__ = ["average_cosine", "partition_function_ratio", "alignment", "uniformity",
           "pair_measures"]


def _unit_rows(X: np.ndarray, owner: str, name: str = "X", drop_zero: bool = False) -> np.ndarray:
    """Rows scaled to unit length, in float64; zero rows dropped or an error."""
    X64 = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X64, axis=1)
    zero = norms == 0.0
    if zero.any():
        if not drop_zero:
            raise ValueError(f"{name} has {int(zero.sum())} zero vector(s) (first: row "
                             f"{int(np.flatnonzero(zero)[0])}); {owner} needs vectors with a "
                             f"direction.")
        logger.info("%s: %d zero vectors left out", owner, int(zero.sum()))
        X64, norms = X64[~zero], norms[~zero]
    return X64 / norms[:, None]


def _pairs(n: int, n_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_pairs`` random pairs ``(i, j)`` of distinct indices below ``n``, uniformly."""
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, size=n_pairs)
    j = (i + rng.integers(1, n, size=n_pairs)) % n  # j != i, uniform over the others
    return i, j


def average_cosine(X: Any, n_pairs: int | None = None, seed: int | None = 0) -> float:
    """Mean cosine similarity between distinct vectors.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), float32 or float64
        Zero vectors have no direction; they are left out (and logged).
    n_pairs : int or None, default=None
        None: the exact mean over all ``n (n - 1) / 2`` pairs, in O(n d) with
        ``Σ_{i≠j} cos(x_i, x_j) = ||Σ_i u_i||² - n`` (``u_i`` the unit vectors).
        An int: the mean over that many random pairs ``i ≠ j`` drawn with ``seed``.
    seed : int or None, default=0
        Seed of the pair sampler (used only with ``n_pairs``).

    Returns
    -------
    float
        In [-1, 1].

    Raises
    ------
    ValueError
        Fewer than 2 non-zero vectors, NaN or infinity, ``n_pairs < 1``.

    Examples
    --------
    >>> average_cosine([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # doctest: +ELLIPSIS
    0.47...
    """
    X = check_vectors(X, "average_cosine")
    n_pairs = check_param(n_pairs, "n_pairs", "average_cosine")
    U = _unit_rows(X, "average_cosine", drop_zero=True)
    n = U.shape[0]
    if n < 2:
        raise ValueError(f"average_cosine needs at least 2 non-zero vectors; got {n}.")
    if n_pairs is None:
        s = U.sum(axis=0)
        return float((s @ s - n) / (n * (n - 1)))
    i, j = _pairs(n, n_pairs, check_param(seed, "seed", "average_cosine"))
    return float(np.einsum("ij,ij->i", U[i], U[j]).mean())


def partition_function_ratio(X: Any) -> float:
    """Mu & Viswanath's isotropy ``I(V) = min_c Z(c) / max_c Z(c)``.

    ``Z(c) = Σ_w exp(c^T v_w)`` is the partition function of the log-linear model of
    the vectors; for a perfectly isotropic set it is the same constant for every unit
    ``c``. As in the paper, ``c`` ranges over the eigenvectors of ``V^T V`` (the
    uncentred second-moment matrix); since the sign of an eigenvector is arbitrary
    and ``Z(c) != Z(-c)``, both ``u_i`` and ``-u_i`` are used, which makes the value
    independent of the eigensolver's sign choices.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), float32 or float64

    Returns
    -------
    float
        In (0, 1]; 1 means isotropic.

    Notes
    -----
    ``log Z(c)`` is computed with ``logsumexp`` in float64 (by chunks of rows, merged
    with ``logaddexp``) and the ratio as ``exp(min log Z - max log Z)``, so vectors of
    large norm do not overflow ``exp``. The result can underflow to 0.0 only when the
    true ratio is below ~1e-308.

    References
    ----------
    Mu & Viswanath (2018). All-but-the-Top: Simple and Effective Postprocessing for
    Word Representations. ICLR (Section 2.2 and Table 1).
    """
    X = check_vectors(X, "partition_function_ratio")
    _, U = eigh_descending(gram_float64(X))
    C = np.vstack([U, -U])  # rows are the directions c: every u_i and -u_i
    log_z = np.full(C.shape[0], -np.inf)
    for sl in chunk_slices(X.shape[0], max(X.shape[1], C.shape[0])):
        scores = np.asarray(X[sl], dtype=np.float64) @ C.T  # (rows, n_directions)
        log_z = np.logaddexp(log_z, logsumexp(scores, axis=0))
    return float(np.exp(log_z.min() - log_z.max()))


def alignment(X: Any, Y: Any, alpha: float = 2.0) -> float:
    """Wang & Isola's alignment: ``E ||f(x) - f(y)||^alpha`` over positive pairs.

    Parameters
    ----------
    X, Y : array-like of shape (n_pairs, n_features), float32 or float64
        Row ``i`` of ``X`` and row ``i`` of ``Y`` form a positive pair. Rows are scaled
        to unit length first (the measure is defined on the unit sphere).
    alpha : float, default=2.0
        Exponent, > 0.

    Returns
    -------
    float
        In [0, 2**alpha]; lower is better aligned.

    Raises
    ------
    ValueError
        Different shapes, zero vectors, NaN or infinity, ``alpha <= 0``.

    References
    ----------
    Wang & Isola (2020). Understanding Contrastive Representation Learning through
    Alignment and Uniformity on the Hypersphere. ICML.
    """
    alpha = check_param(alpha, "alpha", "alignment")
    X = check_vectors(X, "alignment")
    Y = check_vectors(Y, "alignment", name="Y", n_features=X.shape[1])
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"alignment needs X and Y with the same number of rows (positive "
                         f"pairs); got {X.shape[0]} and {Y.shape[0]}.")
    dist = np.linalg.norm(_unit_rows(X, "alignment") - _unit_rows(Y, "alignment", "Y"), axis=1)
    return float(np.mean(dist ** alpha))


def uniformity(X: Any, t: float = 2.0, n_pairs: int | None = 100_000,
               seed: int | None = 0) -> float:
    """Wang & Isola's uniformity: ``log E exp(-t ||f(x) - f(y)||²)`` over pairs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), float32 or float64
        Rows are scaled to unit length first; zero vectors are an error.
    t : float, default=2.0
        Temperature, > 0.
    n_pairs : int or None, default=100_000
        When the number of distinct pairs ``n (n - 1) / 2`` is at most ``n_pairs`` (or
        ``n_pairs`` is None) the mean is over all pairs; otherwise over ``n_pairs``
        random pairs of distinct rows drawn with ``seed``.
    seed : int or None, default=0

    Returns
    -------
    float
        In [-4t, 0]; lower is more uniform.

    Notes
    -----
    Computed in log space: ``logsumexp(-t d²) - log(n_pairs)``.

    References
    ----------
    Wang & Isola (2020), ICML.
    """
    t = check_param(t, "t", "uniformity")
    n_pairs = check_param(n_pairs, "n_pairs", "uniformity")
    X = check_vectors(X, "uniformity")
    U = _unit_rows(X, "uniformity")
    n = U.shape[0]
    if n < 2:
        raise ValueError(f"uniformity needs at least 2 vectors; got {n}.")
    total_pairs = n * (n - 1) // 2
    if n_pairs is None or total_pairs <= n_pairs:
        acc, count = -np.inf, 0
        step = max(1, (1 << 22) // n)
        for start in range(0, n, step):
            stop = min(n, start + step)
            cos = U[start:stop] @ U.T  # (rows, n)
            rows = np.arange(start, stop)[:, None]
            mask = np.arange(n)[None, :] > rows  # pairs i < j only
            sq = np.clip(2.0 - 2.0 * cos[mask], 0.0, 4.0)
            if sq.size:
                acc = np.logaddexp(acc, logsumexp(-t * sq))
                count += sq.size
        return float(acc - np.log(count))
    i, j = _pairs(n, n_pairs, check_param(seed, "seed", "uniformity"))
    sq = np.clip(2.0 - 2.0 * np.einsum("ij,ij->i", U[i], U[j]), 0.0, 4.0)
    return float(logsumexp(-t * sq) - np.log(n_pairs))


def pair_measures(X_a: Any, X_b: Any, scores: Any = None, min_score: float | None = None,
                  n_pairs: int | None = 100_000, seed: int | None = 0) -> dict[str, float]:
    """Alignment, uniformity and average cosine of sentence-pair vectors.

    What explains a change of a sentence-similarity score: did a transform bring the
    vectors of similar sentences closer (alignment), spread all sentences more evenly
    on the sphere (uniformity), remove a common direction (average cosine)?

    Parameters
    ----------
    X_a, X_b : array-like of shape (n_pairs, n_features), float32 or float64
        The two vectors of each pair. Zero rows (sentences without a known word) are
        left out of every measure.
    scores : array-like of shape (n_pairs,), optional
        Gold scores; with ``min_score``, the positive pairs of the alignment are the
        pairs scored at least ``min_score``. Without them every pair is positive.
    min_score : float, optional
        For example 4.0 on STS-B's 0-5 scale.
    n_pairs : int or None, default=100_000
        Random pairs of sentences for the uniformity and the average cosine (None: all
        pairs, quadratic in the number of sentences).
    seed : int or None, default=0

    Returns
    -------
    dict
        ``alignment`` (:func:`alignment`, ``alpha=2``, over the positive pairs; lower is
        better aligned), ``uniformity`` (:func:`uniformity`, ``t=2``, over the rows of
        ``X_a`` and ``X_b`` together; lower is more uniform), ``average_cosine``
        (:func:`average_cosine` of random pairs of those rows), ``positive_pairs`` (how
        many pairs the alignment used).

    Raises
    ------
    ValueError
        Different shapes, NaN or infinity, ``min_score`` without ``scores``, scores of
        another length, no positive pair.

    References
    ----------
    Wang & Isola (2020). Understanding Contrastive Representation Learning through
    Alignment and Uniformity on the Hypersphere. ICML.
    """
    X_a = check_vectors(X_a, "pair_measures", name="X_a")
    X_b = check_vectors(X_b, "pair_measures", name="X_b", n_features=X_a.shape[1])
    if X_a.shape[0] != X_b.shape[0]:
        raise ValueError(f"pair_measures needs X_a and X_b with the same number of rows "
                         f"(pairs); got {X_a.shape[0]} and {X_b.shape[0]}.")
    keep = (np.linalg.norm(X_a, axis=1) > 0) & (np.linalg.norm(X_b, axis=1) > 0)
    if min_score is not None:
        if scores is None:
            raise ValueError("pair_measures: min_score needs scores.")
        s = np.asarray(scores, dtype=np.float64)
        if s.shape != (X_a.shape[0],):
            raise ValueError(f"pair_measures needs one score per pair: {X_a.shape[0]} pairs, "
                             f"scores of shape {s.shape}.")
        keep &= s >= float(min_score)
    if not keep.any():
        raise ValueError("pair_measures: no positive pair (with non-zero vectors) to align.")
    both = np.concatenate([X_a, X_b])
    both = both[np.linalg.norm(both, axis=1) > 0]
    return {"alignment": alignment(X_a[keep], X_b[keep]),
            "uniformity": uniformity(both, n_pairs=n_pairs, seed=seed),
            "average_cosine": average_cosine(both, n_pairs=n_pairs, seed=seed),
            "positive_pairs": int(keep.sum())}
