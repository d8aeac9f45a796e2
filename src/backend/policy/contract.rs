//! The seam itself: the [`Policy`] trait, and [`Hold`], what a step holds.

use crate::model::Scenario;
use crate::sim::{Sim, SimState};

/// What a step must hold beyond its own resource, in increasing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Hold {
    Own,
    /// The observer too: the step changes a word an `Always` invariant
    /// reads, so every two such steps must conflict, or loom would try one
    /// order of them and the invariant would miss the states of the other.
    Observer,
    /// Every resource: the step fails, which ends the execution and with it
    /// every other thread's chance to go first.
    All,
}

/// How the interpreter meets one kind of scheduler (see `policy/mod.rs`).
pub(crate) trait Policy {
    /// Per Go mutex: whether it is also a mutex of the runtime's, taken
    /// before the `Lock` step and released after the `Unlock` step, so
    /// that a thread that finds it held blocks inside the runtime.
    fn native_mutexes(scenario: &Scenario) -> Vec<bool>;

    /// The thread that runs last on the calling thread, after the others
    /// have been joined, if any.
    fn runs_last(sim: &Sim<'_>, state: &SimState, threads: usize) -> Option<usize>;

    /// Whether thread `t`'s next step may go without a scheduling point
    /// because it is forced: `t` made the last step (`last`) and is the
    /// only thread that can move (`only`).
    fn forced(last: Option<usize>, only: Option<usize>, t: usize) -> bool;

    /// Whether a blocked `Wait` that stays released once released may park
    /// without taking its wait group's resource first.
    fn parks_released_wait_freely() -> bool;

    /// Whether the step runs while its resource is held (the scheduler
    /// learns the order of steps from the order of holds), rather than
    /// after the hold has been taken and let go.
    fn steps_inside_hold() -> bool;

    /// What thread `t`'s pending step must hold, found by trying it on a
    /// copy of `state` where that matters; `visible` tells whether a step
    /// from one state to another changes a word an `Always` invariant
    /// reads. `held` is what the thread holds already.
    fn hold_needed(
        sim: &Sim<'_>,
        state: &SimState,
        t: usize,
        held: Hold,
        visible: impl Fn(&SimState, &SimState) -> bool,
    ) -> Hold;

    /// Whether thread `t`, having just stepped, takes its next step at once
    /// without a scheduling point: it is the only thread that can move
    /// (`only`), nobody is to be woken and the execution goes on.
    fn chains(yields: bool, woke_nobody: bool, over: bool, only: Option<usize>, t: usize) -> bool;
}
