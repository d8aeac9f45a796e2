//! A compiled program run as a thread state machine: a program counter and
//! registers, local statements run up to the next shared operation.

use std::any::Any;

use crate::model::expr::{Compiled, Operand};
use crate::model::ids::{
    ChanId, CondId, Declared, MutexId, OnceId, Reg, RwMutexId, VarArray, VarId, WaitGroupId,
};
use crate::model::machine::{Behaviour, Fault, FaultKind, SelectCase};
use crate::model::names::Names;
use crate::model::op::{Op, OpResult, SelectOp};

use super::flow;
use super::instr::{Case, CaseKind, Instr, recv_text_named};

/// The element of `array` that `index` names (checked in range before).
fn element(array: &VarArray, index: &Operand, regs: &[i64]) -> VarId {
    let i = usize::try_from(index.eval(regs))
        .unwrap_or(0)
        .min(array.len - 1);
    array.get(i).expect("an index within the array")
}

/// How many local instructions one step may run before the thread is judged
/// to loop forever without touching shared state.
const LOCAL_STEP_LIMIT: u32 = 1_000_000;

/// A compiled thread program: straight-line Go-like code with loops and
/// conditions, run as a state machine of a program counter and registers.
#[derive(Clone, Debug)]
#[must_use]
pub struct Program {
    pub(super) name: String,
    pub(super) names: Vec<String>,
    pub(super) instrs: Vec<Instr>,
    pub(super) code: Vec<Option<String>>,
    pub(super) live: Vec<u64>,
    /// Per instruction: no local statement runs after it.
    pub(super) quiet: Vec<bool>,
    /// Per wait group the program signals: the most `Done` calls left, per
    /// instruction.
    pub(super) done_budgets: Vec<(WaitGroupId, Vec<u32>)>,
    /// No shared instruction at all.
    pub(super) silent: bool,
    /// The wait groups after whose last `Done` the program only exits.
    pub(super) exits_after_done: Vec<WaitGroupId>,
    /// Per register, a bit: set for a ghost, which invariants may read.
    pub(super) ghosts: u64,
    /// Some loop may run for ever (see [`Program::may_loop`]).
    pub(super) may_loop: bool,
    /// Why the program cannot run, found when it was built; a scenario
    /// with it does not build.
    pub(super) error: Option<String>,
}

impl Program {
    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The register of this name, if declared.
    pub fn register(&self, name: &str) -> Option<Reg> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| Reg(i as u16))
    }

    /// Whether some loop of the program may run for ever: a `while`, a
    /// `range`, or a `repeat` whose body writes its counter or its bound.
    /// Without one, every step moves the thread forward through its code
    /// and its loops' counters, so it never returns to a local state it
    /// was in, and a scenario of such threads has no cycle of states.
    pub(crate) fn may_loop(&self) -> bool {
        self.may_loop
    }

    /// Why the program cannot run, if it was built wrong.
    pub(crate) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The ghost registers, bit `i` for register `i`.
    pub(crate) fn ghosts(&self) -> u64 {
        self.ghosts
    }

    /// Whether register `reg` is a ghost (never forgotten, so invariants
    /// and outcomes may read it).
    pub(crate) fn is_ghost(&self, reg: Reg) -> bool {
        reg.index() < 64 && self.ghosts & (1 << reg.index()) != 0
    }

    /// Whether `reg` is one of this program's registers.
    /// The most `Done` calls on `wg` the program can still make from
    /// instruction `pc`, or `None` when unbounded (a loop calls it, or an
    /// `Add` is still reachable).
    pub(crate) fn done_budget_at(&self, wg: WaitGroupId, pc: usize) -> Option<u32> {
        let pc = pc.min(self.instrs.len());
        match self.done_budgets.iter().find(|(g, _)| *g == wg) {
            None => Some(0),
            Some((_, budget)) => Some(budget[pc]).filter(|&b| b != flow::UNBOUNDED),
        }
    }

    pub(crate) fn has_register(&self, reg: Reg) -> bool {
        reg.index() < self.names.len()
    }

    /// The register's name.
    pub(crate) fn register_name(&self, reg: Reg) -> &str {
        self.names.get(reg.index()).map_or("?", String::as_str)
    }

    /// The first id this program uses that the scenario does not declare
    /// (an id from another scenario's builder), described.
    pub(crate) fn undeclared(&self, declared: Declared) -> Option<String> {
        let name = |kind: &str, index: usize| format!("{kind} #{index}");
        let var = |v: &VarId| {
            (!declared.has(v.index(), v.tag(), declared.vars)).then(|| name("variable", v.index()))
        };
        let mutex = |m: &MutexId| {
            (!declared.has(m.index(), m.tag(), declared.mutexes)).then(|| name("mutex", m.index()))
        };
        let wg = |w: &WaitGroupId| {
            (!declared.has(w.index(), w.tag(), declared.wait_groups))
                .then(|| name("wait group", w.index()))
        };
        let rw = |m: &RwMutexId| {
            (!declared.has(m.index(), m.tag(), declared.rw_mutexes))
                .then(|| name("read-write mutex", m.index()))
        };
        let once = |o: &OnceId| {
            (!declared.has(o.index(), o.tag(), declared.onces)).then(|| name("once", o.index()))
        };
        let chan = |c: &ChanId| {
            (!declared.has(c.index(), c.tag(), declared.channels))
                .then(|| name("channel", c.index()))
        };
        let cond = |c: &CondId| {
            (!declared.has(c.index(), c.tag(), declared.conds))
                .then(|| name("condition variable", c.index()))
        };
        self.instrs.iter().find_map(|i| match i {
            Instr::LoadAt { array, .. } | Instr::StoreAt { array, .. } => {
                var(&array.first).or_else(|| array.get(array.len - 1).and_then(|last| var(&last)))
            }
            Instr::Load { var: v, .. }
            | Instr::Store { var: v, .. }
            | Instr::Atomic { var: v, .. } => var(v),
            Instr::Lock(m) | Instr::Unlock(m) => mutex(m),
            Instr::RwLock(m) | Instr::RwUnlock(m) | Instr::RLock(m) | Instr::RUnlock(m) => rw(m),
            Instr::OnceDo { once: o, .. } | Instr::OnceDone(o) => once(o),
            Instr::WgAdd { wg: w, .. } | Instr::WgDone(w) | Instr::WgWait(w) => wg(w),
            Instr::Send { chan: c, .. }
            | Instr::Recv { chan: c, .. }
            | Instr::Close(c)
            | Instr::After { chan: c, .. } => chan(c),
            Instr::Select { cases, .. } => cases.iter().find_map(|k| chan(&k.chan)),
            Instr::CondWait(c) | Instr::CondRelock(c) | Instr::Signal(c) | Instr::Broadcast(c) => {
                cond(c)
            }
            Instr::Sleep(_)
            | Instr::Set { .. }
            | Instr::Jump(_)
            | Instr::JumpUnless { .. }
            | Instr::Assert { .. }
            | Instr::IndexCheck { .. } => None,
        })
    }

    /// A channel used against its kind, described: a send or close on a
    /// timer's channel (receive-only in Go), or `time.After` on a channel
    /// that is not a timer's.
    pub(crate) fn misused_timer(&self, names: &Names) -> Option<String> {
        let timer = |c: &ChanId| names.channels.get(c.index()).is_some_and(|d| d.timer);
        self.instrs.iter().enumerate().find_map(|(pc, i)| {
            let wrong = match i {
                Instr::Send { chan, .. } | Instr::Close(chan) => timer(chan),
                Instr::Select { cases, .. } => cases
                    .iter()
                    .any(|k| matches!(k.kind, CaseKind::Send(_)) && timer(&k.chan)),
                Instr::After { chan, .. } => !timer(chan),
                _ => false,
            };
            wrong.then(|| {
                format!(
                    "thread `{}` runs `{}`: a timer's channel (ScenarioBuilder::timer) only receives, and time.After needs one; declare the channel with `timer` for time.After, and with `channel` to send or close",
                    self.name,
                    self.line_with(pc, Some(names))
                )
            })
        })
    }

    /// The most cases of any of its selects.
    pub(crate) fn widest_select(&self) -> usize {
        self.instrs
            .iter()
            .map(|i| match i {
                Instr::Select { cases, .. } => cases.len(),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// Runs local instructions from the slot's pc up to the next shared one
    /// (or the end), where the thread rests.
    fn run_to_rest(&self, slot: &mut [i64]) -> Result<(), Fault> {
        let (pc_word, regs) = slot.split_first_mut().expect("program slot has a pc");
        let mut pc = *pc_word as usize;
        let mut steps = 0u32;
        while let Some(instr) = self.instrs.get(pc) {
            if instr.is_shared() {
                break;
            }
            steps += 1;
            if steps > LOCAL_STEP_LIMIT {
                return Err(Fault::panic(format!(
                    "ran {LOCAL_STEP_LIMIT} local statements without a shared operation (an infinite loop?)"
                )));
            }
            let at = |message: String| Fault::panic(format!("{message} at `{}`", self.line(pc)));
            // The message is made only when evaluation fails.
            let failed = |fast: &Compiled, regs: &[i64]| {
                at(fast.eval(regs).expect_err("try_eval failed, so eval fails"))
            };
            match instr {
                Instr::Set { dst, fast, .. } => {
                    let Some(value) = fast.try_eval(regs) else {
                        return Err(failed(fast, regs));
                    };
                    regs[dst.index()] = value;
                    pc += 1;
                }
                Instr::Jump(target) => pc = *target,
                Instr::JumpUnless { fast, target, .. } => {
                    let Some(value) = fast.try_eval(regs) else {
                        return Err(failed(fast, regs));
                    };
                    pc = if value != 0 { pc + 1 } else { *target };
                }
                Instr::IndexCheck { index, len } => {
                    let i = index.eval(regs);
                    if usize::try_from(i).map_or(true, |i| i >= *len) {
                        return Err(at(format!(
                            "panic: runtime error: index out of range [{i}] with length {len}"
                        )));
                    }
                    pc += 1;
                }
                Instr::Assert { cond, message } => {
                    if cond.eval(regs).map_err(at)? == 0 {
                        *pc_word = pc as i64;
                        return Err(Fault {
                            kind: FaultKind::Assertion,
                            message: format!("{message} (`{}`)", self.line(pc)),
                        });
                    }
                    pc += 1;
                }
                _ => unreachable!("shared instructions end the local run"),
            }
        }
        *pc_word = pc as i64;
        // Forget dead values, so states that differ only in them coincide.
        let live = self.live[pc.min(self.instrs.len())];
        let declared = u64::MAX.checked_shr(64 - regs.len() as u32).unwrap_or(0);
        let mut dead = declared & !live;
        while dead != 0 {
            regs[dead.trailing_zeros() as usize] = 0;
            dead &= dead - 1;
        }
        Ok(())
    }

    /// The operation of the shared instruction at `pc` (or `Exit` past the
    /// end), with these registers.
    #[inline]
    fn op_at(&self, pc: usize, regs: &[i64]) -> Op {
        let mut op = Op::Exit;
        self.write_op(pc, regs, &mut op);
        op
    }

    /// [`Program::op_at`], written into `out` arm by arm: built in place,
    /// the operation is never copied whole right after being written field
    /// by field (a load that spans several recent stores stalls).
    #[inline]
    fn write_op(&self, pc: usize, regs: &[i64], out: &mut Op) {
        match self.instrs.get(pc) {
            None => *out = Op::Exit,
            Some(instr) => match instr {
                Instr::Load { var, .. } => *out = Op::Load(*var),
                Instr::Store { var, src } => *out = Op::Store(*var, src.eval(regs)),
                Instr::LoadAt { array, index, .. } => *out = Op::Load(element(array, index, regs)),
                Instr::StoreAt { array, index, src } => {
                    *out = Op::Store(element(array, index, regs), src.eval(regs));
                }
                Instr::Atomic { var, op, .. } => *out = Op::Atomic(*var, op.op(regs)),
                Instr::Lock(m) => *out = Op::Lock(*m),
                Instr::Unlock(m) => *out = Op::Unlock(*m),
                Instr::RwLock(m) => *out = Op::RwLock(*m),
                Instr::RwUnlock(m) => *out = Op::RwUnlock(*m),
                Instr::RLock(m) => *out = Op::RLock(*m),
                Instr::RUnlock(m) => *out = Op::RUnlock(*m),
                Instr::OnceDo { once, .. } => *out = Op::OnceDo(*once),
                Instr::OnceDone(once) => *out = Op::OnceDone(*once),
                Instr::CondWait(c) => *out = Op::CondWait(*c),
                Instr::CondRelock(c) => *out = Op::CondRelock(*c),
                Instr::Signal(c) => *out = Op::Signal(*c),
                Instr::Broadcast(c) => *out = Op::Broadcast(*c),
                Instr::Sleep(ticks) => *out = Op::Sleep(ticks.eval(regs)),
                Instr::After { chan, ticks } => *out = Op::After(*chan, ticks.eval(regs)),
                Instr::WgAdd { wg, delta } => *out = Op::WgAdd(*wg, delta.eval(regs)),
                Instr::WgDone(wg) => *out = Op::WgDone(*wg),
                Instr::WgWait(wg) => *out = Op::WgWait(*wg),
                Instr::Send { chan, src } => *out = Op::Send(*chan, src.eval(regs)),
                Instr::Recv { chan, .. } => *out = Op::Recv(*chan),
                Instr::Close(chan) => *out = Op::Close(*chan),
                Instr::Select { .. } => *out = Op::Select(SelectOp(pc as u32)),
                _ => unreachable!("a program rests only at shared instructions"),
            },
        }
    }

    /// [`Behaviour::pending`] writing the operation into `out` (see
    /// [`Program::write_op`]).
    #[inline]
    pub(crate) fn pending_into(&self, slot: &[i64], out: &mut Op) {
        self.write_op(slot[0] as usize, &slot[1..], out);
    }

    /// [`Behaviour::resume`], then the next pending operation written into
    /// `out` (see [`Program::write_op`]): the engines' hot path.
    #[inline]
    pub(crate) fn resume_into(
        &self,
        slot: &mut [i64],
        result: OpResult,
        out: &mut Op,
    ) -> Result<(), Fault> {
        self.advance(slot, result)?;
        self.write_op(slot[0] as usize, &slot[1..], out);
        Ok(())
    }

    /// Takes `result` into the registers and runs on to the next rest.
    fn advance(&self, slot: &mut [i64], result: OpResult) -> Result<(), Fault> {
        let pc = slot[0] as usize;
        let received = |slot: &mut [i64], dst: Option<Reg>, ok: Option<Reg>, value, got| {
            if let Some(d) = dst {
                slot[1 + d.index()] = value;
            }
            if let Some(k) = ok {
                slot[1 + k.index()] = i64::from(got);
            }
        };
        let mut next = pc + 1;
        match (&self.instrs[pc], result) {
            (Instr::Load { dst, .. }, OpResult::Value(v))
            | (Instr::LoadAt { dst, .. }, OpResult::Value(v))
            | (Instr::Atomic { dst: Some(dst), .. }, OpResult::Value(v))
            | (Instr::OnceDo { dst, .. }, OpResult::Value(v)) => {
                slot[1 + dst.index()] = v;
            }
            (Instr::Recv { dst, ok, .. }, OpResult::Received { value, ok: got }) => {
                received(slot, *dst, *ok, value, got);
            }
            (Instr::Select { cases, default }, OpResult::Selected { case, value, ok }) => {
                next = match case {
                    Some(i) => {
                        let case = &cases[usize::from(i)];
                        if let CaseKind::Recv { dst, ok: okr } = case.kind {
                            received(slot, dst, okr, value, ok);
                        }
                        case.target
                    }
                    None => default.expect("the engines take `default` only when there is one"),
                };
            }
            _ => {}
        }
        slot[0] = next as i64;
        self.run_to_rest(slot)
    }

    fn line(&self, pc: usize) -> String {
        self.line_with(pc, None)
    }

    fn line_with(&self, pc: usize, names: Option<&Names>) -> String {
        let Some(instr) = self.instrs.get(pc) else {
            return "return".to_string();
        };
        if let Some(code) = &self.code[pc] {
            return code.clone();
        }
        let r = |reg: &Reg| self.names[reg.index()].clone();
        let o = |op: &Operand| op.render(&self.names);
        let var = |v: &VarId| names.map_or(format!("var{}", v.index()), |n| n.var(*v).to_string());
        let mutex =
            |m: &MutexId| names.map_or(format!("mu{}", m.index()), |n| n.mutex(*m).to_string());
        let wg = |w: &WaitGroupId| {
            names.map_or(format!("wg{}", w.index()), |n| n.wait_group(*w).to_string())
        };
        let rw = |m: &RwMutexId| {
            names.map_or(format!("rw{}", m.index()), |n| n.rw_mutex(*m).to_string())
        };
        let once =
            |o: &OnceId| names.map_or(format!("once{}", o.index()), |n| n.once(*o).to_string());
        let chan =
            |c: &ChanId| names.map_or(format!("ch{}", c.index()), |n| n.channel(*c).to_string());
        let cond =
            |c: &CondId| names.map_or(format!("cond{}", c.index()), |n| n.cond(*c).to_string());
        let array_name = |a: &VarArray| {
            let first = var(&a.first);
            first.strip_suffix("[0]").unwrap_or(&first).to_string()
        };
        match instr {
            Instr::Load { dst, var: v } => format!("{} := {}", r(dst), var(v)),
            Instr::Store { var: v, src } => format!("{} = {}", var(v), o(src)),
            Instr::LoadAt { dst, array, index } => {
                format!("{} := {}[{}]", r(dst), array_name(array), o(index))
            }
            Instr::StoreAt { array, index, src } => {
                format!("{}[{}] = {}", array_name(array), o(index), o(src))
            }
            Instr::IndexCheck { index, len } => format!("{} < {len} // bounds check", o(index)),
            Instr::Atomic { var: v, op, dst } => {
                let call = op.render(&var(v), o);
                match dst {
                    Some(d) => format!("{} = {call}", r(d)),
                    None => call,
                }
            }
            Instr::Lock(m) => format!("{}.Lock()", mutex(m)),
            Instr::Unlock(m) => format!("{}.Unlock()", mutex(m)),
            Instr::RwLock(m) => format!("{}.Lock()", rw(m)),
            Instr::RwUnlock(m) => format!("{}.Unlock()", rw(m)),
            Instr::RLock(m) => format!("{}.RLock()", rw(m)),
            Instr::RUnlock(m) => format!("{}.RUnlock()", rw(m)),
            Instr::OnceDo { once: o, .. } => format!("{}.Do(func() {{", once(o)),
            Instr::OnceDone(o) => format!("}}) // {} done", once(o)),
            Instr::CondWait(c) => format!("{}.Wait()", cond(c)),
            Instr::CondRelock(c) => format!(
                "{}.Wait() // wake, {}.Lock()",
                cond(c),
                names.map_or("L".to_string(), |n| n.mutex(n.cond_mutex(*c)).to_string())
            ),
            Instr::Signal(c) => format!("{}.Signal()", cond(c)),
            Instr::Broadcast(c) => format!("{}.Broadcast()", cond(c)),
            Instr::Sleep(ticks) => format!("time.Sleep({})", o(ticks)),
            Instr::After { chan: c, ticks } => format!("{} = time.After({})", chan(c), o(ticks)),
            Instr::WgAdd { wg: w, delta } => format!("{}.Add({})", wg(w), o(delta)),
            Instr::WgDone(w) => format!("{}.Done()", wg(w)),
            Instr::WgWait(w) => format!("{}.Wait()", wg(w)),
            Instr::Send { chan: c, src } => format!("{} <- {}", chan(c), o(src)),
            Instr::Recv {
                chan: c,
                dst,
                range: true,
                ..
            } => format!(
                "for {} := range {}",
                dst.map_or("_".to_string(), |d| r(&d)),
                chan(c)
            ),
            Instr::Recv {
                chan: c, dst, ok, ..
            } => recv_text_named(dst.map(|d| r(&d)), ok.map(|k| r(&k)), &chan(c)),
            Instr::Close(c) => format!("close({})", chan(c)),
            Instr::Set { dst, value, .. } => format!("{} = {}", r(dst), value.render(&self.names)),
            Instr::Jump(_) => "goto".to_string(),
            Instr::JumpUnless { cond, .. } => format!("if {}", cond.render(&self.names)),
            Instr::Assert { cond, .. } => format!("assert({})", cond.render(&self.names)),
            Instr::Select { cases, default } => {
                let mut parts: Vec<String> = cases
                    .iter()
                    .map(|c| format!("case {}", self.case_text(c, names)))
                    .collect();
                if default.is_some() {
                    parts.push("default".to_string());
                }
                format!("select {{ {} }}", parts.join("; "))
            }
        }
    }

    fn case_text(&self, case: &Case, names: Option<&Names>) -> String {
        let chan = names.map_or(format!("ch{}", case.chan.index()), |n| {
            n.channel(case.chan).to_string()
        });
        match &case.kind {
            CaseKind::Send(src) => format!("{chan} <- {}", src.render(&self.names)),
            CaseKind::Recv { dst, ok } => {
                let named = |r: &Option<Reg>| r.map(|r| self.names[r.index()].clone());
                recv_text_named(named(dst), named(ok), &chan)
            }
        }
    }
}

impl Behaviour for Program {
    fn width(&self) -> usize {
        1 + self.names.len()
    }

    fn quiet_done(&self, slot: &[i64]) -> Option<WaitGroupId> {
        let pc = slot[0] as usize;
        match self.instrs.get(pc) {
            Some(Instr::WgDone(wg)) if self.quiet[pc] => Some(*wg),
            _ => None,
        }
    }

    fn done_budget(&self, slot: &[i64], wg: WaitGroupId) -> Option<u32> {
        self.done_budget_at(wg, slot[0] as usize)
    }

    fn simple_critical_sections(&self, m: MutexId) -> bool {
        flow::simple_critical_sections(&self.instrs, m)
    }

    fn exits_after_last_done(&self, wg: WaitGroupId) -> bool {
        self.exits_after_done.contains(&wg) || self.silent
    }

    fn first_word_bound(&self) -> Option<i64> {
        Some(self.instrs.len() as i64)
    }

    fn start(&self, slot: &mut [i64]) -> Result<(), Fault> {
        if let Some(why) = &self.error {
            return Err(Fault::panic(why.clone()));
        }
        slot.fill(0);
        self.run_to_rest(slot)
    }

    fn pending(&self, slot: &[i64]) -> Op {
        self.op_at(slot[0] as usize, &slot[1..])
    }

    fn resume(&self, slot: &mut [i64], result: OpResult) -> Result<(), Fault> {
        self.advance(slot, result)
    }

    fn has_select(&self) -> bool {
        self.instrs
            .iter()
            .any(|i| matches!(i, Instr::Select { .. }))
    }

    fn sleeps(&self) -> bool {
        self.instrs.iter().any(|i| matches!(i, Instr::Sleep(_)))
    }

    fn select_cases(&self, slot: &[i64], out: &mut Vec<SelectCase>) -> bool {
        out.clear();
        let Some(Instr::Select { cases, default }) = self.instrs.get(slot[0] as usize) else {
            return false;
        };
        let regs = &slot[1..];
        out.extend(cases.iter().map(|c| SelectCase {
            chan: c.chan,
            send: match &c.kind {
                CaseKind::Send(src) => Some(src.eval(regs)),
                CaseKind::Recv { .. } => None,
            },
        }));
        default.is_some()
    }

    fn case_line(&self, slot: &[i64], case: Option<u16>, names: &Names) -> String {
        match self.instrs.get(slot[0] as usize) {
            Some(Instr::Select { cases, .. }) => match case {
                Some(i) => format!(
                    "select case {}",
                    self.case_text(&cases[usize::from(i)], Some(names))
                ),
                None => "select default".to_string(),
            },
            _ => self.code_line(slot, names),
        }
    }

    fn code_line(&self, slot: &[i64], names: &Names) -> String {
        self.line_with(slot[0] as usize, Some(names))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
