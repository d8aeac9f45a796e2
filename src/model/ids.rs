//! Typed ids of the resources and threads of a scenario.
//!
//! Every resource is declared up front on a [`ScenarioBuilder`](crate::ScenarioBuilder),
//! which hands back one of these ids; operations name resources only through them,
//! so a program cannot lock a channel or store into a mutex.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Serialize, Serializer};

/// Bits of a resource id that number the resource; the bits above hold the
/// tag of the [`ScenarioBuilder`](crate::ScenarioBuilder) that declared it,
/// so that an id from another builder is refused when a scenario is built.
const INDEX_BITS: u32 = 32;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
/// The most resources of one kind a builder can number.
pub(crate) const MAX_RESOURCES: usize = 1 << 20;

/// A fresh builder tag, from 1 (0 marks ids made inside the engines).
/// A 32-bit tag repeats only after 4,294,967,295 builders in one process.
pub(crate) fn next_tag() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .checked_add(1)
        .unwrap_or(1)
}

macro_rules! resource_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Ids compare, hash, order and serialise by their index alone.
        #[derive(Clone, Copy)]
        pub struct $name(pub(crate) u64);

        impl $name {
            /// Position of this id in its scenario's declaration order, from 0.
            pub fn index(self) -> usize {
                (self.0 & INDEX_MASK) as usize
            }

            /// The id of resource `index` of the builder tagged `tag`.
            pub(crate) fn tagged(index: usize, tag: u32) -> Self {
                $name(u64::from(tag) << INDEX_BITS | (index as u64 & INDEX_MASK))
            }

            /// The tag of the builder that declared it (0: made by the
            /// engines).
            pub(crate) fn tag(self) -> u32 {
                (self.0 >> INDEX_BITS) as u32
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.index() == other.index()
            }
        }

        impl Eq for $name {}

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.index().hash(state);
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.index().cmp(&other.index())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.index())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u64(self.index() as u64)
            }
        }
    };
}

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

resource_id!(
    /// A shared integer variable, declared with [`ScenarioBuilder::var`](crate::ScenarioBuilder::var).
    VarId
);
resource_id!(
    /// A mutex (Go's `sync.Mutex`), declared with [`ScenarioBuilder::mutex`](crate::ScenarioBuilder::mutex).
    MutexId
);
resource_id!(
    /// A read-write mutex (Go's `sync.RWMutex`), declared with
    /// [`ScenarioBuilder::rw_mutex`](crate::ScenarioBuilder::rw_mutex).
    RwMutexId
);
resource_id!(
    /// A `sync.Once`, declared with
    /// [`ScenarioBuilder::once`](crate::ScenarioBuilder::once).
    OnceId
);
resource_id!(
    /// A condition variable (Go's `sync.Cond`) on a mutex, declared with
    /// [`ScenarioBuilder::cond`](crate::ScenarioBuilder::cond).
    CondId
);
resource_id!(
    /// A wait group (Go's `sync.WaitGroup`), declared with
    /// [`ScenarioBuilder::wait_group`](crate::ScenarioBuilder::wait_group).
    WaitGroupId
);
resource_id!(
    /// A Go-like channel, declared with [`ScenarioBuilder::channel`](crate::ScenarioBuilder::channel).
    ChanId
);
/// An array of shared integer variables (Go's `var buf [n]int64`),
/// declared with [`ScenarioBuilder::array`](crate::ScenarioBuilder::array):
/// `n` consecutive variables `buf[0]` to `buf[n-1]`, which a program
/// indexes with an expression
/// ([`ProgramBuilder::load_at`](crate::ProgramBuilder::load_at),
/// [`store_at`](crate::ProgramBuilder::store_at)); an index out of range
/// is a runtime panic of the scenario, as in Go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VarArray {
    pub(crate) first: VarId,
    pub(crate) len: usize,
}

impl VarArray {
    /// How many variables it has.
    pub fn len(self) -> usize {
        self.len
    }

    /// Whether it has none (never, for a declared array).
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// Element `i`, for invariants and outcomes (`None` out of range).
    pub fn get(self, i: usize) -> Option<VarId> {
        (i < self.len).then(|| VarId::tagged(self.first.index() + i, self.first.tag()))
    }
}

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

/// How many resources of each kind a scenario declares, to check a
/// program's ids against.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Declared {
    pub vars: usize,
    pub mutexes: usize,
    pub rw_mutexes: usize,
    pub onces: usize,
    pub conds: usize,
    pub wait_groups: usize,
    pub channels: usize,
    /// The tag of the builder that declared them.
    pub tag: u32,
}

impl Declared {
    /// Whether `index`, of an id tagged `tag`, names one of the `count`
    /// resources of its kind that this scenario declares.
    pub(crate) fn has(&self, index: usize, tag: u32, count: usize) -> bool {
        index < count && tag == self.tag
    }
}
