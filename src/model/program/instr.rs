//! The instructions a program compiles to, and their Go-like text.

use crate::model::expr::{Compiled, Expr, Operand};
use crate::model::ids::{ChanId, MutexId, Reg, VarId, WaitGroupId};

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
    Lock(MutexId),
    Unlock(MutexId),
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
            Instr::Set { .. } | Instr::Jump(_) | Instr::JumpUnless { .. } | Instr::Assert { .. }
        )
    }

    pub(super) fn reads(&self, out: &mut Vec<Reg>) {
        match self {
            Instr::Store { src, .. }
            | Instr::Send { src, .. }
            | Instr::WgAdd { delta: src, .. } => {
                if let Operand::Reg(r) = src {
                    out.push(*r);
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
            Instr::Load { dst, .. } | Instr::Set { dst, .. } => [Some(*dst), None],
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
