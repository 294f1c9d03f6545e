//! The shared conformance suite (`ryker-conformance`) on tokio: every case on a current-thread
//! runtime (which also runs the one-worker fairness cases) and on a multi-thread runtime with
//! two workers; the one-worker fairness cases on a multi-thread runtime with one worker too
//! (its scheduler, shared queue and driver are the multi-thread ones, where the actor's yields
//! to the ready tasks check the shared queue).

use std::future::Future;

use ryker_conformance::Harness;
use ryker_tokio::Tokio;

/// A tokio runtime built for one case, timer enabled; actors spawn through its handle.
struct OnTokio {
    rt: tokio::runtime::Runtime,
    workers: usize,
}

impl OnTokio {
    /// `block_on` and every task share the calling thread.
    fn current_thread() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a tokio runtime");
        Self { rt, workers: 1 }
    }

    /// Tasks run on `workers` worker threads; `block_on` runs the test body on the caller.
    fn multi_thread(workers: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_time()
            .build()
            .expect("a tokio runtime");
        Self { rt, workers }
    }
}

impl Harness for OnTokio {
    type Rt = Tokio;

    fn runtime(&self) -> Tokio {
        Tokio::with_handle(self.rt.handle().clone())
    }

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    fn workers(&self) -> usize {
        self.workers
    }
}

mod current_thread {
    use super::OnTokio;

    ryker_conformance::suite!(OnTokio::current_thread());
    ryker_conformance::one_worker_suite!(OnTokio::current_thread());
}

mod multi_thread {
    use super::OnTokio;

    ryker_conformance::suite!(OnTokio::multi_thread(2));
}

mod multi_thread_one_worker {
    use super::OnTokio;

    ryker_conformance::one_worker_suite!(OnTokio::multi_thread(1));
}
