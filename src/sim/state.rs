//! The layout of a global state: the words of every variable, mutex, wait
//! group, channel and thread slot, each thread's pending operation beside
//! them, and what that operation waits for.

pub(super) use crate::model::MAX_ALTERNATIVES;
use crate::model::Op;

/// One way a pending `select` can proceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alternative {
    /// Case `case` runs. On an unbuffered channel without an offer, the
    /// value passes in this same step to or from `partner`: a thread that
    /// waits to receive (for a send case), or a thread at a select without
    /// `default` that waits to send (for a receive case).
    Case { case: u16, partner: Option<u16> },
    /// No case is ready and the select has a `default`; for a `Signal`,
    /// nobody waits.
    Default,
    /// A `Signal` wakes this waiting thread.
    Wake(u16),
}

/// A global state with each thread's pending operation alongside (derived
/// from the words, kept so that a step recomputes only what it changed).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SimState {
    pub words: Vec<i64>,
    /// Set through `Sim`, which keeps `gates` in step (`Sim::load_pending`).
    pub pending: Vec<Op>,
    /// Per thread, what its pending operation waits for (see [`Gate`]).
    pub(super) gates: Vec<Gate>,
}

impl SimState {
    /// A state of `width` words and `threads` exited threads, to be filled.
    pub fn empty(width: usize, threads: usize) -> Self {
        SimState {
            words: vec![0; width],
            pending: vec![Op::Exit; threads],
            gates: vec![NEVER; threads],
        }
    }
}

impl SimState {
    /// A quick hash of the words, never 0 (which callers may use for
    /// "none"): to notice a state seen a few steps ago, where a collision
    /// only costs a missed shortcut.
    pub fn words_hash(&self) -> u64 {
        let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
        for &w in &self.words {
            h = (h ^ w as u64)
                .wrapping_mul(0x0100_0000_01b3)
                .rotate_left(29);
        }
        h | 1
    }

    /// Makes this state `source` again, where it can differ from it only
    /// in its words and in the pending operations of `moved`: what steps
    /// change (their thread's, and that of a partner they resumed). The
    /// search starts every successor of a state from that state, and this
    /// copies a third of what `clone_from` does.
    pub fn restore_from(&mut self, source: &Self, moved: &[usize]) {
        self.words.copy_from_slice(&source.words);
        for &t in moved {
            self.pending[t] = source.pending[t];
            self.gates[t] = source.gates[t];
        }
    }
}

impl Clone for SimState {
    fn clone(&self) -> Self {
        SimState {
            words: self.words.clone(),
            pending: self.pending.clone(),
            gates: self.gates.clone(),
        }
    }

    /// Reuses the buffers: the search copies a state for every successor.
    fn clone_from(&mut self, source: &Self) {
        self.words.clone_from(&source.words);
        self.pending.clone_from(&source.pending);
        self.gates.clone_from(&source.gates);
    }
}

/// When a pending operation can run, precomputed so that the scans over
/// every thread (the explorer's and the interpreter's hottest loop) test one
/// word instead of matching the operation: the index of a word that must be
/// 0 (a `Lock`'s mutex, a `Wait`'s counter), or one of the values below.
pub(super) type Gate = u32;
/// Always enabled (loads, stores, unlocks, wait-group `Add` and `Done`, close).
pub(super) const ALWAYS: Gate = u32::MAX;
/// Never (the thread exited).
pub(super) const NEVER: Gate = u32::MAX - 1;
/// Channel operations and selects: decided by [`Sim::enabled_by_op`].
pub(super) const BY_OP: Gate = u32::MAX - 2;
/// Waits for a timer: `time.Sleep`, or a receive on a timer's channel
/// (decided by [`Sim::timer_enabled`]).
pub(super) const TIMED: Gate = u32::MAX - 3;

/// How a state ends, when no thread can move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Terminal {
    Final,
    Deadlock,
}

/// Words an evaluation read, as (index, value) pairs.
pub(super) type Reads = Vec<(u32, i64)>;
