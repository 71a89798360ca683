# cython: language_level=3
"""Compiled skip-gram with negative sampling (SGNS) over an encoded corpus.

Work split
----------
An epoch is a sequence of *chunks*: runs of whole sentences of about 10,000 tokens
(boundaries computed in Python). ``sgns_train_words`` trains chunks
``[chunk_lo, chunk_hi)`` with ``prange(schedule="dynamic")``: each thread takes the
next untrained chunk, so a thread always works on contiguous sentences.

Per-sentence unit arrays
------------------------
A sentence is first turned into a unit array (``units[0..n)``, vocabulary ids):
out-of-vocabulary tokens are dropped and frequent tokens are dropped at random
(word2vec's subsampling, a fresh draw per token and epoch), so windows span the
surviving tokens as in word2vec.c and gensim. Pairs are then formed on the unit
array and trained by ``nv_sgns_pair``, the one place where the arithmetic lives.

Ngram units (ngram2vec) are a second kernel, ``sgns_train_ngram_shard``: Python
precomputes, for every corpus position and order, the input / context id of the ngram
starting there (-1 when none or when it crosses a sentence end); per sentence the
kernel copies them into per-order unit arrays, subsampled in place (positions stay
those of the sentence as written: out-of-vocabulary and dropped units are gaps), and
pairs every input unit with the context units of its window under ngram2vec's rule
(see ``_train_chunk_ngram``); ``nv_sgns_pair`` is reused unchanged with an output
matrix spanning the context vocabulary.

Shared weights and per-thread state (Hogwild)
---------------------------------------------
``syn0`` (input vectors) and ``syn1`` (output vectors) are shared by all threads
and updated without locks (Hogwild!, Recht et al. 2011), as in word2vec.c, gensim
and fastText: two threads may update the same row at the same time and one update
may be partly lost; with sparse updates this does not hurt convergence. Each thread
owns its xoshiro256** state (copied in at the start of a call and written back at
the end, seeded from ``np.random.SeedSequence``), its unit buffer, its gradient
buffer ``neu1e`` and its target list. With one thread a call is deterministic: same
seed, same bits.

Learning rate
-------------
``lr = lr0 - (lr0 - min_lr) * done / total_words`` where ``done`` is a counter of raw
tokens trained by all threads (atomic, updated after each chunk) counted over all
epochs of the run: word2vec's linear decay on global progress.

Arithmetic (one centre ``c``, context ``o``, negatives ``n_1..n_k``)
--------------------------------------------------------------------
For each target ``t`` with label ``y`` (1 for ``o``, 0 for the negatives)::

    f     = syn0[c] . syn1[t]
    g     = (y - sigmoid(f)) * lr         sigmoid from word2vec's table; f clipped at +-6
    neu1e += g * syn1[t]                  (gradient of syn0[c], applied at the end)
    syn1[t] += g * syn0[c]

then ``syn0[c] += neu1e``. A negative equal to ``o`` is skipped (word2vec).
"""
from cython.parallel cimport parallel, prange, threadid
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

import numpy as np

cimport numpy as cnp

cnp.import_array()

cdef extern from "nv_rng.h" nogil:
    ctypedef struct nv_rng:
        uint64_t s[4]
    uint64_t nv_rng_next(nv_rng *r)
    uint64_t nv_rng_below(nv_rng *r, uint64_t n)

cdef extern from "nv_alias.h" nogil:
    int nv_alias_build(const double *w, int64_t n, uint64_t *cells)
    int32_t nv_alias_draw(const uint64_t *cells, uint64_t n, uint64_t r)

# The arithmetic of one (centre, context) pair with its negatives (AVX2 / baseline
# clones picked at load time, word2vec's sigmoid table): see csrc/nv_sgns_update.h.
cdef extern from "nv_sgns_update.h" nogil:
    int NV_EXP_TABLE_SIZE
    void nv_fill_exp_table(float *t)
    double nv_sgns_pair(float *l1, float *syn1, int dim, const int32_t *targets,
                        int n_targets, float lr, float *neu1e, const float *exp_table,
                        int with_loss)

# Cache-line aligned per-thread blocks and the relaxed atomics of the progress counter.
cdef extern from "nv_sgns_thread.h" nogil:
    void *nv_alloc64(size_t n)
    int64_t nv_atomic_add_i64(int64_t *p, int64_t v)
    int64_t nv_atomic_load_i64(int64_t *p)


ctypedef struct sgns_opts:
    int dim, window, negative
    bint dynamic, with_loss
    float lr0, min_lr
    int64_t total_words       # raw tokens of the whole run (all epochs), for the lr decay
    int64_t n_alias


ctypedef struct sgns_tables:
    float *syn0
    float *syn1
    const int32_t *ids
    const int64_t *ends
    const int64_t *chunks
    const int32_t *remap      # lexicon id -> vocabulary id or -1
    const uint64_t *keep      # keep a token when (r >> 32) < keep[w]; >= 2**32 keeps always
    const uint64_t *alias     # negative-sampling alias table (nv_alias.h)
    const float *exp_table
    int64_t *progress         # [0]: raw tokens trained so far in this run (shared, atomic)


cdef class SGNSOptions:
    """Scalar settings of a training run (plain C values for the kernel).

    Parameters
    ----------
    dim, window, negative : int
    dynamic : bool
        Draw each centre's window uniformly in [1, window] (word2vec).
    with_loss : bool
        Accumulate the SGNS loss (slower: a log and an exp per target).
    lr0, min_lr : float
        Learning rate at the start and at the end of the run.
    total_words : int
        Raw tokens the run will train (tokens per epoch times epochs).
    """
    cdef public int dim, window, negative
    cdef public bint dynamic, with_loss
    cdef public float lr0, min_lr
    cdef public int64_t total_words

    def __init__(self, int dim, int window, int negative, bint dynamic, bint with_loss,
                 float lr0, float min_lr, int64_t total_words):
        self.dim = dim
        self.window = window
        self.negative = negative
        self.dynamic = dynamic
        self.with_loss = with_loss
        self.lr0 = lr0
        self.min_lr = min_lr
        self.total_words = max(total_words, 1)


def sgns_exp_table():
    """word2vec's sigmoid table: float32, shape (1000,), ``t[i] = sigmoid((2 i / 1000 - 1) * 6)``."""
    out = np.empty(NV_EXP_TABLE_SIZE, dtype=np.float32)
    cdef float[::1] v = out
    nv_fill_exp_table(&v[0])
    return out


def sgns_alias_table(weights):
    """Alias table of a discrete distribution (see ``csrc/nv_alias.h``).

    Parameters
    ----------
    weights : array-like of float64, shape (n,)
        Non-negative, not all zero (e.g. ``counts ** ns_exponent``).

    Returns
    -------
    ndarray of uint64, shape (n,)
    """
    cdef double[::1] w = np.ascontiguousarray(weights, dtype=np.float64)
    cells = np.empty(w.shape[0], dtype=np.uint64)
    cdef uint64_t[::1] c = cells
    cdef int err
    if w.shape[0] == 0:
        raise ValueError("cannot sample from an empty distribution")
    with nogil:
        err = nv_alias_build(&w[0], w.shape[0], &c[0])
    if err == -2:
        raise MemoryError("cannot allocate the alias table")
    if err != 0:
        raise ValueError("alias weights must be finite, >= 0 and not all zero")
    return cells


def sgns_alias_draw(const uint64_t[::1] cells, const uint64_t[::1] bits):
    """Draws from an alias table, one per entry of ``bits`` (for tests)."""
    out = np.empty(bits.shape[0], dtype=np.int32)
    cdef int32_t[::1] o = out
    cdef Py_ssize_t i
    for i in range(bits.shape[0]):
        o[i] = nv_alias_draw(&cells[0], cells.shape[0], bits[i])
    return out


def sgns_update_pair(float[:, ::1] syn0, float[:, ::1] syn1, int centre,
                     const int32_t[::1] targets, float lr, const float[::1] exp_table):
    """One SGNS update in place: ``syn0[centre]`` against ``targets`` (for tests).

    Parameters
    ----------
    syn0, syn1 : float32 arrays, shape (n, dim) and (m, dim)
    centre : int
        Row of ``syn0``.
    targets : int32 array, shape (1 + k,)
        The context (positive) row of ``syn1`` first, then the negatives.
    lr : float
    exp_table : float32 array from :func:`sgns_exp_table`

    Returns
    -------
    float
        The loss of the pair before the update, ``-log s(f_o) - sum log s(-f_n)``.
    """
    cdef int dim = syn0.shape[1]
    if syn1.shape[1] != dim or exp_table.shape[0] != NV_EXP_TABLE_SIZE:
        raise ValueError("shape mismatch")
    if not 0 <= centre < syn0.shape[0] or targets.shape[0] == 0:
        raise ValueError("bad centre or empty targets")
    for t in targets:
        if not 0 <= t < syn1.shape[0]:
            raise ValueError("target out of range")
    neu1e = np.empty(dim, dtype=np.float32)
    cdef float[::1] e = neu1e
    return nv_sgns_pair(&syn0[centre, 0], &syn1[0, 0], dim, &targets[0], targets.shape[0],
                        lr, &e[0], &exp_table[0], 1)


cdef int64_t _train_chunk(sgns_tables *tb, sgns_opts *o, int64_t chunk, nv_rng *state,
                          int32_t *units, int32_t *targets, float *neu1e,
                          int64_t *n_pairs, double *loss) noexcept nogil:
    """Train the sentences of one chunk; return the raw tokens read.

    The generator state is copied to the stack for the chunk (kept in registers, never
    sharing a cache line with another thread's state) and written back at the end.
    """
    cdef nv_rng local = state[0]
    cdef nv_rng *rng = &local
    cdef int64_t s, s0 = tb.chunks[chunk], s1 = tb.chunks[chunk + 1]
    cdef int64_t a, b, p, i, j, jlo, jhi, start, done
    cdef int64_t words = 0, pairs = 0
    cdef int n, win, k, nt
    cdef int32_t w, ctx, neg
    cdef uint64_t thr
    cdef float lr, frac
    cdef double lsum = 0.0
    cdef int dim = o.dim
    cdef float *l1
    # learning rate of this chunk, from the progress of all threads
    done = nv_atomic_load_i64(tb.progress)
    frac = <float>(<double>done / <double>o.total_words)
    lr = o.lr0 - (o.lr0 - o.min_lr) * frac
    if lr < o.min_lr:
        lr = o.min_lr
    start = tb.ends[s0 - 1] if s0 > 0 else 0
    for s in range(s0, s1):
        a = tb.ends[s - 1] if s > 0 else 0
        b = tb.ends[s]
        # 1. the unit array: in-vocabulary tokens that survive subsampling
        n = 0
        for p in range(a, b):
            w = tb.remap[tb.ids[p]]
            if w < 0:
                continue
            thr = tb.keep[w]
            if thr < (<uint64_t>1 << 32) and (nv_rng_next(rng) >> 32) >= thr:
                continue
            units[n] = w
            n += 1
        # 2. pairs: centre units[i], contexts within its (dynamic) window
        for i in range(n):
            win = o.window
            if o.dynamic:
                win = o.window - <int>nv_rng_below(rng, <uint64_t>o.window)
            jlo = i - win if i >= win else 0
            jhi = i + win if i + win < n else n - 1
            w = units[i]
            l1 = tb.syn0 + <int64_t>w * dim
            for j in range(jlo, jhi + 1):
                if j == i:
                    continue
                ctx = units[j]
                targets[0] = ctx
                nt = 1
                for k in range(o.negative):
                    neg = nv_alias_draw(tb.alias, <uint64_t>o.n_alias, nv_rng_next(rng))
                    if neg != ctx:
                        targets[nt] = neg
                        nt += 1
                lsum += nv_sgns_pair(l1, tb.syn1, dim, targets, nt, lr, neu1e,
                                     tb.exp_table, o.with_loss)
                pairs += 1
    words = tb.ends[s1 - 1] - start if s1 > s0 else 0
    nv_atomic_add_i64(tb.progress, words)
    state[0] = local
    n_pairs[0] += pairs
    loss[0] += lsum
    return words


cdef int64_t _longest_sentence(const int64_t[::1] ends, int64_t s0, int64_t s1):
    """Tokens of the longest sentence in [s0, s1): sizes the per-thread unit buffers."""
    cdef int64_t s, m = 0, prev = ends[s0 - 1] if s0 > 0 else 0
    for s in range(s0, s1):
        if ends[s] - prev > m:
            m = ends[s] - prev
        prev = ends[s]
    return m


cdef sgns_opts _c_opts(SGNSOptions opts, int dim, int64_t n_alias):
    """The scalar settings of a training call as the C struct the kernels read."""
    cdef sgns_opts o
    o.dim = dim
    o.window = opts.window
    o.negative = opts.negative
    o.dynamic = opts.dynamic
    o.with_loss = opts.with_loss
    o.lr0 = opts.lr0
    o.min_lr = opts.min_lr
    o.total_words = opts.total_words
    o.n_alias = n_alias
    return o


def sgns_train_words(float[:, ::1] syn0, float[:, ::1] syn1, const int32_t[::1] ids,
                     const int64_t[::1] ends, const int64_t[::1] chunks,
                     int64_t chunk_lo, int64_t chunk_hi, const int32_t[::1] remap,
                     const uint64_t[::1] keep, const uint64_t[::1] alias,
                     SGNSOptions opts, uint64_t[:, ::1] rng_states, int64_t[::1] progress):
    """Train SGNS with word contexts on chunks ``[chunk_lo, chunk_hi)``, all threads.

    Parameters
    ----------
    syn0 : float32 array, shape (n_vocab, dim)
        Input (word) vectors, updated in place (Hogwild, see the module docstring).
    syn1 : float32 array, shape (n_vocab, dim)
        Output (context) vectors, updated in place.
    ids : int32 array, shape (n_tokens,)
        Lexicon ids of the encoded corpus (a read-only memmap is fine).
    ends : int64 array, shape (n_sentences,)
        One past the last token of each sentence.
    chunks : int64 array, shape (n_chunks + 1,)
        Sentence index where each chunk starts; ``chunks[-1] == n_sentences``.
    chunk_lo, chunk_hi : int
        Chunks to train.
    remap : int32 array, shape (n_types,)
        Lexicon id -> vocabulary id, -1 when out of vocabulary.
    keep : uint64 array, shape (n_vocab,)
        Subsampling thresholds: keep probability times 2**32 (2**32 keeps always).
    alias : uint64 array, shape (n_vocab,)
        Negative-sampling alias table from :func:`sgns_alias_table`.
    opts : SGNSOptions
    rng_states : uint64 array, shape (n_threads, 4)
        One xoshiro256** state per thread; read at the start, written back at the end.
        The number of rows is the number of threads.
    progress : int64 array, shape (1,)
        Raw tokens trained so far in the run; advanced by this call.

    Returns
    -------
    (int, int, float)
        Raw tokens read, (centre, context) pairs trained, summed loss (0.0 unless
        ``opts.with_loss``).
    """
    cdef int T = rng_states.shape[0]
    cdef int dim = syn0.shape[1]
    cdef int64_t c, max_len = 0, s, prev = 0
    cdef int tid
    cdef sgns_opts o
    cdef sgns_tables tb
    cdef nv_rng *rng
    cdef int32_t *units
    cdef int32_t *targets
    cdef float *neu1e
    if chunk_hi <= chunk_lo:
        return 0, 0, 0.0
    if syn1.shape[1] != dim or syn1.shape[0] != syn0.shape[0] or keep.shape[0] != syn0.shape[0] \
            or alias.shape[0] != syn0.shape[0] or rng_states.shape[1] != 4 or T < 1:
        raise ValueError("inconsistent shapes")
    if chunk_lo < 0 or chunk_hi >= chunks.shape[0] or chunks[chunk_hi] > ends.shape[0] \
            or ids.shape[0] == 0 or progress.shape[0] < 1:
        raise ValueError("chunk range out of bounds")
    # longest sentence of the range: sizes the per-thread unit buffers
    max_len = _longest_sentence(ends, chunks[chunk_lo], chunks[chunk_hi])
    exp_table = sgns_exp_table()
    cdef float[::1] et = exp_table
    o = _c_opts(opts, dim, alias.shape[0])
    tb.syn0 = &syn0[0, 0]
    tb.syn1 = &syn1[0, 0]
    tb.ids = &ids[0]
    tb.ends = &ends[0]
    tb.chunks = &chunks[0]
    tb.remap = &remap[0]
    tb.keep = &keep[0]
    tb.alias = &alias[0]
    tb.exp_table = &et[0]
    tb.progress = &progress[0]
    t_pairs = np.zeros(T, dtype=np.int64)
    t_loss = np.zeros(T, dtype=np.float64)
    t_fail = np.zeros(T, dtype=np.int32)
    cdef int64_t[::1] tpv = t_pairs
    cdef double[::1] tlv = t_loss
    cdef int32_t[::1] tfv = t_fail
    cdef int64_t before = progress[0]
    with nogil, parallel(num_threads=T):
        tid = threadid()
        # cache-line aligned and padded: no false sharing between threads' scratch
        rng = <nv_rng *>nv_alloc64(sizeof(nv_rng))
        units = <int32_t *>nv_alloc64(sizeof(int32_t) * (max_len + 1))
        targets = <int32_t *>nv_alloc64(sizeof(int32_t) * (o.negative + 1))
        neu1e = <float *>nv_alloc64(sizeof(float) * dim)
        if rng == NULL or units == NULL or targets == NULL or neu1e == NULL:
            tfv[tid] = 1
        else:
            memcpy(rng, &rng_states[tid, 0], sizeof(nv_rng))
        for c in prange(chunk_lo, chunk_hi, schedule="dynamic", chunksize=1):
            if tfv[tid] == 0:
                _train_chunk(&tb, &o, c, rng, units, targets, neu1e, &tpv[tid], &tlv[tid])
        if tfv[tid] == 0:
            memcpy(&rng_states[tid, 0], rng, sizeof(nv_rng))
        free(rng)
        free(units)
        free(targets)
        free(neu1e)
    if t_fail.any():
        raise MemoryError("cannot allocate the per-thread training buffers")
    return int(progress[0] - before), int(t_pairs.sum()), float(t_loss.sum())


# ---------------------------------------------------------------------- ngram units

cdef enum:
    NV_MAX_ORDER = 6     # highest ngram order (as ngramvec.ngrams.MAX_ORDER)

ctypedef struct sgns_ngram_tables:
    float *syn0               # input vectors: rows of the input vocabulary
    float *syn1               # output vectors: rows of the context vocabulary
    const int32_t *iunits     # (n_in, n_tok): input id of the ngram of in_orders[x] at p, or -1
    const int32_t *cunits     # (n_ctx, n_tok): context id of the ngram of ctx_orders[y] at p
    int64_t n_tok
    int n_in, n_ctx
    int in_orders[NV_MAX_ORDER]
    int ctx_orders[NV_MAX_ORDER]
    int in_of[NV_MAX_ORDER + 1]     # order -> row x of iunits, or -1
    int ctx_of[NV_MAX_ORDER + 1]    # order -> row y of cunits, or -1
    const int64_t *ends
    const int64_t *chunks
    const uint64_t *keep_in   # subsampling thresholds of the input vocabulary (x 2**32)
    const uint64_t *keep_ctx  # idem, context vocabulary (same value for the same key)
    const uint64_t *alias     # negatives: alias table over the context vocabulary
    const float *exp_table
    int64_t *progress


cdef int64_t _train_chunk_ngram(sgns_ngram_tables *tb, sgns_opts *o, int64_t chunk,
                                nv_rng *state, int64_t stride, int32_t *I, int32_t *C,
                                int32_t *targets, float *neu1e, int64_t *n_pairs,
                                double *loss) noexcept nogil:
    """Train the sentences of one chunk with ngram units; return the raw tokens read.

    Per sentence of n tokens, ``I[x * stride + p]`` is the input id of the ngram of order
    ``in_orders[x]`` starting at p and ``C[y * stride + p]`` the context id of the ngram
    of order ``ctx_orders[y]`` (-1: none, out of vocabulary, crossing the sentence end,
    or subsampled). Positions are those of the sentence as written: out-of-vocabulary
    and subsampled units leave gaps (ngram2vec's "clean" subsampling).
    """
    cdef nv_rng local = state[0]
    cdef nv_rng *rng = &local
    cdef int64_t s, s0 = tb.chunks[chunk], s1 = tb.chunks[chunk + 1]
    cdef int64_t a, n, p, i, j, jlo, jhi, start, done
    cdef int64_t words = 0, pairs = 0
    cdef int win, k, x, y, ka, kb, q, nt
    cdef int32_t ui, uc, ctx, neg
    cdef uint64_t thr
    cdef float lr, frac
    cdef double lsum = 0.0
    cdef int dim = o.dim
    cdef int top = 0
    cdef float *l1
    for k in range(1, NV_MAX_ORDER + 1):
        if tb.in_of[k] >= 0 or tb.ctx_of[k] >= 0:
            top = k
    done = nv_atomic_load_i64(tb.progress)
    frac = <float>(<double>done / <double>o.total_words)
    lr = o.lr0 - (o.lr0 - o.min_lr) * frac
    if lr < o.min_lr:
        lr = o.min_lr
    start = tb.ends[s0 - 1] if s0 > 0 else 0
    for s in range(s0, s1):
        a = tb.ends[s - 1] if s > 0 else 0
        n = tb.ends[s] - a
        # 1. units of every order at every position; one subsampling draw per unit
        #    occurrence (position, order), shared by its input and context roles
        for k in range(1, top + 1):
            x = tb.in_of[k]
            y = tb.ctx_of[k]
            for p in range(n):
                ui = tb.iunits[x * tb.n_tok + a + p] if x >= 0 else -1
                uc = tb.cunits[y * tb.n_tok + a + p] if y >= 0 else -1
                if ui >= 0 or uc >= 0:
                    thr = tb.keep_in[ui] if ui >= 0 else tb.keep_ctx[uc]
                    if thr < (<uint64_t>1 << 32) and (nv_rng_next(rng) >> 32) >= thr:
                        ui = -1
                        uc = -1
                if x >= 0:
                    I[x * stride + p] = ui
                if y >= 0:
                    C[y * stride + p] = uc
        # 2. pairs. Centre span [i, i+ka), context span [j, j+kb): a pair when every
        #    token of one is within `win` of every token of the other,
        #    d = max(|i - (j+kb-1)|, |(i+ka-1) - j|) <= win, and the spans share no
        #    position (ngram2vec's default, overlap off). For a context left of the
        #    centre d = (i+ka-1) - j, so j >= i+ka-1-win; right of it d = j+kb-1-i, so
        #    j <= i+win-kb+1: the loop bounds are the rule, no test on d is needed.
        for i in range(n):
            win = o.window
            if o.dynamic:
                win = o.window - <int>nv_rng_below(rng, <uint64_t>o.window)
            for x in range(tb.n_in):
                ka = tb.in_orders[x]
                ui = I[x * stride + i]
                if ui < 0:
                    continue
                l1 = tb.syn0 + <int64_t>ui * dim
                for y in range(tb.n_ctx):
                    kb = tb.ctx_orders[y]
                    jlo = i + ka - 1 - win
                    if jlo < 0:
                        jlo = 0
                    jhi = i + win - kb + 1
                    if jhi > n - kb:
                        jhi = n - kb
                    for j in range(jlo, jhi + 1):
                        if j < i + ka and i < j + kb:
                            continue          # shared positions (includes j == i)
                        ctx = C[y * stride + j]
                        if ctx < 0:
                            continue
                        targets[0] = ctx
                        nt = 1
                        for q in range(o.negative):
                            neg = nv_alias_draw(tb.alias, <uint64_t>o.n_alias, nv_rng_next(rng))
                            if neg != ctx:
                                targets[nt] = neg
                                nt += 1
                        lsum += nv_sgns_pair(l1, tb.syn1, dim, targets, nt, lr, neu1e,
                                             tb.exp_table, o.with_loss)
                        pairs += 1
    words = tb.ends[s1 - 1] - start if s1 > s0 else 0
    nv_atomic_add_i64(tb.progress, words)
    state[0] = local
    n_pairs[0] += pairs
    loss[0] += lsum
    return words


def sgns_train_ngram_shard(float[:, ::1] syn0, float[:, ::1] syn1,
                           const int32_t[:, ::1] iunits, const int32_t[:, ::1] cunits,
                           const int32_t[::1] in_orders, const int32_t[::1] ctx_orders,
                           const int64_t[::1] ends, const int64_t[::1] chunks,
                           int64_t chunk_lo, int64_t chunk_hi, const uint64_t[::1] keep_in,
                           const uint64_t[::1] keep_ctx, const uint64_t[::1] alias,
                           SGNSOptions opts, uint64_t[:, ::1] rng_states,
                           int64_t[::1] progress):
    """Train SGNS with ngram units (ngram2vec) on chunks ``[chunk_lo, chunk_hi)``.

    Parameters
    ----------
    syn0 : float32 array, shape (n_input, dim)
        Input vectors (rows: the input vocabulary), updated in place (Hogwild).
    syn1 : float32 array, shape (n_context, dim)
        Output vectors (rows: the context vocabulary, words and ngrams), in place.
    iunits : int32 array, shape (len(in_orders), n_tokens)
        ``iunits[x, p]``: input id of the ngram of order ``in_orders[x]`` starting at
        corpus position p, or -1 (none, out of vocabulary, or crossing a sentence end).
    cunits : int32 array, shape (len(ctx_orders), n_tokens)
        Idem for the context vocabulary and ``ctx_orders``.
    in_orders, ctx_orders : int32 arrays
        Distinct orders in [1, 6].
    ends, chunks, chunk_lo, chunk_hi : as in :func:`sgns_train_words`
    keep_in : uint64 array, shape (n_input,)
        Subsampling thresholds (keep probability times 2**32).
    keep_ctx : uint64 array, shape (n_context,)
    alias : uint64 array, shape (n_context,)
        Negative-sampling alias table over the context vocabulary.
    opts, rng_states, progress : as in :func:`sgns_train_words`

    Returns
    -------
    (int, int, float)
        Raw tokens read, (centre, context) pairs trained, summed loss.

    Notes
    -----
    Same work split, generator, learning-rate schedule, Hogwild updates and pair
    arithmetic (``nv_sgns_pair``) as :func:`sgns_train_words`. The pairs are
    ngram2vec's (Zhao et al. 2017), as counted by ``_count_thread_ngram`` in
    ``_cooccur.pyx``: with ``opts.dynamic`` off and no subsampling, the pairs trained
    in an epoch are exactly the pairs :func:`ngramvec.count_cooccurrences` counts.
    The dynamic window is drawn once per centre position (shared by its orders).
    """
    cdef int T = rng_states.shape[0]
    cdef int dim = syn0.shape[1]
    cdef int64_t c, max_len = 0, s, prev = 0, stride
    cdef int tid, x, k
    cdef sgns_opts o
    cdef sgns_ngram_tables tb
    cdef nv_rng *rng
    cdef int32_t *I
    cdef int32_t *C
    cdef int32_t *targets
    cdef float *neu1e
    cdef int n_in = in_orders.shape[0], n_ctx = ctx_orders.shape[0]
    if chunk_hi <= chunk_lo:
        return 0, 0, 0.0
    if not 1 <= n_in <= NV_MAX_ORDER or not 1 <= n_ctx <= NV_MAX_ORDER:
        raise ValueError("between 1 and 6 input and context orders are needed")
    if iunits.shape[0] != n_in or cunits.shape[0] != n_ctx \
            or iunits.shape[1] != cunits.shape[1] or iunits.shape[1] == 0:
        raise ValueError("inconsistent unit arrays")
    if syn1.shape[1] != dim or keep_in.shape[0] != syn0.shape[0] \
            or keep_ctx.shape[0] != syn1.shape[0] or alias.shape[0] != syn1.shape[0] \
            or rng_states.shape[1] != 4 or T < 1:
        raise ValueError("inconsistent shapes")
    if chunk_lo < 0 or chunk_hi >= chunks.shape[0] or chunks[chunk_hi] > ends.shape[0] \
            or ends[ends.shape[0] - 1] > iunits.shape[1] or progress.shape[0] < 1:
        raise ValueError("chunk range out of bounds")
    for k in range(NV_MAX_ORDER + 1):
        tb.in_of[k] = -1
        tb.ctx_of[k] = -1
    for x in range(n_in):
        k = in_orders[x]
        if not 1 <= k <= NV_MAX_ORDER or tb.in_of[k] >= 0:
            raise ValueError("input orders must be distinct and in [1, 6]")
        tb.in_orders[x] = k
        tb.in_of[k] = x
    for x in range(n_ctx):
        k = ctx_orders[x]
        if not 1 <= k <= NV_MAX_ORDER or tb.ctx_of[k] >= 0:
            raise ValueError("context orders must be distinct and in [1, 6]")
        tb.ctx_orders[x] = k
        tb.ctx_of[k] = x
    max_len = _longest_sentence(ends, chunks[chunk_lo], chunks[chunk_hi])
    stride = max_len + 1
    exp_table = sgns_exp_table()
    cdef float[::1] et = exp_table
    o = _c_opts(opts, dim, alias.shape[0])
    tb.syn0 = &syn0[0, 0]
    tb.syn1 = &syn1[0, 0]
    tb.iunits = &iunits[0, 0]
    tb.cunits = &cunits[0, 0]
    tb.n_tok = iunits.shape[1]
    tb.n_in = n_in
    tb.n_ctx = n_ctx
    tb.ends = &ends[0]
    tb.chunks = &chunks[0]
    tb.keep_in = &keep_in[0]
    tb.keep_ctx = &keep_ctx[0]
    tb.alias = &alias[0]
    tb.exp_table = &et[0]
    tb.progress = &progress[0]
    t_pairs = np.zeros(T, dtype=np.int64)
    t_loss = np.zeros(T, dtype=np.float64)
    t_fail = np.zeros(T, dtype=np.int32)
    cdef int64_t[::1] tpv = t_pairs
    cdef double[::1] tlv = t_loss
    cdef int32_t[::1] tfv = t_fail
    cdef int64_t before = progress[0]
    with nogil, parallel(num_threads=T):
        tid = threadid()
        rng = <nv_rng *>nv_alloc64(sizeof(nv_rng))
        I = <int32_t *>nv_alloc64(sizeof(int32_t) * stride * n_in)
        C = <int32_t *>nv_alloc64(sizeof(int32_t) * stride * n_ctx)
        targets = <int32_t *>nv_alloc64(sizeof(int32_t) * (o.negative + 1))
        neu1e = <float *>nv_alloc64(sizeof(float) * dim)
        if rng == NULL or I == NULL or C == NULL or targets == NULL or neu1e == NULL:
            tfv[tid] = 1
        else:
            memcpy(rng, &rng_states[tid, 0], sizeof(nv_rng))
        for c in prange(chunk_lo, chunk_hi, schedule="dynamic", chunksize=1):
            if tfv[tid] == 0:
                _train_chunk_ngram(&tb, &o, c, rng, stride, I, C, targets, neu1e,
                                   &tpv[tid], &tlv[tid])
        if tfv[tid] == 0:
            memcpy(&rng_states[tid, 0], rng, sizeof(nv_rng))
        free(rng)
        free(I)
        free(C)
        free(targets)
        free(neu1e)
    if t_fail.any():
        raise MemoryError("cannot allocate the per-thread training buffers")
    return int(progress[0] - before), int(t_pairs.sum()), float(t_loss.sum())
