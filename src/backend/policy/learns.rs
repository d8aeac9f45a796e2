//! The policy for loom, whose reduction learns which orders to try from
//! the conflicting accesses it sees.
//!
//! Such a scheduler must see an access wherever an order matters: a step
//! the model forces keeps its scheduling point, a step runs inside its
//! hold, a step that ends the execution by a failure holds every resource,
//! and a step that an `Always` invariant can see holds the observer's
//! resource too.

use super::contract::{Hold, Policy};
use crate::model::{MutexId, Op, Scenario};
use crate::results::choice;
use crate::sim::{Sim, SimState};

/// See the module doc.
pub(crate) struct LearnsFromConflicts;

impl Policy for LearnsFromConflicts {
    /// A mutex whose critical sections are simple in every thread
    /// (`program::flow::simple_critical_sections`): whoever unlocks it
    /// locked it, and a holder only loads and stores until it unlocks, so
    /// it never waits for anything while others wait for it. A thread that
    /// finds it held then blocks inside loom, as in a hand-written test,
    /// instead of making an attempt that loom sees and reorders (bank/mutex
    /// 2 x 2: 19 executions instead of 153). Not where everything is on one
    /// resource (see `Scenario::one_resource`).
    fn native_mutexes(scenario: &Scenario) -> Vec<bool> {
        let mutexes = scenario.names().mutexes.len();
        if scenario.one_resource() {
            return vec![false; mutexes];
        }
        (0..mutexes)
            .map(|m| {
                let m = MutexId(m as u64);
                scenario
                    .threads
                    .iter()
                    .all(|t| t.behaviour.simple_critical_sections(m))
            })
            .collect()
    }

    /// A thread that can only move once all others have ended runs last,
    /// as a hand-written test's `main` joins its threads. Nothing can run
    /// beside it, so no order is lost, and loom no longer tries the orders
    /// of its wake-up against the others' last steps, nor runs one more
    /// thread: bank/mutex 2 x 1 takes 9 executions instead of 33, and
    /// 2 x 2 153 instead of 862. Only with two other threads or more, so
    /// that some run side by side.
    fn runs_last(sim: &Sim<'_>, state: &SimState, threads: usize) -> Option<usize> {
        (threads >= 3).then(|| sim.waits_for_all(state)).flatten()
    }

    fn forced(_: Option<usize>, _: Option<usize>, _: usize) -> bool {
        false
    }

    /// loom's reduction missed orders of the waiting thread's later steps
    /// without the attempt (a race between `main`'s load after `Wait` and a
    /// worker's store, found by `tests/reduction.rs`).
    fn parks_released_wait_freely() -> bool {
        false
    }

    fn steps_inside_hold() -> bool {
        true
    }

    fn hold_needed(
        sim: &Sim<'_>,
        state: &SimState,
        t: usize,
        held: Hold,
        visible: impl Fn(&SimState, &SimState) -> bool,
    ) -> Hold {
        if held == Hold::All || matches!(state.pending[t], Op::Select(_)) {
            return held;
        }
        let mut trial = state.clone();
        if sim.step(&mut trial, choice(t, 0)).is_err() {
            Hold::All
        } else if visible(state, &trial) {
            Hold::Observer
        } else {
            Hold::Own
        }
    }

    fn chains(_: bool, _: bool, _: bool, _: Option<usize>, _: usize) -> bool {
        false
    }
}
