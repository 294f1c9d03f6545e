//! Sending to a tokio actor from outside tokio: a plain thread's `tell_timeout` uses the actor
//! runtime's timer (a tokio timer made on a thread with no runtime would panic).

use std::time::Duration;

use ryker_tokio::{Actor, ActorConfig, Context, MailboxConfig, SendTimeoutError};

use std::sync::mpsc;

/// Says it has its first message, then holds it until told to go on.
struct Stuck {
    entered: mpsc::Sender<()>,
    gate: Option<mpsc::Receiver<()>>,
}

impl Actor for Stuck {
    type Msg = u32;

    async fn handle(&mut self, _: u32, _: &mut Context<Self>) {
        if let Some(gate) = self.gate.take() {
            let _ = self.entered.send(());
            // Blocks this worker: the runtime has two, so the timer still runs.
            let _ = gate.recv();
        }
    }
}

#[test]
fn tell_timeout_from_a_plain_thread_times_out_and_hands_the_message_back() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let (go, gate) = mpsc::channel();
    let (entered_tx, entered) = mpsc::channel();
    let config = ActorConfig {
        mailbox: MailboxConfig {
            capacity: 1,
            ..Default::default()
        },
        batch_size: 1,
        ..Default::default()
    };
    let handle = rt
        .block_on(async {
            ryker_tokio::spawn_with(
                Stuck {
                    entered: entered_tx,
                    gate: Some(gate),
                },
                &config,
            )
        })
        .unwrap();
    let addr = handle.addr();
    let sent = std::thread::spawn(move || {
        ryker_core::blocking::block_on(async {
            addr.tell(1).await.unwrap();
            entered.recv().unwrap(); // the actor holds message 1
            addr.try_tell(2).unwrap(); // fills the one slot
            addr.tell_timeout(3, Duration::from_millis(50)).await
        })
    })
    .join()
    .expect("no panic: the timer comes from the actor's runtime");
    assert!(
        matches!(sent, Err(SendTimeoutError::Timeout(3))),
        "{sent:?}"
    );
    go.send(()).unwrap();
    let report = rt
        .block_on({
            handle.shutdown();
            handle
        })
        .unwrap();
    assert!(report.handled >= 2, "{report:?}");
}
