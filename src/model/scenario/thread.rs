//! A thread as a scenario holds it, and the engines' hot path into it.

use std::sync::Arc;

use crate::model::ids::Declared;
use crate::model::machine::{Behaviour, Fault};
use crate::model::op::{Op, OpResult};
use crate::model::program::Program;

/// One thread of a scenario: its behaviour, and its program when it has
/// one.
#[derive(Clone)]
pub(crate) struct ThreadDecl {
    pub behaviour: Arc<dyn Behaviour>,
    /// The same thread when it is a program, called without dynamic
    /// dispatch on the explorer's hot path.
    pub(crate) program: Option<Arc<Program>>,
    /// What the scenario declares, which a hand-written machine's
    /// operations are checked against as it runs (a program's are checked
    /// when the scenario is built).
    pub(super) declared: Declared,
}

impl ThreadDecl {
    /// Writes the thread's pending operation into `out`.
    #[inline]
    pub fn pending_into(&self, slot: &[i64], out: &mut Op) {
        match &self.program {
            Some(p) => p.pending_into(slot, out),
            None => *out = self.behaviour.pending(slot),
        }
    }

    /// Resumes the thread with `result` and writes its next pending
    /// operation into `out`.
    #[inline]
    pub fn resume_into(
        &self,
        slot: &mut [i64],
        result: OpResult,
        out: &mut Op,
    ) -> Result<(), Fault> {
        match &self.program {
            Some(p) => p.resume_into(slot, result, out),
            None => {
                self.behaviour.resume(slot, result)?;
                *out = self.checked(self.behaviour.pending(slot))?;
                Ok(())
            }
        }
    }

    /// `op`, or a fault when a hand-written machine names a resource the
    /// scenario does not declare.
    pub(super) fn checked(&self, op: Op) -> Result<Op, Fault> {
        match op.undeclared(&self.declared) {
            None => Ok(op),
            Some(id) => Err(Fault::panic(format!(
                "its operation names {id}, which this scenario does not declare (an id from another ScenarioBuilder?); use the ids this scenario's builder returned"
            ))),
        }
    }
}
