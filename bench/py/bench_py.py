"""Python clients in the kv benchmark: ``kv`` (kv's Python binding, bindings/python, on
target/release/libkv.so through KV_LIBRARY) or ``sdk`` (the official azure-keyvault-secrets from
PyPI). bench/run.sh runs it in its venv against the canned TLS endpoint and reads the one JSON line
it prints.

    python bench_py.py kv|sdk throughput | rss N | calls N
    (rss: before the client library is imported, after the first call, after 10 further clients
    each after its first call, after 1,000, N and 2N calls on the first client: the first N calls
    warm the process up, growth is over the next N)

Environment: KV_BENCH_URL, KV_BENCH_CA, KV_BENCH_TOKEN, KV_BENCH_SECONDS.
"""
import json
import os
import sys
import threading
import time


def env(name):
    v = os.environ.get(name)
    if not v:
        sys.exit("%s is not set (bench/run.sh sets it)" % name)
    return v


def make_client_factory(which):
    url, ca, token = env("KV_BENCH_URL"), env("KV_BENCH_CA"), env("KV_BENCH_TOKEN")
    if which == "kv":
        import kv_keyvault

        cred = kv_keyvault.StaticTokenCredential(token)

        def new():
            return kv_keyvault.Client(url, cred, ca_file=ca)

        def get(c):
            assert c.get_secret("bench").value_bytes

    else:
        from azure.core.credentials import AccessToken
        from azure.keyvault.secrets import SecretClient

        class StaticToken:
            """A fixed bearer token: the endpoint is canned, no identity platform is involved."""

            def get_token(self, *scopes, **kwargs):
                return AccessToken(token, int(time.time()) + 3600)

        cred = StaticToken()

        def new():
            return SecretClient(url, cred, connection_verify=ca)

        def get(c):
            assert c.get_secret("bench").value

    return new, get


# Further clients made (each after its first call, all alive at once) to measure what one more
# client costs, apart from what the first pays once for the process (imports, library pages).
MORE_CLIENTS = 10


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    which, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "throughput"
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    if mode == "rss":
        base = rss_kb()  # after the interpreter started, before the client library is imported
    new, get = make_client_factory(which)
    if mode == "throughput":
        seconds = float(env("KV_BENCH_SECONDS"))
        firsts = []
        for _ in range(5):
            c = new()
            t = time.perf_counter()
            get(c)
            firsts.append((time.perf_counter() - t) * 1e6)
        firsts.sort()
        c = new()
        for _ in range(200):
            get(c)
        t, calls = time.perf_counter(), 0
        while time.perf_counter() - t < seconds:
            get(c)
            calls += 1
        seq = calls / (time.perf_counter() - t)
        stop, counts = threading.Event(), [0] * 16

        def worker(i):
            while not stop.is_set():
                get(c)
                counts[i] += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        time.sleep(seconds)
        stop.set()
        for th in threads:
            th.join()
        mt = sum(counts) / (time.perf_counter() - t)
        print(json.dumps({"first_call_us": round(firsts[2], 1), "seq_ops": round(seq, 1), "mt16_ops": round(mt, 1)}))
    elif mode == "rss":
        c = new()
        get(c)
        first = rss_kb()
        more = []
        for _ in range(MORE_CLIENTS):
            m = new()
            get(m)
            more.append(m)
        after_more = rss_kb()
        del more
        for _ in range(1, 1000):
            get(c)
        warm = rss_kb()
        for _ in range(1000, n):
            get(c)
        mid = rss_kb()
        for _ in range(n):
            get(c)
        print(json.dumps({"rss_base_kb": base, "rss_first_kb": first, "rss_more_kb": after_more,
                          "more_clients": MORE_CLIENTS, "rss_warm_kb": warm, "rss_mid_kb": mid,
                          "rss_end_kb": rss_kb(), "calls": n}))
    elif mode == "calls":
        c = new()
        for _ in range(n + 1):
            get(c)
        print(json.dumps({"calls": n}))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
