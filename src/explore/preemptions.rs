//! The counterexample with the fewest preemptions. A preemption is a step
//! that switches away from the thread that made the last step while that
//! thread could have gone on; a bug that needs few of them is one a
//! scheduler hits often and a reader follows easily. The breadth-first
//! search finds a counterexample shortest in branching choices; this
//! search, run afterwards for each violated property, orders paths by
//! (preemptions, steps) over the unreduced graph of (state, last thread),
//! so the first path it finds that breaks the property has the fewest
//! preemptions there are, and the fewest steps among those.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use crate::model::Scenario;
use crate::results::{Choice, Property, Replay, thread_of};
use crate::sim::{Sim, SimState, examine};

/// A path found: its choices and the property's message at its end.
pub(in crate::explore) struct Fewest {
    pub schedule: Vec<Choice>,
    pub message: String,
    pub preemptions: u32,
}

/// The path with the fewest preemptions (then steps) to a step that
/// breaks `property`, or `None` when none exists within `budget` stored
/// nodes or before `deadline` (the caller keeps what it had).
pub(in crate::explore) fn fewest_preemptions(
    sc: &Scenario,
    property: &Property,
    budget: usize,
    deadline: Option<Instant>,
) -> Option<Fewest> {
    let sim = Sim::new(sc);
    let initial = sim.initial().ok()?;
    // Per node: its parent, the choice that led to it, and when that step
    // breaks the property, its message (such a node is not expanded).
    let mut nodes: Vec<(u32, Choice, Option<String>)> = vec![(u32::MAX, 0, None)];
    let mut states: Vec<SimState> = vec![initial.clone()];
    let mut best: HashMap<(Vec<i64>, u16), (u32, u32)> = HashMap::new();
    best.insert((initial.words.clone(), u16::MAX), (0, 0));
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((0u32, 0u32, 0u32, u16::MAX)));
    let mut enabled = Vec::new();
    let mut scratch = Vec::new();
    // Goals are checked when they come off the heap, so that the first one
    // is the cheapest: a cheaper path may still be waiting when a dearer
    // one is generated.
    while let Some(Reverse((preemptions, steps, node, last))) = heap.pop() {
        if deadline.is_some_and(|d| Instant::now() >= d) || nodes.len() > budget {
            return None;
        }
        if let Some(message) = nodes[node as usize].2.clone() {
            let mut schedule = Vec::new();
            let mut at = node;
            while at != 0 {
                let (parent, choice, _) = &nodes[at as usize];
                schedule.push(*choice);
                at = *parent;
            }
            schedule.reverse();
            return Some(Fewest {
                schedule,
                message,
                preemptions,
            });
        }
        // Each node is on the heap once: its state is not needed after.
        let st = std::mem::replace(&mut states[node as usize], SimState::empty(0, 0));
        if best
            .get(&(st.words.clone(), last))
            .is_some_and(|&b| b < (preemptions, steps))
        {
            continue;
        }
        sim.enabled_threads(&st, &mut enabled);
        let last = (last != u16::MAX).then_some(usize::from(last));
        for &c in &enabled {
            let t = thread_of(c);
            let preempts = sim.preempts(&st, last, t);
            let cost = (preemptions + u32::from(preempts), steps + 1);
            let mut next = st.clone();
            let goal = match sim.step(&mut next, c) {
                Err((who, fault)) => {
                    let (broken, message) = sim.fault_finding(who, &fault);
                    if broken != *property {
                        continue; // the execution ends here
                    }
                    Some(message)
                }
                Ok(_) => {
                    let mut run = Replay::default();
                    examine(&sim, &next, 1, &mut run, &mut scratch);
                    run.findings
                        .into_iter()
                        .find(|f| f.property == *property)
                        .map(|f| f.message)
                }
            };
            // Switching away from a thread that cannot move is free, so
            // such a node is the same whichever thread moved last.
            let last_key = if goal.is_none() && sim.enabled(&next, t) {
                t as u16
            } else {
                u16::MAX
            };
            let key = (next.words.clone(), last_key);
            if goal.is_none() {
                if best.get(&key).is_some_and(|&b| b <= cost) {
                    continue;
                }
                best.insert(key, cost);
            }
            nodes.push((node, c, goal));
            states.push(next);
            heap.push(Reverse((
                cost.0,
                cost.1,
                (nodes.len() - 1) as u32,
                last_key,
            )));
        }
    }
    None
}
