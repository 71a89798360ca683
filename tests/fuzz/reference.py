"""A slow, plain-Python model of the compiled tokenizer (``ngramvec/data/_encode.pyx``).

It is the oracle of the encoder harness: the same bytes fed to :class:`RefEncoder` and
to ``TextEncoder`` (in both modes) must give the same sentences and statistics. It is
written from the rules in the docstring of ``_encode.pyx``, one code point at a time,
with Python's own Unicode tables (``str.isspace``, ``str.isalnum``, ``str.isdigit``,
``str.lower``), which are the tables the compiled code calls.

Rules modelled
--------------
- Decoding: strict UTF-8, each byte of an invalid or truncated sequence becomes one
  U+FFFD (and is counted); a block is decoded on its own (a sequence cut by a block
  end is invalid).
- Whitespace (``str.isspace``) separates tokens; ``\\n`` ends a line; a line is a
  sentence, cut into several of ``max_sentence_length`` tokens.
- ``words``: runs of alphanumerics (and U+0300..U+036F); an apostrophe (``'``,
  U+2019, U+02BC -> ``'``), hyphen (``-``, U+2010, U+2011 -> ``-``), or ``.``/``,``
  between two digits stays inside a token when it follows an alphanumeric of the
  token and the next code point of the block is alphanumeric; anything else
  separates (and is a token of its own in ``words_punct``).
- Lowercasing maps one code point to the first code point of its lowercase form,
  after the code point was classified.
- A token is cut into pieces of at most ``max_token_bytes`` bytes: before a code point
  is appended to a token already holding more than ``max_token_bytes - 4`` bytes, the
  token so far is emitted; each long token is counted once in ``n_long_tokens``.
"""
from __future__ import annotations

import codecs

__all__ = ["RefEncoder", "decode_per_byte"]

_counter = [0]


def _per_byte(exc: UnicodeDecodeError):
    _counter[0] += 1
    return "\ufffd", exc.start + 1


codecs.register_error("ngramvec-fuzz-per-byte", _per_byte)


def decode_per_byte(data: bytes) -> tuple[str, int]:
    """Decode UTF-8, one U+FFFD per invalid byte; returns (text, invalid count)."""
    _counter[0] = 0
    text = data.decode("utf-8", "ngramvec-fuzz-per-byte")
    return text, _counter[0]


OTHER, SPACE, ALNUM, APOS, HYPHEN, NUMSEP, NEWLINE = range(7)


def classify(ch: str) -> int:
    cp = ord(ch)
    if cp == 10:
        return NEWLINE
    if ch in "'\u2019\u02bc":
        return APOS
    if ch in "-\u2010\u2011":
        return HYPHEN
    if ch in ".,":
        return NUMSEP
    if ch.isspace():
        return SPACE
    if ch.isalnum() or 0x300 <= cp <= 0x36F:
        return ALNUM
    return OTHER


class RefEncoder:
    """Reference model of ``TextEncoder``: collects sentences as lists of str."""

    def __init__(self, mode: int = 1, lowercase: bool = True, max_sentence_length: int = 10000,
                 max_token_bytes: int = 256) -> None:
        self.mode = mode
        self.lowercase = lowercase
        self.msl = max_sentence_length
        self.mtb = max_token_bytes
        self.sentences: list[list[str]] = []
        self.current: list[str] = []
        self.tok = ""
        self.tok_bytes = 0
        self.tok_long = False
        self.in_line = False
        self.line_tokens = 0
        self.stats = dict(n_lines=0, n_sentences=0, n_tokens=0, n_empty_lines=0,
                          n_invalid_utf8=0, n_split_sentences=0, n_long_tokens=0)

    # -- sinks
    def _end_sentence(self) -> None:
        if self.current:
            self.sentences.append(self.current)
            self.stats["n_sentences"] += 1
            self.current = []

    def _emit(self, tok: str) -> None:
        if not tok:
            return
        if len(self.current) == self.msl:
            self._end_sentence()
            self.stats["n_split_sentences"] += 1
        self.current.append(tok)
        self.stats["n_tokens"] += 1
        self.line_tokens += 1

    def _flush(self) -> None:
        self._emit(self.tok)
        self.tok, self.tok_bytes, self.tok_long = "", 0, False

    def _put(self, ch: str) -> None:
        if self.tok_bytes + 4 > self.mtb:
            if not self.tok_long:
                self.stats["n_long_tokens"] += 1
            self._emit(self.tok)
            self.tok, self.tok_bytes, self.tok_long = "", 0, True
        self.tok += ch
        self.tok_bytes += len(ch.encode("utf-8"))

    def _end_line(self) -> None:
        self._flush()
        self._end_sentence()
        if self.line_tokens == 0:
            self.stats["n_empty_lines"] += 1
        self.stats["n_lines"] += 1
        self.line_tokens = 0
        self.in_line = False

    def _lower(self, ch: str) -> str:
        return ch.lower()[0] if self.lowercase else ch

    # -- API
    def feed(self, block: bytes, line_continues: bool = False) -> None:
        text, bad = decode_per_byte(bytes(block))
        self.stats["n_invalid_utf8"] += bad
        prev = ""
        n = len(text)
        for i, ch in enumerate(text):
            self.in_line = True
            cls = classify(ch)
            if cls == NEWLINE:
                self._end_line()
                prev = ""
                continue
            if cls == SPACE:
                self._flush()
                prev = ""
                continue
            low = self._lower(ch)
            if self.mode == 0 or cls == ALNUM:
                self._put(low)
                prev = low
                continue
            if cls in (APOS, HYPHEN, NUMSEP) and self.tok and prev and i + 1 < n:
                nxt = text[i + 1]
                if classify(nxt) == ALNUM and (cls != NUMSEP or (prev.isdigit() and nxt.isdigit())):
                    self._put("'" if cls == APOS else "-" if cls == HYPHEN else low)
                    prev = ""
                    continue
            self._flush()
            if self.mode == 2:
                self._put(low)
                self._flush()
            prev = ""
        if not line_continues:
            if self.in_line:
                self._end_line()
        else:
            self._flush()

    def feed_tokens(self, tokens: list) -> None:
        """As ``TextEncoder.feed_tokens``; raises ValueError/TypeError where it does,
        after checking the whole sentence (nothing is added then)."""
        pieces = []
        for t in tokens:
            if not isinstance(t, str):
                raise TypeError(f"tokens must be str, got {type(t).__name__}")
            if t == "":
                raise ValueError("empty token")
            text, bad = decode_per_byte(t.encode("utf-8", "surrogatepass"))
            if any(classify(ch) in (SPACE, NEWLINE) for ch in text):
                raise ValueError("contains whitespace")
            pieces.append((text, bad))
        for text, bad in pieces:
            self.stats["n_invalid_utf8"] += bad
            for ch in text:
                self._put(self._lower(ch))
            self._flush()
        self._end_line()

    def finish(self) -> None:
        if self.in_line:
            self._end_line()

    def lexicon(self) -> tuple[list[str], list[int]]:
        """Distinct tokens in first-occurrence order and their counts."""
        counts: dict[str, int] = {}
        for s in self.sentences + ([self.current] if self.current else []):
            for t in s:
                counts[t] = counts.get(t, 0) + 1
        return list(counts), list(counts.values())
