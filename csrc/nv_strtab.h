/* nv_strtab.h -- a hash table from byte strings to dense ids, with counts.
 *
 * Keys are copied into one growing arena; entry i owns arena[off[i] : off[i+1]].
 * Ids are given in order of first insertion (0, 1, 2, ...). Open addressing with
 * linear probing over a power-of-two slot array; a slot holds the high 32 bits of
 * its entry's hash above the entry id (all ones = empty), so that a probe reads one
 * slot and compares keys only when the hashes agree. The 64-bit hash of each entry
 * is kept to rehash without touching the arena.
 *
 * All functions return a negative value when memory runs out; the table is then
 * left valid (nothing half-inserted). Dependency-free C99.
 */
#ifndef NV_STRTAB_H
#define NV_STRTAB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t *slots;     /* cap slots: hash >> 32 << 32 | entry id, or NV_STRTAB_EMPTY */
    int64_t cap;         /* power of two */
    int64_t n;           /* number of entries */
    int64_t ecap;        /* capacity of the per-entry arrays */
    uint64_t *hash;      /* per entry: its hash */
    int64_t *off;        /* per entry: start in arena; off[n] = arena_len */
    int64_t *count;      /* per entry: a counter the caller may use */
    char *arena;
    int64_t arena_len, arena_cap;
} nv_strtab;

#define NV_STRTAB_EMPTY UINT64_MAX
#define NV_STRTAB_SLOT(h, id) (((h) >> 32 << 32) | (uint64_t)(uint32_t)(id))

/* Equal keys of len bytes (short ones compared inline). */
static inline int nv_strtab_same(const char *a, const char *b, int64_t len) {
    if (len <= 16) {
        for (int64_t i = 0; i < len; i++) if (a[i] != b[i]) return 0;
        return 1;
    }
    return memcmp(a, b, (size_t)len) == 0;
}

/* FNV-1a over the bytes, then a final mix so that low bits are usable. */
static inline uint64_t nv_strhash(const char *s, int64_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (int64_t i = 0; i < len; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
    h ^= h >> 33; h *= 0xff51afd7ed558ccdULL; h ^= h >> 33;
    return h;
}

static inline int nv_strtab_init(nv_strtab *t, int64_t cap) {
    int64_t c = 1024;
    while (c < cap) c <<= 1;
    memset(t, 0, sizeof(*t));
    t->slots = (uint64_t *)malloc(sizeof(uint64_t) * c);
    t->ecap = c / 2;
    t->hash = (uint64_t *)malloc(sizeof(uint64_t) * t->ecap);
    t->off = (int64_t *)malloc(sizeof(int64_t) * (t->ecap + 1));
    t->count = (int64_t *)malloc(sizeof(int64_t) * t->ecap);
    t->arena_cap = 1 << 16;
    t->arena = (char *)malloc(t->arena_cap);
    if (!t->slots || !t->hash || !t->off || !t->count || !t->arena) return -1;
    memset(t->slots, 0xff, sizeof(uint64_t) * c);
    t->cap = c;
    t->off[0] = 0;
    return 0;
}

static inline void nv_strtab_free(nv_strtab *t) {
    free(t->slots); free(t->hash); free(t->off); free(t->count); free(t->arena);
    memset(t, 0, sizeof(*t));
}

static inline int nv_strtab_grow_slots(nv_strtab *t) {
    int64_t nc = t->cap * 2;
    uint64_t *ns = (uint64_t *)malloc(sizeof(uint64_t) * nc);
    if (!ns) return -1;
    memset(ns, 0xff, sizeof(uint64_t) * nc);
    uint64_t mask = (uint64_t)nc - 1;
    for (int64_t i = 0; i < t->n; i++) {
        uint64_t h = t->hash[i] & mask;
        while (ns[h] != NV_STRTAB_EMPTY) h = (h + 1) & mask;
        ns[h] = NV_STRTAB_SLOT(t->hash[i], i);
    }
    free(t->slots);
    t->slots = ns;
    t->cap = nc;
    return 0;
}

/* Id of the key, or -1 when absent. */
static inline int64_t nv_strtab_find(const nv_strtab *t, const char *s, int64_t len, uint64_t h) {
    uint64_t mask = (uint64_t)t->cap - 1, i = h & mask, tag = h >> 32;
    for (;;) {
        uint64_t v = t->slots[i];
        if (v == NV_STRTAB_EMPTY) return -1;
        int64_t e = (int64_t)(uint32_t)v;
        if ((v >> 32) == tag && t->off[e + 1] - t->off[e] == len &&
            nv_strtab_same(t->arena + t->off[e], s, len))
            return e;
        i = (i + 1) & mask;
    }
}

/* Id of the key, inserting it (count 0) when absent; -2 when out of memory,
 * -3 when the table holds 2**31 - 1 entries already. */
static inline int64_t nv_strtab_intern(nv_strtab *t, const char *s, int64_t len) {
    uint64_t h = nv_strhash(s, len);
    uint64_t mask = (uint64_t)t->cap - 1, i = h & mask, tag = h >> 32;
    for (;;) {
        uint64_t v = t->slots[i];
        if (v == NV_STRTAB_EMPTY) break;
        int64_t e = (int64_t)(uint32_t)v;
        if ((v >> 32) == tag && t->off[e + 1] - t->off[e] == len &&
            nv_strtab_same(t->arena + t->off[e], s, len))
            return e;
        i = (i + 1) & mask;
    }
    if (t->n >= 2147483646) return -3;
    /* room for the entry arrays */
    if (t->n + 1 > t->ecap) {
        int64_t ne = t->ecap * 2;
        uint64_t *nh = (uint64_t *)realloc(t->hash, sizeof(uint64_t) * ne);
        if (!nh) return -2;
        t->hash = nh;
        int64_t *no = (int64_t *)realloc(t->off, sizeof(int64_t) * (ne + 1));
        if (!no) return -2;
        t->off = no;
        int64_t *nc = (int64_t *)realloc(t->count, sizeof(int64_t) * ne);
        if (!nc) return -2;
        t->count = nc;
        t->ecap = ne;
    }
    if (t->arena_len + len > t->arena_cap) {
        int64_t na = t->arena_cap * 2;
        while (na < t->arena_len + len) na *= 2;
        char *a = (char *)realloc(t->arena, (size_t)na);
        if (!a) return -2;
        t->arena = a;
        t->arena_cap = na;
    }
    int64_t id = t->n;
    memcpy(t->arena + t->arena_len, s, (size_t)len);
    t->arena_len += len;
    t->hash[id] = h;
    t->count[id] = 0;
    t->off[id + 1] = t->arena_len;
    t->slots[i] = NV_STRTAB_SLOT(h, id);
    t->n++;
    /* keep the load factor at most 1/2 */
    if (t->n * 2 > t->cap && nv_strtab_grow_slots(t) < 0) return -2;
    return id;
}

#endif
