/* nv_sgns_words.h -- the chunk body of SGNS with word units (word2vec).
 *
 * Per sentence, the unit array units[0..n) holds the vocabulary ids of the tokens
 * that are in the vocabulary and survive subsampling (word2vec's, a fresh draw per
 * token and epoch), so windows span the surviving tokens as in word2vec.c and gensim.
 * Every centre units[i] is then paired with units[j], 0 < |i - j| <= win, where win is
 * the window or, with a dynamic window, uniform in [1, window] (one draw per centre);
 * each pair draws `negative` negatives from the alias table (a negative equal to the
 * context is skipped, as in word2vec) and is trained by nv_sgns_pair.
 *
 * The batched body (nv_sgns_words_batch_chunk) builds the same unit arrays with the
 * same draws; then, per centre units[i] with its (dynamic) window, the context words
 * units[j] are the input rows of one batch against the output row of the centre and
 * one shared set of `negative` negatives (nv_sgns_batch; a window of more than
 * NV_BATCH_MAX words is split, each part with its own negatives). This is word2vec.c's
 * orientation (the context word's input vector predicts the centre's output vector);
 * the pairs are the same as the pair-by-pair body's (the window relation is
 * symmetric; with a dynamic window the draw belongs to the centre, as in word2vec.c).
 *
 * Dependency-free C99.
 */
#ifndef NV_SGNS_WORDS_H
#define NV_SGNS_WORDS_H

#include <stdint.h>

#include "nv_alias.h"
#include "nv_rng.h"
#include "nv_sgns.h"
#include "nv_sgns_batch.h"
#include "nv_sgns_update.h"

typedef struct {
    const int32_t *ids;       /* lexicon ids of the corpus */
    const int32_t *remap;     /* lexicon id -> vocabulary id (row of syn0 and syn1) or -1 */
} nv_sgns_words;

/* The units of tokens [a, b) of one sentence, in order: the in-vocabulary tokens that
 * survive subsampling (one draw each); returns how many. Shared by both training modes,
 * which therefore see the same units for the same generator state. */
static inline int nv_sgns_words_units(const nv_sgns_shared *sh, const nv_sgns_words *v,
                                      int64_t a, int64_t b, nv_rng *rng, int32_t *units) {
    int n = 0;
    for (int64_t p = a; p < b; p++) {
        int32_t w = v->remap[v->ids[p]];
        if (w < 0) continue;
        uint64_t thr = sh->keep[w];
        if (thr < ((uint64_t)1 << 32) && (nv_rng_next(rng) >> 32) >= thr) continue;
        units[n++] = w;
    }
    return n;
}

/* Train sentences [s0, s1) (an nv_sgns_body; var is an nv_sgns_words). The generator
 * state is copied to the stack for the chunk (kept in registers, never sharing a
 * cache line with another thread's state) and written back at the end. */
static void nv_sgns_words_chunk(const nv_sgns_shared *sh, const void *var, int64_t s0,
                                int64_t s1, float lr, nv_sgns_thread *th) {
    const nv_sgns_words *v = (const nv_sgns_words *)var;
    nv_rng local = th->rng;
    nv_rng *rng = &local;
    const int dim = sh->o.dim, window = sh->o.window, negative = sh->o.negative;
    const int dynamic = sh->o.dynamic, with_loss = sh->o.with_loss;
    float *syn0 = sh->syn0, *syn1 = sh->syn1;
    const uint64_t *alias = sh->alias;
    const uint64_t n_alias = (uint64_t)sh->o.n_alias;
    const float *exp_table = sh->exp_table;
    int32_t *units = th->units, *targets = th->targets;
    float *neu1e = th->neu1e;
    int64_t pairs = 0;
    double lsum = 0.0;
    for (int64_t s = s0; s < s1; s++) {
        int64_t a = s > 0 ? sh->ends[s - 1] : 0, b = sh->ends[s];
        /* 1. the unit array: in-vocabulary tokens that survive subsampling */
        int n = nv_sgns_words_units(sh, v, a, b, rng, units);
        /* 2. pairs: centre units[i], contexts within its (dynamic) window */
        for (int64_t i = 0; i < n; i++) {
            int win = window;
            if (dynamic) win = window - (int)nv_rng_below(rng, (uint64_t)window);
            int64_t jlo = i >= win ? i - win : 0;
            int64_t jhi = i + win < n ? i + win : n - 1;
            float *l1 = syn0 + (int64_t)units[i] * dim;
            for (int64_t j = jlo; j <= jhi; j++) {
                if (j == i) continue;
                int32_t ctx = units[j];
                int nt = 1;
                targets[0] = ctx;
                for (int k = 0; k < negative; k++) {
                    int32_t neg = nv_alias_draw(alias, n_alias, nv_rng_next(rng));
                    if (neg != ctx) targets[nt++] = neg;
                }
                lsum += nv_sgns_pair(l1, syn1, dim, targets, nt, lr, neu1e, exp_table,
                                     with_loss);
                pairs++;
            }
        }
    }
    th->rng = local;
    th->pairs += pairs;
    th->loss += lsum;
}

/* Train sentences [s0, s1) in batches (an nv_sgns_body; var is an nv_sgns_words). */
static void nv_sgns_words_batch_chunk(const nv_sgns_shared *sh, const void *var, int64_t s0,
                                      int64_t s1, float lr, nv_sgns_thread *th) {
    const nv_sgns_words *v = (const nv_sgns_words *)var;
    nv_rng local = th->rng;
    nv_rng *rng = &local;
    const int window = sh->o.window, dynamic = sh->o.dynamic;
    int32_t *units = th->units, *inputs = th->inputs;
    int64_t pairs = 0, batches = 0;
    double lsum = 0.0;
    for (int64_t s = s0; s < s1; s++) {
        int64_t a = s > 0 ? sh->ends[s - 1] : 0, b = sh->ends[s];
        int n = nv_sgns_words_units(sh, v, a, b, rng, units);
        for (int64_t i = 0; i < n; i++) {
            int win = window;
            if (dynamic) win = window - (int)nv_rng_below(rng, (uint64_t)window);
            int64_t jlo = i >= win ? i - win : 0;
            int64_t jhi = i + win < n ? i + win : n - 1;
            int nb = 0;
            for (int64_t j = jlo; j <= jhi; j++) {
                if (j == i) continue;
                inputs[nb++] = units[j];
                if (nb == NV_BATCH_MAX) {
                    lsum += nv_sgns_batch_flush(sh, rng, th, units[i], nb, lr);
                    pairs += nb;
                    batches++;
                    nb = 0;
                }
            }
            if (nb > 0) {
                lsum += nv_sgns_batch_flush(sh, rng, th, units[i], nb, lr);
                pairs += nb;
                batches++;
            }
            /* the next centre's rows while this one's are in flight: its output row,
             * the input entering its window, its negatives (nv_prefetch_row) */
            if (i + 1 < n) {
                nv_prefetch_negatives(sh, rng, dynamic ? 1 : 0);
                nv_prefetch_row(sh->syn1 + (int64_t)units[i + 1] * sh->o.dim, sh->o.dim);
                if (i + 1 + window < n)
                    nv_prefetch_row(sh->syn0 + (int64_t)units[i + 1 + window] * sh->o.dim,
                                    sh->o.dim);
            }
        }
    }
    th->rng = local;
    th->pairs += pairs;
    th->batches += batches;
    th->loss += lsum;
}

#endif
