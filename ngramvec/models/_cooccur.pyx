# cython: language_level=3
"""Compiled co-occurrence counting over an encoded corpus.

Threading
---------
Threads split the *rows* of the result, not the corpus: thread ``t`` of ``T`` reads
every sentence of the shard and counts the pairs whose centre (row) id ``r``
satisfies ``r % T == t``. Each thread therefore owns its accumulators outright (no
locks, no duplicated entries, no merge of partial tables), and per-position random
decisions (subsampling, dynamic window) come from a counter-based hash of the token
position, so every thread sees the same sentence and the counts do not depend on the
number of threads.

Accumulators (per thread, see ``csrc/nv_pairtab.h``)
----------------------------------------------------
* a dense block for frequent pairs: row ``r`` keeps the columns ``c < dense_len[r]``
  at ``dense[dense_off[r] + c]``; lengths follow GloVe's rank-product rule
  (``dense_len[r] ~ P / (r + 1)``), so the pairs of frequent words, which take most
  updates, cost one array increment;
* an open-addressing hash table for the other pairs, which doubles while it fits
  its byte budget and is otherwise spilled to disk as a sorted run.

Values are int64 ticks (integer weights), so sums are exact and order-free.

Unit ids
--------
A sentence is first turned into per-position unit ids (row id and column id, -1 for
a gap) and only then paired. Word contexts are units of order 1; ngram units plug
into the same two steps.
"""
from cython.parallel cimport parallel, prange
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdio cimport FILE, fclose, fopen, snprintf
from libc.stdlib cimport free, malloc, calloc
from libc.string cimport strerror

import os

import numpy as np

cimport numpy as cnp

cnp.import_array()

cdef extern from "nv_rng.h" nogil:
    uint64_t nv_hash64(uint64_t seed, uint64_t position, uint64_t stream)
    double nv_hash_uniform(uint64_t seed, uint64_t position, uint64_t stream)

cdef extern from "nv_ngram_window.h" nogil:
    enum: NV_MAX_ORDER
    ctypedef struct nv_ngw_iter:
        int64_t j
    int nv_ngw_mode(int direction, int overlap)
    void nv_ngw_begin(nv_ngw_iter *it, const int32_t *ctx, int64_t n, int64_t i, int ka, int kb,
                      int win, int mode)
    bint nv_ngw_next(nv_ngw_iter *it, int32_t *unit, int *dist)

cdef extern from "nv_pairtab.h" nogil:
    ctypedef struct nv_pair:
        uint64_t key
        int64_t val
    ctypedef struct nv_pairtab:
        nv_pair *slots
        int64_t cap
        int64_t max_cap
        int64_t n
        int key_bits
        int64_t n_spills
        int err
    ctypedef struct nv_source:
        const nv_pair *mem
        int64_t mem_n, mem_i
        void *file
        nv_pair *buf
        int64_t buf_n, buf_i, buf_cap
        uint64_t key
        int64_t val
        int done
    ctypedef struct nv_merge:
        nv_source *src
        int *heap
        int n_heap, n_src
        int err
    int nv_pairtab_init(nv_pairtab *t, int64_t cap, int64_t max_cap, int key_bits)
    void nv_pairtab_free(nv_pairtab *t)
    int nv_pairtab_add(nv_pairtab *t, uint64_t key, int64_t v)
    int64_t nv_pairtab_find(const nv_pairtab *t, uint64_t key)
    int nv_pairtab_grow(nv_pairtab *t)
    int nv_pairtab_needs_room(const nv_pairtab *t, int64_t extra)
    int nv_pairtab_sort(nv_pairtab *t)
    int nv_pairtab_spill(nv_pairtab *t, const char *path)
    int nv_merge_start(nv_merge *m)
    int nv_merge_next(nv_merge *m, uint64_t *key, int64_t *val)

DEF SUB_NONE = 0
DEF SUB_DIRTY = 1
DEF SUB_CLEAN = 2
DEF E_ROOM = -1000     # one sentence needs more room than the whole table


ctypedef struct count_state:
    nv_pairtab *tabs
    int n_threads
    int col_bits
    int64_t *dense
    const int64_t *dense_len
    const int64_t *dense_off
    const char *spill_dir


ctypedef struct count_opts:
    int window, direction, subsample
    bint dynamic, drop_oov
    uint64_t seed


cdef class CountOptions:
    """Scalar settings of a counting pass (plain C values for the kernel).

    Parameters
    ----------
    window : int
        Largest distance between centre and context.
    dynamic : bool
        Sample each centre's window uniformly in [1, window] (word2vec).
    direction : int
        1 left contexts only, 2 right only, 3 both.
    subsample : int
        0 none, 1 remove subsampled tokens before windowing ("dirty"),
        2 keep them as gaps ("clean").
    drop_oov : bool
        Remove out-of-vocabulary tokens before windowing (word2vec, GloVe) instead
        of keeping them as gaps (hyperwords).
    seed : int
    """
    cdef public int window, direction, subsample
    cdef public bint dynamic, drop_oov
    cdef public uint64_t seed

    cdef count_opts c(self):
        cdef count_opts o
        o.window = self.window
        o.direction = self.direction
        o.subsample = self.subsample
        o.dynamic = self.dynamic
        o.drop_oov = self.drop_oov
        o.seed = self.seed
        return o

    def __init__(self, int window, bint dynamic, int direction, int subsample,
                 bint drop_oov, uint64_t seed):
        self.window = window
        self.dynamic = dynamic
        self.direction = direction
        self.subsample = subsample
        self.drop_oov = drop_oov
        self.seed = seed


cdef class PairCounter:
    """Per-thread accumulators of one counting pass.

    Parameters
    ----------
    n_threads : int
    n_rows, n_cols : int
    dense_len, dense_off : ndarray of int64, shape (n_rows,)
        Dense block layout (see the module docstring); offsets index ``dense``.
    dense_size : int
        Cells of the dense block (int64 each, zero-initialised lazily by calloc).
    table_cap, table_max_cap : int
        Initial and largest capacity (slots) of each thread's hash table.
    spill_dir : str
        Directory for sorted runs, named ``t{thread}-{k}.run``.
    """
    cdef nv_pairtab *tabs
    cdef int n_threads
    cdef public int64_t n_rows, n_cols
    cdef public int col_bits
    cdef int64_t *dense
    cdef public int64_t dense_size
    cdef int64_t[::1] dense_len, dense_off
    cdef bytes spill_dir
    cdef int *status
    cdef public object run_paths
    cdef count_state st

    def __cinit__(self, int n_threads, int64_t n_rows, int64_t n_cols, dense_len, dense_off,
                  int64_t dense_size, int64_t table_cap, int64_t table_max_cap, str spill_dir):
        cdef int t, row_bits
        self.n_threads = n_threads
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.col_bits = max(1, int(n_cols - 1).bit_length())
        row_bits = max(1, int(n_rows - 1).bit_length())
        if row_bits + self.col_bits > 63:
            raise OverflowError("too many rows and columns to pack a pair in 63 bits")
        self.dense_len = np.ascontiguousarray(dense_len, dtype=np.int64)
        self.dense_off = np.ascontiguousarray(dense_off, dtype=np.int64)
        self.dense_size = dense_size
        self.spill_dir = os.fsencode(spill_dir)
        self.run_paths = []
        self.tabs = <nv_pairtab *>calloc(n_threads, sizeof(nv_pairtab))
        self.status = <int *>calloc(n_threads, sizeof(int))
        self.dense = <int64_t *>calloc(max(dense_size, 1), sizeof(int64_t))
        if self.tabs == NULL or self.status == NULL or self.dense == NULL:
            raise MemoryError("cannot allocate the counting accumulators")
        self.st.tabs = self.tabs
        self.st.n_threads = n_threads
        self.st.col_bits = self.col_bits
        self.st.dense = self.dense
        self.st.dense_len = &self.dense_len[0] if n_rows > 0 else NULL
        self.st.dense_off = &self.dense_off[0] if n_rows > 0 else NULL
        self.st.spill_dir = <const char *>self.spill_dir
        for t in range(n_threads):
            if nv_pairtab_init(&self.tabs[t], table_cap, table_max_cap,
                               row_bits + self.col_bits) < 0:
                raise MemoryError("cannot allocate the counting hash tables")

    def __dealloc__(self):
        cdef int t
        if self.tabs != NULL:
            for t in range(self.n_threads):
                nv_pairtab_free(&self.tabs[t])
            free(self.tabs)
        free(self.status)
        free(self.dense)

    def table_sizes(self):
        """Entries held in each thread's hash table."""
        return [self.tabs[t].n for t in range(self.n_threads)]

    def table_bytes(self):
        return sum(self.tabs[t].cap * 16 for t in range(self.n_threads))

    def spills(self):
        return [self.tabs[t].n_spills for t in range(self.n_threads)]

    def spill_all(self):
        """Spill what every table holds and free the tables (before the final merge,
        once spilling has started, so the merge runs in the memory of its buffers)."""
        cdef int t, err
        cdef char path[4096]
        for t in range(self.n_threads):
            if self.tabs[t].n > 0:
                p = os.fsencode(self._run_path(t, self.tabs[t].n_spills))
                if nv_pairtab_spill(&self.tabs[t], p) < 0:
                    err = self.tabs[t].err
                    raise OSError(err, f"cannot write a spill run ({os.strerror(err)})",
                                  os.fsdecode(p))
            nv_pairtab_free(&self.tabs[t])

    def _run_path(self, int t, int64_t k):
        return os.path.join(os.fsdecode(self.spill_dir), f"t{t}-{k:06d}.run")

    def check(self):
        """Raise the error a thread met, if any."""
        cdef int t
        for t in range(self.n_threads):
            if self.status[t] == E_ROOM:
                raise MemoryError("one sentence needs more pairs than the memory_limit allows "
                                  "for a table; raise memory_limit or lower max_sentence_length")
            if self.status[t] != 0:
                err = self.status[t]
                path = self._run_path(t, self.tabs[t].n_spills)
                raise OSError(err, f"cannot write a spill run ({os.strerror(err)})", path)


cdef int _make_room(count_state *pc, int t, int64_t extra) noexcept nogil:
    """Ensure thread t's table can take `extra` new keys: grow, else spill."""
    cdef nv_pairtab *tab = &pc.tabs[t]
    cdef char path[4096]
    while nv_pairtab_needs_room(tab, extra):
        if tab.cap < tab.max_cap:
            if nv_pairtab_grow(tab) < 0:
                if tab.n == 0:
                    return tab.err
                tab.max_cap = tab.cap     # no more memory: spill from now on
            continue
        if tab.n == 0:
            return E_ROOM
        snprintf(path, 4096, b"%s/t%d-%06lld.run", pc.spill_dir, t, <long long>tab.n_spills)
        if nv_pairtab_spill(tab, path) < 0:
            return tab.err
    return 0


cdef int _count_thread(count_state *pc, int t, const int32_t *ids, const int64_t *ends,
                       const int32_t *row_map, const int32_t *col_map, const double *keep,
                       const int64_t *weights, int64_t s0, int64_t s1, int64_t max_len,
                       count_opts o, int64_t *n_pairs) noexcept nogil:
    """Count the pairs of sentences [s0, s1) whose row is owned by thread t."""
    cdef int T = pc.n_threads
    cdef nv_pairtab *tab = &pc.tabs[t]
    cdef int32_t *rb = <int32_t *>malloc(sizeof(int32_t) * (max_len + 1))
    cdef int32_t *cb = <int32_t *>malloc(sizeof(int32_t) * (max_len + 1))
    cdef int64_t *pb = <int64_t *>malloc(sizeof(int64_t) * (max_len + 1))
    cdef int64_t s, a, b, p, n, i, rowlen, rowoff, pairs = 0
    cdef int32_t lid, r, c
    cdef int d, win, window = o.window, err = 0
    cdef int col_bits = pc.col_bits
    cdef int mode = nv_ngw_mode(o.direction, 0)
    cdef nv_ngw_iter it
    cdef int64_t w
    cdef int64_t *dense = pc.dense
    if rb == NULL or cb == NULL or pb == NULL:
        free(rb); free(cb); free(pb)
        return 12  # ENOMEM
    for s in range(s0, s1):
        a = ends[s - 1] if s > 0 else 0
        b = ends[s]
        # 1. the sentence as unit ids; OOV and subsampled tokens removed, or kept as gaps
        n = 0
        for p in range(a, b):
            lid = ids[p]
            r = row_map[lid]
            c = col_map[lid]
            if r < 0 and c < 0:
                if o.drop_oov:
                    continue
            elif o.subsample != SUB_NONE and nv_hash_uniform(o.seed, <uint64_t>p, 0) >= keep[lid]:
                if o.subsample == SUB_DIRTY:
                    continue
                r = -1
                c = -1
            rb[n] = r
            cb[n] = c
            pb[n] = p
            n += 1
        if n < 2:
            continue
        # 2. room for the worst case of this sentence (every pair a new key)
        err = _make_room(pc, t, n * 2 * window)
        if err != 0:
            break
        # 3. pairs (i = centre, j = context) under the window rule (nv_ngram_window.h)
        for i in range(n):
            r = rb[i]
            if r < 0 or r % T != t:
                continue
            win = window
            if o.dynamic:
                win = 1 + <int>(nv_hash64(o.seed, <uint64_t>pb[i], 1) % <uint64_t>window)
            rowlen = pc.dense_len[r]
            rowoff = pc.dense_off[r]
            nv_ngw_begin(&it, cb, n, i, 1, 1, win, mode)
            while nv_ngw_next(&it, &c, &d):
                w = weights[d]
                pairs += 1
                if c < rowlen:
                    dense[rowoff + c] += w
                else:
                    nv_pairtab_add(tab, (<uint64_t>r << col_bits) | <uint64_t>c, w)
    free(rb)
    free(cb)
    free(pb)
    n_pairs[0] += pairs
    return err


def cooccur_count_shard(PairCounter pc, const int32_t[::1] ids, const int64_t[::1] ends,
                        const int32_t[::1] row_map, const int32_t[::1] col_map,
                        const double[::1] keep, const int64_t[::1] weights,
                        int64_t s0, int64_t s1, int64_t max_len, CountOptions opts):
    """Count the word pairs of sentences [s0, s1) into ``pc``, all threads.

    Parameters
    ----------
    pc : PairCounter
    ids : int32 array, shape (n_tokens,)
        Lexicon ids of the encoded corpus.
    ends : int64 array, shape (n_sentences,)
        Sentence ends.
    row_map, col_map : int32 arrays, shape (n_types,)
        Lexicon id -> row / column id, -1 when not a row / column.
    keep : float64 array, shape (n_types,)
        Keep probability of each lexicon entry under subsampling.
    weights : int64 array, shape (window + 1,)
        Ticks added for a pair at distance d.
    s0, s1 : int
        Sentence range.
    max_len : int
        Longest sentence in the range (sizes the per-thread buffers).
    opts : CountOptions

    Returns
    -------
    int
        Pairs counted (occurrences, not distinct pairs).
    """
    cdef int t, T = pc.n_threads
    cdef int64_t *pairs = <int64_t *>calloc(T, sizeof(int64_t))
    cdef int64_t total = 0
    cdef count_opts o = opts.c()
    cdef count_state *st = &pc.st
    cdef int *status = pc.status
    if s1 <= s0:
        free(pairs)
        return 0
    if pairs == NULL:
        raise MemoryError()
    if weights.shape[0] < opts.window + 1:
        free(pairs)
        raise ValueError("weights must have window + 1 entries")
    for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
        status[t] = _count_thread(st, t, &ids[0], &ends[0], &row_map[0], &col_map[0],
                                  &keep[0], &weights[0], s0, s1, max_len, o, &pairs[t])
    for t in range(T):
        total += pairs[t]
    free(pairs)
    pc.check()
    return total


def cooccur_finish(PairCounter pc):
    """Sort every thread's table (in parallel); return the upper bound of nonzeros
    (sorted entries + spilled records + nonzero dense cells) and the run paths."""
    cdef int t, T = pc.n_threads
    cdef int64_t i, dense_nnz = 0, bound = 0
    cdef nv_pairtab *tabs = pc.tabs
    cdef int *status = pc.status
    cdef int64_t *dense = pc.dense
    cdef int64_t dense_size = pc.dense_size
    for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
        if nv_pairtab_sort(&tabs[t]) < 0:
            status[t] = tabs[t].err
    for t in range(T):
        if pc.status[t] != 0:
            raise MemoryError("cannot sort the counting table (out of memory)")
    with nogil:
        for i in range(dense_size):
            if dense[i] != 0:
                dense_nnz += 1
    runs = []
    for t in range(T):
        bound += pc.tabs[t].n
        for k in range(pc.tabs[t].n_spills):
            path = pc._run_path(t, k)
            runs.append(path)
            bound += os.path.getsize(path) // 16
    pc.run_paths = runs
    return bound + dense_nnz, runs


ctypedef fused real_t:
    float
    double


def cooccur_assemble(PairCounter pc, int64_t[::1] indptr, int32_t[::1] indices,
                     real_t[::1] data, double scale):
    """Merge dense blocks, sorted tables and spilled runs into CSR arrays.

    ``indptr`` has n_rows + 1 entries; ``indices`` and ``data`` at least the bound
    returned by :func:`cooccur_finish`. Returns (nnz, total ticks).
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
    cdef int64_t *dense = pc.dense
    cdef const int64_t *dense_len = pc.st.dense_len
    cdef const int64_t *dense_off = pc.st.dense_off
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
            src[i].mem = pc.tabs[i].slots
            src[i].mem_n = pc.tabs[i].n
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
#
# An ngram of order k >= 2 is identified, order by order, by the key
#     (internal id of its (k-1)-prefix) << 32 | (lexicon id of its last token)
# and order-1 internal ids are lexicon ids. NgramIndex holds one frozen hash table per
# order (key -> internal id). _units() turns a sentence into the internal ids of the
# ngrams starting at each position, one order after the other.

ctypedef struct ngram_index:
    int max_order
    nv_pairtab tabs[NV_MAX_ORDER + 1]      # tabs[k] for 2 <= k <= max_order


cdef class NgramIndex:
    """Ngram -> internal id maps for orders 2..6 (order 1: lexicon ids).

    Orders are added one at a time with :meth:`add_order`; the ngrams of order k
    get internal ids 0..n-1 in the order given.
    """
    cdef ngram_index ix

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
        if nv_pairtab_init(&self.ix.tabs[k], 2 * n + 16, 2 * n + 16, 63) < 0:
            raise MemoryError("cannot allocate the ngram index")
        self.ix.max_order = k
        with nogil:
            for i in range(n):
                nv_pairtab_add(&self.ix.tabs[k],
                               (<uint64_t>prefix[i] << 32) | <uint64_t>last[i], i)

    def lookup(self, const int32_t[::1] lex, int order):
        """Internal ids of the ngrams of ``order`` at each position of ``lex`` (-1: none)."""
        cdef int64_t n = lex.shape[0]
        if order < 1 or order > self.ix.max_order:
            raise ValueError(f"order must be in [1, {self.ix.max_order}]")
        buf = np.empty(max(n, 1) * order, dtype=np.int32)
        cdef int32_t[::1] b = buf
        if n:
            _units(&self.ix, &lex[0], n, order, &b[0])
        return buf[(order - 1) * n:order * n].copy()


cdef inline void _units(const ngram_index *ix, const int32_t *lex, int64_t n, int K,
                        int32_t *U) noexcept nogil:
    """U[(k-1) * n + i] = internal id of the order-k ngram starting at i, or -1."""
    cdef int64_t i
    cdef int k
    cdef int32_t *prev
    cdef int32_t *cur
    cdef int32_t p
    for i in range(n):
        U[i] = lex[i]
    for k in range(2, K + 1):
        prev = U + (k - 2) * n
        cur = U + (k - 1) * n
        for i in range(n):
            if i + k > n:
                cur[i] = -1
                continue
            p = prev[i]
            if p < 0:
                cur[i] = -1
            else:
                cur[i] = <int32_t>nv_pairtab_find(&ix.tabs[k],
                                                  (<uint64_t>p << 32) | <uint64_t>lex[i + k - 1])


cdef int _ngram_thread(count_state *pc, int t, const ngram_index *ix, const int32_t *ids,
                       const int64_t *ends, int64_t s0, int64_t s1, int64_t max_len,
                       int k, const uint8_t *ok_lex) noexcept nogil:
    """Count (prefix internal id, last lexicon id) of the order-k ngrams owned by t.

    ``ok_lex[w]`` is 0 for a word too rare to be part of a frequent enough ngram (an
    ngram is never more frequent than any of its words): such ngrams are skipped.
    """
    cdef int T = pc.n_threads
    cdef int32_t *U = <int32_t *>malloc(sizeof(int32_t) * (max_len + 1) * k)
    cdef int64_t s, a, n, i
    cdef int32_t p
    cdef int err = 0
    cdef int32_t *prev
    if U == NULL:
        return 12
    for s in range(s0, s1):
        a = ends[s - 1] if s > 0 else 0
        n = ends[s] - a
        if n < k:
            continue
        _units(ix, ids + a, n, k - 1, U)
        err = _make_room(pc, t, n)
        if err != 0:
            break
        prev = U + (k - 2) * n
        for i in range(n - k + 1):
            p = prev[i]
            if p < 0 or p % T != t or not ok_lex[ids[a + i + k - 1]]:
                continue
            if k == 2 and not ok_lex[p]:      # order-2 prefixes are words
                continue
            nv_pairtab_add(&pc.tabs[t], (<uint64_t>p << pc.col_bits) | <uint64_t>ids[a + i + k - 1],
                           1)
    free(U)
    return err


def ngram_count_shard(PairCounter pc, NgramIndex index, const int32_t[::1] ids,
                      const int64_t[::1] ends, int64_t s0, int64_t s1, int64_t max_len, int order,
                      const uint8_t[::1] ok_lex):
    """Count the ngrams of ``order`` in sentences [s0, s1) whose (order-1)-prefix is in
    ``index`` and whose words all pass ``ok_lex`` (uint8 per lexicon id): rows of
    ``pc`` are prefix internal ids, columns lexicon ids of the last token. ``index``
    must hold orders up to ``order - 1``."""
    cdef int t, T = pc.n_threads
    cdef count_state *st = &pc.st
    cdef int *status = pc.status
    cdef ngram_index *ix = &index.ix
    cdef const uint8_t *ok = &ok_lex[0]
    if order < 2 or order - 1 > index.ix.max_order:
        raise ValueError("the index must hold every order below the one counted")
    if s1 <= s0:
        return
    for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
        status[t] = _ngram_thread(st, t, ix, &ids[0], &ends[0], s0, s1, max_len, order, ok)
    pc.check()


ctypedef struct unit_maps:
    int n_in, n_ctx
    int in_orders[NV_MAX_ORDER]
    int ctx_orders[NV_MAX_ORDER]
    int max_order
    const int32_t *rowmap[NV_MAX_ORDER + 1]     # internal id -> row id or -1, per order
    const int32_t *colmap[NV_MAX_ORDER + 1]
    const double *keep[NV_MAX_ORDER + 1]        # keep probability per internal id
    bint overlap


cdef class UnitMaps:
    """Per-order maps from internal ngram ids to row / column ids and keep probabilities.

    Parameters
    ----------
    in_orders, ctx_orders : sequence of int
    rowmaps, colmaps : dict of order -> int32 array
    keeps : dict of order -> float64 array
    overlap : bool
    """
    cdef unit_maps m
    cdef list _refs

    def __init__(self, in_orders, ctx_orders, dict rowmaps, dict colmaps, dict keeps,
                 bint overlap):
        cdef int k
        cdef const int32_t[::1] r
        cdef const double[::1] d
        self._refs = []
        self.m.n_in = len(in_orders)
        self.m.n_ctx = len(ctx_orders)
        self.m.overlap = overlap
        self.m.max_order = max(max(in_orders), max(ctx_orders))
        for k in range(NV_MAX_ORDER + 1):
            self.m.rowmap[k] = NULL
            self.m.colmap[k] = NULL
            self.m.keep[k] = NULL
        for i, k in enumerate(in_orders):
            self.m.in_orders[i] = k
        for i, k in enumerate(ctx_orders):
            self.m.ctx_orders[i] = k
        for k in range(1, self.m.max_order + 1):
            for store, table in ((0, rowmaps), (1, colmaps)):
                arr = np.ascontiguousarray(table.get(k, np.full(1, -1, np.int32)), dtype=np.int32)
                self._refs.append(arr)
                r = arr
                if store == 0:
                    self.m.rowmap[k] = &r[0]
                else:
                    self.m.colmap[k] = &r[0]
            arr = np.ascontiguousarray(keeps.get(k, np.ones(1)), dtype=np.float64)
            self._refs.append(arr)
            d = arr
            self.m.keep[k] = &d[0]


cdef void _fill_units(const ngram_index *ix, const unit_maps *um, const int32_t *lex,
                      int64_t a, int64_t n, int K, int32_t *U, int32_t *R, int32_t *C,
                      int64_t L, count_opts o) noexcept nogil:
    """Row and column ids of every unit of one sentence (tokens lex[0:n] at global
    position a): R[(k-1)*L + i] / C[(k-1)*L + i] for the order-k unit at i, -1 for
    none; subsampled occurrences are removed in place ("clean"). U is scratch."""
    cdef int64_t i
    cdef int k
    cdef int32_t u, r, c
    cdef uint64_t stream
    _units(ix, lex, n, K, U)
    for k in range(1, K + 1):
        stream = 0 if k == 1 else <uint64_t>(k + 2)
        for i in range(n):
            u = U[(k - 1) * n + i]
            r = -1
            c = -1
            if u >= 0:
                r = um.rowmap[k][u] if um.rowmap[k] != NULL else -1
                c = um.colmap[k][u] if um.colmap[k] != NULL else -1
                if (r >= 0 or c >= 0) and o.subsample != SUB_NONE and \
                        nv_hash_uniform(o.seed, <uint64_t>(a + i), stream) >= um.keep[k][u]:
                    r = -1
                    c = -1
            R[(k - 1) * L + i] = r
            C[(k - 1) * L + i] = c


cdef int _count_thread_ngram(count_state *pc, int t, const unit_maps *um, const int32_t *RG,
                             const int32_t *CG, int64_t L, int64_t P0, const int64_t *ends,
                             const int64_t *weights, int64_t s0, int64_t s1,
                             count_opts o, int64_t *n_pairs) noexcept nogil:
    """Pairs of ngram units: centre span [i, i+ka), context span [j, j+kb).

    The window rule (which context spans pair with a centre span, at which distance,
    ``overlap`` and ``direction``) is ngram2vec's, in ``csrc/nv_ngram_window.h``.
    Positions are those of the
    sentence as encoded (out-of-vocabulary tokens are gaps). The unit ids come
    precomputed by :func:`_fill_units` for the whole chunk (RG, CG: K rows of L,
    position p of the corpus at column p - P0).
    """
    cdef int T = pc.n_threads
    cdef int64_t s, a, n, i, pairs = 0, w, rowlen, rowoff
    cdef int d, ka, kb, x, y, win, window = o.window, err = 0
    cdef int32_t r, c
    cdef const int32_t *R
    cdef const int32_t *C
    cdef int mode = nv_ngw_mode(o.direction, um.overlap)
    cdef nv_ngw_iter it
    cdef int col_bits = pc.col_bits
    cdef int64_t *dense = pc.dense
    for s in range(s0, s1):
        a = ends[s - 1] if s > 0 else 0
        n = ends[s] - a
        if n < 1:
            continue
        R = RG + (a - P0)
        C = CG + (a - P0)
        err = _make_room(pc, t, n * 2 * window * um.n_in * um.n_ctx + 1)
        if err != 0:
            break
        for x in range(um.n_in):
            ka = um.in_orders[x]
            for i in range(n - ka + 1):
                r = R[(ka - 1) * L + i]
                if r < 0 or r % T != t:
                    continue
                win = window
                if o.dynamic:
                    win = 1 + <int>(nv_hash64(o.seed, <uint64_t>(a + i), 1) % <uint64_t>window)
                rowlen = pc.dense_len[r]
                rowoff = pc.dense_off[r]
                for y in range(um.n_ctx):
                    kb = um.ctx_orders[y]
                    nv_ngw_begin(&it, C + (kb - 1) * L, n, i, ka, kb, win, mode)
                    while nv_ngw_next(&it, &c, &d):
                        w = weights[d]
                        pairs += 1
                        if c < rowlen:
                            dense[rowoff + c] += w
                        else:
                            nv_pairtab_add(&pc.tabs[t], (<uint64_t>r << col_bits) | <uint64_t>c, w)
    n_pairs[0] += pairs
    return err


def cooccur_count_ngram_shard(PairCounter pc, NgramIndex index, UnitMaps maps,
                              const int32_t[::1] ids, const int64_t[::1] ends,
                              const int64_t[::1] weights, int64_t s0, int64_t s1,
                              int64_t max_len, CountOptions opts):
    """Count ngram-unit pairs of sentences [s0, s1) into ``pc`` (see
    :func:`cooccur_count_shard` for the arguments; ``index`` and ``maps`` give the
    units). Returns the number of pairs counted."""
    cdef int t, T = pc.n_threads
    cdef int64_t *pairs = <int64_t *>calloc(T, sizeof(int64_t))
    cdef int64_t total = 0
    cdef count_opts o = opts.c()
    cdef count_state *st = &pc.st
    cdef int *status = pc.status
    cdef ngram_index *ix = &index.ix
    cdef unit_maps *um = &maps.m
    if pairs == NULL:
        raise MemoryError()
    if s1 <= s0:
        free(pairs)
        return 0
    if maps.m.max_order > index.ix.max_order:
        free(pairs)
        raise ValueError("the index does not hold every order the units need")
    if weights.shape[0] < opts.window + 1:
        free(pairs)
        raise ValueError("weights must have window + 1 entries")
    # phase 1: unit ids of the whole chunk, sentences split among threads
    cdef int K = maps.m.max_order
    cdef int64_t P0 = ends[s0 - 1] if s0 > 0 else 0
    cdef int64_t L = ends[s1 - 1] - P0
    cdef int64_t s, a, n
    cdef int32_t *U
    cdef int failed = 0
    cdef int *flag = &failed          # written through a pointer: shared by the threads
    cdef int32_t *RG = <int32_t *>malloc(sizeof(int32_t) * max(K * L, 1))
    cdef int32_t *CG = <int32_t *>malloc(sizeof(int32_t) * max(K * L, 1))
    if RG == NULL or CG == NULL:
        free(RG); free(CG); free(pairs)
        raise MemoryError("cannot allocate the unit ids of a chunk")
    with nogil, parallel(num_threads=T):
        U = <int32_t *>malloc(sizeof(int32_t) * (max_len + 1) * K)
        if U == NULL:
            flag[0] = 1
        for s in prange(s0, s1, schedule="dynamic", chunksize=256):
            if U != NULL:
                a = ends[s - 1] if s > 0 else 0
                n = ends[s] - a
                if n > 0:
                    _fill_units(ix, um, &ids[0] + a, a, n, K, U, RG + (a - P0), CG + (a - P0),
                                L, o)
        free(U)
    if failed:
        free(RG); free(CG); free(pairs)
        raise MemoryError("cannot allocate the unit buffers")
    # phase 2: pairs, rows split among threads
    for t in prange(T, nogil=True, num_threads=T, schedule="static", chunksize=1):
        status[t] = _count_thread_ngram(st, t, um, RG, CG, L, P0, &ends[0], &weights[0], s0,
                                        s1, o, &pairs[t])
    free(RG)
    free(CG)
    for t in range(T):
        total += pairs[t]
    free(pairs)
    pc.check()
    return total
