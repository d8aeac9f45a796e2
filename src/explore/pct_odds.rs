//! PCT's odds of breaking each property, counted exactly over the state
//! graph while its choices are few enough to enumerate, and otherwise PCT's
//! guaranteed bound.
//!
//! The scheduler, as the threaded backend runs it: the threads that move
//! get a uniformly random order of priority; `m = min(d - 1, k)` change
//! points are drawn one after another, without repeats, among the
//! decisions `1..=k` (a decision is a step where two or more threads can
//! move; `k` is the most decisions an earlier execution made); the highest
//! thread that can move always moves (a select's or a `Signal`'s
//! alternatives are equally likely); and the thread that makes decision
//! number `points[i]` drops to priority `i`, below every thread that has
//! not dropped. Each priority order and each sequence of points is equally
//! likely, so the odds are the share of those executions that break the
//! property.

use std::time::Instant;

use super::odds_graph::Graph;
use crate::results::{Odds, Property, Sampler};

/// Most node visits the enumeration may make before PCT's bound is given
/// instead of its exact odds.
const VISITS: u64 = 40_000_000;

/// Most threads whose priority orders are enumerated (8! = 40,320).
const MOST_THREADS: usize = 8;

/// PCT's odds for each property in `properties`, at depth `depth`.
pub(super) fn pct_odds(
    graph: &Graph,
    properties: &[Property],
    threads: usize,
    depth: usize,
    deadline: Option<Instant>,
) -> Vec<Odds> {
    let nodes = &graph.nodes;
    // The most decisions and steps of any execution from each node.
    let mut decisions = vec![0u32; nodes.len()];
    let mut steps = vec![0u32; nodes.len()];
    for &n in &graph.post_order {
        let node = &nodes[n as usize];
        let here = u32::from(node.threads >= 2);
        decisions[n as usize] = here
            + node
                .edges
                .iter()
                .map(|e| decisions[e.to as usize])
                .max()
                .unwrap_or(0);
        steps[n as usize] = node
            .edges
            .iter()
            .map(|e| steps[e.to as usize] + 1)
            .max()
            .unwrap_or(0);
    }
    let mut movers: Vec<u8> = nodes
        .iter()
        .flat_map(|n| n.edges.iter().map(|e| e.thread))
        .collect();
    movers.sort_unstable();
    movers.dedup();
    // The scheduler learns k from its executions: the first has no change
    // point, and each later one draws its points among the most decisions
    // an earlier one made. So k settles where PCT with that k makes no
    // longer execution: from k = 0 up, each k is the longest execution of
    // the one before, and the odds are those of the k where it stops.
    let longest = decisions[0] as usize;
    let mut k = 0;
    let exact = loop {
        let m = (depth - 1).min(k);
        let runs = factorial(movers.len()).saturating_mul(arrangements(k, m));
        let visits = runs.saturating_mul(u64::from(steps[0]) + 1);
        if movers.len() > MOST_THREADS || visits > VISITS {
            break None;
        }
        let Some((shares, most)) = enumerate(graph, properties.len(), &movers, k, m, deadline)
        else {
            break None;
        };
        if most <= k {
            break Some(
                shares
                    .into_iter()
                    .map(|s| s / runs as f64)
                    .collect::<Vec<_>>(),
            );
        }
        k = most;
    };
    match exact {
        Some(odds) => properties
            .iter()
            .zip(odds)
            .map(|(property, probability)| Odds {
                property: property.clone(),
                sampler: Sampler::Pct {
                    depth,
                    decisions: k,
                    threads,
                },
                probability,
                exact: true,
            })
            .collect(),
        None => {
            // PCT's guarantee for a bug of depth d: 1 / (n k^(d-1)), with k
            // the most decisions of any execution.
            let k = longest.max(1);
            let bound = 1.0 / (threads.max(1) as f64 * (k as f64).powi(depth as i32 - 1));
            properties
                .iter()
                .map(|property| Odds {
                    property: property.clone(),
                    sampler: Sampler::Pct {
                        depth,
                        decisions: k,
                        threads,
                    },
                    probability: bound,
                    exact: false,
                })
                .collect()
        }
    }
}

fn factorial(n: usize) -> u64 {
    (1..=n as u64).fold(1u64, |a, b| a.saturating_mul(b))
}

/// Ordered choices of `m` distinct points among `k`.
fn arrangements(k: usize, m: usize) -> u64 {
    ((k - m + 1) as u64..=k as u64).fold(1u64, |a, b| a.saturating_mul(b))
}

/// Per property, the sum over every priority order and point sequence of
/// the probability that its execution breaks it, and the most decisions
/// any of those executions made; `None` when the deadline passed.
fn enumerate(
    graph: &Graph,
    properties: usize,
    movers: &[u8],
    k: usize,
    m: usize,
    deadline: Option<Instant>,
) -> Option<(Vec<f64>, usize)> {
    let width = usize::from(*movers.iter().max().unwrap_or(&0)) + 1;
    let mut total = vec![0.0; properties];
    let mut order: Vec<u8> = movers.to_vec();
    let mut points = vec![0usize; m];
    let mut walk = Walker {
        graph,
        properties,
        stack: Vec::new(),
        most: 0,
    };
    for_each_permutation(&mut order, &mut |order: &[u8]| {
        let mut priority = vec![0u16; width];
        for (pos, &t) in order.iter().enumerate() {
            priority[usize::from(t)] = (m + order.len() - pos) as u16;
        }
        for_each_arrangement(&mut points, 0, k, &mut |points: &[usize]| {
            walk.run(&priority, points, &mut total);
        });
        deadline.is_none_or(|d| Instant::now() < d)
    })
    .then_some((total, walk.most))
}

/// One execution under fixed priorities and change points, branching only
/// on a thread's alternatives.
struct Walker<'a> {
    graph: &'a Graph,
    properties: usize,
    stack: Vec<Frame>,
    /// The most decisions an execution made.
    most: usize,
}

struct Frame {
    node: u32,
    weight: f64,
    priority: Vec<u16>,
    decisions: usize,
    hit: Vec<bool>,
}

impl Walker<'_> {
    fn run(&mut self, priority: &[u16], points: &[usize], total: &mut [f64]) {
        self.stack.push(Frame {
            node: 0,
            weight: 1.0,
            priority: priority.to_vec(),
            decisions: 0,
            hit: vec![false; self.properties],
        });
        while let Some(mut f) = self.stack.pop() {
            loop {
                let node = &self.graph.nodes[f.node as usize];
                for &p in &node.shows {
                    f.hit[usize::from(p)] = true;
                }
                let Some(top) = node
                    .edges
                    .iter()
                    .map(|e| e.thread)
                    .max_by_key(|&t| f.priority[usize::from(t)])
                else {
                    self.most = self.most.max(f.decisions);
                    for (sum, &hit) in total.iter_mut().zip(&f.hit) {
                        if hit {
                            *sum += f.weight;
                        }
                    }
                    break;
                };
                if node.threads >= 2 {
                    f.decisions += 1;
                    if let Some(i) = points.iter().position(|&p| p == f.decisions) {
                        f.priority[usize::from(top)] = i as u16;
                    }
                }
                let mut moves = node.edges.iter().filter(|e| e.thread == top);
                let first = moves.next().expect("the top thread moves");
                let share = 1.0 / f64::from(first.alternatives);
                for e in moves {
                    self.stack.push(Frame {
                        node: e.to,
                        weight: f.weight * share,
                        priority: f.priority.clone(),
                        decisions: f.decisions,
                        hit: f.hit.clone(),
                    });
                }
                f.weight *= share;
                f.node = first.to;
            }
        }
    }
}

/// Calls `each` with every order of `items` (Heap's algorithm) until it
/// answers false; true when every order was visited.
fn for_each_permutation(items: &mut [u8], each: &mut impl FnMut(&[u8]) -> bool) -> bool {
    let n = items.len();
    let mut c = vec![0usize; n];
    if !each(items) {
        return false;
    }
    let mut i = 1;
    while i < n {
        if c[i] < i {
            items.swap(if i % 2 == 0 { 0 } else { c[i] }, i);
            if !each(items) {
                return false;
            }
            c[i] += 1;
            i = 1;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    true
}

/// Calls `each` with every sequence of distinct points in `1..=k` that
/// fills `points[from..]` after the points already in `points[..from]`.
fn for_each_arrangement(
    points: &mut [usize],
    from: usize,
    k: usize,
    each: &mut impl FnMut(&[usize]),
) {
    if from == points.len() {
        each(points);
        return;
    }
    for p in 1..=k {
        if points[..from].contains(&p) {
            continue;
        }
        points[from] = p;
        for_each_arrangement(points, from + 1, k, each);
    }
}

#[cfg(test)]
mod tests {
    use super::{arrangements, factorial, for_each_arrangement, for_each_permutation};

    #[test]
    fn every_order_and_every_point_sequence_is_visited_once() {
        let mut items = [0u8, 1, 2, 3];
        let mut seen = std::collections::HashSet::new();
        assert!(for_each_permutation(&mut items, &mut |o| seen.insert(o.to_vec())));
        assert_eq!(seen.len() as u64, factorial(4));
        let mut points = [0usize; 2];
        let mut sequences = std::collections::HashSet::new();
        for_each_arrangement(&mut points, 0, 5, &mut |p| {
            assert_ne!(p[0], p[1]);
            sequences.insert(p.to_vec());
        });
        assert_eq!(sequences.len() as u64, arrangements(5, 2));
        assert_eq!(arrangements(5, 0), 1);
    }
}
