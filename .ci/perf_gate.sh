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
# same window. The script fails (exit 1) when, for any gate,
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

# Instructions per op may rise this many percent above the baseline.
TOLERANCE_PCT=10
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

# measure GATE: runs the gate under callgrind; sets M_IR, M_OPS and M_ALLOCS.
measure() {
    local gate=$1
    local out="$PERF_LOG_DIR/callgrind.$gate.out" stdout="$PERF_LOG_DIR/$gate.stdout"
    local log="$PERF_LOG_DIR/$gate.callgrind.log" line
    if ! valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="*::window_$gate" \
        "$BIN" "$gate" >"$stdout" 2>"$log"; then
        tail -n 30 "$log" >&2
        die "$gate: the gate binary failed under callgrind (log: $log)"
    fi
    line=$(grep -m1 '^gate=' "$stdout") || die "$gate: no 'gate=' line on stdout ($stdout)"
    M_OPS=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' <<<"$line")
    M_ALLOCS=$(sed -n 's/.* allocations=\([0-9]*\).*/\1/p' <<<"$line")
    M_IR=$(awk '$1 == "totals:" { print $2 }' "$out")
    [[ $M_OPS =~ ^[1-9][0-9]*$ && $M_ALLOCS =~ ^[0-9]+$ ]] ||
        die "$gate: could not read ops and allocations from: $line"
    [[ $M_IR =~ ^[1-9][0-9]*$ ]] ||
        die "$gate: callgrind counted no instructions inside window_$gate (renamed or inlined?): $out"
}

# baseline_get FILE KEY: the value of `KEY = value` in a baseline file, quotes removed.
baseline_get() {
    sed -n "s/^$2 = \"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$1" | head -n 1
}

# per_op COUNT OPS: COUNT / OPS with PLACES decimals (default 1).
per_op() {
    awk -v c="$1" -v n="$2" -v p="${3:-1}" 'BEGIN { printf "%.*f", p, c / n }'
}

# write_baseline GATE FILE: records M_IR, M_OPS and M_ALLOCS as GATE's baseline.
write_baseline() {
    local gate=$1 file=$2
    cat >"$file" <<EOF
# ryker performance gate baseline: $gate
# One operation: ${op_of[$gate]}.
#
# Checked by .ci/perf_gate.sh (testing/performance/README.md): it fails when instructions per op
# rise more than $TOLERANCE_PCT% above this baseline, or allocations per op rise above it at all.
# Update deliberately: \`RYKER_PERF_UPDATE=1 bash .ci/perf_gate.sh $gate\`, then commit this file
# with the reason in the commit message (what made the cost move, and why it is accepted).
# Instruction counts depend on the compiler: \`rustc\` is the toolchain that measured them.
gate = "$gate"
ops = $M_OPS
instructions = $M_IR
instructions_per_op = $(per_op "$M_IR" "$M_OPS" 2)
allocations = $M_ALLOCS
allocations_per_op = $(per_op "$M_ALLOCS" "$M_OPS" 5)
rustc = "$rustc_now"
valgrind = "$valgrind_now"
machine = "$machine"
recorded = "$(date -u +%Y-%m-%d)"
EOF
}

# row GATE BASE_IPO IPO RATIO BASE_APO APO VERDICT: one line of the table.
row() { printf '%-24s %12s %12s %7s %11s %11s  %s\n' "$@"; }
rows=()
failures=()
notes=()
other_rustc=()
other_arch=()

# judge GATE FILE: compares M_* with the baseline FILE; adds a table row to `rows` and each
# regression to J_FAILS. Returns 1 on a regression.
judge() {
    local gate=$1 file=$2
    local b_ir b_ops b_allocs b_rustc b_machine ipo b_ipo ratio verdict=ok
    J_FAILS=()
    ipo=$(per_op "$M_IR" "$M_OPS")
    if [[ ! -f $file ]]; then
        J_FAILS+=("$gate: no baseline $file; record it with RYKER_PERF_UPDATE=1 bash .ci/perf_gate.sh $gate and commit it")
        ((update)) && verdict="new baseline" || verdict="FAIL (no baseline)"
        rows+=("$(row "$gate" - "$ipo" - - "$(per_op "$M_ALLOCS" "$M_OPS" 5)" "$verdict")")
        return 1
    fi
    b_ir=$(baseline_get "$file" instructions)
    b_ops=$(baseline_get "$file" ops)
    b_allocs=$(baseline_get "$file" allocations)
    b_rustc=$(baseline_get "$file" rustc)
    [[ $b_ir =~ ^[1-9][0-9]*$ && $b_ops =~ ^[1-9][0-9]*$ && $b_allocs =~ ^[0-9]+$ ]] ||
        die "$file: missing or malformed instructions/ops/allocations"
    b_machine=$(baseline_get "$file" machine)
    [[ $b_rustc == "$rustc_now" ]] || other_rustc+=("$gate ($b_rustc)")
    [[ ${b_machine%%,*} == "${machine%%,*}" ]] || other_arch+=("$gate (${b_machine%%,*})")
    b_ipo=$(per_op "$b_ir" "$b_ops")
    ratio=$(awk -v a="$M_IR" -v n="$M_OPS" -v b="$b_ir" -v m="$b_ops" 'BEGIN { printf "%.3f", (a / n) / (b / m) }')
    # Integer comparisons (cross-multiplied), so no rounding decides a verdict.
    if ((M_IR * b_ops * 100 > b_ir * M_OPS * (100 + TOLERANCE_PCT))); then
        J_FAILS+=("$gate: instructions per op rose more than $TOLERANCE_PCT% above the baseline: old $b_ipo, new $ipo, ratio $ratio")
        verdict="FAIL (instructions)"
    elif ((M_IR * b_ops * 100 < b_ir * M_OPS * (100 - TOLERANCE_PCT))); then
        notes+=("$gate: instructions per op fell more than $TOLERANCE_PCT% below the baseline (old $b_ipo, new $ipo): consider re-recording it, so the gate keeps its margin")
        verdict="ok (faster)"
    fi
    if ((M_ALLOCS * b_ops > b_allocs * M_OPS)); then
        J_FAILS+=("$gate: allocations per op rose above the baseline: old $(per_op "$b_allocs" "$b_ops" 5) ($b_allocs in $b_ops ops), new $(per_op "$M_ALLOCS" "$M_OPS" 5) ($M_ALLOCS in $M_OPS ops)")
        if [[ $verdict == FAIL* ]]; then verdict="FAIL (instructions, allocations)"; else verdict="FAIL (allocations)"; fi
    elif ((M_ALLOCS * b_ops < b_allocs * M_OPS)); then
        notes+=("$gate: fewer allocations per op than the baseline: consider re-recording it, so the gate catches their return")
    fi
    rows+=("$(row "$gate" "$b_ipo" "$ipo" "$ratio" \
        "$(per_op "$b_allocs" "$b_ops" 5)" "$(per_op "$M_ALLOCS" "$M_OPS" 5)" "$verdict")")
    ((${#J_FAILS[@]} == 0))
}

if ((update == 0)) && [[ -f $BASELINE_DIR/enqueue_dequeue.toml ]]; then
    section "perf gate canary: a planted regression must fail the enqueue_dequeue baseline"
    measure canary
    if judge canary "$BASELINE_DIR/enqueue_dequeue.toml"; then
        printf '%s\n' "${rows[@]}" >&2
        die "perf canary NOT caught: one Box::new per message passed the enqueue_dequeue gate"
    fi
    [[ ${#J_FAILS[@]} == 2 ]] ||
        die "perf canary caught only in part (both instructions and allocations must fail): ${J_FAILS[*]}"
    note "canary caught:"
    printf '   | %s\n' "${J_FAILS[@]}"
    rows=()
    notes=()
    other_rustc=()
    other_arch=()
fi

section "perf gate: ${#gates[@]} gates under callgrind ($( ((update)) && echo "updating baselines" || echo "limit +$TOLERANCE_PCT% instructions/op, +0 allocations/op"))"
for gate in "${gates[@]}"; do
    file="$BASELINE_DIR/$gate.toml"
    measure "$gate"
    if ((update)); then
        judge "$gate" "$file" || true
        write_baseline "$gate" "$file"
        note "$gate: wrote $file"
    elif ! judge "$gate" "$file"; then
        failures+=("${J_FAILS[@]}")
    fi
done

echo
row gate "Ir/op base" "Ir/op now" ratio "allocs base" "allocs now" verdict
printf '%s\n' "${rows[@]}"
((${#notes[@]} == 0)) || printf -- '-- note: %s\n' "${notes[@]}"
if ((${#other_rustc[@]} > 0)); then
    printf '\nWARNING: compiler differs from the one that recorded the baselines (running: %s):\n' "$rustc_now"
    printf '   %s\n' "${other_rustc[@]}"
    printf '   The gate still applies its %s%% limit. If only the toolchain changed and a gate fails,\n' "$TOLERANCE_PCT"
    printf '   re-record the baselines in a commit that names the toolchain change.\n'
fi
if ((${#other_arch[@]} > 0)); then
    printf '\nWARNING: baselines recorded on another OS/architecture (running: %s):\n' "${machine%%,*}"
    printf '   %s\n' "${other_arch[@]}"
    printf '   Instruction counts are not comparable across architectures: record baselines for this one.\n'
fi
note "perf gate took $((SECONDS - started))s"
if ((update)); then
    note "baselines rewritten; commit them on their own, with the reason in the commit message"
    exit 0
fi
if ((${#failures[@]} > 0)); then
    printf '\nREGRESSION: %s\n' "${failures[@]}" >&2
    die "${#failures[@]} gate failure(s) above; if a cost change is intended, update its baseline deliberately (testing/performance/README.md)"
fi
section "perf gate: all ${#gates[@]} gates passed"
