#!/usr/bin/env bash
# cargo fuzz over ryker-core (the fuzz/ crate): first the `canary` target, whose planted crash
# the fuzzer must find, then each real target for a fixed time (the targets side by side, one
# process each); any crash fails the script.
#
#   bash .ci/fuzz.sh                      # RYKER_FUZZ_SECONDS per target (default 45)
#   RYKER_FUZZ_SECONDS=600 bash .ci/fuzz.sh
#
# Needs -Z flags: `cargo +nightly` if installed, else stable with RUSTC_BOOTSTRAP=1 (.ci/lib.sh).
# Installs cargo-fuzz (`cargo install cargo-fuzz --locked`) when it is missing. Builds go to
# target/fuzz; corpora to fuzz/corpus/<target> and crash inputs to fuzz/artifacts/<target>
# (both git-ignored), so local runs keep growing the corpus.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_PER_TARGET=${RYKER_FUZZ_SECONDS:-45}
TARGETS=(ring_vs_vecdeque config)

section "fuzz: tools"
if ! cargo fuzz --version >/dev/null 2>&1; then
    note "cargo-fuzz not found; installing it"
    timed run cargo install cargo-fuzz --locked
fi
note "$(cargo fuzz --version)"
select_nightly_cargo
FUZZ=("${NIGHTLY_CARGO[@]}" fuzz)
BUILD_DIR="$RYKER_ROOT/target/fuzz"

section "fuzz canary: the fuzzer must find the planted crash (fresh corpus, 120 s at most)"
canary_dir="$BUILD_DIR/canary-run"
rm -rf "$canary_dir"
mkdir -p "$canary_dir/corpus" "$canary_dir/artifacts"
timed run "${FUZZ[@]}" build --target-dir "$BUILD_DIR" canary
expect_caught "fuzz canary" 'fuzz canary reached' "$RYKER_LOG_DIR/fuzz-canary.log" -- \
    "${FUZZ[@]}" run --target-dir "$BUILD_DIR" canary "$canary_dir/corpus" -- \
    -max_total_time=120 -artifact_prefix="$canary_dir/artifacts/"
grep -aE -m1 'libFuzzer: deadly signal' "$RYKER_LOG_DIR/fuzz-canary.log" >/dev/null ||
    die "fuzz canary: the panic did not end the run as a libFuzzer crash"

for target in "${TARGETS[@]}"; do
    section "fuzz: build $target"
    timed run "${FUZZ[@]}" build --target-dir "$BUILD_DIR" "$target"
done

# libFuzzer runs one process per target (no -jobs/-workers here): on two cores the targets run
# side by side, each for the full time, and each log is printed after both have ended.
section "fuzz: ${TARGETS[*]} for ${SECONDS_PER_TARGET}s each, side by side (RYKER_FUZZ_JOBS=1: one after the other)"
fuzz_target() {
    "${FUZZ[@]}" run --target-dir "$BUILD_DIR" "$1" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -print_final_stats=1
}
declare -A pids=()
failed=()
start=$SECONDS
for target in "${TARGETS[@]}"; do
    log="$RYKER_LOG_DIR/fuzz-$target.log"
    if ((${RYKER_FUZZ_JOBS:-2} > 1)); then
        fuzz_target "$target" >"$log" 2>&1 &
        pids[$target]=$!
        note "fuzz $target: pid ${pids[$target]}, log $log"
    else
        fuzz_target "$target" >"$log" 2>&1 || failed+=("$target")
    fi
done
for target in "${TARGETS[@]}"; do
    rc=0
    if [[ -n ${pids[$target]:-} ]]; then
        wait "${pids[$target]}" || rc=$?
        ((rc == 0)) || failed+=("$target")
    fi
    printf '\n-------- fuzz %s: output --------\n' "$target"
    cat "$RYKER_LOG_DIR/fuzz-$target.log"
done
note "took $((SECONDS - start))s"
((${#failed[@]} == 0)) || die "fuzzing found a crash (or failed to run) in: ${failed[*]} (logs: $RYKER_LOG_DIR/fuzz-<target>.log)"
section "fuzz: all targets ran without a crash"
