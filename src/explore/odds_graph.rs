//! The unreduced state graph of a small scenario, as the odds of a
//! scheduler are computed over it: every move of every thread, with the
//! thread that makes it, and what each state shows.

use std::collections::HashMap;
use std::time::Instant;

use crate::model::Scenario;
use crate::results::{Choice, Property, Replay, thread_of};
use crate::sim::{Sim, SimState, examine};

/// One move out of a node.
pub(super) struct Edge {
    /// The thread that makes it.
    pub thread: u8,
    /// How many moves that thread has here (a select's or a `Signal`'s
    /// alternatives; 1 for any other step).
    pub alternatives: u8,
    /// The node it leads to.
    pub to: u32,
}

/// One state, or the end of an execution whose step failed.
pub(super) struct Node {
    pub edges: Vec<Edge>,
    /// Indices into the property list of what shows here.
    pub shows: Vec<u16>,
    /// How many distinct threads can move here.
    pub threads: u16,
}

/// Why a graph has no odds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum NoOdds {
    /// The graph has more nodes than the budget.
    TooBig(usize),
    /// An execution can return to a state it passed.
    Cycle,
    /// The time ran out.
    Time,
}

impl std::fmt::Display for NoOdds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoOdds::TooBig(n) => write!(f, "the state graph has more than {n} states"),
            NoOdds::Cycle => f.write_str(
                "an execution can return to a state it passed, so executions have no bound on their length",
            ),
            NoOdds::Time => f.write_str("the time limit passed"),
        }
    }
}

/// The graph from the initial state (node 0), its nodes in an order where
/// every node comes after all its successors.
pub(super) struct Graph {
    pub nodes: Vec<Node>,
    pub post_order: Vec<u32>,
}

impl Graph {
    /// Every move of every thread from the initial state, at most `budget`
    /// nodes; it must be acyclic (a scenario that can spin has executions
    /// of any length).
    pub fn build(
        sc: &Scenario,
        properties: &[Property],
        budget: usize,
        deadline: Option<Instant>,
    ) -> Result<Graph, NoOdds> {
        let sim = Sim::new(sc);
        let Ok(initial) = sim.initial() else {
            let node = Node {
                edges: Vec::new(),
                shows: Vec::new(),
                threads: 0,
            };
            return Ok(Graph {
                nodes: vec![node],
                post_order: vec![0],
            });
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
        let leaf = |shows| Node {
            edges: Vec::new(),
            shows,
            threads: 0,
        };
        let mut scratch = Vec::new();
        let mut index: HashMap<Vec<i64>, u32> = HashMap::new();
        let mut nodes: Vec<Node> = vec![leaf(shows_of(&initial, &mut scratch))];
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
                for &c in enabled.iter().filter(|&&c| thread_of(c) == t) {
                    let mut after = st.clone();
                    let to = match sim.step(&mut after, c) {
                        Err((who, fault)) => {
                            let (broken, _) = sim.fault_finding(who, &fault);
                            let shows = properties
                                .iter()
                                .position(|p| *p == broken)
                                .map(|i| vec![i as u16])
                                .unwrap_or_default();
                            nodes.push(leaf(shows));
                            states.push(None);
                            nodes.len() as u32 - 1
                        }
                        Ok(_) => match index.get(&after.words) {
                            Some(&i) => i,
                            None => {
                                let i = nodes.len() as u32;
                                index.insert(after.words.clone(), i);
                                nodes.push(leaf(shows_of(&after, &mut scratch)));
                                states.push(Some(after));
                                i
                            }
                        },
                    };
                    if nodes.len() > budget {
                        return Err(NoOdds::TooBig(budget));
                    }
                    edges.push(Edge {
                        thread: t as u8,
                        alternatives: alternatives.min(u8::MAX as usize) as u8,
                        to,
                    });
                }
            }
            nodes[here].edges = edges;
            nodes[here].threads = threads.len() as u16;
        }
        let post_order = post_order(&nodes)?;
        Ok(Graph { nodes, post_order })
    }
}

/// The nodes reachable from node 0, each after its successors (an
/// iterative depth-first search, which also finds a cycle).
fn post_order(nodes: &[Node]) -> Result<Vec<u32>, NoOdds> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut mark = vec![NEW; nodes.len()];
    let mut order = Vec::with_capacity(nodes.len());
    let mut stack: Vec<(u32, usize)> = vec![(0, 0)];
    mark[0] = OPEN;
    while let Some(&mut (n, ref mut k)) = stack.last_mut() {
        if let Some(edge) = nodes[n as usize].edges.get(*k) {
            *k += 1;
            match mark[edge.to as usize] {
                NEW => {
                    mark[edge.to as usize] = OPEN;
                    stack.push((edge.to, 0));
                }
                OPEN => return Err(NoOdds::Cycle),
                _ => {}
            }
            continue;
        }
        stack.pop();
        mark[n as usize] = DONE;
        order.push(n);
    }
    Ok(order)
}
