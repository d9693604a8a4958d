/* kv through its C API in the benchmark: bench/run.sh compiles this against include/kv.h and
 * target/release/libkv.so, runs it against the canned TLS endpoint and reads the one JSON line
 * it prints. Modes (first argument):
 *   throughput   first-call latency, sequential kv_client_get_secret ops/s, 16 threads on one client
 *   rss N        resident set before the client, after the first call, after 10 further clients
 *                (each after its first call, all kept), after 1,000, N and 2N calls on the first
 *                client: the first N calls warm the process up, growth is over the next N
 *   calls N      N warm calls after one first call (for callgrind/strace differences)
 *   cached       kv_secret_cache_get ops/s on 1, 2 and 16 threads on one cache (only when kv.h
 *                declares the cache: run.sh passes -DKV_HAVE_CACHE); CPU time per get on stderr
 *   verify       ES256 verify: local (kv_key_verify with a JWK; CPU time and wall time per verify)
 *                and in the vault (kv_client_verify; wall time)
 * Environment: KV_BENCH_URL, KV_BENCH_CA, KV_BENCH_TOKEN, KV_BENCH_SECONDS, and for verify
 * KV_BENCH_JWK (JSON), KV_BENCH_DIGEST and KV_BENCH_SIG (hex). */
#include "kv.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *env(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set (bench/run.sh sets it)\n", name);
        exit(2);
    }
    return v;
}

static void check(kv_status st, kv_error *err, const char *what) {
    if (st == KV_STATUS_OK) return;
    kv_str m = kv_error_message(err);
    fprintf(stderr, "%s failed (%d): %.*s\n", what, (int)st, (int)m.len, m.data);
    exit(1);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: a local verify only computes, so on a loaded machine its CPU time is
 * the figure that does not depend on the scheduler (wall time is printed beside it). */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Further clients made (each after its first call, all alive at once) to measure what one more
 * client costs, apart from what the first pays once for the process (library pages, globals). */
#define MORE_CLIENTS 10
/* CPU time of the whole process (all threads). */
static double process_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) v = strtol(line + 6, NULL, 10);
    fclose(f);
    return v;
}

static kv_credential *cred;

static kv_client *new_client(void) {
    kv_error *err = NULL;
    kv_client_options *o = kv_client_options_new();
    kv_client *c = NULL;
    if (!cred) check(kv_credential_static_token_new(env("KV_BENCH_TOKEN"), &cred, &err), err, "credential");
    check(kv_client_options_set_ca_file(o, env("KV_BENCH_CA"), &err), err, "set_ca_file");
    check(kv_client_new(env("KV_BENCH_URL"), cred, o, &c, &err), err, "kv_client_new");
    kv_client_options_free(o);
    return c;
}

static void get(const kv_client *c) {
    kv_error *err = NULL;
    kv_secret *s = NULL;
    check(kv_client_get_secret(c, "bench", NULL, &s, &err), err, "kv_client_get_secret");
    if (kv_secret_value(s).len == 0) {
        fprintf(stderr, "no value\n");
        exit(1);
    }
    kv_secret_free(s);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Each on its own cache line, and each thread counts its calls locally and adds them once at the
 * end: a shared counter written on every call would itself bounce between the cores and hide
 * whether the measured calls scale with threads. */
static _Alignas(64) atomic_bool stop;
static _Alignas(64) atomic_long count;

static void *getter(void *arg) {
    long calls = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        get((const kv_client *)arg);
        calls++;
    }
    atomic_fetch_add_explicit(&count, calls, memory_order_relaxed);
    return NULL;
}

/* Runs fn(arg) on `threads` threads for `seconds`; returns calls per second. */
static double on_threads(void *(*fn)(void *), void *arg, int threads, double seconds) {
    pthread_t t[64];
    struct timespec d = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    atomic_store(&stop, false);
    atomic_store(&count, 0);
    double t0 = now();
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fn, arg);
    nanosleep(&d, NULL);
    atomic_store(&stop, true);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    return (double)atomic_load(&count) / (now() - t0);
}

#ifdef KV_HAVE_CACHE
static void *cached_getter(void *arg) {
    kv_secret_cache *cache = arg;
    long calls = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        kv_error *err = NULL;
        kv_secret *s = NULL;
        check(kv_secret_cache_get(cache, "bench", NULL, &s, &err), err, "kv_secret_cache_get");
        kv_secret_free(s);
        calls++;
    }
    atomic_fetch_add_explicit(&count, calls, memory_order_relaxed);
    return NULL;
}
#endif

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
    size_t n = strlen(hex) / 2;
    if (n > cap) n = cap;
    for (size_t i = 0; i < n; i++) sscanf(hex + 2 * i, "%2hhx", &out[i]);
    return n;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "throughput";
    long n = argc > 2 ? atol(argv[2]) : 1000;
    if (strcmp(mode, "throughput") == 0) {
        double seconds = atof(env("KV_BENCH_SECONDS")), firsts[5];
        for (int i = 0; i < 5; i++) {
            kv_client *c = new_client();
            double t = now();
            get(c);
            firsts[i] = (now() - t) * 1e6;
            kv_client_free(c);
        }
        qsort(firsts, 5, sizeof firsts[0], cmp_double);
        kv_client *c = new_client();
        for (int i = 0; i < 200; i++) get(c);
        double t = now();
        long calls = 0;
        while (now() - t < seconds) {
            get(c);
            calls++;
        }
        double seq = (double)calls / (now() - t);
        double mt = on_threads(getter, c, 16, seconds);
        printf("{\"first_call_us\": %.1f, \"seq_ops\": %.1f, \"mt16_ops\": %.1f}\n", firsts[2], seq, mt);
        kv_client_free(c);
    } else if (strcmp(mode, "rss") == 0) {
        long base = rss_kb();
        kv_client *c = new_client();
        get(c);
        long first = rss_kb();
        kv_client *more[MORE_CLIENTS];
        for (int i = 0; i < MORE_CLIENTS; i++) {
            more[i] = new_client();
            get(more[i]);
        }
        long after_more = rss_kb();
        for (int i = 0; i < MORE_CLIENTS; i++) kv_client_free(more[i]);
        for (long i = 1; i < 1000; i++) get(c);
        long warm = rss_kb();
        for (long i = 1000; i < n; i++) get(c);
        long mid = rss_kb();
        for (long i = 0; i < n; i++) get(c);
        printf("{\"rss_base_kb\": %ld, \"rss_first_kb\": %ld, \"rss_more_kb\": %ld, \"more_clients\": %d, "
               "\"rss_warm_kb\": %ld, \"rss_mid_kb\": %ld, \"rss_end_kb\": %ld, \"calls\": %ld}\n",
               base, first, after_more, MORE_CLIENTS, warm, mid, rss_kb(), n);
        kv_client_free(c);
    } else if (strcmp(mode, "calls") == 0) {
        kv_client *c = new_client();
        for (long i = 0; i <= n; i++) get(c);
        printf("{\"calls\": %ld}\n", n);
        kv_client_free(c);
    } else if (strcmp(mode, "cached") == 0) {
#ifdef KV_HAVE_CACHE
        double seconds = atof(env("KV_BENCH_SECONDS"));
        kv_client *c = new_client();
        kv_secret_cache *cache = NULL;
        kv_error *err = NULL;
        check(kv_secret_cache_new(c, NULL, &cache, &err), err, "kv_secret_cache_new");
        int threads[3] = {1, 2, 16};
        double ops[3];
        for (int i = 0; i < 3; i++) {
            /* Process CPU time per get: on a loaded machine it shows the cost of shared cache
             * lines (which burn CPU) when the wall-clock rate mostly shows the other load. */
            double cpu = process_cpu_now();
            ops[i] = on_threads(cached_getter, cache, threads[i], seconds);
            double ns = (process_cpu_now() - cpu) * 1e9 / (double)atomic_load(&count);
            fprintf(stderr, "cached, %2d threads: %.0f gets/s, %.1f ns CPU per get\n", threads[i], ops[i], ns);
        }
        printf("{\"cached_1t_ops\": %.1f, \"cached_2t_ops\": %.1f, \"cached_16t_ops\": %.1f}\n", ops[0], ops[1],
               ops[2]);
        kv_secret_cache_free(cache);
        kv_client_free(c);
#else
        printf("{\"cached_1t_ops\": null, \"cached_2t_ops\": null, \"cached_16t_ops\": null, \"note\": \"kv.h has no kv_secret_cache_new\"}\n");
#endif
    } else if (strcmp(mode, "verify") == 0) {
        double seconds = atof(env("KV_BENCH_SECONDS"));
        uint8_t digest[64], sig[256];
        size_t dl = unhex(env("KV_BENCH_DIGEST"), digest, sizeof digest);
        size_t sl = unhex(env("KV_BENCH_SIG"), sig, sizeof sig);
        kv_error *err = NULL;
        kv_key *k = NULL;
        bool valid = false;
        check(kv_key_from_jwk(env("KV_BENCH_JWK"), &k, &err), err, "kv_key_from_jwk");
        long calls = 0;
        double t = now(), cpu = cpu_now();
        while (now() - t < seconds / 2) {
            check(kv_key_verify(k, KV_SIGNATURE_ALGORITHM_ES256, digest, dl, sig, sl, &valid, &err), err,
                  "kv_key_verify");
            if (!valid) {
                fprintf(stderr, "local verify: signature not valid\n");
                return 1;
            }
            calls++;
        }
        double local_us = (now() - t) * 1e6 / (double)calls;
        double local_cpu_us = (cpu_now() - cpu) * 1e6 / (double)calls;
        kv_client *c = new_client();
        check(kv_client_verify(c, "benchkey", "v1", KV_SIGNATURE_ALGORITHM_ES256, digest, dl, sig, sl, &valid, &err),
              err, "kv_client_verify");
        calls = 0;
        t = now();
        while (now() - t < seconds / 2) {
            valid = false;
            check(kv_client_verify(c, "benchkey", "v1", KV_SIGNATURE_ALGORITHM_ES256, digest, dl, sig, sl, &valid,
                                   &err),
                  err, "kv_client_verify");
            if (!valid) {
                fprintf(stderr, "vault verify: not valid\n");
                return 1;
            }
            calls++;
        }
        double vault_us = (now() - t) * 1e6 / (double)calls;
        printf("{\"verify_local_us\": %.2f, \"verify_local_wall_us\": %.2f, \"verify_vault_us\": %.2f}\n",
               local_cpu_us, local_us, vault_us);
        kv_key_free(k);
        kv_client_free(c);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    if (cred) kv_credential_free(cred);
    return 0;
}
