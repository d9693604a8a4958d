#!/usr/bin/env bash
# Benchmark (prints figures, asserts nothing): starts the local stand-in vault on free ports and
# runs examples/bench.rs against it. KV_BENCH_ITERATIONS sets the sample count (default 300).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

state=$(mktemp -d)
coproc VAULT { exec python3 tools/testvault/testvault.py --port 0 --http-port 0 --state-dir "$state" --exit-on-stdin-eof 2>/dev/null; }
trap 'exec {VAULT[1]}>&-; wait "$VAULT_PID" 2>/dev/null || true; rm -rf "$state"' EXIT
read -r line <&"${VAULT[0]}"
url=${line#testvault ready }
echo "vault: $url (local stand-in; loopback, so figures show client overhead, not network latency)"
KV_VAULT_URL=$url KV_CA_FILE=$state/ca.pem cargo run --quiet --release --example bench
