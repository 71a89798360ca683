# cython: language_level=3
"""Compiled tokenizer and encoder: UTF-8 bytes in, token ids (or normalised text) out.

The tokenizer works on raw UTF-8 bytes, without building Python strings per token:
it decodes code points (invalid sequences become U+FFFD and are counted), lowercases
them with CPython's Unicode tables (``Py_UNICODE_TOLOWER``, one code point to one),
classifies them, and either interns each token in a C hash table (``nv_strtab.h``),
appending its id to an int32 buffer, or writes the normalised text.

Tokenizers
----------
whitespace (0)
    Tokens are maximal runs of non-whitespace code points (``Py_UNICODE_ISSPACE``,
    the same set as :meth:`str.split`).
words (1)
    Tokens are maximal runs of alphanumeric code points (and combining marks), plus
    three joiners kept inside a token when both neighbours are alphanumeric:
    apostrophes (``'``, U+2019, U+02BC; normalised to ``'``), hyphens (``-``,
    U+2010, U+2011; normalised to ``-``) and ``.`` or ``,`` between two digits.
    Everything else (punctuation, symbols, quotes, dashes) separates tokens and is
    dropped.
words_punct (2)
    As ``words``, but each punctuation or symbol code point is kept as a token of
    its own.

Sentences are lines. A line longer than ``max_sentence_length`` tokens is cut into
several sentences (counted in ``n_split_sentences``). A token longer than
``max_token_bytes`` bytes (UTF-8, after lowercasing) is kept as its first
``max_token_bytes`` bytes, cut at a code point boundary, and the rest of it is
dropped: one token, counted once in ``n_long_tokens``, the bytes dropped in
``n_cut_bytes``. This holds in both modes, for pre-tokenized sentences
(:meth:`TextEncoder.feed_tokens`) and for a token that goes on from one block to the
next (``line_continues``). Empty lines produce no sentence (counted in
``n_empty_lines``).
"""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy
from cython.parallel cimport prange

import numpy as np

cimport numpy as cnp

cnp.import_array()

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(uint32_t ch) nogil
    bint Py_UNICODE_ISALNUM(uint32_t ch) nogil
    bint Py_UNICODE_ISDIGIT(uint32_t ch) nogil
    uint32_t Py_UNICODE_TOLOWER(uint32_t ch) nogil
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) except NULL

from ngramvec.data._strtab cimport (nv_strtab, nv_strtab_free, nv_strtab_init,
                                    nv_strtab_intern)

# character classes
DEF C_OTHER = 0     # punctuation, symbols: separate tokens
DEF C_SPACE = 1
DEF C_ALNUM = 2
DEF C_APOS = 3
DEF C_HYPHEN = 4
DEF C_NUMSEP = 5    # '.' and ','
DEF C_NEWLINE = 6

DEF MODE_WHITESPACE = 0
DEF MODE_WORDS = 1
DEF MODE_WORDS_PUNCT = 2

DEF E_NOMEM = -2
DEF E_TOOMANY = -3


# _classify of the ASCII code points, filled at import
cdef uint8_t _ASCII_CLASS[128]


cdef inline int _classify(uint32_t cp) noexcept nogil:
    if cp < 128:
        if cp == 10:
            return C_NEWLINE
        if (cp >= 97 and cp <= 122) or (cp >= 65 and cp <= 90) or (cp >= 48 and cp <= 57):
            return C_ALNUM
        if cp == 32 or (cp >= 9 and cp <= 13) or (cp >= 28 and cp <= 31):
            return C_SPACE
        if cp == 39:
            return C_APOS
        if cp == 45:
            return C_HYPHEN
        if cp == 46 or cp == 44:
            return C_NUMSEP
        return C_OTHER
    if cp == 0x2019 or cp == 0x02BC:
        return C_APOS
    if cp == 0x2010 or cp == 0x2011:
        return C_HYPHEN
    if Py_UNICODE_ISSPACE(cp):
        return C_SPACE
    if Py_UNICODE_ISALNUM(cp) or (cp >= 0x300 and cp <= 0x36F):
        return C_ALNUM
    return C_OTHER


cdef int _cp
for _cp in range(128):
    _ASCII_CLASS[_cp] = <uint8_t>_classify(<uint32_t>_cp)


cdef inline Py_ssize_t _decode(const uint8_t *b, Py_ssize_t i, Py_ssize_t n,
                               uint32_t *cp, bint *bad) noexcept nogil:
    """Decode the code point at b[i]; return the index after it. Invalid -> U+FFFD, 1 byte."""
    cdef uint32_t c0 = b[i], c1, c2, c3
    bad[0] = False
    if c0 < 0x80:
        cp[0] = c0
        return i + 1
    if c0 >= 0xC2 and c0 <= 0xDF and i + 1 < n:
        c1 = b[i + 1]
        if (c1 & 0xC0) == 0x80:
            cp[0] = ((c0 & 0x1F) << 6) | (c1 & 0x3F)
            return i + 2
    elif c0 >= 0xE0 and c0 <= 0xEF and i + 2 < n:
        c1 = b[i + 1]
        c2 = b[i + 2]
        if ((c1 & 0xC0) == 0x80 and (c2 & 0xC0) == 0x80
                and not (c0 == 0xE0 and c1 < 0xA0) and not (c0 == 0xED and c1 >= 0xA0)):
            cp[0] = ((c0 & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F)
            return i + 3
    elif c0 >= 0xF0 and c0 <= 0xF4 and i + 3 < n:
        c1 = b[i + 1]
        c2 = b[i + 2]
        c3 = b[i + 3]
        if ((c1 & 0xC0) == 0x80 and (c2 & 0xC0) == 0x80 and (c3 & 0xC0) == 0x80
                and not (c0 == 0xF0 and c1 < 0x90) and not (c0 == 0xF4 and c1 >= 0x90)):
            cp[0] = ((c0 & 0x07) << 18) | ((c1 & 0x3F) << 12) | ((c2 & 0x3F) << 6) | (c3 & 0x3F)
            return i + 4
    cp[0] = 0xFFFD
    bad[0] = True
    return i + 1


cdef inline int _utf8_len(uint32_t cp) noexcept nogil:
    if cp < 0x80:
        return 1
    if cp < 0x800:
        return 2
    if cp < 0x10000:
        return 3
    return 4


cdef inline int _utf8_put(char *dst, uint32_t cp) noexcept nogil:
    if cp < 0x80:
        dst[0] = <char>cp
        return 1
    if cp < 0x800:
        dst[0] = <char>(0xC0 | (cp >> 6))
        dst[1] = <char>(0x80 | (cp & 0x3F))
        return 2
    if cp < 0x10000:
        dst[0] = <char>(0xE0 | (cp >> 12))
        dst[1] = <char>(0x80 | ((cp >> 6) & 0x3F))
        dst[2] = <char>(0x80 | (cp & 0x3F))
        return 3
    dst[0] = <char>(0xF0 | (cp >> 18))
    dst[1] = <char>(0x80 | ((cp >> 12) & 0x3F))
    dst[2] = <char>(0x80 | ((cp >> 6) & 0x3F))
    dst[3] = <char>(0x80 | (cp & 0x3F))
    return 4


cdef const uint8_t *_token_utf8(object t, Py_ssize_t *size, list keep) except NULL:
    """UTF-8 of a str token (cached by CPython); with lone surrogates, their
    'surrogatepass' bytes (kept alive in ``keep``), which decode as invalid UTF-8."""
    cdef bytes b
    try:
        return <const uint8_t *>PyUnicode_AsUTF8AndSize(t, size)
    except UnicodeEncodeError:
        b = (<str>t).encode("utf-8", "surrogatepass")
        keep.append(b)
        size[0] = len(b)
        return <const uint8_t *><const char *>b


cdef class TextEncoder:
    """Streaming tokenizer; either interns tokens (``encode=True``) or writes text.

    Parameters
    ----------
    mode : int
        0 whitespace, 1 words, 2 words with punctuation tokens.
    lowercase : bool
    encode : bool
        True: tokens become int32 ids (first-occurrence order) with counts, and
        sentence ends are recorded. False: the normalised text (tokens joined by one
        space, one sentence a line) is produced instead.
    max_sentence_length : int
    max_token_bytes : int
        Longer tokens keep their first ``max_token_bytes`` bytes (whole code points);
        the rest is dropped and counted (``n_long_tokens``, ``n_cut_bytes``).
    """
    cdef nv_strtab table
    cdef int mode
    cdef bint lowercase, encode
    cdef int64_t max_sentence_length, max_token_bytes
    cdef char *tok
    cdef int64_t tok_len
    cdef bint tok_long
    # scanner state carried from one block to the next when a line goes on:
    # the previous code point inside the current token (0: none), and a joiner
    # that ended the block, decided by the first code point of the next one
    cdef uint32_t prev, pend_cp
    cdef int pend_cls
    cdef int32_t *ids
    cdef int64_t n_ids, cap_ids
    cdef int64_t *ends
    cdef int64_t n_ends, cap_ends
    cdef char *text
    cdef int64_t n_text, cap_text
    cdef int64_t sent_len, line_tokens, in_line
    cdef int err
    cdef public int64_t n_tokens, n_sentences, n_lines, n_empty_lines
    cdef public int64_t n_invalid_utf8, n_split_sentences, n_long_tokens, n_cut_bytes

    def __cinit__(self, int mode=1, bint lowercase=True, bint encode=True,
                  int64_t max_sentence_length=10000, int64_t max_token_bytes=256):
        if mode < 0 or mode > 2:
            raise ValueError(f"unknown tokenizer mode {mode}")
        if max_sentence_length < 1 or max_token_bytes < 4:
            raise ValueError("max_sentence_length must be >= 1 and max_token_bytes >= 4")
        self.mode = mode
        self.lowercase = lowercase
        self.encode = encode
        self.max_sentence_length = max_sentence_length
        self.max_token_bytes = max_token_bytes
        self.tok = <char *>malloc(max_token_bytes + 8)
        self.cap_ids = 1 << 16
        self.ids = <int32_t *>malloc(sizeof(int32_t) * self.cap_ids)
        self.cap_ends = 1 << 12
        self.ends = <int64_t *>malloc(sizeof(int64_t) * self.cap_ends)
        self.cap_text = 1 << 16
        self.text = <char *>malloc(self.cap_text)
        if (self.tok == NULL or self.ids == NULL or self.ends == NULL or self.text == NULL
                or nv_strtab_init(&self.table, 1 << 16) < 0):
            raise MemoryError("cannot allocate the tokenizer buffers")

    def __dealloc__(self):
        free(self.tok)
        free(self.ids)
        free(self.ends)
        free(self.text)
        nv_strtab_free(&self.table)

    # ---- sinks -------------------------------------------------------------

    cdef inline int _end_sentence(self) noexcept nogil:
        cdef int64_t *ne
        if self.sent_len == 0:
            return 0
        if self.encode:
            if self.n_ends == self.cap_ends:
                ne = <int64_t *>realloc(self.ends, sizeof(int64_t) * self.cap_ends * 2)
                if ne == NULL:
                    self.err = E_NOMEM
                    return -1
                self.ends = ne
                self.cap_ends *= 2
            self.ends[self.n_ends] = self.n_tokens
            self.n_ends += 1
        else:
            # Tokens are joined by one space written before every token but the first
            # of its sentence, so the sentence end is an appended newline: nothing is
            # patched back, and text already taken (take_text) is never touched.
            if self._text_reserve(1) < 0:
                return -1
            self.text[self.n_text] = b'\n'
            self.n_text += 1
        self.n_sentences += 1
        self.sent_len = 0
        return 0

    cdef inline int _text_reserve(self, int64_t extra) noexcept nogil:
        cdef char *nt
        cdef int64_t nc = self.cap_text
        if self.n_text + extra <= self.cap_text:
            return 0
        while nc < self.n_text + extra:
            nc *= 2
        nt = <char *>realloc(self.text, nc)
        if nt == NULL:
            self.err = E_NOMEM
            return -1
        self.text = nt
        self.cap_text = nc
        return 0

    cdef inline int _emit(self, const char *s, int64_t n) noexcept nogil:
        """A complete token of n bytes."""
        cdef int64_t tid
        cdef int32_t *ni
        if n == 0:
            return 0
        if self.sent_len == self.max_sentence_length:
            if self._end_sentence() < 0:
                return -1
            self.n_split_sentences += 1
        if self.encode:
            tid = nv_strtab_intern(&self.table, s, n)
            if tid < 0:
                self.err = <int>tid
                return -1
            self.table.count[tid] += 1
            if self.n_ids == self.cap_ids:
                ni = <int32_t *>realloc(self.ids, sizeof(int32_t) * self.cap_ids * 2)
                if ni == NULL:
                    self.err = E_NOMEM
                    return -1
                self.ids = ni
                self.cap_ids *= 2
            self.ids[self.n_ids] = <int32_t>tid
            self.n_ids += 1
        else:
            if self._text_reserve(n + 1) < 0:
                return -1
            if self.sent_len > 0:
                self.text[self.n_text] = b' '
                self.n_text += 1
            memcpy(self.text + self.n_text, s, n)
            self.n_text += n
        self.n_tokens += 1
        self.sent_len += 1
        self.line_tokens += 1
        return 0

    cdef inline int _flush_token(self) noexcept nogil:
        cdef int r = 0
        if self.tok_len > 0:
            r = self._emit(self.tok, self.tok_len)
        self.tok_len = 0
        self.tok_long = False
        return r

    cdef inline int _put(self, uint32_t cp) noexcept nogil:
        """Append a code point to the current token.

        A token keeps its first ``max_token_bytes`` bytes, whole code points only: the
        first code point that does not fit, and every later one, is dropped; the token
        is counted once in ``n_long_tokens`` and the bytes dropped in ``n_cut_bytes``.
        """
        cdef int w = _utf8_len(cp)
        if self.tok_long:
            self.n_cut_bytes += w
            return 0
        if self.tok_len + w > self.max_token_bytes:
            self.tok_long = True
            self.n_long_tokens += 1
            self.n_cut_bytes += w
            return 0
        self.tok_len += _utf8_put(self.tok + self.tok_len, cp)
        return 0

    cdef inline uint32_t _joiner(self, uint32_t cp, int cls) noexcept nogil:
        """The code point a joiner kept inside a token is normalised to."""
        if cls == C_APOS:
            return 39
        if cls == C_HYPHEN:
            return 45
        return cp

    cdef int _resolve_joiner(self, const uint8_t *b, Py_ssize_t n) noexcept nogil:
        """Decide on a joiner that ended the previous block (the line went on): it stays
        in the token if the first code point of this block (``b``, ``n`` bytes; none if
        ``n == 0``) would have kept it, as if the two blocks were one."""
        cdef uint32_t cp = self.pend_cp, nxt = 0
        cdef int cls = self.pend_cls
        cdef bint bad
        self.pend_cls = 0
        if n > 0:
            _decode(b, 0, n, &nxt, &bad)
            if _classify(nxt) == C_ALNUM and (cls != C_NUMSEP or (
                    Py_UNICODE_ISDIGIT(self.prev) and Py_UNICODE_ISDIGIT(nxt))):
                self.prev = 0
                return self._put(self._joiner(cp, cls))
        self.prev = 0
        if self._flush_token() < 0:
            return -1
        if self.mode == MODE_WORDS_PUNCT:
            if self._put(cp) < 0 or self._flush_token() < 0:
                return -1
        return 0

    cdef inline int _end_line(self) noexcept nogil:
        if self.pend_cls and self._resolve_joiner(NULL, 0) < 0:
            return -1
        self.prev = 0
        if self._flush_token() < 0:
            return -1
        if self._end_sentence() < 0:
            return -1
        if self.line_tokens == 0:
            self.n_empty_lines += 1
        self.n_lines += 1
        self.line_tokens = 0
        self.in_line = 0
        return 0

    # ---- the scanner -------------------------------------------------------

    cdef int _scan(self, const uint8_t *b, Py_ssize_t n, bint cont) noexcept nogil:
        """Tokenize ``n`` bytes; ``cont``: the line goes on in the next block, so a
        token (and a joiner) at the end of this one is carried over, not ended."""
        cdef Py_ssize_t i = 0, j, k
        cdef uint32_t cp, nxt, prev
        cdef bint bad, bad2
        cdef int cls, ncls
        cdef uint8_t c
        cdef int64_t run, room
        cdef bint ws = self.mode == MODE_WHITESPACE, low = self.lowercase
        if self.pend_cls and self._resolve_joiner(b, n) < 0:
            return -1
        prev = self.prev
        while i < n:
            c = b[i]
            if c < 0x80 and (_ASCII_CLASS[c] == C_ALNUM or
                             (ws and _ASCII_CLASS[c] != C_SPACE and c != 10)):
                # a run of ASCII code points that all go into the token (letters and
                # digits; in whitespace mode everything but whitespace): what the
                # general path below does one code point at a time
                j = i + 1
                if ws:
                    while j < n and b[j] < 0x80 and _ASCII_CLASS[b[j]] != C_SPACE \
                            and b[j] != 10:
                        j += 1
                else:
                    while j < n and b[j] < 0x80 and _ASCII_CLASS[b[j]] == C_ALNUM:
                        j += 1
                self.in_line = 1
                run = j - i
                if self.tok_long:
                    self.n_cut_bytes += run
                else:
                    room = self.max_token_bytes - self.tok_len
                    if run > room:
                        self.tok_long = True
                        self.n_long_tokens += 1
                        self.n_cut_bytes += run - room
                    else:
                        room = run
                    for k in range(room):
                        c = b[i + k]
                        if low and c >= 65 and c <= 90:
                            c += 32
                        self.tok[self.tok_len + k] = <char>c
                    self.tok_len += room
                c = b[j - 1]
                if low and c >= 65 and c <= 90:
                    c += 32
                prev = c
                i = j
                continue
            j = _decode(b, i, n, &cp, &bad)
            if bad:
                self.n_invalid_utf8 += 1
            self.in_line = 1
            cls = _classify(cp)
            if cls == C_NEWLINE:
                if self._end_line() < 0:
                    return -1
                prev = 0
                i = j
                continue
            if cls == C_SPACE:
                if self._flush_token() < 0:
                    return -1
                prev = 0
                i = j
                continue
            if self.lowercase:
                cp = Py_UNICODE_TOLOWER(cp)
            if self.mode == MODE_WHITESPACE or cls == C_ALNUM:
                if self._put(cp) < 0:
                    return -1
                prev = cp
                i = j
                continue
            # words modes: a joiner stays inside a token between two alphanumerics
            if cls == C_APOS or cls == C_HYPHEN or cls == C_NUMSEP:
                if self.tok_len > 0 and prev != 0 and j == n and cont:
                    # the next code point is in the next block: decide there
                    self.pend_cp = cp
                    self.pend_cls = cls
                    self.prev = prev
                    return 0
                if self.tok_len > 0 and prev != 0 and j < n:
                    k = _decode(b, j, n, &nxt, &bad2)
                    ncls = _classify(nxt)
                    if ncls == C_ALNUM and (cls != C_NUMSEP or
                                           (Py_UNICODE_ISDIGIT(prev) and Py_UNICODE_ISDIGIT(nxt))):
                        if self._put(self._joiner(cp, cls)) < 0:
                            return -1
                        prev = 0   # a joiner is never followed by another joiner
                        i = j
                        continue
            # a separator: end the token; in words_punct mode it is a token itself
            if self._flush_token() < 0:
                return -1
            if self.mode == MODE_WORDS_PUNCT:
                if self._put(cp) < 0 or self._flush_token() < 0:
                    return -1
            prev = 0
            i = j
        self.prev = prev
        return 0

    cdef _check(self):
        if self.err == E_NOMEM:
            self.err = 0
            raise MemoryError("out of memory while tokenizing")
        if self.err == E_TOOMANY:
            self.err = 0
            raise OverflowError("more than 2**31 - 2 distinct tokens")

    def feed(self, const uint8_t[::1] block, bint line_continues=False):
        """Tokenize a block of UTF-8 text made of whole lines.

        Parameters
        ----------
        block : bytes-like
            UTF-8 text. It should end at a line end or, for a line too long to hold
            in one block, at an ASCII whitespace byte or a code point boundary.
        line_continues : bool
            The last line of the block goes on in the next block: do not end it. A
            token cut by the end of the block goes on as well (one token, whatever
            the block boundaries).
        """
        cdef Py_ssize_t n = block.shape[0]
        cdef int r
        cdef bint cont = line_continues
        if n > 0:
            with nogil:
                r = self._scan(&block[0], n, cont)
            self._check()
        if not line_continues:
            if self.in_line:
                self._end_line()
                self._check()

    def feed_tokens(self, list tokens, Py_ssize_t sentence_index=-1):
        """Add one pre-tokenized sentence (a list of str). Tokens are lowercased when
        asked and must be non-empty and free of whitespace.

        The whole sentence is checked before any token is added: on TypeError or
        ValueError the encoder is left as it was. A lone surrogate (not encodable
        as UTF-8) is read as invalid UTF-8, as in string sentences: U+FFFD, counted.
        """
        cdef Py_ssize_t size, i
        cdef const uint8_t *p
        cdef uint32_t cp
        cdef bint bad
        cdef object t
        cdef list keep = []
        for t in tokens:
            if not isinstance(t, str):
                raise TypeError(f"sentence {sentence_index}: tokens must be str, got "
                                f"{type(t).__name__} ({t!r})")
            p = _token_utf8(t, &size, keep)
            if size == 0:
                raise ValueError(f"sentence {sentence_index}: empty token")
            i = 0
            while i < size:
                i = _decode(p, i, size, &cp, &bad)
                if _classify(cp) == C_SPACE or cp == 10:
                    raise ValueError(f"sentence {sentence_index}: token {t!r} contains "
                                     "whitespace; split it or use a string sentence")
        for t in tokens:
            p = _token_utf8(t, &size, keep)
            i = 0
            while i < size:
                i = _decode(p, i, size, &cp, &bad)
                if bad:
                    self.n_invalid_utf8 += 1
                if self.lowercase:
                    cp = Py_UNICODE_TOLOWER(cp)
                self._put(cp)
            self._flush_token()
            self._check()
        self._end_line()
        self._check()

    def finish(self):
        """End the pending line (input without a final newline)."""
        if self.in_line:
            self._end_line()
            self._check()

    # ---- draining ----------------------------------------------------------

    def take_ids(self):
        """Return (ids int32, sentence_ends int64) produced since the last call."""
        ids = np.empty(self.n_ids, dtype=np.int32)
        ends = np.empty(self.n_ends, dtype=np.int64)
        cdef int32_t[::1] vi = ids
        cdef int64_t[::1] ve = ends
        if self.n_ids:
            memcpy(&vi[0], self.ids, sizeof(int32_t) * self.n_ids)
        if self.n_ends:
            memcpy(&ve[0], self.ends, sizeof(int64_t) * self.n_ends)
        self.n_ids = 0
        self.n_ends = 0
        return ids, ends

    def take_text(self):
        """Return the normalised UTF-8 text produced since the last call (bytes)."""
        out = self.text[:self.n_text]
        self.n_text = 0
        return out

    @property
    def pending_text(self):
        return self.n_text

    def lexicon(self):
        """Return (keys: list of str in id order, counts: int64 array)."""
        cdef int64_t i, n = self.table.n
        counts = np.empty(n, dtype=np.int64)
        cdef int64_t[::1] vc = counts
        keys = [None] * n
        for i in range(n):
            vc[i] = self.table.count[i]
            keys[i] = self.table.arena[self.table.off[i]:self.table.off[i + 1]].decode("utf-8")
        return keys, counts

    @property
    def n_types(self):
        return self.table.n

    def stats(self):
        return {
            "n_lines": self.n_lines,
            "n_sentences": self.n_sentences,
            "n_tokens": self.n_tokens,
            "n_types": self.table.n,
            "n_empty_lines": self.n_empty_lines,
            "n_invalid_utf8": self.n_invalid_utf8,
            "n_split_sentences": self.n_split_sentences,
            "n_long_tokens": self.n_long_tokens,
            "n_cut_bytes": self.n_cut_bytes,
        }



def merge_encoded(list encoders, list parts, int n_threads=1):
    """Join the ids that several encoders made of consecutive pieces of one corpus into
    the ids one encoder would have made of the whole: ids in order of first
    occurrence in the corpus, counts summed.

    Parameters
    ----------
    encoders : list of TextEncoder
        In encode mode; each read some of the pieces, in corpus order.
    parts : list of (int, ndarray of int32, ndarray of int64, int)
        The pieces in corpus order: the index of the encoder that read it, its ids
        (from :meth:`TextEncoder.take_ids`), its sentence ends counted from the start
        of the piece, and the encoder's number of distinct tokens after it.
    n_threads : int, default=1
        Threads translating the ids.

    Returns
    -------
    ids : ndarray of int32
    ends : ndarray of int64
    keys : list of str
    counts : ndarray of int64

    Notes
    -----
    An encoder numbers its tokens in order of first occurrence, so the tokens new to
    it in a piece are the ids ``[types before, types after)``, in the order they
    first occur in the piece; going through the pieces in order and giving a global
    id to each of those not seen before gives the global order of first occurrence
    without reading the tokens. The ids are then translated in one parallel pass.
    """
    cdef nv_strtab table
    cdef TextEncoder enc
    cdef Py_ssize_t n_enc = len(encoders), e, n_parts = len(parts), q
    cdef int64_t total = 0, n_ends = 0, i, x, g, lo, hi, n, base, T = max(1, n_threads)
    cdef int32_t[::1] vmap
    cdef nv_strtab *lt
    for enc in encoders:
        if not enc.encode:
            raise ValueError("merge_encoded takes encoders in encode mode")
    maps = [np.full(max((<TextEncoder>enc).table.n, 1), -1, dtype=np.int32)
            for enc in encoders]
    seen = [0] * n_enc
    starts = np.zeros(n_parts + 1, dtype=np.int64)
    estarts = np.zeros(n_parts + 1, dtype=np.int64)
    for q, part in enumerate(parts):
        e, pid, pend, hi = part
        if e < 0 or e >= n_enc:
            raise ValueError("encoder index out of range")
        if hi < seen[e] or hi > (<TextEncoder>encoders[e]).table.n:
            raise ValueError("the pieces' type counts do not match their encoders")
        seen[e] = hi
        pend_a = np.asarray(pend)
        if len(pend_a) and (pend_a[0] < 0 or pend_a[-1] > len(pid) or
                            bool((np.diff(pend_a) < 0).any())):
            raise ValueError("sentence ends out of their piece")
        total += len(pid)
        n_ends += len(pend)
        starts[q + 1] = total
        estarts[q + 1] = n_ends
    if nv_strtab_init(&table, 1 << 16) < 0:
        nv_strtab_free(&table)
        raise MemoryError("cannot allocate the token table")
    try:
        seen = [0] * n_enc
        for part in parts:                    # global ids, in order of first occurrence
            e, pid, pend, hi = part
            enc = <TextEncoder>encoders[e]
            lt = &enc.table
            vmap = maps[e]
            for x in range(seen[e], hi):
                g = nv_strtab_intern(&table, lt.arena + lt.off[x], lt.off[x + 1] - lt.off[x])
                if g < 0:
                    if g == E_TOOMANY:
                        raise OverflowError("more than 2**31 - 2 distinct tokens")
                    raise MemoryError("cannot grow the token table")
                vmap[x] = <int32_t>g
                table.count[g] += lt.count[x]
            seen[e] = hi
        for e in range(n_enc):                # the types no piece announced
            if seen[e] != (<TextEncoder>encoders[e]).table.n:
                raise ValueError("the pieces' type counts do not match their encoders")
        n = table.n
        counts = np.empty(n, dtype=np.int64)
        keys = [None] * n
        for i in range(n):
            counts[i] = table.count[i]
            keys[i] = table.arena[table.off[i]:table.off[i + 1]].decode("utf-8")
    finally:
        nv_strtab_free(&table)
    ids = np.empty(total, dtype=np.int32)
    ends = np.empty(n_ends, dtype=np.int64)
    for q, part in enumerate(parts):
        e, pid, pend, hi = part
        _translate(pid, maps[e], ids[starts[q]:starts[q + 1]], hi, T)
        np.add(pend, starts[q], out=ends[estarts[q]:estarts[q + 1]])
    return ids, ends, keys, counts


cdef int _translate(const int32_t[::1] src, const int32_t[::1] vmap, int32_t[::1] dst,
                    int64_t n_map, int64_t T) except -1:
    """dst[i] = vmap[src[i]], every src[i] checked to be in [0, n_map)."""
    cdef int64_t i, n = src.shape[0], bad = 0
    if dst.shape[0] != n or n_map > vmap.shape[0]:
        raise ValueError("mismatched piece")
    for i in prange(n, nogil=True, num_threads=T, schedule="static"):
        if src[i] < 0 or src[i] >= n_map:
            bad += 1
        else:
            dst[i] = vmap[src[i]]
    if bad:
        raise ValueError("a token id is not in its encoder's table")
    return 0
