//! Tool canaries: deliberately broken tests that prove a CI checker really catches what it claims.
//!
//! Nothing here is compiled by a plain `cargo test`. Each group is compiled only under one
//! `--cfg ryker_canary="..."`, which the matching script in `.ci/` sets:
//!
//! | cfg                         | script                | what the tool must report                      |
//! |-----------------------------|-----------------------|------------------------------------------------|
//! | `ryker_canary = "asan"`     | `.ci/sanitizers.sh`   | `AddressSanitizer: heap-use-after-free`, and a `LeakSanitizer` leak |
//! | `ryker_canary = "tsan"`     | `.ci/sanitizers.sh`   | `ThreadSanitizer: data race` (and nothing for the race-free control) |
//! | `ryker_canary = "valgrind"` | `.ci/valgrind.sh`     | memcheck `definitely lost`, so a non-zero exit |
//! | `ryker_canary = "miri"`     | `.ci/miri.sh`         | `Undefined Behavior` under the aliasing model in use (Stacked or Tree Borrows), a `Data race detected`, and `memory leaked` |
//!
//! Every canary test name starts with `canary_`, so a script that builds the real tests with the
//! same flags (one build, no second cache) runs them with `--skip canary_`. Each canary is run on
//! its own (`--exact`), because a sanitizer (or Miri) stops the whole process at its first report.
//!
//! The bugs are real undefined behaviour or real leaks on purpose; they are never compiled outside
//! these runs.
#![cfg(any(
    ryker_canary = "asan",
    ryker_canary = "tsan",
    ryker_canary = "valgrind",
    ryker_canary = "miri"
))]

use std::hint::black_box;

/// AddressSanitizer must report `heap-use-after-free` and abort.
#[cfg(ryker_canary = "asan")]
#[test]
fn canary_asan_heap_use_after_free() {
    let boxed = Box::new([0x5a_u8; 64]);
    let dangling: *const u8 = black_box(boxed.as_ptr());
    drop(boxed);
    // SAFETY: none. This read is the deliberate use-after-free that ASan must catch.
    let byte = unsafe { dangling.add(8).read_volatile() };
    black_box(byte);
}

/// LeakSanitizer (part of ASan on x86_64 Linux) must report the lost allocations at exit.
#[cfg(ryker_canary = "asan")]
#[test]
fn canary_asan_leak() {
    leak_unreachable_boxes();
}

/// ThreadSanitizer must report `data race`: two threads write one location with no
/// synchronisation between them. Spawning orders each write after the parent's, but not after
/// each other, so the race is reported whatever the actual interleaving.
#[cfg(ryker_canary = "tsan")]
#[test]
fn canary_tsan_data_race() {
    struct Racy(std::cell::UnsafeCell<u64>);
    // SAFETY: none. Claiming `Sync` for an unsynchronised cell is the deliberate bug.
    unsafe impl Sync for Racy {}
    static RACY: Racy = Racy(std::cell::UnsafeCell::new(0));

    let writers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..1_000 {
                    let p = RACY.0.get();
                    // SAFETY: none. The unsynchronised read-modify-write is the data race.
                    unsafe { p.write_volatile(p.read_volatile() + 1) };
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    black_box(RACY.0.get());
}

/// Negative control for the TSan setup: the std synchronisation that stress tests lean on (spawn
/// and join, scoped threads, `Arc`, atomics, `Mutex`, `Barrier`, `mpsc`) must produce no report.
/// std is not instrumented here, so this is what keeps `.ci/tsan.supp` honest: the script requires
/// this test to pass *and* `canary_tsan_data_race` to be reported under the same suppressions.
#[cfg(ryker_canary = "tsan")]
#[test]
fn control_tsan_std_sync_is_clean() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc, Barrier, Mutex};

    const THREADS: usize = 4;
    const PER_THREAD: usize = 1_000;

    let counter = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(THREADS));
    let (tx, rx) = mpsc::sync_channel::<Box<(usize, usize)>>(16);

    let handles: Vec<_> = (0..THREADS)
        .map(|id| {
            let (counter, log, barrier, tx) = (
                Arc::clone(&counter),
                Arc::clone(&log),
                Arc::clone(&barrier),
                tx.clone(),
            );
            std::thread::spawn(move || {
                barrier.wait();
                for seq in 0..PER_THREAD {
                    counter.fetch_add(1, Ordering::Relaxed);
                    tx.send(Box::new((id, seq))).unwrap();
                }
                log.lock().unwrap().push(id);
            })
        })
        .collect();
    drop(tx);

    let mut next = [0_usize; THREADS];
    for msg in rx {
        let (id, seq) = *msg;
        assert_eq!(seq, next[id], "per-producer order");
        next[id] += 1;
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(next, [PER_THREAD; THREADS]);
    assert_eq!(counter.load(Ordering::Relaxed), THREADS * PER_THREAD);
    assert_eq!(log.lock().unwrap().len(), THREADS);

    // Scoped threads are joined explicitly: `scope` itself waits on an atomic counter and a futex
    // inside uninstrumented std, which TSan cannot see, while `join` is a `pthread_join` it models.
    let mut slots = vec![0_u64; THREADS];
    std::thread::scope(|s| {
        let handles: Vec<_> = slots
            .iter_mut()
            .enumerate()
            .map(|(i, slot)| s.spawn(move || *slot = i as u64 * 2))
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    assert_eq!(slots, [0, 2, 4, 6]);
}

/// valgrind memcheck must classify these blocks as `definitely lost`, which with
/// `--errors-for-leak-kinds=definite --error-exitcode=1` makes the run fail.
#[cfg(ryker_canary = "valgrind")]
#[test]
fn canary_valgrind_definite_leak() {
    leak_unreachable_boxes();
}

/// Miri must report `Undefined Behavior` for a write through a pointer derived from a shared
/// reference, under Stacked Borrows (its default) and under Tree Borrows alike; the script also
/// checks that the report names the aliasing model it asked for.
#[cfg(ryker_canary = "miri")]
#[test]
fn canary_miri_write_through_shared_reference() {
    let value = 0_u64;
    // `black_box` hides the cast from rustc's `invalid_reference_casting` lint, not from Miri.
    let shared: *const u64 = black_box(&value);
    // SAFETY: none. Writing through a pointer that only carries shared (read-only) permission is
    // the deliberate aliasing violation.
    unsafe { shared.cast_mut().write(1) };
    black_box(value);
}

/// Miri's data-race detector must report `Data race detected`: two threads write one location
/// with no synchronisation between them. Its vector clocks see the race in any interleaving.
#[cfg(ryker_canary = "miri")]
#[test]
fn canary_miri_data_race() {
    struct Racy(std::cell::UnsafeCell<u64>);
    // SAFETY: none. Claiming `Sync` for an unsynchronised cell is the deliberate bug.
    unsafe impl Sync for Racy {}
    static RACY: Racy = Racy(std::cell::UnsafeCell::new(0));

    let writers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                let p = RACY.0.get();
                // SAFETY: none. The unsynchronised read-modify-write is the data race.
                unsafe { p.write(p.read() + 1) };
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    black_box(RACY.0.get());
}

/// Miri's leak check must report `memory leaked` when the program exits.
#[cfg(ryker_canary = "miri")]
#[test]
fn canary_miri_leak() {
    leak_unreachable_boxes();
}

/// Allocates blocks and then loses every pointer to them. Each new pointer overwrites the last in
/// the same register or stack slot, so at most the final block could still look reachable; the
/// rest are unreachable ("definitely lost") to any leak checker.
#[cfg(any(
    ryker_canary = "asan",
    ryker_canary = "valgrind",
    ryker_canary = "miri"
))]
#[inline(never)]
fn leak_unreachable_boxes() {
    for i in 0..16_u8 {
        let raw = Box::into_raw(Box::new([i; 48]));
        black_box(raw);
    }
}
