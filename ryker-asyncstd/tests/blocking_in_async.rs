//! Blocking calls inside an async-std task panic with a message saying what to call instead,
//! instead of parking a thread that runs async code; on `spawn_blocking` threads they keep
//! working.
//!
//! The panicking case makes the call where it must wait (an empty mailbox that nothing fills),
//! so before the check existed it hung: a watchdog thread ends such a hang after 10 s
//! (dropping the sender, which closes the mailbox), and the case then fails.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use ryker_asyncstd::ryker_core::mailbox::{channel, MailboxConfig};

#[test]
fn recv_blocking_in_an_async_std_task_panics() {
    ryker_asyncstd::install_blocking_check();
    let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let hung = finished.recv_timeout(Duration::from_secs(10)) == Err(RecvTimeoutError::Timeout);
        drop(tx);
        hung
    });
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        async_std::task::block_on(async { rx.blocking_recv() })
    }));
    drop(done);
    let hung = watchdog.join().expect("the watchdog");
    let payload = outcome.expect_err(if hung {
        "recv_blocking hung until the watchdog closed the mailbox after 10 s"
    } else {
        "recv_blocking returned instead of panicking"
    });
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    for needed in ["async-std", ".recv().await", "spawn_blocking"] {
        assert!(message.contains(needed), "{needed:?} missing in: {message}");
    }
}

#[test]
fn blocking_calls_on_spawn_blocking_threads_still_work() {
    ryker_asyncstd::install_blocking_check();
    async_std::task::block_on(async {
        let (tx, mut rx) = channel::<u32>(MailboxConfig {
            capacity: 1,
            ..Default::default()
        });
        tx.try_send(0).unwrap();
        let sender = async_std::task::spawn_blocking(move || {
            tx.blocking_send(1).unwrap();
            tx.blocking_send(2).unwrap();
        });
        for want in 0..3 {
            assert_eq!(rx.recv().await, Some(want));
        }
        sender.await;
        let (tx, rx) = channel::<u32>(MailboxConfig::default());
        let receiver = async_std::task::spawn_blocking(move || {
            let mut rx = rx;
            (rx.blocking_recv(), rx.blocking_recv())
        });
        tx.send(5).await.unwrap();
        drop(tx);
        assert_eq!(receiver.await, (Some(5), None));
    });
}
