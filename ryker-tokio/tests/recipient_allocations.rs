//! A send through a `Recipient` allocates nothing per message, as a send through the `Addr`
//! does (the `tell` and `ask` rows of benches/alloc-baseline.toml): the recipient is one
//! allocation when it is made, and its conversion is `From`, into the actor's mailbox.
//!
//! Counted with the workspace's counting allocator, on the one thread that drives a
//! current-thread runtime (the sender's task and the actor's both run there), after a warm-up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bench_support::alloc::{Counting, Tally};
use ryker_tokio::{Actor, Context, Recipient, Reply};

#[global_allocator]
static ALLOC: Counting = Counting;

/// What the recipient is named by.
struct Note(u64);

/// A question, with its own reply inside.
struct Count(Reply<u64>);

enum Msg {
    Note(Note),
    Count(Count),
}

impl From<Note> for Msg {
    fn from(note: Note) -> Self {
        Msg::Note(note)
    }
}

impl From<Count> for Msg {
    fn from(count: Count) -> Self {
        Msg::Count(count)
    }
}

/// Counts the notes it handles.
struct Sink(Arc<AtomicU64>);

impl Actor for Sink {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Note(Note(n)) => {
                self.0
                    .fetch_add(std::hint::black_box(n).min(1), Ordering::Relaxed);
            }
            Msg::Count(Count(reply)) => {
                let _ = reply.send(self.0.load(Ordering::Relaxed));
            }
        }
    }
}

/// Messages per measured window.
const OPS: u64 = 10_000;

#[test]
fn sends_through_a_recipient_allocate_nothing_per_message() {
    static TALLY: Tally = Tally::new();
    TALLY.enroll();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let handled = Arc::new(AtomicU64::new(0));
        let handle = ryker_tokio::spawn(Sink(handled.clone()));
        let notes: Recipient<Note> = handle.addr().recipient();
        let counts: Recipient<Count> = handle.addr().recipient();
        // Warm-up: three laps of the mailbox, and asks (the reply slot is then reused).
        for _ in 0..3 {
            for n in 0..1024 {
                notes.tell(Note(n + 1)).await.unwrap();
            }
            for _ in 0..64 {
                counts.ask(Count).await.unwrap();
            }
        }
        let before = counts.ask(Count).await.unwrap();
        let window = TALLY.count(async {
            for n in 0..OPS {
                notes.tell(Note(n + 1)).await.unwrap();
                // The mailbox has room: no timer is started (a full one would start the
                // timer, the one allocation of `tell_timeout`'s slow path, as for the `Addr`).
                notes
                    .tell_timeout(Note(n + 1), Duration::from_secs(10))
                    .await
                    .unwrap();
                notes.try_tell(Note(n + 1)).unwrap();
                if n % 128 == 0 {
                    // The actor runs only when this task waits: let it empty the mailbox (of
                    // 512 slots) every 384 notes, through the recipient's `ask`.
                    counts.ask(Count).await.unwrap();
                }
            }
            counts.ask(Count).await.unwrap();
        });
        let counted = window.await;
        assert_eq!(counts.ask(Count).await.unwrap(), before + 3 * OPS);
        assert_eq!(counted.allocations, 0, "{counted:?}");
        handle.shutdown();
    });
}
