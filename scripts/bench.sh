#!/usr/bin/env bash
# Benchmark (prints figures, asserts nothing).
#   bash scripts/bench.sh [--quick]   the harness bench/run.sh: kv against the official Azure SDKs
#                                     on a canned TLS endpoint (see bench/run.sh)
#   bash scripts/bench.sh --testvault starts the local stand-in vault on free ports and runs
#                                     examples/bench.rs against it (KV_BENCH_ITERATIONS, default 300)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${1:-}" != "--testvault" ]; then
    exec bash bench/run.sh "$@"
fi

state=$(mktemp -d)
# The stand-in accepts only tokens it issued or was seeded with: seed one for the benchmark.
token="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
coproc VAULT { exec python3 tools/testvault/testvault.py --port 0 --http-port 0 --state-dir "$state" --seed-token "bench=$token" --exit-on-stdin-eof 2>/dev/null; }
trap 'exec {VAULT[1]}>&-; wait "$VAULT_PID" 2>/dev/null || true; rm -rf "$state"' EXIT
read -r line <&"${VAULT[0]}"
url=${line#testvault ready }
echo "vault: $url (local stand-in; loopback, so figures show client overhead, not network latency)"
KV_VAULT_URL=$url KV_CA_FILE=$state/ca.pem KV_TOKEN=$token cargo run --quiet --release --example bench
