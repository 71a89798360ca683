/* nv_sgns.h -- the state of one SGNS training run, shared by every chunk body.
 *
 * nv_sgns_opts     scalar settings of the run (plain C values).
 * nv_sgns_shared   what every chunk of the run reads: both weight matrices, the
 *                  sentence layout, the subsampling and negative-sampling tables, the
 *                  generator states and the progress counter. Filled once per run by
 *                  the Cython front end (SGNSShared in ngramvec/models/_sgns.pyx).
 * nv_sgns_thread   one thread's generator, statistics and scratch; one cache-line
 *                  aligned block per thread (nv_alloc64), so no false sharing.
 * nv_sgns_body     a chunk body: trains sentences [s0, s1) at learning rate lr with
 *                  its thread's scratch; `var` points to the variant's own tables
 *                  (nv_sgns_words.h, nv_sgns_ngrams.h). Each variant has a pair-by-pair
 *                  body (nv_sgns_pair, word2vec's arithmetic) and a batched one
 *                  (nv_sgns_batch, shared negatives). The driver in _sgns.pyx runs
 *                  the bodies over chunks with OpenMP and owns everything else.
 *
 * Shared weights (Hogwild): syn0 and syn1 are updated by all threads without locks,
 * as in word2vec.c, gensim and fastText (Recht et al. 2011). The progress counter is
 * advanced with relaxed atomics: its value only steers the learning-rate decay.
 *
 * C99 with GCC/Clang atomic builtins and POSIX posix_memalign.
 */
#ifndef NV_SGNS_H
#define NV_SGNS_H

#include <stdint.h>
#include <stdlib.h>

#include "nv_rng.h"

typedef struct {
    int dim, window, negative;
    int dynamic;              /* draw each centre's window uniformly in [1, window] */
    int with_loss;            /* accumulate the loss (a log and an exp per target) */
    int overlap;              /* ngram units: units sharing positions are pairs too */
    int batch;                /* minibatched updates with shared negatives (nv_sgns_batch.h) */
    int isa;                  /* implementation of nv_sgns_batch (NV_ISA_*, nv_sgns_isa()) */
    int group;                /* batch mode, ngram units: positions per batch (>= 1) */
    float lr0, min_lr;
    int64_t total_words;      /* raw tokens of the whole run (all epochs), for the lr decay */
    int64_t n_alias;          /* cells of the alias table (rows of syn1) */
} nv_sgns_opts;

typedef struct {
    float *syn0;              /* input vectors, (n_input, dim) */
    float *syn1;              /* output vectors, (n_context, dim) */
    int64_t n_input, n_context;
    const int64_t *ends;      /* one past the last token of each sentence */
    const int64_t *chunks;    /* first sentence of each chunk, n_chunks + 1 entries */
    int64_t n_chunks;
    const uint64_t *keep;     /* rows of syn0: keep when (r >> 32) < keep[w]; >= 2**32 always */
    const uint64_t *alias;    /* negatives: alias table over the rows of syn1 (nv_alias.h) */
    const float *exp_table;   /* word2vec's sigmoid table (nv_sgns_update.h) */
    uint64_t *rng_states;     /* (n_threads, 4) xoshiro256** states, in and out of a call */
    int n_threads;
    int64_t n_tokens;         /* ends[n_sentences - 1] */
    int64_t max_len;          /* longest sentence of the corpus: sizes the unit buffers */
    int64_t *progress;        /* raw tokens trained so far in this run (all threads) */
    nv_sgns_opts o;
} nv_sgns_shared;

typedef struct {
    nv_rng rng;
    int64_t pairs;            /* (centre, context) pairs trained */
    int64_t batches;          /* batch mode: batched updates (nv_sgns_batch calls) */
    double loss;              /* summed loss (with_loss) */
    int64_t stride;           /* max_len + 1: one row of the unit buffer */
    int32_t *units;           /* the body's unit rows, stride ids each */
    int32_t *targets;         /* positives, then negatives: negative + NV_BATCH_MAXPOS ids */
    float *neu1e;             /* gradient of the centre row: dim floats */
    int32_t *inputs;          /* batch mode: the batch's input rows, NV_BATCH_MAX ids */
    float *batch;             /* batch mode: nv_batch_scratch_floats(dim, negative) floats */
} nv_sgns_thread;

typedef void (*nv_sgns_body)(const nv_sgns_shared *sh, const void *var, int64_t s0,
                             int64_t s1, float lr, nv_sgns_thread *th);

/* 64-byte aligned block, size rounded up to whole cache lines (free() releases it) */
static void *nv_alloc64(size_t n) {
    void *p = NULL;
    n = (n + 63) & ~(size_t)63;
    return posix_memalign(&p, 64, n ? n : 64) == 0 ? p : NULL;
}

static inline int64_t nv_atomic_add_i64(int64_t *p, int64_t v) {
    return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static inline int64_t nv_atomic_load_i64(int64_t *p) {
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* word2vec's linear decay on global progress: lr0 - (lr0 - min_lr) * done / total,
 * never below min_lr; `done` counts the raw tokens of the chunks finished so far by
 * all threads. */
static inline float nv_sgns_lr(const nv_sgns_shared *sh) {
    int64_t done = nv_atomic_load_i64(sh->progress);
    float frac = (float)((double)done / (double)sh->o.total_words);
    float lr = sh->o.lr0 - (sh->o.lr0 - sh->o.min_lr) * frac;
    return lr < sh->o.min_lr ? sh->o.min_lr : lr;
}

#endif
