/* peak.c -- the machine's physical limits for benchmarks/README.md.
 *
 *   fma     single-precision FMA throughput of one core: 12 independent AVX2 FMA chains
 *           (enough to cover the FMA latency on 2 pipes), GFLOP/s = 2 * 8 * FMAs / s;
 *           needs a CPU with AVX2 + FMA (compiled with a target attribute).
 *   triad   STREAM-style triad a[i] = b[i] + s * c[i] over arrays far larger than the
 *           caches, with T OpenMP threads; bytes moved = 3 * 4 * n per pass (reads of b
 *           and c, the write of a; write-allocate traffic not counted, as in STREAM).
 *
 * Build and run (benchmarks/machine/run_peak.sh does both):
 *     cc -O2 -fopenmp peak.c -o peak && ./peak
 * Prints one JSON object.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

__attribute__((target("avx2,fma"))) static double fma_gflops(long iters) {
    __m256 a[12], x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
    double t0 = now();
    for (long k = 0; k < iters; k++) {
        a[0] = _mm256_fmadd_ps(a[0], x, y);   a[1] = _mm256_fmadd_ps(a[1], x, y);
        a[2] = _mm256_fmadd_ps(a[2], x, y);   a[3] = _mm256_fmadd_ps(a[3], x, y);
        a[4] = _mm256_fmadd_ps(a[4], x, y);   a[5] = _mm256_fmadd_ps(a[5], x, y);
        a[6] = _mm256_fmadd_ps(a[6], x, y);   a[7] = _mm256_fmadd_ps(a[7], x, y);
        a[8] = _mm256_fmadd_ps(a[8], x, y);   a[9] = _mm256_fmadd_ps(a[9], x, y);
        a[10] = _mm256_fmadd_ps(a[10], x, y); a[11] = _mm256_fmadd_ps(a[11], x, y);
    }
    double t = now() - t0;
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += _mm256_cvtss_f32(a[i]);
    if (sink == 12345.0f) printf("#");            /* keep the chains alive */
    return 2.0 * 8 * 12 * (double)iters / t / 1e9;
}

static double triad_gbs(long n, int threads, int reps) {
    float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n),
          *c = malloc(sizeof(float) * n);
    if (!a || !b || !c) return -1;
    #pragma omp parallel for num_threads(threads)
    for (long i = 0; i < n; i++) { a[i] = 0; b[i] = 1; c[i] = 2; }
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        #pragma omp parallel for num_threads(threads)
        for (long i = 0; i < n; i++) a[i] = b[i] + 3.0f * c[i];
        double t = now() - t0;
        if (t < best) best = t;
    }
    double gbs = 3.0 * 4 * n / best / 1e9;
    if (a[n / 2] != 7.0f) gbs = -1;
    free(a); free(b); free(c);
    return gbs;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 200000000L;
    long n = 1L << 25;                              /* 3 x 128 MiB */
    double f1 = 0, f = 0;
    for (int r = 0; r < 3; r++) { f = fma_gflops(iters); if (f > f1) f1 = f; }
    double t1 = triad_gbs(n, 1, 10), t2 = triad_gbs(n, 2, 10);
    printf("{\"fma_gflops_1core\": %.2f, \"triad_gbs_1thread\": %.2f, "
           "\"triad_gbs_2threads\": %.2f, \"triad_bytes\": %ld}\n", f1, t1, t2, 12 * n);
    return 0;
}
