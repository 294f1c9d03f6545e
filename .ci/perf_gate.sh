#!/usr/bin/env bash
# Deterministic performance gates: instructions per operation (callgrind) and allocations per
# operation (a counting allocator) on the mailbox and actor hot paths, compared with the
# baselines committed in testing/performance/baselines/<gate>.toml. Timings are not gated here
# (shared CI machines make them noise); testing/performance/README.md says where they are.
#
#   bash .ci/perf_gate.sh                          check every gate
#   bash .ci/perf_gate.sh tell_handle ask          check these gates only
#   RYKER_PERF_UPDATE=1 bash .ci/perf_gate.sh [gate...]     rewrite the baselines (or --update)
#
# Each gate is one run of the ryker-perf binary (testing/performance), which performs a fixed
# number of operations on one thread inside a function named `window_<gate>`; callgrind counts
# only that function's instructions (--toggle-collect), the binary counts the allocations in the
# same window. This script only installs valgrind, builds and runs callgrind; `ryker-perf judge`
# (testing/performance/src/judge.rs) reads the counts and the baselines, judges, prints the
# table and writes baselines on --update. The gate fails (exit 1) when, for any gate,
#   - instructions per op rise more than 10% above the baseline, or
#   - allocations per op are above the baseline at all (they are exact counts).
# It prints a table of every gate (baseline, current, ratio) either way, and first proves itself
# on a planted regression (the `canary` gate, which must fail the enqueue_dequeue baseline).
#
# Updating a baseline is a deliberate commit: run with RYKER_PERF_UPDATE=1, commit the changed
# baselines/*.toml on their own, and say in the commit message what made the cost move and why the
# new figure is accepted. Never update a baseline to make an unexplained regression pass.
#
# Compiler version: instruction counts depend on rustc (inlining, codegen). Each baseline
# records `rustc -V`; when the running rustc differs the script still gates, with the same 10%
# limit, and prints a warning. The limit is deliberately not widened: a wider limit would hide
# real regressions exactly when the toolchain moves. If a toolchain change alone trips a gate,
# re-record the baselines in a commit that names the toolchain change (see the README).
#
# Installs valgrind with apt-get when it is missing (as .ci/valgrind.sh does). Release build with
# debuginfo (profile.release), in its own target dir: target/perf. Callgrind output and logs go
# to target/ci-logs/perf/.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASELINE_DIR=testing/performance/baselines
TARGET_DIR=target/perf
BIN=$TARGET_DIR/release/ryker-perf
PERF_LOG_DIR=$RYKER_LOG_DIR/perf
started=$SECONDS

update=${RYKER_PERF_UPDATE:-0}
[[ $update == 0 || $update == 1 ]] || die "RYKER_PERF_UPDATE must be 0 or 1, not '$update'"
requested=()
for arg in "$@"; do
    case $arg in
    --update) update=1 ;;
    -h | --help)
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) requested+=("$arg") ;;
    esac
done

section "perf gate: tools"
if ! command -v valgrind >/dev/null 2>&1; then
    note "valgrind not found; installing it with apt-get"
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind
fi
rustc_now=$(rustc -V)
valgrind_now=$(valgrind --version)
machine="$(uname -sm), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
note "$valgrind_now; $rustc_now; $machine"

section "perf gate: build ryker-perf ($TARGET_DIR, release with debuginfo)"
run cargo build --release -p ryker-perf --target-dir "$TARGET_DIR"
[[ -x $BIN ]] || die "the build did not produce $BIN"
mkdir -p "$PERF_LOG_DIR" "$BASELINE_DIR"

declare -A op_of=()
known=()
while IFS=$'\t' read -r name op; do
    known+=("$name")
    op_of[$name]=$op
done < <("$BIN" --list)
((${#known[@]} > 0)) || die "$BIN --list named no gates"
gates=("${requested[@]+"${requested[@]}"}")
((${#gates[@]} > 0)) || gates=("${known[@]}")
for gate in "${gates[@]}"; do
    [[ -n ${op_of[$gate]+x} ]] || die "no gate named '$gate' (gates: ${known[*]})"
done

# measure GATE: runs the gate under callgrind; its stdout and callgrind's output stay in
# $PERF_LOG_DIR for `ryker-perf judge` to read.
measure() {
    local gate=$1
    local out="$PERF_LOG_DIR/callgrind.$gate.out" stdout="$PERF_LOG_DIR/$gate.stdout"
    local log="$PERF_LOG_DIR/$gate.callgrind.log"
    if ! valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="*::window_$gate" \
        "$BIN" "$gate" >"$stdout" 2>"$log"; then
        tail -n 30 "$log" >&2
        die "$gate: the gate binary failed under callgrind (log: $log)"
    fi
}

# judge [--update | --canary] GATE...: the Rust judge reads the measurements and the baselines.
judge() {
    "$BIN" judge --logs "$PERF_LOG_DIR" --baselines "$BASELINE_DIR" \
        --rustc "$rustc_now" --valgrind "$valgrind_now" --machine "$machine" \
        --date "$(date -u +%Y-%m-%d)" "$@"
}

if ((update == 0)) && [[ -f $BASELINE_DIR/enqueue_dequeue.toml ]]; then
    section "perf gate canary: a planted regression must fail the enqueue_dequeue baseline"
    measure canary
    judge --canary || die "the perf canary was not caught (see above)"
fi

section "perf gate: ${#gates[@]} gates under callgrind ($( ((update)) && echo "updating baselines" || echo "limit +10% instructions/op, +0 allocations/op"))"
for gate in "${gates[@]}"; do
    measure "$gate"
done
if ((update)); then
    judge --update "${gates[@]}"
    note "perf gate took $((SECONDS - started))s"
    exit 0
fi
if ! judge "${gates[@]}"; then
    note "perf gate took $((SECONDS - started))s"
    die "gate failure(s) above; if a cost change is intended, update its baseline deliberately (testing/performance/README.md)"
fi
note "perf gate took $((SECONDS - started))s"
section "perf gate: all ${#gates[@]} gates passed"
