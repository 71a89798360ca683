/* nv_pairtab.h -- co-occurrence accumulation in bounded memory.
 *
 * A pair (row, col) is packed into one 64-bit key, key = row << col_bits | col, so
 * that sorting keys sorts pairs row-major, which is CSR order. Values are int64
 * "ticks": every weight is an integer (uniform weight = 1, harmonic weight =
 * scale / d with scale = lcm(1..window)), so sums are exact and do not depend on the
 * order in which they are added. That makes counts identical whatever the number of
 * threads, whether the table spilled to disk, and however a cluster sharded the
 * corpus.
 *
 * nv_pairtab   open-addressing hash table (linear probing) from key to ticks.
 *              When full it either doubles (while under its byte budget) or is
 *              spilled: compacted and radix-sorted (nv_pairtab_sort), then written
 *              to a run file (nv_pairtab_write_run); see nv_counter.h for who does
 *              what, and when.
 * nv_run_*     sorted runs: a file of (key, ticks) records, 16 bytes each.
 * nv_merge_*   k-way merge of sorted sources (in-memory arrays and run files) with
 *              a binary heap, summing equal keys.
 *
 * Dependency-free C99 (stdio for the run files).
 */
#ifndef NV_PAIRTAB_H
#define NV_PAIRTAB_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NV_EMPTY UINT64_MAX
#define NV_MAX_FILL_NUM 7   /* grow or spill past 7/10 full */
#define NV_MAX_FILL_DEN 10

typedef struct { uint64_t key; int64_t val; } nv_pair;

typedef struct {
    nv_pair *slots;
    int64_t cap;        /* slots, a power of two */
    int64_t max_cap;    /* largest capacity the byte budget allows */
    int64_t n;          /* occupied slots */
    int shift;          /* 64 - log2(cap), for multiplicative hashing */
    int key_bits;       /* significant bits of the keys, for the radix sort */
    int64_t n_spills;
    int err;            /* 0, or an errno value of the last failure */
} nv_pairtab;

static inline int nv_log2(int64_t x) { int k = 0; while (((int64_t)1 << k) < x) k++; return k; }

static inline int nv_pairtab_init(nv_pairtab *t, int64_t cap, int64_t max_cap, int key_bits) {
    memset(t, 0, sizeof(*t));
    if (cap < 1024) cap = 1024;
    cap = (int64_t)1 << nv_log2(cap);
    if (max_cap < cap) max_cap = cap;
    t->slots = (nv_pair *)malloc(sizeof(nv_pair) * cap);
    if (!t->slots) { t->err = ENOMEM; return -1; }
    for (int64_t i = 0; i < cap; i++) t->slots[i].key = NV_EMPTY;
    t->cap = cap;
    t->max_cap = (int64_t)1 << nv_log2(max_cap);
    if (t->max_cap > max_cap) t->max_cap >>= 1;
    if (t->max_cap < cap) t->max_cap = cap;
    t->shift = 64 - nv_log2(cap);
    t->key_bits = key_bits;
    return 0;
}

static inline void nv_pairtab_free(nv_pairtab *t) { free(t->slots); t->slots = NULL; t->cap = 0; t->n = 0; }

static inline void nv_pairtab_insert_slot(nv_pair *slots, int64_t cap, int shift, uint64_t key, int64_t v) {
    uint64_t mask = (uint64_t)cap - 1;
    uint64_t h = (key * 0x9E3779B97F4A7C15ULL) >> shift;
    for (;;) {
        nv_pair *s = &slots[h];
        if (s->key == key) { s->val += v; return; }
        if (s->key == NV_EMPTY) { s->key = key; s->val = v; return; }
        h = (h + 1) & mask;
    }
}

/* Add v to key; returns 1 when a new key was inserted. The caller guarantees room. */
static inline int nv_pairtab_add(nv_pairtab *t, uint64_t key, int64_t v) {
    uint64_t mask = (uint64_t)t->cap - 1;
    uint64_t h = (key * 0x9E3779B97F4A7C15ULL) >> t->shift;
    for (;;) {
        nv_pair *s = &t->slots[h];
        if (s->key == key) { s->val += v; return 0; }
        if (s->key == NV_EMPTY) { s->key = key; s->val = v; t->n++; return 1; }
        h = (h + 1) & mask;
    }
}

/* Value of key, or -1 when absent (for tables used as key -> id maps). */
static inline int64_t nv_pairtab_find(const nv_pairtab *t, uint64_t key) {
    uint64_t mask = (uint64_t)t->cap - 1;
    uint64_t h = (key * 0x9E3779B97F4A7C15ULL) >> t->shift;
    for (;;) {
        const nv_pair *s = &t->slots[h];
        if (s->key == key) return s->val;
        if (s->key == NV_EMPTY) return -1;
        h = (h + 1) & mask;
    }
}

/* Double the capacity; -1 (err = ENOMEM) on failure, table unchanged. */
static inline int nv_pairtab_grow(nv_pairtab *t) {
    int64_t nc = t->cap * 2;
    nv_pair *ns = (nv_pair *)malloc(sizeof(nv_pair) * nc);
    if (!ns) { t->err = ENOMEM; return -1; }
    for (int64_t i = 0; i < nc; i++) ns[i].key = NV_EMPTY;
    int nshift = t->shift - 1;
    for (int64_t i = 0; i < t->cap; i++)
        if (t->slots[i].key != NV_EMPTY)
            nv_pairtab_insert_slot(ns, nc, nshift, t->slots[i].key, t->slots[i].val);
    free(t->slots);
    t->slots = ns;
    t->cap = nc;
    t->shift = nshift;
    return 0;
}

/* Would `extra` more insertions push the table past its fill limit? */
static inline int nv_pairtab_needs_room(const nv_pairtab *t, int64_t extra) {
    return (t->n + extra) * NV_MAX_FILL_DEN > t->cap * NV_MAX_FILL_NUM;
}

/* LSD radix sort of n records by key (11-bit digits over key_bits bits), using tmp
 * (n records) as scratch. The result is in a (tmp's content is garbage). */
static inline void nv_radix_sort(nv_pair *a, nv_pair *tmp, int64_t n, int key_bits) {
    enum { BITS = 11, BUCKETS = 1 << 11 };
    int64_t cnt[BUCKETS];
    nv_pair *src = a, *dst = tmp;
    for (int shift = 0; shift < key_bits; shift += BITS) {
        memset(cnt, 0, sizeof(cnt));
        for (int64_t i = 0; i < n; i++) cnt[(src[i].key >> shift) & (BUCKETS - 1)]++;
        int64_t sum = 0;
        for (int b = 0; b < BUCKETS; b++) { int64_t c = cnt[b]; cnt[b] = sum; sum += c; }
        for (int64_t i = 0; i < n; i++) dst[cnt[(src[i].key >> shift) & (BUCKETS - 1)]++] = src[i];
        nv_pair *x = src; src = dst; dst = x;
    }
    if (src != a) memcpy(a, src, sizeof(nv_pair) * (size_t)n);
}

/* Move the occupied slots to the front and sort them by key. After this the table
 * is no longer a hash table: slots[0:n] is a sorted array. -1 (err set) when the
 * scratch buffer cannot be allocated. */
static inline int nv_pairtab_sort(nv_pairtab *t) {
    int64_t j = 0;
    for (int64_t i = 0; i < t->cap; i++)
        if (t->slots[i].key != NV_EMPTY) t->slots[j++] = t->slots[i];
    if (j > 1) {
        nv_pair *tmp = (nv_pair *)malloc(sizeof(nv_pair) * (size_t)j);
        if (!tmp) { t->err = ENOMEM; return -1; }
        nv_radix_sort(t->slots, tmp, j, t->key_bits);
        free(tmp);
    }
    return 0;
}

/* Empty the table (after a spill) keeping its capacity. */
static inline void nv_pairtab_clear(nv_pairtab *t) {
    for (int64_t i = 0; i < t->cap; i++) t->slots[i].key = NV_EMPTY;
    t->n = 0;
}

/* Write a table sorted by nv_pairtab_sort as a run file at path, then clear it. -1 on
 * failure with t->err = errno (the partial file is removed; the table keeps its
 * sorted records). */
static inline int nv_pairtab_write_run(nv_pairtab *t, const char *path) {
    FILE *f = fopen(path, "wb");
    if (!f) { t->err = errno ? errno : EIO; return -1; }
    size_t w = fwrite(t->slots, sizeof(nv_pair), (size_t)t->n, f);
    int bad = (w != (size_t)t->n);
    int e = errno;
    if (fclose(f) != 0 && !bad) { bad = 1; e = errno; }
    if (bad) { remove(path); t->err = e ? e : EIO; return -1; }
    t->n_spills++;
    /* sort() compacted the slots; every slot must read empty again */
    nv_pairtab_clear(t);
    return 0;
}

/* ---- k-way merge of sorted sources ---------------------------------------- */

typedef struct {
    const nv_pair *mem;   /* in-memory source, or NULL for a file */
    int64_t mem_n, mem_i;
    FILE *file;
    nv_pair *buf;         /* read buffer of a file source */
    int64_t buf_n, buf_i, buf_cap;
    uint64_t key;         /* current head */
    int64_t val;
    int done;
} nv_source;

/* Advance a source to its next record; sets done at the end. -1 on read error. */
static inline int nv_source_next(nv_source *s) {
    if (s->mem || !s->file) {   /* an in-memory source (possibly empty, mem NULL) */
        if (s->mem_i >= s->mem_n) { s->done = 1; return 0; }
        s->key = s->mem[s->mem_i].key; s->val = s->mem[s->mem_i].val; s->mem_i++;
        return 0;
    }
    if (s->buf_i >= s->buf_n) {
        s->buf_n = (int64_t)fread(s->buf, sizeof(nv_pair), (size_t)s->buf_cap, s->file);
        s->buf_i = 0;
        if (s->buf_n == 0) {
            if (ferror(s->file)) return -1;
            s->done = 1;
            return 0;
        }
    }
    s->key = s->buf[s->buf_i].key; s->val = s->buf[s->buf_i].val; s->buf_i++;
    return 0;
}

typedef struct {
    nv_source *src;
    int *heap;            /* indices of live sources, min-heap on key */
    int n_heap, n_src;
    int err;
} nv_merge;

static inline void nv_heap_down(nv_merge *m, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->n_heap && m->src[m->heap[l]].key < m->src[m->heap[s]].key) s = l;
        if (r < m->n_heap && m->src[m->heap[r]].key < m->src[m->heap[s]].key) s = r;
        if (s == i) return;
        int x = m->heap[i]; m->heap[i] = m->heap[s]; m->heap[s] = x;
        i = s;
    }
}

/* Prime every source and build the heap. -1 on read error. */
static inline int nv_merge_start(nv_merge *m) {
    m->n_heap = 0;
    for (int i = 0; i < m->n_src; i++) {
        if (nv_source_next(&m->src[i]) < 0) { m->err = errno ? errno : EIO; return -1; }
        if (!m->src[i].done) m->heap[m->n_heap++] = i;
    }
    for (int i = m->n_heap / 2 - 1; i >= 0; i--) nv_heap_down(m, i);
    return 0;
}

/* Next merged record (equal keys summed). Returns 1 with key and val set, 0 at the
 * end, -1 on read error. */
static inline int nv_merge_next(nv_merge *m, uint64_t *key, int64_t *val) {
    if (m->n_heap == 0) return 0;
    nv_source *top = &m->src[m->heap[0]];
    uint64_t k = top->key;
    int64_t v = 0;
    while (m->n_heap > 0 && m->src[m->heap[0]].key == k) {
        top = &m->src[m->heap[0]];
        v += top->val;
        if (nv_source_next(top) < 0) { m->err = errno ? errno : EIO; return -1; }
        if (top->done) m->heap[0] = m->heap[--m->n_heap];
        nv_heap_down(m, 0);
    }
    *key = k;
    *val = v;
    return 1;
}

#endif
