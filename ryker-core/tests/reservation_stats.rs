//! `MailboxStats` and reservations: a reserved slot is no message. `accepted` counts a
//! permit's message once it is sent, never the reservation itself, so the counter never goes
//! down when a permit is given up, and a receiver's drop discards only messages.

mod common;

use common::config;
use ryker_core::mailbox::{channel, Overflow};

#[test]
fn a_reservation_is_no_accepted_message_until_it_is_sent() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(8, overflow));
        let one = tx.try_reserve().unwrap();
        let mut run = tx.try_reserve_many(3).unwrap();
        let owned = tx.clone().try_reserve_owned().unwrap();
        let released = tx.clone().try_reserve_owned().unwrap();
        assert_eq!(
            tx.stats().accepted,
            0,
            "{overflow}: six slots reserved, no message"
        );
        one.send(1);
        run.next().unwrap().send(2);
        drop(owned.send(3));
        assert_eq!(tx.stats().accepted, 3, "{overflow}");
        drop(run); // two permits given up
        drop(released.release());
        assert_eq!(
            tx.stats().accepted,
            3,
            "{overflow}: giving a reservation up takes nothing back"
        );
        let got: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, [1, 2, 3], "{overflow}");
        let stats = rx.stats();
        assert_eq!((stats.accepted, stats.received), (3, 3), "{overflow}");
    }
}

#[test]
fn a_receivers_drop_discards_messages_not_reservations() {
    for overflow in Overflow::ALL {
        let (tx, rx) = channel::<u32>(config(4, overflow));
        tx.try_send(1).unwrap();
        let held = tx.clone().try_reserve_owned().unwrap();
        tx.try_send(2).unwrap();
        let dropped = tx.try_reserve().unwrap();
        drop(rx);
        let stats = tx.stats();
        assert_eq!(
            (stats.accepted, stats.discarded),
            (2, 2),
            "{overflow}: two messages, two reservations"
        );
        drop(dropped);
        let tx2 = held.send(3); // sent after the receiver is gone: discarded with the mailbox
        let stats = tx.stats();
        assert_eq!((stats.accepted, stats.discarded), (3, 3), "{overflow}");
        assert_eq!(
            stats.accepted,
            stats.received + stats.dropped_oldest + stats.discarded,
            "{overflow}"
        );
        drop(tx2);
    }
}
