//! The model's step semantics: what every engine executes.
//!
//! `state.rs` lays out a global state, `step.rs` performs operations on
//! it, `invariants.rs`, `race.rs` and `findings.rs` judge a state,
//! `describe.rs` renders a step for traces, `clocks.rs` tracks
//! happens-before for the threaded backends, and `replay.rs` runs one
//! schedule through all of it.

pub(crate) mod clocks;
mod describe;
mod findings;
mod happens;
mod invariants;
mod race;
pub(crate) mod replay;
mod select;
mod state;
mod step;
mod time;

pub use replay::{replay, run_choices};

pub(crate) use replay::examine;
pub(crate) use state::{SimState, Terminal};
pub(crate) use step::Sim;
