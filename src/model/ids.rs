//! Typed ids of the resources and threads of a scenario.
//!
//! Every resource is declared up front on a [`ScenarioBuilder`](crate::ScenarioBuilder),
//! which hands back one of these ids; operations name resources only through them,
//! so a program cannot lock a channel or store into a mutex.

use serde::Serialize;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// Position of this id in its scenario's declaration order, from 0.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

typed_id!(
    /// A shared integer variable, declared with [`ScenarioBuilder::var`](crate::ScenarioBuilder::var).
    VarId
);
typed_id!(
    /// A mutex (Go's `sync.Mutex`), declared with [`ScenarioBuilder::mutex`](crate::ScenarioBuilder::mutex).
    MutexId
);
typed_id!(
    /// A wait group (Go's `sync.WaitGroup`), declared with
    /// [`ScenarioBuilder::wait_group`](crate::ScenarioBuilder::wait_group).
    WaitGroupId
);
typed_id!(
    /// A Go-like channel, declared with [`ScenarioBuilder::channel`](crate::ScenarioBuilder::channel).
    ChanId
);
typed_id!(
    /// A thread (a goroutine) of a scenario, in the order threads were added.
    ThreadId
);

/// The most threads a scenario may have: a schedule packs a step's thread
/// into 8 bits.
pub const MAX_THREADS: usize = 256;

/// A register: a local variable of one [`Program`](crate::Program) thread.
///
/// Registers are invisible to other threads; only shared operations are
/// scheduling points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Reg(pub(crate) u16);

impl Reg {
    /// Position of this register in its program's declaration order, from 0.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
