//! Threaded backends: the same scenarios run as real threads on `shuttle`'s
//! randomized and exhaustive schedulers, on `loom`, and on OS threads.
//!
//! One interpreter (`world.rs`) serves all three; each backend supplies its
//! own atomics and parking threads (`runtime.rs`). Every backend
//! returns the explorer's [`Exploration`](crate::Exploration), so reports, JSON and replay
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
mod config;
#[cfg(feature = "loom")]
mod loom_backend;
mod policy;
mod runtime;
#[cfg(feature = "shuttle")]
mod schedulers;
#[cfg(feature = "shuttle")]
mod shuttle_backend;
mod threads;
mod world;

use crate::model::Scenario;

pub use config::{
    LOOM_MAX_STEPS, LOOM_MAX_THREADS, LoomConfig, MAX_PREEMPTION_BOUND, Shard, ShuttleConfig,
    ShuttleScheduler,
};
#[cfg(feature = "loom")]
pub use loom_backend::run_loom;
#[cfg(feature = "shuttle")]
pub use shuttle_backend::{replay_shuttle, run_shuttle};
pub use threads::{ThreadsConfig, run_threads};

/// The error of an engine this build leaves out.
#[cfg(any(not(feature = "shuttle"), not(feature = "loom")))]
fn not_built(engine: &str) -> crate::error::Error {
    crate::error::Error::new(
        crate::error::ErrorKind::Unsupported,
        format!("this build of interleave has no {engine} (enable its cargo feature `{engine}`)"),
    )
}

/// Without the `shuttle` feature: an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
/// error (the check is reported as skipped).
#[cfg(not(feature = "shuttle"))]
pub fn run_shuttle(
    _: &Scenario,
    _: &ShuttleConfig,
) -> Result<crate::results::Exploration, crate::error::Error> {
    Err(not_built("shuttle"))
}

/// Without the `shuttle` feature: an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
/// error.
#[cfg(not(feature = "shuttle"))]
pub fn replay_shuttle(
    _: &Scenario,
    _: &str,
) -> Result<crate::results::Replay, crate::error::Error> {
    Err(not_built("shuttle"))
}

/// Without the `loom` feature: an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
/// error (the check is reported as skipped).
#[cfg(not(feature = "loom"))]
pub fn run_loom(
    _: &Scenario,
    _: &LoomConfig,
) -> Result<crate::results::Exploration, crate::error::Error> {
    Err(not_built("loom"))
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
