//! The instrumented messages and actor most cases use.
//!
//! An [`Item`] has an id, a 64-byte payload derived from the id, and a drop guard: the
//! [`Ledger`] counts, per id, how often it was handled and how often it was dropped. A correct
//! runtime drops every message it was given exactly once, handles it at most once, and never
//! hands the actor a torn payload; the ledger makes each of those checkable after the fact.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ryker_core::prelude::*;
use ryker_core::runtime::YieldNow;

use crate::sync::{lock, within, Latch};

/// Bytes of payload each [`Item`] carries.
pub(crate) const PAYLOAD: usize = 64;

/// The payload for `id`: an xorshift stream seeded by the id, so a torn or mixed-up message
/// does not verify.
pub(crate) fn payload(id: u64) -> [u8; PAYLOAD] {
    let mut x = id.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = [0; PAYLOAD];
    for byte in &mut out {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *byte = x as u8;
    }
    out
}

/// Per-id counts of what happened to every message of a case, plus the case's failures
/// observed on threads and tasks that cannot fail the case themselves.
#[derive(Debug)]
pub(crate) struct Ledger {
    handled: Box<[AtomicU8]>,
    dropped: Box<[AtomicU8]>,
    /// Ids in the order the actor(s) handled them.
    order: Mutex<Vec<u64>>,
    /// Problems seen away from the test body.
    failures: Mutex<Vec<String>>,
    pub(crate) handled_total: AtomicU64,
    /// `started` hook runs.
    pub(crate) started: AtomicUsize,
    /// `stopped` hook runs.
    pub(crate) stopped: AtomicUsize,
    /// `stopped` hook runs that found no live address (`ctx.addr()` was `None`).
    pub(crate) stopped_unaddressed: AtomicUsize,
    /// `Hold` handlers that were dropped before they finished.
    pub(crate) holds_cancelled: AtomicUsize,
    /// Answers to `Echo` that found the asker gone.
    pub(crate) replies_unwanted: AtomicUsize,
    /// Actor values dropped.
    pub(crate) actors_dropped: AtomicUsize,
}

impl Ledger {
    /// A ledger for ids `0..ids`.
    pub(crate) fn new(ids: u64) -> Arc<Self> {
        let counts = || (0..ids).map(|_| AtomicU8::new(0)).collect();
        Arc::new(Self {
            handled: counts(),
            dropped: counts(),
            order: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
            handled_total: AtomicU64::new(0),
            started: AtomicUsize::new(0),
            stopped: AtomicUsize::new(0),
            stopped_unaddressed: AtomicUsize::new(0),
            holds_cancelled: AtomicUsize::new(0),
            replies_unwanted: AtomicUsize::new(0),
            actors_dropped: AtomicUsize::new(0),
        })
    }

    /// Records a failure seen on a task or thread.
    pub(crate) fn fail(&self, what: String) {
        lock(&self.failures).push(what);
    }

    /// Fails the case with every recorded failure.
    pub(crate) fn assert_no_failures(&self) {
        let failures = lock(&self.failures);
        assert!(failures.is_empty(), "failures: {failures:#?}");
    }

    /// How often `id` was handled.
    pub(crate) fn handled(&self, id: u64) -> u8 {
        self.handled[id as usize].load(Ordering::Acquire)
    }

    /// How often `id` was dropped.
    pub(crate) fn dropped(&self, id: u64) -> u8 {
        self.dropped[id as usize].load(Ordering::Acquire)
    }

    /// Messages handled so far.
    pub(crate) fn total(&self) -> u64 {
        self.handled_total.load(Ordering::Acquire)
    }

    /// The ids handled, in order.
    pub(crate) fn order(&self) -> Vec<u64> {
        lock(&self.order).clone()
    }

    /// Checks every id in `ids` with `expect(id) -> (handled, dropped)`, and fails with the
    /// first few that differ.
    pub(crate) fn assert_each(
        &self,
        what: &str,
        ids: impl IntoIterator<Item = u64>,
        mut expect: impl FnMut(u64) -> (u8, u8),
    ) {
        let mut wrong = 0;
        let mut report = String::new();
        for id in ids {
            let want = expect(id);
            let got = (self.handled(id), self.dropped(id));
            if got != want {
                wrong += 1;
                if wrong <= 8 {
                    let _ = writeln!(
                        report,
                        "  id {id}: handled {} dropped {}, expected handled {} dropped {}",
                        got.0, got.1, want.0, want.1
                    );
                }
            }
        }
        assert!(
            wrong == 0,
            "{what}: {wrong} messages wrong, first ones:\n{report}"
        );
    }

    fn record(&self, item: Item) {
        if item.payload != payload(item.id) {
            self.fail(format!(
                "message {} arrived with a corrupt payload",
                item.id
            ));
        }
        self.handled[item.id as usize].fetch_add(1, Ordering::AcqRel);
        lock(&self.order).push(item.id);
        self.handled_total.fetch_add(1, Ordering::AcqRel);
    }
}

/// Fails unless `got` is exactly `want`, naming the first difference (not dumping thousands
/// of numbers).
pub(crate) fn assert_sequence(what: &str, got: &[u64], want: &[u64]) {
    if got == want {
        return;
    }
    let at = got.iter().zip(want).position(|(g, w)| g != w);
    let at = at.unwrap_or(got.len().min(want.len()));
    let window = |s: &[u64]| s[at.saturating_sub(2)..(at + 3).min(s.len())].to_vec();
    panic!(
        "{what}: sequences differ at index {at} (got {} items, expected {}): got ..{:?}.., expected ..{:?}..",
        got.len(),
        want.len(),
        window(got),
        window(want)
    );
}

/// A message with an id, a 64-byte payload and a drop guard.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) id: u64,
    payload: [u8; PAYLOAD],
    ledger: Arc<Ledger>,
}

impl Item {
    /// Message `id`, counted in `ledger`.
    pub(crate) fn new(id: u64, ledger: &Arc<Ledger>) -> Self {
        Self {
            id,
            payload: payload(id),
            ledger: ledger.clone(),
        }
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        self.ledger.dropped[self.id as usize].fetch_add(1, Ordering::AcqRel);
    }
}

/// What a [`Recorder`] handles.
pub(crate) enum Rec {
    /// Count `entered` down, then wait for `release` (a blocked actor; an unopened `release`
    /// is a handler that awaits forever).
    Hold {
        entered: Arc<Latch>,
        release: Arc<Latch>,
    },
    /// Record the item.
    Item(Item),
    /// Panic (with the text `poison <id>`).
    Poison(Item),
    /// Record the item and answer its id.
    Echo(Item, Reply<u64>),
    /// Record the item and drop the reply unanswered.
    Forget(Item, Reply<u64>),
    /// Stop the actor (`Context::stop`), then answer.
    Stop(Reply<()>),
}

impl Rec {
    /// The item's id, for the variants that carry one.
    pub(crate) fn id(&self) -> Option<u64> {
        match self {
            Rec::Item(item) | Rec::Poison(item) | Rec::Echo(item, _) | Rec::Forget(item, _) => {
                Some(item.id)
            }
            Rec::Hold { .. } | Rec::Stop(_) => None,
        }
    }
}

/// Marks a `Hold` cancelled unless disarmed.
struct CancelMark<'a>(Option<&'a AtomicUsize>);

impl Drop for CancelMark<'_> {
    fn drop(&mut self) {
        if let Some(count) = self.0 {
            count.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// The instrumented actor: records what it handles in its [`Ledger`], and yields to the
/// runtime every `yield_every` items (0: never) so that its queue builds up.
///
/// It holds no runtime handle (it yields with the executor-agnostic [`YieldNow`]): an actor
/// that owned, say, an `Arc` of its executor would keep that executor alive from inside it,
/// and the runtime-shutdown case would measure the test's leak instead of the adapter's.
pub(crate) struct Recorder {
    ledger: Arc<Ledger>,
    yield_every: u64,
    seen: u64,
}

impl Recorder {
    pub(crate) fn new(ledger: &Arc<Ledger>) -> Self {
        Self {
            ledger: ledger.clone(),
            yield_every: 0,
            seen: 0,
        }
    }

    pub(crate) fn yielding_every(mut self, n: u64) -> Self {
        self.yield_every = n;
        self
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.ledger.actors_dropped.fetch_add(1, Ordering::AcqRel);
    }
}

impl Actor for Recorder {
    type Msg = Rec;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        self.ledger.started.fetch_add(1, Ordering::AcqRel);
    }

    async fn handle(&mut self, msg: Rec, ctx: &mut Context<Self>) {
        match msg {
            Rec::Hold { entered, release } => {
                let mut mark = CancelMark(Some(&self.ledger.holds_cancelled));
                entered.count_down();
                release.wait().await;
                mark.0 = None;
            }
            Rec::Item(item) => {
                self.ledger.record(item);
                self.seen += 1;
                if self.yield_every > 0 && self.seen.is_multiple_of(self.yield_every) {
                    YieldNow::new().await;
                }
            }
            Rec::Poison(item) => panic!("poison {}", item.id),
            Rec::Echo(item, reply) => {
                let id = item.id;
                self.ledger.record(item);
                if reply.send(id).is_err() {
                    self.ledger.replies_unwanted.fetch_add(1, Ordering::AcqRel);
                }
            }
            Rec::Forget(item, reply) => {
                self.ledger.record(item);
                drop(reply);
            }
            Rec::Stop(reply) => {
                ctx.stop();
                let _ = reply.send(());
            }
        }
    }

    async fn stopped(&mut self, ctx: &mut Context<Self>) {
        self.ledger.stopped.fetch_add(1, Ordering::AcqRel);
        if ctx.addr().is_none() {
            self.ledger
                .stopped_unaddressed
                .fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// An actor configuration with `capacity`, `overflow` and `batch_size`, the rest default.
pub(crate) fn config(capacity: usize, overflow: Overflow, batch_size: usize) -> ActorConfig {
    ActorConfig {
        mailbox: MailboxConfig {
            capacity,
            overflow,
            ..Default::default()
        },
        batch_size,
        ..Default::default()
    }
}

/// Spawns a [`Recorder`] with `config`.
pub(crate) fn spawn_recorder<R: Runtime>(
    rt: &R,
    ledger: &Arc<Ledger>,
    config: ActorConfig,
) -> ActorHandle<Recorder> {
    ActorOptions::new(config)
        .spawn(rt, Recorder::new(ledger))
        .expect("a valid config")
}

/// Makes the actor block: sends a `Hold` and waits until its handler runs. Returns the latch
/// that releases it. The mailbox is empty afterwards (the `Hold` was the only message), so
/// the caller can fill it to exactly its capacity.
pub(crate) async fn hold(addr: &Addr<Recorder>) -> Arc<Latch> {
    let entered = Latch::new(1);
    let release = Latch::new(1);
    let hold = Rec::Hold {
        entered: entered.clone(),
        release: release.clone(),
    };
    assert!(addr.try_tell(hold).is_ok(), "the Hold message was refused");
    within(
        "the actor to start handling its Hold message",
        entered.wait(),
    )
    .await;
    release
}

/// Sends `Item(id)` for every id with `try_tell`, expecting each to be queued.
pub(crate) fn fill(
    addr: &Addr<Recorder>,
    ledger: &Arc<Ledger>,
    ids: impl IntoIterator<Item = u64>,
) {
    for id in ids {
        match addr.try_tell(Rec::Item(Item::new(id, ledger))) {
            Ok(Sent::Queued) => {}
            other => panic!("try_tell of message {id} into a mailbox with space: {other:?}"),
        }
    }
}
