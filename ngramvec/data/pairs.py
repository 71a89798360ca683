"""(word, context) pair sources: arbitrary contexts, as word2vecf and hyperwords take them.

A pairs file has one ``word context`` pair a line, the two fields separated by one space
or one tab (word2vecf's input; hyperwords' and ngram2vec's ``pairs``). The contexts can
be anything: dependency labels with words (``nsubj_dog``), positional words
(``dog_-1``), document ids. :class:`PairsFile` streams such a file (plain, gzip, bzip2
or xz, detected by content, as :class:`~ngramvec.Corpus` reads text), builds its word
and context vocabularies and encodes the pairs into int32 ids in one pass
(:meth:`PairsFile.encoded`); :func:`pairs_from_corpus` makes the same
:class:`EncodedPairs` from a corpus with word or positional contexts, and
:func:`write_pairs` writes them as a pairs file for other tools.

:func:`ngramvec.count_cooccurrences` and :class:`ngramvec.SGNS` take a
:class:`PairsFile` or an :class:`EncodedPairs` in place of a corpus.
"""
from __future__ import annotations

import gzip
import logging
import os
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ngramvec.base.exceptions import CorpusError
from ngramvec.base.extensions import missing_extension
from ngramvec.base.fileio import atomic_write, check_writable, log_saved, temp_file
from ngramvec.base.validation import check_bool, check_float, check_int, check_option, \
    check_seed
from ngramvec.data.corpus import BLOCK_SIZE, _file_blocks, _list_files, _prefetch
from ngramvec.data.vocab import Vocabulary, as_encoded

try:
    from ngramvec.data._pairs import PairsParser, pairs_from_corpus as _pairs_kernel
except ImportError as exc:  # not built: reading pairs raises ExtensionNotBuiltError
    PairsParser = _pairs_kernel = missing_extension("ngramvec.data._pairs", exc)

if TYPE_CHECKING:
    from ngramvec.data.corpus import Corpus
    from ngramvec.data.encode import EncodedCorpus

logger = logging.getLogger(__name__)

__all__ = ["PairsFile", "EncodedPairs", "pairs_from_corpus", "write_pairs",
           "positional_key", "PAIR_CONTEXTS"]

#: Context types :func:`pairs_from_corpus` makes from a corpus.
PAIR_CONTEXTS = ("word", "pos")
_BLOCK_PAIRS = 1 << 21          # pairs per block of the remapping and writing passes
_OWNER = "PairsFile"


def positional_key(word: str, offset: int) -> str:
    """The key of a positional context: the word, ``_``, the signed offset.

    hyperwords' format (``corpus2pairs.py --pos``): ``"dog"`` one token left of the
    centre is ``"dog_-1"``, two to the right ``"dog_2"``.

    Examples
    --------
    >>> positional_key("dog", -1), positional_key("dog", 2)
    ('dog_-1', 'dog_2')
    """
    return f"{word}_{int(offset)}"


class EncodedPairs:
    """(word, context) pairs as int32 ids, with their word and context vocabularies.

    Attributes
    ----------
    pairs : ndarray of int32, shape (n_pairs, 2)
        Column 0 the word id (in :attr:`vocab`), column 1 the context id (in
        :attr:`context_vocab`). Memory-mapped from a temporary file that is unlinked
        once mapped, so nothing is left on disk whatever ends the process.
    vocab, context_vocab : Vocabulary
    source : str
        The file or corpus the pairs come from (for messages).
    stats : dict
        ``lines`` read, ``pairs`` kept, ``dropped`` (a word or context outside the
        vocabularies) and, from a corpus, the settings.
    """

    def __init__(self, pairs: np.ndarray, vocab: Vocabulary, context_vocab: Vocabulary,
                 source: str, stats: dict | None = None) -> None:
        pairs = np.asarray(pairs)
        if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.dtype != np.int32:
            raise ValueError("pairs must be an int32 array of shape (n, 2)")
        if not isinstance(vocab, Vocabulary) or not isinstance(context_vocab, Vocabulary):
            raise TypeError("vocab and context_vocab must be Vocabulary objects")
        self.pairs = pairs
        self.vocab = vocab
        self.context_vocab = context_vocab
        self.source = source
        self.stats = dict(stats or {})

    @property
    def n_pairs(self) -> int:
        return int(self.pairs.shape[0])

    def __len__(self) -> int:
        return self.n_pairs

    def __repr__(self) -> str:
        return (f"EncodedPairs({self.n_pairs:,} pairs, {len(self.vocab):,} words, "
                f"{len(self.context_vocab):,} contexts, from {self.source!r})")

    def write(self, path: str | os.PathLike) -> None:
        """Write the pairs as a pairs file (one ``word context`` a line, UTF-8),
        atomically; gzip-compressed when ``path`` ends in ``.gz``."""
        _write_pairs_file(self, path)


class PairsFile:
    """A text file of (word, context) pairs, one ``word context`` a line.

    Parameters
    ----------
    path : str or path-like
        The file: plain, gzip, bzip2 or xz (detected by content). Fields are
        separated by one space or one tab; a final ``\\r`` is ignored. Every line
        must hold exactly two non-empty fields.
    min_count : int, default=5
        Words occurring in fewer pairs are dropped, with their pairs (word2vecf's
        ``count_and_filter -min-count``).
    context_min_count : int, optional
        The same for contexts; default ``min_count``.
    max_size : int, optional
        Keep at most this many words (the most frequent).
    vocab, context_vocab : Vocabulary, optional
        Fixed vocabularies (word2vecf's ``-wvocab`` / ``-cvocab``) instead of those
        built from the file; ``min_count`` and ``max_size`` then do not apply to
        that side.
    oov : {"error", "drop"}, default="error"
        With a fixed vocabulary, a word or context outside it is an error naming the
        file and line, or its pair is dropped (word2vecf's behaviour).

    Notes
    -----
    The file is read once, in blocks, when first needed (:meth:`encoded`): both
    fields of each line are interned in compiled string tables and counted, and the
    pair is written as two raw ids to a temporary file; the vocabularies are then
    built from the counts and the raw ids remapped into the :class:`EncodedPairs`.
    Memory holds the distinct words and contexts, never the pairs. Counts of the
    vocabularies are the numbers of pairs each word or context occurs in (those
    negatives are drawn from).

    Examples
    --------
    >>> import ngramvec as nv, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("cat nsubj_sat\\ncat amod_black\\ndog nsubj_sat\\n")
    >>> pairs = nv.PairsFile(path, min_count=1)
    >>> pairs.vocab.index_to_key, pairs.context_vocab.index_to_key
    (['cat', 'dog'], ['nsubj_sat', 'amod_black'])
    >>> nv.count_cooccurrences(pairs).matrix.toarray().astype(int).tolist()
    [[1, 1], [1, 0]]
    """

    def __init__(self, path: str | os.PathLike, min_count: int = 5,
                 context_min_count: int | None = None, max_size: int | None = None,
                 vocab: Vocabulary | None = None, context_vocab: Vocabulary | None = None,
                 oov: str = "error") -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError("The 'path' parameter of PairsFile must be a path. Got "
                            f"{type(path).__name__} instead.")
        self.path = os.fspath(path)
        files = _list_files(self.path)
        if len(files) != 1 or files[0] != self.path:
            raise CorpusError("a pairs file is one file, not a directory", self.path)
        self.min_count = check_int(min_count, "min_count", _OWNER, 1)
        self.context_min_count = check_int(context_min_count, "context_min_count", _OWNER, 1,
                                           allow_none=True)
        self.max_size = check_int(max_size, "max_size", _OWNER, 1, allow_none=True)
        for name, v in (("vocab", vocab), ("context_vocab", context_vocab)):
            if v is not None and not isinstance(v, Vocabulary):
                raise TypeError(f"The {name!r} parameter of PairsFile must be a Vocabulary "
                                f"or None. Got {type(v).__name__} instead.")
        self.vocab_given = vocab
        self.context_vocab_given = context_vocab
        self.oov = check_option(oov, "oov", _OWNER, ("error", "drop"))
        self._encoded: EncodedPairs | None = None

    def __repr__(self) -> str:
        return f"PairsFile({self.path!r}, min_count={self.min_count})"

    @property
    def vocab(self) -> Vocabulary:
        """The word vocabulary (reads the file on first use)."""
        return self.encoded().vocab

    @property
    def context_vocab(self) -> Vocabulary:
        """The context vocabulary (reads the file on first use)."""
        return self.encoded().context_vocab

    def encoded(self, tmp_dir: str | os.PathLike | None = None,
                progress: bool = False) -> EncodedPairs:
        """The :class:`EncodedPairs` of the file, read and encoded on first use (cached).

        Parameters
        ----------
        tmp_dir : path, optional
            Where the temporary id files go (default: the system temporary directory).
        progress : bool, default=False
            A progress bar of the bytes read.

        Raises
        ------
        CorpusError
            A bad line (one field, three or more, an empty field, an empty line), a
            word or context outside a fixed vocabulary (``oov="error"``), invalid
            UTF-8, or no word / context reaching its ``min_count``; the message
            names the file and line.
        """
        if self._encoded is None:
            self._encoded = _encode_file(self, tmp_dir, progress)
        return self._encoded


# ------------------------------------------------------------------------ reading

_LINE_ERRORS = {1: "an empty line", 2: "one field", 3: "{n} fields", 4: "an empty field"}


def _line_error(kind: int, n_fields: int) -> str:
    what = _LINE_ERRORS[kind].format(n=n_fields)
    return (f"{what}; a pairs file has one 'word context' pair a line, two non-empty "
            "fields separated by one space or tab")


class _IdFile:
    """An append-only temporary file of int32 pairs, mapped when complete."""

    def __init__(self, tmp_dir, label: str) -> None:
        self.fd, self.path = temp_file(tmp_dir, label)
        self.f = os.fdopen(self.fd, "wb")
        self.n = 0

    def append(self, block: np.ndarray) -> None:
        self.f.write(np.ascontiguousarray(block, dtype=np.int32).tobytes())
        self.n += block.shape[0]

    def mapped(self) -> np.ndarray:
        """The pairs, memory-mapped read-only; the file is unlinked once mapped."""
        self.f.flush()
        try:
            if self.n == 0:
                return np.zeros((0, 2), dtype=np.int32)
            return np.memmap(self.path, dtype=np.int32, mode="r", shape=(self.n, 2))
        finally:
            self.close()

    def close(self) -> None:
        try:
            self.f.close()
        finally:
            try:
                os.unlink(self.path)
            except OSError:       # already gone, or Windows keeps a mapped file
                pass


def _decode(keys: list[bytes], path: str, what: str) -> list[str]:
    try:
        return [k.decode("utf-8") for k in keys]
    except UnicodeDecodeError:
        bad = next(k for k in keys if not _utf8(k))
        raise CorpusError(f"a {what} is not valid UTF-8 ({bad[:40]!r})", path) from None


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _first_bad(raw: np.ndarray, wmap: np.ndarray, cmap: np.ndarray) -> tuple[int, int]:
    """(index, column) of the first raw pair whose word (0) or context (1) maps to -1."""
    for a in range(0, raw.shape[0], _BLOCK_PAIRS):
        blk = raw[a:a + _BLOCK_PAIRS]
        bad = (wmap[blk[:, 0]] < 0) | (cmap[blk[:, 1]] < 0)
        if bad.any():
            i = int(np.argmax(bad))
            return a + i, 0 if wmap[blk[i, 0]] < 0 else 1
    raise AssertionError("unreachable: a bad pair was counted")  # pragma: no cover


def _vocab_side(keys: list[str], counts: np.ndarray, given: Vocabulary | None,
                min_count: int, max_size: int | None, n_pairs: int,
                path: str, what: str) -> tuple[Vocabulary, np.ndarray]:
    """The vocabulary of one side and the map raw id -> vocabulary id (-1: none)."""
    if given is None:
        kept = counts >= min_count
        if not kept.any():
            top = int(counts.max()) if counts.size else 0
            raise CorpusError(f"no {what} occurs in at least min_count={min_count} pairs (the "
                              f"most frequent in {top}); lower min_count", path)
        vocab = Vocabulary.from_counts(keys, counts, min_count=min_count, max_size=max_size,
                                       total_tokens=n_pairs, word_total=int(counts[kept].sum()))
    else:
        vocab = given
    index = vocab.key_to_index
    m = np.fromiter((index.get(k, -1) for k in keys), dtype=np.int32, count=len(keys))
    return vocab, m


def _encode_file(pf: PairsFile, tmp_dir, progress: bool) -> EncodedPairs:
    path = pf.path
    parser = PairsParser()
    raw = _IdFile(tmp_dir, "pairs-raw")
    out = None
    bar = None
    try:
        if progress:
            from tqdm.auto import tqdm  # optional dependency, only for the progress bar
            bar = tqdm(total=os.path.getsize(path), unit="B", unit_scale=True, desc="pairs")
        lines = 0
        for block, cont in _prefetch(_file_blocks(path)):
            if cont:
                raise CorpusError(f"a line longer than {BLOCK_SIZE:,} bytes; a pairs file "
                                  "has one short 'word context' pair a line", path, lines + 1)
            need = block.count(b"\n") + 1
            if out is None or out.shape[0] < need:
                out = np.empty((need, 2), dtype=np.int32)
            n, kind, line, n_fields = parser.feed(block, out)
            if kind == 5:
                raise MemoryError(f"cannot grow the string tables of the pairs file {path}")
            if kind == 6:
                raise CorpusError("more than 2**31 - 2 distinct words or contexts", path,
                                  lines + line + 1)
            if kind:
                raise CorpusError(_line_error(kind, n_fields), path, lines + line + 1)
            raw.append(out[:n])
            lines += n
            if bar is not None:
                bar.update(len(block))
        if lines == 0:
            raise CorpusError("the pairs file has no pairs (it is empty)", path)
        raw_pairs = raw.mapped()
        wk, wc = parser.table(False)
        ck, cc = parser.table(True)
        del parser
        words, contexts = _decode(wk, path, "word"), _decode(ck, path, "context")
        cmin = pf.min_count if pf.context_min_count is None else pf.context_min_count
        vocab, wmap = _vocab_side(words, wc, pf.vocab_given, pf.min_count, pf.max_size, lines,
                                  path, "word")
        cvocab, cmap = _vocab_side(contexts, cc, pf.context_vocab_given, cmin, None, lines,
                                   path, "context")
        fixed_miss = ((pf.vocab_given is not None and (wmap < 0).any())
                      or (pf.context_vocab_given is not None and (cmap < 0).any()))
        if fixed_miss and pf.oov == "error":
            # only a side with a fixed vocabulary can fail here: the other keeps all
            wm = wmap if pf.vocab_given is not None else np.zeros_like(wmap)
            cm = cmap if pf.context_vocab_given is not None else np.zeros_like(cmap)
            i, side = _first_bad(raw_pairs, wm, cm)
            key = words[raw_pairs[i, 0]] if side == 0 else contexts[raw_pairs[i, 1]]
            what = "word" if side == 0 else "context"
            given = pf.vocab_given if side == 0 else pf.context_vocab_given
            raise CorpusError(f"the {what} {key!r} is not in the given {what} vocabulary "
                              f"({len(given):,} entries); pass oov='drop' to skip such pairs",
                              path, i + 1)
        final = _IdFile(tmp_dir, "pairs")
        try:
            for a in range(0, raw_pairs.shape[0], _BLOCK_PAIRS):
                blk = np.asarray(raw_pairs[a:a + _BLOCK_PAIRS])
                mapped = np.stack([wmap[blk[:, 0]], cmap[blk[:, 1]]], axis=1)
                final.append(mapped[(mapped >= 0).all(axis=1)])
            pairs = final.mapped()
        except BaseException:
            final.close()
            raise
        del raw_pairs
    finally:
        raw.close()
        if bar is not None:
            bar.close()
    if pairs.shape[0] == 0:
        raise CorpusError("no pair has both its word and its context in the vocabularies "
                          "(lower min_count)", path)
    stats = {"lines": lines, "pairs": int(pairs.shape[0]),
             "dropped": lines - int(pairs.shape[0])}
    logger.info("%s: %s pairs of %s lines, %s words, %s contexts", path,
                f"{stats['pairs']:,}", f"{lines:,}", f"{len(vocab):,}", f"{len(cvocab):,}")
    return EncodedPairs(pairs, vocab, cvocab, path, stats)


# ------------------------------------------------------------------------ from a corpus

def pairs_from_corpus(corpus: "Corpus | EncodedCorpus", vocab: Vocabulary, window: int = 2,
                      contexts: str = "word", dynamic_window: bool = False,
                      sample: float | None = None, subsampling: str = "clean",
                      oov: str = "keep", seed: int = 0, context_min_count: int = 1,
                      tmp_dir: str | os.PathLike | None = None,
                      progress: bool = False) -> EncodedPairs:
    """The (word, context) pairs of a corpus under a window, with word or positional contexts.

    What hyperwords' ``corpus2pairs.py`` (and ngram2vec's ``corpus2pairs`` for words)
    writes, encoded: for each centre token in ``vocab`` and each other token at
    offset d, 0 < |d| <= window, one pair.

    Parameters
    ----------
    corpus : Corpus or EncodedCorpus
    vocab : Vocabulary
        Words (order-1 entries are used): centres, and the words of the contexts.
    window : int, default=2
    contexts : {"word", "pos"}, default="word"
        ``"word"``: the context is the word (context vocabulary = ``vocab``).
        ``"pos"``: the context is the word with its offset, ``"dog_-1"``
        (:func:`positional_key`; hyperwords' ``--pos``), with its own context
        vocabulary: every (word, offset) seen at least ``context_min_count`` times,
        counted over the pairs.
    dynamic_window : bool, default=False
        Each centre's window is uniform in [1, window] (drawn once: the pairs are
        fixed, as hyperwords' ``--dyn``).
    sample : float, optional
        Subsampling threshold (word2vec's formula, :meth:`Vocabulary.keep_probs`),
        drawn once per token position.
    subsampling, oov : {"clean", "dirty"}, {"keep", "drop"}
        Subsampled / out-of-vocabulary tokens stay as gaps (hyperwords' default;
        offsets count positions as written) or are removed before windowing
        (word2vec; hyperwords' ``--del``).
    seed : int, default=0
        Seeds subsampling and dynamic windows; decisions hash the token position and
        equal those of :func:`ngramvec.count_cooccurrences` with the same seed.
    context_min_count : int, default=1
        Positional contexts seen fewer times are dropped with their pairs.
    tmp_dir : path, optional
        Where the temporary id file goes.
    progress : bool, default=False

    Returns
    -------
    EncodedPairs
        Centre-major, in corpus order.
    """
    owner = "pairs_from_corpus"
    window = check_int(window, "window", owner, 1, 10000)
    contexts = check_option(contexts, "contexts", owner, PAIR_CONTEXTS)
    dynamic_window = check_bool(dynamic_window, "dynamic_window", owner)
    if sample is not None:
        sample = check_float(sample, "sample", owner, 0.0)
    subsampling = check_option(subsampling, "subsampling", owner, ("clean", "dirty"))
    oov = check_option(oov, "oov", owner, ("keep", "drop"))
    seed = check_seed(seed, owner)
    context_min_count = check_int(context_min_count, "context_min_count", owner, 1)
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"The 'vocab' parameter of {owner} must be a Vocabulary. Got "
                        f"{type(vocab).__name__} instead.")
    if not np.all(vocab.orders == 1):
        vocab = vocab.subset((1,))
    if len(vocab) == 0:
        raise ValueError(f"{owner}: the vocabulary has no words")
    enc = as_encoded(corpus, progress=progress)
    positional = contexts == "pos"
    if positional and len(vocab) * 2 * window >= 2 ** 31:
        raise ValueError(f"{owner}: {len(vocab):,} words times 2 * window = {2 * window} "
                         "positional contexts do not fit int32 ids; lower the window")
    row_map = np.ascontiguousarray(enc.remap(vocab), dtype=np.int32)
    keep = np.ones(len(enc.lexicon_keys), dtype=np.float64)
    if sample:
        has = row_map >= 0
        keep[has] = vocab.keep_probs(sample)[row_map[has]]
    ids = np.asarray(enc.ids)
    ends = np.asarray(enc.ends)
    if ids.dtype != np.int32 or ends.dtype != np.int64:
        ids = np.ascontiguousarray(ids, dtype=np.int32)
        ends = np.ascontiguousarray(ends, dtype=np.int64)
    args = (row_map, keep, window, dynamic_window, positional, oov == "drop",
            subsampling == "dirty", seed)

    def blocks() -> Iterator[np.ndarray]:
        """The pairs, block by block of sentences (about 1M tokens each)."""
        buf = None
        s, n_s = 0, len(ends)
        while s < n_s:
            base = int(ends[s - 1]) if s else 0
            stop = int(np.searchsorted(ends, base + (1 << 20), side="right"))
            stop = min(max(stop, s + 1), n_s)
            need = 2 * window * (int(ends[stop - 1]) - base)
            if buf is None or buf.shape[0] < need:
                buf = np.empty((max(need, 1), 2), dtype=np.int32)
            k = _pairs_kernel(ids, ends, s, stop, *args, buf)
            yield buf[:k]
            s = stop

    if positional:
        n_cols = len(vocab) * 2 * window
        ccount = np.zeros(n_cols, dtype=np.int64)
        for blk in blocks():             # pass 1: the positional contexts' counts
            ccount += np.bincount(blk[:, 1], minlength=n_cols)
        kept = np.flatnonzero(ccount >= context_min_count)
        if kept.size == 0:
            what = (f"{int(ccount.sum()):,} pairs, none of whose contexts occurs "
                    f"{context_min_count} times or more") if ccount.sum() else \
                "no pair at all (every token out of the vocabulary or subsampled away?)"
            raise CorpusError(f"{owner}: the corpus gives {what}", _source(enc))
        offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
        keys = vocab.index_to_key
        ckeys = [positional_key(keys[c // (2 * window)], offsets[c % (2 * window)])
                 for c in kept.tolist()]
        cvocab = Vocabulary.from_counts(ckeys, ccount[kept], min_count=1,
                                        total_tokens=int(ccount.sum()),
                                        word_total=int(ccount.sum()))
        cmap = np.full(n_cols, -1, dtype=np.int32)
        idx = cvocab.key_to_index
        cmap[kept] = np.fromiter((idx[k] for k in ckeys), dtype=np.int32, count=len(ckeys))
    else:
        cvocab, cmap = vocab, None
    out = _IdFile(tmp_dir, "pairs")
    try:
        for blk in blocks():             # (pass 2 for positional contexts)
            if cmap is not None:
                blk = np.stack([blk[:, 0], cmap[blk[:, 1]]], axis=1)
                blk = blk[blk[:, 1] >= 0]
            out.append(blk)
        pairs = out.mapped()
    except BaseException:
        out.close()
        raise
    stats = {"pairs": int(pairs.shape[0]), "window": window, "contexts": contexts,
             "dynamic_window": dynamic_window, "sample": sample, "subsampling": subsampling,
             "oov": oov, "seed": seed}
    logger.info("%s: %s %s pairs (window %d), %s contexts", owner, f"{pairs.shape[0]:,}",
                contexts, window, f"{len(cvocab):,}")
    return EncodedPairs(pairs, vocab, cvocab, _source(enc), stats)


def _source(enc) -> str:
    src = enc.meta.get("corpus", {}).get("source", "<corpus>") if hasattr(enc, "meta") else ""
    if isinstance(src, list):
        src = src[0] if len(src) == 1 else f"{len(src)} files"
    return str(src)


# ------------------------------------------------------------------------ writing

def write_pairs(corpus: "Corpus | EncodedCorpus", vocab: Vocabulary,
                path: str | os.PathLike, window: int = 2, contexts: str = "word",
                **options) -> EncodedPairs:
    """Write the pairs of a corpus as a pairs file (ngram2vec's and hyperwords'
    ``corpus2pairs``; word2vecf's input).

    Parameters
    ----------
    corpus, vocab, window, contexts, **options
        As :func:`pairs_from_corpus` (``dynamic_window``, ``sample``, ``subsampling``,
        ``oov``, ``seed``, ``context_min_count``, ``tmp_dir``, ``progress``).
    path : str or path-like
        Output, written atomically (UTF-8, one ``word context`` a line, one space);
        gzip-compressed when it ends in ``.gz``.

    Returns
    -------
    EncodedPairs
        The pairs written (for a training run on them without reading the file back).
    """
    check_writable(path, "the pairs file")
    enc = pairs_from_corpus(corpus, vocab, window, contexts, **options)
    _write_pairs_file(enc, path)
    return enc


def _write_pairs_file(enc: EncodedPairs, path) -> None:
    wk = [k.encode("utf-8") for k in enc.vocab.index_to_key]
    ck = wk if enc.context_vocab is enc.vocab else \
        [k.encode("utf-8") for k in enc.context_vocab.index_to_key]
    for side, keys in (("word", wk), ("context", ck)):
        bad = next((k for k in keys if not k or b" " in k or b"\t" in k or b"\n" in k), None)
        if bad is not None:
            raise ValueError(f"cannot write a pairs file: the {side} {bad!r} is empty or "
                             "holds a space, tab or line end")
    with atomic_write(path, "wb") as raw:
        f = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) \
            if os.fspath(path).endswith(".gz") else raw
        try:
            for a in range(0, enc.n_pairs, _BLOCK_PAIRS):
                blk = np.asarray(enc.pairs[a:a + _BLOCK_PAIRS]).tolist()
                f.write(b"".join([wk[w] + b" " + ck[c] + b"\n" for w, c in blk]))
        finally:
            if f is not raw:
                f.close()
    log_saved(path, f"{enc.n_pairs:,} (word, context) pairs")
