#!/usr/bin/env bash
# Runs every test of kv, stage by stage, and ends with one summary line counting TESTS,
# `N passed, M failed, K skipped`, gathered from each stage's runner (scripts/count_tests.py:
# cargo test, pytest, go test, the C++ kv_test, each C example run counted as one test; a stage
# with no runner of its own, e.g. the header check or parity, counts as one test). The exit status
# is non-zero when a test or a stage failed, or when a test was skipped and skips are not allowed
# (KV_ALLOW_SKIPS=1, e.g. against an external vault that lacks a feature). Every stage runs even
# when an earlier one failed.
#
#   bash scripts/test.sh
#
# Stages:
#   1. cargo test --all-targets     Rust unit and integration tests (they start their own
#                                   testvault on free ports, or use KV_TEST_VAULT_URL/_CA)
#   1b. rustfmt and clippy gates    cargo fmt --check (also fuzz/), cargo clippy --all-targets
#                                   -- -D warnings
#   1c. layering                    scripts/check_layers.py: no import from a lower layer of src/ to a
#                                   higher one, no import cycle (docs/architecture.md)
#   2. header check                 include/kv.h as checked out (copied before any stage built) and
#                                   as on disk equal what the sources generate (no git needed)
#   3. pytest tools/testvault       tests of the local stand-in vault
#   4. C examples: build            cargo build --release, make -C examples-c
#   5. C examples: run              start a local vault, run quickstart, errors, sign_verify,
#                                   encrypt_decrypt and quickstart_default (default credential,
#                                   managed identity from the vault's token endpoint) against it
#   6. C examples: valgrind         each once more under valgrind (leaks and memory errors fail)
#   6b. ASan+UBSan                  the C examples and the C++ binding tests built with
#                                   -fsanitize=address,undefined, run against a vault
#   7. Python binding               bindings/python/run_tests.sh (pip install, mypy --strict, pytest)
#   8. Go binding                   bindings/go/run_tests.sh (go vet, go test -race, cgocheck2)
#   9. C++ binding and install      bindings/cpp/run_tests.sh (kv.hpp tests, valgrind, make install,
#                                   CMake find_package and pkg-config consumers)
#  10. parity                       scripts/parity.py: every kv_client_* of kv.h in every binding
#      independent vault (emulator)  in CI (where ../shared/vault-emulators exists; elsewhere one
#                                   "stage skipped" line): C examples, tests/emulator.rs and the
#                                   Python and Go tests (and their credential tests, with
#                                   azure-identity and azidentity) against the emulators, with real tokens
#                                   (KV_EMU_STATE_DIR, KV_EMU_*_PORT: another emulator instance)

#  11-14. install and README        scripts/test_install.sh c | python | go | readme: README's C
#                                   recipes, the wheel (scripts/build_wheel.sh) in a fresh venv
#                                   without cargo, a Go program outside the repository against an
#                                   installed prefix, the demo and every README command
#  15. API reference                scripts/gen_api_docs.py --check: docs/api/kv.md is current
#
# Environment:
#   KV_VAULT_IMPL=lowkey              use Lowkey Vault for the C examples and, through
#                                     KV_TEST_VAULT_URL/KV_TEST_VAULT_CA, for the Rust tests
#   KV_TEST_VAULT_URL, KV_TEST_VAULT_CA  run everything against that vault instead (nothing started)
#   KV_VAULT_PORT, KV_VAULT_HTTP_PORT ports for the vault this script starts (default: free ports;
#                                     Lowkey Vault: 8443 and 8080)
#   KV_ALLOW_SKIPS=1                  a skipped test does not fail the run (it is still counted)
#   KV_EXPECT_AES=1                   make examples-c/encrypt_decrypt require AES (oct-HSM) keys
#                                     instead of skipping them; always set for the local stand-in
#                                     vault, which supports them
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
VAULT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kv-test-vault.XXXXXX")"
VAULT_ENV="$VAULT_DIR/env.sh"
# include/kv.h as checked out, before any stage's build regenerates it (build.rs copies the header
# it generates to include/): the header check compares this copy too, so a stale committed header
# is caught without asking git.
HEADER_CHECKED_OUT="$VAULT_DIR/kv.h.checked-out"
cp include/kv.h "$HEADER_CHECKED_OUT" 2>/dev/null || true
VALGRIND=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    "--suppressions=$ROOT/examples-c/valgrind.supp")

PASSED=0
FAILED=0
FAILED_STAGES=()
TESTS_PASSED=0
TESTS_FAILED=0
TESTS_SKIPPED=0
SKIPPING_STAGES=()
# Stages whose skips are expected and named, with the reason: they are counted and listed but do
# not fail the run. Every other skip fails it (unless KV_ALLOW_SKIPS=1).
declare -A SKIPS_EXPECTED=(
    ["independent vault (emulator)"]="the emulator lacks oct-HSM keys, P-256K keys and HSM attestation/release, and the binding tests of the stand-in's own token endpoints and delete delay run against the stand-in only; each skip names its reason"
)
UNEXPECTED_SKIPS=0

cleanup() {
    if [ -f "$VAULT_DIR/vault.pid" ]; then
        printf '\n==> stopping the vault\n'
        scripts/vault.sh stop "$VAULT_DIR" 2>&1 || true
    fi
    rm -rf "$VAULT_DIR"
}
trap cleanup EXIT

# stage NAME COMMAND...: runs COMMAND in a subshell with `set -e` in force (so its first failing
# command fails the stage), prints its outcome and counts it, and adds up the tests its output
# reports (a stage that reports none counts as one test; a failed stage whose output reports no
# failed test counts one failed test more).
stage() {
    local name="$1" rc counts p f k
    shift
    printf '\n==> stage: %s\n' "$name"
    set +e
    (
        set -euo pipefail
        "$@"
    ) 2>&1 | tee "$VAULT_DIR/stage.out"
    rc=${PIPESTATUS[0]}
    set -e
    counts="$(python3 scripts/count_tests.py "$VAULT_DIR/stage.out" 2>/dev/null || echo "0 0 0")"
    read -r p f k <<<"$counts"
    if [ $((p + f + k)) -eq 0 ]; then
        if [ "$rc" -eq 0 ]; then p=1; else f=1; fi
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    TESTS_PASSED=$((TESTS_PASSED + p))
    TESTS_FAILED=$((TESTS_FAILED + f))
    TESTS_SKIPPED=$((TESTS_SKIPPED + k))
    if [ "$k" -gt 0 ]; then
        if [ -n "${SKIPS_EXPECTED[$name]:-}" ]; then
            SKIPPING_STAGES+=("$name: $k skipped, expected: ${SKIPS_EXPECTED[$name]}")
        else
            SKIPPING_STAGES+=("$name: $k skipped")
            UNEXPECTED_SKIPS=$((UNEXPECTED_SKIPS + k))
        fi
    fi
    printf -- '--> tests: %d passed, %d failed, %d skipped\n' "$p" "$f" "$k"
    if [ "$rc" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        printf -- '--> %s: passed\n' "$name"
    else
        FAILED=$((FAILED + 1))
        FAILED_STAGES+=("$name")
        printf -- '--> %s: FAILED (exit status %d)\n' "$name" "$rc"
    fi
}

# Prints two distinct free loopback ports.
free_ports() {
    python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()'
}

# The vault for the C examples (and, with Lowkey Vault, for the Rust tests).
start_vault() {
    if [ -n "${KV_TEST_VAULT_URL:-}" ]; then
        echo "using the vault in KV_TEST_VAULT_URL: $KV_TEST_VAULT_URL"
        {
            printf 'export KV_VAULT_URL=%q\n' "$KV_TEST_VAULT_URL"
            printf 'export KV_CA_FILE=%q\n' "${KV_TEST_VAULT_CA:-}"
        } >"$VAULT_ENV"
        return 0
    fi
    if [ "${KV_VAULT_IMPL:-testvault}" != lowkey ]; then
        # Free ports unless given, so a vault already running on 8443/8080 does not get in the way.
        local ports
        read -r -a ports < <(free_ports) || return 1
        export KV_VAULT_PORT="${KV_VAULT_PORT:-${ports[0]}}"
        export KV_VAULT_HTTP_PORT="${KV_VAULT_HTTP_PORT:-${ports[1]}}"
    fi
    scripts/vault.sh start "$VAULT_DIR" >"$VAULT_ENV.tmp" || return 1
    mv "$VAULT_ENV.tmp" "$VAULT_ENV" || return 1
    cat "$VAULT_ENV"
}

run_cargo_test() {
    cargo test --all-targets
}

# The style gates: rustfmt (rustfmt.toml) for the crate and the fuzz/ workspace, and clippy with
# every warning an error.
run_style_gates() {
    cargo fmt --check
    (cd fuzz && cargo fmt --check)
    cargo clippy --all-targets -- -D warnings
    echo "rustfmt and clippy: clean"
}

# Prints the OUT_DIR where build.rs wrote the generated kv.h (of the debug build).
generated_header_dir() {
    local id
    id="$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["packages"][0]["id"])')"
    cargo build --message-format=json | python3 -c '
import json, sys
pkg = sys.argv[1]
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "build-script-executed" and msg.get("package_id") == pkg:
        print(msg["out_dir"])
' "$id"
}

check_header() {
    # The build (stage 1, or this one) generates kv.h into its OUT_DIR and copies it to
    # include/kv.h when it changed. Compare the generated header with the copy taken before any
    # stage built (the committed header, in a fresh checkout) and with include/kv.h now (a header
    # edited by hand, or left stale by a cached build). No git involved: works in a source tarball.
    local out ok=1
    out="$(generated_header_dir)"
    [ -n "$out" ] && [ -f "$out/kv.h" ] || { echo "the build did not report where it generated kv.h"; return 1; }
    if [ ! -f "$HEADER_CHECKED_OUT" ]; then
        echo "include/kv.h did not exist when the tests started: build, then commit include/kv.h"
        ok=0
    elif ! cmp -s "$HEADER_CHECKED_OUT" "$out/kv.h"; then
        diff -u "$HEADER_CHECKED_OUT" "$out/kv.h" | head -n 120 || true
        echo "include/kv.h as checked out differs from the header the sources generate ($out/kv.h; diff above, first 120 lines):"
        echo "the build has updated include/kv.h: commit it"
        ok=0
    fi
    if ! cmp -s include/kv.h "$out/kv.h"; then
        diff -u include/kv.h "$out/kv.h" | head -n 120 || true
        echo "include/kv.h differs from the header the sources generate ($out/kv.h; diff above, first 120 lines):"
        echo "update it (cp '$out/kv.h' include/kv.h) and commit it"
        ok=0
    fi
    [ "$ok" -eq 1 ] || return 1
    echo "include/kv.h (as checked out and as on disk) matches the sources"
}

run_pytest() {
    python3 -m pytest -q tools/testvault
}

build_examples() {
    cargo build --release
    make -C examples-c CARGO_TARGET_DIR="$TARGET_DIR" PROFILE=release
}

EXAMPLES=(quickstart errors sign_verify encrypt_decrypt quickstart_default certificates)

# Fails unless every C example was built.
examples_built() {
    local ex
    for ex in "${EXAMPLES[@]}"; do
        [ -x "examples-c/$ex" ] || { echo "the C examples were not built (examples-c/$ex is missing)"; return 1; }
    done
}

# The local stand-in vault supports oct-HSM keys, so there encrypt_decrypt must not skip AES.
# Lowkey Vault and vaults given in KV_TEST_VAULT_URL keep KV_EXPECT_AES as the caller set it.
set_expect_aes() {
    if [ -z "${KV_TEST_VAULT_URL:-}" ] && [ "${KV_VAULT_IMPL:-testvault}" = testvault ]; then
        export KV_EXPECT_AES=1
    fi
}

# Runs one C example, after the command prefix given (e.g. valgrind and its options).
# quickstart_default authenticates with the default credential chain; for a vault this script
# started, managed identity is pointed at that vault's plain-HTTP token endpoint (IMDS is plain
# HTTP by nature: http://169.254.169.254). With a vault given in KV_TEST_VAULT_URL the chain uses
# whatever the environment configures.
run_example() {
    local ex="$1"
    shift
    if [ "$ex" = quickstart ] && local_testvault; then
        "$@" "examples-c/$ex" || return
        reached_as "/secrets/quickstart-" "/secrets/quickstart-default-" dev
        return
    fi
    if [ "$ex" != quickstart_default ]; then
        "$@" "examples-c/$ex"
        return
    fi
    local mi_port
    if [ "${KV_VAULT_IMPL:-testvault}" = lowkey ]; then
        mi_port=8080
    elif [ -z "${KV_TEST_VAULT_URL:-}" ]; then
        mi_port="${KV_VAULT_HTTP_PORT:-8080}"
    else
        "$@" "examples-c/$ex"
        return
    fi
    env -u AZURE_TOKEN_CREDENTIALS -u IDENTITY_ENDPOINT -u IDENTITY_HEADER \
        AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$mi_port" "$@" "examples-c/$ex" || return
    if local_testvault; then
        reached_as "/secrets/quickstart-default-" "" "mi:imds:system"
    fi
}

# True when the C examples run against the local stand-in vault this script started.
local_testvault() {
    [ -z "${KV_TEST_VAULT_URL:-}" ] && [ "${KV_VAULT_IMPL:-testvault}" = testvault ]
}

# reached_as PATH_PART EXCLUDE SUBJECT: the stand-in vault's auth log shows requests on paths
# containing PATH_PART (and not EXCLUDE), and every one it accepted carried a token of SUBJECT:
# which credential reached the vault, not just that some token did.
reached_as() {
    python3 - "${KV_VAULT_HTTP_PORT:-8080}" "$1" "$2" "$3" <<'PY'
import json, sys, urllib.parse, urllib.request
port, part, exclude, subject = sys.argv[1:]
url = "http://127.0.0.1:%s/testvault/auth-log?path=%s" % (port, urllib.parse.quote(part, safe=""))
with urllib.request.urlopen(url, timeout=10) as r:
    entries = [e for e in json.load(r)["entries"] if not (exclude and exclude in e["path"])]
accepted = [e for e in entries if e["status"] != 401]
wrong = [e for e in accepted if e["subject"] != subject]
if not accepted or wrong:
    sys.exit("the vault did not see only %s on %s: %d accepted, other subjects: %s"
             % (subject, part, len(accepted), sorted({str(e["subject"]) for e in wrong})))
print("the vault saw %d requests on %s*, all authenticated as %s" % (len(accepted), part, subject))
PY
}

# run_each LABEL PREFIX...: runs every C example (after PREFIX), each counted as one test: passed,
# failed, or skipped when it reports a part it skipped (encrypt_decrypt without AES support).
# Prints "LABEL: N passed, M failed, K skipped"; fails when one failed.
run_each() {
    local label="$1" ex out p=0 f=0 k=0
    shift
    out="$(mktemp)"
    for ex in "${EXAMPLES[@]}"; do
        echo "--- $label examples-c/$ex"
        if run_example "$ex" "$@" 2>&1 | tee "$out"; then
            if grep -q "AES skipped" "$out"; then k=$((k + 1)); else p=$((p + 1)); fi
        else
            f=$((f + 1))
            echo "--- examples-c/$ex FAILED"
        fi
    done
    rm -f "$out"
    echo "$label: $p passed, $f failed, $k skipped"
    [ "$f" -eq 0 ]
}

run_examples() {
    examples_built
    # shellcheck disable=SC1090
    . "$VAULT_ENV"
    set_expect_aes
    run_each "C examples"
}

run_valgrind() {
    command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed (apt-get install valgrind)"; return 1; }
    [ -f "$VAULT_ENV" ] || { echo "no vault is running (see the previous stage)"; return 1; }
    examples_built
    # shellcheck disable=SC1090
    . "$VAULT_ENV"
    set_expect_aes
    run_each "valgrind C examples" "${VALGRIND[@]}"
}

# Stage "independent vault (emulator)": kv against ../shared/vault-emulators (a Key Vault emulator
# that validates real tokens from an identity-platform emulator; neither written for kv). Reuses
# running emulators; stops at the end only those this stage started. Runs the C examples
# (client-secret credential through the identity platform), tests/emulator.rs (ignored in
# `cargo test --all-targets`; client secret, managed identity, wrong secret, forged token, wrong
# audience, secrets, keys, crypto) and the Python and Go binding tests (a token from the identity
# platform in KV_TOKEN). Where the emulator departs from the service (its README) the tests adapt.
EMULATORS="$ROOT/../shared/vault-emulators"
run_emulator_stage() {
    # Globals of the stage's subshell (the EXIT trap reads them; nothing leaks to other stages).
    EMU_STATE="${KV_EMU_STATE_DIR:-/tmp/kv-vault-emulators}"
    EMU_WAS_UP=""
    local ep="${KV_EMU_ENTRA_PORT:-9443}" vp="${KV_EMU_VAULT_PORT:-8444}" p
    # Which emulators already run (the checks start.sh makes): those are left running.
    curl -s -o /dev/null --max-time 2 -k "https://localhost:$ep/health" && EMU_WAS_UP+=" entra"
    curl -s -o /dev/null --max-time 2 -k "https://127.0.0.1:$vp/health" && EMU_WAS_UP+=" vault"
    # The stage runs in a subshell: this EXIT trap stops what the stage started (also when
    # start.sh fails half-way), nothing else.
    trap stop_started_emulators EXIT
    local env_out
    env_out="$(bash "$EMULATORS/start.sh" "$EMU_STATE")"
    eval "$env_out"
    for p in entra vault; do
        [[ "$EMU_WAS_UP" == *" $p"* ]] || echo "started the $p emulator: it is stopped when this stage ends"
    done
    [ -n "$EMU_WAS_UP" ] && [[ "$EMU_WAS_UP" == *entra* && "$EMU_WAS_UP" == *vault* ]] &&
        echo "reusing the running emulators (left running)"
    echo "vault $KV_EMU_VAULT_URL, identity platform $KV_EMU_AUTHORITY_HOST"

    cargo build --release
    make -C examples-c CARGO_TARGET_DIR="$TARGET_DIR" PROFILE=release
    examples_built
    local ex
    for ex in quickstart errors sign_verify encrypt_decrypt; do
        echo "--- examples-c/$ex (client-secret credential through the identity platform)"
        env -u KV_TOKEN -u KV_EXPECT_AES -u KV_VERIFY_CHALLENGE_RESOURCE KV_VAULT_URL="$KV_EMU_VAULT_URL" \
            KV_CA_FILE="$KV_EMU_CA_FILE" AZURE_AUTHORITY_HOST="$KV_EMU_AUTHORITY_HOST" \
            AZURE_TENANT_ID="$KV_EMU_TENANT_ID" AZURE_CLIENT_ID="$KV_EMU_CLIENT_ID" \
            AZURE_CLIENT_SECRET="$KV_EMU_CLIENT_SECRET" KV_DISABLED_SECRET_FORBIDDEN=1 "examples-c/$ex"
    done
    # The default credential has no CA option: SSL_CERT_FILE (read by rustls-native-certs) makes
    # its token requests trust the identity platform; the chain is narrowed to managed identity.
    echo "--- examples-c/quickstart_default (managed identity through the App Service endpoint)"
    env -u KV_TOKEN -u KV_VERIFY_CHALLENGE_RESOURCE -u AZURE_TENANT_ID -u AZURE_CLIENT_ID -u AZURE_CLIENT_SECRET \
        -u AZURE_CLIENT_CERTIFICATE_PATH -u AZURE_FEDERATED_TOKEN_FILE -u AZURE_POD_IDENTITY_AUTHORITY_HOST \
        AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential IDENTITY_ENDPOINT="$KV_EMU_IDENTITY_ENDPOINT" \
        IDENTITY_HEADER="$KV_EMU_IDENTITY_HEADER" SSL_CERT_FILE="$KV_EMU_CA_FILE" KV_VAULT_URL="$KV_EMU_VAULT_URL" \
        KV_CA_FILE="$KV_EMU_CA_FILE" examples-c/quickstart_default

    local out suite
    for suite in "emulator" "vault_certificates emulator_"; do
        # shellcheck disable=SC2086 # the suite is a test target and an optional name filter
        set -- $suite
        echo "--- cargo test --features emulator-tests --test $*"
        out="$(cargo test --features emulator-tests --test "$@" 2>&1)" || { echo "$out"; return 1; }
        echo "$out" | grep -E '^test |^test result'
        # Every test of the suite ran (none ignored away) and at least one did.
        echo "$out" | grep -qE '^test result: ok\. [1-9][0-9]* passed; 0 failed; 0 ignored' ||
            { echo "tests/$1.rs did not run its emulator tests"; return 1; }
    done

    # The binding suites present a token from the identity platform (client credentials grant).
    local token
    token="$(curl -sS --max-time 20 --cacert "$KV_EMU_CA_FILE" -d grant_type=client_credentials \
        -d "client_id=$KV_EMU_CLIENT_ID" -d "client_secret=$KV_EMU_CLIENT_SECRET" \
        -d scope=https://vault.azure.net/.default \
        "$KV_EMU_AUTHORITY_HOST/$KV_EMU_TENANT_ID/oauth2/v2.0/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
    [ -n "$token" ] || { echo "no token from the identity platform"; return 1; }
    echo "--- Python binding against the emulator"
    env -u KV_VERIFY_CHALLENGE_RESOURCE KV_TEST_VAULT_URL="$KV_EMU_VAULT_URL" KV_TEST_VAULT_CA="$KV_EMU_CA_FILE" \
        KV_TOKEN="$token" KV_TEST_VAULT_EMULATOR=1 bash bindings/python/run_tests.sh
    echo "--- Python binding credentials against the emulator (bindings/python/tests/emulator_credentials.py)"
    "${KV_PY_VENV:-$ROOT/bindings/python/.venv}/bin/python" -m pytest -p no:cacheprovider \
        bindings/python/tests/emulator_credentials.py
    echo "--- Go binding against the emulator (with its credential tests: -tags kv_emulator, emulator_test.go)"
    env -u KV_VERIFY_CHALLENGE_RESOURCE KV_TEST_VAULT_URL="$KV_EMU_VAULT_URL" KV_TEST_VAULT_CA="$KV_EMU_CA_FILE" \
        KV_TOKEN="$token" KV_TEST_VAULT_EMULATOR=1 KV_GO_EXTRA_TAGS=kv_emulator bash bindings/go/run_tests.sh
    echo "--- Go adapter for Azure SDK credentials with azidentity (bindings/go/azadapter, its own module)"
    KV_GO_EXTRA_TAGS=kv_emulator bash bindings/go/azadapter/run_tests.sh
}

# Stops the emulators the emulator stage started (its EXIT trap), by their pid files, and only a
# process that runs the emulator binary of that state directory (a pid file may be stale).
# (Not `start.sh stop`: it stops at the first pid file whose process is gone.)
stop_started_emulators() {
    local p pid
    for p in entra vault; do
        [[ "$EMU_WAS_UP" == *" $p"* ]] && continue
        [ -f "$EMU_STATE/$p.pid" ] || continue
        pid="$(cat "$EMU_STATE/$p.pid")"
        if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$EMU_STATE/bin/$p"; then
            kill "$pid" 2>/dev/null || true
            echo "stopped the $p emulator (pid $pid)"
        fi
        rm -f "$EMU_STATE/$p.pid"
    done
    return 0
}

# The C examples and the C++ binding tests (bindings/cpp/tests/kv_test.cpp) built with
# AddressSanitizer (LeakSanitizer included) and UndefinedBehaviorSanitizer, each run once against
# a vault: the examples against this script's vault, kv_test against one with 3 items per page
# (as in bindings/cpp/run_tests.sh), so that its iterators cross pages. kv's Rust code is not
# instrumented (that needs a nightly compiler), but its allocations go through malloc, so a
# double free, use after free or leak of kv's objects by C or C++ code is caught.
# examples-c/sanitizers.supp is where a leak report that is not ours would be suppressed, with
# its reason (none is needed today).
run_sanitizers() {
    [ -f "$VAULT_ENV" ] || { echo "no vault is running (see the earlier stages)"; return 1; }
    [ -f "$TARGET_DIR/release/libkv.a" ] || { echo "$TARGET_DIR/release/libkv.a is missing (stage C examples: build)"; return 1; }
    local dir="$VAULT_DIR/sanitize" ex url i rc=0
    local san=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g -O1)
    local libs=("$TARGET_DIR/release/libkv.a" -lpthread -ldl -lm)
    mkdir -p "$dir/examples-c" "$dir/vault"
    for ex in "${EXAMPLES[@]}"; do
        cc -std=c11 -Wall -Wextra -Werror "${san[@]}" -Iinclude "examples-c/$ex.c" "${libs[@]}" -o "$dir/examples-c/$ex"
    done
    # -Wno-maybe-uninitialized: with -fsanitize GCC 12 reports kv::Result<T>::status() as reading
    # the Error alternative of a variant that holds a T, which it reads only when index() is 1.
    g++ -std=c++17 -Wall -Wextra -Werror -Wno-maybe-uninitialized "${san[@]}" -Iinclude bindings/cpp/tests/kv_test.cpp "${libs[@]}" -o "$dir/kv_test"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=98:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
    export LSAN_OPTIONS="suppressions=$ROOT/examples-c/sanitizers.supp:print_suppressions=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=97"
    # shellcheck disable=SC1090
    . "$VAULT_ENV"
    set_expect_aes
    for ex in "${EXAMPLES[@]}"; do
        echo "--- ASan+UBSan examples-c/$ex"
        (cd "$dir" && run_example "$ex")
    done
    if [ -n "${KV_TEST_VAULT_URL:-}" ]; then
        url="$KV_TEST_VAULT_URL"
    else
        # The vault accepts only tokens it issued or was seeded with (as in bindings/cpp/run_tests.sh).
        local token app_secret
        token="san-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
        app_secret="app-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
        python3 tools/testvault/testvault.py --port 0 --http-port 0 --state-dir "$dir/vault" --page-size 3 \
            --seed-token "cpp-tests=$token" --app "cpp-app=$app_secret" </dev/null >"$dir/vault/stdout" 2>"$dir/vault/log" &
        local vault_pid=$!
        # shellcheck disable=SC2064 # the pid is meant to be expanded now
        trap "kill $vault_pid 2>/dev/null || true" EXIT
        for ((i = 0; i < 120; i++)); do
            url="$(sed -n 's/^testvault ready \(https:\/\/[^ ]*\).*/\1/p' "$dir/vault/stdout")"
            [ -n "$url" ] && break
            kill -0 "$vault_pid" 2>/dev/null || { tail -n 20 "$dir/vault/log"; return 1; }
            sleep 0.25
        done
        [ -n "$url" ] || { echo "the page-size-3 vault did not start"; return 1; }
        export KV_CA_FILE="$dir/vault/ca.pem" KV_TEST_PAGE_SIZE=3 KV_TOKEN="$token" KV_TEST_APP_SECRET="$app_secret" KV_EXPECT_AES=1
        export KV_TEST_IDENTITY_ENDPOINT="http://127.0.0.1:$(cat "$dir/vault/testvault.http-port")/msi/token"
    fi
    echo "--- ASan+UBSan kv_test (C++ binding) against $url"
    KV_VAULT_URL="$url" "$dir/kv_test" || rc=$?
    return "$rc"
}

# With Lowkey Vault (or a given vault) the Rust tests run against the same vault as the C examples.
VAULT_TRIED=0
if [ "${KV_VAULT_IMPL:-testvault}" = lowkey ] || [ -n "${KV_TEST_VAULT_URL:-}" ]; then
    printf '\n==> starting the vault for all stages (KV_VAULT_IMPL=%s)\n' "${KV_VAULT_IMPL:-testvault}"
    VAULT_TRIED=1
    if start_vault; then
        # shellcheck disable=SC1090
        . "$VAULT_ENV"
        export KV_TEST_VAULT_URL="$KV_VAULT_URL" KV_TEST_VAULT_CA="$KV_CA_FILE"
    else
        echo "could not start the vault: the stages that need it will fail"
    fi
fi

stage "cargo test --all-targets" run_cargo_test
stage "rustfmt and clippy gates (cargo fmt --check, cargo clippy --all-targets -D warnings)" run_style_gates
stage "layering of src/ (scripts/check_layers.py)" python3 scripts/check_layers.py
stage "header check (include/kv.h committed as generated)" check_header
stage "pytest tools/testvault" run_pytest
stage "C examples: build (cargo build --release, make -C examples-c)" build_examples
if [ "$VAULT_TRIED" -eq 0 ]; then
    printf '\n==> starting a local vault for the C examples\n'
    start_vault || echo "could not start the local vault: the C example stages will fail"
fi
stage "C examples: run ${EXAMPLES[*]}" run_examples
stage "C examples: valgrind (${EXAMPLES[*]})" run_valgrind
stage "ASan+UBSan: C examples and C++ binding tests" run_sanitizers
stage "Python binding (pytest, mypy --strict)" bash bindings/python/run_tests.sh
stage "Go binding (go vet, go test -race, cgocheck2)" bash bindings/go/run_tests.sh
if [ -d "$EMULATORS" ]; then stage "independent vault (emulator)" run_emulator_stage; else echo "==> stage skipped: independent vault (emulator): $EMULATORS does not exist (it does in CI)"; fi
stage "C++ binding, make install, CMake and pkg-config consumers" bash bindings/cpp/run_tests.sh
stage "binding parity with kv.h" python3 scripts/parity.py
stage "install: README's C recipes (shared, static), make install layout, pkg-config" bash scripts/test_install.sh c
stage "install: manylinux wheel into a fresh venv without cargo, Python quickstart" bash scripts/test_install.sh python
stage "install: Go program outside the repository against an installed prefix" bash scripts/test_install.sh go
stage "README: demo, commands by hand, every shell command tested" bash scripts/test_install.sh readme
stage "API reference docs/api/kv.md current with kv.h" python3 scripts/gen_api_docs.py --check

# Stop the vault now so that the summary line is the last line printed.
cleanup
trap - EXIT

printf '\n==> summary\n'
echo "stages: $PASSED passed, $FAILED failed"
if [ "$FAILED" -gt 0 ]; then
    printf 'failed stages:\n'
    printf '  - %s\n' "${FAILED_STAGES[@]}"
fi
SKIPS_FAIL=0
if [ "$TESTS_SKIPPED" -gt 0 ]; then
    printf 'stages with skipped tests:\n'
    printf '  - %s\n' "${SKIPPING_STAGES[@]}"
    if [ "$UNEXPECTED_SKIPS" -eq 0 ]; then
        echo "every skipped test is an expected one (listed above with its reason)"
    elif [ "${KV_ALLOW_SKIPS:-0}" = 1 ]; then
        echo "skipped tests are allowed (KV_ALLOW_SKIPS=1)"
    else
        SKIPS_FAIL=1
        echo "skipped tests fail the run: find why they skipped above, or set KV_ALLOW_SKIPS=1 to allow them"
    fi
fi
echo "$TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
[ "$FAILED" -eq 0 ] && [ "$TESTS_FAILED" -eq 0 ] && [ "$SKIPS_FAIL" -eq 0 ]
