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

mod counterexample;
mod depths;
mod finish;
mod termination;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::config::ExploreConfig;
use super::estimate::{Estimate, PILOT};
use super::expand::{
    Block, CHAIN_CAP, Checks, End, Expander, Key, Known, Successor, checks, forced_choice,
};
use super::packing::known_extremes;
use super::por::Por;
use super::store::{CAPACITY, Insert, StateStore};
use crate::model::{Fault, Outcome, Scenario, Scope};
use crate::results::{Bound, Exploration, Property, Schedule, Stop};
use crate::results::{Interrupt, Progress};
use crate::sim::{Sim, SimState, Terminal};
use counterexample::Found;

/// Most states in one [`Block`]: enough to make handing it to a thread
/// cheap (it takes a millisecond or so to expand), few enough that the
/// threads share the work evenly.
const BLOCK: u32 = 1024;

struct Search<'a> {
    sim: Sim<'a>,
    config: &'a ExploreConfig,
    /// The property-aware reduction, when it applies.
    por: Option<&'a Por>,
    /// Why it does not, when only some properties are judged.
    por_off: Option<String>,
    store: StateStore,
    parents: Vec<u32>,
    choices: Vec<u16>,
    depths: depths::Depths,
    found: BTreeMap<Property, Found>,
    /// Observed values of final states -> distinct final states.
    outcomes: HashMap<Vec<i64>, u64>,
    /// The values when a step failed, and what it broke -> distinct
    /// failing steps.
    failed: HashMap<(Outcome, Property), u64>,
    /// The first final state stored, the witness of the first outcome.
    first_final: Option<u32>,
    steps: u64,
    max_depth: u64,
    bound: Option<Bound>,
    stop: bool,
    /// When [`ExploreConfig::progress`] was last called.
    reported: Instant,
    /// States whose successors are stored.
    expanded: u32,
    /// Some edge led to a state no deeper than the one it left: the state
    /// graph may have a cycle (see `termination.rs`).
    may_cycle: bool,
    /// Whether the scenario can have a cycle at all (`Scenario::may_cycle`);
    /// without one, edges are not looked at (a random read per edge).
    cycles_possible: bool,
    /// The probes' estimate, with [`ExploreConfig::estimate`].
    estimate: Option<Estimate>,
    /// The first state of each breadth-first level stored so far, and the
    /// level of the state being expanded.
    level_starts: Vec<u32>,
    level: usize,
    /// The estimate once [`PILOT`] states were stored.
    pilot_estimate: Option<u64>,
    /// The properties not judged whose first violation has been run on to
    /// an end.
    unjudged_seen: std::collections::BTreeSet<Property>,
    /// [`ExploreConfig::judged_stop`], computed once.
    judged_stop: Stop,
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
    let (por, por_off) = match Por::for_config(scenario, config) {
        Ok(por) => (Some(por), None),
        Err(off) => (None, off),
    };
    let mut search = Search {
        sim: Sim::new(scenario),
        config,
        por: por.as_ref(),
        por_off,
        store: StateStore::new(config.fingerprints, &known_extremes(scenario)),
        parents: Vec::new(),
        choices: Vec::new(),
        depths: depths::Depths::new(scenario.may_cycle()),
        found: BTreeMap::new(),
        outcomes: HashMap::new(),
        failed: HashMap::new(),
        first_final: None,
        steps: 0,
        max_depth: 0,
        bound: None,
        stop: false,
        reported: started,
        expanded: 0,
        may_cycle: false,
        cycles_possible: scenario.may_cycle(),
        estimate: config
            .estimate
            .then(|| Estimate::probe(scenario, config, por.as_ref(), 0)),
        level_starts: vec![0],
        level: 0,
        pilot_estimate: None,
        unjudged_seen: Default::default(),
        judged_stop: config.judged_stop(),
    };
    match search.sim.initial() {
        Ok(init) => search.run(init, started),
        Err((t, fault)) => search.record_fault(t, fault, None, &[]),
    }
    if search.bound.is_none() && !search.stop && !search.store.fingerprints() {
        search.check_termination();
    }
    let expanded = search.expanded;
    search.report_progress(started, expanded, true);
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
        sim.enabled_up_to(&init, 2, &mut enabled);
        // Reported as every newly stored state is (a final one: every
        // thread exits without a shared operation).
        if let Some(checks) = checks(sim, &init, &enabled, Known::default()) {
            self.report(&checks, 0, 0, &[]);
        }
        let sc = self.sim.sc;
        let config = self.config;
        std::thread::scope(|scope| {
            let mut workers: Option<Workers> = None;
            let deadline = config.time_limit.map(|limit| started + limit);
            let mut here = Expander::new(sc, config, self.por, deadline);
            let mut spare: Vec<Block> = Vec::new();
            // States below `merged` are expanded and their successors
            // stored; those below `handed` are expanded or being expanded.
            let mut merged: u32 = 0;
            let mut handed: u32 = 0;
            let mut in_flight = 0;
            let mut done: BTreeMap<u32, Block> = BTreeMap::new();
            while !self.stop {
                let stored = self.store.len() as u32;
                if workers.is_none()
                    && config.threads > 0
                    && (stored - merged) as usize >= config.parallel_from
                {
                    workers = Some(Workers::start(scope, sc, config, self.por, deadline));
                    handed = merged;
                }
                let block = match &workers {
                    None => {
                        if merged == stored {
                            break;
                        }
                        let mut block = spare.pop().unwrap_or_default();
                        self.fill(&mut block, merged, stored);
                        here.expand(&mut block);
                        block
                    }
                    Some(w) => {
                        let most = 2 * config.threads + 1;
                        while in_flight < most && handed < stored {
                            // Small blocks while few states wait, so that
                            // every thread gets some.
                            let size = ((stored - handed) / most as u32).clamp(1, BLOCK);
                            let mut block = spare.pop().unwrap_or_default();
                            self.fill(&mut block, handed, handed + size);
                            handed = block.end();
                            w.hand(block);
                            in_flight += 1;
                        }
                        if in_flight == 0 {
                            break;
                        }
                        let block = loop {
                            if let Some(block) = done.remove(&merged) {
                                break block;
                            }
                            let block = w.take();
                            done.insert(block.start, block);
                        };
                        in_flight -= 1;
                        block
                    }
                };
                let go_on = self.merge(&block, started);
                merged = block.end();
                self.store.release_below(merged);
                spare.push(block);
                if !go_on {
                    break;
                }
            }
            if let Some(w) = workers {
                w.stop();
            }
        });
    }

    /// What the expanders need not look for any more: a race once one is
    /// known (only the first is kept), and an invariant not judged once
    /// its first violation was seen (only the first runs on to an end).
    fn known(&self) -> Known {
        let sc = self.sim.sc;
        let seen = |p: &Property| self.unjudged_seen.contains(p);
        Known {
            race: self.found.contains_key(&Property::NoDataRace) || seen(&Property::NoDataRace),
            invariants: sc
                .invariants_of(Scope::Always)
                .iter()
                .filter(|&&i| i < 64 && seen(&Property::Invariant(sc.invariants[i].name.clone())))
                .fold(0, |mask, &i| mask | 1 << i),
        }
    }

    /// Fills `block` with the stored states from `from` up to `to` (at
    /// most [`BLOCK`] of them).
    fn fill(&self, block: &mut Block, from: u32, to: u32) {
        block.reset(from, self.known(), self.store.keys());
        for i in from..to.min(from + BLOCK) {
            block.push(self.store.bytes(i as usize), self.depths.at(i));
        }
    }

    /// Records what expanding `block` found and stores its successors,
    /// state by state, exactly as a search on one thread would; false once
    /// the search must end.
    fn merge(&mut self, block: &Block, started: Instant) -> bool {
        let mut results: Vec<Insert> = Vec::new();
        let mut spans: Vec<(usize, usize, u64)> = Vec::new();
        let mut words = vec![0; self.sim.sc.layout.width];
        let capacity = self.config.max_states.min(CAPACITY);
        if block.keys.version() == self.store.keys().version() {
            self.store
                .touch(block.successors.iter().filter_map(|s| match s.key {
                    Key::Packed(_, _, hash) => Some(hash),
                    Key::Words(..) => None,
                }));
        }
        let (mut successors_from, mut findings_from) = (0, 0);
        for e in &block.expanded {
            let index = e.index;
            if index % 64 == 0 {
                if let Some(limit) = self.config.time_limit
                    && started.elapsed() >= limit
                {
                    self.bound = Some(Bound::Time);
                    return false;
                }
                if self
                    .config
                    .interrupt
                    .as_ref()
                    .is_some_and(Interrupt::is_raised)
                {
                    self.bound = Some(Bound::Interrupted);
                    return false;
                }
                if self.peak_bytes() >= self.config.max_memory {
                    self.bound = Some(Bound::Memory);
                    return false;
                }
                self.report_progress(started, index, false);
            }
            while self
                .level_starts
                .get(self.level + 1)
                .is_some_and(|&start| index >= start)
            {
                self.level += 1;
            }
            self.steps += e.steps;
            if e.timed_out {
                self.bound = Some(Bound::Time);
                return false;
            }
            for f in &block.findings[findings_from..e.findings_end] {
                // A reordering reaches the same ends but not the same
                // failures: under the property-aware reduction, whose
                // properties say nothing of them, none is listed.
                if let Some(outcome) = f.ends.as_ref().filter(|_| self.por.is_none()) {
                    *self
                        .failed
                        .entry((outcome.clone(), f.property.clone()))
                        .or_insert(0) += 1;
                }
                // Once a race is known no other is looked for.
                if f.property != Property::NoDataRace
                    || !self.found.contains_key(&Property::NoDataRace)
                {
                    self.record(f.property.clone(), f.message.clone(), Some(index), &f.chain);
                }
            }
            findings_from = e.findings_end;
            if e.depth_bound {
                self.bound = Some(Bound::Depth);
            }
            let successors = &block.successors[successors_from..e.successors_end];
            successors_from = e.successors_end;
            results.clear();
            results.resize(successors.len(), Insert::Full);
            let room = capacity.saturating_sub(self.store.len());
            // Packed as the store packs now: one batch. Otherwise (the
            // store widened its packing since the block was handed out, or
            // a successor is too wide for it), one state at a time.
            let packed = block.keys.version() == self.store.keys().version()
                && successors.iter().all(|s| matches!(s.key, Key::Packed(..)));
            if packed && successors.len() <= room {
                spans.clear();
                spans.extend(successors.iter().map(|s| match s.key {
                    Key::Packed(start, end, hash) => (start, end, hash),
                    Key::Words(..) => unreachable!("all packed"),
                }));
                self.store
                    .insert_packed_batch(&block.bytes, &spans, &mut results);
            } else {
                // Near the state limit, until the store is full; a
                // successor that then cannot be stored ends the search as
                // bounded (it might be new).
                for (k, succ) in successors.iter().enumerate() {
                    if self.store.len() < capacity {
                        block.words_of(succ, &mut words);
                        results[k] = self.store.insert(&words);
                    } else {
                        self.bound = Some(Bound::States);
                        self.stop = true;
                    }
                }
            }
            for (succ, result) in successors.iter().zip(&results) {
                if let Insert::Seen(Some(j)) = *result
                    && self.cycles_possible
                    && self.depths.at(j) <= self.depths.at(index)
                {
                    self.may_cycle = true;
                }
                if let Insert::New(j) = *result {
                    if self.level_starts.len() == self.level + 1 {
                        self.level_starts.push(j);
                    }
                    let chain = block.chain(succ);
                    let depth = u64::from(self.depths.at(index)) + chain.len() as u64;
                    self.parents.push(index);
                    self.choices.push(succ.choice);
                    self.depths.push(depth as u32);
                    self.max_depth = self.max_depth.max(depth);
                    if let Some(checks) = &succ.checks {
                        self.report(checks, j, index, chain);
                    }
                }
            }
            self.expanded = index + 1;
            self.depths.release_below(self.expanded);
            if self.pilot_estimate.is_none() && self.store.len() >= PILOT {
                self.pilot_estimate = self.refined_estimate(index + 1);
            }
            if self.stop {
                return false;
            }
        }
        true
    }

    /// What the visited set may take at its peak (see
    /// [`StateStore::peak_bytes`]), with each state's parent, choice and
    /// depth.
    fn peak_bytes(&self) -> u64 {
        (self.store.peak_bytes()
            + self.parents.capacity() * 4
            + self.choices.capacity() * 2
            + self.depths.bytes().1) as u64
    }

    /// Calls the progress hook, if any, at most every 100 ms unless `done`;
    /// `index` is the state being expanded.
    fn report_progress(&mut self, started: Instant, index: u32, done: bool) {
        let Some(hook) = &self.config.progress else {
            return;
        };
        let now = Instant::now();
        if !done && now.duration_since(self.reported) < Duration::from_millis(100) {
            return;
        }
        self.reported = now;
        let stored = self.store.len() as u64;
        let index = u64::from(index).min(stored);
        hook.report(&Progress {
            states: stored,
            steps: self.steps,
            waiting: stored - index,
            depth: self
                .depths
                .get(index as u32)
                .map_or(self.max_depth, u64::from),
            elapsed: now.duration_since(started),
            done,
            executions: 0,
            planned: None,
            estimated_states: if done && self.bound.is_none() && !self.stop {
                self.estimate.as_ref().map(|_| stored)
            } else {
                self.refined_estimate(index as u32)
            },
        });
    }

    /// The estimate refined by the levels stored, while state `index` is
    /// being expanded.
    fn refined_estimate(&self, index: u32) -> Option<u64> {
        let estimate = self.estimate.as_ref()?;
        let stored = self.store.len() as u32;
        let mut counts: Vec<u64> = self
            .level_starts
            .windows(2)
            .map(|w| u64::from(w[1] - w[0]))
            .collect();
        let last = *self.level_starts.last().unwrap_or(&0);
        counts.push(u64::from(stored - last));
        // Levels up to the one being expanded are complete; the next one is
        // being stored.
        counts.truncate(self.level + 2);
        let start = self.level_starts[self.level];
        let size = self
            .level_starts
            .get(self.level + 1)
            .copied()
            .unwrap_or(stored)
            .saturating_sub(start)
            .max(1);
        let expanded = f64::from(index.saturating_sub(start)) / f64::from(size);
        Some(
            estimate
                .refined(&counts, expanded.min(1.0))
                .max(u64::from(stored)),
        )
    }

    /// Records what a newly stored state reports (as [`Search::examine`]
    /// would find it).
    fn report(&mut self, checks: &Checks, state: u32, from: u32, chain: &[u16]) {
        let parent = Some(from);
        for (property, message) in &checks.invariants {
            self.record(property.clone(), message.clone(), parent, chain);
        }
        if let Some(message) = &checks.race
            && !self.found.contains_key(&Property::NoDataRace)
        {
            self.record(Property::NoDataRace, message.clone(), parent, chain);
        }
        match &checks.end {
            None => {}
            Some(End::Final { invariants, key }) => {
                for (property, message) in invariants {
                    self.record(property.clone(), message.clone(), parent, chain);
                }
                self.count_outcome(key.clone(), state, from, chain);
            }
            Some(End::Deadlock(message)) => {
                self.record(Property::NoDeadlock, message.clone(), parent, chain);
            }
        }
    }

    fn count_outcome(&mut self, key: Vec<i64>, state: u32, parent: u32, chain: &[u16]) {
        let distinct = self.outcomes.len();
        let sc = self.sim.sc;
        let first_state = *self.first_final.get_or_insert(state);
        if distinct == 1 && !self.outcomes.contains_key(&key) && sc.deterministic {
            let first = self
                .outcomes
                .keys()
                .next()
                .map(|k| sc.outcome_of_key(k.clone()));
            let first = first.expect("one outcome is known");
            let second = sc.outcome_of_key(key.clone());
            let other = Schedule::from_indices(&self.schedule_to(first_state));
            let message = format!(
                "more than one final outcome: {second} in the interleaving below, {first} in the interleaving {other}"
            );
            self.record(Property::Deterministic, message, Some(parent), chain);
        }
        *self.outcomes.entry(key).or_insert(0) += 1;
    }

    fn record_fault(&mut self, thread: u16, fault: Fault, parent: Option<u32>, chain: &[u16]) {
        let (property, message) = self.sim.fault_finding(thread, &fault);
        self.record(property, message, parent, chain);
    }

    fn record(&mut self, property: Property, message: String, parent: Option<u32>, chain: &[u16]) {
        let ends_here =
            matches!(property, Property::Invariant(_)) || property == Property::NoDataRace;
        // A property not judged is neither reported nor a reason to stop;
        // its first violation still runs on to an end, where a judged
        // final-state invariant may break (see `complete_from`).
        if !self.config.judges(&property) {
            if ends_here && self.unjudged_seen.insert(property) {
                let mut schedule = parent.map_or_else(Vec::new, |p| self.schedule_to(p));
                schedule.extend_from_slice(chain);
                self.complete_from(&schedule);
                self.update_stop();
            }
            return;
        }
        // Breadth-first order finds the fewest branching choices first; among
        // finds from the same layer, keep the one with the fewest steps.
        let steps = parent.map_or(0, |p| self.depths.at(p) as usize) + chain.len();
        if self
            .found
            .get(&property)
            .is_some_and(|f| f.schedule.len() <= steps)
        {
            return;
        }
        let mut schedule = parent.map_or_else(Vec::new, |p| self.schedule_to(p));
        schedule.extend_from_slice(chain);
        if ends_here {
            self.complete_from(&schedule);
        }
        self.found.insert(
            property,
            Found {
                message,
                schedule,
                cycle_from: None,
            },
        );
        self.update_stop();
    }

    /// Stops the search once its [`Stop`] rule is met by the
    /// counterexamples asked for among the properties judged.
    fn update_stop(&mut self) {
        self.stop |= self.judged_stop.satisfied_by(self.found.keys());
    }

    /// Runs on from where `prefix` leaves a violation, the lowest-numbered
    /// thread that can move first, to an end, and records a final-state
    /// invariant the end breaks if none is known yet: a broken invariant
    /// or a race usually breaks the final result too, and the breadth-first
    /// search alone would reach that end only after every shorter
    /// execution (at the seed's size, never).
    fn complete_from(&mut self, prefix: &[u16]) {
        let sc = self.sim.sc;
        let open = sc.invariants_of(Scope::AtEnd).iter().any(|&i| {
            !self
                .found
                .contains_key(&Property::Invariant(sc.invariants[i].name.clone()))
        });
        if !open {
            return;
        }
        let sim = &self.sim;
        let Ok(mut st) = sim.initial() else { return };
        for &c in prefix {
            if sim.step(&mut st, c).is_err() {
                return;
            }
        }
        let mut schedule = prefix.to_vec();
        let mut enabled = Vec::new();
        // The greedy run can go round a cycle (a spin nobody ends): it stops
        // at the first state it has been in. A hash that collides only ends
        // this shortcut early; the search itself still finds every end.
        let mut seen = std::collections::HashSet::new();
        loop {
            if !seen.insert(st.words_hash()) {
                return;
            }
            sim.enabled_up_to(&st, 1, &mut enabled);
            let Some(&c) = enabled.first() else { break };
            if schedule.len() >= self.config.max_steps || sim.step(&mut st, c).is_err() {
                return;
            }
            schedule.push(c);
        }
        if sim.terminal(&st) != Terminal::Final {
            return;
        }
        for (i, message) in sim.failing_invariants(&st, Scope::AtEnd) {
            let property = Property::Invariant(sc.invariants[i].name.clone());
            self.found.entry(property).or_insert(Found {
                message,
                schedule: schedule.clone(),
                cycle_from: None,
            });
        }
    }

    /// The number of the stored state `s`, a successor in `block`.
    fn stored(&self, block: &Block, s: &Successor) -> Option<u32> {
        match s.key {
            Key::Packed(start, end, hash)
                if block.keys.version() == self.store.keys().version() =>
            {
                self.store.find(&block.bytes[start..end], hash)
            }
            _ => {
                let mut words = vec![0; self.sim.sc.layout.width];
                block.words_of(s, &mut words);
                self.store.find_words(&words)
            }
        }
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
                let Some(u) = forced_choice(sim, self.config, self.por, &st, &enabled) else {
                    break;
                };
                sim.step(&mut st, u).expect("a stored path does not fault");
                schedule.push(u);
                len += 1;
            }
        }
        schedule
    }
}

/// Threads that expand the blocks handed to them, finishing in any order.
struct Workers<'scope> {
    jobs: std::sync::mpsc::Sender<Block>,
    results: std::sync::mpsc::Receiver<Block>,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handles: Vec<std::thread::ScopedJoinHandle<'scope, ()>>,
}

impl<'scope> Workers<'scope> {
    fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        sc: &'env Scenario,
        config: &'env ExploreConfig,
        por: Option<&'env Por>,
        deadline: Option<Instant>,
    ) -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex, mpsc};
        let (jobs, queue) = mpsc::channel::<Block>();
        let (done, results) = mpsc::channel();
        let queue = Arc::new(Mutex::new(queue));
        let cancel = Arc::new(AtomicBool::new(false));
        let handles = (0..config.threads)
            .map(|_| {
                let (queue, done, cancel) = (queue.clone(), done.clone(), cancel.clone());
                scope.spawn(move || {
                    let mut expander = Expander::new(sc, config, por, deadline);
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(mut block) = next else { break };
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        expander.expand(&mut block);
                        if done.send(block).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        Workers {
            jobs,
            results,
            cancel,
            handles,
        }
    }

    fn hand(&self, block: Block) {
        self.jobs
            .send(block)
            .expect("the explorer's threads run until they are stopped");
    }

    /// The next block expanded, in whatever order they finish.
    fn take(&self) -> Block {
        loop {
            match self
                .results
                .recv_timeout(std::time::Duration::from_millis(100))
            {
                Ok(block) => return block,
                // A thread that ended before being stopped panicked: a bug
                // of the explorer (scenario code runs guarded), not a hang.
                Err(_) if self.handles.iter().any(|h| h.is_finished()) => {
                    panic!("one of the explorer's threads panicked")
                }
                Err(_) => {}
            }
        }
    }

    /// Tells the threads to finish; the blocks they still hold are dropped.
    fn stop(self) {
        self.cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
