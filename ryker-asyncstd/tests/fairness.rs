//! The one-worker fairness cases of `ryker-conformance` on async-std. async-std reads its
//! worker count from `ASYNC_STD_THREAD_COUNT` once, when its global runtime starts; this test
//! binary sets it to 1 before any async-std call (and runs its cases one at a time, since they
//! share that one worker).

use std::future::Future;
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use async_std::io::ReadExt;
use ryker_asyncstd::AsyncStd;
use ryker_conformance::{BoxedRead, ByteReader, Harness};

/// The global runtime with one worker, held by one case at a time.
struct OneWorker {
    _serial: MutexGuard<'static, ()>,
}

impl OneWorker {
    fn new() -> Self {
        static SERIAL: Mutex<()> = Mutex::new(());
        static ONE_WORKER: Once = Once::new();
        let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        ONE_WORKER.call_once(|| {
            // Before the first async-std call of this process: the runtime is not started yet.
            std::env::set_var("ASYNC_STD_THREAD_COUNT", "1");
        });
        Self { _serial: serial }
    }
}

impl Harness for OneWorker {
    type Rt = AsyncStd;

    fn runtime(&self) -> AsyncStd {
        AsyncStd
    }

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        async_std::task::block_on(fut)
    }

    fn workers(&self) -> usize {
        1
    }

    fn can_shut_down(&self) -> bool {
        false
    }

    fn watch(&self, stream: std::net::TcpStream) -> Option<Box<dyn ByteReader>> {
        Some(Box::new(AsyncStdReader(async_std::net::TcpStream::from(
            stream,
        ))))
    }
}

/// A socket read through async-std's reactor.
struct AsyncStdReader(async_std::net::TcpStream);

impl ByteReader for AsyncStdReader {
    fn read_byte(&mut self) -> BoxedRead<'_> {
        Box::pin(async move {
            let mut byte = [0];
            self.0.read_exact(&mut byte).await?;
            Ok(byte[0])
        })
    }
}

ryker_conformance::one_worker_suite!(OneWorker::new());
