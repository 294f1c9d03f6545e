#!/usr/bin/env bash
# Timing gates, for a dedicated quiet machine only (NOT part of .ci/run: on a shared CI machine
# these figures are noise). Criterion baselines of the ryker-benches benchmarks, judged against
# the spec's limits:
#
#   throughput  -10%  Criterion's mean time per iteration (change/estimates.json), as throughput
#   p95         +10%  95th percentile of the per-sample time per iteration (<baseline>/ and new/sample.json)
#   CPU         +15%  CPU time / wall time of each bench process (getrusage)
#   memory      +15%  peak RSS of each bench process (getrusage)
#
#   testing/performance/timing_gate.sh save    [CRITERION ARGS...]  on the reference commit
#   testing/performance/timing_gate.sh compare [CRITERION ARGS...]  on the candidate: run + judge
#   testing/performance/timing_gate.sh judge                        judge the last compare again
#
# `save` is `cargo bench -p ryker-benches -- --save-baseline main`, `compare` is
# `cargo bench -p ryker-benches -- --baseline main`; each bench binary is run directly (so its
# CPU time and peak RSS can be read) with `--bench` and the Criterion arguments. Extra arguments
# go to Criterion, e.g. a filter: `timing_gate.sh compare ryker_`.
#
# Environment:
#   RYKER_TIMING_BASELINE  Criterion baseline name (default: main)
#   RYKER_TIMING_BENCHES   bench targets (default: "ring spsc mpsc actor"; actor_report has its
#                          own harness and takes no Criterion arguments)
#   CRITERION_HOME         where Criterion keeps its data (default: target/criterion)
#
# Exit status: 0 when nothing is beyond a limit, 1 when something is (each listed), 2 on misuse.
# See testing/performance/README.md for the procedure (quiet machine, pinned CPU frequency, ...).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

BASELINE=${RYKER_TIMING_BASELINE:-main}
read -r -a BENCHES <<<"${RYKER_TIMING_BENCHES:-ring spsc mpsc actor}"
export CRITERION_HOME=${CRITERION_HOME:-$PWD/target/criterion}
RESOURCES="$CRITERION_HOME/ryker-resources"
LOG_DIR=target/timing-logs

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# Builds the bench targets; prints "NAME<TAB>EXECUTABLE" per bench.
build_benches() {
    local args=() b
    for b in "${BENCHES[@]}"; do args+=(--bench "$b"); done
    # The one reader of cargo's JSON output (.ci/lib.sh): it fails on a failed or cut-short
    # build instead of printing nothing.
    cargo bench -p ryker-benches "${args[@]}" --no-run --message-format=json-render-diagnostics |
        cargo_executables bench
}

# run_benches MODE_ARGS...: runs every bench binary with `--bench MODE_ARGS... CRITERION_ARGS`,
# recording CPU seconds, wall seconds and peak RSS (KiB) to $RESOURCES/$slot/<bench>.tsv.
run_benches() {
    local slot=$1
    shift
    local name exe benches
    # Not `< <(build_benches)`: a failed build must stop the script, not run zero benches.
    benches=$(build_benches)
    mkdir -p "$RESOURCES/$slot" "$LOG_DIR"
    touch "$RESOURCES/$slot/started"
    while IFS=$'\t' read -r name exe; do
        echo "=== $name ($slot): $exe --bench $*"
        python3 -c '
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.call(sys.argv[2:])
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    f.write(f"{ru.ru_utime + ru.ru_stime:.3f}\t{wall:.3f}\t{ru.ru_maxrss}\n")
sys.exit(rc)
' "$RESOURCES/$slot/$name.tsv" "$exe" --bench "$@" 2>&1 | tee "$LOG_DIR/$name.$slot.log"
    done <<<"$benches"
}

# Judges the last `compare` run against the baseline; exit 1 on a regression.
judge() {
    [[ -f $RESOURCES/new/started ]] || {
        echo "no compare run found in $CRITERION_HOME: run '$0 compare' first" >&2
        exit 2
    }
    python3 - "$CRITERION_HOME" "$BASELINE" "$RESOURCES" <<'EOF'
import json, math, os, sys

home, baseline, resources = sys.argv[1:4]
THROUGHPUT_DROP, P95_RISE, CPU_RISE, RSS_RISE = 0.10, 0.10, 0.15, 0.15
started = os.path.getmtime(os.path.join(resources, "new", "started"))
failures, rows = [], []

def p95(sample_path):
    with open(sample_path) as f:
        s = json.load(f)
    per_iter = sorted(t / i for t, i in zip(s["times"], s["iters"]))
    return per_iter[max(0, math.ceil(0.95 * len(per_iter)) - 1)]  # nearest rank

for root, dirs, files in sorted(os.walk(home)):
    if os.path.basename(root) != "change" or "estimates.json" not in files:
        continue
    est_path = os.path.join(root, "estimates.json")
    if os.path.getmtime(est_path) < started:
        continue  # from an older comparison
    bench_dir = os.path.dirname(root)
    bench = os.path.relpath(bench_dir, home)
    with open(est_path) as f:
        mean = json.load(f)["mean"]
    dt = mean["point_estimate"]  # relative change of the mean time per iteration
    thr = 1 / (1 + dt) - 1  # the same, as throughput
    lo, hi = mean["confidence_interval"]["lower_bound"], mean["confidence_interval"]["upper_bound"]
    verdict = "ok"
    if thr < -THROUGHPUT_DROP:
        verdict = "FAIL"
        failures.append(f"{bench}: throughput {thr:+.1%} (limit -{THROUGHPUT_DROP:.0%}); "
                        f"mean time {dt:+.1%}, 95% CI [{lo:+.1%}, {hi:+.1%}]")
    p95_txt = "-"
    base_s, new_s = (os.path.join(bench_dir, d, "sample.json") for d in (baseline, "new"))
    if os.path.exists(base_s) and os.path.exists(new_s):
        rise = p95(new_s) / p95(base_s) - 1
        p95_txt = f"{rise:+.1%}"
        if rise > P95_RISE:
            verdict = "FAIL"
            failures.append(f"{bench}: p95 time per iteration {rise:+.1%} (limit +{P95_RISE:.0%})")
    rows.append((bench, f"{thr:+.1%}", p95_txt, verdict))

for name in sorted(os.listdir(os.path.join(resources, "new"))):
    if not name.endswith(".tsv"):
        continue
    base = os.path.join(resources, baseline, name)
    if not os.path.exists(base):
        print(f"note: no {baseline} resource figures for {name[:-4]} (saved before this script?)")
        continue
    (bc, bw, bm), (nc, nw, nm) = ([float(x) for x in open(p).read().split()]
                                  for p in (base, os.path.join(resources, "new", name)))
    cpu = (nc / nw) / (bc / bw) - 1
    rss = nm / bm - 1
    verdict = "ok"
    if cpu > CPU_RISE:
        verdict = "FAIL"
        failures.append(f"bench process {name[:-4]}: CPU time per wall second {cpu:+.1%} (limit +{CPU_RISE:.0%})")
    if rss > RSS_RISE:
        verdict = "FAIL"
        failures.append(f"bench process {name[:-4]}: peak RSS {rss:+.1%} (limit +{RSS_RISE:.0%}): "
                        f"{bm / 1024:.1f} -> {nm / 1024:.1f} MiB")
    rows.append((f"[process] {name[:-4]}", f"cpu {cpu:+.1%}", f"rss {rss:+.1%}", verdict))

if not rows:
    print(f"no fresh comparisons against '{baseline}' under {home}", file=sys.stderr)
    sys.exit(2)
print(f"{'benchmark':<52} {'throughput':>11} {'p95':>11}  verdict")
for r in rows:
    print(f"{r[0]:<52} {r[1]:>11} {r[2]:>11}  {r[3]}")
if failures:
    print(file=sys.stderr)
    for f in failures:
        print(f"REGRESSION: {f}", file=sys.stderr)
    sys.exit(1)
print(f"\nno timing regression beyond the limits against '{baseline}'")
EOF
}

(($# >= 1)) || usage
mkdir -p "$LOG_DIR"
mode=$1
shift
case $mode in
save)
    run_benches "$BASELINE" --save-baseline "$BASELINE" "$@"
    echo "saved Criterion baseline '$BASELINE' under $CRITERION_HOME"
    ;;
compare)
    run_benches new --baseline "$BASELINE" "$@" | tee "$LOG_DIR/compare.log"
    # Criterion's own verdicts, for the record (its noise threshold is 5%, not ours).
    grep -E '^[^ ].*|Performance has regressed' "$LOG_DIR/compare.log" |
        grep -B1 'Performance has regressed' | grep -v -- '^--' || true
    judge
    ;;
judge) judge ;;
*) usage ;;
esac
