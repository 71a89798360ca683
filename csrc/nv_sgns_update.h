/* nv_sgns_update.h -- the arithmetic of skip-gram with negative sampling (SGNS).
 *
 * One (centre, context) pair with its negatives, in C so that the whole function can
 * be compiled twice (AVX2 and baseline x86-64) and picked at load time by the CPU
 * (GCC target_clones): the dim-long loops are vectorised 8 floats wide where the CPU
 * allows, without -march=native and without -ffast-math. The dot product uses an
 * OpenMP SIMD reduction (a fixed lane order: deterministic on a given CPU).
 *
 * For each target t with label y (1 for the context o = targets[0], 0 for the
 * negatives targets[1..]):
 *
 *     f     = syn0[c] . syn1[t]
 *     g     = (y - sigmoid(f)) * lr         sigmoid from word2vec's table; f clipped at +-6
 *     neu1e += g * syn1[t]                  (gradient of syn0[c], applied at the end)
 *     syn1[t] += g * syn0[c]
 *
 * then syn0[c] += neu1e.
 *
 * Dependency-free C99 (libm).
 */
#ifndef NV_SGNS_UPDATE_H
#define NV_SGNS_UPDATE_H

#include <math.h>
#include <stdint.h>

#define NV_MAX_EXP 6
#define NV_EXP_TABLE_SIZE 1000
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define NV_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NV_CLONES
#endif

/* word2vec's sigmoid table: sigmoid(x) for x on a grid of [-6, 6). */
static void nv_fill_exp_table(float *t) {
    for (int i = 0; i < NV_EXP_TABLE_SIZE; i++) {
        float e = (float)exp((i / (double)NV_EXP_TABLE_SIZE * 2 - 1) * NV_MAX_EXP);
        t[i] = e / (e + 1);
    }
}

/* sigmoid(f) from the table for -6 < f < 6 (the callers clip outside). The grid index
 * is clamped to the table: in float arithmetic (f + 6) rounds to 12.0f for the float
 * just below 6 (f = 5.9999995f), whose index is then 1000, one past the last cell.
 * Unclamped, that one value read the 4 bytes after the table, which hold whatever the
 * heap left there (NaN or a value above 1e6 in about a third of 2,000 allocations
 * sampled), so a single dot product of exactly that value could turn one update into
 * NaN or 1e20 and the run diverged at random (issue 14). Every other f keeps its index:
 * results are unchanged wherever the index was in range. The grid step is a float;
 * word2vec.c's integer 1000 / 6 / 2 = 83 would be off by 0.4%. */
static inline float nv_sigmoid_lookup(const float *exp_table, float f) {
    int i = (int)((f + NV_MAX_EXP) * ((float)NV_EXP_TABLE_SIZE / (2 * NV_MAX_EXP)));
    i = i < 0 ? 0 : (i >= NV_EXP_TABLE_SIZE ? NV_EXP_TABLE_SIZE - 1 : i);
    return exp_table[i];
}

/* One SGNS update in place: the input row l1 = syn0[c] against syn1[targets[0]]
 * (label 1) and syn1[targets[1..n_targets)] (label 0), learning rate lr. neu1e is
 * dim floats of scratch. Returns the loss of the pair before the update,
 * -log s(f_o) - sum log s(-f_n), when with_loss, else 0. */
NV_CLONES
static double nv_sgns_pair(float *restrict l1, float *restrict syn1, int dim,
                           const int32_t *targets, int n_targets, float lr,
                           float *restrict neu1e, const float *exp_table, int with_loss) {
    double loss = 0.0;
    for (int k = 0; k < dim; k++) neu1e[k] = 0.0f;
    for (int j = 0; j < n_targets; j++) {
        float *restrict row = syn1 + (int64_t)targets[j] * dim;
        float label = j == 0 ? 1.0f : 0.0f;
        float f = 0.0f, g;
        #pragma omp simd reduction(+:f)
        for (int k = 0; k < dim; k++) f += l1[k] * row[k];
        /* NaN takes the last branch: no table read out of range */
        if (f >= NV_MAX_EXP) g = (label - 1.0f) * lr;
        else if (f > -NV_MAX_EXP) g = (label - nv_sigmoid_lookup(exp_table, f)) * lr;
        else g = label * lr;
        if (with_loss) {   /* -log sigmoid(+-f), f clipped to [-6, 6] */
            float z = j == 0 ? f : -f;
            z = z > NV_MAX_EXP ? NV_MAX_EXP : (z < -NV_MAX_EXP ? -NV_MAX_EXP : z);
            loss += log1p(exp(-(double)z));
        }
        for (int k = 0; k < dim; k++) neu1e[k] += g * row[k];
        for (int k = 0; k < dim; k++) row[k] += g * l1[k];
    }
    for (int k = 0; k < dim; k++) l1[k] += neu1e[k];
    return loss;
}

#endif
