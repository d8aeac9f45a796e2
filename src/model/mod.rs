//! The scenario model: resources, operations, thread state machines and the
//! program builder.

mod expr;
mod ids;
pub(crate) mod machine;
mod op;
mod program;
mod scenario;

pub use expr::{BinOp, Expr, Operand};
pub use ids::{ChanId, MutexId, Reg, ThreadId, VarId, WaitGroupId};
pub use machine::ThreadMachine;
pub use op::{Op, OpResult, SelectOp};
pub use program::{MAX_REGISTERS, Program, ProgramBuilder, SelectBuilder};
pub use scenario::{
    Invariant, Names, Outcome, OutcomeValue, Scenario, ScenarioBuilder, Scope, StateView,
};

pub(crate) use machine::{Fault, FaultKind, SelectCase};
