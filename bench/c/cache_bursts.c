/* Cached gets in short bursts, for a machine that other work keeps busy (bench/c/cached_local.sh
 * runs it with KV_BENCH_BURSTS=1): on 1, 2 and 4 persistent threads, B bursts (first argument,
 * default 300) in which every thread makes N = 5,000 kv_secret_cache_get calls after a barrier.
 * A burst lasts from the first thread's start to the last thread's end; the fastest burst, when
 * the threads happened to have the cores to themselves, approximates an unloaded machine, where
 * a long run's average mostly measures the other load. Environment as kvbench's. */
#include "kv.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static kv_secret_cache *cache;
static pthread_barrier_t bar;
static long N = 5000;
static int T, B;
static double st[8], en[8];
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void *run(void *arg) {
    long me = (long)arg;
    for (int b = 0; b < B; b++) {
        pthread_barrier_wait(&bar);
        st[me] = now();
        for (long i = 0; i < N; i++) {
            kv_error *err = NULL; kv_secret *s = NULL;
            if (kv_secret_cache_get(cache, "bench", NULL, &s, &err) != KV_STATUS_OK) { fprintf(stderr, "get failed\n"); exit(1); }
            kv_secret_free(s);
        }
        en[me] = now();
        pthread_barrier_wait(&bar);
    }
    return NULL;
}
int main(int argc, char **argv) {
    B = argc > 1 ? atoi(argv[1]) : 300;
    kv_error *err = NULL; kv_credential *cred = NULL; kv_client *c = NULL;
    kv_client_options *o = kv_client_options_new();
    if (kv_credential_static_token_new(getenv("KV_BENCH_TOKEN"), &cred, &err) || kv_client_options_set_ca_file(o, getenv("KV_BENCH_CA"), &err) ||
        kv_client_new(getenv("KV_BENCH_URL"), cred, o, &c, &err) || kv_secret_cache_new(c, NULL, &cache, &err)) { fprintf(stderr, "setup failed\n"); return 1; }
    int ts[] = {1, 2, 4};
    for (int k = 0; k < 3; k++) {
        T = ts[k]; double best = 1e9;
        pthread_t th[8];
        pthread_barrier_init(&bar, NULL, T + 1);
        for (long i = 0; i < T; i++) pthread_create(&th[i], NULL, run, (void *)i);
        for (int b = 0; b < B; b++) {
            pthread_barrier_wait(&bar); /* start */
            pthread_barrier_wait(&bar); /* all done */
            double s = 1e18, e = 0;
            for (int i = 0; i < T; i++) { if (st[i] < s) s = st[i]; if (en[i] > e) e = en[i]; }
            if (e - s < best) best = e - s;
        }
        for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
        pthread_barrier_destroy(&bar);
        printf("%d threads: best burst %.2f M gets/s (%.1f ns per get per thread)\n", T, T * N / best / 1e6, best * 1e9 / N);
    }
    return 0;
}
