//! Measures the stack a thread needs to `blocking_send` one large message into a FULL
//! mailbox (issue 8, item 7), beside `std::sync::mpsc::sync_channel` doing the same.
//!
//! ```text
//! cargo run --release -p ryker-core --example stack_probe           # the table
//! cargo run --release -p ryker-core --example stack_probe -- 65536  # message size in bytes
//! ```
//!
//! Each trial runs in a child process (a stack overflow aborts the process): a sender thread
//! with the trial's stack size sends into a mailbox of capacity 1 that another thread filled;
//! the receiver frees the slot once the sender waits. The smallest stack that works is found
//! by bisection, to 4 KiB.
#![allow(missing_docs)]

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ryker_core::mailbox::{channel, MailboxConfig};

/// Message sizes the child knows how to send (const generics need them at compile time).
const SIZES: [usize; 4] = [16 * 1024, 64 * 1024, 192 * 1024, 256 * 1024];

fn ryker<const N: usize>(stack: usize) {
    let (tx, mut rx) = channel::<[u8; N]>(MailboxConfig {
        capacity: 1,
        ..MailboxConfig::default()
    });
    let rx_thread = thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            tx.try_send([1; N]).unwrap();
            let sender = thread::Builder::new()
                .stack_size(stack)
                .spawn(move || tx.blocking_send([2; N]).is_ok())
                .unwrap();
            // Free the slot once the sender waits in the slow path (it marks the mailbox's
            // high-water mark full just before it queues); a deadline keeps this from hanging.
            let deadline = Instant::now() + Duration::from_secs(2);
            while rx.stats().high_water == 0 && Instant::now() < deadline {
                thread::yield_now();
            }
            thread::sleep(Duration::from_millis(2));
            assert_eq!(rx.blocking_recv().map(|m| m[0]), Some(1));
            assert_eq!(rx.blocking_recv().map(|m| m[0]), Some(2));
            sender.join().unwrap()
        })
        .unwrap();
    assert!(rx_thread.join().unwrap());
}

fn std_sync_channel<const N: usize>(stack: usize) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<[u8; N]>(1);
    let rx_thread = thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            tx.send([1; N]).unwrap();
            let sender = thread::Builder::new()
                .stack_size(stack)
                .spawn(move || tx.send([2; N]).is_ok())
                .unwrap();
            thread::sleep(Duration::from_millis(10));
            assert_eq!(rx.recv().map(|m| m[0]), Ok(1));
            assert_eq!(rx.recv().map(|m| m[0]), Ok(2));
            sender.join().unwrap()
        })
        .unwrap();
    assert!(rx_thread.join().unwrap());
}

fn child(kind: &str, size: usize, stack: usize) {
    macro_rules! run {
        ($($n:expr),*) => {
            match (kind, size) {
                $(("ryker", $n) => ryker::<$n>(stack), ("std", $n) => std_sync_channel::<$n>(stack),)*
                _ => panic!("unknown trial {kind} {size}"),
            }
        };
    }
    run!(16384, 65536, 196608, 262144);
}

fn works(kind: &str, size: usize, stack: usize) -> bool {
    Command::new(std::env::current_exe().unwrap())
        .args(["--child", kind, &size.to_string(), &stack.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn min_stack(kind: &str, size: usize) -> Option<usize> {
    let (mut lo, mut hi) = (16 << 10, 32 << 20);
    if !works(kind, size, hi) {
        return None;
    }
    while hi - lo > 4 << 10 {
        let mid = (lo + hi) / 2 / 4096 * 4096;
        if works(kind, size, mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2], args[3].parse().unwrap(), args[4].parse().unwrap());
        return;
    }
    let sizes: Vec<usize> = match args.get(1) {
        Some(n) => vec![n.parse().unwrap()],
        None => SIZES.to_vec(),
    };
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("minimum sender stack for one send into a full mailbox ({profile} build)");
    println!(
        "{:>12} {:>24} {:>24}",
        "message", "ryker send_blocking", "std sync_channel send"
    );
    for size in sizes {
        let show = |s: Option<usize>| s.map_or("> 32 MiB".into(), |s| format!("{} KiB", s >> 10));
        println!(
            "{:>8} KiB {:>24} {:>24}",
            size >> 10,
            show(min_stack("ryker", size)),
            show(min_stack("std", size))
        );
    }
}
