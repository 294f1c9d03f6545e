//! `SenderExt::send_timeout` and `ReceiverExt::recv_timeout`: ryker's mailbox with tokio's
//! timer, on tokio's paused clock (time moves only when every task waits, so each timeout
//! below fires at a known instant, not in a race with a real clock).

use std::time::Duration;

use tokio::time::{sleep, Instant};

use ryker_tokio::ryker_core::error::RecvTimeoutError;
use ryker_tokio::ryker_core::mailbox::channel;
use ryker_tokio::{MailboxConfig, Overflow, ReceiverExt, SendTimeoutError, SenderExt, Sent};

fn config(capacity: usize, overflow: Overflow) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow,
        ..Default::default()
    }
}

// tokio `sync_mpsc::recv_timeout` (which exercises `send_timeout`), with ryker's `Sent`.
#[tokio::test(start_paused = true)]
async fn tokio_recv_timeout() {
    let (tx, rx) = channel::<u32>(config(5, Overflow::Busy));
    for msg in [10, 20, 30, 40, 50] {
        assert_eq!(
            tx.send_timeout(msg, Duration::from_secs(1)).await,
            Ok(Sent::Queued)
        );
    }
    assert_eq!(
        tx.send_timeout(60, Duration::from_secs(1)).await,
        Err(SendTimeoutError::Timeout(60))
    );
    drop(rx);
    assert_eq!(
        tx.send_timeout(70, Duration::from_secs(1)).await,
        Err(SendTimeoutError::Closed(70))
    );
}

#[tokio::test(start_paused = true)]
async fn send_timeout_waits_its_time_and_takes_a_slot_freed_in_it() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let start = Instant::now();
    assert_eq!(
        tx.send_timeout(1, Duration::from_secs(1)).await,
        Err(SendTimeoutError::Timeout(1))
    );
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "it waited its time"
    );
    let receiver = tokio::spawn(async move {
        sleep(Duration::from_millis(300)).await;
        let first = rx.recv().await;
        (first, rx)
    });
    let start = Instant::now();
    assert_eq!(
        tx.send_timeout(2, Duration::from_secs(1)).await,
        Ok(Sent::Queued)
    );
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(300),
        "sent as the slot freed"
    );
    let (first, mut rx) = receiver.await.unwrap();
    assert_eq!(first, Some(0));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[tokio::test(start_paused = true)]
async fn send_timeout_answers_by_the_policy_at_once_under_a_drop_policy() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropNewest));
    tx.try_send(0).unwrap();
    assert_eq!(
        tx.send_timeout(1, Duration::from_secs(1)).await,
        Err(SendTimeoutError::Dropped)
    );
    let (tx2, mut rx2) = channel::<u32>(config(1, Overflow::DropOldest));
    tx2.try_send(0).unwrap();
    assert_eq!(
        tx2.send_timeout(1, Duration::from_secs(1)).await,
        Ok(Sent::DisplacedOldest)
    );
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx2.try_recv(), Ok(1));
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_tells_the_timeout_from_the_end() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    let start = Instant::now();
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(500)).await,
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(start.elapsed(), Duration::from_millis(500));
    let sender = tokio::spawn(async move {
        sleep(Duration::from_millis(200)).await;
        tx.send(7).await.unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(1)).await, Ok(7));
    sender.await.unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(1)).await,
        Err(RecvTimeoutError::Closed)
    );
}
