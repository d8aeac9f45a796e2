//! Breadth-first search over the scenario's global states.
//!
//! States are numbered in the order they are stored, which is the BFS order,
//! so the queue is just a cursor into the store and costs no memory; each
//! state keeps its parent and the thread chosen to reach it, from which any
//! counterexample's schedule is rebuilt.
//!
//! The reduction: a state in which exactly one thread can move (every other
//! thread is blocked, say at a lock someone holds, or has exited) has a single
//! successor, so the search follows such chains without storing their states,
//! checking every `Always` invariant on the way. A chain also takes a quiet
//! `wg.Done()` as soon as it is pending where that cannot hide a state that
//! matters ([`Sim::eager_done`]). Every verdict and outcome set is the
//! unreduced one; only fewer states are stored.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::config::{Bound, Completion, ExploreConfig, Stop};
use super::replay::replay;
use super::schedule::Schedule;
use super::sim::{Sim, SimState, Terminal, thread_of};
use super::store::{Insert, StateStore};
use crate::check::{Counterexample, Property, PropertyResult, Status};
use crate::model::{Fault, Op, Outcome, Scenario, Scope};

/// Longest chain followed without storing a state: the guard against a
/// thread that loops alone forever.
const CHAIN_CAP: usize = 10_000;

/// A final outcome and how often it was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutcomeCount {
    /// The observed values.
    pub outcome: Outcome,
    /// For the explorer, the distinct final states (threads' local states
    /// included) with these values; for a threaded backend, the executions
    /// that ended with them.
    pub count: u64,
}

/// Counters of one search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Distinct states stored.
    pub states: u64,
    /// Steps executed (transitions, including those along chains).
    pub steps: u64,
    /// The longest execution explored, in steps.
    pub max_depth: u64,
    /// Bytes held by the visited set when the search ended.
    pub memory_bytes: u64,
    /// Wall-clock time.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
    /// Whether the reduction (chains, early `wg.Done()`) was on.
    pub reduction: bool,
    /// Executions run (threaded backends; 0 for the explorer).
    pub executions: u64,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// The result of [`explore`]: each property's status, the reachable final
/// outcomes, and how far the search went.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Every property of the scenario with what was decided about it.
    pub properties: Vec<PropertyResult>,
    /// The final outcomes reached, in order of their values; complete only
    /// when the search was exhaustive.
    pub outcomes: Vec<OutcomeCount>,
    /// Counters.
    pub stats: Stats,
    /// Whether the search was exhaustive, stopped early, or bounded.
    pub completion: Completion,
    /// How the backend ran, where it matters to reading the result (the
    /// effective seed, the provocations used on OS threads).
    pub notes: Vec<String>,
}

impl Exploration {
    /// Whether some property has a counterexample.
    pub fn is_violated(&self) -> bool {
        self.violations().next().is_some()
    }

    /// Whether every reachable state was explored.
    pub fn is_exhaustive(&self) -> bool {
        self.completion == Completion::Exhaustive
    }

    /// The counterexamples found, one per violated property.
    pub fn violations(&self) -> impl Iterator<Item = &Counterexample> {
        self.properties.iter().filter_map(|p| match &p.status {
            Status::Violated(c) => Some(&**c),
            _ => None,
        })
    }

    /// The status of one property, if the scenario has it.
    pub fn status(&self, property: &Property) -> Option<&Status> {
        self.properties
            .iter()
            .find(|p| &p.property == property)
            .map(|p| &p.status)
    }
}

/// The properties a scenario is checked for, in report order.
pub(crate) fn properties_of(sc: &Scenario) -> Vec<Property> {
    let mut props: Vec<Property> = sc
        .invariants
        .iter()
        .map(|i| Property::Invariant(i.name.clone()))
        .collect();
    if sc.deterministic {
        props.push(Property::Deterministic);
    }
    props.extend([
        Property::NoDataRace,
        Property::NoDeadlock,
        Property::NoPanic,
        Property::Assertions,
    ]);
    props
}

/// One successor of the state being expanded: where it ends up, the steps
/// that got it there, and which threads can move there.
struct Successor {
    choice: u16,
    state: SimState,
    chain: Vec<u16>,
    enabled: Vec<u16>,
}

struct Found {
    message: String,
    schedule: Vec<u16>,
}

struct Search<'a> {
    sim: Sim<'a>,
    config: &'a ExploreConfig,
    store: StateStore,
    parents: Vec<u32>,
    choices: Vec<u16>,
    depths: Vec<u32>,
    found: BTreeMap<Property, Found>,
    /// Observed values of final states -> (distinct final states, first one).
    outcomes: HashMap<Vec<i64>, (u64, u32)>,
    /// The first final state stored, the witness of the first outcome.
    first_final: Option<u32>,
    steps: u64,
    max_depth: u64,
    bound: Option<Bound>,
    stop: bool,
}

/// Explores every interleaving of `scenario` (within the limits of `config`)
/// and decides each of its properties.
///
/// ```
/// use interleave::{ExploreConfig, ProgramBuilder, ScenarioBuilder, explore};
///
/// let mut s = ScenarioBuilder::new("two writers");
/// let x = s.var("x", 0);
/// for value in [1, 2] {
///     let mut p = ProgramBuilder::new(format!("writer {value}"));
///     p.store(x, value);
///     s.thread(p.build());
/// }
/// let result = explore(&s.build().unwrap(), &ExploreConfig::default().stop(interleave::Stop::Exhaust));
/// assert!(result.is_exhaustive());
/// assert_eq!(result.outcomes.len(), 2); // x ends as 1 or 2
/// assert!(result.is_violated()); // and the two stores race
/// ```
pub fn explore(scenario: &Scenario, config: &ExploreConfig) -> Exploration {
    let started = Instant::now();
    let mut search = Search {
        sim: Sim::new(scenario),
        config,
        store: StateStore::new(),
        parents: Vec::new(),
        choices: Vec::new(),
        depths: Vec::new(),
        found: BTreeMap::new(),
        outcomes: HashMap::new(),
        first_final: None,
        steps: 0,
        max_depth: 0,
        bound: None,
        stop: false,
    };
    match search.sim.initial() {
        Ok(init) => search.run(init, started),
        Err((t, fault)) => search.record_fault(t, fault, None, &[]),
    }
    search.finish(started)
}

impl<'a> Search<'a> {
    fn run(&mut self, init: SimState, started: Instant) {
        let sim = &self.sim;
        let n = init.pending.len();
        self.store.insert(&init.words);
        self.parents.push(u32::MAX);
        self.choices.push(0);
        self.depths.push(0);
        let mut enabled = Vec::with_capacity(n);
        sim.enabled_threads(&init, &mut enabled);
        self.examine(&init, &enabled, None, &[]);
        if let Some(key) = self.final_outcome(&init, &enabled) {
            // Every thread exits without a shared operation.
            self.outcomes.insert(key, (1, 0));
            self.first_final = Some(0);
        }

        let mut current = init.clone();
        let mut successors = Vec::with_capacity(n);
        // One buffer per successor of the state being expanded, reused.
        let mut batch: Vec<Successor> = Vec::new();
        let mut results: Vec<Insert> = Vec::new();
        let mut index: u32 = 0;
        while (index as usize) < self.store.len() && !self.stop {
            if index % 1024 == 0
                && let Some(limit) = self.config.timeout
                && started.elapsed() >= limit
            {
                self.bound = Some(Bound::Time);
                break;
            }
            self.store.get(index, &mut current.words);
            for t in 0..n {
                let slot = &current.words[self.sim.sc.layout.slot(t)];
                current.pending[t] = self.sim.sc.threads[t].pending(slot);
            }
            self.sim.enabled_threads(&current, &mut successors);
            let mut used = 0;
            for &t in &successors {
                if batch.len() == used {
                    batch.push(Successor {
                        choice: 0,
                        state: current.clone(),
                        chain: Vec::new(),
                        enabled: Vec::new(),
                    });
                }
                let succ = &mut batch[used];
                succ.choice = t;
                if self.follow(index, &current, succ) {
                    used += 1;
                }
            }
            results.resize(used, Insert::Seen);
            let room = self.config.max_states.saturating_sub(self.store.len());
            if used <= room {
                self.store.insert_batch(
                    batch[..used].iter().map(|s| &s.state.words[..]),
                    &mut results,
                );
            } else {
                // Near the state limit: one at a time until the store is
                // full; a successor that then cannot be stored ends the
                // search as bounded (it might be new).
                for (k, succ) in batch[..used].iter().enumerate() {
                    if self.store.len() < self.config.max_states {
                        results[k] = self.store.insert(&succ.state.words);
                    } else {
                        results[k] = Insert::Seen;
                        self.bound = Some(Bound::States);
                        self.stop = true;
                    }
                }
            }
            for (succ, result) in batch[..used].iter().zip(&results) {
                if let Insert::New(j) = *result {
                    let depth = self.depths[index as usize] as u64 + succ.chain.len() as u64;
                    self.parents.push(index);
                    self.choices.push(succ.choice);
                    self.depths.push(depth as u32);
                    self.max_depth = self.max_depth.max(depth);
                    self.examine(&succ.state, &succ.enabled, Some(index), &succ.chain);
                    if let Some(key) = self.final_outcome(&succ.state, &succ.enabled) {
                        self.count_outcome(key, j, index, &succ.chain);
                    }
                }
            }
            index += 1;
        }
    }

    /// Moves `succ.state` (a copy of `current`) by `succ.choice`, then along
    /// its chain of single-successor states, checking them on the way.
    /// False when the path ends in a failure or past the depth limit.
    fn follow(&mut self, index: u32, current: &SimState, succ: &mut Successor) -> bool {
        let next = &mut succ.state;
        let chain = &mut succ.chain;
        let enabled = &mut succ.enabled;
        next.clone_from(current);
        chain.clear();
        chain.push(succ.choice);
        if let Err((who, fault)) = self.sim.step(next, succ.choice) {
            self.record_fault(who, fault, Some(index), chain);
            return false;
        }
        self.steps += 1;
        loop {
            // Stored states keep only whether 0, 1 or 2+ threads can move.
            self.sim.enabled_up_to(next, 2, enabled);
            if chain.len() >= CHAIN_CAP {
                break;
            }
            let Some(u) = forced_choice(&self.sim, self.config, next, enabled) else {
                break;
            };
            // (Races too: an early `Done` passes over a state where others
            // can move.)
            self.check_state(next, enabled, Some(index), chain);
            chain.push(u);
            if let Err((who, fault)) = self.sim.step(next, u) {
                self.record_fault(who, fault, Some(index), chain);
                return false;
            }
            self.steps += 1;
        }
        let depth = self.depths[index as usize] as u64 + chain.len() as u64;
        if depth > self.config.max_depth as u64 {
            self.bound = Some(Bound::Depth);
            return false;
        }
        true
    }

    /// Checks what every visited state must satisfy: the `Always`
    /// invariants, and no race where two or more threads can move.
    fn check_state(&mut self, st: &SimState, enabled: &[u16], parent: Option<u32>, chain: &[u16]) {
        if let Some((i, message)) = self.sim.failing_invariant(st, Scope::Always) {
            self.record_invariant(i, message, parent, chain);
        }
        if enabled.len() >= 2
            && !self.found.contains_key(&Property::NoDataRace)
            && let Some((var, a, b)) = self.sim.race(st)
        {
            let (message, _) = self.sim.race_finding(st, var, a, b);
            self.record(Property::NoDataRace, message, parent, chain);
        }
    }

    /// Checks a newly stored state: as every visited state, plus deadlock
    /// and the final-state invariants.
    fn examine(&mut self, st: &SimState, enabled: &[u16], parent: Option<u32>, chain: &[u16]) {
        self.check_state(st, enabled, parent, chain);
        if enabled.is_empty() {
            match self.sim.terminal(st) {
                Terminal::Final => {
                    if let Some((i, message)) = self.sim.failing_invariant(st, Scope::AtEnd) {
                        self.record_invariant(i, message, parent, chain);
                    }
                }
                Terminal::Deadlock => {
                    let (message, _) = self.sim.deadlock_finding(st);
                    self.record(Property::NoDeadlock, message, parent, chain);
                }
            }
        }
    }

    fn final_outcome(&self, st: &SimState, enabled: &[u16]) -> Option<Vec<i64>> {
        (enabled.is_empty() && self.sim.terminal(st) == Terminal::Final)
            .then(|| self.sim.sc.outcome_key(&st.words))
    }

    fn count_outcome(&mut self, key: Vec<i64>, state: u32, parent: u32, chain: &[u16]) {
        let distinct = self.outcomes.len();
        self.outcomes.entry(key).or_insert((0, state)).0 += 1;
        let first_state = *self.first_final.get_or_insert(state);
        if distinct == 1 && self.outcomes.len() == 2 && self.sim.sc.deterministic {
            let first = self.outcome_of(first_state);
            let second = self.outcome_of(state);
            let other = Schedule::from_indices(&self.schedule_to(first_state));
            let message = format!(
                "more than one final outcome: {second} in the interleaving below, {first} in the interleaving {other}"
            );
            self.record(Property::Deterministic, message, Some(parent), chain);
        }
    }

    fn outcome_of(&self, state: u32) -> Outcome {
        let mut words = vec![0; self.sim.sc.layout.width];
        self.store.get(state, &mut words);
        self.sim.sc.outcome(&words)
    }

    fn record_invariant(&mut self, i: usize, message: String, parent: Option<u32>, chain: &[u16]) {
        let name = self.sim.sc.invariants[i].name.clone();
        self.record(Property::Invariant(name), message, parent, chain);
    }

    fn record_fault(&mut self, thread: u16, fault: Fault, parent: Option<u32>, chain: &[u16]) {
        let (property, message) = self.sim.fault_finding(thread, &fault);
        self.record(property, message, parent, chain);
    }

    fn record(&mut self, property: Property, message: String, parent: Option<u32>, chain: &[u16]) {
        // Breadth-first order finds the fewest branching choices first; among
        // finds from the same layer, keep the one with the fewest steps.
        let steps = parent.map_or(0, |p| self.depths[p as usize] as usize) + chain.len();
        if self
            .found
            .get(&property)
            .is_some_and(|f| f.schedule.len() <= steps)
        {
            return;
        }
        let mut schedule = parent.map_or_else(Vec::new, |p| self.schedule_to(p));
        schedule.extend_from_slice(chain);
        self.found.insert(property, Found { message, schedule });
        self.stop |= match &self.config.stop {
            Stop::FirstViolation => true,
            Stop::WhenViolated(targets) => {
                !targets.is_empty() && targets.iter().all(|p| self.found.contains_key(p))
            }
            Stop::Exhaust => false,
        };
    }

    /// The full schedule (chains included) that reaches stored state `index`.
    fn schedule_to(&self, index: u32) -> Vec<u16> {
        let mut edges = Vec::new();
        let mut i = index;
        while i != 0 {
            edges.push(self.choices[i as usize]);
            i = self.parents[i as usize];
        }
        edges.reverse();
        let sim = &self.sim;
        let mut st = sim
            .initial()
            .expect("the initial state was built once already");
        let mut enabled = Vec::new();
        let mut schedule = Vec::new();
        for t in edges {
            let mut len = 1;
            sim.step(&mut st, t).expect("a stored path does not fault");
            schedule.push(t);
            loop {
                sim.enabled_up_to(&st, 2, &mut enabled);
                if len >= CHAIN_CAP {
                    break;
                }
                let Some(u) = forced_choice(sim, self.config, &st, &enabled) else {
                    break;
                };
                sim.step(&mut st, u).expect("a stored path does not fault");
                schedule.push(u);
                len += 1;
            }
        }
        schedule
    }

    fn finish(self, started: Instant) -> Exploration {
        let completion = match (self.bound, self.stop) {
            (Some(bound), _) => Completion::Bounded(bound),
            (None, true) => Completion::Stopped,
            (None, false) => Completion::Exhaustive,
        };
        let sc = self.sim.sc;
        let mut found = self.found;
        let properties = properties_of(sc)
            .into_iter()
            .map(|property| {
                let status = match found.remove(&property) {
                    Some(f) => Status::Violated(Box::new(counterexample(sc, property.clone(), f))),
                    None if completion == Completion::Exhaustive => Status::Holds,
                    None => Status::Undecided,
                };
                PropertyResult { property, status }
            })
            .collect();
        let mut outcomes: Vec<OutcomeCount> = self
            .outcomes
            .values()
            .map(|&(count, state)| {
                let mut words = vec![0; sc.layout.width];
                self.store.get(state, &mut words);
                OutcomeCount {
                    outcome: sc.outcome(&words),
                    count,
                }
            })
            .collect();
        outcomes.sort_by(|a, b| a.outcome.cmp(&b.outcome));
        Exploration {
            properties,
            outcomes,
            stats: Stats {
                states: self.store.len() as u64,
                steps: self.steps,
                max_depth: self.max_depth,
                memory_bytes: (self.store.memory_bytes()
                    + self.parents.capacity() * 4
                    + self.choices.capacity() * 2
                    + self.depths.capacity() * 4) as u64,
                elapsed: started.elapsed(),
                reduction: self.config.reduction,
                executions: 0,
            },
            completion,
            notes: Vec::new(),
        }
    }
}

/// The step a chain takes from `st` without storing it, if any: the only
/// thread that can move, or an eager `wg.Done()` (see [`Sim::eager_done`]).
/// `enabled` holds the first two choices that can be taken in `st`.
fn forced_choice(sim: &Sim, config: &ExploreConfig, st: &SimState, enabled: &[u16]) -> Option<u16> {
    if !config.reduction {
        return None;
    }
    match enabled {
        [only] => Some(*only),
        [_, _, ..] => sim.eager_done(st),
        [] => None,
    }
}

/// Drops the `wg.Done()` steps a counterexample does not need. The search
/// runs a quiet `Done` as soon as it may (see [`Sim::eager_done`]), so a
/// schedule it finds can carry one that the violation does not depend on;
/// each is dropped when the schedule without it still replays to the same
/// property broken, so the trace shown is as short as the unreduced
/// search's.
fn without_needless_dones(sc: &Scenario, property: &Property, found: &mut Found) {
    if *property == Property::Deterministic {
        return; // shown by two executions, not by one replay
    }
    let sim = Sim::new(sc);
    let Ok(mut st) = sim.initial() else { return };
    let mut dones = Vec::new();
    for (i, &c) in found.schedule.iter().enumerate() {
        if matches!(st.pending[thread_of(c)], Op::WgDone(_)) {
            dones.push(i);
        }
        if sim.step(&mut st, c).is_err() {
            break;
        }
    }
    for i in dones.into_iter().rev() {
        let mut shorter = found.schedule.clone();
        shorter.remove(i);
        let Ok(run) = replay(sc, &Schedule::from_indices(&shorter)) else {
            continue;
        };
        if let Some(f) = run.findings.iter().find(|f| f.property == *property) {
            shorter.truncate(f.after_step);
            found.schedule = shorter;
            found.message.clone_from(&f.message);
        }
    }
}

fn counterexample(sc: &Scenario, property: Property, mut found: Found) -> Counterexample {
    without_needless_dones(sc, &property, &mut found);
    let schedule = Schedule::from_indices(&found.schedule);
    let run = replay(sc, &schedule).expect("a schedule the search found replays");
    debug_assert!(
        run.findings.iter().any(|f| f.property == property) || property == Property::Deterministic,
        "replay of {schedule} does not show {property}"
    );
    let pending = run
        .findings
        .iter()
        .find(|f| f.property == property)
        .map(|f| f.pending.clone())
        .unwrap_or_default();
    Counterexample {
        property,
        message: found.message,
        schedule,
        steps: run.steps,
        pending,
        replay: None,
        backend_schedule: None,
        backend_replay: None,
    }
}
