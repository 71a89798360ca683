"""How ngram keys are spelled.

An ngram key is its tokens joined by U+00A0 (NO-BREAK SPACE). It is whitespace to
:meth:`str.split` and to every tokenizer of ngramvec, so it can never occur inside a
token, and it is not the ASCII space, so word2vec and GloVe files, which separate
fields with ASCII spaces, keep working. ``"new_york"`` would be ambiguous with a
token that contains an underscore; ``"new\\u00a0york"`` is not. Printed, it looks
like ``new york``.
"""
from __future__ import annotations

from typing import Iterable

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


def normalize_key(key: object) -> object:
    """Accept a tuple or list of tokens for an ngram; other keys unchanged."""
    if isinstance(key, (tuple, list)) and all(isinstance(t, str) for t in key):
        return NGRAM_SEP.join(key)
    return key
