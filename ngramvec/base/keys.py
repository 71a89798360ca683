"""How ngram keys are spelled.

An ngram key is its tokens joined by U+00A0 (NO-BREAK SPACE). It is whitespace to
:meth:`str.split` and to every tokenizer of ngramvec, so it can never occur inside a
token, and it is not the ASCII space, so word2vec and GloVe files, which separate
fields with ASCII spaces, keep working. ``"new_york"`` would be ambiguous with a
token that contains an underscore; ``"new\\u00a0york"`` is not. Printed, it looks
like ``new york``.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

NGRAM_SEP = "\u00a0"


#: Highest ngram order (unigrams are order 1). The one definition: setup.py compiles the
#: kernels with it (NV_MAX_ORDER of csrc/nv_ngram_window.h).
MAX_ORDER = 6

def ngram_key(tokens: Iterable[str]) -> str:
    """Join tokens into an ngram key: ``ngram_key(["new", "york"]) == "new\\u00a0york"``."""
    return NGRAM_SEP.join(tokens)


def key_order(key: str) -> int:
    """Order of a key: 1 for a word, 2 for a bigram, ..."""
    return key.count(NGRAM_SEP) + 1


def keys_utf8(keys: Sequence[str]) -> bytes:
    """The strs, each followed by a newline, in UTF-8 (``surrogatepass``: every str has
    one encoding and no two strs share one)."""
    return ("\n".join(keys) + "\n").encode("utf-8", "surrogatepass") if len(keys) else b""


def key_orders(keys: Sequence[str]) -> np.ndarray:
    """Order of every key (int8), from one scan of their UTF-8 bytes: U+00A0 is the two
    bytes C2 A0, which no other character's encoding contains."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    out = key_orders_utf8(keys_utf8(keys), n)
    if out is None:                    # a key holding a newline: count them one by one
        return np.fromiter((k.count(NGRAM_SEP) + 1 for k in keys), dtype=np.int8, count=n)
    return out


def key_ends_utf8(blob: bytes, n: int) -> np.ndarray | None:
    """Offsets (int64) of the newline ending each of ``n`` keys given as
    :func:`keys_utf8` bytes, or None when the bytes do not hold exactly ``n``
    newline-ended keys (a key holding a newline)."""
    ends = np.flatnonzero(np.frombuffer(blob, np.uint8) == 10)
    if len(ends) != n or (n and ends[-1] != len(blob) - 1):
        return None
    return ends.astype(np.int64, copy=False)


def key_orders_utf8(blob: bytes, n: int) -> np.ndarray | None:
    """:func:`key_orders` of ``n`` keys given as :func:`keys_utf8` bytes (None when the
    bytes do not hold exactly ``n`` newline-ended keys)."""
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    ends = key_ends_utf8(blob, n)
    if ends is None:
        return None
    b = np.frombuffer(blob, np.uint8)
    seps = np.flatnonzero((b[:-1] == 0xC2) & (b[1:] == 0xA0))
    return (np.diff(np.searchsorted(seps, ends), prepend=0) + 1).astype(np.int8)


def normalize_key(key: object) -> object:
    """Accept a tuple or list of tokens for an ngram; other keys unchanged."""
    if isinstance(key, (tuple, list)) and all(isinstance(t, str) for t in key):
        return NGRAM_SEP.join(key)
    return key
