//! `SenderExt::send_timeout` and `ReceiverExt::recv_timeout` with async-std's timer: a send that
//! waits takes the slot a receive frees within its time, and a receive that waits gets the
//! message a send queues within its time. The waits that must succeed get a minute, which a
//! correct mailbox never needs; no assertion is on how long anything took.

use std::time::Duration;

use ryker_asyncstd::ryker_core::mailbox::channel;
use ryker_asyncstd::{MailboxConfig, ReceiverExt, SenderExt, Sent};

const LONG: Duration = Duration::from_secs(60);

#[test]
fn timed_waits_are_met_by_the_other_side_in_time() {
    async_std::task::block_on(async {
        let (tx, mut rx) = channel::<u32>(MailboxConfig {
            capacity: 1,
            ..Default::default()
        });
        tx.try_send(0).unwrap();
        let receiver = async_std::task::spawn(async move {
            async_std::task::sleep(Duration::from_millis(5)).await;
            let first = rx.recv_timeout(LONG).await;
            let second = rx.recv_timeout(LONG).await;
            (first, second)
        });
        assert_eq!(tx.send_timeout(1, LONG).await, Ok(Sent::Queued));
        assert_eq!(receiver.await, (Ok(0), Ok(1)));
    });
}
