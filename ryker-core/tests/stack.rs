//! Stack use of large messages (issue 8, item 7): `blocking_send` into a FULL mailbox keeps
//! the message in its own frame while it waits, instead of moving it through a chain of
//! futures by value. Before, one 64 KiB message needed about 650 KiB of stack in release and
//! 2.7 MiB in debug (`cargo run --release -p ryker-core --example stack_probe` measures it,
//! beside `std::sync::mpsc::sync_channel`).

use std::thread;
use std::time::{Duration, Instant};

use ryker_core::mailbox::{channel, MailboxConfig};

/// The sender thread's stack: the default of a spawned thread.
const STACK: usize = 2 << 20;

/// The message. In release the old code overflowed 2 MiB at 256 KiB (it needed ten times the
/// message); a debug build copies far more on any path (std's `sync_channel` needs 1.2 MiB
/// there for 64 KiB), so the debug test build sends 64 KiB, which the old code could not
/// (2.7 MiB). Miri does not model stack limits: a small message there checks the logic only.
const SIZE: usize = if cfg!(miri) {
    4 << 10
} else if cfg!(debug_assertions) {
    64 << 10
} else {
    256 << 10
};

#[test]
fn send_blocking_a_large_message_into_a_full_mailbox_fits_a_2_mib_stack() {
    // The receiving side runs on a thread with a large stack: only the sender is measured.
    let receiver = thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let (tx, mut rx) = channel::<[u8; SIZE]>(MailboxConfig {
                capacity: 1,
                ..MailboxConfig::default()
            });
            tx.try_send([1; SIZE]).unwrap();
            let sender = thread::Builder::new()
                .stack_size(STACK)
                .spawn(move || tx.blocking_send([2; SIZE]).is_ok())
                .unwrap();
            // Free the slot once the sender waits in the slow path: it marks the mailbox's
            // high-water mark full right before it queues. (The deadline only keeps this
            // from hanging if that ever changes; a stack overflow aborts the test process,
            // whenever the slot is freed.)
            let deadline = Instant::now() + Duration::from_secs(10);
            while rx.stats().high_water == 0 && Instant::now() < deadline {
                thread::yield_now();
            }
            assert_eq!(rx.blocking_recv().map(|m| m[0]), Some(1));
            assert_eq!(rx.blocking_recv().map(|m| m[SIZE - 1]), Some(2));
            sender.join().unwrap()
        })
        .unwrap();
    assert!(receiver.join().unwrap(), "send_blocking failed");
}
