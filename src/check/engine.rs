//! Which engine explores a scenario, and the one call that runs any of
//! them: the explorer and the threaded backends are siblings, so choosing
//! between them happens here, above both.

use std::fmt;

use crate::backend::{
    LoomConfig, ShuttleConfig, ThreadsConfig, run_loom, run_shuttle, run_threads,
};
use crate::error::Error;
use crate::explore::{ExploreConfig, explore};
use crate::model::Scenario;
use std::collections::BTreeSet;

use crate::results::{Counterexample, Exploration, Property, Status, Stop};

/// Which engine explores a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
#[must_use]
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
/// use interleave::check::{self, BackendKind, Backends};
/// use interleave::catalog;
///
/// let entry = catalog::find("message/unsync").unwrap();
/// let scenario = entry.build(&entry.default_params()).unwrap();
/// let e = check::run(BackendKind::Loom, &scenario, &Backends::default()).unwrap();
/// assert!(e.is_exhaustive() && e.is_violated()); // loom sees the race too
/// ```
pub fn run(
    kind: BackendKind,
    scenario: &Scenario,
    backends: &Backends,
) -> Result<Exploration, Error> {
    let mut e = match kind {
        BackendKind::Explore => return Ok(explore(scenario, &backends.explore)),
        BackendKind::Shuttle => run_shuttle(scenario, &backends.shuttle)?,
        BackendKind::Loom => run_loom(scenario, &backends.loom)?,
        BackendKind::Threads => run_threads(scenario, &backends.threads)?,
    };
    shortest_traces(scenario, &mut e);
    Ok(e)
}

/// Most states, and time, the explorer spends looking for a simpler trace
/// of what a threaded engine found (the same budget again for the search
/// by preemptions).
const SHORTEN_STATES: usize = 100_000;
const SHORTEN_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// Replaces each counterexample a threaded engine found by the explorer's
/// simplest one of the same property, when the explorer finds one within
/// [`SHORTEN_STATES`] states and [`SHORTEN_TIME`] and it has fewer
/// preemptions, or as many and fewer steps: a random scheduler's trace
/// runs to hundreds of steps and switches where the bug needs a few. So
/// every engine shows the same trace, marked the fewest possible when the
/// explorer proved it. The engine's own execution stays replayable:
/// shuttle's schedule is kept as it was, and a note gives the engine's
/// own length and preemptions.
fn shortest_traces(scenario: &Scenario, e: &mut Exploration) {
    let violated: BTreeSet<Property> = e
        .violations()
        .map(|c| c.property.clone())
        .filter(|p| *p != Property::Terminates)
        .collect();
    if violated.is_empty() {
        return;
    }
    let config = ExploreConfig::default()
        .stop(Stop::WhenViolated(violated))
        .max_states(SHORTEN_STATES)
        .fewest_preemptions(SHORTEN_STATES)
        .time_limit(SHORTEN_TIME)
        .threads(0);
    let simplest = explore(scenario, &config);
    for p in &mut e.properties {
        let Status::Violated(found) = &mut p.status else {
            continue;
        };
        let Some(Status::Violated(simple)) = simplest.status(&p.property) else {
            continue;
        };
        let cost = |c: &Counterexample| (c.preemptions(), c.steps.len());
        if cost(simple) >= cost(found) {
            continue;
        }
        e.notes.push(format!(
            "`{}`: the trace shown is the explorer's ({} steps, {}{}); this engine's own execution took {} steps, {}",
            p.property,
            simple.steps.len(),
            preemptions(simple.preemptions()),
            if simple.fewest_preemptions {
                ", the fewest possible"
            } else {
                ""
            },
            found.steps.len(),
            preemptions(found.preemptions()),
        ));
        let own = std::mem::replace(found, simple.clone());
        found.backend_schedule = own.backend_schedule;
    }
}

fn preemptions(n: usize) -> String {
    match n {
        1 => "1 preemption".to_owned(),
        n => format!("{n} preemptions"),
    }
}
