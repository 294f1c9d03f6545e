# shellcheck shell=bash
# Shared helpers for the .ci/ checker scripts (loom.sh, sanitizers.sh, miri.sh, valgrind.sh, ...).
# Source it from a script that has already done `set -euo pipefail`; it changes to the repo root.

RYKER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RYKER_LOG_DIR="$RYKER_ROOT/target/ci-logs"
cd "$RYKER_ROOT" || exit 1
mkdir -p "$RYKER_LOG_DIR"

# Stress tests read this; the checkers run them small so that instrumented runs stay short.
export RYKER_STRESS_SCALE="${RYKER_STRESS_SCALE:-small}"

section() { printf '\n======== %s ========\n' "$*"; }
note() { printf -- '-- %s\n' "$*"; }
die() {
    printf '\nFAILED: %s\n' "$*" >&2
    exit 1
}

# Echo a command (with any leading VAR=value words) and run it.
run() {
    printf '+ %s\n' "$*"
    "$@"
}

# The host triple; sanitizer builds pass it as --target so that RUSTFLAGS stay off build scripts
# and proc macros.
host_target() {
    rustc -vV | sed -n 's/^host: //p'
}

# Sets NIGHTLY_CARGO to a command array that accepts -Z flags:
#   `cargo +nightly` when rustup lists a nightly toolchain, otherwise the default (stable) cargo
#   with RUSTC_BOOTSTRAP=1, so CI never depends on a hand-installed nightly.
# RYKER_CI_TOOLCHAIN=bootstrap forces the stable fallback (to test that path).
select_nightly_cargo() {
    if [[ "${RYKER_CI_TOOLCHAIN:-auto}" != bootstrap ]] && command -v rustup >/dev/null 2>&1 &&
        rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        NIGHTLY_CARGO=(cargo +nightly)
    else
        NIGHTLY_CARGO=(env RUSTC_BOOTSTRAP=1 cargo)
    fi
    note "toolchain: ${NIGHTLY_CARGO[*]} ($("${NIGHTLY_CARGO[@]}" --version))"
}

# expect_caught LABEL PATTERN LOG -- COMMAND...
# A canary check: COMMAND must FAIL and its output must match the extended regex PATTERN, which
# proves the tool detects the planted bug. Anything else (exit 0, or a failure that is not the
# tool's report, such as a compile error) fails the script.
expect_caught() {
    local label=$1 pattern=$2 log=$3 rc=0
    shift 4
    printf '+ %s\n' "$*"
    "$@" >"$log" 2>&1 || rc=$?
    if ((rc == 0)); then
        tail -n 40 "$log" >&2
        die "$label: canary NOT caught: the command exited 0 (full log: $log)"
    fi
    if ! grep -aqE "$pattern" "$log"; then
        tail -n 60 "$log" >&2
        die "$label: the command failed (exit $rc) but never reported /$pattern/ (full log: $log)"
    fi
    note "canary caught: $label (exit $rc); first report line:"
    grep -aE -m1 "$pattern" "$log" | sed 's/^/   | /'
}

# cargo_executables KIND < JSON: the one reader of `cargo ... --no-run --message-format=json`
# (or json-render-diagnostics) output. Prints "NAME<TAB>EXECUTABLE" for every compiled artifact
# that has an executable and whose target kind includes KIND (test, bench, bin, example, lib).
# Fails, with the reason on stderr, when a line is not JSON (not cargo's JSON output), when
# the output lacks cargo's final `build-finished` message or that says the build failed (cut
# short or failed build), or when no artifact matches.
cargo_executables() {
    [[ $# -eq 1 ]] || die "usage: cargo_executables KIND < cargo-json-output"
    python3 -c '
import json, sys
kind, found, finished = sys.argv[1], 0, None
def fail(why):
    sys.exit("cargo_executables: " + why)
for n, line in enumerate(sys.stdin, 1):
    try:
        msg = json.loads(line)
    except ValueError:
        fail(f"line {n} is not JSON (not cargo --message-format=json output?): {line[:120]!r}")
    reason = msg.get("reason")
    if reason == "build-finished":
        finished = msg.get("success")
    elif reason == "compiler-artifact" and msg.get("executable") and kind in msg["target"]["kind"]:
        print(msg["target"]["name"] + "\t" + msg["executable"])
        found += 1
if finished is None:
    fail("no build-finished message: the input is empty or cut short")
if finished is not True:
    fail("cargo reports that the build failed")
if not found:
    fail(f"no {kind!r} executable in the build output")
' "$1"
}

# test_executable NAME < JSON: the executable of the test target NAME (from cargo_executables);
# fails when there is none or more than one.
test_executable() {
    [[ $# -eq 1 ]] || die "usage: test_executable NAME < cargo-json-output"
    local all exes
    all=$(cargo_executables test) || return 1
    exes=$(awk -F '\t' -v n="$1" '$1 == n { print $2 }' <<<"$all" | sort -u)
    [[ -n $exes ]] || {
        printf 'test_executable: no test target %s in the build output\n' "$1" >&2
        return 1
    }
    [[ $exes != *$'\n'* ]] || {
        printf 'test_executable: test target %s has more than one executable:\n%s\n' "$1" "$exes" >&2
        return 1
    }
    printf '%s\n' "$exes"
}

# Run a command and print how long it took.
timed() {
    local start=$SECONDS
    "$@"
    note "took $((SECONDS - start))s"
}
