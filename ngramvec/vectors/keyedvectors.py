"""The query object shared by every model: a float32 matrix and its keys.

:class:`KeyedVectors` answers similarity and analogy queries (3CosAdd and 3CosMul,
one at a time or batched), and saves and loads the word2vec text and binary formats
(byte-compatible with gensim 4), GloVe text and a native ``.npz``. It has gensim 4's
``KeyedVectors`` API; the methods beyond the core live in private modules, mixed in:
``_similarity.py`` (distances, ranks, centrality, means, Word Mover's Distance),
``_editing.py`` (adding, replacing, selecting and sorting vectors) and ``_gensim.py``
(conversion from and to gensim objects, gensim's ``evaluate_word_*`` names).
``docs/gensim.md`` lists where and why ngramvec differs.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Sequence, Union

import numpy as np

from ngramvec.base.exceptions import OutOfVocabularyError, VectorsFormatError
from ngramvec.base.keys import normalize_key
from ngramvec.base.persist import STRINGS, ArraySpec, Saved, load_npz, save_npz
from ngramvec.base.validation import check_int, check_option
from ngramvec.vectors import formats as _io
from ngramvec.vectors import plot as _plot
from ngramvec.vectors._analogy import _COSMUL_EPS, analogy_topk, row_norms, unit_rows
from ngramvec.vectors._editing import EditingMixin, check_keys as _check_keys, stored_key_index
from ngramvec.vectors._gensim import GensimMixin
from ngramvec.vectors._similarity import SimilarityMixin

__all__ = ["KeyedVectors"]

logger = logging.getLogger(__name__)

Key = Union[str, tuple, int]
KeyOrVector = Union[str, tuple, int, np.ndarray]


class KeyedVectors(SimilarityMixin, EditingMixin, GensimMixin):
    """Vectors addressed by string keys (words or ngrams), with similarity queries.

    The API is gensim 4's ``KeyedVectors`` (``docs/gensim.md`` maps it and lists where
    ngramvec differs, and why); :meth:`from_gensim` and :meth:`to_gensim` convert in
    memory.

    Parameters
    ----------
    vectors : array-like of shape (n_keys, dim)
        Stored as a C-contiguous float32 array (copied only if needed).
    index_to_key : sequence of str
        The key of each row, unique. Keys must not contain ASCII whitespace (the file
        formats separate fields with spaces); ngram keys join their tokens with
        ``NGRAM_SEP`` (U+00A0).
    counts : array-like of shape (n_keys,), optional
        Corpus frequency of each key (int64), e.g. for SIF word weights.

    Attributes
    ----------
    vectors : ndarray of shape (n_keys, dim), float32
    index_to_key : list of str
    key_to_index : dict of str to int
        In index order. Loaded from a native ``.npz`` (:meth:`load`), both are made
        when first used (about 0.02 s and 0.08 s for 200,000 keys): until then keys
        are looked up in a compiled hash index over the file's bytes, with the same
        answers.
    counts : ndarray of shape (n_keys,), int64, or None

    Raises
    ------
    ValueError
        Duplicate key, key with whitespace, shape mismatch, negative counts.
    TypeError
        A key that is not a str.

    Examples
    --------
    >>> import numpy as np
    >>> wv = KeyedVectors(np.array([[1, 0], [0.9, 0.1], [0, 1]]), ["cat", "dog", "car"])
    >>> wv
    KeyedVectors(n_keys=3, dim=2)
    >>> wv.most_similar("cat", topn=1)[0][0]
    'dog'
    """

    def __init__(self, vectors: Any, index_to_key: Sequence[str],
                 counts: Any | None = None) -> None:
        keys = _check_keys(index_to_key)
        key_to_index: dict[str, int] = dict(zip(keys, range(len(keys))))
        if len(key_to_index) != len(keys):
            key_to_index = {}
            for i, k in enumerate(keys):
                if k in key_to_index:
                    raise ValueError(f"duplicate key {k!r} at positions {key_to_index[k]} and "
                                     f"{i}")
                key_to_index[k] = i
        self._set(vectors, keys, key_to_index, counts)

    def _set(self, vectors: Any, keys: list[str] | None, key_to_index: dict[str, int] | None,
             counts: Any | None, lazy: Any = None) -> None:
        """The constructor after the keys: checks the vectors and counts against them.
        ``keys`` and ``key_to_index`` may be None when ``lazy`` (a compiled
        :class:`~ngramvec.vectors._formats.KeyIndex` over the same keys) stands in."""
        arr = np.asarray(vectors)
        n_keys = len(keys) if keys is not None else len(lazy)
        if arr.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array (n_keys, dim). Got shape "
                             f"{arr.shape} instead.")
        if arr.shape[0] != n_keys:
            raise ValueError(f"vectors has {arr.shape[0]} rows but there are {n_keys} keys")
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"vectors must be numeric. Got dtype {arr.dtype} instead.")
        self._index_to_key: list[str] | None = keys
        self._key_to_index: dict[str, int] | None = key_to_index
        self._lazy = lazy if keys is None or key_to_index is None else None
        self._unit: np.ndarray | None = None    # caches: unit rows and row norms
        self._norms: np.ndarray | None = None
        self._vectors = np.ascontiguousarray(arr, dtype=np.float32)
        if counts is not None:
            c = np.asarray(counts)
            if c.shape != (n_keys,):
                raise ValueError(f"counts must have shape ({n_keys},). Got {c.shape} instead.")
            if c.dtype.kind not in "iu" and not (c.dtype.kind == "f" and np.all(c == np.round(c))):
                raise TypeError(f"counts must be integers. Got dtype {c.dtype} instead.")
            c = np.ascontiguousarray(c, dtype=np.int64)
            if c.size and c.min() < 0:
                raise ValueError("counts must be >= 0")
            self.counts: np.ndarray | None = c
        else:
            self.counts = None

    @classmethod
    def from_model(cls, model: Any, which: str | None = None) -> "KeyedVectors":
        """The fitted vectors of a model (SGNS, GloVe, SVD) as KeyedVectors.

        Parameters
        ----------
        model : SGNS, GloVe or SVD
            Fitted; any object with a ``get_vector_arrays(which)`` method returning
            ``(vectors, index_to_key, counts)``.
        which : {"word", "context", "word+context"} or None, default=None
            None: the model's ``vectors_`` (GloVe: as its ``vectors`` parameter chose;
            SVD: ``W + C`` with ``add_context``; SGNS: the input vectors). ``"word"``:
            the word (input, row) vectors; ``"context"``: the context (output, column)
            vectors over the context keys; ``"word+context"``: their sum matched by key.
            SGNS also takes word2vec's names ``"input"`` and ``"sum"``.

        Returns
        -------
        KeyedVectors
            A snapshot: more training of the model does not change it.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            The model is not fitted.
        TypeError
            ``model`` has no fitted vectors to give.
        ValueError
            An unknown ``which``, or a model fitted without keys (SVD of a bare
            matrix).

        Examples
        --------
        >>> import ngramvec as nv
        >>> corpus = nv.Corpus(["the cat sat on the mat", "the dog sat on the rug"] * 50)
        >>> model = nv.SGNS(dim=8, window=2, min_count=1, epochs=1, n_threads=1).fit(corpus)
        >>> KeyedVectors.from_model(model)
        KeyedVectors(n_keys=7, dim=8)
        >>> KeyedVectors.from_model(model, which="context").vector_size
        8
        """
        get = getattr(model, "get_vector_arrays", None)
        if get is None or isinstance(model, type):
            raise TypeError("The 'model' parameter of KeyedVectors.from_model must be a fitted "
                            "model with vectors (SGNS, GloVe, SVD). Got "
                            f"{type(model).__name__} instead.")
        vectors, keys, counts = get(which)
        return cls(vectors, keys, counts=counts)

    # ------------------------------------------------------------------ keys

    # index_to_key and key_to_index are gensim's public attributes (a list, and a dict in
    # index order). Loaded from a native .npz, each is made on first access from the
    # compiled KeyIndex (self._lazy), which answers lookups and names rows until then;
    # once both exist it is dropped, and from then on (and whenever one of them exists)
    # the attribute itself is what counts, as when it was built eagerly: a change to it
    # is seen by every method. Changing methods (add_vectors...) use the attributes, so
    # they build them first.

    @property
    def index_to_key(self) -> list[str]:
        """The key of each row (a list of str, the one this object uses)."""
        keys = self._index_to_key
        if keys is None:
            keys = self._index_to_key = self._lazy.keys()
            if self._key_to_index is not None:
                self._lazy = None
        return keys

    @index_to_key.setter
    def index_to_key(self, value: list[str]) -> None:
        if self._lazy is not None and self._key_to_index is None:
            self.key_to_index  # noqa: B018  (made from the file's keys, as before)
        self._index_to_key = value
        self._lazy = None

    @property
    def key_to_index(self) -> dict[str, int]:
        """The row of each key (a dict in index order, the one this object uses)."""
        index = self._key_to_index
        if index is None:
            lazy = self._lazy
            if self._index_to_key is None:   # make the strs once, for both
                self._index_to_key = lazy.keys()
            # items of index_to_key that are still the file's keys are reused
            index = self._key_to_index = lazy.index(self._index_to_key)
            self._lazy = None
        return index

    @key_to_index.setter
    def key_to_index(self, value: dict[str, int]) -> None:
        if self._lazy is not None and self._index_to_key is None:
            self._index_to_key = self._lazy.keys()
        self._key_to_index = value
        self._lazy = None

    def _find(self, key: str) -> int:
        """Row of the str ``key``, or -1."""
        index = self._key_to_index
        if index is not None:
            return index.get(key, -1)
        return self._lazy.find(key)

    def _key_at(self, i: int) -> str:
        """The key of row ``i`` (``index_to_key[i]``, without making the list)."""
        keys = self._index_to_key
        if keys is not None:
            return keys[i]
        if i < 0:
            i += len(self._lazy)
        return self._lazy.key(i)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if state.get("_lazy") is not None:   # the compiled index is not pickled
            state["_index_to_key"], state["_key_to_index"] = self.index_to_key, self.key_to_index
            state["_lazy"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        for name in ("index_to_key", "key_to_index"):   # pickled by an earlier ngramvec
            if name in state:
                state[f"_{name}"] = state.pop(name)
        state.setdefault("_lazy", None)
        self.__dict__.update(state)

    # ------------------------------------------------------------------ basics

    @property
    def vectors(self) -> np.ndarray:
        """The (n_keys, dim) float32 matrix. Assigning it resets the unit-vector cache."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: Any) -> None:
        arr = np.ascontiguousarray(value, dtype=np.float32)
        if arr.ndim != 2 or arr.shape[0] != len(self):
            raise ValueError(f"vectors must have shape ({len(self)}, dim). Got "
                             f"{arr.shape} instead.")
        self._vectors = arr
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._unit = None
        self._norms = None

    @property
    def vector_size(self) -> int:
        """Dimension of the vectors."""
        return int(self._vectors.shape[1])

    def __len__(self) -> int:
        keys = self._index_to_key
        return len(keys) if keys is not None else len(self._lazy)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_keys={len(self)}, dim={self.vector_size})"

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is a key (str, or tuple of tokens); row numbers are not keys
        here (gensim's ``in`` says True for them: use :meth:`has_index_for`)."""
        key = normalize_key(key) if isinstance(key, tuple) else key
        return isinstance(key, str) and self._find(key) >= 0

    def get_index(self, key: Key, default: int | None = None) -> int:
        """Row of ``key``: a str, a tuple of tokens for an ngram, or a row number.

        Parameters
        ----------
        key : str, tuple of str, or int
            An int in ``[0, len(self))`` is a row number and is returned as it is.
        default : int, optional
            Returned for an absent key instead of raising (None: raise, as gensim).

        Raises
        ------
        OutOfVocabularyError
            If the key is absent (a :class:`KeyError`, naming the key and vocabulary size).
        """
        k = normalize_key(key) if isinstance(key, tuple) else key
        if isinstance(k, str):
            i = self._find(k)
            if i >= 0:
                return i
        elif isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
            if 0 <= k < len(self):
                return int(k)
        if default is not None:
            return default
        raise OutOfVocabularyError(k, len(self))

    def has_index_for(self, key: Key) -> bool:
        """Whether :meth:`get_index` finds a row for ``key`` (a key or a row number)."""
        return self.get_index(key, -1) >= 0

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (or of a row number), shape (dim,); L2-normalised if ``norm``.

        A read-only view, as in gensim: change vectors with ``kv[key] = vector``, which
        keeps the cached norms right.
        """
        i = self.get_index(key)
        v = (self.unit_vectors if norm else self._vectors)[i].view()
        v.flags.writeable = False
        return v

    def __getitem__(self, key: Key | list | np.ndarray) -> np.ndarray:
        """``wv["cat"]``, ``wv[("new", "york")]`` or ``wv[0]`` -> (dim,); ``wv[["a", "b"]]``
        or ``wv[[0, 1]]`` (or an int array) -> (2, dim), a copy."""
        if isinstance(key, np.ndarray) and key.dtype.kind in "iu":
            if key.size and (key.min() < 0 or key.max() >= len(self)):
                bad = key[(key < 0) | (key >= len(self))].ravel()[0]
                raise OutOfVocabularyError(int(bad), len(self))
            return self._vectors[key]
        if isinstance(key, (list, np.ndarray)):
            return self._vectors[[self.get_index(k) for k in key]]
        return self.get_vector(key)

    # ------------------------------------------------------------------ norms

    @property
    def norms(self) -> np.ndarray:
        """L2 norm of each row, shape (n_keys,), float32, cached (gensim's ``norms``, which
        is filled on first use here). ``kv.norms = None`` drops the caches."""
        if self._norms is None:
            self._norms = row_norms(self._vectors)
        return self._norms

    @norms.setter
    def norms(self, value: None) -> None:
        if value is not None:
            raise ValueError("norms are computed from the vectors; only 'kv.norms = None' "
                             "(forget the cached norms) may be assigned")
        self._reset_caches()

    def fill_norms(self, force: bool = False) -> None:
        """Compute the cached norms (again with ``force``, e.g. after changing
        ``kv.vectors`` in place; ``kv[key] = vector`` keeps them right by itself)."""
        if force:
            self._reset_caches()
        self.norms  # noqa: B018  (fills the cache)

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors L2-normalised, shape (n_keys, dim), float32: a read-only view of the
        cache. Rows of norm zero are zero (gensim gives NaN)."""
        v = self.unit_vectors.view()
        v.flags.writeable = False
        return v

    @property
    def unit_vectors(self) -> np.ndarray:
        """L2-normalised rows, float32, cached. Rows of norm zero stay zero (no NaN)."""
        if self._unit is None:
            norms = self.norms
            n_zero = int(np.count_nonzero(norms == 0))
            if n_zero:
                logger.warning("%d of %d vectors have norm zero; their unit vectors are zero "
                               "and their cosine with anything is 0", n_zero, len(self))
            self._unit = unit_rows(self._vectors, norms)
        return self._unit

    def with_vectors(self, new_vectors: Any) -> "KeyedVectors":
        """A new KeyedVectors with the same keys and counts and other vectors.

        Parameters
        ----------
        new_vectors : array-like of shape (n_keys, new_dim)

        Returns
        -------
        KeyedVectors
        """
        new = np.asarray(new_vectors)
        if new.ndim != 2 or new.shape[0] != len(self):
            raise ValueError(f"new_vectors must have shape ({len(self)}, dim). Got {new.shape} "
                             f"instead.")
        out = type(self).__new__(type(self))
        keys, index = self._index_to_key, self._key_to_index
        out._index_to_key = None if keys is None else list(keys)
        out._key_to_index = None if index is None else dict(index)
        out._lazy = self._lazy   # never changed: may be shared
        out.counts = None if self.counts is None else self.counts.copy()
        out._reset_caches()
        out._vectors = np.ascontiguousarray(new, dtype=np.float32)
        return out

    # ------------------------------------------------------------------ similarity

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two keys (0.0 if either vector is zero)."""
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        """Cosine similarity of the means of two sets of keys.

        Raises
        ------
        ValueError
            If either set is empty.
        """
        if not len(ws1) or not len(ws2):
            raise ValueError("n_similarity needs two non-empty lists of keys")
        m1 = self[list(ws1)].astype(np.float64).mean(axis=0)
        m2 = self[list(ws2)].astype(np.float64).mean(axis=0)
        d = np.linalg.norm(m1) * np.linalg.norm(m2)
        return float(np.dot(m1, m2) / d) if d > 0 else 0.0

    def _as_terms(self, value: Any, name: str) -> list:
        """Normalise positive/negative into a list of keys (str) and 1-D vectors."""
        if value is None:
            return []
        if isinstance(value, (str, int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            return [value]  # a key, or a row number
        if isinstance(value, tuple) and all(isinstance(t, str) for t in value):
            return [normalize_key(value)]  # a tuple of tokens is one ngram
        if isinstance(value, np.ndarray):
            if value.ndim == 1:
                return [value]
            if value.ndim == 2:
                return list(value)
            raise ValueError(f"The {name!r} parameter of most_similar must be a key, a vector, "
                             f"or a list of them. Got an array of shape {value.shape} instead.")
        out = []
        for item in value:
            if isinstance(item, tuple) and all(isinstance(t, str) for t in item):
                out.append(normalize_key(item))
            elif isinstance(item, (str, np.ndarray)) or (
                    isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))):
                out.append(item)
            else:
                raise TypeError(f"The {name!r} parameter of most_similar must contain keys (str "
                                f"or tuple of tokens), row numbers or vectors. Got {item!r} "
                                f"instead.")
        return out

    def _term_vector(self, term: Any, normalize_arrays: bool) -> tuple[np.ndarray, int | None]:
        if isinstance(term, np.ndarray):
            v = np.asarray(term, dtype=np.float32).ravel()
            if v.shape[0] != self.vector_size:
                raise ValueError(f"a query vector must have {self.vector_size} values. Got "
                                 f"{v.shape[0]} instead.")
            if normalize_arrays:
                n = np.linalg.norm(v)
                v = v / n if n > 0 else v
            return v, None
        i = self.get_index(term)
        return self._query_row(i), i

    def _query_row(self, i: int) -> np.ndarray:
        """The unit vector of row ``i`` as a query: a NaN/inf or zero vector has no
        direction, and every candidate would score the same (an arbitrary answer)."""
        v = self.unit_vectors[i]
        if not np.isfinite(self._vectors[i]).all():
            raise ValueError(f"the vector of {self._key_at(i)!r} has NaN or infinite "
                             "values; it cannot be used in a query")
        if not v.any():
            raise ValueError(f"the vector of {self._key_at(i)!r} has norm zero; it has no "
                             "direction to query with")
        return v

    def _candidates(self, restrict_vocab: int | None, owner: str) -> int:
        r = check_int(restrict_vocab, "restrict_vocab", owner, low=1, allow_none=True)
        return len(self) if r is None else min(r, len(self))

    def most_similar(self, positive: Any = None, negative: Any = None,
                     topn: int | None = 10, restrict_vocab: int | None = None,
                     method: str = "3cosadd") -> list[tuple[str, float]] | np.ndarray:
        """Keys most similar to the positives and least to the negatives.

        Parameters
        ----------
        positive, negative : key, vector, or list of keys and vectors, optional
            A key is a str, a tuple of tokens for an ngram, or a row number (an int); a
            vector is a 1-D array of length ``dim`` (a 2-D array is a list of vectors).
        topn : int or None, default=10
            Number of results; None returns the score of every candidate instead.
        restrict_vocab : int, optional
            Only the first ``restrict_vocab`` keys are candidates.
        method : {"3cosadd", "3cosmul"}, default="3cosadd"
            3CosAdd: cosine with the mean of the unit vectors of the positives minus
            the negatives (gensim's ``most_similar``; vectors given as arrays are used
            as they are). 3CosMul (Levy & Goldberg 2014): product over positives of
            ``(1 + cos) / 2`` divided by the product over negatives plus 1e-6 (gensim's
            ``most_similar_cosmul``; array inputs are L2-normalised first).

        Returns
        -------
        list of (str, float), or ndarray of shape (n_candidates,), float32
            The best keys and their scores, input keys excluded; with ``topn=None``
            the scores of all candidates (input keys included).

        Raises
        ------
        OutOfVocabularyError
            An input key is not in the vocabulary.
        ValueError
            No positive and no negative (3CosAdd) or no positive (3CosMul); a query key
            whose vector is zero or not finite; positives and negatives that cancel out.

        References
        ----------
        Mikolov et al. (2013), Linguistic regularities in continuous space word
        representations. Levy & Goldberg (2014), Linguistic regularities in sparse and
        explicit word representations.
        """
        method = check_option(method, "method", "most_similar", ("3cosadd", "3cosmul"))
        if topn is not None:
            topn = check_int(topn, "topn", "most_similar", low=0)
            if topn == 0:
                return []
        n_cand = self._candidates(restrict_vocab, "most_similar")
        pos = self._as_terms(positive, "positive")
        neg = self._as_terms(negative, "negative")
        exclude: set[int] = set()
        unit = self.unit_vectors[:n_cand]
        if method == "3cosadd":
            if not pos and not neg:
                raise ValueError("most_similar needs at least one positive or negative key")
            mean = np.zeros(self.vector_size, dtype=np.float64)
            for sign, terms in ((1.0, pos), (-1.0, neg)):
                for t in terms:
                    v, i = self._term_vector(t, normalize_arrays=False)
                    if i is not None:
                        exclude.add(i)
                    mean += sign * v
            norm = np.linalg.norm(mean)
            if norm == 0:
                raise ValueError("most_similar: the positives and negatives cancel out (their "
                                 "combined query vector is zero), so every key would score 0")
            mean /= norm
            scores = unit @ mean.astype(np.float32)
        else:
            if not pos:
                raise ValueError("3cosmul needs at least one positive key")
            scores = np.ones(n_cand, dtype=np.float32)
            den = np.ones(n_cand, dtype=np.float32)
            for terms, acc in ((pos, scores), (neg, den)):
                for t in terms:
                    v, i = self._term_vector(t, normalize_arrays=True)
                    if i is not None:
                        exclude.add(i)
                    acc *= (1.0 + unit @ v) / 2.0
            if neg:
                scores /= den + np.float32(_COSMUL_EPS)
            else:
                scores /= np.float32(1.0 + _COSMUL_EPS)
        if topn is None:
            return scores
        return self._top(scores, topn, exclude)

    def _top(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[tuple[str, float]]:
        k = min(len(scores), topn + len(exclude))
        if k == 0:
            return []
        if k < len(scores):
            best = np.argpartition(-scores, k - 1)[:k]
        else:
            best = np.arange(len(scores))
        best = best[np.lexsort((best, -scores[best]))]  # score desc, then index asc
        key = self._key_at
        out = [(key(i), float(scores[i])) for i in best.tolist() if i not in exclude]
        return out[:topn]

    def most_similar_cosmul(self, positive: Any = None, negative: Any = None,
                            topn: int | None = 10,
                            restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """:meth:`most_similar` with ``method="3cosmul"``."""
        return self.most_similar(positive, negative, topn=topn, restrict_vocab=restrict_vocab,
                                 method="3cosmul")

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10,
                          restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """Keys whose vectors have the highest cosine with ``vector`` (shape (dim,))."""
        vector = np.asarray(vector)
        if vector.ndim != 1:
            raise ValueError(f"vector must be 1-D. Got shape {vector.shape} instead.")
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_key(self, key: Key, topn: int | None = 10,
                       restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """Nearest neighbours of ``key`` (the key itself excluded)."""
        return self.most_similar(positive=[normalize_key(key) if isinstance(key, tuple) else key],
                                 topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    # ------------------------------------------------------------------ batched analogies

    def _analogy_topk(self, a_idx: Any, b_idx: Any, c_idx: Any, method: str = "3cosadd",
                      restrict_vocab: int | None = None, topn: int = 1,
                      exclude: np.ndarray | None = None) -> np.ndarray:
        """Answer many analogies ``a : b :: c : ?`` at once.

        Parameters
        ----------
        a_idx, b_idx, c_idx : array-like of int, shape (n_questions,)
            Rows of the question words (any rows, not only candidates).
        method : {"3cosadd", "3cosmul"}
            3CosAdd ranks candidates by ``cos(x, b) - cos(x, a) + cos(x, c)`` (the cosine
            with the normalised ``b - a + c`` of unit vectors, same ranking); 3CosMul by
            ``cos'(x, b) cos'(x, c) / (cos'(x, a) + 1e-6)`` with ``cos' = (1 + cos) / 2``.
        restrict_vocab : int, optional
            Candidates are the first ``restrict_vocab`` rows.
        topn : int, default=1
            Number of predictions per question.
        exclude : ndarray of int, shape (n_questions, m), optional
            More rows to exclude per question; ``-1`` pads.

        Returns
        -------
        ndarray of shape (n_questions, topn), int64
            Predicted rows, best first; the three question words are never predicted.
            ``-1`` where fewer than ``topn`` candidates remain.

        Notes
        -----
        Questions are processed in chunks whose score block stays under about 100 MB,
        one matrix product (three for 3CosMul) per chunk, then ``np.argpartition``.
        """
        method = check_option(method, "method", "_analogy_topk", ("3cosadd", "3cosmul"))
        topn = check_int(topn, "topn", "_analogy_topk", low=1)
        a = np.asarray(a_idx, dtype=np.int64).ravel()
        b = np.asarray(b_idx, dtype=np.int64).ravel()
        c = np.asarray(c_idx, dtype=np.int64).ravel()
        if not (a.shape == b.shape == c.shape):
            raise ValueError("a_idx, b_idx and c_idx must have the same length")
        nq = a.shape[0]
        n_cand = self._candidates(restrict_vocab, "_analogy_topk")
        for arr in (a, b, c):
            if arr.size and (arr.min() < 0 or arr.max() >= len(self)):
                raise ValueError("question indices out of range")
        excl = np.stack([a, b, c], axis=1)
        if exclude is not None:
            extra = np.asarray(exclude, dtype=np.int64)
            if extra.ndim != 2 or extra.shape[0] != nq:
                raise ValueError(f"exclude must have shape ({nq}, m). Got {extra.shape} instead.")
            excl = np.concatenate([excl, extra], axis=1)
        return analogy_topk(self.unit_vectors, n_cand, a, b, c, excl, method, topn)

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | os.PathLike) -> None:
        """Save keys, vectors and counts in the native ``.npz`` format (atomic write).

        The file is written at ``path`` exactly (no suffix is added). The layout is
        :mod:`ngramvec.base.persist`'s: ``vectors`` (float32), ``keys_utf8`` and
        ``keys_offsets`` (the keys), ``counts`` (int64, only when known) and the JSON
        header.
        """
        arrays: dict[str, Any] = {"vectors": self._vectors, "keys": self.index_to_key}
        if self.counts is not None:
            arrays["counts"] = self.counts
        save_npz(path, "KeyedVectors", arrays, state={"has_counts": self.counts is not None})

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: str | None = None,
             check_crc: bool = False) -> "KeyedVectors":
        """Load a file written by :meth:`save` (or by an earlier ngramvec).

        Parameters
        ----------
        path : str or os.PathLike
        mmap : {None, "r", "c"}, default=None
            As gensim's ``mmap``: ``"r"`` memory-maps the vectors read-only instead of
            reading them (loading takes milliseconds, pages are read when used and
            shared between processes), ``"c"`` copy-on-write. Files of ngramvec before
            format version 2 are read into memory.
        check_crc : bool, default=False
            Also check the CRC-32 of every entry of the archive (with ``mmap`` this
            reads the whole file). Without it (as gensim's ``.npy`` files, which have
            none) everything else is still checked: the zip and ``.npy`` headers, that
            each entry's data fills its member and lies inside the file, the dtypes and
            shapes, the keys (UTF-8, offsets, no whitespace, no duplicates); what goes
            unnoticed is a changed byte inside the vectors (or a key changed into
            another valid key). The check costs about half the time of a load from the
            page cache.

        Raises
        ------
        FileNotFoundError
        VectorsFormatError
            The file is not an ngramvec vectors ``.npz`` (the message names it), for
            example a gensim ``.kv`` / ``.model`` pickle: it is never unpickled, the
            message says how to convert it.
        """
        _io.refuse_pickle(path)
        saved = load_npz(path, "KeyedVectors", "vectors", _legacy_vectors, _NPZ_SCHEMA,
                         mmap_mode=mmap, check_crc=check_crc,
                         decoders={"keys": stored_key_index})
        try:
            keys = saved.arrays.get("keys")
            if keys is not None and not isinstance(keys, list):   # a compiled KeyIndex
                kv = cls.__new__(cls)   # the keys are checked and indexed: not again
                kv._set(saved.arrays["vectors"], None, None, saved.arrays.get("counts"),
                        lazy=keys)
                return kv
            return cls(saved.arrays["vectors"], saved.arrays["keys"],
                       saved.arrays.get("counts"))
        except KeyError as exc:
            raise VectorsFormatError(f"the vectors file lacks {exc}", os.fspath(path)) from None
        except (ValueError, TypeError) as exc:   # keys or counts KeyedVectors refuses
            raise VectorsFormatError(f"damaged vectors file: {exc}", os.fspath(path)) from None

    def _check_savable(self) -> None:
        # Keys are validated at construction; vectors may have been replaced.
        if self._vectors.shape[0] != len(self):
            raise ValueError("vectors and keys are out of sync")

    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False,
                             write_header: bool = True) -> None:
        """Save in word2vec text or binary format, byte-identical to gensim 4.

        Keys are written in index order. Counts are not stored by this format.

        Parameters
        ----------
        path : str or os.PathLike
            Destination (compressed if it ends in .gz, .bz2 or .xz; written atomically).
        binary : bool, default=False
        write_header : bool, default=True
            False writes GloVe text (not allowed with ``binary=True``).
        """
        self._check_savable()
        _io.write_word2vec(path, self.index_to_key, self._vectors, binary=binary,
                           write_header=write_header)

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike, fvocab: str | os.PathLike | None = None,
                             binary: bool = False, encoding: str = "utf8",
                             unicode_errors: str = "strict", limit: int | None = None,
                             datatype: Any = np.float32, no_header: bool = False,
                             engine: str = "auto") -> "KeyedVectors":
        """Load a word2vec text or binary file, or GloVe text (gensim 4's parameters).

        Files of gensim, of the word2vec C tool, fastText ``.vec`` and GloVe files
        (``no_header=True``); they may be gzip, bzip2 or xz compressed.

        Parameters
        ----------
        path : str or os.PathLike
        fvocab : str or os.PathLike, optional
            A vocabulary file of ``"<key> <count>"`` lines (the C tool's ``-save-vocab``,
            gensim's ``save_word2vec_format(fvocab=)``): sets :attr:`counts`. A key it
            does not list gets 0 (gensim: None), with a warning. Without it, counts
            are None (gensim makes up decreasing ones).
        binary : bool, default=False
        encoding : str, default="utf8"
            Of the keys; an ASCII-compatible codec.
        unicode_errors : str, default="strict"
            How keys not valid in ``encoding`` are decoded (``"replace"``, ``"ignore"``...,
            as for :meth:`bytes.decode`); with ``"strict"`` they are an error naming
            the line. Keys that then decode alike are kept once (the first), as gensim.
        limit : int, optional
            Read only the first ``limit`` vectors; None or 0 reads them all (as gensim).
        datatype : {numpy.float16, numpy.float32, numpy.float64}, default=numpy.float32
            Values are rounded to this type while reading (each text value once, from
            its exact decimal, as gensim); the KeyedVectors stores float32.
        no_header : bool, default=False
            The file has no ``"<count> <dim>"`` line (GloVe text; text files only).
        engine : {"auto", "compiled", "python"}, default="auto"
            The record parser; see :func:`ngramvec.vectors.formats.read_word2vec`.

        Raises
        ------
        VectorsFormatError
            Malformed, truncated or inconsistent file, or a pickle (names the file and
            the record).
        """
        keys, vectors = _io.read_word2vec(path, binary=binary, limit=limit, datatype=datatype,
                                          header=not no_header, unicode_errors=unicode_errors,
                                          encoding=encoding, engine=engine)
        counts = (None if fvocab is None else
                  _io.read_vocab_counts(fvocab, keys, unicode_errors, encoding))
        return cls(vectors, keys, counts)

    def save_glove_format(self, path: str | os.PathLike) -> None:
        """Save as GloVe text (word2vec text without the header line)."""
        self._check_savable()
        _io.write_glove(path, self.index_to_key, self._vectors)

    @classmethod
    def load_glove_format(cls, path: str | os.PathLike, limit: int | None = None,
                          datatype: Any = np.float32, unicode_errors: str = "strict",
                          encoding: str = "utf8", engine: str = "auto") -> "KeyedVectors":
        """Load a GloVe text file (no header). See :meth:`load_word2vec_format`."""
        keys, vectors = _io.read_glove(path, limit=limit, datatype=datatype,
                                       unicode_errors=unicode_errors, encoding=encoding,
                                       engine=engine)
        return cls(vectors, keys)


    def postprocess(self, transformer: Any, fit: bool = True) -> "KeyedVectors":
        """A new KeyedVectors whose vectors went through ``transformer``.

        For example ``wv.postprocess(AllButTheTop())`` or
        ``wv.postprocess(Whitening(n_components=100))`` from
        :mod:`ngramvec.postprocess`; ``fit=False`` applies an already fitted one.
        Keys and counts are kept; vectors are float32.
        """
        # reason: ngramvec.vectors.postprocess loads scikit-learn; imported on first use
        from ngramvec.vectors.postprocess import postprocess_keyed_vectors
        return postprocess_keyed_vectors(self, transformer, fit=fit)

    def plot(self, words: Any, neighbours: int = 10, method: str = "pca", ax: Any = None,
             **kwargs: Any) -> Any:
        """Draw ``words`` and their ``neighbours`` nearest keys on a 2-D map.

        ``method`` is ``"pca"`` or ``"tsne"``; ``ax`` a matplotlib Axes (default: a new
        figure). Returns the Axes. Needs matplotlib (``pip install 'ngramvec[plot]'``).
        See :func:`ngramvec.vectors.plot.plot_words` for the other options
        (``restrict_vocab``, ``seed``).
        """
        return _plot.plot_words(self, words, neighbours=neighbours, method=method, ax=ax,
                                **kwargs)


#: What KeyedVectors.load trusts (format versions 1 and 2).
_NPZ_SCHEMA = {"vectors": ArraySpec("f", ("n", "dim")), "keys": ArraySpec(STRINGS, ("n",)),
               "counts": ArraySpec("iu", ("n",))}


def _legacy_vectors(files: Any, path: str) -> Saved | None:
    """Vectors files of format version 1 (before :mod:`ngramvec.base.persist`)."""
    if "keys_offsets" not in files or "format_version" not in files:
        return None
    keys, vectors, counts = _io.read_npz(path)
    arrays: dict[str, Any] = {"vectors": vectors, "keys": keys}
    if counts is not None:
        arrays["counts"] = counts
    return Saved("KeyedVectors", 1, {}, {"has_counts": counts is not None}, arrays)
