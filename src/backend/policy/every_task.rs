//! The policy for schedulers that try every runnable task at each
//! scheduling point (shuttle's random, PCT and DFS schedulers, the OS).
//!
//! Such a scheduler orders steps by its own choices, so a step that no
//! choice could reorder needs no scheduling point: a forced step, a chain
//! of them, and a `Wait` that can only be released once.

use super::contract::{Hold, Policy};
use crate::model::Scenario;
use crate::sim::{Sim, SimState};

/// See the module doc.
pub(crate) struct TriesEveryTask;

impl Policy for TriesEveryTask {
    fn native_mutexes(scenario: &Scenario) -> Vec<bool> {
        vec![false; scenario.names().mutexes.len()]
    }

    /// None: with one thread fewer to prioritise, shuttle's PCT scheduler
    /// stopped finding the flaky test of `message/test` in 1,000
    /// executions at depth 3.
    fn runs_last(_: &Sim<'_>, _: &SimState, _: usize) -> Option<usize> {
        None
    }

    fn forced(last: Option<usize>, only: Option<usize>, t: usize) -> bool {
        last == Some(t) && only == Some(t)
    }

    /// Where the thread finds the wait blocked cannot change what happens,
    /// since it is woken once the counter is 0 and then takes its step as
    /// usual.
    fn parks_released_wait_freely() -> bool {
        true
    }

    /// Holding the lock through the step would only make other threads
    /// block on it.
    fn steps_inside_hold() -> bool {
        false
    }

    fn hold_needed(
        _: &Sim<'_>,
        _: &SimState,
        _: usize,
        _: Hold,
        _: impl Fn(&SimState, &SimState) -> bool,
    ) -> Hold {
        Hold::Own
    }

    fn chains(yields: bool, woke_nobody: bool, over: bool, only: Option<usize>, t: usize) -> bool {
        !yields && woke_nobody && !over && only == Some(t)
    }
}
