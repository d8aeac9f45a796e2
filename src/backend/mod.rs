//! Threaded backends: the same scenarios run as real threads on `shuttle`'s
//! randomized and exhaustive schedulers, on `loom`, and on OS threads.
//!
//! One interpreter (`world.rs`) serves all three; each backend supplies its
//! own atomics and parking threads (`runtime.rs`). Every backend
//! returns the explorer's [`Exploration`], so reports, JSON and replay
//! tokens are the same whichever found a failure: a counterexample's
//! schedule is in the scenario's own thread numbers and replays
//! deterministically with [`replay`](crate::replay).
//!
//! **Memory model.** Every backend sees sequentially consistent
//! interleavings of the scenario's operations: each operation is one step
//! under the backend's mutex, so the outcomes a backend can observe are
//! exactly those the explorer enumerates. (loom's atomics would add
//! outcomes through stale reads; the seed's lessons are about interleavings,
//! so the backends agree with the explorer instead.)

mod aggregate;
mod clocks;
mod loom_backend;
mod runtime;
mod shuttle_backend;
mod threads;
mod world;

use std::fmt;

use crate::error::Error;
use crate::explore::{Exploration, ExploreConfig, explore};
use crate::model::Scenario;

pub use loom_backend::{LOOM_MAX_THREADS, LoomConfig, run_loom};
pub use shuttle_backend::{ShuttleConfig, ShuttleScheduler, replay_shuttle, run_shuttle};
pub use threads::{ThreadsConfig, run_threads};

/// Which engine explores a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// The built-in explorer (exhaustive).
    Explore,
    /// shuttle's random, PCT or DFS scheduler.
    Shuttle,
    /// loom's exhaustive (optionally preemption-bounded) scheduler.
    Loom,
    /// OS threads, run many times.
    Threads,
}

impl BackendKind {
    /// Every backend, in the order `--backend all` runs them.
    pub const ALL: [BackendKind; 4] = [
        BackendKind::Explore,
        BackendKind::Shuttle,
        BackendKind::Loom,
        BackendKind::Threads,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Explore => "explore",
            BackendKind::Shuttle => "shuttle",
            BackendKind::Loom => "loom",
            BackendKind::Threads => "threads",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The settings of every backend; [`run`] uses the one it is asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backends {
    /// The built-in explorer.
    pub explore: ExploreConfig,
    /// shuttle.
    pub shuttle: ShuttleConfig,
    /// loom.
    pub loom: LoomConfig,
    /// OS threads.
    pub threads: ThreadsConfig,
}

/// Explores `scenario` with one backend.
///
/// ```
/// use interleave::backend::{self, BackendKind, Backends};
/// use interleave::catalog;
///
/// let entry = catalog::find("message/unsync").unwrap();
/// let scenario = entry.build(&entry.default_params()).unwrap();
/// let e = backend::run(BackendKind::Loom, &scenario, &Backends::default()).unwrap();
/// assert!(e.is_exhaustive() && e.is_violated()); // loom sees the race too
/// ```
pub fn run(
    kind: BackendKind,
    scenario: &Scenario,
    backends: &Backends,
) -> Result<Exploration, Error> {
    match kind {
        BackendKind::Explore => Ok(explore(scenario, &backends.explore)),
        BackendKind::Shuttle => run_shuttle(scenario, &backends.shuttle),
        BackendKind::Loom => run_loom(scenario, &backends.loom),
        BackendKind::Threads => run_threads(scenario, &backends.threads),
    }
}

/// Runs `executions` executions of `scenario` with no backend at all,
/// through the stepping and checking the interpreter does at every step
/// (the lowest-numbered thread that can move always moves). Returns the
/// steps taken.
///
/// For `interleave bench --backends`: timed beside a backend's run of as
/// many executions, it shows how much of that run is the interpreter's own
/// work and how much the backend's scheduling.
///
/// ```
/// use interleave::{backend, catalog};
///
/// let entry = catalog::find("bank/mutex").unwrap();
/// let params = entry.params_from(&["incomes=500+10", "weeks=2"]).unwrap();
/// let scenario = entry.build(&params).unwrap();
/// // Each earner: Lock, Load, Store, Unlock per week and a Done; main: Wait, Load.
/// assert_eq!(backend::steps_without_backend(&scenario, 3), 3 * (2 * (2 * 4 + 1) + 2));
/// ```
#[doc(hidden)]
pub fn steps_without_backend(scenario: &Scenario, executions: u64) -> u64 {
    (0..executions).map(|_| world::steps_alone(scenario)).sum()
}
