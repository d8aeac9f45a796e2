//! The per-state data-race check: two pending accesses to one variable,
//! at least one a write, with nothing to order them.

use super::state::SimState;
use super::step::Sim;
use crate::model::{Op, VarId};
use crate::results::{Choice, Pending};

impl Sim<'_> {
    /// Two threads about to access the same variable, at least one writing,
    /// in `st`, where `enabled` holds its first two choices (or all).
    ///
    /// Under sequential consistency an execution has two accesses unordered
    /// by happens-before exactly when some reachable state has them both
    /// pending at once, so this per-state check is the race detector. Loads
    /// and stores are always enabled, so two pending accesses make two
    /// choices: where fewer can be taken there is nothing to look for (most
    /// states of a chain, or inside a critical section).
    pub fn race(&self, st: &SimState, enabled: &[Choice]) -> Option<(VarId, u16, u16)> {
        if enabled.len() < 2 {
            return None;
        }
        // The variable, whether the access writes, whether it is atomic.
        let access = |op: &Op| match *op {
            Op::Load(v) => Some((v, false, false)),
            Op::Store(v, _) => Some((v, true, false)),
            Op::Atomic(v, a) => Some((v, a.writes(), true)),
            _ => None,
        };
        for (i, a) in st.pending.iter().enumerate() {
            let Some((va, wa, aa)) = access(a) else {
                continue;
            };
            for (j, b) in st.pending.iter().enumerate().skip(i + 1) {
                if let Some((vb, wb, ab)) = access(b)
                    && va == vb
                    && (wa || wb)
                    && !(aa && ab)
                {
                    return Some((va, i as u16, j as u16));
                }
            }
        }
        None
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
}
