//! Expanding stored states: the half of the search that can run on several
//! threads at once.
//!
//! A [`Block`] is a run of consecutive stored states. An [`Expander`] takes
//! each one's successors (following chains of single-successor states, see
//! [`super::search`]) and writes down, in the order the one-thread search
//! would meet them, everything the search must then record: findings on the
//! way, the successors to store (already packed and hashed), and what each
//! successor will report if it turns out to be new. Storing, numbering and
//! recording stay on one thread and go block by block, state by state, so
//! the result is the same whatever the number of threads.

use super::config::ExploreConfig;
use super::por::Por;
use super::store::Keys;
use crate::model::{Outcome, Scenario, Scope};
use crate::results::{Property, choice, thread_of};
use crate::sim::{Sim, SimState, Terminal};

/// Longest chain followed without storing a state: the guard against a
/// thread that loops alone forever.
pub(crate) const CHAIN_CAP: usize = 10_000;

/// Something to record, found on the way from an expanded state.
pub(crate) struct Finding {
    pub property: Property,
    pub message: String,
    /// The steps from the expanded state to the state that shows it.
    pub chain: Vec<u16>,
    /// A thread failed in the last of those steps, which ends the
    /// execution: the outcome's values when it failed.
    pub ends: Option<Outcome>,
}

impl Finding {
    fn new((property, message): (Property, String), chain: &[u16]) -> Self {
        Finding {
            property,
            message,
            chain: chain.to_vec(),
            ends: None,
        }
    }

    fn fault(found: (Property, String), chain: &[u16], outcome: Outcome) -> Self {
        Finding {
            ends: Some(outcome),
            ..Finding::new(found, chain)
        }
    }
}

/// What a successor reports when it is stored for the first time.
#[derive(Default)]
pub(crate) struct Checks {
    /// Each broken `Always` invariant, and its message.
    pub invariants: Vec<(Property, String)>,
    /// A race between two pending accesses.
    pub race: Option<String>,
    /// How the execution ends there, if no thread can move.
    pub end: Option<End>,
}

pub(crate) enum End {
    /// Every thread exited: each broken final-state invariant, and the
    /// observed values.
    Final {
        invariants: Vec<(Property, String)>,
        key: Vec<i64>,
    },
    /// A deadlock, described.
    Deadlock(String),
}

/// How a successor is handed to the store.
#[derive(Clone, Copy)]
pub(crate) enum Key {
    /// Packed under the block's keys: its range in [`Block::bytes`], and
    /// its hash.
    Packed(usize, usize, u64),
    /// Too wide for the block's packing: its range in [`Block::words`],
    /// for the store to widen its packing.
    Words(usize, usize),
}

/// One successor of an expanded state.
pub(crate) struct Successor {
    pub choice: u16,
    pub key: Key,
    /// The steps that reach it, in [`Block::chains`].
    pub chain: (u32, u32),
    /// What it reports if new; `None` when nothing (the common case).
    pub checks: Option<Box<Checks>>,
}

/// What expanding one stored state produced; its successors and findings
/// are the ones in the block up to these ends.
pub(crate) struct Expanded {
    pub index: u32,
    pub steps: u64,
    /// A path from it went past [`ExploreConfig::max_steps`](crate::ExploreConfig::max_steps).
    pub depth_bound: bool,
    /// The time limit passed while its chains were followed: its
    /// successors are not all here, and the search must end.
    pub timed_out: bool,
    pub successors_end: usize,
    pub findings_end: usize,
}

/// What a search no longer looks for in the states it expands, since
/// another finding would change nothing.
#[derive(Clone, Copy, Default)]
pub(crate) struct Known {
    /// A race: the search keeps its first, judged or not.
    pub race: bool,
    /// Per `Always` invariant (bit `i` for invariant `i`), one not judged
    /// whose first violation was seen: only the first counts.
    pub invariants: u64,
}

impl Known {
    /// Everything: for a pass that only wants the graph.
    pub fn all() -> Self {
        Known {
            race: true,
            invariants: u64::MAX,
        }
    }
}

/// A run of stored states to expand, and what expanding them produced.
/// Its buffers are reused from block to block.
#[derive(Default)]
pub(crate) struct Block {
    /// The first state's number.
    pub start: u32,
    /// How the store keys states at the block's start: its states are
    /// packed so, and its successors are keyed so.
    pub keys: Keys,
    /// The states, packed, one after another (each in the keys' stride).
    pub input: Vec<u8>,
    /// Each state's depth.
    pub depths: Vec<u32>,
    /// What was known when the block was handed out, and so is not
    /// looked for again.
    pub known: Known,
    pub expanded: Vec<Expanded>,
    pub successors: Vec<Successor>,
    pub bytes: Vec<u8>,
    pub words: Vec<i64>,
    pub chains: Vec<u16>,
    pub findings: Vec<Finding>,
}

impl Block {
    /// The number one past the block's last state.
    pub fn end(&self) -> u32 {
        self.start + self.depths.len() as u32
    }

    /// Empties it, to be filled with states from `start` on.
    pub fn reset(&mut self, start: u32, known: Known, keys: &Keys) {
        self.start = start;
        self.known = known;
        self.keys.clone_from(keys);
        self.input.clear();
        self.depths.clear();
        self.expanded.clear();
        self.successors.clear();
        self.bytes.clear();
        self.words.clear();
        self.chains.clear();
        self.findings.clear();
    }

    /// Adds the next state.
    pub fn push(&mut self, packed: &[u8], depth: u32) {
        self.input.extend_from_slice(packed);
        self.depths.push(depth);
    }

    pub fn chain(&self, s: &Successor) -> &[u16] {
        &self.chains[s.chain.0 as usize..s.chain.1 as usize]
    }

    /// The words of successor `s`, into `out` (of the state's width).
    pub fn words_of(&self, s: &Successor, out: &mut [i64]) {
        match s.key {
            Key::Packed(start, end, _) => self.keys.unpack(&self.bytes[start..end], out),
            Key::Words(start, end) => out.copy_from_slice(&self.words[start..end]),
        }
    }
}

/// Expands blocks; one per thread, since its `Sim` memoises.
pub(crate) struct Expander<'a> {
    sim: Sim<'a>,
    config: &'a ExploreConfig,
    current: SimState,
    next: SimState,
    /// Whether `next` must be copied whole from `current` (a new state was
    /// loaded, or a step failed half-way); else it differs from it only in
    /// its words and in the pending operations of the threads in `moved`.
    stale: bool,
    moved: Vec<usize>,
    choices: Vec<u16>,
    enabled: Vec<u16>,
    chain: Vec<u16>,
    /// When the search's time limit passes: a chain of long steps is
    /// cut there rather than followed to its end.
    deadline: Option<std::time::Instant>,
    /// The property-aware reduction, when it applies.
    por: Option<&'a Por>,
}

impl<'a> Expander<'a> {
    pub fn new(
        sc: &'a Scenario,
        config: &'a ExploreConfig,
        por: Option<&'a Por>,
        deadline: Option<std::time::Instant>,
    ) -> Self {
        let empty = || SimState::empty(sc.layout.width, sc.threads.len());
        Expander {
            sim: Sim::new(sc),
            config,
            current: empty(),
            next: empty(),
            stale: true,
            moved: Vec::new(),
            choices: Vec::new(),
            enabled: Vec::new(),
            chain: Vec::new(),
            deadline,
            por,
        }
    }

    /// Expands every state of `block`, writing the results into it.
    pub fn expand(&mut self, block: &mut Block) {
        let sc = self.sim.sc;
        let stride = block.keys.stride();
        for k in 0..block.depths.len() {
            let packed = &block.input[k * stride..(k + 1) * stride];
            block.keys.unpack(packed, &mut self.current.words);
            for t in 0..self.current.pending.len() {
                self.sim.load_pending(&mut self.current, t);
            }
            self.stale = true;
            let mut choices = std::mem::take(&mut self.choices);
            self.sim.enabled_threads(&self.current, &mut choices);
            if let Some(por) = self.por {
                persistent_only(por, sc, &self.current, &mut choices);
            }
            let mut expanded = Expanded {
                index: block.start + k as u32,
                steps: 0,
                depth_bound: false,
                timed_out: false,
                successors_end: 0,
                findings_end: 0,
            };
            for &c in &choices {
                self.follow(c, block.depths[k], block, &mut expanded);
            }
            self.choices = choices;
            expanded.successors_end = block.successors.len();
            expanded.findings_end = block.findings.len();
            block.expanded.push(expanded);
        }
    }

    /// Takes `choice` from the current state, then follows the chain of
    /// single-successor states, checking them on the way; adds the state it
    /// ends in to the block's successors unless the path fails or goes past
    /// the depth limit.
    fn follow(&mut self, choice: u16, depth: u32, block: &mut Block, out: &mut Expanded) {
        let sim = &self.sim;
        let next = &mut self.next;
        let chain = &mut self.chain;
        let enabled = &mut self.enabled;
        let moved = &mut self.moved;
        if self.stale {
            next.clone_from(&self.current);
            self.stale = false;
        } else {
            next.restore_from(&self.current, moved);
            debug_assert!(
                *next == self.current,
                "a step changed a thread it did not note"
            );
        }
        moved.clear();
        chain.clear();
        chain.push(choice);
        let found_before = block.findings.len();
        if !step_noted(sim, next, choice, moved, chain, &mut block.findings) {
            self.stale = true;
            return;
        }
        out.steps += 1;
        loop {
            // Stored states keep only whether 0, 1 or 2+ threads can move.
            sim.enabled_up_to(next, 2, enabled);
            if chain.len() >= CHAIN_CAP {
                break;
            }
            // A step can run a million local statements: read the clock
            // every 64 steps of a chain, not only between states.
            if chain.len() % 64 == 0
                && self
                    .deadline
                    .is_some_and(|d| std::time::Instant::now() >= d)
            {
                out.timed_out = true;
                return;
            }
            let Some(u) = forced_choice(sim, self.config, self.por, next, enabled) else {
                break;
            };
            // (Races too: an early `Done` passes over a state where others
            // can move.) Only the first state of the chain that shows a
            // property: a spin can hold a broken invariant for thousands
            // of steps, and a copy of the chain for each would be quadratic.
            for invariant in failing_invariants(sim, next, block.known.invariants) {
                if !block.findings[found_before..]
                    .iter()
                    .any(|f| f.property == invariant.0)
                {
                    block.findings.push(Finding::new(invariant, chain));
                }
            }
            if let Some(race) = race(sim, next, enabled, block.known.race)
                && !block.findings[found_before..]
                    .iter()
                    .any(|f| f.property == race.0)
            {
                block.findings.push(Finding::new(race, chain));
            }
            chain.push(u);
            if !step_noted(sim, next, u, moved, chain, &mut block.findings) {
                self.stale = true;
                return;
            }
            out.steps += 1;
        }
        if u64::from(depth) + chain.len() as u64 > self.config.max_steps as u64 {
            out.depth_bound = true;
            return;
        }
        let start = block.bytes.len();
        let key = match block.keys.key(&next.words, &mut block.bytes) {
            Some(hash) => Key::Packed(start, block.bytes.len(), hash),
            None => {
                let start = block.words.len();
                block.words.extend_from_slice(&next.words);
                Key::Words(start, block.words.len())
            }
        };
        let chain_start = block.chains.len() as u32;
        block.chains.extend_from_slice(chain);
        let checks = checks(sim, next, enabled, block.known);
        block.successors.push(Successor {
            choice,
            key,
            chain: (chain_start, block.chains.len() as u32),
            checks,
        });
    }
}

/// Takes `choice` in `st` and notes in `moved` the threads whose pending
/// operation it changed: its own, and a partner's it resumed. A thread
/// that fails ends the path: the fault is recorded, shown by `chain` (the
/// steps so far), and the answer is false, `st` then being half-stepped.
#[inline]
fn step_noted(
    sim: &Sim,
    st: &mut SimState,
    choice: u16,
    moved: &mut Vec<usize>,
    chain: &[u16],
    findings: &mut Vec<Finding>,
) -> bool {
    let t = thread_of(choice);
    if moved.last() != Some(&t) {
        moved.push(t);
    }
    match sim.step(st, choice) {
        Ok(partner) => {
            if let Some(u) = partner {
                moved.push(u);
            }
            true
        }
        Err((who, fault)) => {
            record_fault(sim, st, who, &fault, chain, findings);
            false
        }
    }
}

/// Records that thread `who` failed with `fault` in the last step of
/// `chain`, which left `st`.
#[cold]
#[inline(never)]
fn record_fault(
    sim: &Sim,
    st: &SimState,
    who: u16,
    fault: &crate::model::Fault,
    chain: &[u16],
    findings: &mut Vec<Finding>,
) {
    findings.push(Finding::fault(
        sim.fault_finding(who, fault),
        chain,
        sim.sc.outcome(&st.words),
    ));
}

/// What a state reports when it is stored for the first time, where
/// `enabled` holds its first two choices (or all of them); `None` when
/// nothing.
pub(crate) fn checks(
    sim: &Sim,
    st: &SimState,
    enabled: &[u16],
    known: Known,
) -> Option<Box<Checks>> {
    let invariants = failing_invariants(sim, st, known.invariants);
    let race = race(sim, st, enabled, known.race);
    let end = enabled.is_empty().then(|| match sim.terminal(st) {
        Terminal::Final => End::Final {
            invariants: sim
                .failing_invariants(st, Scope::AtEnd)
                .into_iter()
                .map(|(i, message)| (sim.invariant_property(i, &message), message))
                .collect(),
            key: sim.sc.outcome_key(&st.words),
        },
        Terminal::Deadlock => End::Deadlock(sim.deadlock_finding(st).0),
    });
    (!invariants.is_empty() || race.is_some() || end.is_some()).then(|| {
        Box::new(Checks {
            invariants,
            race: race.map(|(_, message)| message),
            end,
        })
    })
}

/// Every `Always` invariant `st` breaks (but those in `skip`): every
/// visited state must satisfy them.
fn failing_invariants(sim: &Sim, st: &SimState, skip: u64) -> Vec<(Property, String)> {
    let failing = sim.failing_in_every_state(st, skip);
    // Almost always none: return at once rather than walk an empty list
    // (an iterator built and moved in memory for every state checked).
    if failing.is_empty() {
        return Vec::new();
    }
    failing
        .into_iter()
        .map(|(i, message)| (sim.invariant_property(i, &message), message))
        .collect()
}

/// A race in `st`, whose first two choices are `enabled` (looked for only
/// while no race is known).
fn race(sim: &Sim, st: &SimState, enabled: &[u16], race_known: bool) -> Option<(Property, String)> {
    if race_known {
        return None;
    }
    let (var, a, b) = sim.race(st, enabled)?;
    Some((Property::NoDataRace, sim.race_finding(st, var, a, b).0))
}

/// Keeps of `choices`, the choices that can be taken in `st`, those of the
/// one thread whose moves alone need be explored, if there is one (see
/// [`Por::persistent`]).
pub(crate) fn persistent_only(por: &Por, sc: &Scenario, st: &SimState, choices: &mut Vec<u16>) {
    if let Some(t) = por.persistent(sc, st, choices) {
        choices.retain(|&c| thread_of(c) == t);
    }
}

/// The step a chain takes from `st` without storing it, if any: the only
/// thread that can move, or an eager `wg.Done()` (see [`Sim::eager_done`]),
/// or under the property-aware reduction the next step of a thread inside a
/// hidden mutex's section (see [`Por::inside`]). `enabled` holds the first
/// two choices that can be taken in `st`.
pub(crate) fn forced_choice(
    sim: &Sim,
    config: &ExploreConfig,
    por: Option<&Por>,
    st: &SimState,
    enabled: &[u16],
) -> Option<u16> {
    if !config.reduction {
        return None;
    }
    if let Some(t) = por.and_then(|p| p.inside(sim.sc, st)) {
        return Some(choice(t, 0));
    }
    match enabled {
        [only] => Some(*only),
        [_, _, ..] => sim.eager_done(st),
        [] => None,
    }
}
