//! Fairness between actors sharing one worker: a busy actor must give the worker back, at the
//! end of every batch and, when its handlers are slow, within a batch once `yield_ms` is up.
//!
//! These cases need a runtime with exactly one worker; on more, the neighbour would simply run
//! on another worker and nothing would be tested.
//!
//! Both measure in the busy actor's messages, not in time: how many more it handled between
//! the moment the neighbour's message was sent and the moment the neighbour ran.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ryker_core::prelude::*;

use crate::probe::config;
use crate::sync::stop_and_join;
use crate::sync::{busy_spin, lock, within, Latch, SetOnDrop};
use crate::Harness;

/// Endless stream: the busy actor's mailbox, full when the neighbour's message is sent.
const STREAM_CAPACITY: usize = 4096;
/// Endless stream: the busy actor's work per message, so that the feeder outpaces it and its
/// mailbox stays full (with a no-op handler the actor drains faster than one thread can
/// `try_tell`, goes idle, and lets the neighbour in whether or not its loop yields).
const STREAM_WORK: Duration = Duration::from_micros(2);
/// Endless stream: the feeder sends the neighbour a message at the first `Busy` after this
/// many messages, and again after each further this many (`STREAM_RINGS` in all).
const NEIGHBOUR_AFTER: u64 = 10_000;
/// Endless stream: how many times the neighbour is sent a message, each after the last was
/// handled. Once would let a scheduler that serves tasks woken from other threads only every
/// so many turns pass by luck (see `STREAM_BOUND`).
const STREAM_RINGS: u64 = 4;
/// Endless stream: the feeder gives up after this many messages whatever happens, so the case
/// always ends. (It stops feeding earlier when the busy actor is seen to starve the
/// neighbour: `STREAM_BOUND` messages past the neighbour's message.)
const FEED_LIMIT: u64 = 1_000_000;
/// Endless stream: how many more busy-actor messages may run before the neighbour does, each
/// time. A fair loop yields after its batch (32): the rest of the batch under way when the
/// message is queued, at most one full batch after it if the message lands just after a
/// yield, so at most 63. On tokio, smol and async-std the neighbour ran after 13-32 (2026-12-06,
/// hundreds of runs, some with other processes loading both CPUs); the bound allows three
/// batches. One that never yields must first empty its full mailbox (4096). A runtime whose
/// yield requeues the task where its scheduler looks first, and that takes a task woken from
/// another thread only every so many turns, lets the busy actor run that many more batches:
/// tokio's current-thread scheduler with a self-waking yield (the default
/// `Runtime::yield_now`), up to 31 turns of 32 messages (920-990 seen). With one message and a
/// bound of 256, `ryker-tokio` patched to yield that way passed 2 of its first 3 runs (it
/// failed the 10 after them); under load about one message in fourteen still got through
/// under 64, so it takes four in a row to pass by luck.
const STREAM_BOUND: u64 = 96;

/// Timer: the streaming actor's work per message, so that a `yield_ms` of 1 is about 50
/// messages and a batch (32) about 640 µs.
const TIMER_WORK: Duration = Duration::from_micros(20);

/// Timer: how long the sleeper sleeps each time, and how many of its sleeps must have the
/// streaming actor run beside them.
const TIMER_SLEEP: Duration = Duration::from_millis(2);
const TIMER_SLEEPS: usize = 5;

/// Timer: a sleep counts towards `TIMER_SLEEPS` once the streaming actor handled at least a
/// batch (32 messages) while it lasted; in one that saw fewer, the actor hardly ran (its
/// worker or its feeder was off the CPU), and the sleep shows nothing about its yields. The
/// sleeper sleeps at most `TIMER_TRIES` times to get its five.
const TIMER_STREAMED: u64 = 32;
const TIMER_TRIES: usize = 25;

/// Timer: how many of the streaming actor's messages may run while the sleeper sleeps once.
/// Its 2 ms, the timer's resolution (tokio's is 1 ms) and a fair loop's full yield at least
/// every `yield_ms` (1 ms, so within about 50 messages and the rest of a batch) come to about
/// 220; on tokio the sleeps saw 100-200 (2026-12-06). A loop or a runtime whose yields never
/// reach the timers leaves them to tokio's own poll of its driver every 61 tasks: here 61
/// batches, about 1,950 messages. The bound is 20 batches.
const TIMER_BOUND: u64 = 640;

/// I/O: the streaming actor's work per message and its `yield_ms`: a batch (32 messages)
/// takes about 640 µs, a fifteenth of `yield_ms`, so its full yields come by the message count
/// (every 128 messages), and no time-based yield stands in for them, even on a loaded machine
/// that stretches its batches several times.
const IO_WORK: Duration = Duration::from_micros(20);
const IO_YIELD_MS: u64 = 10;

/// I/O: the streaming actor's messages at least between a read and the next write, so that
/// every write finds it streaming. The writer sleeps in between (it does not spin: a spinning
/// writer took the CPU from the worker, and its own sleep then gave it back just in time for
/// a time-based yield).
const IO_GAP: u64 = 64;

/// I/O: how many reads must count, of at most how many. A read counts when the streaming
/// actor had more messages queued at the write than it handled until the read: its mailbox
/// never ran empty in between (an empty one lets the worker park, and the parked worker polls
/// the I/O driver whatever the yields do).
const IO_READS: usize = 10;
const IO_TRIES: usize = 40;

/// I/O: the longest the writer waits for the streaming actor to handle `IO_GAP` messages, or
/// for a read: under the suite's limit on the whole writer (`within`, 10 s), so that the case
/// fails with the writer's own message.
const IO_WAIT: Duration = Duration::from_secs(4);

/// I/O: how many of the streaming actor's messages may run from a write to the read. A fair
/// loop's full yield comes at least every 128 messages, plus the rest of a batch: about 160.
/// A loop or a runtime whose yields never reach the I/O driver leaves it to tokio's own poll of
/// its driver every 61 tasks: here up to 61 batches, about 1,950 messages. The bound is 20
/// batches.
const IO_BOUND: u64 = 640;

fn assert_one_worker<H: Harness>(h: &H) {
    assert_eq!(
        h.workers(),
        1,
        "the fairness cases need a runtime with exactly one worker"
    );
}

/// Counters shared by the busy actor, the feeder and the neighbour.
///
/// Orderings: each counter is a test observation, not a lock. Writes are Release (increments
/// AcqRel) and reads Acquire, so that a thread which sees `rings` (or `busy_at_send`) also
/// sees the counts stored before it; the cases compare counts, and no count guards other memory.
#[derive(Debug, Default)]
struct Counts {
    /// Messages the busy actor handled.
    busy: AtomicU64,
    /// Messages the feeder got queued.
    fed: AtomicU64,
    /// `busy` when the neighbour's message was sent.
    busy_at_send: AtomicU64,
    /// `busy` and `fed` when the neighbour ran.
    busy_at_run: AtomicU64,
    fed_at_run: AtomicU64,
    /// How many messages the neighbour handled.
    rings: AtomicU64,
    /// Endless stream: `busy` read by the feeder right after each message to the neighbour
    /// was queued, and by the neighbour as it handled each.
    sent_at: Mutex<Vec<u64>>,
    ran_at: Mutex<Vec<u64>>,
}

impl Counts {
    /// Busy-actor messages handled since the neighbour's message was sent.
    fn behind_now(&self) -> u64 {
        let sent = self.busy_at_send.load(Ordering::Acquire);
        self.busy.load(Ordering::Acquire).saturating_sub(sent)
    }

    /// Busy-actor messages handled after the neighbour's message was sent and before it ran.
    fn behind(&self) -> u64 {
        let sent = self.busy_at_send.load(Ordering::Acquire);
        self.busy_at_run
            .load(Ordering::Acquire)
            .saturating_sub(sent)
    }
}

/// What the busy actor handles.
enum Work {
    Hold {
        entered: Arc<Latch>,
        release: Arc<Latch>,
    },
    Item(u64),
    /// No spin and not counted; the one carrying a latch opens it (the last of a warm-up).
    Quick(Option<Arc<Latch>>),
}

/// The busy actor: counts what it handles, spinning `spin` on each; on item `ring_at` it
/// sends the neighbour its message.
struct Busy {
    counts: Arc<Counts>,
    spin: Duration,
    ring_at: Option<(u64, Addr<Neighbour>)>,
}

impl Actor for Busy {
    type Msg = Work;

    async fn handle(&mut self, msg: Work, _ctx: &mut Context<Self>) {
        match msg {
            Work::Hold { entered, release } => {
                entered.count_down();
                release.wait().await;
            }
            Work::Quick(done) => {
                if let Some(done) = done {
                    done.count_down();
                }
            }
            Work::Item(n) => {
                busy_spin(self.spin);
                let handled = self.counts.busy.fetch_add(1, Ordering::AcqRel) + 1;
                if let Some((at, neighbour)) = &self.ring_at {
                    if *at == n {
                        self.counts.busy_at_send.store(handled, Ordering::Release);
                        let sent = neighbour.try_tell(());
                        assert!(sent.is_ok(), "the neighbour refused its message: {sent:?}");
                    }
                }
            }
        }
    }
}

/// The neighbour: on its one message, notes how far the busy actor and its feeder got.
struct Neighbour {
    counts: Arc<Counts>,
    done: Arc<Latch>,
}

impl Actor for Neighbour {
    type Msg = ();

    async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {
        let counts = &self.counts;
        let fed = counts.fed.load(Ordering::Acquire);
        counts
            .busy_at_run
            .store(counts.busy.load(Ordering::Acquire), Ordering::Release);
        counts.fed_at_run.store(fed, Ordering::Release);
        lock(&counts.ran_at).push(counts.busy.load(Ordering::Acquire));
        counts.rings.fetch_add(1, Ordering::AcqRel);
        self.done.count_down();
    }
}

/// Spawns the neighbour; returns its handle and the latch it opens when it has handled
/// `messages` messages.
fn spawn_neighbour<R: Runtime>(
    rt: &R,
    counts: &Arc<Counts>,
    messages: usize,
) -> (ActorHandle<Neighbour>, Arc<Latch>) {
    let done = Latch::new(messages);
    let neighbour = Neighbour {
        counts: counts.clone(),
        done: done.clone(),
    };
    let handle = ActorOptions::new(ActorConfig::default())
        .name("neighbour")
        .spawn(rt, neighbour)
        .expect("valid config");
    (handle, done)
}

/// The endless stream's messages to the neighbour: on drop, counts the neighbour's latch down
/// once for each of the `STREAM_RINGS` not sent.
struct Unsent {
    latch: Arc<Latch>,
    sent: u64,
}

impl Drop for Unsent {
    fn drop(&mut self) {
        for _ in self.sent..STREAM_RINGS {
            self.latch.count_down();
        }
    }
}

/// One worker; actor A (about 2 µs of work per message, 4096 slots, `batch_size` 32,
/// `yield_ms` at its 10 s maximum so that only its end-of-batch yield can let others in) is
/// fed by a plain thread that `try_tell`s as fast as it can, spinning while A's mailbox is full, so A always has
/// work. After 10,000 messages, at a moment A's mailbox is full (a `Busy`), the feeder sends
/// actor B one message, and once B has handled it, again after each further 10,000: four
/// times in all. Each time B must run while A is still being fed and long before A could have
/// emptied its mailbox: fewer than 96 more A messages (a fair loop yields after its 32-message
/// batch; `STREAM_BOUND`), and before the feeder's limit of 1,000,000 messages (where it
/// stops, so a starving actor fails the case instead of hanging it).
///
/// Fails on: a run loop that keeps the worker while its mailbox is non-empty (no yield at the
/// end of a batch), a runtime whose `yield_now` does not let other tasks run, a scheduler that
/// runs a self-waking task again before a task woken from another thread (tokio's
/// current-thread scheduler under a self-waking yield: `tests/mutants.rs`).
pub fn fairness_endless_stream_does_not_starve_a_neighbour<H: Harness>(h: H) {
    assert_one_worker(&h);
    let rt = h.runtime();
    let counts = Arc::new(Counts::default());
    h.block_on(async {
        let (b, b_ran) = spawn_neighbour(&rt, &counts, STREAM_RINGS as usize);
        let busy = Busy {
            counts: counts.clone(),
            spin: STREAM_WORK,
            ring_at: None,
        };
        // yield_ms at its maximum: only the end-of-batch yield can let the neighbour in (the
        // time-based one within a batch is the next case's subject).
        let config = ActorConfig {
            yield_ms: ActorConfig::MAX_YIELD_MS,
            ..config(
                STREAM_CAPACITY,
                Overflow::Busy,
                ActorConfig::DEFAULT_BATCH_SIZE,
            )
        };
        let a = ActorOptions::new(config)
            .name("busy")
            .spawn(&rt, busy)
            .expect("valid config");
        let stop = Arc::new(AtomicBool::new(false));
        let _stop_on_failure = SetOnDrop(stop.clone());
        let fed_all = Latch::new(1);
        let feeder = thread::spawn({
            let (a, b, counts, stop) = (a.addr(), b.addr(), counts.clone(), stop.clone());
            let done = fed_all.guard();
            let latch = b_ran.clone();
            move || {
                let _done = done;
                // Counts the latch down for the messages to the neighbour never sent, however
                // the feeder ends (starving, the limit, a panic), so the case reports what it
                // saw instead of timing out. Made here, in the thread: made outside, the
                // closure would capture only its `sent` field, and the guard would count the
                // latch down as the thread starts.
                let mut rung = Unsent { latch, sent: 0 };
                let mut sent = 0;
                let mut starving = false;
                // The next message to the neighbour goes after `next_ring`.
                let mut next_ring = NEIGHBOUR_AFTER;
                while sent < FEED_LIMIT
                    && !stop.load(Ordering::Acquire)
                    && counts.rings.load(Ordering::Acquire) < STREAM_RINGS
                {
                    let waiting = rung.sent > counts.rings.load(Ordering::Acquire);
                    // Starving: the busy actor is past the bound and the neighbour has still
                    // not run (asked again after the count: this thread may have been
                    // preempted since `waiting`, while the neighbour ran in time). Stop
                    // feeding, so the busy actor runs dry (after at most its mailbox) and the
                    // case fails now rather than at the limit.
                    if waiting
                        && counts.behind_now() >= STREAM_BOUND
                        && rung.sent > counts.rings.load(Ordering::Acquire)
                    {
                        starving = true;
                        break;
                    }
                    match a.try_tell(Work::Item(sent)) {
                        Ok(_) => {
                            sent += 1;
                            counts.fed.store(sent, Ordering::Release);
                        }
                        Err(TrySendError::Busy(_)) if sent >= next_ring && !waiting => {
                            assert!(b.try_tell(()).is_ok(), "the neighbour refused its message");
                            // Read after the message is queued: a feeder preempted between
                            // the read and the send would otherwise count the busy actor's
                            // messages meanwhile against the runtime. If the neighbour runs
                            // first, its count is the lower one and the difference is 0.
                            let busy = counts.busy.load(Ordering::Acquire);
                            counts.busy_at_send.store(busy, Ordering::Release);
                            lock(&counts.sent_at).push(busy);
                            rung.sent += 1;
                            next_ring = sent + NEIGHBOUR_AFTER;
                        }
                        Err(TrySendError::Busy(_)) => std::hint::spin_loop(),
                        Err(other) => panic!("feeding the busy actor: {other:?}"),
                    }
                }
                assert!(
                    starving || stop.load(Ordering::Acquire) || rung.sent == STREAM_RINGS,
                    "the busy actor's mailbox filled up for {} of the {STREAM_RINGS} messages \
                     to the neighbour in {sent} messages: the case could not run",
                    rung.sent
                );
            }
        });
        within("the neighbour to handle its messages", b_ran.wait()).await;
        stop.store(true, Ordering::Release);
        within("the feeder to stop", fed_all.wait()).await;
        feeder.join().expect("the feeder thread panicked");
        let fed = counts.fed_at_run.load(Ordering::Acquire);
        let behind = lock(&counts.sent_at)
            .iter()
            .zip(lock(&counts.ran_at).iter())
            .map(|(sent, ran)| ran.saturating_sub(*sent))
            .max()
            .unwrap_or(0);
        assert!(
            fed < FEED_LIMIT && behind < STREAM_BOUND,
            "the neighbour ran only after the busy actor handled {behind} more messages (of \
             the {STREAM_CAPACITY} it had queued) and the feeder sent {fed}: the busy actor \
             starved it on the one worker"
        );
        let fed = counts.fed.load(Ordering::Acquire);
        let report = stop_and_join("the busy actor to shut down", a).await;
        assert_eq!(report.handled, fed, "{report:?}");
        let report = stop_and_join("the neighbour to shut down", b).await;
        // Every message the feeder sent it (all four, unless the feeder stopped early).
        let sent = lock(&counts.sent_at).len() as u64;
        assert_eq!(report.handled, sent, "{report:?}");
    });
}

/// One worker; actor A (about 20 µs of work per message, 4096 slots, `batch_size` 32,
/// `yield_ms` 1 without jitter) is fed by a plain thread that `try_tell`s as fast as it can, so
/// its batches are always full and its mailbox never empty. A plain task on the same worker
/// sleeps 2 ms (`Runtime::sleep`) again and again. Counted in A's messages, each sleep must
/// end before A has handled 640 more (`TIMER_BOUND`): the run loop's yields after its full
/// batches may skip the runtime's I/O driver and timers (`Runtime::yield_to_ready`), but at
/// least every `yield_ms` one of them must be a full `yield_now` that does not. And five of
/// the sleeps (of at most 25) must have seen A handle a batch or more (`TIMER_STREAMED`): a
/// sleep in which A hardly ran (its worker or its feeder off the CPU on a loaded machine)
/// passes whatever the yields do, and the case fails rather than pass on such sleeps alone.
///
/// Fails on: a runtime whose `yield_now` only requeues the task where its timers are not
/// polled (tokio with a self-waking yield, whose schedulers then poll the driver every 61
/// tasks: about 1,950 of A's messages per sleep; `tests/mutants.rs`), a run loop that never
/// makes a yield a full one. A loop that makes only its time-based yields full ones fails it
/// while A's batches take less than `yield_ms` (every yield is then one to the ready tasks at
/// a batch's end, each restarting the interval); on a loaded machine, where they take longer,
/// it can pass. The I/O case below, whose batches are far shorter than its `yield_ms`, fails
/// that loop under load too.
pub fn fairness_streaming_actor_lets_a_timer_fire<H: Harness>(h: H) {
    assert_one_worker(&h);
    let rt = h.runtime();
    let counts = Arc::new(Counts::default());
    h.block_on(async {
        let streaming = Streaming::start(&rt, &counts, TIMER_WORK, 1).await;
        let slept = Arc::new(Mutex::new(Vec::new()));
        let woke = Latch::new(1);
        rt.spawn({
            let (rt, counts, slept) = (rt.clone(), counts.clone(), slept.clone());
            let woke = woke.guard();
            async move {
                let _woke = woke;
                let mut streamed = 0;
                for _ in 0..TIMER_TRIES {
                    let before = counts.busy.load(Ordering::Acquire);
                    rt.sleep(TIMER_SLEEP).await;
                    let after = counts.busy.load(Ordering::Acquire);
                    lock(&slept).push(after - before);
                    if after - before >= TIMER_STREAMED {
                        streamed += 1;
                        if streamed == TIMER_SLEEPS {
                            break;
                        }
                    }
                }
            }
        });
        within("the sleeper to finish", woke.wait()).await;
        streaming.finish(&counts).await;
        let slept = lock(&slept).clone();
        let streamed = slept.iter().filter(|&&n| n >= TIMER_STREAMED).count();
        assert!(
            streamed == TIMER_SLEEPS,
            "the streaming actor handled {TIMER_STREAMED} messages or more during only \
             {streamed} of {} sleeps (all: {slept:?}): it hardly ran beside the sleeper (its \
             worker or its feeder kept off the CPU), or the sleeps did not last; either way the \
             case showed nothing",
            slept.len()
        );
        let longest = slept.iter().copied().max().unwrap_or(0);
        assert!(
            longest < TIMER_BOUND,
            "a {TIMER_SLEEP:?} sleep ended only after the streaming actor handled {longest} \
             messages of {TIMER_WORK:?} each (all sleeps: {slept:?}; yield_ms 1): its yields \
             kept the runtime's timers from the one worker"
        );
    });
}

/// One worker; actor A (about 20 µs of work per message, 4096 slots, `batch_size` 32,
/// `yield_ms` 10 without jitter, its mailbox kept full by a plain thread, as in the timer case). A plain
/// task on the same worker reads a loopback TCP socket one byte at a time through the
/// runtime's I/O driver ([`Harness::watch`]); a plain thread writes each byte once A has
/// handled at least `IO_GAP` (64) messages since the last was read. Counted in A's messages
/// from the write to the read, each byte must be read before A has handled 640 more
/// (`IO_BOUND`): the run loop's yields after its full batches may skip the I/O driver
/// (`Runtime::yield_to_ready`), but at least every 128 messages one of them must be a full
/// `yield_now` that does not. Ten reads must count, of at most 40: a read counts when A's
/// mailbox never ran empty between the write and the read (`IO_READS`).
///
/// On tokio this is the worker's own driver, polled when the worker parks (a full yield, or
/// its own poll every 61 tasks). smol and async-std read sockets through async-io's reactor,
/// which another thread may drive: there the case shows that a task woken from another thread
/// gets the worker, as the endless-stream case does.
///
/// Fails on: a run loop that makes only its time-based yields full ones, or none at all, and a
/// runtime whose `yield_now` only requeues the task where its I/O driver is not polled (tokio
/// with a self-waking yield: `tests/mutants.rs`). Each leaves the socket to tokio's poll every
/// 61 tasks: reads of up to 1,800-1,900 of A's messages in every run (2026-12-07), with both
/// CPUs loaded too, where the bound is 640. On tokio, smol and async-std the reads took 0-204
/// (over 100 runs, most with both CPUs loaded).
pub fn fairness_streaming_actor_lets_io_through<H: Harness>(h: H) {
    assert_one_worker(&h);
    let rt = h.runtime();
    let counts = Arc::new(Counts::default());
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("a loopback listener");
    let writer =
        TcpStream::connect(listener.local_addr().expect("its address")).expect("connected");
    writer.set_nodelay(true).expect("TCP_NODELAY");
    let (socket, _) = listener.accept().expect("accepted");
    let reader = h.watch(socket).expect(
        "this harness gives no reader for the I/O case: implement `Harness::watch` with the \
         runtime's own TCP stream",
    );
    h.block_on(async {
        let streaming = Streaming::start(&rt, &counts, IO_WORK, IO_YIELD_MS).await;
        // A's messages handled when the reader read each byte, or how the read failed.
        let (read_tx, read_rx) = mpsc::channel::<Result<u64, String>>();
        let done = Latch::new(1);
        rt.spawn({
            let counts = counts.clone();
            let done = done.guard();
            let mut reader = reader;
            async move {
                let _done = done;
                for _ in 0..IO_TRIES {
                    let read = match reader.read_byte().await {
                        Ok(_) => Ok(counts.busy.load(Ordering::Acquire)),
                        Err(e) => Err(e.to_string()),
                    };
                    // Stop once the writer has what it needs, or after a failed read (which
                    // also ends when the writer drops its socket).
                    if read_tx.send(read.clone()).is_err() || read.is_err() {
                        return;
                    }
                }
            }
        });
        let wrote = Latch::new(1);
        let writer = thread::spawn({
            let counts = counts.clone();
            let wrote = wrote.guard();
            move || {
                // However the writer ends, it drops its socket (ending the reader's stream)
                // and then opens `wrote`: locals drop in reverse order.
                let _wrote = wrote;
                let mut writer = writer;
                // (A's messages from the write to the read, whether the read counts.)
                let mut reads: Vec<(u64, bool)> = Vec::new();
                let mut last = counts.busy.load(Ordering::Acquire);
                while reads.len() < IO_TRIES && reads.iter().filter(|r| r.1).count() < IO_READS {
                    let gap = Instant::now();
                    while counts.busy.load(Ordering::Acquire) < last + IO_GAP {
                        assert!(
                            gap.elapsed() < IO_WAIT,
                            "the streaming actor stopped handling messages"
                        );
                        thread::sleep(Duration::from_micros(50));
                    }
                    let busy = counts.busy.load(Ordering::Acquire);
                    let queued = counts.fed.load(Ordering::Acquire).saturating_sub(busy);
                    writer.write_all(&[1]).expect("writing a byte");
                    let busy_read = match read_rx.recv_timeout(IO_WAIT) {
                        Ok(Ok(busy_read)) => busy_read,
                        Ok(Err(e)) => panic!("the reader failed: {e}"),
                        Err(e) => panic!("the reader read no byte within the limit: {e}"),
                    };
                    let took = busy_read.saturating_sub(busy);
                    reads.push((took, queued > took));
                    last = busy_read;
                }
                reads
            }
        });
        within("the writer to finish", wrote.wait()).await;
        // A failed writer fails the case with its own message.
        let reads = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        within("the reader to finish", done.wait()).await;
        streaming.finish(&counts).await;
        let counted = reads.iter().filter(|r| r.1).count();
        assert!(
            counted == IO_READS,
            "the streaming actor's mailbox stayed non-empty from write to read in only \
             {counted} of {} reads (all, in its messages: {reads:?}): its feeder kept off the \
             CPU, so the case showed nothing",
            reads.len()
        );
        let longest = reads.iter().map(|r| r.0).max().unwrap_or(0);
        assert!(
            longest < IO_BOUND,
            "a byte written to the socket was read only after the streaming actor handled \
             {longest} messages of {IO_WORK:?} each (all reads: {reads:?}; yield_ms \
             {IO_YIELD_MS}): its yields kept the runtime's I/O driver from the one worker"
        );
    });
}

/// The streaming actor of the timer and I/O cases, and the plain thread feeding it.
struct Streaming {
    a: ActorHandle<Busy>,
    stop: Arc<AtomicBool>,
    _stop_on_failure: SetOnDrop,
    fed_all: Arc<Latch>,
    feeder: thread::JoinHandle<()>,
}

impl Streaming {
    /// Spawns actor A (`work` per message, 4096 slots, `batch_size` 32, `yield_ms` without
    /// jitter) and a plain thread that `try_tell`s it as fast as it can, spinning while its
    /// mailbox is full; returns once the mailbox has been full.
    async fn start<R: Runtime>(
        rt: &R,
        counts: &Arc<Counts>,
        work: Duration,
        yield_ms: u64,
    ) -> Self {
        let busy = Busy {
            counts: counts.clone(),
            spin: work,
            ring_at: None,
        };
        let config = ActorConfig {
            yield_ms,
            jitter: false,
            ..config(
                STREAM_CAPACITY,
                Overflow::Busy,
                ActorConfig::DEFAULT_BATCH_SIZE,
            )
        };
        let a = ActorOptions::new(config)
            .name("streaming")
            .spawn(rt, busy)
            .expect("valid config");
        let stop = Arc::new(AtomicBool::new(false));
        let stop_on_failure = SetOnDrop(stop.clone());
        let fed_all = Latch::new(1);
        let full = Latch::new(1);
        let feeder = thread::spawn({
            let (a, counts, stop) = (a.addr(), counts.clone(), stop.clone());
            // The guard opens `full` however the feeder ends, so the body never waits on it
            // for nothing.
            let (done, full) = (fed_all.guard(), full.guard());
            move || {
                let _done = done;
                let mut full = Some(full);
                let mut sent = 0;
                while sent < FEED_LIMIT && !stop.load(Ordering::Acquire) {
                    match a.try_tell(Work::Item(sent)) {
                        Ok(_) => {
                            sent += 1;
                            counts.fed.store(sent, Ordering::Release);
                        }
                        Err(TrySendError::Busy(_)) => {
                            // The mailbox is full: A streams from here on.
                            drop(full.take());
                            std::hint::spin_loop();
                        }
                        Err(other) => panic!("feeding the streaming actor: {other:?}"),
                    }
                }
            }
        });
        within("the streaming actor's mailbox to fill up", full.wait()).await;
        Self {
            a,
            stop,
            _stop_on_failure: stop_on_failure,
            fed_all,
            feeder,
        }
    }

    /// Stops the feeder, then A; A must have handled every message fed to it.
    async fn finish(self, counts: &Counts) {
        self.stop.store(true, Ordering::Release);
        within("the feeder to stop", self.fed_all.wait()).await;
        self.feeder.join().expect("the feeder thread panicked");
        let fed = counts.fed.load(Ordering::Acquire);
        let report = stop_and_join("the streaming actor to shut down", self.a).await;
        assert_eq!(report.handled, fed, "{report:?}");
    }
}

/// One worker; actor A (`batch_size` 64, `yield_ms` 1, no jitter) has 256 messages queued,
/// each taking about 50 µs of busy handler time (no await). On the first message of its first
/// full batch, A sends actor B one message. Counted in A's messages, B must not wait for the
/// whole batch: A must yield once about 1 ms (about 20 messages) has passed, so fewer than 48
/// further A messages may run before B does (a loose bound: the time-based yield gives about
/// 20, yielding only at batch ends gives 63).
///
/// Fails on: a run loop that ignores `yield_ms` within a batch, a clock-read stride that
/// never comes back down for slow handlers, a runtime clock (`now`) that does not advance.
pub fn fairness_slow_handler_yields_within_a_batch<H: Harness>(h: H) {
    slow_handler_case(h, 0);
}

/// As [`fairness_slow_handler_yields_within_a_batch`], but A first handles 32 messages that
/// take no time (its clock-read stride grows to its maximum, 8) and goes idle on its empty
/// mailbox; the slow messages come after that wait. After a wait the run loop defers the start
/// of its fairness interval to a clock read after the second message (`Fairness::resume`),
/// so this is the path where the interval is started late and the stride is long: B must still
/// run within the same bound.
///
/// Fails on: a deferred interval that is never started (no time-based yield after an idle
/// wait), a stride that does not come back down once handlers turn slow after a wait, and
/// what [`fairness_slow_handler_yields_within_a_batch`] fails on.
pub fn fairness_slow_handler_after_an_idle_wait_yields_within_a_batch<H: Harness>(h: H) {
    slow_handler_case(h, 32);
}

/// The slow-handler cases; `warm_up` quick messages first (0: none).
fn slow_handler_case<H: Harness>(h: H, warm_up: u64) {
    const SPIN: Duration = Duration::from_micros(50);
    const QUEUED: u64 = 256;
    const BOUND: u64 = 48;
    assert_one_worker(&h);
    let rt = h.runtime();
    let counts = Arc::new(Counts::default());
    h.block_on(async {
        let (b, b_ran) = spawn_neighbour(&rt, &counts, 1);
        let busy = Busy {
            counts: counts.clone(),
            spin: SPIN,
            ring_at: Some((0, b.addr())),
        };
        let config = ActorConfig {
            batch_size: 64,
            yield_ms: 1,
            jitter: false,
            ..config(QUEUED as usize, Overflow::Busy, 64)
        };
        let a = ActorOptions::new(config)
            .name("slow")
            .spawn(&rt, busy)
            .expect("valid config");
        let addr = a.addr();
        if warm_up > 0 {
            let done = Latch::new(1);
            for n in 1..=warm_up {
                let last = (n == warm_up).then(|| done.clone());
                assert!(addr.try_tell(Work::Quick(last)).is_ok(), "warm-up {n}");
            }
            // A handled them all and is now waiting on its empty mailbox.
            within("the warm-up to be handled", done.wait()).await;
        }
        let (entered, release) = (Latch::new(1), Latch::new(1));
        let hold = Work::Hold {
            entered: entered.clone(),
            release: release.clone(),
        };
        assert!(addr.try_tell(hold).is_ok());
        within("the slow actor to hold", entered.wait()).await;
        for n in 0..QUEUED {
            assert!(addr.try_tell(Work::Item(n)).is_ok(), "queueing message {n}");
        }
        release.open();
        within("the neighbour to handle its message", b_ran.wait()).await;
        let behind = counts.behind();
        assert!(
            behind < BOUND,
            "the neighbour waited while the slow actor handled {behind} more messages of \
             {SPIN:?} each (batch_size 64, yield_ms 1, {warm_up} quick messages and a wait \
             before them): it did not yield within its batch"
        );
        drop(addr);
        let report = stop_and_join("the slow actor to shut down", a).await;
        assert_eq!(report.handled, QUEUED + 1 + warm_up, "{report:?}");
        let report = stop_and_join("the neighbour to shut down", b).await;
        assert_eq!(report.handled, 1, "{report:?}");
    });
}

/// What the always-panicking actor handles.
enum Relapse {
    Hold {
        entered: Arc<Latch>,
        release: Arc<Latch>,
    },
    /// Panics (after counting itself; item 0 first sends the neighbour its message).
    Poison(u64),
}

/// An actor whose handler panics on every message but the `Hold`, restarted each time.
struct Relapsing {
    counts: Arc<Counts>,
    neighbour: Addr<Neighbour>,
}

impl Actor for Relapsing {
    type Msg = Relapse;

    async fn handle(&mut self, msg: Relapse, _ctx: &mut Context<Self>) {
        match msg {
            Relapse::Hold { entered, release } => {
                entered.count_down();
                release.wait().await;
            }
            Relapse::Poison(n) => {
                let handled = self.counts.busy.fetch_add(1, Ordering::AcqRel) + 1;
                if n == 0 {
                    self.counts.busy_at_send.store(handled, Ordering::Release);
                    let sent = self.neighbour.try_tell(());
                    assert!(sent.is_ok(), "the neighbour refused its message: {sent:?}");
                }
                panic!("poison {n}");
            }
        }
    }
}

/// One worker; actor A (`.restart(4096, 10 s, ..)`, `batch_size` 8, `yield_ms` at its 10 s
/// maximum) has 40 messages queued behind a `Hold`, and its handler panics on every one of
/// them (each panic is caught and a fresh actor from the factory goes on with the queue). On
/// the first, A sends actor B one message. B must run before A has gone through a batch's worth
/// (8) more panics: a caught panic counts against the fairness budget like a handled message,
/// so A gives the worker back at the latest after its batch. Then A works through the rest:
/// 40 panics, 40 restarts, the `Hold` handled.
///
/// Fails on: a run loop that goes on after a caught panic without ever yielding (the restart
/// skips the end-of-batch yield and the `yield_ms` check), which held the worker through all
/// 40 panics here, and, with an endless supply of poison, forever; a runtime whose
/// `yield_now` does not let other tasks run (`tests/mutants.rs`).
pub fn fairness_panicking_handler_does_not_starve_a_neighbour<H: Harness>(h: H) {
    const POISONS: u64 = 40;
    const BATCH: usize = 8;
    assert_one_worker(&h);
    let rt = h.runtime();
    let counts = Arc::new(Counts::default());
    h.block_on(async {
        let (b, b_ran) = spawn_neighbour(&rt, &counts, 1);
        let config = ActorConfig {
            yield_ms: ActorConfig::MAX_YIELD_MS,
            ..config(64, Overflow::Busy, BATCH)
        };
        let fresh = {
            let (counts, neighbour) = (counts.clone(), b.addr());
            move || Relapsing {
                counts: counts.clone(),
                neighbour: neighbour.clone(),
            }
        };
        let first = fresh.clone()();
        let a = ActorOptions::new(config)
            .name("relapsing")
            .restart(4096, Duration::from_secs(10), fresh)
            .spawn(&rt, first)
            .expect("valid options");
        let addr = a.addr();
        let (entered, release) = (Latch::new(1), Latch::new(1));
        let hold = Relapse::Hold {
            entered: entered.clone(),
            release: release.clone(),
        };
        assert!(addr.try_tell(hold).is_ok());
        within("the relapsing actor to hold", entered.wait()).await;
        for n in 0..POISONS {
            assert!(addr.try_tell(Relapse::Poison(n)).is_ok(), "queueing {n}");
        }
        release.open();
        within("the neighbour to handle its message", b_ran.wait()).await;
        let behind = counts.behind();
        assert!(
            behind < BATCH as u64,
            "the neighbour waited while the relapsing actor went through {behind} more \
             panics (batch_size {BATCH}): a caught panic does not give the worker back"
        );
        drop(addr);
        let report = stop_and_join("the relapsing actor to stop", a).await;
        assert_eq!(
            (report.handled, report.panics, report.restarts),
            (1, POISONS, POISONS),
            "{report:?}"
        );
        let report = stop_and_join("the neighbour to shut down", b).await;
        assert_eq!(report.handled, 1, "{report:?}");
    });
}
