//! Running futures on a plain thread: poll, and park until the waker registered by the poll
//! unparks us. The same waker cell and wait list serve async and blocking callers of the
//! mailbox; [`block_on`] is also the smallest executor an actor can run on.

use alloc::sync::Arc;
use alloc::task::Wake;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use crate::sync::spin_loop;
use crate::sync::thread::{self, Thread};

/// Unparks the thread it was made on.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread::thread_local! {
    /// One waker per thread, made on first use, so blocking calls allocate nothing per call.
    static WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
}

/// How long a blocking call retries its non-registering `try_*` step before it registers a
/// waker and parks: a few spin-loop rounds, then a few OS yields. Parking and unparking cost a
/// system call on each side, far more than a short wait for a peer that is about to send or
/// receive (the same trade crossbeam-channel makes). Retrying with `try_*` rather than by
/// re-polling matters: every poll re-registers the waker, which would make every sender in
/// the meantime take and wake it.
pub(crate) const SPINS: u32 = if cfg!(ryker_loom) { 0 } else { 6 };
const YIELDS: u32 = if cfg!(ryker_loom) { 0 } else { 4 };

/// The spin-loop rounds of a blocking receive (`Receiver::blocking_recv_many`): 4 rounds, 15
/// `spin_loop` hints, where a send spins [`SPINS`] rounds (63 hints); then the same OS yields.
///
/// A receiver that spins on while its senders are not running holds the CPU they need. With
/// more runnable threads than CPUs (four blocking senders and the receiver on two vCPUs), the
/// two rounds a send keeps and a receive drops (16 and 32 hints) made the difference between
/// the 4→1 rows running at crossfire's rate and running 1.4 times (capacity 512) to 2.3 times
/// (4096) its rate, in 8 interleaved rounds; the one-sender rows, where a spinning receiver
/// catches the next run from a sender on the other CPU, moved by 0.96-1.00x
/// (docs/PERFORMANCE.md, fifteenth round). Shortening a send's spin as well did not help.
pub(crate) const RECV_SPINS: u32 = if cfg!(ryker_loom) { 0 } else { 4 };

/// A yield that kept the thread off its CPU for longer than this handed the CPU to another
/// thread for a turn of its own (a yield with nothing else to run returns in about 0.5 µs on
/// the 2-vCPU VM; one that ran the sender on the same CPU took 150-280 µs there).
#[cfg(not(ryker_loom))]
const LONG_YIELD: std::time::Duration = std::time::Duration::from_micros(50);

/// The OS yields of a wait of [`spin_then`], after its spin rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Yields {
    /// A few ([`YIELDS`]).
    Plain,
    /// As many, each timed: a yield that ran long ([`LONG_YIELD`]) is reported
    /// (`Waited::yield_ran_long`), and ends the yielding (the last look follows).
    Timed,
    /// None: after the spin rounds, the last look (the caller parks next).
    Skip,
}

/// What a wait of [`spin_then`] found, and how it went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Waited<R> {
    /// The first successful attempt's answer; `None` if none succeeded.
    pub(crate) found: Option<R>,
    /// A timed yield ran long ([`Yields::Timed`]): another thread had this CPU for a turn
    /// (whatever the last look found after it).
    pub(crate) yield_ran_long: bool,
}

/// Tries `attempt`, then retries it for a short while (`spins` spin-loop rounds, then a few OS
/// yields, as `yields` says), until it succeeds or the retries run out.
///
/// `attempt(Look::Hint)` may first check a cheap hint and give up at once when it says the
/// attempt cannot succeed yet: a hint reads the one line the peer writes when it makes
/// progress, where a full attempt would also read (and so pull away from the peer) the line the
/// peer is working on. The first and the last attempt are `Look::Full`, so a hint only decides
/// how often we look in between, never what is found; a caller may still gate its first look
/// on a hint (the blocking receive mid-stream waits for a run there too), as long as the last
/// look is a full one. On one CPU (`sync::one_cpu`) the retries skip their spin rounds (see
/// [`retry`]).
// Under loom the spin counts are 0 (every step is a scheduling point there already).
// Always inlined: its first attempt is the whole of an uncontended blocking receive (an
// uncontended send is `Sender::blocking_send`'s own inline attempt; this is its wait's), and
// whether LLVM inlined it into the blocking send moved with unrelated code elsewhere in the
// crate (outlined, blocking SPSC at capacity 4096 measured 0.74 in 14 interleaved rounds;
// docs/PERFORMANCE.md, seventh round).
#[cfg_attr(ryker_loom, allow(clippy::absurd_extreme_comparisons))]
#[inline(always)]
pub(crate) fn spin_then<R>(
    spins: u32,
    yields: Yields,
    mut attempt: impl FnMut(Look) -> Option<R>,
) -> Waited<R> {
    #[cfg(test)]
    let mut this_wait = 0;
    #[cfg(test)]
    let mut attempt = |look| {
        LOOKS.with(|looks| looks.set(looks.get() + 1));
        this_wait += 1;
        BEFORE_LOOK.with(|hook| {
            if let Some(hook) = hook.borrow_mut().as_mut() {
                hook(this_wait);
            }
        });
        attempt(look)
    };
    if let found @ Some(_) = attempt(Look::Full) {
        return Waited {
            found,
            yield_ran_long: false,
        };
    }
    if spins + YIELDS == 0 {
        // No retries configured (loom): the one attempt was the last.
        return Waited {
            found: None,
            yield_ran_long: false,
        };
    }
    retry(attempt, spins, yields, crate::sync::one_cpu())
}

/// The retries of [`spin_then`], out of line: the loop below unrolls into a dozen calls of
/// `attempt`, and with them inline LLVM kept `attempt` out of line everywhere, the first
/// attempt (the whole of an uncontended receive) included, which then paid a call and returned
/// its answer through memory. Out here, the first attempt stays inline in the caller.
///
/// With `one_cpu` (`sync::one_cpu`) there are no spin-loop rounds: the peer cannot move while
/// we spin, so the wait goes straight to the OS yields, which hand it the CPU (and, with
/// `Yields::Skip`, straight to the last look).
#[cfg_attr(
    ryker_loom,
    allow(clippy::absurd_extreme_comparisons, clippy::reversed_empty_ranges)
)]
#[inline(never)]
fn retry<R>(
    mut attempt: impl FnMut(Look) -> Option<R>,
    spins: u32,
    yields: Yields,
    one_cpu: bool,
) -> Waited<R> {
    let first = if one_cpu { spins } else { 0 };
    let yields_n = if yields == Yields::Skip { 0 } else { YIELDS };
    let mut yield_ran_long = false;
    for step in first..spins + yields_n {
        if step < spins {
            for _ in 0..1u32 << step {
                spin_loop();
            }
        } else if yields == Yields::Timed {
            if yield_ran_long_now() {
                // To the last look: a sender that ran a whole turn has most likely left
                // messages, and if not, more yields would only repeat this one.
                yield_ran_long = true;
                break;
            }
        } else {
            thread::yield_now();
        }
        let look = if step < spins {
            Look::Hint
        } else {
            Look::HintLate
        };
        if let found @ Some(_) = attempt(look) {
            return Waited {
                found,
                yield_ran_long,
            };
        }
    }
    Waited {
        found: attempt(Look::Full),
        yield_ran_long,
    }
}

/// Yields the CPU; `true` if that took longer than [`LONG_YIELD`].
fn yield_ran_long_now() -> bool {
    #[cfg(test)]
    if LONG_YIELDS.with(|n| n.get()) > 0 {
        // A test stands in for a scheduler that ran another thread meanwhile.
        LONG_YIELDS.with(|n| n.set(n.get() - 1));
        return true;
    }
    #[cfg(not(ryker_loom))]
    {
        let before = std::time::Instant::now();
        thread::yield_now();
        before.elapsed() > LONG_YIELD
    }
    // (Under loom there are no yields: `YIELDS` is 0.)
    #[cfg(ryker_loom)]
    {
        thread::yield_now();
        false
    }
}

#[cfg(test)]
std::thread_local! {
    /// How many attempts [`spin_then`] has made on this thread (unit tests only: what a wait
    /// cost, counted rather than timed).
    pub(crate) static LOOKS: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
    /// How many of this thread's next timed yields read as long whatever they took (unit
    /// tests only: a scheduler that ran another thread meanwhile, on demand).
    pub(crate) static LONG_YIELDS: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
    /// Called before each look of a wait of [`spin_then`] on this thread with the look's
    /// number in that wait, from 1 (unit tests only: a sender that publishes mid-wait, on
    /// demand).
    #[allow(clippy::type_complexity)]
    pub(crate) static BEFORE_LOOK: core::cell::RefCell<Option<alloc::boxed::Box<dyn FnMut(u32)>>> =
        const { core::cell::RefCell::new(None) };
}

/// How far one attempt of [`spin_then`] looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Look {
    /// The whole attempt.
    Full,
    /// Only if a cheap hint says it may succeed; early in the wait (spinning), so a hint may
    /// ask for more than the bare minimum (a run of messages rather than one).
    Hint,
    /// As `Hint`, late in the wait (yielding): the bare minimum will do.
    HintLate,
}

/// Runs `f` with a context whose waker unparks this thread (the thread's one waker, made on
/// first use): for a blocking call that polls by hand and parks with [`park`].
pub(crate) fn with_thread_waker<R>(f: impl FnOnce(&mut Context<'_>) -> R) -> R {
    WAKER.with(|waker| f(&mut Context::from_waker(waker)))
}

/// Parks this thread until the waker of [`with_thread_waker`] is woken (at once if it already
/// was since the last park; spuriously at times, so callers look again in a loop).
///
/// # Panics
/// Inside async code that a runtime adapter recognises, as [`block_on`].
pub(crate) fn park() {
    forbid_async_context();
    thread::park();
}

/// Waits for another thread to finish a short step that nothing will signal (a sender between
/// its claim and its publish), in round `round` (from 1) of such waits in a row: an OS yield for
/// the first rounds, then sleeps of 2, 4, ... up to 1024 µs, so that a thread of lower priority
/// on the same core gets to run even if this one outranks it.
pub(crate) fn back_off_stalled(round: u32) {
    const YIELD_ROUNDS: u32 = 4;
    if cfg!(ryker_loom) || round <= YIELD_ROUNDS {
        thread::yield_now();
    } else {
        #[cfg(not(ryker_loom))]
        std::thread::sleep(core::time::Duration::from_micros(
            1 << (round - YIELD_ROUNDS).min(10),
        ));
    }
}

/// Polls `future` to completion on the current thread, parking the thread between polls.
///
/// Do not nest it (call it from inside a future it is running): the inner call would take the
/// outer call's wake-ups.
///
/// # Panics
/// When it would park inside async code that a runtime adapter recognises (see
/// [`AsyncContextProbe`]): running a future to completion there stalls that runtime.
///
/// ```
/// let (tx, mut rx) = ryker_core::mailbox::channel::<u8>(Default::default());
/// tx.try_send(7).unwrap();
/// assert_eq!(ryker_core::blocking::block_on(rx.recv()), Some(7));
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_spin(future, false)
}

/// Polls `future` to completion on this thread, parking between polls.
///
/// With `spin`, a `Pending` poll is retried a few times (spin-loop rounds, then OS yields)
/// before the thread parks. That suits the send path: a queued sender's re-poll only checks
/// its wait-list entry, and a sender notified while it spins claims its slot without the two
/// system calls of a park and an unpark. The receive path spins with plain `try_*` pops
/// instead (see `spin_then`), since each of its polls re-registers the waker.
#[cfg_attr(ryker_loom, allow(clippy::absurd_extreme_comparisons))]
pub(crate) fn block_on_spin<F: Future>(future: F, spin: bool) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        // On one CPU, no spin-loop rounds: see `retry`.
        let start = if spin && crate::sync::one_cpu() {
            SPINS
        } else {
            0
        };
        let mut idle = start;
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            if spin && idle < SPINS {
                for _ in 0..1u32 << idle {
                    spin_loop();
                }
            } else if spin && idle < SPINS + YIELDS {
                thread::yield_now();
            } else {
                // A wake between the poll and this park leaves the unpark token set, so the
                // park returns at once; spurious returns just poll again.
                forbid_async_context();
                thread::park();
                idle = start;
                continue;
            }
            idle += 1;
        }
    })
}

/// A deadline on the host's clock, as a future: ready once `Instant::now()` has reached it.
/// It registers no waker: the one thing that polls it, [`block_on_until`], parks with a
/// timeout that ends at the deadline, then polls again. (Polled by anything else it would
/// never wake its task.)
#[cfg(not(ryker_loom))]
pub(crate) struct Expiry(pub(crate) std::time::Instant);

#[cfg(not(ryker_loom))]
impl Future for Expiry {
    type Output = ();

    fn poll(self: core::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if std::time::Instant::now() >= self.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The instant `timeout` from now; a timeout too long for the clock (`Duration::MAX`, say)
/// gives a deadline a century away, as good as none.
#[cfg(not(ryker_loom))]
pub(crate) fn deadline_after(timeout: core::time::Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + core::time::Duration::from_secs(100 * 365 * 24 * 3600))
}

/// Polls `future` on this thread, parking between polls until it is woken or `deadline` comes,
/// whichever is first, and returns its output. The future must end by itself once `deadline`
/// has passed: it races its wait against an [`Expiry`] of the same deadline (`send_before`,
/// `recv_before`), which this polls again after the park that ends at the deadline. So the
/// timeout is decided by the future (which, in ryker's, gives up its place and passes on a
/// wake-up it had), never by dropping it half-way here.
///
/// # Panics
/// When it would park inside async code that a runtime adapter recognises, as [`block_on`].
// No spin before parking, unlike the untimed blocking calls: these are for waits that are
// expected to last (a worker thread's poll for work with a heartbeat, a send that gives up
// under overload), not for streaming. Not under loom: loom has no clock and no park_timeout;
// the futures these run (`send_before`, `recv_before`) are loom's, with a future deadline.
#[cfg(not(ryker_loom))]
pub(crate) fn block_on_until<F: Future>(future: F, deadline: std::time::Instant) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            // `Pending` after the deadline would mean a future that does not end by itself:
            // poll it again rather than park with no timeout left.
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if !left.is_zero() {
                // As in `block_on_spin`: a wake since the poll leaves the unpark token set, so
                // this returns at once; a spurious return (or the timeout) just polls again.
                forbid_async_context();
                std::thread::park_timeout(left);
            }
        }
    })
}

// ---- Blocking inside an async runtime -------------------------------------------------------

/// How an async runtime's adapter tells ryker that the calling thread is running that
/// runtime's async code, where a blocking call must not park the thread.
///
/// The blocking calls (`Sender::blocking_send`, `Receiver::blocking_recv`,
/// `Addr::blocking_tell`, [`block_on`]) park the calling thread while they wait. Inside an async
/// task that parks a worker of the runtime: on a single-threaded runtime nothing else runs
/// until the wait ends, which is never if the peer it waits for is a task on that runtime (a
/// silent deadlock); on a multi-threaded one it takes a worker away. So they must not be
/// called from async code: use `.send(msg).await`, `.recv().await` or `.tell(msg).await`
/// there, or move the blocking call to a thread meant for it (tokio's `spawn_blocking`).
///
/// ryker-core knows no runtime, so it cannot tell by itself. An adapter that can installs a
/// probe with [`install_async_context_probe`] (`ryker-tokio` does when a `Tokio` runtime is
/// made or an actor spawned on it, `ryker-asyncstd` when an actor is spawned); a blocking call
/// that is about to park then asks every installed probe, and panics with a message naming
/// the runtime and what to call instead if one says yes. Probes run only on that slow path,
/// never when the call completes without waiting.
///
/// ```
/// use ryker_core::blocking::{install_async_context_probe, AsyncContextProbe};
///
/// std::thread_local!(static IN_MY_EXECUTOR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
///
/// install_async_context_probe(AsyncContextProbe {
///     runtime: "my-executor",
///     in_async_context: || IN_MY_EXECUTOR.with(|f| f.get()),
///     instead: "spawn the blocking call on a thread of its own",
/// });
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AsyncContextProbe {
    /// The runtime's name, for the panic message (`"tokio"`); one probe is kept per name.
    pub runtime: &'static str,
    /// Whether the calling thread is running this runtime's async code right now. Called on
    /// the slow path of a blocking call, right before it parks; it must not block or panic.
    pub in_async_context: fn() -> bool,
    /// What to do instead of the blocking call in that context, for the panic message.
    pub instead: &'static str,
}

/// Installed probes, in installation order (a few runtimes at most per process).
static PROBES: [std::sync::OnceLock<AsyncContextProbe>; 8] =
    [const { std::sync::OnceLock::new() }; 8];

/// Installs `probe` for every blocking call from now on (see [`AsyncContextProbe`]).
/// Installing a probe for a runtime name that already has one does nothing; so does
/// installing more than eight.
pub fn install_async_context_probe(probe: AsyncContextProbe) {
    for slot in &PROBES {
        match slot.get() {
            Some(installed) if installed.runtime == probe.runtime => return,
            Some(_) => continue,
            None => match slot.set(probe) {
                Ok(()) => return,
                // Another thread filled this slot first: if it was the same runtime, we are
                // done; otherwise try the next slot.
                Err(_) if slot.get().is_some_and(|p| p.runtime == probe.runtime) => return,
                Err(_) => continue,
            },
        }
    }
}

/// Panics if an installed [`AsyncContextProbe`] says the calling thread is running its
/// runtime's async code. Called by the blocking calls right before they would park (the slow
/// path only).
// Called from the one parking step of the blocking calls: `block_on_spin`, which the blocking
// send and receive paths in `mailbox/` and `block_on` all wait in. (No `#[track_caller]`:
// the location would be that step's, the same for every blocking call.)
#[cold]
#[inline(never)]
pub(crate) fn forbid_async_context() {
    for probe in PROBES.iter().map_while(std::sync::OnceLock::get) {
        if (probe.in_async_context)() {
            panic!(
                "ryker: a blocking call (`blocking_send`, `blocking_recv`, `blocking_tell` or \
                 their `_timeout` forms, or `block_on`) would park a thread that is running {runtime}'s async code, which \
                 stalls the runtime (a single-threaded one for good: a silent deadlock). In \
                 async code use `.send(msg).await`, `.recv().await` or `.tell(msg).await` \
                 instead, or {instead}.",
                runtime = probe.runtime,
                instead = probe.instead,
            );
        }
    }
}

#[cfg(all(test, not(ryker_loom)))]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    /// The looks of a wait of `spins` spin rounds that never succeeds, in order.
    fn looks_of_a_failed_wait(spins: u32, one_cpu: bool) -> Vec<Look> {
        let (looks, ran_long) = looks_and_end(spins, Yields::Plain, one_cpu, None);
        assert!(!ran_long);
        looks
    }

    /// The looks of a wait whose `success`-th look (from 1) succeeds, or none; and whether
    /// it reported a long yield.
    fn looks_and_end(
        spins: u32,
        yields: Yields,
        one_cpu: bool,
        success: Option<usize>,
    ) -> (Vec<Look>, bool) {
        let mut looks = Vec::new();
        let waited = retry(
            |look| {
                looks.push(look);
                (Some(looks.len()) == success).then_some(())
            },
            spins,
            yields,
            one_cpu,
        );
        assert_eq!(waited.found.is_some(), success.is_some());
        (looks, waited.yield_ran_long)
    }

    #[test]
    fn a_timed_wait_reports_a_long_yield_and_yields_no_more() {
        // The first yield runs long: no look after it but the last, which may succeed or not;
        // the long yield is reported either way.
        let mut expected = vec![Look::Hint; RECV_SPINS as usize];
        expected.push(Look::Full);
        for last_finds in [None, Some(expected.len())] {
            LONG_YIELDS.with(|n| n.set(1));
            let (looks, ran_long) = looks_and_end(RECV_SPINS, Yields::Timed, false, last_finds);
            assert!(ran_long, "{last_finds:?}");
            assert_eq!(looks, expected);
        }
        // (Yields that return at once are not checked here: on a loaded machine a real yield
        // may well run long.)
    }

    #[test]
    fn only_a_timed_wait_times_its_yields() {
        LONG_YIELDS.with(|n| n.set(1));
        let (looks, ran_long) = looks_and_end(SPINS, Yields::Plain, false, None);
        assert!(!ran_long);
        assert_eq!(looks.len(), (SPINS + YIELDS + 1) as usize);
        assert_eq!(LONG_YIELDS.with(|n| n.replace(0)), 1, "no yield was timed");
    }

    #[test]
    fn a_wait_that_skips_its_yields_looks_after_each_spin_and_once_more() {
        let (looks, ran_long) = looks_and_end(RECV_SPINS, Yields::Skip, false, None);
        assert!(!ran_long);
        let mut expected = vec![Look::Hint; RECV_SPINS as usize];
        expected.push(Look::Full);
        assert_eq!(looks, expected);
        // On one CPU there are no spin rounds either: only the last look.
        let (one, _) = looks_and_end(RECV_SPINS, Yields::Skip, true, None);
        assert_eq!(one, [Look::Full]);
    }

    #[test]
    fn on_one_cpu_a_wait_yields_without_spinning_first() {
        for spins in [SPINS, RECV_SPINS] {
            // Several CPUs: a look after each spin round and after each yield, then the last.
            let spread = looks_of_a_failed_wait(spins, false);
            assert_eq!(spread.len(), (spins + YIELDS + 1) as usize);
            assert_eq!(
                spread.iter().filter(|&&l| l == Look::Hint).count(),
                spins as usize
            );
            // One CPU: the spin rounds are skipped, the yields (which let the peer run) are not.
            let one = looks_of_a_failed_wait(spins, true);
            let mut expected = vec![Look::HintLate; YIELDS as usize];
            expected.push(Look::Full);
            assert_eq!(one, expected);
        }
    }

    #[test]
    fn a_receive_spins_fewer_rounds_than_a_send() {
        // The receive's wait goes to its yields after RECV_SPINS rounds (see there).
        const { assert!(RECV_SPINS < SPINS) };
        let recv = looks_of_a_failed_wait(RECV_SPINS, false);
        let first_late = recv.iter().position(|&l| l == Look::HintLate);
        assert_eq!(first_late, Some(RECV_SPINS as usize), "{recv:?}");
    }

    #[test]
    fn a_wait_stops_at_the_first_look_that_succeeds() {
        for one_cpu in [false, true] {
            let mut looks = 0;
            let got = retry(
                |_| {
                    looks += 1;
                    (looks == 3).then_some(looks)
                },
                SPINS,
                Yields::Plain,
                one_cpu,
            );
            assert_eq!(got.found, Some(3), "one_cpu: {one_cpu}");
        }
    }
}
