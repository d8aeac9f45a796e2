//! The program builder: Go-like statements appended one by one, then
//! compiled with the control-flow facts of `flow.rs` into a [`Program`].

use crate::model::expr::{Compiled, Expr, Operand};
use crate::model::ids::{
    ChanId, CondId, MutexId, OnceId, Reg, RwMutexId, VarArray, VarId, WaitGroupId,
};

use super::flow::{self};
use super::instr::{AtomicInstr, Instr, RegDecl};
use super::run::Program;

/// The most registers one program may declare (liveness masks are 64 bits).
pub const MAX_REGISTERS: usize = 64;

/// A loop, a select or a function literal being built: where the
/// `break`, `continue` and `return` statements that leave it are, to be
/// pointed at its end or its next round.
#[derive(Clone, Debug)]
pub(super) struct Frame {
    pub(super) kind: FrameKind,
    /// `break` (and, in a function, `return`).
    pub(super) breaks: Vec<usize>,
    pub(super) continues: Vec<usize>,
}

/// What a [`Frame`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FrameKind {
    Loop,
    Select,
    /// The function given to `once.Do`: `return` ends it, and no `break`
    /// or `continue` reaches a loop outside it.
    Func,
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
    pub(super) instrs: Vec<Instr>,
    code: Vec<Option<String>>,
    pub(super) regs: Vec<RegDecl>,
    /// Some loop may run for ever: a `while`, a `range`, or a `repeat`
    /// whose body writes its counter or its bound.
    pub(super) unbounded: bool,
    /// The loops and selects being built, innermost last.
    pub(super) frames: Vec<Frame>,
    /// Where the `return` statements are, to point at the end.
    pub(super) returns: Vec<usize>,
    /// The first statement that cannot be built (`break` outside a loop).
    mistake: Option<String>,
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
            frames: Vec::new(),
            returns: Vec::new(),
            mistake: None,
        }
    }

    pub(super) fn note_mistake(&mut self, what: &str) {
        if self.mistake.is_none() {
            self.mistake = Some(format!(
                "program `{}` has a {what}: Go does not compile that; put it inside one",
                self.name
            ));
        }
    }

    pub(super) fn register_names(&self) -> Vec<String> {
        self.regs.iter().map(|r| r.name.clone()).collect()
    }

    /// `value` as an operand of a shared statement: a constant or a
    /// register as it is; any other expression is computed just before
    /// into a register named after its text (so traces read `x = n + 1`),
    /// shared by every statement with the same text.
    pub(super) fn operand(&mut self, value: Expr) -> Operand {
        match value {
            Expr::Const(c) => Operand::Const(c),
            Expr::Reg(r) => Operand::Reg(r),
            e => {
                let text = e.render(&self.register_names());
                let existing = self.regs.iter().position(|r| r.name == text && !r.ghost);
                let r = match existing {
                    Some(i) => Reg(i as u16),
                    None => self.local(&text),
                };
                self.set(r, e);
                self.code(text);
                Operand::Reg(r)
            }
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

    pub(super) fn push(&mut self, instr: Instr) -> &mut Self {
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

    /// `dst := array[index]`: reads the element `index` names (an index
    /// out of range is a runtime panic, as in Go).
    pub fn load_at(&mut self, dst: Reg, array: VarArray, index: impl Into<Expr>) -> &mut Self {
        let index = self.operand(index.into());
        self.push(Instr::IndexCheck {
            index,
            len: array.len,
        });
        self.push(Instr::LoadAt { dst, array, index })
    }

    /// `array[index] = src`: writes the element `index` names.
    pub fn store_at(
        &mut self,
        array: VarArray,
        index: impl Into<Expr>,
        src: impl Into<Expr>,
    ) -> &mut Self {
        let index = self.operand(index.into());
        let src = self.operand(src.into());
        self.push(Instr::IndexCheck {
            index,
            len: array.len,
        });
        self.push(Instr::StoreAt { array, index, src })
    }

    /// `var = src`: writes a shared variable.
    pub fn store(&mut self, var: VarId, src: impl Into<Expr>) -> &mut Self {
        let src = self.operand(src.into());
        self.push(Instr::Store { var, src })
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
    pub fn sleep(&mut self, ticks: impl Into<Expr>) -> &mut Self {
        let ticks = self.operand(ticks.into());
        self.push(Instr::Sleep(ticks))
    }

    /// `timer = time.After(ticks)`: starts the timer of a channel declared
    /// with [`ScenarioBuilder::timer`](crate::ScenarioBuilder::timer),
    /// which then delivers one value `ticks` from now. The channel is one
    /// timer: starting it again drops the earlier deadline, also for a
    /// thread already waiting on it (in Go that thread would still wait on
    /// the old channel), so give each waiter its own timer.
    pub fn after(&mut self, timer: ChanId, ticks: impl Into<Expr>) -> &mut Self {
        let ticks = self.operand(ticks.into());
        self.push(Instr::After { chan: timer, ticks })
    }

    /// `once.Do(func() { body })`: the first thread to get here runs
    /// `body`; any other waits until it has returned, then skips it. Uses
    /// one register of its own to remember which it was.
    pub fn once_do(&mut self, once: OnceId, body: impl FnOnce(&mut Self)) -> &mut Self {
        let name = format!("once.{}", self.instrs.len());
        let runs = self.local(&name);
        self.push(Instr::OnceDo { once, dst: runs });
        self.if_(Expr::from(runs).equals(1), |p| {
            p.frames.push(Frame {
                kind: FrameKind::Func,
                breaks: Vec::new(),
                continues: Vec::new(),
            });
            body(p);
            let done = p.instrs.len();
            p.close_frame(done, done);
            p.push(Instr::OnceDone(once));
        })
    }

    /// `dst = atomic.LoadInt64(&var)`: an atomic read (see
    /// [`Op::Atomic`](crate::Op::Atomic)).
    pub fn atomic_load(&mut self, dst: Reg, var: VarId) -> &mut Self {
        self.atomic(var, AtomicInstr::Load, Some(dst))
    }

    /// `atomic.StoreInt64(&var, src)`: an atomic write.
    pub fn atomic_store(&mut self, var: VarId, src: impl Into<Expr>) -> &mut Self {
        let src = self.operand(src.into());
        self.atomic(var, AtomicInstr::Store(src), None)
    }

    /// `dst = atomic.AddInt64(&var, delta)`: adds atomically; `dst` gets
    /// the new value (pass `None` to discard it).
    pub fn atomic_add(
        &mut self,
        dst: impl Into<Option<Reg>>,
        var: VarId,
        delta: impl Into<Expr>,
    ) -> &mut Self {
        let delta = self.operand(delta.into());
        self.atomic(var, AtomicInstr::Add(delta), dst.into())
    }

    /// `dst = atomic.SwapInt64(&var, new)`: stores atomically; `dst` gets
    /// the old value.
    pub fn atomic_swap(
        &mut self,
        dst: impl Into<Option<Reg>>,
        var: VarId,
        new: impl Into<Expr>,
    ) -> &mut Self {
        let new = self.operand(new.into());
        self.atomic(var, AtomicInstr::Swap(new), dst.into())
    }

    /// `dst = atomic.CompareAndSwapInt64(&var, old, new)`: stores `new`
    /// if `var` is `old`; `dst` gets 1 if it did, 0 if not.
    pub fn compare_and_swap(
        &mut self,
        dst: impl Into<Option<Reg>>,
        var: VarId,
        old: impl Into<Expr>,
        new: impl Into<Expr>,
    ) -> &mut Self {
        let (old, new) = (self.operand(old.into()), self.operand(new.into()));
        let op = AtomicInstr::CompareAndSwap(old, new);
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

    /// `mu.Lock()`
    pub fn lock(&mut self, mutex: MutexId) -> &mut Self {
        self.push(Instr::Lock(mutex))
    }

    /// `mu.Unlock()`
    pub fn unlock(&mut self, mutex: MutexId) -> &mut Self {
        self.push(Instr::Unlock(mutex))
    }

    /// `wg.Add(delta)`
    pub fn add(&mut self, wg: WaitGroupId, delta: impl Into<Expr>) -> &mut Self {
        let delta = self.operand(delta.into());
        self.push(Instr::WgAdd { wg, delta })
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
    pub fn send(&mut self, chan: ChanId, src: impl Into<Expr>) -> &mut Self {
        let src = self.operand(src.into());
        self.push(Instr::Send { chan, src })
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

    /// Fails the scenario (as a failed assertion, like a test's `t.Fatalf`)
    /// when `cond` is 0 at this point.
    pub fn assert(&mut self, cond: impl Into<Expr>, message: impl Into<String>) -> &mut Self {
        self.push(Instr::Assert {
            cond: cond.into(),
            message: message.into(),
        })
    }

    /// Finishes the program. A program built wrong (more than
    /// [`MAX_REGISTERS`] registers, a register of another program) makes
    /// [`ScenarioBuilder::build`](crate::ScenarioBuilder::build) return an
    /// error that says what to fix.
    pub fn build(mut self) -> Program {
        let end = self.instrs.len();
        for at in std::mem::take(&mut self.returns) {
            self.instrs[at] = Instr::Jump(end);
        }
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
        if let Some(mistake) = &self.mistake {
            return Some(mistake.clone());
        }
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
