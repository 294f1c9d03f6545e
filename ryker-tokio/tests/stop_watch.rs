//! Waiting for an actor's end from many places: `Addr::stopped`, `WeakAddr::stopped` and
//! `ActorHandle::stopped`, on tokio. Every watcher is told the exit once the loop has ended
//! (after `stopped` ran), at once if it has ended already; a dropped watcher leaves the others
//! waiting; a watcher through a `WeakAddr` keeps nothing running; restarts under supervision
//! are no end; a task the runtime drops ends in `JoinError`.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

use ryker_tokio::{
    Actor, ActorHandle, ActorOptions, Addr, Context, Exit, JoinError, Reply, WeakAddr,
};

/// The upper bound that turns a hang into a failure; never a measure of speed.
const LIMIT: Duration = Duration::from_secs(10);

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// `fut`, or a failure naming `what` if it hangs.
async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(LIMIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("hung: {what}"),
    }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Wakes {
    fn new() -> (Arc<Self>, Waker) {
        let wakes = Arc::new(Self::default());
        let waker = Waker::from(wakes.clone());
        (wakes, waker)
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `fut` once with `waker`.
fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut TaskContext::from_waker(waker))
}

enum Cmd {
    /// Answers at once.
    Ping(Reply<()>),
    /// Never finishes (until an abort cuts it short).
    Hang,
    /// Panics.
    Die,
}

/// Records whether its `stopped` ran (set before the loop's end, which the watchers wait for).
struct Worker {
    stopped: Arc<AtomicBool>,
    starts: Arc<AtomicUsize>,
}

impl Worker {
    fn new() -> (Self, Arc<AtomicBool>) {
        let stopped = Arc::new(AtomicBool::new(false));
        let worker = Self {
            stopped: stopped.clone(),
            starts: Arc::new(AtomicUsize::new(0)),
        };
        (worker, stopped)
    }
}

impl Actor for Worker {
    type Msg = Cmd;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        self.starts.fetch_add(1, Ordering::SeqCst);
    }

    async fn handle(&mut self, cmd: Cmd, _ctx: &mut Context<Self>) {
        match cmd {
            Cmd::Ping(reply) => {
                let _ = reply.send(());
            }
            Cmd::Hang => std::future::pending::<()>().await,
            Cmd::Die => panic!("told to die"),
        }
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // A yield first: the end must wait for the whole of `stopped`.
        tokio::task::yield_now().await;
        self.stopped.store(true, Ordering::SeqCst);
    }
}

#[test]
fn many_watchers_see_one_shutdown() {
    multi_thread().block_on(async {
        let (worker, stopped) = Worker::new();
        let mut handle = ryker_tokio::spawn(worker);
        let addr = handle.addr();
        let mut watchers = Vec::new();
        for i in 0..32 {
            let stopped = stopped.clone();
            // Through addresses, weak addresses, and one address many times over.
            let watcher: tokio::task::JoinHandle<Result<Exit, JoinError>> = match i % 3 {
                0 => {
                    let addr = addr.clone();
                    tokio::spawn(async move {
                        let exit = addr.stopped().await;
                        assert!(stopped.load(Ordering::SeqCst), "`stopped` ran first");
                        exit
                    })
                }
                1 => {
                    let weak = addr.downgrade();
                    tokio::spawn(async move {
                        let exit = weak.stopped().await;
                        assert!(stopped.load(Ordering::SeqCst), "`stopped` ran first");
                        exit
                    })
                }
                _ => {
                    let addr = addr.clone();
                    tokio::spawn(async move {
                        let (a, b) = tokio::join!(addr.stopped(), addr.stopped());
                        assert!(stopped.load(Ordering::SeqCst), "`stopped` ran first");
                        assert_eq!(a, b);
                        a
                    })
                }
            };
            watchers.push(watcher);
        }
        within("a ping", addr.ask(Cmd::Ping)).await.unwrap();
        drop(addr);
        handle.shutdown();
        // The handle's own watcher, beside the others.
        let exit = within("the handle's watcher", handle.stopped()).await;
        assert_eq!(exit, Ok(Exit::Shutdown));
        for watcher in watchers {
            let exit = within("a watcher", watcher).await.expect("no panic");
            assert_eq!(exit, Ok(Exit::Shutdown));
        }
        assert!(handle.is_finished());
        let report = within("the join", handle.join()).await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Shutdown, 1));
    });
}

#[test]
fn a_watcher_after_the_stop_answers_at_once() {
    current_thread().block_on(async {
        let (worker, _) = Worker::new();
        let mut handle = ryker_tokio::spawn(worker);
        let addr = handle.addr();
        let weak = addr.downgrade();
        handle.abort();
        within("the join", handle.join()).await.unwrap();
        let (wakes, waker) = Wakes::new();
        for _ in 0..3 {
            assert_eq!(
                poll_once(pin!(addr.stopped()), &waker),
                Poll::Ready(Ok(Exit::Aborted))
            );
            assert_eq!(
                poll_once(pin!(weak.stopped()), &waker),
                Poll::Ready(Ok(Exit::Aborted))
            );
            assert_eq!(
                poll_once(pin!(handle.stopped()), &waker),
                Poll::Ready(Ok(Exit::Aborted))
            );
        }
        assert_eq!(wakes.count(), 0, "nothing waited");
    });
}

#[test]
fn a_dropped_watcher_leaves_the_others_waiting() {
    current_thread().block_on(async {
        let (worker, _) = Worker::new();
        let mut handle = ryker_tokio::spawn(worker);
        let addr = handle.addr();
        let (kept_wakes, kept_waker) = Wakes::new();
        let (dropped_wakes, dropped_waker) = Wakes::new();
        let mut kept = pin!(addr.stopped());
        assert!(poll_once(kept.as_mut(), &kept_waker).is_pending());
        {
            // Registered, then dropped (a timeout fired, a `select!` took another branch).
            let mut dropped = pin!(addr.stopped());
            assert!(poll_once(dropped.as_mut(), &dropped_waker).is_pending());
        }
        // And one given up on by a real timeout.
        let timed_out = tokio::time::timeout(Duration::from_millis(1), addr.stopped()).await;
        assert!(timed_out.is_err(), "the actor is running");
        handle.shutdown();
        within("the join", handle.join()).await.unwrap();
        assert_eq!(kept_wakes.count(), 1, "the kept watcher is woken once");
        assert_eq!(
            dropped_wakes.count(),
            0,
            "the dropped watcher's waker is gone"
        );
        assert_eq!(
            poll_once(kept.as_mut(), &kept_waker),
            Poll::Ready(Ok(Exit::Shutdown))
        );
    });
}

#[test]
fn a_weak_watcher_does_not_keep_the_actor_running() {
    multi_thread().block_on(async {
        let (worker, stopped) = Worker::new();
        let handle = ryker_tokio::spawn(worker);
        let weak: WeakAddr<Worker> = handle.addr().downgrade();
        let watcher = tokio::spawn(async move { weak.stopped().await });
        // Dropping the handle lets the last address go: the actor handles what is queued and
        // stops, watched or not.
        drop(handle);
        let exit = within("the weak watcher", watcher).await.expect("no panic");
        assert_eq!(exit, Ok(Exit::Released));
        assert!(stopped.load(Ordering::SeqCst));
    });
}

#[test]
fn abort_ends_the_watch_of_a_stuck_actor() {
    multi_thread().block_on(async {
        let (worker, stopped) = Worker::new();
        let handle = ryker_tokio::spawn(worker);
        let addr: Addr<Worker> = handle.addr();
        addr.try_tell(Cmd::Hang).unwrap();
        let watchers: Vec<_> = (0..4)
            .map(|_| {
                let addr = addr.clone();
                tokio::spawn(async move { addr.stopped().await })
            })
            .collect();
        handle.shutdown(); // a shutdown waits for the stuck handler: no end yet
        handle.abort();
        for watcher in watchers {
            let exit = within("a watcher", watcher).await.expect("no panic");
            assert_eq!(exit, Ok(Exit::Aborted));
        }
        assert!(
            stopped.load(Ordering::SeqCst),
            "`stopped` runs after an abort"
        );
    });
}

#[test]
fn restarts_are_no_end_only_the_final_stop_is() {
    current_thread().block_on(async {
        let starts = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicBool::new(false));
        let fresh = {
            let (starts, stopped) = (starts.clone(), stopped.clone());
            move || Worker {
                stopped: stopped.clone(),
                starts: starts.clone(),
            }
        };
        let first = fresh.clone()();
        let options = ActorOptions::default().restart(5, Duration::from_secs(60), fresh);
        let mut handle = ryker_tokio::spawn_with_options(first, options).unwrap();
        let addr = handle.addr();
        let (wakes, waker) = Wakes::new();
        let mut watch = pin!(addr.stopped());
        assert!(poll_once(watch.as_mut(), &waker).is_pending());
        for _ in 0..2 {
            addr.try_tell(Cmd::Die).unwrap();
        }
        // Answered by the actor the second restart made: both panics are behind us.
        within("a ping", addr.ask(Cmd::Ping)).await.unwrap();
        assert_eq!(starts.load(Ordering::SeqCst), 3, "two restarts");
        assert_eq!(wakes.count(), 0, "a restart wakes no watcher");
        assert!(poll_once(watch.as_mut(), &waker).is_pending());
        assert!(!handle.is_finished());
        handle.shutdown();
        let report = within("the join", handle.join()).await.unwrap();
        assert_eq!((report.exit, report.restarts), (Exit::Shutdown, 2));
        assert_eq!(wakes.count(), 1, "the final stop wakes it, once");
        assert_eq!(
            poll_once(watch.as_mut(), &waker),
            Poll::Ready(Ok(Exit::Shutdown))
        );
    });
}

#[test]
fn a_panic_under_stop_supervision_ends_the_watch() {
    multi_thread().block_on(async {
        let (worker, stopped) = Worker::new();
        let handle = ryker_tokio::spawn(worker);
        let weak = handle.addr().downgrade();
        let watcher = tokio::spawn(async move { weak.stopped().await });
        handle.addr().try_tell(Cmd::Die).unwrap();
        let exit = within("the watcher", watcher).await.expect("no panic");
        assert_eq!(exit, Ok(Exit::Panicked));
        // No `stopped` for an actor whose state a panic may have broken.
        assert!(!stopped.load(Ordering::SeqCst));
        assert_eq!(
            within("the handle's watcher", handle.stopped()).await,
            Ok(Exit::Panicked)
        );
    });
}

#[test]
fn a_task_the_runtime_drops_ends_the_watch_with_join_error() {
    let rt = current_thread();
    let (worker, _) = Worker::new();
    let handle = {
        let _enter = rt.enter();
        ryker_tokio::spawn(worker)
    };
    // The actor's task runs, then waits for mail; dropping the runtime drops it there.
    rt.block_on(async {
        within("a ping", handle.addr().ask(Cmd::Ping))
            .await
            .unwrap()
    });
    watch_across_the_runtimes_drop(rt, &handle);
}

/// A watcher waiting (`WeakAddr::stopped`) when `rt`, which holds the actor's task, is
/// dropped: it is woken once and answers `JoinError`, as the handle's own watcher does then.
fn watch_across_the_runtimes_drop(rt: tokio::runtime::Runtime, handle: &ActorHandle<Worker>) {
    let weak = handle.addr().downgrade();
    let (wakes, waker) = Wakes::new();
    let mut watch = pin!(weak.stopped());
    assert!(poll_once(watch.as_mut(), &waker).is_pending());
    drop(rt);
    assert_eq!(wakes.count(), 1, "the dropped task wakes the watcher");
    assert_eq!(
        poll_once(watch.as_mut(), &waker),
        Poll::Ready(Err(JoinError))
    );
    assert_eq!(
        poll_once(pin!(handle.stopped()), &waker),
        Poll::Ready(Err(JoinError))
    );
}

#[test]
fn a_task_the_runtime_drops_before_its_first_poll_ends_the_watch_with_join_error() {
    let rt = current_thread();
    let (worker, _) = Worker::new();
    let mut handle = {
        let _enter = rt.enter();
        ryker_tokio::spawn(worker)
    };
    // Nothing ever runs the runtime: its drop drops the actor's task unpolled (as a runtime
    // shutting down, or smol's executor gone before it ran the task, does).
    watch_across_the_runtimes_drop(rt, &handle);
    let (_, waker) = Wakes::new();
    assert!(handle.is_finished());
    assert_eq!(
        poll_once(pin!(handle.join()), &waker),
        Poll::Ready(Err(JoinError))
    );
}
