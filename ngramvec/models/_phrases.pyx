# cython: language_level=3
"""Kernels of :class:`ngramvec.Phrases`: collocation counts, scores and greedy merging.

A *candidate* is what gensim's ``Phrases`` counts besides the words: a word ``a``, the
connector words that follow it (possibly none), and the next word ``b`` that is not a
connector, inside one sentence. It is identified by a *left unit* and ``b``:

* with no connector in between, the left unit of ``a`` is ``a``'s own id;
* otherwise the run of connectors gets a run id (a trie: run ``(prev run, connector)``,
  run 0 being the empty run) and the pair (run, ``a``) a left-unit index ``k``, the left
  unit being ``n_lex + k``.

:class:`GapIndex` holds the two tables and is filled by :func:`phrases_intern_gaps`
(one thread: a pass that looks only at connector positions); :func:`phrases_count_shard`
then counts the (left unit, ``b``) pairs into the bounded-memory accumulator of
:mod:`ngramvec.data.spill` (threads split the left units, so counts are exact and do not
depend on the number of threads). :func:`phrases_select` scores them with gensim's
formulas (:func:`phrases_score` for given arrays), in the same floating-point
operations (and the C library's ``log``, which Python's ``math.log`` calls too), so
that scores are bit-for-bit gensim's, and keeps those above the threshold in the same
pass over the count matrix.

:class:`TokenTable` turns token lists (Python lists of str) into ids with a compiled
string table, reading each token's bytes in place and looking them up in threads.

:class:`PhraseTrie` holds the accepted phrases of one pass (sequences of input units),
and :func:`phrases_apply` merges them greedily, left to right, as gensim's
``analyze_sentence`` does.
"""
from libc.math cimport INFINITY, NAN, isfinite, log
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.list cimport PyList_Check, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_Check
from cpython.unicode cimport (PyUnicode_AsEncodedString, PyUnicode_Check, PyUnicode_DATA,
                              PyUnicode_DecodeUTF8, PyUnicode_GET_LENGTH)
from libc.stdint cimport (INT32_MAX, INT64_MAX, int32_t, int64_t, uint8_t, uint16_t,
                           uint32_t, uint64_t)
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset
from cython.parallel cimport parallel, prange, threadid

import numpy as np

from ngramvec.data._ngrams cimport (PairCounter, longest_sentence, nv_counter,
                                    nv_counter_room, nv_ngram_key, nv_pairtab, nv_pairtab_add,
                                    nv_pairtab_find, nv_pairtab_free, nv_pairtab_init)

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    PyObject **PySequence_Fast_ITEMS(object o)

from ngramvec.data._strtab cimport (nv_strhash, nv_strtab, nv_strtab_find, nv_strtab_free,
                                    nv_strtab_init, nv_strtab_intern)

cdef extern from "nv_pairtab.h" nogil:
    int nv_pairtab_grow(nv_pairtab *t)
    int nv_pairtab_needs_room(const nv_pairtab *t, int64_t extra)

# error codes of the kernels (returned, raised as Python exceptions by the wrappers)
DEF E_NOMEM = -1
# largest table capacity given to nv_pairtab_init (its power-of-two search stops below 2**62)
DEF _MAX_CAP = 1 << 40
DEF E_BAD_ID = -2
DEF E_TOO_MANY = -3

DEF SCORING_DEFAULT = 0
DEF SCORING_NPMI = 1
SCORING = {"default": SCORING_DEFAULT, "npmi": SCORING_NPMI}


cdef inline int _room(nv_pairtab *t) noexcept nogil:
    """Make room for one more key (doubling the table); -1 when out of memory."""
    if nv_pairtab_needs_room(t, 1):
        return nv_pairtab_grow(t)
    return 0


cdef class GapIndex:
    """Ids of the connector runs and of the left units that end with one.

    ``runs``: (previous run id, connector lexicon id) -> run id (1, 2, ...; 0 is the
    empty run). ``lefts``: (run id, word lexicon id) -> left-unit index (0, 1, ...).
    """
    cdef nv_pairtab runs
    cdef nv_pairtab lefts
    cdef readonly int64_t n_runs, n_lefts

    def __cinit__(self):
        if nv_pairtab_init(&self.runs, 1024, _MAX_CAP, 64) < 0 or \
                nv_pairtab_init(&self.lefts, 1024, _MAX_CAP, 64) < 0:
            raise MemoryError("cannot allocate the phrase gap tables")
        self.n_runs = 0
        self.n_lefts = 0

    def __dealloc__(self):
        nv_pairtab_free(&self.runs)
        nv_pairtab_free(&self.lefts)

    def tables(self):
        """(run_prev, run_conn, left_run, left_word): int32 arrays describing every run
        (index r - 1 for run r) and every left unit (index k)."""
        cdef int64_t i
        cdef uint64_t key
        run_prev = np.zeros(self.n_runs, dtype=np.int32)
        run_conn = np.zeros(self.n_runs, dtype=np.int32)
        left_run = np.zeros(self.n_lefts, dtype=np.int32)
        left_word = np.zeros(self.n_lefts, dtype=np.int32)
        cdef int32_t[::1] rp = run_prev, rc = run_conn, lr = left_run, lw = left_word
        cdef int64_t v
        for i in range(self.runs.cap):
            key = self.runs.slots[i].key
            if key != <uint64_t>-1:
                v = self.runs.slots[i].val
                if v < 1 or v > self.n_runs:
                    raise RuntimeError("internal error: run id out of range")
                rp[v - 1] = <int32_t>(key >> 32)
                rc[v - 1] = <int32_t>(key & 0xFFFFFFFF)
        for i in range(self.lefts.cap):
            key = self.lefts.slots[i].key
            if key != <uint64_t>-1:
                v = self.lefts.slots[i].val
                if v < 0 or v >= self.n_lefts:
                    raise RuntimeError("internal error: left unit out of range")
                lr[v] = <int32_t>(key >> 32)
                lw[v] = <int32_t>(key & 0xFFFFFFFF)
        return run_prev, run_conn, left_run, left_word


cdef int64_t _check_corpus(const int32_t[::1] ids, const int64_t[::1] ends,
                           int64_t s0, int64_t s1) except -1:
    if s0 < 0 or s1 > ends.shape[0] or s0 > s1:
        raise ValueError("sentence range out of bounds")
    if s1 > s0:
        e = np.asarray(ends[s0:s1])
        first = ends[s0 - 1] if s0 > 0 else 0
        if first < 0 or ends[s1 - 1] > ids.shape[0] or e[0] < first or \
                (e.shape[0] > 1 and bool((np.diff(e) < 0).any())):
            raise ValueError("sentence ends must be non-decreasing, within [0, len(ids)]")
    return 0


def phrases_intern_gaps(GapIndex gi, const int32_t[::1] ids, const int64_t[::1] ends,
                        const uint8_t[::1] is_conn, int64_t s0, int64_t s1, bint lefts=True,
                        const int32_t[::1] id_map=None):
    """Give ids to the connector runs (and, with ``lefts``, the left units) of
    sentences [s0, s1).

    Parameters
    ----------
    gi : GapIndex
    ids : ndarray of int32, shape (n_tokens,)
        Lexicon ids, each checked to be in [0, len(is_conn)).
    ends : ndarray of int64, shape (n_sentences,)
        One past the last token of each sentence.
    is_conn : ndarray of uint8, shape (n_lex,)
        1 for a connector word.
    s0, s1 : int
        Sentence range.
    lefts : bool, default=True
        Also intern the left units (what :func:`phrases_count_shard` needs;
        :func:`phrases_count_select` needs only the runs).
    id_map : ndarray of int32, optional
        Read ``id_map[ids[i]]`` instead of ``ids[i]`` (each ``ids[i]`` checked to be
        in [0, len(id_map))).

    Returns
    -------
    int
        Connector tokens seen after a word (the gap tokens).

    Raises
    ------
    ValueError
        An id out of range, or sentences out of bounds.
    MemoryError
    OverflowError
        More than 2**31 - 1 runs.
    """
    cdef int64_t s, i, b0, b1, f, n_gap = 0, n_lex = is_conn.shape[0]
    cdef int32_t w, a, r
    cdef int err = 0
    cdef uint64_t key
    cdef int64_t n_map = id_map.shape[0] if id_map is not None else 0
    cdef const int32_t *mp = &id_map[0] if n_map > 0 else NULL
    _check_corpus(ids, ends, s0, s1)
    with nogil:
        for s in range(s0, s1):
            b0 = ends[s - 1] if s > 0 else 0
            b1 = ends[s]
            a = -1
            r = 0
            for i in range(b0, b1):
                w = ids[i]
                if mp != NULL:
                    if w < 0 or w >= n_map:
                        err = E_BAD_ID
                        break
                    w = mp[w]
                if w < 0 or w >= n_lex:
                    err = E_BAD_ID
                    break
                if is_conn[w]:
                    if a >= 0:
                        n_gap += 1
                        key = nv_ngram_key(r, w)
                        f = nv_pairtab_find(&gi.runs, key)
                        if f < 0:
                            if gi.n_runs >= INT32_MAX:
                                err = E_TOO_MANY
                                break
                            if _room(&gi.runs) < 0:
                                err = E_NOMEM
                                break
                            gi.n_runs += 1
                            f = gi.n_runs
                            nv_pairtab_add(&gi.runs, key, f)
                        r = <int32_t>f
                else:
                    if lefts and a >= 0 and r > 0:
                        key = nv_ngram_key(r, a)
                        if nv_pairtab_find(&gi.lefts, key) < 0:
                            if _room(&gi.lefts) < 0:
                                err = E_NOMEM
                                break
                            nv_pairtab_add(&gi.lefts, key, gi.n_lefts)
                            gi.n_lefts += 1
                    a = w
                    r = 0
            if err != 0:
                break
    if err == E_BAD_ID:
        raise ValueError(f"token id out of range [0, {n_lex}) in sentence {s}")
    if err == E_TOO_MANY:
        raise OverflowError("more than 2**31 - 1 distinct runs of connector words")
    if err == E_NOMEM:
        raise MemoryError("cannot grow the phrase gap tables")
    return n_gap


ctypedef struct count_job:
    const nv_pairtab *runs
    const nv_pairtab *lefts
    const int32_t *ids
    const int64_t *ends
    const uint8_t *is_conn
    int64_t n_lex


cdef int _count_thread(const void *job, nv_counter *c, int t, int64_t s1) noexcept nogil:
    """Count the (left unit, word) candidates whose left unit thread t owns."""
    cdef const count_job *jb = <const count_job *>job
    cdef int T = c.n_threads, err
    cdef const int32_t *ids = jb.ids
    cdef const uint8_t *is_conn = jb.is_conn
    cdef int64_t s, i, b0, b1, k, u, found = 0, n_lex = jb.n_lex
    cdef int64_t r
    cdef int32_t w, a
    for s in range(c.next[t], s1):
        b0 = jb.ends[s - 1] if s > 0 else 0
        b1 = jb.ends[s]
        if b1 - b0 < 2:
            continue
        err = nv_counter_room(c, t, b1 - b0)
        if err != 0:
            c.next[t] = s
            c.pairs[t] += found
            return err
        a = -1
        r = 0
        for i in range(b0, b1):
            w = ids[i]
            if w < 0 or w >= n_lex:     # checked by phrases_intern_gaps; never trusted
                a = -1
                continue
            if is_conn[w]:
                if a >= 0 and r >= 0:
                    r = nv_pairtab_find(jb.runs, nv_ngram_key(<int32_t>r, w))
            else:
                if a >= 0 and r >= 0:
                    if r == 0:
                        u = a
                    else:
                        k = nv_pairtab_find(jb.lefts, nv_ngram_key(<int32_t>r, a))
                        u = n_lex + k if k >= 0 else -1
                    if u >= 0 and u % T == t:
                        # the dense block of row u holds its first dense_len[u] columns
                        # (ids are ranked by frequency: the frequent pairs), else the table
                        if w < c.dense_len[u]:
                            c.dense[c.dense_off[u] + w] += 1
                        else:
                            nv_pairtab_add(&c.tabs[t], (<uint64_t>u << c.col_bits) | <uint64_t>w, 1)
                        found += 1
                a = w
                r = 0
    c.next[t] = s1
    c.pairs[t] += found
    return 0


def phrases_count_shard(PairCounter pc, GapIndex gi, const int32_t[::1] ids,
                        const int64_t[::1] ends, const uint8_t[::1] is_conn,
                        int64_t s0, int64_t s1):
    """Count the phrase candidates of sentences [s0, s1) into ``pc``.

    Rows of ``pc`` are left units (``n_lex + gi.n_lefts`` of them), columns lexicon ids
    of the second word. ``gi`` must have been filled by :func:`phrases_intern_gaps` over
    the same sentences (which also checked the ids). Returns the candidates counted.
    """
    cdef count_job jb
    cdef int64_t n_lex = is_conn.shape[0]
    _check_corpus(ids, ends, s0, s1)
    if s1 <= s0:
        return 0
    if pc.n_rows != n_lex + gi.n_lefts or pc.n_cols != n_lex:
        raise ValueError("the counter must have n_lex + n_lefts rows and n_lex columns")
    jb.runs = &gi.runs
    jb.lefts = &gi.lefts
    jb.ids = &ids[0] if ids.shape[0] > 0 else NULL
    jb.ends = &ends[0]
    jb.is_conn = &is_conn[0] if n_lex > 0 else NULL
    jb.n_lex = n_lex
    return pc.count(_count_thread, &jb, s0, s1)


cdef inline double _score(int64_t ca, int64_t cb, int64_t cab, int scoring, int64_t min_count,
                          double len_vocab, double corpus_word_count) noexcept nogil:
    """gensim's ``original_scorer`` / ``npmi_scorer`` (same operations, same order); NaN
    where ``ca * cb`` overflows int64 (the caller then uses exact integers)."""
    cdef double pa, pb, pab, x
    if scoring == SCORING_DEFAULT:
        if ca <= 0 or cb <= 0:
            return -INFINITY
        if ca > INT64_MAX // cb:
            return NAN
        # gensim: (bigram_count - min_count) / float(denom) * len_vocab
        return <double>(cab - min_count) / <double>(ca * cb) * len_vocab
    if cab < min_count:
        return -INFINITY
    pa = <double>ca / corpus_word_count
    pb = <double>cb / corpus_word_count
    pab = <double>cab / corpus_word_count
    x = pab / (pa * pb)
    if not (x > 0.0) or not isfinite(x) or not (pab > 0.0):
        return -INFINITY      # gensim: a ValueError of log, never a phrase
    return log(x) / -log(pab)


def phrases_score(const int64_t[::1] count_a, const int64_t[::1] count_b,
                  const int64_t[::1] count_ab, int scoring, int64_t min_count,
                  double len_vocab, double corpus_word_count, double[::1] out):
    """Score candidates as gensim's ``original_scorer`` / ``npmi_scorer`` do.

    Parameters
    ----------
    count_a, count_b, count_ab : ndarray of int64, shape (n,)
        Counts of the first word, of the last word, of the candidate (all >= 1).
    scoring : int
        SCORING_DEFAULT: ``(count_ab - min_count) / (count_a * count_b) * len_vocab``;
        SCORING_NPMI: ``log(pab / (pa * pb)) / -log(pab)`` with ``p = count /
        corpus_word_count``, ``-inf`` when ``count_ab < min_count``.
    min_count : int
    len_vocab, corpus_word_count : float
    out : ndarray of float64, shape (n,)
        The scores. NaN where ``count_a * count_b`` overflows int64 (the caller
        computes those with exact integers, as Python does).

    Returns
    -------
    int
        The entries left NaN (overflow).
    """
    cdef int64_t i, n = count_a.shape[0], n_over = 0
    if count_b.shape[0] != n or count_ab.shape[0] != n or out.shape[0] != n:
        raise ValueError("the count arrays and out must have the same length")
    if scoring not in (SCORING_DEFAULT, SCORING_NPMI):
        raise ValueError("unknown scoring")
    with nogil:
        for i in range(n):
            out[i] = _score(count_a[i], count_b[i], count_ab[i], scoring, min_count,
                            len_vocab, corpus_word_count)
            if out[i] != out[i]:
                n_over += 1
    return n_over


def phrases_select(const int64_t[::1] indptr, const int32_t[::1] indices,
                   const double[::1] data, const int64_t[::1] counts,
                   const int32_t[::1] left_word, int scoring, int64_t min_count,
                   double len_vocab, double corpus_word_count, double threshold):
    """Score every counted candidate and keep those above ``threshold``, in one pass
    over the count matrix (no array per candidate).

    Parameters
    ----------
    indptr, indices, data : CSR arrays of the candidate counts
        Row: the left unit (a unit ``u < len(counts)``, or ``len(counts) + k`` for the
        left unit ``k`` of the gap index); column: the last unit; data: the count (an
        integer-valued float64).
    counts : ndarray of int64, shape (n_units,)
        Count of each unit.
    left_word : ndarray of int32, shape (n_lefts,)
        First unit of each gapped left unit.
    scoring, min_count, len_vocab, corpus_word_count :
        As :func:`phrases_score`.
    threshold : float
        Kept: score strictly greater.

    Returns
    -------
    rows, first, last, count_ab : ndarray of int64
        The kept candidates (row order), and the candidates whose ``count(a) *
        count(b)`` overflows int64 (after the kept ones, ``n_kept`` of the first),
        for the caller to score with exact integers.
    scores : ndarray of float64
        Scores of the kept ones (NaN for the overflowing ones).
    n_kept : int
    """
    cdef int64_t n_units = counts.shape[0], n_rows = indptr.shape[0] - 1
    cdef int64_t n_lefts = left_word.shape[0], nnz
    cdef int64_t r, j, a, b, cab, n_keep = 0, n_over = 0, k, o
    cdef double x
    cdef int pass_
    if n_rows < 0 or n_rows != n_units + n_lefts:
        raise ValueError("indptr must have n_units + n_lefts + 1 entries")
    nnz = indptr[n_rows]
    if indptr[0] != 0 or nnz > indices.shape[0] or nnz > data.shape[0] or \
            bool((np.diff(np.asarray(indptr)) < 0).any()):
        raise ValueError("indptr must be non-decreasing from 0 to at most len(indices)")
    if n_lefts and (np.asarray(left_word).min() < 0 or np.asarray(left_word).max() >= n_units):
        raise ValueError(f"left_word must be in [0, {n_units})")
    if nnz and (np.asarray(indices[:nnz]).min() < 0 or
                np.asarray(indices[:nnz]).max() >= n_units):
        raise ValueError(f"the columns must be in [0, {n_units})")
    if scoring not in (SCORING_DEFAULT, SCORING_NPMI):
        raise ValueError("unknown scoring")
    rows = first = last = count_ab = scores = None
    cdef int64_t[::1] vr, vf, vl, vc
    cdef double[::1] vs
    for pass_ in range(2):       # count, then fill
        if pass_ == 1:
            rows = np.empty(n_keep + n_over, dtype=np.int64)
            first = np.empty(n_keep + n_over, dtype=np.int64)
            last = np.empty(n_keep + n_over, dtype=np.int64)
            count_ab = np.empty(n_keep + n_over, dtype=np.int64)
            scores = np.empty(n_keep + n_over, dtype=np.float64)
            vr, vf, vl, vc, vs = rows, first, last, count_ab, scores
        k = 0
        o = n_keep if pass_ == 1 else 0
        with nogil:
            for r in range(n_rows):
                a = r if r < n_units else left_word[r - n_units]
                for j in range(indptr[r], indptr[r + 1]):
                    b = indices[j]
                    cab = <int64_t>data[j]
                    x = _score(counts[a], counts[b], cab, scoring, min_count, len_vocab,
                               corpus_word_count)
                    if x > threshold:
                        if pass_ == 1 and k < n_keep:
                            vr[k] = r
                            vf[k] = a
                            vl[k] = b
                            vc[k] = cab
                            vs[k] = x
                        k += 1
                    elif x != x:
                        if pass_ == 1 and o < n_keep + n_over:
                            vr[o] = r
                            vf[o] = a
                            vl[o] = b
                            vc[o] = cab
                            vs[o] = x
                        o += 1
        if pass_ == 0:
            n_keep = k
            n_over = o
        elif k != n_keep or o != n_keep + n_over:
            raise RuntimeError("internal error: the two passes over the candidates differ")
    return rows, first, last, count_ab, scores, n_keep


# ---------------------------------------------------------------- partitioned counting

cdef inline uint64_t _mix(uint64_t key) noexcept nogil:
    return key * <uint64_t>0x9E3779B97F4A7C15ULL


cdef inline int _bits(int64_t x) noexcept nogil:
    """Bits needed to write the integers 0..x (x >= 0): 0 for x == 0."""
    cdef int b = 0
    while b < 63 and (<int64_t>1 << b) <= x:
        b += 1
    return b


def phrases_key_bits(int64_t n_units, int64_t n_runs):
    """Bits of the candidate keys of :func:`phrases_count_select` (run, first unit,
    last unit packed in one integer): it needs at most 63."""
    cdef int cb = max(1, _bits(n_units - 1)) if n_units > 0 else 1
    return _bits(n_runs) + 2 * cb


def phrases_count_select(const int32_t[::1] ids, const int64_t[::1] ends,
                         const uint8_t[::1] is_conn, GapIndex gi,
                         const int64_t[::1] counts, int scoring, int64_t min_count,
                         int64_t n_words, double corpus_word_count, double threshold,
                         int n_threads, int part_bits, const int32_t[::1] id_map=None):
    """Count every candidate of the corpus, score them and keep the phrases, in memory.

    The candidates are packed into 64-bit keys ``run << 2c | first << c | last``
    (``c`` bits a unit; ``run`` the connector run of :class:`GapIndex`, 0 for none),
    partitioned by hash (``2**part_bits`` partitions, each small enough for its hash
    table to stay in the processor's cache) and counted one partition at a time: no
    large table, no sort, no merge. Counts are exact and do not depend on the number
    of threads.

    Parameters
    ----------
    ids : ndarray of int32, shape (n_tokens,)
        Units, each checked to be in [0, len(is_conn)).
    ends : ndarray of int64, shape (n_sentences,)
    is_conn : ndarray of uint8, shape (n_units,)
    gi : GapIndex
        Its runs filled by :func:`phrases_intern_gaps` over the whole corpus (the
        left units are not used).
    counts : ndarray of int64, shape (n_units,)
    scoring, min_count, corpus_word_count, threshold :
        As :func:`phrases_select`.
    n_words : int
        Distinct units that are not connectors; ``len_vocab`` is ``n_words`` plus
        the number of distinct candidates (gensim's ``len(vocab)``).
    n_threads : int
    part_bits : int
        In [1, 16].
    id_map : ndarray of int32, optional
        Read ``id_map[ids[i]]`` instead of ``ids[i]`` (each ``ids[i]`` checked to be
        in [0, len(id_map))): the ids need not be translated beforehand.

    Returns
    -------
    n_candidates : int
        Distinct candidates.
    run, first, last, count_ab : ndarray of int64
        The kept candidates (score above ``threshold``) and those whose ``count(a) *
        count(b)`` overflows int64 (score NaN: the caller scores them with exact
        integers), in no particular order.
    scores : ndarray of float64

    Raises
    ------
    ValueError
        Arrays of mismatched sizes, a unit out of range (the message names the
        sentence), bad sentence ends.
    OverflowError
        The keys need more than 63 bits (see :func:`phrases_key_bits`).
    MemoryError
    """
    cdef int64_t n_units = is_conn.shape[0], S = ends.shape[0], n_tok
    cdef int T = n_threads, P, pb = part_bits, cb, t, tbits, tb, pshift
    cdef int64_t p, i, j, s, b0, b1, k, m, nu, occ, cap, slot, cab, first_tok
    cdef int64_t max_occ = 0, n_keys = 0, total_unique = 0, n_kept = 0, n_out
    cdef int32_t w, a
    cdef int64_t r
    cdef uint64_t key, h, cmask, EMPTY = <uint64_t>-1
    cdef uint64_t *tab
    cdef double len_vocab, x
    if counts.shape[0] != n_units:
        raise ValueError("counts and is_conn must have one entry per unit")
    if T < 1:
        raise ValueError("n_threads must be at least 1")
    if pb < 1 or pb > 16:
        raise ValueError("part_bits must be in [1, 16]")
    if scoring not in (SCORING_DEFAULT, SCORING_NPMI):
        raise ValueError("unknown scoring")
    _check_corpus(ids, ends, 0, S)
    if phrases_key_bits(n_units, gi.n_runs) > 63:
        raise OverflowError("too many units and connector runs to pack a candidate in "
                            "63 bits")
    cb = max(1, _bits(n_units - 1)) if n_units > 0 else 1
    cmask = (<uint64_t>1 << cb) - 1
    P = 1 << pb
    pshift = 64 - pb
    n_tok = ends[S - 1] if S > 0 else 0
    # thread t takes the sentences [sb[t], sb[t + 1]), about n_tok / T tokens
    sb_a = np.searchsorted(np.asarray(ends), (np.arange(T + 1, dtype=np.int64) * n_tok) // T,
                           side="right").astype(np.int64)
    sb_a[0] = 0
    sb_a[T] = S
    sb_a = np.maximum.accumulate(sb_a)
    cdef int64_t[::1] sb = sb_a
    keys_a = np.empty(max(n_tok, 1), dtype=np.uint64)
    cdef uint64_t[::1] keys = keys_a
    hist_a = np.zeros((T, P), dtype=np.int64)
    cdef int64_t[:, ::1] hist = hist_a
    nk_a = np.zeros(T, dtype=np.int64)
    cdef int64_t[::1] nk = nk_a
    bad_a = np.full(T, -1, dtype=np.int64)
    cdef int64_t[::1] bad = bad_a
    cdef const nv_pairtab *runs = &gi.runs
    cdef const int32_t *vid = &ids[0] if ids.shape[0] > 0 else NULL
    cdef const int64_t *ve = &ends[0] if S > 0 else NULL
    cdef const uint8_t *vc = &is_conn[0] if n_units > 0 else NULL
    cdef int64_t n_map = id_map.shape[0] if id_map is not None else 0
    cdef const int32_t *mp = &id_map[0] if n_map > 0 else NULL
    # 1. the keys of each thread's sentences, and their partition histogram
    for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
        first_tok = ve[sb[t] - 1] if sb[t] > 0 else 0
        k = first_tok
        for s in range(sb[t], sb[t + 1]):
            b0 = ve[s - 1] if s > 0 else 0
            b1 = ve[s]
            a = -1
            r = 0
            for i in range(b0, b1):
                w = vid[i]
                if mp != NULL:
                    if w < 0 or w >= n_map:
                        bad[t] = s
                        break
                    w = mp[w]
                if w < 0 or w >= n_units:
                    bad[t] = s
                    break
                if vc[w]:
                    if a >= 0 and r >= 0:
                        r = nv_pairtab_find(runs, nv_ngram_key(<int32_t>r, w))
                else:
                    if a >= 0 and r >= 0:
                        key = (<uint64_t>r << (2 * cb)) | (<uint64_t>a << cb) | <uint64_t>w
                        keys[k] = key
                        k = k + 1
                        hist[t, _mix(key) >> pshift] += 1
                    a = w
                    r = 0
            if bad[t] >= 0:
                break
        nk[t] = k - first_tok
    for t in range(T):
        if bad[t] >= 0:
            raise ValueError(f"token id out of range [0, {n_units}) in sentence {bad[t]}")
        n_keys += nk[t]
    # 2. where each thread writes each partition
    tot_a = hist_a.sum(axis=0)
    start_a = np.zeros(P + 1, dtype=np.int64)
    np.cumsum(tot_a, out=start_a[1:])
    woff_a = start_a[:P][None, :] + np.cumsum(hist_a, axis=0) - hist_a
    woff_a = np.ascontiguousarray(woff_a, dtype=np.int64)
    cdef int64_t[:, ::1] woff = woff_a
    cdef int64_t[::1] start = start_a
    max_occ = int(tot_a.max()) if P > 0 else 0
    out_a = np.empty(max(n_keys, 1), dtype=np.uint64)
    cdef uint64_t[::1] out = out_a
    # 3. scatter the keys to their partitions
    for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
        first_tok = ve[sb[t] - 1] if sb[t] > 0 else 0
        for i in range(first_tok, first_tok + nk[t]):
            key = keys[i]
            p = <int64_t>(_mix(key) >> pshift)
            out[woff[t, p]] = key
            woff[t, p] += 1
    # 4. count each partition in a table of at least twice its keys; the candidates
    #    that can score above the threshold (count > min_count for the default score,
    #    >= min_count for npmi) go back to its slice: key in `keys`, count in `out`
    tbits = 4
    while (<int64_t>1 << tbits) < 2 * max_occ:
        tbits += 1
    cdef int64_t tab_cap = <int64_t>1 << tbits
    uniq_a = np.zeros(P, dtype=np.int64)
    kept_a = np.zeros(P, dtype=np.int64)
    cdef int64_t[::1] uniq = uniq_a, kept = kept_a
    nomem_a = np.zeros(T, dtype=np.uint8)
    cdef uint8_t[::1] nomem = nomem_a
    with nogil, parallel(num_threads=T):
        tab = <uint64_t *>malloc(sizeof(uint64_t) * 2 * tab_cap)
        if tab == NULL:
            nomem[threadid()] = 1
        for p in prange(P, schedule="dynamic", chunksize=4):
            if tab == NULL:
                continue
            occ = start[p + 1] - start[p]
            if occ == 0:
                continue
            tb = 4
            while (<int64_t>1 << tb) < 2 * occ:
                tb = tb + 1
            cap = <int64_t>1 << tb
            memset(tab, 0xFF, sizeof(uint64_t) * 2 * cap)
            nu = 0
            for j in range(start[p], start[p + 1]):
                key = out[j]
                slot = <int64_t>((_mix(key) << pb) >> (64 - tb))
                while True:
                    if tab[2 * slot] == key:
                        tab[2 * slot + 1] += 1
                        break
                    if tab[2 * slot] == EMPTY:
                        tab[2 * slot] = key
                        tab[2 * slot + 1] = 1
                        nu = nu + 1
                        break
                    slot = (slot + 1) & (cap - 1)
            m = 0
            for slot in range(cap):
                if tab[2 * slot] != EMPTY:
                    cab = <int64_t>tab[2 * slot + 1]
                    if cab > min_count or (scoring == SCORING_NPMI and cab == min_count):
                        keys[start[p] + m] = tab[2 * slot]
                        out[start[p] + m] = <uint64_t>cab
                        m = m + 1
            uniq[p] = nu
            kept[p] = m
        free(tab)
    if nomem_a.any():
        raise MemoryError("cannot allocate the phrase counting tables")
    total_unique = int(uniq_a.sum())
    n_out = int(kept_a.sum())
    # 5. score the kept candidates (len_vocab is known now)
    len_vocab = <double>(n_words + total_unique)
    run_o = np.empty(n_out, dtype=np.int64)
    first_o = np.empty(n_out, dtype=np.int64)
    last_o = np.empty(n_out, dtype=np.int64)
    cab_o = np.empty(n_out, dtype=np.int64)
    sc_o = np.empty(n_out, dtype=np.float64)
    cdef int64_t[::1] vr = run_o, vf = first_o, vl = last_o, vk = cab_o
    cdef double[::1] vs = sc_o
    cdef const int64_t *vcount = &counts[0] if n_units > 0 else NULL
    with nogil:
        for p in range(P):
            for j in range(start[p], start[p] + kept[p]):
                key = keys[j]
                cab = <int64_t>out[j]
                w = <int32_t>(key & cmask)
                a = <int32_t>((key >> cb) & cmask)
                x = _score(vcount[a], vcount[w], cab, scoring, min_count, len_vocab,
                           corpus_word_count)
                if x > threshold or x != x:
                    vr[n_kept] = <int64_t>(key >> (2 * cb))
                    vf[n_kept] = a
                    vl[n_kept] = w
                    vk[n_kept] = cab
                    vs[n_kept] = x
                    n_kept += 1
    return (total_unique, run_o[:n_kept].copy(), first_o[:n_kept].copy(),
            last_o[:n_kept].copy(), cab_o[:n_kept].copy(), sc_o[:n_kept].copy())


cdef class PhraseTrie:
    """The accepted phrases of one pass, as a trie over its input units.

    Parameters
    ----------
    units : ndarray of int32
        The phrases' input units back to back; each in [0, n_units).
    offsets : ndarray of int64, shape (n_phrases + 1,)
        Phrase p is ``units[offsets[p]:offsets[p + 1]]`` (at least 2 units).
    out_ids : ndarray of int32, shape (n_phrases,)
        The output unit of each phrase.
    is_conn : ndarray of uint8, shape (n_units,)
        1 for the input units that are connector words.

    Notes
    -----
    The node of a one-unit prefix is the unit itself; longer prefixes get nodes
    ``n_units, n_units + 1, ...``; the table maps (node, next unit) to a node.
    """
    cdef nv_pairtab tab
    cdef int32_t[::1] accept
    cdef const uint8_t[::1] conn
    cdef readonly int64_t n_units, n_nodes, n_phrases

    def __cinit__(self, const int32_t[::1] units, const int64_t[::1] offsets,
                  const int32_t[::1] out_ids, const uint8_t[::1] is_conn):
        cdef int64_t p, j, n_p = out_ids.shape[0], node, f
        cdef int64_t n_units = is_conn.shape[0]
        cdef uint64_t key
        if offsets.shape[0] != n_p + 1 or offsets[0] != 0 or offsets[n_p] != units.shape[0]:
            raise ValueError("offsets must have n_phrases + 1 entries from 0 to len(units)")
        for p in range(n_p):
            if offsets[p + 1] - offsets[p] < 2:
                raise ValueError(f"phrase {p} has fewer than 2 units")
        if units.shape[0] and (np.asarray(units).min() < 0 or np.asarray(units).max() >= n_units):
            raise ValueError(f"phrase units must be in [0, {n_units})")
        if n_units + units.shape[0] >= INT32_MAX:
            raise OverflowError("too many phrase units")
        self.n_units = n_units
        self.n_phrases = n_p
        self.conn = is_conn
        if nv_pairtab_init(&self.tab, 2 * units.shape[0] + 16, _MAX_CAP, 64) < 0:
            raise MemoryError("cannot allocate the phrase trie")
        acc = np.full(max(units.shape[0], 1), -1, dtype=np.int32)
        self.accept = acc
        self.n_nodes = 0
        for p in range(n_p):
            node = units[offsets[p]]
            for j in range(offsets[p] + 1, offsets[p + 1]):
                key = nv_ngram_key(<int32_t>node, units[j])
                f = nv_pairtab_find(&self.tab, key)
                if f < 0:
                    if _room(&self.tab) < 0:
                        raise MemoryError("cannot grow the phrase trie")
                    f = n_units + self.n_nodes
                    self.n_nodes += 1
                    nv_pairtab_add(&self.tab, key, f)
                node = f
            self.accept[node - n_units] = out_ids[p]

    def __dealloc__(self):
        nv_pairtab_free(&self.tab)


cdef inline int32_t _match(const nv_pairtab *tab, const int32_t *accept, int64_t n_units,
                           const int32_t *units, int64_t a, int64_t b) noexcept nogil:
    """Output unit of the phrase units[a..b] (inclusive), or -1."""
    cdef int64_t node = units[a], j
    if node < 0:
        return -1
    for j in range(a + 1, b + 1):
        if units[j] < 0:
            return -1
        node = nv_pairtab_find(tab, nv_ngram_key(<int32_t>node, units[j]))
        if node < 0:
            return -1
    if node < n_units:
        return -1
    return accept[node - n_units]


def phrases_apply(PhraseTrie trie, const int32_t[::1] units, const int64_t[::1] starts,
                  const int64_t[::1] ends, int32_t[::1] out_units, int64_t[::1] out_starts,
                  int64_t[::1] out_ends):
    """Merge the phrases of ``trie`` in each sentence, greedily from the left.

    As gensim's ``analyze_sentence``: a word opens a candidate; connector words after it
    wait; the next word either closes a phrase (the whole span becomes one output unit
    and the next candidate starts after it) or, if the span is not a phrase, the opening
    word and the connectors are kept as they are and the candidate restarts at this word.

    Parameters
    ----------
    trie : PhraseTrie
    units : ndarray of int32, shape (n,)
        Input units in [0, trie.n_units), or -1 (a unit the model does not know, not a
        connector) or -2 (an unknown connector word).
    starts : ndarray of int64, shape (n,)
        A position carried along with each unit (a merged unit gets its first's).
    ends : ndarray of int64, shape (n_sentences,)
    out_units, out_starts : ndarray, shape (n,)
    out_ends : ndarray of int64, shape (n_sentences,)

    Returns
    -------
    int
        Output units written.
    """
    cdef int64_t n = units.shape[0], S = ends.shape[0], s, j, x, b0, b1, st, k = 0
    cdef int64_t n_units = trie.n_units
    cdef int32_t u, got
    cdef bint conn
    cdef int err = 0
    cdef const nv_pairtab *tab = &trie.tab
    cdef const int32_t *accept = &trie.accept[0]
    cdef const uint8_t *is_conn = &trie.conn[0] if n_units > 0 else NULL
    if starts.shape[0] != n or out_units.shape[0] < n or out_starts.shape[0] < n \
            or out_ends.shape[0] != S:
        raise ValueError("starts and the outputs must be as long as units and ends")
    _check_corpus(units, ends, 0, S)
    if n == 0:
        for s in range(S):
            out_ends[s] = 0
        return 0
    with nogil:
        for s in range(S):
            b0 = ends[s - 1] if s > 0 else 0
            b1 = ends[s]
            st = -1
            for j in range(b0, b1):
                u = units[j]
                if u < -2 or u >= n_units:
                    err = E_BAD_ID
                    break
                conn = u == -2 or (u >= 0 and is_conn[u])
                if conn:
                    if st < 0:
                        out_units[k] = u
                        out_starts[k] = starts[j]
                        k += 1
                    continue
                if st >= 0:
                    got = _match(tab, accept, n_units, &units[0], st, j)
                    if got >= 0:
                        out_units[k] = got
                        out_starts[k] = starts[st]
                        k += 1
                        st = -1
                        continue
                    for x in range(st, j):
                        out_units[k] = units[x]
                        out_starts[k] = starts[x]
                        k += 1
                st = j
            if err != 0:
                break
            if st >= 0:
                for x in range(st, b1):
                    out_units[k] = units[x]
                    out_starts[k] = starts[x]
                    k += 1
            out_ends[s] = k
    if err != 0:
        raise ValueError(f"unit out of range [-2, {n_units}) in sentence {s}")
    return k


cdef extern from *:
    """
    #if PY_VERSION_HEX >= 0x030C0000
    #define NV_STR_READY(o) 1
    #else
    #define NV_STR_READY(o) PyUnicode_IS_READY(o)
    #endif
    """
    # reads of a str's fields only (no reference count, no allocation): callable from
    # the threads of TokenTable.encode while its own thread holds the GIL
    bint _str_check "PyUnicode_Check"(PyObject *o) nogil
    bint _str_ready "NV_STR_READY"(PyObject *o) nogil
    bint _str_ascii "PyUnicode_IS_ASCII"(PyObject *o) nogil
    int _str_kind "PyUnicode_KIND"(PyObject *o) nogil
    void *_str_data "PyUnicode_DATA"(PyObject *o) nogil
    Py_ssize_t _str_len "PyUnicode_GET_LENGTH"(PyObject *o) nogil

# non-ASCII tokens of at most this many code points are encoded on the stack by the
# threads; longer ones (and anything but a ready str) go the serial way
DEF _SHORT = 64
DEF _TOK_SLOW = -2
DEF _TOK_MISS = -1


cdef inline Py_ssize_t _tok_utf8(PyObject *tok, char *buf, const char **data) noexcept nogil:
    """The UTF-8 bytes (``surrogatepass``) of a str token without the Python API: in
    place for an ASCII str, else encoded into ``buf`` (4 * _SHORT bytes). Returns their
    length, or _TOK_SLOW for what the serial path must take: not a str, a str not
    ready, empty, or non-ASCII and longer than _SHORT code points."""
    cdef Py_ssize_t n, i, k = 0
    cdef uint32_t c
    cdef int kind
    cdef const void *d
    if not _str_check(tok) or not _str_ready(tok):
        return _TOK_SLOW
    n = _str_len(tok)
    if n == 0:
        return _TOK_SLOW
    if _str_ascii(tok):
        data[0] = <const char *>_str_data(tok)
        return n
    if n > _SHORT:
        return _TOK_SLOW
    kind = _str_kind(tok)
    d = _str_data(tok)
    for i in range(n):
        if kind == 1:
            c = (<const uint8_t *>d)[i]
        elif kind == 2:
            c = (<const uint16_t *>d)[i]
        else:
            c = (<const uint32_t *>d)[i]
        if c < 0x80:
            buf[k] = <char>c
            k += 1
        elif c < 0x800:
            buf[k] = <char>(0xC0 | (c >> 6))
            buf[k + 1] = <char>(0x80 | (c & 0x3F))
            k += 2
        elif c < 0x10000:       # surrogates too, as "surrogatepass" encodes them
            buf[k] = <char>(0xE0 | (c >> 12))
            buf[k + 1] = <char>(0x80 | ((c >> 6) & 0x3F))
            buf[k + 2] = <char>(0x80 | (c & 0x3F))
            k += 3
        else:
            buf[k] = <char>(0xF0 | (c >> 18))
            buf[k + 1] = <char>(0x80 | ((c >> 12) & 0x3F))
            buf[k + 2] = <char>(0x80 | ((c >> 6) & 0x3F))
            buf[k + 3] = <char>(0x80 | (c & 0x3F))
            k += 4
    data[0] = buf
    return k


cdef inline int64_t _tok_intern(nv_strtab *tab, PyObject *tok) noexcept nogil:
    """nv_strtab_intern of the token (a token _tok_find_range did not call slow)."""
    cdef char buf[4 * _SHORT]
    cdef const char *data = NULL
    cdef Py_ssize_t n = _tok_utf8(tok, buf, &data)
    if n < 0:
        return -4
    return nv_strtab_intern(tab, data, n)


cdef extern from *:
    void _prefetch "__builtin_prefetch"(const void *p) nogil

# how far ahead the lookups of _tok_find_block prefetch: the str objects, then the slots
DEF _AHEAD_STR = 16
DEF _AHEAD_SLOT = 8


cdef void _tok_find_block(const nv_strtab *tab, PyObject **toks, int32_t *out, Py_ssize_t a,
                          Py_ssize_t b) noexcept nogil:
    """out[i] = the id of toks[i] in the table, _TOK_MISS when absent, _TOK_SLOW (see
    _tok_utf8), for i in [a, b). A pipeline: the str objects are prefetched
    _AHEAD_STR tokens ahead, their bytes hashed and their first slot prefetched
    _AHEAD_SLOT tokens ahead, so that the memory reads of several tokens overlap."""
    cdef char bufs[_AHEAD_SLOT][4 * _SHORT]
    cdef const char *datas[_AHEAD_SLOT]
    cdef Py_ssize_t lens[_AHEAD_SLOT]
    cdef uint64_t hs[_AHEAD_SLOT]
    cdef uint64_t mask = <uint64_t>tab.cap - 1
    cdef Py_ssize_t i, t, n
    cdef int j
    cdef int64_t got
    cdef const char *p
    for i in range(a, b + _AHEAD_SLOT):
        j = <int>(i % _AHEAD_SLOT)
        t = i - _AHEAD_SLOT
        if t >= a:              # the token hashed _AHEAD_SLOT steps ago: its slot is near
            if lens[j] < 0:
                out[t] = _TOK_SLOW
            else:
                got = nv_strtab_find(tab, datas[j], lens[j], hs[j])
                out[t] = <int32_t>got if got >= 0 else _TOK_MISS
        if i + _AHEAD_STR < b:
            p = <const char *>toks[i + _AHEAD_STR]
            _prefetch(p)
            _prefetch(p + 64)
        if i < b:
            n = _tok_utf8(toks[i], bufs[j], &datas[j])
            lens[j] = n
            if n >= 0:
                hs[j] = nv_strhash(datas[j], n)
                _prefetch(&tab.slots[hs[j] & mask])


cdef void _tok_find_range(const nv_strtab *tab, PyObject **toks, int32_t *out, Py_ssize_t a,
                          Py_ssize_t b, int T) noexcept nogil:
    """_tok_find_block over [a, b) in T threads (a block each). Called with the GIL
    held (it is not released: no other Python thread can change the sentences while
    the threads read their strs)."""
    cdef Py_ssize_t t, n = b - a
    if T <= 1 or n < 128:
        _tok_find_block(tab, toks, out, a, b)
        return
    for t in prange(T, num_threads=T, schedule="static", chunksize=1):
        _tok_find_block(tab, toks, out, a + n * t // T, a + n * (t + 1) // T)


cdef class TokenTable:
    """Token lists to ids without a Python object per token: the distinct tokens and
    their counts in a compiled string table (ids in order of first occurrence).

    A token is looked up by its UTF-8 bytes (``surrogatepass``: every str has one
    encoding and no two strs share one), read in place for ASCII strs and encoded
    without the Python API for short non-ASCII ones, so no Python object is created,
    hashed or compared per token; only the distinct tokens become Python strs
    (:meth:`keys`).

    :meth:`encode` looks the tokens up in threads (the table read only), then gives
    the tokens it lacks their ids in one thread, in corpus order: the ids are those
    one thread interning token after token gives.
    """
    cdef nv_strtab tab
    cdef readonly int64_t n_tokens
    cdef Py_ssize_t _chunk

    def __cinit__(self):
        if nv_strtab_init(&self.tab, 1 << 16) < 0:
            nv_strtab_free(&self.tab)
            raise MemoryError("cannot allocate the token table")
        self.n_tokens = 0
        self._chunk = 1 << 14

    def __dealloc__(self):
        nv_strtab_free(&self.tab)

    @property
    def n_types(self):
        return self.tab.n

    def encode(self, list sentences, Py_ssize_t first=0, int n_threads=1):
        """Ids of the tokens of ``sentences``, new tokens numbered in order.

        Parameters
        ----------
        sentences : list
            Each a list or tuple of str tokens (non-empty).
        first : int
            Index of the first sentence in the corpus (for messages).
        n_threads : int
            Threads looking the tokens up (the ids do not depend on it).

        Returns
        -------
        ids : ndarray of int32, shape (n_tokens,)
            Sentence after sentence.
        lengths : ndarray of int64, shape (len(sentences),)

        Raises
        ------
        TypeError
            A sentence that is not a list or tuple (a str included), or a token that
            is not a str.
        ValueError
            An empty token.
        OverflowError
            More than 2**31 - 1 distinct tokens.
        """
        cdef Py_ssize_t i, n, k, a, b, n_s = len(sentences), total = 0
        cdef PyObject *sent
        cdef PyObject **toks
        cdef int64_t got
        cdef int32_t v
        cdef int T = max(1, n_threads)
        cdef bint slow = False
        for i in range(n_s):
            sent = PyList_GET_ITEM(sentences, i)
            if not (PyList_Check(<object>sent) or PyTuple_Check(<object>sent)):
                raise TypeError(f"sentence {first + i} of the corpus is a "
                                f"{type(<object>sent).__name__}; Phrases.fit takes sentences "
                                "as lists of str tokens (or a Corpus, or a path)")
            total += PySequence_Fast_GET_SIZE(<object>sent)
        ids = np.empty(total, dtype=np.int32)
        lengths = np.empty(n_s, dtype=np.int64)
        cdef int32_t[::1] vo = ids
        cdef int64_t[::1] vl = lengths
        cdef int32_t *o = &vo[0] if total > 0 else NULL
        cdef int64_t *cnt
        toks = <PyObject **>malloc(sizeof(PyObject *) * max(total, 1))
        if toks == NULL:
            raise MemoryError("cannot allocate the token pointers")
        try:
            # The token pointers, gathered after the last allocation of a Python object
            # (which could run a collection, and a finalizer changing the lists): from
            # here to the end of the threads' lookups and the interning of the new
            # tokens nothing allocates one, and the GIL stays held, so the strs stay
            # alive and unchanged (their lists hold them).
            k = 0
            for i in range(n_s):
                if i >= PyList_GET_SIZE(sentences):
                    raise RuntimeError("the list of sentences changed while it was encoded")
                sent = PyList_GET_ITEM(sentences, i)
                if not (PyList_Check(<object>sent) or PyTuple_Check(<object>sent)):
                    raise RuntimeError("the list of sentences changed while it was encoded")
                n = PySequence_Fast_GET_SIZE(<object>sent)
                if n > total - k:
                    raise RuntimeError("the list of sentences changed while it was encoded")
                if n > 0:
                    memcpy(&toks[k], PySequence_Fast_ITEMS(<object>sent),
                           sizeof(PyObject *) * n)
                vl[i] = n
                k += n
            if k != total:
                raise RuntimeError("the list of sentences changed while it was encoded")
            cnt = self.tab.count
            a = 0
            while a < total and not slow:
                # chunks that grow while the table fills (most tokens of the first
                # ones are new, and new tokens are interned in one thread)
                b = min(total, a + self._chunk)
                _tok_find_range(&self.tab, toks, o, a, b, T)
                for i in range(a, b):
                    v = o[i]
                    if v == _TOK_MISS:
                        got = _tok_intern(&self.tab, toks[i])
                        if got < 0:
                            if got == -3:
                                raise OverflowError("more than 2**31 - 1 distinct tokens")
                            raise MemoryError("cannot grow the token table")
                        cnt = self.tab.count        # moved when the table grew
                        v = <int32_t>got
                        o[i] = v
                    elif v == _TOK_SLOW:       # the tokens before it are counted
                        for k in range(i):
                            cnt[o[k]] -= 1
                        slow = True
                        break
                    cnt[v] += 1
                a = b
                if self._chunk < (1 << 20):
                    self._chunk *= 2
        finally:
            free(toks)
        if slow:      # a token the threads cannot read: all of them one at a time
            self._encode_serial(sentences, o, total)
        self.n_tokens += total
        return ids, lengths

    cdef _encode_serial(self, list sentences, int32_t *o, Py_ssize_t total):
        """The ids and counts of the tokens, one token at a time with the Python API
        (any str, and the errors for what is not one)."""
        cdef Py_ssize_t i, j, n, k = 0, n_s = len(sentences)
        cdef Py_ssize_t size
        cdef PyObject *tok
        cdef PyObject **items
        cdef const char *data
        cdef int64_t got
        cdef object b, so
        for i in range(n_s):
            # Only the rare non-ASCII token allocates (a collector run could then run a
            # finalizer that changes the lists): the sentence is held, its items and
            # sizes are read again after it, and every size is checked.
            if i >= PyList_GET_SIZE(sentences):
                raise RuntimeError("the list of sentences changed while it was encoded")
            so = <object>PyList_GET_ITEM(sentences, i)
            if not (PyList_Check(so) or PyTuple_Check(so)):
                raise RuntimeError("the list of sentences changed while it was encoded")
            n = PySequence_Fast_GET_SIZE(so)
            items = PySequence_Fast_ITEMS(so)
            if n > total - k:
                raise RuntimeError("the list of sentences changed while it was encoded")
            j = 0
            while j < n:
                tok = items[j]
                if not PyUnicode_Check(<object>tok):
                    raise TypeError(f"the corpus holds the token {<object>tok!r} "
                                    f"({type(<object>tok).__name__}): tokens must be str")
                if PyUnicode_IS_COMPACT_ASCII(<object>tok):   # its bytes are its UTF-8
                    data = <const char *>PyUnicode_DATA(<object>tok)
                    size = PyUnicode_GET_LENGTH(<object>tok)
                else:
                    b = PyUnicode_AsEncodedString(<object>tok, "utf-8", "surrogatepass")
                    data = PyBytes_AS_STRING(b)
                    size = PyBytes_GET_SIZE(b)
                    if PySequence_Fast_GET_SIZE(so) != n:
                        raise RuntimeError("a sentence changed while it was encoded")
                    items = PySequence_Fast_ITEMS(so)
                if size == 0:
                    raise ValueError("the corpus holds an empty token ''; tokens must be "
                                     "non-empty")
                got = nv_strtab_intern(&self.tab, data, size)
                if got < 0:
                    if got == -3:
                        raise OverflowError("more than 2**31 - 1 distinct tokens")
                    raise MemoryError("cannot grow the token table")
                self.tab.count[got] += 1
                o[k] = <int32_t>got
                k += 1
                j += 1
        if k != total:
            raise RuntimeError("the list of sentences changed while it was encoded")

    def keys(self):
        """The distinct tokens, in order of id (list of str)."""
        cdef int64_t i
        cdef list out = []
        for i in range(self.tab.n):
            out.append(PyUnicode_DecodeUTF8(self.tab.arena + self.tab.off[i],
                                            self.tab.off[i + 1] - self.tab.off[i],
                                            "surrogatepass"))
        return out

    def counts(self):
        """Occurrences of each distinct token (int64, in order of id)."""
        c = np.empty(self.tab.n, dtype=np.int64)
        cdef int64_t[::1] v = c
        cdef int64_t i
        for i in range(self.tab.n):
            v[i] = self.tab.count[i]
        return c
