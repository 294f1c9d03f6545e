#!/usr/bin/env bash
# Miri over ryker-core's unit and integration tests: once under Stacked Borrows (Miri's default
# aliasing model), once under Tree Borrows (-Zmiri-tree-borrows); each run first proven on planted
# bugs (ryker-core/tests/canary.rs, cfg ryker_canary="miri"). Miri also checks data races on
# every non-atomic access, memory leaks, and uninitialised or dangling reads; the data-race and
# leak canaries run with the Stacked Borrows run.
#
#   bash .ci/miri.sh          # both, in parallel (Miri is single-threaded); logs in target/ci-logs
#   bash .ci/miri.sh sb       # or: tb
#
# Needs a nightly toolchain with the miri and rust-src components. When they are missing the
# script installs them (rustup toolchain install nightly --profile minimal; rustup component
# add miri rust-src --toolchain nightly); when that fails it prints a MIRI UNAVAILABLE banner and
# FAILS the step: a CI that silently lost its Miri run would look exactly like one that passed.
# (Unlike the sanitizers, there is no stable + RUSTC_BOOTSTRAP fallback: Miri ships on nightly
# only.)
#
# What runs: `cargo +nightly miri test -p ryker-core --features amnesia --lib --tests`, then (SB)
# the actor module's doc examples (`--doc -- src/actor/`): the unit tests (src/**,
# ring/tests.rs) and every integration test in ryker-core/tests, with the amnesia feature so
# that the slot-wiping unsafe code runs too (it only adds code; the plain paths are the same).
# The Tree Borrows run leaves out the ported peer suites (tests/peer_*.rs). The tests shrink
# themselves under cfg(miri) (loop counts, proptest cases, the stress scale in
# tests/common/mod.rs), each size chosen so that the smaller run still takes every unsafe path
# the native size does (the reason is at each site). Both runs go in parallel; the step took
# 424 s in a quiet CI run on 2 cores on 2026-12-07 with every doc test under SB and the peer
# suites under both (SB 277 s of tests and 86 s of doc tests, TB 383 s), which is why the two
# cuts below were made.
#   - Isolation stays on (no -Zmiri-disable-isolation): no test needs the host's file system or
#     environment under Miri (its clock is Miri's virtual one).
#   - One seed per run (no -Zmiri-many-seeds): the TB run uses a different scheduling and
#     weak-memory seed from the SB run, so the two runs also explore two interleavings.
#   - The TB run adds -Zmiri-strict-provenance (no integer-to-pointer casts anywhere; free).
#   - The actor module's doc tests run too (`--doc`, a separate invocation), under Stacked
#     Borrows only: they are the only Miri coverage of the actor run loop, and the Tree Borrows
#     run, the longer of the two, would set the step's time with them. The other doc examples
#     (the ring's, the mailbox's, the errors') run natively only: their paths are the unit and
#     integration tests' paths, and under Miri they cost about 55 s.
#   - The ported peer suites (tests/peer_*.rs: tokio's, crossfire's, futures-channel's and
#     other channels' tests run against ryker's API) run under Stacked Borrows only: they took
#     about 145 s of the Tree Borrows run (383 s with them, 238 s without, in CI runs), for
#     suites written against the same public API as ryker's own tests.
#   - The toml, metrics and tracing features are not enabled: they add no unsafe code, and the
#     CONFIG.toml tests need the file system.
# Tests ignored under Miri (#[cfg_attr(miri, ignore = "reason")]; each run prints them as
# `ignored, <reason>`), each still run natively and under the sanitizers:
#   - tests/actor_report.rs report_is_exact_when_abort_races_evicting_senders: thousands of
#     thread spawns; the race needs real parallelism.
#   - tests/ordering_doc.rs parser_keys_methods_trait_impls_nested_impls_and_free_fns,
#     rows_key_every_item_and_ordering_of_a_row, check_reports_missing_and_stale_rows_together:
#     a text parser that links no ryker_core and has no unsafe code.
#   - src/mailbox/mod.rs a_spin_that_misses_makes_the_next_waits_skip_theirs: the receive
#     spin's skip counting, safe code; every blocking receive under Miri runs the spin.
#
# Builds go to target/miri (cargo miri's own directory); the canary cfg is part of the one
# build, so the canaries and the real tests run from the same artifacts (`--skip canary_`).
# Knobs: RYKER_MIRI_JOBS=1 (the two runs one after the other), RYKER_MIRI_TB_SEED (default 1),
# MIRIFLAGS (appended to each run's flags).
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:-all}
case $mode in all | sb | tb) ;; *) die "usage: bash .ci/miri.sh [all|sb|tb]" ;; esac

# Prints the banner and fails: Miri is part of CI and may not be skipped without a trace.
miri_unavailable() {
    printf '\n%s\n' '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2
    printf '!!! MIRI UNAVAILABLE: %s\n' "$*" >&2
    printf '!!! The Miri step did NOT run; CI fails rather than pass without it.\n' >&2
    printf '!!! Install by hand: rustup toolchain install nightly --profile minimal &&\n' >&2
    printf '!!!   rustup component add miri rust-src --toolchain nightly\n' >&2
    printf '%s\n' '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2
    exit 1
}

section "miri: toolchain"
command -v rustup >/dev/null 2>&1 || miri_unavailable "rustup not found: no way to get a nightly with miri"
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    note "no nightly toolchain; installing one"
    run rustup toolchain install nightly --profile minimal ||
        miri_unavailable "rustup toolchain install nightly failed"
fi
if ! cargo +nightly miri --version >/dev/null 2>&1 ||
    ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
    note "the nightly lacks miri or rust-src; adding them"
    run rustup component add miri rust-src --toolchain nightly ||
        miri_unavailable "rustup component add miri rust-src --toolchain nightly failed (this nightly may have no miri)"
fi
note "$(cargo +nightly --version); $(cargo +nightly miri --version)"
# Builds Miri's sysroot (std compiled for the interpreter) once; quick when it is already there.
run cargo +nightly miri setup || miri_unavailable "cargo +nightly miri setup failed"

CANARY_RUSTFLAGS='--cfg ryker_canary="miri"'
CARGO_MIRI=(cargo +nightly miri test -p ryker-core --features amnesia)

section "miri: build ryker-core tests (target/miri)"
timed run env RUSTFLAGS="$CANARY_RUSTFLAGS" "${CARGO_MIRI[@]}" --lib --tests --no-run

# run_model LABEL: the canaries, then every test, under one aliasing model (sb or tb).
run_model() {
    local label=$1 name flags
    case $label in
    sb) name="Stacked Borrows" flags="" ;;
    tb) name="Tree Borrows" flags="-Zmiri-tree-borrows -Zmiri-strict-provenance -Zmiri-seed=${RYKER_MIRI_TB_SEED:-1}" ;;
    esac
    local -a words
    read -r -a words <<<"$flags ${MIRIFLAGS:-}"
    flags="${words[*]}"
    local -a env=(RUSTFLAGS="$CANARY_RUSTFLAGS" MIRIFLAGS="$flags")

    if [[ $label == sb ]]; then
        # The data-race detector and the leak check do not depend on the aliasing model: proven
        # once, in the Stacked Borrows run.
        section "Miri canary: planted data race must be reported"
        expect_caught "Miri data race" 'Undefined Behavior: Data race detected' \
            "$RYKER_LOG_DIR/miri-canary-race.log" -- \
            env "${env[@]}" "${CARGO_MIRI[@]}" --test canary -- --exact canary_miri_data_race
        section "Miri canary: planted leak must be reported"
        expect_caught "Miri leak" 'error: memory leaked' "$RYKER_LOG_DIR/miri-canary-leak.log" -- \
            env "${env[@]}" "${CARGO_MIRI[@]}" --test canary -- --exact canary_miri_leak
    fi

    section "Miri canary ($name): a write through a shared reference must be UB under $name"
    expect_caught "Miri $name aliasing" "the $name rules it violated" \
        "$RYKER_LOG_DIR/miri-$label-canary-alias.log" -- \
        env "${env[@]}" "${CARGO_MIRI[@]}" --test canary -- --exact canary_miri_write_through_shared_reference
    grep -aq 'Undefined Behavior' "$RYKER_LOG_DIR/miri-$label-canary-alias.log" ||
        die "Miri $name aliasing canary: no 'Undefined Behavior' report"

    # The test binaries: all of them under Stacked Borrows; under Tree Borrows all but the
    # ported peer suites (tests/peer_*.rs; see the top of this script).
    local -a targets=(--lib --tests)
    if [[ $label == tb ]]; then
        targets=(--lib)
        local file
        for file in ryker-core/tests/*.rs; do
            file=$(basename "$file" .rs)
            [[ $file == peer_* ]] || targets+=(--test "$file")
        done
    fi
    section "Miri: ryker-core unit and integration tests under $name (MIRIFLAGS=$flags; ${targets[*]})"
    # --no-fail-fast: one run reports every test binary that Miri finds UB in, not just the first.
    timed run env "${env[@]}" "${CARGO_MIRI[@]}" --no-fail-fast "${targets[@]}" -- --skip canary_
    if [[ $label != sb ]]; then
        # The doc tests add no unsafe path of their own beyond the actor run loop, which the
        # Stacked Borrows run covers; the Tree Borrows run is the longer of the two (it sets the
        # step's time), so it skips them (about 60 s).
        section "Miri ($name): passed"
        return 0
    fi
    section "Miri: ryker-core's actor doc tests under $name"
    # The actor examples spawn actors on threads they leave running (detached, as a program
    # does), which Miri's leak check rejects ("the main thread terminated without waiting for
    # all remaining threads"); so the doc tests run without it. The leak check, and its
    # canary, still cover the unit and integration tests above.
    # Only the actor module's examples (`src/actor/`, 75 of 232; see the top of this script).
    timed run env RUSTFLAGS="$CANARY_RUSTFLAGS" MIRIFLAGS="$flags -Zmiri-ignore-leaks" \
        "${CARGO_MIRI[@]}" --doc -- src/actor/
    section "Miri ($name): passed"
}

models=()
[[ $mode == tb ]] || models+=(sb)
[[ $mode == sb ]] || models+=(tb)
if ((${#models[@]} > 1 && ${RYKER_MIRI_JOBS:-2} > 1)); then
    # Miri is single-threaded: on two cores the two models take the time of one. Cargo does not
    # hold the build lock while tests run, and the build above left nothing to rebuild.
    section "miri: Stacked and Tree Borrows runs in parallel (RYKER_MIRI_JOBS=1: one after the other)"
    declare -A pids
    for m in "${models[@]}"; do
        run_model "$m" >"$RYKER_LOG_DIR/miri-$m.log" 2>&1 &
        pids[$m]=$!
        note "miri $m: pid ${pids[$m]}, log $RYKER_LOG_DIR/miri-$m.log"
    done
    failed=()
    for m in "${models[@]}"; do
        rc=0
        wait "${pids[$m]}" || rc=$?
        printf '\n-------- miri %s: output (exit %s) --------\n' "$m" "$rc"
        cat "$RYKER_LOG_DIR/miri-$m.log"
        ((rc == 0)) || failed+=("$m")
    done
    ((${#failed[@]} == 0)) || die "Miri failed under: ${failed[*]} (logs: $RYKER_LOG_DIR/miri-<model>.log)"
else
    for m in "${models[@]}"; do
        run_model "$m"
    done
fi
section "miri ($mode): all passed"
