#!/usr/bin/env bash
# valgrind memcheck over the ryker-core stress test binary, first proven on a planted definite
# leak (ryker-core/tests/canary.rs, cfg ryker_canary="valgrind").
#
#   bash .ci/valgrind.sh
#
# Plain stable cargo is enough here (--cfg is a stable flag). Release build with debuginfo
# (profile.release has debug = 1), in its own target dir: target/valgrind.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "valgrind: tools"
if ! command -v valgrind >/dev/null 2>&1; then
    note "valgrind not found; installing it with apt-get"
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind
fi
note "$(valgrind --version); $(cargo --version)"

VALGRIND=(valgrind --error-exitcode=1 --errors-for-leak-kinds=definite --leak-check=full --show-leak-kinds=definite
    --fair-sched=yes --num-callers=40)
RUSTFLAGS_VG='--cfg ryker_canary="valgrind"'

[[ -f ryker-core/tests/stress.rs ]] || die "ryker-core/tests/stress.rs is missing: valgrind has nothing to check"

section "valgrind: build canary and stress test binaries (target/valgrind, release)"
json="$RYKER_LOG_DIR/valgrind-build.json"
build=(cargo test -p ryker-core --release --target-dir target/valgrind --test canary --test stress --no-run)
# The command line goes to stderr: stdout is cargo's JSON alone (cargo_executables rejects anything else).
printf '+ RUSTFLAGS=%q %s\n' "$RUSTFLAGS_VG" "${build[*]}" >&2
RUSTFLAGS="$RUSTFLAGS_VG" "${build[@]}" --message-format=json-render-diagnostics >"$json"
canary_bin=$(test_executable canary <"$json")
stress_bin=$(test_executable stress <"$json")
[[ -x $canary_bin ]] || die "could not find the canary test executable in $json"
[[ -x $stress_bin ]] || die "could not find the stress test executable in $json"
note "canary: $canary_bin"
note "stress: $stress_bin"

section "valgrind canary: planted definite leak must fail memcheck"
expect_caught "valgrind definite leak" 'definitely lost: [1-9][0-9,]* bytes' \
    "$RYKER_LOG_DIR/valgrind-canary.log" -- \
    "${VALGRIND[@]}" "$canary_bin" --exact canary_valgrind_definite_leak

section "valgrind: stress tests (RYKER_STRESS_SCALE=$RYKER_STRESS_SCALE)"
timed run "${VALGRIND[@]}" "$stress_bin"
section "valgrind: all passed"
