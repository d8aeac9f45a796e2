//! The end of a search: every judged property's verdict, the outcomes,
//! the figures, and what else was asked for (odds, coverage).

use std::time::Instant;

use super::Search;
use super::counterexample::{counterexample, with_fewest_preemptions};
use crate::explore::odds::odds_of;
use crate::results::{
    Bound, Completion, Exploration, OutcomeCount, Property, PropertyResult, Stats, Status,
    coverage_of, properties_of,
};

impl Search<'_> {
    pub(super) fn finish(self, started: Instant) -> Exploration {
        let completion = match (self.bound, self.stop) {
            (Some(bound), _) => Completion::Bounded(bound),
            (None, true) => Completion::Stopped,
            (None, false) => Completion::Exhaustive,
        };
        let estimated_total = match completion {
            Completion::Bounded(_) => self.refined_estimate(self.expanded),
            _ => None,
        };
        let sc = self.sim.sc;
        let mut found = self.found;
        let deadline = self.config.time_limit.map(|limit| started + limit);
        let config = self.config;
        let judged = |p: &Property| config.judges(p);
        let (properties, not_checked): (Vec<Property>, Vec<Property>) =
            properties_of(sc).into_iter().partition(|p| judged(p));
        let properties: Vec<PropertyResult> = properties
            .into_iter()
            .map(|property| {
                let found = found.remove(&property).map(|f| {
                    let c = counterexample(sc, property.clone(), f);
                    with_fewest_preemptions(sc, c, self.config.fewest_preemptions, deadline)
                });
                // Under hash compaction the states a cycle needs are gone.
                let status = if found.is_none()
                    && property == Property::Terminates
                    && self.store.fingerprints()
                    && self.cycles_possible
                {
                    Status::Undecided
                } else {
                    Status::decide(found, completion)
                };
                PropertyResult { property, status }
            })
            .collect();
        let mut notes = Vec::new();
        if let Some(off) = &self.por_off {
            notes.push(format!("the property-aware reduction is off: {off}"));
        }
        if let Some(p) = self.store.miss_probability() {
            notes.push(format!(
                "hash compaction: states were kept as 64-bit fingerprints; were they random, the chance that a new state was taken for a stored one (and what lay beyond it missed) is at most {p:.1e}{}",
                if self.cycles_possible {
                    "; `terminates` is not decided, as finding a cycle needs the states"
                } else {
                    ""
                }
            ));
        }
        let odds = if self.config.odds && completion == Completion::Exhaustive {
            odds_of(sc, &properties, self.config.pct_depth, deadline, &mut notes)
        } else {
            Vec::new()
        };
        let mut coverage = coverage_of(sc, completion, |property| {
            found
                .remove(&property)
                .map(|f| counterexample(sc, property, f))
        });
        let mut not_checked = not_checked;
        coverage.retain(|g| {
            let goal = Property::Sometimes(g.goal.clone());
            judged(&goal) || {
                not_checked.push(goal);
                false
            }
        });
        let mut outcomes: Vec<OutcomeCount> = self
            .outcomes
            .into_iter()
            .map(|(key, count)| OutcomeCount {
                outcome: sc.outcome_of_key(key),
                count,
                failed: None,
            })
            .chain(
                self.failed
                    .into_iter()
                    .map(|((outcome, property), count)| OutcomeCount {
                        outcome,
                        count,
                        failed: Some(property),
                    }),
            )
            .collect();
        outcomes.sort_by(|a, b| (&a.failed, &a.outcome).cmp(&(&b.failed, &b.outcome)));
        Exploration {
            coverage,
            not_checked,
            collision_probability: self.store.miss_probability(),
            odds,
            properties,
            outcomes,
            stats: Stats {
                states: self.store.len() as u64,
                steps: self.steps,
                max_depth: self.max_depth,
                memory_bytes: (self.store.memory_bytes()
                    + self.parents.len() * 4
                    + self.choices.len() * 2
                    + self.depths.bytes().0) as u64,
                elapsed: started.elapsed(),
                reduction: self.config.reduction,
                property_reduction: self.por.is_some(),
                executions: 0,
                estimated_states: self.estimate.as_ref().map(|e| {
                    self.pilot_estimate
                        .unwrap_or(if completion == Completion::Exhaustive {
                            self.store.len() as u64
                        } else {
                            e.total()
                        })
                }),
                estimated_total,
            },
            completion,
            notes: match completion {
                Completion::Bounded(Bound::Memory) => vec![format!(
                    "the visited set reached its memory limit of {:.0} MiB (--max-memory; the default is half the machine's memory)",
                    self.config.max_memory as f64 / (1u64 << 20) as f64
                )],
                _ => notes,
            },
        }
    }
}
