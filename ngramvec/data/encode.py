"""The encoded corpus: a corpus turned once into int32 token ids on disk.

Layout of an encoded-corpus directory (all little-endian)::

    ids.i32        int32, one per token: the token's id in the lexicon
    ends.i64       int64, one per sentence: index in ids.i32 one past its last token
    lexicon.txt    one line per distinct token, "token count", in id order
    meta.json      format version, tokenizer settings, statistics

Ids are given in order of first occurrence; a :class:`~ngramvec.vocab.Vocabulary`
maps them to its own frequency-sorted ids through :meth:`EncodedCorpus.remap`. Every
later pass (counting, each training epoch) memory-maps ``ids.i32`` and reads ids,
not text. The format is simple on purpose: another process (or a cluster) can write
it, and a shard of it is a range of sentences.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ngramvec.base.exceptions import CorpusError
from ngramvec.base.fileio import log_saved, temp_dir

if TYPE_CHECKING:
    from ngramvec.data.corpus import Corpus
    from ngramvec.data.vocab import Vocabulary

logger = logging.getLogger(__name__)

__all__ = ["EncodedCorpus", "EncodedArrays", "encode_corpus", "encode_in_memory", "FORMAT_VERSION"]

FORMAT_VERSION = 1


class EncodedCorpus:
    """Token ids of a corpus, memory-mapped from a directory.

    Attributes
    ----------
    path : pathlib.Path
    ids : numpy.memmap of int32, shape (n_tokens,)
        Lexicon id of every token, sentence after sentence.
    ends : numpy.memmap of int64, shape (n_sentences,)
        ``ends[s]`` is one past the last token of sentence ``s``; sentence ``s``
        spans ``ids[ends[s-1]:ends[s]]`` (``ends[-1]`` read as 0).
    lexicon_keys : list of str
        Distinct tokens in id order.
    lexicon_counts : ndarray of int64
        Occurrences of each distinct token.
    meta : dict
        Tokenizer settings and statistics (lines, empty lines, invalid UTF-8
        sequences replaced, long lines cut, long tokens cut).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        meta_path = self.path / "meta.json"
        self.meta = _read_meta(meta_path, self.path)
        n_tok, n_sent = self.meta["n_tokens"], self.meta["n_sentences"]
        self.ids = _map(self.path / "ids.i32", np.int32, n_tok)
        self.ends = _map(self.path / "ends.i64", np.int64, n_sent)
        self.lexicon_keys, self.lexicon_counts = _read_lexicon(self.path / "lexicon.txt")
        if len(self.lexicon_keys) != self.meta["n_types"]:
            raise CorpusError(f"lexicon has {len(self.lexicon_keys)} entries, meta.json says "
                              f"{self.meta['n_types']}", str(self.path / "lexicon.txt"))
        _check_ids(self.ids, self.lexicon_counts, self.path / "ids.i32")
        _check_ends(self.ends, n_tok, self.path / "ends.i64")
        self._finalizer = None

    @classmethod
    def load(cls, path: str | os.PathLike) -> "EncodedCorpus":
        """Open an encoded corpus directory."""
        return cls(path)

    @property
    def n_tokens(self) -> int:
        return int(self.meta["n_tokens"])

    @property
    def n_sentences(self) -> int:
        return int(self.meta["n_sentences"])

    @property
    def stats(self) -> dict:
        return dict(self.meta.get("stats", {}))

    def __len__(self) -> int:
        return self.n_sentences

    def __repr__(self) -> str:
        return (f"EncodedCorpus({str(self.path)!r}, n_tokens={self.n_tokens:,}, "
                f"n_sentences={self.n_sentences:,}, n_types={len(self.lexicon_keys):,})")

    def sentence(self, s: int) -> np.ndarray:
        """Lexicon ids of sentence ``s``."""
        start = int(self.ends[s - 1]) if s > 0 else 0
        return np.asarray(self.ids[start:int(self.ends[s])])

    def __iter__(self):
        """Yield sentences as lists of tokens (slow; for inspection and tests)."""
        keys = self.lexicon_keys
        start = 0
        for end in self.ends:
            yield [keys[i] for i in self.ids[start:end]]
            start = int(end)

    @property
    def lexicon_index(self) -> dict[str, int]:
        """Token -> lexicon id (built once)."""
        if getattr(self, "_lexicon_index", None) is None:
            self._lexicon_index = {k: i for i, k in enumerate(self.lexicon_keys)}
        return self._lexicon_index

    def remap(self, vocab: "Vocabulary") -> np.ndarray:
        """Map lexicon ids to ``vocab`` ids.

        Returns
        -------
        ndarray of int32, shape (n_types,)
            ``remap[lexicon_id]`` is the vocabulary id of that token, or -1 when the
            token is not in ``vocab``.
        """
        get = vocab.key_to_index.get
        return np.fromiter((get(k, -1) for k in self.lexicon_keys), dtype=np.int32,
                           count=len(self.lexicon_keys))

    def save(self, path: str | os.PathLike) -> "EncodedCorpus":
        """Copy to ``path`` (a new directory) and return the copy."""
        dest = Path(path)
        if dest.exists():
            raise FileExistsError(f"{dest} exists already")
        tmp = Path(temp_dir(dest.parent, "encoded"))
        try:
            for name in ("ids.i32", "ends.i64", "lexicon.txt", "meta.json"):
                shutil.copyfile(self.path / name, tmp / name)
            os.replace(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        copy = EncodedCorpus(dest)
        log_saved(dest, f"an encoded corpus of {copy.n_tokens:,} tokens")
        return copy


_CHECK_BLOCK = 1 << 21   # elements checked at a time: a few MB of temporaries on any corpus


def _check_ids(ids: np.ndarray, lexicon_counts: np.ndarray, path: Path) -> None:
    """Every id must index the lexicon (the kernels trust them: no bounds checks there),
    and the lexicon's counts must be the occurrences of the ids (vocabularies are built
    from them)."""
    n_types = lexicon_counts.shape[0]
    seen = np.zeros(n_types, dtype=np.int64)
    for start in range(0, ids.shape[0], _CHECK_BLOCK):
        block = np.asarray(ids[start:start + _CHECK_BLOCK])
        bad = np.flatnonzero((block < 0) | (block >= n_types))
        if bad.size:
            k = start + int(bad[0])
            raise CorpusError(f"token {k:,} has id {int(ids[k])}, outside the lexicon's "
                              f"[0, {n_types}): corrupted", str(path))
        seen += np.bincount(block, minlength=n_types)
    wrong = np.flatnonzero(seen != lexicon_counts)
    if wrong.size:
        i = int(wrong[0])
        raise CorpusError(f"the lexicon counts {int(lexicon_counts[i]):,} of token {i:,} but "
                          f"ids.i32 holds it {int(seen[i]):,} times: corrupted",
                          str(path.parent / "lexicon.txt"), i + 1)


def _check_ends(ends: np.ndarray, n_tokens: int, path: Path) -> None:
    """Sentence ends must rise from 0 to n_tokens: the kernels slice ids with them."""
    prev = 0
    for start in range(0, ends.shape[0], _CHECK_BLOCK):
        block = np.asarray(ends[start:start + _CHECK_BLOCK])
        bad = np.flatnonzero(np.diff(block, prepend=prev) < 0)
        if bad.size:
            k = start + int(bad[0])
            raise CorpusError(f"sentence end {k:,} is {int(ends[k])}, before the previous "
                              f"one ({int(ends[k - 1]) if k else 0}): corrupted", str(path))
        prev = int(block[-1])
    if ends.shape[0] and int(ends[-1]) != n_tokens:
        raise CorpusError(f"the last sentence ends at {int(ends[-1]):,}, not at the "
                          f"{n_tokens:,} tokens of ids.i32: corrupted", str(path))
    if not ends.shape[0] and n_tokens:
        raise CorpusError(f"no sentence ends for {n_tokens:,} tokens: corrupted", str(path))


def _read_meta(meta_path: Path, directory: Path) -> dict:
    """meta.json, checked: the sizes it gives decide how the arrays are mapped."""
    try:
        with open(meta_path, "rb") as f:
            meta = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise CorpusError("not an encoded corpus (no meta.json)", str(directory)) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise CorpusError(f"cannot read meta.json: {exc.strerror}", str(meta_path)) from None
    except UnicodeDecodeError as exc:
        raise CorpusError(f"corrupted meta.json: not UTF-8 ({exc.reason})", str(meta_path)) from None
    except (ValueError, RecursionError) as exc:   # json.JSONDecodeError is a ValueError
        raise CorpusError(f"corrupted meta.json: {exc}", str(meta_path)) from None
    if not isinstance(meta, dict) or meta.get("format") != "ngramvec-encoded" or \
            meta.get("version") != FORMAT_VERSION:
        raise CorpusError("not an encoded corpus of this version of ngramvec", str(meta_path))
    for key in ("n_tokens", "n_sentences", "n_types"):
        v = meta.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise CorpusError(f"corrupted meta.json: {key!r} must be an int >= 0, got {v!r}",
                              str(meta_path))
    for key in ("corpus", "stats"):
        if not isinstance(meta.get(key, {}), dict):
            raise CorpusError(f"corrupted meta.json: {key!r} must be an object, got "
                              f"{meta[key]!r}", str(meta_path))
    return meta


def _map(path: Path, dtype, n: int) -> np.ndarray:
    try:
        size = os.stat(path).st_size
    except OSError:
        size = -1
    want = n * np.dtype(dtype).itemsize
    if size != want or not path.is_file():
        raise CorpusError(f"expected {want} bytes, found {size}: truncated or corrupted",
                          str(path))
    if n == 0:
        return np.zeros(0, dtype=dtype)
    try:
        return np.memmap(path, dtype=dtype, mode="r", shape=(n,))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"cannot map: {exc}", str(path)) from None


_INT64_MAX = (1 << 63) - 1
_SPACE = re.compile(r"\s")


def _read_lexicon(path: Path) -> tuple[list[str], np.ndarray]:
    """Lines ``"token count"``: a token is non-empty UTF-8 without whitespace (as the
    tokenizer makes them), unique, and its count an ASCII integer."""
    keys: list[str] = []
    counts: list[int] = []
    seen: dict[str, int] = {}
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise CorpusError("no such file: an encoded corpus needs its lexicon",
                          str(path)) from None
    except OSError as exc:
        raise CorpusError(f"cannot read: {exc.strerror}", str(path)) from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for lineno, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"not UTF-8 ({exc.reason})", str(path), lineno) from None
        parts = line.split(" ")
        if (len(parts) != 2 or not parts[0] or not parts[1].isascii()
                or not parts[1].isdigit() or _SPACE.search(parts[0])):
            raise CorpusError(f"expected 'token count', got {line[:60]!r}", str(path), lineno)
        count = int(parts[1])
        if count > _INT64_MAX:
            raise CorpusError(f"count {count} does not fit in int64", str(path), lineno)
        if parts[0] in seen:
            raise CorpusError(f"duplicate token {parts[0]!r} (first at line {seen[parts[0]]})",
                              str(path), lineno)
        seen[parts[0]] = lineno
        keys.append(parts[0])
        counts.append(count)
    return keys, np.array(counts, dtype=np.int64)


def _write_lexicon(path: Path, keys: list[str], counts: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for k, c in zip(keys, counts.tolist()):
            f.write(f"{k} {c}\n")


def encode_corpus(corpus: "Corpus", path: str | os.PathLike | None = None,
                  progress: bool = False) -> EncodedCorpus:
    """Tokenize ``corpus`` into an encoded-corpus directory (see the module docstring).

    The directory is built under a temporary name (see
    :func:`ngramvec.base.fileio.temp_dir`) and renamed when complete, so an
    interrupted run leaves nothing that looks like a result: the temporary is removed
    on any error, Ctrl-C, or SIGTERM inside
    :func:`~ngramvec.base.signals.terminate_as_interrupt`, and after SIGKILL by the
    next run that creates a temporary in the same directory. Without ``path``, the
    encoded corpus lives in a temporary directory of the system temporary directory,
    removed when the returned object is garbage collected or the interpreter exits.
    """
    if path is None:
        parent = None
        dest = None
    else:
        dest = Path(path)
        if dest.exists():
            raise FileExistsError(f"{dest} exists already; choose a new directory")
        parent = dest.parent
        parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(temp_dir(parent, "encoded"))
    t0 = time.perf_counter()
    bar = None
    try:
        if progress:
            from tqdm.auto import tqdm  # reason: tqdm loads only for a progress bar
            bar = tqdm(unit="B", unit_scale=True, desc="encode", leave=False)
        enc = corpus._new_encoder(encode=True)
        with open(tmp / "ids.i32", "wb") as fi, open(tmp / "ends.i64", "wb") as fe:
            def drain():
                ids, ends = enc.take_ids()
                fi.write(ids.astype("<i4", copy=False).tobytes())
                fe.write(ends.astype("<i8", copy=False).tobytes())
            for _ in corpus._feed(enc, progress=bar):
                drain()
            enc.finish()
            drain()
        keys, counts = enc.lexicon()
        stats = enc.stats()
        _write_lexicon(tmp / "lexicon.txt", keys, counts)
        meta = {"format": "ngramvec-encoded", "version": FORMAT_VERSION,
                "n_tokens": stats["n_tokens"], "n_sentences": stats["n_sentences"],
                "n_types": len(keys), "corpus": corpus.config(), "stats": stats}
        with open(tmp / "meta.json", "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1)
        if dest is not None:
            os.replace(tmp, dest)
            out = EncodedCorpus(dest)
        else:
            out = EncodedCorpus(tmp)
            out._finalizer = weakref.finalize(out, shutil.rmtree, str(tmp), True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    dt = time.perf_counter() - t0
    s = stats
    logger.info("encoded %s tokens, %s sentences, %s types in %.1f s (%.2f M tokens/s)",
                f"{s['n_tokens']:,}", f"{s['n_sentences']:,}", f"{len(keys):,}", dt,
                s["n_tokens"] / max(dt, 1e-9) / 1e6)
    if s["n_invalid_utf8"]:
        logger.warning("%s invalid UTF-8 sequences were replaced by U+FFFD",
                       f"{s['n_invalid_utf8']:,}")
    if s["n_split_sentences"]:
        logger.warning("%s times a line longer than %d tokens was cut into sentences",
                       f"{s['n_split_sentences']:,}", corpus.max_sentence_length)
    if s["n_long_tokens"]:
        limit = corpus.config().get("max_token_bytes", 256)
        logger.warning("%s tokens longer than %d bytes were cut to their first %d bytes "
                       "(%s bytes dropped)", f"{s['n_long_tokens']:,}", limit, limit,
                       f"{s.get('n_cut_bytes', 0):,}")
    return out


class EncodedArrays:
    """A corpus encoded in memory: what :func:`encode_corpus` writes, without files.

    Attributes
    ----------
    ids : ndarray of int32, shape (n_tokens,)
    ends : ndarray of int64, shape (n_sentences,)
    lexicon_keys : list of str
    lexicon_counts : ndarray of int64
    n_tokens : int
    meta : dict
        ``corpus`` (the Corpus settings) and ``stats`` (the encoder's).
    """

    def __init__(self, ids: np.ndarray, ends: np.ndarray, keys: list[str],
                 counts: np.ndarray, meta: dict) -> None:
        self.ids, self.ends = ids, ends
        self.lexicon_keys, self.lexicon_counts = keys, counts
        self.n_tokens = int(ids.shape[0])
        self.meta = meta

    @property
    def n_sentences(self) -> int:
        return int(self.ends.shape[0])


def encode_in_memory(corpus: "Corpus", progress: bool = False,
                     n_threads: int = 1) -> EncodedArrays:
    """Tokenize ``corpus`` into ids held in memory (4 bytes a token, 8 a sentence):
    for a consumer that reads the ids once, no directory is written or read back.

    With ``n_threads > 1``, files read by a built-in tokenizer are tokenized by that
    many encoders at once (the same ids, lexicon and statistics as one)."""
    t0 = time.perf_counter()
    bar = None
    if n_threads > 1 and corpus._can_encode_threaded():
        try:
            if progress:
                from tqdm.auto import tqdm  # reason: tqdm loads only for a progress bar
                bar = tqdm(unit="B", unit_scale=True, desc="encode", leave=False)
            ids, ends, keys, counts, stats = corpus._encode_threaded(n_threads, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        logger.info("encoded %s tokens, %s sentences, %s types in memory in %.1f s "
                    "(%d threads)", f"{stats['n_tokens']:,}", f"{stats['n_sentences']:,}",
                    f"{len(keys):,}", time.perf_counter() - t0, n_threads)
        return EncodedArrays(ids, ends, keys, counts, {"corpus": corpus.config(),
                                                        "stats": stats})
    ids_parts: list[np.ndarray] = []
    ends_parts: list[np.ndarray] = []
    try:
        if progress:
            from tqdm.auto import tqdm  # reason: tqdm loads only for a progress bar
            bar = tqdm(unit="B", unit_scale=True, desc="encode", leave=False)
        enc = corpus._new_encoder(encode=True)
        for _ in corpus._feed(enc, progress=bar):
            ids, ends = enc.take_ids()
            ids_parts.append(ids)
            ends_parts.append(ends)
        enc.finish()
        ids, ends = enc.take_ids()
        ids_parts.append(ids)
        ends_parts.append(ends)
    finally:
        if bar is not None:
            bar.close()
    keys, counts = enc.lexicon()
    stats = enc.stats()
    out = EncodedArrays(np.concatenate(ids_parts), np.concatenate(ends_parts), keys,
                        np.asarray(counts, dtype=np.int64),
                        {"corpus": corpus.config(), "stats": stats})
    logger.info("encoded %s tokens, %s sentences, %s types in memory in %.1f s",
                f"{stats['n_tokens']:,}", f"{stats['n_sentences']:,}", f"{len(keys):,}",
                time.perf_counter() - t0)
    return out
