//! What re-executing one schedule showed: its trace, the properties it
//! broke and where, and its outcome.

use serde::Serialize;

use super::property::{Pending, Property, TraceStep};
use super::schedule::Schedule;
use crate::model::Outcome;

/// Something a replayed execution showed: a property broken after a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReplayFinding {
    /// How many steps had run when it showed (0: in the initial state).
    pub after_step: usize,
    /// The property broken.
    pub property: Property,
    /// What went wrong.
    pub message: String,
    /// For a race, the racing accesses; for a deadlock, the blocked threads.
    pub pending: Vec<Pending>,
}

/// One execution, re-run from its schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct Replay {
    /// The steps, in order.
    pub steps: Vec<TraceStep>,
    /// Each property broken along the way, at the first step it shows.
    pub findings: Vec<ReplayFinding>,
    /// The final outcome, when the schedule runs every thread to its end.
    pub outcome: Option<Outcome>,
    /// When the schedule ends in the state it was in after this many steps
    /// (0: the initial state): the steps after them can repeat for ever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returns_to: Option<usize>,
}

/// Notes that `property` broke after `step`, unless this run already
/// showed it break.
pub(crate) fn note(
    run: &mut Replay,
    step: usize,
    property: Property,
    message: String,
    pending: Vec<Pending>,
) {
    if run.findings.iter().all(|f| f.property != property) {
        run.findings.push(ReplayFinding {
            after_step: step,
            property,
            message,
            pending,
        });
    }
}

/// One run driven by [`run_choices`](crate::sim::run_choices).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct GuidedRun {
    /// The schedule taken, in thread numbers; replays with [`replay`](crate::replay()).
    pub schedule: Schedule,
    /// Its replay: trace, findings and (if it ran to the end) outcome.
    pub run: Replay,
    /// The steps (numbered from 1) that switched away from a thread that
    /// could have gone on.
    pub preempted_at: Vec<usize>,
}

impl GuidedRun {
    /// How many preemptions the first `steps` steps made.
    pub fn preemptions(&self, steps: usize) -> usize {
        self.preempted_at.iter().filter(|&&s| s <= steps).count()
    }
}
