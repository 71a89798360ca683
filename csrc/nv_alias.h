/* nv_alias.h -- Walker's alias method for drawing from a discrete distribution in O(1).
 *
 * Used for SGNS negative sampling (unigram counts ** ns_exponent). Compared with
 * word2vec's unigram table (1e8 ints, 400 MB, one cache miss per draw) the alias table
 * has one 8-byte cell per entry (probability and alias packed together, so one draw
 * touches one cache line) and is exact up to 2**-32.
 *
 * Cell layout (uint64_t): low 32 bits = threshold t in [0, 2**32), high 32 bits = alias.
 * A draw with 64 random bits r:
 *     i = ((r >> 32) * n) >> 32          (Lemire's multiply-shift: uniform column)
 *     return (uint32)(r) < t_i ? i : alias_i
 * Columns that are "full" (probability 1) store alias_i = i, so rounding of t_i cannot
 * change the result.
 *
 * Dependency-free C99.
 */
#ifndef NV_ALIAS_H
#define NV_ALIAS_H

#include <stdint.h>
#include <stdlib.h>

/* Build the table of weights w[0..n) (>= 0, not all 0) with Vose's algorithm.
 * Returns 0, -1 on a bad argument, -2 when out of memory. */
static int nv_alias_build(const double *w, int64_t n, uint64_t *cells) {
    if (n <= 0 || n > 0xFFFFFFFFLL) return -1;
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (!(w[i] >= 0.0)) return -1;    /* negative or NaN */
        total += w[i];
    }
    if (!(total > 0.0)) return -1;
    double *p = (double *)malloc(sizeof(double) * (size_t)n);
    int64_t *small = (int64_t *)malloc(sizeof(int64_t) * (size_t)n);
    int64_t *large = (int64_t *)malloc(sizeof(int64_t) * (size_t)n);
    if (p == NULL || small == NULL || large == NULL) {
        free(p); free(small); free(large);
        return -2;
    }
    int64_t ns = 0, nl = 0;
    for (int64_t i = 0; i < n; i++) {
        p[i] = w[i] * (double)n / total;          /* scaled so that the mean is 1 */
        if (p[i] < 1.0) small[ns++] = i; else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
        int64_t s = small[--ns], l = large[nl - 1];
        /* column s: keep s with probability p[s], else give the rest to l */
        double t = p[s] * 4294967296.0;
        cells[s] = ((uint64_t)(uint32_t)l << 32) | (uint64_t)(t >= 4294967295.0 ? 4294967295.0 : t);
        p[l] = (p[l] + p[s]) - 1.0;
        if (p[l] < 1.0) { nl--; small[ns++] = l; }
    }
    /* what is left has probability 1 up to rounding: a full column */
    while (nl > 0) { int64_t l = large[--nl]; cells[l] = ((uint64_t)(uint32_t)l << 32) | 0xFFFFFFFFULL; }
    while (ns > 0) { int64_t s = small[--ns]; cells[s] = ((uint64_t)(uint32_t)s << 32) | 0xFFFFFFFFULL; }
    free(p); free(small); free(large);
    return 0;
}

/* One draw from the table of n cells with 64 random bits r. */
static inline int32_t nv_alias_draw(const uint64_t *cells, uint64_t n, uint64_t r) {
    uint64_t i = ((r >> 32) * n) >> 32;
    uint64_t c = cells[i];
    return ((uint32_t)r < (uint32_t)c) ? (int32_t)i : (int32_t)(c >> 32);
}

#endif
