"""The losses of the supervised sentence-pair heads and their gradients (pure NumPy).

Every function takes plain float64 arrays and returns the loss with its exact gradient;
the estimators of :mod:`ngramvec.vectors.postprocess.heads` chain them.

* :func:`pair_cosines` / :func:`pair_cosines_backward`: ``cos_i = <u_i, v_i> /
  (|u_i| |v_i|)`` for the rows of two matrices, and the gradient through it;
* :func:`cosent_loss`: Su's CoSENT ranking loss over all ordered pairs of a batch in
  O(n log n) time and O(n) memory;
* :func:`cosine_mse_loss`: mean squared error between cosines and targets.
"""
from __future__ import annotations

import numpy as np

__all__ = ["pair_cosines", "pair_cosines_backward", "cosent_loss", "cosine_mse_loss",
           "score_groups"]


def pair_cosines(U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cosine of each row of ``U`` with the same row of ``V``.

    Parameters
    ----------
    U, V : ndarray of shape (n, k), float64

    Returns
    -------
    cos : ndarray of shape (n,)
        0 for a pair with a zero row (it has no direction), as :func:`ngramvec.vectors.sts.sts`
        scores it.
    norm_u, norm_v : ndarray of shape (n,)
        Row norms, with 1.0 in place of 0 (so the backward pass can divide by them).
    """
    norm_u = np.sqrt(np.einsum("ij,ij->i", U, U))
    norm_v = np.sqrt(np.einsum("ij,ij->i", V, V))
    norm_u[norm_u == 0.0] = 1.0   # then the row is 0, its dot products 0: cos = 0
    norm_v[norm_v == 0.0] = 1.0
    cos = np.einsum("ij,ij->i", U, V) / (norm_u * norm_v)
    return cos, norm_u, norm_v


def pair_cosines_backward(U: np.ndarray, V: np.ndarray, cos: np.ndarray, norm_u: np.ndarray,
                          norm_v: np.ndarray, grad_cos: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Gradients with respect to ``U`` and ``V`` of a loss whose gradient in ``cos`` is given.

    Notes
    -----
    With ``û = u / |u|``: ``d cos / d u = (v̂ - cos û) / |u|`` and symmetrically for
    ``v``. A zero row gets a zero gradient (its cosine is the constant 0).

    Returns
    -------
    grad_U, grad_V : ndarray of shape (n, k), float64
    """
    zero = ~U.any(axis=1) | ~V.any(axis=1)             # cos is the constant 0 there
    if zero.any():
        grad_cos = np.where(zero, 0.0, grad_cos)
    inv = grad_cos / (norm_u * norm_v)                 # g / (|u| |v|)
    grad_u = V * inv[:, None] - U * (grad_cos * cos / norm_u ** 2)[:, None]
    grad_v = U * inv[:, None] - V * (grad_cos * cos / norm_v ** 2)[:, None]
    return grad_u, grad_v


def score_groups(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort the pairs by score and find the runs of equal scores.

    Returns
    -------
    order : ndarray of shape (n,), int64
        ``scores[order]`` is ascending (stable).
    below : ndarray of shape (n,), int64
        For sorted position ``p``: the number of pairs with a strictly lower score (the
        start of ``p``'s run of ties).
    above : ndarray of shape (n,), int64
        For sorted position ``p``: the first sorted position with a strictly higher score
        (the end of its run; ``n`` for the highest run).
    """
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    n = s.size
    new_run = np.empty(n, dtype=bool)
    new_run[:1] = True
    np.not_equal(s[1:], s[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run)
    run = np.cumsum(new_run) - 1                       # run id of each sorted position
    ends = np.append(starts[1:], n)
    return order, starts[run], ends[run]


def cosent_loss(cos: np.ndarray, scores: np.ndarray, lam: float,
                groups: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                ) -> tuple[float, np.ndarray]:
    """CoSENT loss of one batch and its gradient in the cosines.

    ``L = log(1 + Σ_{(i, j): s_i > s_j} exp(λ (cos_j - cos_i)))`` (Su 2022): every pair
    with a higher gold score should have a higher cosine than every pair with a lower
    one. Pairs of equal score are not compared (ties contribute nothing).

    Parameters
    ----------
    cos : ndarray of shape (n,), float64
    scores : ndarray of shape (n,), float64
        Gold scores or binary labels.
    lam : float
        ``λ > 0``.
    groups : tuple, optional
        :func:`score_groups` of ``scores``, when the caller already has it.

    Returns
    -------
    loss : float
        0.0 when no pair has a higher score than another.
    grad : ndarray of shape (n,), float64
        ``dL / d cos``.

    Notes
    -----
    The double sum factorises: with ``a_k = λ cos_k``,
    ``S = Σ_i exp(-a_i) P_i`` where ``P_i = Σ_{j: s_j < s_i} exp(a_j)`` is a sum over a
    prefix of the pairs sorted by score (up to the start of ``i``'s run of ties), so
    ``T = log S`` costs a sort and two cumulative log-sum-exps
    (``numpy.logaddexp.accumulate``), never the n x n matrix of differences: O(n log n)
    time, O(n) memory, no overflow for any ``λ`` (every term stays in log space).
    ``L = log(1 + e^T)`` (``logaddexp(0, T)``). The gradient is

    ``dL/d cos_k = λ σ(T) [exp(a_k + log Q_k - T) - exp(-a_k + log P_k - T)]``

    with ``Q_k = Σ_{i: s_i > s_k} exp(-a_i)`` (a suffix sum) and ``σ`` the logistic
    function; both exponentials are fractions of ``S``, at most 1.

    References
    ----------
    Su, J. (2022). CoSENT (1): a more effective sentence vector scheme than
    Sentence-BERT. https://kexue.fm/archives/8847
    """
    n = cos.size
    order, below, above = score_groups(scores) if groups is None else groups
    a = lam * cos[order]
    with np.errstate(divide="ignore"):
        # prefix[p] = log Σ_{q < p} exp(a_q); suffix[p] = log Σ_{q >= p} exp(-a_q)
        prefix = np.empty(n + 1)
        prefix[0] = -np.inf
        np.logaddexp.accumulate(a, out=prefix[1:])
        suffix = np.empty(n + 1)
        suffix[n] = -np.inf
        suffix[:n] = np.logaddexp.accumulate((-a)[::-1])[::-1]
    log_p = prefix[below]          # log Σ over pairs with a strictly lower score
    log_q = suffix[above]          # log Σ over pairs with a strictly higher score
    terms = log_p - a              # log (exp(-a_i) P_i)
    top = terms.max()
    if top == -np.inf:             # no ordered pair: nothing to rank
        return 0.0, np.zeros(n)
    t = top + np.log(np.exp(terms - top).sum())
    loss = float(np.logaddexp(0.0, t))
    sigma = np.exp(t - loss)       # e^T / (1 + e^T)
    grad_sorted = lam * sigma * (np.exp(a + log_q - t) - np.exp(terms - t))
    grad = np.empty(n)
    grad[order] = grad_sorted
    return loss, grad


def cosine_mse_loss(cos: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """``mean((cos - target)^2)`` and its gradient in the cosines.

    Parameters
    ----------
    cos, target : ndarray of shape (n,), float64

    Returns
    -------
    loss : float
    grad : ndarray of shape (n,), float64
    """
    diff = cos - target
    return float(np.mean(diff * diff)), (2.0 / cos.size) * diff
