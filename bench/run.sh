#!/usr/bin/env bash
# kv's benchmark against the official Azure SDKs, all in one run (issue 10 item 2). Prints figures,
# asserts nothing; not part of scripts/test.sh.
#
#   bash bench/run.sh            # default: ~10 minutes after the installs
#   bash bench/run.sh --quick    # short phases, 10,000-call RSS runs: ~3 minutes after the installs
#
# What it does:
#   1. installs what is missing: nginx + wrk (+ valgrind, strace) from Debian's packages; the Azure
#      SDK for Rust (crates.io, bench/rust-sdk, built --release outside the kv workspace), for Go
#      (module proxy, bench/go-sdk) and for Python (PyPI, into bench/.venv with matplotlib);
#      builds kv (cargo build --release), bench/c/kvbench.c against libkv, bench/go-kv (Go binding).
#   2. starts a canned TLS endpoint on loopback (nginx, bench/nginx.conf.in) for the host
#      kvbench.vault.azure.net (added to /etc/hosts as 127.0.0.1 when missing: the SDKs check that
#      the 401 challenge's resource matches a *.vault.azure.net host), with a throwaway CA.
#      Every client uses a fixed bearer token; a request without it gets the vault's 401 challenge.
#   3. measures the raw HTTP floor (wrk -t1 -c1 and wrk -t2 -c16), then every client: first call
#      (TLS + challenge + token), sequential get_secret ops/s, 16 threads on one client; kv's cached
#      get (when kv.h declares kv_secret_cache_new) and local vs vault ES256 verify through C; RSS
#      per client and its growth over 100,000 calls after as many warm-up calls (and kv's Go
#      binding's settled RSS along 400,000 calls); instructions (valgrind --tool=callgrind) and
#      system calls (strace -f -c) per warm call, from the difference of two runs of N1 and N2 calls.
#   4. bench/report.py prints the table (ratios to the floor of this run, the issue's goals beside
#      them), writes bench/results/latest.json, draws docs/bench.png and updates README.md between
#      <!-- bench:begin --> and <!-- bench:end -->.
#
# Environment: KV_BENCH_SKIP_README=1 leaves README.md and docs/bench.png alone (results only);
# KV_BENCH_CLIENTS="kv-c go-sdk ..." runs only those clients (for working on the harness; a full
# run is all of kv-c kv-python kv-go rust-sdk go-sdk python-sdk).
set -euo pipefail
# Everything runs inside main(), which bash reads whole before it starts: editing this file while
# a run is going does not change that run.
main() {
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
QUICK=0
for arg in "$@"; do
    case "$arg" in
    --quick) QUICK=1 ;;
    -h | --help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $arg (use --quick)" >&2; exit 2 ;;
    esac
done
if [ "$QUICK" = 1 ]; then
    SECONDS_PER_PHASE=3 WRK_SECONDS=3 RSS_CALLS=10000 GRIND=(20 120) PY_GRIND=(10 60) TRACE=(100 600) PY_TRACE=(50 250)
else
    SECONDS_PER_PHASE=10 WRK_SECONDS=10 RSS_CALLS=100000 GRIND=(50 550) PY_GRIND=(20 220) TRACE=(200 2200) PY_TRACE=(100 1100)
fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
# The SDKs check that the 401 challenge's resource (vault.azure.net) matches the vault's host, port
# included: the endpoint is https://kvbench.vault.azure.net on port 443 of a loopback address of
# its own (127.38.0.1, so nothing else on 127.0.0.1:443 is in the way).
HOST=kvbench.vault.azure.net ADDR=127.38.0.1 PORT=443
log() { printf '==> %s\n' "$*" >&2; }

# ---------------------------------------------------------------- 1. tools, SDKs, builds
need=()
for tool in nginx:nginx-light wrk:wrk valgrind:valgrind strace:strace openssl:openssl curl:curl; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${tool%%:*}" ] || need+=("${tool#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

if ! getent hosts "$HOST" | grep -q "^${ADDR//./\\.} "; then
    log "mapping $HOST to $ADDR in /etc/hosts"
    hosts="$(grep -v "[[:space:]]$HOST\([[:space:]]\|\$\)" /etc/hosts || true)"
    printf '%s\n' "$hosts" >/etc/hosts # in place: /etc/hosts may be a mount point
    echo "$ADDR $HOST  # kv bench/run.sh" >>/etc/hosts
fi

log "building kv (cargo build --release --lib)"
cargo build --release --lib --quiet
CLIENTS=(${KV_BENCH_CLIENTS:-kv-c kv-python kv-go rust-sdk go-sdk python-sdk})
if [[ " ${CLIENTS[*]} " == *" rust-sdk "* ]]; then
    log "building the Azure SDK for Rust client (bench/rust-sdk, crates.io)"
    cargo build --release --quiet --manifest-path bench/rust-sdk/Cargo.toml
fi
RUST_SDK=bench/rust-sdk/target/release/kv-bench-rust-sdk
BIN="$ROOT/bench/.build"
mkdir -p "$BIN"
log "building the Azure SDK for Go client (bench/go-sdk, module proxy) and kv's Go binding client (bench/go-kv)"
(cd bench/go-sdk && "$GO" build -o "$BIN/go-sdk" .)
(cd bench/go-kv && "$GO" build -tags kv_repo -o "$BIN/go-kv" .)
log "building kv's C client (bench/c/kvbench.c)"
CDEFS=()
if grep -q 'kv_secret_cache_new' include/kv.h; then CDEFS+=(-DKV_HAVE_CACHE); fi
cc -O2 -Wall -Wextra "${CDEFS[@]}" -Iinclude -o "$BIN/kv-c" bench/c/kvbench.c \
    -Ltarget/release -Wl,-rpath,"$ROOT/target/release" -lkv -lpthread
VENV="$ROOT/bench/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    log "creating bench/.venv (azure-keyvault-secrets and matplotlib from PyPI)"
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import azure.keyvault.secrets, matplotlib' 2>/dev/null ||
    "$VENV/bin/pip" install --quiet --disable-pip-version-check azure-keyvault-secrets matplotlib
PY="$VENV/bin/python"

# ---------------------------------------------------------------- 2. canned TLS endpoint
WORK="$(mktemp -d /tmp/kvbench.XXXXXX)"
NGINX_PID=
cleanup() {
    if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
log "throwaway CA and server certificate for $HOST in $WORK"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kv bench CA" -keyout "$WORK/ca.key" \
    -out "$WORK/ca.pem" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
    "$HOST" >"$WORK/ext.cnf"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
    -extfile "$WORK/ext.cnf" -out "$WORK/server.pem" 2>/dev/null
TOKEN="bench-$(openssl rand -hex 16)"
sed -e "s|@WORK@|$WORK|g" -e "s|@ADDR@|$ADDR|g" -e "s|@PORT@|$PORT|g" -e "s|@TOKEN@|$TOKEN|g" -e "s|@HOST@|$HOST|g" \
    bench/nginx.conf.in >"$WORK/nginx.conf"
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
NGINX_PID=$!
URL="https://$HOST"
for _ in $(seq 50); do
    curl -s -o /dev/null --cacert "$WORK/ca.pem" "$URL/secrets/bench" && break
    sleep 0.1
done
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/ca.pem" -H "Authorization: Bearer $TOKEN" \
    "$URL/secrets/bench?api-version=2025-07-01")
[ "$code" = 200 ] || { echo "bench/run.sh: the canned endpoint answered $code" >&2; exit 1; }
log "canned endpoint: $URL (nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), pid $NGINX_PID)"
export KV_BENCH_URL="$URL" KV_BENCH_CA="$WORK/ca.pem" KV_BENCH_TOKEN="$TOKEN" KV_BENCH_SECONDS="$SECONDS_PER_PHASE"
export KV_LIBRARY="$ROOT/target/release/libkv.so" PYTHONPATH="$ROOT/bindings/python${PYTHONPATH:+:$PYTHONPATH}"

# ES256 material for the verify row: a P-256 key (as a JWK), a SHA-256 digest and its signature.
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/ec.key" 2>/dev/null
printf 'kv bench message' >"$WORK/msg"
openssl dgst -sha256 -sign "$WORK/ec.key" -out "$WORK/msg.sig" "$WORK/msg"
openssl ec -in "$WORK/ec.key" -pubout -outform DER -out "$WORK/ec.pub.der" 2>/dev/null
eval "$(python3 - "$WORK" <<'EOF'
import base64, hashlib, json, sys
w = sys.argv[1]
pub = open(w + "/ec.pub.der", "rb").read()[-65:]  # uncompressed point 04 || x || y
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
jwk = {"kty": "EC", "crv": "P-256", "x": b64(pub[1:33]), "y": b64(pub[33:]), "key_ops": ["verify"]}
der = open(w + "/msg.sig", "rb").read()  # SEQUENCE { INTEGER r, INTEGER s }
i, ints = 2 if der[1] < 0x80 else 3, []
for _ in range(2):
    n = der[i + 1]; ints.append(der[i + 2 : i + 2 + n].lstrip(b"\0").rjust(32, b"\0")); i += 2 + n
print("export KV_BENCH_JWK='%s'" % json.dumps(jwk))
print("export KV_BENCH_DIGEST=%s" % hashlib.sha256(open(w + "/msg", "rb").read()).hexdigest())
print("export KV_BENCH_SIG=%s" % (ints[0] + ints[1]).hex())
EOF
)"

# ---------------------------------------------------------------- 3. measurements
RAW="$WORK/raw.jsonl"
: >"$RAW"
record() { printf '{"client": "%s", "what": "%s", "data": %s}\n' "$1" "$2" "$3" >>"$RAW"; }

# Runs client $1 with the remaining arguments, prefixed by the command in WRAP (strace, valgrind).
WRAP=()
client() {
    local c=$1
    shift
    case "$c" in
    kv-c) "${WRAP[@]}" "$BIN/kv-c" "$@" ;;
    kv-python) "${WRAP[@]}" "$PY" "$ROOT/bench/py/bench_py.py" kv "$@" ;;
    kv-go) "${WRAP[@]}" "$BIN/go-kv" "$@" ;;
    rust-sdk) "${WRAP[@]}" "$ROOT/$RUST_SDK" "$@" ;;
    # The Go SDK's default transport, as shipped; Go reads extra roots from SSL_CERT_FILE.
    go-sdk) SSL_CERT_FILE="$WORK/ca.pem" "${WRAP[@]}" "$BIN/go-sdk" "$@" ;;
    python-sdk) "${WRAP[@]}" "$PY" "$ROOT/bench/py/bench_py.py" sdk "$@" ;;
    esac
}

wrk_rps() { # threads connections -> requests/s
    wrk -t"$1" -c"$2" -d"${WRK_SECONDS}s" -H "Authorization: Bearer $TOKEN" \
        "$URL/secrets/bench?api-version=2025-07-01" | awk '/^Requests\/sec:/ {print $2}'
}
log "raw HTTP floor: wrk -t1 -c1 and wrk -t2 -c16 (${WRK_SECONDS}s each)"
record floor wrk "{\"t1c1_ops\": $(wrk_rps 1 1), \"t2c16_ops\": $(wrk_rps 2 16)}"

log "first-call floor: TCP + TLS + 401 challenge + authorized GET on one connection (bench/py/first_call_floor.py)"
record floor first "{\"first_call_us\": $(python3 bench/py/first_call_floor.py)}"

for c in "${CLIENTS[@]}"; do
    log "$c: first call, sequential get (${SECONDS_PER_PHASE}s), 16 threads on one client (${SECONDS_PER_PHASE}s)"
    record "$c" throughput "$(client "$c" throughput)"
done
if [[ " ${CLIENTS[*]} " != *" kv-c "* ]]; then
    :
elif grep -q 'kv_secret_cache_new' include/kv.h; then
    log "kv-c: cached get on 1 and 16 threads"
    record kv-c cached "$("$BIN/kv-c" cached)"
else
    log "kv-c: cached get skipped: include/kv.h has no kv_secret_cache_new yet"
    record kv-c cached '{"cached_1t_ops": null, "cached_16t_ops": null}'
fi
if [[ " ${CLIENTS[*]} " == *" kv-c "* ]]; then
    log "kv-c: ES256 verify, local and in the (canned) vault"
    record kv-c verify "$("$BIN/kv-c" verify)"
fi

for c in "${CLIENTS[@]}"; do
    # The Python SDK is ~20x slower than the rest: a fifth of the calls keeps the run's length sane.
    n=$RSS_CALLS
    if [ "$c" = python-sdk ]; then n=$((RSS_CALLS / 5)); fi
    log "$c: RSS over $n warm-up calls and $n more"
    record "$c" rss "$(client "$c" rss "$n")"
done
if [[ " ${CLIENTS[*]} " == *" kv-go "* ]]; then
    log "kv-go: settled RSS along $((RSS_CALLS * 4)) calls (the Go runtime's warm-up ramp, then flat)"
    record kv-go rss-series "$(client kv-go rss-series $((RSS_CALLS * 4)))"
fi

syscalls() { # client calls -> "total clone_count" from strace -f -c
    WRAP=(strace -f -c -o "$WORK/strace.txt")
    client "$1" calls "$2" >/dev/null
    WRAP=()
    awk '$NF == "total" {t = $4} $NF ~ /^clone3?$/ {c += $4} END {printf "%d %d", t, c}' "$WORK/strace.txt"
}
instructions() { # client calls -> instructions (callgrind "Collected")
    # Go's asynchronous preemption signals trip callgrind (threads.c assertion): off for this run.
    WRAP=(env GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$WORK/callgrind.txt")
    client "$1" calls "$2" >/dev/null
    WRAP=()
    awk '/Collected :/ {gsub(",", "", $NF); print $NF}' "$WORK/callgrind.txt"
}
for c in "${CLIENTS[@]}"; do
    case "$c" in
    *python*) t=("${PY_TRACE[@]}") g=("${PY_GRIND[@]}") ;;
    *) t=("${TRACE[@]}") g=("${GRIND[@]}") ;;
    esac
    log "$c: system calls per warm call (strace -f -c, ${t[0]} and ${t[1]} calls)"
    read -r s1 c1 <<<"$(syscalls "$c" "${t[0]}")"
    read -r s2 c2 <<<"$(syscalls "$c" "${t[1]}")"
    log "$c: instructions per warm call (valgrind --tool=callgrind, ${g[0]} and ${g[1]} calls)"
    i1="$(instructions "$c" "${g[0]}" || true)"
    i2="$(instructions "$c" "${g[1]}" || true)"
    record "$c" cost "{\"n\": [${t[0]}, ${t[1]}], \"syscalls\": [$s1, $s2], \"clones\": [$c1, $c2], \"grind_n\": [${g[0]}, ${g[1]}], \"instructions\": [${i1:-null}, ${i2:-null}]}"
done

# ---------------------------------------------------------------- 4. report
"$PY" bench/report.py --raw "$RAW" --mode "$([ "$QUICK" = 1 ] && echo quick || echo default)" \
    --nginx "$("$NGINX" -v 2>&1 | sed 's/.*\///')" --wrk "$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
}
main "$@"
exit
