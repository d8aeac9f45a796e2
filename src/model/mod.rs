//! The scenario model: resources, operations, thread state machines and the
//! program builder.

mod expr;
mod ids;
pub(crate) mod machine;
mod names;
mod op;
mod program;
mod scenario;

pub use expr::{BinOp, Expr, Operand};
pub use ids::{
    ChanId, CondId, MAX_THREADS, MutexId, OnceId, Reg, RwMutexId, ThreadId, VarArray, VarId,
    WaitGroupId,
};
pub use machine::ThreadMachine;
pub use names::Names;
pub use op::{AtomicOp, Op, OpResult, SelectOp};
pub use program::{MAX_REGISTERS, Program, ProgramBuilder, SelectBuilder};
pub use scenario::{Invariant, Outcome, OutcomeValue, Scenario, ScenarioBuilder, Scope, StateView};

pub(crate) use machine::{Fault, FaultKind, SelectCase};
pub(crate) use program::footprint;
pub(crate) use scenario::{GOAL_REACHED, MAX_ALTERNATIVES};
