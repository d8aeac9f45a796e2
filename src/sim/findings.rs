//! The messages of a thread's fault and of a deadlock, naming each
//! blocked thread and what it waits for.

use super::state::SimState;
use super::step::Sim;
use crate::model::{Fault, FaultKind, Op, ThreadId};
use crate::results::{Pending, Property};

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

    /// What blocked thread `t` waits for, in a few words (its pending
    /// code names the resource).
    fn waits_for(&self, st: &SimState, t: usize) -> String {
        let names = &self.sc.names;
        let layout = &self.sc.layout;
        let w = &st.words;
        match st.pending[t] {
            Op::Lock(m) => match w[layout.mutex_base + m.index()] {
                h if h == t as i64 + 1 => "held by itself".to_string(),
                h => format!("held by {}", names.thread(ThreadId((h - 1) as u32))),
            },
            Op::RwLock(m) | Op::RLock(m) => {
                let base = layout.rw_base + 2 * m.index();
                let (writer, readers) = (w[base], w[base + 1]);
                let thread = |x: i64| names.thread(ThreadId((x.unsigned_abs() - 1) as u32));
                let held = match readers {
                    1 => "1 read lock held".to_string(),
                    n => format!("{n} read locks held"),
                };
                match writer {
                    x if x < 0 => format!("write-locked by {}", thread(x)),
                    x if x == t as i64 + 1 => format!("{held}, waits for them"),
                    x if x > 0 => format!("{} waits to write, keeping readers out", thread(x)),
                    _ => held,
                }
            }
            Op::OnceDo(o) => match w[layout.once_base + 2 * o.index()] {
                r if r == t as i64 + 1 => "its own f is running (a recursive Do)".to_string(),
                r => format!("{} runs f", names.thread(ThreadId((r - 1) as u32))),
            },
            Op::WgWait(g) => format!("counter is {}", w[layout.wg_base + g.index()]),
            Op::Send(c, _) => {
                let (base, cap) = self.chan(c);
                if cap > 0 {
                    format!("buffer full ({cap} of {cap})")
                } else if w[base + 1] == t as i64 + 1 {
                    "nobody receives".to_string()
                } else {
                    "another sender is first".to_string()
                }
            }
            Op::CondRelock(c) => {
                if w[layout.cond_waiter(c.index(), t)] != 0 {
                    format!("waits for {0}.Signal or {0}.Broadcast", names.cond(c))
                } else {
                    let m = names.cond_mutex(c);
                    match w[layout.mutex_base + m.index()] {
                        h if h == t as i64 + 1 => "woken, and holds the mutex itself".to_string(),
                        h => format!(
                            "woken; {} held by {}",
                            names.mutex(m),
                            names.thread(ThreadId((h - 1) as u32))
                        ),
                    }
                }
            }
            Op::Recv(c) if self.is_timer(c) => {
                "its timer is not running (time.After was not called, or its value was taken)"
                    .to_string()
            }
            Op::Recv(_) => "nothing to receive, and not closed".to_string(),
            Op::Select(_) => "no case ready".to_string(),
            op => format!("at `{}`", names.render_op(&op)),
        }
    }

    /// The message and the blocked threads of a deadlock.
    pub fn deadlock_finding(&self, st: &SimState) -> (String, Vec<Pending>) {
        let blocked: Vec<Pending> = (0..st.pending.len())
            .filter(|&t| st.pending[t] != Op::Exit)
            .map(|t| Pending {
                waits_for: Some(self.waits_for(st, t)),
                ..self.pending_of(st, t)
            })
            .collect();
        let list: Vec<String> = blocked
            .iter()
            .map(|p| {
                format!(
                    "{} at `{}` ({})",
                    self.sc.names.thread(p.thread),
                    p.code,
                    p.waits_for.as_deref().unwrap_or_default()
                )
            })
            .collect();
        (
            format!("deadlock: no thread can move; blocked: {}", list.join(", ")),
            blocked,
        )
    }
}
