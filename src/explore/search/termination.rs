//! Termination: after an exhaustive search, every reachable state must be
//! able to reach an end (no thread can move, or a thread fails). A state
//! that cannot is a finding, shown as a lasso: the way in, then steps that
//! return to the state they started from.
//!
//! Without a cycle in the state graph every path ends, so the graph is
//! built only when the search saw an edge that could close one: an edge to
//! a state no deeper than the one it leaves (along a path, depths only
//! grow). The exhaustive bank stores no such edge and pays nothing.

use std::collections::HashMap;

use super::{BLOCK, Found, Search};
use crate::explore::expand::{Block, Expander, Known};
use crate::model::ThreadId;
use crate::results::{Property, thread_of};

impl Search<'_> {
    /// Records a [`Property::Terminates`] counterexample if some reachable
    /// state cannot reach an end. Call only after an exhaustive search.
    pub(super) fn check_termination(&mut self) {
        // Under the property-aware reduction termination is not judged
        // (and a reduced graph can hide a cycle).
        if !self.may_cycle || self.por.is_some() {
            return;
        }
        let n = self.store.len();
        let mut expander = Expander::new(self.sim.sc, self.config, None, None);
        let mut block = Block::default();
        // The graph of stored states: each one's successors, and whether it
        // ends (no move, or a move that fails).
        let mut offsets: Vec<u32> = Vec::with_capacity(n + 1);
        let mut targets: Vec<u32> = Vec::new();
        let mut ends = vec![false; n];
        offsets.push(0);
        let mut from = 0;
        while (from as usize) < n {
            self.expand_range(
                &mut expander,
                &mut block,
                from,
                (from + BLOCK).min(n as u32),
            );
            let (mut successors_from, mut findings_from) = (0, 0);
            for e in &block.expanded {
                let successors = &block.successors[successors_from..e.successors_end];
                let fails = block.findings[findings_from..e.findings_end]
                    .iter()
                    .any(|f| f.ends.is_some());
                successors_from = e.successors_end;
                findings_from = e.findings_end;
                ends[e.index as usize] = successors.is_empty() || fails;
                for s in successors {
                    match self.stored(&block, s) {
                        Some(j) => targets.push(j),
                        // Not stored: the search was not exhaustive after all.
                        None => return,
                    }
                }
                offsets.push(targets.len() as u32);
            }
            from = block.end();
        }
        let Some(trapped) = first_trapped(&offsets, &targets, &ends) else {
            return;
        };
        let (schedule, cycle_from) = self.lasso(&mut expander, &mut block, trapped);
        let message = self.lasso_message(&schedule, cycle_from);
        self.found.insert(
            Property::Terminates,
            Found {
                message,
                schedule,
                cycle_from: Some(cycle_from),
            },
        );
    }

    /// Expands the stored states `from..to` into `block`.
    fn expand_range(&self, expander: &mut Expander, block: &mut Block, from: u32, to: u32) {
        block.reset(from, Known::all(), self.store.keys());
        for i in from..to {
            block.push(self.store.bytes(i as usize), self.depths.at(i));
        }
        expander.expand(block);
    }

    /// A schedule that reaches stored state `trapped` and goes on until it
    /// returns to a state it was in after reaching it; and the number of
    /// steps before that state first occurs.
    fn lasso(&self, expander: &mut Expander, block: &mut Block, trapped: u32) -> (Vec<u16>, usize) {
        let mut schedule = self.schedule_to(trapped);
        // Where the trapped part of that schedule begins: after the step
        // from the stored state before `trapped`, whose chain (forced
        // steps, or a `Done` every other step commutes with) can reach an
        // end no more than `trapped` can. Every stored state before it can.
        let stem = match trapped {
            0 => 0,
            t => self.schedule_to(self.parents[t as usize]).len() + 1,
        };
        // Follow first successors from state to stored state (a trapped
        // state's successors are trapped too) until one repeats: the states
        // are finitely many, so that happens.
        let mut seen = HashMap::new();
        let mut current = trapped;
        while seen.insert(current, ()).is_none() {
            self.expand_range(expander, block, current, current + 1);
            let Some(first) = block.successors.first() else {
                break; // cannot happen: a trapped state has a move
            };
            let Some(next) = self.stored(block, first) else {
                break;
            };
            schedule.extend_from_slice(block.chain(first));
            current = next;
        }
        // The first state that repeats, step by step, from `trapped` on:
        // chains make a stored cycle longer than the steps that repeat.
        let sim = &self.sim;
        let mut st = sim
            .initial()
            .expect("the initial state was built once already");
        let mut at: HashMap<Vec<i64>, usize> = HashMap::new();
        for (k, &c) in schedule.iter().enumerate() {
            if k >= stem {
                if let Some(&first) = at.get(&st.words) {
                    schedule.truncate(k);
                    return (schedule, first);
                }
                at.insert(st.words.clone(), k);
            }
            if sim.step(&mut st, c).is_err() {
                break;
            }
        }
        let first = at.get(&st.words).copied().unwrap_or(stem);
        (schedule, first)
    }

    /// Says which threads repeat the cycle and which wait meanwhile.
    fn lasso_message(&self, schedule: &[u16], cycle_from: usize) -> String {
        let names = self.sim.sc.names();
        let mut movers: Vec<usize> = schedule[cycle_from..]
            .iter()
            .map(|&c| thread_of(c))
            .collect();
        movers.sort_unstable();
        movers.dedup();
        let list = |threads: &[usize]| {
            threads
                .iter()
                .map(|&t| names.thread(ThreadId(t as u32)).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sim = &self.sim;
        let mut st = sim
            .initial()
            .expect("the initial state was built once already");
        for &c in &schedule[..cycle_from] {
            if sim.step(&mut st, c).is_err() {
                break;
            }
        }
        let waiting: Vec<String> = (0..st.pending.len())
            .filter(|t| !movers.contains(t) && st.pending[*t] != crate::model::Op::Exit)
            .map(|t| {
                format!(
                    "{} at `{}`",
                    names.thread(ThreadId(t as u32)),
                    sim.code_line(&st, t)
                )
            })
            .collect();
        let steps = match schedule.len() - cycle_from {
            1 => format!("step {}", cycle_from + 1),
            _ => format!("steps {} to {}", cycle_from + 1, schedule.len()),
        };
        let from = match cycle_from {
            0 => "from the start".to_string(),
            k => format!("after step {k}"),
        };
        let mut message = format!(
            "cannot finish: {from}, no execution can end (with every thread exited, a deadlock or a failure); {} can repeat {steps} for ever",
            list(&movers),
        );
        if !waiting.is_empty() {
            message.push_str(&format!(
                "; the cycle leaves {} where they are",
                waiting.join(", ")
            ));
        }
        message
    }
}

/// The first stored state from which no end is reachable, if any: the
/// states that reach an end are found backwards from the ends.
fn first_trapped(offsets: &[u32], targets: &[u32], ends: &[bool]) -> Option<u32> {
    let n = ends.len();
    let mut reverse_offsets = vec![0u32; n + 1];
    for &t in targets {
        reverse_offsets[t as usize + 1] += 1;
    }
    for i in 0..n {
        reverse_offsets[i + 1] += reverse_offsets[i];
    }
    let mut fill = reverse_offsets.clone();
    let mut sources = vec![0u32; targets.len()];
    for s in 0..n {
        for &t in &targets[offsets[s] as usize..offsets[s + 1] as usize] {
            sources[fill[t as usize] as usize] = s as u32;
            fill[t as usize] += 1;
        }
    }
    let mut reaches_end = ends.to_vec();
    let mut queue: Vec<u32> = (0..n as u32).filter(|&i| ends[i as usize]).collect();
    while let Some(t) = queue.pop() {
        let t = t as usize;
        for &s in &sources[reverse_offsets[t] as usize..reverse_offsets[t + 1] as usize] {
            if !reaches_end[s as usize] {
                reaches_end[s as usize] = true;
                queue.push(s);
            }
        }
    }
    reaches_end.iter().position(|&r| !r).map(|i| i as u32)
}
