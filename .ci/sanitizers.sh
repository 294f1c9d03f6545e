#!/usr/bin/env bash
# AddressSanitizer over the ryker-core tests and ThreadSanitizer over its stress tests, each one
# first proven on a planted bug (ryker-core/tests/canary.rs).
#
#   bash .ci/sanitizers.sh          # both
#   bash .ci/sanitizers.sh asan     # or: tsan
#
# Knobs: RYKER_STRESS_SCALE (ASan run, default small), RYKER_TSAN_STRESS_SCALE (default full),
# RYKER_TSAN_ROUNDS (default 3), RYKER_CI_TOOLCHAIN=bootstrap (force stable + RUSTC_BOOTSTRAP=1).
#
# Needs -Z flags: `cargo +nightly` if installed, else stable with RUSTC_BOOTSTRAP=1 (.ci/lib.sh).
# There is no rust-src, so std is the prebuilt, uninstrumented one: TSan needs
# -Cunsafe-allow-abi-mismatch=sanitizer and .ci/tsan.supp; ASan does not need the flag today but
# takes it so that a toolchain that starts to require it does not break CI.
# Each sanitizer has its own --target-dir (target/asan, target/tsan), and the canary cfg is part of
# that one build: the canaries and the real tests run from the same instrumented artifacts.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:-all}
case $mode in all | asan | tsan) ;; *) die "usage: bash .ci/sanitizers.sh [all|asan|tsan]" ;; esac

section "sanitizers: toolchain"
select_nightly_cargo
TARGET=$(host_target)
note "target: $TARGET"

run_asan() {
    local -a env=(
        RUSTFLAGS='-Zsanitizer=address -Cunsafe-allow-abi-mismatch=sanitizer --cfg ryker_canary="asan"'
        ASAN_OPTIONS='detect_leaks=1:detect_stack_use_after_return=1'
    )
    local -a cargo=("${NIGHTLY_CARGO[@]}" test -p ryker-core --target "$TARGET" --target-dir target/asan)

    section "ASan: build ryker-core tests (target/asan)"
    timed run env "${env[@]}" "${cargo[@]}" --lib --tests --no-run

    section "ASan canary: planted heap-use-after-free must be reported"
    expect_caught "ASan use-after-free" 'ERROR: AddressSanitizer: heap-use-after-free' \
        "$RYKER_LOG_DIR/asan-canary-uaf.log" -- \
        env "${env[@]}" "${cargo[@]}" --test canary -- --exact canary_asan_heap_use_after_free

    section "ASan canary: planted leak must be reported by LeakSanitizer"
    expect_caught "LSan leak" 'ERROR: LeakSanitizer: detected memory leaks' \
        "$RYKER_LOG_DIR/asan-canary-leak.log" -- \
        env "${env[@]}" "${cargo[@]}" --test canary -- --exact canary_asan_leak

    section "ASan: ryker-core unit and integration tests, canaries skipped (RYKER_STRESS_SCALE=$RYKER_STRESS_SCALE)"
    timed run env "${env[@]}" "${cargo[@]}" --lib --tests -- --skip canary_
}

run_tsan() {
    local -a env=(
        RUSTFLAGS='-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer --cfg ryker_canary="tsan"'
        TSAN_OPTIONS="suppressions=$RYKER_ROOT/.ci/tsan.supp second_deadlock_stack=1"
    )
    local -a cargo=("${NIGHTLY_CARGO[@]}" test -p ryker-core --release --target "$TARGET" --target-dir target/tsan)

    [[ -f ryker-core/tests/stress.rs ]] || die "ryker-core/tests/stress.rs is missing: TSan has nothing to check"

    section "TSan: build canary and stress tests (target/tsan, release)"
    timed run env "${env[@]}" "${cargo[@]}" --test canary --test stress --no-run

    section "TSan control: race-free std synchronisation must be clean under .ci/tsan.supp"
    run env "${env[@]}" "${cargo[@]}" --test canary -- --exact control_tsan_std_sync_is_clean

    section "TSan canary: planted data race must be reported"
    expect_caught "TSan data race" 'WARNING: ThreadSanitizer: data race' \
        "$RYKER_LOG_DIR/tsan-canary-race.log" -- \
        env "${env[@]}" "${cargo[@]}" --test canary -- --exact canary_tsan_data_race

    # Full scale takes ~5 s per round under TSan on 2 cores, so run it several times for more
    # interleavings rather than shrinking it.
    local scale=${RYKER_TSAN_STRESS_SCALE:-full} rounds=${RYKER_TSAN_ROUNDS:-3} round
    for ((round = 1; round <= rounds; round++)); do
        section "TSan: ryker-core stress tests, round $round/$rounds (RYKER_STRESS_SCALE=$scale)"
        timed run env "${env[@]}" RYKER_STRESS_SCALE="$scale" "${cargo[@]}" --test stress
    done
}

[[ $mode == tsan ]] || run_asan
[[ $mode == asan ]] || run_tsan
section "sanitizers ($mode): all passed"
