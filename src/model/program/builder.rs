//! The program builder: Go-like statements appended one by one, then
//! compiled with the control-flow facts of `flow.rs` into a [`Program`].

use crate::model::expr::{Compiled, Expr, Operand};
use crate::model::ids::{ChanId, CondId, MutexId, OnceId, Reg, RwMutexId, VarId, WaitGroupId};

use super::flow::{self};
use super::instr::{AtomicInstr, Case, CaseKind, Instr, RegDecl};
use super::run::Program;

/// The most registers one program may declare (liveness masks are 64 bits).
pub const MAX_REGISTERS: usize = 64;

type Body<'a> = Box<dyn FnOnce(&mut ProgramBuilder) + 'a>;

/// The cases of a [`ProgramBuilder::select`], each with the code it runs.
#[must_use]
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
#[must_use]
pub struct ProgramBuilder {
    name: String,
    instrs: Vec<Instr>,
    code: Vec<Option<String>>,
    regs: Vec<RegDecl>,
    /// Some loop may run for ever: a `while`, a `range`, or a `repeat`
    /// whose body writes its counter or its bound.
    unbounded: bool,
}

impl ProgramBuilder {
    /// Starts a program for a thread of this name.
    pub fn new(name: impl Into<String>) -> Self {
        ProgramBuilder {
            name: name.into(),
            instrs: Vec::new(),
            code: Vec::new(),
            regs: Vec::new(),
            unbounded: false,
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

    /// `rw.Lock()`: takes a read-write mutex to write (see
    /// [`Op::RwLock`](crate::Op::RwLock)).
    pub fn rw_lock(&mut self, rw: RwMutexId) -> &mut Self {
        self.push(Instr::RwLock(rw))
    }

    /// `rw.Unlock()`.
    pub fn rw_unlock(&mut self, rw: RwMutexId) -> &mut Self {
        self.push(Instr::RwUnlock(rw))
    }

    /// `rw.RLock()`: takes a read-write mutex to read.
    pub fn rlock(&mut self, rw: RwMutexId) -> &mut Self {
        self.push(Instr::RLock(rw))
    }

    /// `rw.RUnlock()`.
    pub fn runlock(&mut self, rw: RwMutexId) -> &mut Self {
        self.push(Instr::RUnlock(rw))
    }

    /// `c.Wait()`: unlocks the condition variable's mutex (which this
    /// thread must hold), sleeps until a `Signal` or `Broadcast` wakes
    /// it, then locks the mutex again before going on. Go's rule holds:
    /// wait in a `for` loop that re-checks the condition, since another
    /// thread may have changed it before the mutex came back.
    pub fn cond_wait(&mut self, cond: CondId) -> &mut Self {
        self.push(Instr::CondWait(cond));
        self.push(Instr::CondRelock(cond))
    }

    /// `c.Signal()`: wakes one thread waiting on `cond`, if any (which
    /// one is not promised, so every choice is explored).
    pub fn signal(&mut self, cond: CondId) -> &mut Self {
        self.push(Instr::Signal(cond))
    }

    /// `c.Broadcast()`: wakes every thread waiting on `cond`.
    pub fn broadcast(&mut self, cond: CondId) -> &mut Self {
        self.push(Instr::Broadcast(cond))
    }

    /// `time.Sleep(ticks)` on the scenario's virtual clock: returns once
    /// `ticks` have passed (at once for 0 or less). The clock moves only
    /// when no thread can move without it, straight to the next deadline.
    pub fn sleep(&mut self, ticks: impl Into<Operand>) -> &mut Self {
        self.push(Instr::Sleep(ticks.into()))
    }

    /// `timer = time.After(ticks)`: starts the timer of a channel declared
    /// with [`ScenarioBuilder::timer`](crate::ScenarioBuilder::timer),
    /// which then delivers one value `ticks` from now (a timer started
    /// earlier on it is dropped, as if Go had made a new channel).
    pub fn after(&mut self, timer: ChanId, ticks: impl Into<Operand>) -> &mut Self {
        self.push(Instr::After {
            chan: timer,
            ticks: ticks.into(),
        })
    }

    /// `once.Do(func() { body })`: the first thread to get here runs
    /// `body`; any other waits until it has returned, then skips it. Uses
    /// one register of its own to remember which it was.
    pub fn once_do(&mut self, once: OnceId, body: impl FnOnce(&mut Self)) -> &mut Self {
        let name = format!("once.{}", self.instrs.len());
        let runs = self.local(&name);
        self.push(Instr::OnceDo { once, dst: runs });
        self.if_(Expr::from(runs).equals(1), |p| {
            body(p);
            p.push(Instr::OnceDone(once));
        })
    }

    /// `dst = atomic.LoadInt64(&var)`: an atomic read (see
    /// [`Op::Atomic`](crate::Op::Atomic)).
    pub fn atomic_load(&mut self, dst: Reg, var: VarId) -> &mut Self {
        self.atomic(var, AtomicInstr::Load, Some(dst))
    }

    /// `atomic.StoreInt64(&var, src)`: an atomic write.
    pub fn atomic_store(&mut self, var: VarId, src: impl Into<Operand>) -> &mut Self {
        self.atomic(var, AtomicInstr::Store(src.into()), None)
    }

    /// `dst = atomic.AddInt64(&var, delta)`: adds atomically; `dst` gets
    /// the new value (pass `None` to discard it).
    pub fn atomic_add(
        &mut self,
        dst: impl Into<Option<Reg>>,
        var: VarId,
        delta: impl Into<Operand>,
    ) -> &mut Self {
        self.atomic(var, AtomicInstr::Add(delta.into()), dst.into())
    }

    /// `dst = atomic.SwapInt64(&var, new)`: stores atomically; `dst` gets
    /// the old value.
    pub fn atomic_swap(
        &mut self,
        dst: impl Into<Option<Reg>>,
        var: VarId,
        new: impl Into<Operand>,
    ) -> &mut Self {
        self.atomic(var, AtomicInstr::Swap(new.into()), dst.into())
    }

    /// `dst = atomic.CompareAndSwapInt64(&var, old, new)`: stores `new`
    /// if `var` is `old`; `dst` gets 1 if it did, 0 if not.
    pub fn compare_and_swap(
        &mut self,
        dst: impl Into<Option<Reg>>,
        var: VarId,
        old: impl Into<Operand>,
        new: impl Into<Operand>,
    ) -> &mut Self {
        let op = AtomicInstr::CompareAndSwap(old.into(), new.into());
        self.atomic(var, op, dst.into())
    }

    fn atomic(&mut self, var: VarId, op: AtomicInstr, dst: Option<Reg>) -> &mut Self {
        self.push(Instr::Atomic { var, op, dst })
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
        self.unbounded = true;
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
        // Bounded only while the body leaves the counter and the bound alone.
        let mut written = Vec::new();
        for instr in &self.instrs[head + 1..] {
            written.extend(instr.writes().into_iter().flatten());
            if let Instr::Select { cases, .. } = instr {
                written.extend(cases.iter().flat_map(|c| c.writes()).flatten());
            }
        }
        let bound_reg = match bound {
            Operand::Reg(r) => Some(r),
            _ => None,
        };
        if written.iter().any(|&w| w == i || Some(w) == bound_reg) {
            self.unbounded = true;
        }
        self.set(i, i + 1);
        self.code(format!("{c}++"));
        self.push(Instr::Jump(head));
        let end = self.instrs.len();
        self.patch(head, end);
        self
    }

    /// `for cond { body }`
    pub fn while_(&mut self, cond: impl Into<Expr>, body: impl FnOnce(&mut Self)) -> &mut Self {
        self.unbounded = true;
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

    /// Finishes the program. A program built wrong (more than
    /// [`MAX_REGISTERS`] registers, a register of another program) makes
    /// [`ScenarioBuilder::build`](crate::ScenarioBuilder::build) return an
    /// error that says what to fix.
    pub fn build(self) -> Program {
        if let Some(error) = self.misuse() {
            return Program {
                name: self.name,
                names: Vec::new(),
                instrs: Vec::new(),
                code: Vec::new(),
                live: Vec::new(),
                quiet: Vec::new(),
                done_budgets: Vec::new(),
                silent: true,
                exits_after_done: Vec::new(),
                ghosts: 0,
                may_loop: true,
                error: Some(error),
            };
        }
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
        let ghosts = self
            .regs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.ghost)
            .fold(0u64, |mask, (i, _)| mask | 1 << i);
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
            ghosts,
            may_loop: self.unbounded,
            error: None,
        }
    }

    /// What makes this program unable to run, if anything.
    fn misuse(&self) -> Option<String> {
        if self.regs.len() > MAX_REGISTERS {
            return Some(format!(
                "program `{}` declares {} registers (each `repeat` declares one for its counter); at most {MAX_REGISTERS} are supported: reuse registers or nest fewer loops",
                self.name,
                self.regs.len()
            ));
        }
        let mut read = Vec::new();
        for instr in &self.instrs {
            read.clear();
            instr.reads(&mut read);
            read.extend(instr.writes().into_iter().flatten());
            if let Some(r) = read.iter().find(|r| r.index() >= self.regs.len()) {
                return Some(format!(
                    "program `{}` uses register #{}, which it never declared (a register of another ProgramBuilder?); declare it with `local` or `ghost` on this builder",
                    self.name,
                    r.index()
                ));
            }
        }
        None
    }
}
