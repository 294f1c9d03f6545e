//! The drivers ryker's Criterion benchmarks time: [`run`] (plain threads), [`tasks::run`]
//! (tasks on tokio or smol), [`payload::run`] (payload kinds through one mailbox), and the
//! actor harness in [`actors`]. The message, the peer queues, the measured actor
//! ([`actors::Worker`]), the executors and the stall watchdog are `bench_support`'s, shared with
//! `ryker compare`.
//!
//! Every queue is driven by the same loop for its context, so the numbers differ only by the
//! queue. Ring-style queues without blocking (ryker's `Ring`, `ArrayQueue`, `ThingBuf`) spin with
//! a backoff that yields the thread after a short spin; channels block.
//!
//! # The benches
//!
//! | bench | groups | what |
//! |---|---|---|
//! | `ring` | `bench_enqueue_64b`, `bench_dequeue`, `roundtrip_64b`, `bench_mailbox_batch` | one thread: one operation at a time, and batch receive (1, 8, 32, 64) |
//! | `spsc` | `spsc_64b/{sync,tokio_ct,tokio_mt2,smol_2thr}` | 1 producer → 1 consumer, capacity 512 and 4096 |
//! | `mpsc` | `mpsc4_64b/{sync,tokio_ct,tokio_mt2,smol_2thr}`, `mpsc_64b_cap512` | 4 producers → 1 consumer, capacity 512 and 4096; and 1–16 producer threads at 512 |
//! | `payload` | `payload_bytes` | inline vs fresh `Vec<u8>` vs fresh `Bytes` vs pooled `Bytes`, 64 B and 1 KiB, through a ryker mailbox |
//! | `actor` | `actor_tell_64b/*` | ryker actor vs a task fed by a peer channel |
//! | `actor_report` | (own harness) | the actor report: ratios and latency |
//! | `alloc` | (own harness, counting allocator) | allocations and bytes per operation, gated on budgets and `alloc-baseline.toml` |
//!
//! Within a group every peer moves the same `bench_support::Msg` by value (except in `payload_bytes`, whose
//! subject is the payload), and each `BenchmarkId` is `peer/parameter` (capacity, batch size or
//! payload size), so saved baselines line up peer by peer.
//!
//! # Comparing against a baseline
//!
//! ```text
//! cargo bench -p ryker-benches -- --save-baseline current     # before the change
//! cargo bench -p ryker-benches -- --baseline current          # after it: change per benchmark
//! RYKER_BENCH_QUICK=1 cargo bench -p ryker-benches --bench spsc   # a short smoke run
//! cargo bench -p ryker-benches --bench alloc                  # allocation gate (exits 1 on a regression)
//! ```
//!
//! A filter after `--` narrows a run (`-- spsc_64b/sync`). On a shared or busy machine the
//! timings are noise at the 10–40% level; `testing/performance/timing_gate.sh` (`save` on the
//! reference commit, `compare` on the candidate) is the quiet-machine gate that judges
//! throughput, p95, CPU and memory against fixed limits. See `benches/README.md`.
//!
//! [`Plan::from_env`] sets how long each Criterion group measures: short by default (0.5 s
//! warm-up, 2 s measurement, 10 samples), shorter still with `RYKER_BENCH_QUICK=1`.

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use bench_support::sync::{Outcome, SyncPeer};
use bench_support::watchdog::{watched, Heartbeats};
use bench_support::Msg;

/// Messages moved per Criterion iteration in the threaded benches.
pub const BATCH: u64 = 100_000;

/// A threaded run whose consumer receives nothing for this long is reported as stalled and
/// ends the process (exit code 3) instead of hanging the bench.
pub const STALL_LIMIT: Duration = Duration::from_secs(30);

/// How long the Criterion benches measure, read once from the environment.
///
/// Default: 0.5 s warm-up, 2 s measurement, 10 samples, [`BATCH`] messages per iteration of a
/// threaded bench. `RYKER_BENCH_QUICK=1` (any value but `0` or empty): 0.1 s, 0.3 s, 10 samples
/// (Criterion's minimum) and 10 000 messages per iteration: a smoke run, not a measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// `RYKER_BENCH_QUICK` was set.
    pub quick: bool,
    /// Criterion's warm-up time per benchmark.
    pub warm_up: Duration,
    /// Criterion's measurement time per benchmark.
    pub measurement: Duration,
    /// Criterion's sample count per benchmark.
    pub samples: usize,
    /// Messages moved per Criterion iteration by the threaded and task benches.
    pub per_iter: u64,
}

impl Plan {
    /// The plan for this process: quick when `RYKER_BENCH_QUICK` is set to anything but `0`.
    #[must_use]
    pub fn from_env() -> Self {
        let quick =
            std::env::var_os("RYKER_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0");
        Self::new(quick)
    }

    /// The default plan, or the quick one.
    #[must_use]
    pub const fn new(quick: bool) -> Self {
        if quick {
            Self {
                quick,
                warm_up: Duration::from_millis(100),
                measurement: Duration::from_millis(300),
                samples: 10,
                per_iter: 10_000,
            }
        } else {
            Self {
                quick,
                warm_up: Duration::from_millis(500),
                measurement: Duration::from_secs(2),
                samples: 10,
                per_iter: BATCH,
            }
        }
    }
}

/// The receive limit of the consumer in [`run`] for a batch receive.
pub const RECV_LIMIT: usize = 64;

/// Times moving `total` messages from `producers` threads to one consumer thread through `Q`,
/// the consumer taking up to `limit` per receive (1: one plain receive per message).
///
/// The clock starts when every thread has passed a barrier and stops when the consumer has
/// received the last message; thread start-up and teardown are outside it. `total` is rounded
/// down to a multiple of `producers`.
///
/// # Panics
///
/// If a thread panics or the consumer sees a message count or checksum other than what was sent.
/// A run whose consumer makes no progress for [`STALL_LIMIT`] prints a diagnosis and exits
/// the process with code 3.
#[must_use]
pub fn run<Q: SyncPeer>(capacity: usize, producers: usize, total: u64, limit: usize) -> Duration {
    let (tx, mut rx) = Q::pair(capacity);
    let per_producer = total / producers as u64;
    let total = per_producer * producers as u64;
    let barrier = Barrier::new(producers + 1);
    let beats = Heartbeats::new(0);
    watched(&beats, Some(STALL_LIMIT), Q::NAME, || {
        thread::scope(|s| {
            for id in 0..producers {
                let tx = tx.clone();
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    for seq in 0..per_producer {
                        let sent = Q::send(&tx, Msg::new(id as u32, seq));
                        assert_eq!(sent, Outcome::Queued, "{}: receiver alive", Q::NAME);
                    }
                });
            }
            drop(tx);
            let consumer = s.spawn(|| {
                let mut buf = Vec::with_capacity(limit);
                let mut consumed = Consumed::new(Q::NAME, total);
                barrier.wait();
                let start = Instant::now();
                while consumed.more() {
                    buf.clear();
                    let n = Q::recv_batch(&mut rx, &mut buf, limit);
                    consumed.take(n, &buf, &beats);
                }
                consumed.finish(start)
            });
            consumer.join().expect("consumer thread panicked")
        })
    })
}

/// The consumer's side of a timed run: how many messages arrived, and whether each was intact.
#[derive(Debug)]
struct Consumed {
    name: &'static str,
    total: u64,
    received: u64,
    checksum: u64,
}

impl Consumed {
    fn new(name: &'static str, total: u64) -> Self {
        Self {
            name,
            total,
            received: 0,
            checksum: 0,
        }
    }

    /// Fewer than `total` so far.
    #[inline]
    fn more(&self) -> bool {
        self.received < self.total
    }

    /// Counts a receive of `n` (`buf`) and reports the progress to the watchdog.
    ///
    /// # Panics
    /// If `n` is 0: the queue closed early.
    #[inline]
    fn take(&mut self, n: usize, buf: &[Msg], beats: &Heartbeats) {
        let (name, received, total) = (self.name, self.received, self.total);
        assert!(n > 0, "{name}: closed after {received} of {total}");
        self.received += n as u64;
        beats.consumer(self.received);
        for msg in buf {
            self.checksum = self.checksum.wrapping_add(msg.damage());
        }
    }

    /// The time since `start`, once every message is checked.
    ///
    /// # Panics
    /// If the count or a payload is wrong.
    fn finish(self, start: Instant) -> Duration {
        let elapsed = start.elapsed();
        assert_eq!(
            self.received, self.total,
            "{}: wrong message count",
            self.name
        );
        assert_eq!(self.checksum, 0, "{}: corrupted payload", self.name);
        elapsed
    }
}

/// The actor-level benches (`actor`, `actor_report`): a no-op consumer fed by one producer, as a
/// ryker actor or as a task reading a peer channel, on tokio (2 workers, or a current-thread
/// runtime on one thread) or smol (an executor run by 2 threads).
///
/// Every consumer does the same [`Work`](actors::Work) per message, so the figures differ only by the path a
/// message takes: ryker's `Addr` → mailbox → actor loop → `handle`, or a peer channel → a
/// `while let Some(m) = rx.recv().await` task.
pub mod actors {
    use std::hint::black_box;
    use std::sync::mpsc as std_mpsc;
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    use crossbeam_utils::Backoff;
    use hdrhistogram::Histogram;
    use ryker_core::prelude::{ActorConfig, Addr};
    use tokio::sync::Notify;

    pub use bench_support::actor::{Work, Worker};

    use bench_support::actor;
    use bench_support::exec::Exec;
    use bench_support::sync::{Outcome, SyncPeer, SyncPeerTx, SyncProducer};
    use bench_support::tasks::{AsyncPeer, PeerTx, Producer};
    use bench_support::Msg;

    use crate::STALL_LIMIT;

    /// Mailbox / channel capacity for every contender: ryker's default.
    pub const CAPACITY: usize = ryker_core::mailbox::MailboxConfig::DEFAULT_CAPACITY;

    /// Messages per Criterion iteration in the `actor` bench.
    pub const TELL_BATCH: u64 = 10_000;

    /// A 64-byte message that carries the instant it was sent, for latency runs.
    #[derive(Debug, Clone, Copy)]
    #[repr(C)]
    pub struct Stamped {
        /// When the producer sent it.
        pub sent: Instant,
        /// Filler up to 64 bytes.
        pub pad: [u64; 6],
    }

    const _: () = assert!(
        size_of::<Stamped>() == 64,
        "the latency payload must be exactly 64 bytes"
    );

    impl Stamped {
        /// A message stamped now.
        #[inline]
        #[must_use]
        pub fn now(seq: u64) -> Self {
            Self {
                sent: Instant::now(),
                pad: [seq; 6],
            }
        }
    }

    /// The no-op handler: touches the message, counts, and notifies `done` every `every`
    /// messages (the producer of a burst waits for that).
    #[derive(Debug)]
    pub struct Count {
        every: u64,
        count: u64,
        done: Arc<Notify>,
    }

    impl Count {
        /// A counter that notifies the returned `Notify` after every `every` messages.
        #[must_use]
        pub fn new(every: u64) -> (Self, Arc<Notify>) {
            let done = Arc::new(Notify::new());
            let count = Self {
                every,
                count: 0,
                done: done.clone(),
            };
            (count, done)
        }
    }

    impl Work for Count {
        type Msg = Msg;
        type Out = ();

        #[inline]
        fn on(&mut self, msg: Msg) {
            black_box(&msg);
            self.count += 1;
            if self.count == self.every {
                self.count = 0;
                // Stores a permit if the producer is not waiting yet: no lost wake-up.
                self.done.notify_one();
            }
        }

        fn finish(&mut self) {}
    }

    /// Records each message's send → handled latency, in nanoseconds.
    #[derive(Debug)]
    pub struct Record {
        hist: Histogram<u64>,
        skip: u64,
    }

    impl Record {
        /// An empty recorder (1 ns .. 60 s, 3 significant digits; never resizes, so recording
        /// does not allocate).
        #[must_use]
        pub fn new() -> Self {
            Self::skipping(0)
        }

        /// As [`Record::new`], ignoring the first `warm_up` messages.
        #[must_use]
        pub fn skipping(warm_up: u64) -> Self {
            Self {
                hist: Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid bounds"),
                skip: warm_up,
            }
        }
    }

    impl Default for Record {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Work for Record {
        type Msg = Stamped;
        type Out = Histogram<u64>;

        #[inline]
        fn on(&mut self, msg: Stamped) {
            if self.skip > 0 {
                self.skip -= 1;
                return;
            }
            let ns = u64::try_from(msg.sent.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.hist.saturating_record(ns.max(1));
        }

        fn finish(&mut self) -> Histogram<u64> {
            let empty = self.hist.clone_correct(0);
            let mut done = std::mem::replace(&mut self.hist, empty);
            done.auto(false);
            done
        }
    }

    /// A running consumer: the sender that feeds it, and the channel its result comes back on.
    #[derive(Debug)]
    pub struct Pipe<T, O> {
        /// Feeds the consumer. The consumer stops (and hands back its result) once this and
        /// every clone of it are gone.
        pub tx: T,
        out: std_mpsc::Receiver<O>,
    }

    impl<T, O> Pipe<T, O> {
        /// Drops the sender, waits for the consumer to handle what is queued and stop, and
        /// returns its [`Work::finish`] result. Blocks the calling thread, so the executor must
        /// run on threads of its own (every [`Exec`] here does).
        ///
        /// # Panics
        /// If the consumer does not stop within [`STALL_LIMIT`] (a clone of the sender is
        /// still alive somewhere, or the consumer is stuck).
        pub fn finish(self) -> O {
            drop(self.tx);
            self.out
                .recv_timeout(STALL_LIMIT)
                .expect("consumer did not stop after its last sender was dropped")
        }
    }

    /// A ryker actor doing `work`, spawned with `config` on `exec`.
    ///
    /// # Panics
    /// If ryker rejects `config`.
    pub fn ryker<E: Exec, W: Work>(
        exec: &E,
        config: ActorConfig,
        work: W,
    ) -> Pipe<Addr<Worker<W>>, W::Out> {
        let (out_tx, out) = std_mpsc::channel();
        let tx = actor::spawn(exec, config, "bench", work, move |result| {
            let _ = out_tx.send(result);
        })
        .expect("valid actor config");
        Pipe { tx, out }
    }

    /// Spawns the peer consumer on `exec`: a task that takes one message per
    /// `Q::recv(&mut rx).await` (the channel's own `recv().await`) and does `work` on it. Its
    /// sender goes to the producer as `wrap(tx)`.
    fn consume<Q, E, W, T>(exec: &E, mut work: W, wrap: impl FnOnce(Q::Tx) -> T) -> Pipe<T, W::Out>
    where
        Q: AsyncPeer<W::Msg>,
        E: Exec,
        W: Work,
    {
        let (tx, mut rx) = Q::pair(CAPACITY);
        let (out_tx, out) = std_mpsc::channel();
        exec.spawn(async move {
            while let Some(msg) = Q::recv(&mut rx).await {
                work.on(msg);
            }
            let _ = out_tx.send(work.finish());
        });
        Pipe { tx: wrap(tx), out }
    }

    /// A task doing `work`, fed by the peer channel `Q` of [`CAPACITY`] slots, for producer
    /// tasks ([`burst`]).
    pub fn peer<Q: AsyncPeer<W::Msg>, E: Exec, W: Work>(
        exec: &E,
        work: W,
    ) -> Pipe<PeerTx<Q, W::Msg>, W::Out> {
        consume::<Q, _, _, _>(exec, work, PeerTx::new)
    }

    /// As [`peer`], for a plain-thread producer ([`burst_from_thread`], [`paced`]): the task
    /// receives through `Q` and the thread sends through `S`, the same channel seen from outside
    /// the runtime (`tasks::TokioMpsc` and `sync::TokioMpsc`).
    pub fn peer_from_thread<Q, S, E, W>(exec: &E, work: W) -> Pipe<SyncPeerTx<S, W::Msg>, W::Out>
    where
        Q: AsyncPeer<W::Msg>,
        S: SyncPeer<W::Msg, Tx = Q::Tx>,
        E: Exec,
        W: Work,
    {
        consume::<Q, _, _, _>(exec, work, SyncPeerTx::new)
    }

    /// One producer task on `exec` sends `rounds` bursts of `n` messages through `tx`, waiting
    /// after each burst until the consumer (a [`Count`] with `every == n`) has handled it all.
    /// Returns the time from the first send to the last notification.
    pub fn burst<E: Exec, T: Producer<Msg>>(
        exec: &E,
        tx: &T,
        done: &Arc<Notify>,
        n: u64,
        rounds: u64,
    ) -> Duration {
        let (tx, done) = (tx.clone(), done.clone());
        exec.run(async move {
            let start = Instant::now();
            for _ in 0..rounds {
                for seq in 0..n {
                    let sent = tx.send(Msg::new(0, seq)).await;
                    assert!(sent, "the consumer stopped during the benchmark");
                }
                done.notified().await;
            }
            start.elapsed()
        })
    }

    /// How a plain-thread producer sends.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum SyncSend {
        /// `try_send` / `try_tell`, spinning (then yielding) while full.
        Try,
        /// `blocking_send` / `tell_blocking`.
        Blocking,
    }

    /// As [`burst`], with the calling (plain, non-runtime) thread as the producer.
    pub fn burst_from_thread<T: SyncProducer<Msg>>(
        tx: &T,
        done: &Notify,
        n: u64,
        rounds: u64,
        how: SyncSend,
    ) -> Duration {
        let start = Instant::now();
        for _ in 0..rounds {
            for seq in 0..n {
                let msg = Msg::new(0, seq);
                match how {
                    SyncSend::Blocking => queued(tx.send(msg)),
                    SyncSend::Try => {
                        let mut msg = msg;
                        let backoff = Backoff::new();
                        while let Err(back) = tx.try_send(msg) {
                            msg = back;
                            backoff.snooze();
                        }
                    }
                }
            }
            ryker_core::blocking::block_on(done.notified());
        }
        start.elapsed()
    }

    /// What a paced run did.
    #[derive(Clone, Copy, Debug)]
    pub struct Paced {
        /// Messages sent.
        pub sent: u64,
        /// Sends that found the consumer's queue full and had to block.
        pub blocked: u64,
        /// From the first deadline to the end of the last send.
        pub wall: Duration,
        /// Worst lateness of a send against its deadline.
        pub worst_late: Duration,
    }

    /// Sends one [`Stamped`] message every `period` for `run_for` from the calling thread
    /// (`try_send`, falling back to a blocking send if ever full).
    ///
    /// Pacing sleeps to each absolute deadline with the thread's timer slack set to 1 ns, so the
    /// wake-ups are close to the deadline without spinning (the process's CPU time then shows
    /// the consumer's cost, not a spin loop); a late wake-up sends the messages due at once.
    pub fn paced<T: SyncProducer<Stamped>>(tx: &T, period: Duration, run_for: Duration) -> Paced {
        set_timer_slack_ns(1);
        let start = Instant::now();
        let total = (run_for.as_nanos() / period.as_nanos().max(1)) as u64;
        let (mut blocked, mut worst_late) = (0, Duration::ZERO);
        for seq in 0..total {
            let deadline = start + period * u32::try_from(seq).unwrap_or(u32::MAX);
            let now = Instant::now();
            if deadline > now {
                thread::sleep(deadline - now);
            }
            let msg = Stamped::now(seq);
            worst_late = worst_late.max(msg.sent.saturating_duration_since(deadline));
            if let Err(msg) = tx.try_send(msg) {
                blocked += 1;
                queued(tx.send(msg));
            }
        }
        Paced {
            sent: total,
            blocked,
            wall: start.elapsed(),
            worst_late,
        }
    }

    /// Panics unless a blocking send queued its message.
    fn queued(outcome: Outcome) {
        assert_eq!(
            outcome,
            Outcome::Queued,
            "the consumer stopped during the benchmark"
        );
    }

    /// Sets the calling thread's timer slack (Linux; elsewhere nothing).
    fn set_timer_slack_ns(ns: u64) {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: PR_SET_TIMERSLACK takes one integer argument and touches only the calling
            // thread's scheduler state; no memory is passed.
            let rc = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, ns as libc::c_ulong, 0, 0, 0) };
            debug_assert_eq!(rc, 0, "PR_SET_TIMERSLACK failed");
        }
        #[cfg(not(target_os = "linux"))]
        let _ = ns;
    }
}

/// The SPSC and MPSC runs of [`run`] with tasks instead of threads: the producers and the
/// consumer are tasks on an [`Exec`](bench_support::exec::Exec) (tokio current-thread, tokio
/// with 2 workers, or a smol executor run by 2 threads), each consumer taking up to
/// [`RECV_LIMIT`] messages per wake-up (see [`bench_support::tasks`]).
pub mod tasks {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use bench_support::exec::Exec;
    use bench_support::tasks::AsyncPeer;
    use bench_support::watchdog::{watched, Heartbeats};
    use bench_support::Msg;
    use tokio::sync::Barrier;

    use crate::{Consumed, RECV_LIMIT, STALL_LIMIT};

    /// Times moving `total` messages from `producers` tasks to one consumer task on `exec`.
    ///
    /// The producers are spawned first and wait at an async barrier with the consumer; the
    /// clock starts when the consumer passes it and stops when it has received the last
    /// message. `total` is rounded down to a multiple of `producers`.
    ///
    /// # Panics
    ///
    /// If a task panics or the consumer sees a message count or checksum other than what was
    /// sent. A run whose consumer makes no progress for [`STALL_LIMIT`] prints a
    /// diagnosis and exits the process with code 3.
    #[must_use]
    pub fn run<E: Exec, Q: AsyncPeer>(
        exec: &E,
        capacity: usize,
        producers: usize,
        total: u64,
    ) -> Duration {
        let (tx, mut rx) = Q::pair(capacity);
        let per_producer = total / producers as u64;
        let total = per_producer * producers as u64;
        let start_line = Arc::new(Barrier::new(producers + 1));
        let beats = Arc::new(Heartbeats::new(0));
        for id in 0..producers {
            let (tx, start_line) = (tx.clone(), start_line.clone());
            exec.spawn(async move {
                start_line.wait().await;
                for seq in 0..per_producer {
                    let sent = Q::send(&tx, Msg::new(id as u32, seq)).await;
                    assert!(sent, "{}: receiver alive", Q::NAME);
                }
            });
        }
        drop(tx);
        watched(&beats.clone(), Some(STALL_LIMIT), Q::NAME, || {
            exec.run(async move {
                let mut buf = Vec::with_capacity(RECV_LIMIT);
                let mut consumed = Consumed::new(Q::NAME, total);
                start_line.wait().await;
                let start = Instant::now();
                while consumed.more() {
                    buf.clear();
                    let n = Q::recv_batch(&mut rx, &mut buf, RECV_LIMIT).await;
                    consumed.take(n, &buf, &beats);
                }
                consumed.finish(start)
            })
        })
    }
}

/// What a message that carries `size` bytes costs through one ryker mailbox (one producer
/// thread, one consumer thread, `send_blocking` / `recv_many_blocking`), by how it carries them:
///
/// - [`Inline`](payload::Inline): a `[u8; N]` moved by value (for 64 bytes, [`Msg`] itself);
/// - [`FreshVec`](payload::FreshVec): a `Vec<u8>` allocated per message (freed by the consumer);
/// - [`FreshBytes`](payload::FreshBytes): `bytes::Bytes::copy_from_slice` per message (an allocation, like a `Vec`);
/// - [`PooledBytes`](payload::PooledBytes): `bytes::Bytes` cut with `split_to(n).freeze()` from a [`BytesPool`](payload::BytesPool): a
///   ring of [`POOL_BLOCKS`](payload::POOL_BLOCKS) `BytesMut` blocks of [`POOL_BLOCK`](payload::POOL_BLOCK) bytes, each taken back in place
///   (`try_reclaim`) once every message cut from it has been dropped, so in steady state no
///   message allocates.
///
/// Every kind copies the same `size`-byte template into the message and stamps its sequence
/// number into the first 8 bytes; the consumer reads those and the last byte.
pub mod payload {
    use std::thread;
    use std::time::{Duration, Instant};

    use bytes::{Bytes, BytesMut};

    use bench_support::sync::ryker_mailbox;
    use bench_support::watchdog::{watched, Heartbeats};
    use bench_support::Msg;

    use crate::STALL_LIMIT;

    /// Mailbox capacity for every payload run.
    pub const CAPACITY: usize = 512;

    /// Bytes per pool block: 4 096 messages of 64 bytes, 256 of 1 KiB.
    pub const POOL_BLOCK: usize = 256 << 10;

    /// Blocks per pool: 1 MiB in all, twice what a full mailbox of 1 KiB messages holds, so
    /// the consumer has dropped a block's messages by the time the producer comes back to it.
    pub const POOL_BLOCKS: usize = 4;

    /// The template every message copies its bytes from.
    static TEMPLATE: [u8; 4096] = {
        let mut t = [0_u8; 4096];
        let mut i = 0;
        while i < t.len() {
            t[i] = (i % 251) as u8;
            i += 1;
        }
        t
    };

    /// A way to carry `size` bytes in a message.
    pub trait Payload: Send + 'static {
        /// Name used as the Criterion function id.
        const NAME: &'static str;
        /// The producer's state (the buffer pool, or nothing).
        type Maker: Send;

        /// The producer's state for messages of `size` bytes.
        ///
        /// # Panics
        /// If this kind cannot carry `size` bytes.
        fn maker(size: usize) -> Self::Maker;

        /// A message whose first 8 bytes are `seq`.
        fn make(maker: &mut Self::Maker, seq: u64) -> Self;

        /// The sequence number plus the last byte: what the consumer reads.
        fn read(&self) -> u64;
    }

    #[inline]
    fn read_bytes(b: &[u8]) -> u64 {
        let mut seq = [0; 8];
        seq.copy_from_slice(&b[..8]);
        u64::from_le_bytes(seq) + u64::from(b[b.len() - 1])
    }

    /// `N` bytes inline, moved by value.
    #[derive(Debug, Clone)]
    pub struct Inline<const N: usize>(pub [u8; N]);

    impl<const N: usize> Payload for Inline<N> {
        const NAME: &'static str = "inline";
        type Maker = ();

        fn maker(size: usize) {
            assert_eq!(size, N, "Inline<{N}> carries {N} bytes");
        }

        #[inline]
        fn make((): &mut (), seq: u64) -> Self {
            let mut a = [0; N];
            a.copy_from_slice(&TEMPLATE[..N]);
            a[..8].copy_from_slice(&seq.to_le_bytes());
            Self(a)
        }

        #[inline]
        fn read(&self) -> u64 {
            read_bytes(&self.0)
        }
    }

    /// The 64-byte benchmark message: the inline kind at 64 bytes.
    impl Payload for Msg {
        const NAME: &'static str = "inline";
        type Maker = ();

        fn maker(size: usize) {
            assert_eq!(size, size_of::<Msg>(), "Msg carries 64 bytes");
        }

        #[inline]
        fn make((): &mut (), seq: u64) -> Self {
            Msg::new(0, seq)
        }

        /// As the byte kinds read it: the sequence number plus the template's byte 63 (and
        /// the last pad word, which equals the sequence number when intact).
        #[inline]
        fn read(&self) -> u64 {
            self.seq + self.damage() + u64::from(TEMPLATE[63])
        }
    }

    /// A `Vec<u8>` allocated per message.
    #[derive(Debug)]
    pub struct FreshVec(pub Vec<u8>);

    impl Payload for FreshVec {
        const NAME: &'static str = "vec_fresh";
        type Maker = usize;

        fn maker(size: usize) -> usize {
            assert!((8..=TEMPLATE.len()).contains(&size), "size {size}");
            size
        }

        #[inline]
        fn make(size: &mut usize, seq: u64) -> Self {
            let mut v = TEMPLATE[..*size].to_vec();
            v[..8].copy_from_slice(&seq.to_le_bytes());
            Self(v)
        }

        #[inline]
        fn read(&self) -> u64 {
            read_bytes(&self.0)
        }
    }

    /// A ring of reused `BytesMut` blocks that messages are cut from.
    #[derive(Debug)]
    pub struct BytesPool {
        blocks: Vec<BytesMut>,
        current: usize,
        size: usize,
        fresh_blocks: u64,
    }

    impl BytesPool {
        /// A pool of [`POOL_BLOCKS`] blocks of [`POOL_BLOCK`] bytes, cutting `size`-byte
        /// messages.
        ///
        /// # Panics
        /// If `size` is 0 or larger than a block.
        #[must_use]
        pub fn new(size: usize) -> Self {
            assert!((1..=POOL_BLOCK).contains(&size), "size {size}");
            Self {
                blocks: (0..POOL_BLOCKS)
                    .map(|_| BytesMut::with_capacity(POOL_BLOCK))
                    .collect(),
                current: 0,
                size,
                fresh_blocks: 0,
            }
        }

        /// The next message: the template's first `size` bytes, with `seq` in the first 8.
        #[inline]
        pub fn take(&mut self, seq: u64) -> Bytes {
            if self.blocks[self.current].capacity() < self.size {
                self.next_block();
            }
            let buf = &mut self.blocks[self.current];
            buf.extend_from_slice(&TEMPLATE[..self.size]);
            buf[..8].copy_from_slice(&seq.to_le_bytes());
            buf.split_to(self.size).freeze()
        }

        /// Blocks allocated because a block was still in use when its turn came again.
        #[must_use]
        pub fn fresh_blocks(&self) -> u64 {
            self.fresh_blocks
        }

        /// Moves to the next block of the ring: taken back in place when every `Bytes` cut
        /// from it is gone, replaced by a fresh allocation otherwise.
        #[cold]
        #[inline(never)]
        fn next_block(&mut self) {
            self.current = (self.current + 1) % self.blocks.len();
            let block = &mut self.blocks[self.current];
            if !block.try_reclaim(POOL_BLOCK) {
                *block = BytesMut::with_capacity(POOL_BLOCK);
                self.fresh_blocks += 1;
            }
        }
    }

    /// `bytes::Bytes::copy_from_slice` per message.
    #[derive(Debug)]
    pub struct FreshBytes(pub Bytes);

    impl Payload for FreshBytes {
        const NAME: &'static str = "bytes_fresh";
        type Maker = usize;

        fn maker(size: usize) -> usize {
            FreshVec::maker(size)
        }

        #[inline]
        fn make(size: &mut usize, seq: u64) -> Self {
            let mut b = BytesMut::from(&TEMPLATE[..*size]);
            b[..8].copy_from_slice(&seq.to_le_bytes());
            Self(b.freeze())
        }

        #[inline]
        fn read(&self) -> u64 {
            read_bytes(&self.0)
        }
    }

    /// `bytes::Bytes` cut from a [`BytesPool`].
    #[derive(Debug)]
    pub struct PooledBytes(pub Bytes);

    impl Payload for PooledBytes {
        const NAME: &'static str = "bytes_pooled";
        type Maker = BytesPool;

        fn maker(size: usize) -> BytesPool {
            assert!((8..=TEMPLATE.len()).contains(&size), "size {size}");
            BytesPool::new(size)
        }

        #[inline]
        fn make(pool: &mut BytesPool, seq: u64) -> Self {
            Self(pool.take(seq))
        }

        #[inline]
        fn read(&self) -> u64 {
            read_bytes(&self.0)
        }
    }

    /// Times moving `total` messages of `size` bytes, carried as `P`, from one producer thread
    /// to one consumer thread through a ryker mailbox of [`CAPACITY`].
    ///
    /// The clock starts when both threads have passed a barrier and stops when the consumer has
    /// received (and dropped) the last message.
    ///
    /// # Panics
    ///
    /// If `P` cannot carry `size` bytes, a thread panics, or the consumer reads other than
    /// what was sent. A stalled run exits the process with code 3 (see [`crate::run`]).
    #[must_use]
    pub fn run<P: Payload>(size: usize, total: u64) -> Duration {
        let (tx, mut rx) = ryker_mailbox::<P>(CAPACITY);
        let mut maker = P::maker(size);
        let last = u64::from(TEMPLATE[size - 1]);
        let expected = (0..total).fold(0_u64, |sum, seq| sum.wrapping_add(seq + last));
        let barrier = std::sync::Barrier::new(2);
        let beats = Heartbeats::new(0);
        watched(&beats, Some(STALL_LIMIT), P::NAME, || {
            thread::scope(|s| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    for seq in 0..total {
                        let sent = tx.blocking_send(P::make(&mut maker, seq));
                        assert!(
                            sent.is_ok(),
                            "receiver alive until every message is received"
                        );
                    }
                });
                let consumer = s.spawn(|| {
                    let mut buf = Vec::with_capacity(64);
                    let (mut received, mut checksum) = (0_u64, 0_u64);
                    barrier.wait();
                    let start = Instant::now();
                    while received < total {
                        let n = rx.blocking_recv_many(&mut buf, 64);
                        assert!(n > 0, "senders alive until every message is sent");
                        received += n as u64;
                        beats.consumer(received);
                        for msg in buf.drain(..) {
                            checksum = checksum.wrapping_add(msg.read());
                        }
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(checksum, expected, "{}: corrupted payload", P::NAME);
                    elapsed
                });
                consumer.join().expect("consumer thread panicked")
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoke<Q: SyncPeer>() {
        for producers in [1, 3] {
            for limit in [1, RECV_LIMIT] {
                let _ = run::<Q>(8, producers, 3_000, limit);
            }
        }
    }

    /// Every actor-bench contender on both executors moves a few bursts, and a paced latency
    /// run records every message it sent.
    #[test]
    fn actor_pipes_move_every_message() {
        use super::actors::{self, burst, burst_from_thread, Count, Record, SyncSend};
        use bench_support::exec::{Exec, Smol2, TokioCt, TokioMt2};
        use bench_support::sync as p;
        use bench_support::tasks::{AsyncChannel, Kanal, TokioMpsc};
        use ryker_core::prelude::ActorConfig;

        fn each<E: Exec>(exec: &E) {
            let n = 2_000;
            let config = ActorConfig::default();
            let (w, done) = Count::new(n);
            let pipe = actors::ryker(exec, config, w);
            let _ = burst(exec, &pipe.tx, &done, n, 3);
            let _ = burst_from_thread(&pipe.tx, &done, n, 1, SyncSend::Try);
            let _ = burst_from_thread(&pipe.tx, &done, n, 1, SyncSend::Blocking);
            pipe.finish();
            let (w, done) = Count::new(n);
            let pipe = actors::peer::<TokioMpsc, _, _>(exec, w);
            let _ = burst(exec, &pipe.tx, &done, n, 3);
            pipe.finish();
            let (w, done) = Count::new(n);
            let pipe = actors::peer_from_thread::<TokioMpsc, p::TokioMpsc, _, _>(exec, w);
            let _ = burst_from_thread(&pipe.tx, &done, n, 1, SyncSend::Try);
            let _ = burst_from_thread(&pipe.tx, &done, n, 1, SyncSend::Blocking);
            pipe.finish();
            let (w, done) = Count::new(n);
            let pipe = actors::peer::<Kanal, _, _>(exec, w);
            let _ = burst(exec, &pipe.tx, &done, n, 3);
            pipe.finish();
            let (w, done) = Count::new(n);
            let pipe = actors::peer::<AsyncChannel, _, _>(exec, w);
            let _ = burst(exec, &pipe.tx, &done, n, 3);
            pipe.finish();
            let pipe = actors::ryker(exec, config, Record::skipping(10));
            let paced = actors::paced(
                &pipe.tx,
                Duration::from_micros(500),
                Duration::from_millis(30),
            );
            let hist = pipe.finish();
            assert_eq!(hist.len(), paced.sent - 10);
        }
        each(&TokioMt2::new());
        each(&TokioCt::new());
        each(&Smol2::new());
    }

    #[test]
    fn every_adapter_moves_every_message() {
        use bench_support::sync as p;
        smoke::<p::Ryker>();
        smoke::<p::RykerRing>();
        smoke::<p::ArrayQueue>();
        smoke::<p::ThingBuf>();
        smoke::<p::Thingbuf>();
        smoke::<p::Kanal>();
        smoke::<p::CrossbeamChannel>();
        smoke::<p::TokioMpsc>();
        smoke::<p::AsyncChannel>();
        smoke::<p::Flume>();
        smoke::<p::Crossfire>();
    }

    /// Every task-driven queue moves every message, one and four producers, on each executor.
    #[test]
    fn every_task_queue_moves_every_message() {
        use super::tasks;
        use bench_support::exec::{Exec, Smol2, TokioCt, TokioMt2};
        use bench_support::tasks::{self as p, AsyncPeer};

        fn each<E: Exec>(exec: &E) {
            fn one<E: Exec, Q: AsyncPeer>(exec: &E) {
                for producers in [1, 4] {
                    let _ = tasks::run::<E, Q>(exec, 8, producers, 4_000);
                }
            }
            one::<E, p::Ryker>(exec);
            one::<E, p::TokioMpsc>(exec);
            one::<E, p::AsyncChannel>(exec);
            one::<E, p::Flume>(exec);
            one::<E, p::Kanal>(exec);
            one::<E, p::Thingbuf>(exec);
            one::<E, p::Crossfire>(exec);
        }
        each(&TokioCt::new());
        each(&TokioMt2::new());
        each(&Smol2::new());
    }

    /// Every payload kind arrives intact at both sizes, across more than one pool block.
    #[test]
    fn every_payload_kind_arrives_intact() {
        use super::payload::{self, FreshBytes, FreshVec, Inline, PooledBytes};

        let _ = payload::run::<bench_support::Msg>(64, 5_000);
        let _ = payload::run::<Inline<1024>>(1024, 3_000);
        for size in [64, 1024] {
            let _ = payload::run::<FreshVec>(size, 3_000);
            let _ = payload::run::<FreshBytes>(size, 3_000);
            let laps = payload::POOL_BLOCKS * payload::POOL_BLOCK / size;
            let _ = payload::run::<PooledBytes>(size, 3 * laps as u64);
        }
    }

    /// Once every message cut from a block is gone, the pool takes the block back instead of
    /// allocating: no fresh block over several laps of the ring.
    #[test]
    fn the_bytes_pool_reuses_its_blocks() {
        let mut pool = payload::BytesPool::new(1024);
        let laps = payload::POOL_BLOCKS * payload::POOL_BLOCK / 1024;
        for seq in 0..5 * laps as u64 {
            let b = pool.take(seq);
            assert_eq!(b.len(), 1024);
            assert_eq!(b[..8], seq.to_le_bytes());
        }
        assert_eq!(pool.fresh_blocks(), 0);
        // A message held across a whole lap keeps its block from being reused.
        let held = pool.take(0);
        for seq in 0..laps as u64 {
            drop(pool.take(seq));
        }
        assert_eq!(pool.fresh_blocks(), 1);
        drop(held);
    }

    #[test]
    fn the_quick_plan_is_shorter() {
        let (full, quick) = (Plan::new(false), Plan::new(true));
        assert!(quick.measurement < full.measurement && quick.per_iter < full.per_iter);
    }
}
