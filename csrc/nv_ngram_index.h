/* nv_ngram_index.h -- ngram ids of the positions of a sentence.
 *
 * An ngram of order k >= 2 is identified, order by order, by the 64-bit key
 *     (internal id of its (k-1)-prefix) << 32 | (lexicon id of its last token)
 * and the ngrams of order 1 are the words, whose internal ids are lexicon ids. The
 * index holds one frozen hash table per order (key -> internal id, see nv_pairtab.h),
 * filled from Python (NgramIndex.add_order in ngramvec/data/_ngrams.pyx).
 *
 * Dependency-free C99.
 */
#ifndef NV_NGRAM_INDEX_H
#define NV_NGRAM_INDEX_H

#include <stdint.h>

#include "nv_ngram_window.h"
#include "nv_pairtab.h"

typedef struct {
    int max_order;                        /* orders 1..max_order are indexed */
    nv_pairtab tabs[NV_MAX_ORDER + 1];    /* tabs[k] for 2 <= k <= max_order */
} nv_ngram_index;

static inline uint64_t nv_ngram_key(int32_t prefix, int32_t last) {
    return ((uint64_t)(uint32_t)prefix << 32) | (uint64_t)(uint32_t)last;
}

/* U[(k-1)*n + i] = internal id of the order-k ngram starting at position i of the
 * sentence lex[0:n], or -1 (not indexed, or crossing the sentence end), for k in
 * 1..K (K <= ix->max_order). U holds K*n ids. */
static inline void nv_ngram_units(const nv_ngram_index *ix, const int32_t *lex, int64_t n,
                                  int K, int32_t *U) {
    for (int64_t i = 0; i < n; i++) U[i] = lex[i];
    for (int k = 2; k <= K; k++) {
        const int32_t *prev = U + (int64_t)(k - 2) * n;
        int32_t *cur = U + (int64_t)(k - 1) * n;
        for (int64_t i = 0; i < n; i++) {
            if (i + k > n || prev[i] < 0) { cur[i] = -1; continue; }
            cur[i] = (int32_t)nv_pairtab_find(&ix->tabs[k], nv_ngram_key(prev[i], lex[i + k - 1]));
        }
    }
}

#endif /* NV_NGRAM_INDEX_H */
