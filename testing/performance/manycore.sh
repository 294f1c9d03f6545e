#!/usr/bin/env bash
# The many-core runs of issue 10, as one prepared script for a machine lent for a few minutes:
# no Rust needed there, only a `ryker` release binary built here (same x86-64) and carried.
#
#   testing/performance/manycore.sh RYKER_BIN OUT_DIR [THREADS]
#
# THREADS (default: the machine's CPU count, at most 16) bounds both sweeps:
#   1. `sync`: 1, 2, 4, ... THREADS producer threads into ONE mailbox (the N→1 target: ≥ 10 M
#      msg/s and ≥ 2x the best peer at 16 producers), every thread peer beside ryker;
#   2. `pairs`: 1, 2, 4, ... THREADS/2 independent mailboxes, a producer and a consumer thread
#      each (the target: 8 mailboxes ≥ 50 M msg/s in total), the same peers.
# Each sweep writes its table (.txt) and its rows (.csv) to OUT_DIR, with `lscpu` and the
# binary's `--version` beside them; a summary of ryker ÷ the best peer per row ends the run.
# About 5-8 minutes on 16 cores (most of it the contended peers at 16 producers).
# Each sweep runs under a time limit (RYKER_SYNC_LIMIT_S, default 360; RYKER_PAIRS_LIMIT_S,
# default 180): at the limit it gets SIGINT, finishes its current run and writes what it has;
# if that run never ends (a peer that hangs), SIGKILL 30 s later, and the CSV still holds every
# finished group (`compare` rewrites it after each one), so the other sweep and the summary run.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 RYKER_BIN OUT_DIR [THREADS]" >&2; exit 2; }
bin=$1 out=$2
cpus=$(nproc)
threads=${3:-$((cpus < 16 ? cpus : 16))}
((threads >= 2)) || { echo "$0: THREADS must be at least 2 (got $threads)" >&2; exit 2; }
mkdir -p "$out"
{ lscpu; echo; "$bin" --version; } >"$out/machine.txt" 2>&1 || true
run() {
    local name=$1 limit=$2
    shift 2
    echo "=== $name: $bin compare $* (limit ${limit} s)"
    local t0=$SECONDS
    # --foreground: without it timeout signals the command and then its own process group,
    # so `compare` may see SIGINT twice, which it takes for "stop at once" (seen here: 1 run in
    # 3 ended without writing its CSV).
    timeout --foreground -s INT -k 30 "$limit" "$bin" compare "$@" --csv "$out/$name.csv" >"$out/$name.txt" 2>&1 ||
        echo "=== $name: exit $? (124 or 137: stopped at the limit)"
    echo "=== $name: $((SECONDS - t0)) s"
}
run sync "${RYKER_SYNC_LIMIT_S:-360}" --contexts sync --threads-max "$threads" --capacity 512,4096 --repeat 3
run pairs "${RYKER_PAIRS_LIMIT_S:-180}" --contexts pairs --threads-max "$((threads / 2))" --capacity 512,4096 --repeat 3
python3 - "$out" <<'PY' || true
import csv, sys
from collections import defaultdict
for name in ("sync", "pairs"):
    try:
        rows = list(csv.DictReader(open(f"{sys.argv[1]}/{name}.csv")))
    except OSError as e:
        print(f"{name}: {e}")
        continue
    groups = defaultdict(dict)
    for r in rows:
        groups[(int(r["producers"]), int(r["capacity"]))][r["queue"]] = float(r["msgs_per_sec"])
    print(f"{name}: producers capacity  ryker M msg/s  best peer  ryker/best")
    for (p, cap), qs in sorted(groups.items()):
        peers = {q: v for q, v in qs.items() if q not in ("ryker", "ryker-ring")}
        if "ryker" not in qs or not peers:
            continue
        best = max(peers, key=peers.get)
        print(f"{name}: {p:9} {cap:8}  {qs['ryker'] / 1e6:13.2f}  {best} {peers[best] / 1e6:.2f}  {qs['ryker'] / peers[best]:.2f}")
PY
