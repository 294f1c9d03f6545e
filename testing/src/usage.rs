//! CPU time and peak memory of the process, from `getrusage`.

use std::time::Duration;

/// CPU time at the start of a measured window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Usage {
    cpu_at_start: Duration,
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

impl Usage {
    pub(crate) fn start() -> Self {
        Self {
            cpu_at_start: cpu(&rusage()),
        }
    }

    /// CPU seconds (user + system, all threads) since `start`, and the peak resident set size
    /// of the process in bytes.
    pub(crate) fn finish(self) -> (f64, u64) {
        let u = rusage();
        let cpu_secs = (cpu(&u) - self.cpu_at_start).as_secs_f64();
        // Linux reports ru_maxrss in KiB.
        (cpu_secs, u.ru_maxrss as u64 * 1024)
    }
}
