#!/usr/bin/env bash
# A/B of two `ryker` binaries in one session: they alternate, round by round, each running the
# same `ryker compare` (ryker beside crossfire, kanal and tokio mpsc), so the machine's drifting
# load falls on both alike. Prints, per row, the median of ryker's figures under each binary,
# their ratio, and the peers' medians (which should not move between the binaries).
#
#   testing/performance/ab.sh BEFORE_BIN AFTER_BIN [ROUNDS]
#
# Build the two binaries first (`cargo build --release -p ryker` on each commit, then copy
# target/release/ryker away). Extra `compare` flags: RYKER_AB_ARGS (default below).
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 BEFORE_BIN AFTER_BIN [ROUNDS]" >&2; exit 2; }
before=$1 after=$2 rounds=${3:-8}
args=${RYKER_AB_ARGS:---only ryker,crossfire,kanal,tokio-mpsc --contexts sync,tokio-ct,tokio-mt,smol,actor --capacity 512,4096 --messages 1000000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq 1 "$rounds"); do
    for side in before after; do
        bin=$before
        [[ $side == after ]] && bin=$after
        # shellcheck disable=SC2086 # the flags are meant to split
        "$bin" compare $args --repeat 1 --csv - 2>/dev/null >"$out/$side-$r.csv"
    done
done
python3 - "$out" <<'PY'
import csv, glob, statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for path in glob.glob(sys.argv[1] + "/*.csv"):
    side = path.rsplit("/", 1)[1].split("-")[0]
    for row in csv.DictReader(open(path)):
        key = (row["context"], row["shape"], row["capacity"])
        runs[key + (side, row["queue"])].append(float(row["msgs_per_sec"]) / 1e6)
rows = sorted({k[:3] for k in runs})
peers = sorted({k[4] for k in runs if k[4] != "ryker"})
print(f"{'context':9} {'shape':5} {'cap':>5} | {'before':>7} {'after':>7} {'ratio':>6} | "
      + " ".join(f"{p + ' b/a':>17}" for p in peers))
for c, s, cap in rows:
    med = lambda side, q: statistics.median(runs[(c, s, cap, side, q)]) if runs.get((c, s, cap, side, q)) else float("nan")
    b, a = med("before", "ryker"), med("after", "ryker")
    cells = " ".join(f"{med('before', p):8.2f}/{med('after', p):<8.2f}" for p in peers)
    print(f"{c:9} {s:5} {cap:>5} | {b:7.2f} {a:7.2f} {a / b:6.2f} | {cells}")
PY
