//! Plants one broken twin for the loom checks, chosen by the `RYKER_LOOM_BROKEN` environment
//! variable (`.ci/loom.sh twins`).
//!
//! A twin is ryker-core compiled with `--cfg ryker_loom_broken="NAME"`, which weakens one
//! ordering or skips one wake-up so that the loom model named for it must fail. Passing that
//! cfg in `RUSTFLAGS` still works, but cargo hashes `RUSTFLAGS` into every crate of the build,
//! so each twin would rebuild loom and all its dependencies. Set here, the cfg reaches
//! ryker-core alone: a twin recompiles ryker-core and the loom test binaries, nothing else.
//!
//! Only a loom build (`--cfg ryker_loom` in `RUSTFLAGS`) takes the variable: an ordinary build
//! with it set warns and stays sound.

use std::env;

fn main() {
    println!("cargo:rerun-if-env-changed=RYKER_LOOM_BROKEN");
    // The choice below also rests on the loom cfg, which comes with the flags: re-run when
    // they change, so a twin planted in a loom build never outlives it.
    println!("cargo:rerun-if-env-changed=RUSTFLAGS");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let Some(name) = env::var("RYKER_LOOM_BROKEN").ok().filter(|n| !n.is_empty()) else {
        return;
    };
    // Cargo passes each cfg of the build (those from `RUSTFLAGS` included) to build scripts
    // as `CARGO_CFG_<NAME>`.
    if env::var_os("CARGO_CFG_RYKER_LOOM").is_none() {
        println!(
            "cargo:warning=RYKER_LOOM_BROKEN={name} ignored: broken twins are planted only in a \
             loom build (RUSTFLAGS=\"--cfg ryker_loom\")"
        );
        return;
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        panic!("RYKER_LOOM_BROKEN={name:?}: a twin's name is lowercase letters and `_` (see .ci/loom.sh)");
    }
    println!("cargo:rustc-cfg=ryker_loom_broken=\"{name}\"");
}
