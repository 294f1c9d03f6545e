//! Blocking calls inside tokio's async context panic with a message saying what to call
//! instead (as tokio's `blocking_send` does), instead of deadlocking silently; on
//! `spawn_blocking` threads they keep working.
//!
//! Each panicking case makes the call where it must wait (a full mailbox, an empty one) and
//! nothing on the runtime can end the wait, so before the check existed it hung: a watchdog
//! thread ends such a hang after 10 s (closing the mailbox), and the case then fails.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ryker_tokio::ryker_core::mailbox::{channel, MailboxConfig};
use ryker_tokio::{Actor, ActorConfig, Context};

/// How long a blocking call may hang before the watchdog ends it.
const LIMIT: Duration = Duration::from_secs(10);

/// Something that ends a hung blocking call (closes its mailbox).
type Unblock = Box<dyn FnOnce() + Send>;

/// Runs `body`, which must panic. `body` gets a slot for an [`Unblock`]: if it has not
/// panicked (or returned) within [`LIMIT`], a watchdog thread runs what the slot holds, and
/// the case fails. Returns the panic's message.
fn must_panic(body: impl FnOnce(&Mutex<Option<Unblock>>)) -> String {
    let slot: Arc<Mutex<Option<Unblock>>> = Arc::default();
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn({
        let slot = slot.clone();
        move || {
            if finished.recv_timeout(LIMIT) == Err(RecvTimeoutError::Timeout) {
                let unblock = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some(unblock) = unblock {
                    unblock();
                }
                return true;
            }
            false
        }
    });
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&slot)));
    drop(done);
    let fired = watchdog.join().expect("the watchdog");
    match outcome {
        Ok(()) => panic!(
            "the blocking call returned instead of panicking{}",
            if fired {
                " (it hung until the watchdog closed its mailbox after 10 s)"
            } else {
                ""
            }
        ),
        Err(payload) => text(payload.as_ref()),
    }
}

fn text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Puts `unblock` in the watchdog's slot.
fn arm(slot: &Mutex<Option<Unblock>>, unblock: impl FnOnce() + Send + 'static) {
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(unblock));
}

/// The message must say where and what to do instead.
fn assert_says_what_to_do(message: &str) {
    for needed in [
        "tokio",
        ".send(msg).await",
        ".recv().await",
        ".tell(msg).await",
        "spawn_blocking",
    ] {
        assert!(message.contains(needed), "{needed:?} missing in: {message}");
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn full_mailbox_config() -> MailboxConfig {
    MailboxConfig {
        capacity: 1,
        ..Default::default()
    }
}

#[test]
fn send_blocking_on_a_full_mailbox_in_a_current_thread_runtime_panics() {
    ryker_tokio::install_blocking_check();
    let rt = current_thread();
    let message = must_panic(|slot| {
        let (tx, rx) = channel::<u32>(full_mailbox_config());
        tx.try_send(0).unwrap();
        arm(slot, move || drop(rx));
        let _ = rt.block_on(async { tx.blocking_send(1) });
    });
    assert_says_what_to_do(&message);
}

#[test]
fn recv_blocking_on_an_empty_mailbox_in_a_current_thread_runtime_panics() {
    ryker_tokio::install_blocking_check();
    let rt = current_thread();
    let message = must_panic(|slot| {
        let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
        arm(slot, move || drop(tx));
        let _ = rt.block_on(async { rx.blocking_recv() });
    });
    assert_says_what_to_do(&message);
}

#[test]
fn the_timed_blocking_calls_panic_in_a_current_thread_runtime_too() {
    ryker_tokio::install_blocking_check();
    let rt = current_thread();
    let message = must_panic(|slot| {
        let (tx, rx) = channel::<u32>(full_mailbox_config());
        tx.try_send(0).unwrap();
        arm(slot, move || drop(rx));
        let _ = rt.block_on(async { tx.blocking_send_timeout(1, LIMIT * 2) });
    });
    assert_says_what_to_do(&message);
    let message = must_panic(|slot| {
        let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
        arm(slot, move || drop(tx));
        let _ = rt.block_on(async { rx.blocking_recv_timeout(LIMIT * 2) });
    });
    assert_says_what_to_do(&message);
}

/// Does nothing with its messages.
struct Idle;

impl Actor for Idle {
    type Msg = u32;

    async fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
}

#[test]
fn tell_blocking_to_a_full_actor_in_a_current_thread_runtime_panics() {
    let rt = current_thread();
    let message = must_panic(|slot| {
        rt.block_on(async {
            let config = ActorConfig {
                mailbox: full_mailbox_config(),
                ..Default::default()
            };
            // The actor's task cannot run while the test body holds the thread.
            let handle = ryker_tokio::spawn_with(Idle, &config).unwrap();
            let addr = handle.addr();
            addr.try_tell(0).unwrap();
            arm(slot, move || {
                // The abort request closes the mailbox, which ends the wait.
                handle.abort();
            });
            let _ = addr.blocking_tell(1);
        });
    });
    assert_says_what_to_do(&message);
}

#[test]
fn send_blocking_in_a_multi_thread_worker_task_panics() {
    ryker_tokio::install_blocking_check();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let message = must_panic(|slot| {
        let (tx, rx) = channel::<u32>(full_mailbox_config());
        tx.try_send(0).unwrap();
        arm(slot, move || drop(rx));
        let joined = rt.block_on(rt.spawn(async move { tx.blocking_send(1).is_ok() }));
        if let Err(err) = joined {
            std::panic::resume_unwind(err.into_panic());
        }
    });
    assert_says_what_to_do(&message);
}

/// On `spawn_blocking` threads the blocking calls wait as they should, on both runtime
/// flavours: a `blocking_send` into a full mailbox that the async side drains, a
/// `blocking_recv` on an empty one that the async side fills, a `blocking_tell` to a full actor
/// that handles its messages meanwhile.
#[test]
fn blocking_calls_on_spawn_blocking_threads_still_work() {
    let runtimes = [
        current_thread(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap(),
    ];
    for rt in runtimes {
        rt.block_on(async {
            let (tx, mut rx) = channel::<u32>(full_mailbox_config());
            tx.try_send(0).unwrap();
            let sender = tokio::task::spawn_blocking(move || {
                tx.blocking_send(1).unwrap();
                tx.blocking_send(2).unwrap();
            });
            for want in 0..3 {
                assert_eq!(rx.recv().await, Some(want));
            }
            sender.await.expect("send_blocking on a blocking thread");

            let (tx, rx) = channel::<u32>(MailboxConfig::default());
            let receiver = tokio::task::spawn_blocking(move || {
                let mut rx = rx;
                (rx.blocking_recv(), rx.blocking_recv())
            });
            tokio::task::yield_now().await;
            tx.send(5).await.unwrap();
            drop(tx);
            assert_eq!(receiver.await.expect("recv_blocking"), (Some(5), None));

            let config = ActorConfig {
                mailbox: full_mailbox_config(),
                ..Default::default()
            };
            let handle = ryker_tokio::spawn_with(Idle, &config).unwrap();
            let addr = handle.addr();
            let teller = tokio::task::spawn_blocking(move || {
                for n in 0..8 {
                    addr.blocking_tell(n).unwrap();
                }
            });
            teller.await.expect("tell_blocking on a blocking thread");
            let report = {
                handle.shutdown();
                handle.await
            }
            .unwrap();
            assert_eq!(report.handled, 8, "{report:?}");
        });
    }
}
