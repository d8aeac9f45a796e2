//! Operations on shared resources, and what they give back.

use super::ids::{ChanId, Declared, MutexId, VarId, WaitGroupId};

/// The next operation a thread wants to perform on a shared resource.
///
/// These are the only scheduling points: everything a thread computes between
/// two operations is local and invisible to other threads. The semantics are
/// Go's: see `ARCHITECTURE.md` for the exact enabling rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// Read a shared variable; answered with [`OpResult::Value`].
    Load(VarId),
    /// Write a value into a shared variable.
    Store(VarId, i64),
    /// Acquire a mutex; blocks while another thread holds it.
    Lock(MutexId),
    /// Release a mutex; releasing an unlocked mutex is a fatal error, as in Go.
    Unlock(MutexId),
    /// Add to a wait group's counter (Go's `wg.Add(n)`); a negative counter panics.
    WgAdd(WaitGroupId, i64),
    /// Go's `wg.Done()`, that is `wg.Add(-1)`.
    WgDone(WaitGroupId),
    /// Block until the wait group's counter is zero.
    WgWait(WaitGroupId),
    /// Send a value on a channel; sending on a closed channel panics.
    Send(ChanId, i64),
    /// Receive from a channel; answered with [`OpResult::Received`].
    Recv(ChanId),
    /// Close a channel; closing a closed channel panics.
    Close(ChanId),
    /// Go's `select` over several channel operations, answered with
    /// [`OpResult::Selected`]. Only programs built with
    /// [`ProgramBuilder::select`](crate::ProgramBuilder::select) make one: its
    /// cases live in the program, and this names the statement.
    Select(SelectOp),
    /// The thread has finished.
    Exit,
}

impl Op {
    /// The resource this operation names that `declared` does not hold (an
    /// id from another builder, or out of range), described.
    pub(crate) fn undeclared(&self, declared: &Declared) -> Option<String> {
        let (kind, index, tag, count) = match *self {
            Op::Load(v) | Op::Store(v, _) => ("variable", v.index(), v.tag(), declared.vars),
            Op::Lock(m) | Op::Unlock(m) => ("mutex", m.index(), m.tag(), declared.mutexes),
            Op::WgAdd(w, _) | Op::WgDone(w) | Op::WgWait(w) => {
                ("wait group", w.index(), w.tag(), declared.wait_groups)
            }
            Op::Send(c, _) | Op::Recv(c) | Op::Close(c) => {
                ("channel", c.index(), c.tag(), declared.channels)
            }
            Op::Select(_) | Op::Exit => return None,
        };
        (!declared.has(index, tag, count)).then(|| format!("{kind} #{index}"))
    }
}

/// What an operation gives back to the thread that performed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpResult {
    /// The operation completed and returns nothing.
    Done,
    /// The value a [`Op::Load`] read.
    Value(i64),
    /// What a [`Op::Recv`] received: `ok` is false when the channel is closed
    /// and drained, and `value` is then 0, as Go's `v, ok := <-ch`.
    Received {
        /// The value received (0 when `ok` is false).
        value: i64,
        /// False when the channel was closed and empty.
        ok: bool,
    },
    /// What a [`Op::Select`] did: the case that ran, in declaration order
    /// (`None`: the `default` branch), and for a receive case what it
    /// received, as [`OpResult::Received`].
    Selected {
        /// The case that ran, or `None` for `default`.
        case: Option<u16>,
        /// The value a receive case received (0 otherwise).
        value: i64,
        /// False when a receive case found its channel closed and drained.
        ok: bool,
    },
}

/// Names a `select` statement of a program (opaque: made by the program
/// builder, read by the engines).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SelectOp(pub(crate) u32);

impl OpResult {
    /// The integer this result carries, if any.
    pub fn value(self) -> Option<i64> {
        match self {
            OpResult::Done => None,
            OpResult::Value(v)
            | OpResult::Received { value: v, .. }
            | OpResult::Selected { value: v, .. } => Some(v),
        }
    }
}
