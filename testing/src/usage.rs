//! Wall-clock time, CPU time and peak memory of the process over a span, from `getrusage`.

use std::time::{Duration, Instant};

/// One measured span of a run: wall-clock time and the process's CPU time start and end
/// together, so that CPU % and every rate computed over the span share one denominator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    wall_at_start: Instant,
    cpu_at_start: Duration,
}

/// What a [`Span`] measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measured {
    /// When the span ended.
    pub(crate) end: Instant,
    /// Wall-clock seconds from start to end.
    pub(crate) seconds: f64,
    /// CPU seconds (user + system, all threads) from start to end.
    pub(crate) cpu_seconds: f64,
    /// Peak resident set size of the process, in bytes (since the process started).
    pub(crate) peak_rss: u64,
}

fn rusage() -> libc::rusage {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` points at writable memory for one `rusage`, which the call fills in;
    // RUSAGE_SELF is a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) cannot fail");
    // SAFETY: zero-initialised, then filled in by a successful getrusage.
    unsafe { usage.assume_init() }
}

fn cpu(u: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(u.ru_utime) + tv(u.ru_stime)
}

impl Span {
    /// Starts the span now.
    pub(crate) fn start() -> Self {
        let cpu_at_start = cpu(&rusage());
        Self {
            wall_at_start: Instant::now(),
            cpu_at_start,
        }
    }

    /// When the span started.
    pub(crate) fn started(&self) -> Instant {
        self.wall_at_start
    }

    /// Ends the span now.
    pub(crate) fn finish(self) -> Measured {
        let u = rusage();
        let end = Instant::now();
        Measured {
            end,
            seconds: end.duration_since(self.wall_at_start).as_secs_f64(),
            cpu_seconds: (cpu(&u).saturating_sub(self.cpu_at_start)).as_secs_f64(),
            // Linux reports ru_maxrss in KiB.
            peak_rss: u.ru_maxrss as u64 * 1024,
        }
    }
}
