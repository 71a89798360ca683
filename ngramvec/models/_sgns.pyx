# cython: language_level=3
"""Compiled skip-gram with negative sampling (SGNS) over an encoded corpus.

Work split: one driver, one C body per variant
-----------------------------------------------
An epoch is a sequence of *chunks*: runs of whole sentences of about 10,000 tokens
(boundaries computed in Python). The front end builds one :class:`SGNSShared` per
training run (both weight matrices, sentence ends, chunk bounds, subsampling and
negative-sampling tables, generator states, the scalar settings, the progress
counter) and calls an entry point per slice of chunks ``[chunk_lo, chunk_hi)``:
``sgns_train_words`` (word2vec) or ``sgns_train_ngrams`` (ngram2vec). Each checks its
variant's arrays and hands a *chunk body* and its tables to the one parallel driver,
``_drive``, which owns everything else: per-thread scratch (allocated once per call,
before the chunk loop), generator states in and out, ``prange(schedule="dynamic")``
over the chunks (each thread takes the next untrained chunk, so a thread always works
on contiguous sentences), the learning rate of each chunk, the progress counter and
the statistics. A body trains the sentences of one chunk and touches only its
thread's scratch and the shared weights. The bodies and the arithmetic are plain C in
``csrc/``::

    nv_sgns.h          run state (nv_sgns_shared), per-thread block, lr decay
    nv_sgns_update.h   nv_sgns_pair: one (centre, context) update, sigmoid table
    nv_sgns_batch.h    nv_sgns_batch: one minibatch with shared negatives (HogBatch)
    nv_sgns_words.h    word2vec body: subsampled unit array, (dynamic) window
    nv_sgns_ngrams.h   ngram2vec body: per-order unit rows, ngram2vec's window rule

Per-sentence unit arrays
------------------------
Word units: out-of-vocabulary tokens are dropped and frequent tokens subsampled (a
fresh draw per token and epoch) before windowing, as in word2vec.c and gensim. Ngram
units: Python precomputes the input / context id of the ngram of each order at each
corpus position; the body subsamples each unit occurrence in place, keeps the
positions as written (gaps), and pairs units under ngram2vec's rule
(``csrc/nv_ngram_window.h``, ``overlap`` optional). With ``gaps="drop"``
(``sgns_train_ngrams_dropped``) the body forms the units itself, per sentence and
epoch, from the tokens that survive out-of-vocabulary removal and word subsampling
(the ngram index looks their runs up), and windows run over those tokens as word2vec's
do. Pair by pair, every pair goes
through ``nv_sgns_pair``; in batch mode (``opts.batch``) every batch through
``nv_sgns_batch``: those two functions hold all the arithmetic.

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

Batched mode (``opts.batch``; Ji et al. 2016, HogBatch)
--------------------------------------------------------
The same pairs, grouped: for words, the context words ``x_1..x_B`` of one centre ``o``
(word2vec.c's orientation: the context's input vector predicts the centre's output
vector); for ngram units, the input units in the windows of the context units of every
order starting at one position (several positives, each input with a bit per positive
it pairs with: ``nv_sgns_batch_masked``). The batch shares one set of negatives ``n_1..n_k``; with ``X`` the B input rows and ``Y`` the
rows of ``o, n_1..n_k``::

    M = X Y^T,   G = (label - sigmoid(M)) * lr,   X += G Y,   Y += G^T X

(the products from the rows as they were before the batch; one write-back per row),
register-blocked AVX2 + FMA where the CPU has them, chosen at run time, else plain C.
Deterministic with one thread, but not the bits of the pair-by-pair mode.
"""
from cython.parallel cimport parallel, prange, threadid
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport free
from libc.string cimport memcpy

from ngramvec.data._ngrams cimport NgramIndex, nv_ngram_index

import numpy as np

cimport numpy as cnp

cnp.import_array()

cdef extern from "nv_rng.h" nogil:
    ctypedef struct nv_rng:
        uint64_t s[4]

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

# The run state shared by the chunk bodies, per-thread blocks, the progress counter.
cdef extern from "nv_sgns.h" nogil:
    ctypedef struct nv_sgns_opts:
        int dim, window, negative
        bint dynamic, with_loss, overlap, batch
        int isa, group
        float lr0, min_lr
        int64_t total_words, n_alias
    ctypedef struct nv_sgns_shared:
        float *syn0
        float *syn1
        int64_t n_input, n_context
        const int64_t *ends
        const int64_t *chunks
        int64_t n_chunks
        const uint64_t *keep
        const uint64_t *alias
        const float *exp_table
        uint64_t *rng_states
        int n_threads
        int64_t n_tokens, max_len
        int64_t *progress
        nv_sgns_opts o
    ctypedef struct nv_sgns_thread:
        nv_rng rng
        int64_t pairs, batches
        double loss
        int64_t stride
        int32_t *units
        int32_t *targets
        float *neu1e
        int32_t *inputs
        float *batch
    ctypedef void (*nv_sgns_body)(const nv_sgns_shared *sh, const void *var, int64_t s0,
                                  int64_t s1, float lr, nv_sgns_thread *th) noexcept nogil
    void *nv_alloc64(size_t n)
    int64_t nv_atomic_add_i64(int64_t *p, int64_t v)
    float nv_sgns_lr(const nv_sgns_shared *sh)

# The chunk bodies of the two variants (word2vec, ngram2vec) and their tables.
# The batched update (AVX2 + FMA or generic, chosen at run time): csrc/nv_sgns_batch.h.
cdef extern from "nv_sgns_batch.h" nogil:
    enum: NV_BATCH_MAX
    enum: NV_BATCH_MAXPOS
    int NV_ISA_GENERIC, NV_ISA_AVX2
    int nv_sgns_isa()
    int64_t nv_batch_scratch_floats(int dim, int negative)
    double nv_sgns_batch(float *syn0, float *syn1, int dim, const int32_t *inputs, int nb,
                         const int32_t *targets, int nt, float lr, float *scratch,
                         const float *exp_table, int with_loss, int isa)
    double nv_sgns_batch_masked(float *syn0, float *syn1, int dim, const int32_t *inputs,
                                int nb, const int32_t *targets, int nt, int npos,
                                const uint8_t *mask, float lr, float *scratch,
                                const float *exp_table, int with_loss, int isa)

cdef extern from "nv_sgns_words.h" nogil:
    ctypedef struct nv_sgns_words:
        const int32_t *ids
        const int32_t *remap
    void nv_sgns_words_chunk(const nv_sgns_shared *sh, const void *var, int64_t s0,
                             int64_t s1, float lr, nv_sgns_thread *th)
    void nv_sgns_words_batch_chunk(const nv_sgns_shared *sh, const void *var, int64_t s0,
                                   int64_t s1, float lr, nv_sgns_thread *th)

# ngram2vec's window rule and the highest ngram order, shared with counting.
cdef extern from "nv_ngram_window.h" nogil:
    enum: NV_MAX_ORDER

cdef extern from "nv_sgns_ngrams.h" nogil:
    ctypedef struct nv_sgns_ngrams:
        const int32_t *iunits
        const int32_t *cunits
        int64_t n_tok
        int n_in, n_ctx, top
        int in_orders[NV_MAX_ORDER]
        int ctx_orders[NV_MAX_ORDER]
        int in_of[NV_MAX_ORDER + 1]
        int ctx_of[NV_MAX_ORDER + 1]
        const uint64_t *keep_ctx
        int squeeze
        const int32_t *ids
        const uint64_t *word_keep
        const nv_ngram_index *ix
        int ix_top
        const int32_t *imap[NV_MAX_ORDER + 1]
        const int32_t *cmap[NV_MAX_ORDER + 1]
    int nv_sgns_ngrams_unit_rows(const nv_sgns_ngrams *v)
    void nv_sgns_ngrams_chunk(const nv_sgns_shared *sh, const void *var, int64_t s0,
                              int64_t s1, float lr, nv_sgns_thread *th)
    void nv_sgns_ngrams_batch_chunk(const nv_sgns_shared *sh, const void *var, int64_t s0,
                                    int64_t s1, float lr, nv_sgns_thread *th)


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
    overlap : bool, default=False
        With ngram units, also pair units that share positions (ngram2vec's
        ``overlap``; never a unit with itself). Ignored with word units.
    batch : bool, default=False
        Minibatched updates with shared negatives (``nv_sgns_batch``) instead of
        pair-by-pair updates (``nv_sgns_pair``).
    isa : str, default="auto"
        Implementation of the batched update: "auto" (the best this CPU runs, see
        :func:`sgns_isa`), "avx2" (refused on a CPU without AVX2 and FMA) or
        "generic".
    group : int, default=1
        Batch mode with ngram units: context positions per batch (their positives
        share one set of negatives; at most NV_BATCH_MAXPOS = 8 positives, so fewer
        positions when there are many context orders). 1: one position per batch.
    """
    cdef public int dim, window, negative
    cdef public bint dynamic, with_loss, overlap, batch
    cdef public float lr0, min_lr
    cdef public int64_t total_words
    cdef public int isa, group

    def __init__(self, int dim, int window, int negative, bint dynamic, bint with_loss,
                 float lr0, float min_lr, int64_t total_words, bint overlap=False,
                 bint batch=False, str isa="auto", int group=1):
        if not 1 <= group <= NV_BATCH_MAXPOS:
            raise ValueError(f"group must be in [1, {NV_BATCH_MAXPOS}]; got {group}")
        self.group = group
        self.isa = _isa_code(isa)
        self.dim = dim
        self.window = window
        self.negative = negative
        self.dynamic = dynamic
        self.with_loss = with_loss
        self.lr0 = lr0
        self.min_lr = min_lr
        self.total_words = max(total_words, 1)
        self.overlap = overlap
        self.batch = batch


cdef class SGNSShared:
    """The arrays and settings of one training run, checked once and shared by every
    kernel call of the run (built by the front end, see :mod:`ngramvec.models.sgns`).

    Parameters
    ----------
    syn0 : float32 array, shape (n_input, dim)
        Input vectors, updated in place by the kernels (Hogwild, see the module
        docstring).
    syn1 : float32 array, shape (n_context, dim)
        Output (context) vectors, updated in place.
    ends : int64 array, shape (n_sentences,)
        One past the last token of each sentence (non-decreasing).
    chunks : int64 array, shape (n_chunks + 1,)
        Sentence index where each chunk starts; ``chunks[-1] == n_sentences``.
    keep : uint64 array, shape (n_input,)
        Subsampling thresholds of the rows of ``syn0``: keep probability times 2**32
        (2**32 keeps always).
    alias : uint64 array, shape (n_context,)
        Negative-sampling alias table over the rows of ``syn1``
        (:func:`sgns_alias_table`).
    rng_states : uint64 array, shape (n_threads, 4)
        One xoshiro256** state per thread; read at the start of each call and written
        back at its end. The number of rows is the number of threads.
    opts : SGNSOptions

    Notes
    -----
    The object keeps the arrays alive and holds the run's progress counter (raw tokens
    trained, for the learning-rate decay), so build one per run. ``batches`` counts the
    batched updates of the run (``opts.batch``; 0 pair by pair).
    """
    cdef nv_sgns_shared c
    cdef float[:, ::1] _syn0, _syn1
    cdef const int64_t[::1] _ends, _chunks
    cdef const uint64_t[::1] _keep, _alias
    cdef uint64_t[:, ::1] _rng_states
    cdef float[::1] _exp_table
    cdef int64_t _progress
    cdef public int64_t batches

    def __init__(self, float[:, ::1] syn0, float[:, ::1] syn1, const int64_t[::1] ends,
                 const int64_t[::1] chunks, const uint64_t[::1] keep,
                 const uint64_t[::1] alias, uint64_t[:, ::1] rng_states, SGNSOptions opts):
        cdef int64_t s, prev = 0
        if syn0.shape[0] < 1 or syn1.shape[0] < 1 or syn1.shape[1] != syn0.shape[1] \
                or syn0.shape[1] != opts.dim or opts.dim < 1:
            raise ValueError("syn0 and syn1 must be non-empty with opts.dim columns each")
        if keep.shape[0] != syn0.shape[0] or alias.shape[0] != syn1.shape[0]:
            raise ValueError("keep must have one entry per row of syn0 and alias one per "
                             "row of syn1")
        if rng_states.shape[0] < 1 or rng_states.shape[1] != 4:
            raise ValueError("rng_states must have shape (n_threads, 4), n_threads >= 1")
        if opts.window < 1 or opts.negative < 0:
            raise ValueError("opts.window must be >= 1 and opts.negative >= 0")
        if ends.shape[0] < 1 or chunks.shape[0] < 2 or chunks[0] != 0 \
                or chunks[chunks.shape[0] - 1] != ends.shape[0]:
            raise ValueError("chunks must run from sentence 0 to len(ends)")
        for s in range(1, chunks.shape[0]):
            if chunks[s] < chunks[s - 1]:
                raise ValueError("chunks must be non-decreasing")
        self.c.max_len = 0
        for s in range(ends.shape[0]):
            if ends[s] < prev:
                raise ValueError("ends must be non-decreasing and >= 0")
            if ends[s] - prev > self.c.max_len:
                self.c.max_len = ends[s] - prev
            prev = ends[s]
        if prev < 1:
            raise ValueError("the run has no tokens")
        self.c.n_tokens = prev
        self._syn0, self._syn1, self._ends, self._chunks = syn0, syn1, ends, chunks
        self._keep, self._alias, self._rng_states = keep, alias, rng_states
        self._exp_table = sgns_exp_table()
        self._progress = 0
        self.batches = 0
        self.c.syn0 = &syn0[0, 0]
        self.c.syn1 = &syn1[0, 0]
        self.c.n_input = syn0.shape[0]
        self.c.n_context = syn1.shape[0]
        self.c.ends = &ends[0]
        self.c.chunks = &chunks[0]
        self.c.n_chunks = chunks.shape[0] - 1
        self.c.keep = &keep[0]
        self.c.alias = &alias[0]
        self.c.exp_table = &self._exp_table[0]
        self.c.rng_states = &rng_states[0, 0]
        self.c.n_threads = rng_states.shape[0]
        self.c.progress = &self._progress
        self.c.o.dim = opts.dim
        self.c.o.window = opts.window
        self.c.o.negative = opts.negative
        self.c.o.dynamic = opts.dynamic
        self.c.o.with_loss = opts.with_loss
        self.c.o.overlap = opts.overlap
        self.c.o.batch = opts.batch
        self.c.o.isa = opts.isa
        self.c.o.group = opts.group
        self.c.o.lr0 = opts.lr0
        self.c.o.min_lr = opts.min_lr
        self.c.o.total_words = opts.total_words
        self.c.o.n_alias = alias.shape[0]

    @property
    def progress(self) -> int:
        """Raw tokens trained so far in this run (all calls, all threads)."""
        return self._progress

    @property
    def n_chunks(self) -> int:
        return self.c.n_chunks

    @property
    def n_threads(self) -> int:
        return self.c.n_threads


cdef int _isa_code(str isa) except -1:
    """NV_ISA_* of an implementation name; "avx2" only where the CPU has it."""
    cdef int best = nv_sgns_isa()
    if isa == "auto":
        return best
    if isa == "generic":
        return NV_ISA_GENERIC
    if isa == "avx2":
        if best != NV_ISA_AVX2:
            raise ValueError("this CPU (or build) has no AVX2 + FMA implementation of the "
                             "batched update; use isa='generic' or 'auto'")
        return NV_ISA_AVX2
    raise ValueError(f"isa must be 'auto', 'avx2' or 'generic'; got {isa!r}")


def sgns_isa():
    """The implementation of the batched update this CPU runs: "avx2" or "generic"."""
    return "avx2" if nv_sgns_isa() == NV_ISA_AVX2 else "generic"


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


def sgns_update_batch(float[:, ::1] syn0, float[:, ::1] syn1, const int32_t[::1] inputs,
                      const int32_t[::1] targets, float lr, const float[::1] exp_table,
                      str isa="auto", mask=None):
    """One batched SGNS update in place (for tests): the rows ``syn0[inputs]`` against
    ``syn1[targets[0]]`` (label 1) and the shared negatives ``syn1[targets[1:]]``; with
    ``mask``, against the positives ``syn1[targets[:P]]`` and the negatives
    ``syn1[targets[P:]]``.

    Parameters
    ----------
    syn0, syn1 : float32 arrays, shape (n, dim) and (m, dim)
    inputs : int32 array, shape (B,), 1 <= B <= 32
        Rows of ``syn0`` (repeats allowed: each receives its update).
    targets : int32 array, shape (1 + k,)
        The output row first, then the negatives (repeats allowed).
    lr : float
    exp_table : float32 array from :func:`sgns_exp_table`
    isa : {"auto", "avx2", "generic"}
    mask : uint8 array, shape (P, B), optional
        ``mask[t, b]`` nonzero when input b pairs with positive t (the batches of
        ngram units that share negatives across orders; 1 <= P <= 8).

    Returns
    -------
    float
        The summed loss of the pairs and negatives before the update.
    """
    cdef int dim = syn0.shape[1], code = _isa_code(isa)
    cdef Py_ssize_t i
    cdef double loss
    if syn1.shape[1] != dim or dim < 1 or exp_table.shape[0] != NV_EXP_TABLE_SIZE:
        raise ValueError("shape mismatch")
    if not 1 <= inputs.shape[0] <= NV_BATCH_MAX or targets.shape[0] == 0:
        raise ValueError(f"inputs must hold 1 to {NV_BATCH_MAX} rows and targets at least one")
    for i in range(inputs.shape[0]):
        if not 0 <= inputs[i] < syn0.shape[0]:
            raise ValueError("input row out of range")
    for i in range(targets.shape[0]):
        if not 0 <= targets[i] < syn1.shape[0]:
            raise ValueError("target out of range")
    scratch = np.empty(nv_batch_scratch_floats(dim, targets.shape[0] - 1), dtype=np.float32)
    cdef float[::1] sv = scratch
    cdef int npos = 1
    cdef const uint8_t *mp = NULL
    cdef const uint8_t[::1] mv
    if mask is not None:
        m2 = np.asarray(mask, dtype=bool)
        if m2.ndim != 2 or not 1 <= m2.shape[0] <= min(NV_BATCH_MAXPOS, targets.shape[0]) \
                or m2.shape[1] != inputs.shape[0]:
            raise ValueError("mask must have shape (P, len(inputs)), 1 <= P <= 8")
        npos = m2.shape[0]
        bits = (m2.astype(np.uint8) << np.arange(npos, dtype=np.uint8)[:, None]).sum(
            axis=0).astype(np.uint8)
        mv = np.ascontiguousarray(bits)
        mp = &mv[0]
    with nogil:
        loss = nv_sgns_batch_masked(&syn0[0, 0], &syn1[0, 0], dim, &inputs[0],
                                    inputs.shape[0], &targets[0], targets.shape[0], npos, mp,
                                    lr, &sv[0], &exp_table[0], 1, code)
    return loss


# ---------------------------------------------------------------------- the driver

cdef inline void _run_chunk(const nv_sgns_shared *sh, nv_sgns_body body, const void *var,
                            int64_t chunk, nv_sgns_thread *th) noexcept nogil:
    """One chunk: its learning rate from the progress of all threads, the body, then
    the progress counter advanced by the chunk's raw tokens."""
    cdef int64_t s0 = sh.chunks[chunk], s1 = sh.chunks[chunk + 1]
    cdef int64_t start = sh.ends[s0 - 1] if s0 > 0 else 0
    body(sh, var, s0, s1, nv_sgns_lr(sh), th)
    nv_atomic_add_i64(sh.progress, sh.ends[s1 - 1] - start if s1 > s0 else 0)


cdef tuple _drive(SGNSShared shared, nv_sgns_body body, const void *var, int unit_rows,
                  int64_t chunk_lo, int64_t chunk_hi):
    """Train chunks ``[chunk_lo, chunk_hi)`` with ``body`` on all threads of the run.

    Per thread, one aligned block each for its state, its unit buffer (``unit_rows``
    rows of ``max_len + 1`` ids, laid out by the body), its targets and its gradient;
    allocated here, before the chunk loop, and freed after it. Returns (raw tokens
    read, pairs trained, summed loss).
    """
    cdef const nv_sgns_shared *sh = &shared.c
    cdef int T = sh.n_threads, tid
    cdef int64_t c, stride = sh.max_len + 1
    cdef nv_sgns_thread *th
    cdef int32_t *units
    cdef int32_t *targets
    cdef float *neu1e
    cdef int32_t *inputs
    cdef float *bscratch
    if chunk_lo < 0 or chunk_hi > sh.n_chunks:
        raise ValueError(f"chunk range [{chunk_lo}, {chunk_hi}) is outside "
                         f"[0, {sh.n_chunks})")
    if chunk_hi <= chunk_lo:
        return 0, 0, 0.0
    t_pairs = np.zeros(T, dtype=np.int64)
    t_batches = np.zeros(T, dtype=np.int64)
    t_loss = np.zeros(T, dtype=np.float64)
    t_fail = np.zeros(T, dtype=np.int32)
    cdef int64_t[::1] tpv = t_pairs
    cdef int64_t[::1] tbv = t_batches
    cdef double[::1] tlv = t_loss
    cdef int32_t[::1] tfv = t_fail
    cdef int64_t before = sh.progress[0]
    with nogil, parallel(num_threads=T):
        tid = threadid()
        # cache-line aligned and padded: no false sharing between threads' scratch
        th = <nv_sgns_thread *>nv_alloc64(sizeof(nv_sgns_thread))
        units = <int32_t *>nv_alloc64(sizeof(int32_t) * stride * unit_rows)
        targets = <int32_t *>nv_alloc64(sizeof(int32_t) * (sh.o.negative + NV_BATCH_MAXPOS))
        neu1e = <float *>nv_alloc64(sizeof(float) * sh.o.dim)
        inputs = <int32_t *>nv_alloc64(sizeof(int32_t) * NV_BATCH_MAX)
        bscratch = <float *>nv_alloc64(sizeof(float) * nv_batch_scratch_floats(
            sh.o.dim, sh.o.negative)) if sh.o.batch else <float *>nv_alloc64(64)
        if th == NULL or units == NULL or targets == NULL or neu1e == NULL \
                or inputs == NULL or bscratch == NULL:
            tfv[tid] = 1
        else:
            memcpy(&th.rng, &sh.rng_states[4 * tid], sizeof(nv_rng))
            th.pairs = 0
            th.batches = 0
            th.loss = 0.0
            th.stride = stride
            th.units = units
            th.targets = targets
            th.neu1e = neu1e
            th.inputs = inputs
            th.batch = bscratch
        for c in prange(chunk_lo, chunk_hi, schedule="dynamic", chunksize=1):
            if tfv[tid] == 0:
                _run_chunk(sh, body, var, c, th)
        if tfv[tid] == 0:
            memcpy(&sh.rng_states[4 * tid], &th.rng, sizeof(nv_rng))
            tpv[tid] = th.pairs
            tbv[tid] = th.batches
            tlv[tid] = th.loss
        free(th)
        free(units)
        free(targets)
        free(neu1e)
        free(inputs)
        free(bscratch)
    if t_fail.any():
        raise MemoryError("cannot allocate the per-thread training buffers")
    shared.batches += int(t_batches.sum())
    return int(sh.progress[0] - before), int(t_pairs.sum()), float(t_loss.sum())


cdef bint _ids_in_range(const int32_t *a, int64_t n, int32_t lo, int64_t hi) noexcept nogil:
    """Every a[0..n) in [lo, hi)."""
    cdef int64_t i
    for i in range(n):
        if a[i] < lo or a[i] >= hi:
            return False
    return True


# ---------------------------------------------------------------------- word units

def sgns_train_words(SGNSShared shared, const int32_t[::1] ids, const int32_t[::1] remap,
                     int64_t chunk_lo, int64_t chunk_hi):
    """Train SGNS with word contexts on chunks ``[chunk_lo, chunk_hi)``, all threads.

    Parameters
    ----------
    shared : SGNSShared
        The run: ``syn0`` and ``syn1`` both have one row per vocabulary entry.
    ids : int32 array, shape (n_tokens,)
        Lexicon ids of the encoded corpus (a read-only memmap is fine).
    remap : int32 array, shape (n_types,)
        Lexicon id -> vocabulary id, -1 when out of vocabulary.
    chunk_lo, chunk_hi : int
        Chunks to train.

    Returns
    -------
    (int, int, float)
        Raw tokens read, (centre, context) pairs trained, summed loss (0.0 unless
        ``opts.with_loss``).

    Raises
    ------
    ValueError
        Arrays that do not fit the run, or a chunk range outside it.
    """
    cdef const nv_sgns_shared *sh = &shared.c
    cdef nv_sgns_words v
    cdef int64_t p0, p1
    cdef bint ok
    if sh.n_context != sh.n_input:
        raise ValueError("with word units syn0 and syn1 must have the same rows")
    if ids.shape[0] < sh.n_tokens or remap.shape[0] == 0:
        raise ValueError("ids must cover every sentence of the run and remap be non-empty")
    v.ids = &ids[0]
    v.remap = &remap[0]
    if 0 <= chunk_lo < chunk_hi <= sh.n_chunks:    # ids of the range, all of remap
        p0 = sh.ends[sh.chunks[chunk_lo] - 1] if sh.chunks[chunk_lo] > 0 else 0
        p1 = sh.ends[sh.chunks[chunk_hi] - 1] if sh.chunks[chunk_hi] > 0 else 0
        with nogil:
            ok = _ids_in_range(v.ids + p0, p1 - p0, 0, remap.shape[0]) and \
                _ids_in_range(&remap[0], remap.shape[0], -1, sh.n_input)
        if not ok:
            raise ValueError("ids must lie in [0, len(remap)) and remap in [-1, n_vocab)")
    return _drive(shared, nv_sgns_words_batch_chunk if sh.o.batch else nv_sgns_words_chunk,
                  <const void *>&v, 1, chunk_lo, chunk_hi)


# ---------------------------------------------------------------------- ngram units

cdef void _set_orders(const int32_t[::1] orders, int *out, int *of, str what) except *:
    """Copy distinct orders in [1, NV_MAX_ORDER] to out and fill of (order -> row)."""
    cdef int x, k
    if not 1 <= orders.shape[0] <= NV_MAX_ORDER:
        raise ValueError(f"between 1 and {NV_MAX_ORDER} {what} orders are needed")
    for k in range(NV_MAX_ORDER + 1):
        of[k] = -1
    for x in range(orders.shape[0]):
        k = orders[x]
        if not 1 <= k <= NV_MAX_ORDER or of[k] >= 0:
            raise ValueError(f"{what} orders must be distinct and in [1, {NV_MAX_ORDER}]")
        out[x] = k
        of[k] = x


def sgns_train_ngrams(SGNSShared shared, const int32_t[:, ::1] iunits,
                      const int32_t[:, ::1] cunits, const int32_t[::1] in_orders,
                      const int32_t[::1] ctx_orders, const uint64_t[::1] keep_ctx,
                      int64_t chunk_lo, int64_t chunk_hi):
    """Train SGNS with ngram units (ngram2vec) on chunks ``[chunk_lo, chunk_hi)``.

    Parameters
    ----------
    shared : SGNSShared
        The run: rows of ``syn0`` are the input vocabulary, rows of ``syn1`` the
        context vocabulary (words and ngrams); ``keep`` and ``alias`` follow them.
    iunits : int32 array, shape (len(in_orders), n_tokens)
        ``iunits[x, p]``: input id of the ngram of order ``in_orders[x]`` starting at
        corpus position p, or -1 (none, out of vocabulary, or crossing a sentence end).
    cunits : int32 array, shape (len(ctx_orders), n_tokens)
        Idem for the context vocabulary and ``ctx_orders``.
    in_orders, ctx_orders : int32 arrays
        Distinct orders in [1, 6].
    keep_ctx : uint64 array, shape (n_context,)
        Subsampling thresholds of the context vocabulary (keep probability times
        2**32), used for units that have no input id.
    chunk_lo, chunk_hi : int
        Chunks to train.

    Returns
    -------
    (int, int, float)
        Raw tokens read, (centre, context) pairs trained, summed loss.

    Raises
    ------
    ValueError
        Arrays that do not fit the run, or a chunk range outside it.

    Notes
    -----
    Same driver, generator, learning-rate schedule, Hogwild updates and pair
    arithmetic (``nv_sgns_pair``) as :func:`sgns_train_words`. The pairs are
    ngram2vec's (Zhao et al. 2017), enumerated by ``csrc/nv_ngram_window.h``, the
    rule co-occurrence counting uses too (units sharing positions only with
    ``opts.overlap``): with ``opts.dynamic`` off and no subsampling, the pairs trained
    in an epoch are exactly the pairs :func:`ngramvec.count_cooccurrences` counts
    with the same ``overlap``. The dynamic window is drawn once per centre position
    (shared by its orders).
    """
    cdef const nv_sgns_shared *sh = &shared.c
    cdef nv_sgns_ngrams v
    cdef int k
    cdef int64_t p0, p1, n_tok = iunits.shape[1]
    cdef bint ok = True
    _set_orders(in_orders, v.in_orders, v.in_of, "input")
    _set_orders(ctx_orders, v.ctx_orders, v.ctx_of, "context")
    v.n_in = in_orders.shape[0]
    v.n_ctx = ctx_orders.shape[0]
    if iunits.shape[0] != v.n_in or cunits.shape[0] != v.n_ctx \
            or cunits.shape[1] != n_tok or n_tok == 0 \
            or n_tok < sh.n_tokens:
        raise ValueError("iunits and cunits must have one row per order and cover every "
                         "sentence of the run")
    if keep_ctx.shape[0] != sh.n_context:
        raise ValueError("keep_ctx must have one entry per row of syn1")
    if 0 <= chunk_lo < chunk_hi <= sh.n_chunks:
        p0 = sh.ends[sh.chunks[chunk_lo] - 1] if sh.chunks[chunk_lo] > 0 else 0
        p1 = sh.ends[sh.chunks[chunk_hi] - 1] if sh.chunks[chunk_hi] > 0 else 0
        with nogil:
            for k in range(v.n_in):
                ok = ok and _ids_in_range(&iunits[0, 0] + k * n_tok + p0, p1 - p0, -1,
                                          sh.n_input)
            for k in range(v.n_ctx):
                ok = ok and _ids_in_range(&cunits[0, 0] + k * n_tok + p0, p1 - p0, -1,
                                          sh.n_context)
        if not ok:
            raise ValueError("iunits must lie in [-1, n_input) and cunits in "
                             "[-1, n_context)")
    v.top = 0
    for k in range(1, NV_MAX_ORDER + 1):
        if v.in_of[k] >= 0 or v.ctx_of[k] >= 0:
            v.top = k
    v.iunits = &iunits[0, 0]
    v.cunits = &cunits[0, 0]
    v.n_tok = n_tok
    v.keep_ctx = &keep_ctx[0]
    v.squeeze = 0
    return _drive(shared, nv_sgns_ngrams_batch_chunk if sh.o.batch else nv_sgns_ngrams_chunk,
                  <const void *>&v, nv_sgns_ngrams_unit_rows(&v), chunk_lo, chunk_hi)


def sgns_train_ngrams_dropped(SGNSShared shared, const int32_t[::1] ids,
                              const uint64_t[::1] word_keep, NgramIndex index, list imaps,
                              list cmaps, const int32_t[::1] in_orders,
                              const int32_t[::1] ctx_orders, int64_t chunk_lo,
                              int64_t chunk_hi):
    """Train SGNS with ngram units over the surviving tokens (``gaps="drop"``).

    Parameters
    ----------
    shared : SGNSShared
        As for :func:`sgns_train_ngrams`.
    ids : int32 array, shape (n_tokens,)
        Lexicon ids of the encoded corpus.
    word_keep : uint64 array, shape (n_lexicon,)
        Per lexicon id, the subsampling threshold of its word (keep probability times
        2**32; 2**32 or more: always kept), 0 for a word out of the vocabulary.
    index : NgramIndex
        The ngram index of the vocabulary's ngram keys (orders 2 and up).
    imaps, cmaps : list of int32 arrays
        ``imaps[k - 1]`` maps the internal ids of order k (lexicon ids for k = 1) to
        input ids (-1: not an input unit); ``cmaps`` to context ids. One per order up
        to the highest of ``in_orders`` and ``ctx_orders``.
    in_orders, ctx_orders : int32 arrays
    chunk_lo, chunk_hi : int

    Returns
    -------
    (int, int, float)
        Raw tokens read, pairs trained, summed loss.

    Notes
    -----
    Per sentence and epoch, tokens out of the vocabulary are removed, the others get
    one subsampling draw with their word's threshold, and the ngrams of every order are
    the runs of the tokens left (an ngram not in the vocabulary is no unit; ngrams are
    not subsampled again). ngram2vec's window rule (``csrc/nv_ngram_window.h``) then
    runs over those tokens' positions, so a window reaches as far past a removed token
    as word2vec's does. Same bodies, draws and updates as :func:`sgns_train_ngrams`
    otherwise.
    """
    cdef const nv_sgns_shared *sh = &shared.c
    cdef nv_sgns_ngrams v
    cdef int k
    cdef int64_t p0, p1, n_lex = word_keep.shape[0], need
    cdef const int32_t[::1] m
    cdef bint ok = True
    _set_orders(in_orders, v.in_orders, v.in_of, "input")
    _set_orders(ctx_orders, v.ctx_orders, v.ctx_of, "context")
    v.n_in = in_orders.shape[0]
    v.n_ctx = ctx_orders.shape[0]
    v.top = 0
    for k in range(1, NV_MAX_ORDER + 1):
        if v.in_of[k] >= 0 or v.ctx_of[k] >= 0:
            v.top = k
    if ids.shape[0] < sh.n_tokens or ids.shape[0] == 0 or n_lex == 0:
        raise ValueError("ids must cover every sentence of the run and word_keep be "
                         "non-empty")
    if len(imaps) != v.top or len(cmaps) != v.top:
        raise ValueError(f"imaps and cmaps must have one map per order 1..{v.top}")
    refs = []                           # keeps the maps alive during the run
    cdef int side
    cdef int64_t hi
    for k in range(1, v.top + 1):
        need = n_lex if k == 1 else (index.ix.tabs[k].n if k <= index.ix.max_order else 0)
        for side in range(2):
            a = np.ascontiguousarray((imaps if side == 0 else cmaps)[k - 1], dtype=np.int32)
            if a.ndim != 1 or a.shape[0] < max(need, 1):
                raise ValueError(f"the maps of order {k} must have an entry for every "
                                 "internal id")
            m = a
            hi = sh.n_input if side == 0 else sh.n_context
            with nogil:
                ok = _ids_in_range(&m[0], m.shape[0], -1, hi)
            if not ok:
                raise ValueError("imaps must lie in [-1, n_input) and cmaps in "
                                 "[-1, n_context)")
            refs.append(a)
            if side == 0:
                v.imap[k] = &m[0]
            else:
                v.cmap[k] = &m[0]
    if 0 <= chunk_lo < chunk_hi <= sh.n_chunks:
        p0 = sh.ends[sh.chunks[chunk_lo] - 1] if sh.chunks[chunk_lo] > 0 else 0
        p1 = sh.ends[sh.chunks[chunk_hi] - 1] if sh.chunks[chunk_hi] > 0 else 0
        with nogil:
            ok = _ids_in_range(&ids[0] + p0, p1 - p0, 0, n_lex)
        if not ok:
            raise ValueError("ids must lie in [0, len(word_keep))")
    v.iunits = NULL
    v.cunits = NULL
    v.n_tok = ids.shape[0]
    v.keep_ctx = NULL
    v.squeeze = 1
    v.ids = &ids[0]
    v.word_keep = &word_keep[0]
    v.ix = &index.ix
    v.ix_top = min(v.top, index.ix.max_order)
    return _drive(shared, nv_sgns_ngrams_batch_chunk if sh.o.batch else nv_sgns_ngrams_chunk,
                  <const void *>&v, nv_sgns_ngrams_unit_rows(&v), chunk_lo, chunk_hi)
