# cython: language_level=3
"""Compiled co-occurrence counting over an encoded corpus.

The accumulators, their spills and the assembly of the matrix are the data layer's
(:class:`ngramvec.data._ngrams.PairCounter`); this module supplies the thread bodies
that turn sentences into (row, column, weight) pairs and hands them to
``PairCounter.count``, which runs them on every thread (thread ``t`` of ``T`` counts
the pairs whose row ``r`` satisfies ``r % T == t``) and spills between rounds.

Per-position random decisions (subsampling, dynamic window) come from a
counter-based hash of the token position (``csrc/nv_rng.h``), so every thread sees
the same sentence and the counts do not depend on the number of threads, on the
memory limit, or on sharding.

A sentence is first turned into per-position unit ids (row id and column id, -1 for
a gap), then paired under ngram2vec's window rule (``csrc/nv_ngram_window.h``,
words being the units of order 1).
"""
from cython.parallel cimport parallel, prange
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport free, malloc

import numpy as np

from ngramvec.data._ngrams cimport (NV_MAX_ORDER, NgramIndex, PairCounter, longest_sentence,
                                    nv_counter, nv_counter_room, nv_ngram_index,
                                    nv_ngram_units, nv_ngw_begin, nv_ngw_iter, nv_ngw_mode,
                                    nv_ngw_next, nv_pairtab_add)

cdef extern from "nv_rng.h" nogil:
    uint64_t nv_hash64(uint64_t seed, uint64_t position, uint64_t stream)
    double nv_hash_uniform(uint64_t seed, uint64_t position, uint64_t stream)

DEF SUB_NONE = 0
DEF SUB_DIRTY = 1
DEF SUB_CLEAN = 2


ctypedef struct count_opts:
    int window, direction, subsample
    bint dynamic, drop_oov, overlap
    uint64_t seed
    uint64_t offset              # global position of the first token of ``ids``
    const int64_t *weights       # ticks by distance, window + 1 entries


cdef class CountOptions:
    """Settings of a counting pass (plain C values for the kernels).

    Parameters
    ----------
    window : int
        Largest distance between centre and context.
    weights : int64 array, shape (window + 1,)
        Ticks added for a pair at distance d (``weights[0]`` unused).
    dynamic : bool
        Sample each centre's window uniformly in [1, window] (word2vec).
    direction : int
        1 left contexts only, 2 right only, 3 both.
    subsample : int
        0 none, 1 remove subsampled tokens before windowing ("dirty"),
        2 keep them as gaps ("clean"; always for ngram units).
    drop_oov : bool
        Remove out-of-vocabulary tokens before windowing (word2vec, GloVe) instead
        of keeping them as gaps (hyperwords). With ngram units (``gaps="drop"``) the
        ngrams are then formed over the tokens left (a word out of the vocabulary is
        one that ``UnitMaps.word_keep`` marks -1).
    overlap : bool
        Ngram units sharing positions are pairs too (ngram2vec's ``overlap``).
    seed : int
    offset : int, default=0
        Global position of the first token of the ids the kernels get: when they are
        a piece of a larger corpus (a split counted by a Dask worker), random
        decisions hash ``offset + p``, the token's position in the whole corpus.
    """
    cdef count_opts o
    cdef const int64_t[::1] _weights

    def __init__(self, int window, weights, bint dynamic, int direction, int subsample,
                 bint drop_oov, bint overlap, uint64_t seed, uint64_t offset=0):
        if window < 1 or direction not in (1, 2, 3) or subsample not in (0, 1, 2):
            raise ValueError("window must be >= 1, direction in {1, 2, 3}, "
                             "subsample in {0, 1, 2}")
        self._weights = np.ascontiguousarray(weights, dtype=np.int64)
        if self._weights.shape[0] < window + 1:
            raise ValueError("weights must have window + 1 entries")
        self.o.window = window
        self.o.weights = &self._weights[0]
        self.o.dynamic = dynamic
        self.o.direction = direction
        self.o.subsample = subsample
        self.o.drop_oov = drop_oov
        self.o.overlap = overlap
        self.o.seed = seed
        self.o.offset = offset

    @property
    def window(self):
        return self.o.window


ctypedef struct unit_maps:
    int n_in, n_ctx
    int in_orders[NV_MAX_ORDER]
    int ctx_orders[NV_MAX_ORDER]
    int max_order
    const int32_t *rowmap[NV_MAX_ORDER + 1]     # internal id -> row id or -1, per order
    const int32_t *colmap[NV_MAX_ORDER + 1]
    const double *keep[NV_MAX_ORDER + 1]        # keep probability per internal id
    int64_t size[NV_MAX_ORDER + 1]              # entries of rowmap, colmap and keep
    const double *word_keep                     # per lexicon id: the word's keep
                                                # probability, -1 out of the vocabulary


cdef class UnitMaps:
    """Per-order maps from internal unit ids (lexicon ids for order 1) to row / column
    ids and keep probabilities.

    Parameters
    ----------
    in_orders, ctx_orders : sequence of int
        Distinct orders in [1, MAX_ORDER]; words are ``(1,), (1,)``.
    rowmaps, colmaps : dict of order -> int32 array
        Row / column id of each internal id of that order, -1 for none (missing
        orders: none).
    keeps : dict of order -> float64 array
        Keep probability of each internal id under subsampling (missing: 1).
    word_keep : float64 array, optional
        Ngram units with removed tokens (``oov="drop"`` or ``subsampling="dirty"``):
        per lexicon id, the keep probability of its word, or -1 for a word out of the
        vocabulary. Same length as the order-1 maps.
    """
    cdef unit_maps m
    cdef list _refs

    def __init__(self, in_orders, ctx_orders, dict rowmaps, dict colmaps, dict keeps,
                 word_keep=None):
        cdef int k, i
        cdef const int32_t[::1] r
        cdef const double[::1] d
        ins, ctx = [int(k) for k in in_orders], [int(k) for k in ctx_orders]
        for orders in (ins, ctx):
            if not orders or len(set(orders)) != len(orders) or \
                    not all(1 <= k <= NV_MAX_ORDER for k in orders):
                raise ValueError(f"orders must be distinct and in [1, {NV_MAX_ORDER}]")
        self._refs = []
        self.m.n_in = len(ins)
        self.m.n_ctx = len(ctx)
        self.m.max_order = max(max(ins), max(ctx))
        for k in range(NV_MAX_ORDER + 1):
            self.m.rowmap[k] = NULL
            self.m.colmap[k] = NULL
            self.m.keep[k] = NULL
            self.m.size[k] = 0
        for i, k in enumerate(ins):
            self.m.in_orders[i] = k
        for i, k in enumerate(ctx):
            self.m.ctx_orders[i] = k
        for k in range(1, self.m.max_order + 1):
            given = [rowmaps.get(k), colmaps.get(k), keeps.get(k)]
            size = max([len(a) for a in given if a is not None] + [1])
            arrays = [np.ascontiguousarray(given[0] if given[0] is not None
                                           else np.full(size, -1, np.int32), np.int32),
                      np.ascontiguousarray(given[1] if given[1] is not None
                                           else np.full(size, -1, np.int32), np.int32),
                      np.ascontiguousarray(given[2] if given[2] is not None
                                           else np.ones(size), np.float64)]
            if any(a.ndim != 1 or len(a) != size for a in arrays):
                raise ValueError(f"the row, column and keep maps of order {k} differ in "
                                 "length")
            self._refs.extend(arrays)
            r = arrays[0]
            self.m.rowmap[k] = &r[0]
            r = arrays[1]
            self.m.colmap[k] = &r[0]
            d = arrays[2]
            self.m.keep[k] = &d[0]
            self.m.size[k] = size
        self.m.word_keep = NULL
        if word_keep is not None:
            wk = np.ascontiguousarray(word_keep, dtype=np.float64)
            if wk.ndim != 1 or len(wk) != self.m.size[1]:
                raise ValueError("word_keep must have one entry per lexicon id")
            self._refs.append(wk)
            d = wk
            self.m.word_keep = &d[0]


# ---- words ---------------------------------------------------------------------------

ctypedef struct word_job:
    const int32_t *ids
    const int64_t *ends
    const int32_t *row_map
    const int32_t *col_map
    const double *keep
    int64_t max_len
    count_opts o


cdef inline void _add_pair(nv_counter *pc, int t, int32_t r, int32_t c, int64_t w,
                           int64_t rowlen, int64_t rowoff, int col_bits) noexcept nogil:
    """One weighted pair (r, c) of thread t: into row r's dense block when column c falls
    inside it (``rowlen`` columns at ``rowoff``), else into the thread's pair table."""
    if c < rowlen:
        pc.dense[rowoff + c] += w
    else:
        nv_pairtab_add(&pc.tabs[t], (<uint64_t>r << col_bits) | <uint64_t>c, w)


cdef int _word_thread(const void *job, nv_counter *pc, int t, int64_t s1) noexcept nogil:
    """Count the word pairs of sentences [pc.next[t], s1) whose row is owned by t."""
    cdef const word_job *jb = <const word_job *>job
    cdef count_opts o = jb.o
    cdef int T = pc.n_threads
    cdef const int32_t *ids = jb.ids
    cdef const int32_t *row_map = jb.row_map
    cdef const int32_t *col_map = jb.col_map
    cdef const double *keep = jb.keep
    cdef const int64_t *weights = o.weights
    cdef int32_t *rb = <int32_t *>malloc(sizeof(int32_t) * (jb.max_len + 1))
    cdef int32_t *cb = <int32_t *>malloc(sizeof(int32_t) * (jb.max_len + 1))
    cdef int64_t *pb = <int64_t *>malloc(sizeof(int64_t) * (jb.max_len + 1))
    cdef int64_t s, a, b, p, n, i, rowlen, rowoff, pairs = 0
    cdef int32_t lid, r, c
    cdef int d, win, window = o.window, err = 0
    cdef int col_bits = pc.col_bits
    cdef int mode = nv_ngw_mode(o.direction, 0)
    cdef nv_ngw_iter it
    if rb == NULL or cb == NULL or pb == NULL:
        free(rb); free(cb); free(pb)
        return 12  # ENOMEM
    s = pc.next[t]
    while s < s1:
        a = jb.ends[s - 1] if s > 0 else 0
        b = jb.ends[s]
        # 1. the sentence as unit ids; OOV and subsampled tokens removed, or kept as gaps
        n = 0
        for p in range(a, b):
            lid = ids[p]
            r = row_map[lid]
            c = col_map[lid]
            if r < 0 and c < 0:
                if o.drop_oov:
                    continue
            elif o.subsample != SUB_NONE and \
                    nv_hash_uniform(o.seed, o.offset + <uint64_t>p, 0) >= keep[lid]:
                if o.subsample == SUB_DIRTY:
                    continue
                r = -1
                c = -1
            rb[n] = r
            cb[n] = c
            pb[n] = p
            n += 1
        if n >= 2:
            # 2. room for the worst case of this sentence (every pair a new key)
            err = nv_counter_room(pc, t, n * 2 * window)
            if err != 0:
                break
            # 3. pairs (i = centre, j = context) under the window rule
            for i in range(n):
                r = rb[i]
                if r < 0 or r % T != t:
                    continue
                win = window
                if o.dynamic:
                    win = 1 + <int>(nv_hash64(o.seed, o.offset + <uint64_t>pb[i], 1)
                                    % <uint64_t>window)
                rowlen = pc.dense_len[r]
                rowoff = pc.dense_off[r]
                nv_ngw_begin(&it, cb, n, i, 1, 1, win, mode)
                while nv_ngw_next(&it, &c, &d):
                    pairs += 1
                    _add_pair(pc, t, r, c, weights[d], rowlen, rowoff, col_bits)
        s += 1
    free(rb)
    free(cb)
    free(pb)
    pc.next[t] = s
    pc.pairs[t] += pairs
    return err


cdef int _check_range(const int32_t[::1] ids, const int64_t[::1] ends, int64_t s0,
                      int64_t s1, int64_t n_lex) except -1:
    """Sentences [s0, s1) lie within ``ids`` and their ids within [0, n_lex)."""
    cdef int64_t p, a, b
    cdef int bad = 0
    if s0 < 0 or s1 > ends.shape[0] or ends[s1 - 1] > ids.shape[0]:
        raise ValueError("sentence range out of bounds")
    a = ends[s0 - 1] if s0 > 0 else 0
    b = ends[s1 - 1]
    with nogil:
        for p in range(a, b):
            if ids[p] < 0 or ids[p] >= n_lex:
                bad = 1
    if bad:
        raise ValueError("the maps of order 1 must have an entry for every lexicon id")
    return 0


def cooccur_count_shard(PairCounter pc, const int32_t[::1] ids, const int64_t[::1] ends,
                        UnitMaps maps, CountOptions opts, int64_t s0, int64_t s1):
    """Count the word pairs of sentences [s0, s1) into ``pc``, all threads.

    Parameters
    ----------
    pc : PairCounter
    ids : int32 array, shape (n_tokens,)
        Lexicon ids of the encoded corpus.
    ends : int64 array, shape (n_sentences,)
        Sentence ends.
    maps : UnitMaps
        Of orders (1,), (1,): lexicon id -> row / column id (-1 when not a row /
        column) and keep probability under subsampling, one entry per lexicon id.
    opts : CountOptions
    s0, s1 : int
        Sentence range.

    Returns
    -------
    int
        Pairs counted (occurrences, not distinct pairs).
    """
    cdef word_job jb
    if s1 <= s0:
        return 0
    if maps.m.max_order != 1:
        raise ValueError("word counting takes the maps of order 1 only")
    _check_range(ids, ends, s0, s1, maps.m.size[1])
    jb.ids = &ids[0]
    jb.ends = &ends[0]
    jb.row_map = maps.m.rowmap[1]
    jb.col_map = maps.m.colmap[1]
    jb.keep = maps.m.keep[1]
    jb.max_len = longest_sentence(&ends[0], s0, s1)
    jb.o = opts.o
    return pc.count(_word_thread, &jb, s0, s1)


# ---- ngram units ---------------------------------------------------------------------

cdef void _fill_units(const nv_ngram_index *ix, const unit_maps *um, const int32_t *lex,
                      int64_t a, int64_t n, int K, int32_t *U, int32_t *S, int32_t *R,
                      int32_t *C, int32_t *P, int64_t L, const count_opts *o) noexcept nogil:
    """Row and column ids of every unit of one sentence (tokens lex[0:n] at global
    position a): R[(k-1)*L + i] / C[(k-1)*L + i] for the order-k unit at i, -1 for
    none; subsampled occurrences are removed in place ("clean"). U and S are scratch.

    With removed tokens (``P`` not NULL: ``o.drop_oov`` or ``SUB_DIRTY``), the units
    are formed over the tokens left after removing words out of the vocabulary
    (``drop_oov``) and words subsampled with their own frequency (``SUB_DIRTY``, the
    word path's draw: stream 0 at the token's position); P[i] is the position in the
    sentence of the i-th token left, and positions past the last are no units."""
    cdef int64_t i, m = n
    cdef int k
    cdef int32_t u, r, c
    cdef uint64_t stream
    cdef double wk
    cdef const int32_t *src = lex
    if P != NULL:
        m = 0
        for i in range(n):
            wk = um.word_keep[lex[i]]
            if wk < 0:
                if o.drop_oov:
                    continue
            elif o.subsample == SUB_DIRTY and \
                    nv_hash_uniform(o.seed, o.offset + <uint64_t>(a + i), 0) >= wk:
                continue
            S[m] = lex[i]
            P[m] = <int32_t>i
            m += 1
        for i in range(m, n):
            P[i] = <int32_t>i
        src = S
    nv_ngram_units(ix, src, m, K, U)
    for k in range(1, K + 1):
        stream = 0 if k == 1 else <uint64_t>(k + 2)
        for i in range(n):
            u = U[(k - 1) * m + i] if i < m else -1
            r = -1
            c = -1
            if u >= 0:
                r = um.rowmap[k][u]
                c = um.colmap[k][u]
                if (r >= 0 or c >= 0) and o.subsample == SUB_CLEAN and \
                        nv_hash_uniform(o.seed, o.offset + <uint64_t>(
                            a + (P[i] if P != NULL else i)), stream) >= um.keep[k][u]:
                    r = -1
                    c = -1
            R[(k - 1) * L + i] = r
            C[(k - 1) * L + i] = c


ctypedef struct unit_job:
    const unit_maps *um
    const int32_t *RG            # row ids: K rows of L, corpus position p at column p - P0
    const int32_t *CG            # column ids, same layout
    const int32_t *PG            # removed tokens: sentence position of unit i (or NULL)
    int64_t L, P0
    const int64_t *ends
    count_opts o


cdef int _unit_thread(const void *job, nv_counter *pc, int t, int64_t s1) noexcept nogil:
    """Pairs of ngram units owned by thread t: centre span [i, i+ka), context span
    [j, j+kb), under ngram2vec's window rule (``csrc/nv_ngram_window.h``: distance,
    ``overlap``, ``direction``). Positions are those of the sentence as encoded
    (out-of-vocabulary tokens are gaps), or with removed tokens those of the tokens
    left; the unit ids come from :func:`_fill_units`."""
    cdef const unit_job *jb = <const unit_job *>job
    cdef const unit_maps *um = jb.um
    cdef count_opts o = jb.o
    cdef const int64_t *weights = o.weights
    cdef int T = pc.n_threads
    cdef int64_t s, a, n, i, pairs = 0, rowlen, rowoff, L = jb.L
    cdef int d, ka, kb, x, y, win, window = o.window, err = 0
    cdef int32_t r, c
    cdef const int32_t *R
    cdef const int32_t *C
    cdef const int32_t *P
    cdef int mode = nv_ngw_mode(o.direction, o.overlap)
    cdef nv_ngw_iter it
    cdef int col_bits = pc.col_bits
    s = pc.next[t]
    while s < s1:
        a = jb.ends[s - 1] if s > 0 else 0
        n = jb.ends[s] - a
        if n < 1:
            s += 1
            continue
        R = jb.RG + (a - jb.P0)
        C = jb.CG + (a - jb.P0)
        P = jb.PG + (a - jb.P0) if jb.PG != NULL else NULL
        err = nv_counter_room(pc, t, n * 2 * window * um.n_in * um.n_ctx + 1)
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
                    win = 1 + <int>(nv_hash64(o.seed, o.offset + <uint64_t>(
                        a + (P[i] if P != NULL else i)), 1) % <uint64_t>window)
                rowlen = pc.dense_len[r]
                rowoff = pc.dense_off[r]
                for y in range(um.n_ctx):
                    kb = um.ctx_orders[y]
                    nv_ngw_begin(&it, C + (kb - 1) * L, n, i, ka, kb, win, mode)
                    while nv_ngw_next(&it, &c, &d):
                        pairs += 1
                        _add_pair(pc, t, r, c, weights[d], rowlen, rowoff, col_bits)
        s += 1
    pc.next[t] = s
    pc.pairs[t] += pairs
    return err


def cooccur_count_ngram_shard(PairCounter pc, NgramIndex index, UnitMaps maps,
                              const int32_t[::1] ids, const int64_t[::1] ends,
                              CountOptions opts, int64_t s0, int64_t s1):
    """Count ngram-unit pairs of sentences [s0, s1) into ``pc`` (see
    :func:`cooccur_count_shard`; ``index`` gives the internal id of the ngram at each
    position and ``maps`` its row / column id). Returns the number of pairs counted."""
    cdef int K = maps.m.max_order
    cdef int64_t P0, L, s, a, n, max_len
    cdef int32_t *U
    cdef int32_t *S
    cdef int failed = 0
    cdef bint removes = opts.o.drop_oov or opts.o.subsample == SUB_DIRTY
    cdef int *flag = &failed          # written through a pointer: shared by the threads
    cdef const nv_ngram_index *ix = &index.ix
    cdef const unit_maps *um = &maps.m
    cdef const count_opts *o = &opts.o
    cdef unit_job jb
    cdef int k, T = pc.n_threads
    if s1 <= s0:
        return 0
    _check_range(ids, ends, s0, s1, maps.m.size[1])
    if removes and maps.m.word_keep == NULL:
        raise ValueError("removing tokens (oov='drop' or subsampling='dirty') needs the "
                         "maps' word_keep")
    if K > index.ix.max_order:
        raise ValueError("the index does not hold every order the units need")
    for k in range(2, K + 1):
        if maps.m.size[k] < index.ix.tabs[k].n:
            raise ValueError(f"the maps of order {k} have fewer entries than the index")
    P0 = ends[s0 - 1] if s0 > 0 else 0
    L = ends[s1 - 1] - P0
    max_len = longest_sentence(&ends[0], s0, s1)
    # phase 1: unit ids of the whole chunk, sentences split among threads
    cdef int32_t *RG = <int32_t *>malloc(sizeof(int32_t) * max(K * L, 1))
    cdef int32_t *CG = <int32_t *>malloc(sizeof(int32_t) * max(K * L, 1))
    cdef int32_t *PG = <int32_t *>malloc(sizeof(int32_t) * max(L, 1)) if removes else NULL
    if RG == NULL or CG == NULL or (removes and PG == NULL):
        free(RG); free(CG); free(PG)
        raise MemoryError("cannot allocate the unit ids of a chunk")
    try:
        with nogil, parallel(num_threads=T):
            U = <int32_t *>malloc(sizeof(int32_t) * (max_len + 1) * K)
            S = <int32_t *>malloc(sizeof(int32_t) * (max_len + 1))
            if U == NULL or S == NULL:
                flag[0] = 1
            for s in prange(s0, s1, schedule="dynamic", chunksize=256):
                if U != NULL and S != NULL:
                    a = ends[s - 1] if s > 0 else 0
                    n = ends[s] - a
                    if n > 0:
                        _fill_units(ix, um, &ids[0] + a, a, n, K, U, S, RG + (a - P0),
                                    CG + (a - P0), PG + (a - P0) if PG != NULL else NULL,
                                    L, o)
            free(U)
            free(S)
        if failed:
            raise MemoryError("cannot allocate the unit buffers")
        # phase 2: pairs, rows split among threads
        jb.um = um
        jb.RG = RG
        jb.CG = CG
        jb.PG = PG
        jb.L = L
        jb.P0 = P0
        jb.ends = &ends[0]
        jb.o = opts.o
        return pc.count(_unit_thread, &jb, s0, s1)
    finally:
        free(RG)
        free(CG)
        free(PG)
