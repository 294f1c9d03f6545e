#!/usr/bin/env bash
# ryker-core on its minimum supported Rust version: the `rust-version` in ryker-core/Cargo.toml
# (1.80). Builds the library with that toolchain for default features, for no_std
# (`--no-default-features`, then `--features alloc`) and for `--all-features`, then runs its
# unit tests and doc tests with it.
#
#   bash .ci/msrv.sh
#
# Toolchain: `rustup toolchain install <MSRV> --profile minimal` when rustup lacks it.
#
# Lockfile: the workspace's Cargo.lock follows the newest releases, some of which need a newer
# Rust than ryker-core promises (hashbrown 0.17 and indexmap 2.14 under `toml`, zeroize 1.9
# under `amnesia`, all rust-version 1.85), and the MSRV cargo cannot pick other versions
# itself. So the script resolves a lockfile of its own, in a copy:
#   - target/msrv/ws gets the root Cargo.toml with the members cut down to ryker-core, and a
#     copy of ryker-core/ (cp -a, so unchanged sources keep their mtimes and re-runs are
#     incremental). The repository's Cargo.lock is never touched, and the MSRV cargo never has
#     to parse the manifests of the other members or of their dependencies.
#   - The default (stable) cargo, 1.84 or newer, resolves it with
#     CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback: for every dependency the newest
#     version whose rust-version is at most ryker-core's (the newest of all only where no
#     release fits, and then the build below fails and names it). This is what a user on 1.80
#     gets from `cargo update` with that setting (the default since Rust 1.84 under resolver
#     "3"), and it needs no nightly (`-Zmsrv-policy` is the older, unstable form).
#   - The MSRV cargo then builds with --locked: it must not change that resolution.
# The lockfile is resolved anew on every run (it needs the crates.io index), so a new release
# of a dependency that drops 1.80 without a fitting older line fails this step, as it should.
#
# Builds go to target/msrv/build; logs to target/ci-logs/msrv-*.log.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MSRV=$(sed -n 's/^rust-version = "\([0-9.]*\)"$/\1/p' ryker-core/Cargo.toml)
[[ -n $MSRV ]] || die "no rust-version in ryker-core/Cargo.toml"
WS="$RYKER_ROOT/target/msrv/ws"
TARGET_DIR="$RYKER_ROOT/target/msrv/build"

section "msrv: toolchain $MSRV"
command -v rustup >/dev/null 2>&1 || die "rustup not found: cannot install Rust $MSRV"
if ! rustup run "$MSRV" cargo --version >/dev/null 2>&1; then
    note "Rust $MSRV is not installed; installing it"
    run rustup toolchain install "$MSRV" --profile minimal
fi
MSRV_CARGO=(cargo "+$MSRV")
note "$("${MSRV_CARGO[@]}" --version); $(rustup run "$MSRV" rustc --version)"
# Not a version check that cannot fail: rustup resolves "1.80" to the newest 1.80.x.
[[ $(rustup run "$MSRV" rustc --version) == "rustc $MSRV."* ]] ||
    die "rustup's '$MSRV' toolchain is $(rustup run "$MSRV" rustc --version)"

section "msrv: lockfile for Rust $MSRV (target/msrv/ws)"
mkdir -p "$WS"
rm -rf "$WS/ryker-core"
cp -a ryker-core "$WS/ryker-core"
python3 - Cargo.toml "$WS/Cargo.toml" <<'EOF'
import re, sys
src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
# `members = [...]` and `default-members = [...]`: ryker-core only.
text, n = re.subn(r'(?m)^((?:default-)?members) = \[[^\]]*\]', r'\1 = ["ryker-core"]', text)
if n != 2:
    sys.exit(f"msrv: expected members and default-members in {src}, replaced {n}")
open(dst, "w").write(text)
EOF
cargo_minor=$(cargo --version | sed -n 's/^cargo 1\.\([0-9]*\)\..*/\1/p')
((${cargo_minor:-0} >= 84)) ||
    die "resolving for an older Rust needs cargo 1.84 or newer as the default toolchain ($(cargo --version))"
run env CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
    cargo generate-lockfile --manifest-path "$WS/Cargo.toml"
# Where it differs from the workspace's Cargo.lock (mostly versions held back for Rust $MSRV;
# cargo's own "Adding ... (available: ..., requires Rust ...)" lines above say which and why).
python3 - Cargo.lock "$WS/Cargo.lock" <<'EOF'
import sys, tomllib
def versions(path):
    with open(path, "rb") as f:
        return {(p["name"], p["version"]) for p in tomllib.load(f).get("package", [])}
ws, msrv = versions(sys.argv[1]), versions(sys.argv[2])
in_ws = {}
for name, v in ws:
    in_ws.setdefault(name, []).append(v)
other = sorted((n, v) for n, v in msrv - ws if n in in_ws)
print(f"-- {len(other)} packages at another version than in the workspace's Cargo.lock:")
for n, v in other:
    print(f"   {n} {v} (workspace: {', '.join(sorted(in_ws[n]))})")
EOF

# Every build and test: the MSRV cargo, the copied workspace, the locked resolution.
msrv_cargo() {
    local sub=$1
    shift
    run "${MSRV_CARGO[@]}" "$sub" --locked --manifest-path "$WS/Cargo.toml" --target-dir "$TARGET_DIR" \
        -p ryker-core "$@"
}

section "msrv: build ryker-core with Rust $MSRV"
timed msrv_cargo build
timed msrv_cargo build --no-default-features
timed msrv_cargo build --no-default-features --features alloc
timed msrv_cargo build --all-features

section "msrv: ryker-core unit tests and doc tests with Rust $MSRV"
timed msrv_cargo test --lib
timed msrv_cargo test --doc
section "msrv: ryker-core builds and passes its unit and doc tests on Rust $MSRV"
