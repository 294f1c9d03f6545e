//! Concurrent senders for the ordering and shutdown cases: async tasks using `tell` or
//! `try_tell`, and a plain thread alternating `blocking_tell` and `try_tell`.
//!
//! Each sender sends its ids in order, retrying a message refused with `Busy` (after checking
//! it was handed back) until it is queued, and stops at the first `Closed` (after checking
//! that message was handed back too). It reports the ids that were queued, which are therefore
//! a contiguous prefix of its range.

use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use ryker_core::prelude::*;

use crate::probe::{Item, Ledger, Rec, Recorder};
use crate::sync::{lock, within, Latch};

/// How a sender sends.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mode {
    /// An async task awaiting `tell`.
    Tell,
    /// An async task calling `try_tell`, yielding to the runtime on `Busy`.
    TryTell,
    /// A plain thread alternating `blocking_tell` and `try_tell`.
    Thread,
}

/// What a send returned, as one type.
type Outcome = Result<Sent, TrySendError<Rec>>;

/// Checks that a refused message is the one that was sent (recording a failure if not), and
/// gives it back for a retry.
fn handed_back(ledger: &Ledger, back: Rec, id: u64, how: &str) -> Rec {
    if back.id() != Some(id) {
        ledger.fail(format!(
            "{how} for message {id} handed back message {:?}",
            back.id()
        ));
    }
    back
}

/// One step of a sender: what to do after `outcome`.
enum Next {
    Sent,
    Retry(Rec),
    Stop,
}

fn next(ledger: &Ledger, outcome: Outcome, id: u64) -> Next {
    match outcome {
        Ok(_) => Next::Sent,
        Err(TrySendError::Busy(back)) => Next::Retry(handed_back(ledger, back, id, "Busy")),
        Err(TrySendError::Closed(back)) => {
            drop(handed_back(ledger, back, id, "Closed"));
            Next::Stop
        }
        Err(TrySendError::Dropped) => {
            ledger.fail(format!("message {id} was dropped under the Busy policy"));
            Next::Stop
        }
        Err(other) => {
            ledger.fail(format!("message {id}: unexpected {other:?}"));
            Next::Stop
        }
    }
}

async fn send_async<R: Runtime>(
    rt: R,
    addr: Addr<Recorder>,
    ledger: Arc<Ledger>,
    ids: Range<u64>,
    try_tell: bool,
) -> Vec<u64> {
    let mut queued = Vec::new();
    for id in ids {
        let mut msg = Rec::Item(Item::new(id, &ledger));
        loop {
            let outcome = if try_tell {
                addr.try_tell(msg)
            } else {
                addr.tell(msg).await.map_err(TrySendError::from)
            };
            match next(&ledger, outcome, id) {
                Next::Sent => break,
                Next::Retry(back) => {
                    msg = back;
                    rt.yield_now().await;
                }
                Next::Stop => return queued,
            }
        }
        queued.push(id);
    }
    queued
}

fn send_thread(addr: Addr<Recorder>, ledger: Arc<Ledger>, ids: Range<u64>) -> Vec<u64> {
    let mut queued = Vec::new();
    for id in ids {
        let mut msg = Rec::Item(Item::new(id, &ledger));
        loop {
            let outcome = if id % 2 == 0 {
                addr.blocking_tell(msg).map_err(TrySendError::from)
            } else {
                addr.try_tell(msg)
            };
            match next(&ledger, outcome, id) {
                Next::Sent => break,
                Next::Retry(back) => {
                    msg = back;
                    thread::yield_now();
                }
                Next::Stop => return queued,
            }
        }
        queued.push(id);
    }
    queued
}

/// Senders running concurrently.
pub(crate) struct Senders {
    done: Arc<Latch>,
    queued: Arc<Mutex<Vec<Vec<u64>>>>,
    threads: Vec<JoinHandle<()>>,
}

impl Senders {
    /// Starts one sender per `(mode, ids)`.
    pub(crate) fn start<R: Runtime>(
        rt: &R,
        addr: &Addr<Recorder>,
        ledger: &Arc<Ledger>,
        plan: &[(Mode, Range<u64>)],
    ) -> Self {
        let done = Latch::new(plan.len());
        let queued = Arc::new(Mutex::new(vec![Vec::new(); plan.len()]));
        let mut threads = Vec::new();
        for (i, (mode, ids)) in plan.iter().cloned().enumerate() {
            let (addr, ledger, queued, guard) =
                (addr.clone(), ledger.clone(), queued.clone(), done.guard());
            match mode {
                Mode::Tell | Mode::TryTell => rt.spawn({
                    let rt = rt.clone();
                    async move {
                        let _done = guard;
                        let try_tell = matches!(mode, Mode::TryTell);
                        let ok = send_async(rt, addr, ledger, ids, try_tell).await;
                        lock(&queued)[i] = ok;
                    }
                }),
                Mode::Thread => threads.push(thread::spawn(move || {
                    let _done = guard;
                    let ok = send_thread(addr, ledger, ids);
                    lock(&queued)[i] = ok;
                })),
            }
        }
        Self {
            done,
            queued,
            threads,
        }
    }

    /// Waits for every sender to finish; the ids each one got queued.
    pub(crate) async fn finish(self) -> Vec<Vec<u64>> {
        within("every sender to finish", self.done.wait()).await;
        for thread in self.threads {
            // Finished: it counted the latch down as its last act.
            thread.join().expect("the sender thread panicked");
        }
        std::mem::take(&mut *lock(&self.queued))
    }
}
