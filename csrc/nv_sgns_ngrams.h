/* nv_sgns_ngrams.h -- the chunk body of SGNS with ngram units (ngram2vec).
 *
 * The front end precomputes, for every corpus position p and order, the input / context
 * id of the ngram starting there (-1: none, out of the vocabulary, or crossing the
 * sentence end): iunits[x * n_tok + p] for order in_orders[x], cunits[y * n_tok + p]
 * for ctx_orders[y]. Per sentence of n tokens the body copies them into the thread's
 * unit rows, uin[x * stride + p] and uctx[y * stride + p], with one subsampling draw per
 * unit occurrence (position, order), shared by its input and context roles; a dropped
 * unit becomes -1 in place. Positions stay those of the sentence as written, so
 * out-of-vocabulary and subsampled units are gaps (ngram2vec's "clean" subsampling).
 * With gaps="drop" (v->squeeze) the rows are built instead from the tokens that survive
 * out-of-vocabulary removal and word subsampling (nv_sgns_ngram_units_dropped), and the
 * windows run over them, as word2vec's do for words.
 * Every input unit is then paired with the context units of its window under
 * ngram2vec's rule (nv_ngram_window.h, the copy counting uses too: every token of the
 * context within the window of every token of the centre; units sharing a position
 * only with the `overlap` option, and never a unit with itself) and trained by
 * nv_sgns_pair against an output matrix spanning the context vocabulary; negatives are
 * drawn from the context vocabulary. The dynamic window is drawn once per centre
 * position (shared by its orders).
 *
 * The batched body (nv_sgns_ngrams_batch_chunk) builds the same unit rows with the
 * same draws, then turns the enumeration around: per context position j, the context
 * units of every order starting there (order kc: [j, j+kc)) are the positives of one
 * batch, and the input units of every input order in their windows under the same rule
 * (the rule is symmetric in the two units: the distance of their farthest tokens, and
 * the shared-position and self exclusions) its input rows, each with a bit per positive
 * it pairs with, against one shared set of negatives (nv_sgns_batch_masked). The pairs
 * are those of the pair-by-pair body; the dynamic window is drawn once per context
 * position (shared by its orders).
 *
 * Dependency-free C99.
 */
#ifndef NV_SGNS_NGRAMS_H
#define NV_SGNS_NGRAMS_H

#include <stdint.h>

#include "nv_alias.h"
#include "nv_ngram_index.h"
#include "nv_ngram_window.h"
#include "nv_rng.h"
#include "nv_sgns.h"
#include "nv_sgns_batch.h"
#include "nv_sgns_update.h"

typedef struct {
    const int32_t *iunits;    /* (n_in, n_tok): input id of the ngram of in_orders[x] at p, or -1 */
    const int32_t *cunits;    /* (n_ctx, n_tok): context id of the ngram of ctx_orders[y] at p */
    int64_t n_tok;
    int n_in, n_ctx;
    int top;                  /* highest order used */
    int in_orders[NV_MAX_ORDER];
    int ctx_orders[NV_MAX_ORDER];
    int in_of[NV_MAX_ORDER + 1];     /* order -> row x of iunits, or -1 */
    int ctx_of[NV_MAX_ORDER + 1];    /* order -> row y of cunits, or -1 */
    const uint64_t *keep_ctx; /* subsampling thresholds of syn1's rows (x 2**32; the same
                                 value as sh->keep for the same key) */
    /* gaps="drop" (squeeze): windows over the surviving tokens. iunits / cunits are not
     * used; the units are formed per sentence from the lexicon ids instead. */
    int squeeze;
    const int32_t *ids;       /* lexicon ids of the corpus, n_tok */
    const uint64_t *word_keep;/* per lexicon id: keep threshold of the word (x 2**32,
                                 >= 2**32 always kept), 0 for a word out of the vocabulary */
    const nv_ngram_index *ix; /* ngram -> internal id, orders 2..ix_top */
    int ix_top;               /* min(top, ix->max_order) */
    const int32_t *imap[NV_MAX_ORDER + 1];  /* order k: internal id -> input id, or -1 */
    const int32_t *cmap[NV_MAX_ORDER + 1];  /* order k: internal id -> context id, or -1 */
} nv_sgns_ngrams;

/* The units of every order at every position of one sentence (tokens [a, a+n)), -1 where
 * there is none or it is subsampled: one subsampling draw per unit occurrence (position,
 * order), shared by its input and context roles. Shared by both training modes. */
static inline void nv_sgns_ngram_units(const nv_sgns_shared *sh, const nv_sgns_ngrams *v,
                                       int64_t a, int64_t n, int64_t stride, nv_rng *rng,
                                       int32_t *uin, int32_t *uctx) {
    for (int k = 1; k <= v->top; k++) {
        int x = v->in_of[k], y = v->ctx_of[k];
        for (int64_t p = 0; p < n; p++) {
            int32_t ui = x >= 0 ? v->iunits[x * v->n_tok + a + p] : -1;
            int32_t uc = y >= 0 ? v->cunits[y * v->n_tok + a + p] : -1;
            if (ui >= 0 || uc >= 0) {
                uint64_t thr = ui >= 0 ? sh->keep[ui] : v->keep_ctx[uc];
                if (thr < ((uint64_t)1 << 32) && (nv_rng_next(rng) >> 32) >= thr)
                    ui = uc = -1;
            }
            if (x >= 0) uin[x * stride + p] = ui;
            if (y >= 0) uctx[y * stride + p] = uc;
        }
    }
}

/* gaps="drop": the units of one sentence (tokens [a, a+n)) formed over the tokens that
 * survive, as word2vec's windows are. A token whose word is out of the vocabulary is
 * removed (no draw); the others get one subsampling draw each with their word's
 * threshold and are removed when it fails. The ngrams of every order are then the runs
 * of the surviving tokens (looked up in the ngram index; -1 where the ngram is not in
 * the vocabulary), not subsampled again. Fills uin / uctx at positions [0, m) and
 * returns m, the surviving tokens. lex and U are scratch of stride and top * stride ids. */
static inline int64_t nv_sgns_ngram_units_dropped(const nv_sgns_ngrams *v, int64_t a,
                                                  int64_t n, int64_t stride, nv_rng *rng,
                                                  int32_t *uin, int32_t *uctx, int32_t *lex,
                                                  int32_t *U) {
    int64_t m = 0;
    for (int64_t p = 0; p < n; p++) {
        int32_t l = v->ids[a + p];
        uint64_t thr = v->word_keep[l];
        if (thr == 0) continue;                                   /* out of the vocabulary */
        if (thr < ((uint64_t)1 << 32) && (nv_rng_next(rng) >> 32) >= thr) continue;
        lex[m++] = l;
    }
    nv_ngram_units(v->ix, lex, m, v->ix_top, U);
    for (int k = 1; k <= v->top; k++) {
        int x = v->in_of[k], y = v->ctx_of[k];
        const int32_t *uk = U + (int64_t)(k - 1) * m;
        for (int64_t p = 0; p < m; p++) {
            int32_t u = k <= v->ix_top ? uk[p] : -1;
            if (x >= 0) uin[x * stride + p] = u >= 0 ? v->imap[k][u] : -1;
            if (y >= 0) uctx[y * stride + p] = u >= 0 ? v->cmap[k][u] : -1;
        }
    }
    return m;
}

/* The units of sentence s for either setting of gaps; returns its length in units. */
static inline int64_t nv_sgns_sentence_units(const nv_sgns_shared *sh, const nv_sgns_ngrams *v,
                                             int64_t a, int64_t n, nv_sgns_thread *th,
                                             nv_rng *rng) {
    const int64_t stride = th->stride;
    int32_t *uin = th->units, *uctx = th->units + v->n_in * stride;
    if (v->squeeze) {
        int32_t *lex = uctx + v->n_ctx * stride;
        return nv_sgns_ngram_units_dropped(v, a, n, stride, rng, uin, uctx, lex, lex + stride);
    }
    nv_sgns_ngram_units(sh, v, a, n, stride, rng, uin, uctx);
    return n;
}

/* Rows of the thread's unit buffer a body needs (uin, uctx, and the scratch of
 * gaps="drop": the surviving lexicon ids and the index's unit rows). */
static inline int nv_sgns_ngrams_unit_rows(const nv_sgns_ngrams *v) {
    return v->n_in + v->n_ctx + (v->squeeze ? 1 + v->top : 0);
}

/* Train sentences [s0, s1) (an nv_sgns_body; var is an nv_sgns_ngrams). The unit
 * buffer of the thread holds n_in rows uin, then n_ctx rows uctx (the names
 * I and C would clash with complex.h's macro I). */
static void nv_sgns_ngrams_chunk(const nv_sgns_shared *sh, const void *var, int64_t s0,
                                 int64_t s1, float lr, nv_sgns_thread *th) {
    const nv_sgns_ngrams *v = (const nv_sgns_ngrams *)var;
    nv_rng local = th->rng;
    nv_rng *rng = &local;
    const int64_t stride = th->stride;
    int32_t *uin = th->units, *uctx = th->units + v->n_in * stride;
    const int dim = sh->o.dim, window = sh->o.window, negative = sh->o.negative;
    const int dynamic = sh->o.dynamic, with_loss = sh->o.with_loss;
    const int mode = nv_ngw_mode(NV_NGW_BOTH, sh->o.overlap);
    float *syn0 = sh->syn0, *syn1 = sh->syn1;
    const uint64_t *alias = sh->alias;
    const uint64_t n_alias = (uint64_t)sh->o.n_alias;
    const float *exp_table = sh->exp_table;
    int32_t *targets = th->targets;
    float *neu1e = th->neu1e;
    int64_t pairs = 0;
    double lsum = 0.0;
    for (int64_t s = s0; s < s1; s++) {
        int64_t a = s > 0 ? sh->ends[s - 1] : 0, n = sh->ends[s] - a;
        /* 1. units of every order at every position (gaps kept or dropped) */
        n = nv_sgns_sentence_units(sh, v, a, n, th, rng);
        /* 2. pairs: centre span [i, i+ka) of every input order, context spans of
         *    every context order in its window (nv_ngram_window.h; the distance it
         *    gives is not used: SGNS weighs every pair alike) */
        for (int64_t i = 0; i < n; i++) {
            int win = window;
            if (dynamic) win = window - (int)nv_rng_below(rng, (uint64_t)window);
            for (int x = 0; x < v->n_in; x++) {
                int ka = v->in_orders[x];
                int32_t ui = uin[x * stride + i];
                if (ui < 0) continue;
                float *l1 = syn0 + (int64_t)ui * dim;
                for (int y = 0; y < v->n_ctx; y++) {
                    nv_ngw_iter it;
                    int32_t ctx;
                    int d;
                    nv_ngw_begin(&it, uctx + y * stride, n, i, ka, v->ctx_orders[y], win,
                                 mode);
                    while (nv_ngw_next(&it, &ctx, &d)) {
                        int nt = 1;
                        targets[0] = ctx;
                        for (int q = 0; q < negative; q++) {
                            int32_t neg = nv_alias_draw(alias, n_alias, nv_rng_next(rng));
                            if (neg != ctx) targets[nt++] = neg;
                        }
                        lsum += nv_sgns_pair(l1, syn1, dim, targets, nt, lr, neu1e,
                                             exp_table, with_loss);
                        pairs++;
                    }
                }
            }
        }
    }
    th->rng = local;
    th->pairs += pairs;
    th->loss += lsum;
}

/* Batch mode, after the batches of position j - 1: prefetch the rows position j's batch
 * will touch that the last batches did not: its positives (the context units starting
 * at j), the input units entering the window (those starting at j + window, the
 * farthest start of an input unit of position j; a unit of order k is needed from
 * position j + window - k + 1 on, k - 1 positions later), and its negatives (the
 * generator's next draws, past the dynamic window's). */
static inline void nv_sgns_ngrams_prefetch(const nv_sgns_shared *sh, const nv_sgns_ngrams *v,
                                           const nv_rng *rng, const int32_t *uin,
                                           const int32_t *uctx, int64_t stride, int64_t j,
                                           int G, int64_t n) {
    const int dim = sh->o.dim, window = sh->o.window;
    if (j >= n) return;
    nv_prefetch_negatives(sh, rng, sh->o.dynamic ? G : 0);
    for (int64_t p = j; p < j + G && p < n; p++) {
        for (int y = 0; y < v->n_ctx; y++) {
            int32_t uc = uctx[y * stride + p];
            if (uc >= 0) nv_prefetch_row(sh->syn1 + (int64_t)uc * dim, dim);
        }
        if (p + window < n)
            for (int x = 0; x < v->n_in; x++) {
                int32_t ui = uin[x * stride + p + window];
                if (ui >= 0) nv_prefetch_row(sh->syn0 + (int64_t)ui * dim, dim);
            }
    }
}

/* One batch of the positives pos[0..npos) (the context units starting at one position)
 * and th->inputs[0..nb) with their masks, against `negative` fresh negatives (one equal
 * to a positive is skipped, as word2vec skips the target). */
static inline double nv_sgns_batch_flush_multi(const nv_sgns_shared *sh, nv_rng *rng,
                                               nv_sgns_thread *th, const int32_t *pos,
                                               int npos, const uint8_t *mask, int nb,
                                               float lr) {
    int32_t *targets = th->targets;
    int nt = npos;
    for (int q = 0; q < npos; q++) targets[q] = pos[q];
    for (int k = 0; k < sh->o.negative; k++) {
        int32_t neg = nv_alias_draw(sh->alias, (uint64_t)sh->o.n_alias, nv_rng_next(rng));
        int clash = 0;
        for (int q = 0; q < npos; q++) clash |= neg == pos[q];
        if (!clash) targets[nt++] = neg;
    }
    return nv_sgns_batch_masked(sh->syn0, sh->syn1, sh->o.dim, th->inputs, nb, targets, nt,
                                npos, mask, lr, th->batch, sh->exp_table, sh->o.with_loss,
                                sh->o.isa);
}

/* Train sentences [s0, s1) in batches (an nv_sgns_body; var is an nv_sgns_ngrams).
 *
 * Per position j, the context units of every order starting at j are the positives of
 * one batch: its inputs are the union of their windows' input units (an input unit
 * occurrence, its position and order, appears once, with a bit per positive it pairs
 * with) and one set of negatives is shared by all of them (for uni_bi: the word at j
 * and the bigram at j, whose windows nearly coincide, cost one batch instead of two).
 * A position with a single context unit is the plain batch of nv_sgns_batch_flush.
 * With sh->o.group = G > 1 the positives of G consecutive positions [j0, j0+G) form one
 * batch in the same way (G is lowered so that they fit the mask's NV_BATCH_MAXPOS bits):
 * the same pairs, fewer batches, each input row read and written once per group, one
 * set of negatives per group. G = 1 is the one-position batch. */
static void nv_sgns_ngrams_batch_chunk(const nv_sgns_shared *sh, const void *var,
                                       int64_t s0, int64_t s1, float lr,
                                       nv_sgns_thread *th) {
    const nv_sgns_ngrams *v = (const nv_sgns_ngrams *)var;
    nv_rng local = th->rng;
    nv_rng *rng = &local;
    const int64_t stride = th->stride;
    int32_t *uin = th->units, *uctx = th->units + v->n_in * stride;
    int32_t *inputs = th->inputs;
    const int window = sh->o.window, dynamic = sh->o.dynamic;
    const int mode = nv_ngw_mode(NV_NGW_BOTH, sh->o.overlap);
    /* positions per batch: their positives share the mask's 8 bits */
    int G = sh->o.group < 1 ? 1 : sh->o.group;
    if (G * v->n_ctx > NV_BATCH_MAXPOS) G = NV_BATCH_MAXPOS / v->n_ctx;
    if (G < 1) G = 1;
    int64_t pairs = 0, batches = 0;
    double lsum = 0.0;
    int32_t pos[NV_BATCH_MAXPOS];
    int pos_k[NV_BATCH_MAXPOS], pos_w[NV_BATCH_MAXPOS];
    int64_t pos_j[NV_BATCH_MAXPOS];
    uint8_t mask[NV_BATCH_MAX];
    int64_t ipos[NV_BATCH_MAX];
    int iord[NV_BATCH_MAX];
    for (int64_t s = s0; s < s1; s++) {
        int64_t a = s > 0 ? sh->ends[s - 1] : 0, n = sh->ends[s] - a;
        /* 1. units of every order at every position (gaps kept or dropped) */
        n = nv_sgns_sentence_units(sh, v, a, n, th, rng);
        /* 2. batches: the context units [j, j+kc) of every context order starting at
         *    the G positions [j0, j0+G), the input units of every input order in
         *    their windows */
        for (int64_t j0 = 0; j0 < n; j0 += G) {
            int npos = 0;
            for (int64_t j = j0; j < j0 + G && j < n; j++) {
                int win = window;
                if (dynamic) win = window - (int)nv_rng_below(rng, (uint64_t)window);
                for (int y = 0; y < v->n_ctx; y++) {
                    int32_t uc = uctx[y * stride + j];
                    if (uc >= 0) {
                        pos[npos] = uc; pos_k[npos] = v->ctx_orders[y];
                        pos_w[npos] = win; pos_j[npos] = j; npos++;
                    }
                }
            }
            if (npos == 1) {          /* one context unit: the plain batch */
                int nb = 0;
                for (int x = 0; x < v->n_in; x++) {
                    nv_ngw_iter it;
                    int32_t ui;
                    int d;
                    nv_ngw_begin(&it, uin + x * stride, n, pos_j[0], pos_k[0],
                                 v->in_orders[x], pos_w[0], mode);
                    while (nv_ngw_next(&it, &ui, &d)) {
                        inputs[nb++] = ui;
                        if (nb == NV_BATCH_MAX) {
                            lsum += nv_sgns_batch_flush(sh, rng, th, pos[0], nb, lr);
                            pairs += nb;
                            batches++;
                            nb = 0;
                        }
                    }
                }
                if (nb > 0) {
                    lsum += nv_sgns_batch_flush(sh, rng, th, pos[0], nb, lr);
                    pairs += nb;
                    batches++;
                }
            } else if (npos > 1) {
                int nb = 0;
                for (int q = 0; q < npos; q++) {
                    for (int x = 0; x < v->n_in; x++) {
                        nv_ngw_iter it;
                        int32_t ui;
                        int d;
                        nv_ngw_begin(&it, uin + x * stride, n, pos_j[q], pos_k[q],
                                     v->in_orders[x], pos_w[q], mode);
                        while (nv_ngw_next(&it, &ui, &d)) {
                            int64_t p = it.j - 1;          /* the input's start position */
                            int b = 0;
                            while (b < nb && (ipos[b] != p || iord[b] != x)) b++;
                            if (b == nb) {
                                if (nb == NV_BATCH_MAX) {   /* full: train it, start anew */
                                    lsum += nv_sgns_batch_flush_multi(sh, rng, th, pos, npos,
                                                                      mask, nb, lr);
                                    batches++;
                                    nb = b = 0;
                                }
                                inputs[nb] = ui;
                                ipos[nb] = p;
                                iord[nb] = x;
                                mask[nb] = 0;
                                nb++;
                            }
                            mask[b] |= (uint8_t)(1u << q);
                            pairs++;
                        }
                    }
                }
                if (nb > 0) {
                    lsum += nv_sgns_batch_flush_multi(sh, rng, th, pos, npos, mask, nb, lr);
                    batches++;
                }
            }
            nv_sgns_ngrams_prefetch(sh, v, rng, uin, uctx, stride, j0 + G, G, n);
        }
    }
    th->rng = local;
    th->pairs += pairs;
    th->batches += batches;
    th->loss += lsum;
}

#endif
