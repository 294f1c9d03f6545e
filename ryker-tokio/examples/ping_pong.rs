//! Two actors bounce a ball between them a million times; `ask` waits for the rally to end,
//! then both actors shut down and print their reports.
//!
//! `cargo run --release -p ryker-tokio --example ping_pong`

use std::time::Instant;

use ryker_tokio::{Actor, Addr, Context, Reply};

/// Returns `Ball(n)` to its peer as `Ball(n + 1)` until `n` reaches the limit.
struct Player {
    peer: Option<Addr<Player>>,
    limit: u64,
    done: Option<Reply<u64>>,
}

enum Msg {
    /// Who to play with.
    Meet(Addr<Player>),
    /// Start a rally with the peer; answer `done` when it ends.
    Serve(Reply<u64>),
    Ball(u64),
}

impl Actor for Player {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        match msg {
            Msg::Meet(peer) => self.peer = Some(peer),
            Msg::Serve(done) => {
                self.done = Some(done);
                self.hit(1).await;
            }
            Msg::Ball(n) if n >= self.limit => {
                if let Some(done) = self.done.take() {
                    let _ = done.send(n);
                }
            }
            Msg::Ball(n) => self.hit(n + 1).await,
        }
    }
}

impl Player {
    async fn hit(&self, n: u64) {
        let peer = self.peer.as_ref().expect("met before the first ball");
        // Backpressure: waits while the peer's mailbox is full.
        peer.tell(Msg::Ball(n)).await.expect("the peer is alive");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Even, so the rally ends at the serving player, which holds the reply.
    let limit = 1_000_000;
    let ping = ryker_tokio::spawn(Player {
        peer: None,
        limit,
        done: None,
    });
    let pong = ryker_tokio::spawn(Player {
        peer: None,
        limit,
        done: None,
    });
    ping.addr().tell(Msg::Meet(pong.addr())).await.unwrap();
    pong.addr().tell(Msg::Meet(ping.addr())).await.unwrap();

    let start = Instant::now();
    let last = ping
        .addr()
        .ask(Msg::Serve)
        .await
        .expect("the rally ends with a reply");
    let elapsed = start.elapsed();
    println!(
        "{last} hits in {:.1} ms: {:.0} ns per hit (tell -> handle -> tell)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_nanos() as f64 / last as f64
    );

    // Each player holds the other's address, so neither would stop on its own: shut both down.
    let ping = {
        ping.shutdown();
        ping.await
    }
    .unwrap();
    let pong = {
        pong.shutdown();
        pong.await
    }
    .unwrap();
    println!("ping: {ping:?}\npong: {pong:?}");
    assert_eq!(ping.handled + pong.handled, limit + 3);
}
