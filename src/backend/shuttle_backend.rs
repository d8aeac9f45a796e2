//! shuttle: randomized (random, PCT) and exhaustive (DFS) scheduling of the
//! scenario's threads as shuttle threads.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};
use shuttle::{Config, Runner};

use super::aggregate::Aggregate;
use super::runtime::ShuttleRuntime;
use super::world::{Options, execute};
use crate::error::{Error, ErrorKind};
use crate::explore::{Completion, Exploration};
use crate::model::Scenario;

/// Which shuttle scheduler picks the interleavings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShuttleScheduler {
    /// Uniformly random choice at every step.
    Random,
    /// Probabilistic concurrency testing with this bug depth: each execution
    /// finds a given bug of depth d with probability at least 1/(n k^(d-1))
    /// for n threads and k steps.
    Pct {
        /// The bug depth d (at least 1).
        depth: usize,
    },
    /// Depth-first enumeration of schedules (exhaustive when it finishes
    /// within the iteration budget).
    Dfs,
}

/// How to run a scenario on shuttle.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShuttleConfig {
    /// The scheduler; default PCT with depth 3.
    pub scheduler: ShuttleScheduler,
    /// How many executions at most; default 1,000.
    pub iterations: usize,
    /// Seed of the random and PCT schedulers; default 0. The same seed gives
    /// the same executions.
    pub seed: u64,
}

impl Default for ShuttleConfig {
    fn default() -> Self {
        ShuttleConfig {
            scheduler: ShuttleScheduler::Pct { depth: 3 },
            iterations: 1_000,
            seed: 0,
        }
    }
}

/// Runs `scenario` under shuttle.
pub fn run_shuttle(scenario: &Scenario, config: &ShuttleConfig) -> Result<Exploration, Error> {
    if config.iterations == 0 {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            "--iterations: must be at least 1",
        ));
    }
    if let ShuttleScheduler::Pct { depth: 0 } = config.scheduler {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            "--pct-depth: must be at least 1 (depth 1 finds bugs that need no preemption)",
        ));
    }
    // shuttle lets this variable override any seed given in code, and
    // panics on a malformed one: check it, and say when it is in force.
    let mut seed = config.seed;
    let mut notes = Vec::new();
    if let Ok(value) = std::env::var("SHUTTLE_RANDOM_SEED") {
        seed = value.parse().map_err(|_| {
            Error::new(
                ErrorKind::InvalidLimit,
                format!("SHUTTLE_RANDOM_SEED={value:?} is not a 64-bit seed, and shuttle would panic on it; unset it or fix it"),
            )
        })?;
        if config.scheduler != ShuttleScheduler::Dfs {
            notes.push(format!(
                "SHUTTLE_RANDOM_SEED={seed} is set and overrides the seed {}",
                config.seed
            ));
        }
    }
    let started = Instant::now();
    let scenario = Arc::new(scenario.clone());
    let aggregate = Arc::new(Mutex::new(Aggregate::new(&scenario)));
    let body = {
        let scenario = scenario.clone();
        let aggregate = aggregate.clone();
        move || {
            let execution = execute::<ShuttleRuntime>(&scenario, &Options::default());
            aggregate
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(execution);
        }
    };
    let mut shuttle_config = Config::new();
    shuttle_config.silence_warnings = true;
    let n = config.iterations;
    let scheduler: Box<dyn Scheduler + Send> = match config.scheduler {
        ShuttleScheduler::Random => Box::new(RandomScheduler::new_from_seed(config.seed, n)),
        ShuttleScheduler::Pct { depth } => {
            Box::new(PctScheduler::new_from_seed(config.seed, depth, n))
        }
        ShuttleScheduler::Dfs => Box::new(DfsScheduler::new(Some(n), false)),
    };
    let runs = Runner::new(scheduler, shuttle_config).run(body);
    let aggregate = Arc::try_unwrap(aggregate)
        .ok()
        .expect("shuttle has finished every execution")
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    // DFS that ran fewer executions than its budget enumerated them all.
    let completion = if config.scheduler == ShuttleScheduler::Dfs && runs < n {
        Completion::Exhaustive
    } else {
        Completion::Sampled
    };
    notes.push(match config.scheduler {
        ShuttleScheduler::Random => format!("shuttle random scheduler, seed {seed}, {runs} executions"),
        ShuttleScheduler::Pct { depth } => format!(
            "shuttle PCT scheduler, depth {depth}, seed {seed}, {runs} executions: each finds a given depth-{depth} bug with probability at least 1/(n k^{}) for n threads and k steps",
            depth - 1
        ),
        ShuttleScheduler::Dfs => format!("shuttle DFS scheduler, {runs} executions"),
    });
    Ok(aggregate.finish(completion, started.elapsed(), notes))
}
