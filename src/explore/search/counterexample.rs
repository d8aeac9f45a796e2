//! A search's findings made into counterexamples: each schedule without
//! the `wg.Done()` steps it does not need, replayed for its trace, and
//! with `ExploreConfig::fewest_preemptions`, swapped for one with the
//! fewest preemptions.

use std::time::Instant;

use crate::explore::preemptions::fewest_preemptions;
use crate::model::{Op, Scenario};
use crate::results::{Counterexample, Property, Schedule, thread_of};
use crate::sim::{Sim, replay};

/// A violation the search found: its message and the choices to it.
pub(super) struct Found {
    pub message: String,
    pub schedule: Vec<u16>,
    /// For a lasso, the steps before its cycle.
    pub cycle_from: Option<usize>,
}

/// Drops the `wg.Done()` steps a counterexample does not need. The search
/// runs a quiet `Done` as soon as it may (see [`Sim::eager_done`]), so a
/// schedule it finds can carry one that the violation does not depend on;
/// each is dropped when the schedule without it still replays to the same
/// property broken, so the trace shown is as short as the unreduced
/// search's.
fn without_needless_dones(sc: &Scenario, property: &Property, found: &mut Found) {
    if matches!(property, Property::Deterministic | Property::Terminates) {
        return; // shown by two executions, or by a cycle, not by one replay
    }
    let sim = Sim::new(sc);
    let Ok(mut st) = sim.initial() else { return };
    let mut dones = Vec::new();
    for (i, &c) in found.schedule.iter().enumerate() {
        if matches!(st.pending[thread_of(c)], Op::WgDone(_)) {
            dones.push(i);
        }
        if sim.step(&mut st, c).is_err() {
            break;
        }
    }
    for i in dones.into_iter().rev() {
        let mut shorter = found.schedule.clone();
        shorter.remove(i);
        let Ok(run) = replay(sc, &Schedule::from_indices(&shorter)) else {
            continue;
        };
        if let Some(f) = run.findings.iter().find(|f| f.property == *property) {
            shorter.truncate(f.after_step);
            found.schedule = shorter;
            found.message.clone_from(&f.message);
        }
    }
}

pub(super) fn counterexample(
    sc: &Scenario,
    property: Property,
    mut found: Found,
) -> Counterexample {
    without_needless_dones(sc, &property, &mut found);
    replayed(sc, property, found)
}

/// `c`, or a counterexample of the same property with fewer preemptions
/// (then fewer steps), found by [`fewest_preemptions`]; marked as having
/// the fewest when that search finished.
pub(super) fn with_fewest_preemptions(
    sc: &Scenario,
    c: Counterexample,
    budget: usize,
    deadline: Option<Instant>,
) -> Counterexample {
    if budget == 0 || matches!(c.property, Property::Terminates | Property::Deterministic) {
        return c;
    }
    if c.preemptions() == 0 {
        return Counterexample {
            fewest_preemptions: true,
            ..c
        };
    }
    match fewest_preemptions(sc, &c.property, budget, deadline) {
        Some(f)
            if (f.preemptions as usize, f.schedule.len()) < (c.preemptions(), c.steps.len()) =>
        {
            let found = Found {
                message: f.message,
                schedule: f.schedule,
                cycle_from: None,
            };
            Counterexample {
                fewest_preemptions: true,
                ..replayed(sc, c.property.clone(), found)
            }
        }
        Some(_) => Counterexample {
            fewest_preemptions: true,
            ..c
        },
        None => c,
    }
}

/// A counterexample of `property` along `found`'s schedule, its trace
/// rebuilt by replay.
fn replayed(sc: &Scenario, property: Property, found: Found) -> Counterexample {
    let schedule = Schedule::from_indices(&found.schedule);
    let run = replay(sc, &schedule).expect("a schedule the search found replays");
    debug_assert!(
        run.findings.iter().any(|f| f.property == property)
            || matches!(property, Property::Deterministic | Property::Terminates),
        "replay of {schedule} does not show {property}"
    );
    let pending = run
        .findings
        .iter()
        .find(|f| f.property == property)
        .map(|f| f.pending.clone())
        .unwrap_or_default();
    Counterexample {
        property,
        message: found.message,
        schedule,
        steps: run.steps,
        pending,
        replay: None,
        token: None,
        backend_schedule: None,
        backend_replay: None,
        cycle_from: found.cycle_from,
        fewest_preemptions: false,
    }
}
