//! The program builder: Go-like straight-line code compiled into a thread
//! state machine (a program counter and registers).

use std::any::Any;

use super::expr::{Compiled, Expr, Operand};
use super::ids::{ChanId, MutexId, Reg, VarId, WaitGroupId};
use super::machine::{Behaviour, Fault, FaultKind, SelectCase};
use super::op::{Op, OpResult, SelectOp};
use super::scenario::Names;

mod flow;

/// How many local instructions one step may run before the thread is judged
/// to loop forever without touching shared state.
const LOCAL_STEP_LIMIT: u32 = 1_000_000;

/// The most registers one program may declare (liveness masks are 64 bits).
pub const MAX_REGISTERS: usize = 64;

#[derive(Clone, Debug)]
enum Instr {
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
struct Case {
    chan: ChanId,
    kind: CaseKind,
    target: usize,
}

#[derive(Clone, Debug)]
enum CaseKind {
    Send(Operand),
    Recv { dst: Option<Reg>, ok: Option<Reg> },
}

impl Case {
    fn writes(&self) -> [Option<Reg>; 2] {
        match self.kind {
            CaseKind::Recv { dst, ok } => [dst, ok],
            CaseKind::Send(_) => [None, None],
        }
    }
}

impl Instr {
    fn is_shared(&self) -> bool {
        !matches!(
            self,
            Instr::Set { .. } | Instr::Jump(_) | Instr::JumpUnless { .. } | Instr::Assert { .. }
        )
    }

    fn reads(&self, out: &mut Vec<Reg>) {
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

    fn writes(&self) -> [Option<Reg>; 2] {
        match self {
            Instr::Load { dst, .. } | Instr::Set { dst, .. } => [Some(*dst), None],
            Instr::Recv { dst, ok, .. } => [*dst, *ok],
            _ => [None, None],
        }
    }
}

type Body<'a> = Box<dyn FnOnce(&mut ProgramBuilder) + 'a>;

/// The cases of a [`ProgramBuilder::select`], each with the code it runs.
pub struct SelectBuilder<'a> {
    cases: Vec<(ChanId, CaseKind, Body<'a>)>,
    default: Option<Body<'a>>,
}

impl<'a> SelectBuilder<'a> {
    /// `case ch <- src: body`
    pub fn send(
        &mut self,
        chan: ChanId,
        src: impl Into<Operand>,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        self.cases
            .push((chan, CaseKind::Send(src.into()), Box::new(body)));
        self
    }

    /// `case dst := <-ch: body`
    pub fn recv(
        &mut self,
        chan: ChanId,
        dst: Reg,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        let kind = CaseKind::Recv {
            dst: Some(dst),
            ok: None,
        };
        self.cases.push((chan, kind, Box::new(body)));
        self
    }

    /// `case dst, ok := <-ch: body` (`ok` is 0 once the channel is closed
    /// and drained).
    pub fn recv_ok(
        &mut self,
        chan: ChanId,
        dst: Reg,
        ok: Reg,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        let kind = CaseKind::Recv {
            dst: Some(dst),
            ok: Some(ok),
        };
        self.cases.push((chan, kind, Box::new(body)));
        self
    }

    /// `case <-ch: body`
    pub fn recv_discard(
        &mut self,
        chan: ChanId,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        let kind = CaseKind::Recv {
            dst: None,
            ok: None,
        };
        self.cases.push((chan, kind, Box::new(body)));
        self
    }

    /// `default: body`: runs when no case is ready, so the select never
    /// waits. A second `default` replaces the first.
    pub fn default(&mut self, body: impl FnOnce(&mut ProgramBuilder) + 'a) -> &mut Self {
        self.default = Some(Box::new(body));
        self
    }
}

#[derive(Clone, Debug)]
struct RegDecl {
    name: String,
    ghost: bool,
}

/// Builds a [`Program`] from Go-like statements.
///
/// Each shared statement (`load`, `store`, `lock`, `send`, ...) is one
/// scheduling point; `set`, conditions and loops are local. Registers are the
/// thread's local variables.
///
/// ```
/// use interleave::{ProgramBuilder, ScenarioBuilder};
///
/// let mut s = ScenarioBuilder::new("bank/mutex");
/// let balance = s.var("bankBalance", 0);
/// let mu = s.mutex("mu");
/// let mut p = ProgramBuilder::new("Main Job");
/// let temp = p.local("temp");
/// p.repeat("week", 52, |p, _week| {
///     p.lock(mu);
///     p.load(temp, balance);
///     p.set(temp, temp + 500);
///     p.store(balance, temp);
///     p.unlock(mu);
/// });
/// s.thread(p.build());
/// # s.build().unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct ProgramBuilder {
    name: String,
    instrs: Vec<Instr>,
    code: Vec<Option<String>>,
    regs: Vec<RegDecl>,
}

impl ProgramBuilder {
    /// Starts a program for a thread of this name.
    pub fn new(name: impl Into<String>) -> Self {
        ProgramBuilder {
            name: name.into(),
            instrs: Vec::new(),
            code: Vec::new(),
            regs: Vec::new(),
        }
    }

    fn reg(&mut self, name: &str, ghost: bool) -> Reg {
        let reg = Reg(self.regs.len() as u16);
        self.regs.push(RegDecl {
            name: name.to_string(),
            ghost,
        });
        reg
    }

    /// Declares a local variable (starts at 0).
    ///
    /// Its value is forgotten wherever no later statement can read it, so
    /// states that differ only in dead values are one state to the explorer.
    /// An invariant or outcome that reads a register must read a
    /// [`ghost`](Self::ghost), which is never forgotten.
    pub fn local(&mut self, name: &str) -> Reg {
        self.reg(name, false)
    }

    /// Declares a ghost variable: bookkeeping that invariants read (for
    /// example "deposits made so far"), always kept even where the program
    /// itself never reads it again.
    pub fn ghost(&mut self, name: &str) -> Reg {
        self.reg(name, true)
    }

    fn push(&mut self, instr: Instr) -> &mut Self {
        self.instrs.push(instr);
        self.code.push(None);
        self
    }

    /// Replaces the source text shown for the last statement in traces.
    pub fn code(&mut self, text: impl Into<String>) -> &mut Self {
        if let Some(last) = self.code.last_mut() {
            *last = Some(text.into());
        }
        self
    }

    /// `dst := var`: reads a shared variable.
    pub fn load(&mut self, dst: Reg, var: VarId) -> &mut Self {
        self.push(Instr::Load { dst, var })
    }

    /// `var = src`: writes a shared variable.
    pub fn store(&mut self, var: VarId, src: impl Into<Operand>) -> &mut Self {
        self.push(Instr::Store {
            var,
            src: src.into(),
        })
    }

    /// `dst = value`: local computation, not a scheduling point.
    pub fn set(&mut self, dst: Reg, value: impl Into<Expr>) -> &mut Self {
        let value = value.into();
        let fast = Compiled::new(&value);
        self.push(Instr::Set { dst, value, fast })
    }

    fn jump_unless(&mut self, cond: Expr) -> usize {
        let at = self.instrs.len();
        let fast = Compiled::new(&cond);
        self.push(Instr::JumpUnless {
            cond,
            fast,
            target: usize::MAX,
        });
        at
    }

    /// `mu.Lock()`
    pub fn lock(&mut self, mutex: MutexId) -> &mut Self {
        self.push(Instr::Lock(mutex))
    }

    /// `mu.Unlock()`
    pub fn unlock(&mut self, mutex: MutexId) -> &mut Self {
        self.push(Instr::Unlock(mutex))
    }

    /// `wg.Add(delta)`
    pub fn add(&mut self, wg: WaitGroupId, delta: impl Into<Operand>) -> &mut Self {
        self.push(Instr::WgAdd {
            wg,
            delta: delta.into(),
        })
    }

    /// `wg.Done()`
    pub fn done(&mut self, wg: WaitGroupId) -> &mut Self {
        self.push(Instr::WgDone(wg))
    }

    /// `wg.Wait()`
    pub fn wait(&mut self, wg: WaitGroupId) -> &mut Self {
        self.push(Instr::WgWait(wg))
    }

    /// `ch <- src`
    pub fn send(&mut self, chan: ChanId, src: impl Into<Operand>) -> &mut Self {
        self.push(Instr::Send {
            chan,
            src: src.into(),
        })
    }

    /// `dst := <-ch`
    pub fn recv(&mut self, chan: ChanId, dst: Reg) -> &mut Self {
        self.push(Instr::Recv {
            chan,
            dst: Some(dst),
            ok: None,
            range: false,
        })
    }

    /// `dst, ok := <-ch`: `ok` is 0 once the channel is closed and drained.
    pub fn recv_ok(&mut self, chan: ChanId, dst: Reg, ok: Reg) -> &mut Self {
        self.push(Instr::Recv {
            chan,
            dst: Some(dst),
            ok: Some(ok),
            range: false,
        })
    }

    /// `<-ch`: receives and discards the value.
    pub fn recv_discard(&mut self, chan: ChanId) -> &mut Self {
        self.push(Instr::Recv {
            chan,
            dst: None,
            ok: None,
            range: false,
        })
    }

    /// `close(ch)`
    pub fn close(&mut self, chan: ChanId) -> &mut Self {
        self.push(Instr::Close(chan))
    }

    /// `for dst := range ch { body }`: receives until the channel is closed
    /// and drained.
    pub fn range(&mut self, chan: ChanId, dst: Reg, body: impl FnOnce(&mut Self)) -> &mut Self {
        let ok = self.local(&format!("{}_ok", self.regs[dst.index()].name));
        let head = self.instrs.len();
        self.push(Instr::Recv {
            chan,
            dst: Some(dst),
            ok: Some(ok),
            range: true,
        });
        let exit = self.jump_unless(Expr::from(ok));
        body(self);
        self.push(Instr::Jump(head));
        let end = self.instrs.len();
        self.patch(exit, end);
        self
    }

    /// Go's `select`: waits until one of its cases can run and runs it
    /// (choosing among several ready ones, as Go does at random, so the
    /// explorer tries each); with a `default` branch it never waits.
    ///
    /// ```
    /// use interleave::{ProgramBuilder, ScenarioBuilder};
    ///
    /// let mut s = ScenarioBuilder::new("try-send");
    /// let ch = s.channel("ch", 0);
    /// let sent = s.var("sent", 0);
    /// let mut p = ProgramBuilder::new("producer");
    /// p.select(|s| {
    ///     s.send(ch, 1, |p| {
    ///         p.store(sent, 1);
    ///     })
    ///     .default(|p| {
    ///         p.store(sent, -1);
    ///     });
    /// });
    /// s.thread(p.build());
    /// let result = interleave::explore(&s.build().unwrap(), &Default::default());
    /// // Nobody ever receives, so the send is never ready: default runs.
    /// assert_eq!(result.outcomes.len(), 1);
    /// assert_eq!(result.outcomes[0].outcome.to_string(), "sent=-1");
    /// ```
    pub fn select<'a>(&mut self, cases: impl FnOnce(&mut SelectBuilder<'a>)) -> &mut Self {
        let mut builder = SelectBuilder {
            cases: Vec::new(),
            default: None,
        };
        cases(&mut builder);
        let at = self.instrs.len();
        self.push(Instr::Select {
            cases: Vec::new(),
            default: None,
        });
        let mut compiled = Vec::new();
        let mut ends = Vec::new();
        for (chan, kind, body) in builder.cases {
            compiled.push(Case {
                chan,
                kind,
                target: self.instrs.len(),
            });
            body(self);
            ends.push(self.instrs.len());
            self.push(Instr::Jump(usize::MAX));
        }
        let default = builder.default.map(|body| {
            let target = self.instrs.len();
            body(self);
            target
        });
        let end = self.instrs.len();
        for e in ends {
            self.instrs[e] = Instr::Jump(end);
        }
        self.instrs[at] = Instr::Select {
            cases: compiled,
            default,
        };
        self
    }

    /// Fails the scenario (as a failed assertion, like a test's `t.Fatalf`)
    /// when `cond` is 0 at this point.
    pub fn assert(&mut self, cond: impl Into<Expr>, message: impl Into<String>) -> &mut Self {
        self.push(Instr::Assert {
            cond: cond.into(),
            message: message.into(),
        })
    }

    /// `for counter := 0; counter < times; counter++ { body }`
    ///
    /// The counter is a local the body may read; `times` is a constant or a
    /// register read when the loop starts.
    pub fn repeat(
        &mut self,
        counter: &str,
        times: impl Into<Operand>,
        body: impl FnOnce(&mut Self, Reg),
    ) -> &mut Self {
        let i = self.local(counter);
        let bound = times.into();
        self.set(i, 0);
        let c = self.regs[i.index()].name.clone();
        self.code(format!("{c} := 0"));
        let head = self.jump_unless(Expr::from(i).less_than(bound));
        body(self, i);
        self.set(i, i + 1);
        self.code(format!("{c}++"));
        self.push(Instr::Jump(head));
        let end = self.instrs.len();
        self.patch(head, end);
        self
    }

    /// `for cond { body }`
    pub fn while_(&mut self, cond: impl Into<Expr>, body: impl FnOnce(&mut Self)) -> &mut Self {
        let head = self.jump_unless(cond.into());
        body(self);
        self.push(Instr::Jump(head));
        let end = self.instrs.len();
        self.patch(head, end);
        self
    }

    /// `if cond { then }`
    pub fn if_(&mut self, cond: impl Into<Expr>, then: impl FnOnce(&mut Self)) -> &mut Self {
        self.if_else(cond, then, |_| {})
    }

    /// `if cond { then } else { otherwise }`
    pub fn if_else(
        &mut self,
        cond: impl Into<Expr>,
        then: impl FnOnce(&mut Self),
        otherwise: impl FnOnce(&mut Self),
    ) -> &mut Self {
        let branch = self.jump_unless(cond.into());
        then(self);
        let jump = self.instrs.len();
        self.push(Instr::Jump(usize::MAX));
        self.patch(branch, self.instrs.len());
        otherwise(self);
        let end = self.instrs.len();
        self.instrs[jump] = Instr::Jump(end);
        self
    }

    fn patch(&mut self, at: usize, to: usize) {
        if let Instr::JumpUnless { target, .. } = &mut self.instrs[at] {
            *target = to;
        }
    }

    /// Finishes the program.
    ///
    /// # Panics
    ///
    /// With more than [`MAX_REGISTERS`] registers; programs are written by
    /// scenario authors, so this is a bug in the scenario's code, not input.
    pub fn build(self) -> Program {
        assert!(
            self.regs.len() <= MAX_REGISTERS,
            "program `{}` declares {} registers; at most {MAX_REGISTERS} are supported",
            self.name,
            self.regs.len()
        );
        let live = flow::liveness(&self.instrs, &self.regs);
        let quiet = flow::quiet_after(&self.instrs);
        let mut groups: Vec<WaitGroupId> = self
            .instrs
            .iter()
            .filter_map(|i| match i {
                Instr::WgAdd { wg, .. } | Instr::WgDone(wg) => Some(*wg),
                _ => None,
            })
            .collect();
        groups.sort();
        groups.dedup();
        let done_budgets: Vec<(WaitGroupId, Vec<u32>)> = groups
            .into_iter()
            .map(|wg| (wg, flow::done_budget(&self.instrs, wg)))
            .collect();
        let ahead = flow::shared_ahead(&self.instrs);
        let exits_after_done = done_budgets
            .iter()
            .filter(|(_, budget)| flow::exits_after_last_done(budget, &ahead))
            .map(|(wg, _)| *wg)
            .collect();
        Program {
            name: self.name,
            names: self.regs.iter().map(|r| r.name.clone()).collect(),
            instrs: self.instrs,
            code: self.code,
            live,
            quiet,
            done_budgets,
            silent: !ahead[0],
            exits_after_done,
        }
    }
}

fn recv_text_named(dst: Option<String>, ok: Option<String>, chan: &str) -> String {
    match (dst, ok) {
        (Some(d), Some(k)) => format!("{d}, {k} := <-{chan}"),
        (Some(d), None) => format!("{d} := <-{chan}"),
        _ => format!("<-{chan}"),
    }
}

/// A compiled thread program: straight-line Go-like code with loops and
/// conditions, run as a state machine of a program counter and registers.
#[derive(Clone, Debug)]
pub struct Program {
    name: String,
    names: Vec<String>,
    instrs: Vec<Instr>,
    code: Vec<Option<String>>,
    live: Vec<u64>,
    /// Per instruction: no local statement runs after it.
    quiet: Vec<bool>,
    /// Per wait group the program signals: the most `Done` calls left, per
    /// instruction.
    done_budgets: Vec<(WaitGroupId, Vec<u32>)>,
    /// No shared instruction at all.
    silent: bool,
    /// The wait groups after whose last `Done` the program only exits.
    exits_after_done: Vec<WaitGroupId>,
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

    /// Runs local instructions from the slot's pc up to the next shared one,
    /// and returns that one's operation (what [`Behaviour::pending`] gives).
    fn run_local(&self, slot: &mut [i64]) -> Result<Op, Fault> {
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
        Ok(self.op_at(pc, regs))
    }

    /// The operation of the shared instruction at `pc` (or `Exit` past the
    /// end), with these registers.
    #[inline]
    fn op_at(&self, pc: usize, regs: &[i64]) -> Op {
        match self.instrs.get(pc) {
            None => Op::Exit,
            Some(instr) => match instr {
                Instr::Load { var, .. } => Op::Load(*var),
                Instr::Store { var, src } => Op::Store(*var, src.eval(regs)),
                Instr::Lock(m) => Op::Lock(*m),
                Instr::Unlock(m) => Op::Unlock(*m),
                Instr::WgAdd { wg, delta } => Op::WgAdd(*wg, delta.eval(regs)),
                Instr::WgDone(wg) => Op::WgDone(*wg),
                Instr::WgWait(wg) => Op::WgWait(*wg),
                Instr::Send { chan, src } => Op::Send(*chan, src.eval(regs)),
                Instr::Recv { chan, .. } => Op::Recv(*chan),
                Instr::Close(chan) => Op::Close(*chan),
                Instr::Select { .. } => Op::Select(SelectOp(pc as u32)),
                _ => unreachable!("a program rests only at shared instructions"),
            },
        }
    }

    /// [`Behaviour::resume`], returning the next pending operation as
    /// [`Behaviour::pending`] would: the engines' hot path, which so reads
    /// the instruction it stops at once.
    pub(crate) fn resume_pending(&self, slot: &mut [i64], result: OpResult) -> Result<Op, Fault> {
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
            (Instr::Load { dst, .. }, OpResult::Value(v)) => slot[1 + dst.index()] = v,
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
        self.run_local(slot)
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
        let var = |v: &VarId| names.map_or(format!("var{}", v.0), |n| n.var(*v).to_string());
        let mutex = |m: &MutexId| names.map_or(format!("mu{}", m.0), |n| n.mutex(*m).to_string());
        let wg =
            |w: &WaitGroupId| names.map_or(format!("wg{}", w.0), |n| n.wait_group(*w).to_string());
        let chan = |c: &ChanId| names.map_or(format!("ch{}", c.0), |n| n.channel(*c).to_string());
        match instr {
            Instr::Load { dst, var: v } => format!("{} := {}", r(dst), var(v)),
            Instr::Store { var: v, src } => format!("{} = {}", var(v), o(src)),
            Instr::Lock(m) => format!("{}.Lock()", mutex(m)),
            Instr::Unlock(m) => format!("{}.Unlock()", mutex(m)),
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
        let chan = names.map_or(format!("ch{}", case.chan.0), |n| {
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
        let pc = (slot[0] as usize).min(self.instrs.len());
        match self.done_budgets.iter().find(|(g, _)| *g == wg) {
            None => Some(0),
            Some((_, budget)) => Some(budget[pc]).filter(|&b| b != flow::UNBOUNDED),
        }
    }

    fn simple_critical_sections(&self, m: MutexId) -> bool {
        flow::simple_critical_sections(&self.instrs, m)
    }

    fn exits_after_last_done(&self, wg: WaitGroupId) -> bool {
        self.exits_after_done.contains(&wg) || self.silent
    }

    fn start(&self, slot: &mut [i64]) -> Result<(), Fault> {
        slot.fill(0);
        self.run_local(slot).map(drop)
    }

    fn pending(&self, slot: &[i64]) -> Op {
        self.op_at(slot[0] as usize, &slot[1..])
    }

    fn resume(&self, slot: &mut [i64], result: OpResult) -> Result<(), Fault> {
        self.resume_pending(slot, result).map(drop)
    }

    fn has_select(&self) -> bool {
        self.instrs
            .iter()
            .any(|i| matches!(i, Instr::Select { .. }))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run_alone(p: &Program, results: impl Fn(&Op) -> OpResult) -> (Vec<Op>, Vec<i64>) {
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        let mut ops = Vec::new();
        loop {
            let op = p.pending(&slot);
            ops.push(op);
            if op == Op::Exit {
                return (ops, slot);
            }
            p.resume(&mut slot, results(&op)).unwrap();
        }
    }

    #[test]
    fn a_loop_runs_its_body_the_given_number_of_times() {
        let mut b = ProgramBuilder::new("w");
        let temp = b.local("temp");
        b.repeat("week", 3, |b, _| {
            b.load(temp, VarId(0));
            b.set(temp, temp + 5);
            b.store(VarId(0), temp);
        });
        let p = b.build();
        let (ops, _) = run_alone(&p, |_| OpResult::Value(10));
        assert_eq!(
            ops,
            vec![
                Op::Load(VarId(0)),
                Op::Store(VarId(0), 15),
                Op::Load(VarId(0)),
                Op::Store(VarId(0), 15),
                Op::Load(VarId(0)),
                Op::Store(VarId(0), 15),
                Op::Exit
            ]
        );
    }

    #[test]
    fn dead_registers_are_forgotten_and_ghosts_kept() {
        let mut b = ProgramBuilder::new("w");
        let temp = b.local("temp");
        let deposits = b.ghost("deposits");
        b.load(temp, VarId(0));
        b.store(VarId(0), temp);
        b.set(deposits, deposits + 1);
        b.lock(MutexId(0));
        let p = b.build();
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        p.resume(&mut slot, OpResult::Value(42)).unwrap();
        assert_eq!(slot[1], 42, "temp is live before the store");
        p.resume(&mut slot, OpResult::Done).unwrap();
        assert_eq!(p.pending(&slot), Op::Lock(MutexId(0)));
        assert_eq!(slot[1], 0, "temp is dead after the store");
        assert_eq!(slot[2], 1, "the ghost is kept");
    }

    #[test]
    fn conditions_and_assertions() {
        let mut b = ProgramBuilder::new("t");
        let m = b.local("m");
        b.load(m, VarId(0));
        b.if_else(
            Expr::from(m).equals(2),
            |b| {
                b.store(VarId(1), 1);
            },
            |b| {
                b.store(VarId(1), 2);
            },
        );
        b.assert(Expr::from(m).equals(2), "message is cosmos");
        let p = b.build();
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        p.resume(&mut slot, OpResult::Value(1)).unwrap();
        assert_eq!(p.pending(&slot), Op::Store(VarId(1), 2));
        let fault = p.resume(&mut slot, OpResult::Done).unwrap_err();
        assert_eq!(fault.kind, FaultKind::Assertion);
        assert_eq!(fault.message, "message is cosmos (`assert(m == 2)`)");
    }

    #[test]
    fn an_endless_local_loop_is_a_fault_not_a_hang() {
        let mut b = ProgramBuilder::new("spin");
        b.while_(1, |_| {});
        let p = b.build();
        let mut slot = vec![0; p.width()];
        let fault = p.start(&mut slot).unwrap_err();
        assert!(fault.message.contains("infinite loop"), "{}", fault.message);
    }

    #[test]
    fn overflow_is_a_panic_naming_the_statement() {
        let mut b = ProgramBuilder::new("o");
        let x = b.local("x");
        b.load(x, VarId(0));
        b.set(x, x + 1);
        b.store(VarId(0), x);
        let p = b.build();
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        let fault = p.resume(&mut slot, OpResult::Value(i64::MAX)).unwrap_err();
        assert_eq!(fault.kind, FaultKind::Panic);
        assert!(
            fault.message.contains("at `x = x + 1`"),
            "{}",
            fault.message
        );
    }
}
