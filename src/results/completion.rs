//! How far a search went, and the limit that ended it early.

use std::fmt;

use serde::Serialize;

/// A limit that ended a search before it was exhaustive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Bound {
    /// [`ExploreConfig::max_states`](crate::ExploreConfig::max_states) distinct states were stored
    /// (or 2,147,483,647, the most the explorer numbers).
    States,
    /// Some execution was longer than [`ExploreConfig::max_steps`](crate::ExploreConfig::max_steps) steps.
    Depth,
    /// [`ExploreConfig::time_limit`](crate::ExploreConfig::time_limit) passed.
    Time,
    /// The visited set reached
    /// [`ExploreConfig::max_memory`](crate::ExploreConfig::max_memory).
    Memory,
    /// loom explored every execution within a preemption bound, not every
    /// execution.
    Preemptions,
    /// The run was asked to stop (an [`Interrupt`](crate::Interrupt), as on
    /// Ctrl-C).
    Interrupted,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bound::States => "state limit",
            Bound::Depth => "depth limit",
            Bound::Time => "time limit",
            Bound::Memory => "memory limit",
            Bound::Preemptions => "preemption bound",
            Bound::Interrupted => "stop request",
        })
    }
}

/// How far a search went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "bound")]
#[non_exhaustive]
pub enum Completion {
    /// Every reachable state was explored.
    Exhaustive,
    /// It stopped early because it had found what it was asked to find.
    Stopped,
    /// A limit ended it.
    Bounded(Bound),
    /// A threaded backend ran a sample of executions.
    Sampled,
}

impl fmt::Display for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Completion::Exhaustive => f.write_str("exhaustive"),
            Completion::Stopped => f.write_str("stopped early, not exhaustive"),
            Completion::Bounded(bound) => write!(f, "cut off by its {bound}, not exhaustive"),
            Completion::Sampled => f.write_str("a sample, not exhaustive"),
        }
    }
}
