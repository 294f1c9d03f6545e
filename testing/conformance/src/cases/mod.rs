//! The conformance cases, one public function per case; the function's name is the test's
//! name. Each takes a fresh [`Harness`](crate::Harness) and panics on a failure.
//!
//! | group | cases |
//! |-------|-------|
//! | order | [`per_sender_order`], [`batch_size_1_delivers_in_order`], [`batch_size_64_delivers_in_order`] |
//! | mailbox full | [`backpressure_busy_hands_back_and_tell_waits`], [`overflow_drop_newest_drops_and_counts`], [`overflow_drop_oldest_keeps_the_newest`], [`overflow_busy_counts_refusals`], [`tell_timeout_hands_the_message_back`], [`tell_timeout_succeeds_when_space_frees`] |
//! | fairness (one worker) | [`fairness_endless_stream_does_not_starve_a_neighbour`], [`fairness_slow_handler_yields_within_a_batch`], [`fairness_slow_handler_after_an_idle_wait_yields_within_a_batch`], [`fairness_panicking_handler_does_not_starve_a_neighbour`], [`fairness_streaming_actor_lets_a_timer_fire`], [`fairness_streaming_actor_lets_io_through`] |
//! | stopping | [`shutdown_under_concurrent_senders_loses_nothing`], [`runtime_shutdown_drops_each_message_once`], [`released_actor_handles_everything_then_stops`], [`join_after_dropping_every_addr_reports_released`], [`abort_cancels_the_handler_and_discards_the_queue`], [`abort_idle_actor`], [`shutdown_then_timeout_then_abort`] |
//! | supervision | [`restart_continues_the_queue_in_order`], [`restart_factory_runs_after_the_panicked_actor_is_dropped`], [`restart_limit_stops_with_undelivered`], [`stop_policy_stops_on_first_panic`], [`abort_returns_while_started_panics_forever`] |
//! | ask | [`ask_round_trip`], [`ask_with_dropped_reply_is_no_reply`], [`ask_after_stop_is_closed`], [`ask_timeout_hands_back_what_was_not_queued`] |
//! | cancel safety | [`cancelled_sends_are_never_delivered`], [`cancelled_notified_sender_passes_the_wakeup_on`], [`dropped_queued_ask_is_still_handled_once`] |
//! | lost wake-ups | [`wakeups_are_never_lost`] |
//! | config | [`invalid_config_is_rejected`] |

mod ask;
mod cancel;
mod config;
mod fairness;
mod full;
mod order;
mod senders;
mod stop;
mod supervision;
mod wakeups;

pub use ask::{
    ask_after_stop_is_closed, ask_round_trip, ask_timeout_hands_back_what_was_not_queued,
    ask_with_dropped_reply_is_no_reply,
};
pub use cancel::{
    cancelled_notified_sender_passes_the_wakeup_on, cancelled_sends_are_never_delivered,
    dropped_queued_ask_is_still_handled_once,
};
pub use config::invalid_config_is_rejected;
pub use fairness::{
    fairness_endless_stream_does_not_starve_a_neighbour,
    fairness_panicking_handler_does_not_starve_a_neighbour,
    fairness_slow_handler_after_an_idle_wait_yields_within_a_batch,
    fairness_slow_handler_yields_within_a_batch, fairness_streaming_actor_lets_a_timer_fire,
    fairness_streaming_actor_lets_io_through,
};
pub use full::{
    backpressure_busy_hands_back_and_tell_waits, overflow_busy_counts_refusals,
    overflow_drop_newest_drops_and_counts, overflow_drop_oldest_keeps_the_newest,
    tell_timeout_hands_the_message_back, tell_timeout_succeeds_when_space_frees,
};
pub use order::{
    batch_size_1_delivers_in_order, batch_size_64_delivers_in_order, per_sender_order,
};
pub use stop::{
    abort_cancels_the_handler_and_discards_the_queue, abort_idle_actor,
    join_after_dropping_every_addr_reports_released, released_actor_handles_everything_then_stops,
    runtime_shutdown_drops_each_message_once, shutdown_then_timeout_then_abort,
    shutdown_under_concurrent_senders_loses_nothing,
};
pub use supervision::{
    abort_returns_while_started_panics_forever, restart_continues_the_queue_in_order,
    restart_factory_runs_after_the_panicked_actor_is_dropped, restart_limit_stops_with_undelivered,
    stop_policy_stops_on_first_panic,
};
pub use wakeups::wakeups_are_never_lost;
