#!/usr/bin/env bash
# ryker-core and the runtime adapters on their minimum supported Rust version: the
# `rust-version` in each crate's Cargo.toml (1.80 for all four; the script checks them with one
# toolchain, and fails if an adapter declares another version than ryker-core). With it:
#   - ryker-core: builds the library for default features, for no_std (`--no-default-features`,
#     then `--features alloc`) and for `--all-features`, then runs its unit tests. Not its doc
#     tests: on 1.80 each of its 230 examples is compiled on its own (no merged doc tests
#     before the 2024 edition), 54 s of the step's 125 in a quiet CI run on 2 cores
#     (2026-12-07); they run on stable in `cargo test --workspace`, and the library they
#     exercise is the one built and unit-tested here.
#   - ryker-tokio, ryker-smol, ryker-asyncstd: builds each one's library with its default
#     features, one `cargo build -p <adapter> --lib` each, so that no adapter builds only
#     thanks to a dependency feature that another one turns on; with the dependencies that a
#     user of the adapter resolves (its manifest without its dev-dependencies). So a std API
#     newer than the MSRV in an adapter's src, or a dependency whose every fitting release
#     needs a newer Rust, fails this step.
#     Build only, not their tests, for two reasons. Their dev-dependencies include the
#     workspace's conformance suite and bench-support, test crates with no MSRV of their own
#     that use newer std APIs (`u64::is_multiple_of`, 1.87; `Waker::noop`, 1.85), so their
#     test targets do not build on 1.80. And the part that would (ryker-tokio's unit tests and
#     the three crates' doc tests, with those two cut) passes on 1.80 but adds about 40 s to a
#     cold run on two cores (tokio's macros and test-util, async-std's attributes), on a CI run
#     near its time limit; what those tests check beyond the build is the adapters' behaviour
#     on their runtimes, which `cargo test --workspace` checks on stable.
#
#   bash .ci/msrv.sh
#
# Toolchain: `rustup toolchain install <MSRV> --profile minimal` when rustup lacks it.
#
# Lockfile: the workspace's Cargo.lock follows the newest releases, some of which need a newer
# Rust than the crates promise (hashbrown 0.17 and indexmap 2.14 under `toml`, zeroize 1.9
# under `amnesia`, tokio 1.54 under ryker-tokio, async-lock 3.5 under ryker-smol and
# ryker-asyncstd, all rust-version 1.85), and the MSRV cargo cannot pick other versions
# itself. So the script resolves a lockfile of its own, in a copy:
#   - target/msrv/ws gets the root Cargo.toml with the members cut down to ryker-core and the
#     three adapters, a copy of each (cp -a, so unchanged sources keep their mtimes and re-runs
#     are incremental), and in the adapters' copies a Cargo.toml without [dev-dependencies]
#     (bench-support and the conformance suite are not copied). The repository's Cargo.lock is
#     never touched (the script checks), and the MSRV cargo never has to parse the manifests of
#     the other members or of their dependencies.
#   - The default (stable) cargo, 1.84 or newer, resolves it with
#     CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback: for every dependency the newest
#     version whose rust-version is at most the members' (the newest of all only where no
#     release fits, and then the build below fails and names it). This is what a user on 1.80
#     gets from `cargo update` with that setting (the default since Rust 1.84 under resolver
#     "3"), and it needs no nightly (`-Zmsrv-policy` is the older, unstable form). One
#     lockfile serves the four crates: where their requirements overlap it holds one version
#     for all, as a user's lockfile would.
#   - The MSRV cargo then builds with --locked: it must not change that resolution.
# The lockfile is resolved anew on every run (it needs the crates.io index), so a new release
# of a dependency that drops 1.80 without a fitting older line fails this step, as it should.
#
# Builds go to target/msrv/build (one target directory, so the adapters share ryker-core and
# the dependencies they have in common).
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ADAPTERS=(ryker-tokio ryker-smol ryker-asyncstd)
rust_version() {
    sed -n 's/^rust-version = "\([0-9.]*\)"$/\1/p' "$1/Cargo.toml"
}
MSRV=$(rust_version ryker-core)
[[ -n $MSRV ]] || die "no rust-version in ryker-core/Cargo.toml"
for a in "${ADAPTERS[@]}"; do
    v=$(rust_version "$a")
    [[ -n $v ]] || die "no rust-version in $a/Cargo.toml"
    [[ $v == "$MSRV" ]] ||
        die "$a declares rust-version $v, ryker-core $MSRV: this script checks all of them with one toolchain"
done
WS="$RYKER_ROOT/target/msrv/ws"
TARGET_DIR="$RYKER_ROOT/target/msrv/build"
# The repository's Cargo.lock, content and mtime: checked after the resolution and the builds.
lock_state() { printf '%s %s\n' "$(sha256sum <Cargo.lock)" "$(stat -c %y Cargo.lock)"; }
lock_before=$(lock_state)

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
for c in ryker-core "${ADAPTERS[@]}"; do
    rm -rf "${WS:?}/$c"
    cp -a "$c" "$WS/$c"
done
python3 - Cargo.toml "$WS/Cargo.toml" ryker-core "${ADAPTERS[@]}" <<'EOF'
import re, sys
src, dst, members = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(src).read()
# `members = [...]` and `default-members = [...]`: ryker-core and the adapters only.
listed = ", ".join(f'"{m}"' for m in members)
text, n = re.subn(r'(?m)^((?:default-)?members) = \[[^\]]*\]', lambda m: f"{m[1]} = [{listed}]", text)
if n != 2:
    sys.exit(f"msrv: expected members and default-members in {src}, replaced {n}")
open(dst, "w").write(text)
EOF
# The adapters' copies without their dev-dependencies: what a user's resolution sees of them.
# The original's mtime is kept, so that a re-run stays incremental.
python3 - "$WS" "${ADAPTERS[@]}" <<'EOF'
import os, re, sys, tomllib
ws, adapters = sys.argv[1], sys.argv[2:]
header = re.compile(r'^\[(?:target\.[^\]]*\.)?dev-dependencies(?:\.[^\]]*)?\]\s*$')
for a in adapters:
    path = os.path.join(ws, a, "Cargo.toml")
    stat = os.stat(path)
    kept, skipping, cut = [], False, 0
    for line in open(path).read().splitlines(keepends=True):
        if line.startswith("["):
            skipping = bool(header.match(line))
            cut += skipping
        if not skipping:
            kept.append(line)
    text = "".join(kept)
    manifest = tomllib.loads(text)
    left = "dev-dependencies" in manifest or any(
        "dev-dependencies" in t for t in manifest.get("target", {}).values())
    if cut == 0 or left:
        sys.exit(f"msrv: {path}: {cut} [dev-dependencies] tables cut, some left: {left}")
    open(path, "w").write(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
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
[[ $(lock_state) == "$lock_before" ]] ||
    die "the repository's Cargo.lock changed while resolving the copy's lockfile"

# Every build and test: the MSRV cargo, the copied workspace, the locked resolution.
msrv_cargo() {
    local sub=$1
    shift
    run "${MSRV_CARGO[@]}" "$sub" --locked --manifest-path "$WS/Cargo.toml" --target-dir "$TARGET_DIR" "$@"
}

section "msrv: build ryker-core with Rust $MSRV"
timed msrv_cargo build -p ryker-core
timed msrv_cargo build -p ryker-core --no-default-features
timed msrv_cargo build -p ryker-core --no-default-features --features alloc
timed msrv_cargo build -p ryker-core --all-features

section "msrv: build the adapters' libraries with Rust $MSRV (default features)"
for a in "${ADAPTERS[@]}"; do
    timed msrv_cargo build -p "$a" --lib
done

section "msrv: ryker-core unit tests with Rust $MSRV"
timed msrv_cargo test -p ryker-core --lib

[[ $(lock_state) == "$lock_before" ]] ||
    die "the repository's Cargo.lock changed during the MSRV builds"
section "msrv: ryker-core builds and passes its unit tests on Rust $MSRV; ryker-tokio, ryker-smol and ryker-asyncstd build on it"
