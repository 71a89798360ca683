"""gensim's names on :class:`~ngramvec.KeyedVectors`: conversion from and to gensim's
``KeyedVectors`` in memory, and the ``evaluate_word_*`` methods (which call
:mod:`ngramvec.evaluate`). gensim is imported only by :func:`to_gensim`, when called.

gensim keeps per-key attributes in ``kv.expandos`` (read with ``kv.get_vecattr(key,
"count")``); ngramvec keeps one, ``counts``, and carries it both ways. Note that gensim's
``load_word2vec_format`` without ``fvocab=`` invents counts (``n_keys - row``), and those
come over too: they are what gensim stores.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from ngramvec.base.exceptions import OptionalDependencyError
from ngramvec.base.validation import check_bool
from ngramvec.vectors import evaluate

__all__ = ["GensimMixin", "from_gensim", "to_gensim"]


def from_gensim(cls: type, kv: Any, copy: bool = True) -> Any:
    """A ``cls`` (KeyedVectors) with the keys, vectors and counts of a gensim object.

    Parameters
    ----------
    cls : type
        :class:`~ngramvec.KeyedVectors` or a subclass.
    kv : gensim.models.KeyedVectors, or a gensim model with a ``wv`` attribute
        (``Word2Vec``, ``FastText``: their word vectors)
        Any object with ``index_to_key`` and ``vectors`` works; ``expandos["count"]``
        gives the counts when present.
    copy : bool, default=True
        Copy the vectors; False shares gensim's float32 array when it can (a change on
        one side then shows on the other, and the cached norms of neither follow).

    Returns
    -------
    KeyedVectors

    Raises
    ------
    TypeError
        ``kv`` has no ``index_to_key`` and ``vectors``, or a key that is not a str
        (gensim allows int keys: convert them, e.g. ``[str(k) for k in kv.index_to_key]``).
    ValueError
        Keys ngramvec cannot store (duplicates, whitespace) or counts of the wrong shape.
    """
    copy = check_bool(copy, "copy", "KeyedVectors.from_gensim")
    wv = kv.wv if hasattr(kv, "wv") and not hasattr(kv, "index_to_key") else kv
    keys = getattr(wv, "index_to_key", None)
    vectors = getattr(wv, "vectors", None)
    if keys is None or vectors is None:
        raise TypeError("The 'kv' parameter of KeyedVectors.from_gensim must be a gensim "
                        "KeyedVectors (or a model with a 'wv' attribute). Got "
                        f"{type(kv).__module__}.{type(kv).__qualname__} instead.")
    keys = list(keys)
    for row, k in enumerate(keys):
        if not isinstance(k, str):
            raise TypeError(f"KeyedVectors.from_gensim: the key at row {row} is {k!r} of type "
                            f"{type(k).__name__}; ngramvec keys are str (convert them first)")
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(keys):
        raise ValueError(f"KeyedVectors.from_gensim: {len(keys)} keys but vectors of shape "
                         f"{vectors.shape}")
    counts = (getattr(wv, "expandos", None) or {}).get("count")
    if counts is not None and len(counts) != len(keys):
        raise ValueError(f"KeyedVectors.from_gensim: {len(keys)} keys but {len(counts)} counts")
    if copy:
        vectors = np.array(vectors, dtype=np.float32, order="C")
    return cls(vectors, keys, counts=None if counts is None else np.array(counts))


def to_gensim(wv: Any) -> Any:
    """A gensim ``KeyedVectors`` with the keys, vectors (a copy) and counts of ``wv``.

    Counts, when ``wv`` has them, become gensim's ``"count"`` attribute
    (``get_vecattr(key, "count")``, used by gensim's ``sort_by_descending_frequency``
    and ``save_word2vec_format(fvocab=...)``).

    Raises
    ------
    OptionalDependencyError
        gensim is not installed.
    """
    try:
        from gensim.models.keyedvectors import KeyedVectors as GensimKV  # reason: optional
    except ImportError:
        raise OptionalDependencyError("KeyedVectors.to_gensim", "gensim", "gensim") from None
    g = GensimKV(wv.vector_size, count=0, dtype=np.float32)
    g.add_vectors(list(wv.index_to_key), np.array(wv.vectors, dtype=np.float32))
    if wv.counts is not None:
        g.allocate_vecattrs(["count"], [np.int64])
        g.expandos["count"][:] = wv.counts
    return g


class GensimMixin:
    """gensim's conversion and evaluation methods of :class:`~ngramvec.KeyedVectors`."""

    def evaluate_word_analogies(self, analogies: str | os.PathLike,
                                restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                                dummy4unknown: bool = False,
                                similarity_function: str = "most_similar") -> tuple[float, list]:
        """gensim's ``evaluate_word_analogies``, with its return value.

        See :func:`ngramvec.evaluate.evaluate_word_analogies` (and
        :func:`ngramvec.evaluate.analogy` for a richer result).
        """
        return evaluate.evaluate_word_analogies(
            self, analogies, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown, similarity_function=similarity_function)

    def evaluate_word_pairs(self, pairs: str | os.PathLike, delimiter: str = "\t",
                            encoding: str = "utf8", restrict_vocab: int | None = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False
                            ) -> tuple[tuple[float, float], tuple[float, float], float]:
        """gensim's ``evaluate_word_pairs``: ``((pearson, p), (spearman, p), oov_ratio)``.

        See :func:`ngramvec.evaluate.evaluate_word_pairs` (and
        :func:`ngramvec.evaluate.similarity` for a richer result).
        """
        return evaluate.evaluate_word_pairs(
            self, pairs, delimiter=delimiter, encoding=encoding, restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive, dummy4unknown=dummy4unknown)

    @classmethod
    def from_gensim(cls, kv: Any, copy: bool = True) -> Any:
        """The vectors of a gensim ``KeyedVectors`` (or of a gensim model's ``wv``), in memory.

        Counts come from gensim's ``"count"`` attribute (``get_vecattr(key, "count")``) when
        it has one. gensim itself is not imported. See :func:`ngramvec.vectors._gensim.from_gensim`.
        """
        return from_gensim(cls, kv, copy=copy)

    def to_gensim(self) -> Any:
        """A gensim ``KeyedVectors`` with the same keys, vectors and counts (needs gensim).

        See :func:`ngramvec.vectors._gensim.to_gensim`.
        """
        return to_gensim(self)

    def get_vecattr(self, key: Any, attr: str) -> Any:
        """gensim's per-key attribute: ``get_vecattr(key, "count")`` is ``counts[row]``.

        Raises
        ------
        KeyError
            An attribute other than ``"count"``, or no counts (names what is missing).
        OutOfVocabularyError
            The key is absent.
        """
        i = self.get_index(key)
        if attr != "count":
            raise KeyError(f"ngramvec KeyedVectors store one per-key attribute, 'count'; "
                           f"{attr!r} is not one")
        if self.counts is None:
            raise KeyError("these KeyedVectors have no counts (attribute 'count')")
        return int(self.counts[i])

    def set_vecattr(self, key: Any, attr: str, val: Any) -> None:
        """Set ``counts[row]`` with gensim's ``set_vecattr(key, "count", val)``; counts
        start at 0 for every key when there were none.

        Raises
        ------
        ValueError
            An attribute other than ``"count"``, or a count that is not an int >= 0.
        """
        i = self.get_index(key)
        if attr != "count":
            raise ValueError(f"ngramvec KeyedVectors store one per-key attribute, 'count'. Got "
                             f"{attr!r}.")
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 0:
            raise ValueError(f"a count must be an int >= 0. Got {val!r} instead.")
        if self.counts is None:
            self.counts = np.zeros(len(self), dtype=np.int64)
        elif not self.counts.flags.writeable:
            self.counts = self.counts.copy()
        self.counts[i] = val

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length, in place (rows of norm zero stay zero)."""
        self.vectors = self.unit_vectors.copy()
