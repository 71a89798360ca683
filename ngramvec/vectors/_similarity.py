"""The similarity queries of :class:`~ngramvec.KeyedVectors` beyond ``most_similar``:
distances, ranks, centrality, weighted means and Word Mover's Distance, with gensim 4's
names and semantics (``docs/gensim.md`` lists where ngramvec differs, and why).

Cosines use the cached unit vectors, so a vector of norm zero has cosine 0 with
everything (gensim gives NaN); a query whose answer is a ranking (``closer_than``,
``rank``, ``most_similar_to_given``) refuses a zero or non-finite query vector, as
``most_similar`` does.
"""
from __future__ import annotations

import logging
import math
from typing import Any, Sequence

import numpy as np

from ngramvec.base.exceptions import OptionalDependencyError, OutOfVocabularyError
from ngramvec.base.keys import normalize_key
from ngramvec.base.validation import check_bool, check_int

__all__ = ["SimilarityMixin", "cosine_similarities"]

logger = logging.getLogger(__name__)


def _key(key: Any) -> Any:
    return normalize_key(key) if isinstance(key, tuple) else key


def _key_list(value: Any, name: str, owner: str) -> list:
    """A list of keys; a lone str is refused (it would be read as its characters)."""
    if isinstance(value, (str, tuple)):
        raise TypeError(f"The {name!r} parameter of {owner} must be a list of keys. Got the "
                        f"single key {value!r}; pass [{value!r}] instead.")
    try:
        return [_key(k) for k in value]
    except TypeError:
        raise TypeError(f"The {name!r} parameter of {owner} must be a list of keys. Got "
                        f"{type(value).__name__} instead.") from None


def cosine_similarities(vector_1: Any, vectors_all: Any) -> np.ndarray:
    """Cosine similarity of ``vector_1`` with each row of ``vectors_all``.

    Parameters
    ----------
    vector_1 : array-like of shape (dim,)
    vectors_all : array-like of shape (n, dim)

    Returns
    -------
    ndarray of shape (n,)
        float32 for float32 inputs, float64 for float64 (or integer) ones. A row or
        ``vector_1`` of norm zero gives 0 (gensim gives NaN).

    Raises
    ------
    ValueError
        Shapes that do not fit.
    """
    v = np.asarray(vector_1)
    m = np.asarray(vectors_all)
    if v.ndim != 1:
        raise ValueError(f"cosine_similarities: vector_1 must be 1-D (dim,). Got shape "
                         f"{v.shape} instead.")
    if m.ndim != 2 or m.shape[1] != v.shape[0]:
        raise ValueError(f"cosine_similarities: vectors_all must have shape (n, {v.shape[0]}). "
                         f"Got shape {m.shape} instead.")
    dtype = np.result_type(v.dtype, m.dtype, np.float32)
    v = v.astype(dtype, copy=False)
    m = m.astype(dtype, copy=False)
    den = np.linalg.norm(m, axis=1) * np.linalg.norm(v)
    dots = m @ v
    return np.divide(dots, den, out=np.zeros_like(dots), where=den > 0)


def _euclidean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise Euclidean distances of the rows of ``a`` and ``b`` (float64), one row of
    ``a`` at a time so that memory stays (len(b), dim)."""
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    for i in range(a.shape[0]):
        d = b - a[i]
        out[i] = np.sqrt(np.einsum("ij,ij->i", d, d))
    return out


class SimilarityMixin:
    """The similarity methods of :class:`~ngramvec.KeyedVectors` (see the module docstring)."""

    cosine_similarities = staticmethod(cosine_similarities)

    def most_similar_to_given(self, key1: Any, keys_list: Sequence[Any]) -> Any:
        """The element of ``keys_list`` whose vector has the highest cosine with ``key1``'s
        (the first one among ties).

        Raises
        ------
        ValueError
            ``keys_list`` is empty, or ``key1``'s vector is zero or not finite.
        OutOfVocabularyError
            A key is absent.
        """
        keys = _key_list(keys_list, "keys_list", "most_similar_to_given")
        if not keys:
            raise ValueError("most_similar_to_given: keys_list is empty")
        q = self._query_row(self.get_index(key1))
        scores = self.unit_vectors[[self.get_index(k) for k in keys]] @ q
        return keys_list[int(np.argmax(scores))]

    def closer_than(self, key1: Any, key2: Any) -> list[str]:
        """The keys closer to ``key1`` (higher cosine) than ``key2`` is, in row order;
        ``key1`` itself is left out.

        Raises
        ------
        ValueError
            ``key1``'s vector is zero or not finite (nothing is closer to no direction).
        OutOfVocabularyError
            A key is absent.

        Examples
        --------
        >>> import numpy as np
        >>> from ngramvec import KeyedVectors
        >>> wv = KeyedVectors(np.array([[1, 0], [0.9, 0.1], [0.7, 0.7], [0, 1]]),
        ...                   ["cat", "dog", "fox", "car"])
        >>> wv.closer_than("cat", "fox"), wv.rank("cat", "fox")
        (['dog'], 2)
        """
        i, j = self.get_index(key1), self.get_index(key2)
        sims = self.unit_vectors @ self._query_row(i)
        closer = np.flatnonzero(sims > sims[j])
        return [self._key_at(r) for r in closer.tolist() if r != i]

    def rank(self, key1: Any, key2: Any) -> int:
        """1 + the number of keys closer to ``key1`` than ``key2`` (see :meth:`closer_than`)."""
        return len(self.closer_than(key1, key2)) + 1

    def rank_by_centrality(self, words: Sequence[Any], use_norm: bool = True
                           ) -> list[tuple[float, Any]]:
        """The words ranked by the cosine of their vectors with their normalised mean.

        Parameters
        ----------
        words : list of keys
            Absent keys are ignored, with a warning.
        use_norm : bool, default=True
            Average (and score) unit vectors; False uses the raw vectors, scored by their
            dot product with the normalised mean (gensim's rule).

        Returns
        -------
        list of (float, key)
            Most central first (equal scores: the greater key first, as gensim sorts).

        Raises
        ------
        ValueError
            None of the words is present, or one has a zero or non-finite vector.
        """
        use_norm = check_bool(use_norm, "use_norm", "rank_by_centrality")
        words = _key_list(words, "words", "rank_by_centrality")
        used = [w for w in words if self.has_index_for(w)]
        if len(used) != len(words):
            logger.warning("rank_by_centrality ignores keys that are not present: %s",
                           [w for w in words if not self.has_index_for(w)])
        if not used:
            raise ValueError("rank_by_centrality: none of the words is present")
        rows = [self.get_index(w) for w in used]
        for r in rows:
            self._query_row(r)  # a zero or non-finite vector has no place on the ranking
        vecs = (self.unit_vectors if use_norm else self._vectors)[rows]
        mean = vecs.astype(np.float64).mean(axis=0)
        n = np.linalg.norm(mean)
        if n > 0:
            mean /= n
        scores = (vecs @ mean.astype(np.float32)).tolist()
        order = sorted(range(len(used)), key=lambda t: (scores[t], str(used[t])), reverse=True)
        return [(scores[t], used[t]) for t in order]

    def doesnt_match(self, words: Sequence[Any]) -> str:
        """The key farthest (lowest cosine) from the mean of the unit vectors of ``words``.

        Keys not in the vocabulary are ignored, with a warning.

        Raises
        ------
        ValueError
            If none of the keys is in the vocabulary, or one has a zero or non-finite
            vector (it has no direction, so the answer would be arbitrary).
        """
        keys = [normalize_key(w) if isinstance(w, tuple) else w for w in words]
        known = [w for w in keys if w in self]
        if len(known) != len(keys):
            logger.warning("doesnt_match ignores keys not in the vocabulary: %s",
                           [w for w in keys if w not in self])
        if not known:
            raise ValueError("doesnt_match: none of the keys is in the vocabulary")
        u = np.stack([self._query_row(self._find(w)) for w in known]).astype(np.float64)
        mean = u.mean(axis=0)
        n = np.linalg.norm(mean)
        if n > 0:
            mean /= n
        return known[int(np.argmin(u @ mean))]

    def distances(self, word_or_vector: Any, other_words: Sequence[Any] | None = ()
                  ) -> np.ndarray:
        """Cosine distances ``1 - cos`` from a key (or a vector) to ``other_words``.

        Parameters
        ----------
        word_or_vector : key, row number, or array-like of shape (dim,)
        other_words : list of keys, optional
            Empty or None: every key, in row order (the key itself included).

        Returns
        -------
        ndarray of shape (n,), float32
            A zero vector on either side gives distance 1 (cosine 0), as :meth:`similarity`.

        Raises
        ------
        OutOfVocabularyError
            A key is absent.
        ValueError
            A vector of the wrong size.

        Examples
        --------
        >>> import numpy as np
        >>> from ngramvec import KeyedVectors
        >>> wv = KeyedVectors(np.array([[1.0, 0.0], [0.0, 3.0]]), ["a", "b"])
        >>> wv.distances("a")
        array([0., 1.], dtype=float32)
        """
        if isinstance(word_or_vector, (np.ndarray, list)):
            v = np.asarray(word_or_vector, dtype=np.float32)
            if v.shape != (self.vector_size,):
                raise ValueError(f"distances: the vector must have shape ({self.vector_size},). "
                                 f"Got shape {v.shape} instead.")
            n = np.linalg.norm(v)
            u = v / n if n > 0 else v
        else:
            u = self.unit_vectors[self.get_index(word_or_vector)]
        if other_words is None or len(other_words) == 0:
            cand = self.unit_vectors
        else:
            keys = _key_list(other_words, "other_words", "distances")
            cand = self.unit_vectors[[self.get_index(k) for k in keys]]
        return np.float32(1.0) - cand @ u

    def relative_cosine_similarity(self, wa: Any, wb: Any, topn: int = 10) -> float:
        """``cos(wa, wb)`` divided by the sum of the cosines of ``wa``'s ``topn`` nearest
        neighbours (Leeuwenberg et al. 2016, eq. 1).

        Raises
        ------
        ValueError
            ``wa`` has no neighbours (a vocabulary of one key) or their cosines sum to 0.

        References
        ----------
        Leeuwenberg, Vela, Dehdari & van Genabith (2016), A minimally supervised approach
        for synonym extraction with word embeddings.
        """
        topn = check_int(topn, "topn", "relative_cosine_similarity", low=1)
        sims = self.similar_by_key(wa, topn=topn)
        total = sum(s for _, s in sims)
        if not sims or total == 0:
            raise ValueError(f"relative_cosine_similarity: {wa!r} has no neighbours whose "
                             "cosines sum to a non-zero value")
        return float(self.similarity(wa, wb)) / total

    def get_mean_vector(self, keys: Any, weights: Any = None, pre_normalize: bool = True,
                        post_normalize: bool = False, ignore_missing: bool = True) -> np.ndarray:
        """Weighted mean of the vectors of ``keys`` (gensim 4.4's rule).

        Parameters
        ----------
        keys : list of keys, row numbers or vectors (shape (dim,)); a 2-D array is a
            list of vectors
        weights : array-like of shape (len(keys),), optional
            Default: all 1. The sum is divided by the sum of ``|weight|`` of the terms
            used.
        pre_normalize : bool, default=True
            Use the unit vectors of keys (vectors given as arrays are used as they are).
        post_normalize : bool, default=False
            L2-normalise the mean (a zero mean stays zero).
        ignore_missing : bool, default=True
            Skip absent keys; False raises for them.

        Returns
        -------
        ndarray of shape (dim,), float32

        Raises
        ------
        ValueError
            No keys, weights of the wrong length or not finite, a vector of the wrong
            size, or no key present at all (gensim returns a zero vector).
        OutOfVocabularyError
            An absent key with ``ignore_missing=False``.

        Examples
        --------
        >>> import numpy as np
        >>> from ngramvec import KeyedVectors
        >>> wv = KeyedVectors(np.array([[2.0, 0.0], [0.0, 1.0]]), ["a", "b"])
        >>> wv.get_mean_vector(["a", "b", "zz"], weights=[3, 1, 5])
        array([0.75, 0.25], dtype=float32)
        >>> wv.get_mean_vector(["a", "b"], pre_normalize=False)
        array([1. , 0.5], dtype=float32)
        """
        owner = "get_mean_vector"
        pre_normalize = check_bool(pre_normalize, "pre_normalize", owner)
        post_normalize = check_bool(post_normalize, "post_normalize", owner)
        ignore_missing = check_bool(ignore_missing, "ignore_missing", owner)
        if isinstance(keys, np.ndarray):
            terms = [keys] if keys.ndim == 1 else list(keys)
        elif isinstance(keys, (str, tuple)):
            terms = [keys]
        else:
            terms = list(keys)
        if not terms:
            raise ValueError(f"{owner}: keys is empty; there is nothing to average")
        if weights is None:
            w = np.ones(len(terms))
        else:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (len(terms),):
                raise ValueError(f"{owner}: weights must have shape ({len(terms)},), one per "
                                 f"key. Got shape {w.shape} instead.")
            if not np.isfinite(w).all():
                raise ValueError(f"{owner}: weights must be finite")
        source = self.unit_vectors if pre_normalize else self._vectors
        vecs, used = [], []
        for t, term in enumerate(terms):
            if isinstance(term, np.ndarray):
                if term.shape != (self.vector_size,):
                    raise ValueError(f"{owner}: a vector must have shape ({self.vector_size},). "
                                     f"Got shape {term.shape} instead.")
                vecs.append(term.astype(np.float64))
            else:
                i = self.get_index(_key(term), -1)
                if i < 0:
                    if not ignore_missing:
                        raise OutOfVocabularyError(_key(term), len(self))
                    continue
                vecs.append(source[i].astype(np.float64))
            used.append(t)
        if not used:
            raise ValueError(f"{owner}: none of the {len(terms)} keys is present")
        if len(used) < len(terms):
            logger.debug("%s skipped %d absent keys", owner, len(terms) - len(used))
        wu = w[used]
        mean = wu @ np.stack(vecs)
        total = np.abs(wu).sum()
        if total > 0:
            mean /= total
        if post_normalize:
            n = np.linalg.norm(mean)
            if n > 0:
                mean /= n
        return mean.astype(np.float32)

    def wmdistance(self, document1: Sequence[Any], document2: Sequence[Any],
                   norm: bool = True) -> float:
        """Word Mover's Distance between two documents (lists of tokens).

        Each document is its normalised bag of words (absent tokens removed); the
        distance is the least total cost of moving one bag onto the other, the cost of
        a unit from word ``i`` to word ``j`` being the Euclidean distance of their
        vectors. Solved exactly by POT's network simplex (``ot.emd2``).

        Parameters
        ----------
        document1, document2 : list of str
        norm : bool, default=True
            Use unit vectors.

        Returns
        -------
        float
            ``inf`` when a document has no token present (logged), as gensim.

        Raises
        ------
        OptionalDependencyError
            POT is not installed (``pip install 'ngramvec[wmd]'``).
        TypeError
            A document given as a str (split it into tokens first).

        References
        ----------
        Kusner, Sun, Kolkin & Weinberger (2015), From word embeddings to document
        distances. Flamary et al. (2021), POT: Python Optimal Transport.
        """
        norm = check_bool(norm, "norm", "wmdistance")
        bags = []
        for name, doc in (("document1", document1), ("document2", document2)):
            if isinstance(doc, str):
                raise TypeError(f"The {name!r} parameter of wmdistance must be a list of tokens. "
                                f"Got a str; split it first, e.g. {name}.split().")
            tokens = [_key(t) for t in doc]
            known = [t for t in tokens if t in self]
            if len(known) < len(tokens):
                logger.info("wmdistance: %d of the %d tokens of %s are not present",
                            len(tokens) - len(known), len(tokens), name)
            bag: dict[str, int] = {}
            for t in known:
                bag[t] = bag.get(t, 0) + 1
            bags.append((bag, len(known)))
        if not bags[0][1] or not bags[1][1]:
            logger.warning("wmdistance: a document has no token that is present; the distance "
                           "is inf")
            return math.inf
        try:
            import ot  # reason: POT is the optional extra [wmd]
        except ImportError:
            raise OptionalDependencyError("KeyedVectors.wmdistance", "ot", "POT",
                                          "wmd") from None
        source = self.unit_vectors if norm else self._vectors
        mass, rows = [], []
        for bag, n in bags:
            rows.append([self._find(t) for t in bag])
            mass.append(np.array(list(bag.values()), dtype=np.float64) / n)
        cost = _euclidean(source[rows[0]].astype(np.float64), source[rows[1]].astype(np.float64))
        return float(ot.emd2(mass[0], mass[1], cost))
