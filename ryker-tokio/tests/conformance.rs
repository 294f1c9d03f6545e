//! The shared conformance suite (`ryker-conformance`) on tokio: every case on a current-thread
//! runtime (which also runs the one-worker fairness cases) and on a multi-thread runtime with
//! two workers; the one-worker fairness cases on a multi-thread runtime with one worker too
//! (its scheduler, shared queue and driver are the multi-thread ones, where the actor's yields
//! to the ready tasks check the shared queue).

use std::future::Future;
use std::io;

use ryker_conformance::{BoxedRead, ByteReader, Harness};
use ryker_tokio::Tokio;

/// A tokio runtime built for one case, timer and I/O enabled; actors spawn through its handle.
struct OnTokio {
    rt: tokio::runtime::Runtime,
    workers: usize,
}

impl OnTokio {
    /// `block_on` and every task share the calling thread.
    fn current_thread() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Self { rt, workers: 1 }
    }

    /// Tasks run on `workers` worker threads; `block_on` runs the test body on the caller.
    fn multi_thread(workers: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
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

    fn watch(&self, stream: std::net::TcpStream) -> Option<Box<dyn ByteReader>> {
        let _entered = self.rt.enter();
        stream.set_nonblocking(true).expect("a non-blocking socket");
        let stream = tokio::net::TcpStream::from_std(stream).expect("registered with tokio");
        Some(Box::new(TokioReader(stream)))
    }
}

/// A socket read through tokio's I/O driver.
struct TokioReader(tokio::net::TcpStream);

impl ByteReader for TokioReader {
    fn read_byte(&mut self) -> BoxedRead<'_> {
        Box::pin(async move {
            let mut byte = [0];
            loop {
                self.0.readable().await?;
                match self.0.try_read(&mut byte) {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(_) => return Ok(byte[0]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
            }
        })
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
