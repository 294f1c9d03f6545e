//! `Recipient<M>` and `WeakRecipient<M>`: an actor's address named by a message type it accepts.
//!
//! The contract checked here: actors of different types behind one `Vec<Recipient<M>>`; every
//! send through a recipient answers as the same send through the actor's `Addr` does, under
//! each overflow policy, with the caller's own `M` handed back (never the converted message),
//! and the mailbox's counters move exactly as for the `Addr`; a closed actor hands the message
//! back; a weak recipient does not keep its actor running, a strong one does; equality and
//! hashing agree with the `Addr`'s; a conversion that panics costs its slot and nothing else.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use ryker_tokio::{
    Actor, ActorConfig, ActorHandle, AskError, AskTimeoutError, Context, Exit, MailboxConfig,
    MailboxStats, Overflow, Recipient, Reply, SendError, SendTimeoutError, Sent, TrySendError,
    WeakRecipient,
};

/// The upper bound that turns a hang into a failure; never a measure of speed.
const LIMIT: Duration = Duration::from_secs(10);

fn on_current<F: Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(bounded(body))
}

fn on_multi<F: Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(bounded(body))
}

async fn bounded<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(LIMIT, body)
        .await
        .expect("the case hung: not finished within 10 s")
}

/// A waker that does nothing: for polling a future exactly once.
struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(NoopWake));
    Pin::new(fut).poll(&mut TaskContext::from_waker(&waker))
}

/// What the recipients in these tests take: not the actor's message type, and not `Copy`, so
/// a message handed back is visibly the caller's own.
#[derive(Debug, PartialEq, Eq)]
struct Note(u32);

/// The recorder's messages: a `Note` is one of them.
#[derive(Debug)]
enum Msg {
    Note(Note),
    Seen(Reply<Vec<u32>>),
}

impl From<Note> for Msg {
    fn from(note: Note) -> Self {
        Msg::Note(note)
    }
}

/// Waits until the actor behind `recipient` has taken everything queued: an ask sent into a
/// full mailbox under a drop policy would be dropped or would displace a note.
async fn drained<M>(recipient: &Recipient<M>) {
    while !recipient.is_empty() {
        tokio::task::yield_now().await;
    }
}

/// A note whose conversion panics for 0: a `From` that fails in the middle of a send.
struct Fragile(u32);

impl From<Fragile> for Msg {
    fn from(fragile: Fragile) -> Self {
        assert!(fragile.0 != 0, "on purpose: a conversion that panics");
        Msg::Note(Note(fragile.0))
    }
}

/// Records the notes it handles; `started` waits for its gate (a mailbox that stays full).
struct Recorder {
    gate: Option<oneshot::Receiver<()>>,
    seen: Vec<u32>,
}

impl Actor for Recorder {
    type Msg = Msg;

    async fn started(&mut self, _: &mut Context<Self>) {
        if let Some(gate) = self.gate.take() {
            let _ = gate.await;
        }
    }

    async fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Note(Note(n)) => self.seen.push(n),
            Msg::Seen(reply) => {
                let _ = reply.send(self.seen.clone());
            }
        }
    }
}

/// A second actor type, whose message type is `Note` itself; it reports what it handles.
struct Tally(mpsc::UnboundedSender<u32>);

impl Actor for Tally {
    type Msg = Note;

    async fn handle(&mut self, Note(n): Note, _: &mut Context<Self>) {
        let _ = self.0.send(n);
    }
}

fn config(capacity: usize, overflow: Overflow) -> ActorConfig {
    ActorConfig {
        mailbox: MailboxConfig {
            capacity,
            overflow,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A recorder that reads nothing until the returned gate opens.
fn gated(capacity: usize, overflow: Overflow) -> (ActorHandle<Recorder>, oneshot::Sender<()>) {
    let (open, gate) = oneshot::channel();
    let recorder = Recorder {
        gate: Some(gate),
        seen: Vec::new(),
    };
    let handle = ryker_tokio::spawn_with(recorder, &config(capacity, overflow)).unwrap();
    (handle, open)
}

/// The note inside a message the `Addr` handed back.
fn note_of(msg: Msg) -> u32 {
    match msg {
        Msg::Note(Note(n)) => n,
        Msg::Seen(_) => panic!("only notes are sent"),
    }
}

/// A `try_tell` outcome with the message reduced to its number, for comparing the `Addr`'s
/// (which hands back a `Msg`) with the recipient's (which hands back the `Note`).
fn outcome<T>(
    result: Result<Sent, TrySendError<T>>,
    n: impl Fn(T) -> u32,
) -> Result<Sent, TrySendError<u32>> {
    result.map_err(|e| match e {
        TrySendError::Busy(msg) => TrySendError::Busy(n(msg)),
        TrySendError::Closed(msg) => TrySendError::Closed(n(msg)),
        TrySendError::Dropped => TrySendError::Dropped,
        other => panic!("an error these tests do not expect: {other:?}"),
    })
}

/// The counters that sends move (`received` and `discarded` belong to the actor's side).
fn send_counts(stats: MailboxStats) -> (u64, u64, u64, u64, usize) {
    (
        stats.accepted,
        stats.busy,
        stats.dropped_newest,
        stats.dropped_oldest,
        stats.high_water,
    )
}

/// Two gated recorders of capacity 2 under `overflow`, one sent to through its `Addr`, the
/// other through a `Recipient<Note>`, the same four notes with `try_tell`: the outcomes, the
/// counters and what each finally handles are the same. Returns the recipient's outcomes and
/// what its recorder handled.
async fn try_tell_both_ways(
    overflow: Overflow,
) -> (Vec<Result<Sent, TrySendError<u32>>>, Vec<u32>) {
    let (by_addr, open_addr) = gated(2, overflow);
    let (by_recipient, open_recipient) = gated(2, overflow);
    let addr = by_addr.addr();
    let recipient: Recipient<Note> = by_recipient.addr().recipient();
    let mut through_addr = Vec::new();
    let mut through_recipient = Vec::new();
    for n in 1..=4 {
        through_addr.push(outcome(addr.try_tell(Msg::Note(Note(n))), note_of));
        through_recipient.push(outcome(recipient.try_tell(Note(n)), |Note(n)| n));
    }
    assert_eq!(
        through_recipient, through_addr,
        "{overflow}: the same answers"
    );
    assert_eq!(
        send_counts(recipient.stats()),
        send_counts(addr.stats()),
        "{overflow}: the same counts"
    );
    open_addr.send(()).unwrap();
    open_recipient.send(()).unwrap();
    drained(&addr.recipient::<Msg>()).await;
    drained(&recipient).await;
    let seen_addr = addr.ask(Msg::Seen).await.unwrap();
    let seen_recipient = by_recipient.addr().ask(Msg::Seen).await.unwrap();
    assert_eq!(
        seen_recipient, seen_addr,
        "{overflow}: the same messages handled"
    );
    assert_eq!(recipient.stats(), addr.stats(), "{overflow}: every counter");
    by_addr.shutdown();
    by_recipient.shutdown();
    (through_recipient, seen_recipient)
}

#[test]
fn actors_of_two_types_behind_one_vec_of_recipients() {
    on_multi(async {
        let (open, gate) = oneshot::channel();
        drop(open); // an open gate
        let recorder = ryker_tokio::spawn(Recorder {
            gate: Some(gate),
            seen: Vec::new(),
        });
        let (tx, mut tallied) = mpsc::unbounded_channel();
        let tally = ryker_tokio::spawn(Tally(tx));
        let subscribers: Vec<Recipient<Note>> =
            vec![recorder.addr().recipient(), tally.addr().into()];
        for n in 0..10 {
            for subscriber in &subscribers {
                subscriber.tell(Note(n)).await.unwrap();
            }
        }
        assert_eq!(
            recorder.addr().ask(Msg::Seen).await.unwrap(),
            (0..10).collect::<Vec<_>>()
        );
        let mut seen = Vec::new();
        while seen.len() < 10 {
            seen.push(tallied.recv().await.unwrap());
        }
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(subscribers[0], recorder.addr());
        assert_eq!(subscribers[1], tally.addr());
        assert_ne!(subscribers[0], subscribers[1]);
        recorder.shutdown();
        tally.shutdown();
    });
}

#[test]
fn try_tell_under_busy_hands_the_callers_message_back_and_counts_as_the_addr() {
    on_current(async {
        let (outcomes, seen) = try_tell_both_ways(Overflow::Busy).await;
        let busy = TrySendError::Busy;
        assert_eq!(
            outcomes,
            [
                Ok(Sent::Queued),
                Ok(Sent::Queued),
                Err(busy(3)),
                Err(busy(4))
            ]
        );
        assert_eq!(seen, [1, 2]);
    });
}

#[test]
fn try_tell_under_drop_newest_drops_and_counts_as_the_addr() {
    on_current(async {
        let (outcomes, seen) = try_tell_both_ways(Overflow::DropNewest).await;
        let dropped = Err(TrySendError::Dropped);
        assert_eq!(
            outcomes,
            [Ok(Sent::Queued), Ok(Sent::Queued), dropped, dropped]
        );
        assert_eq!(seen, [1, 2]);
    });
}

#[test]
fn try_tell_under_drop_oldest_evicts_and_counts_as_the_addr() {
    on_current(async {
        let (outcomes, seen) = try_tell_both_ways(Overflow::DropOldest).await;
        let displaced = Ok(Sent::DisplacedOldest);
        assert_eq!(
            outcomes,
            [Ok(Sent::Queued), Ok(Sent::Queued), displaced, displaced]
        );
        assert_eq!(seen, [3, 4]);
    });
}

#[test]
fn tell_and_blocking_tell_under_the_drop_policies_never_wait_and_count_as_the_addr() {
    on_multi(async {
        for overflow in [Overflow::DropNewest, Overflow::DropOldest] {
            let (by_addr, open_addr) = gated(1, overflow);
            let (by_recipient, open_recipient) = gated(1, overflow);
            let addr = by_addr.addr();
            let recipient: Recipient<Note> = by_recipient.addr().recipient();
            let mut through_addr = Vec::new();
            let mut through_recipient = Vec::new();
            for n in 1..=3 {
                let sent = addr.tell(Msg::Note(Note(n))).await.map_err(|e| match e {
                    SendError::Closed(msg) => SendError::Closed(note_of(msg)),
                    _ => SendError::Dropped,
                });
                through_addr.push(sent);
                let sent = recipient.tell(Note(n)).await.map_err(|e| match e {
                    SendError::Closed(Note(n)) => SendError::Closed(n),
                    _ => SendError::Dropped,
                });
                through_recipient.push(sent);
            }
            let blocking = recipient.clone();
            let from_thread = tokio::task::spawn_blocking(move || blocking.blocking_tell(Note(4)))
                .await
                .unwrap();
            let addr_from_thread = {
                let addr = addr.clone();
                tokio::task::spawn_blocking(move || addr.blocking_tell(Msg::Note(Note(4))))
                    .await
                    .unwrap()
            };
            through_recipient.push(from_thread.map_err(|_| SendError::Dropped));
            through_addr.push(addr_from_thread.map_err(|_| SendError::Dropped));
            assert_eq!(through_recipient, through_addr, "{overflow}");
            let expected = if overflow == Overflow::DropNewest {
                [
                    Ok(Sent::Queued),
                    Err(SendError::Dropped),
                    Err(SendError::Dropped),
                    Err(SendError::Dropped),
                ]
            } else {
                let displaced = Ok(Sent::DisplacedOldest);
                [Ok(Sent::Queued), displaced, displaced, displaced]
            };
            assert_eq!(through_recipient, expected, "{overflow}");
            assert_eq!(
                send_counts(recipient.stats()),
                send_counts(addr.stats()),
                "{overflow}"
            );
            open_addr.send(()).unwrap();
            open_recipient.send(()).unwrap();
            drained(&addr.recipient::<Msg>()).await;
            drained(&recipient).await;
            let seen = by_recipient.addr().ask(Msg::Seen).await.unwrap();
            assert_eq!(seen, addr.ask(Msg::Seen).await.unwrap(), "{overflow}");
            by_addr.shutdown();
            by_recipient.shutdown();
        }
    });
}

#[test]
fn tell_under_busy_waits_in_line_for_a_slot() {
    on_current(async {
        let (handle, open) = gated(1, Overflow::Busy);
        let recipient: Recipient<Note> = handle.addr().recipient();
        recipient.tell(Note(1)).await.unwrap();
        let mut waiting = Box::pin(recipient.tell(Note(2)));
        assert!(poll_once(&mut waiting).is_pending(), "full: it waits");
        assert_eq!(
            recipient.stats().busy,
            0,
            "a waiting send is no refusal (as `Addr::tell`)"
        );
        open.send(()).unwrap();
        assert_eq!(waiting.await, Ok(Sent::Queued));
        assert_eq!(handle.addr().ask(Msg::Seen).await.unwrap(), [1, 2]);
        handle.shutdown();
    });
}

#[test]
fn a_cancelled_tell_sends_nothing_and_gives_its_place_up() {
    on_current(async {
        let (handle, open) = gated(1, Overflow::Busy);
        let recipient: Recipient<Note> = handle.addr().recipient();
        recipient.try_tell(Note(1)).unwrap();
        let mut cancelled = Box::pin(recipient.tell(Note(2)));
        assert!(poll_once(&mut cancelled).is_pending());
        let behind = tokio::spawn({
            let recipient = recipient.clone();
            async move { recipient.tell(Note(3)).await }
        });
        tokio::task::yield_now().await; // `behind` queues after the cancelled one
        drop(cancelled);
        open.send(()).unwrap();
        assert_eq!(bounded(behind).await.unwrap(), Ok(Sent::Queued));
        assert_eq!(handle.addr().ask(Msg::Seen).await.unwrap(), [1, 3]);
        assert_eq!(recipient.stats().accepted, 3, "1, 3 and the ask");
        handle.shutdown();
    });
}

#[test]
fn tell_timeout_hands_the_callers_message_back_and_counts_as_the_addr() {
    on_current(async {
        let (by_addr, open_addr) = gated(1, Overflow::Busy);
        let (by_recipient, open_recipient) = gated(1, Overflow::Busy);
        let addr = by_addr.addr();
        let recipient: Recipient<Note> = by_recipient.addr().recipient();
        let ms = Duration::from_millis;
        assert!(matches!(
            addr.tell_timeout(Msg::Note(Note(1)), ms(5)).await,
            Ok(Sent::Queued)
        ));
        assert_eq!(
            recipient.tell_timeout(Note(1), ms(5)).await,
            Ok(Sent::Queued)
        );
        // Full, and neither actor reads: both time out, with the caller's message.
        match addr.tell_timeout(Msg::Note(Note(2)), ms(5)).await {
            Err(SendTimeoutError::Timeout(msg)) => assert_eq!(note_of(msg), 2),
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!(
            recipient.tell_timeout(Note(2), ms(5)).await,
            Err(SendTimeoutError::Timeout(Note(2)))
        );
        assert_eq!(
            recipient.stats(),
            addr.stats(),
            "a timed-out send counts one busy refusal"
        );
        assert_eq!(recipient.stats().busy, 1);
        // A slot that frees up while it waits is taken.
        let waiting = tokio::spawn({
            let recipient = recipient.clone();
            async move { recipient.tell_timeout(Note(3), LIMIT).await }
        });
        tokio::task::yield_now().await;
        open_recipient.send(()).unwrap();
        open_addr.send(()).unwrap();
        assert_eq!(bounded(waiting).await.unwrap(), Ok(Sent::Queued));
        assert_eq!(by_recipient.addr().ask(Msg::Seen).await.unwrap(), [1, 3]);
        by_addr.shutdown();
        by_recipient.shutdown();
    });
}

#[test]
fn a_closed_actor_hands_the_callers_message_back_on_every_send() {
    on_current(async {
        let (mut handle, open) = gated(4, Overflow::Busy);
        drop(open);
        let recipient: Recipient<Note> = handle.addr().recipient();
        handle.shutdown();
        assert_eq!(bounded(handle.join()).await.unwrap().exit, Exit::Shutdown);
        assert!(recipient.is_closed());
        assert_eq!(
            recipient.try_tell(Note(1)),
            Err(TrySendError::Closed(Note(1)))
        );
        assert_eq!(
            recipient.tell(Note(2)).await,
            Err(SendError::Closed(Note(2)))
        );
        assert_eq!(
            recipient.tell_timeout(Note(3), LIMIT).await,
            Err(SendTimeoutError::Closed(Note(3)))
        );
        let blocking = recipient.clone();
        let from_thread = tokio::task::spawn_blocking(move || blocking.blocking_tell(Note(4)));
        assert_eq!(from_thread.await.unwrap(), Err(SendError::Closed(Note(4))));
        assert_eq!(recipient.stats().accepted, 0);
    });
}

#[test]
fn a_recipient_keeps_its_actor_running_and_a_weak_one_does_not() {
    on_current(async {
        let (open, gate) = oneshot::channel();
        drop(open);
        let mut handle = ryker_tokio::spawn(Recorder {
            gate: Some(gate),
            seen: Vec::new(),
        });
        let recipient: Recipient<Note> = handle.addr().recipient();
        let weak: WeakRecipient<Note> = recipient.downgrade();
        // The handle lets its own address go once its join is polled: from then on the
        // recipient is the actor's only address.
        let joined = tokio::spawn(async move { handle.join().await });
        for _ in 0..32 {
            tokio::task::yield_now().await;
        }
        recipient.tell(Note(7)).await.unwrap();
        let back = weak
            .upgrade()
            .expect("the recipient keeps the actor running");
        assert_eq!(back, recipient);
        back.tell(Note(8)).await.unwrap();
        drop(back);
        drop(recipient);
        // The weak recipient is all that is left: the actor handles what is queued and stops.
        let report = bounded(joined).await.unwrap().unwrap();
        assert_eq!(report.exit, Exit::Released, "{report:?}");
        assert_eq!(report.handled, 2);
        assert!(weak.upgrade().is_none());
        assert!(weak.is_closed());
    });
}

#[test]
fn recipients_are_equal_and_hashed_as_their_addresses() {
    fn hash_of(value: &impl Hash) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }
    on_current(async {
        let (first, _open_first) = gated(4, Overflow::Busy);
        let (second, _open_second) = gated(4, Overflow::Busy);
        let (addr1, addr2) = (first.addr(), second.addr());
        let (r1, r2): (Recipient<Note>, Recipient<Note>) = (addr1.recipient(), addr2.recipient());
        let r1_again: Recipient<Note> = addr1.clone().into();
        assert_eq!(r1, r1_again);
        assert_eq!(r1, r1.clone());
        assert_ne!(r1, r2);
        assert!(r1 == addr1, "a recipient equals its address");
        assert!(addr1 == r1, "and the other way round");
        assert!(r1 != addr2, "not another actor's");
        assert!(addr2 != r1, "nor another actor's its");
        assert_eq!(hash_of(&r1), hash_of(&addr1));
        assert_eq!(hash_of(&r1_again), hash_of(&addr1.downgrade()));
        let weak1 = r1.downgrade();
        assert_eq!(weak1, r1_again.downgrade());
        assert!(weak1 == r1, "a weak recipient equals its recipient");
        assert!(r1 == weak1, "and the other way round");
        assert!(weak1 != r2, "not another actor's");
        assert_eq!(hash_of(&weak1), hash_of(&addr1));
        // Recipients of another message type of the same actor are still its addresses.
        let whole: Recipient<Msg> = addr1.recipient();
        assert!(whole == addr1);
        let set: HashSet<Recipient<Note>> = [r1.clone(), r1_again, r2.clone()].into();
        assert_eq!(set.len(), 2);
        assert!(set.contains(&r1) && set.contains(&r2));
        let text = format!("{r1:?} {weak1:?}");
        assert!(
            text.contains("Recipient") && text.contains("WeakRecipient"),
            "{text}"
        );
        first.shutdown();
        second.shutdown();
    });
}

#[test]
fn ask_through_a_recipient() {
    /// A question the recorder answers, with its own reply inside.
    struct Seen(Reply<Vec<u32>>);
    impl From<Seen> for Msg {
        fn from(Seen(reply): Seen) -> Self {
            Msg::Seen(reply)
        }
    }
    on_current(async {
        let (mut handle, open) = gated(4, Overflow::Busy);
        drop(open);
        let notes: Recipient<Note> = handle.addr().recipient();
        let questions: Recipient<Seen> = handle.addr().recipient();
        notes.tell(Note(5)).await.unwrap();
        assert_eq!(questions.ask(Seen).await, Ok(vec![5]));
        handle.shutdown();
        bounded(handle.join()).await.unwrap();
        assert_eq!(questions.ask(Seen).await, Err(AskError::Closed));
    });
}

#[test]
fn ask_timeout_through_a_recipient_hands_the_request_back_and_counts_as_the_addr() {
    /// The recorder's question, with its own reply inside.
    struct Seen(Reply<Vec<u32>>);
    impl From<Seen> for Msg {
        fn from(Seen(reply): Seen) -> Self {
            Msg::Seen(reply)
        }
    }
    on_current(async {
        let (by_addr, open_addr) = gated(1, Overflow::Busy);
        let (by_recipient, open_recipient) = gated(1, Overflow::Busy);
        let addr = by_addr.addr();
        let questions: Recipient<Seen> = by_recipient.addr().recipient();
        let ms = Duration::from_millis;
        // Queued (filling the mailbox), not answered in time.
        let through_addr = addr.ask_timeout(Msg::Seen, ms(5)).await.unwrap_err();
        let through_recipient = questions.ask_timeout(Seen, ms(5)).await.unwrap_err();
        assert!(matches!(through_addr, AskTimeoutError::Timeout));
        assert!(matches!(through_recipient, AskTimeoutError::Timeout));
        // Full until the deadline: the request comes back as the caller built it.
        let through_addr = addr.ask_timeout(Msg::Seen, ms(5)).await.unwrap_err();
        let through_recipient = questions.ask_timeout(Seen, ms(5)).await.unwrap_err();
        assert!(matches!(through_addr, AskTimeoutError::Full(Msg::Seen(_))));
        assert!(matches!(through_recipient, AskTimeoutError::Full(Seen(_))));
        assert_eq!(questions.stats(), addr.stats());
        assert_eq!((questions.stats().accepted, questions.stats().busy), (1, 1));
        open_addr.send(()).unwrap();
        open_recipient.send(()).unwrap();
        assert_eq!(questions.ask_timeout(Seen, LIMIT).await.ok(), Some(vec![]));
        by_addr.shutdown();
        by_recipient.shutdown();
    });
}

#[test]
fn context_recipient_is_the_actors_own() {
    /// The actor's own recipients, strong (while another address is alive) and weak.
    type Both = (Option<Recipient<Note>>, WeakRecipient<Note>);
    /// Hands out its own recipients when it starts.
    struct Own(Option<oneshot::Sender<Both>>);
    impl Actor for Own {
        type Msg = Note;
        async fn started(&mut self, ctx: &mut Context<Self>) {
            if let Some(tx) = self.0.take() {
                let _ = tx.send((ctx.recipient(), ctx.weak_recipient()));
            }
        }
        async fn handle(&mut self, _: Note, _: &mut Context<Self>) {}
    }
    on_current(async {
        let (tx, rx) = oneshot::channel();
        let handle = ryker_tokio::spawn(Own(Some(tx)));
        let (strong, weak) = bounded(rx).await.unwrap();
        let strong = strong.expect("the handle holds an address");
        assert!(strong == handle.addr() && weak == strong);
        strong.try_tell(Note(1)).unwrap();
        drop(strong);
        handle.shutdown();
    });
}

#[test]
fn a_conversion_that_panics_gives_its_slot_up() {
    on_current(async {
        for overflow in [Overflow::Busy, Overflow::DropOldest] {
            let (handle, open) = gated(3, overflow);
            let fragile: Recipient<Fragile> = handle.addr().recipient();
            let notes: Recipient<Note> = handle.addr().recipient();
            let queued: &[u32] = if overflow == Overflow::DropOldest {
                &[1, 2, 3] // full: the panicking send displaces 1
            } else {
                &[1]
            };
            for &n in queued {
                notes.try_tell(Note(n)).unwrap();
            }
            let panicked = catch_unwind(AssertUnwindSafe(|| fragile.try_tell(Fragile(0))));
            assert!(
                panicked.is_err(),
                "{overflow}: the panic reaches the sender"
            );
            let stats = notes.stats();
            assert_eq!(
                stats.accepted,
                queued.len() as u64,
                "{overflow}: the slot is no message"
            );
            let displaced = u64::from(overflow == Overflow::DropOldest);
            assert_eq!(stats.dropped_oldest, displaced, "{overflow}");
            open.send(()).unwrap();
            drained(&notes).await;
            fragile.tell(Fragile(5)).await.unwrap();
            let seen = handle.addr().ask(Msg::Seen).await.unwrap();
            let expected: &[u32] = if overflow == Overflow::DropOldest {
                &[2, 3, 5]
            } else {
                &[1, 5]
            };
            assert_eq!(
                seen, expected,
                "{overflow}: the actor stepped over the slot"
            );
            handle.shutdown();
        }
    });
}

#[test]
fn recipients_are_send_sync_and_their_futures_send() {
    fn send_sync<T: Send + Sync + Unpin + Clone>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Recipient<Note>>();
    send_sync::<WeakRecipient<Note>>();
    // `Send` and `Sync` whatever the message type: it never crosses threads inside them.
    send_sync::<Recipient<std::rc::Rc<u32>>>();
    on_current(async {
        let (handle, open) = gated(2, Overflow::Busy);
        drop(open);
        let recipient: Recipient<Note> = handle.addr().recipient();
        let tell = recipient.tell(Note(1));
        send(&tell);
        tell.await.unwrap();
        let timed = recipient.tell_timeout(Note(2), LIMIT);
        send(&timed);
        timed.await.unwrap();
        handle.shutdown();
    });
}
