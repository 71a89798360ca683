"""Read text corpora: files, compressed files, directories and iterables.

A :class:`Corpus` streams tokenized sentences (one sentence a line) and turns itself,
once, into an :class:`~ngramvec.encode.EncodedCorpus` of int32 ids that every later
pass reads instead of the text.
"""
from __future__ import annotations

import bz2
import gzip
import io
import logging
import lzma
import os
import queue
import threading
from typing import Callable, Iterable, Iterator, Sequence, Union

from ngramvec.base.fileio import DECOMPRESS_ERRORS, MAGIC_BYTES, compression_of
from ngramvec.data.encode import encode_corpus
from ngramvec.base.validation import check_bool, check_int, check_option
from ngramvec.base.exceptions import CorpusError, OneShotIteratorError
from ngramvec.base.extensions import missing_extension

try:
    from ngramvec.data._encode import TextEncoder, merge_encoded
except ImportError as exc:  # not built: reading text raises ExtensionNotBuiltError
    TextEncoder = merge_encoded = missing_extension("ngramvec.data._encode", exc)

logger = logging.getLogger(__name__)

__all__ = ["Corpus", "tokenize", "TOKENIZERS"]

TOKENIZERS = ("words", "words_punct", "whitespace")
_MODES = {"whitespace": 0, "words": 1, "words_punct": 2}
BLOCK_SIZE = 1 << 22          # bytes read at a time
#: Longest token kept, in UTF-8 bytes; longer tokens are cut (see :class:`Corpus`).
MAX_TOKEN_BYTES = 256

Source = Union[str, os.PathLike, Iterable[str], Iterable[Sequence[str]]]


def open_binary(path: str | os.PathLike):
    """Open a file for binary reading, decompressing gzip, bzip2 or xz by magic bytes."""
    path = os.fspath(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise CorpusError("no such file or directory", path) from None
    except IsADirectoryError:
        raise CorpusError("is a directory", path) from None
    except PermissionError:
        raise CorpusError("permission denied", path) from None
    kind = compression_of(f.read(MAGIC_BYTES))
    f.seek(0)
    if kind is not None:
        f.close()
        return {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}[kind](path, "rb")
    return f


def _list_files(path: str) -> list[str]:
    if os.path.isdir(path):
        out = []
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    out.append(os.path.join(root, name))
        if not out:
            raise CorpusError("the directory holds no files", path)
        return out
    if not os.path.exists(path):
        raise CorpusError("no such file or directory", path)
    return [path]


def _file_blocks(path: str, block_size: int = BLOCK_SIZE,
                 byte_range: tuple[int, int] | None = None) -> Iterator[tuple[bytes, bool]]:
    """Yield (block, line_continues) pieces of a file, cut at line ends.

    A line longer than ``block_size`` is cut at its last ASCII space or tab (or, with
    none, at a code point boundary) and the piece is flagged as continuing. A NUL
    byte means the file is binary: :class:`CorpusError` with the line number.
    ``byte_range`` (start, stop) reads only those bytes of a plain (uncompressed)
    file; line numbers then count from the start of the range.
    """
    line = 1
    carry = b""
    left = None if byte_range is None else byte_range[1] - byte_range[0]
    try:
        with open_binary(path) as f:
            if byte_range is not None:
                if f.__class__ is not io.BufferedReader:
                    raise CorpusError("a byte range of a compressed file cannot be read; "
                                      "compressed files are read whole", path)
                f.seek(byte_range[0])
            while True:
                chunk = f.read(block_size if left is None else min(block_size, left))
                if left is not None:
                    left -= len(chunk)
                if not chunk:
                    break
                data = carry + chunk if carry else chunk
                nul = data.find(b"\x00")
                if nul >= 0:
                    raise CorpusError("binary file: NUL byte found; ngramvec reads UTF-8 text",
                                      path, line + data.count(b"\n", 0, nul))
                cut = data.rfind(b"\n")
                if cut >= 0:
                    piece, carry = data[:cut + 1], data[cut + 1:]
                    line += piece.count(b"\n")
                    yield piece, False
                elif len(data) >= block_size:
                    ws = max(data.rfind(b" "), data.rfind(b"\t"))
                    if ws > 0:
                        k = ws + 1
                    else:
                        k = len(data) - 1
                        while k > 0 and (data[k] & 0xC0) == 0x80:
                            k -= 1
                        k = max(k, 1)
                    piece, carry = data[:k], data[k:]
                    yield piece, True
                else:
                    carry = data
            if carry:
                yield carry, False
    except DECOMPRESS_ERRORS as exc:   # OSError, EOFError, lzma.LZMAError, zlib.error
        if isinstance(exc, CorpusError):
            raise
        raise CorpusError(f"cannot read: {exc}", path, line) from exc


def _put_unless_stopped(q: queue.Queue, item, stop: threading.Event,
                        timeout: float) -> bool:
    """Put ``item`` on the bounded queue ``q``, waiting for room; False (not put) once
    ``stop`` is set first, so that a producer never blocks on a consumer that is gone."""
    while not stop.is_set():
        try:
            q.put(item, timeout=timeout)
            return True
        except queue.Full:
            continue
    return False


def _prefetch(gen: Iterator, depth: int = 3) -> Iterator:
    """Run a generator in a background thread (decompression overlaps tokenizing)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    _END = object()

    def work():
        try:
            for item in gen:
                if not _put_unless_stopped(q, item, stop, 0.1):
                    return
            q.put(_END)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    t = threading.Thread(target=work, daemon=True, name="ngramvec-reader")
    t.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


class Corpus:
    """A text corpus: sentences of tokens, one sentence a line.

    Parameters
    ----------
    source : str, path-like, or iterable
        A text file (plain, ``.gz``, ``.bz2`` or ``.xz``, detected by content), a
        directory of such files (read recursively in name order, hidden files
        skipped), or an iterable of sentences, each a string (tokenized here; a
        newline inside it starts a new sentence) or a list of tokens (taken as they
        are, lowercased when ``lowercase`` is true). A one-shot iterator (a generator)
        can be read once: that is enough to encode it, after which every pass reads
        the encoded ids.
    tokenizer : {"words", "words_punct", "whitespace"} or callable, default="words"
        ``"words"`` splits raw prose into word tokens and drops punctuation
        (apostrophes and hyphens inside words, and ``.``/``,`` inside numbers, are
        kept); ``"words_punct"`` keeps each punctuation mark as a token;
        ``"whitespace"`` splits on whitespace only. A callable takes a line (str)
        and returns its tokens (slow: Python per line).
    lowercase : bool, default=True
    max_sentence_length : int, default=10000
        Longer lines are cut into several sentences; the cuts are counted in
        the encoding statistics.

    Notes
    -----
    A token longer than ``max_token_bytes`` = :data:`MAX_TOKEN_BYTES` (256) bytes of
    UTF-8 (after lowercasing) is cut: it is kept as its first 256 bytes, cut at a code
    point boundary, and the rest of it is dropped, so that it stays one token. The
    rule is the same for files, string sentences and lists of tokens, and does not
    depend on where the file is cut into read blocks; iterating and encoding agree.
    The encoding statistics (``EncodedCorpus.meta["stats"]``) count such tokens once
    each in ``n_long_tokens`` and the bytes dropped in ``n_cut_bytes``.

    Examples
    --------
    >>> import ngramvec as nv
    >>> c = nv.Corpus(["The cat sat.", "The dog, too!"])
    >>> list(c)
    [['the', 'cat', 'sat'], ['the', 'dog', 'too']]
    """

    def __init__(self, source: Source, tokenizer: str | Callable[[str], list[str]] = "words",
                 lowercase: bool = True, max_sentence_length: int = 10000) -> None:
        if not callable(tokenizer):
            check_option(tokenizer, "tokenizer", "Corpus", TOKENIZERS)
        self.tokenizer = tokenizer
        self.lowercase = check_bool(lowercase, "lowercase", "Corpus")
        self.max_sentence_length = check_int(max_sentence_length, "max_sentence_length",
                                             "Corpus", 1)
        self.source = source
        self._files: list[str] | None = None
        self._one_shot = False
        self._consumed = False
        if isinstance(source, (str, os.PathLike)):
            self._files = _list_files(os.fspath(source))
        elif isinstance(source, (bytes, bytearray)):
            raise TypeError("The 'source' parameter of Corpus must be a path or an iterable of "
                            "sentences, not bytes; decode it or write it to a file.")
        else:
            try:
                it = iter(source)
            except TypeError:
                raise TypeError("The 'source' parameter of Corpus must be a path or an iterable "
                                f"of sentences. Got {type(source).__name__} instead.") from None
            self._one_shot = it is source
        self._encoded = None
        self._tmpdir_finalizer = None
        self._byte_range: tuple[int, int] | None = None

    @classmethod
    def _piece(cls, path: str, byte_range: tuple[int, int] | None, **settings) -> "Corpus":
        """The corpus of bytes [start, stop) of one plain file (whole lines: the range
        must start at a line start and stop after a line end), or of the whole file
        when ``byte_range`` is None. Its sentences are those the whole file's corpus
        has there: a split of a big file counted by a cluster worker."""
        corpus = cls(path, **settings)
        if len(corpus._files) != 1 or corpus._files[0] != os.fspath(path):
            raise CorpusError("a piece of a corpus is one file, not a directory", path)
        corpus._byte_range = None if byte_range is None else (int(byte_range[0]),
                                                              int(byte_range[1]))
        return corpus

    # ---- description -------------------------------------------------------

    @property
    def files(self) -> list[str] | None:
        """The files read, in order, or None for an iterable source."""
        return None if self._files is None else list(self._files)

    def __repr__(self) -> str:
        if self._files is not None:
            src = self._files[0] if len(self._files) == 1 else f"{len(self._files)} files"
        else:
            src = type(self.source).__name__
        tok = self.tokenizer if isinstance(self.tokenizer, str) else "callable"
        return f"Corpus({src!r}, tokenizer={tok!r}, lowercase={self.lowercase})"

    def config(self) -> dict:
        """The tokenization settings, recorded with the encoded corpus."""
        tok = self.tokenizer if isinstance(self.tokenizer, str) else getattr(
            self.tokenizer, "__name__", "callable")
        return {"tokenizer": tok, "lowercase": self.lowercase,
                "max_sentence_length": self.max_sentence_length,
                "max_token_bytes": MAX_TOKEN_BYTES,
                "source": self._files if self._files is not None else "<iterable>"}

    # ---- streaming ---------------------------------------------------------

    def _new_encoder(self, encode: bool) -> TextEncoder:
        mode = _MODES.get(self.tokenizer, 0) if isinstance(self.tokenizer, str) else 0
        return TextEncoder(mode, self.lowercase, encode, self.max_sentence_length,
                           MAX_TOKEN_BYTES)

    def _take_iterable(self) -> Iterable:
        if self._one_shot:
            if self._consumed:
                raise OneShotIteratorError(
                    "this Corpus was built from a one-shot iterator (a generator) that has "
                    "been read already; pass a list, a file path, or an object whose "
                    "__iter__ starts over, or use corpus.encoded() which reads it once")
            self._consumed = True
        return self.source

    def _feed(self, enc: TextEncoder, progress=None) -> Iterator[None]:
        """Feed the whole source into an encoder, yielding after each block so that
        the caller can drain the encoder's buffers."""
        if self._files is not None:
            for path in self._files:
                first = True
                line_no = 0
                blocks = _prefetch(_file_blocks(path, byte_range=self._byte_range))
                for block, cont in blocks:
                    if callable(self.tokenizer):
                        line_no = self._feed_callable(enc, block.decode("utf-8", "replace"),
                                                      path, line_no)
                    else:
                        before = enc.n_invalid_utf8
                        enc.feed(block, cont)
                        if first and len(block) >= 1024 and \
                                enc.n_invalid_utf8 - before > 0.1 * len(block):
                            raise CorpusError("does not look like UTF-8 text (more than 10% of "
                                              "the first block is invalid UTF-8)", path)
                    first = False
                    if progress is not None:
                        progress.update(len(block))
                    yield
            return
        batch: list[str] = []
        n_batch = 0
        for i, sent in enumerate(self._take_iterable()):
            if isinstance(sent, str):
                if callable(self.tokenizer):
                    enc.feed_tokens([t for t in self.tokenizer(sent) if t != ""], i)
                else:
                    batch.append(sent)
                    n_batch += len(sent)
                    if n_batch >= (1 << 20):
                        enc.feed("\n".join(batch).encode("utf-8", "surrogatepass") + b"\n")
                        batch, n_batch = [], 0
                        yield
            elif isinstance(sent, (list, tuple)):
                if batch:
                    enc.feed("\n".join(batch).encode("utf-8", "surrogatepass") + b"\n")
                    batch, n_batch = [], 0
                enc.feed_tokens(list(sent), i)
                if i % 8192 == 0:
                    yield
            else:
                raise TypeError(f"sentence {i} of the corpus is a {type(sent).__name__}; "
                                "sentences must be str or lists of str tokens")
        if batch:
            enc.feed("\n".join(batch).encode("utf-8", "surrogatepass") + b"\n")
        yield

    def _can_encode_threaded(self) -> bool:
        """Files read by a built-in tokenizer: pieces of whole lines can be tokenized
        by several encoders at once (:meth:`_encode_threaded`)."""
        return self._files is not None and not callable(self.tokenizer)

    def _encode_threaded(self, n_threads: int, progress=None):
        """Tokenize the files with ``n_threads`` encoders working at once and join
        their ids (:func:`~ngramvec.data._encode.merge_encoded`): the same ids, ends,
        lexicon and statistics as one encoder fed by :meth:`_feed`.

        The files are read in blocks of whole lines (a line longer than a block goes
        on in the next ones, which then go to the same encoder); each piece goes to
        the next free encoder, whose tokenizer runs without the GIL.

        Returns
        -------
        ids, ends, keys, counts, stats
        """
        encs = [self._new_encoder(encode=True) for _ in range(n_threads)]
        todo: queue.Queue = queue.Queue(maxsize=2 * n_threads)
        done: dict[int, tuple] = {}
        errors: list[tuple[int, BaseException]] = []
        stop = threading.Event()

        def work(e: int) -> None:
            enc = encs[e]
            while not stop.is_set():
                try:
                    item = todo.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is None:
                    return
                index, path, first, blocks = item
                try:
                    n0 = enc.n_tokens
                    for b, (block, cont) in enumerate(blocks):
                        before = enc.n_invalid_utf8
                        enc.feed(block, cont)
                        if first and b == 0 and len(block) >= 1024 and \
                                enc.n_invalid_utf8 - before > 0.1 * len(block):
                            raise CorpusError("does not look like UTF-8 text (more than 10% "
                                              "of the first block is invalid UTF-8)", path)
                    ids, ends = enc.take_ids()
                    done[index] = (e, ids, ends - n0, enc.n_types)
                except BaseException as exc:  # handed to the caller
                    errors.append((index, exc))
                    stop.set()
                    return

        def put(item) -> None:
            _put_unless_stopped(todo, item, stop, 0.05)

        threads = [threading.Thread(target=work, args=(e,), daemon=True,
                                    name=f"ngramvec-encoder-{e}") for e in range(n_threads)]
        for t in threads:
            t.start()
        index = 0
        try:
            for path in self._files:
                first = True
                piece: list = []
                for block, cont in _prefetch(_file_blocks(path, byte_range=self._byte_range)):
                    piece.append((block, cont))
                    if progress is not None:
                        progress.update(len(block))
                    if not cont:
                        put((index, path, first, piece))
                        index += 1
                        first = False
                        piece = []
                    if stop.is_set():
                        break
                if piece and not stop.is_set():
                    put((index, path, first, piece))
                    index += 1
                if stop.is_set():
                    break
            for _ in threads:
                put(None)
            for t in threads:
                t.join()
        finally:
            stop.set()
            for t in threads:
                t.join()
        if errors:
            raise min(errors, key=lambda x: x[0])[1]
        parts = [done[i] for i in range(index)]
        ids, ends, keys, counts = merge_encoded(encs, parts)
        stats = {}
        for enc in encs:
            for k, v in enc.stats().items():
                stats[k] = stats.get(k, 0) + v
        stats["n_types"] = len(keys)
        return ids, ends, keys, counts, stats

    def _feed_callable(self, enc: TextEncoder, text: str, path: str, line_no: int) -> int:
        """Tokenize whole lines with the callable; returns the last line number."""
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()               # the block ends with a line end, not an empty line
        for line in lines:
            line_no += 1
            toks = [t for t in self.tokenizer(line) if t != ""]   # as str.split drops them
            try:
                if toks:
                    enc.feed_tokens(list(toks), line_no)
                else:
                    enc.feed(b"\n")  # counted as an empty line
            except (ValueError, TypeError) as exc:
                raise CorpusError(f"the tokenizer returned a bad token: {exc}", path,
                                  line_no) from None
        return line_no

    def __iter__(self) -> Iterator[list[str]]:
        enc = self._new_encoder(encode=False)
        # The encoder's text may stop inside a sentence (a line longer than a read
        # block): only whole sentences are yielded, the rest waits for the next block.
        pending = b""
        for _ in self._feed(enc):
            text = enc.take_text()
            cut = text.rfind(b"\n") + 1
            if cut:
                yield from _split_text(pending + text[:cut])
                pending = text[cut:]
            else:
                pending += text
        enc.finish()
        text = pending + enc.take_text()
        if text:
            yield from _split_text(text)

    # ---- encoding ----------------------------------------------------------

    def encode(self, path: str | os.PathLike | None = None, progress: bool = False):
        """Tokenize the corpus once into int32 ids stored in ``path`` (a directory).

        Parameters
        ----------
        path : str or path-like, optional
            Directory to create. Default: a temporary directory removed when this
            Corpus is garbage collected or the interpreter exits.
        progress : bool, default=False
            Show a progress bar (bytes read).

        Returns
        -------
        EncodedCorpus
        """
        return encode_corpus(self, path, progress=progress)

    def encoded(self, progress: bool = False):
        """The cached :class:`EncodedCorpus` of this corpus, encoding it on first use."""
        if self._encoded is None:
            self._encoded = self.encode(None, progress=progress)
        return self._encoded

    def total_bytes(self) -> int | None:
        """Size on disk of the files (compressed size for compressed files)."""
        if self._files is None:
            return None
        return sum(os.path.getsize(p) for p in self._files)


def _split_text(text: bytes) -> Iterator[list[str]]:
    s = text.decode("utf-8")
    if s.endswith("\n"):
        s = s[:-1]
    for line in s.split("\n"):
        yield line.split(" ")


_local = threading.local()


def tokenize(text: str, tokenizer: str = "words", lowercase: bool = True) -> list[str]:
    """Tokenize one string with the compiled tokenizer of :class:`Corpus`.

    Line breaks are treated as spaces.

    Examples
    --------
    >>> tokenize("“Don’t,” said Mr. Holmes--twice.")
    ["don't", 'said', 'mr', 'holmes', 'twice']
    """
    check_option(tokenizer, "tokenizer", "tokenize", TOKENIZERS)
    key = (tokenizer, bool(lowercase))
    cache = getattr(_local, "encoders", None)
    if cache is None:
        cache = _local.encoders = {}
    enc = cache.get(key)
    if enc is None:
        enc = cache[key] = TextEncoder(_MODES[tokenizer], bool(lowercase), False, 1 << 40,
                                       MAX_TOKEN_BYTES)
    enc.feed(text.encode("utf-8", "surrogatepass"), False)
    return enc.take_text().decode("utf-8").split()
