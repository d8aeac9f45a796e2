//! The instructions a program compiles to, and their Go-like text.

use crate::model::expr::{Compiled, Expr, Operand};
use crate::model::ids::{
    ChanId, CondId, MutexId, OnceId, Reg, RwMutexId, VarArray, VarId, WaitGroupId,
};
use crate::model::op::AtomicOp;

#[derive(Clone, Debug)]
pub(super) enum Instr {
    Load {
        dst: Reg,
        var: VarId,
    },
    Store {
        var: VarId,
        src: Operand,
    },
    /// `dst := array[index]` (the index checked by an `IndexCheck` before).
    LoadAt {
        dst: Reg,
        array: VarArray,
        index: Operand,
    },
    /// `array[index] = src`
    StoreAt {
        array: VarArray,
        index: Operand,
        src: Operand,
    },
    /// Go's bounds check: a runtime panic unless `0 <= index < len`.
    IndexCheck {
        index: Operand,
        len: usize,
    },
    /// A `sync/atomic` call on `var`; its answer goes to `dst`.
    Atomic {
        var: VarId,
        op: AtomicInstr,
        dst: Option<Reg>,
    },
    Lock(MutexId),
    Unlock(MutexId),
    RwLock(RwMutexId),
    RwUnlock(RwMutexId),
    RLock(RwMutexId),
    RUnlock(RwMutexId),
    /// `once.Do(f)`: `dst` gets 1 when this thread is to run `f`.
    OnceDo {
        once: OnceId,
        dst: Reg,
    },
    OnceDone(OnceId),
    /// `c.Wait()` is two operations: this one unlocks and sleeps...
    CondWait(CondId),
    /// ...and this one takes the mutex back once woken.
    CondRelock(CondId),
    Signal(CondId),
    Broadcast(CondId),
    Sleep(Operand),
    After {
        chan: ChanId,
        ticks: Operand,
    },
    WgAdd {
        wg: WaitGroupId,
        delta: Operand,
    },
    WgDone(WaitGroupId),
    WgWait(WaitGroupId),
    Send {
        chan: ChanId,
        src: Operand,
    },
    Recv {
        chan: ChanId,
        dst: Option<Reg>,
        ok: Option<Reg>,
        /// Part of a `for v := range ch` loop (only the rendering differs).
        range: bool,
    },
    Close(ChanId),
    Set {
        dst: Reg,
        value: Expr,
        fast: Compiled,
    },
    Jump(usize),
    /// Jumps to `target` when `cond` is 0.
    JumpUnless {
        cond: Expr,
        fast: Compiled,
        target: usize,
    },
    Assert {
        cond: Expr,
        message: String,
    },
    /// Go's `select`: each case's body starts at its target; `default`
    /// (if any) at its own.
    Select {
        cases: Vec<Case>,
        default: Option<usize>,
    },
}

/// An atomic operation with its operands still to be read from registers.
#[derive(Clone, Copy, Debug)]
pub(super) enum AtomicInstr {
    Load,
    Store(Operand),
    Add(Operand),
    Swap(Operand),
    CompareAndSwap(Operand, Operand),
}

impl AtomicInstr {
    pub(super) fn op(self, regs: &[i64]) -> AtomicOp {
        match self {
            AtomicInstr::Load => AtomicOp::Load,
            AtomicInstr::Store(x) => AtomicOp::Store(x.eval(regs)),
            AtomicInstr::Add(d) => AtomicOp::Add(d.eval(regs)),
            AtomicInstr::Swap(x) => AtomicOp::Swap(x.eval(regs)),
            AtomicInstr::CompareAndSwap(old, new) => AtomicOp::CompareAndSwap {
                old: old.eval(regs),
                new: new.eval(regs),
            },
        }
    }

    fn operands(self) -> [Option<Operand>; 2] {
        match self {
            AtomicInstr::Load => [None, None],
            AtomicInstr::Store(x) | AtomicInstr::Add(x) | AtomicInstr::Swap(x) => [Some(x), None],
            AtomicInstr::CompareAndSwap(old, new) => [Some(old), Some(new)],
        }
    }

    /// Go-like text, on the variable named `var`.
    pub(super) fn render(self, var: &str, operand: impl Fn(&Operand) -> String) -> String {
        let o = |x: Operand| operand(&x);
        match self {
            AtomicInstr::Load => format!("atomic.LoadInt64(&{var})"),
            AtomicInstr::Store(x) => format!("atomic.StoreInt64(&{var}, {})", o(x)),
            AtomicInstr::Add(d) => format!("atomic.AddInt64(&{var}, {})", o(d)),
            AtomicInstr::Swap(x) => format!("atomic.SwapInt64(&{var}, {})", o(x)),
            AtomicInstr::CompareAndSwap(old, new) => {
                format!("atomic.CompareAndSwapInt64(&{var}, {}, {})", o(old), o(new))
            }
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Case {
    pub(super) chan: ChanId,
    pub(super) kind: CaseKind,
    pub(super) target: usize,
}

#[derive(Clone, Debug)]
pub(super) enum CaseKind {
    Send(Operand),
    Recv { dst: Option<Reg>, ok: Option<Reg> },
}

impl Case {
    pub(super) fn writes(&self) -> [Option<Reg>; 2] {
        match self.kind {
            CaseKind::Recv { dst, ok } => [dst, ok],
            CaseKind::Send(_) => [None, None],
        }
    }
}

impl Instr {
    pub(super) fn is_shared(&self) -> bool {
        !matches!(
            self,
            Instr::Set { .. }
                | Instr::Jump(_)
                | Instr::JumpUnless { .. }
                | Instr::Assert { .. }
                | Instr::IndexCheck { .. }
        )
    }

    pub(super) fn reads(&self, out: &mut Vec<Reg>) {
        match self {
            Instr::Store { src, .. }
            | Instr::Send { src, .. }
            | Instr::Sleep(src)
            | Instr::After { ticks: src, .. }
            | Instr::WgAdd { delta: src, .. } => {
                if let Operand::Reg(r) = src {
                    out.push(*r);
                }
            }
            Instr::LoadAt { index, .. } | Instr::IndexCheck { index, .. } => {
                if let Operand::Reg(r) = index {
                    out.push(*r);
                }
            }
            Instr::StoreAt { index, src, .. } => {
                for operand in [index, src] {
                    if let Operand::Reg(r) = operand {
                        out.push(*r);
                    }
                }
            }
            Instr::Atomic { op, .. } => {
                for operand in op.operands().into_iter().flatten() {
                    if let Operand::Reg(r) = operand {
                        out.push(r);
                    }
                }
            }
            Instr::Select { cases, .. } => {
                for case in cases {
                    if let CaseKind::Send(Operand::Reg(r)) = case.kind {
                        out.push(r);
                    }
                }
            }
            Instr::Set { value: e, .. }
            | Instr::JumpUnless { cond: e, .. }
            | Instr::Assert { cond: e, .. } => e.registers(out),
            _ => {}
        }
    }

    pub(super) fn writes(&self) -> [Option<Reg>; 2] {
        match self {
            Instr::Load { dst, .. } | Instr::LoadAt { dst, .. } | Instr::Set { dst, .. } => {
                [Some(*dst), None]
            }
            Instr::Atomic { dst, .. } => [*dst, None],
            Instr::OnceDo { dst, .. } => [Some(*dst), None],
            Instr::Recv { dst, ok, .. } => [*dst, *ok],
            _ => [None, None],
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct RegDecl {
    pub(super) name: String,
    pub(super) ghost: bool,
}

pub(super) fn recv_text_named(dst: Option<String>, ok: Option<String>, chan: &str) -> String {
    match (dst, ok) {
        (Some(d), Some(k)) => format!("{d}, {k} := <-{chan}"),
        (Some(d), None) => format!("{d} := <-{chan}"),
        _ => format!("<-{chan}"),
    }
}
