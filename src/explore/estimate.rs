//! How many states a search will store, estimated before it runs and
//! refined while it runs.
//!
//! Before: random probes of the search tree (Knuth's estimator). A probe
//! walks from the initial state, at each stored state choosing uniformly
//! among the `b` moves and following chains as the search does; the
//! product of the `b`s met estimates, without bias, how many *paths* reach
//! each level of the breadth-first search. A state is reached by many
//! paths: where threads' moves commute, by every order of the same moves,
//! so each level's path count is divided by the number of orders of the
//! moves each thread made where it had a choice (a multinomial
//! coefficient). That counts the distinct states exactly when the threads'
//! moves all commute (the critical sections of `bank/mutex`) and
//! underestimates them, by orders of magnitude, where they do not (the
//! loads and stores of `bank/unsync`): the probes cannot see which orders
//! end in the same state.
//!
//! The estimate a search reports as made before it is the one after it
//! has stored its first [`PILOT`] states, a pilot search of a few
//! milliseconds (a search smaller than that is counted exactly).
//!
//! While running: the levels already stored are counted exactly, the
//! level being stored is extrapolated from the share of its parents
//! expanded, and the deeper levels are the probes' estimates scaled by how
//! far the probes were off on the deepest level known exactly.

use std::time::{Duration, Instant};

use super::config::ExploreConfig;
use super::expand::{CHAIN_CAP, forced_choice, persistent_only};
use super::por::Por;
use crate::model::Scenario;
use crate::results::{SplitMix, thread_of};
use crate::sim::Sim;

/// States stored before the search states its estimate.
pub(crate) const PILOT: usize = 10_000;
/// Probes per estimate, unless the time runs out first.
const PROBES: usize = 400;
/// Most time the probes take before a search.
const PROBE_TIME: Duration = Duration::from_millis(150);

/// The estimated number of states at each level of the breadth-first
/// search (level 0: the initial state).
#[derive(Clone, Debug, Default)]
pub(crate) struct Estimate {
    levels: Vec<f64>,
}

impl Estimate {
    /// Probes the search tree of `sc` as `config` would search it, under
    /// the property-aware reduction `por` if it applies.
    pub fn probe(sc: &Scenario, config: &ExploreConfig, por: Option<&Por>, seed: u64) -> Estimate {
        let sim = Sim::new(sc);
        let Ok(initial) = sim.initial() else {
            return Estimate { levels: vec![1.0] };
        };
        let started = Instant::now();
        let mut rng = SplitMix(seed);
        let mut sums: Vec<f64> = Vec::new();
        let mut probes = 0;
        let mut choices = Vec::new();
        let mut enabled = Vec::new();
        let threads = initial.pending.len();
        let mut moves = vec![0u32; threads];
        let mut st = initial.clone();
        // The states this probe has stored: a probe that comes back to one
        // has closed a cycle, and the search stores nothing new beyond it.
        let mut visited = std::collections::HashSet::new();
        while probes < PROBES && (probes < 8 || started.elapsed() < PROBE_TIME) {
            st.clone_from(&initial);
            visited.clear();
            moves.iter_mut().for_each(|m| *m = 0);
            // ln(paths to this level) and ln(orders of the moves so far).
            let (mut ln_paths, mut ln_orders) = (0.0f64, 0.0f64);
            let mut total_moves = 0u32;
            let mut level = 0;
            let mut steps = 0usize;
            loop {
                sim.enabled_threads(&st, &mut choices);
                if let Some(por) = por {
                    persistent_only(por, sc, &st, &mut choices);
                }
                if !visited.insert(st.words_hash()) {
                    break;
                }
                if sums.len() <= level {
                    sums.push(0.0);
                }
                sums[level] += (ln_paths - ln_orders).exp();
                if choices.is_empty() || steps > config.max_steps {
                    break;
                }
                let c = choices[rng.below(choices.len())];
                ln_paths += (choices.len() as f64).ln();
                // Orders of the moves made where there was a choice (a
                // forced move has no other order): total! / prod(moves_t!),
                // updated by one more move of thread t.
                if choices.len() > 1 {
                    let t = thread_of(c);
                    moves[t] += 1;
                    total_moves += 1;
                    ln_orders += f64::from(total_moves).ln() - f64::from(moves[t]).ln();
                }
                if sim.step(&mut st, c).is_err() {
                    break;
                }
                steps += 1;
                let mut chain = 1;
                loop {
                    sim.enabled_up_to(&st, 2, &mut enabled);
                    if chain >= CHAIN_CAP {
                        break;
                    }
                    let Some(u) = forced_choice(&sim, config, por, &st, &enabled) else {
                        break;
                    };
                    chain += 1;
                    steps += 1;
                    if sim.step(&mut st, u).is_err() {
                        break;
                    }
                }
                level += 1;
            }
            probes += 1;
        }
        Estimate {
            levels: sums.into_iter().map(|s| s / probes as f64).collect(),
        }
    }

    /// The states in all, estimated before the search.
    pub fn total(&self) -> u64 {
        self.levels.iter().sum::<f64>().round().max(1.0) as u64
    }

    /// The states in all, refined by a search that has stored every state
    /// of the levels before `level` exactly (`counts`, one per level up
    /// to and including `level`, the last one possibly partial) and
    /// expanded the share `expanded` of level `level - 1`'s states.
    pub fn refined(&self, counts: &[u64], expanded: f64) -> u64 {
        let Some((&partial, done)) = counts.split_last() else {
            return self.total();
        };
        let exact: u64 = done.iter().sum();
        let level = done.len();
        let current = if expanded > 0.0 {
            (partial as f64 / expanded).max(partial as f64)
        } else {
            self.levels
                .get(level)
                .copied()
                .unwrap_or(0.0)
                .max(partial as f64)
        };
        if partial == 0 && expanded >= 1.0 {
            return exact; // the last level had no successors: the end
        }
        // How far off the probes were on the last complete levels (the
        // mean of the log of the ratio, which one odd level does not sway).
        let ratios: Vec<f64> = done
            .iter()
            .enumerate()
            .skip(1)
            .filter(|&(l, &n)| n > 0 && self.levels.get(l).is_some_and(|&e| e > 0.0))
            .map(|(l, &n)| (n as f64 / self.levels[l]).ln())
            .collect();
        let last = &ratios[ratios.len().saturating_sub(8)..];
        let scale = if last.is_empty() {
            1.0
        } else {
            (last.iter().sum::<f64>() / last.len() as f64).exp()
        };
        let deeper: f64 = self.levels.iter().skip(level + 1).sum::<f64>() * scale;
        (exact as f64 + current + deeper)
            .round()
            .min(u64::MAX as f64 / 2.0) as u64
    }
}
