#!/usr/bin/env bash
# Installs kv the ways README.md tells users to, and runs README.md's own programs against a local
# stand-in vault (tools/testvault, started here on free ports). Each part is one stage of
# scripts/test.sh:
#
#   bash scripts/test_install.sh c        README's C recipes, verbatim, in the repository root: the
#                                         shared-library link (-Ltarget/release -lkv + rpath) and
#                                         the static link with the exact system libraries, each
#                                         running README's C quickstart; make install into a
#                                         temporary prefix (libkv.so.X.Y.Z, soname link, dev link)
#                                         and the pkg-config build against it
#   bash scripts/test_install.sh python   scripts/build_wheel.sh (sdist -> wheel -> auditwheel), then
#                                         a fresh venv with cargo NOT on PATH: pip install the
#                                         wheel and run README's Python quickstart
#   bash scripts/test_install.sh go       make install into a temporary prefix; a Go module in a
#                                         directory outside the repository (go.mod replace pointing
#                                         at this checkout, GOPROXY=off) builds README's Go
#                                         quickstart with `#cgo pkg-config: kv` and runs it; then
#                                         again with plain `go get ...@latest` from a file proxy
#                                         that holds bindings/go as a module zip (as published)
#   bash scripts/test_install.sh readme   python3 scripts/readme.py check (every shell command of
#                                         README.md is run by a test), bash scripts/demo.sh, and
#                                         README's "by hand" commands for the C examples
#
# The quickstarts sign in with the default credential; here its managed-identity step gets tokens
# from the stand-in vault's IMDS endpoint (AZURE_POD_IDENTITY_AUTHORITY_HOST), as it would from
# Azure's. The lines that README.md shows appear here verbatim (scripts/readme.py check).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    export PATH="$PATH:/usr/local/go/bin"
fi
# README's recipes name target/release: build where a user's cargo would.
unset CARGO_TARGET_DIR KV_LIBRARY
# make install into a scratch prefix: no ldconfig of the live system.
export LDCONFIG=:
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/kv-install-test.XXXXXX")"
VAULT_DIR=""

say() { printf '==> test_install: %s\n' "$*"; }
fail() { printf 'test_install: FAILED: %s\n' "$*" >&2; exit 1; }

cleanup() {
    if [ -n "$VAULT_DIR" ] && [ -f "$VAULT_DIR/vault.pid" ]; then
        scripts/vault.sh stop "$VAULT_DIR" >/dev/null 2>&1 || true
    fi
    rm -f "$ROOT/app" "$ROOT/app.c"
    chmod -R u+w "$SCRATCH" 2>/dev/null || true   # Go's module cache is read-only
    rm -rf "$SCRATCH"
}
trap cleanup EXIT

# Free loopback ports for the vault, so a vault already running elsewhere does not get in the way.
use_free_ports() {
    local ports
    read -r -a ports < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
    export KV_VAULT_PORT="${ports[0]}" KV_VAULT_HTTP_PORT="${ports[1]}"
}

# A local vault, and the default credential pointed at its IMDS endpoint (nothing else of the
# chain configured: no service principal, workload identity, App Service or CLI narrowing).
start_vault() {
    use_free_ports
    VAULT_DIR="$SCRATCH/vault"
    mkdir -p "$VAULT_DIR"
    eval "$(scripts/vault.sh start "$VAULT_DIR")"
    export KV_VAULT_URL KV_CA_FILE
    unset AZURE_TOKEN_CREDENTIALS IDENTITY_ENDPOINT IDENTITY_HEADER AZURE_TENANT_ID AZURE_CLIENT_ID \
        AZURE_CLIENT_SECRET AZURE_CLIENT_CERTIFICATE_PATH AZURE_FEDERATED_TOKEN_FILE
    export AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$KV_VAULT_HTTP_PORT"
    say "vault $KV_VAULT_URL (managed identity at $AZURE_POD_IDENTITY_AUTHORITY_HOST)"
}

# Checks a quickstart's output: it read back the value it set.
expect_quickstart() {
    local out="$1" what="$2"
    printf '%s\n' "$out"
    grep -q '^kv-quickstart = s3cr3t-value$' <<<"$out" || fail "$what did not print the secret it set"
}

# The layout make install must produce under PREFIX.
check_layout() {
    local prefix="$1" version soname real
    version="$(sed -n 's/^version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"
    soname="libkv.so.${version%%.*}"
    real="libkv.so.$version"
    [ -f "$prefix/lib/$real" ] && [ ! -L "$prefix/lib/$real" ] || fail "$prefix/lib/$real is not a file"
    [ "$(readlink "$prefix/lib/$soname")" = "$real" ] || fail "$prefix/lib/$soname does not point to $real"
    [ "$(readlink "$prefix/lib/libkv.so")" = "$soname" ] || fail "$prefix/lib/libkv.so does not point to $soname"
    readelf -d "$prefix/lib/$real" | grep -q "Library soname: \[$soname\]" || fail "$real has no soname $soname"
    for f in lib/libkv.a include/kv.h include/kv.hpp lib/pkgconfig/kv.pc lib/cmake/kv/kvConfig.cmake; do
        [ -f "$prefix/$f" ] || fail "$prefix/$f is missing"
    done
    say "make install layout: $real, $soname -> $real, libkv.so -> $soname, libkv.a, headers, kv.pc, CMake package"
}

test_c() {
    start_vault
    python3 scripts/readme.py block quickstart.c >app.c

    say "README: shared library, linked in the checkout"
    cargo build --release
    cc -std=c11 -Iinclude app.c -Ltarget/release -lkv -Wl,-rpath,"$PWD/target/release" -o app
    readelf -d app | grep -q 'NEEDED.*\[libkv.so.0\]' || fail "app does not need libkv.so.0"
    ./app
    expect_quickstart "$(./app)" "the shared-library build"

    # The system libraries are what `cargo rustc --release --lib --crate-type staticlib --
    # --print native-static-libs` names (not rerun here: it rebuilds the crate twice).
    say "README: static library with the system libraries cargo names"
    cc -std=c11 -Iinclude app.c target/release/libkv.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o app
    if readelf -d app | grep -q 'NEEDED.*libkv'; then fail "the static build needs libkv.so"; fi
    expect_quickstart "$(./app)" "the static build"

    say "README: make install into a prefix, then pkg-config"
    PREFIX="$SCRATCH/prefix"
    make install PREFIX="$PREFIX"
    check_layout "$PREFIX"
    export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
    local static
    static="$(pkg-config --static --libs-only-l kv)"
    [ "$(echo $static)" = "-lkv -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc" ] ||
        fail "pkg-config --static --libs-only-l kv gives '$static', not README's list"
    cc -std=c11 app.c $(pkg-config --cflags --libs kv) -o app
    LD_LIBRARY_PATH="$PREFIX/lib" ./app
    expect_quickstart "$(LD_LIBRARY_PATH="$PREFIX/lib" ./app)" "the build against the installed prefix"
}

test_python() {
    say "README: build the wheel"
    bash scripts/build_wheel.sh
    start_vault

    say "a fresh virtual environment, cargo not on PATH"
    python3 -m venv "$SCRATCH/venv"
    local dir clean=""
    local IFS=:
    for dir in $PATH; do
        [ -n "$dir" ] || continue
        if [ -x "$dir/cargo" ] || [ -x "$dir/rustc" ]; then continue; fi
        clean="${clean:+$clean:}$dir"
    done
    unset IFS
    export PATH="$clean"
    if command -v cargo >/dev/null 2>&1; then fail "cargo is still on PATH"; fi
    # shellcheck disable=SC1091
    . "$SCRATCH/venv/bin/activate"
    [ "$(command -v python3)" = "$SCRATCH/venv/bin/python3" ] || fail "python3 is not the venv's"

    python3 -m pip install dist/kv_keyvault-*.whl
    mkdir -p "$SCRATCH/py"
    python3 scripts/readme.py block quickstart.py >"$SCRATCH/py/quickstart.py"
    cd "$SCRATCH/py"
    python3 -c 'import kv_keyvault, sys; p = str(kv_keyvault.library_path()); print(p); sys.exit(sys.prefix not in p)' ||
        fail "kv_keyvault did not load the libkv.so installed in the venv"
    python3 quickstart.py
    expect_quickstart "$(python3 quickstart.py)" "the Python quickstart from the wheel"
}

test_go() {
    command -v go >/dev/null 2>&1 || fail "go is not installed"
    start_vault
    say "make install into a prefix"
    PREFIX="$SCRATCH/prefix"
    make install PREFIX="$PREFIX"
    check_layout "$PREFIX"
    export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"

    say "a Go program outside the repository, built against the installed prefix"
    KV_CHECKOUT="$ROOT"
    mkdir -p "$SCRATCH/goapp"
    python3 scripts/readme.py block main.go >"$SCRATCH/goapp/main.go"
    cd "$SCRATCH/goapp"
    # Nothing is fetched: the module comes from the checkout (replace), the C library from PREFIX.
    # A build cache of its own: Go's cache keeps the pkg-config link flags of an earlier build
    # (another prefix) and would link against a prefix that no longer exists.
    export GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$SCRATCH/gocache"
    go mod init example.com/app
    go mod edit -require=github.com/kv-sdk/kv/bindings/go@v0.0.0 -replace=github.com/kv-sdk/kv/bindings/go="$KV_CHECKOUT/bindings/go"
    go build -o app .
    readelf -d app | grep -q 'NEEDED.*\[libkv.so.0\]' || fail "the Go program does not link libkv.so.0 (pkg-config)"
    expect_quickstart "$(LD_LIBRARY_PATH="$PREFIX/lib" ./app)" "the Go quickstart"

    # As if published: the module as the proxy would serve it (only bindings/go's tracked files,
    # none of the repository around it) from a file proxy, fetched with plain `go get`.
    say "go get from a file proxy holding the module as published"
    local version proxy
    version="v$(sed -n 's/^version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -n 1)"
    proxy="$SCRATCH/goproxy"
    python3 - "$ROOT" "$proxy" "$version" <<'PY'
import json, subprocess, sys, zipfile
from pathlib import Path
root, proxy, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
mod = "github.com/kv-sdk/kv/bindings/go"
files = subprocess.run(["git", "-C", str(root), "ls-files", "bindings/go"], check=True,
                       capture_output=True, text=True).stdout.split()
# A directory holding its own go.mod is another module (bindings/go/azadapter): not in this
# module's zip, as the go command leaves it out when it publishes.
nested = {str(Path(f).parent) + "/" for f in files if f.endswith("/go.mod") and f != "bindings/go/go.mod"}
d = proxy / mod / "@v"
d.mkdir(parents=True)
with zipfile.ZipFile(d / (version + ".zip"), "w") as z:
    for f in files:
        if not any(f.startswith(n) for n in nested):
            z.write(root / f, "%s@%s/%s" % (mod, version, f[len("bindings/go/"):]))
(d / (version + ".mod")).write_bytes((root / "bindings/go/go.mod").read_bytes())
(d / (version + ".info")).write_text(json.dumps({"Version": version, "Time": "2026-01-01T00:00:00Z"}))
(d / "list").write_text(version + "\n")
PY
    mkdir -p "$SCRATCH/goget"
    cp "$SCRATCH/goapp/main.go" "$SCRATCH/goget/main.go"
    cd "$SCRATCH/goget"
    GOPROXY="file://$proxy" GONOSUMDB=github.com/kv-sdk GOFLAGS=-mod=mod GOMODCACHE="$SCRATCH/gomodcache" \
        bash -c 'go mod init example.com/app && go get github.com/kv-sdk/kv/bindings/go/kv@latest && go build -o app .'
    grep -q "github.com/kv-sdk/kv/bindings/go $version" go.mod || fail "go get did not record $version"
    expect_quickstart "$(LD_LIBRARY_PATH="$PREFIX/lib" ./app)" "the Go quickstart fetched with go get"
}

test_readme() {
    python3 scripts/readme.py check
    use_free_ports

    say "README: the demo"
    bash scripts/demo.sh

    say "README: the C examples by hand"
    # set -e does not stop at a failure before `&&`: each such line's status is checked after it.
    cargo build --release && make -C examples-c
    [ $? -eq 0 ] || fail "building the examples"
    VAULT_DIR="$(mktemp -d)"
    eval "$(scripts/vault.sh start "$VAULT_DIR")"
    examples-c/quickstart && examples-c/errors
    [ $? -eq 0 ] || fail "examples-c/quickstart && examples-c/errors"
    examples-c/sign_verify && KV_EXPECT_AES=1 examples-c/encrypt_decrypt
    [ $? -eq 0 ] || fail "examples-c/sign_verify && examples-c/encrypt_decrypt"
    KV_LOG=info examples-c/quickstart
    KV_LOG=info examples-c/quickstart 2>"$SCRATCH/log.txt" >/dev/null
    grep -q 'GET ' "$SCRATCH/log.txt" || fail "KV_LOG=info logged no request"
    scripts/vault.sh stop "$VAULT_DIR"
    rm -rf "$VAULT_DIR"
    VAULT_DIR=""
}

case "${1:-}" in
c) test_c ;;
python) test_python ;;
go) test_go ;;
readme) test_readme ;;
*)
    echo "usage: $0 c|python|go|readme" >&2
    exit 2
    ;;
esac
say "$1: passed"
