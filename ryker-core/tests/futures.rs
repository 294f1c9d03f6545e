//! The `futures` traits: `Receiver` as a `Stream`, `PollSender` as a `Sink`.
#![cfg(feature = "futures")]

use futures::executor::block_on;
use futures::{SinkExt, StreamExt};
use ryker_core::error::SendError;
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, PollSender};

#[test]
fn a_stream_yields_every_message_in_order_then_ends() {
    let (tx, rx) = channel::<u32>(MailboxConfig::default());
    let producer = std::thread::spawn(move || {
        for i in 0..1000 {
            tx.blocking_send(i).unwrap();
        }
    });
    let got: Vec<u32> = block_on(rx.collect());
    producer.join().unwrap();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}

#[test]
fn a_sink_waits_for_space_under_every_policy_and_loses_nothing() {
    for overflow in [Overflow::Busy, Overflow::DropNewest, Overflow::DropOldest] {
        let config = MailboxConfig {
            capacity: 2,
            overflow,
            ..Default::default()
        };
        let (tx, mut rx) = channel::<u32>(config);
        let consumer = std::thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(i) = rx.blocking_recv() {
                got.push(i);
            }
            got
        });
        let mut sink = PollSender::new(tx);
        block_on(async {
            let mut items = futures::stream::iter((0..500).map(Ok));
            sink.send_all(&mut items).await.unwrap();
            sink.close().await.unwrap();
        });
        drop(sink);
        assert_eq!(
            consumer.join().unwrap(),
            (0..500).collect::<Vec<_>>(),
            "{overflow:?}"
        );
        let (tx2, rx2) = channel::<u32>(MailboxConfig::default());
        drop(rx2);
        let mut sink = PollSender::new(tx2);
        assert!(matches!(block_on(sink.send(9)), Err(SendError::Closed(9))));
    }
}

#[test]
fn a_sink_hands_back_the_held_message_when_the_mailbox_closes_while_it_waits() {
    use futures_sink::Sink;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};
    let (tx, mut rx) = channel::<u32>(MailboxConfig {
        capacity: 1,
        ..Default::default()
    });
    let mut sink = PollSender::new(tx);
    let mut cx = Context::from_waker(Waker::noop());
    for i in 0..2 {
        assert!(matches!(
            Pin::new(&mut sink).poll_ready(&mut cx),
            Poll::Ready(Ok(()))
        ));
        Pin::new(&mut sink).start_send(i).unwrap();
    }
    // 0 is in the mailbox, 1 is held: the mailbox is full.
    assert!(Pin::new(&mut sink).poll_flush(&mut cx).is_pending());
    rx.close();
    assert!(matches!(
        Pin::new(&mut sink).poll_flush(&mut cx),
        Poll::Ready(Err(SendError::Closed(1)))
    ));
    assert_eq!(rx.try_recv(), Ok(0));
}
