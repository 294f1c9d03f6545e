//! Unnamed actors get names of their own (`Type-N`), which their metric series are labelled
//! with, so two unnamed actors of one type do not write into one series.

use std::future::Future;
use std::time::Duration;

use ryker_core::actor::{Actor, ActorOptions, Context, SpawnActor};
use ryker_core::runtime::Runtime;

#[derive(Clone)]
struct Threads;

impl Runtime for Threads {
    type Instant = std::time::Instant;
    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        std::thread::spawn(move || ryker_core::blocking::block_on(f));
    }
    // Not an `async fn`: the future must not borrow `self`.
    #[allow(clippy::manual_async_fn)]
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send + 'static {
        async move { std::thread::sleep(d) }
    }
    fn now(&self) -> std::time::Instant {
        std::time::Instant::now()
    }
}

struct Worker;

impl Actor for Worker {
    type Msg = ();
    async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

#[test]
fn unnamed_actors_of_one_type_have_distinct_names_and_named_ones_keep_theirs() {
    let handles: Vec<_> = (0..3).map(|_| Threads.spawn_actor(Worker)).collect();
    let names: Vec<String> = handles.iter().map(|h| h.name().to_owned()).collect();
    for name in &names {
        let number = name
            .strip_prefix("Worker-")
            .unwrap_or_else(|| panic!("{name}"));
        assert!(number.parse::<usize>().is_ok(), "{name}");
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let named = ActorOptions::default()
        .name("worker")
        .spawn(&Threads, Worker)
        .unwrap();
    assert_eq!(named.name(), "worker");
    for mut h in handles.into_iter().chain([named]) {
        h.shutdown();
        let report = ryker_core::blocking::block_on(h.join()).unwrap();
        assert!(report.name.starts_with("Worker-") || report.name == "worker");
    }
}
