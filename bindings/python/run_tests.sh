#!/usr/bin/env bash
# Tests of the Python binding (bindings/python). Exit status 0 only when everything passed.
#
#   bash bindings/python/run_tests.sh [extra pytest arguments]
#
# 1. cargo build --release (when cargo is available; quick when the build is current)
# 2. a virtual environment ($KV_PY_VENV, default bindings/python/.venv) that sees the system's
#    site-packages, with pytest, mypy and cryptography (installed from PyPI only when missing)
# 3. pip install bindings/python into it: the real install path, which bundles libkv.so
# 4. tools/gen_ffi.py --check: kv_keyvault/_ffi.py and kv_keyvault/errors.py are what include/kv.h generates
# 5. mypy --strict: the package (as Python 3.10, the oldest supported), the tests and the example; and the example again
#    against the installed package (py.typed)
# 6. pytest bindings/python/tests against the installed package; the tests start their own local
#    vault (tools/testvault) on free ports, or use KV_TEST_VAULT_URL / KV_TEST_VAULT_CA
#
# Works on a fresh Debian machine with python3 and pip (python3-venv is not required).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${KV_PY_VENV:-$HERE/.venv}"

say() { printf '==> python binding: %s\n' "$*"; }

# The package must find the library it installed, not one named by the caller.
unset KV_LIBRARY

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
if command -v cargo >/dev/null 2>&1; then
    say "cargo build --release"
    (cd "$ROOT" && cargo build --release)
else
    say "cargo not found: using the existing build"
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    say "creating the virtual environment $VENV"
    rm -rf "$VENV"
    # Debian's python3 lacks ensurepip unless python3-venv is installed: fall back to a venv
    # without its own pip, which uses the system's pip module (it installs into the venv).
    "$PYTHON" -m venv --system-site-packages "$VENV" 2>/dev/null ||
        { rm -rf "$VENV" && "$PYTHON" -m venv --system-site-packages --without-pip "$VENV"; }
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
"${PIP[@]}" --version >/dev/null 2>&1 || { echo "pip is not available for $PY (apt-get install python3-pip)"; exit 1; }

if ! "$PY" -c 'import pytest, mypy, cryptography' >/dev/null 2>&1; then
    say "installing pytest, mypy and cryptography"
    "${PIP[@]}" install --quiet pytest mypy 'cryptography>=41'
fi

say "pip install $HERE"
# The build hook copies the library built above (no second cargo run needed).
if ! KV_SKIP_CARGO=1 "${PIP[@]}" install --quiet --force-reinstall --no-deps "$HERE"; then
    say "retrying without build isolation (setuptools from the environment)"
    KV_SKIP_CARGO=1 "${PIP[@]}" install --quiet --force-reinstall --no-deps --no-build-isolation "$HERE"
fi

say "generated modules are current (tools/gen_ffi.py --check)"
"$PY" "$HERE/tools/gen_ffi.py" --check

say "mypy --strict"
(cd "$HERE" && "$PY" -m mypy --strict --python-version 3.10 kv_keyvault)
(cd "$HERE" && "$PY" -m mypy --strict kv_keyvault tests examples tools)
# From outside the source tree, so that the installed package (and its py.typed) is checked.
(cd "$ROOT" && "$PY" -m mypy --strict --no-incremental "$HERE/examples/quickstart.py")

say "pytest"
# From the repository root, so that `import kv_keyvault` is the installed package, not bindings/python/kv_keyvault.
cd "$ROOT"
# Every log record of the run goes to an audit file (KV_LOG_AUDIT_FILE); the tests list the
# secrets and tokens they use (conftest.audit_secret), and none may appear in any record.
AUDIT_DIR="$(mktemp -d)"
trap 'rm -rf "$AUDIT_DIR"' EXIT
KV_LOG_AUDIT_FILE="$AUDIT_DIR/records.log" KV_LOG_AUDIT_SECRETS="$AUDIT_DIR/secrets.txt" \
    KV_TEST_EXPECT_BUNDLED=1 "$PY" -m pytest -p no:cacheprovider "$HERE/tests" "$@"
say "no secret in any log record of the run (KV_LOG_AUDIT_FILE)"
"$PY" "$HERE/tools/check_log_audit.py" "$AUDIT_DIR/records.log" "$AUDIT_DIR/secrets.txt"
