"""Fuzz targets: what runs on one input, in a forked child (see :mod:`.server`).

A target takes a payload (see :mod:`.inputs`) and the directory where the payload's
files were written, and either returns (the input was accepted and every check held,
or it was refused with the right error) or raises:

- :class:`Bare`: an exception that is not the ngramvec error expected here (a bare
  ``IndexError``, ``zipfile.BadZipFile``, ``MemoryError``...), or an ngramvec error
  that does not name the file;
- :class:`Mismatch`: a consistency check failed (iteration and encoding disagree,
  statistics do not add up, the reference tokenizer says otherwise, a round trip
  changes the data...).

A crash (a signal) or a hang is seen by the server, not here. :func:`run_case` turns
all of this into an outcome dict: ``status`` is ``"ok"``, ``"rejected"`` (the
expected error), ``"bare"``, ``"mismatch"``, ``"unusable"`` (accepted, then a bare
exception on first use) or ``"harness-error"`` (a bug of the harness itself).
"""
from __future__ import annotations

import contextlib
import functools
import os
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

import ngramvec as nv
import ngramvec.data.corpus as corpus_mod
from ngramvec.base.exceptions import CorpusError, NgramvecError, VectorsFormatError
from ngramvec.data._encode import TextEncoder
from ngramvec.data.encode import EncodedCorpus
from ngramvec.vectors import formats

from .reference import RefEncoder

__all__ = ["TARGETS", "run_case", "Bare", "Mismatch"]


class Bare(Exception):
    """The target raised something else than the expected ngramvec error."""

    def __init__(self, phase: str, exc: BaseException, why: str = "") -> None:
        super().__init__(f"{phase}: {type(exc).__name__}: {exc}" + (f" ({why})" if why else ""))
        self.phase, self.exc, self.why = phase, exc, why


class Mismatch(Exception):
    """A consistency check failed; ``check`` names it (part of the failure signature)."""

    def __init__(self, check: str, detail: str = "") -> None:
        super().__init__(f"{check}: {detail}" if detail else check)
        self.check = check


class Unusable(Bare):
    """Accepted by the loader, then a bare exception on first use."""


_phase_file: Path | None = None


def phase(name: str) -> None:
    """Record the phase reached (read by the server after a crash)."""
    if _phase_file is not None:
        _phase_file.write_text(name)


def attempt(name: str, fn: Callable[[], Any], expected: tuple = (NgramvecError,),
            names: tuple[str, ...] = ()) -> tuple[Any, BaseException | None]:
    """Run one phase: (result, None), or (None, exc) for an expected error naming one of
    ``names`` (when given); anything else raises :class:`Bare`. A UnicodeError is never
    expected (it is a ValueError, but says nothing about the file)."""
    phase(name)
    try:
        return fn(), None
    except expected as exc:
        if isinstance(exc, UnicodeError) and not isinstance(exc, NgramvecError):
            raise Bare(name, exc) from exc
        if names and not any(n in str(exc) for n in names):
            raise Bare(name, exc, f"the message does not name {names[0]}") from exc
        return None, exc
    except Exception as exc:  # noqa: BLE001 - the point of the harness
        raise Bare(name, exc) from exc


def check(cond: bool, name: str, detail: Any = "") -> None:
    if not cond:
        raise Mismatch(name, str(detail)[:2000])


# --------------------------------------------------------------------------- encoder

_STAT_KEYS = ("n_lines", "n_sentences", "n_tokens", "n_empty_lines", "n_invalid_utf8",
              "n_split_sentences", "n_long_tokens", "n_cut_bytes")


def _check_tokens(sentences: list[list[str]], msl: int, mtb: int, what: str) -> None:
    for s in sentences:
        check(0 < len(s) <= msl, f"{what}: sentence length outside [1, max_sentence_length]",
              s[:5])
        for t in s:
            check(t != "", f"{what}: empty token", s[:5])
            check(len(t.encode("utf-8")) <= mtb, f"{what}: token longer than max_token_bytes", t)
            check(not any(c.isspace() for c in t), f"{what}: whitespace inside a token", t)


def _text_sentences(text: bytes) -> list[list[str]]:
    """Sentences of the text mode's output (tokens joined by one space, one a line)."""
    try:
        s = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Mismatch("text mode output is not UTF-8", repr(exc)) from None
    if not s:
        return []
    check(s.endswith("\n"), "text mode output does not end with a newline", s[-20:])
    return [line.split(" ") for line in s[:-1].split("\n")]


def _id_sentences(ids: np.ndarray, ends: np.ndarray, keys: list[str]) -> list[list[str]]:
    check(bool(np.all(np.diff(np.r_[0, ends]) > 0)), "sentence ends not increasing", ends[:20])
    check(ends.size == 0 or ends[-1] == ids.size, "the last sentence end is not n_tokens",
          (ends[-1:], ids.size))
    check(ids.size == 0 or (ids.min() >= 0 and ids.max() < len(keys)), "id outside the lexicon")
    bounds = np.r_[0, ends]
    return [[keys[i] for i in ids[a:b]] for a, b in zip(bounds[:-1], bounds[1:])]


def _safe_cuts(parts: list[bytes]) -> bool:
    """Can ``parts`` be joined without changing how they decode? True unless a part
    (after the first non-empty one) starts with a UTF-8 continuation byte, which could
    complete a sequence cut at the end of the part before it. Blocks are decoded on
    their own (see reference.py), so only then may joining them change the tokens."""
    seen = False
    for b in parts:
        if b:
            if seen and 0x80 <= b[0] <= 0xBF:
                return False
            seen = True
    return True


class JoinedBlocks:
    """A second reference, fed the same calls, except that the blocks of a line that
    goes on (``line_continues=True``) are held and fed joined, as one block, with the
    block that ends the line (or before the next other call). The compiled tokenizer
    claims that where a line is cut into blocks does not matter (a token, and a joiner
    at the end of a block, go on into the next block): this checks it independently
    of how the reference models the carrying. ``ok`` is False when the blocks were cut
    inside a UTF-8 sequence (:func:`_safe_cuts`): there, the cut does matter."""

    def __init__(self, *args, **kw) -> None:
        self.ref = RefEncoder(*args, **kw)
        self.held: list[bytes] = []
        self.ok = True

    def _release(self, last: bytes | None, cont: bool) -> None:
        parts = self.held + ([last] if last is not None else [])
        self.held = []
        if parts:
            self.ok = self.ok and _safe_cuts(parts)
            self.ref.feed(b"".join(parts), cont)

    def feed(self, block: bytes, line_continues: bool = False) -> None:
        if line_continues:
            self.held.append(bytes(block))
        else:
            self._release(bytes(block), False)

    def feed_tokens(self, tokens: list) -> None:
        self._release(None, True)
        try:
            self.ref.feed_tokens(tokens)
        except (TypeError, ValueError):
            pass     # refused: the three encoders were compared on that already

    def finish(self) -> None:
        self._release(None, True)
        self.ref.finish()


def _check_joined(joined: JoinedBlocks, sentences: list[list[str]], stats: dict,
                  what: str) -> None:
    if not joined.ok:
        return
    check(sentences == joined.ref.sentences,
          f"{what} depends on where a line is cut into blocks (same text fed in one block)",
          _first_difference(sentences, joined.ref.sentences))
    for k in _STAT_KEYS:
        check(stats[k] == joined.ref.stats[k],
              f"statistic {k} depends on where a line is cut into blocks",
              (stats[k], joined.ref.stats[k]))


def target_encoder(payload: dict, case_dir: Path) -> str:
    """TextEncoder in ids mode and text mode against the reference tokenizer."""
    o = payload["options"]
    args = (o["mode"], o["lowercase"])
    kw = dict(max_sentence_length=o["max_sentence_length"], max_token_bytes=o["max_token_bytes"])
    ref = RefEncoder(*args, **kw)
    enc_ids = TextEncoder(*args, True, **kw)
    enc_text = TextEncoder(*args, False, **kw)
    joined = JoinedBlocks(*args, **kw)
    ids_parts, ends_parts, text_parts = [], [], []

    def call(obj, op):
        kind = op[0]
        if kind == "feed":
            return obj.feed(op[1], op[2])
        if kind == "feed_repeat":
            return obj.feed(op[1] * op[2], op[3])
        if kind == "feed_tokens":
            return obj.feed_tokens(list(op[1]))
        if kind == "finish":
            return obj.finish()
        if kind == "take_text" and obj is enc_text:
            text_parts.append(obj.take_text())
        elif kind == "take_ids" and obj is enc_ids:
            i, e = obj.take_ids()
            ids_parts.append(i)
            ends_parts.append(e)
        elif kind == "take_text" and obj is enc_ids:
            check(obj.take_text() == b"", "ids mode produced text")
        elif kind == "take_ids" and obj is enc_text:
            i, e = obj.take_ids()
            check(i.size == 0 and e.size == 0, "text mode produced ids")
        return None

    for step, op in enumerate(payload["ops"]):
        if op[0].startswith("take") and ref is None:
            continue
        errors = []
        for name, obj in (("reference", ref), ("ids mode", enc_ids), ("text mode", enc_text)):
            if obj is ref and op[0].startswith("take"):
                errors.append(None)
                continue
            phase(f"{op[0]} ({name})")
            try:
                call(obj, op)
                errors.append(None)
            except (TypeError, ValueError) as exc:
                if obj is not ref and type(exc) not in (TypeError, ValueError):
                    raise Bare(f"{op[0]} ({name})", exc) from exc
                errors.append(type(exc))
            except Mismatch:
                raise
            except Exception as exc:  # noqa: BLE001
                if obj is ref:
                    raise
                raise Bare(f"{op[0]} ({name})", exc) from exc
        check(len(set(errors)) == 1, f"the three encoders disagree on an error ({op[0]})",
              f"step {step}: {errors}")
        call(joined, op)
    phase("finish")
    for obj in (ref, enc_ids, enc_text, joined):
        obj.finish()
    i, e = enc_ids.take_ids()
    ids_parts.append(i)
    ends_parts.append(e)
    text_parts.append(enc_text.take_text())
    phase("check")
    msl, mtb = o["max_sentence_length"], o["max_token_bytes"]
    keys, counts = enc_ids.lexicon()
    ids, ends = np.concatenate(ids_parts), np.concatenate(ends_parts)
    from_ids = _id_sentences(ids, ends, keys)
    from_text = _text_sentences(b"".join(text_parts))
    _check_tokens(from_ids, msl, mtb, "ids mode")
    check(from_ids == from_text, "ids mode and text mode give other sentences",
          _first_difference(from_ids, from_text))
    check(from_ids == ref.sentences, "the encoder and the reference tokenizer disagree",
          _first_difference(from_ids, ref.sentences))
    s_ids, s_text = enc_ids.stats(), enc_text.stats()
    for k in _STAT_KEYS:
        check(s_ids[k] == s_text[k], f"statistic {k} differs between ids and text mode",
              (s_ids[k], s_text[k]))
        check(s_ids[k] == ref.stats[k], f"statistic {k} differs from the reference",
              (s_ids[k], ref.stats[k]))
    _check_joined(joined, from_ids, s_ids, "the encoder")
    ref_keys, ref_counts = ref.lexicon()
    check(keys == ref_keys, "lexicon (first-occurrence order) differs from the reference")
    check(counts.tolist() == ref_counts, "lexicon counts differ from the reference")
    check(np.bincount(ids, minlength=len(keys)).tolist() == counts.tolist(),
          "lexicon counts are not the counts of the ids")
    check(s_ids["n_types"] == len(keys), "n_types is not the lexicon size")
    return "ok"


def _first_difference(a: list, b: list) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"sentence {i}: {x[:8]!r} != {y[:8]!r}"
    return f"{len(a)} sentences != {len(b)} sentences"


# --------------------------------------------------------------------------- corpus

@contextlib.contextmanager
def small_blocks(block: int | None):
    """Read files in blocks of ``block`` bytes instead of 4 MiB (as tests/test_corpus.py)."""
    if block is None:
        yield
        return
    original = corpus_mod._file_blocks
    corpus_mod._file_blocks = functools.partial(original, block_size=block)
    try:
        yield
    finally:
        corpus_mod._file_blocks = original


def target_corpus(payload: dict, case_dir: Path) -> str:
    """Corpus on a file: iteration (text mode) and encoding (ids mode) must agree with
    each other, with the statistics, and with the reference tokenizer."""
    o = payload["options"]
    tok = str.split if o["tokenizer"] == "callable" else o["tokenizer"]
    kw = dict(tokenizer=tok, lowercase=o["lowercase"], max_sentence_length=o["max_sentence_length"])
    if o["source"] is None:
        return _corpus_iterable(payload["sentences"], tok, kw, case_dir)
    path = case_dir / o["source"]
    names = (str(path),)
    with small_blocks(o["block"]):
        sents, it_err = attempt("iterate", lambda: list(nv.Corpus(path, **kw)), (CorpusError,), names)
        enc, enc_err = attempt("encode", lambda: nv.Corpus(path, **kw).encode(case_dir / "enc"),
                               (CorpusError,), names)
    check((it_err is None) == (enc_err is None), "iteration and encoding disagree on refusing",
          f"iterate: {it_err!r}; encode: {enc_err!r}")
    if enc is None:
        return "rejected"
    phase("check")
    msl = o["max_sentence_length"]
    from_enc = _id_sentences(np.asarray(enc.ids), np.asarray(enc.ends), enc.lexicon_keys)
    check(sents == from_enc, "iteration and encoding give other sentences",
          _first_difference(sents, from_enc))
    _check_tokens(sents, msl, corpus_mod.MAX_TOKEN_BYTES, "corpus")
    stats = enc.stats
    check(stats["n_sentences"] == len(sents) == enc.n_sentences, "n_sentences")
    check(stats["n_tokens"] == sum(map(len, sents)) == enc.n_tokens, "n_tokens")
    check(np.bincount(np.asarray(enc.ids), minlength=len(enc.lexicon_keys)).tolist()
          == enc.lexicon_counts.tolist(), "lexicon counts are not the counts of the ids")
    # the reference, fed the same blocks (a callable tokenizer is Python on both sides)
    if callable(tok):
        return "ok"
    ref_args = ({"whitespace": 0, "words": 1, "words_punct": 2}[tok], o["lowercase"], msl,
                corpus_mod.MAX_TOKEN_BYTES)
    ref = RefEncoder(*ref_args)
    joined = JoinedBlocks(*ref_args)
    files = nv.Corpus(path).files
    for f in files:
        blocks = list(corpus_mod._file_blocks(f, o["block"] or corpus_mod.BLOCK_SIZE))
        with corpus_mod.open_binary(f) as fh:
            data = fh.read()
        check(b"".join(b for b, _ in blocks) == data, "file blocks do not add up to the file")
        for block, cont in blocks:
            ref.feed(block, cont)
        # the whole file in one block: the read blocks end at line ends, whitespace or
        # code point boundaries, so this must not change anything
        joined.ok = joined.ok and _safe_cuts([b for b, _ in blocks])
        joined.feed(data, False)
    ref.finish()
    joined.finish()
    check(sents == ref.sentences, "the corpus and the reference tokenizer disagree",
          _first_difference(sents, ref.sentences))
    for k in _STAT_KEYS:
        check(stats[k] == ref.stats[k], f"statistic {k} differs from the reference",
              (stats[k], ref.stats[k]))
    _check_joined(joined, sents, stats, "the corpus")
    return "ok"


def _corpus_iterable(sentences: list, tok: Any, kw: dict, case_dir: Path) -> str:
    """Corpus on a list of str sentences and token lists (feed and feed_tokens)."""
    # a bad token list is refused with the sentence's index (ValueError or TypeError)
    expected = (TypeError, ValueError)
    sents, it_err = attempt("iterate", lambda: list(nv.Corpus(sentences, **kw)), expected)
    enc, enc_err = attempt("encode", lambda: nv.Corpus(sentences, **kw).encode(case_dir / "enc"),
                           expected)
    check(type(it_err) is type(enc_err), "iteration and encoding disagree on refusing",
          f"iterate: {it_err!r}; encode: {enc_err!r}")
    if enc is None:
        return "rejected"
    phase("check")
    from_enc = _id_sentences(np.asarray(enc.ids), np.asarray(enc.ends), enc.lexicon_keys)
    check(sents == from_enc, "iteration and encoding give other sentences",
          _first_difference(sents, from_enc))
    _check_tokens(sents, kw["max_sentence_length"], corpus_mod.MAX_TOKEN_BYTES, "corpus")
    ref = RefEncoder(0 if callable(tok) else {"whitespace": 0, "words": 1, "words_punct": 2}[tok],
                     kw["lowercase"], kw["max_sentence_length"], corpus_mod.MAX_TOKEN_BYTES)
    for s in sentences:
        if isinstance(s, str) and callable(tok):
            ref.feed_tokens([t for t in tok(s) if t != ""])
        elif isinstance(s, str):
            ref.feed(s.encode("utf-8", "surrogatepass") + b"\n")
        else:
            ref.feed_tokens(list(s))
    check(sents == ref.sentences, "the corpus and the reference tokenizer disagree",
          _first_difference(sents, ref.sentences))
    for k in _STAT_KEYS:
        check(enc.stats[k] == ref.stats[k], f"statistic {k} differs from the reference",
              (enc.stats[k], ref.stats[k]))
    return "ok"


# --------------------------------------------------------------------------- vectors

_ASCII_WS = set(" \t\n\r\x0b\x0c")


def target_word2vec(payload: dict, case_dir: Path) -> str:
    """read_word2vec / read_glove: vectors or VectorsFormatError naming the file; what is
    read must survive a write and a read back unchanged."""
    o = payload["options"]
    path = case_dir / o["name"]
    dt = np.dtype(o["datatype"])

    def read():
        if o["header"]:
            return formats.read_word2vec(path, binary=o["binary"], limit=o["limit"], datatype=dt)
        return formats.read_glove(path, limit=o["limit"], datatype=dt)

    res, err = attempt("read", read, (VectorsFormatError,), (str(path),))
    if res is None:
        return "rejected"
    phase("check")
    keys, vectors = res
    check(isinstance(vectors, np.ndarray) and vectors.ndim == 2, "vectors are not a matrix")
    check(vectors.dtype == dt, "dtype is not the datatype asked for", vectors.dtype)
    check(len(keys) == vectors.shape[0], "keys and rows differ", (len(keys), vectors.shape))
    check(len(set(keys)) == len(keys), "duplicate keys accepted")
    check(all(isinstance(k, str) and k and not (_ASCII_WS & set(k)) for k in keys),
          "a key is empty or holds ASCII whitespace", keys[:5])
    if o["limit"]:   # None or 0: no limit (as gensim's)
        check(len(keys) <= o["limit"], "more vectors than the limit")
    attempt("KeyedVectors", lambda: nv.KeyedVectors(vectors.astype(np.float32), keys))
    if dt != np.float32:
        return "ok"
    phase("round trip")
    out = case_dir / ("copy.bin" if o["binary"] else "copy.txt")
    formats.write_word2vec(out, keys, vectors, binary=o["binary"], write_header=o["header"])
    if o["header"]:
        keys2, vectors2 = formats.read_word2vec(out, binary=o["binary"])
    else:
        keys2, vectors2 = (formats.read_glove(out) if len(keys) else (keys, vectors))
    check(keys2 == keys, "keys change in a write/read round trip")
    check(vectors2.shape == vectors.shape and np.array_equal(vectors2, vectors, equal_nan=True),
          "values change in a write/read round trip")
    return "ok"


#: How vectors.formats names a compressed stream that cannot be decompressed.
_COMPRESSED_DAMAGE = "corrupted or truncated compressed data"
#: How vectors._w2v names an output matrix the address space cannot hold.
_NO_MEMORY = "more than can be allocated"


def target_w2v_engines(payload: dict, case_dir: Path) -> str:
    """The compiled and the pure-Python record parsers on the same file, read in blocks
    of ``block`` bytes: the same keys and the same values bit for bit, or both refuse it
    with the same VectorsFormatError naming the file."""
    from ngramvec.vectors import _w2v
    o = payload["options"]
    path = case_dir / o["name"]
    dt = np.dtype(o["datatype"])
    if not _w2v.has_compiled():   # pragma: no cover - the fuzz suite runs built
        return "ok"

    def read(engine):
        return lambda: formats.read_word2vec(path, binary=o["binary"], limit=o["limit"],
                                             datatype=dt, header=o["header"],
                                             unicode_errors=o["unicode_errors"], engine=engine)

    saved = _w2v.BLOCK
    _w2v.BLOCK = o["block"]
    try:
        fast, fast_err = attempt("compiled", read("compiled"), (VectorsFormatError,),
                                 (str(path),))
    finally:
        _w2v.BLOCK = saved
    slow, slow_err = attempt("python", read("python"), (VectorsFormatError,), (str(path),))
    phase("check")
    damaged = [e for e in (fast_err, slow_err) if e is not None and _COMPRESSED_DAMAGE in str(e)]
    if damaged and o["limit"] is not None:
        # With a limit, each engine reads ahead by its own block size and stops after the
        # records asked for: a damaged compressed stream past them is met by one, the other,
        # both or neither. Either outcome is right; the records read are checked elsewhere.
        return "ok"
    if any(e is not None and _NO_MEMORY in str(e) for e in (fast_err, slow_err)):
        # a compressed file's size is unknown, so a header's count is allocated as told:
        # whether that fits under the fuzz run's address-space limit depends on what else
        # is mapped at that moment (the other engine ran first); a clear error either way
        return "ok"
    if fast_err is not None or slow_err is not None:
        check(fast_err is not None and slow_err is not None, "one engine refuses, one reads",
              f"compiled: {fast_err!r}; python: {slow_err!r}")
        check(str(fast_err) == str(slow_err), "the engines refuse with different messages",
              f"compiled: {fast_err}; python: {slow_err}")
        return "rejected"
    check(fast[0] == slow[0], "the engines read different keys", (fast[0][:5], slow[0][:5]))
    a, b = fast[1], slow[1]
    check(a.dtype == b.dtype == dt and a.shape == b.shape, "the engines read different shapes",
          (a.dtype, a.shape, b.dtype, b.shape))
    check(a.tobytes() == b.tobytes(), "the engines read different values (bits)",
          np.argwhere(a.view(np.uint8) != b.view(np.uint8))[:3] if a.shape == b.shape else "")
    return "ok"


# --------------------------------------------------------------------------- npz


def _keyed_vectors() -> "nv.KeyedVectors":
    """The word vectors the sentence embedders were saved with (deterministic)."""
    words = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "\u00e9t\u00e9", "x"]
    rng = np.random.default_rng(0)
    counts = np.array([1000, 500, 300, 200, 100, 50, 20, 10, 5, 1])
    return nv.KeyedVectors(rng.normal(size=(len(words), 6)).astype(np.float32), words, counts)


_SENTENCES = ["the cat sat on the mat", "a dog ran", "the dog sat", "\u00e9t\u00e9 x x", "cat"] * 4


def build_bases(payload: dict, case_dir: Path) -> dict[str, bytes]:
    """One valid file per loader, written by ngramvec's own savers."""
    from ngramvec.vectors import postprocess as pp
    out: dict[str, bytes] = {}
    kv = _keyed_vectors()
    corpus = nv.Corpus(_SENTENCES)

    def save(name, obj, fname="model.npz"):
        p = case_dir / f"{name}-{fname}"
        obj.save(p)
        out[name] = p.read_bytes()

    save("KeyedVectors", kv)
    out["read_npz"] = out["KeyedVectors"]
    vocab = nv.Vocabulary.build(corpus, min_count=1, n_threads=1)
    save("Vocabulary", vocab, "vocab.txt")
    cooc = nv.count_cooccurrences(corpus, vocab, window=2, n_threads=1)
    save("Cooccurrence", cooc)
    save("SGNS", nv.SGNS(dim=4, epochs=1, min_count=1, negative=2, n_threads=1).fit(corpus))
    save("GloVe", nv.GloVe(dim=4, epochs=1, n_threads=1).fit(cooc))
    X = np.random.default_rng(1).normal(size=(30, 5))
    save("Whitening", pp.Whitening().fit(X))
    save("AllButTheTop", pp.AllButTheTop(n_components=1).fit(X))
    tok = [s.split() for s in _SENTENCES]
    save("WordAverage", pp.WordAverage(kv).fit())
    save("SIF", pp.SIF(kv).fit(tok))
    save("USIF", pp.USIF(kv, n_components=1).fit(tok))
    Y = np.random.default_rng(2).normal(size=(30, 5))
    scores = np.arange(30) % 4
    save("CoSENT", pp.CoSENT(n_components=3, bias=True, max_iter=3).fit(X, Y, scores))
    save("CosineRegression", pp.CosineRegression(max_iter=3).fit(X, Y, scores))
    save("SentencePairEncoder", pp.SentencePairEncoder(pp.SIF(kv), pp.CoSENT(max_iter=3)).fit(
        tok[:10], tok[10:], np.arange(10) % 3))
    return out


def _loaders() -> dict[str, Callable[[Path], Any]]:
    from ngramvec.vectors import postprocess as pp
    return {
        "read_npz": formats.read_npz,
        "KeyedVectors": nv.KeyedVectors.load,
        "Vocabulary": nv.Vocabulary.load,
        "Cooccurrence": nv.Cooccurrence.load,
        "SGNS": nv.SGNS.load,
        "GloVe": nv.GloVe.load,
        "Whitening": pp.Whitening.load,
        "AllButTheTop": pp.AllButTheTop.load,
        "WordAverage": lambda p: pp.WordAverage.load(p, keyed_vectors=_keyed_vectors()),
        "SIF": lambda p: pp.SIF.load(p, keyed_vectors=_keyed_vectors()),
        "USIF": lambda p: pp.USIF.load(p, keyed_vectors=_keyed_vectors()),
        "CoSENT": pp.CoSENT.load,
        "CosineRegression": pp.CosineRegression.load,
        "SentencePairEncoder": lambda p: pp.SentencePairEncoder.load(
            p, keyed_vectors=_keyed_vectors()),
    }


def _use(loader: str, obj: Any) -> None:
    """First use of a loaded object; a bare exception here means the loader let
    inconsistent data through."""
    if loader == "read_npz":
        keys, vectors, counts = obj
        check(vectors.ndim == 2 and len(keys) == vectors.shape[0], "keys and rows differ")
        check(counts is None or counts.shape == (len(keys),), "counts and keys differ")
        nv.KeyedVectors(vectors, keys, counts)
    elif loader == "KeyedVectors":
        if len(obj) > 1:
            obj.most_similar(obj.index_to_key[0], topn=2)
    elif loader == "Vocabulary":
        check(len(obj.index_to_key) == len(obj.counts), "keys and counts differ")
    elif loader == "Cooccurrence":
        check(obj.matrix.shape == (len(obj.row_vocab), len(obj.col_vocab)),
              "matrix shape and vocabularies differ", (obj.matrix.shape, len(obj.row_vocab),
                                                       len(obj.col_vocab)))
        nv.PPMI().fit(obj)
    elif loader in ("SGNS", "GloVe"):
        kv = nv.KeyedVectors.from_model(obj)
        if len(kv) > 1:
            kv.most_similar(kv.index_to_key[0], topn=2)
    elif loader in ("Whitening", "AllButTheTop", "CoSENT", "CosineRegression"):
        obj.transform(np.ones((2, int(obj.n_features_in_))))
    else:
        obj.transform([["the", "cat"], ["x"]])


def target_npz(payload: dict, case_dir: Path) -> str:
    """A damaged saved file: an ngramvec error naming the file, or a usable object."""
    o = payload["options"]
    path = case_dir / o["name"]
    obj, err = attempt(f"load {o['loader']}", lambda: _loaders()[o["loader"]](path),
                       (NgramvecError,), (str(path),))
    if err is not None:
        return "rejected"
    phase("use")
    try:
        _use(o["loader"], obj)
    except (Mismatch, NgramvecError):
        raise
    except Exception as exc:  # noqa: BLE001
        raise Unusable("use", exc) from exc
    return "ok"


# --------------------------------------------------------------------------- encoded


def target_encoded(payload: dict, case_dir: Path) -> str:
    """An encoded corpus written by another tool, damaged: CorpusError naming the file,
    or it is read by the kernels without a crash."""
    o = payload["options"]
    d = case_dir / "enc"
    enc, err = attempt("open", lambda: EncodedCorpus(d), (CorpusError,), (str(d),))
    if err is not None:
        return "rejected"
    # What loads is trusted by the kernels: they must not crash on it. Refusing it
    # later with a documented validation error (a ValueError: too few words for SGNS,
    # no entry reaching min_count) is fine; IndexError, KeyError, MemoryError... are not.
    nt = o["n_threads"]
    later = (NgramvecError, ValueError)
    attempt("Vocabulary.build ngrams",
            lambda: nv.Vocabulary.build(enc, min_count=1, ngram_orders=(1, 2), n_threads=nt),
            later)
    vocab, _ = attempt("Vocabulary.build", lambda: nv.Vocabulary.build(enc, min_count=1,
                                                                     n_threads=nt), later)
    if vocab is not None:
        attempt("count_cooccurrences", lambda: nv.count_cooccurrences(
            enc, vocab, window=o["window"], n_threads=nt), later)
    attempt("SGNS.fit", lambda: nv.SGNS(dim=4, epochs=1, min_count=1, negative=2,
                                        window=o["window"], n_threads=nt,
                                        seed=o["seed"]).fit(enc), later)
    return "ok"


# --------------------------------------------------------------------------- self test


def target_selftest(payload: dict, case_dir: Path) -> str:
    """Misbehaves on purpose, to test the harness: abort, segfault, hang, bare error."""
    what = payload["options"]["what"]
    if what == "abort":
        os.abort()
    if what == "segfault":
        import ctypes
        ctypes.string_at(0)
    if what == "hang":
        import time
        time.sleep(3600)
    if what == "bare":
        raise Bare("selftest", IndexError("list index out of range"))
    if what == "mismatch":
        raise Mismatch("selftest mismatch")
    return "ok"


TARGETS: dict[str, Callable[[dict, Path], Any]] = {
    "encoder": target_encoder,
    "corpus": target_corpus,
    "word2vec": target_word2vec,
    "w2v_engines": target_w2v_engines,
    "npz": target_npz,
    "encoded": target_encoded,
    "selftest": target_selftest,
    "bases": build_bases,
}


# --------------------------------------------------------------------------- driver


def preload() -> None:
    """Import, once in the server, what the targets would import lazily in every child
    (scikit-learn alone takes about a second). Imports only: nothing runs."""
    import scipy.stats  # noqa: F401
    import sklearn.utils.validation  # noqa: F401

    import ngramvec.models._glove_numba  # noqa: F401
    import ngramvec.vectors.postprocess  # noqa: F401


def _where(exc: BaseException) -> str:
    """Innermost frame in ngramvec (file:function), else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if f"{os.sep}ngramvec{os.sep}" in f.filename]
    f = (inside or frames or [None])[-1]
    if f is None:
        return "?"
    name = f.filename.split(f"{os.sep}ngramvec{os.sep}")[-1] if inside else os.path.basename(f.filename)
    return f"{name}:{f.name}"


def write_files(files: dict[str, bytes], case_dir: Path) -> None:
    for name, data in files.items():
        p = case_dir / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def run_case(target: str, payload: dict, case_dir: Path) -> dict:
    """Run one case; returns the outcome dict (never raises)."""
    global _phase_file
    _phase_file = case_dir / ".phase"
    out: dict[str, Any] = {"status": "ok", "phase": None}
    try:
        write_files(payload.get("files", {}), case_dir)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = TARGETS[target](payload, case_dir)
        if target == "bases":
            out["bases"] = result
        else:
            out["status"] = "rejected" if result == "rejected" else "ok"
        out["warnings"] = sorted({f"{w.category.__name__}: {w.message}"[:200] for w in caught
                                  if issubclass(w.category, RuntimeWarning)})
    except Unusable as exc:
        out.update(status="unusable", phase=exc.phase, exc_type=type(exc.exc).__name__,
                   message=str(exc.exc)[:2000], where=_where(exc.exc),
                   traceback="".join(traceback.format_exception(exc.exc)))
    except Bare as exc:
        out.update(status="bare", phase=exc.phase, exc_type=type(exc.exc).__name__,
                   message=(str(exc.exc)[:2000] + (f" [{exc.why}]" if exc.why else "")),
                   where=_where(exc.exc), traceback="".join(traceback.format_exception(exc.exc)))
    except Mismatch as exc:
        out.update(status="mismatch", phase=exc.check, exc_type="Mismatch",
                   message=str(exc)[:4000], where=exc.check,
                   traceback=traceback.format_exc())
    except Exception as exc:  # noqa: BLE001
        out.update(status="harness-error", exc_type=type(exc).__name__, message=str(exc)[:2000],
                   where=_where(exc), traceback=traceback.format_exc())
    return out
