//! loom: exhaustive exploration of the scenario's threads as loom threads,
//! optionally bounded in preemptions.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::aggregate::Aggregate;
use super::config::{LOOM_MAX_STEPS, LOOM_MAX_THREADS, LoomConfig, MAX_PREEMPTION_BOUND};
use super::policy::{LearnsFromConflicts, Policy};
use super::runtime::LoomRuntime;
use super::world::{Options, TIME_UP, execute};
use crate::error::{Error, ErrorKind};
use crate::model::machine::guarded;
use crate::model::{Scenario, Scope};
use crate::results::Property;
use crate::results::{Bound, Completion, Exploration};
use crate::sim::Sim;

/// The payload that ends a loom search once [`LoomConfig::stop`] is
/// satisfied: loom has no other way to end a search early.
const STOPPED: &str = "interleave: every counterexample asked for was found";

/// Environment variables that loom's `Builder::new()` reads (and panics on
/// when malformed); every field is set explicitly afterwards, so they
/// change nothing, but a malformed one must be reported, not crash.
const LOOM_VARIABLES: [&str; 6] = [
    "LOOM_CHECKPOINT_INTERVAL",
    "LOOM_MAX_BRANCHES",
    "LOOM_MAX_DURATION",
    "LOOM_MAX_PERMUTATIONS",
    "LOOM_MAX_PREEMPTIONS",
    "LOOM_CHECKPOINT_FILE",
];

/// Runs `scenario` under loom. A scenario with more threads than loom
/// supports is an [`ErrorKind::Unsupported`] error: report it as skipped.
pub fn run_loom(scenario: &Scenario, config: &LoomConfig) -> Result<Exploration, Error> {
    if scenario.thread_count() > LOOM_MAX_THREADS {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "`{}` has {} threads; loom runs at most {LOOM_MAX_THREADS}",
                scenario.name(),
                scenario.thread_count()
            ),
        ));
    }
    super::world::check_max_steps(config.max_steps)?;
    if let Some(bound) = config
        .preemption_bound
        .filter(|&b| b > MAX_PREEMPTION_BOUND)
    {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            format!(
                "--preemption-bound: {bound} is more than {MAX_PREEMPTION_BOUND}, the most loom counts; leave it out to explore every execution"
            ),
        ));
    }
    if config.max_steps > LOOM_MAX_STEPS {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            format!(
                "--max-depth: loom follows executions of at most {LOOM_MAX_STEPS} steps (it numbers each thread's operations in 16 bits), not {}; give loom a smaller bound",
                config.max_steps
            ),
        ));
    }
    for var in LOOM_VARIABLES {
        if let Ok(value) = std::env::var(var)
            && var != "LOOM_CHECKPOINT_FILE"
            && value.parse::<u64>().is_err()
        {
            return Err(Error::new(
                ErrorKind::InvalidLimit,
                format!("{var}={value:?} is not a number, and loom would panic on it; unset it"),
            ));
        }
    }
    let started = Instant::now();
    let scenario = Arc::new(scenario.clone());
    // Two things are learnt by running, each time starting loom again:
    // which words the `Always` invariants read (start from what they read
    // in the initial state; see `Options::observed`), and whether loads and
    // stores may skip their scheduling points (yes until a run shows a data
    // race; see `Options::free_accesses`). Only the last run, which learnt
    // nothing, counts.
    let mut observed = scenario
        .has_always_invariant()
        .then(|| initial_reads(&scenario));
    let mut free_accesses = true;
    let mut runs = 0;
    // loom ends early only at its time limit, and does not say so: judge by
    // the clock (a run that finished just at the limit is reported bounded).
    let out_of_time = || {
        config
            .time_limit
            .is_some_and(|limit| started.elapsed() >= limit)
    };
    // The last run, whether it saw a race, and whether its invariants read
    // words it did not know (both only possible when time ran out).
    let (aggregate, racy, unlearnt, stopped) = loop {
        runs += 1;
        let remaining = config
            .time_limit
            .map(|limit| limit.saturating_sub(started.elapsed()));
        let mut fresh = Aggregate::new(&scenario);
        fresh.watch(config.progress.as_ref(), None);
        let aggregate = Arc::new(Mutex::new(fresh));
        let unobserved = Arc::new(Mutex::new(Vec::<u32>::new()));
        let race_seen = free_accesses.then(|| Arc::new(AtomicBool::new(false)));
        let options = Options {
            observed: observed.clone().map(Arc::new),
            free_accesses: race_seen.clone(),
            max_steps: Some(config.max_steps),
            // An execution past the limit ends the search where it is.
            deadline: config.time_limit.map(|limit| started + limit),
            unwind_at_deadline: true,
            ..Options::default()
        };
        let body = {
            let scenario = scenario.clone();
            let aggregate = aggregate.clone();
            let unobserved = unobserved.clone();
            let stop = config.stop.clone();
            move || {
                if stop.satisfied_by(aggregate.lock().unwrap_or_else(|e| e.into_inner()).found()) {
                    std::panic::panic_any(STOPPED);
                }
                let execution = execute::<LoomRuntime>(&scenario, &options);
                if !execution.unobserved.is_empty() {
                    let mut words = unobserved.lock().unwrap_or_else(|e| e.into_inner());
                    words.extend_from_slice(&execution.unobserved);
                }
                aggregate
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .add(execution);
            }
        };
        let stopped = check(body, config, remaining)?;
        let aggregate = Aggregate::take(aggregate);
        let mut unobserved =
            std::mem::take(&mut *unobserved.lock().unwrap_or_else(|e| e.into_inner()));
        let timed_out = out_of_time();
        let racy = race_seen.is_some_and(|a| a.load(Ordering::Relaxed))
            || aggregate.has_finding(&Property::NoDataRace);
        // What was found stands whichever run found it; only a run that
        // is to decide what holds must know everything.
        if stopped {
            break (aggregate, racy, false, true);
        }
        if timed_out {
            break (aggregate, racy, !unobserved.is_empty(), false);
        }
        if free_accesses && racy {
            free_accesses = false;
            continue;
        }
        match &mut observed {
            Some(words) if !unobserved.is_empty() => {
                words.append(&mut unobserved);
                words.sort_unstable();
                words.dedup();
            }
            _ => break (aggregate, racy, false, false),
        }
    };
    let timed_out = out_of_time();
    let completion = match (stopped, timed_out, config.preemption_bound) {
        (true, ..) => Completion::Stopped,
        (false, true, _) => Completion::Bounded(Bound::Time),
        (false, false, None) => Completion::Exhaustive,
        (false, false, Some(_)) => Completion::Bounded(Bound::Preemptions),
    };
    let mut notes = vec![match (stopped, config.preemption_bound) {
        (true, _) => "loom: stopped once every counterexample asked for was found".to_string(),
        (false, None) => {
            "loom: every execution of the operations (no preemption bound)".to_string()
        }
        (false, Some(b)) => format!("loom: every execution with at most {b} preemptions"),
    }];
    notes.push(
        match (free_accesses, racy) {
            (true, false) if timed_out || stopped => {
                "loom: loads and stores were not scheduling points; no data race showed in the executions run before time ran out"
            }
            (true, false) => {
                "loom: loads and stores were not scheduling points (no data race: every two conflicting accesses are ordered by a mutex or a wait group)"
            }
            (true, true) => {
                "loom: loads and stores were not scheduling points, and a data race showed; time ran out before a run with every access a scheduling point, so orders of the racing accesses may be missing"
            }
            (false, _) => "loom: every load and store was a scheduling point",
        }
        .to_string(),
    );
    let native: Vec<&str> = LearnsFromConflicts::native_mutexes(&scenario)
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n)
        .map(|(m, _)| scenario.names().mutexes[m].as_str())
        .collect();
    if !native.is_empty() {
        notes.push(format!(
            "loom: {} `{}` {} loom's own mutex from Lock to Unlock (only loads and stores inside every critical section)",
            if native.len() == 1 { "mutex" } else { "mutexes" },
            native.join("`, `"),
            if native.len() == 1 { "was" } else { "were" },
        ));
    }
    if unlearnt {
        notes.push(
            "loom: the invariants read words the last run did not yet order; time ran out before a run that knew them, so states between such steps may be missing"
                .to_string(),
        );
    }
    if runs > 1 {
        notes.push(format!(
            "loom: ran {runs} times, learning what the invariants read and whether accesses race; the last run counts"
        ));
    }
    let completion = aggregate.stopped_at(config.max_steps, completion, &mut notes);
    let completion = aggregate.unexplored_choices(completion, &mut notes);
    Ok(aggregate.finish(completion, started.elapsed(), notes))
}

/// The words the scenario's `Always` invariants read in its initial state.
fn initial_reads(scenario: &Scenario) -> Vec<u32> {
    let sim = Sim::tracking_reads(scenario);
    let mut words = Vec::new();
    if let Ok(state) = sim.initial() {
        let _ = sim.failing_invariants(&state, Scope::Always);
        sim.take_always_reads(&mut words);
    }
    words.sort_unstable();
    words.dedup();
    words
}

/// Runs `body` under loom's exhaustive checker, for at most `max_duration`;
/// true when the body ended the search early (see [`STOPPED`]).
fn check(
    body: impl Fn() + Send + Sync + 'static,
    config: &LoomConfig,
    max_duration: Option<Duration>,
) -> Result<bool, Error> {
    let mut builder = loom::model::Builder::new();
    builder.max_threads = LOOM_MAX_THREADS;
    // A step takes few locks (its own, the observer's, a native mutex's;
    // every one only in a failing step, which ends the execution), so the
    // interpreter's own step bound comes first and ends the execution
    // where loom would panic.
    builder.max_branches = config.max_steps.saturating_mul(4).max(1_000);
    builder.max_duration = max_duration;
    builder.max_permutations = None;
    builder.preemption_bound = config.preemption_bound;
    builder.checkpoint_file = None;
    // loom looks at the clock (and at `max_permutations`) only before
    // execution k * `checkpoint_interval` + 1 (counting from 1): at 100,000,
    // a 5 s limit on a scenario of 1 ms executions ran 105 s. At 1 it would
    // look before the first execution and might run none; at 2 every run
    // makes at least one execution and overruns by at most two.
    builder.checkpoint_interval = 2;
    builder.expect_explicit_explore = false;
    builder.location = false;
    builder.log = false;
    // loom panics when a model is too big for it; that is a skip, not a crash.
    match guarded(|| builder.check(body)) {
        Ok(()) => Ok(false),
        Err(fault) if fault.message == STOPPED => Ok(true),
        Err(fault) if fault.message == TIME_UP => Ok(false),
        Err(fault) => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "loom stopped: {}; try smaller parameters or a preemption bound",
                fault.message
            ),
        )),
    }
}
