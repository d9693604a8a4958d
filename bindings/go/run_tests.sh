#!/usr/bin/env bash
# Tests of the Go binding (bindings/go): gofmt, go vet, then go test with the race detector and
# cgo's full pointer checks, against a local vault that the tests start themselves
# (tools/testvault/testvault.py, python3 with the `cryptography` package).
#
#   bash bindings/go/run_tests.sh [extra `go test` arguments, e.g. -run TestSecret -v]
#
# Steps:
#   1. cargo build --release when target/release/libkv.a is missing or older than the Rust
#      sources or include/kv.h (the package links it statically, -tags kv_repo).
#   2. gofmt -l (every file formatted) and go vet ./...
#   3. go test -race -count=1 -json ./... with GOEXPERIMENT=cgocheck2 when this Go supports it
#      (full checks of Go pointers passed to and stored by C); otherwise GODEBUG=cgocheck=1.
#      -count=1 because Go's test cache does not notice a rebuilt libkv.a.
#
# Environment:
#   GO                 the go command (default: go on PATH, else /usr/local/go/bin/go)
#   CARGO_TARGET_DIR   cargo's target directory, as for cargo (default: target in the repository);
#                      when it is elsewhere the package is built with -tags kv_external and
#                      CGO_LDFLAGS naming that libkv.a
#   KV_TEST_VAULT_URL, KV_TEST_VAULT_CA, KV_VERIFY_CHALLENGE_RESOURCE=0
#                      test against that vault instead of starting one (see main_test.go)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

GO="${GO:-}"
if [ -z "$GO" ]; then
    if command -v go >/dev/null 2>&1; then
        GO=go
    elif [ -x /usr/local/go/bin/go ]; then
        GO=/usr/local/go/bin/go
    else
        echo "run_tests.sh: go not found (set GO=/path/to/go)" >&2
        exit 1
    fi
fi
echo "==> $("$GO" version)"
# The tests build examples/quickstart with `go`: make sure it is the same one.
PATH="$(dirname "$(command -v "$GO")"):$PATH"
export PATH

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
LIB="$TARGET_DIR/release/libkv.a"

# 1. The native library.
stale=""
if [ ! -f "$LIB" ]; then
    stale="missing"
elif [ -n "$(find "$ROOT/src" "$ROOT/include/kv.h" "$ROOT/Cargo.toml" "$ROOT/Cargo.lock" "$ROOT/build.rs" \
        -newer "$LIB" -print -quit 2>/dev/null)" ]; then
    stale="older than the sources"
fi
if [ -n "$stale" ]; then
    echo "==> $LIB is $stale: cargo build --release"
    (cd "$ROOT" && cargo build --release)
fi
[ -f "$LIB" ] || { echo "run_tests.sh: $LIB was not built" >&2; exit 1; }

# -tags kv_repo: the repository's include/kv.h and target/release/libkv.a (the package's default,
# pkg-config, is for an installed library: scripts/test_install.sh go tests that).
# KV_GO_EXTRA_TAGS (comma-separated) adds build tags, e.g. kv_emulator for the emulator stage.
EXTRA_TAGS="${KV_GO_EXTRA_TAGS:+,$KV_GO_EXTRA_TAGS}"
BUILD_FLAGS=(-tags "kv_repo$EXTRA_TAGS")
if [ "$TARGET_DIR/release/libkv.a" != "$ROOT/target/release/libkv.a" ]; then
    BUILD_FLAGS=(-tags "kv_external$EXTRA_TAGS")
    export CGO_LDFLAGS="$LIB -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc ${CGO_LDFLAGS:-}"
    echo "==> linking $LIB (-tags kv_external)"
fi

cd "$HERE"

# 2. Formatting and vet.
echo "==> gofmt -l ."
unformatted="$("$(dirname "$(command -v "$GO")")/gofmt" -l .)"
if [ -n "$unformatted" ]; then
    echo "run_tests.sh: not gofmt'ed:" >&2
    echo "$unformatted" >&2
    exit 1
fi
echo "==> go vet ./..."
"$GO" vet "${BUILD_FLAGS[@]}" ./...

# 3. Tests, with the strongest cgo pointer checks this Go offers.
if GOEXPERIMENT="${GOEXPERIMENT:+$GOEXPERIMENT,}cgocheck2" "$GO" version >/dev/null 2>&1; then
    export GOEXPERIMENT="${GOEXPERIMENT:+$GOEXPERIMENT,}cgocheck2"
    echo "==> cgo pointer checks: GOEXPERIMENT=$GOEXPERIMENT"
else
    export GODEBUG="${GODEBUG:+$GODEBUG,}cgocheck=1"
    echo "==> cgo pointer checks: GODEBUG=$GODEBUG (this Go has no cgocheck2 experiment)"
fi
echo "==> go test -race -count=1 -json ./... $*"
# -json gives every test's outcome; the filter prints what plain `go test` prints (package lines,
# and the output of failed and skipped tests) and ends with "go test: N passed, M failed,
# K skipped" (subtests included), the line scripts/test.sh counts.
set +e
"$GO" test "${BUILD_FLAGS[@]}" -race -count=1 -json -timeout 15m ./... "$@" | python3 -c '
import json, sys
counts = {"pass": 0, "fail": 0, "skip": 0}
buffered = {}
for line in sys.stdin:
    try:
        ev = json.loads(line)
    except ValueError:
        sys.stdout.write(line)  # build errors and other non-JSON output
        continue
    test, action = ev.get("Test"), ev.get("Action")
    if not test:
        if action == "output":
            text = ev.get("Output", "")
            if not text.startswith(("=== ", "PASS\n")):
                sys.stdout.write(text)
        continue
    key = (ev.get("Package"), test)
    if action == "output":
        buffered.setdefault(key, []).append(ev.get("Output", ""))
    elif action in counts:
        counts[action] += 1
        out = buffered.pop(key, [])
        if action != "pass":
            sys.stdout.write("".join(o for o in out if not o.startswith("=== ")))
    sys.stdout.flush()
print("go test: %d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]))
'
status=("${PIPESTATUS[@]}")
set -e
[ "${status[0]}" -eq 0 ] && [ "${status[1]}" -eq 0 ]
