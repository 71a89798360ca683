/* nv_sgns_thread.h -- per-thread memory and shared counters of the SGNS driver.
 *
 * nv_alloc64          64-byte aligned block rounded up to whole cache lines, so that
 *                     two threads' scratch never shares a cache line (free() frees it).
 * nv_atomic_*_i64     relaxed atomics on the run's progress counter (raw tokens trained
 *                     by all threads), read for the learning rate and advanced after
 *                     each chunk; relaxed is enough: the value only steers the decay.
 *
 * C99 with GCC/Clang atomic builtins.
 */
#ifndef NV_SGNS_THREAD_H
#define NV_SGNS_THREAD_H

#include <stdint.h>
#include <stdlib.h>

/* 64-byte aligned block, size rounded up to whole cache lines (free() releases it) */
static void *nv_alloc64(size_t n) {
    void *p = NULL;
    n = (n + 63) & ~(size_t)63;
    return posix_memalign(&p, 64, n ? n : 64) == 0 ? p : NULL;
}

static inline int64_t nv_atomic_add_i64(int64_t *p, int64_t v) {
    return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static inline int64_t nv_atomic_load_i64(int64_t *p) {
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

#endif
