#!/usr/bin/env bash
# Builds the coverage-guided fuzz targets in fuzz/ and runs each for a set time, then prints
# per target: executions, exec/s, corpus size and findings (crash/timeout/oom/leak files).
#
#   bash scripts/fuzz.sh [seconds-per-target] [target ...]
#
# Engine: libFuzzer (the libfuzzer-sys crate, built from source with the C++ compiler) on the
# STABLE toolchain: rustc's SanitizerCoverage pass is requested with the stable -C passes and
# -C llvm-args flags (no -Z flags, no RUSTC_BOOTSTRAP). Not part of scripts/test.sh.
# Environment: FUZZ_JOBS (targets run at once, default 2), FUZZ_TIMEOUT (seconds before one
# input counts as a hang, default 10), FUZZ_MAX_LEN (default 8192).
# Findings go to fuzz/artifacts/<target>/; the grown corpus to fuzz/corpus-run/<target>/
# (seeds, committed, in fuzz/corpus/<target>/). Exit status 1 when anything was found.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECONDS_PER_TARGET="${1:-600}"
shift || true
ALL_TARGETS=(challenge error_body jwk private_key certificate_pem page)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
JOBS="${FUZZ_JOBS:-2}"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"

# What cargo-fuzz passes, minus everything that needs nightly (-Z sanitizer flags).
export RUSTFLAGS="-Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 -Cllvm-args=-sanitizer-coverage-stack-depth \
 --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps RUSTFLAGS off build scripts and proc macros (they must not be instrumented).
bins=()
for t in "${TARGETS[@]}"; do bins+=(--bin "$t"); done
echo "fuzz: building ${TARGETS[*]} (release, instrumented, $TRIPLE)"
cargo build --release --target "$TRIPLE" "${bins[@]}"

run_one() {
    local t="$1" bin="target/$TRIPLE/release/$1"
    mkdir -p "corpus-run/$t" "artifacts/$t" corpus/"$t"
    "$bin" "corpus-run/$t" "corpus/$t" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout="${FUZZ_TIMEOUT:-10}" \
        -max_len="${FUZZ_MAX_LEN:-8192}" -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" >"artifacts/$t.log" 2>&1 || true
}

echo "fuzz: running ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET}s each, $JOBS at a time"
running=0
for t in "${TARGETS[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

found_any=0
printf '%-16s %8s %12s %9s %8s %9s\n' target seconds executions exec/s corpus findings
for t in "${TARGETS[@]}"; do
    log="artifacts/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    corpus=$(find "corpus-run/$t" -type f | wc -l)
    findings=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'slow-unit-*' \) | wc -l)
    printf '%-16s %8s %12s %9s %8s %9s\n' "$t" "${secs:-?}" "${execs:-?}" "${rate:-?}" "$corpus" "$findings"
    if [ "$findings" -gt 0 ]; then
        found_any=1
        find "artifacts/$t" -type f | sed 's/^/    finding: fuzz\//'
        grep -m1 -E "panicked at|ERROR: libFuzzer" "$log" | sed 's/^/    /' || true
    fi
done
exit "$found_any"
