//! The properties a check decides, and what it decided about each.

use std::fmt;

use serde::{Serialize, Serializer};

use super::completion::Completion;
use super::schedule::Schedule;
use crate::model::ThreadId;

/// A property of a scenario: one of its invariants, or a built-in check.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Property {
    /// A named invariant of the scenario.
    Invariant(String),
    /// Exactly one reachable final outcome (only for scenarios that claim it).
    Deterministic,
    /// No two accesses to a variable, at least one a write, unordered by
    /// happens-before.
    NoDataRace,
    /// No state where some thread has not exited and no thread can move.
    NoDeadlock,
    /// Every execution can end: from every reachable state, some state
    /// where no thread can move (every thread exited, or a deadlock,
    /// reported as such) or a failure is reachable. Broken by a spin on a
    /// flag nobody sets, a livelock, a thread that loops for ever.
    Terminates,
    /// No panic: not in the scenario's own code, and no Go runtime error.
    NoPanic,
    /// Every `assert` of the scenario's programs holds.
    Assertions,
    /// A coverage goal (see
    /// [`ScenarioBuilder::sometimes`](crate::ScenarioBuilder::sometimes)):
    /// some reachable state satisfies it. Reported in
    /// [`Exploration::coverage`](crate::Exploration::coverage), not with
    /// the properties; its "counterexample" is the witness that reaches it.
    Sometimes(String),
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Property::Invariant(name) => f.write_str(name),
            Property::Deterministic => f.write_str("deterministic outcome"),
            Property::NoDataRace => f.write_str("no data race"),
            Property::NoDeadlock => f.write_str("no deadlock"),
            Property::Terminates => f.write_str("terminates"),
            Property::NoPanic => f.write_str("no panic"),
            Property::Assertions => f.write_str("assertions hold"),
            Property::Sometimes(name) => write!(f, "sometimes {name}"),
        }
    }
}

impl Serialize for Property {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One step of a trace: a thread performing one shared operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TraceStep {
    /// The thread that moved.
    pub thread: ThreadId,
    /// The line of Go-like code it executed.
    pub code: String,
    /// The value read, written, sent or received, as shown (may be empty).
    pub value: String,
    /// In a scenario with a virtual clock: the time after this step, in
    /// ticks from the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    /// Whether this step switches away from the thread that made the last
    /// step while that thread could have gone on (a preemption).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preempts: bool,
    /// The earlier steps (numbered from 1) that happen before this one
    /// through synchronisation: the unlock its lock follows, the send its
    /// receive takes, the `Done` calls its `Wait` waited for, and so on
    /// (Go's memory model; program order is not listed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synchronizes_with: Vec<usize>,
    /// Each shared variable this step changed, with its new value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<Write>,
}

/// A shared variable's new value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Write {
    /// The variable's name (an array's element as `name[i]`).
    pub var: String,
    /// Its value after the step.
    pub value: i64,
}

impl Write {
    /// A variable's new value.
    pub fn new(var: impl Into<String>, value: i64) -> Self {
        Write {
            var: var.into(),
            value,
        }
    }
}

/// A thread's pending operation at the end of a counterexample, for races
/// (the two conflicting accesses) and deadlocks (what each thread waits for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Pending {
    /// The thread.
    pub thread: ThreadId,
    /// The line of code it is about to execute or is blocked at.
    pub code: String,
    /// For a blocked thread, what it waits for ("`mu` is held by worker 2").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
}

impl Counterexample {
    /// How many of its steps preempt a thread that could have gone on.
    pub fn preemptions(&self) -> usize {
        self.steps.iter().filter(|s| s.preempts).count()
    }
}

/// A schedule that breaks a property, with its trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Counterexample {
    /// The property it breaks.
    pub property: Property,
    /// What went wrong, in words, with the values involved.
    pub message: String,
    /// The thread choices, one per step; replays with [`replay`](crate::replay).
    #[serde(serialize_with = "serialize_display")]
    pub schedule: Schedule,
    /// The steps, in order.
    pub steps: Vec<TraceStep>,
    /// For a race, the two racing accesses; for a deadlock, every blocked thread.
    pub pending: Vec<Pending>,
    /// The command line that replays it, where the scenario is in the catalog.
    pub replay: Option<String>,
    /// The replay token alone (what `interleave replay` takes), where the
    /// scenario is in the catalog.
    pub token: Option<String>,
    /// The schedule in the backend's own form, replayed by the backend's own
    /// replay (for shuttle, its engine following the recorded schedule).
    pub backend_schedule: Option<String>,
    /// The command line that replays it through the backend's own replay.
    pub backend_replay: Option<String>,
    /// For an execution that cannot finish, how many of its steps lead in:
    /// the steps after them return to the state they started from, and
    /// can repeat for ever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_from: Option<usize>,
    /// The explorer searched for a counterexample of this property with
    /// fewer preemptions (then fewer steps) and there is none.
    pub fewest_preemptions: bool,
}

fn serialize_display<S: Serializer, T: fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// What a search decided about one property.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// No reachable state breaks it: the search was exhaustive.
    Holds,
    /// A counterexample breaks it.
    Violated(Box<Counterexample>),
    /// Not decided: the search stopped before it was exhaustive.
    Undecided,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Holds => "holds",
            Status::Violated(_) => "violated",
            Status::Undecided => "not decided",
        })
    }
}

impl Status {
    /// What a search decided about a property: violated by its
    /// counterexample if it found one; otherwise `Holds` only when the
    /// search was exhaustive, and `Undecided` after any other search. The
    /// only way an engine says a property holds.
    pub(crate) fn decide(found: Option<Counterexample>, completion: Completion) -> Status {
        match found {
            Some(c) => Status::Violated(Box::new(c)),
            None if completion == Completion::Exhaustive => Status::Holds,
            None => Status::Undecided,
        }
    }
}

/// A property and its status.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PropertyResult {
    /// The property.
    pub property: Property,
    /// What the search decided.
    pub status: Status,
}
