# cython: language_level=3
"""Declarations shared by the compiled counting modules (cimported by
ngramvec/models/_cooccur.pyx): the C headers of csrc/ and the accumulator and ngram
index types of ngramvec/data/_ngrams.pyx."""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t


cdef extern from "nv_ngram_window.h" nogil:
    enum: NV_MAX_ORDER
    enum:
        NV_NGW_LEFT
        NV_NGW_RIGHT
        NV_NGW_BOTH
        NV_NGW_OVERLAP
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
    int nv_pairtab_sort(nv_pairtab *t)
    int nv_merge_start(nv_merge *m)
    int nv_merge_next(nv_merge *m, uint64_t *key, int64_t *val)


cdef extern from "nv_counter.h" nogil:
    enum:
        NV_SENTENCE_TOO_BIG
        NV_TABLE_FULL
    ctypedef struct nv_counter:
        nv_pairtab *tabs
        int n_threads
        int col_bits
        int64_t *dense
        const int64_t *dense_len
        const int64_t *dense_off
        int64_t *next
        int64_t *pairs
        int *status
    int nv_counter_room(nv_counter *c, int t, int64_t extra)
    void nv_counter_run_path(char *buf, size_t cap, const char *dir, int t, int64_t k)
    int nv_counter_write_run(nv_counter *c, int t, const char *dir)


cdef extern from "nv_ngram_index.h" nogil:
    ctypedef struct nv_ngram_index:
        int max_order
        nv_pairtab tabs[NV_MAX_ORDER + 1]
    uint64_t nv_ngram_key(int32_t prefix, int32_t last)
    void nv_ngram_units(const nv_ngram_index *ix, const int32_t *lex, int64_t n, int K,
                        int32_t *U)


# The body of one thread of a counting pass: count the sentences [c.next[t], s1) that
# thread t owns rows of, add the pairs counted to c.pairs[t], and set c.next[t] to the
# first sentence not counted; return 0 (done) or the nv_counter_room() code that stopped
# it. `job` holds the arrays of the pass.
ctypedef int (*shard_fn)(const void *job, nv_counter *c, int t, int64_t s1) noexcept nogil


cdef class PairCounter:
    cdef nv_counter c
    cdef readonly int n_threads
    cdef readonly int64_t n_rows, n_cols, dense_size
    cdef readonly int col_bits
    cdef int64_t[::1] dense_len, dense_off
    cdef bytes spill_dir
    cdef list run_paths
    cdef int64_t count(self, shard_fn fn, const void *job, int64_t s0, int64_t s1) except -1
    cdef int _spill(self, bint full_only) except -1


cdef class NgramIndex:
    cdef nv_ngram_index ix


cdef int64_t longest_sentence(const int64_t *ends, int64_t s0, int64_t s1) noexcept nogil
