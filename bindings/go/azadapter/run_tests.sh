#!/usr/bin/env bash
# Tests of the Azure SDK adapter (bindings/go/azadapter, a module of its own): gofmt, go vet, then
# go test with the race detector. Its tests need the independent emulators (KV_EMU_* variables)
# and build only with -tags kv_emulator, which scripts/test.sh's emulator stage passes through
# KV_GO_EXTRA_TAGS; the Azure SDK modules come from the Go module proxy.
#
#   KV_GO_EXTRA_TAGS=kv_emulator bash bindings/go/azadapter/run_tests.sh [extra `go test` arguments]
#
# Links target/release/libkv.a as bindings/go/run_tests.sh does (run that first: it builds it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
LIB="$TARGET_DIR/release/libkv.a"
[ -f "$LIB" ] || (cd "$ROOT" && cargo build --release)

EXTRA_TAGS="${KV_GO_EXTRA_TAGS:+,$KV_GO_EXTRA_TAGS}"
BUILD_FLAGS=(-tags "kv_repo$EXTRA_TAGS")
if [ "$LIB" != "$ROOT/target/release/libkv.a" ]; then
    BUILD_FLAGS=(-tags "kv_external$EXTRA_TAGS")
    export CGO_LDFLAGS="$LIB -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc ${CGO_LDFLAGS:-}"
fi

cd "$HERE"
echo "==> azadapter: gofmt -l ."
unformatted="$("$(dirname "$GO")/gofmt" -l .)"
[ -z "$unformatted" ] || { echo "not gofmt'ed: $unformatted" >&2; exit 1; }
echo "==> azadapter: go vet"
"$GO" vet "${BUILD_FLAGS[@]}" ./...
echo "==> azadapter: go test -race -count=1 -v ./... $*"
set +e
out="$("$GO" test "${BUILD_FLAGS[@]}" -race -count=1 -v ./... "$@" 2>&1)"
status=$?
set -e
echo "$out"
# The line scripts/count_tests.py counts.
printf 'azadapter go test: %d passed, %d failed, %d skipped\n' "$(grep -c -- '--- PASS' <<<"$out")" \
    "$(grep -c -- '--- FAIL' <<<"$out")" "$(grep -c -- '--- SKIP' <<<"$out")"
exit "$status"
