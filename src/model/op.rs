//! Operations on shared resources, and what they give back.

use super::ids::{ChanId, CondId, Declared, MutexId, OnceId, RwMutexId, VarId, WaitGroupId};

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
    /// An atomic operation on a shared variable (Go's `sync/atomic`):
    /// sequentially consistent, and never a data race with another atomic
    /// operation (a plain access racing an atomic one still is).
    Atomic(VarId, AtomicOp),
    /// Acquire a mutex; blocks while another thread holds it.
    Lock(MutexId),
    /// Release a mutex; releasing an unlocked mutex is a fatal error, as in Go.
    Unlock(MutexId),
    /// `rw.Lock()`: take a read-write mutex to write. Blocks while another
    /// writer holds or waits for it; while readers hold it, the writer
    /// waits, and from then on no new reader gets in (Go's rule).
    RwLock(RwMutexId),
    /// `rw.Unlock()`; unlocking what no writer holds is a fatal error.
    RwUnlock(RwMutexId),
    /// `rw.RLock()`: take it to read; blocks while a writer holds or waits
    /// for it.
    RLock(RwMutexId),
    /// `rw.RUnlock()`; with no read lock held, a fatal error.
    RUnlock(RwMutexId),
    /// `once.Do(f)` is called: blocks while another thread runs `f`;
    /// answered with [`OpResult::Value`] 1 when this thread is to run `f`
    /// (the first call), 0 when `f` has already returned.
    OnceDo(OnceId),
    /// The `f` of a `once.Do` that this thread runs has returned.
    OnceDone(OnceId),
    /// `c.Wait()`, first half: unlocks the condition's mutex and sleeps
    /// until a `Signal` or `Broadcast` wakes this thread. Waiting without
    /// holding the mutex is a fatal error, as in Go.
    CondWait(CondId),
    /// `c.Wait()`, second half: once woken, takes the mutex back (blocks
    /// until it is free).
    CondRelock(CondId),
    /// `c.Signal()`: wakes one waiting thread, if any. Go promises no
    /// order, so each waiter is a way this step can go.
    Signal(CondId),
    /// `c.Broadcast()`: wakes every waiting thread.
    Broadcast(CondId),
    /// `time.Sleep(d)` on the virtual clock: returns once `d` ticks have
    /// passed. The clock moves only when no thread can move without it.
    Sleep(i64),
    /// `t = time.After(d)` for a timer channel declared with
    /// [`ScenarioBuilder::timer`](crate::ScenarioBuilder::timer): the
    /// channel delivers one value `d` ticks from now (a new timer each
    /// call: an earlier one on the same channel is dropped).
    After(ChanId, i64),
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
            Op::Load(v) | Op::Store(v, _) | Op::Atomic(v, _) => {
                ("variable", v.index(), v.tag(), declared.vars)
            }
            Op::Lock(m) | Op::Unlock(m) => ("mutex", m.index(), m.tag(), declared.mutexes),
            Op::RwLock(m) | Op::RwUnlock(m) | Op::RLock(m) | Op::RUnlock(m) => {
                ("read-write mutex", m.index(), m.tag(), declared.rw_mutexes)
            }
            Op::OnceDo(o) | Op::OnceDone(o) => ("once", o.index(), o.tag(), declared.onces),
            Op::CondWait(c) | Op::CondRelock(c) | Op::Signal(c) | Op::Broadcast(c) => {
                ("condition variable", c.index(), c.tag(), declared.conds)
            }
            Op::WgAdd(w, _) | Op::WgDone(w) | Op::WgWait(w) => {
                ("wait group", w.index(), w.tag(), declared.wait_groups)
            }
            Op::Send(c, _) | Op::Recv(c) | Op::Close(c) | Op::After(c, _) => {
                ("channel", c.index(), c.tag(), declared.channels)
            }
            Op::Select(_) | Op::Sleep(_) | Op::Exit => return None,
        };
        (!declared.has(index, tag, count)).then(|| format!("{kind} #{index}"))
    }
}

/// What an [`Op::Atomic`] does, as Go's `sync/atomic` functions on an
/// `int64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AtomicOp {
    /// `atomic.LoadInt64`: answered with [`OpResult::Value`], the value.
    Load,
    /// `atomic.StoreInt64`.
    Store(i64),
    /// `atomic.AddInt64` (wrapping, as Go's): answered with the new value.
    Add(i64),
    /// `atomic.SwapInt64`: answered with the old value.
    Swap(i64),
    /// `atomic.CompareAndSwapInt64`: stores `new` if the value is `old`;
    /// answered with 1 if it did, 0 if not.
    CompareAndSwap {
        /// The value expected.
        old: i64,
        /// The value stored when it matched.
        new: i64,
    },
}

impl AtomicOp {
    /// Whether it can change the variable (a compare-and-swap counts,
    /// whether or not it matches).
    pub fn writes(self) -> bool {
        !matches!(self, AtomicOp::Load)
    }

    /// Performs it on `cell`: what it answers.
    pub(crate) fn apply(self, cell: &mut i64) -> OpResult {
        let old = *cell;
        match self {
            AtomicOp::Load => OpResult::Value(old),
            AtomicOp::Store(x) => {
                *cell = x;
                OpResult::Done
            }
            AtomicOp::Add(d) => {
                *cell = old.wrapping_add(d);
                OpResult::Value(*cell)
            }
            AtomicOp::Swap(x) => {
                *cell = x;
                OpResult::Value(old)
            }
            AtomicOp::CompareAndSwap { old: expected, new } => {
                let swapped = old == expected;
                if swapped {
                    *cell = new;
                }
                OpResult::Value(i64::from(swapped))
            }
        }
    }

    /// Go-like text, applied to the variable named `var`.
    pub(crate) fn render(self, var: &str) -> String {
        match self {
            AtomicOp::Load => format!("atomic.LoadInt64(&{var})"),
            AtomicOp::Store(x) => format!("atomic.StoreInt64(&{var}, {x})"),
            AtomicOp::Add(d) => format!("atomic.AddInt64(&{var}, {d})"),
            AtomicOp::Swap(x) => format!("atomic.SwapInt64(&{var}, {x})"),
            AtomicOp::CompareAndSwap { old, new } => {
                format!("atomic.CompareAndSwapInt64(&{var}, {old}, {new})")
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomics_answer_as_gos_sync_atomic() {
        let mut x = 5;
        assert_eq!(AtomicOp::Load.apply(&mut x), OpResult::Value(5));
        assert_eq!(AtomicOp::Add(2).apply(&mut x), OpResult::Value(7));
        assert_eq!(AtomicOp::Swap(1).apply(&mut x), OpResult::Value(7));
        assert_eq!(x, 1);
        let cas = |old, new| AtomicOp::CompareAndSwap { old, new };
        assert_eq!(cas(0, 9).apply(&mut x), OpResult::Value(0));
        assert_eq!(x, 1, "no swap when the value differs");
        assert_eq!(cas(1, 9).apply(&mut x), OpResult::Value(1));
        assert_eq!(x, 9);
        assert_eq!(AtomicOp::Store(3).apply(&mut x), OpResult::Done);
        assert_eq!(x, 3);
        let mut max = i64::MAX;
        assert_eq!(AtomicOp::Add(1).apply(&mut max), OpResult::Value(i64::MIN));
        assert!(!AtomicOp::Load.writes() && cas(0, 0).writes());
    }
}
