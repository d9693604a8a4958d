#!/usr/bin/env bash
# Starts or stops a local Key Vault for the C examples and the tests.
#
#   scripts/vault.sh start DIR   start it in the background; state, logs and pid file go in DIR.
#                                Prints `export KV_VAULT_URL=...` and `export KV_CA_FILE=...` on
#                                stdout (and, for testvault, `export KV_TOKEN=...`: the dev token
#                                it was seeded with, the only static token it accepts; progress
#                                goes to stderr), so:
#                                    eval "$(scripts/vault.sh start /tmp/kv-vault)"
#   scripts/vault.sh stop DIR    stop it (pid file in DIR)
#
# Environment:
#   KV_VAULT_IMPL       testvault (default): tools/testvault/testvault.py, the repository's
#                       stand-in vault (Python with the `cryptography` package, and `openssl` for its certificates);
#                       lowkey: Lowkey Vault (DESIGN.md section 6), downloaded with Maven and run
#                       with Java 25. Its app jar is not served by the registry this project's
#                       machines reach, so this only works where it is.
#   KV_TOKEN            testvault: the dev token to seed it with (subject "dev"; default: a random
#                       one). testvault accepts only that token and those its own managed-identity
#                       endpoints issue.
#   KV_VAULT_PORT       HTTPS port of the vault (default 8443)
#   KV_VAULT_HTTP_PORT  plain HTTP port for /ping and the certificate (default 8080; Lowkey
#                       Vault always uses 8080)
#   KV_VAULT_DELETE_DELAY_MS  testvault only: how long a delete or recover takes to finish, like the
#                       real service's asynchronous soft delete (default 300; 0 = at once)
#   LOWKEY_VERSION      Lowkey Vault version (default 7.1.13)
#   KV_JAVA             java for Lowkey Vault (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV_TOKEN=""
IMPL="${KV_VAULT_IMPL:-testvault}"
PORT="${KV_VAULT_PORT:-8443}"
HTTP_PORT="${KV_VAULT_HTTP_PORT:-8080}"
LOWKEY_VERSION="${LOWKEY_VERSION:-7.1.13}"
JAVA="${KV_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
WAIT_SECONDS=30
if [ "$IMPL" = lowkey ] && [ "$HTTP_PORT" != 8080 ]; then
    echo "vault.sh: note: Lowkey Vault serves /ping on port 8080, not KV_VAULT_HTTP_PORT=${HTTP_PORT}" >&2
    HTTP_PORT=8080
fi

say() { echo "vault.sh: $*" >&2; }
die() { echo "vault.sh: error: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

# http_get URL [OUTFILE]: GET over plain HTTP with curl, or python3 when curl is missing.
http_get() {
    local url="$1" out="${2:-/dev/null}"
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --max-time 2 -o "$out" "$url" 2>/dev/null
    else
        python3 - "$url" "$out" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    data = r.read()
with open(sys.argv[2], "wb") as f:
    f.write(data)
PY
    fi
}

port_in_use() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT; a listener still conflicts
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
finally:
    s.close()
sys.exit(1)
PY
}

# wait_ready PID: waits until /ping answers while PID is alive, up to WAIT_SECONDS.
wait_ready() {
    local pid="$1" log="$2" i
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            say "the vault process exited during start-up; its log ($log):"
            tail -n 30 "$log" >&2 || true
            exit 1
        fi
        if http_get "http://localhost:${HTTP_PORT}/ping"; then
            return 0
        fi
        sleep 0.25
    done
    say "the vault did not answer http://localhost:${HTTP_PORT}/ping within ${WAIT_SECONDS} s; its log ($log):"
    tail -n 30 "$log" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
}

start_testvault() {
    local dir="$1" log="$1/testvault.log" pid
    local delay="${KV_VAULT_DELETE_DELAY_MS:-300}"
    say "starting testvault (tools/testvault/testvault.py) on https://localhost:${PORT}, http port ${HTTP_PORT}, delete delay ${delay} ms"
    # No --exit-on-stdin-eof: it runs in the background until `vault.sh stop`.
    DEV_TOKEN="${KV_TOKEN:-dev-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')}"
    nohup python3 "$ROOT/tools/testvault/testvault.py" --port "$PORT" --http-port "$HTTP_PORT" \
        --state-dir "$dir" --delete-delay-ms "$delay" --seed-token "dev=$DEV_TOKEN" </dev/null >"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/vault.pid"
    wait_ready "$pid" "$log"
    [ -s "$dir/ca.pem" ] || die "testvault is up but $dir/ca.pem is missing"
}

start_lowkey() {
    local dir="$1" log="$1/lowkey.log" jar pid
    [ -x "$JAVA" ] || die "Lowkey Vault ${LOWKEY_VERSION} needs Java 25: $JAVA not found (set KV_JAVA)"
    command -v mvn >/dev/null 2>&1 || die "Lowkey Vault is downloaded with Maven: mvn not found"
    jar="$dir/lib/lowkey-vault-app-${LOWKEY_VERSION}.jar"
    if [ ! -s "$jar" ]; then
        say "downloading com.github.nagyesta.lowkey-vault:lowkey-vault-app:${LOWKEY_VERSION} with Maven"
        mkdir -p "$dir/lib"
        if ! mvn -q -B -U -Dstyle.color=never dependency:copy \
            -Dartifact="com.github.nagyesta.lowkey-vault:lowkey-vault-app:${LOWKEY_VERSION}" \
            -DoutputDirectory="$dir/lib" >"$dir/mvn.log" 2>&1 || [ ! -s "$jar" ]; then
            grep -m 2 -E 'ERROR\] (Failed|Could not)' "$dir/mvn.log" | cut -c1-400 >&2 || tail -n 5 "$dir/mvn.log" >&2 || true
            die "could not download the Lowkey Vault app jar (com.github.nagyesta.lowkey-vault:lowkey-vault-app:${LOWKEY_VERSION}): the artifact is not served by the package registry reachable from this machine. Use the default local stand-in vault instead (unset KV_VAULT_IMPL), or point the tests at a running vault with KV_TEST_VAULT_URL and KV_TEST_VAULT_CA. Maven's log: $dir/mvn.log"
        fi
    fi
    say "starting Lowkey Vault ${LOWKEY_VERSION} on https://localhost:${PORT}"
    nohup "$JAVA" -jar "$jar" "--server.port=${PORT}" </dev/null >"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/vault.pid"
    wait_ready "$pid" "$log"
    # Lowkey Vault's certificate is self-signed: trust it as the CA file.
    http_get "http://localhost:8080/metadata/default-cert/" "$dir/ca.pem" ||
        die "could not fetch Lowkey Vault's certificate from http://localhost:8080/metadata/default-cert/"
    [ -s "$dir/ca.pem" ] || die "Lowkey Vault served an empty certificate"
}

cmd_start() {
    local dir="$1"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ -f "$dir/vault.pid" ] && kill -0 "$(cat "$dir/vault.pid")" 2>/dev/null; then
        die "a vault started with this DIR is already running (pid $(cat "$dir/vault.pid")); run: $0 stop $dir"
    fi
    local p
    for p in "$PORT" "$HTTP_PORT"; do
        if port_in_use "$p"; then
            die "port $p is already in use on 127.0.0.1 (another vault?); stop it or set KV_VAULT_PORT / KV_VAULT_HTTP_PORT"
        fi
    done
    case "$IMPL" in
        testvault) start_testvault "$dir" ;;
        lowkey) start_lowkey "$dir" ;;
        *) die "unknown KV_VAULT_IMPL '$IMPL' (testvault or lowkey)" ;;
    esac
    say "ready: https://localhost:${PORT} (pid $(cat "$dir/vault.pid"); stop it with: $0 stop $dir)"
    echo "export KV_VAULT_URL=https://localhost:${PORT}"
    echo "export KV_CA_FILE=$dir/ca.pem"
    if [ "$IMPL" = testvault ]; then
        echo "export KV_TOKEN=$DEV_TOKEN"
    fi
    if [ "$IMPL" = lowkey ]; then
        # Lowkey Vault's 401 challenge points at the emulator itself (DESIGN.md section 6).
        echo "export KV_VERIFY_CHALLENGE_RESOURCE=0"
    fi
}

cmd_stop() {
    local dir="$1" pid i
    if [ ! -f "$dir/vault.pid" ]; then
        say "no vault.pid in $dir: nothing to stop"
        return 0
    fi
    pid="$(cat "$dir/vault.pid")"
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping the vault (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 40; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "pid $pid did not stop after SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    else
        say "the vault (pid $pid) is not running"
    fi
    rm -f "$dir/vault.pid"
}

[ $# -eq 2 ] || usage
case "$1" in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    *) usage ;;
esac
