/* nv_sgns_batch.h -- the minibatched SGNS update with shared negatives (HogBatch).
 *
 * Ji, Shah, Satish, Kaul, Dubey (2016), "Parallelizing Word2Vec in Shared and
 * Distributed Memory" (arXiv 1604.04661): the nb input rows that pair with one output
 * row o (for words, the context words of one centre word, whose output row is the
 * centre's; for ngram units, the input units in the window of one context unit) share
 * one set of negatives n_1..n_k, so the step is three small dense matrix products.
 * With X the nb input rows (syn0[inputs[b]]) and Y the nt = 1 + k' output rows
 * (syn1[targets[t]], targets[0] = o, label 1; the negatives, label 0):
 *
 *     M  = X Y^T                          nb x nt dot products
 *     G  = (label - sigmoid(M)) * lr      word2vec's table and clipping, element-wise
 *     dX = G Y,  dY = G^T X               both from the rows as they were before
 *     X += dX,   Y += dY                  one write-back per row of the batch
 *
 * Every row is read once into a zero-padded, 64-byte aligned scratch block (dim
 * rounded up to 8 floats), the three products run there, and each row is written
 * back once (`+=`, so a row that appears twice in a batch receives both updates).
 * Two implementations with the same algorithm: nv_batch_generic (plain C99, the
 * compiler's baseline vectorisation) and, on x86-64 with GCC or Clang, an AVX2 + FMA
 * one with register-blocked micro-kernels (2 x 6 dot products per pass for M; 2 rows
 * x 16 columns per pass for the two axpy-style products), compiled with a target
 * attribute so the rest of the module stays baseline x86-64. nv_sgns_isa() picks the
 * implementation at run time from the CPU (cpuid): the build is portable, and a CPU
 * without AVX2 or FMA runs the generic code. Both are deterministic on a given CPU;
 * they differ from each other (and from nv_sgns_pair) in rounding order.
 *
 * Dependency-free C99 (plus <immintrin.h> where available).
 */
#ifndef NV_SGNS_BATCH_H
#define NV_SGNS_BATCH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nv_alias.h"
#include "nv_rng.h"
#include "nv_sgns.h"
#include "nv_sgns_update.h"

#define NV_BATCH_MAX 32       /* input rows per batch; a longer window is split */
#define NV_BATCH_MAXPOS 8     /* positives per batch (one bit each in a mask byte) */
#define NV_BATCH_TB 6         /* output rows per micro-kernel pass (6 = 1 + 5 negatives) */

#if defined(__GNUC__) && defined(__x86_64__)
#define NV_HAVE_AVX2_PATH 1
#include <immintrin.h>
#else
#define NV_HAVE_AVX2_PATH 0
#endif

/* implementation ids */
enum { NV_ISA_GENERIC = 0, NV_ISA_AVX2 = 1 };

/* The best implementation this CPU runs. */
static int nv_sgns_isa(void) {
#if NV_HAVE_AVX2_PATH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return NV_ISA_AVX2;
#endif
    return NV_ISA_GENERIC;
}

/* Software prefetch of every cache line of a row of dim floats, for writing (GCC and
 * Clang; nothing elsewhere). The chunk bodies call it one batch ahead for the rows the
 * next batch will read and write, so that the misses on the large matrices overlap the
 * current batch's arithmetic instead of stalling its gather. No effect on the results. */
static inline void nv_prefetch_row(const float *row, int dim) {
#if defined(__GNUC__)
    const char *a = (const char *)row, *e = a + sizeof(float) * (size_t)dim - 1;
    for (const char *q = (const char *)((uintptr_t)a & ~(uintptr_t)63); q <= e; q += 64)
        __builtin_prefetch(q, 1, 3);
#else
    (void)row; (void)dim;
#endif
}

/* Prefetch the rows of syn1 of the `negative` negatives that the next `negative` draws of
 * *rng will give, without advancing it (a copy of the state draws them); with `skip`,
 * past that many draws first (a dynamic window's draw). When the next draws of the
 * generator are the next batch's negatives, these are that batch's rows; otherwise the
 * prefetch is only wasted. */
static inline void nv_prefetch_negatives(const nv_sgns_shared *sh, const nv_rng *rng,
                                         int skip) {
    nv_rng peek = *rng;
    for (int k = 0; k < skip; k++) (void)nv_rng_next(&peek);
    for (int k = 0; k < sh->o.negative; k++) {
        int32_t neg = nv_alias_draw(sh->alias, (uint64_t)sh->o.n_alias, nv_rng_next(&peek));
        nv_prefetch_row(sh->syn1 + (int64_t)neg * sh->o.dim, sh->o.dim);
    }
}

static inline int nv_batch_dp(int dim) { return (dim + 7) & ~7; }
static inline int nv_batch_tp(int nt) { return (nt + NV_BATCH_TB - 1) / NV_BATCH_TB * NV_BATCH_TB; }

/* Floats of scratch one batch needs with at most `negative` negatives and NV_BATCH_MAXPOS
 * positives (x, dx: 32 rows each; y, dy: NV_BATCH_MAXPOS + negative rows rounded up to 6;
 * G and its transpose: 32 x that),
 * plus 16 for alignment. */
static inline int64_t nv_batch_scratch_floats(int dim, int negative) {
    int64_t dp = nv_batch_dp(dim), tp = nv_batch_tp(negative + NV_BATCH_MAXPOS);
    return 2 * NV_BATCH_MAX * dp + 2 * tp * dp + 2 * NV_BATCH_MAX * tp + 16;
}

/* G[b, t] from M[b, t] = f in place, for the real rows; the padding stays 0. Targets
 * t < npos are positives (label 1), the others negatives (label 0). With a mask, input b
 * pairs with positive t only when bit t of mask[b] is set; G[b, t] is 0 otherwise (no
 * pair, no gradient). Without (NULL), every input pairs with every positive. Returns the
 * summed loss of the pairs and negatives when with_loss. */
static inline double nv_batch_grad(float *g, int nb, int nt, int tp, float lr,
                                   const float *exp_table, int with_loss, int npos,
                                   const uint8_t *mask) {
    double loss = 0.0;
    for (int b = 0; b < nb; b++) {
        float *row = g + (int64_t)b * tp;
        for (int t = 0; t < nt; t++) {
            float label = t < npos ? 1.0f : 0.0f;
            float f = row[t], gr;
            if (t < npos && mask != NULL && !((mask[b] >> t) & 1)) { row[t] = 0.0f; continue; }
            if (f >= NV_MAX_EXP) gr = (label - 1.0f) * lr;
            else if (f > -NV_MAX_EXP)   /* NaN takes the last branch */
                gr = (label - nv_sigmoid_lookup(exp_table, f)) * lr;
            else gr = label * lr;
            if (with_loss) {
                float z = t < npos ? f : -f;
                z = z > NV_MAX_EXP ? NV_MAX_EXP : (z < -NV_MAX_EXP ? -NV_MAX_EXP : z);
                loss += log1p(exp(-(double)z));
            }
            row[t] = gr;
        }
        for (int t = nt; t < tp; t++) row[t] = 0.0f;
    }
    return loss;
}

/* ---------------------------------------------------------------- generic C99 */

/* c (m x dp) = a (m x n, row stride lda) . bm (n x dp) */
static void nv_batch_gemm_generic(int m, int n, int dp, const float *a, int lda,
                                  const float *bm, float *restrict c) {
    for (int i = 0; i < m; i++) {
        float *restrict ci = c + (int64_t)i * dp;
        for (int k = 0; k < dp; k++) ci[k] = 0.0f;
        for (int j = 0; j < n; j++) {
            float s = a[(int64_t)i * lda + j];
            const float *restrict bj = bm + (int64_t)j * dp;
            for (int k = 0; k < dp; k++) ci[k] += s * bj[k];
        }
    }
}

static void nv_batch_products_generic(int b2, int tp, int dp, const float *x, const float *y,
                                      float *g, float *gt, float *dx, float *dy, int nb,
                                      int nt, float lr, const float *exp_table, int with_loss,
                                      int npos, const uint8_t *mask, double *loss) {
    for (int b = 0; b < b2; b++)
        for (int t = 0; t < tp; t++) {
            const float *xb = x + (int64_t)b * dp, *yt = y + (int64_t)t * dp;
            float f = 0.0f;
            for (int k = 0; k < dp; k++) f += xb[k] * yt[k];
            g[(int64_t)b * tp + t] = f;
        }
    *loss = nv_batch_grad(g, nb, nt, tp, lr, exp_table, with_loss, npos, mask);
    for (int b = nb; b < b2; b++)
        for (int t = 0; t < tp; t++) g[(int64_t)b * tp + t] = 0.0f;
    for (int b = 0; b < b2; b++)
        for (int t = 0; t < tp; t++) gt[(int64_t)t * b2 + b] = g[(int64_t)b * tp + t];
    nv_batch_gemm_generic(b2, tp, dp, g, tp, y, dx);      /* dX = G Y */
    nv_batch_gemm_generic(tp, b2, dp, gt, b2, x, dy);     /* dY = G^T X */
}

/* ---------------------------------------------------------------- AVX2 + FMA */

#if NV_HAVE_AVX2_PATH
#define NV_AVX2 __attribute__((target("avx2,fma")))

NV_AVX2 static inline float nv_hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x55));
    return _mm_cvtss_f32(s);
}

/* M (b2 x tp, b2 even, tp a multiple of 6) = x . y^T: 2 x 6 dot products per pass,
 * 12 accumulators; each y chunk loaded once for two x rows. */
NV_AVX2 static void nv_batch_dots_avx2(int b2, int tp, int nt, int dp, const float *x,
                                       const float *y, float *g) {
    for (int b = 0; b < b2; b += 2) {
        const float *x0 = x + (int64_t)b * dp, *x1 = x0 + dp;
        for (int t = 0; t < tp; t += NV_BATCH_TB) {
            if (t > 0 && nt - t < NV_BATCH_TB) {
                /* a last group past the first with fewer real columns: only those (the
                 * same accumulation per dot product as the 2 x 6 kernel) */
                for (int c = t; c < nt; c++) {
                    const float *yc = y + (int64_t)c * dp;
                    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
                    for (int k = 0; k < dp; k += 8) {
                        __m256 w = _mm256_load_ps(yc + k);
                        a0 = _mm256_fmadd_ps(_mm256_load_ps(x0 + k), w, a0);
                        a1 = _mm256_fmadd_ps(_mm256_load_ps(x1 + k), w, a1);
                    }
                    g[(int64_t)b * tp + c] = nv_hsum256(a0);
                    g[(int64_t)(b + 1) * tp + c] = nv_hsum256(a1);
                }
                break;
            }
            const float *y0 = y + (int64_t)t * dp;
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a04 = a00,
                   a05 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00,
                   a15 = a00;
            for (int k = 0; k < dp; k += 8) {
                __m256 u = _mm256_load_ps(x0 + k), v = _mm256_load_ps(x1 + k), w;
                w = _mm256_load_ps(y0 + k);
                a00 = _mm256_fmadd_ps(u, w, a00); a10 = _mm256_fmadd_ps(v, w, a10);
                w = _mm256_load_ps(y0 + dp + k);
                a01 = _mm256_fmadd_ps(u, w, a01); a11 = _mm256_fmadd_ps(v, w, a11);
                w = _mm256_load_ps(y0 + 2 * dp + k);
                a02 = _mm256_fmadd_ps(u, w, a02); a12 = _mm256_fmadd_ps(v, w, a12);
                w = _mm256_load_ps(y0 + 3 * dp + k);
                a03 = _mm256_fmadd_ps(u, w, a03); a13 = _mm256_fmadd_ps(v, w, a13);
                w = _mm256_load_ps(y0 + 4 * dp + k);
                a04 = _mm256_fmadd_ps(u, w, a04); a14 = _mm256_fmadd_ps(v, w, a14);
                w = _mm256_load_ps(y0 + 5 * dp + k);
                a05 = _mm256_fmadd_ps(u, w, a05); a15 = _mm256_fmadd_ps(v, w, a15);
            }
            float *g0 = g + (int64_t)b * tp + t, *g1 = g0 + tp;
            g0[0] = nv_hsum256(a00); g0[1] = nv_hsum256(a01); g0[2] = nv_hsum256(a02);
            g0[3] = nv_hsum256(a03); g0[4] = nv_hsum256(a04); g0[5] = nv_hsum256(a05);
            g1[0] = nv_hsum256(a10); g1[1] = nv_hsum256(a11); g1[2] = nv_hsum256(a12);
            g1[3] = nv_hsum256(a13); g1[4] = nv_hsum256(a14); g1[5] = nv_hsum256(a15);
        }
    }
}

/* c (m x dp, m even) = a (m x n, stride lda) . bm (n x dp): two rows x 16 columns per
 * pass (4 accumulators; per j two loads of bm and two broadcasts for four FMAs), then
 * a last 8-column strip when dp is not a multiple of 16. */
NV_AVX2 static void nv_batch_gemm_avx2(int m, int n, int dp, const float *a, int lda,
                                       const float *bm, float *c) {
    for (int i = 0; i < m; i += 2) {
        const float *a0 = a + (int64_t)i * lda, *a1 = a0 + lda;
        float *c0 = c + (int64_t)i * dp, *c1 = c0 + dp;
        int k = 0;
        for (; k + 16 <= dp; k += 16) {
            __m256 s00 = _mm256_setzero_ps(), s01 = s00, s10 = s00, s11 = s00;
            for (int j = 0; j < n; j++) {
                const float *bj = bm + (int64_t)j * dp + k;
                __m256 p = _mm256_load_ps(bj), q = _mm256_load_ps(bj + 8);
                __m256 e = _mm256_broadcast_ss(a0 + j), f = _mm256_broadcast_ss(a1 + j);
                s00 = _mm256_fmadd_ps(e, p, s00); s01 = _mm256_fmadd_ps(e, q, s01);
                s10 = _mm256_fmadd_ps(f, p, s10); s11 = _mm256_fmadd_ps(f, q, s11);
            }
            _mm256_store_ps(c0 + k, s00); _mm256_store_ps(c0 + k + 8, s01);
            _mm256_store_ps(c1 + k, s10); _mm256_store_ps(c1 + k + 8, s11);
        }
        if (k < dp) {
            __m256 s0 = _mm256_setzero_ps(), s1 = s0;
            for (int j = 0; j < n; j++) {
                __m256 p = _mm256_load_ps(bm + (int64_t)j * dp + k);
                s0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + j), p, s0);
                s1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + j), p, s1);
            }
            _mm256_store_ps(c0 + k, s0); _mm256_store_ps(c1 + k, s1);
        }
    }
}

NV_AVX2 static void nv_batch_products_avx2(int b2, int tp, int dp, const float *x,
                                           const float *y, float *g, float *gt, float *dx,
                                           float *dy, int nb, int nt, float lr,
                                           const float *exp_table, int with_loss,
                                           int npos, const uint8_t *mask, double *loss) {
    /* past the first group of 6 targets, only the real ones are computed: the padding
     * columns of G are 0, so dX = G Y may stop at nt and dY needs its first nt rows
     * (rounded up to even); the first group keeps the full 2 x 6 kernel */
    const int nt_used = tp > NV_BATCH_TB ? nt : tp;
    const int t2 = tp > NV_BATCH_TB ? (nt + 1) & ~1 : tp;
    nv_batch_dots_avx2(b2, tp, nt, dp, x, y, g);
    *loss = nv_batch_grad(g, nb, nt, tp, lr, exp_table, with_loss, npos, mask);
    for (int b = nb; b < b2; b++)
        for (int t = 0; t < tp; t++) g[(int64_t)b * tp + t] = 0.0f;
    for (int b = 0; b < b2; b++)
        for (int t = 0; t < tp; t++) gt[(int64_t)t * b2 + b] = g[(int64_t)b * tp + t];
    nv_batch_gemm_avx2(b2, nt_used, dp, g, tp, y, dx);   /* dX = G Y */
    nv_batch_gemm_avx2(t2, b2, dp, gt, b2, x, dy);       /* dY = G^T X */
}
#endif

/* ---------------------------------------------------------------- the update */

/* One batched update in place: the rows syn0[inputs[0..nb)] (1 <= nb <= NV_BATCH_MAX)
 * against the positives syn1[targets[0..npos)] (label 1; 1 <= npos <= 8) and the
 * negatives syn1[targets[npos..nt)] (label 0), nt <= NV_BATCH_MAXPOS + the `negative` the
 * scratch was sized for (nv_batch_scratch_floats). mask: NULL (every input pairs with
 * every positive) or per input a bit per positive (bit t of mask[b]: input b pairs with
 * positive t; G is 0 for the others). Every input meets every negative. The caller
 * guarantees every id is a row. Returns the summed loss of the pairs and negatives
 * before the update when with_loss, else 0. */
static double nv_sgns_batch_masked(float *syn0, float *syn1, int dim, const int32_t *inputs,
                                   int nb, const int32_t *targets, int nt, int npos,
                                   const uint8_t *mask, float lr, float *scratch,
                                   const float *exp_table, int with_loss, int isa) {
    const int dp = nv_batch_dp(dim), tp = nv_batch_tp(nt), b2 = (nb + 1) & ~1;
    float *x = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *dx = x + (int64_t)NV_BATCH_MAX * dp;
    float *y = dx + (int64_t)NV_BATCH_MAX * dp;
    float *dy = y + (int64_t)tp * dp;
    float *g = dy + (int64_t)tp * dp;          /* G, b2 x tp */
    float *gt = g + (int64_t)b2 * tp;          /* its transpose */
    double loss = 0.0;
    /* 1. gather: one read of every row into the padded blocks */
    for (int b = 0; b < nb; b++) {
        memcpy(x + (int64_t)b * dp, syn0 + (int64_t)inputs[b] * dim, sizeof(float) * dim);
        for (int k = dim; k < dp; k++) x[(int64_t)b * dp + k] = 0.0f;
    }
    for (int b = nb; b < b2; b++) memset(x + (int64_t)b * dp, 0, sizeof(float) * dp);
    for (int t = 0; t < nt; t++) {
        memcpy(y + (int64_t)t * dp, syn1 + (int64_t)targets[t] * dim, sizeof(float) * dim);
        for (int k = dim; k < dp; k++) y[(int64_t)t * dp + k] = 0.0f;
    }
    for (int t = nt; t < tp; t++) memset(y + (int64_t)t * dp, 0, sizeof(float) * dp);
    /* 2. the products */
#if NV_HAVE_AVX2_PATH
    if (isa == NV_ISA_AVX2)
        nv_batch_products_avx2(b2, tp, dp, x, y, g, gt, dx, dy, nb, nt, lr, exp_table,
                               with_loss, npos, mask, &loss);
    else
#endif
        nv_batch_products_generic(b2, tp, dp, x, y, g, gt, dx, dy, nb, nt, lr, exp_table,
                                  with_loss, npos, mask, &loss);
    (void)isa;
    /* 3. write back: one pass over every row */
    for (int b = 0; b < nb; b++) {
        float *restrict r = syn0 + (int64_t)inputs[b] * dim;
        const float *restrict d = dx + (int64_t)b * dp;
        for (int k = 0; k < dim; k++) r[k] += d[k];
    }
    for (int t = 0; t < nt; t++) {
        float *restrict r = syn1 + (int64_t)targets[t] * dim;
        const float *restrict d = dy + (int64_t)t * dp;
        for (int k = 0; k < dim; k++) r[k] += d[k];
    }
    return loss;
}

/* The batch of one positive output row targets[0] that every input pairs with. */
static double nv_sgns_batch(float *syn0, float *syn1, int dim, const int32_t *inputs,
                            int nb, const int32_t *targets, int nt, float lr,
                            float *scratch, const float *exp_table, int with_loss, int isa) {
    return nv_sgns_batch_masked(syn0, syn1, dim, inputs, nb, targets, nt, 1, NULL, lr,
                                scratch, exp_table, with_loss, isa);
}

/* Train one batch of a chunk body: th->inputs[0..nb) against the output row `out` and
 * `negative` fresh negatives from the alias table (one equal to `out` is skipped, as
 * in word2vec), drawn with the body's generator. */
static inline double nv_sgns_batch_flush(const nv_sgns_shared *sh, nv_rng *rng,
                                         nv_sgns_thread *th, int32_t out, int nb, float lr) {
    int32_t *targets = th->targets;
    int nt = 1;
    targets[0] = out;
    for (int k = 0; k < sh->o.negative; k++) {
        int32_t neg = nv_alias_draw(sh->alias, (uint64_t)sh->o.n_alias, nv_rng_next(rng));
        if (neg != out) targets[nt++] = neg;
    }
    return nv_sgns_batch(sh->syn0, sh->syn1, sh->o.dim, th->inputs, nb, targets, nt, lr,
                         th->batch, sh->exp_table, sh->o.with_loss, sh->o.isa);
}

#endif
