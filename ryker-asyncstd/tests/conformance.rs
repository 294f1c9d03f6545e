//! The shared conformance suite (`ryker-conformance`) on async-std's global runtime (one
//! worker per core). The one-worker fairness cases run in `tests/fairness.rs`, a separate
//! process whose runtime is started with one worker.

use std::future::Future;

use ryker_asyncstd::AsyncStd;
use ryker_conformance::Harness;

/// async-std's global runtime: `block_on` runs the test body on the calling thread, actors
/// and tasks run on the global executor's threads. It cannot be shut down.
struct OnAsyncStd;

impl Harness for OnAsyncStd {
    type Rt = AsyncStd;

    fn runtime(&self) -> AsyncStd {
        AsyncStd
    }

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        async_std::task::block_on(fut)
    }

    fn workers(&self) -> usize {
        std::env::var("ASYNC_STD_THREAD_COUNT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
    }

    fn can_shut_down(&self) -> bool {
        false
    }
}

ryker_conformance::suite!(OnAsyncStd);
