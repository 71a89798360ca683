# cython: language_level=3
"""Compiled pieces of the data layer: the pair accumulator with spill, the ngram index,
and the exact ngram counter of :meth:`Vocabulary.build`.

Accumulator (:class:`PairCounter`, C state in ``csrc/nv_counter.h``)
------------------------------------------------------------------
Per-thread accumulators of (row, column) -> int64 ticks: a dense block for frequent
pairs and a hash table for the others. Threads split the *rows*: thread ``t`` of ``T``
counts the pairs whose row ``r`` satisfies ``r % T == t``, so each owns its
accumulators outright (no locks, no merge of partial tables) and counts do not depend
on the number of threads. Values are integer ticks, so sums are exact and order-free.

:meth:`PairCounter.count` runs a pass over sentences in rounds: the threads count in
parallel until each has finished or its table is full; the full tables are then sorted
(in parallel) and written as sorted runs (one thread, outside the parallel region), and
the stopped threads resume where they stopped. A counting kernel plugs in a thread
body (:c:type:`shard_fn`) and a job struct of its arrays. :func:`finish_counts` and
:func:`assemble_csr` merge the dense block, the tables and the runs into CSR arrays.

Ngram index (:class:`NgramIndex`, C in ``csrc/nv_ngram_index.h``)
------------------------------------------------------------------
An ngram of order k >= 2 is keyed by (internal id of its (k-1)-prefix, lexicon id of
its last token); order-1 internal ids are lexicon ids. One frozen hash table per order.

Key blobs (:func:`key_order_utf8`, :func:`take_keys_utf8`, :func:`join_keys_utf8`)
------------------------------------------------------------------------------------
Keys as :func:`ngramvec.base.keys.keys_utf8` bytes (each key followed by a newline),
located by the offsets of their newlines: sorted by count and key, picked, and joined
into ngram keys without making a str. UTF-8 bytes compare (``memcmp``) in the order of
the code points, so the order is Python's order of the strs.
"""
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdio cimport FILE, fclose, fopen
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcmp, memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from ngramvec.data._strtab cimport nv_strtab, nv_strtab_free, nv_strtab_init, nv_strtab_intern

import os

import numpy as np

cimport numpy as cnp

cnp.import_array()

MAX_ORDER = NV_MAX_ORDER   # the one maximum ngram order (csrc/nv_ngram_window.h)


cdef extern from "nv_strtab.h" nogil:
    uint64_t nv_strhash(const char *s, int64_t len)
    int64_t nv_strtab_find(const nv_strtab *t, const char *s, int64_t len, uint64_t h)


def key_token_ids(const unsigned char[::1] lexicon, Py_ssize_t n_lexicon,
                  const unsigned char[::1] keys, Py_ssize_t n_keys):
    """Lexicon ids of the tokens of ngram keys, in one compiled pass.

    Parameters
    ----------
    lexicon : bytes
        The lexicon's tokens in id order, UTF-8, each followed by a newline.
    n_lexicon : int
        How many (checked: the tokens must be distinct and hold no newline).
    keys : bytes
        The keys, UTF-8, each followed by a newline; the tokens of a key are separated
        by U+00A0 (``NGRAM_SEP``, the bytes C2 A0).
    n_keys : int
        How many (checked).

    Returns
    -------
    tokens : ndarray of int32
        The lexicon id of every token of every key, key after key (-1: not in the
        lexicon).
    orders : ndarray of int64, shape (n_keys,)
        The number of tokens of each key.
    """
    cdef nv_strtab tab
    cdef Py_ssize_t nb = lexicon.shape[0], nk = keys.shape[0]
    cdef Py_ssize_t i, a, n_found = 0, n_tok = 0, kk = 0, t = 0
    cdef int64_t got
    cdef int err = 0
    cdef int32_t[::1] to
    cdef int64_t[::1] oo
    if (nb and lexicon[nb - 1] != 10) or (nk and keys[nk - 1] != 10):
        raise ValueError("the lexicon and the keys must each end with a newline")
    if nv_strtab_init(&tab, 2 * n_lexicon + 16) < 0:
        nv_strtab_free(&tab)
        raise MemoryError("cannot allocate the lexicon table")
    try:
        with nogil:
            a = 0
            for i in range(nb):
                if lexicon[i] == 10:
                    got = nv_strtab_intern(&tab, <const char *>&lexicon[a], i - a)
                    if got < 0:
                        err = 1
                        break
                    n_found += 1
                    a = i + 1
        if err:
            raise MemoryError("cannot build the lexicon table")
        if n_found != n_lexicon or tab.n != n_lexicon:
            raise ValueError(f"the lexicon must be {n_lexicon:,} distinct tokens without "
                             f"newlines; got {n_found:,} lines, {tab.n:,} distinct")
        # tokens: one more than the separators of each key
        for i in range(nk):
            if keys[i] == 10 or (keys[i] == 0xC2 and i + 1 < nk and keys[i + 1] == 0xA0):
                n_tok += 1
        if n_tok < n_keys:
            raise ValueError("fewer keys than expected")
        tokens = np.empty(n_tok, dtype=np.int32)
        orders = np.zeros(n_keys, dtype=np.int64)
        to = tokens
        oo = orders
        with nogil:
            a = 0
            i = 0
            while i < nk:
                if keys[i] == 10 or (keys[i] == 0xC2 and i + 1 < nk and keys[i + 1] == 0xA0):
                    if kk >= n_keys:
                        err = 2
                        break
                    to[t] = <int32_t>nv_strtab_find(&tab, <const char *>&keys[a], i - a,
                                                    nv_strhash(<const char *>&keys[a], i - a))
                    t += 1
                    oo[kk] += 1
                    if keys[i] == 10:
                        kk += 1
                        i += 1
                    else:
                        i += 2
                    a = i
                else:
                    i += 1
        if err or kk != n_keys:
            raise ValueError(f"expected {n_keys:,} keys, each ending with a newline")
        return tokens, orders
    finally:
        nv_strtab_free(&tab)


cdef int64_t longest_sentence(const int64_t *ends, int64_t s0, int64_t s1) noexcept nogil:
    """Tokens of the longest sentence of [s0, s1)."""
    cdef int64_t s, n, best = 0
    for s in range(s0, s1):
        n = ends[s] - (ends[s - 1] if s > 0 else 0)
        if n > best:
            best = n
    return best


cdef class PairCounter:
    """Per-thread accumulators of one counting pass.

    Parameters
    ----------
    n_threads : int
    n_rows, n_cols : int
    dense_len, dense_off : ndarray of int64, shape (n_rows,)
        Dense block layout: row ``r`` keeps columns ``c < dense_len[r]`` at cell
        ``dense_off[r] + c`` (see :func:`ngramvec.data.spill.dense_layout`).
    table_cap, table_max_cap : int
        Initial and largest capacity (slots) of each thread's hash table.
    spill_dir : str
        Directory for sorted runs, named ``t{thread}-{k}.run``.
    """

    def __cinit__(self, int n_threads, int64_t n_rows, int64_t n_cols, dense_len, dense_off,
                  int64_t table_cap, int64_t table_max_cap, str spill_dir):
        cdef int t, row_bits
        if n_threads < 1:
            raise ValueError("n_threads must be at least 1")
        self.n_threads = n_threads
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.col_bits = max(1, int(n_cols - 1).bit_length())
        row_bits = max(1, int(n_rows - 1).bit_length())
        if row_bits + self.col_bits > 63:
            raise OverflowError("too many rows and columns to pack a pair in 63 bits")
        self.dense_len = np.ascontiguousarray(dense_len, dtype=np.int64)
        self.dense_off = np.ascontiguousarray(dense_off, dtype=np.int64)
        if self.dense_len.shape[0] != n_rows or self.dense_off.shape[0] != n_rows:
            raise ValueError("dense_len and dense_off must have n_rows entries")
        lens = np.asarray(self.dense_len)
        self.dense_size = int(lens.sum())
        if n_rows and (int(lens.min()) < 0 or int(lens.max()) > n_cols or
                       int((np.asarray(self.dense_off) + lens).max()) > self.dense_size):
            raise ValueError("the dense layout does not fit its block")
        self.spill_dir = os.fsencode(spill_dir)
        self.run_paths = []
        self.c.n_threads = n_threads
        self.c.col_bits = self.col_bits
        self.c.tabs = <nv_pairtab *>calloc(n_threads, sizeof(nv_pairtab))
        self.c.next = <int64_t *>calloc(n_threads, sizeof(int64_t))
        self.c.pairs = <int64_t *>calloc(n_threads, sizeof(int64_t))
        self.c.status = <int *>calloc(n_threads, sizeof(int))
        self.c.dense = <int64_t *>calloc(max(self.dense_size, 1), sizeof(int64_t))
        if self.c.tabs == NULL or self.c.next == NULL or self.c.pairs == NULL or \
                self.c.status == NULL or self.c.dense == NULL:
            raise MemoryError("cannot allocate the counting accumulators")
        self.c.dense_len = &self.dense_len[0] if n_rows > 0 else NULL
        self.c.dense_off = &self.dense_off[0] if n_rows > 0 else NULL
        for t in range(n_threads):
            if nv_pairtab_init(&self.c.tabs[t], table_cap, table_max_cap,
                               row_bits + self.col_bits) < 0:
                raise MemoryError("cannot allocate the counting hash tables")

    def __dealloc__(self):
        cdef int t
        if self.c.tabs != NULL:
            for t in range(self.n_threads):
                nv_pairtab_free(&self.c.tabs[t])
            free(self.c.tabs)
        free(self.c.next)
        free(self.c.pairs)
        free(self.c.status)
        free(self.c.dense)

    def table_sizes(self):
        """Entries held in each thread's hash table."""
        return [self.c.tabs[t].n for t in range(self.n_threads)]

    def table_bytes(self):
        """Bytes of the hash tables' slots."""
        return sum(self.c.tabs[t].cap * 16 for t in range(self.n_threads))

    def spills(self):
        """Runs written by each thread."""
        return [self.c.tabs[t].n_spills for t in range(self.n_threads)]

    def spill_all(self):
        """Spill what every table holds and free the tables (before the final merge,
        once spilling has started, so the merge runs in the memory of its buffers)."""
        cdef int t
        self._spill(False)
        for t in range(self.n_threads):
            nv_pairtab_free(&self.c.tabs[t])

    def _run_path(self, int t, int64_t k):
        cdef char buf[4096]
        cdef char *p = buf
        nv_counter_run_path(buf, 4096, <const char *>self.spill_dir, t, k)
        return os.fsdecode(p)

    cdef int64_t count(self, shard_fn fn, const void *job, int64_t s0, int64_t s1) except -1:
        """Run ``fn`` on every thread over sentences [s0, s1), spilling full tables
        between rounds; return the pairs counted."""
        cdef int t, n_full, T = self.n_threads, st
        cdef nv_counter *c = &self.c
        cdef int64_t total = 0
        if s1 <= s0:
            return 0
        for t in range(T):
            c.next[t] = s0
            c.pairs[t] = 0
            c.status[t] = 0
        while True:
            for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
                if c.next[t] < s1:
                    c.status[t] = fn(job, c, t, s1)
            n_full = 0
            for t in range(T):
                st = c.status[t]
                if st == NV_TABLE_FULL:
                    n_full += 1
                elif st == NV_SENTENCE_TOO_BIG:
                    raise MemoryError("one sentence needs more pairs than the memory_limit "
                                      "allows for a table; raise memory_limit or lower "
                                      "max_sentence_length")
                elif st != 0:
                    raise MemoryError(f"cannot allocate the counting buffers "
                                      f"({os.strerror(st)})")
            if n_full == 0:
                break
            self._spill(True)
        for t in range(T):
            total += c.pairs[t]
        return total

    cdef int _spill(self, bint full_only) except -1:
        """Sort the tables to spill in parallel (memory only), then write each as a
        sorted run, one after the other: every table (that holds entries), or only
        those whose thread stopped with NV_TABLE_FULL."""
        cdef int t, err, failed = 0, T = self.n_threads
        cdef nv_counter *c = &self.c
        cdef const char *d = <const char *>self.spill_dir
        want = np.zeros(T, dtype=np.uint8)
        cdef uint8_t[::1] w = want
        for t in range(T):
            w[t] = (c.status[t] == NV_TABLE_FULL) if full_only else (c.tabs[t].n > 0)
        for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
            if w[t] and nv_pairtab_sort(&c.tabs[t]) < 0:
                w[t] = 2
        if (want == 2).any():
            raise MemoryError("cannot sort the counting table (out of memory)")
        for t in range(T):
            if not w[t]:
                continue
            with nogil:
                err = nv_counter_write_run(c, t, d)
            if err != 0:
                raise OSError(err, f"cannot write a spill run ({os.strerror(err)})",
                              self._run_path(t, c.tabs[t].n_spills))
            c.status[t] = 0
        return 0


def finish_counts(PairCounter pc):
    """Sort every thread's table (in parallel); return the upper bound of nonzeros
    (sorted entries + spilled records + nonzero dense cells) and the run paths."""
    cdef int t, T = pc.n_threads
    cdef int64_t i, dense_nnz = 0, bound = 0
    cdef nv_counter *c = &pc.c
    cdef int64_t dense_size = pc.dense_size
    for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
        c.status[t] = 0
        if nv_pairtab_sort(&c.tabs[t]) < 0:
            c.status[t] = c.tabs[t].err
    for t in range(T):
        if c.status[t] != 0:
            raise MemoryError("cannot sort the counting table (out of memory)")
    with nogil:
        for i in range(dense_size):
            if c.dense[i] != 0:
                dense_nnz += 1
    runs = []
    for t in range(T):
        bound += c.tabs[t].n
        for k in range(c.tabs[t].n_spills):
            path = pc._run_path(t, k)
            runs.append(path)
            bound += os.path.getsize(path) // 16
    pc.run_paths = runs
    return bound + dense_nnz, runs


ctypedef fused real_t:
    float
    double


def assemble_csr(PairCounter pc, int64_t[::1] indptr, int32_t[::1] indices,
                 real_t[::1] data, double scale):
    """Merge dense blocks, sorted tables and spilled runs into CSR arrays.

    ``indptr`` has n_rows + 1 entries; ``indices`` and ``data`` at least the bound
    returned by :func:`finish_counts`. Returns (nnz, total ticks).
    """
    cdef int T = pc.n_threads, n_runs = len(pc.run_paths), n_src, i
    cdef nv_merge m
    cdef nv_source *src
    cdef int64_t k = 0, cur = -1, r, c, cc, rowlen, rowoff, total = 0, v
    cdef uint64_t key, cmask = (<uint64_t>1 << pc.col_bits) - 1
    cdef int64_t cap = indices.shape[0]
    cdef int got, failed = 0
    cdef int64_t n_rows = pc.n_rows
    cdef double inv = 1.0 / scale
    cdef int col_bits = pc.col_bits
    cdef int64_t *dense = pc.c.dense
    cdef const int64_t *dense_len = pc.c.dense_len
    cdef const int64_t *dense_off = pc.c.dense_off
    if indptr.shape[0] != n_rows + 1 or data.shape[0] != cap:
        raise ValueError("indptr must have n_rows + 1 entries, data as many as indices")
    n_src = T + n_runs
    src = <nv_source *>calloc(n_src, sizeof(nv_source))
    m.heap = <int *>malloc(sizeof(int) * n_src)
    m.src = src
    m.n_src = n_src
    m.err = 0
    if src == NULL or m.heap == NULL:
        free(src); free(m.heap)
        raise MemoryError()
    try:
        for i in range(T):
            src[i].mem = pc.c.tabs[i].slots
            src[i].mem_n = pc.c.tabs[i].n
        for i in range(n_runs):
            path = os.fsencode(pc.run_paths[i])
            src[T + i].file = <void *>fopen(path, b"rb")
            if src[T + i].file == NULL:
                raise OSError(f"cannot open spill run {pc.run_paths[i]}")
            src[T + i].buf_cap = 8192
            src[T + i].buf = <nv_pair *>malloc(sizeof(nv_pair) * 8192)
            if src[T + i].buf == NULL:
                raise MemoryError()
        with nogil:
            if nv_merge_start(&m) < 0:
                failed = 1
            indptr[0] = 0
            while failed == 0:
                got = nv_merge_next(&m, &key, &v)
                if got < 0:
                    failed = 1
                    break
                r = n_rows if got == 0 else <int64_t>(key >> col_bits)
                while cur < r and cur < n_rows:
                    if cur >= 0:
                        indptr[cur + 1] = k
                    cur += 1
                    if cur < n_rows:
                        rowlen = dense_len[cur]
                        rowoff = dense_off[cur]
                        for cc in range(rowlen):
                            if dense[rowoff + cc] != 0:
                                if k >= cap:
                                    failed = 2
                                    break
                                indices[k] = <int32_t>cc
                                data[k] = <real_t>(dense[rowoff + cc] * inv)
                                total += dense[rowoff + cc]
                                k += 1
                if got == 0 or failed:
                    break
                if k >= cap:
                    failed = 2
                    break
                c = <int64_t>(key & cmask)
                indices[k] = <int32_t>c
                data[k] = <real_t>(v * inv)
                total += v
                k += 1
        if failed == 1:
            raise OSError(m.err, f"cannot read spill runs ({os.strerror(m.err)})")
        if failed == 2:
            raise RuntimeError("internal error: more nonzeros than the bound")
    finally:
        for i in range(n_runs):
            if src[T + i].file != NULL:
                fclose(<FILE *>src[T + i].file)
            free(src[T + i].buf)
        free(src)
        free(m.heap)
    return k, total


# ---- ngrams ------------------------------------------------------------------------

cdef class NgramIndex:
    """Ngram -> internal id maps for orders 2..MAX_ORDER (order 1: lexicon ids).

    Orders are added one at a time with :meth:`add_order`; the ngrams of order k
    get internal ids 0..n-1 in the order given.
    """

    def __cinit__(self):
        self.ix.max_order = 1

    def __dealloc__(self):
        cdef int k
        for k in range(2, self.ix.max_order + 1):
            nv_pairtab_free(&self.ix.tabs[k])

    @property
    def max_order(self):
        return self.ix.max_order

    def add_order(self, const int32_t[::1] prefix, const int32_t[::1] last):
        """Add the next order: ngram i is (prefix[i] at the previous order, last[i])."""
        cdef int k = self.ix.max_order + 1
        cdef int64_t i, n = prefix.shape[0]
        if k > NV_MAX_ORDER:
            raise ValueError(f"ngram orders go up to {NV_MAX_ORDER}")
        if last.shape[0] != n:
            raise ValueError("prefix and last differ in length")
        if n and (np.asarray(prefix).min() < 0 or np.asarray(last).min() < 0):
            raise ValueError("prefix and last ids must be non-negative")
        if nv_pairtab_init(&self.ix.tabs[k], 2 * n + 16, 2 * n + 16, 63) < 0:
            raise MemoryError("cannot allocate the ngram index")
        self.ix.max_order = k
        with nogil:
            for i in range(n):
                nv_pairtab_add(&self.ix.tabs[k], nv_ngram_key(prefix[i], last[i]), i)

    def add_order_unique(self, const int32_t[::1] prefix, const int32_t[::1] last):
        """Add the next order from rows that may repeat: the distinct (prefix, last) pairs
        get internal ids in order of first occurrence; rows with a negative id are left
        out. Returns the internal id of every row (-1 for those left out)."""
        cdef int k = self.ix.max_order + 1
        cdef int64_t i, n = prefix.shape[0], n_new = 0, got
        cdef uint64_t key
        if k > NV_MAX_ORDER:
            raise ValueError(f"ngram orders go up to {NV_MAX_ORDER}")
        if last.shape[0] != n:
            raise ValueError("prefix and last differ in length")
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] o = out
        if nv_pairtab_init(&self.ix.tabs[k], 2 * n + 16, 2 * n + 16, 63) < 0:
            raise MemoryError("cannot allocate the ngram index")
        self.ix.max_order = k
        with nogil:
            for i in range(n):
                if prefix[i] < 0 or last[i] < 0:
                    o[i] = -1
                    continue
                key = nv_ngram_key(prefix[i], last[i])
                got = nv_pairtab_find(&self.ix.tabs[k], key)
                if got < 0:
                    nv_pairtab_add(&self.ix.tabs[k], key, n_new)
                    got = n_new
                    n_new += 1
                o[i] = <int32_t>got
        return out

    def find(self, int order, const int32_t[::1] prefix, const int32_t[::1] last):
        """Internal ids of the order-``order`` ngrams (``prefix[i]``, ``last[i]``): -1 where
        the ngram is not indexed or an id is negative."""
        cdef int64_t i, n = prefix.shape[0]
        if order < 2 or order > self.ix.max_order:
            raise ValueError(f"order must be in [2, {self.ix.max_order}]")
        if last.shape[0] != n:
            raise ValueError("prefix and last differ in length")
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] o = out
        cdef const nv_pairtab *t = &self.ix.tabs[order]
        with nogil:
            for i in range(n):
                if prefix[i] < 0 or last[i] < 0:
                    o[i] = -1
                else:
                    o[i] = <int32_t>nv_pairtab_find(t, nv_ngram_key(prefix[i], last[i]))
        return out

    def lookup(self, const int32_t[::1] lex, int order):
        """Internal ids of the ngrams of ``order`` at each position of ``lex`` (-1: none)."""
        cdef int64_t n = lex.shape[0]
        if order < 1 or order > self.ix.max_order:
            raise ValueError(f"order must be in [1, {self.ix.max_order}]")
        buf = np.empty(max(n, 1) * order, dtype=np.int32)
        cdef int32_t[::1] b = buf
        if n:
            with nogil:
                nv_ngram_units(&self.ix, &lex[0], n, order, &b[0])
        return buf[(order - 1) * n:order * n].copy()


ctypedef struct ngram_job:
    const nv_ngram_index *ix
    const int32_t *ids
    const int64_t *ends
    const uint8_t *ok_lex
    int64_t max_len
    int k


cdef int _ngram_thread(const void *job, nv_counter *c, int t, int64_t s1) noexcept nogil:
    """Count (prefix internal id, last lexicon id) of the order-k ngrams owned by t.

    ``ok_lex[w]`` is 0 for a word too rare to be part of a frequent enough ngram (an
    ngram is never more frequent than any of its words): such ngrams are skipped.
    """
    cdef const ngram_job *jb = <const ngram_job *>job
    cdef int T = c.n_threads, k = jb.k, err
    cdef const int32_t *ids = jb.ids
    cdef const uint8_t *ok_lex = jb.ok_lex
    cdef int32_t *U = <int32_t *>malloc(sizeof(int32_t) * (jb.max_len + 1) * k)
    cdef int64_t s, a, n, i, found = 0
    cdef int32_t p, last
    cdef const int32_t *prev
    if U == NULL:
        return 12  # ENOMEM
    for s in range(c.next[t], s1):
        a = jb.ends[s - 1] if s > 0 else 0
        n = jb.ends[s] - a
        if n < k:
            continue
        nv_ngram_units(jb.ix, ids + a, n, k - 1, U)
        err = nv_counter_room(c, t, n)
        if err != 0:
            c.next[t] = s
            c.pairs[t] += found
            free(U)
            return err
        prev = U + (k - 2) * n
        for i in range(n - k + 1):
            p = prev[i]
            last = ids[a + i + k - 1]
            if p < 0 or p % T != t or not ok_lex[last]:
                continue
            if k == 2 and not ok_lex[p]:      # order-2 prefixes are words
                continue
            nv_pairtab_add(&c.tabs[t], (<uint64_t>p << c.col_bits) | <uint64_t>last, 1)
            found += 1
    c.next[t] = s1
    c.pairs[t] += found
    free(U)
    return 0


def ngram_count_shard(PairCounter pc, NgramIndex index, const int32_t[::1] ids,
                      const int64_t[::1] ends, int order, const uint8_t[::1] ok_lex,
                      int64_t s0, int64_t s1):
    """Count the ngrams of ``order`` in sentences [s0, s1) whose (order-1)-prefix is in
    ``index`` and whose words all pass ``ok_lex`` (uint8 per lexicon id): rows of
    ``pc`` are prefix internal ids, columns lexicon ids of the last token. ``index``
    must hold orders up to ``order - 1``. Returns the ngram occurrences counted."""
    cdef ngram_job jb
    if order < 2 or order - 1 > index.ix.max_order:
        raise ValueError("the index must hold every order below the one counted")
    if s1 <= s0:
        return 0
    if s0 < 0 or s1 > ends.shape[0] or ends[s1 - 1] > ids.shape[0]:
        raise ValueError("sentence range out of bounds")
    jb.ix = &index.ix
    jb.ids = &ids[0]
    jb.ends = &ends[0]
    jb.ok_lex = &ok_lex[0]
    jb.k = order
    jb.max_len = longest_sentence(&ends[0], s0, s1)
    return pc.count(_ngram_thread, &jb, s0, s1)


# ---- key blobs -------------------------------------------------------------------

ctypedef struct keyrec:
    int64_t negc          # -count: ascending is the most frequent first
    uint64_t pfx          # the first 8 bytes, big-endian, zero-padded
    uint64_t pfx2         # the next 8 (16 tell 99.8% of the keys of a 50M corpus apart)
    int64_t idx


cdef inline int64_t _start(const int64_t *ends, int64_t i) noexcept nogil:
    """Offset of key ``i``'s first byte: one past the newline of the key before it."""
    return ends[i - 1] + 1 if i else 0


cdef int _check_ends(const unsigned char[::1] blob, const int64_t[::1] ends) except -1:
    """``ends`` must be the offsets of every newline of ``blob``, in order, the last one
    ending it (what :func:`newline_ends` returns; checked here, in one pass)."""
    cdef Py_ssize_t nb = blob.shape[0], n = ends.shape[0], i
    cdef int64_t prev = -1, e
    cdef int bad = 0
    if n == 0:
        if nb:
            raise ValueError("keys given without their newline offsets")
        return 0
    with nogil:
        for i in range(n):
            e = ends[i]
            if e <= prev or e >= nb or blob[e] != 10:
                bad = 1
                break
            prev = e
    if bad or ends[n - 1] != nb - 1:
        raise ValueError("the newline offsets do not match the key bytes")
    return 0


cdef inline int _key_cmp(const keyrec *a, const keyrec *b, const unsigned char *blob,
                         const int64_t *ends) noexcept nogil:
    cdef int64_t sa, sb, la, lb, m
    cdef int r
    if a.negc != b.negc:
        return -1 if a.negc < b.negc else 1
    if a.pfx != b.pfx:
        return -1 if a.pfx < b.pfx else 1
    if a.pfx2 != b.pfx2:
        return -1 if a.pfx2 < b.pfx2 else 1
    sa = _start(ends, a.idx)
    sb = _start(ends, b.idx)
    la = ends[a.idx] - sa
    lb = ends[b.idx] - sb
    m = la if la < lb else lb
    r = memcmp(blob + sa, blob + sb, <size_t>m)
    if r:
        return r
    return (la > lb) - (la < lb)


def key_order_utf8(const unsigned char[::1] blob, const int64_t[::1] ends,
                   const int64_t[::1] counts):
    """The order of the keys by count (descending), then by key (ascending).

    Parameters
    ----------
    blob : bytes
        ``n`` keys, UTF-8, each followed by a newline.
    ends : ndarray of int64, shape (n,)
        The offset of each key's newline (checked).
    counts : ndarray of int64, shape (n,)

    Returns
    -------
    ndarray of int64, shape (n,)
        Positions of the keys, sorted (equal keys keep their order: a stable merge sort).
    """
    cdef Py_ssize_t n = ends.shape[0], i, j, w, lo, mid, hi, a, b, k
    cdef keyrec *src
    cdef keyrec *dst
    cdef keyrec *tmp
    cdef keyrec key
    cdef int64_t s, e, L
    cdef const unsigned char *p
    cdef uint64_t v, v2
    cdef int64_t[::1] oo
    if counts.shape[0] != n:
        raise ValueError(f"{n:,} keys but {counts.shape[0]:,} counts")
    _check_ends(blob, ends)
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out
    oo = out
    src = <keyrec *>malloc(<size_t>n * sizeof(keyrec))
    dst = <keyrec *>malloc(<size_t>n * sizeof(keyrec))
    if src == NULL or dst == NULL:
        free(src)
        free(dst)
        raise MemoryError(f"cannot sort {n:,} keys")
    p = &blob[0]
    with nogil:
        for i in range(n):
            s = _start(&ends[0], i)
            e = ends[i]
            L = e - s
            v = 0
            v2 = 0
            for j in range(8):
                v = (v << 8) | (<uint64_t>p[s + j] if j < L else 0)
                v2 = (v2 << 8) | (<uint64_t>p[s + 8 + j] if j + 8 < L else 0)
            src[i].negc = -counts[i]
            src[i].pfx = v
            src[i].pfx2 = v2
            src[i].idx = i
        # insertion sort of runs of 32, then bottom-up merges (stable)
        lo = 0
        while lo < n:
            hi = lo + 32 if lo + 32 < n else n
            for i in range(lo + 1, hi):
                key = src[i]
                j = i - 1
                while j >= lo and _key_cmp(&src[j], &key, p, &ends[0]) > 0:
                    src[j + 1] = src[j]
                    j -= 1
                src[j + 1] = key
            lo = hi
        w = 32
        while w < n:
            lo = 0
            while lo < n:
                mid = lo + w if lo + w < n else n
                hi = lo + 2 * w if lo + 2 * w < n else n
                a = lo
                b = mid
                k = lo
                while a < mid and b < hi:
                    if _key_cmp(&src[b], &src[a], p, &ends[0]) < 0:
                        dst[k] = src[b]
                        b += 1
                    else:
                        dst[k] = src[a]
                        a += 1
                    k += 1
                while a < mid:
                    dst[k] = src[a]
                    a += 1
                    k += 1
                while b < hi:
                    dst[k] = src[b]
                    b += 1
                    k += 1
                lo = hi
            tmp = src
            src = dst
            dst = tmp
            w *= 2
        for i in range(n):
            oo[i] = src[i].idx
    free(src)
    free(dst)
    return out


def take_keys_utf8(const unsigned char[::1] blob, const int64_t[::1] ends,
                   const int64_t[::1] idx):
    """The keys at positions ``idx`` (in that order) as new key bytes (checked: every
    position must be in range)."""
    cdef Py_ssize_t n = ends.shape[0], m = idx.shape[0], i
    cdef int64_t total = 0, s, L, q, bad = -1
    cdef char *o
    _check_ends(blob, ends)
    with nogil:
        for i in range(m):
            q = idx[i]
            if q < 0 or q >= n:
                bad = i
                break
            total += ends[q] + 1 - _start(&ends[0], q)
    if bad >= 0:
        raise IndexError(f"key position {idx[bad]} out of range for {n:,} keys")
    res = PyBytes_FromStringAndSize(NULL, total)
    o = PyBytes_AS_STRING(res)
    with nogil:
        for i in range(m):
            q = idx[i]
            s = _start(&ends[0], q)
            L = ends[q] + 1 - s
            memcpy(o, &blob[s], <size_t>L)
            o += L
    return res


def join_keys_utf8(const unsigned char[::1] heads, const int64_t[::1] head_ends,
                   const unsigned char[::1] tails, const int64_t[::1] tail_ends,
                   const int64_t[::1] codes):
    """Ngram keys ``head + NGRAM_SEP + tail`` of codes ``h * n_tails + t`` (``h`` a
    position in ``heads``, ``t`` in ``tails``, both key bytes), as key bytes."""
    cdef Py_ssize_t nh = head_ends.shape[0], nt = tail_ends.shape[0], m = codes.shape[0], i
    cdef int64_t total = 0, c, h, t, sh, lh, st, lt, bad = -1
    cdef char *o
    _check_ends(heads, head_ends)
    _check_ends(tails, tail_ends)
    with nogil:
        for i in range(m):
            c = codes[i]
            if nt == 0 or c < 0 or c // nt >= nh:
                bad = i
                break
            h = c // nt
            t = c % nt
            # the head without its newline, the two bytes C2 A0, the tail with its newline
            total += (head_ends[h] - _start(&head_ends[0], h)) + 2 + \
                     (tail_ends[t] + 1 - _start(&tail_ends[0], t))
    if bad >= 0:
        raise IndexError(f"ngram code {codes[bad]} out of range for {nh:,} x {nt:,} keys")
    res = PyBytes_FromStringAndSize(NULL, total)
    o = PyBytes_AS_STRING(res)
    with nogil:
        for i in range(m):
            c = codes[i]
            h = c // nt
            t = c % nt
            sh = _start(&head_ends[0], h)
            lh = head_ends[h] - sh
            st = _start(&tail_ends[0], t)
            lt = tail_ends[t] + 1 - st
            memcpy(o, &heads[sh], <size_t>lh)
            o[lh] = <char>0xC2
            o[lh + 1] = <char>0xA0
            memcpy(o + lh + 2, &tails[st], <size_t>lt)
            o += lh + 2 + lt
    return res
