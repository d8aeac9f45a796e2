//! How likely one execution of a uniformly random scheduler is to break
//! each property, computed exactly over the unreduced state graph.
//!
//! The scheduler: at every step, each thread that can move is equally
//! likely to make it, and a select's or a `Signal`'s alternatives are
//! equally likely. The probability that an execution from a state breaks
//! a property is 1 where the property shows there, and otherwise the sum
//! over the moves of their probability times the next state's: a backward
//! pass over the graph, which must be acyclic (a scenario that can spin has
//! executions of any length).
//!
//! It is what shuttle's random scheduler does in the threaded backend,
//! which makes one decision per step (see
//! `backend::shuttle_backend::UniformRandom`); `tests/odds.rs` checks
//! shuttle's hit rates against these odds.

use std::collections::HashMap;
use std::time::Instant;

use crate::model::Scenario;
use crate::results::{Choice, Odds, Property, PropertyResult, Replay, Status, thread_of};
use crate::sim::{Sim, SimState, examine};

/// The odds of each violated property, or a note saying why there are none.
pub(super) fn odds_of(
    sc: &Scenario,
    properties: &[PropertyResult],
    deadline: Option<Instant>,
    notes: &mut Vec<String>,
) -> Vec<Odds> {
    let violated: Vec<Property> = properties
        .iter()
        .filter(|p| matches!(p.status, Status::Violated(_)))
        .map(|p| p.property.clone())
        .filter(|p| !matches!(p, Property::Deterministic | Property::Terminates))
        .collect();
    if violated.is_empty() {
        return Vec::new();
    }
    match uniform_odds(sc, &violated, crate::ExploreConfig::ODDS_NODES, deadline) {
        Ok(odds) => violated
            .into_iter()
            .zip(odds)
            .map(|(property, probability)| Odds {
                property,
                probability,
            })
            .collect(),
        Err(why) => {
            notes.push(format!(
                "no odds: {}",
                match why {
                    NoOdds::TooBig(n) => format!("the state graph has more than {n} states"),
                    NoOdds::Cycle => "an execution can return to a state it passed, so executions have no bound on their length".to_string(),
                    NoOdds::Time => "the time limit passed".to_string(),
                }
            ));
            Vec::new()
        }
    }
}

/// One node's successors and what it shows.
struct Node {
    /// (probability, successor node).
    edges: Vec<(f64, u32)>,
    /// Indices into the property list of what shows at this node.
    shows: Vec<u16>,
}

/// Why the odds could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NoOdds {
    /// The graph has more nodes than the budget.
    TooBig(usize),
    /// An execution can return to a state it passed.
    Cycle,
    /// The time ran out.
    Time,
}

/// The probability, per property in `properties`, that one execution of
/// the uniformly random scheduler breaks it.
fn uniform_odds(
    sc: &Scenario,
    properties: &[Property],
    budget: usize,
    deadline: Option<Instant>,
) -> Result<Vec<f64>, NoOdds> {
    let sim = Sim::new(sc);
    let Ok(initial) = sim.initial() else {
        return Ok(vec![0.0; properties.len()]);
    };
    let shows_of = |st: &SimState, scratch: &mut Vec<Choice>| -> Vec<u16> {
        let mut run = Replay::default();
        examine(&sim, st, 1, &mut run, scratch);
        run.findings
            .iter()
            .filter_map(|f| properties.iter().position(|p| *p == f.property))
            .map(|i| i as u16)
            .collect()
    };
    let mut scratch = Vec::new();
    let mut index: HashMap<Vec<i64>, u32> = HashMap::new();
    let mut nodes: Vec<Node> = vec![Node {
        edges: Vec::new(),
        shows: shows_of(&initial, &mut scratch),
    }];
    index.insert(initial.words.clone(), 0);
    let mut states: Vec<Option<SimState>> = vec![Some(initial)];
    let (mut enabled, mut threads) = (Vec::new(), Vec::new());
    let mut next = 0;
    while next < states.len() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(NoOdds::Time);
        }
        let here = next;
        next += 1;
        let Some(st) = states[here].take() else {
            continue; // a failed step: the execution ended there
        };
        sim.enabled_threads(&st, &mut enabled);
        threads.clear();
        threads.extend(enabled.iter().map(|&c| thread_of(c)));
        threads.dedup();
        let mut edges = Vec::new();
        for &t in &threads {
            let alternatives = enabled.iter().filter(|&&c| thread_of(c) == t).count();
            let each = 1.0 / (threads.len() * alternatives) as f64;
            for &c in enabled.iter().filter(|&&c| thread_of(c) == t) {
                let mut after = st.clone();
                let target = match sim.step(&mut after, c) {
                    Err((who, fault)) => {
                        let (broken, _) = sim.fault_finding(who, &fault);
                        let shows = properties
                            .iter()
                            .position(|p| *p == broken)
                            .map(|i| vec![i as u16])
                            .unwrap_or_default();
                        nodes.push(Node {
                            edges: Vec::new(),
                            shows,
                        });
                        states.push(None);
                        nodes.len() as u32 - 1
                    }
                    Ok(_) => match index.get(&after.words) {
                        Some(&i) => i,
                        None => {
                            let i = nodes.len() as u32;
                            index.insert(after.words.clone(), i);
                            nodes.push(Node {
                                edges: Vec::new(),
                                shows: shows_of(&after, &mut scratch),
                            });
                            states.push(Some(after));
                            i
                        }
                    },
                };
                if nodes.len() > budget {
                    return Err(NoOdds::TooBig(budget));
                }
                edges.push((each, target));
            }
        }
        nodes[here].edges = edges;
    }
    backward(&nodes, properties.len())
}

/// Per property, the probability from the first node; the graph must be
/// acyclic.
fn backward(nodes: &[Node], properties: usize) -> Result<Vec<f64>, NoOdds> {
    // Iterative depth-first post-order, which also finds a cycle.
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut mark = vec![NEW; nodes.len()];
    let mut value = vec![0.0f64; nodes.len() * properties];
    let mut stack: Vec<(u32, usize)> = vec![(0, 0)];
    mark[0] = OPEN;
    while let Some(&mut (n, ref mut k)) = stack.last_mut() {
        let node = &nodes[n as usize];
        if let Some(&(_, child)) = node.edges.get(*k) {
            *k += 1;
            match mark[child as usize] {
                NEW => {
                    mark[child as usize] = OPEN;
                    stack.push((child, 0));
                }
                OPEN => return Err(NoOdds::Cycle),
                _ => {}
            }
            continue;
        }
        stack.pop();
        mark[n as usize] = DONE;
        let base = n as usize * properties;
        for p in 0..properties {
            value[base + p] = if node.shows.contains(&(p as u16)) {
                1.0
            } else {
                node.edges
                    .iter()
                    .map(|&(prob, child)| prob * value[child as usize * properties + p])
                    .sum()
            };
        }
    }
    Ok(value[..properties].to_vec())
}
