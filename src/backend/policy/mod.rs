//! The scheduling policy: where the interpreter gives a backend's scheduler
//! a scheduling point, and what a step holds while it runs.
//!
//! Two kinds of scheduler need two policies, chosen by the runtime's type
//! ([`Runtime::Policy`](super::runtime::Runtime::Policy)):
//! [`TriesEveryTask`] for schedulers that pick among every runnable task
//! at each point (shuttle's random, PCT and DFS, the OS), and
//! [`LearnsFromConflicts`] for loom, which tries other orders only where it
//! saw two threads take the same resource.

mod contract;
mod every_task;
#[cfg(feature = "loom")]
mod learns;

pub(crate) use contract::{Hold, Policy};
pub(crate) use every_task::TriesEveryTask;
#[cfg(feature = "loom")]
pub(crate) use learns::LearnsFromConflicts;
