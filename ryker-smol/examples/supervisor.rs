//! A worker that panics on bad input, restarted by its supervisor; the panics go to a
//! dead-letter hook, and the configuration comes from the repository's `CONFIG.toml`.
//!
//! `cargo run -p ryker-smol --example supervisor`

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ryker_smol::{Actor, ActorConfig, ActorOptions, Context, DeadLetter, Smol, SpawnActor};

/// Parses numbers and keeps their sum; panics on anything else (a bug we supervise around).
#[derive(Default)]
struct Parser {
    sum: i64,
}

impl Actor for Parser {
    type Msg = String;

    async fn started(&mut self, ctx: &mut Context<Self>) {
        println!("{} started", ctx.name());
    }

    async fn handle(&mut self, line: String, ctx: &mut Context<Self>) {
        let n: i64 = line.trim().parse().expect("not a number");
        self.sum += n;
        println!("{}: +{n} = {}", ctx.name(), self.sum);
    }
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../CONFIG.toml");
    let config = ActorConfig::load(path).unwrap_or_else(|e| panic!("{e}"));
    let letters = Arc::new(Mutex::new(Vec::new()));
    let sink = letters.clone();
    let options = ActorOptions::new(config)
        .name("parser")
        .restart(3, Duration::from_secs(60), Parser::default)
        .dead_letters(move |letter: DeadLetter<String>| sink.lock().unwrap().push(letter));

    let ex = Arc::new(smol::Executor::new());
    smol::block_on(ex.run(async {
        let handle = Smol::on(ex.clone())
            .spawn_actor_with_options(Parser::default(), options)
            .expect("CONFIG.toml is valid");
        let addr = handle.addr();
        for line in ["1", "2", "three", "4", "5"] {
            addr.tell(line.to_string()).await.unwrap();
        }
        drop(addr);
        let report = {
            handle.shutdown();
            handle.await
        }
        .unwrap();
        println!("{report:#?}");
        assert_eq!((report.handled, report.panics, report.restarts), (4, 1, 1));
    }));
    // The restart lost the sum (state lives in the actor); the panic itself is a dead letter.
    println!("dead letters: {:?}", letters.lock().unwrap());
}
