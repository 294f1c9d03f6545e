#!/usr/bin/env bash
# loom model checks of ryker-core (the loom-tests/ crate).
#
#   bash .ci/loom.sh                 # the suite (must pass) and every broken twin (must fail)
#   bash .ci/loom.sh suite           # only the suite
#   bash .ci/loom.sh twins           # only the broken twins
#   RYKER_LOOM_FILTER=wakeup bash .ci/loom.sh suite   # only models whose name contains it
#
# Suite: every model in loom-tests/tests, built with RUSTFLAGS="--cfg ryker_loom", one process
# per model, so that each gets its own time and its own result in the table. No model may be
# `#[ignore]`d (the script fails on one): a model that pins an open bug belongs in a branch
# with its fix, or as a broken twin.
# Twins: a known bug planted in ryker-core at run time: the suite's binaries, run with
# RYKER_LOOM_BROKEN=NAME, take the broken branch at ryker-core's `broken_twin!("NAME")` sites
# (`sync::broken_twin!`; outside a loom build it is the literal `false`). The model named for
# the twin must FAIL, with loom's (or the model's) report matching the expected pattern.
# A twin that passes means loom no longer explores the interleaving that matters (loom issues
# #166/#392), so the script fails.
#
# One build, to target/loom; its binaries are copied to target/loom/suite and run from there.
# Every model and twin runs in a process of its own under `ulimit -v` (RYKER_LOOM_MEM_KB,
# default 8 GiB) and a timeout (RYKER_LOOM_TIMEOUT seconds per model, default 300),
# RYKER_LOOM_JOBS at a time (default: the number of CPUs). With no mode named (`all`), the
# twins' runs go into the same queue as the suite's models, after the longest models. (Until
# 2026-12-07 each twin was a `cfg` and a build of its own: 43 builds, about 225 s of CPU time
# in CI, which ran beside the suite's models in a process of their own.)
# LOOM_MAX_PREEMPTIONS, if set, overrides every model's own preemption bound. Logs:
# target/ci-logs/loom/*.log.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=${1:-all}
TARGET_DIR="$RYKER_ROOT/target/loom"
LOG_DIR="$RYKER_LOG_DIR/loom"
mkdir -p "$LOG_DIR"
MEM_KB=${RYKER_LOOM_MEM_KB:-8388608}
TIMEOUT=${RYKER_LOOM_TIMEOUT:-300}
FILTER=${RYKER_LOOM_FILTER:-}
JOBS=${RYKER_LOOM_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "RYKER_LOOM_JOBS must be a whole number of 1 or more, not '$JOBS'"

# Broken twins: NAME|TEST BINARY|MODEL|PATTERN its failure report must match (an extended
# regex; it may itself contain `|`). ryker-core must have a `broken_twin!("NAME")` site and the
# model must fail with the pattern. Each twin names the cheapest model that catches it (see
# loom-tests/README.md for the others).
TWINS=(
    'publish|loom_mailbox_basic|loom_mailbox_basic|Causality violation'
    'publish|loom_ring_wraparound|ring_capacity_1_three_laps|Causality violation'
    # A single-consumer ring's receiver frees a slot by moving `head` with a Relaxed store
    # (`Ring::pop_impl`, exclusive, and `Ring::take_run_exclusive`, one store per value of a
    # run): a sender's write into the freed slot races its last read.
    'free|loom_mailbox_basic|senders_claim_slots_the_receiver_freed|Causality violation'
    # The same twin against the split ring (`ring::split`), whose consumer pops one value at
    # a time with no fence while the ring is open.
    'free|loom_ring_split|consumer_dropped_during_pushes|Causality violation'
    # The store that frees each value of a receiver's run (`Ring::take_run_exclusive`), with a
    # sender waiting for that room.
    'free|loom_no_lost_wakeup|sender_woken_by_a_run|Causality violation'
    # A sender refreshes the copy of `head` beside `tail` before its claim instead of after it
    # (`Ring::claim_single_consumer`): a sender that claims through that copy while the first
    # is preempted before its CAS writes into a slot the receiver may still be reading.
    'head_seen|loom_mailbox_basic|senders_claim_slots_the_receiver_freed|Causality violation'
    # The split ring's consumer never reads the closed flag (`Consumer::pop`), so it judges
    # "empty" from the stamp alone for good: after the last producer is gone it never reports
    # the end.
    'split_open|loom_ring_split|producers_leave_and_the_consumer_sees_the_end|end must be reported'
    # The split ring's closed flag stored after the close instead of before it
    # (`Shared::close`): a consumer that has seen `is_closed()` keeps answering `Empty`.
    'split_flag_late|loom_ring_split|is_closed_means_the_end_is_reported|answered Empty'
    'recheck|loom_no_lost_wakeup|receiver_woken_by_send|deadlock'
    # A poll that registers before it looks, after a receive that took all there was
    # (`Receiver::poll_inner`, `register_first`), parks without the look: the next request,
    # sent while the receiver answered the last, is never seen.
    'register_blind|loom_no_lost_wakeup|request_response_receiver_registers_before_it_looks|deadlock'
    # The same in the actor loop, which receives that way after every batch.
    'register_blind|loom_actor|ask_twice_through_a_reused_slot|deadlock'
    # The blocking receiver's spin takes the flag set before every close for the end itself
    # (`Receiver::blocking_recv_many`), not as a cue to look with the fenced check: a message
    # sent before the last sender left is never received.
    'closing_end|loom_no_lost_wakeup|blocking_recv_meets_the_last_sender_leaving|left: None'
    # The re-check after registering runs without the fence between the registration and
    # its read of `tail` (`Receiver::poll_inner`; the ring's own fence is left to the caller
    # there, `EmptyCheck::CallerFenced`): a send's wake-up can miss the registration.
    'recheck_fence|loom_no_lost_wakeup|receiver_woken_by_send|deadlock'
    # No SeqCst ordering between a plain send's claim and its read of the waker state (loom
    # models the SeqCst claim CAS with a fence right after it; the twin leaves that out).
    'wake|loom_no_lost_wakeup|receiver_woken_by_send|deadlock'
    # The receiver parks on a plain send's claim in flight (`Pop::NotReady`), whose publish is
    # not followed by a fence: the sender's waker load can miss the registration.
    'coming|loom_no_lost_wakeup|receiver_meets_a_send_preempted_mid_claim|deadlock'
    # The same reached with two threads and no bystander: a `recv()` dropped by `select!` and
    # made again, whose registration races a send.
    'coming|loom_abandoned|recv_dropped_by_select_then_recv_again|deadlock'
    # A permit's publish (the receiver may be parked on its RESERVED slot) with no SeqCst fence
    # before the waker load (`Shared::after_publish`).
    'held_wake|loom_permit|held_permit_sent_wakes_waiting_receiver|deadlock'
    # A mid-stream receiver's wait for a run yields without waking its own task
    # (`Receiver::poll_inner`): nobody wakes it, though the messages are there.
    'run_wake|loom_no_lost_wakeup|receiver_waiting_for_a_run_gets_a_short_one|deadlock'
    'close|loom_shutdown_no_drop|close_races_sends|accepted message lost'
    # The receiver frees a slot and reads the wait list with no SeqCst fence in between
    # (`Shared::notify_senders`): a sender waiting on full misses its wake-up.
    'notify|loom_mailbox_basic|loom_mailbox_basic|deadlock'
    # The same, after a receive that takes a run of messages (`Ring::take_run_exclusive`).
    'notify|loom_no_lost_wakeup|sender_woken_by_a_run|deadlock'
    # A queued waiter's waker refresh and its notification check in two critical sections
    # (`poll_claim` on a re-poll): a notification landing in between is swallowed.
    'refresh|loom_no_lost_wakeup|sender_repolled_while_queued|deadlock'
    # A waiter dropped after being notified does not pass the notification on (`cancel_wait`).
    'pass_on|loom_no_lost_wakeup|dropped_send_future_passes_its_wakeup_on|deadlock'
    # The same at preemption bound 2 (the model above runs at 1): a `send` dropped under a
    # timeout as the slot frees, with two threads.
    'pass_on|loom_abandoned|send_under_a_timeout_passes_its_wakeup_on|deadlock'
    # A dropped permit marks its slot SKIP without waking the receiver (`Permit::drop`).
    'skip_wake|loom_permit|dropped_permit_wakes_waiting_receiver|deadlock'
    # The same give-up (`Shared::give_up`) for an owned permit released on another thread.
    'skip_wake|loom_owned_permit|released_owned_permit_wakes_waiting_receiver|deadlock'
    # ... and for the unused permits of a dropped `PermitIterator` (`Shared::give_up_rest`).
    'skip_wake|loom_reserve_many|dropped_permit_iterator_wakes_waiting_receiver|deadlock'
    # A `reserve_many` waiting for a run of slots, against the fence before the wait-list read.
    'notify|loom_reserve_many|reserve_many_woken_by_the_receivers_frees|deadlock'
    'notify|loom_actor|recipient_tell_woken_by_the_loop_freeing_a_slot|deadlock'
    # A `Sender::closed` future waits in the senders' wait list, where a freed slot's
    # notification can land on it and be lost to the sender waiting for that slot.
    'closed_list|loom_closed|closed_never_takes_a_waiting_senders_wakeup|deadlock'
    # The close does not wake the `Sender::closed` futures (`Shared::wake_close_waiters`).
    'closed_wake|loom_closed|closed_races_receiver_drop|deadlock'
    # The same across the receiver's close: the receiver waits on the held slot of a closed
    # mailbox, and only the permit's drop can wake it for the end.
    'skip_wake|loom_abandoned|permit_dropped_across_the_close|deadlock'
    # Under `DropOldest` a publish wakes only the first waiting sender (`Shared::after_publish`):
    # a `reserve` waiting ahead takes the wake-up, finds no free slot and keeps it, and the
    # `send` waiting behind it to evict sleeps on.
    'oldest_wake_one|loom_review|drop_oldest_publish_wakes_the_send_behind_a_waiting_reserve|deadlock'
    # A waiter whose re-check after queueing takes a slot does not pass on a notification that
    # landed on it meanwhile (`Shared::poll_claim_with`): the slot it took was freed before it
    # queued, so the sender queued behind it sleeps next to the slot that notification was for.
    'spent_wake|loom_review|a_notification_spent_on_a_waiter_that_took_an_older_free_slot|deadlock'
    # The evicting sender moves `head` with a plain store instead of the CAS (`Ring::force`):
    # it and a racing receiver can both take the oldest message.
    'evict|loom_drop_oldest|eviction_races_receive|Causality violation|dropped twice|delivered twice'
    # No SeqCst fence between registering the loop's waker and re-reading the ABORT flag
    # (`poll_guarded`): an abort racing a pending handler neither is seen nor wakes the loop.
    'abort_wake|loom_actor|abort_cuts_pending_handler|deadlock'
    # A registration that found a sender mid-wake (`WakerCell::register` answers false: it
    # woke the receiver's own waker and stored nothing) taken for a registration to park on
    # (`Receiver::poll_inner`): a blocking receiver parks (at once), registers again and finds
    # the same wake in progress, without ever letting the preempted sender finish it.
    'mid_wake|loom_peer_thingbuf|peer_thingbuf_blocking_recv_spins_while_a_sender_is_mid_wake|maximum number of branches'
    # The same, for a `stopped` that hangs after a shutdown: the abort must still cut it.
    'abort_wake|loom_actor|abort_cuts_a_stopped_a_shutdown_began|deadlock'
    # A later abort sets only the first abort's flag (`request_abort`): the `stopped` an
    # abort began, which watches the later flag, is never cut short.
    'abort_again|loom_actor|a_second_abort_cuts_the_stopped_the_first_began|deadlock'
    # A stop's `stopped` takes the flag it watches from the flags, not the exit
    # (`ActorShared::next_abort`): an abort the loop never saw lets a shutdown's `stopped` run.
    'stop_exit|loom_actor|an_abort_between_a_shutdowns_end_and_stopped_cuts_stopped|let `stopped` run to its end'
    # The mark of a second abort requested before `stopped` begins is not cleared.
    'abort_sticky|loom_actor|aborts_before_stopped_let_the_stopped_they_begin_run|cut it short'
    # A notification is spent on a `poll_reserve` registration (`Waiter::new_unbound`), the
    # old behaviour: a caller that abandons its pending `poll_reserve` starves other senders.
    'reserve_consumes|loom_poll_reserve|abandoned_poll_reserve_does_not_starve_send|deadlock'
    # The same with the caller falling back to `try_send` on the sender it left registered.
    'reserve_consumes|loom_abandoned|poll_reserve_abandoned_for_try_send|deadlock'
    # No Acquire fence where a receiver finds the ring closed and empty (`Ring::pop_impl`): the
    # actor loop can miss the SHUTDOWN flag set before the close and report `Released`.
    'close_acquire|loom_actor|shutdown_of_idle_actor_reports_shutdown|exit: Released'
    # The evicting sender claims its slot with a CAS that expects an open ring after it has
    # evicted (`Ring::force`, the old order): a close in between refuses the send and the
    # evicted message, accepted before the close, is lost.
    'close_evict|loom_close_evict|close_races_eviction|accepted message lost'
    # The receiver reports the end while an eviction that the close could not refuse is still
    # publishing into the slot it emptied (`Ring::pop_impl`'s end check).
    'evict_end|loom_close_evict|close_races_eviction|accepted message lost'
    # The reply slot's receiver ignores a send that completed before its waker was stored
    # (`OneshotReceiver::poll`): the asker waits for a wake-up that was never going to come.
    'reply_recheck|loom_actor|ask_answer_wakes_the_waiting_asker|deadlock'
    # The reply slot's receiver writes a new waker before withdrawing the old registration
    # (`OneshotReceiver::poll`): the answering side may be reading the cell meanwhile.
    'reply_swap|loom_actor|ask_repolled_with_a_new_waker_while_answered|Causality violation'
    # An answered reply slot is reset for reuse without `Arc::get_mut`'s check that the
    # answering side let go of it (`OneshotReceiver::recycle`): that side may still be reading
    # the waker cell the reset takes.
    'reply_reuse|loom_actor|ask_answer_wakes_the_waiting_asker|Causality violation|currently reading from cell'
    # A reused reply slot keeps the previous answer's state word (`Inner::reset`): the next
    # ask through it finds COMPLETE at once and takes the empty cell for its answer.
    'reply_reset|loom_actor|ask_twice_through_a_reused_slot|answered: NoReply'
    # A claim given up by an unwinding `poll_reserve` (the drop of its queued waker panicked)
    # is marked SKIP without waking the receiver (`GivenUpOnUnwind` in `Shared::poll_claim`).
    'unwind_wake|loom_poll_reserve|a_panicking_waker_drop_in_poll_reserve_still_wakes_the_receiver|deadlock'
    # The same for a plain `send().await`: its claim, given up on the unwind, is not held, but
    # the receiver may have parked on empty before it, and the slot stays full of SKIP.
    'unwind_wake|loom_abandoned|send_with_a_panicking_waker_under_a_timeout|deadlock'
    # A watcher of the actor's end (`Addr::stopped`) does not look at the flags again after
    # registering (`StopWatch::poll`): a loop that finishes in between wakes nobody.
    'stop_recheck|loom_actor|watchers_of_the_stop_are_woken_once|woken exactly once'
    # The loop's end reads the watchers' list length with no SeqCst fence after setting
    # FINISHED (`ActorShared::finish`): it and a registering watcher can miss each other.
    'stop_fence|loom_actor|watchers_of_the_stop_are_woken_once|woken exactly once'
    # The drain past a panicking destructor lets its guard go before the destructor runs
    # (`Shared::discard_queued`, and the ring's `drop_live`/`drop_values`): a panic ends the
    # drain, and what is queued behind the message is not dropped with the receiver.
    'drain_rest|loom_abandoned|receiver_dropped_with_a_panicking_message_queued|dropped by the drain past its panic'
    # The same in the ring's drop by the last handle (`drop_live`): the message behind the
    # panicking one is never dropped.
    'drain_rest|loom_abandoned|held_messages_go_with_the_last_handle_past_a_panic|every message must be dropped exactly once'
    # The timer's task polls its cancel with a waker that does nothing (`Cancel::sleep`): a
    # cancel never wakes a task parked in its sleep.
    'timer_wake|loom_timer|cancel_races_the_ticks_of_tell_every|deadlock'
    # `Timer::is_finished` reads the cancel slot's state Relaxed (`OneshotSender::is_canceled`):
    # "finished" does not carry the task's message queued before its end.
    'timer_finished|loom_timer|is_finished_means_the_message_is_queued|its message is not queued'
    # A registration never replaces a waker stored in the cell (`WakerCell::register`): a
    # receiver awaited from another task after a timeout is woken through the old task's waker.
    'stale_waker|loom_receiver_waker|receiver_awaited_from_another_task_after_a_timeout|deadlock'
    # The receiver's drop leaves its registration in the cell (`Receiver::drop`): the ended
    # task's waker stays there while senders live.
    'drop_keeps_waker|loom_receiver_waker|receiver_dropped_while_a_send_wakes_it|still held by the mailbox'
)

# The longest models: FILE::MODEL|SECONDS (their own timeout, in place of RYKER_LOOM_TIMEOUT
# when that is lower). They start first, so that the other models run beside them on the
# remaining jobs instead of after them. Today they take 15-25 s each on a quiet 2-vCPU machine
# and keep the default timeout, so the list only orders them; a model far longer than the
# rest would get a timeout of its own here (`shutdown_races_try_tell` had 900 s while it ran
# at preemption bound 3, 160-250 s, until 2026-12-07: see the model).
LONG_MODELS=(
    'loom_permit::reserve_races_reserve|300'
    'loom_actor::release_wakes_idle_loop|300'
    'loom_timer::cancel_races_a_tick_waiting_for_space|300'
    'loom_actor::shutdown_races_tell_blocking|300'
)

RESULTS=()  # "kind|model|result|seconds|interleavings"
FAILED=0

# loom 0.7.3 leaves a `dbg!` in `Notify::wait` (four lines on stderr per wait); drop those.
filter_loom_noise() {
    awk '/\/loom-[0-9.]+\/src\/rt\/notify\.rs:[0-9]+:[0-9]+\] \(state\.notified, spurious\) = \($/ { skip = 3; next }
         skip > 0 { skip--; next }
         { print }'
}

# build LOG: builds the loom test binaries with RUSTFLAGS="--cfg ryker_loom", copies them to
# $TARGET_DIR/suite, and prints "NAME<TAB>PATH" lines (the copies). The suite and every twin
# run these binaries; a twin only sets RYKER_LOOM_BROKEN for its run (`run_model`). Not an
# incremental build: the binaries run the long models, and an incremental release build cuts
# code into more, less optimised units.
build() {
    local log=$1
    printf '+ RUSTFLAGS=%q cargo test -p loom-tests --release --target-dir %s --no-run\n' \
        "--cfg ryker_loom" "$TARGET_DIR" >&2
    if ! CARGO_PROFILE_RELEASE_INCREMENTAL=false RUSTFLAGS="--cfg ryker_loom" \
        cargo test -p loom-tests --release --target-dir "$TARGET_DIR" --no-run \
        --message-format=json-render-diagnostics 2>"$log.stderr" >"$log"; then
        tail -n 40 "$log.stderr" >&2
        die "build failed; see $log.stderr"
    fi
    local bins
    bins=$(cargo_executables test <"$log") || die "no test executables in $log"
    local dir="$TARGET_DIR/suite" name exe
    rm -rf "$dir"
    mkdir -p "$dir"
    while IFS=$'\t' read -r name exe; do
        cp "$exe" "$dir/$name" || die "could not copy $exe to $dir"
        printf '%s\t%s\n' "$name" "$dir/$name"
    done <<<"$bins"
}

# long_timeout FILE::MODEL: the model's own timeout from LONG_MODELS, or nothing.
long_timeout() {
    local row
    for row in "${LONG_MODELS[@]}"; do
        [[ ${row%%|*} == "$1" ]] && {
            local own=${row#*|}
            echo $((own > TIMEOUT ? own : TIMEOUT))
            return
        }
    done
    return 0
}

# run_model EXE MODEL LOG [SECONDS] [TWIN]: runs one model in its own process, under the
# timeout SECONDS (default RYKER_LOOM_TIMEOUT), with the broken twin TWIN planted when it is
# not empty (never the caller's RYKER_LOOM_BROKEN: the suite runs with none); sets RC, ITERS
# and ELAPSED.
run_model() {
    local exe=$1 model=$2 log=$3 limit=${4:-$TIMEOUT} twin=${5:-} start
    start=$(date +%s%N)
    rm -f "$log.rc"
    # The exit status goes through a file: a model that loom fails often dies by SIGABRT (a
    # panic while a loom thread unwinds), which must not stop this script or the pipe.
    (
        ulimit -v "$MEM_KB"
        rc=0
        RYKER_LOOM_BROKEN=$twin RUST_BACKTRACE=0 timeout --foreground -k 5 "$limit" \
            "$exe" --exact "$model" --test-threads=1 --nocapture || rc=$?
        echo "$rc" >"$log.rc"
    ) 2>&1 | filter_loom_noise >"$log"
    RC=$(cat "$log.rc" 2>/dev/null || echo 255)
    ITERS=$(sed -n 's/.*loom: \([0-9]*\) interleavings.*/\1/p' "$log" | paste -sd+ -)
    ITERS=${ITERS:--}
    local tenths=$((($(date +%s%N) - start + 50000000) / 100000000))
    ELAPSED="$((tenths / 10)).$((tenths % 10))"
}

# Every run of this mode, as "KIND<TAB>NAME<TAB>EXE<TAB>MODEL<TAB>TWIN<TAB>PATTERN" lines in
# QUEUE: the suite's models (KIND `suite`, no twin; the longest first, LONG_MODELS) and the
# twins' runs (KIND `twin`), which `all` puts after the longest models.
QUEUE=()
queue_suite() {
    local bins=$1 name exe models ignored model
    local -a long=() rest=()
    while IFS=$'\t' read -r name exe; do
        [[ $name == loom_* ]] || continue
        models=$("$exe" --list --format=terse | sed -n 's/: test$//p')
        [[ -n $models ]] || die "$name lists no models"
        # An #[ignore]d model would be listed, run with --exact, and "pass" without running.
        ignored=$("$exe" --list --format=terse --ignored | sed -n 's/: test$//p')
        [[ -z $ignored ]] || die "$name has #[ignore]d models (not allowed, see the top of this script): $ignored"
        for model in $models; do
            [[ -z $FILTER || $model == *"$FILTER"* || $name == *"$FILTER"* ]] || continue
            if [[ -n $(long_timeout "$name::$model") ]]; then
                long+=("suite"$'\t'"$name"$'\t'"$exe"$'\t'"$model"$'\t'$'\t')
            else
                rest+=("suite"$'\t'"$name"$'\t'"$exe"$'\t'"$model"$'\t'$'\t')
            fi
        done
    done <<<"$bins"
    SUITE_LONG=("${long[@]}")
    SUITE_REST=("${rest[@]}")
}

# has_hook NAME: whether ryker-core has a `broken_twin!("NAME")` site.
has_hook() {
    grep -rqF "broken_twin!(\"$1\")" "$RYKER_ROOT/ryker-core/src"
}

queue_twins() {
    local bins=$1 twin broken bin model pattern exe
    TWIN_RUNS=()
    for twin in "${TWINS[@]}"; do
        # `read` leaves the rest of the line, `|`s included, in the last name: the pattern.
        IFS='|' read -r broken bin model pattern <<<"$twin"
        [[ -z $FILTER || $model == *"$FILTER"* || $broken == *"$FILTER"* ]] || continue
        if ! has_hook "$broken"; then
            FAILED=1
            TWIN_ROWS+=("twin:$broken|$bin::$model|FAIL (hook missing from ryker-core)|-|-")
            continue
        fi
        exe=$(awk -F '\t' -v n="$bin" '$1 == n { print $2 }' <<<"$bins")
        [[ -n $exe ]] || die "no test binary $bin in the build (twin '$broken')"
        TWIN_RUNS+=("twin"$'\t'"$bin"$'\t'"$exe"$'\t'"$model"$'\t'"$broken"$'\t'"$pattern")
    done
}

# run_queue: runs QUEUE, JOBS at a time, each run in a subshell that leaves its outcome in
# "$log.outcome" (RC, seconds, interleavings); then reads the outcomes back in the queue's
# order into RESULTS (the suite's rows, then the twins').
run_queue() {
    note "${#QUEUE[@]} runs, $JOBS at a time"
    local entry kind name exe model twin pattern log running=0
    for entry in "${QUEUE[@]}"; do
        IFS=$'\t' read -r kind name exe model twin pattern <<<"$entry"
        log=$(run_log "$kind" "$name" "$model" "$twin")
        rm -f "$log.outcome"
        note "start $kind ${twin:+$twin }$name::$model"
        (
            if [[ $kind == suite ]]; then
                run_model "$exe" "$model" "$log" "$(long_timeout "$name::$model")"
            else
                run_model "$exe" "$model" "$log" "" "$twin"
            fi
            echo "$RC $ELAPSED $ITERS" >"$log.outcome"
        ) &
        running=$((running + 1))
        if ((running >= JOBS)); then
            wait -n || true
            running=$((running - 1))
        fi
    done
    wait || true
    local -a suite_rows=()
    for entry in "${QUEUE[@]}"; do
        IFS=$'\t' read -r kind name exe model twin pattern <<<"$entry"
        log=$(run_log "$kind" "$name" "$model" "$twin")
        local rc=255 secs=- iters=- result limit
        [[ -f $log.outcome ]] && read -r rc secs iters <"$log.outcome"
        if [[ $kind == suite ]]; then
            result=pass
            limit=$(long_timeout "$name::$model")
            if ((rc == 124 || rc == 137)); then
                result="FAIL (timeout ${limit:-$TIMEOUT}s)"
            elif ((rc != 0)); then
                result="FAIL (exit $rc)"
            fi
            note "$name::$model: $result in ${secs}s"
            if [[ $result != pass ]]; then
                FAILED=1
                grep -aE -m3 'panicked|deadlock|Causality|violation|assert|Model exceeded' "$log" | sed 's/^/   | /' || true
                note "log: $log"
            fi
            suite_rows+=("suite|$name::$model|$result|$secs|$iters")
            continue
        fi
        section "broken twin '$twin': $name::$model must fail with /$pattern/"
        if ((rc == 0)); then
            result="FAIL (twin passed: loom missed the planted bug)"
        elif ((rc == 124 || rc == 137)); then
            result="FAIL (timeout ${TIMEOUT}s before loom found the bug)"
        elif grep -aqE "$pattern" "$log"; then
            result="caught: $(grep -aoE -m1 "$pattern" "$log" | head -n 1)"
            grep -aE -m1 "$pattern" "$log" | cut -c1-200 | sed 's/^/   | /'
        else
            result="FAIL (exit $rc without /$pattern/)"
        fi
        [[ $result == caught* ]] || {
            FAILED=1
            tail -n 20 "$log" | sed 's/^/   | /'
        }
        note "$result in ${secs}s"
        TWIN_ROWS+=("twin:$twin|$name::$model|$result|$secs|$iters")
    done
    RESULTS+=("${suite_rows[@]}" "${TWIN_ROWS[@]}")
}

# run_log KIND NAME MODEL TWIN: the log file of one run.
run_log() {
    if [[ $1 == suite ]]; then
        echo "$LOG_DIR/$2-$3.log"
    else
        echo "$LOG_DIR/twin-$4-$3.log"
    fi
}

summary() {
    section "loom summary"
    printf '%-22s %-66s %8s %13s  %s\n' kind model seconds interleavings result
    local row kind model result secs iters
    for row in "${RESULTS[@]}"; do
        IFS='|' read -r kind model result secs iters <<<"$row"
        printf '%-22s %-66s %8s %13s  %s\n' "$kind" "$model" "$secs" "$iters" "$result"
    done
}

start=$SECONDS
case $MODE in
all | suite | twins) ;;
*) die "unknown mode '$MODE' (all | suite | twins)" ;;
esac
section "loom: build (RUSTFLAGS=--cfg ryker_loom)"
BINS=$(build "$LOG_DIR/build.json")
SUITE_LONG=() SUITE_REST=() TWIN_RUNS=() TWIN_ROWS=()
[[ $MODE == twins ]] || queue_suite "$BINS"
[[ $MODE == suite ]] || queue_twins "$BINS"
QUEUE=("${SUITE_LONG[@]}" "${TWIN_RUNS[@]}" "${SUITE_REST[@]}")
run_queue
summary
note "total $((SECONDS - start))s"
# A filter that matches nothing would otherwise end in "every broken twin caught" having run
# none (the filter is a plain substring of a model's, file's or twin's name, not a pattern).
((${#RESULTS[@]} > 0)) || die "loom: nothing ran (RYKER_LOOM_FILTER='$FILTER' matches no model or twin)"
((FAILED == 0)) || die "loom: some models failed or some twins were not caught (table above)"
case $MODE in
all) section "loom: suite passed, every broken twin caught" ;;
suite) section "loom: suite passed" ;;
twins) section "loom: every broken twin caught" ;;
esac
