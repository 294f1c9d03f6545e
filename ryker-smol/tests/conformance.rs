//! The shared conformance suite (`ryker-conformance`) on smol: every case on an executor run by
//! the test thread alone (which also runs the one-worker fairness cases) and on one run by the
//! test thread and a second thread.

use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;

use ryker_conformance::{BoxedRead, ByteReader, Harness};
use ryker_smol::Smol;
use smol::io::AsyncReadExt;
use smol::{Async, Executor};

/// An executor made for one case, run by `block_on`'s thread and `workers - 1` more threads;
/// actors spawn on it with `Smol::on`.
struct OnSmol {
    ex: Arc<Executor<'static>>,
    workers: usize,
    /// Dropping it stops the extra threads.
    stop: Option<smol::channel::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl OnSmol {
    fn new(workers: usize) -> Self {
        let ex = Arc::new(Executor::new());
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let threads = (1..workers)
            .map(|_| {
                let (ex, stopped) = (ex.clone(), stopped.clone());
                std::thread::spawn(move || {
                    let _ = smol::block_on(ex.run(stopped.recv()));
                })
            })
            .collect();
        Self {
            ex,
            workers,
            stop: Some(stop),
            threads,
        }
    }
}

impl Drop for OnSmol {
    fn drop(&mut self) {
        drop(self.stop.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Harness for OnSmol {
    type Rt = Smol;

    fn runtime(&self) -> Smol {
        Smol::on(self.ex.clone())
    }

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        smol::block_on(self.ex.run(fut))
    }

    fn workers(&self) -> usize {
        self.workers
    }

    fn watch(&self, stream: std::net::TcpStream) -> Option<Box<dyn ByteReader>> {
        let stream = Async::new(stream).expect("registered with smol's reactor");
        Some(Box::new(SmolReader(stream)))
    }
}

/// A socket read through smol's reactor.
struct SmolReader(Async<std::net::TcpStream>);

impl ByteReader for SmolReader {
    fn read_byte(&mut self) -> BoxedRead<'_> {
        Box::pin(async move {
            let mut byte = [0];
            self.0.read_exact(&mut byte).await?;
            Ok(byte[0])
        })
    }
}

mod one_worker {
    use super::OnSmol;

    ryker_conformance::suite!(OnSmol::new(1));
    ryker_conformance::one_worker_suite!(OnSmol::new(1));
}

mod two_workers {
    use super::OnSmol;

    ryker_conformance::suite!(OnSmol::new(2));
}
