//! The step semantics of every operation on the global state, shared by
//! the explorer, replay and the threaded backends' interpreter so that all
//! of them see exactly the same executions.

use std::cell::RefCell;

use super::state::{
    ALWAYS, Alternative, BY_OP, Gate, MAX_ALTERNATIVES, NEVER, Reads, SimState, TIMED,
};
use crate::model::{ChanId, Fault, Op, OpResult, Scenario, WaitGroupId};
use crate::results::{Choice, alternative_of, choice, thread_of};

pub(crate) struct Sim<'a> {
    pub sc: &'a Scenario,
    /// Per invariant: the words its last two passing evaluations read, with
    /// their values, most recently used first; while either's words are
    /// unchanged, it passes again. Two, because the search runs a chain
    /// from each successor of one state in turn: the chain's first states
    /// match that state (one entry), its later ones the chain's own
    /// changes (the other).
    pub(super) memo: RefCell<Vec<[Option<Reads>; 2]>>,
    pub(super) reads: RefCell<Vec<u32>>,
    pub(super) alternatives: RefCell<Vec<Alternative>>,
    /// When set (see [`Sim::tracking_reads`]), every word an `Always`
    /// invariant read in a full evaluation, for the threaded backends to
    /// learn which steps an invariant can see.
    pub(super) always_reads: Option<RefCell<Vec<u32>>>,
}

impl<'a> Sim<'a> {
    pub fn new(sc: &'a Scenario) -> Self {
        Sim {
            sc,
            memo: RefCell::new(vec![[None, None]; sc.invariants.len()]),
            reads: RefCell::new(Vec::new()),
            alternatives: RefCell::new(Vec::new()),
            always_reads: None,
        }
    }

    /// A `Sim` that also notes the words its `Always` invariants read
    /// (collected by [`Sim::take_always_reads`]).
    pub fn tracking_reads(sc: &'a Scenario) -> Self {
        Sim {
            always_reads: Some(RefCell::new(Vec::new())),
            ..Sim::new(sc)
        }
    }

    /// Moves the words noted since the last call into `out` (nothing unless
    /// built by [`Sim::tracking_reads`]). A memoised pass reads nothing new:
    /// its words were noted when it was evaluated.
    pub fn take_always_reads(&self, out: &mut Vec<u32>) {
        if let Some(reads) = &self.always_reads {
            out.append(&mut reads.borrow_mut());
        }
    }

    #[inline]
    pub(super) fn slot_range(&self, t: usize) -> std::ops::Range<usize> {
        self.sc.layout.slot(t)
    }

    /// The initial state, or the first thread whose code panics before its
    /// first operation.
    pub fn initial(&self) -> Result<SimState, (u16, Fault)> {
        let words = self.sc.initial_words()?;
        let mut st = SimState::empty(0, self.sc.threads.len());
        st.words = words;
        for (t, thread) in self.sc.threads.iter().enumerate() {
            let op = thread.behaviour.pending(&st.words[self.slot_range(t)]);
            self.arrive(&mut st, t, op).map_err(|f| (t as u16, f))?;
        }
        Ok(st)
    }

    /// Sets thread `t`'s pending operation from its slot, once the words
    /// are those of a stored state.
    #[inline]
    pub fn load_pending(&self, st: &mut SimState, t: usize) {
        let SimState { words, pending, .. } = st;
        self.sc.threads[t].pending_into(&words[self.slot_range(t)], &mut pending[t]);
        self.set_gate(st, t);
    }

    /// Sets thread `t`'s gate from its pending operation.
    #[inline]
    fn set_gate(&self, st: &mut SimState, t: usize) {
        let layout = &self.sc.layout;
        st.gates[t] = match st.pending[t] {
            Op::Lock(m) => (layout.mutex_base + m.index()) as Gate,
            Op::RLock(m) => (layout.rw_base + 2 * m.index()) as Gate,
            Op::RwLock(_) => BY_OP,
            Op::OnceDo(o) => (layout.once_base + 2 * o.index()) as Gate,
            Op::WgWait(g) => (layout.wg_base + g.index()) as Gate,
            Op::Exit => NEVER,
            Op::Sleep(_) => TIMED,
            Op::Recv(c) if self.sc.names.channels[c.index()].timer => TIMED,
            Op::Send(..) | Op::Recv(_) | Op::Select(_) | Op::CondRelock(_) | Op::Signal(_) => BY_OP,
            Op::Load(_)
            | Op::Store(..)
            | Op::Atomic(..)
            | Op::Unlock(_)
            | Op::RwUnlock(_)
            | Op::RUnlock(_)
            | Op::OnceDone(_)
            | Op::CondWait(_)
            | Op::Broadcast(_)
            | Op::After(..)
            | Op::WgAdd(..)
            | Op::WgDone(_)
            | Op::Close(_) => ALWAYS,
        };
    }

    pub(super) fn chan(&self, c: ChanId) -> (usize, usize) {
        (
            self.sc.layout.chan_base[c.index()],
            self.sc.names.channels[c.index()].capacity,
        )
    }

    /// Whether thread `t` can perform its pending operation now.
    #[inline]
    pub fn enabled(&self, st: &SimState, t: usize) -> bool {
        match st.gates[t] {
            ALWAYS => true,
            NEVER => false,
            BY_OP => self.enabled_by_op(st, t),
            TIMED => self.timer_enabled(st, t),
            zero_at => st.words[zero_at as usize] == 0,
        }
    }

    /// Whether a step of thread `t` after one of `last` is a preemption: a
    /// switch away from a thread that could have gone on.
    pub fn preempts(&self, st: &SimState, last: Option<usize>, t: usize) -> bool {
        last.is_some_and(|l| l != t && self.enabled(st, l))
    }

    /// Whether thread `t`'s pending operation goes one of several ways
    /// (see [`Sim::alternatives`]).
    #[inline]
    pub(crate) fn branches(st: &SimState, t: usize) -> bool {
        matches!(st.pending[t], Op::Select(_) | Op::Signal(_))
    }

    /// The ways thread `t`'s pending select or `Signal` can go, in a fixed
    /// order: for a select see [`Sim::select_alternatives`]; a `Signal`
    /// wakes each waiting thread, in thread order, or finds nobody.
    pub(crate) fn alternatives(&self, st: &SimState, t: usize, out: &mut Vec<Alternative>) {
        match st.pending[t] {
            Op::Signal(c) => {
                out.clear();
                let layout = &self.sc.layout;
                out.extend(
                    (0..st.pending.len())
                        .filter(|&u| st.words[layout.cond_waiter(c.index(), u)] != 0)
                        .map(|u| Alternative::Wake(u as u16)),
                );
                if out.is_empty() {
                    out.push(Alternative::Default);
                }
            }
            _ => self.select_alternatives(st, t, out),
        }
    }

    /// [`Sim::enabled`] for channel operations and selects.
    #[inline(never)]
    pub(super) fn enabled_by_op(&self, st: &SimState, t: usize) -> bool {
        let w = &st.words;
        match st.pending[t] {
            Op::Signal(_) => true,
            Op::CondRelock(c) => {
                let m = self.sc.names.cond_mutex(c);
                w[self.sc.layout.cond_waiter(c.index(), t)] == 0
                    && w[self.sc.layout.mutex_base + m.index()] == 0
            }
            Op::Send(c, _) => {
                let (base, cap) = self.chan(c);
                if w[base] != 0 || self.is_timer(c) {
                    true // sending on a closed channel panics
                } else if cap > 0 {
                    (w[base + 1] as usize) < cap
                } else {
                    w[base + 1] == 0
                }
            }
            Op::Recv(c) => self.can_receive(w, c, t),
            Op::Select(_) => self.select_enabled(st, t),
            Op::RwLock(m) => {
                let base = self.sc.layout.rw_base + 2 * m.index();
                // Free, or announced by this thread and the readers gone.
                w[base] == 0 || (w[base] == t as i64 + 1 && w[base + 1] == 0)
            }
            _ => unreachable!("gated by a word"),
        }
    }

    pub fn enabled_threads(&self, st: &SimState, out: &mut Vec<Choice>) {
        self.enabled_up_to(st, usize::MAX, out);
    }

    /// A thread whose pending `wg.Done()` may run before anything else
    /// without losing a reachable state that matters: the one step of a
    /// persistent set (Godefroid's partial-order reduction).
    ///
    /// It holds when the `Done` is quiet (no local statement follows it, so
    /// it changes only the counter and the thread's position, which no
    /// invariant can read) and the other threads can call `Done` at most
    /// `c - 1` more times between them, where `c` is the counter, and nobody
    /// can still `Add`. Then, until this `Done` runs, the counter stays at 1
    /// or more, so no `Wait` is released, no `Done` fails (this one
    /// included), and every other step commutes with it: whatever the other
    /// threads do first, running the `Done` first reaches the same states
    /// after.
    pub fn eager_done(&self, st: &SimState) -> Option<Choice> {
        // The operation is matched here, inline: almost every state has no
        // pending `Done`, and the search asks in every state it stores.
        (0..st.pending.len())
            .find(|&t| matches!(st.pending[t], Op::WgDone(_)) && self.done_is_eager(st, t))
            .map(|t| t as Choice)
    }

    /// Whether thread `t`'s pending operation is a `wg.Done()` that may run
    /// before anything else (see [`Sim::eager_done`]).
    pub fn done_is_eager(&self, st: &SimState, t: usize) -> bool {
        let Op::WgDone(g) = st.pending[t] else {
            return false;
        };
        let slot = &st.words[self.slot_range(t)];
        if self.sc.threads[t].behaviour.quiet_done(slot) != Some(g) {
            return false;
        }
        let counter = st.words[self.sc.layout.wg_base + g.index()];
        let mut others: i64 = 0;
        for u in (0..st.pending.len()).filter(|&u| u != t) {
            if st.pending[u] == Op::Exit {
                continue;
            }
            let slot = &st.words[self.slot_range(u)];
            match self.sc.threads[u].behaviour.done_budget(slot, g) {
                Some(b) => others += i64::from(b),
                None => return false,
            }
        }
        others < counter
    }

    /// Whether thread `t`'s `wg.Wait()` on `g`, once released, stays
    /// released: no other thread can still `Add` to `g` (known only for
    /// programs), so the counter, once 0, stays 0.
    pub fn wait_stays_released(&self, st: &SimState, t: usize, g: WaitGroupId) -> bool {
        (0..st.pending.len())
            .filter(|&u| u != t && st.pending[u] != Op::Exit)
            .all(|u| {
                let slot = &st.words[self.slot_range(u)];
                self.sc.threads[u].behaviour.done_budget(slot, g).is_some()
            })
    }

    /// A thread that, from `st`, can only move once every other thread has
    /// ended: it waits on a wait group whose counter only the others'
    /// remaining `Done` calls, all of them, bring to 0, and each of them
    /// does nothing shared after its last `Done` (known only for
    /// programs). A threaded backend may run it after joining the others,
    /// as a hand-written test's `main` joins its threads (see
    /// `backend::world`).
    pub fn waits_for_all(&self, st: &SimState) -> Option<usize> {
        (0..st.pending.len()).find(|&w| {
            let Op::WgWait(g) = st.pending[w] else {
                return false;
            };
            let counter = st.words[self.sc.layout.wg_base + g.index()];
            let mut dones: i64 = 0;
            for u in (0..st.pending.len()).filter(|&u| u != w) {
                let behaviour = &self.sc.threads[u].behaviour;
                let slot = &st.words[self.slot_range(u)];
                match behaviour.done_budget(slot, g) {
                    Some(b) if behaviour.exits_after_last_done(g) => dones += i64::from(b),
                    _ => return false,
                }
            }
            counter > 0 && dones == counter
        })
    }

    /// The first `limit` choices that can be taken: enough to tell a chain
    /// (exactly one), a branching state (two or more) and an end (none).
    pub fn enabled_up_to(&self, st: &SimState, limit: usize, out: &mut Vec<Choice>) {
        out.clear();
        for t in 0..st.gates.len() {
            if st.gates[t] == BY_OP && Self::branches(st, t) {
                if self.push_alternatives(st, t, limit, out) {
                    return;
                }
            } else if self.enabled(st, t) {
                out.push(t as Choice);
                if out.len() == limit {
                    return;
                }
            }
        }
    }

    /// Pushes thread `t`'s select alternatives; true once `out` has `limit`.
    #[cold]
    #[inline(never)]
    fn push_alternatives(
        &self,
        st: &SimState,
        t: usize,
        limit: usize,
        out: &mut Vec<Choice>,
    ) -> bool {
        let mut alts = self.alternatives.borrow_mut();
        self.alternatives(st, t, &mut alts);
        for k in 0..alts.len().min(MAX_ALTERNATIVES) {
            out.push(choice(t, k));
            if out.len() == limit {
                return true;
            }
        }
        false
    }

    /// Whether choice `c` can be taken now.
    pub fn can_take(&self, st: &SimState, c: Choice) -> bool {
        let (t, k) = (thread_of(c), alternative_of(c));
        if t >= st.pending.len() {
            return false;
        }
        if Self::branches(st, t) {
            let mut alts = self.alternatives.borrow_mut();
            self.alternatives(st, t, &mut alts);
            k < alts.len().min(MAX_ALTERNATIVES)
        } else {
            k == 0 && self.enabled(st, t)
        }
    }

    /// Takes choice `c` (which must be enabled): a thread's pending operation,
    /// or one alternative of its select. Returns the other thread the step
    /// resumed, if any (an unbuffered channel's partner, which then has a
    /// new pending operation); on a fault, the faulting thread (a
    /// receiver's partner may fault).
    pub fn step(&self, st: &mut SimState, c: Choice) -> Result<Option<usize>, (u16, Fault)> {
        let t = thread_of(c);
        let layout = &self.sc.layout;
        let op = st.pending[t];
        if let Op::Select(_) = op {
            return self.step_select(st, t, alternative_of(c));
        }
        if let Op::Signal(_) = op {
            let woken = {
                let mut alts = self.alternatives.borrow_mut();
                self.alternatives(st, t, &mut alts);
                *alts
                    .get(alternative_of(c))
                    .expect("only an offered alternative is taken")
            };
            if let (Alternative::Wake(u), Op::Signal(cond)) = (woken, op) {
                st.words[layout.cond_waiter(cond.index(), usize::from(u))] = 0;
            }
            self.resume(st, t, OpResult::Done)?;
            return Ok(None);
        }
        let fault = |m: &str| Err((t as u16, Fault::panic(m)));
        let mut partner = None;
        let result = {
            let w = &mut st.words;
            match op {
                Op::Load(v) => OpResult::Value(w[layout.var_base + v.index()]),
                Op::Store(v, x) => {
                    w[layout.var_base + v.index()] = x;
                    OpResult::Done
                }
                Op::Atomic(v, a) => a.apply(&mut w[layout.var_base + v.index()]),
                Op::Lock(m) => {
                    w[layout.mutex_base + m.index()] = t as i64 + 1;
                    OpResult::Done
                }
                Op::Unlock(m) => {
                    let holder = &mut w[layout.mutex_base + m.index()];
                    if *holder == 0 {
                        return fault("fatal error: sync: unlock of unlocked mutex");
                    }
                    *holder = 0;
                    OpResult::Done
                }
                Op::RwLock(m) => {
                    let base = layout.rw_base + 2 * m.index();
                    if w[base + 1] > 0 {
                        // Readers hold it: announce, keep new readers out,
                        // and stay blocked until the last one leaves.
                        w[base] = t as i64 + 1;
                        return Ok(None);
                    }
                    w[base] = -(t as i64 + 1);
                    OpResult::Done
                }
                Op::RwUnlock(m) => {
                    let writer = &mut w[layout.rw_base + 2 * m.index()];
                    if *writer >= 0 {
                        return fault("fatal error: sync: Unlock of unlocked RWMutex");
                    }
                    *writer = 0;
                    OpResult::Done
                }
                Op::RLock(m) => {
                    w[layout.rw_base + 2 * m.index() + 1] += 1;
                    OpResult::Done
                }
                Op::RUnlock(m) => {
                    let readers = &mut w[layout.rw_base + 2 * m.index() + 1];
                    if *readers == 0 {
                        return fault("fatal error: sync: RUnlock of unlocked RWMutex");
                    }
                    *readers -= 1;
                    OpResult::Done
                }
                Op::OnceDo(o) => {
                    let base = layout.once_base + 2 * o.index();
                    if w[base + 1] != 0 {
                        OpResult::Value(0)
                    } else {
                        w[base] = t as i64 + 1;
                        OpResult::Value(1)
                    }
                }
                Op::OnceDone(o) => {
                    let base = layout.once_base + 2 * o.index();
                    w[base] = 0;
                    w[base + 1] = 1;
                    OpResult::Done
                }
                Op::CondWait(c) => {
                    let m = self.sc.names.cond_mutex(c);
                    let holder = &mut w[layout.mutex_base + m.index()];
                    if *holder == 0 {
                        return fault("fatal error: sync: unlock of unlocked mutex");
                    }
                    *holder = 0;
                    w[layout.cond_waiter(c.index(), t)] = 1;
                    OpResult::Done
                }
                Op::CondRelock(c) => {
                    let m = self.sc.names.cond_mutex(c);
                    w[layout.mutex_base + m.index()] = t as i64 + 1;
                    OpResult::Done
                }
                Op::Broadcast(c) => {
                    for u in 0..layout.thread_base.len() {
                        w[layout.cond_waiter(c.index(), u)] = 0;
                    }
                    OpResult::Done
                }
                Op::Signal(_) => unreachable!("handled above"),
                Op::Sleep(_) => {
                    let timer = self.thread_timer(t);
                    self.fire(w, timer);
                    OpResult::Done
                }
                Op::After(c, ticks) => {
                    let (base, _) = self.chan(c);
                    if !self.is_timer(c) {
                        return fault("time.After needs a timer's channel");
                    }
                    w[base] = ticks.max(0).saturating_add(1);
                    OpResult::Done
                }
                Op::WgAdd(g, _) | Op::WgDone(g) => {
                    let delta = if let Op::WgAdd(_, d) = op { d } else { -1 };
                    let counter = &mut w[layout.wg_base + g.index()];
                    match counter.checked_add(delta) {
                        Some(c) if c >= 0 => *counter = c,
                        _ => return fault("panic: sync: negative WaitGroup counter"),
                    }
                    OpResult::Done
                }
                Op::WgWait(_) => OpResult::Done,
                Op::Send(c, _) | Op::Close(c) if self.is_timer(c) => {
                    return fault(
                        "a timer's channel only receives (Go: invalid operation on a receive-only channel)",
                    );
                }
                Op::Send(c, x) => {
                    let (base, cap) = self.chan(c);
                    if w[base] != 0 {
                        return fault("panic: send on closed channel");
                    }
                    if cap > 0 {
                        let len = w[base + 1] as usize;
                        w[base + 2 + len] = x;
                        w[base + 1] += 1;
                        OpResult::Done
                    } else {
                        // Unbuffered: offer the value and stay blocked until a
                        // receiver takes it (the receiver's step resumes us).
                        w[base + 1] = t as i64 + 1;
                        w[base + 2] = x;
                        return Ok(None);
                    }
                }
                Op::Recv(c) => {
                    let (value, ok, sender) = self.take(w, c);
                    partner = sender;
                    OpResult::Received { value, ok }
                }
                Op::Close(c) => {
                    let (base, _) = self.chan(c);
                    if w[base] != 0 {
                        return fault("panic: close of closed channel");
                    }
                    w[base] = 1;
                    OpResult::Done
                }
                Op::Select(_) => unreachable!("handled above"),
                Op::Exit => unreachable!("an exited thread is never enabled"),
            }
        };
        self.resume(st, t, result)?;
        if let Some(sender) = partner {
            self.resume(st, sender, OpResult::Done)?;
        }
        Ok(partner)
    }

    /// Receives on `c` (which must be ready): the value, Go's `ok`, and the
    /// sender whose offer was taken on an unbuffered channel.
    pub(super) fn take(&self, w: &mut [i64], c: ChanId) -> (i64, bool, Option<usize>) {
        let (base, cap) = self.chan(c);
        if self.is_timer(c) {
            self.fire(w, base);
            return (0, true, None);
        }
        if cap > 0 {
            let len = w[base + 1] as usize;
            if len == 0 {
                return (0, false, None);
            }
            let value = w[base + 2];
            w.copy_within(base + 3..base + 2 + len, base + 2);
            w[base + 1 + len] = 0;
            w[base + 1] -= 1;
            (value, true, None)
        } else if w[base] != 0 {
            (0, false, None)
        } else {
            let value = w[base + 2];
            let sender = (w[base + 1] - 1) as usize;
            w[base + 1] = 0;
            w[base + 2] = 0;
            (value, true, Some(sender))
        }
    }

    pub(super) fn resume(
        &self,
        st: &mut SimState,
        t: usize,
        result: OpResult,
    ) -> Result<(), (u16, Fault)> {
        let range = self.slot_range(t);
        let SimState { words, pending, .. } = st;
        self.sc.threads[t]
            .resume_into(&mut words[range], result, &mut pending[t])
            .map_err(|f| (t as u16, f))?;
        self.arrived(st, t).map_err(|f| (t as u16, f))
    }

    /// Thread `t` arrives at its next pending operation `op`.
    fn arrive(&self, st: &mut SimState, t: usize, op: Op) -> Result<(), Fault> {
        st.pending[t] = op;
        self.arrived(st, t)
    }

    /// Thread `t` has arrived at its pending operation: its gate is set,
    /// and a `Sleep` starts its timer now.
    #[inline]
    fn arrived(&self, st: &mut SimState, t: usize) -> Result<(), Fault> {
        self.set_gate(st, t);
        if let Op::Sleep(ticks) = st.pending[t] {
            let Some(timer) = self.sc.layout.timer_base.map(|b| b + t) else {
                return Err(Fault::panic(
                    "time.Sleep in a hand-written machine: only a Program's threads can sleep (write this thread with ProgramBuilder::sleep)",
                ));
            };
            st.words[timer] = ticks.max(0).saturating_add(1);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProgramBuilder, ScenarioBuilder};

    fn waiter_of(sc: &Scenario) -> Option<usize> {
        let sim = Sim::new(sc);
        sim.waits_for_all(&sim.initial().unwrap())
    }

    #[test]
    fn the_banks_main_waits_for_all_the_earners() {
        let entry = crate::catalog::find("bank/mutex").unwrap();
        let sc = entry
            .build(&entry.params_from(&[] as &[String]).unwrap())
            .unwrap();
        assert_eq!(waiter_of(&sc), Some(4), "main, after the four earners");
    }

    /// Each earner, optionally doing something shared after its `Done`,
    /// and a `main` that waits for `count` calls.
    fn workers(count: i64, after_done: bool) -> Scenario {
        let mut s = ScenarioBuilder::new("w");
        let x = s.var("x", 0);
        let wg = s.wait_group("wg", count);
        for value in [1, 2] {
            let mut p = ProgramBuilder::new(format!("w{value}"));
            p.store(x, value).done(wg);
            if after_done {
                p.store(x, 0);
            }
            s.thread(p.build());
        }
        let mut main = ProgramBuilder::new("main");
        let seen = main.local("seen");
        main.wait(wg).load(seen, x);
        s.thread(main.build());
        s.build().unwrap()
    }

    #[test]
    fn a_waiter_needs_every_done_and_nothing_shared_after_them() {
        assert_eq!(waiter_of(&workers(2, false)), Some(2));
        assert_eq!(waiter_of(&workers(2, true)), None, "a store follows a Done");
        assert_eq!(waiter_of(&workers(1, false)), None, "one Done releases it");
        assert_eq!(waiter_of(&workers(0, false)), None, "not blocked at all");
    }
}
