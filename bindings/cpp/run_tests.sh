#!/usr/bin/env bash
# Tests of the C++ binding (include/kv.hpp) and of the C/C++ install (top-level Makefile).
#
#   bash bindings/cpp/run_tests.sh
#
# Stages (each is counted; a stage whose input is missing fails with a message):
#    1. build            make build: target/release/libkv.so (SONAME libkv.so.MAJOR) and libkv.a
#    2. soname           readelf -d target/release/libkv.so shows SONAME libkv.so.MAJOR
#    3. header           kv.hpp refers to every function of kv.h, and compiles on its own with
#                        -std=c++17 (and -std=c++20) -Wall -Wextra -Werror -Wpedantic and more
#    4. test: build      bindings/cpp/tests/kv_test.cpp, -std=c++17 -Wall -Wextra -Werror, libkv.a
#    5. test: run        kv_test against a local vault started with --page-size 3
#    6. test: valgrind   kv_test once more under valgrind (leaks and memory errors fail)
#    7. install          make install PREFIX=<temp>: files, symlinks, SONAME, kv.pc; DESTDIR staging
#    8. cmake example    bindings/cpp/cmake-example built with find_package(kv) from <temp>
#                        (kv::kv and kv::kv_static), run against the vault; version checks
#    9. pkg-config       bindings/cpp/pkgconfig-example/hello.c (C) and cmake-example/main.cpp
#                        (C++) built with `pkg-config --cflags --libs kv` from <temp>, run
#   10. uninstall        make uninstall removes everything install put in <temp>
# The last line is `stages: N passed, M failed` (kv_test prints its own test counts,
# `N passed, M failed, K skipped`); the exit status is non-zero when a stage failed.
#
# Needs: cargo, g++ (or CXX), cc (or CC), cmake, pkg-config, valgrind, readelf, python3 with the
# local vault's requirements (tools/testvault/requirements.txt).
#
# Environment:
#   KV_TEST_VAULT_URL, KV_TEST_VAULT_CA   use that vault instead of starting one
#   CXX, CC                               compilers (default g++, cc)
#   KV_CPP_KEEP=1                         keep the temporary directory (printed at the end)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

CXX="${CXX:-g++}"
CC="${CC:-cc}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
LIBSO="$TARGET_DIR/release/libkv.so"
LIBA="$TARGET_DIR/release/libkv.a"
VERSION="$(sed -n 's/^version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"
SONAME="libkv.so.${VERSION%%.*}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kv-cpp-test.XXXXXX")"
PREFIX_DIR="$WORK/prefix"
TEST_BIN="$WORK/kv_test"
VAULT_PID=""
VAULT_URL=""
VAULT_TOKEN=""
APP_SECRET=""
VAULT_CA=""

CXXFLAGS_TEST=(-std=c++17 -Wall -Wextra -Werror -g -O1)
VALGRIND=(valgrind --suppressions="$ROOT/examples-c/valgrind.supp" --leak-check=full
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99)

PASSED=0
FAILED=0
FAILED_STAGES=()

stop_vault() {
    if [ -n "$VAULT_PID" ]; then
        exec 7>&- || true # the vault's standard input: at EOF it stops (--exit-on-stdin-eof)
        local i
        for ((i = 0; i < 40; i++)); do
            kill -0 "$VAULT_PID" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$VAULT_PID" 2>/dev/null; then
            kill -TERM "$VAULT_PID" 2>/dev/null || true
        fi
        wait "$VAULT_PID" 2>/dev/null || true
        VAULT_PID=""
        echo "stopped the vault"
    fi
}

cleanup() {
    stop_vault
    if [ "${KV_CPP_KEEP:-0}" = 1 ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# stage NAME FUNCTION: runs FUNCTION in a subshell with `set -e`, prints and counts the outcome.
stage() {
    local name="$1" fn="$2" rc
    printf '\n==> stage: %s\n' "$name"
    set +e
    (
        set -euo pipefail
        "$fn"
    )
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        printf -- '--> %s: passed\n' "$name"
    else
        FAILED=$((FAILED + 1))
        FAILED_STAGES+=("$name")
        printf -- '--> %s: FAILED (exit status %d)\n' "$name" "$rc"
    fi
}

need() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || { echo "$cmd is not installed"; return 1; }
    done
}

# Starts tools/testvault on free ports with 3 items per list page. Its standard input is a FIFO
# held open on fd 7 by this script: closing it (or this script ending) stops the vault.
start_vault() {
    if [ -n "${KV_TEST_VAULT_URL:-}" ]; then
        VAULT_URL="$KV_TEST_VAULT_URL"
        VAULT_CA="${KV_TEST_VAULT_CA:-}"
        echo "using the vault in KV_TEST_VAULT_URL: $VAULT_URL"
        return 0
    fi
    local dir="$WORK/vault" i
    mkdir -p "$dir"
    mkfifo "$dir/stdin"
    # The vault accepts only tokens it issued or was seeded with: seed a random one for the tests.
    VAULT_TOKEN="cpp-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
    APP_SECRET="app-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
    python3 tools/testvault/testvault.py --port 0 --http-port 0 --state-dir "$dir" --page-size 3 \
        --seed-token "cpp-tests=$VAULT_TOKEN" --app "cpp-app=$APP_SECRET" --exit-on-stdin-eof <"$dir/stdin" >"$dir/stdout" 2>"$dir/vault.log" &
    VAULT_PID=$!
    exec 7>"$dir/stdin"
    for ((i = 0; i < 120; i++)); do
        VAULT_URL="$(sed -n 's/^testvault ready \(https:\/\/[^ ]*\).*/\1/p' "$dir/stdout")"
        [ -n "$VAULT_URL" ] && break
        if ! kill -0 "$VAULT_PID" 2>/dev/null; then
            echo "the vault exited during start-up; its log:"
            tail -n 20 "$dir/vault.log" || true
            VAULT_PID=""
            return 1
        fi
        sleep 0.25
    done
    if [ -z "$VAULT_URL" ]; then
        echo "the vault did not report ready within 30 s; its log:"
        tail -n 20 "$dir/vault.log" || true
        return 1
    fi
    VAULT_CA="$dir/ca.pem"
    echo "vault ready: $VAULT_URL (pid $VAULT_PID, CA $VAULT_CA, page size 3)"
}

vault_env() {
    [ -n "$VAULT_URL" ] || { echo "no vault is running (see above)"; return 1; }
    export KV_VAULT_URL="$VAULT_URL"
    export KV_CA_FILE="$VAULT_CA"
    if [ -z "${KV_TEST_VAULT_URL:-}" ]; then
        export KV_TOKEN="$VAULT_TOKEN"
        # The App Service style token endpoint of the local vault (test managed_identity_reaches_the_vault).
        export KV_TEST_APP_SECRET="$APP_SECRET" # app cpp-app of the vault's client-credentials endpoint
        export KV_TEST_IDENTITY_ENDPOINT="http://127.0.0.1:$(cat "$WORK/vault/testvault.http-port")/msi/token"
        export KV_TEST_PAGE_SIZE=3
        export KV_EXPECT_AES=1 # the local stand-in vault supports oct-HSM keys
    fi
}

soname_of() {
    readelf -d "$1" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p'
}

# ---- stages --------------------------------------------------------------------------------

do_build() {
    need cargo make readelf
    make --no-print-directory build
}

do_soname() {
    need readelf
    [ -f "$LIBSO" ] || { echo "$LIBSO is missing"; return 1; }
    local got
    got="$(soname_of "$LIBSO")"
    echo "$LIBSO: SONAME '$got' (expected '$SONAME')"
    [ "$got" = "$SONAME" ]
}

do_header() {
    need python3 "$CXX"
    # Every function that kv.h declares is used by kv.hpp.
    python3 - include/kv.h include/kv.hpp <<'PY'
import re, sys
header = open(sys.argv[1], encoding="utf-8").read()
header = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
header = re.sub(r"//[^\n]*", "", header)
funcs = sorted(set(re.findall(r"\b(kv_\w+)\s*\(", header)))
hpp = open(sys.argv[2], encoding="utf-8").read()
# Superseded for the bindings (kept in kv.h for C callers): covered when its successor is used.
superseded = {"kv_client_delete_secret": "kv_client_delete_secret_out"}
used = lambda f: re.search(r"\b%s\b" % re.escape(f), hpp) is not None
missing = [f for f in funcs if not used(f) and not (f in superseded and used(superseded[f]))]
print("kv.h declares %d functions; kv.hpp uses %d of them" % (len(funcs), len(funcs) - len(missing)))
for f in missing:
    print("  not used by kv.hpp: " + f)
sys.exit(1 if missing else 0)
PY
    # kv.hpp on its own, strict warnings, C++17 and C++20.
    printf '#include "kv.hpp"\n#include "kv.hpp"\nint main() { return kv::version().empty() ? 1 : 0; }\n' >"$WORK/header_only.cpp"
    local std
    for std in c++17 c++20; do
        echo "$CXX -std=$std: kv.hpp alone"
        "$CXX" -std="$std" -Wall -Wextra -Werror -Wpedantic -Wshadow -Wconversion -Wsign-conversion \
            -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-qual -Wundef \
            -Iinclude -c "$WORK/header_only.cpp" -o "$WORK/header_only_$std.o"
    done
    # Refuses C++14.
    if "$CXX" -std=c++14 -Iinclude -c "$WORK/header_only.cpp" -o "$WORK/header_only_14.o" 2>/dev/null; then
        echo "kv.hpp compiled as C++14: the version check is missing"
        return 1
    fi
}

do_test_build() {
    need "$CXX"
    [ -f "$LIBA" ] || { echo "$LIBA is missing (stage build)"; return 1; }
    echo "$CXX ${CXXFLAGS_TEST[*]} -Iinclude bindings/cpp/tests/kv_test.cpp $LIBA -lpthread -ldl -lm"
    "$CXX" "${CXXFLAGS_TEST[@]}" -Iinclude bindings/cpp/tests/kv_test.cpp "$LIBA" -lpthread -ldl -lm -o "$TEST_BIN"
}

do_test_run() {
    [ -x "$TEST_BIN" ] || { echo "kv_test was not built"; return 1; }
    vault_env
    "$TEST_BIN"
}

do_test_valgrind() {
    need valgrind
    [ -x "$TEST_BIN" ] || { echo "kv_test was not built"; return 1; }
    vault_env
    "${VALGRIND[@]}" "$TEST_BIN"
}

do_install() {
    need make readelf pkg-config cmp
    make --no-print-directory install PREFIX="$PREFIX_DIR" LDCONFIG=:
    local lib="$PREFIX_DIR/lib" f
    for f in "$lib/libkv.so.$VERSION" "$lib/libkv.a" "$PREFIX_DIR/include/kv.h" "$PREFIX_DIR/include/kv.hpp" \
        "$lib/pkgconfig/kv.pc" "$lib/cmake/kv/kvConfig.cmake" "$lib/cmake/kv/kvConfigVersion.cmake"; do
        [ -f "$f" ] && [ ! -L "$f" ] || { echo "missing or not a regular file: $f"; return 1; }
    done
    [ "$(readlink "$lib/$SONAME")" = "libkv.so.$VERSION" ] || { echo "$lib/$SONAME does not link to libkv.so.$VERSION"; return 1; }
    [ "$(readlink "$lib/libkv.so")" = "$SONAME" ] || { echo "$lib/libkv.so does not link to $SONAME"; return 1; }
    cmp include/kv.h "$PREFIX_DIR/include/kv.h"
    cmp include/kv.hpp "$PREFIX_DIR/include/kv.hpp"
    local got
    got="$(soname_of "$lib/libkv.so.$VERSION")"
    [ "$got" = "$SONAME" ] || { echo "installed library has SONAME '$got', expected '$SONAME'"; return 1; }
    echo "installed: $(cd "$PREFIX_DIR" && find . -mindepth 1 \( -type f -o -type l \) | sort | tr '\n' ' ')"
    echo "SONAME: $got"

    export PKG_CONFIG_PATH="$lib/pkgconfig"
    [ "$(pkg-config --modversion kv)" = "$VERSION" ] || { echo "pkg-config --modversion kv: $(pkg-config --modversion kv)"; return 1; }
    local cflags libs static
    cflags="$(pkg-config --cflags kv | sed 's/[[:space:]]*$//')"
    libs="$(pkg-config --libs kv | sed 's/[[:space:]]*$//')"
    static="$(pkg-config --static --libs kv | sed 's/[[:space:]]*$//')"
    echo "pkg-config --cflags kv: $cflags"
    echo "pkg-config --libs kv: $libs"
    echo "pkg-config --static --libs kv: $static"
    [ "$cflags" = "-I$PREFIX_DIR/include" ] || { echo "unexpected --cflags"; return 1; }
    [[ " $libs " == *" -L$lib "* && " $libs " == *" -lkv "* ]] || { echo "unexpected --libs"; return 1; }
    [[ " $static " == *" -lpthread "* && " $static " == *" -ldl "* && " $static " == *" -lm "* ]] ||
        { echo "unexpected --static --libs"; return 1; }

    # DESTDIR staging: files under DESTDIR, paths inside them without it.
    local stage="$WORK/stage"
    make --no-print-directory install-files DESTDIR="$stage" PREFIX=/opt/kv LDCONFIG=:
    [ -f "$stage/opt/kv/lib/libkv.so.$VERSION" ] && [ -L "$stage/opt/kv/lib/$SONAME" ] &&
        [ -f "$stage/opt/kv/include/kv.hpp" ] || { echo "DESTDIR install is incomplete"; return 1; }
    grep -qx 'prefix=/opt/kv' "$stage/opt/kv/lib/pkgconfig/kv.pc" || { echo "kv.pc under DESTDIR does not say prefix=/opt/kv"; return 1; }
    make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/opt/kv LDCONFIG=:
    if [ -n "$(find "$stage" \( -type f -o -type l \))" ]; then
        echo "uninstall with DESTDIR left files:"
        find "$stage" \( -type f -o -type l \)
        return 1
    fi
    echo "DESTDIR install and uninstall: ok"
}

do_cmake_example() {
    need cmake "$CXX" readelf ldd
    [ -f "$PREFIX_DIR/lib/cmake/kv/kvConfig.cmake" ] || { echo "nothing installed (stage install)"; return 1; }
    local build="$WORK/cmake-build"
    cmake -S bindings/cpp/cmake-example -B "$build" -DCMAKE_PREFIX_PATH="$PREFIX_DIR" \
        -DCMAKE_CXX_COMPILER="$(command -v "$CXX")" -DCMAKE_BUILD_TYPE=Release
    cmake --build "$build" -j 2
    readelf -d "$build/app" | grep -q "NEEDED.*\[$SONAME\]" || { echo "app does not need $SONAME"; return 1; }
    if readelf -d "$build/app_static" | grep -q 'NEEDED.*libkv'; then
        echo "app_static needs a shared libkv"
        return 1
    fi
    local resolved
    resolved="$(ldd "$build/app" | sed -n "s/.*$SONAME => \([^ ]*\).*/\1/p")"
    echo "app: NEEDED $SONAME => $resolved"
    [ "$resolved" = "$PREFIX_DIR/lib/$SONAME" ] || { echo "app does not load kv from the install prefix"; return 1; }
    vault_env
    "$build/app"
    "$build/app_static"

    # find_package version checks: 0.x minor versions are incompatible, newer requests fail.
    local major minor req want
    IFS=. read -r major minor _ <<<"$VERSION"
    # same major.minor: found; a newer patch, the next minor (0.x) or the next major: missing
    for req in "$major.$minor:found" "$VERSION:found" "$major.$minor.999:missing" \
        "$major.$((minor + 1)):missing" "$((major + 1)).0:missing"; do
        if [ "$major" != 0 ] && [ "$req" = "$major.$((minor + 1)):missing" ]; then
            continue # from 1.0 on a newer minor is only missing because it is newer; covered above
        fi
        want="${req##*:}"
        req="${req%:*}"
        mkdir -p "$WORK/version-$req"
        cat >"$WORK/version-$req/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.14)
project(kv_version_check LANGUAGES CXX)
find_package(kv $req QUIET)
if(kv_FOUND AND TARGET kv::kv AND TARGET kv::kv_static)
  message(STATUS "kv-version-check: found \${kv_VERSION}")
else()
  message(STATUS "kv-version-check: missing")
endif()
EOF
        local out
        out="$(cmake -S "$WORK/version-$req" -B "$WORK/version-$req/build" -DCMAKE_PREFIX_PATH="$PREFIX_DIR" 2>&1 | grep 'kv-version-check' || true)"
        echo "find_package(kv $req): ${out#*: }"
        case "$want:$out" in
            found:*"found $VERSION"*) ;;
            missing:*missing*) ;;
            *) echo "find_package(kv $req) should be $want"; return 1 ;;
        esac
    done
}

do_pkgconfig() {
    need pkg-config "$CC" "$CXX"
    [ -f "$PREFIX_DIR/lib/pkgconfig/kv.pc" ] || { echo "nothing installed (stage install)"; return 1; }
    export PKG_CONFIG_PATH="$PREFIX_DIR/lib/pkgconfig"
    local flags
    read -r -a flags < <(pkg-config --cflags --libs kv)
    echo "$CC -std=c11 -Wall -Wextra -Werror bindings/cpp/pkgconfig-example/hello.c ${flags[*]}"
    "$CC" -std=c11 -Wall -Wextra -Werror bindings/cpp/pkgconfig-example/hello.c "${flags[@]}" \
        -Wl,-rpath,"$PREFIX_DIR/lib" -o "$WORK/hello"
    echo "$CXX -std=c++17 -Wall -Wextra -Werror bindings/cpp/cmake-example/main.cpp ${flags[*]}"
    "$CXX" -std=c++17 -Wall -Wextra -Werror bindings/cpp/cmake-example/main.cpp "${flags[@]}" \
        -Wl,-rpath,"$PREFIX_DIR/lib" -o "$WORK/app-pkgconfig"
    readelf -d "$WORK/hello" | grep -q "NEEDED.*\[$SONAME\]" || { echo "hello does not need $SONAME"; return 1; }
    vault_env
    "$WORK/hello"
    "$WORK/app-pkgconfig"
}

do_uninstall() {
    [ -d "$PREFIX_DIR" ] || { echo "nothing installed (stage install)"; return 1; }
    make --no-print-directory uninstall PREFIX="$PREFIX_DIR" LDCONFIG=:
    local left
    left="$(find "$PREFIX_DIR" \( -type f -o -type l \) | sort)"
    if [ -n "$left" ]; then
        echo "uninstall left files:"
        echo "$left"
        return 1
    fi
    echo "uninstall removed every installed file"
}

# ---- run -----------------------------------------------------------------------------------

echo "kv $VERSION: C++ binding and install tests (work directory $WORK)"
stage "build (make build)" do_build
stage "soname ($SONAME)" do_soname
stage "header (kv.hpp covers kv.h; -Wall -Wextra -Werror -Wpedantic, C++17/20)" do_header
stage "test: build (kv_test.cpp, -std=c++17 -Wall -Wextra -Werror)" do_test_build

printf '\n==> starting a local vault (--page-size 3)\n'
start_vault || echo "could not start the vault: the stages that need it will fail"

stage "test: run" do_test_run
stage "test: valgrind" do_test_valgrind
stage "install (make install PREFIX=<temp>)" do_install
stage "cmake example (find_package(kv), kv::kv, kv::kv_static)" do_cmake_example
stage "pkg-config (C and C++)" do_pkgconfig
stage "uninstall" do_uninstall

printf '\n==> stopping the vault\n'
stop_vault

printf '\n==> summary\n'
if [ "$FAILED" -gt 0 ]; then
    printf 'failed stages:\n'
    printf '  - %s\n' "${FAILED_STAGES[@]}"
fi
echo "stages: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
