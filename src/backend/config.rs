//! The settings of the shuttle and loom backends: plain data, there
//! whether or not the crate is built with the `shuttle` and `loom`
//! features, so that `Backends` and the command line look the same.

use std::time::Duration;

use crate::results::Stop;
use crate::results::{Interrupt, ProgressHook};

/// Which shuttle scheduler picks the interleavings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShuttleScheduler {
    /// Uniformly random choice at every step.
    Random,
    /// Probabilistic concurrency testing with this bug depth: each execution
    /// finds a given bug of depth d with probability at least 1/(n k^(d-1))
    /// for n threads and k decisions (steps where two or more threads can
    /// move), as [`Sampler::Pct`](crate::Sampler::Pct) describes and
    /// [`ExploreConfig::odds`](crate::ExploreConfig::odds) counts.
    Pct {
        /// The bug depth d (at least 1).
        depth: usize,
    },
    /// Depth-first enumeration of schedules (exhaustive when it finishes
    /// within the iteration budget).
    Dfs,
}

/// One of `count` shards of a sampling run (`index` from 0): it runs the
/// executions whose number `i` (from 0) has `i % count == index`, so the
/// shards together run exactly the executions of one unsharded run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: usize,
    /// How many shards there are (at least 1).
    pub count: usize,
}

impl Shard {
    /// How many of `total` executions this shard runs.
    pub fn share(self, total: usize) -> usize {
        total / self.count + usize::from(self.index < total % self.count)
    }
}

/// How to run a scenario on shuttle.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct ShuttleConfig {
    /// The scheduler; default PCT with depth 3.
    pub scheduler: ShuttleScheduler,
    /// How many executions at most; default 1,000.
    pub iterations: usize,
    /// Seed of the random and PCT schedulers; default 0. The same seed gives
    /// the same executions.
    pub seed: u64,
    /// Stop starting executions after this long; default none.
    pub time_limit: Option<std::time::Duration>,
    /// Stop an execution after this many steps; default 1,000,000 (the
    /// explorer's default depth). A stopped execution counts for nothing
    /// and is noted: it is how a thread that loops for ever (a spin on a
    /// flag that the scheduler never lets another thread set) ends, where
    /// shuttle itself would panic.
    pub max_steps: usize,
    /// When to stop starting executions before `iterations` have run;
    /// default [`Stop::Exhaust`], never.
    pub stop: Stop,
    /// Called with how many executions have run about every 100 ms, and
    /// once at the end; default none.
    pub progress: Option<ProgressHook>,
    /// Run only this shard of the executions (the random scheduler; each
    /// execution's seed depends on the run's seed and its number alone);
    /// default none.
    pub shard: Option<Shard>,
    /// When raised, no more executions start; default none.
    pub interrupt: Option<Interrupt>,
}

impl Default for ShuttleConfig {
    fn default() -> Self {
        ShuttleConfig {
            scheduler: ShuttleScheduler::Pct { depth: 3 },
            iterations: 1_000,
            seed: 0,
            time_limit: None,
            max_steps: 1_000_000,
            stop: Stop::Exhaust,
            progress: None,
            shard: None,
            interrupt: None,
        }
    }
}

impl ShuttleConfig {
    /// PCT with bug depth `depth`, the other settings at their defaults.
    ///
    /// ```
    /// use interleave::backend::ShuttleConfig;
    /// let config = ShuttleConfig::pct(2).iterations(500).seed(7);
    /// assert_eq!(config.iterations, 500);
    /// ```
    pub fn pct(depth: usize) -> Self {
        Self::default().scheduler(ShuttleScheduler::Pct { depth })
    }
    /// The random scheduler, the other settings at their defaults.
    pub fn random() -> Self {
        Self::default().scheduler(ShuttleScheduler::Random)
    }
    /// Depth-first enumeration, the other settings at their defaults.
    pub fn dfs() -> Self {
        Self::default().scheduler(ShuttleScheduler::Dfs)
    }
    /// Sets [`scheduler`](Self::scheduler).
    pub fn scheduler(mut self, scheduler: ShuttleScheduler) -> Self {
        self.scheduler = scheduler;
        self
    }
    /// Sets [`iterations`](Self::iterations).
    pub fn iterations(mut self, n: usize) -> Self {
        self.iterations = n;
        self
    }
    /// Sets [`seed`](Self::seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
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
    /// Sets [`stop`](Self::stop).
    pub fn stop(mut self, stop: Stop) -> Self {
        self.stop = stop;
        self
    }
}

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
    /// Called with how many executions have run about every 100 ms, and
    /// once at the end; default none.
    pub progress: Option<ProgressHook>,
}

impl Default for LoomConfig {
    fn default() -> Self {
        LoomConfig {
            preemption_bound: None,
            time_limit: Some(Duration::from_secs(30)),
            max_steps: LOOM_MAX_STEPS,
            stop: Stop::Exhaust,
            progress: None,
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

/// The largest preemption bound loom takes (it counts them in 8 bits).
pub const MAX_PREEMPTION_BOUND: usize = 255;
