//! One execution as a timeline: what the Chrome trace ([`super::chrome`])
//! and the HTML page ([`super::html`]) draw. A lane per thread, a slice
//! per step, arrows for what happens before what through synchronisation,
//! the shared variables' values over the steps, and the step that breaks
//! a property.

use crate::model::Names;
use crate::results::{Counterexample, Pending, Replay, TraceStep};

/// A property broken along a timeline.
#[derive(Clone, Debug)]
pub struct Break {
    /// The step after which it showed (0: in the initial state).
    pub after_step: usize,
    /// The property, as reports name it.
    pub property: String,
    /// What went wrong.
    pub message: String,
}

/// One execution to draw.
#[derive(Clone, Debug)]
pub struct Timeline<'a> {
    /// A heading: the scenario, the engine and the property.
    pub title: String,
    /// The scenario's names (threads, variables and their initial values).
    pub names: &'a Names,
    /// The steps, each with the steps it synchronises with and its writes.
    pub steps: &'a [TraceStep],
    /// Each property broken, at the step it showed.
    pub breaks: Vec<Break>,
    /// At the end: the racing accesses, or what each blocked thread waits for.
    pub pending: &'a [Pending],
    /// The command that replays it, where there is one.
    pub replay: Option<String>,
}

impl<'a> Timeline<'a> {
    /// A counterexample's trace; the property breaks at its last step.
    pub fn of_counterexample(
        title: impl Into<String>,
        names: &'a Names,
        c: &'a Counterexample,
    ) -> Self {
        Timeline {
            title: title.into(),
            names,
            steps: &c.steps,
            breaks: vec![Break {
                after_step: c.steps.len(),
                property: c.property.to_string(),
                message: c.message.clone(),
            }],
            pending: &c.pending,
            replay: c.replay.clone(),
        }
    }

    /// A replayed schedule, with every property it breaks on the way (set
    /// [`Timeline::replay`] to the command that replayed it).
    pub fn of_replay(title: impl Into<String>, names: &'a Names, run: &'a Replay) -> Self {
        let last = run
            .findings
            .iter()
            .rfind(|f| f.after_step == run.steps.len() && !f.pending.is_empty());
        Timeline {
            title: title.into(),
            names,
            steps: &run.steps,
            breaks: run
                .findings
                .iter()
                .map(|f| Break {
                    after_step: f.after_step,
                    property: f.property.to_string(),
                    message: f.message.clone(),
                })
                .collect(),
            pending: last.map_or(&[], |f| &f.pending),
            replay: None,
        }
    }

    /// The number of threads: every declared thread gets a lane.
    pub fn thread_count(&self) -> usize {
        self.names.threads.len()
    }

    /// A thread's name.
    pub fn thread_name(&self, t: usize) -> &str {
        &self.names.threads[t]
    }

    /// Each shared variable's name and initial value.
    pub fn initial_values(&self) -> impl Iterator<Item = (&str, i64)> {
        self.names.vars.iter().map(|v| (v.name.as_str(), v.init))
    }

    /// Whether step `k` (from 1) is the one after which a property broke.
    pub fn breaks_at(&self, k: usize) -> Option<&Break> {
        self.breaks.iter().find(|b| b.after_step == k)
    }
}
