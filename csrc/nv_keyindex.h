/* nv_keyindex.h -- a read-only hash index over keys stored back to back.
 *
 * The n keys are byte strings in one blob: key i is blob[off[i] : off[i+1]] (what a
 * native .npz stores as keys_utf8 and keys_offsets). The index copies no key. It is
 * an array of cap slots (a power of two, at least 2n: linear probing stays short),
 * open addressing; a slot holds the high 32 bits of its key's hash above the key's
 * id (all ones: empty), so that a probe compares bytes only when the hashes agree.
 * The hash is seeded per index: a file cannot make all its keys collide (and every
 * load take quadratic time) without knowing the seed.
 *
 * nv_keyindex_build checks, while inserting, everything a loader must check of the
 * keys: the offsets (0 first, the blob's length last, increasing), no empty key, no
 * ASCII whitespace, valid UTF-8 as Python's decoder with "surrogatepass" accepts it
 * (so that each key decodes to exactly one str and two keys are equal as str if and
 * only if they are equal as bytes), no key twice. Nothing is read outside
 * blob[0 : n_bytes] and off[0 : n + 1]. Dependency-free C99; no allocation (the caller
 * gives the slots), so it runs without the GIL.
 */
#ifndef NV_KEYINDEX_H
#define NV_KEYINDEX_H

#include <stdint.h>
#include <string.h>

typedef struct {
    const unsigned char *blob;   /* n_bytes bytes (may be NULL when n_bytes == 0) */
    int64_t n_bytes;
    const int64_t *off;          /* n + 1 offsets */
    int64_t n;                   /* keys, < 2**32 - 1 */
    uint64_t *slots;             /* cap slots, filled by nv_keyindex_build */
    int64_t cap;                 /* a power of two >= 2n (and >= 2) */
    uint64_t seed;
    int ascii;                   /* set by the build: every byte < 0x80 */
} nv_keyindex;

enum nv_keyindex_status {
    NV_KI_OK = 0,
    NV_KI_BAD_OFFSETS = 1,   /* *where: the first key whose offsets are wrong */
    NV_KI_EMPTY = 2,         /* *where: the empty key */
    NV_KI_WHITESPACE = 3,    /* *where: the key holding ASCII whitespace */
    NV_KI_BAD_UTF8 = 4,      /* *where: the key that is not valid UTF-8 */
    NV_KI_DUPLICATE = 5,     /* *where: the second occurrence, *other: the first */
    NV_KI_BAD_TABLE = 6      /* cap is not a power of two >= 2n, or n too large */
};

#define NV_KI_EMPTY_SLOT UINT64_MAX

#define NV_KI_K0 0x9E3779B97F4A7C15ULL
#define NV_KI_K1 0xBF58476D1CE4E5B9ULL

static inline uint64_t nv_keyhash_final(uint64_t h) {
    h ^= h >> 33; h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

static inline uint64_t nv_load64(const unsigned char *p) { uint64_t w; memcpy(&w, p, 8); return w; }
static inline uint64_t nv_load32(const unsigned char *p) { uint32_t w; memcpy(&w, p, 4); return w; }

/* A seeded 64-bit hash of len bytes, 8 at a time (the last word of a key of 8 bytes
 * or more overlaps the one before it; a shorter key is read as two overlapping
 * 4-byte halves, or byte by byte below 4: every byte is read, and with the length
 * mixed in the words determine the key), then the finaliser of MurmurHash3 so that
 * the low bits (the slot) depend on every byte. *flag is made nonzero if a byte is
 * >= 0x80 or <= 0x20 (a key that needs the byte-by-byte check); no false negative. */
static inline uint64_t nv_keyhash_flag(const unsigned char *s, int64_t len, uint64_t seed,
                                       uint64_t *flag) {
    const uint64_t high = 0x8080808080808080ULL, ones = 0x0101010101010101ULL;
    uint64_t h = seed ^ ((uint64_t)len * NV_KI_K0), w, f = 0;
    if (len >= 8) {
        const unsigned char *p = s, *last = s + len - 8;
        for (;;) {
            w = nv_load64(p < last ? p : last);
            /* a byte >= 0x80, or (exact for bytes < 0x80) a byte < 0x21 */
            f |= (w & high) | ((w - ones * 0x21) & ~w & high);
            h = (h ^ w) * NV_KI_K1;
            h ^= h >> 31;
            if (p >= last) break;
            p += 8;
        }
    } else if (len >= 4) {
        w = nv_load32(s) | (nv_load32(s + len - 4) << 32);
        f |= (w & high) | ((w - ones * 0x21) & ~w & high);
        h = (h ^ w) * NV_KI_K1;
        h ^= h >> 31;
    } else if (len > 0) {
        w = (uint64_t)s[0] | ((uint64_t)s[len / 2] << 8) | ((uint64_t)s[len - 1] << 16);
        for (int64_t k = 0; k < len; k++) f |= (uint64_t)((s[k] & 0x80) | (s[k] <= 0x20));
        h = (h ^ w) * NV_KI_K1;
        h ^= h >> 31;
    }
    *flag = f;
    return nv_keyhash_final(h);
}

static inline uint64_t nv_keyhash(const unsigned char *s, int64_t len, uint64_t seed) {
    uint64_t unused;
    return nv_keyhash_flag(s, len, seed, &unused);
}

/* 0 if s[0:len] is ASCII-whitespace-free UTF-8 (surrogates allowed, as Python's
 * "surrogatepass" decodes them), NV_KI_WHITESPACE or NV_KI_BAD_UTF8 otherwise; *ascii
 * is cleared when a byte is >= 0x80. A sequence must end inside the key. */
static inline int nv_key_check_utf8(const unsigned char *s, int64_t len, int *ascii) {
    int64_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            /* " \t\n\r\v\f": 0x20, 0x09..0x0d */
            if (c == 0x20 || (c >= 0x09 && c <= 0x0d)) return NV_KI_WHITESPACE;
            i++;
            continue;
        }
        *ascii = 0;
        int need;
        unsigned char lo = 0x80, hi = 0xBF;   /* the allowed range of the 2nd byte */
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) { need = 2; lo = 0xA0; }
        else if (c >= 0xE1 && c <= 0xEF) need = 2;   /* 0xED: surrogates pass */
        else if (c == 0xF0) { need = 3; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) { need = 3; hi = 0x8F; }
        else return NV_KI_BAD_UTF8;                  /* 0x80-0xC1, 0xF5-0xFF */
        if (len - i <= need) return NV_KI_BAD_UTF8;  /* cut short by the key's end */
        if (s[i + 1] < lo || s[i + 1] > hi) return NV_KI_BAD_UTF8;
        for (int k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80) return NV_KI_BAD_UTF8;
        i += need + 1;
    }
    return 0;
}

/* nv_keyhash of s[0:len] into *hash, and the check of nv_key_check_utf8: a key of
 * ASCII bytes > 0x20 only (the usual) is known good from its words; any other is
 * checked byte by byte. */
static inline int nv_key_scan(const unsigned char *s, int64_t len, uint64_t seed,
                              uint64_t *hash, int *ascii) {
    uint64_t flag;
    *hash = nv_keyhash_flag(s, len, seed, &flag);
    return flag ? nv_key_check_utf8(s, len, ascii) : 0;
}

/* Id of the key s[0:len], or -1 when absent. The index must be built (status OK). */
static inline int64_t nv_keyindex_find(const nv_keyindex *t, const unsigned char *s,
                                       int64_t len) {
    uint64_t h = nv_keyhash(s, len, t->seed);
    uint64_t mask = (uint64_t)t->cap - 1, i = h & mask, tag = h >> 32;
    for (;;) {
        uint64_t v = t->slots[i];
        if (v == NV_KI_EMPTY_SLOT) return -1;
        if ((v >> 32) == tag) {
            int64_t e = (int64_t)(uint32_t)v;
            int64_t a = t->off[e], b = t->off[e + 1];
            if (b - a == len && (len == 0 || memcmp(t->blob + a, s, (size_t)len) == 0))
                return e;
        }
        i = (i + 1) & mask;
    }
}

/* Check the keys and insert them all; NV_KI_OK or what is wrong (and where). One pass:
 * key i + NV_KI_AHEAD is checked and hashed, and its slot prefetched, before key i is
 * inserted (the 2n slots are beyond the caches and a probe is one random access; the
 * hashes wait in a ring, of twice that: key i's is read after key i + NV_KI_AHEAD's is
 * written). */
#define NV_KI_AHEAD 8
#define NV_KI_RING (2 * NV_KI_AHEAD)
static inline int nv_keyindex_build(nv_keyindex *t, int64_t *where, int64_t *other) {
    int64_t n = t->n, i;
    uint64_t ring[NV_KI_RING];
    *where = 0;
    *other = -1;
    if (n < 0 || n >= (int64_t)UINT32_MAX || t->cap < 2 || t->cap < 2 * n ||
        (t->cap & (t->cap - 1)) != 0)
        return NV_KI_BAD_TABLE;
    if (t->off[0] != 0 || t->off[n] != t->n_bytes) return NV_KI_BAD_OFFSETS;
    for (i = 0; i < n; i++) {
        if (t->off[i + 1] <= t->off[i]) {
            *where = i;
            return t->off[i + 1] == t->off[i] ? NV_KI_EMPTY : NV_KI_BAD_OFFSETS;
        }
    }
    /* now 0 = off[0] < off[1] < ... < off[n] = n_bytes: every key lies in the blob */
    memset(t->slots, 0xff, sizeof(uint64_t) * (size_t)t->cap);
    uint64_t mask = (uint64_t)t->cap - 1;
    t->ascii = 1;
    for (i = -NV_KI_AHEAD; i < n; i++) {
        int64_t k = i + NV_KI_AHEAD;   /* the key checked and hashed now */
        if (k < n) {
            uint64_t hk;
            int bad = nv_key_scan(t->blob + t->off[k], t->off[k + 1] - t->off[k], t->seed,
                                  &hk, &t->ascii);
            if (bad) {
                *where = k;
                return bad;
            }
            ring[k % NV_KI_RING] = hk;
#if defined(__GNUC__) || defined(__clang__)
            __builtin_prefetch(&t->slots[hk & mask], 1);
#endif
        }
        if (i < 0) continue;
        uint64_t h = ring[i % NV_KI_RING];
        uint64_t j = h & mask, tag = h >> 32;
        for (;;) {
            uint64_t v = t->slots[j];
            if (v == NV_KI_EMPTY_SLOT) break;
            if ((v >> 32) == tag) {
                int64_t e = (int64_t)(uint32_t)v;
                int64_t len = t->off[i + 1] - t->off[i];
                if (t->off[e + 1] - t->off[e] == len &&
                    memcmp(t->blob + t->off[e], t->blob + t->off[i], (size_t)len) == 0) {
                    *where = i;
                    *other = e;
                    return NV_KI_DUPLICATE;
                }
            }
            j = (j + 1) & mask;
        }
        t->slots[j] = (tag << 32) | (uint64_t)(uint32_t)i;
    }
    return NV_KI_OK;
}


#endif
