//! The actor layer's optional observability: metrics through the `metrics` crate facade
//! (feature `metrics`) and a span per handled message (feature `tracing`).
//!
//! With both features off every hook here is an empty `#[inline]` function and [`Stamp`] is
//! `()`, so nothing of them is compiled into the hot path; the `cfg`s live in this file only.
//!
//! Metric names (each labelled `actor = <name>`):
//!
//! | name | kind | what |
//! |------|------|------|
//! | `mailbox_latency_seconds` | histogram | enqueue → dequeue, sampled: 1 send in 64 per thread is timestamped |
//! | `bus_overflow_dropped_total` | counter, also labelled `policy` | messages dropped by `drop_newest` / `drop_oldest` |
//! | `mailbox_busy_total` | counter | sends refused with `Busy` |
//! | `mailbox_timeout_total` | counter | `tell_timeout` calls that timed out |
//! | `actor_handled_total` | counter | messages handled (added once per batch) |
//! | `mailbox_depth` | gauge | queue depth, set once per batch |

use crate::policy::Overflow;

/// The enqueue timestamp carried with each message: `Option<Instant>` under `metrics` (set on
/// sampled sends), `()` otherwise.
#[cfg(feature = "metrics")]
pub(crate) type Stamp = Option<std::time::Instant>;
/// The enqueue timestamp carried with each message: nothing without `metrics`.
#[cfg(not(feature = "metrics"))]
pub(crate) type Stamp = Nothing;

/// The span a handled message runs in: a DEBUG span under `tracing`, nothing otherwise.
#[cfg(feature = "tracing")]
pub(crate) type Span = tracing::Span;
/// The span a handled message runs in: nothing without `tracing`.
#[cfg(not(feature = "tracing"))]
pub(crate) type Span = Nothing;

/// What a switched-off feature carries: zero bytes.
#[derive(Clone, Copy, Debug, Default)]
#[allow(dead_code)] // unused when both features are on
pub(crate) struct Nothing;

/// One message and its enqueue timestamp: what an actor's mailbox holds.
pub(crate) struct Envelope<M> {
    pub(crate) msg: M,
    pub(crate) stamp: Stamp,
}

/// Send one in this many with a timestamp (per sending thread).
#[cfg(feature = "metrics")]
const STAMP_EVERY: u32 = 64;

#[cfg(feature = "metrics")]
std::thread_local! {
    /// Sends on this thread since the last timestamped one.
    static SINCE_STAMP: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

/// Metric handles for one actor, registered once at spawn.
#[cfg(feature = "metrics")]
struct Handles {
    latency: metrics::Histogram,
    dropped_newest: metrics::Counter,
    dropped_oldest: metrics::Counter,
    busy: metrics::Counter,
    timeout: metrics::Counter,
    handled: metrics::Counter,
    depth: metrics::Gauge,
}

/// One actor's observability hooks.
pub(crate) struct Observer {
    #[cfg(feature = "metrics")]
    handles: Handles,
}

impl core::fmt::Debug for Observer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Observer")
            .field("metrics", &cfg!(feature = "metrics"))
            .field("tracing", &cfg!(feature = "tracing"))
            .finish()
    }
}

impl Observer {
    pub(crate) fn new(name: &str) -> Self {
        #[cfg(feature = "metrics")]
        {
            use alloc::string::ToString;
            let actor = name.to_string();
            let dropped = |policy: Overflow| {
                metrics::counter!(
                    "bus_overflow_dropped_total",
                    "actor" => actor.clone(),
                    "policy" => policy.as_str()
                )
            };
            Self {
                handles: Handles {
                    latency: metrics::histogram!("mailbox_latency_seconds", "actor" => actor.clone()),
                    dropped_newest: dropped(Overflow::DropNewest),
                    dropped_oldest: dropped(Overflow::DropOldest),
                    busy: metrics::counter!("mailbox_busy_total", "actor" => actor.clone()),
                    timeout: metrics::counter!("mailbox_timeout_total", "actor" => actor.clone()),
                    handled: metrics::counter!("actor_handled_total", "actor" => actor.clone()),
                    depth: metrics::gauge!("mailbox_depth", "actor" => actor),
                },
            }
        }
        #[cfg(not(feature = "metrics"))]
        {
            let _ = name;
            Self {}
        }
    }

    /// The timestamp for a message being sent now (one send in 64 per thread gets one).
    #[inline]
    pub(crate) fn stamp(&self) -> Stamp {
        #[cfg(not(feature = "metrics"))]
        {
            Nothing
        }
        #[cfg(feature = "metrics")]
        {
            SINCE_STAMP.with(|n| {
                let next = n.get() + 1;
                if next >= STAMP_EVERY {
                    n.set(0);
                    Some(std::time::Instant::now())
                } else {
                    n.set(next);
                    None
                }
            })
        }
    }

    /// A message left the mailbox.
    #[inline]
    pub(crate) fn on_dequeued(&self, stamp: Stamp) {
        #[cfg(feature = "metrics")]
        if let Some(sent) = stamp {
            self.handles.latency.record(sent.elapsed().as_secs_f64());
        }
        let _ = stamp;
    }

    /// A batch of `handled` messages was handled; `depth()` says how many are still queued
    /// (a closure, so that without `metrics` the queue's positions are not even read).
    #[inline]
    pub(crate) fn on_batch(&self, handled: usize, depth: impl FnOnce() -> usize) {
        #[cfg(feature = "metrics")]
        {
            self.handles.handled.increment(handled as u64);
            self.handles.depth.set(depth() as f64);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (handled, depth);
    }

    /// A `tell_timeout` timed out.
    #[inline]
    pub(crate) fn on_timeout(&self) {
        #[cfg(feature = "metrics")]
        self.handles.timeout.increment(1);
    }

    /// A send was refused with `Busy`.
    #[inline]
    pub(crate) fn on_busy(&self) {
        #[cfg(feature = "metrics")]
        self.handles.busy.increment(1);
    }

    /// A message was dropped by `policy`.
    #[inline]
    pub(crate) fn on_dropped(&self, policy: Overflow) {
        #[cfg(feature = "metrics")]
        match policy {
            Overflow::DropOldest => self.handles.dropped_oldest.increment(1),
            _ => self.handles.dropped_newest.increment(1),
        }
        let _ = policy;
    }

    /// The span one handled message runs in.
    #[inline]
    pub(crate) fn span(&self, actor: &str) -> Span {
        #[cfg(feature = "tracing")]
        {
            tracing::debug_span!("handle", actor = actor)
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = actor;
            Nothing
        }
    }
}

/// A span that records nothing (around the `started` and `stopped` hooks).
#[inline]
pub(crate) fn no_span() -> Span {
    #[cfg(feature = "tracing")]
    {
        tracing::Span::none()
    }
    #[cfg(not(feature = "tracing"))]
    {
        Nothing
    }
}

/// Runs `f` inside `span` (each poll of a handler runs this way).
#[inline]
pub(crate) fn in_span<R>(span: &Span, f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "tracing")]
    {
        span.in_scope(f)
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        f()
    }
}

/// A supervision event worth a log line (under `tracing`; nothing otherwise).
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) enum Event<'a> {
    Panicked { actor: &'a str, panic: &'a str },
    Restarted { actor: &'a str, restarts: u32 },
    GaveUp { actor: &'a str, restarts: u32 },
}

#[inline]
pub(crate) fn event(e: Event<'_>) {
    #[cfg(feature = "tracing")]
    match e {
        Event::Panicked { actor, panic } => {
            tracing::error!(actor, panic, "actor panicked while handling a message")
        }
        Event::Restarted { actor, restarts } => {
            tracing::warn!(actor, restarts, "actor restarted by its supervisor")
        }
        Event::GaveUp { actor, restarts } => {
            tracing::error!(actor, restarts, "actor stopped: restart limit reached")
        }
    }
    let _ = e;
}
