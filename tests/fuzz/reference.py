"""A slow, plain-Python model of the compiled tokenizer (``ngramvec/data/_encode.pyx``).

It is the oracle of the encoder harness: the same bytes fed to :class:`RefEncoder` and
to ``TextEncoder`` (in both modes) must give the same sentences and statistics. It is
written from the rules in the docstring of ``_encode.pyx`` and, where they say less,
from its code (``_put``, ``_scan``, ``_resolve_joiner``, ``_end_line``,
``feed_tokens``), one code point at a time, with Python's own Unicode tables
(``str.isspace``, ``str.isalnum``, ``str.isdigit``, ``str.lower``), which are the
tables the compiled code calls.

Rules modelled
--------------
- Decoding: strict UTF-8, each byte of an invalid or truncated sequence becomes one
  U+FFFD (and is counted). A block is decoded on its own: a sequence cut by a block
  end is invalid, one U+FFFD per byte on each side, even when the line goes on
  (``line_continues``); only code points are carried from one block to the next.
- Whitespace (``str.isspace``) separates tokens; ``\\n`` ends a line; a line is a
  sentence, cut into several of ``max_sentence_length`` tokens.
- ``words``: runs of alphanumerics (and U+0300..U+036F); an apostrophe (``'``,
  U+2019, U+02BC -> ``'``), hyphen (``-``, U+2010, U+2011 -> ``-``), or ``.``/``,``
  between two digits stays inside a token when it follows an alphanumeric of the
  token and the next code point is alphanumeric; anything else separates (and is a
  token of its own in ``words_punct``).
- Lowercasing maps one code point to the first code point of its lowercase form,
  after the code point was classified.
- A token keeps its first ``max_token_bytes`` bytes of UTF-8, whole code points: the
  first code point that does not fit and every later one of the token (joiners
  included) is dropped. Such a token is counted once in ``n_long_tokens``, each byte
  dropped in ``n_cut_bytes``. The same for ``feed_tokens``.
- Across blocks: after ``feed(block, line_continues=True)`` the current token is not
  ended: it goes on in the next block, with the scanner's previous code point (so a
  joiner at the start of the next block is decided as within one block). A joiner
  that is the last code point of such a block, after an alphanumeric of the token, is
  decided by the first code point of the next non-empty block; if the line ends
  first (``feed(b"", False)``, ``finish``), it is a separator. Fed a line in blocks
  cut at code point boundaries, the tokens are those of the line in one block.
- ``feed_tokens`` after ``feed(..., line_continues=True)`` (never done by ``Corpus``)
  goes on with the pending line: its first token continues a pending token, and a
  pending joiner is decided (a separator) only when the sentence ends, after the
  sentence's tokens were added.
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
        # carried from one block to the next when the line goes on: the previous code
        # point of the token ("" for none), and a joiner ending the block (None: none)
        self.prev = ""
        self.pending: tuple[str, int] | None = None
        self.in_line = False
        self.line_tokens = 0
        self.stats = dict(n_lines=0, n_sentences=0, n_tokens=0, n_empty_lines=0,
                          n_invalid_utf8=0, n_split_sentences=0, n_long_tokens=0,
                          n_cut_bytes=0)

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
        """Append a code point, or drop it (and count it) once the token is full."""
        w = len(ch.encode("utf-8"))
        if self.tok_long:
            self.stats["n_cut_bytes"] += w
            return
        if self.tok_bytes + w > self.mtb:
            self.tok_long = True
            self.stats["n_long_tokens"] += 1
            self.stats["n_cut_bytes"] += w
            return
        self.tok += ch
        self.tok_bytes += w

    @staticmethod
    def _joins(kind: int, prev: str, nxt: str) -> bool:
        """Does a joiner of class ``kind`` between ``prev`` and ``nxt`` stay in the token?"""
        return classify(nxt) == ALNUM and (kind != NUMSEP or (prev.isdigit() and nxt.isdigit()))

    @staticmethod
    def _joiner(low: str, kind: int) -> str:
        """The code point a joiner kept inside a token is normalised to."""
        return "'" if kind == APOS else "-" if kind == HYPHEN else low

    def _separator(self, low: str) -> None:
        self._flush()
        if self.mode == 2:
            self._put(low)
            self._flush()

    def _resolve(self, nxt: str | None) -> None:
        """Decide on the joiner that ended the last block, given the next code point."""
        low, cls = self.pending
        self.pending = None
        if nxt is not None and self._joins(cls, self.prev, nxt):
            self.prev = ""
            self._put(self._joiner(low, cls))
            return
        self.prev = ""
        self._separator(low)

    def _end_line(self) -> None:
        if self.pending is not None:
            self._resolve(None)
        self.prev = ""
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
        if text:
            self._scan(text, bad, line_continues)
        if not line_continues and self.in_line:
            self._end_line()

    def _scan(self, text: str, bad: int, cont: bool) -> None:
        # the compiled code counts invalid bytes as it meets them; it stops early only
        # at the block's last code point, so counting them all first is the same
        self.stats["n_invalid_utf8"] += bad
        if self.pending is not None:
            self._resolve(text[0])
        prev = self.prev
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
            if cls in (APOS, HYPHEN, NUMSEP) and self.tok and prev:
                if i + 1 == n and cont:
                    # the next code point is in the next block: decided there
                    self.pending = (low, cls)
                    self.prev = prev
                    return
                if i + 1 < n and self._joins(cls, prev, text[i + 1]):
                    self._put(self._joiner(low, cls))
                    prev = ""
                    continue
            self._separator(low)
            prev = ""
        self.prev = prev

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
