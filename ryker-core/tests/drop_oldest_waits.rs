//! Under `DropOldest`, a `send` waits only while the oldest slot is still being written (or
//! held by a permit): the publish of that slot wakes it to evict, whoever else waits in line.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::{config, poll_once, CountingWaker};
use ryker_core::mailbox::{channel, Overflow, Sent};

/// A `reserve` waits for a free slot (the backpressure path, whatever the policy) and a `send`
/// behind it waits for the held oldest slot's publish. The publish frees no slot, so it is no
/// use to the reservation; it must still wake the send, which can evict now.
#[test]
fn a_waiting_reserve_does_not_keep_the_publish_a_drop_oldest_send_waits_for() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropOldest));
    let held = tx.try_reserve().unwrap();
    let (woken_reserve, waker_reserve) = CountingWaker::new();
    let mut reserve = pin!(tx.reserve());
    assert!(poll_once(reserve.as_mut(), &waker_reserve).is_pending());
    let (woken_send, waker_send) = CountingWaker::new();
    let mut send = pin!(tx.send(2));
    assert!(
        poll_once(send.as_mut(), &waker_send).is_pending(),
        "the oldest slot is held: nothing to evict yet"
    );
    held.send(1);
    // The reservation may be woken and look again; it finds no free slot.
    if woken_reserve.count() > 0 {
        assert!(poll_once(reserve.as_mut(), &waker_reserve).is_pending());
    }
    assert!(
        woken_send.count() >= 1,
        "the publish the send waited for was spent on the reservation"
    );
    assert_eq!(
        poll_once(send.as_mut(), &waker_send),
        Poll::Ready(Ok(Sent::DisplacedOldest))
    );
    assert_eq!(rx.try_recv(), Ok(2));
    let stats = rx.stats();
    assert_eq!(
        (stats.accepted, stats.dropped_oldest, stats.received),
        (2, 1, 1)
    );
}
