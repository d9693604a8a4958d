#!/usr/bin/env bash
# Instructions and system calls per warm get_secret (prints figures, asserts nothing).
# Starts nginx on loopback as a canned TLS vault (401 challenge without a token, a fixed secret
# bundle with one), runs examples/profile_get.rs for N1 and N2 calls under callgrind and under
# `strace -f -c`, and prints (total(N2) - total(N1)) / (N2 - N1) for each.
# Needs nginx, openssl, valgrind, strace. KV_PROFILE_N1/KV_PROFILE_N2 set the counts (100/600).
# KV_PROFILE_CONTEXT=bound (one call context for every call) or per-call (a new one per call, as
# the Go binding does) measures calls under a call context (cancellable); unset: no context.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n1=${KV_PROFILE_N1:-100}
n2=${KV_PROFILE_N2:-600}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

dir=$(mktemp -d)
trap '[ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null; rm -rf "$dir"' EXIT
# A throwaway CA (handed to kv as its CA file) and a leaf for localhost signed by it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=kv-profile-ca \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$dir/key.pem" -out "$dir/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$dir/leaf.ext"
openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/leaf.ext" -out "$dir/cert.pem" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/tmp"
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;
        location /secrets/ {
            default_type application/json;
            add_header x-ms-request-id 00000000-0000-4000-8000-000000000000 always;
            if (\$http_authorization = "") {
                add_header WWW-Authenticate 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"' always;
                return 401 '{"error":{"code":"Unauthorized","message":"no token"}}';
            }
            return 200 '{"value":"benchmark value","id":"https://localhost:$port/secrets/bench/0123456789abcdef0123456789abcdef","attributes":{"enabled":true,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}';
        }
    }
}
CONF
"$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
cargo build --quiet --release --example profile_get
bin=target/release/examples/profile_get
url=https://localhost:$port
"$bin" "$url" "$dir/ca.pem" 1

instr() {
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$1" "$bin" "$url" "$dir/ca.pem" "$1" 2>"$dir/vg.$1"
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$dir/vg.$1"
}
syscalls() {
    strace -f -c -o "$dir/st.$1" "$bin" "$url" "$dir/ca.pem" "$1"
    awk '$NF == "total" { print $(NF-2) }' "$dir/st.$1"
}
threads() {
    strace -f -e trace=clone,clone3 -o "$dir/th.$1" "$bin" "$url" "$dir/ca.pem" "$1"
    grep -c -E 'clone3?\(' "$dir/th.$1" || true
}
i1=$(instr "$n1"); i2=$(instr "$n2")
s1=$(syscalls "$n1"); s2=$(syscalls "$n2")
t1=$(threads "$n1"); t2=$(threads "$n2")
per() { python3 -c "print(f'{($2 - $1) / ($n2 - $n1):.1f}')"; }
echo "warm get_secret on a pooled connection ($n1 vs $n2 calls, canned nginx TLS endpoint on loopback, call context: ${KV_PROFILE_CONTEXT:-none}):"
echo "  instructions per call: $(per "$i1" "$i2")"
echo "  system calls per call: $(per "$s1" "$s2")"
echo "  threads created per call: $(per "$t1" "$t2")"
if [ -n "${KV_PROFILE_VERBOSE:-}" ]; then
    # Per-call figures by system call and by function (self cost), from the same two runs.
    python3 - "$dir" "$n1" "$n2" "${KV_PROFILE_TOP:-40}" <<'PY'
import re, subprocess, sys
d, n1, n2, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def calls(n):
    out = {}
    for line in open(f"{d}/st.{n}"):
        f = line.split()
        if len(f) >= 5 and f[-1] != "total" and f[3].isdigit():
            out[f[-1]] = int(f[3])
    return out
a, b = calls(n1), calls(n2)
print("--- system calls per warm call")
for name in sorted(b, key=lambda k: -(b[k] - a.get(k, 0))):
    per = (b[name] - a.get(name, 0)) / (n2 - n1)
    if per >= 0.05:
        print(f"  {per:6.2f} {name}")
def fns(n):
    text = subprocess.run(["callgrind_annotate", "--inclusive=" + ("yes" if __import__("os").environ.get("KV_PROFILE_INCLUSIVE") else "no"), "--threshold=100", "--auto=no", f"{d}/cg.{n}"],
                          capture_output=True, text=True).stdout
    out = {}
    table = text.split("file:function", 1)[-1]
    for line in table.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(\S.*?)(?: \[.*\])?$", line)
        if m and "PROGRAM TOTALS" not in line:
            key = m.group(2).split(":", 1)[-1]
            out[key] = out.get(key, 0) + int(m.group(1).replace(",", ""))
    return out
a, b = fns(n1), fns(n2)
print(f"--- instructions per warm call by function (self, or inclusive with KV_PROFILE_INCLUSIVE=1), top {top}")
rows = sorted(((b[k] - a.get(k, 0)) / (n2 - n1), k) for k in b)
for per, name in reversed(rows[-top:]):
    print(f"  {per:8.0f} {name[:150]}")
PY
fi
