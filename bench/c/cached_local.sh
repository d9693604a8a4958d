#!/usr/bin/env bash
# Cached gets through C on 1, 2 and 16 threads against the local stand-in vault
# (tools/testvault), without the full harness: builds libkv (release) and bench/c/kvbench.c,
# starts the stand-in on free loopback ports, stores the secret "bench" and runs
# `kvbench cached` RUNS times (default 3). Prints one JSON line per run.
# Environment: RUNS, KV_BENCH_SECONDS (default 2), KV_BENCH_NO_BUILD=1 to skip cargo,
# KV_BENCH_WRAP to run kvbench under a tool (e.g. "valgrind --tool=callgrind"),
# KV_BENCH_LIB_DIRS="dir1 dir2" to compare builds: each run runs kvbench linked to each dir's
# libkv.so in turn (default: target/release), KV_BENCH_BURSTS=1 to run bench/c/cache_bursts.c
# (best of many short bursts on 1, 2 and 4 threads) instead of `kvbench cached`.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
export KV_BENCH_SECONDS=${KV_BENCH_SECONDS:-2}
[ "${KV_BENCH_NO_BUILD:-}" = 1 ] || cargo build --release --lib --quiet
WORK="$(mktemp -d /tmp/kvcached.XXXXXX)"
trap 'exec 3>&-; rm -rf "$WORK"' EXIT
LIBS=(${KV_BENCH_LIB_DIRS:-$PWD/target/release})
for i in "${!LIBS[@]}"; do
    SRC=bench/c/kvbench.c
    [ "${KV_BENCH_BURSTS:-}" = 1 ] && SRC=bench/c/cache_bursts.c
    cc -O2 -Wall -Wextra -DKV_HAVE_CACHE -Iinclude -o "$WORK/kvbench$i" "$SRC" \
        -L"${LIBS[$i]}" -lkv -Wl,-rpath,"${LIBS[$i]}" -lpthread
done
TOKEN="bench-$RANDOM$RANDOM"
# The stand-in exits when its stdin (fd 3 here) closes.
exec 3> >(python3 tools/testvault/testvault.py --port 0 --http-port 0 --exit-on-stdin-eof \
    --state-dir "$WORK/state" --seed-token "bench=$TOKEN" >"$WORK/out" 2>/dev/null)
for _ in $(seq 100); do grep -q "testvault ready" "$WORK/out" 2>/dev/null && break; sleep 0.1; done
URL="$(sed -n 's/^testvault ready //p' "$WORK/out")"
export KV_BENCH_URL="$URL" KV_BENCH_CA="$WORK/state/ca.pem" KV_BENCH_TOKEN="$TOKEN"
curl -sf --cacert "$KV_BENCH_CA" -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"value":"cached-bench-value"}' "$URL/secrets/bench?api-version=2025-07-01" >/dev/null
for _ in $(seq "$RUNS"); do
    for i in "${!LIBS[@]}"; do
        [ "${#LIBS[@]}" = 1 ] || echo "${LIBS[$i]}:" >&2
        if [ "${KV_BENCH_BURSTS:-}" = 1 ]; then
            ${KV_BENCH_WRAP:-} "$WORK/kvbench$i" "${KV_BENCH_BURST_COUNT:-300}"
        else
            ${KV_BENCH_WRAP:-} "$WORK/kvbench$i" cached
        fi
    done
done
