"""Conversion between :class:`~ngramvec.KeyedVectors` and gensim's ``KeyedVectors``, in
memory. gensim is imported only by :func:`to_gensim`, when called.

gensim keeps per-key attributes in ``kv.expandos`` (read with ``kv.get_vecattr(key,
"count")``); ngramvec keeps one, ``counts``, and carries it both ways. Note that gensim's
``load_word2vec_format`` without ``fvocab=`` invents counts (``n_keys - row``), and those
come over too: they are what gensim stores.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ngramvec.base.exceptions import OptionalDependencyError
from ngramvec.base.validation import check_bool

__all__ = ["from_gensim", "to_gensim"]


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
