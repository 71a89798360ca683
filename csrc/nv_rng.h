/* nv_rng.h -- random numbers for the kernels of ngramvec.
 *
 * Two kinds:
 *   - counter-based: nv_hash_uniform(seed, position, stream) gives the same number for
 *     the same (seed, position, stream) whatever thread asks, so decisions tied to a
 *     token position (subsampling, dynamic window) do not depend on the number of
 *     threads, on sharding, or on spilling;
 *   - sequential: a per-thread xoshiro256** state, seeded from Python, for training.
 *
 * Dependency-free C99.
 */
#ifndef NV_RNG_H
#define NV_RNG_H

#include <stdint.h>

/* splitmix64 finaliser (Steele, Lea & Flood 2014): a bijective mix of 64 bits. */
static inline uint64_t nv_mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* 64 random bits for (seed, position, stream). */
static inline uint64_t nv_hash64(uint64_t seed, uint64_t position, uint64_t stream) {
    return nv_mix64(seed ^ nv_mix64(position * 4ULL + stream));
}

/* Uniform double in [0, 1) from the top 53 bits. */
static inline double nv_hash_uniform(uint64_t seed, uint64_t position, uint64_t stream) {
    return (double)(nv_hash64(seed, position, stream) >> 11) * (1.0 / 9007199254740992.0);
}

/* xoshiro256** (Blackman & Vigna 2018): fast sequential generator, one per thread. */
typedef struct { uint64_t s[4]; } nv_rng;

static inline uint64_t nv_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline void nv_rng_seed(nv_rng *r, uint64_t seed) {
    /* Expand one 64-bit seed into the 256-bit state with splitmix64, as recommended. */
    uint64_t z = seed;
    for (int i = 0; i < 4; i++) { z += 0x9E3779B97F4A7C15ULL; r->s[i] = nv_mix64(z); }
}

static inline uint64_t nv_rng_next(nv_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = nv_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = nv_rotl(s[3], 45);
    return result;
}

/* Uniform integer in [0, n) by Lemire's multiply-shift (bias < n / 2**64). */
static inline uint64_t nv_rng_below(nv_rng *r, uint64_t n) {
    return (uint64_t)(((unsigned __int128)nv_rng_next(r) * n) >> 64);
}

static inline float nv_rng_float(nv_rng *r) {
    return (float)(nv_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

#endif
