//! Invariants evaluated on a state (remembering what each read, so an
//! unchanged state is not judged twice), and how a state with no move ends.

use super::state::{Reads, SimState, Terminal};
use super::step::Sim;
use crate::model::GOAL_REACHED;
use crate::model::machine::guarded;
use crate::model::{Op, Scope, StateView};
use crate::results::Property;

impl Sim<'_> {
    /// Invariant `i` on `st`: passes at once when the words its last two
    /// passing evaluations read are unchanged (the common case, inlined),
    /// and is evaluated otherwise.
    #[inline]
    fn run_invariant(&self, st: &SimState, i: usize) -> Result<(), String> {
        if self.passed_before(st, i) {
            return Ok(());
        }
        self.evaluate_invariant(st, i)
    }

    /// Whether one of invariant `i`'s two remembered passes read only words
    /// that `st` still has.
    #[inline]
    fn passed_before(&self, st: &SimState, i: usize) -> bool {
        let mut memo = self.memo.borrow_mut();
        let unchanged = |entry: &Option<Reads>| {
            entry
                .as_ref()
                .is_some_and(|reads| reads.iter().all(|&(w, v)| st.words[w as usize] == v))
        };
        if unchanged(&memo[i][0]) {
            return true;
        }
        if unchanged(&memo[i][1]) {
            memo[i].swap(0, 1);
            return true;
        }
        false
    }

    #[inline(never)]
    fn evaluate_invariant(&self, st: &SimState, i: usize) -> Result<(), String> {
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
        if let Some(noted) = &self.always_reads
            && self.sc.invariants[i].scope != Scope::AtEnd
        {
            noted.borrow_mut().extend_from_slice(&self.reads.borrow());
        }
        let mut memo = self.memo.borrow_mut();
        if result.is_ok() {
            // The least recently used entry makes way.
            memo[i].swap(0, 1);
            let saved = memo[i][0].get_or_insert_with(Vec::new);
            saved.clear();
            saved.extend(
                self.reads
                    .borrow()
                    .iter()
                    .map(|&w| (w, st.words[w as usize])),
            );
        }
        result
    }

    /// The property invariant `i` decides: a coverage goal's, or an
    /// invariant's.
    /// The property invariant `i` decides, given what it said: a goal
    /// reached, an invariant broken, or a goal whose predicate panicked,
    /// which is a panic and never a goal reached.
    pub fn invariant_property(&self, i: usize, message: &str) -> Property {
        let invariant = &self.sc.invariants[i];
        match invariant.scope {
            Scope::Sometimes if message == GOAL_REACHED => {
                Property::Sometimes(invariant.name.clone())
            }
            Scope::Sometimes => Property::NoPanic,
            _ => Property::Invariant(invariant.name.clone()),
        }
    }

    /// Every invariant that `st` breaks and every coverage goal it reaches:
    /// what each state the search visits is checked for. The `Always`
    /// invariants in `skip` (bit `i` for invariant `i`) are not evaluated.
    pub fn failing_in_every_state(&self, st: &SimState, skip: u64) -> Vec<(usize, String)> {
        let mut failing = Vec::new();
        for &i in self.sc.invariants_of(Scope::Always) {
            if i < 64 && skip & (1 << i) != 0 {
                continue;
            }
            if let Err(message) = self.run_invariant(st, i) {
                failing.push((i, message));
            }
        }
        if !self.sc.invariants_of(Scope::Sometimes).is_empty() {
            failing.extend(self.failing_invariants(st, Scope::Sometimes));
        }
        failing
    }

    /// Every invariant of this scope that `st` breaks, in declaration
    /// order, each with its message. All are evaluated: one broken
    /// invariant must never hide another broken in the same state.
    pub fn failing_invariants(&self, st: &SimState, scope: Scope) -> Vec<(usize, String)> {
        self.sc
            .invariants_of(scope)
            .iter()
            .filter_map(|&i| self.run_invariant(st, i).err().map(|m| (i, m)))
            .collect()
    }

    pub fn terminal(&self, st: &SimState) -> Terminal {
        if st.pending.iter().all(|op| *op == Op::Exit) {
            Terminal::Final
        } else {
            Terminal::Deadlock
        }
    }
}
