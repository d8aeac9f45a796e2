//! The semantics of operations on the global state vector, shared by the
//! search and by replay so that both see exactly the same executions.

use crate::check::{Pending, Property, TraceStep};
use std::cell::RefCell;

use crate::model::machine::guarded;
use crate::model::{Fault, FaultKind, Op, OpResult, Scenario, Scope, StateView, ThreadId, VarId};

/// A global state with each thread's pending operation alongside (derived
/// from the words, kept so that a step recomputes only what it changed).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SimState {
    pub words: Vec<i64>,
    pub pending: Vec<Op>,
}

impl Clone for SimState {
    fn clone(&self) -> Self {
        SimState {
            words: self.words.clone(),
            pending: self.pending.clone(),
        }
    }

    /// Reuses the buffers: the search copies a state for every successor.
    fn clone_from(&mut self, source: &Self) {
        self.words.clone_from(&source.words);
        self.pending.clone_from(&source.pending);
    }
}

/// How a state ends, when no thread can move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Terminal {
    Final,
    Deadlock,
}

/// Words an evaluation read, as (index, value) pairs.
type Reads = Vec<(u32, i64)>;

pub(crate) struct Sim<'a> {
    pub sc: &'a Scenario,
    /// Per invariant: the words its last passing evaluation read, with their
    /// values; while they are unchanged, it passes again.
    memo: RefCell<Vec<Option<Reads>>>,
    reads: RefCell<Vec<u32>>,
}

impl<'a> Sim<'a> {
    pub fn new(sc: &'a Scenario) -> Self {
        Sim {
            sc,
            memo: RefCell::new(vec![None; sc.invariants.len()]),
            reads: RefCell::new(Vec::new()),
        }
    }

    #[inline]
    fn slot_range(&self, t: usize) -> std::ops::Range<usize> {
        self.sc.layout.slot(t)
    }

    /// The initial state, or the first thread whose code panics before its
    /// first operation.
    pub fn initial(&self) -> Result<SimState, (u16, Fault)> {
        let layout = &self.sc.layout;
        let mut words = vec![0; layout.width];
        for (v, decl) in self.sc.names.vars.iter().enumerate() {
            words[layout.var_base + v] = decl.init;
        }
        for (w, &count) in self.sc.wg_init.iter().enumerate() {
            words[layout.wg_base + w] = count;
        }
        let mut pending = Vec::with_capacity(self.sc.threads.len());
        for (t, thread) in self.sc.threads.iter().enumerate() {
            let range = self.slot_range(t);
            thread
                .behaviour
                .start(&mut words[range.clone()])
                .map_err(|f| (t as u16, f))?;
            pending.push(thread.behaviour.pending(&words[range]));
        }
        Ok(SimState { words, pending })
    }

    fn chan(&self, c: crate::model::ChanId) -> (usize, usize) {
        (
            self.sc.layout.chan_base[c.index()],
            self.sc.names.channels[c.index()].capacity,
        )
    }

    /// Whether thread `t` can perform its pending operation now.
    pub fn enabled(&self, st: &SimState, t: usize) -> bool {
        let layout = &self.sc.layout;
        let w = &st.words;
        match st.pending[t] {
            Op::Load(_) | Op::Store(..) | Op::Unlock(_) | Op::WgAdd(..) | Op::WgDone(_) => true,
            Op::Close(_) => true,
            Op::Lock(m) => w[layout.mutex_base + m.index()] == 0,
            Op::WgWait(g) => w[layout.wg_base + g.index()] == 0,
            Op::Send(c, _) => {
                let (base, cap) = self.chan(c);
                if w[base] != 0 {
                    true // sending on a closed channel panics
                } else if cap > 0 {
                    (w[base + 1] as usize) < cap
                } else {
                    w[base + 1] == 0
                }
            }
            Op::Recv(c) => {
                let (base, cap) = self.chan(c);
                if cap > 0 {
                    w[base + 1] > 0 || w[base] != 0
                } else {
                    w[base] != 0 || (w[base + 1] != 0 && w[base + 1] != t as i64 + 1)
                }
            }
            Op::Exit => false,
        }
    }

    pub fn enabled_threads(&self, st: &SimState, out: &mut Vec<u16>) {
        self.enabled_up_to(st, usize::MAX, out);
    }

    /// The first `limit` threads that can move: enough to tell a chain
    /// (exactly one), a branching state (two or more) and an end (none).
    pub fn enabled_up_to(&self, st: &SimState, limit: usize, out: &mut Vec<u16>) {
        out.clear();
        for t in 0..st.pending.len() {
            if self.enabled(st, t) {
                out.push(t as u16);
                if out.len() == limit {
                    return;
                }
            }
        }
    }

    /// Performs thread `t`'s pending operation (which must be enabled).
    /// On a fault, returns the faulting thread (a receiver's partner may fault).
    pub fn step(&self, st: &mut SimState, t: usize) -> Result<(), (u16, Fault)> {
        let layout = &self.sc.layout;
        let op = st.pending[t];
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
                        st.pending[t] = op;
                        return Ok(());
                    }
                }
                Op::Recv(c) => {
                    let (base, cap) = self.chan(c);
                    if cap > 0 {
                        let len = w[base + 1] as usize;
                        if len > 0 {
                            let value = w[base + 2];
                            w.copy_within(base + 3..base + 2 + len, base + 2);
                            w[base + 1 + len] = 0;
                            w[base + 1] -= 1;
                            OpResult::Received { value, ok: true }
                        } else {
                            OpResult::Received {
                                value: 0,
                                ok: false,
                            }
                        }
                    } else if w[base] != 0 {
                        OpResult::Received {
                            value: 0,
                            ok: false,
                        }
                    } else {
                        let value = w[base + 2];
                        partner = Some((w[base + 1] - 1) as usize);
                        w[base + 1] = 0;
                        w[base + 2] = 0;
                        OpResult::Received { value, ok: true }
                    }
                }
                Op::Close(c) => {
                    let (base, _) = self.chan(c);
                    if w[base] != 0 {
                        return fault("panic: close of closed channel");
                    }
                    w[base] = 1;
                    OpResult::Done
                }
                Op::Exit => unreachable!("an exited thread is never enabled"),
            }
        };
        self.resume(st, t, result)?;
        if let Some(sender) = partner {
            self.resume(st, sender, OpResult::Done)?;
        }
        Ok(())
    }

    fn resume(&self, st: &mut SimState, t: usize, result: OpResult) -> Result<(), (u16, Fault)> {
        let range = self.slot_range(t);
        let thread = &self.sc.threads[t];
        thread
            .resume(&mut st.words[range.clone()], result)
            .map_err(|f| (t as u16, f))?;
        st.pending[t] = thread.pending(&st.words[range]);
        Ok(())
    }

    fn run_invariant(&self, st: &SimState, i: usize) -> Result<(), String> {
        if let Some(reads) = &self.memo.borrow()[i]
            && reads.iter().all(|&(w, v)| st.words[w as usize] == v)
        {
            return Ok(());
        }
        self.reads.borrow_mut().clear();
        let view = StateView {
            scenario: self.sc,
            words: &st.words,
            reads: Some(&self.reads),
        };
        let check = &self.sc.invariants[i].check;
        let result = match guarded(|| check(&view)) {
            Ok(result) => result,
            Err(fault) => Err(format!("the invariant itself panicked: {}", fault.message)),
        };
        let mut memo = self.memo.borrow_mut();
        if result.is_ok() {
            let saved = memo[i].get_or_insert_with(Vec::new);
            saved.clear();
            saved.extend(
                self.reads
                    .borrow()
                    .iter()
                    .map(|&w| (w, st.words[w as usize])),
            );
        } else {
            memo[i] = None;
        }
        result
    }

    /// The first failing invariant of this scope.
    pub fn failing_invariant(&self, st: &SimState, scope: Scope) -> Option<(usize, String)> {
        (0..self.sc.invariants.len())
            .filter(|&i| self.sc.invariants[i].scope == scope)
            .find_map(|i| self.run_invariant(st, i).err().map(|m| (i, m)))
    }

    /// Two threads about to access the same variable, at least one writing.
    ///
    /// Under sequential consistency an execution has two accesses unordered
    /// by happens-before exactly when some reachable state has them both
    /// pending at once, so this per-state check is the race detector.
    pub fn race(&self, st: &SimState) -> Option<(VarId, u16, u16)> {
        let access = |op: &Op| match *op {
            Op::Load(v) => Some((v, false)),
            Op::Store(v, _) => Some((v, true)),
            _ => None,
        };
        for (i, a) in st.pending.iter().enumerate() {
            let Some((va, wa)) = access(a) else { continue };
            for (j, b) in st.pending.iter().enumerate().skip(i + 1) {
                if let Some((vb, wb)) = access(b)
                    && va == vb
                    && (wa || wb)
                {
                    return Some((va, i as u16, j as u16));
                }
            }
        }
        None
    }

    pub fn terminal(&self, st: &SimState) -> Terminal {
        if st.pending.iter().all(|op| *op == Op::Exit) {
            Terminal::Final
        } else {
            Terminal::Deadlock
        }
    }

    /// The line of code thread `t` is about to execute.
    pub fn code_line(&self, st: &SimState, t: usize) -> String {
        let range = self.slot_range(t);
        self.sc.threads[t]
            .behaviour
            .code_line(&st.words[range], &self.sc.names)
    }

    pub fn pending_of(&self, st: &SimState, t: usize) -> Pending {
        Pending {
            thread: ThreadId(t as u32),
            code: self.code_line(st, t),
        }
    }

    /// Describes the step thread `t` is about to take (call before [`Sim::step`]).
    pub fn describe_step(&self, st: &SimState, t: usize) -> TraceStep {
        let names = &self.sc.names;
        let w = &st.words;
        let value = match st.pending[t] {
            Op::Load(v) => names.value(v, w[self.sc.layout.var_base + v.index()]),
            Op::Store(v, x) => names.value(v, x),
            Op::Send(_, x) => x.to_string(),
            Op::Recv(c) => {
                let (base, cap) = self.chan(c);
                if cap > 0 && w[base + 1] > 0 {
                    w[base + 2].to_string()
                } else if w[base] != 0 {
                    "closed".to_string()
                } else {
                    let sender = ThreadId((w[base + 1] - 1) as u32);
                    format!("{} (from {})", w[base + 2], names.thread(sender))
                }
            }
            _ => String::new(),
        };
        TraceStep {
            thread: ThreadId(t as u32),
            code: self.code_line(st, t),
            value,
        }
    }
}

impl Sim<'_> {
    /// The property a fault breaks, and its message.
    pub fn fault_finding(&self, thread: u16, fault: &Fault) -> (Property, String) {
        let name = &self.sc.names.threads[thread as usize];
        match fault.kind {
            FaultKind::Panic => (
                Property::NoPanic,
                format!("{name} panicked: {}", fault.message),
            ),
            FaultKind::Assertion => (
                Property::Assertions,
                format!("{name}: assertion failed: {}", fault.message),
            ),
        }
    }

    /// The message and the two racing accesses of a race.
    pub fn race_finding(
        &self,
        st: &SimState,
        var: VarId,
        a: u16,
        b: u16,
    ) -> (String, Vec<Pending>) {
        let names = &self.sc.names;
        let message = format!(
            "data race on `{}`: {} runs `{}` while {} runs `{}`, with nothing ordering them",
            names.var(var),
            names.threads[a as usize],
            self.code_line(st, a as usize),
            names.threads[b as usize],
            self.code_line(st, b as usize),
        );
        (
            message,
            vec![
                self.pending_of(st, a as usize),
                self.pending_of(st, b as usize),
            ],
        )
    }

    /// The message and the blocked threads of a deadlock.
    pub fn deadlock_finding(&self, st: &SimState) -> (String, Vec<Pending>) {
        let blocked: Vec<Pending> = (0..st.pending.len())
            .filter(|&t| st.pending[t] != Op::Exit)
            .map(|t| self.pending_of(st, t))
            .collect();
        let list: Vec<String> = blocked
            .iter()
            .map(|p| format!("{} at `{}`", self.sc.names.thread(p.thread), p.code))
            .collect();
        (
            format!("deadlock: no thread can move; blocked: {}", list.join(", ")),
            blocked,
        )
    }
}
