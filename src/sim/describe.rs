//! Trace text: the line a thread is about to run, and a step as the trace
//! shows it.

use super::state::{Alternative, SimState};
use super::step::Sim;
use crate::model::{ChanId, Op, OpResult, SelectCase, ThreadId};
use crate::results::{Choice, Pending, TraceStep, alternative_of, thread_of};

impl Sim<'_> {
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
            waits_for: None,
        }
    }

    /// Describes the step thread `t` is about to take (call before [`Sim::step`]).
    pub fn describe_step(&self, st: &SimState, c: Choice) -> TraceStep {
        let t = thread_of(c);
        let names = &self.sc.names;
        let w = &st.words;
        let received = |chan: ChanId| {
            let (base, cap) = self.chan(chan);
            if self.is_timer(chan) {
                "fires".to_string()
            } else if cap > 0 && w[base + 1] > 0 {
                w[base + 2].to_string()
            } else if w[base] != 0 {
                "closed".to_string()
            } else {
                let sender = ThreadId((w[base + 1] - 1) as u32);
                format!("{} (from {})", w[base + 2], names.thread(sender))
            }
        };
        let (code, value) = match st.pending[t] {
            Op::Signal(cond) => {
                let mut alts = Vec::new();
                self.alternatives(st, t, &mut alts);
                let value = match alts.get(alternative_of(c)) {
                    Some(&Alternative::Wake(u)) => {
                        format!("wakes {}", names.thread(ThreadId(u32::from(u))))
                    }
                    _ => format!("nobody waits on {}", names.cond(cond)),
                };
                (self.code_line(st, t), value)
            }
            Op::Select(_) => {
                let mut alts = Vec::new();
                self.select_alternatives(st, t, &mut alts);
                let slot = &w[self.slot_range(t)];
                let behaviour = &self.sc.threads[t].behaviour;
                match alts.get(alternative_of(c)) {
                    Some(&Alternative::Case { case, partner }) => {
                        let (cases, _) = self.cases_of(st, t);
                        let SelectCase { chan, send } = cases[usize::from(case)];
                        let name = |u: u16| names.thread(ThreadId(u32::from(u)));
                        let value = match (send, partner) {
                            (None, None) => received(chan),
                            (None, Some(u)) => {
                                let value = self.waits_to_send(st, usize::from(u), chan);
                                format!("{} (from {})", value.map_or(0, |v| v.1), name(u))
                            }
                            (Some(x), Some(u)) => format!("{x} (to {})", name(u)),
                            (Some(x), None) => x.to_string(),
                        };
                        (behaviour.case_line(slot, Some(case), names), value)
                    }
                    _ => (behaviour.case_line(slot, None, names), String::new()),
                }
            }
            op => {
                let value = match op {
                    Op::Load(v) => names.value(v, w[self.sc.layout.var_base + v.index()]),
                    Op::Store(v, x) => names.value(v, x),
                    Op::Atomic(v, a) => {
                        let mut cell = w[self.sc.layout.var_base + v.index()];
                        match a.apply(&mut cell) {
                            OpResult::Value(x) => x.to_string(),
                            _ => names.value(v, cell),
                        }
                    }
                    Op::Send(_, x) => x.to_string(),
                    Op::Recv(chan) => received(chan),
                    Op::RwLock(m) => match w[self.sc.layout.rw_base + 2 * m.index() + 1] {
                        0 => String::new(),
                        1 => "waits for 1 reader; new readers wait".to_string(),
                        n => format!("waits for {n} readers; new readers wait"),
                    },
                    _ => String::new(),
                };
                (self.code_line(st, t), value)
            }
        };
        TraceStep {
            thread: ThreadId(t as u32),
            code,
            value,
            time: None,
            preempts: false,
            synchronizes_with: Vec::new(),
            writes: Vec::new(),
        }
    }
}
