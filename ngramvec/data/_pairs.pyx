# cython: language_level=3
"""Compiled pieces of (word, context) pair sources: the pairs-file parser and the
pair generator of a corpus (word or positional contexts).

``PairsParser`` reads blocks of a pairs file (one ``word context`` a line, the two
fields separated by one space or tab) and interns both fields in two C string tables
(``csrc/nv_strtab.h``), one for words and one for contexts, counting each, and writes
the pair as two raw int32 ids (ids in order of first appearance). The whole parse of a
block runs without the GIL and builds no Python object per line.

``pairs_from_corpus`` turns sentences of an encoded corpus into (row, column) pairs
under a symmetric window, as hyperwords' ``corpus2pairs.py`` does, with word contexts
(column = the context word's row) or positional contexts (column = the context word's
row times ``2 * window`` plus the slot of its offset, see below).
"""
from libc.stdint cimport int32_t, int64_t, uint64_t

import numpy as np

from ngramvec.data._strtab cimport (nv_strtab, nv_strtab_free, nv_strtab_init,
                                    nv_strtab_intern)

cdef extern from "nv_rng.h" nogil:
    uint64_t nv_hash64(uint64_t seed, uint64_t position, uint64_t stream)
    double nv_hash_uniform(uint64_t seed, uint64_t position, uint64_t stream)

# error kinds of PairsParser.feed (the Python side words the messages)
DEF ERR_NONE = 0
DEF ERR_EMPTY_LINE = 1
DEF ERR_ONE_FIELD = 2
DEF ERR_MANY_FIELDS = 3
DEF ERR_EMPTY_FIELD = 4
DEF ERR_NOMEM = 5
DEF ERR_TOO_MANY = 6


cdef inline bint _is_sep(char ch) noexcept nogil:
    return ch == 32 or ch == 9          # one space or one tab


cdef class PairsParser:
    """Streaming parser of a pairs file with its two string tables.

    ``feed(block, out)`` parses whole lines (``block`` ends at a line end, or is the
    last piece of the file) and returns ``(n, kind, line, n_fields)``: the pairs
    written to ``out[:n]`` and, when ``kind`` is not 0, the error of line ``line``
    (0-based within the block; lines before it were parsed) with its field count.
    """
    cdef nv_strtab words, contexts
    cdef bint ok

    def __cinit__(self):
        self.ok = False
        if nv_strtab_init(&self.words, 1 << 16) < 0 or \
                nv_strtab_init(&self.contexts, 1 << 16) < 0:
            nv_strtab_free(&self.words)
            nv_strtab_free(&self.contexts)
            raise MemoryError("cannot allocate the string tables of a pairs file")
        self.ok = True

    def __dealloc__(self):
        if self.ok:
            nv_strtab_free(&self.words)
            nv_strtab_free(&self.contexts)

    def feed(self, const unsigned char[::1] block, int32_t[:, ::1] out):
        cdef int64_t n = block.shape[0], i = 0, a, e, f, k = 0, line = 0
        cdef int64_t sep, nf, cap = out.shape[0]
        cdef int64_t w, c
        cdef int kind = ERR_NONE
        cdef bint empty_field
        cdef const char *p
        if out.shape[1] != 2:
            raise ValueError("out must have shape (n, 2)")
        if n == 0:
            return 0, 0, 0, 0
        p = <const char *>&block[0]
        with nogil:
            while i < n:
                a = i
                while i < n and p[i] != 10:
                    i += 1
                e = i                      # line is p[a:e]; i at '\n' or n
                i += 1
                if e > a and p[e - 1] == 13:
                    e -= 1                 # CRLF
                if e == a:
                    kind = ERR_EMPTY_LINE
                    nf = 0
                    break
                # fields: split at every single separator
                nf = 1
                sep = -1
                empty_field = _is_sep(p[a]) or _is_sep(p[e - 1])
                for f in range(a, e):
                    if _is_sep(p[f]):
                        nf += 1
                        if sep < 0:
                            sep = f
                        if f + 1 < e and _is_sep(p[f + 1]):
                            empty_field = True
                if empty_field:
                    kind = ERR_EMPTY_FIELD
                    break
                if nf != 2:
                    kind = ERR_ONE_FIELD if nf == 1 else ERR_MANY_FIELDS
                    break
                if k >= cap:
                    kind = ERR_NOMEM       # the caller sizes out by the line count
                    break
                w = nv_strtab_intern(&self.words, p + a, sep - a)
                c = nv_strtab_intern(&self.contexts, p + sep + 1, e - sep - 1)
                if w < 0 or c < 0:
                    kind = ERR_TOO_MANY if (w == -3 or c == -3) else ERR_NOMEM
                    break
                self.words.count[w] += 1
                self.contexts.count[c] += 1
                out[k, 0] = <int32_t>w
                out[k, 1] = <int32_t>c
                k += 1
                line += 1
        return k, kind, line, nf

    def table(self, bint contexts):
        """(keys as a list of bytes, counts as int64) of the word or context table."""
        cdef nv_strtab *t = &self.contexts if contexts else &self.words
        cdef int64_t j
        keys = [t.arena[t.off[j]:t.off[j + 1]] for j in range(t.n)]
        counts = np.empty(t.n, dtype=np.int64)
        cdef int64_t[::1] cv = counts
        for j in range(t.n):
            cv[j] = t.count[j]
        return keys, counts

    @property
    def sizes(self):
        """(distinct words, distinct contexts) so far."""
        return self.words.n, self.contexts.n


def pairs_from_corpus(const int32_t[::1] ids, const int64_t[::1] ends, int64_t s0, int64_t s1,
                      const int32_t[::1] row_map, const double[::1] keep, int window,
                      bint dynamic, bint positional, bint drop_oov, bint drop_sub,
                      uint64_t seed,
                      int32_t[:, ::1] out):
    """The (row, column) pairs of sentences [s0, s1) of an encoded corpus.

    Parameters
    ----------
    ids : int32 array, shape (n_tokens,)
        Lexicon ids of the corpus.
    ends : int64 array, shape (n_sentences,)
        Sentence ends.
    s0, s1 : int
        Sentence range.
    row_map : int32 array, shape (n_lexicon,)
        Lexicon id -> vocabulary row, -1 when out of the vocabulary.
    keep : float64 array, shape (n_lexicon,)
        Keep probability of each lexicon id under subsampling (1 keeps all). Token p
        is dropped when ``nv_hash_uniform(seed, p, 0) >= keep`` (the draw of
        :func:`count_cooccurrences`, so both see the same tokens).
    window : int
        Largest offset, >= 1.
    dynamic : bool
        Each centre's window is uniform in [1, window] (``nv_hash64(seed, p, 1)``).
    positional : bool
        Column = ``row * 2 * window + slot``, the slot of offset d being ``d + window``
        for d < 0 and ``d + window - 1`` for d > 0 (offsets -window..-1, 1..window
        map to 0..2*window-1); else column = the context's row.
    drop_oov, drop_sub : bool
        Remove out-of-vocabulary / subsampled tokens before windowing (word2vec;
        hyperwords' ``--del``), else keep them as gaps (hyperwords' default).
    seed : int
    out : int32 array, shape (m, 2)
        m >= 2 * window * (tokens of the range).

    Returns
    -------
    int
        Pairs written to ``out[:n]``, centre-major in corpus order; contexts of one
        centre from left to right.
    """
    cdef int64_t s, a, b, p, n, i, j, lo, hi, k = 0, s_n = ends.shape[0], L
    cdef int64_t n_lex = row_map.shape[0], W2 = 2 * <int64_t>window
    cdef int32_t r, rc
    cdef int win, d
    cdef int bad = 0
    if window < 1:
        raise ValueError("window must be >= 1")
    if keep.shape[0] != n_lex:
        raise ValueError("keep and row_map must have one entry per lexicon id")
    if out.shape[1] != 2:
        raise ValueError("out must have shape (m, 2)")
    if s1 <= s0:
        return 0
    if s0 < 0 or s1 > s_n or ends[s1 - 1] > ids.shape[0]:
        raise ValueError("sentence range out of bounds")
    a = ends[s0 - 1] if s0 > 0 else 0
    L = ends[s1 - 1] - a
    if out.shape[0] < W2 * L:
        raise ValueError("out is too small: it needs 2 * window rows per token")
    rows = np.empty(max(L, 1), dtype=np.int32)
    poss = np.empty(max(L, 1), dtype=np.int64)
    cdef int32_t[::1] R = rows
    cdef int64_t[::1] P = poss
    with nogil:
        for p in range(a, a + L):
            if ids[p] < 0 or ids[p] >= n_lex:
                bad = 1
                break
        if not bad:
            for s in range(s0, s1):
                a = ends[s - 1] if s > 0 else 0
                b = ends[s]
                # 1. the sentence as rows: -1 for gaps, or removed (drop_oov, drop_sub)
                n = 0
                for p in range(a, b):
                    r = row_map[ids[p]]
                    if r < 0:
                        if drop_oov:
                            continue
                    elif nv_hash_uniform(seed, <uint64_t>p, 0) >= keep[ids[p]]:
                        if drop_sub:
                            continue
                        r = -1
                    if r >= 0 and r >= 2147483647 // W2 and positional:
                        bad = 2
                        break
                    R[n] = r
                    P[n] = p
                    n += 1
                if bad:
                    break
                # 2. pairs: centre i, contexts j with 0 < |j - i| <= its window
                for i in range(n):
                    r = R[i]
                    if r < 0:
                        continue
                    win = window
                    if dynamic:
                        win = 1 + <int>(nv_hash64(seed, <uint64_t>P[i], 1) % <uint64_t>window)
                    lo = i - win if i >= win else 0
                    hi = i + win if i + win < n else n - 1
                    for j in range(lo, hi + 1):
                        rc = R[j]
                        if j == i or rc < 0:
                            continue
                        out[k, 0] = r
                        if positional:
                            d = <int>(j - i)
                            out[k, 1] = <int32_t>(rc * W2 + (d + window if d < 0
                                                              else d + window - 1))
                        else:
                            out[k, 1] = rc
                        k += 1
    if bad == 1:
        raise ValueError("a lexicon id of the corpus is out of range of row_map")
    if bad == 2:
        raise ValueError("positional context ids overflow int32: the vocabulary times "
                         "2 * window is 2**31 or more")
    return k
