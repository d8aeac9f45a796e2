//! loom: exhaustive exploration of the scenario's threads as loom threads,
//! optionally bounded in preemptions.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::aggregate::Aggregate;
use super::policy::{LearnsFromConflicts, Policy};
use super::runtime::LoomRuntime;
use super::world::{Options, TIME_UP, execute};
use crate::error::{Error, ErrorKind};
use crate::model::machine::guarded;
use crate::model::{Scenario, Scope};
use crate::results::Property;
use crate::results::{Bound, Completion, Exploration, Stop};
use crate::sim::Sim;

/// The most scenario threads loom can run (its own limit, main thread included).
pub const LOOM_MAX_THREADS: usize = 5;

/// The most steps of one execution on loom. loom numbers each thread's
/// operations in 16 bits for its partial-order reduction (past 65,535 a
/// debug build panics and a release build wraps, and would then miss
/// orders), and one step of the interpreter takes up to eight operations
/// of loom (its resource's lock and unlock, the observer's, and unparking
/// the threads it wakes).
pub const LOOM_MAX_STEPS: usize = 8_000;

/// How to run a scenario on loom.
///
/// loom enumerates executions without recognising states it has seen, and
/// every operation of the interpreter is one step under one mutex, so the
/// number of executions grows fast with the scenario: keep scenarios tiny,
/// or bound the preemptions or the time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct LoomConfig {
    /// Explore only executions with at most this many preemptions; default
    /// none (exhaustive).
    pub preemption_bound: Option<usize>,
    /// Stop after this long; the result is then bounded, not exhaustive.
    /// Default 30 s.
    pub time_limit: Option<Duration>,
    /// Stop an execution after this many steps; default and most
    /// [`LOOM_MAX_STEPS`]. loom tries every order of every execution up to
    /// this length, so a thread that loops for ever (a spin on a flag)
    /// makes its search endless: the result is then bounded by depth (or
    /// by time), not exhaustive.
    pub max_steps: usize,
    /// When to end the search before it is exhaustive; default
    /// [`Stop::Exhaust`], never. A stopped search decides nothing that
    /// holds.
    pub stop: Stop,
}

impl Default for LoomConfig {
    fn default() -> Self {
        LoomConfig {
            preemption_bound: None,
            time_limit: Some(Duration::from_secs(30)),
            max_steps: LOOM_MAX_STEPS,
            stop: Stop::Exhaust,
        }
    }
}

impl LoomConfig {
    /// Sets [`preemption_bound`](Self::preemption_bound).
    ///
    /// ```
    /// use interleave::backend::LoomConfig;
    /// let config = LoomConfig::default().preemption_bound(2).no_time_limit();
    /// assert_eq!(config.time_limit, None);
    /// ```
    pub fn preemption_bound(mut self, bound: usize) -> Self {
        self.preemption_bound = Some(bound);
        self
    }
    /// Sets [`time_limit`](Self::time_limit).
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }
    /// Runs without a time limit (loom's default here is 30 s).
    pub fn no_time_limit(mut self) -> Self {
        self.time_limit = None;
        self
    }
    /// Sets [`max_steps`](Self::max_steps).
    pub fn max_steps(mut self, n: usize) -> Self {
        self.max_steps = n;
        self
    }
    /// Sets [`stop`](Self::stop).
    pub fn stop(mut self, stop: Stop) -> Self {
        self.stop = stop;
        self
    }
}

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

/// The largest preemption bound loom takes (it counts them in 8 bits).
pub const MAX_PREEMPTION_BOUND: usize = 255;

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
        let aggregate = Arc::new(Mutex::new(Aggregate::new(&scenario)));
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
        let _ = sim.failing_invariant(&state, Scope::Always);
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
