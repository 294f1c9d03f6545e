//! The one file that names atomics, `UnsafeCell`, spin hints, thread parking and loom.
//!
//! Everything concurrent in ryker-core reaches these primitives through this module, so that
//! building with `RUSTFLAGS="--cfg ryker_loom"` swaps every one of them for loom's model-checked
//! version. Under that cfg the spin limits shrink so the models stay small.

#[cfg(not(ryker_loom))]
mod imp {
    pub(crate) use core::hint::spin_loop;
    pub(crate) use core::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};

    /// `core::cell::UnsafeCell` with loom's closure-based access API, so that the code that
    /// touches slot memory is the same with and without loom.
    #[derive(Debug)]
    #[repr(transparent)]
    pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        #[inline]
        pub(crate) const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// Outside loom a yield inside a bounded backoff is just a longer spin: ryker-core is
    /// `no_std` and never calls into the OS scheduler from its try/poll paths.
    #[inline]
    pub(crate) fn yield_now() {
        for _ in 0..8 {
            spin_loop();
        }
    }

    #[cfg(feature = "alloc")]
    pub(crate) use alloc::sync::Arc;

    #[cfg(feature = "std")]
    pub(crate) mod thread {
        pub(crate) use std::thread::{current, park, yield_now, Thread};
        pub(crate) use std::thread_local;
    }

    /// Backoff limits (powers of two of spin-loop hints), as in crossbeam-utils.
    pub(crate) const SPIN_LIMIT: u32 = 6;
    pub(crate) const YIELD_LIMIT: u32 = 10;
}

#[cfg(ryker_loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    #[cfg(feature = "std")]
    pub(crate) use loom::hint::spin_loop;
    pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
    /// loom's `Arc` tracks the reference count, so the hand-off of the shared mailbox state
    /// to whichever half drops it last is checked too.
    #[cfg(feature = "alloc")]
    pub(crate) use loom::sync::Arc;
    pub(crate) use loom::thread::yield_now;

    #[cfg(feature = "std")]
    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, park, yield_now, Thread};
        pub(crate) use loom::thread_local;
    }

    /// Under loom every backoff step is a yield point; two of them are enough to let the
    /// other threads run, and more would only multiply the explored interleavings.
    pub(crate) const SPIN_LIMIT: u32 = 0;
    pub(crate) const YIELD_LIMIT: u32 = 1;
}

pub(crate) use imp::*;

/// `broken_twin!("NAME")`: whether the loom suite's broken twin NAME is planted in this
/// process.
///
/// A broken twin weakens one ordering or skips one wake-up, at a site marked
/// `if broken_twin!("NAME")`, so that the loom model `.ci/loom.sh` names for it must fail (a
/// model that passes it has stopped exploring the interleaving that matters). In a loom build
/// the twin is picked when the process starts, from the `RYKER_LOOM_BROKEN` environment
/// variable (unset or empty: none; `planted_twin`), so one build runs the suite and every
/// twin. (Until the thirtieth round of issue 10 each twin was a `cfg` and a build of its own:
/// 43 builds of ryker-core and the loom test binaries, the largest part of CI's loom step.)
///
/// Outside loom it is the literal `false`, not a call, so every build drops the twin's branch,
/// debug builds included. Where it stands in an expression can still matter to the optimiser:
/// last in the `||` chain of the end check's `settled` (`Ring::pop_impl`) it cost the `ask`
/// perf gate one instruction per round trip; first in the chain, none (the gate's five counts
/// are those of the code before the twins became branches).
#[cfg(not(ryker_loom))]
macro_rules! broken_twin {
    ($name:literal) => {
        false
    };
}

/// `broken_twin!("NAME")` in the loom build: see the other definition.
#[cfg(ryker_loom)]
macro_rules! broken_twin {
    ($name:literal) => {
        $crate::sync::planted_twin($name)
    };
}

pub(crate) use broken_twin;

/// Whether `RYKER_LOOM_BROKEN` names `name` (the loom build's `broken_twin!`). Read once,
/// through a `std` `OnceLock` that loom does not see: the choice adds no interleaving to any
/// model.
#[cfg(ryker_loom)]
pub(crate) fn planted_twin(name: &str) -> bool {
    static PLANTED: std::sync::OnceLock<Option<std::string::String>> = std::sync::OnceLock::new();
    PLANTED
        .get_or_init(|| {
            std::env::var("RYKER_LOOM_BROKEN")
                .ok()
                .filter(|n| !n.is_empty())
        })
        .as_deref()
        == Some(name)
}

/// Pads and aligns a value to the length of a cache line (crossbeam-utils' type: it is a plain
/// wrapper, so it is the same under loom).
pub(crate) use crossbeam_utils::CachePadded;

/// How a lone producer asks the CPU to fetch the cache line of a slot ahead of the one it
/// claims: a hint that changes no value and orders nothing. A producer streaming into the ring
/// uses it on a slot a few places ahead, whose line the consumer touched last (it read the slot
/// a lap ago, and in a shared ring wrote its stamp when it freed it): the transfer of that line
/// then overlaps the work in between, instead of stalling the claim (a shared ring's claim
/// loads the stamp) and leaving the slot's stores waiting in the store buffer (where anything
/// that has to drain it, a locked instruction or a load that cannot be forwarded from a store,
/// waits for them too).
///
/// Chosen once per ring, when it is built ([`Prefetch::for_ring`]), and kept in the ring: a
/// claim tests a byte of the ring's own instead of `has_write_prefetch`'s `static`, reached
/// through the global offset table, and the address needs one wrap check instead of two (a
/// ring with fewer slots than the distance never prefetches). On one CPU nothing is fetched
/// at all, which spares the whole prefetch, about 20 instructions per message (callgrind,
/// docs/PERFORMANCE.md, sixteenth round); elsewhere the choice spares 3 or 4.
///
/// `prefetchw` asks for the line in a writable state, so the producer's stores to it need no
/// second transfer; the x86-64 baseline does not include it (PRFCHW, CPUID leaf 0x8000_0001,
/// ECX bit 8), and LLVM lowers `_MM_HINT_ET0` to the read prefetch `prefetcht0` without it,
/// so the instruction is written out here and used only where the CPU reports it.
/// Not built under loom.
#[cfg(not(ryker_loom))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Off x86-64 and under Miri only `Off` is ever made, and in an SGX enclave never `Write`.
#[cfg_attr(
    not(all(target_arch = "x86_64", not(miri), not(target_env = "sgx"))),
    allow(dead_code)
)]
pub(crate) enum Prefetch {
    /// Nothing is fetched: off x86-64, under Miri, on one CPU (the consumer runs on the same
    /// CPU, so the line is already here, and the hint only costs), for a ring with fewer slots
    /// than the distance ahead, and for a `static` ring (built before the CPU can be asked;
    /// nothing prefetches through one).
    Off,
    /// `prefetcht0`: the CPU has no `prefetchw`, or CPUID cannot be asked (an SGX enclave,
    /// where it faults).
    Read,
    /// `prefetchw`: only ever made by `cpu_prefetch`, where CPUID reports it.
    Write,
}

#[cfg(not(ryker_loom))]
impl Prefetch {
    /// What a ring built now uses: `Off` unless `fits` (the ring has at least as many slots as
    /// the distance ahead) and (with `std`) the process runs on more than one CPU (`one_cpu`,
    /// whose answer, remembered for the process, may be asked here first); then what the CPU
    /// offers (`cpu_prefetch`).
    pub(crate) fn for_ring(fits: bool) -> Self {
        #[cfg(feature = "std")]
        let one_cpu = one_cpu();
        #[cfg(not(feature = "std"))]
        let one_cpu = false;
        Self::choose(fits, one_cpu, cpu_prefetch)
    }

    /// `for_ring`'s rule, with the facts passed in (`cpu` is asked only when it matters).
    #[inline]
    fn choose(fits: bool, one_cpu: bool, cpu: impl FnOnce() -> Self) -> Self {
        if fits && !one_cpu {
            cpu()
        } else {
            Self::Off
        }
    }

    /// Whether anything is fetched at all.
    #[inline(always)]
    pub(crate) fn is_on(self) -> bool {
        self != Self::Off
    }

    /// Asks the CPU to fetch the line at `p` (any address: nothing is read or written through
    /// it, and neither instruction can fault).
    #[inline(always)]
    pub(crate) fn fetch<T>(self, p: *const T) {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        match self {
            Self::Off => {}
            Self::Read => {
                // SAFETY: `prefetcht0` reads and writes no memory and cannot fault, whatever
                // the address; SSE is part of the x86-64 baseline. (The intrinsic is a safe
                // function on newer Rust.)
                #[allow(unused_unsafe)]
                unsafe {
                    use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                    _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
                }
            }
            Self::Write => {
                // SAFETY: `prefetchw` reads and writes no memory and cannot fault, whatever
                // the address; the CPU has it (`Write` is only made by `cpu_prefetch`, after
                // CPUID said so).
                // `nomem` although a pointer goes in: the instruction only names an address,
                // it accesses nothing, so the compiler need not write pending stores out
                // before it.
                #[allow(clippy::pointers_in_nomem_asm_block)]
                unsafe {
                    core::arch::asm!(
                        "prefetchw [{0}]",
                        in(reg) p,
                        options(nostack, preserves_flags, nomem)
                    );
                }
            }
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        let _ = (self, p);
    }
}

/// What this CPU offers, whatever the ring and the process: `Write` where CPUID reports
/// `prefetchw`, `Read` on other x86-64 CPUs (and in an SGX enclave, where CPUID faults), `Off`
/// elsewhere and under Miri.
#[cfg(not(ryker_loom))]
fn cpu_prefetch() -> Prefetch {
    #[cfg(all(target_arch = "x86_64", not(miri), not(target_env = "sgx")))]
    if has_write_prefetch() {
        return Prefetch::Write;
    }
    if cfg!(all(target_arch = "x86_64", not(miri))) {
        Prefetch::Read
    } else {
        Prefetch::Off
    }
}

/// Whether the CPU has `prefetchw` (PRFCHW): asked of CPUID on the first call, remembered in a
/// static after that (CPUID can trap to the hypervisor in a VM: too slow for every ring built,
/// see `Prefetch::for_ring`).
#[cfg(all(
    target_arch = "x86_64",
    not(miri),
    not(ryker_loom),
    not(target_env = "sgx")
))]
fn has_write_prefetch() -> bool {
    use core::sync::atomic::{AtomicU8, Ordering};
    const UNKNOWN: u8 = 0;
    const YES: u8 = 1;
    const NO: u8 = 2;
    static WRITE_PREFETCH: AtomicU8 = AtomicU8::new(UNKNOWN);
    #[cold]
    #[allow(unused_unsafe)]
    fn detect() -> u8 {
        use core::arch::x86_64::__cpuid;
        // SAFETY: every x86-64 CPU has CPUID (outside SGX enclaves, where this is not built),
        // and leaf 0x8000_0000 says how far the extended leaves go. (`__cpuid` is an unsafe
        // function on older Rust, a safe one on newer.)
        let found = unsafe {
            __cpuid(0x8000_0000).eax >= 0x8000_0001 && __cpuid(0x8000_0001).ecx & (1 << 8) != 0
        };
        if found {
            YES
        } else {
            NO
        }
    }
    // Relaxed: a cache of a fact about the CPU; a thread that sees UNKNOWN asks CPUID itself
    // and gets the same answer, so nothing is ordered by it.
    let mut known = WRITE_PREFETCH.load(Ordering::Relaxed);
    if known == UNKNOWN {
        known = detect();
        // Relaxed: as above.
        WRITE_PREFETCH.store(known, Ordering::Relaxed);
    }
    known == YES
}

/// Whether this process runs on one CPU only: asked on the first call, remembered in a static
/// after that (the answer may cost system calls and file reads).
///
/// On one CPU a thread that waits for another cannot see it make progress until it gives the
/// CPU up: spinning first is time taken from the peer, and a fence that only paces a producer
/// against a consumer on another core paces nothing. So there the blocking calls' waits
/// (`blocking::spin_then`, `blocking::block_on_spin`) go straight to their OS yields, and a
/// lone blocking sender publishes without the pacing fence; and a ring built there never
/// prefetches (`Prefetch::for_ring`). Only ever a hint for how to wait and fetch, never for
/// what is correct.
///
/// Asked first by whichever comes first: the first ring built (any `Ring`, `split` or
/// mailbox; with `std`) or a blocking call. The answer then stays for the process: a thread
/// that asks describes the process as it is then, and a later change of affinity is not
/// seen.
///
/// One CPU means: `std::thread::available_parallelism` says 1 for the calling thread (its
/// affinity mask, and on Linux the cgroup's CPU quota), and, on Linux, the process's main
/// thread may run on one CPU only too (`sched_getaffinity` of the process id). The second
/// check keeps a program that pins a thread to one core (thread-per-core designs), while its
/// peers run on others, from reading as one CPU; a process started on one CPU (`taskset -c
/// 0`, a one-vCPU machine) reads as one. A cgroup quota of one CPU on a larger machine does
/// not (its threads still run side by side, within the quota).
///
/// `false` under loom (the models must see the multi-CPU paths) and under Miri (which
/// reports one CPU unless told otherwise, and should run the paths a multi-core machine runs:
/// the one-CPU paths differ from them only in spin hints and one fence, not in any memory
/// access).
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn one_cpu() -> bool {
    #[cfg(not(any(ryker_loom, miri)))]
    {
        use core::sync::atomic::{AtomicU8, Ordering};
        const UNKNOWN: u8 = 0;
        const YES: u8 = 1;
        const NO: u8 = 2;
        static ONE_CPU: AtomicU8 = AtomicU8::new(UNKNOWN);
        #[cold]
        fn detect() -> u8 {
            // Unknown (an error) counts as several: the behaviour measured as the default.
            if !std::thread::available_parallelism().is_ok_and(|n| n.get() == 1) {
                return NO;
            }
            #[cfg(target_os = "linux")]
            {
                // SAFETY: `cpu_set_t` is plain bits (all zeros is the empty set);
                // `sched_getaffinity` writes at most `size_of::<cpu_set_t>()` bytes into it
                // and reads nothing else of ours. With more CPUs than the set holds it fails
                // (EINVAL), which counts as several.
                let cpus = unsafe {
                    let mut set: libc::cpu_set_t = core::mem::zeroed();
                    if libc::sched_getaffinity(
                        libc::getpid(),
                        core::mem::size_of::<libc::cpu_set_t>(),
                        &mut set,
                    ) == 0
                    {
                        libc::CPU_COUNT(&set)
                    } else {
                        2
                    }
                };
                if cpus != 1 {
                    return NO;
                }
            }
            YES
        }
        // Relaxed: a cache of a fact about the process; a thread that sees UNKNOWN asks
        // itself and stores its own answer (short of an affinity change meanwhile, the
        // same), so nothing is ordered by it and a differing answer only changes how a wait
        // is spent.
        let mut known = ONE_CPU.load(Ordering::Relaxed);
        if known == UNKNOWN {
            known = detect();
            // Relaxed: as above.
            ONE_CPU.store(known, Ordering::Relaxed);
        }
        known == YES
    }
    #[cfg(any(ryker_loom, miri))]
    false
}

/// Whether every thread that is ready to run could have a CPU of its own now: at most as
/// many runnable threads on the machine (this one included) as CPUs this process may use.
/// Asked by a blocking receive whose OS yield kept it off its CPU for a whole turn
/// (`blocking::LONG_YIELD`), to tell the two reasons apart:
///
/// - More runnable threads than CPUs (four senders and a receiver on two CPUs, or a loaded
///   machine): the yield did its job, handing the CPU to a thread that needed it, quite likely
///   a sender; yielding stays the better wait (docs/PERFORMANCE.md, fifteenth round).
/// - A CPU to spare: the scheduler has put the receiver on the same CPU as its sender while
///   another sits idle (it packs threads onto fewer CPUs; the 2-vCPU VM's kernel does so on
///   purpose, `sched_vcpu_pack`). A yield then hands the sender the CPU for its whole turn,
///   about 170 µs there, and a receiver that keeps yielding never sleeps, so it is never
///   placed anew and stays there (docs/PERFORMANCE.md, eighteenth round).
///
/// Linux only: the count is the fourth field of `/proc/loadavg` (the kernel's `nr_running`,
/// summed over the CPUs when read), against `available_parallelism` (the affinity mask and
/// the cgroup's quota; asked once per process, since it reads several files). The file read
/// costs about 5 µs (4.6 µs measured on the 2-vCPU VM), so the answer is kept for 10 ms per
/// thread; it is only ever asked after a yield that took ten times that. `false` when it
/// cannot tell (another OS, no `/proc`, a count it cannot read or of 0, as gVisor's constant
/// `0/0` is; in a container whose `/proc/loadavg` counts the whole host, usually too), and
/// under loom and Miri: the receive then waits as it always did. Only ever a hint for how to
/// wait, never for what is correct.
#[cfg(feature = "std")]
pub(crate) fn cpus_to_spare() -> bool {
    #[cfg(test)]
    if let Some(spare) = SPARE_CPUS.with(core::cell::Cell::get) {
        return spare;
    }
    #[cfg(all(target_os = "linux", not(any(ryker_loom, miri))))]
    {
        use core::cell::Cell;
        use std::time::{Duration, Instant};
        /// How long an answer is kept.
        const KEPT: Duration = Duration::from_millis(10);
        std::thread_local! {
            /// The last answer on this thread, and when it was read.
            static LAST: Cell<Option<(Instant, bool)>> = const { Cell::new(None) };
        }
        let now = Instant::now();
        if let Some((at, spare)) = LAST.get() {
            if now.duration_since(at) < KEPT {
                return spare;
            }
        }
        let spare = read_cpus_to_spare();
        LAST.set(Some((now, spare)));
        spare
    }
    #[cfg(not(all(target_os = "linux", not(any(ryker_loom, miri)))))]
    false
}

#[cfg(all(test, feature = "std"))]
std::thread_local! {
    /// What [`cpus_to_spare`] answers on this thread, when set (unit tests only: a machine
    /// with or without an idle CPU, on demand).
    pub(crate) static SPARE_CPUS: core::cell::Cell<Option<bool>> = const { core::cell::Cell::new(None) };
}

/// [`cpus_to_spare`]'s reading, without the cache.
#[cfg(all(feature = "std", target_os = "linux", not(any(ryker_loom, miri))))]
#[cold]
fn read_cpus_to_spare() -> bool {
    use core::sync::atomic::{AtomicUsize, Ordering};
    use std::io::Read;
    /// The CPUs this process may use: 0 until asked, `usize::MAX` when it cannot tell.
    // (An atomic as `one_cpu`'s, not a `OnceLock`: the sanitizer build's std is not
    // instrumented, so ThreadSanitizer cannot see a `OnceLock`'s synchronisation.)
    static CPUS: AtomicUsize = AtomicUsize::new(0);
    // Relaxed: a cache of a fact about the process, as `one_cpu`'s: a thread that sees it
    // unset asks itself and stores its own answer (the same, short of an affinity change
    // meanwhile); nothing else is read through it.
    let mut cpus = CPUS.load(Ordering::Relaxed);
    if cpus == 0 {
        cpus = std::thread::available_parallelism().map_or(usize::MAX, |n| n.get());
        // Relaxed: as above.
        CPUS.store(cpus, Ordering::Relaxed);
    }
    if cpus == usize::MAX {
        return false;
    }
    // The file is one short line: a stack buffer, no allocation.
    let mut buf = [0u8; 128];
    let Ok(len) = std::fs::File::open("/proc/loadavg").and_then(|mut f| f.read(&mut buf)) else {
        return false;
    };
    runnable_in_loadavg(&buf[..len]).is_some_and(|running| running <= cpus)
}

/// The runnable threads in a `/proc/loadavg` line (`"0.52 0.58 0.59 2/467 12345"`: the
/// first half of the fourth field), or `None` if it does not read as one. A count of 0 is
/// `None` too: the thread reading the file is running, so a 0 is a `/proc` that does not
/// count (gVisor's reads `0/0` always).
#[cfg(feature = "std")]
#[cfg_attr(
    not(all(target_os = "linux", not(any(ryker_loom, miri)))),
    allow(dead_code)
)]
fn runnable_in_loadavg(line: &[u8]) -> Option<usize> {
    let line = core::str::from_utf8(line).ok()?;
    let (running, _total) = line.split_ascii_whitespace().nth(3)?.split_once('/')?;
    running.parse().ok().filter(|&running| running > 0)
}

/// A bounded exponential backoff that loom can see.
///
/// crossbeam-utils' `Backoff` calls `std::thread::yield_now`, which loom cannot schedule around
/// and which does not exist under `no_std`; this one spins with `spin_loop` hints and, past the
/// spin limit, calls the shim's `yield_now`. It never blocks: callers stop when
/// [`Backoff::is_completed`] says so and report contention instead of waiting any longer.
#[derive(Debug)]
pub(crate) struct Backoff {
    step: u32,
}

impl Backoff {
    #[inline]
    pub(crate) const fn new() -> Self {
        Self { step: 0 }
    }

    /// Backs off in a lock-free loop (a CAS lost to another thread).
    #[inline]
    pub(crate) fn spin(&mut self) {
        #[cfg(ryker_loom)]
        yield_now();
        #[cfg(not(ryker_loom))]
        for _ in 0..1u32 << self.step.min(SPIN_LIMIT) {
            spin_loop();
        }
        if self.step <= YIELD_LIMIT {
            self.step += 1;
        }
    }

    /// Backs off while waiting for another thread to finish its step (a slot being published).
    #[inline]
    #[cfg_attr(ryker_loom, allow(clippy::absurd_extreme_comparisons))] // SPIN_LIMIT is 0 there
    pub(crate) fn snooze(&mut self) {
        if self.step <= SPIN_LIMIT {
            #[cfg(ryker_loom)]
            yield_now();
            #[cfg(not(ryker_loom))]
            for _ in 0..1u32 << self.step {
                spin_loop();
            }
        } else {
            yield_now();
        }
        if self.step <= YIELD_LIMIT {
            self.step += 1;
        }
    }

    /// True once waiting any longer is not worth it; the caller reports contention.
    #[inline]
    pub(crate) fn is_completed(&self) -> bool {
        self.step > YIELD_LIMIT
    }
}

/// A test-and-test-and-set spin lock over our own atomics, guarding the sender wait list.
///
/// `no_std` has no OS lock, and a lock built on the shim's `AtomicBool` is one that loom can
/// check together with the rest of the protocol. It is held only for a few pointer writes
/// (never across user code: wakers are cloned, dropped and woken outside it), so contention is
/// short; it is not on the message path, only on the slow path where senders wait for space.
#[derive(Debug)]
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out `&mut T` to one thread at a time (acquire/release below), so
// sharing the lock between threads is sound whenever `T` itself can be sent between them.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: moving the lock moves the `T` it owns.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub(crate) fn new(data: T) -> Self {
        Self {
            locked: AtomicBool::new(false),
            data: UnsafeCell::new(data),
        }
    }

    /// Runs `f` with exclusive access to the data.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release store in the unlock below, so the previous
            // holder's writes to `data` are visible to us. Relaxed on failure: we read nothing.
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                break;
            }
            // Relaxed: only a hint to avoid hammering the line with failing CASes; the CAS
            // above is what synchronizes.
            while self.locked.load(Ordering::Relaxed) {
                backoff.snooze();
            }
        }
        struct Unlock<'a>(&'a AtomicBool);
        impl Drop for Unlock<'_> {
            fn drop(&mut self) {
                // Release: publishes our writes to `data` to the next holder's Acquire CAS.
                // Done by a guard so that a panic inside `f` cannot leave the lock held.
                self.0.store(false, Ordering::Release);
            }
        }
        let _unlock = Unlock(&self.locked);
        // SAFETY: `locked` is true and we set it, so no other thread is inside `with`; the
        // `&mut T` does not escape `f`.
        self.data.with_mut(|p| f(unsafe { &mut *p }))
    }
}

/// A process-wide number for each actor, for names and metric labels (`Worker-7`), so that
/// unnamed actors of one type do not share one metric series.
///
/// A plain `core` atomic in a `static`, also under loom: it orders nothing and nothing waits on
/// it (loom's atomics cannot live in a `static`, and modelling a unique-number counter would
/// only add states). On a 32-bit target the numbers repeat after 2^32 actors.
pub(crate) fn next_actor_id() -> usize {
    static NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(1);
    // Relaxed: only uniqueness matters, which the RMW gives at any ordering.
    NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed)
}

#[cfg(all(test, not(ryker_loom)))]
mod tests {
    use super::Prefetch;

    #[cfg(feature = "std")]
    #[test]
    fn the_runnable_count_is_read_from_a_loadavg_line() {
        use super::runnable_in_loadavg as runnable;
        assert_eq!(runnable(b"0.52 0.58 0.59 2/467 12345\n"), Some(2));
        assert_eq!(runnable(b"12.00 9.10 8.00 131/2048 1"), Some(131));
        // Anything else is "cannot tell".
        for bad in [
            &b""[..],
            b"0.52 0.58 0.59",
            b"0.52 0.58 0.59 2 467 12345",
            b"0.52 0.58 0.59 x/467 12345",
            b"0.52 0.58 0.59 -1/467 12345",
            b"0.00 0.00 0.00 0/0 0",
            b"\xff\xfe 0.58 0.59 2/467 1",
        ] {
            assert_eq!(runnable(bad), None, "{bad:?}");
        }
    }

    // The kernel's own line parses (either answer of `cpus_to_spare` is possible, depending
    // on the load, so only the reading is checked), where the kernel counts at all.
    #[cfg(all(feature = "std", target_os = "linux", not(miri)))]
    #[test]
    fn the_kernels_loadavg_line_parses() {
        let line = std::fs::read("/proc/loadavg").unwrap();
        let counted = line.split(|&b| b == b' ').nth(3);
        if counted.is_some_and(|field| field.starts_with(b"0/")) {
            // A `/proc` that does not count (gVisor): "cannot tell", which the parse says.
            assert_eq!(super::runnable_in_loadavg(&line), None);
        } else {
            let running = super::runnable_in_loadavg(&line).expect("a loadavg line");
            assert!(running >= 1, "this thread runs: {line:?}");
        }
        let _ = super::cpus_to_spare();
    }

    // The hint must never fault, whatever it is given: a dangling, a null and a live address,
    // with what this CPU offers and with the read prefetch every x86-64 CPU has (a wrong answer
    // from the CPUID check would run `prefetchw` where it is an invalid opcode, and the test
    // process would die of it). `cpu_prefetch` twice: the first call may ask CPUID, the second
    // reads the remembered answer; `for_ring` too, which is `Off` where the tests run on one
    // CPU.
    #[test]
    fn the_write_prefetch_is_a_hint_that_never_faults() {
        let live = [7_u64; 16];
        let offered = [
            super::cpu_prefetch(),
            super::cpu_prefetch(),
            Prefetch::for_ring(true),
            Prefetch::Read,
            Prefetch::Off,
        ];
        for prefetch in offered {
            prefetch.fetch(live.as_ptr());
            prefetch.fetch(core::ptr::null::<u64>());
            prefetch.fetch(
                core::ptr::NonNull::<u64>::dangling()
                    .as_ptr()
                    .wrapping_add(usize::MAX / 64),
            );
            // Not even a canonical address on x86-64.
            prefetch.fetch(core::ptr::null::<u64>().wrapping_sub(1));
        }
        assert_eq!(live, [7; 16], "a prefetch writes nothing");
    }

    // The ring's choice: what the CPU offers only with enough slots and a second CPU, and the
    // CPU is not asked otherwise.
    #[test]
    fn a_ring_prefetches_only_with_enough_slots_and_a_second_cpu() {
        for cpu in [Prefetch::Read, Prefetch::Write, Prefetch::Off] {
            let asked = core::cell::Cell::new(0);
            let ask = || {
                asked.set(asked.get() + 1);
                cpu
            };
            assert_eq!(Prefetch::choose(true, false, ask), cpu);
            assert_eq!(Prefetch::choose(false, false, ask), Prefetch::Off);
            assert_eq!(Prefetch::choose(true, true, ask), Prefetch::Off);
            assert_eq!(Prefetch::choose(false, true, ask), Prefetch::Off);
            assert_eq!(asked.get(), 1, "the CPU asked only where it matters");
        }
        // What this machine offers: something on x86-64 outside Miri, nothing elsewhere.
        assert_eq!(
            super::cpu_prefetch().is_on(),
            cfg!(all(target_arch = "x86_64", not(miri)))
        );
    }
}
