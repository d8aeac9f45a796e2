//! Search limits and when to stop.

use std::time::Duration;

use crate::results::{Interrupt, ProgressHook, Stop};

/// Limits and options of the built-in explorer.
///
/// ```
/// use interleave::ExploreConfig;
/// let config = ExploreConfig::default().max_states(1_000_000).reduction(false);
/// assert_eq!(config.max_states, 1_000_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct ExploreConfig {
    /// Most distinct states stored; default 200,000,000 (about 5 GiB at the
    /// seed's state size). The explorer numbers at most 2,147,483,647: a
    /// larger limit ends the search there, as bounded by states.
    pub max_states: usize,
    /// Most steps on one execution; default 1,000,000.
    pub max_steps: usize,
    /// Wall-clock limit; default none.
    pub time_limit: Option<Duration>,
    /// Most bytes the visited set (states, their index and hash table,
    /// parents, choices and depths, counting room reserved ahead and the
    /// hash table's next growth) may take; default half the machine's
    /// memory (from `/proc/meminfo`; 4 GiB where that cannot be read). A
    /// search that reaches it ends, bounded, before the process could run
    /// out of memory, however wide its states.
    pub max_memory: u64,
    /// Follow chains of states with a single enabled thread without storing
    /// them; default on. Off, every reachable state is stored, and
    /// counterexamples are shortest in steps.
    pub reduction: bool,
    /// When to stop early; default at the first violation.
    pub stop: Stop,
    /// Threads that expand states, besides the one that stores them;
    /// default: one per core the machine reports (0 means none beyond
    /// it). The result is the same for every number of threads: states
    /// are numbered, checked and recorded in the same order.
    pub threads: usize,
    /// States waiting to be expanded before the threads are started;
    /// default 4,096, below which starting them costs more than it saves.
    pub parallel_from: usize,
    /// Called with the search's [`Progress`](crate::Progress) about every 100 ms while it
    /// runs, and once when it ends; default none.
    pub progress: Option<ProgressHook>,
    /// After the search, look for each violated property's counterexample
    /// with the fewest preemptions (then steps), within this many stored
    /// nodes (each a state, a few hundred bytes); default 0, off. A
    /// counterexample found so is marked
    /// [`fewest_preemptions`](crate::Counterexample::fewest_preemptions).
    pub fewest_preemptions: usize,
    /// When raised, the search ends (checked with the time limit), bounded
    /// by [`Bound::Interrupted`](crate::Bound::Interrupted); default none.
    pub interrupt: Option<Interrupt>,
    /// Estimate how many states the search will store, by random probes
    /// before it (at most about 150 ms), refined while it runs: in
    /// [`Progress::estimated_states`](crate::Progress::estimated_states) and
    /// [`Stats::estimated_states`](crate::Stats::estimated_states); default
    /// off.
    pub estimate: bool,
    /// After an exhaustive search, compute for each violated property the
    /// exact probability that one execution of a uniformly random scheduler
    /// (each thread that can move equally likely at every step) breaks it,
    /// and PCT's of depth [`pct_depth`](Self::pct_depth)
    /// ([`Exploration::odds`](crate::Exploration::odds)), over the
    /// unreduced state graph of at most [`ODDS_NODES`](Self::ODDS_NODES)
    /// states; default off.
    pub odds: bool,
    /// The PCT depth whose odds [`odds`](Self::odds) computes (0: none);
    /// default 3, shuttle's PCT default here.
    pub pct_depth: usize,
    /// Hash compaction: keep a 64-bit fingerprint of each visited state
    /// instead of the state, and a state's words only until it has been
    /// expanded. It takes a fraction of the memory, but a new state whose
    /// fingerprint equals a stored one's is taken for it, and what lies
    /// beyond it is missed: the result says how likely that was
    /// ([`Exploration::collision_probability`](crate::Exploration::collision_probability)).
    /// `terminates` is not decided (finding a cycle needs the states), and
    /// [`odds`](Self::odds) and the fewest preemptions still search exact
    /// states. Default off: exact.
    pub fingerprints: bool,
    /// Judge only these properties and coverage goals (`None`: all of
    /// them); the others are listed in
    /// [`Exploration::not_checked`](crate::Exploration::not_checked), never
    /// reported as holding or broken, and never a reason to stop. When
    /// every one judged is about how the executions that end normally end
    /// (final-state invariants, determinism, deadlocks), the search
    /// explores independent steps in one order only, which can store far
    /// fewer states; [`Stats::property_reduction`](crate::Stats::property_reduction)
    /// says when it did. Default `None`.
    pub properties: Option<Vec<crate::Property>>,
}

impl Default for ExploreConfig {
    fn default() -> Self {
        ExploreConfig {
            max_states: 200_000_000,
            max_steps: 1_000_000,
            time_limit: None,
            max_memory: half_the_machines_memory(),
            reduction: true,
            stop: Stop::FirstViolation,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            parallel_from: 4096,
            progress: None,
            fewest_preemptions: 0,
            interrupt: None,
            estimate: false,
            odds: false,
            pct_depth: 3,
            fingerprints: false,
            properties: None,
        }
    }
}

impl ExploreConfig {
    /// Sets [`max_states`](Self::max_states).
    pub fn max_states(mut self, n: usize) -> Self {
        self.max_states = n;
        self
    }
    /// Sets [`max_steps`](Self::max_steps).
    pub fn max_steps(mut self, n: usize) -> Self {
        self.max_steps = n;
        self
    }
    /// Sets [`time_limit`](Self::time_limit).
    pub fn time_limit(mut self, t: Duration) -> Self {
        self.time_limit = Some(t);
        self
    }
    /// Sets [`max_memory`](Self::max_memory), in bytes.
    pub fn max_memory(mut self, bytes: u64) -> Self {
        self.max_memory = bytes;
        self
    }
    /// Sets [`reduction`](Self::reduction).
    pub fn reduction(mut self, on: bool) -> Self {
        self.reduction = on;
        self
    }
    /// Sets [`stop`](Self::stop).
    pub fn stop(mut self, stop: Stop) -> Self {
        self.stop = stop;
        self
    }
    /// Sets [`threads`](Self::threads).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }
    /// Sets [`parallel_from`](Self::parallel_from).
    pub fn parallel_from(mut self, n: usize) -> Self {
        self.parallel_from = n;
        self
    }
    /// Sets [`progress`](Self::progress).
    pub fn progress(mut self, hook: ProgressHook) -> Self {
        self.progress = Some(hook);
        self
    }

    /// Sets [`fewest_preemptions`](Self::fewest_preemptions): the budget
    /// of the search for counterexamples with the fewest preemptions.
    pub fn fewest_preemptions(mut self, nodes: usize) -> Self {
        self.fewest_preemptions = nodes;
        self
    }

    /// Most states the odds are computed over.
    pub const ODDS_NODES: usize = 2_000_000;

    /// Sets [`odds`](Self::odds).
    pub fn odds(mut self, on: bool) -> Self {
        self.odds = on;
        self
    }

    /// Sets [`pct_depth`](Self::pct_depth).
    pub fn pct_depth(mut self, depth: usize) -> Self {
        self.pct_depth = depth;
        self
    }

    /// Sets [`fingerprints`](Self::fingerprints).
    pub fn fingerprints(mut self, on: bool) -> Self {
        self.fingerprints = on;
        self
    }

    /// Whether `property` is judged (see [`properties`](Self::properties)).
    pub fn judges(&self, property: &crate::Property) -> bool {
        self.properties
            .as_ref()
            .is_none_or(|judged| judged.contains(property))
    }

    /// [`stop`](Self::stop) narrowed to the properties judged: a search
    /// asked for counterexamples stops once it has those it judges.
    pub(crate) fn judged_stop(&self) -> crate::Stop {
        match &self.stop {
            crate::Stop::WhenViolated(targets) => crate::Stop::WhenViolated(
                targets.iter().filter(|p| self.judges(p)).cloned().collect(),
            ),
            stop => stop.clone(),
        }
    }

    /// Sets [`properties`](Self::properties): judge only these.
    pub fn properties(mut self, judged: Vec<crate::Property>) -> Self {
        self.properties = Some(judged);
        self
    }

    /// Sets [`estimate`](Self::estimate).
    pub fn estimate(mut self, on: bool) -> Self {
        self.estimate = on;
        self
    }
}

/// Half of `MemTotal` in `/proc/meminfo`, read once; 4 GiB where it cannot
/// be read.
fn half_the_machines_memory() -> u64 {
    static HALF: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *HALF.get_or_init(|| {
        let total_kib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            });
        total_kib.map_or(4 << 30, |kib| kib * 1024 / 2)
    })
}
