//! OS threads: evidence that an interleaving happens on this machine, and
//! how often.

use std::sync::{Arc, Barrier};
use std::time::Instant;

use super::aggregate::Aggregate;
use super::runtime::StdRuntime;
use super::world::{Options, execute};
use crate::error::{Error, ErrorKind};
use crate::model::Scenario;
use crate::results::{Completion, Exploration};

/// How to run a scenario on OS threads.
///
/// Plain threads rarely interleave at the seed's sizes (a thread often runs
/// to its end before the next starts); a start barrier and a yield after
/// every operation make interleavings likely. The report says which were used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct ThreadsConfig {
    /// How many executions; default 1,000.
    pub runs: usize,
    /// Start every thread's first step together; default on.
    pub barrier: bool,
    /// Yield after every operation; default on.
    pub yields: bool,
    /// Stop starting runs after this long; default none.
    pub time_limit: Option<std::time::Duration>,
    /// Stop a run after this many steps; default 1,000,000. A stopped run
    /// counts for nothing and is noted; without the bound, a thread that
    /// loops for ever (a spin on a flag nobody sets) would hang the run.
    pub max_steps: usize,
    /// Called with how many runs are done about every 100 ms, and once at
    /// the end; default none.
    pub progress: Option<crate::results::ProgressHook>,
    /// Run only this shard's share of the runs; default none.
    pub shard: Option<super::config::Shard>,
    /// When raised, no more runs start; default none.
    pub interrupt: Option<crate::results::Interrupt>,
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        ThreadsConfig {
            runs: 1_000,
            barrier: true,
            yields: true,
            time_limit: None,
            max_steps: 1_000_000,
            progress: None,
            shard: None,
            interrupt: None,
        }
    }
}

impl ThreadsConfig {
    /// Sets [`runs`](Self::runs).
    ///
    /// ```
    /// use interleave::backend::ThreadsConfig;
    /// let config = ThreadsConfig::default().runs(200).yields(false);
    /// assert!(config.barrier && !config.yields);
    /// ```
    pub fn runs(mut self, n: usize) -> Self {
        self.runs = n;
        self
    }
    /// Sets [`barrier`](Self::barrier).
    pub fn barrier(mut self, on: bool) -> Self {
        self.barrier = on;
        self
    }
    /// Sets [`yields`](Self::yields).
    pub fn yields(mut self, on: bool) -> Self {
        self.yields = on;
        self
    }
    /// Sets [`time_limit`](Self::time_limit).
    pub fn time_limit(mut self, limit: std::time::Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }
    /// Sets [`max_steps`](Self::max_steps).
    pub fn max_steps(mut self, n: usize) -> Self {
        self.max_steps = n;
        self
    }
}

/// Runs `scenario` `config.runs` times on OS threads.
pub fn run_threads(scenario: &Scenario, config: &ThreadsConfig) -> Result<Exploration, Error> {
    super::world::check_max_steps(config.max_steps)?;
    if config.runs == 0 {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            "--runs: must be at least 1",
        ));
    }
    let started = Instant::now();
    let scenario = Arc::new(scenario.clone());
    let planned = config.shard.map_or(config.runs, |s| s.share(config.runs));
    let mut aggregate = Aggregate::new(&scenario);
    aggregate.watch(config.progress.as_ref(), Some(planned as u64));
    let mut runs = 0;
    let interrupted = || config.interrupt.as_ref().is_some_and(|i| i.is_raised());
    while runs < planned
        && config.time_limit.is_none_or(|t| started.elapsed() < t)
        && !interrupted()
    {
        runs += 1;
        let options = Options {
            yields: config.yields,
            start: config
                .barrier
                .then(|| Arc::new(Barrier::new(scenario.thread_count()))),
            max_steps: Some(config.max_steps),
            deadline: config.time_limit.map(|limit| started + limit),
            ..Options::default()
        };
        aggregate.add(execute::<StdRuntime>(&scenario, &options));
    }
    let provocation = match (config.barrier, config.yields) {
        (true, true) => "a start barrier and a yield after every operation",
        (true, false) => "a start barrier, no yields",
        (false, true) => "a yield after every operation, no start barrier",
        (false, false) => "plain threads (no start barrier, no yields)",
    };
    let mut notes = vec![format!(
        "{} runs on OS threads with {provocation}",
        config.runs
    )];
    let completion = aggregate.stopped_at(config.max_steps, Completion::Sampled, &mut notes);
    Ok(aggregate.finish(completion, started.elapsed(), notes))
}
