//! Restart bookkeeping and the dead-letter hook.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::context::Actor;
use super::guard::call_caught;
use super::report::{ActorReport, DeadLetter, DeadLetterHook, Factory, Supervision};
use crate::observe::{self, Event};

/// Restart bookkeeping and the dead-letter hook.
pub(super) struct Supervisor<A: Actor, I> {
    policy: Supervision,
    factory: Option<Factory<A>>,
    dead_letters: Option<DeadLetterHook<A::Msg>>,
    /// When recent restarts happened (within the window).
    restarts_at: Vec<I>,
}

impl<A: Actor, I> Supervisor<A, I>
where
    I: Copy + Ord + core::ops::Sub<I, Output = Duration>,
{
    pub(super) fn new(
        policy: Supervision,
        factory: Option<Factory<A>>,
        dead_letters: Option<DeadLetterHook<A::Msg>>,
    ) -> Self {
        Self {
            policy,
            factory,
            dead_letters,
            restarts_at: Vec::new(),
        }
    }

    /// Hands `letter` to the hook, or drops it without one. A panic there (the hook's, or the
    /// destructor of the message the letter carries) must not take the actor's task (and its
    /// report) down: it is caught and returned for the caller to count, so that
    /// `report.panics` is the same whether or not a hook is installed. The hook stays.
    pub(super) fn dead_letter(&mut self, letter: DeadLetter<A::Msg>) -> Result<(), String> {
        match &mut self.dead_letters {
            Some(hook) => call_caught(|| hook(letter)),
            None => call_caught(|| drop(letter)),
        }
    }

    /// A panic was caught: count it and hand it to the dead-letter hook. A panic of the hook
    /// on that letter is counted too, but not handed to the hook again (it could go on
    /// forever).
    pub(super) fn note_panic(&mut self, panic: String, report: &mut ActorReport) {
        Self::count_panic(&panic, report);
        if let Err(hook_panic) = self.dead_letter(DeadLetter::Panicked { panic }) {
            Self::count_panic(&hook_panic, report);
        }
    }

    pub(super) fn count_panic(panic: &str, report: &mut ActorReport) {
        report.panics += 1;
        observe::event(Event::Panicked {
            actor: &report.name,
            panic,
        });
    }

    /// After a noted panic: a fresh actor to go on with, or `None` to stop.
    pub(super) fn restart(&mut self, now: I, report: &mut ActorReport) -> Option<A> {
        let Supervision::Restart {
            max_restarts,
            within,
        } = self.policy
        else {
            return None;
        };
        let factory = self.factory.as_mut()?;
        self.restarts_at.retain(|&t| now - t < within);
        if self.restarts_at.len() >= max_restarts {
            observe::event(Event::GaveUp {
                actor: &report.name,
                restarts: report.restarts as u32,
            });
            return None;
        }
        self.restarts_at.push(now);
        // A panicking factory cannot make an actor: stop, as when the limit is reached.
        let fresh = match call_caught(factory) {
            Ok(fresh) => fresh,
            Err(panic) => {
                self.note_panic(panic, report);
                return None;
            }
        };
        report.restarts += 1;
        observe::event(Event::Restarted {
            actor: &report.name,
            restarts: report.restarts as u32,
        });
        Some(fresh)
    }
}
