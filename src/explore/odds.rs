//! How likely one execution of a randomized scheduler is to break each
//! property, computed over the unreduced state graph (`odds_graph.rs`).
//!
//! The uniformly random scheduler: at every step, each thread that can move
//! is equally likely to make it, and a select's or a `Signal`'s
//! alternatives are equally likely. The probability that an execution from
//! a state breaks a property is 1 where the property shows there, and
//! otherwise the sum over the moves of their probability times the next
//! state's: a backward pass over the graph, which must be acyclic.
//! PCT's odds are counted in `pct_odds.rs`.
//!
//! They are what shuttle's schedulers do in the threaded backend, which
//! makes one decision per step (see `backend::shuttle_backend`);
//! `tests/odds.rs` checks shuttle's hit rates against these odds.

use std::time::Instant;

use super::odds_graph::Graph;
use super::pct_odds::pct_odds;
use crate::model::Scenario;
use crate::results::{Odds, Property, PropertyResult, Sampler, Status};

/// The odds of each violated property under the uniformly random scheduler
/// and under PCT of depth `pct_depth`, or a note saying why there are none.
pub(super) fn odds_of(
    sc: &Scenario,
    properties: &[PropertyResult],
    pct_depth: usize,
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
    let graph = match Graph::build(sc, &violated, crate::ExploreConfig::ODDS_NODES, deadline) {
        Ok(graph) => graph,
        Err(why) => {
            notes.push(format!("no odds: {why}"));
            return Vec::new();
        }
    };
    let mut odds: Vec<Odds> = violated
        .iter()
        .zip(uniform(&graph, violated.len()))
        .map(|(property, probability)| Odds {
            property: property.clone(),
            sampler: Sampler::Random,
            probability,
            exact: true,
        })
        .collect();
    if pct_depth > 0 {
        odds.extend(pct_odds(
            &graph,
            &violated,
            sc.thread_count(),
            pct_depth,
            deadline,
        ));
    }
    odds
}

/// Per property, the probability that one execution of the uniformly
/// random scheduler from node 0 breaks it.
fn uniform(graph: &Graph, properties: usize) -> Vec<f64> {
    let nodes = &graph.nodes;
    let mut value = vec![0.0f64; nodes.len() * properties];
    for &n in &graph.post_order {
        let node = &nodes[n as usize];
        let base = n as usize * properties;
        for p in 0..properties {
            value[base + p] = if node.shows.contains(&(p as u16)) {
                1.0
            } else {
                node.edges
                    .iter()
                    .map(|e| {
                        value[e.to as usize * properties + p]
                            / (f64::from(node.threads) * f64::from(e.alternatives))
                    })
                    .sum()
            };
        }
    }
    value[..properties].to_vec()
}
