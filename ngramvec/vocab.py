"""Vocabularies: exact counts, pruning, frequency-sorted ids."""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from ._keys import NGRAM_SEP, key_order, normalize_key
from ._validation import check_float, check_int
from .exceptions import CorpusError, OutOfVocabularyError, VectorsFormatError

if TYPE_CHECKING:
    from .corpus import Corpus
    from .encode import EncodedCorpus

logger = logging.getLogger(__name__)

__all__ = ["Vocabulary", "as_encoded"]


def as_encoded(corpus: "Corpus | EncodedCorpus", progress: bool = False) -> "EncodedCorpus":
    """The encoded form of a Corpus (cached), or an EncodedCorpus as it is."""
    from .corpus import Corpus
    from .encode import EncodedCorpus
    if isinstance(corpus, EncodedCorpus):
        return corpus
    if isinstance(corpus, Corpus):
        return corpus.encoded(progress=progress)
    if isinstance(corpus, (str, os.PathLike)) and os.path.isfile(
            os.path.join(os.fspath(corpus), "meta.json")):
        return EncodedCorpus(corpus)
    raise TypeError("expected a Corpus or an EncodedCorpus, got "
                    f"{type(corpus).__name__}; wrap text in ngramvec.Corpus(...)")


class Vocabulary:
    """Words (and ngrams) with exact counts and frequency-sorted ids.

    Id 0 is the most frequent entry; ties are broken by key, so a vocabulary does
    not depend on the order of the corpus.

    Parameters
    ----------
    keys : sequence of str
        Entries in id order.
    counts : array-like of int, shape (n,)
        Occurrences of each entry.
    total_tokens : int, optional
        Tokens of the corpus, including those pruned away. Default: sum of counts.

    Attributes
    ----------
    index_to_key : list of str
    key_to_index : dict of str to int
    counts : ndarray of int64, shape (n,)
    total_tokens : int
    min_count, max_size : the pruning used by :meth:`build` (or None)
    """

    def __init__(self, keys: Sequence[str], counts, total_tokens: int | None = None,
                 min_count: int | None = None, max_size: int | None = None) -> None:
        self.index_to_key = list(keys)
        self.counts = np.asarray(counts, dtype=np.int64).reshape(-1)
        if len(self.index_to_key) != self.counts.shape[0]:
            raise ValueError(f"{len(self.index_to_key)} keys but {self.counts.shape[0]} counts")
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            seen: set[str] = set()
            for k in self.index_to_key:
                if k in seen:
                    raise ValueError(f"duplicate key {k!r} in the vocabulary")
                seen.add(k)
        self.total_tokens = int(self.counts.sum()) if total_tokens is None else int(total_tokens)
        self.min_count = min_count
        self.max_size = max_size

    # ---- construction -------------------------------------------------------

    @classmethod
    def build(cls, corpus: "Corpus | EncodedCorpus", min_count: int = 5,
              max_size: int | None = None, progress: bool = False) -> "Vocabulary":
        """Count the tokens of a corpus and keep the frequent ones.

        Parameters
        ----------
        corpus : Corpus or EncodedCorpus
            Encoded on first use (and cached by the Corpus).
        min_count : int, default=5
            Keep tokens occurring at least this often.
        max_size : int, optional
            Then keep at most this many, the most frequent (ties broken by key).
        progress : bool, default=False

        Returns
        -------
        Vocabulary

        Raises
        ------
        CorpusError
            The corpus has no token, or no token reaches ``min_count``.
        """
        min_count = check_int(min_count, "min_count", "Vocabulary.build", 1)
        max_size = check_int(max_size, "max_size", "Vocabulary.build", 1, allow_none=True)
        enc = as_encoded(corpus, progress=progress)
        if enc.n_tokens == 0:
            raise CorpusError("the corpus has no tokens (empty, or only blank lines)",
                              str(enc.meta.get("corpus", {}).get("source", "<corpus>")))
        return cls.from_counts(enc.lexicon_keys, enc.lexicon_counts, min_count=min_count,
                               max_size=max_size, total_tokens=enc.n_tokens)

    @classmethod
    def from_counts(cls, keys: Sequence[str], counts, min_count: int = 1,
                    max_size: int | None = None,
                    total_tokens: int | None = None) -> "Vocabulary":
        """Sort entries by count (descending, then key) and prune them."""
        counts = np.asarray(counts, dtype=np.int64)
        keep = np.flatnonzero(counts >= min_count)
        if keep.size == 0:
            top = int(counts.max()) if counts.size else 0
            raise CorpusError(f"no token occurs at least min_count={min_count} times "
                              f"(the most frequent occurs {top} times); lower min_count")
        k_arr = np.array([keys[i] for i in keep], dtype=object)
        c_arr = counts[keep]
        order = sorted(range(len(keep)), key=lambda i: (-int(c_arr[i]), k_arr[i]))
        if max_size is not None:
            order = order[:max_size]
        vocab = cls([k_arr[i] for i in order], c_arr[order],
                    total_tokens=int(counts.sum()) if total_tokens is None else total_tokens,
                    min_count=min_count, max_size=max_size)
        logger.info("vocabulary: %s entries of %s (min_count=%d%s), covering %.2f%% of "
                    "%s tokens", f"{len(vocab):,}", f"{len(keys):,}", min_count,
                    "" if max_size is None else f", max_size={max_size}",
                    100.0 * vocab.counts.sum() / max(vocab.total_tokens, 1),
                    f"{vocab.total_tokens:,}")
        return vocab

    # ---- queries ------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return normalize_key(key) in self.key_to_index

    def __iter__(self):
        return iter(self.index_to_key)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self):,} entries, {self.total_tokens:,} corpus tokens)"

    def get_index(self, key: str | tuple) -> int:
        """Id of ``key``; raises :class:`OutOfVocabularyError` when absent."""
        k = normalize_key(key)
        try:
            return self.key_to_index[k]
        except KeyError:
            raise OutOfVocabularyError(k, len(self)) from None

    def count(self, key: str | tuple) -> int:
        """Occurrences of ``key`` in the corpus."""
        return int(self.counts[self.get_index(key)])

    @property
    def orders(self) -> np.ndarray:
        """Order of each entry (1 for words, 2 for bigrams, ...), int8."""
        return np.fromiter((key_order(k) for k in self.index_to_key), dtype=np.int8,
                           count=len(self))

    def keep_probs(self, sample: float | None) -> np.ndarray:
        """Probability of keeping each entry under frequent-word subsampling.

        word2vec's formula: with f the relative frequency and t = ``sample``,
        ``p_keep = (sqrt(f / t) + 1) * t / f`` capped at 1 (Mikolov et al. 2013,
        as in word2vec.c and gensim). ``sample`` None or 0 keeps everything.
        Frequencies are relative to the tokens of the vocabulary.

        Returns
        -------
        ndarray of float64, shape (n,)
        """
        if not sample:
            return np.ones(len(self), dtype=np.float64)
        sample = check_float(sample, "sample", "Vocabulary.keep_probs", 0.0)
        total = float(self.counts.sum())
        f = self.counts / total
        with np.errstate(divide="ignore"):
            p = (np.sqrt(f / sample) + 1.0) * sample / f
        return np.minimum(p, 1.0)

    # ---- persistence --------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write ``token count`` lines in id order (the format of word2vec's
        ``-save-vocab`` and GloVe's ``vocab_count``). Atomic."""
        from .io import atomic_write
        with atomic_write(path, "wb") as f:
            f.write("".join(f"{k} {c}\n" for k, c in
                            zip(self.index_to_key, self.counts.tolist())).encode("utf-8"))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocabulary":
        """Read a vocabulary written by :meth:`save`, word2vec or GloVe.

        Entries keep the file's order as ids. Raises :class:`VectorsFormatError`
        naming the line of a malformed entry or a duplicate.
        """
        keys: list[str] = []
        counts: list[int] = []
        seen: set[str] = set()
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no such vocabulary file") from None
        with f:
            for lineno, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    raise VectorsFormatError("not UTF-8", path, lineno) from None
                if not line:
                    continue
                parts = line.split(" ")
                if len(parts) != 2 or not parts[1].isdigit() or not parts[0]:
                    raise VectorsFormatError(f"expected 'token count', got {line[:60]!r}",
                                             path, lineno)
                if parts[0] in seen:
                    raise VectorsFormatError(f"duplicate token {parts[0]!r}", path, lineno)
                seen.add(parts[0])
                keys.append(parts[0])
                counts.append(int(parts[1]))
        if not keys:
            raise VectorsFormatError("empty vocabulary file", path)
        return cls(keys, counts)
