//! What a program's steps touch, for the explorer's property-aware
//! reduction (`explore/por.rs`): per instruction, the shared resources it
//! reads, writes or adds a constant to; per pending instruction, what its
//! step (a whole critical section of a *hidden* mutex) touches; and from
//! each instruction on, everything the thread may still touch.

use super::flow;
use super::instr::{AtomicInstr, Instr};
use super::run::Program;
use crate::model::expr::{BinOp, Expr, Operand};
use crate::model::ids::MutexId;

/// A shared resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Res {
    Var(u32),
    /// The variables `lo..hi`, an array: an access to one element by an
    /// index computed at run time.
    Vars(u32, u32),
    Mutex(u32),
    Rw(u32),
    Once(u32),
    Cond(u32),
    Wg(u32),
    Chan(u32),
}

/// How a step touches a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Read,
    Write,
    /// Adds a constant of this sign (true: at least 0) to a variable, and
    /// observes nothing else of it.
    Add(bool),
    /// `atomic.AddInt64` whose answer is not used: adds the thread's own
    /// value, wrapping on overflow, so any two commute.
    Wrap,
}

/// One resource touched, and how.
pub(crate) type Access = (Res, Kind);

/// Whether two accesses may not commute: the same resource, unless both
/// read it, both add constants of one sign to it (sums of one sign
/// commute, and overflow in one order exactly when in the other), or both
/// are wrapping atomic adds.
pub(crate) fn conflict(a: Access, b: Access) -> bool {
    a.0.overlaps(b.0)
        && !matches!(
            (a.1, b.1),
            (Kind::Read, Kind::Read)
                | (Kind::Add(true), Kind::Add(true))
                | (Kind::Add(false), Kind::Add(false))
                | (Kind::Wrap, Kind::Wrap)
        )
}

impl Res {
    /// The variables it stands for, `lo..hi`, when it is variables.
    fn vars(self) -> Option<(u32, u32)> {
        match self {
            Res::Var(v) => Some((v, v + 1)),
            Res::Vars(lo, hi) => Some((lo, hi)),
            _ => None,
        }
    }

    /// Whether the two may be the same resource.
    fn overlaps(self, other: Res) -> bool {
        match (self.vars(), other.vars()) {
            (Some((a, b)), Some((c, d))) => a < d && c < b,
            _ => self == other,
        }
    }
}

/// What the analysis is told about the whole scenario.
pub(crate) struct Context<'a> {
    /// Per mutex: hidden, i.e. every critical section of it, in every
    /// thread, is simple, and the variables it touches are touched
    /// elsewhere only after all of them; its sections run as one step
    /// (see `explore/por.rs`).
    pub hidden: &'a [bool],
    /// Per condition variable, its mutex.
    pub cond_mutex: &'a [MutexId],
}

/// A program's footprints, per instruction (plus the exit).
pub(crate) struct Footprints {
    /// What the step pending at each instruction touches.
    pub step: Vec<Vec<Access>>,
    /// What the thread may touch from each instruction on.
    pub ahead: Vec<Vec<Access>>,
}

impl Program {
    /// Per instruction, whether mutex number `m` is held on arriving there;
    /// `None` when a critical section of it is not simple or an instruction
    /// can be reached both holding and not holding it.
    pub(crate) fn held(&self, m: usize) -> Option<Vec<bool>> {
        let id = self.instrs.iter().find_map(|i| match i {
            Instr::Lock(l) | Instr::Unlock(l) if l.index() == m => Some(*l),
            _ => None,
        });
        let Some(m) = id else {
            return Some(vec![false; self.instrs.len() + 1]);
        };
        if !flow::simple_critical_sections(&self.instrs, m) {
            return None;
        }
        let n = self.instrs.len();
        // 1: reached without `m`, 2: with it.
        let mut state = vec![0u8; n + 1];
        state[0] = 1;
        let mut next = Vec::new();
        let mut changed = true;
        while changed {
            changed = false;
            for pc in 0..n {
                let here = state[pc];
                if here == 0 {
                    continue;
                }
                let after = match &self.instrs[pc] {
                    Instr::Lock(l) if *l == m => 2,
                    Instr::Unlock(l) if *l == m => 1,
                    _ => here,
                };
                flow::successors(&self.instrs, pc, &mut next);
                for &s in &next {
                    if state[s] | after != state[s] {
                        state[s] |= after;
                        changed = true;
                    }
                }
            }
        }
        state
            .iter()
            .all(|&s| s != 3)
            .then(|| state.iter().map(|&s| s == 2).collect())
    }

    /// Every variable access: (instruction, the variables it may touch,
    /// whether atomic). An array access may touch any of its elements.
    pub(crate) fn var_uses(&self) -> Vec<(usize, std::ops::Range<u32>, bool)> {
        let mut out = Vec::new();
        for (pc, instr) in self.instrs.iter().enumerate() {
            match instr {
                Instr::Load { var, .. } | Instr::Store { var, .. } => {
                    let v = var.index() as u32;
                    out.push((pc, v..v + 1, false));
                }
                Instr::Atomic { var, .. } => {
                    let v = var.index() as u32;
                    out.push((pc, v..v + 1, true));
                }
                Instr::LoadAt { array, .. } | Instr::StoreAt { array, .. } => {
                    let first = array.first.index() as u32;
                    out.push((pc, first..first + array.len as u32, false));
                }
                _ => {}
            }
        }
        out
    }

    /// Per instruction (plus the exit), the wait groups whose `Wait` every
    /// path from the start passes before reaching it, as a bit mask (bit
    /// `g` for wait group `g`; those past 63 are never counted).
    pub(crate) fn waited(&self) -> Vec<u64> {
        let n = self.instrs.len();
        let mut waited: Vec<Option<u64>> = vec![None; n + 1];
        waited[0] = Some(0);
        let mut next = Vec::new();
        let mut changed = true;
        while changed {
            changed = false;
            for pc in 0..n {
                let Some(here) = waited[pc] else { continue };
                let after = match &self.instrs[pc] {
                    Instr::WgWait(g) if g.index() < 64 => here | 1u64 << g.index(),
                    _ => here,
                };
                flow::successors(&self.instrs, pc, &mut next);
                for &s in &next {
                    let met = waited[s].map_or(after, |w| w & after);
                    if waited[s] != Some(met) {
                        waited[s] = Some(met);
                        changed = true;
                    }
                }
            }
        }
        waited.into_iter().map(|w| w.unwrap_or(u64::MAX)).collect()
    }

    /// The footprints under `ctx`.
    pub(crate) fn footprints(&self, ctx: &Context) -> Footprints {
        let n = self.instrs.len();
        let mut own: Vec<Vec<Access>> = (0..n).map(|pc| self.touches(pc, ctx)).collect();
        own.push(Vec::new());
        self.count_adds(ctx, &mut own);
        // A hidden mutex's section is one step: its lock's step touches
        // what the whole section does.
        let mut step = own.clone();
        for (pc, instr) in self.instrs.iter().enumerate() {
            if let Instr::Lock(m) = instr
                && ctx.hidden[m.index()]
            {
                step[pc] = self.section(pc, *m, &own);
            }
        }
        let mut ahead = own;
        let mut next = Vec::new();
        let mut changed = true;
        while changed {
            changed = false;
            for pc in (0..n).rev() {
                flow::successors(&self.instrs, pc, &mut next);
                for &s in &next {
                    if s == pc {
                        continue;
                    }
                    let (here, there) = if s > pc {
                        let (a, b) = ahead.split_at_mut(s);
                        (&mut a[pc], &b[0])
                    } else {
                        let (a, b) = ahead.split_at_mut(pc);
                        (&mut b[0], &a[s])
                    };
                    for &access in there {
                        if !here.contains(&access) {
                            here.push(access);
                            changed = true;
                        }
                    }
                }
            }
        }
        Footprints { step, ahead }
    }

    /// Whether register number `r` may be read after the instruction at
    /// `pc` (ghosts always: invariants read them).
    fn live_after(&self, pc: usize, r: usize) -> bool {
        let bit = 1u64.checked_shl(r as u32).unwrap_or(0);
        bit == 0 || (self.live.get(pc + 1).copied().unwrap_or(0) | self.ghosts) & bit != 0
    }

    /// What the instruction at `pc` touches by itself.
    fn touches(&self, pc: usize, ctx: &Context) -> Vec<Access> {
        let var = |v: crate::model::VarId| Res::Var(v.index() as u32);
        match &self.instrs[pc] {
            Instr::Load { var: v, .. } => vec![(var(*v), Kind::Read)],
            Instr::Store { var: v, .. } => vec![(var(*v), Kind::Write)],
            Instr::Atomic {
                var: v,
                op: AtomicInstr::Add(_),
                dst,
            } if dst.is_none_or(|r| !self.live_after(pc, r.index())) => vec![(var(*v), Kind::Wrap)],
            Instr::Atomic { var: v, .. } => vec![(var(*v), Kind::Write)],
            Instr::LoadAt { array, .. } | Instr::StoreAt { array, .. } => {
                let kind = if matches!(self.instrs[pc], Instr::LoadAt { .. }) {
                    Kind::Read
                } else {
                    Kind::Write
                };
                let first = array.first.index() as u32;
                vec![(Res::Vars(first, first + array.len as u32), kind)]
            }
            Instr::Lock(m) | Instr::Unlock(m) if ctx.hidden[m.index()] => Vec::new(),
            Instr::Lock(m) | Instr::Unlock(m) => vec![(Res::Mutex(m.index() as u32), Kind::Write)],
            Instr::RwLock(r) | Instr::RwUnlock(r) | Instr::RLock(r) | Instr::RUnlock(r) => {
                vec![(Res::Rw(r.index() as u32), Kind::Write)]
            }
            Instr::OnceDo { once, .. } | Instr::OnceDone(once) => {
                vec![(Res::Once(once.index() as u32), Kind::Write)]
            }
            Instr::CondWait(c) | Instr::CondRelock(c) => vec![
                (Res::Cond(c.index() as u32), Kind::Write),
                (
                    Res::Mutex(ctx.cond_mutex[c.index()].index() as u32),
                    Kind::Write,
                ),
            ],
            Instr::Signal(c) | Instr::Broadcast(c) => {
                vec![(Res::Cond(c.index() as u32), Kind::Write)]
            }
            Instr::WgAdd { wg, .. } | Instr::WgDone(wg) => {
                vec![(Res::Wg(wg.index() as u32), Kind::Write)]
            }
            Instr::WgWait(wg) => vec![(Res::Wg(wg.index() as u32), Kind::Read)],
            Instr::Send { chan, .. } | Instr::Recv { chan, .. } | Instr::Close(chan) => {
                vec![(Res::Chan(chan.index() as u32), Kind::Write)]
            }
            Instr::After { chan, .. } => vec![(Res::Chan(chan.index() as u32), Kind::Write)],
            Instr::Select { cases, .. } => cases
                .iter()
                .map(|c| (Res::Chan(c.chan.index() as u32), Kind::Write))
                .collect(),
            // The clock is every thread's: a scenario with one is not
            // reduced this way (see `explore/por.rs`).
            Instr::Sleep(_) => Vec::new(),
            Instr::Set { .. }
            | Instr::Jump(_)
            | Instr::JumpUnless { .. }
            | Instr::Assert { .. }
            | Instr::IndexCheck { .. } => Vec::new(),
        }
    }

    /// What the section of hidden mutex `m` locked at `lock` touches: every
    /// instruction reachable from it before its `Unlock`.
    fn section(&self, lock: usize, m: MutexId, own: &[Vec<Access>]) -> Vec<Access> {
        let mut seen = vec![false; self.instrs.len() + 1];
        let mut todo = vec![lock];
        let mut out: Vec<Access> = Vec::new();
        let mut next = Vec::new();
        while let Some(pc) = todo.pop() {
            if seen[pc] || pc >= self.instrs.len() {
                continue;
            }
            seen[pc] = true;
            for &a in &own[pc] {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
            if matches!(self.instrs[pc], Instr::Unlock(l) if l == m) {
                continue;
            }
            flow::successors(&self.instrs, pc, &mut next);
            todo.extend(next.iter().copied());
        }
        out
    }

    /// Marks as adds the load and store of each hidden mutex's straight
    /// section that only adds a constant to a variable: `n := x; n = n + c;
    /// x = n`, with every register that held a value of `x` dead after the
    /// section.
    fn count_adds(&self, ctx: &Context, own: &mut [Vec<Access>]) {
        for (lock, instr) in self.instrs.iter().enumerate() {
            let Instr::Lock(m) = instr else { continue };
            if !ctx.hidden[m.index()] {
                continue;
            }
            if let Some(adds) = self.section_adds(lock, *m) {
                for (pc, var, up) in adds {
                    for access in &mut own[pc] {
                        if access.0 == Res::Var(var) {
                            access.1 = Kind::Add(up);
                        }
                    }
                }
            }
        }
    }

    /// For a straight section from `lock` whose every variable access is
    /// part of a constant add: each access, its variable and the sign.
    fn section_adds(&self, lock: usize, m: MutexId) -> Option<Vec<(usize, u32, bool)>> {
        /// A register's value: local, or a variable's loaded value plus a
        /// constant.
        #[derive(Clone, Copy, PartialEq)]
        enum Sym {
            Local,
            Plus(u32, i64),
        }
        let mut regs: Vec<Sym> = vec![Sym::Local; self.names.len()];
        let sym = |regs: &[Sym], e: &Expr| -> Option<Sym> {
            match e {
                Expr::Const(_) => Some(Sym::Local),
                Expr::Reg(r) => Some(regs[r.index()]),
                Expr::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                    let reg = |e: &Expr| match e {
                        Expr::Reg(r) => Some(regs[r.index()]),
                        Expr::Const(_) => Some(Sym::Local),
                        _ => None,
                    };
                    match (reg(a)?, b.as_ref()) {
                        (Sym::Plus(v, c), Expr::Const(k)) => {
                            let k = if *op == BinOp::Add {
                                *k
                            } else {
                                k.checked_neg()?
                            };
                            Some(Sym::Plus(v, c.checked_add(k)?))
                        }
                        (Sym::Local, _) if reg(b)? == Sym::Local => Some(Sym::Local),
                        _ => None,
                    }
                }
                _ => {
                    let mut used = Vec::new();
                    e.registers(&mut used);
                    used.iter()
                        .all(|r| regs[r.index()] == Sym::Local)
                        .then_some(Sym::Local)
                }
            }
        };
        let mut loads: Vec<(usize, u32)> = Vec::new();
        let mut adds = Vec::new();
        let mut pc = lock + 1;
        loop {
            match self.instrs.get(pc)? {
                Instr::Unlock(l) if *l == m => break,
                Instr::Load { dst, var } => {
                    let v = var.index() as u32;
                    if loads.iter().any(|&(_, l)| l == v) || adds.iter().any(|&(_, a, _)| a == v) {
                        return None;
                    }
                    loads.push((pc, v));
                    regs[dst.index()] = Sym::Plus(v, 0);
                }
                Instr::Set { dst, value, .. } => regs[dst.index()] = sym(&regs, value)?,
                Instr::Store {
                    var,
                    src: Operand::Reg(r),
                } => {
                    let v = var.index() as u32;
                    let Sym::Plus(from, c) = regs[r.index()] else {
                        return None;
                    };
                    let at = loads.iter().position(|&(_, l)| l == v)?;
                    if from != v {
                        return None;
                    }
                    let (load, _) = loads.remove(at);
                    adds.push((load, v, c >= 0));
                    adds.push((pc, v, c >= 0));
                }
                Instr::Assert { cond, .. } | Instr::JumpUnless { cond, .. } => {
                    sym(&regs, cond).filter(|s| *s == Sym::Local)?;
                    if matches!(self.instrs[pc], Instr::JumpUnless { .. }) {
                        return None;
                    }
                }
                _ => return None,
            }
            pc += 1;
        }
        // A load kept without a store, or a register that still holds a
        // loaded value after the section, sees the order.
        let leaks = regs
            .iter()
            .enumerate()
            .any(|(r, s)| matches!(s, Sym::Plus(..)) && self.live_after(pc, r));
        (loads.is_empty() && !leaks && !adds.is_empty()).then_some(adds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProgramBuilder, ScenarioBuilder};

    fn footprints(
        build: impl Fn(&mut ScenarioBuilder, &mut ProgramBuilder, MutexId, crate::model::VarId),
    ) -> Footprints {
        let mut s = ScenarioBuilder::new("t");
        let x = s.var("x", 0);
        let m = s.mutex("m");
        let mut p = ProgramBuilder::new("p");
        build(&mut s, &mut p, m, x);
        let program = p.build();
        program.footprints(&Context {
            hidden: &[true],
            cond_mutex: &[],
        })
    }

    /// `m.Lock(); n = x; n = value; x = n; m.Unlock()`
    fn section(
        p: &mut ProgramBuilder,
        m: MutexId,
        x: crate::model::VarId,
        n: crate::model::Reg,
        value: Expr,
    ) {
        p.lock(m).load(n, x).set(n, value).store(x, n).unlock(m);
    }

    #[test]
    fn a_section_that_adds_a_constant_is_an_add() {
        let f = footprints(|_, p, m, x| {
            let n = p.local("n");
            section(p, m, x, n, n + 5);
        });
        assert_eq!(f.step[0], vec![(Res::Var(0), Kind::Add(true))]);
        assert_eq!(f.ahead[0], vec![(Res::Var(0), Kind::Add(true))]);
        assert!(f.ahead[5].is_empty());
    }

    #[test]
    fn a_section_whose_loaded_value_lives_on_or_decides_is_a_write() {
        // The loaded value is kept in a ghost: the order shows.
        let kept = footprints(|_, p, m, x| {
            let n = p.ghost("n");
            section(p, m, x, n, n + 5);
        });
        assert!(kept.step[0].contains(&(Res::Var(0), Kind::Write)));
        // Doubling is no add.
        let doubled = footprints(|_, p, m, x| {
            let n = p.local("n");
            section(p, m, x, n, n * 2);
        });
        assert!(doubled.step[0].contains(&(Res::Var(0), Kind::Write)));
        // A store of a constant overwrites.
        let set = footprints(|_, p, m, x| {
            p.lock(m);
            p.store(x, 3);
            p.unlock(m);
        });
        assert_eq!(set.step[0], vec![(Res::Var(0), Kind::Write)]);
    }

    #[test]
    fn an_atomic_add_whose_answer_is_unused_wraps_and_commutes() {
        let f = footprints(|_, p, _, x| {
            let r = p.local("r");
            p.atomic_add(None, x, 5);
            p.atomic_add(r, x, -5);
            p.atomic_add(r, x, 1);
            p.assert(crate::model::Expr::from(r).not_equals(0), "r is not 0");
        });
        let x = Res::Var(0);
        assert_eq!(f.step[0], vec![(x, Kind::Wrap)]);
        // Its answer overwritten before it is read: unused.
        assert_eq!(f.step[1], vec![(x, Kind::Wrap)]);
        // Its answer asserted on: the order shows.
        assert_eq!(f.step[2], vec![(x, Kind::Write)]);
        assert!(!conflict((x, Kind::Wrap), (x, Kind::Wrap)));
        assert!(conflict((x, Kind::Wrap), (x, Kind::Add(true))));
        assert!(conflict((x, Kind::Wrap), (x, Kind::Read)));
    }

    #[test]
    fn adds_of_one_sign_commute_and_nothing_else_does() {
        let x = Res::Var(0);
        assert!(!conflict((x, Kind::Add(true)), (x, Kind::Add(true))));
        assert!(conflict((x, Kind::Add(true)), (x, Kind::Add(false))));
        assert!(conflict((x, Kind::Add(true)), (x, Kind::Read)));
        assert!(!conflict((x, Kind::Read), (x, Kind::Read)));
        assert!(!conflict((x, Kind::Write), (Res::Var(1), Kind::Write)));
        // An array access may touch any element.
        let array = Res::Vars(1, 4);
        assert!(conflict((array, Kind::Read), (Res::Var(3), Kind::Write)));
        assert!(!conflict((array, Kind::Write), (Res::Var(4), Kind::Write)));
        assert!(!conflict(
            (array, Kind::Read),
            (Res::Vars(2, 3), Kind::Read)
        ));
        assert!(conflict(
            (array, Kind::Write),
            (Res::Vars(0, 2), Kind::Read)
        ));
    }
}
