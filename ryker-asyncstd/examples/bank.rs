//! An account actor: deposits are told, balances are asked, and a caller that cannot wait long
//! uses `tell_timeout` and gets its message back when the mailbox stays full.
//!
//! `cargo run -p ryker-asyncstd --example bank`

use std::time::Duration;

use ryker_asyncstd::{Actor, ActorConfig, Context, MailboxConfig, Reply, SendTimeoutError};

struct Account {
    balance: u64,
}

enum Msg {
    Deposit(u64),
    Balance(Reply<u64>),
    /// Simulates a slow downstream call.
    Audit(Duration),
}

impl Actor for Account {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        match msg {
            Msg::Deposit(n) => self.balance += n,
            Msg::Balance(reply) => {
                let _ = reply.send(self.balance);
            }
            Msg::Audit(d) => async_std::task::sleep(d).await,
        }
    }
}

fn main() {
    async_std::task::block_on(async {
        // Four slots, and one message taken per dequeue, so the mailbox fills while the
        // actor is busy with one message.
        let config = ActorConfig {
            mailbox: MailboxConfig {
                capacity: 4,
                ..Default::default()
            },
            batch_size: 1,
            ..Default::default()
        };
        let handle = ryker_asyncstd::spawn_with(Account { balance: 0 }, &config).unwrap();
        let account = handle.addr();

        for n in 1..=10 {
            account.tell(Msg::Deposit(n)).await.unwrap();
        }
        println!("balance: {}", account.ask(Msg::Balance).await.unwrap());

        // A long audit holds the actor while deposits fill its 4 slots; an impatient caller
        // gets its deposit back instead of waiting (a service would answer 503 here).
        account
            .tell(Msg::Audit(Duration::from_millis(300)))
            .await
            .unwrap();
        let mut returned = Vec::new();
        for n in 0..8 {
            match account
                .tell_timeout(Msg::Deposit(100), Duration::from_millis(20))
                .await
            {
                Ok(_) => {}
                Err(SendTimeoutError::Timeout(Msg::Deposit(amount))) => returned.push((n, amount)),
                Err(e) => panic!("unexpected: {e}"),
            }
        }
        println!("deposits handed back after 20 ms: {returned:?}");
        let queued = 8 - returned.len() as u64;
        assert_eq!(account.ask(Msg::Balance).await.unwrap(), 55 + queued * 100);

        drop(account);
        println!(
            "{:#?}",
            {
                handle.shutdown();
                handle.await
            }
            .unwrap()
        );
    });
}
