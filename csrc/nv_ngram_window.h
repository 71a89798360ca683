/* nv_ngram_window.h -- ngram2vec's window rule, the one copy used by every kernel.
 *
 * Units are runs of consecutive tokens of one sentence: the unit of order k at
 * position p covers tokens [p, p+k). Words are the units of order 1. For a centre
 * (input) unit of order ka at position i and a context unit of order kb at
 * position j (Zhao et al., EMNLP 2017):
 *
 *   distance  d = max(|i - (j+kb-1)|, |(i+ka-1) - j|), the distance between the
 *                 farthest tokens of the two units;
 *   a pair    when d <= win (every token of one unit within win of every token of
 *                 the other) and the context lies on an allowed side:
 *                   left   the context ends before the centre starts (j+kb <= i),
 *                   right  the context starts after the centre ends (j >= i+ka);
 *   overlap   units sharing a position (j < i+ka and i < j+kb) are pairs only when
 *                 NV_NGW_OVERLAP is set and both sides are allowed, and a unit is
 *                 never its own context (j == i with ka == kb).
 *
 * d is then in [1, win], and it is the distance used by distance weighting.
 * For words (ka = kb = 1) this is the usual window: j != i, |i - j| <= win.
 *
 * Use: for each centre unit occurrence (i, ka) and each context order kb,
 *
 *     nv_ngw_iter it;
 *     int32_t c; int d;
 *     nv_ngw_begin(&it, ctx_units_of_order_kb, n, i, ka, kb, win, mode);
 *     while (nv_ngw_next(&it, &c, &d)) { ... pair (centre unit, c) at distance d ... }
 *
 * where ctx_units_of_order_kb[j] is the context unit id of the order-kb unit
 * starting at sentence position j (j in [0, n-kb]), negative for none (absent,
 * out of the vocabulary, subsampled), and win >= 1 is the (possibly dynamic)
 * window of this centre. The iterator is a few scalars on the caller's stack; both
 * functions are static inline, so an optimising compiler turns the loop into the
 * plain bounded loop over j (no allocation, no call, no indirection). Pairs come
 * in increasing j.
 *
 * Dependency-free C99.
 */
#ifndef NV_NGRAM_WINDOW_H
#define NV_NGRAM_WINDOW_H

#include <stdint.h>

/* Highest ngram order of the library. Its one definition is MAX_ORDER in
 * ngramvec/base/keys.py; setup.py passes it to the compiler as -DNV_MAX_ORDER (so the
 * pure-Python layers know it without the compiled modules, and the two cannot differ). */
#ifndef NV_MAX_ORDER
#error "NV_MAX_ORDER is set by setup.py from MAX_ORDER in ngramvec/base/keys.py"
#endif

/* mode bits of nv_ngw_begin */
enum {
    NV_NGW_LEFT = 1,      /* contexts before the centre */
    NV_NGW_RIGHT = 2,     /* contexts after the centre */
    NV_NGW_BOTH = 3,
    NV_NGW_OVERLAP = 4    /* with NV_NGW_BOTH: units sharing positions are pairs too */
};

typedef struct {
    const int32_t *ctx;   /* context unit ids of order kb by start position */
    int64_t i;            /* centre start */
    int64_t j;            /* next context start to look at */
    int64_t jhi;          /* last context start of the window */
    int64_t skip_lo;      /* context starts [skip_lo, skip_hi] are not pairs */
    int64_t skip_hi;
    int ka, kb;
} nv_ngw_iter;

/* Mode bits from a direction (1 left, 2 right, 3 both) and the overlap flag. */
static inline int nv_ngw_mode(int direction, int overlap) {
    return (direction & NV_NGW_BOTH) | (overlap ? NV_NGW_OVERLAP : 0);
}

/* Start the contexts of order kb of the centre unit [i, i+ka) in a sentence of n
 * tokens; ctx, win and mode as described above. */
static inline void nv_ngw_begin(nv_ngw_iter *it, const int32_t *ctx, int64_t n, int64_t i,
                                int ka, int kb, int win, int mode) {
    /* d <= win: (i+ka-1) - j <= win on the left, (j+kb-1) - i <= win on the right */
    int64_t jlo = i + ka - 1 - win;
    int64_t jhi = i + win - kb + 1;
    if (jlo < 0) jlo = 0;
    if (jhi > n - kb) jhi = n - kb;
    it->ctx = ctx;
    it->i = i;
    it->ka = ka;
    it->kb = kb;
    it->skip_lo = -1;           /* no skipped range (j never equals -1) */
    it->skip_hi = -2;
    if ((mode & NV_NGW_BOTH) == NV_NGW_BOTH) {
        if (mode & NV_NGW_OVERLAP) {
            if (ka == kb) { it->skip_lo = i; it->skip_hi = i; }   /* not its own context */
        } else {                /* units sharing a position: j in [i-kb+1, i+ka-1] */
            it->skip_lo = i - kb + 1;
            it->skip_hi = i + ka - 1;
        }
    } else if (mode & NV_NGW_LEFT) {
        if (jhi > i - kb) jhi = i - kb;          /* j + kb <= i */
    } else if (mode & NV_NGW_RIGHT) {
        if (jlo < i + ka) jlo = i + ka;          /* j >= i + ka */
    } else {
        jhi = jlo - 1;                           /* no side: no pair */
    }
    if (jlo >= it->skip_lo && jlo <= it->skip_hi) jlo = it->skip_hi + 1;
    if (it->skip_lo < jlo) { it->skip_lo = -1; it->skip_hi = -2; }
    it->j = jlo;
    it->jhi = jhi;
}

/* Next pair: its context unit id and distance; 0 when the window is exhausted. */
static inline int nv_ngw_next(nv_ngw_iter *it, int32_t *unit, int *dist) {
    int64_t j, d1, d2;
    int32_t c;
    for (;;) {
        j = it->j;
        if (j > it->jhi) return 0;
        if (j == it->skip_lo) { it->j = it->skip_hi + 1; continue; }
        it->j = j + 1;
        c = it->ctx[j];
        if (c < 0) continue;
        d1 = it->i - (j + it->kb - 1);
        if (d1 < 0) d1 = -d1;
        d2 = (it->i + it->ka - 1) - j;
        if (d2 < 0) d2 = -d2;
        *unit = c;
        *dist = (int)(d1 > d2 ? d1 : d2);
        return 1;
    }
}

#endif /* NV_NGRAM_WINDOW_H */
