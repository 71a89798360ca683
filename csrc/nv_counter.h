/* nv_counter.h -- the per-thread pair accumulators of one counting pass.
 *
 * Threads split the rows of the result: thread t of T owns the pairs whose row r
 * satisfies r % T == t, in its own accumulators, so no locks and no merge of
 * partial tables are needed. Each thread has
 *   - its cells of a dense block for frequent pairs: row r keeps the columns
 *     c < dense_len[r] at dense[dense_off[r] + c];
 *   - an open-addressing hash table (nv_pairtab.h) for the other pairs.
 *
 * Who does what, and when (no file I/O inside a parallel region):
 *   - a counting thread calls nv_counter_room() before each sentence. The table
 *     grows while it fits its byte budget; when it is full, the thread stops: it
 *     records in next[t] the sentence it did not count and returns NV_TABLE_FULL;
 *   - between the rounds of the parallel region, the driver (count_rounds in
 *     ngramvec/data/_ngrams.pyx) sorts the full tables (in parallel, memory only)
 *     and writes them as sorted runs with nv_counter_write_run() (one thread),
 *     then resumes the stopped threads at next[t].
 * A sentence is therefore counted exactly once by each thread, and counts are the
 * same for any number of threads and any memory limit.
 *
 * Dependency-free C99 (stdio for the run files).
 */
#ifndef NV_COUNTER_H
#define NV_COUNTER_H

#include <stdint.h>
#include <stdio.h>

#include "nv_pairtab.h"

enum {
    NV_SENTENCE_TOO_BIG = -1000,   /* one sentence needs more room than a whole table */
    NV_TABLE_FULL = -1001          /* the table must be spilled before counting goes on */
};

typedef struct {
    nv_pairtab *tabs;          /* per thread */
    int n_threads;
    int col_bits;              /* key = row << col_bits | col */
    int64_t *dense;
    const int64_t *dense_len;  /* per row */
    const int64_t *dense_off;
    int64_t *next;             /* per thread: first sentence of the shard not counted */
    int64_t *pairs;            /* per thread: pair occurrences counted in the shard */
    int *status;               /* per thread: 0, NV_TABLE_FULL, NV_SENTENCE_TOO_BIG, errno */
} nv_counter;

/* Room for `extra` new keys in thread t's table: 0, NV_TABLE_FULL (spill, then
 * retry), NV_SENTENCE_TOO_BIG (the empty table is too small), or ENOMEM. Grows the
 * table while its budget allows; never touches a file. */
static inline int nv_counter_room(nv_counter *c, int t, int64_t extra) {
    nv_pairtab *tab = &c->tabs[t];
    while (nv_pairtab_needs_room(tab, extra)) {
        if (tab->cap < tab->max_cap) {
            if (nv_pairtab_grow(tab) < 0) {
                if (tab->n == 0) return tab->err;
                tab->max_cap = tab->cap;      /* no more memory: spill from now on */
            }
            continue;
        }
        return tab->n == 0 ? NV_SENTENCE_TOO_BIG : NV_TABLE_FULL;
    }
    return 0;
}

/* Path of run k of thread t in dir. */
static inline void nv_counter_run_path(char *buf, size_t cap, const char *dir, int t,
                                       int64_t k) {
    snprintf(buf, cap, "%s/t%d-%06lld.run", dir, t, (long long)k);
}

/* Write thread t's table, already sorted by nv_pairtab_sort, as its next run in
 * dir and clear it. 0, or the errno of the failure (the partial file is removed). */
static inline int nv_counter_write_run(nv_counter *c, int t, const char *dir) {
    char path[4096];
    nv_pairtab *tab = &c->tabs[t];
    nv_counter_run_path(path, sizeof(path), dir, t, tab->n_spills);
    if (nv_pairtab_write_run(tab, path) < 0) return tab->err ? tab->err : EIO;
    return 0;
}

#endif /* NV_COUNTER_H */
