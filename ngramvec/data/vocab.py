"""Vocabularies: exact counts, pruning, frequency-sorted ids."""
from __future__ import annotations

import logging
import os
from typing import Sequence

import numpy as np

from ngramvec.base.extensions import is_built
from ngramvec.base.fileio import atomic_write, log_saved
from ngramvec.base.keys import (key_ends_utf8, key_orders, key_orders_utf8, keys_utf8,
                                normalize_key)
from ngramvec.base.persist import load_npz, naming_write_errors, save_npz
from ngramvec.base.validation import check_float, check_int, check_memory, check_n_threads
from ngramvec.base.exceptions import CorpusError, OutOfVocabularyError, VectorsFormatError
from ngramvec.data.ngrams import (check_orders, count_ngrams, key_order_utf8,
                                  min_counts_by_order, take_keys_utf8)
from ngramvec.data.corpus import Corpus
from ngramvec.data.encode import EncodedCorpus
from ngramvec.data.spill import check_tmp_dir, default_memory_limit

logger = logging.getLogger(__name__)

__all__ = ["Vocabulary", "as_encoded"]

# a word vocabulary is pure Python without the compiled modules (sorted as strs then)
_COMPILED = is_built(key_order_utf8)


def _frequent(counts: np.ndarray, min_count: int) -> np.ndarray:
    """Positions of the counts reaching ``min_count`` (CorpusError when none does)."""
    keep = np.flatnonzero(counts >= min_count)
    if keep.size == 0:
        top = int(counts.max()) if counts.size else 0
        raise CorpusError(f"no token occurs at least min_count={min_count} times "
                          f"(the most frequent occurs {top} times); lower min_count")
    return keep


def _log_built(vocab: "Vocabulary", n_seen: int, min_count, max_size) -> None:
    logger.info("vocabulary: %s entries of %s (min_count=%s%s), covering %.2f%% of "
                "%s tokens", f"{len(vocab):,}", f"{n_seen:,}", min_count,
                "" if max_size is None else f", max_size={max_size}",
                100.0 * vocab.counts.sum() / max(vocab.total_tokens, 1),
                f"{vocab.total_tokens:,}")


def as_encoded(corpus: "Corpus | EncodedCorpus", progress: bool = False) -> "EncodedCorpus":
    """The encoded form of a Corpus (cached), or an EncodedCorpus as it is."""
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
        Tokens of the corpus, including those pruned away.
    word_total : int
        Occurrences of the words (order-1 entries) of the vocabulary it was built
        as; frequencies for subsampling are relative to it, for words and ngrams.
    min_count, max_size : the pruning used by :meth:`build` (or None)

    Notes
    -----
    Ngram entries (order >= 2) are keyed by their tokens joined with
    :data:`ngramvec.NGRAM_SEP` (U+00A0); lookups also accept a tuple of tokens.
    """

    def __init__(self, keys: Sequence[str], counts, total_tokens: int | None = None,
                 min_count: int | dict | None = None, max_size: int | None = None,
                 word_total: int | None = None) -> None:
        self.index_to_key = list(keys)
        self.counts = np.asarray(counts, dtype=np.int64).reshape(-1)
        if len(self.index_to_key) != self.counts.shape[0]:
            raise ValueError(f"{len(self.index_to_key)} keys but {self.counts.shape[0]} counts")
        self.key_to_index = dict(zip(self.index_to_key, range(len(self.index_to_key))))
        if len(self.key_to_index) != len(self.index_to_key):
            seen: set[str] = set()
            for k in self.index_to_key:
                if k in seen:
                    raise ValueError(f"duplicate key {k!r} in the vocabulary")
                seen.add(k)
        self.total_tokens = int(self.counts.sum()) if total_tokens is None else int(total_tokens)
        self.min_count = min_count
        self.max_size = max_size
        self._orders = None
        self.word_total = self._count_words() if word_total is None else int(word_total)

    def _count_words(self) -> int:
        """Occurrences of the order-1 entries (of all entries when there is none)."""
        words = self.orders == 1 if len(self) else np.zeros(0, bool)
        return int(self.counts[words].sum()) if words.any() else int(self.counts.sum())

    # Pickled (Dask ships vocabularies to its workers and its scheduler) as the keys'
    # UTF-8 bytes, cached: a list of 1M strs and its dict take 0.7 s to pickle and 0.6 s
    # to load. An unpickled copy builds ``index_to_key`` and ``key_to_index`` on first
    # use only (``__getattr__``): a Dask scheduler never does, and a worker counting
    # ngram units reads the bytes (``keys_utf8``, ``orders``, ``subset``) instead.

    def keys_utf8(self) -> bytes | None:
        """The keys as :func:`ngramvec.base.keys.keys_utf8` bytes (each key followed by a
        newline; computed once), or None when a key holds a newline."""
        d = self.__dict__
        cached = d.get("_utf8")
        if cached is None or cached[1] != len(self):
            keys = d["index_to_key"]
            blob = keys_utf8(keys)
            ok = blob.count(b"\n") == len(keys)
            cached = d["_utf8"] = (blob if ok else None, len(keys))
        return cached[0]

    def __getstate__(self) -> dict:
        blob = self.keys_utf8()
        state = dict(self.__dict__)
        state.pop("_utf8", None)
        keys = state.pop("index_to_key", None)
        state.pop("key_to_index", None)
        if blob is None:
            state["_keys"] = keys
        else:
            state["_keys_utf8"] = (blob, len(self))
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        utf8 = state.pop("_keys_utf8", None)
        keys = state.pop("_keys", None)
        self.__dict__.update(state)
        if utf8 is not None:
            self.__dict__["_utf8"] = utf8          # keys decoded on first use
            return
        if isinstance(keys, tuple):                # the format before: "\n".join(keys)
            blob, n = keys
            keys = blob.decode("utf-8", "surrogatepass").split("\n") if n else []
        self.index_to_key = keys
        self.key_to_index = dict(zip(keys, range(len(keys))))

    def __getattr__(self, name: str):
        # only for attributes not set: the keys of an unpickled copy, decoded once
        d = self.__dict__
        if name in ("index_to_key", "key_to_index") and d.get("_utf8") is not None:
            blob, n = d["_utf8"]
            keys = blob.decode("utf-8", "surrogatepass").split("\n")
            del keys[n:]
            d["index_to_key"] = keys
            d["key_to_index"] = dict(zip(keys, range(n)))
            return d[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ---- construction -------------------------------------------------------

    @classmethod
    def build(cls, corpus: "Corpus | EncodedCorpus", min_count: int | Sequence[int] = 5,
              max_size: int | None = None, ngram_orders: Sequence[int] = (1,),
              n_threads: int | None = None, memory_limit: int | str | None = None,
              tmp_dir: str | os.PathLike | None = None,
              progress: bool = False) -> "Vocabulary":
        """Count the tokens (and ngrams) of a corpus and keep the frequent ones.

        Parameters
        ----------
        corpus : Corpus or EncodedCorpus
            Encoded on first use (and cached by the Corpus).
        min_count : int, sequence of int or dict, default=5
            Keep entries occurring at least this often: one count for every order, or
            one per order of ``ngram_orders`` (a sequence aligned with it, or a dict
            order -> count).
        max_size : int, optional
            Then keep at most this many entries, the most frequent (ties by key).
        ngram_orders : sequence of int, default=(1,)
            Orders to keep: 1 for words, 2 for bigrams... up to 6. An ngram is a run
            of consecutive tokens inside a sentence.
        n_threads : int, optional
            Threads counting ngrams (default: all cores).
        memory_limit : int or str, optional
            Bound of the ngram counting tables (bytes or "2GB"); past it sorted runs
            spill to ``tmp_dir`` and are merged. Default: half the physical memory.
        tmp_dir : path, optional
        progress : bool, default=False

        Returns
        -------
        Vocabulary

        Raises
        ------
        CorpusError
            The corpus has no token, or no entry reaches ``min_count``.

        Notes
        -----
        Counts are exact. Words come from the encoding pass; order k >= 2 is counted
        in one pass over the encoded ids, restricted to positions whose
        (k-1)-prefix is frequent enough (an ngram is never more frequent than its
        prefix), with the bounded-memory accumulator of :func:`count_cooccurrences`.
        """
        owner = "Vocabulary.build"
        orders = check_orders(ngram_orders, "ngram_orders", owner)
        mins = min_counts_by_order(min_count, orders, owner)
        max_size = check_int(max_size, "max_size", owner, 1, allow_none=True)
        n_threads = check_n_threads(n_threads, owner)
        memory_limit = check_memory(memory_limit, "memory_limit", owner, low=1)
        tmp_dir = check_tmp_dir(tmp_dir, owner)   # before encoding, not at the first spill
        enc = as_encoded(corpus, progress=progress)
        if enc.n_tokens == 0:
            raise CorpusError("the corpus has no tokens (empty, or only blank lines)",
                              str(enc.meta.get("corpus", {}).get("source", "<corpus>")))
        if orders == (1,):
            return cls.from_counts(enc.lexicon_keys, enc.lexicon_counts, min_count=mins[1],
                                   max_size=max_size, total_tokens=enc.n_tokens)
        if memory_limit is None:
            memory_limit = default_memory_limit()
        keys, counts = count_ngrams(enc, orders, mins, n_threads, memory_limit, tmp_dir,
                                    progress)
        word_min = mins.get(1, min(mins.values()))
        word_total = int(enc.lexicon_counts[enc.lexicon_counts >= word_min].sum())
        vocab = cls.from_counts(keys, counts, min_count=1, max_size=max_size,
                                total_tokens=enc.n_tokens, word_total=word_total)
        vocab.min_count = mins
        return vocab

    @classmethod
    def from_counts(cls, keys: Sequence[str], counts, min_count: int = 1,
                    max_size: int | None = None, total_tokens: int | None = None,
                    word_total: int | None = None) -> "Vocabulary":
        """Sort entries by count (descending, then key) and prune them."""
        counts = np.asarray(counts, dtype=np.int64)
        keep = _frequent(counts, min_count)
        k_arr = list(keys) if len(keep) == len(keys) else list(map(keys.__getitem__,
                                                                   keep.tolist()))
        c_arr = counts[keep]
        blob = keys_utf8(k_arr)
        ends = key_ends_utf8(blob, len(k_arr)) if _COMPILED else None
        if ends is None:                  # a key holding a newline, or not built
            by_key = np.asarray(sorted(range(len(keep)), key=k_arr.__getitem__),
                                dtype=np.int64)
            order = by_key[np.argsort(-c_arr[by_key], kind="stable")]
        else:                             # compiled: UTF-8 bytes sort as the strs do
            order = key_order_utf8(blob, ends, c_arr)
        if max_size is not None:
            order = order[:max_size]
        vocab = cls(list(map(k_arr.__getitem__, order.tolist())), c_arr[order],
                    total_tokens=int(counts.sum()) if total_tokens is None else total_tokens,
                    min_count=min_count, max_size=max_size, word_total=word_total)
        if ends is not None:              # the sorted bytes: what pickling sends
            vocab.__dict__["_utf8"] = (take_keys_utf8(blob, ends, order), len(order))
        _log_built(vocab, len(keys), min_count, max_size)
        return vocab

    @classmethod
    def _from_counts_utf8(cls, blob: bytes, n: int, counts, min_count: int = 1,
                          max_size: int | None = None, total_tokens: int | None = None,
                          word_total: int | None = None,
                          n_seen: int | None = None) -> "Vocabulary":
        """:meth:`from_counts` of ``n`` distinct keys given as ``keys_utf8`` bytes; no
        str is made (the keys are decoded on first use, as an unpickled vocabulary's).
        ``n_seen``: the distinct keys before an earlier pruning, for the log."""
        counts = np.asarray(counts, dtype=np.int64)
        ends = key_ends_utf8(blob, n)
        if ends is None or len(counts) != n:
            raise ValueError(f"expected {n:,} newline-ended keys and as many counts")
        keep = _frequent(counts, min_count)
        order = keep[key_order_utf8(blob, ends, counts[keep])]
        if max_size is not None:
            order = order[:max_size]
        vocab = cls._from_utf8(take_keys_utf8(blob, ends, order), len(order), counts[order],
                               total_tokens=int(counts.sum()) if total_tokens is None
                               else int(total_tokens), min_count=min_count,
                               max_size=max_size, word_total=word_total)
        if vocab.word_total is None:
            vocab.word_total = vocab._count_words()
        _log_built(vocab, n if n_seen is None else n_seen, min_count, max_size)
        return vocab

    # ---- queries ------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.counts.shape[0])

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
        """Order of each entry (1 for words, 2 for bigrams, ...), int8 (computed once)."""
        if getattr(self, "_orders", None) is None or len(self._orders) != len(self):
            blob = self.keys_utf8()           # cached: pickling reuses it
            orders = None if blob is None else key_orders_utf8(blob, len(self))
            self._orders = key_orders(self.index_to_key) if orders is None else orders
        return self._orders

    def subset(self, orders: Sequence[int]) -> "Vocabulary":
        """The entries of the given orders, in the same relative order (new ids)."""
        wanted = np.isin(self.orders, np.asarray(list(orders)))
        idx = np.flatnonzero(wanted)
        kw = dict(total_tokens=self.total_tokens, min_count=self.min_count,
                  max_size=self.max_size, word_total=self.word_total)
        blob = None if "index_to_key" in self.__dict__ else self.keys_utf8()
        if blob is not None:
            # an unpickled copy: cut the bytes, decode nothing
            cut = take_keys_utf8(blob, key_ends_utf8(blob, len(self)), idx)
            return Vocabulary._from_utf8(cut, len(idx), self.counts[idx], **kw)
        return Vocabulary([self.index_to_key[i] for i in idx], self.counts[idx], **kw)

    @classmethod
    def _from_utf8(cls, blob: bytes, n: int, counts, **kw) -> "Vocabulary":
        """A vocabulary of ``n`` distinct keys given as ``keys_utf8`` bytes, decoded on
        first use (as an unpickled one)."""
        vocab = cls.__new__(cls)
        vocab.__setstate__(dict(counts=np.asarray(counts, dtype=np.int64), _orders=None,
                                _keys_utf8=(blob, n),
                                **{k: kw.get(k) for k in ("total_tokens", "min_count",
                                                          "max_size", "word_total")}))
        return vocab

    @property
    def ngram_orders(self) -> tuple[int, ...]:
        """The orders present (sorted)."""
        return tuple(int(k) for k in np.unique(self.orders)) if len(self) else ()

    def keep_probs(self, sample: float | None) -> np.ndarray:
        """Probability of keeping each entry under frequent-word subsampling.

        word2vec's formula: with f the relative frequency and t = ``sample``,
        ``p_keep = (sqrt(f / t) + 1) * t / f`` capped at 1 (Mikolov et al. 2013,
        as in word2vec.c and gensim). ``sample`` None or 0 keeps everything.
        Frequencies are relative to :attr:`word_total` (the word tokens of the
        vocabulary), for ngrams too.

        Returns
        -------
        ndarray of float64, shape (n,)
        """
        if not sample:
            return np.ones(len(self), dtype=np.float64)
        sample = check_float(sample, "sample", "Vocabulary.keep_probs", 0.0)
        f = self.counts / float(max(self.word_total, 1))
        with np.errstate(divide="ignore"):
            p = (np.sqrt(f / sample) + 1.0) * sample / f
        return np.minimum(p, 1.0)

    # ---- persistence --------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary, atomically.

        A name ending in ``.npz`` gets ngramvec's archive (:mod:`ngramvec.base.persist`:
        keys, counts, ``total_tokens``, ``word_total`` and the pruning settings, so
        subsampling after :meth:`load` is what it was). Any other name gets
        ``token count`` lines in id order, the format of word2vec's ``-save-vocab``
        and GloVe's ``vocab_count`` (keys and counts only).
        """
        if os.fspath(path).lower().endswith(".npz"):
            arrays, state = self._persist_arrays()
            save_npz(path, "Vocabulary", arrays, state=state,
                     what=f"a vocabulary of {len(self):,} entries")
            return
        with naming_write_errors(path), atomic_write(path, "wb") as f:
            f.write("".join(f"{k} {c}\n" for k, c in
                            zip(self.index_to_key, self.counts.tolist())).encode("utf-8"))
        log_saved(path, f"a vocabulary of {len(self):,} entries")

    def _persist_arrays(self, prefix: str = "") -> tuple[dict, dict]:
        """(arrays, state) describing this vocabulary, names prefixed by ``prefix``."""
        min_count = self.min_count
        if isinstance(min_count, dict):
            min_count = {str(k): v for k, v in min_count.items()}
        return ({f"{prefix}keys": list(self.index_to_key), f"{prefix}counts": self.counts},
                {f"{prefix}total_tokens": self.total_tokens,
                 f"{prefix}word_total": self.word_total, f"{prefix}min_count": min_count,
                 f"{prefix}max_size": self.max_size})

    @classmethod
    def _from_persisted(cls, arrays: dict, state: dict, path: str,
                        prefix: str = "") -> "Vocabulary":
        """Inverse of :meth:`_persist_arrays`."""
        try:
            min_count = state.get(f"{prefix}min_count")
            if isinstance(min_count, dict):
                min_count = {int(k): v for k, v in min_count.items()}
            return cls(arrays[f"{prefix}keys"], arrays[f"{prefix}counts"],
                       total_tokens=state.get(f"{prefix}total_tokens"), min_count=min_count,
                       max_size=state.get(f"{prefix}max_size"),
                       word_total=state.get(f"{prefix}word_total"))
        except (KeyError, ValueError, TypeError) as exc:
            raise VectorsFormatError(f"damaged vocabulary ({exc!r})", path) from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocabulary":
        """Read a vocabulary written by :meth:`save`, word2vec or GloVe.

        An ``.npz`` archive is recognised by its content, whatever its name. In the
        text format, entries keep the file's order as ids. Raises
        :class:`VectorsFormatError` naming the line of a malformed entry or a
        duplicate, or naming the file of an archive of something else.
        """
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no such vocabulary file") from None
        with f:
            if f.read(4) == b"PK\x03\x04":   # a zip archive: the .npz layout
                f.close()
                saved = load_npz(path, "Vocabulary", "vocabulary")
                return cls._from_persisted(saved.arrays, saved.state, os.fspath(path))
            f.seek(0)
            keys: list[str] = []
            counts: list[int] = []
            seen: set[str] = set()
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
