//! Stall detection: a run that stops making progress (a lost wake-up, a deadlock) ends with a
//! diagnosis and exit code 3 instead of hanging.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

/// Exit code of a run that stalled.
pub const STALLED: i32 = 3;

/// How often the watchdog looks.
const POLL: Duration = Duration::from_millis(100);

/// One progress counter per thread, each on its own cache line: slot 0 is the consumer
/// (messages received), slot `1 + id` producer `id` (messages sent).
#[derive(Debug)]
pub struct Heartbeats(Box<[CachePadded<AtomicU64>]>);

impl Heartbeats {
    /// Counters for one consumer and `producers` producers, all at 0.
    #[must_use]
    pub fn new(producers: u32) -> Self {
        Self(
            (0..=producers)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        )
    }

    /// The consumer has received `received` messages.
    #[inline]
    pub fn consumer(&self, received: u64) {
        // Relaxed: a progress gauge read only by the watchdog; no data depends on it.
        self.0[0].store(received, Ordering::Relaxed);
    }

    /// Producer `id` has sent `sent` messages.
    #[inline]
    pub fn producer(&self, id: u32, sent: u64) {
        // Relaxed: as above.
        self.0[id as usize + 1].store(sent, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Vec<u64> {
        // Relaxed: as above.
        self.0.iter().map(|c| c.load(Ordering::Relaxed)).collect()
    }
}

/// Watches `beats` until `done` disconnects (returns `None`) or none of them has moved for
/// `limit` (returns the diagnosis).
#[must_use]
pub fn watch(
    beats: &Heartbeats,
    done: &Receiver<()>,
    limit: Duration,
    label: &str,
) -> Option<String> {
    let mut last = beats.snapshot();
    let mut since = Instant::now();
    loop {
        match done.recv_timeout(POLL) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return None,
        }
        let now = beats.snapshot();
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= limit {
            return Some(format!(
                "{label}: no progress for {:.1} s (consumer received {}, producers sent {:?}): \
                 a lost wake-up or a deadlock in the queue under test",
                limit.as_secs_f64(),
                now[0],
                &now[1..],
            ));
        }
    }
}

/// [`watch`], ending the process with [`STALLED`] on a stall.
pub fn guard(beats: &Heartbeats, done: &Receiver<()>, limit: Duration, label: &str) {
    if let Some(stall) = watch(beats, done, limit, label) {
        eprintln!("error: {stall}");
        std::process::exit(STALLED);
    }
}

/// Runs `f` with `beats` watched by a [`guard`] thread for `limit` (none when `None`), which
/// ends once `f` returns.
pub fn watched<R>(
    beats: &Heartbeats,
    limit: Option<Duration>,
    label: &str,
    f: impl FnOnce() -> R,
) -> R {
    let (done, watching) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        if let Some(limit) = limit {
            s.spawn(move || guard(beats, &watching, limit, label));
        }
        let out = f();
        drop(done); // ends the watchdog
        out
    })
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::thread;

    use super::*;

    #[test]
    fn a_run_without_progress_is_reported_as_stalled() {
        let beats = Heartbeats::new(2);
        beats.consumer(5);
        beats.producer(1, 7);
        let (_done, watching) = mpsc::channel();
        let stall =
            watch(&beats, &watching, Duration::from_millis(300), "test").expect("stall seen");
        assert!(
            stall.contains("consumer received 5, producers sent [0, 7]"),
            "{stall}"
        );
    }

    #[test]
    fn a_progressing_run_is_not_stalled_and_the_watch_ends_with_it() {
        let beats = Heartbeats::new(1);
        let (done, watching) = mpsc::channel();
        thread::scope(|s| {
            let beats = &beats;
            let w = s.spawn(move || watch(beats, &watching, Duration::from_millis(300), "test"));
            for i in 1..=10 {
                beats.producer(0, i);
                thread::sleep(Duration::from_millis(60));
            }
            drop(done);
            assert_eq!(w.join().unwrap(), None);
        });
    }
}
