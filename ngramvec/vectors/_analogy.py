"""Array helpers of the query layer: unit rows, and the batched analogy engine behind
:meth:`KeyedVectors._analogy_topk` and :func:`ngramvec.evaluate.analogy` (plain arrays in,
predicted rows out)."""
from __future__ import annotations

import numpy as np

__all__ = ["analogy_topk", "row_norms", "unit_rows"]

_BLOCK_BYTES = 100 * 2**20     # score block per chunk of questions, about 100 MB
_COSMUL_EPS = 1e-6             # 3CosMul's epsilon (Levy & Goldberg 2014)


def row_norms(vectors: np.ndarray) -> np.ndarray:
    """L2 norm of each row, in the dtype of ``vectors`` (float32 for float32, as gensim)."""
    return np.linalg.norm(vectors, axis=1)


def unit_rows(vectors: np.ndarray, norms: np.ndarray | None = None) -> np.ndarray:
    """``vectors`` with each row divided by its L2 norm, float32, C-contiguous.

    Rows of norm zero stay zero (their cosine with anything is 0), never NaN.
    ``norms`` may be given when already known (``row_norms(vectors)``).
    """
    if norms is None:
        norms = row_norms(vectors)
    safe = np.where(norms == 0, 1, norms).astype(norms.dtype, copy=False)
    return np.ascontiguousarray((vectors / safe[:, None]).astype(np.float32, copy=False))


def analogy_topk(unit: np.ndarray, n_cand: int, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                 excl: np.ndarray, method: str, topn: int) -> np.ndarray:
    """Top ``topn`` rows for ``a : b :: c : ?`` over the first ``n_cand`` rows of ``unit``.

    Parameters
    ----------
    unit : ndarray of float32, shape (n, dim)
        L2-normalised vectors.
    n_cand : int
        Candidates are ``unit[:n_cand]``.
    a, b, c : ndarray of int64, shape (n_questions,)
        Rows of the question words, already checked to lie in ``[0, n)``.
    excl : ndarray of int64, shape (n_questions, m)
        Rows never predicted for each question (the question words first); ``-1`` pads.
    method : {"3cosadd", "3cosmul"}
    topn : int

    Returns
    -------
    ndarray of int64, shape (n_questions, topn)
        Best first; ``-1`` where fewer candidates remain.
    """
    nq = a.shape[0]
    out = np.full((nq, topn), -1, dtype=np.int64)
    if nq == 0 or n_cand == 0:
        return out
    cand = unit[:n_cand]
    n_blocks = 2 if method == "3cosmul" else 1
    chunk = max(1, min(1024, _BLOCK_BYTES // (4 * n_cand * n_blocks)))
    k = min(topn, n_cand)
    for start in range(0, nq, chunk):
        sl = slice(start, min(nq, start + chunk))
        rows = np.arange(sl.stop - sl.start)
        if method == "3cosadd":
            query = unit[b[sl]] - unit[a[sl]] + unit[c[sl]]
            scores = query @ cand.T  # (chunk, n_cand)
        else:
            # (1 + cos) / 2 shifts cosines to [0, 1] (Levy & Goldberg 2014, footnote 7)
            scores = unit[b[sl]] @ cand.T
            scores += 1.0
            scores *= 0.5
            other = unit[c[sl]] @ cand.T
            other += 1.0
            other *= 0.5
            scores *= other
            other = np.matmul(unit[a[sl]], cand.T, out=other)
            other += 1.0
            other *= 0.5
            other += np.float32(_COSMUL_EPS)
            scores /= other
            del other
        # Exclude the question words (indices past the candidates are ignored).
        ex = excl[sl]
        valid = (ex >= 0) & (ex < n_cand)
        r_idx = np.broadcast_to(rows[:, None], ex.shape)[valid]
        scores[r_idx, ex[valid]] = -np.inf
        if k == 1:
            part = np.argmax(scores, axis=1)[:, None]  # first index among ties
        elif k < n_cand:
            part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(n_cand), (len(rows), n_cand)).copy()
        top_scores = scores[rows[:, None], part]
        order = np.lexsort((part, -top_scores), axis=1)
        best = np.take_along_axis(part, order, axis=1)
        best_scores = np.take_along_axis(top_scores, order, axis=1)
        best[np.isneginf(best_scores)] = -1
        out[sl, :k] = best
    return out
