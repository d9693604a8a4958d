#!/usr/bin/env bash
# The quickest way to see kv work: builds kv and the C examples, starts a local vault, runs the
# C quickstart against it, and stops the vault again (also on failure or Ctrl-C).
#
#   bash scripts/demo.sh
#
# Environment: KV_VAULT_IMPL, KV_VAULT_PORT, KV_VAULT_HTTP_PORT (see scripts/vault.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# cargo's target directory, absolute (the Makefile runs in examples-c/).
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
VAULT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kv-demo-vault.XXXXXX")"

step() { printf '\n==> %s\n' "$*"; }

cleanup() {
    step "stopping the local vault"
    scripts/vault.sh stop "$VAULT_DIR" || true
    rm -rf "$VAULT_DIR"
}
trap cleanup EXIT

step "building kv (cargo build --release): target/release/libkv.a, libkv.so, include/kv.h"
cargo build --release

step "building the C examples (make -C examples-c)"
make -C examples-c CARGO_TARGET_DIR="$TARGET_DIR"

step "starting a local vault (scripts/vault.sh start $VAULT_DIR)"
VAULT_ENV="$(scripts/vault.sh start "$VAULT_DIR")"
echo "$VAULT_ENV"
eval "$VAULT_ENV"

step "running the C quickstart: examples-c/quickstart"
examples-c/quickstart

step "demo finished: see examples-c/quickstart.c for the code, examples-c/errors.c for error handling"
