//! # ryker-conformance
//!
//! The conformance suite every ryker runtime adapter runs: the same cases, written once
//! against [`Runtime`](ryker_core::runtime::Runtime), on tokio, smol and async-std.
//!
//! - [`Harness`] — what an adapter's test implements: a runtime, a way to block on a future
//!   with it, how many workers it has, whether it can be shut down, and a socket read through
//!   its I/O driver ([`Harness::watch`], for the one I/O case).
//! - [`suite!`] — one `#[test]` per case that holds on any runtime.
//! - [`one_worker_suite!`] — the fairness cases, which need every actor on one worker.
//! - [`cases`] — the cases themselves, one function each (the test names).
//!
//! An adapter's `tests/conformance.rs` is a harness and two macro calls (see [`suite!`]). The
//! harness below runs a case on the smallest runtime there is, a thread per task:
//!
//! ```
//! use std::future::Future;
//! use std::time::{Duration, Instant};
//! use ryker_conformance::{cases, Harness};
//! use ryker_core::runtime::Runtime;
//!
//! /// Every task on its own thread.
//! #[derive(Clone, Debug)]
//! struct Threads;
//!
//! impl Runtime for Threads {
//!     type Instant = Instant;
//!     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
//!         std::thread::spawn(move || ryker_core::blocking::block_on(task));
//!     }
//!     fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
//!         async move { std::thread::sleep(dur) }
//!     }
//!     fn now(&self) -> Instant {
//!         Instant::now()
//!     }
//! }
//!
//! struct OnThreads;
//!
//! impl Harness for OnThreads {
//!     type Rt = Threads;
//!     fn runtime(&self) -> Threads {
//!         Threads
//!     }
//!     fn block_on<F: Future>(&self, fut: F) -> F::Output {
//!         ryker_core::blocking::block_on(fut)
//!     }
//!     fn workers(&self) -> usize {
//!         usize::MAX // one per task
//!     }
//!     fn can_shut_down(&self) -> bool {
//!         false // the threads cannot be stopped from outside
//!     }
//! }
//!
//! cases::ask_round_trip(OnThreads);
//! cases::per_sender_order(OnThreads);
//! ```
//!
//! Every case can fail: each one's documentation names the bugs it catches, and
//! `tests/mutants.rs` runs cases on deliberately broken runtimes to show that they do. Every
//! wait is bounded (10 s, kept by the suite's own timer thread, so a runtime whose timer is
//! broken fails its cases instead of hanging them; the case then names what it waited for),
//! and nothing sleeps to synchronise. Messages carry drop-counting guards and 64-byte payloads
//! that the actor verifies, so loss, duplication, reordering and corruption are told apart.

use core::future::Future;

pub mod cases;
mod probe;
mod sync;

/// How a case runs on one runtime: the adapter's test implements it.
///
/// A fresh harness is made for every case (the macros evaluate the expression given to them
/// once per test), so cases never share actors or runtime state.
pub trait Harness: Sized + 'static {
    /// The runtime actors and helper tasks are spawned on.
    type Rt: ryker_core::runtime::Runtime;

    /// A handle on the runtime (cheap to clone; cases spawn actors with
    /// `ActorOptions::spawn(&harness.runtime(), actor)` and helper tasks with
    /// [`Runtime::spawn`](ryker_core::runtime::Runtime::spawn)).
    fn runtime(&self) -> Self::Rt;

    /// Runs `fut` to completion on the current thread with the runtime active, so that the
    /// actors and tasks it spawns run meanwhile.
    fn block_on<F: Future>(&self, fut: F) -> F::Output;

    /// How many worker threads run spawned tasks. The fairness cases need `1`: every actor on
    /// one worker.
    fn workers(&self) -> usize;

    /// Whether [`Harness::shutdown`] drops the tasks still on the runtime. async-std's global
    /// runtime cannot be shut down: it answers `false`, and the cases that need a shutdown
    /// check what they can without one.
    fn can_shut_down(&self) -> bool {
        true
    }

    /// Shuts the runtime down, dropping every task still on it (and every actor with its
    /// mailbox). The default drops the harness.
    fn shutdown(self) {
        drop(self);
    }

    /// For the I/O case ([`cases::fairness_streaming_actor_lets_io_through`]): `stream` (a
    /// connected loopback TCP socket, still blocking) as the runtime's own TCP stream, so
    /// that a read waits on the runtime's I/O driver. Called on the thread that calls
    /// [`Harness::block_on`], outside it. The default, `None`, fails that case, naming this
    /// method: a runtime's fairness is not shown until its I/O is.
    fn watch(&self, stream: std::net::TcpStream) -> Option<Box<dyn ByteReader>> {
        drop(stream);
        None
    }
}

/// A socket read through a runtime's I/O driver ([`Harness::watch`]).
pub trait ByteReader: Send + 'static {
    /// Waits until a byte can be read, and reads it; an error (`UnexpectedEof` included) once
    /// the stream has ended.
    fn read_byte(&mut self) -> BoxedRead<'_>;
}

/// What [`ByteReader::read_byte`] returns.
pub type BoxedRead<'a> = core::pin::Pin<Box<dyn Future<Output = std::io::Result<u8>> + Send + 'a>>;

/// Expands to one `#[test]` per runtime-independent case, each named after its function in
/// [`cases`] and each running on a fresh harness from `$harness` (an expression evaluated once
/// per test).
///
/// ```no_run
/// # use std::future::Future;
/// # struct MyHarness;
/// # impl MyHarness { fn new(_workers: usize) -> Self { MyHarness } }
/// # impl ryker_conformance::Harness for MyHarness {
/// #     type Rt = Threads;
/// #     fn runtime(&self) -> Threads { Threads }
/// #     fn block_on<F: Future>(&self, fut: F) -> F::Output { ryker_core::blocking::block_on(fut) }
/// #     fn workers(&self) -> usize { 1 }
/// # }
/// # #[derive(Clone)] struct Threads;
/// # impl ryker_core::runtime::Runtime for Threads {
/// #     type Instant = std::time::Instant;
/// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
/// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
/// #     }
/// #     fn sleep(&self, d: std::time::Duration) -> impl Future<Output = ()> + Send + 'static {
/// #         async move { std::thread::sleep(d) }
/// #     }
/// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
/// # }
/// // tests/conformance.rs of an adapter:
/// ryker_conformance::suite!(MyHarness::new(2));
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! suite {
    ($harness:expr) => {
        $crate::__cases!($harness;
            per_sender_order,
            backpressure_busy_hands_back_and_tell_waits,
            overflow_drop_newest_drops_and_counts,
            overflow_drop_oldest_keeps_the_newest,
            overflow_busy_counts_refusals,
            batch_size_1_delivers_in_order,
            batch_size_64_delivers_in_order,
            shutdown_under_concurrent_senders_loses_nothing,
            restart_continues_the_queue_in_order,
            restart_factory_runs_after_the_panicked_actor_is_dropped,
            restart_limit_stops_with_undelivered,
            stop_policy_stops_on_first_panic,
            abort_returns_while_started_panics_forever,
            ask_round_trip,
            ask_with_dropped_reply_is_no_reply,
            ask_after_stop_is_closed,
            tell_timeout_hands_the_message_back,
            tell_timeout_succeeds_when_space_frees,
            cancelled_sends_are_never_delivered,
            cancelled_notified_sender_passes_the_wakeup_on,
            dropped_queued_ask_is_still_handled_once,
            wakeups_are_never_lost,
            runtime_shutdown_drops_each_message_once,
            released_actor_handles_everything_then_stops,
            join_after_dropping_every_addr_reports_released,
            abort_cancels_the_handler_and_discards_the_queue,
            abort_idle_actor,
            shutdown_then_timeout_then_abort,
            ask_timeout_hands_back_what_was_not_queued,
            invalid_config_is_rejected,
        );
    };
}

/// Expands to one `#[test]` per fairness case. `$harness` must give a runtime with exactly
/// one worker ([`Harness::workers`] `== 1`); the cases check it.
///
/// ```no_run
/// # use std::future::Future;
/// # struct MyHarness;
/// # impl MyHarness { fn new(_workers: usize) -> Self { MyHarness } }
/// # impl ryker_conformance::Harness for MyHarness {
/// #     type Rt = Threads;
/// #     fn runtime(&self) -> Threads { Threads }
/// #     fn block_on<F: Future>(&self, fut: F) -> F::Output { ryker_core::blocking::block_on(fut) }
/// #     fn workers(&self) -> usize { 1 }
/// # }
/// # #[derive(Clone)] struct Threads;
/// # impl ryker_core::runtime::Runtime for Threads {
/// #     type Instant = std::time::Instant;
/// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
/// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
/// #     }
/// #     fn sleep(&self, d: std::time::Duration) -> impl Future<Output = ()> + Send + 'static {
/// #         async move { std::thread::sleep(d) }
/// #     }
/// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
/// # }
/// // tests/conformance.rs of an adapter:
/// ryker_conformance::one_worker_suite!(MyHarness::new(1));
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! one_worker_suite {
    ($harness:expr) => {
        $crate::__cases!($harness;
            fairness_endless_stream_does_not_starve_a_neighbour,
            fairness_slow_handler_yields_within_a_batch,
            fairness_slow_handler_after_an_idle_wait_yields_within_a_batch,
            fairness_panicking_handler_does_not_starve_a_neighbour,
            fairness_streaming_actor_lets_a_timer_fire,
            fairness_streaming_actor_lets_io_through,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __cases {
    ($harness:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::cases::$case($harness);
            }
        )*
    };
}
