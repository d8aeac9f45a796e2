//! Folds a threaded backend's executions into the same `Exploration` the
//! explorer returns: the first counterexample per property, and how often
//! each outcome was reached.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::world::Execution;
use crate::model::{Outcome, Scenario};
use crate::results::{
    Choice, Completion, Counterexample, Exploration, OutcomeCount, Property, PropertyResult,
    Schedule, Stats, Status, TraceStep, coverage_of, properties_of,
};
use crate::results::{Progress, ProgressHook};
use crate::sim::replay;

pub(crate) struct Aggregate {
    /// To rebuild the trace of an execution that is kept, by replay.
    scenario: Scenario,
    deterministic: bool,
    properties: Vec<Property>,
    found: BTreeMap<Property, Counterexample>,
    /// How many executions broke each property.
    frequency: BTreeMap<Property, u64>,
    /// Each outcome, and the property a failure broke when it was one.
    outcomes: BTreeMap<(Option<Property>, Outcome), u64>,
    first_outcome: Option<(Outcome, Schedule)>,
    executions: u64,
    /// Executions in which a select picked one of several ready cases.
    chose: u64,
    steps: u64,
    max_depth: u64,
    /// Executions stopped at the step bound before they finished.
    cut: u64,
    /// Executions stopped by the time limit before they finished.
    timed_out: u64,
    /// Who to tell how far the run has got (see [`Aggregate::watch`]).
    watcher: Option<Watcher>,
}

/// A progress hook with the run's plan and when it was last told.
#[derive(Clone)]
struct Watcher {
    hook: ProgressHook,
    planned: Option<u64>,
    started: Instant,
    reported: Instant,
}

impl Aggregate {
    pub fn new(scenario: &Scenario) -> Self {
        Aggregate {
            scenario: scenario.clone(),
            deterministic: scenario.is_deterministic(),
            properties: properties_of(scenario),
            found: BTreeMap::new(),
            frequency: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            first_outcome: None,
            executions: 0,
            chose: 0,
            steps: 0,
            max_depth: 0,
            cut: 0,
            timed_out: 0,
            watcher: None,
        }
    }

    /// Reports to `hook` (if any) about every 100 ms how many of the
    /// `planned` executions (when known) have run, and once more at the end.
    pub fn watch(&mut self, hook: Option<&ProgressHook>, planned: Option<u64>) {
        let now = Instant::now();
        self.watcher = hook.map(|hook| Watcher {
            hook: hook.clone(),
            planned,
            started: now,
            reported: now,
        });
    }

    fn tick(&mut self, done: bool) {
        let Some(w) = &mut self.watcher else {
            return;
        };
        let now = Instant::now();
        if !done && now.duration_since(w.reported) < Duration::from_millis(100) {
            return;
        }
        w.reported = now;
        w.hook.report(&Progress {
            states: 0,
            steps: self.steps,
            waiting: 0,
            depth: self.max_depth,
            elapsed: now.duration_since(w.started),
            done,
            executions: self.executions + self.cut + self.timed_out,
            planned: w.planned,
            estimated_states: None,
        });
    }

    /// The aggregate a backend's executions shared, once they have all
    /// finished. An engine that unwinds out of an execution (loom at its
    /// deadline) may keep that execution's clone alive: the contents are
    /// then taken from under it.
    pub fn take(shared: std::sync::Arc<std::sync::Mutex<Aggregate>>) -> Aggregate {
        match std::sync::Arc::try_unwrap(shared) {
            Ok(only) => only.into_inner().unwrap_or_else(|e| e.into_inner()),
            Err(shared) => {
                let mut aggregate = shared.lock().unwrap_or_else(|e| e.into_inner());
                let empty = Aggregate::new(&aggregate.scenario);
                std::mem::replace(&mut *aggregate, empty)
            }
        }
    }

    /// Executions that finished (not stopped at the step bound).
    pub fn executions(&self) -> u64 {
        self.executions
    }

    /// The properties some execution broke.
    pub fn found(&self) -> impl Iterator<Item = &Property> {
        self.found.keys()
    }

    /// Whether some execution broke `property`.
    pub fn has_finding(&self, property: &Property) -> bool {
        self.found.contains_key(property)
    }

    pub fn add(&mut self, e: Execution) {
        self.add_with(e, || None);
    }

    /// After an execution is counted: a progress report, when one is due.
    fn counted(&mut self) {
        self.tick(false);
    }

    /// Adds an execution with the backend's own replayable schedule of it.
    ///
    /// `backend_schedule` renders the backend's own form of the schedule; it
    /// is called only when the execution is kept as a counterexample, since
    /// most executions are not and rendering every one is costly.
    pub fn add_with(&mut self, e: Execution, backend_schedule: impl Fn() -> Option<String>) {
        // An execution stopped at its bound counts for nothing, but what it
        // found before the bound is a real finding of a real execution.
        if e.timed_out {
            self.timed_out += 1;
        } else if e.cut {
            self.add_cut();
        } else {
            self.executions += 1;
            self.chose += u64::from(e.chose);
            self.steps += e.schedule.len() as u64;
            self.max_depth = self.max_depth.max(e.schedule.len() as u64);
        }
        for f in &e.run.findings {
            *self.frequency.entry(f.property.clone()).or_insert(0) += 1;
            // Keep the shortest counterexample any execution gave.
            if self
                .found
                .get(&f.property)
                .is_some_and(|c| c.steps.len() <= f.after_step)
            {
                continue;
            }
            self.found.insert(
                f.property.clone(),
                Counterexample {
                    property: f.property.clone(),
                    message: f.message.clone(),
                    schedule: Schedule::from_indices(&e.schedule[..f.after_step]),
                    steps: self.trace(&e.schedule[..f.after_step]),
                    pending: f.pending.clone(),
                    replay: None,
                    token: None,
                    backend_schedule: backend_schedule(),
                    backend_replay: None,
                    cycle_from: None,
                    fewest_preemptions: false,
                },
            );
        }
        if let Some((outcome, property)) = e.failed.clone() {
            *self.outcomes.entry((Some(property), outcome)).or_insert(0) += 1;
        }
        if let Some(outcome) = e.run.outcome.clone() {
            let new = !self.outcomes.contains_key(&(None, outcome.clone()));
            *self.outcomes.entry((None, outcome.clone())).or_insert(0) += 1;
            match &self.first_outcome {
                None => {
                    self.first_outcome = Some((outcome, Schedule::from_indices(&e.schedule)));
                }
                Some((first, other)) if new && self.deterministic => {
                    let message = format!(
                        "more than one final outcome: {outcome} in the interleaving below, {first} in the interleaving {other}"
                    );
                    if !self.found.contains_key(&Property::Deterministic) {
                        let steps = self.trace(&e.schedule);
                        self.found.insert(
                            Property::Deterministic,
                            Counterexample {
                                property: Property::Deterministic,
                                message,
                                schedule: Schedule::from_indices(&e.schedule),
                                steps,
                                pending: Vec::new(),
                                replay: None,
                                token: None,
                                backend_schedule: backend_schedule(),
                                backend_replay: None,
                                cycle_from: None,
                                fewest_preemptions: false,
                            },
                        );
                    }
                }
                Some(_) => {}
            }
        }
        self.counted();
    }

    /// The trace of a schedule an execution took, rebuilt by replay.
    fn trace(&self, schedule: &[Choice]) -> Vec<TraceStep> {
        replay(&self.scenario, &Schedule::from_indices(schedule))
            .expect("an execution's own schedule replays")
            .steps
    }

    /// For a backend that does not branch on a select's choice (loom, shuttle
    /// DFS): an exhaustive-looking run is only a sample when some select
    /// had several ready cases, since one of them was taken.
    pub fn unexplored_choices(
        &self,
        completion: Completion,
        notes: &mut Vec<String>,
    ) -> Completion {
        if self.chose == 0 {
            return completion;
        }
        notes.push(format!(
            "in {} of {} executions a select had several ready cases (or a Signal several waiters) and this backend took one without trying the others, so its result is a sample",
            self.chose, self.executions
        ));
        match completion {
            Completion::Exhaustive => Completion::Sampled,
            other => other,
        }
    }

    /// Counts an execution stopped at the step bound: what it reached is
    /// not a final state, and it counts for nothing else.
    pub fn add_cut(&mut self) {
        self.cut += 1;
        self.counted();
    }

    /// Notes executions stopped at `max_steps`; a search that stopped some
    /// did not try everything, so it is bounded by depth, not exhaustive.
    pub fn stopped_at(
        &self,
        max_steps: usize,
        completion: Completion,
        notes: &mut Vec<String>,
    ) -> Completion {
        if self.cut == 0 {
            return completion;
        }
        notes.push(format!(
            "{} of {} executions did not finish within {} steps and were stopped; they count for nothing (a thread that loops for ever ends this way, such as a spin on a flag that nobody sets, or that the scheduler never lets another thread set; raise the bound with --max-depth)",
            self.cut,
            self.cut + self.executions,
            max_steps,
        ));
        match completion {
            Completion::Exhaustive => Completion::Bounded(crate::results::Bound::Depth),
            other => other,
        }
    }

    pub fn finish(
        mut self,
        completion: Completion,
        elapsed: Duration,
        mut notes: Vec<String>,
    ) -> Exploration {
        self.tick(true);
        if self.timed_out > 0 {
            notes.push(format!(
                "the time limit stopped {} execution(s) before they finished; they count for nothing",
                self.timed_out
            ));
        }
        for (property, k) in &self.frequency {
            let how = match property {
                Property::Sometimes(_) => "reached",
                _ => "broken",
            };
            notes.push(format!(
                "`{property}` {how} in {k} of {} executions",
                self.executions + self.cut + self.timed_out
            ));
        }
        let coverage = coverage_of(&self.scenario, completion, |property| {
            self.found.remove(&property)
        });
        let properties = self
            .properties
            .iter()
            .map(|property| {
                let status = Status::decide(self.found.remove(property), completion);
                PropertyResult {
                    property: property.clone(),
                    status,
                }
            })
            .collect();
        Exploration {
            coverage,
            collision_probability: None,
            not_checked: Vec::new(),
            odds: Vec::new(),
            properties,
            outcomes: self
                .outcomes
                .into_iter()
                .map(|((failed, outcome), count)| OutcomeCount {
                    outcome,
                    count,
                    failed,
                })
                .collect(),
            stats: Stats {
                states: 0,
                steps: self.steps,
                max_depth: self.max_depth,
                memory_bytes: 0,
                elapsed,
                reduction: false,
                property_reduction: false,
                executions: self.executions,
                estimated_states: None,
                estimated_total: None,
            },
            completion,
            notes,
        }
    }
}
