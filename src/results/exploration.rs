//! What a search returns: every property's status, the reachable outcomes,
//! counters and how far it went. Every engine returns this one type.

use std::time::Duration;

use serde::Serialize;

use super::completion::Completion;
use super::property::{Counterexample, Property, PropertyResult, Status};
use crate::model::{Outcome, Scenario, Scope};

/// A final outcome and how often it was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OutcomeCount {
    /// The observed values.
    pub outcome: Outcome,
    /// For the explorer, the distinct final states (threads' local states
    /// included) with these values, or for a failure the distinct failing
    /// steps; for a threaded backend, the executions that ended with them.
    pub count: u64,
    /// Set when these executions ended with a failure (a panic or a failed
    /// assertion) rather than with every thread exited: the property it
    /// broke. The values are those when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<Property>,
}

/// Counters of one search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Distinct states stored.
    pub states: u64,
    /// Steps executed (transitions, including those along chains).
    pub steps: u64,
    /// The longest execution explored, in steps.
    pub max_depth: u64,
    /// Bytes of the visited set's data when the search ended: the encoded
    /// states, their index and hash table, each state's parent and choice,
    /// and the depths still kept (those of states not yet expanded, or of
    /// all when the scenario can loop). Room allocated ahead and not yet used is not counted (the
    /// process's peak RSS, which `interleave bench` prints, counts it).
    pub memory_bytes: u64,
    /// Wall-clock time.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
    /// Whether the reduction (chains, early `wg.Done()`) was on.
    pub reduction: bool,
    /// Whether the property-aware reduction ran: every property judged is
    /// about how executions end, so independent steps were explored in one
    /// order only. Every final state and deadlock is still reached, but
    /// not every state on the way, nor every failure's values (see
    /// [`ExploreConfig::properties`](crate::ExploreConfig::properties)).
    pub property_reduction: bool,
    /// Executions run (threaded backends; 0 for the explorer).
    pub executions: u64,
    /// The explorer's estimate, made by random probes before it searched,
    /// of how many states it would store (with
    /// [`ExploreConfig::estimate`](crate::ExploreConfig::estimate)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_states: Option<u64>,
    /// For a search that ended before it was exhaustive: its estimate then
    /// of the states there are in all, from the levels it stored and the
    /// probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_total: Option<u64>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// The result of [`explore`](crate::explore()) or any other engine: each property's status, the reachable final
/// outcomes, and how far the search went.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[must_use]
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
    /// With [`ExploreConfig::odds`](crate::ExploreConfig::odds), after an
    /// exhaustive search: for each violated property, how likely one
    /// execution of a uniformly random scheduler (each thread that can move
    /// equally likely at every step) is to break it.
    pub odds: Vec<Odds>,
    /// Each coverage goal of the scenario
    /// ([`ScenarioBuilder::sometimes`](crate::ScenarioBuilder::sometimes))
    /// with what the search showed about it.
    pub coverage: Vec<GoalResult>,
    /// With [`ExploreConfig::fingerprints`](crate::ExploreConfig::fingerprints)
    /// (hash compaction): a bound on the probability that the search took
    /// some new state for one already seen, and so missed what lay beyond
    /// it, were the 64-bit fingerprints uniformly random.
    pub collision_probability: Option<f64>,
    /// The properties and coverage goals not judged
    /// ([`ExploreConfig::properties`](crate::ExploreConfig::properties)).
    pub not_checked: Vec<Property>,
}

/// How likely one execution of a randomized scheduler is to break a
/// property, computed over the scenario's state graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Odds {
    /// The property.
    pub property: Property,
    /// The scheduler.
    pub sampler: Sampler,
    /// The probability that one execution breaks it: exact, or (when
    /// `exact` is false) PCT's guaranteed lower bound for a bug of depth at
    /// most `depth`, `1 / (threads * decisions^(depth - 1))`.
    pub probability: f64,
    /// Whether `probability` is exact; PCT's odds are counted exactly
    /// only while its priority orders and change points are few enough to
    /// enumerate.
    pub exact: bool,
}

/// A randomized scheduler whose odds [`Odds`] gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "scheduler", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Sampler {
    /// At every step each thread that can move is equally likely, and so
    /// are a select's or a `Signal`'s alternatives: shuttle's random
    /// scheduler in the threaded backend.
    Random,
    /// Probabilistic concurrency testing: the threads get a random order
    /// of priority, `depth - 1` change points are drawn among the first
    /// `decisions` scheduling decisions (steps where two or more threads
    /// can move), and at each the thread that moved drops below every
    /// other; the highest thread that can move always moves. shuttle's PCT
    /// scheduler in the threaded backend, with `decisions` the most any
    /// execution made.
    Pct {
        /// The bug depth it aims at.
        depth: usize,
        /// The scheduling decisions of the longest execution (PCT's k).
        decisions: usize,
        /// The scenario's threads (PCT's n).
        threads: usize,
    },
}

impl std::fmt::Display for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sampler::Random => f.write_str("a uniformly random scheduler"),
            Sampler::Pct {
                depth, decisions, ..
            } => write!(f, "PCT of depth {depth} (k = {decisions} decisions)"),
        }
    }
}

impl Odds {
    /// How many executions find it at least once with probability
    /// `confidence` (e.g. 0.95); `None` when no number does.
    pub fn runs_for(&self, confidence: f64) -> Option<u64> {
        let p = self.probability;
        if p <= 0.0 || !(0.0..1.0).contains(&confidence) {
            return None;
        }
        if p >= 1.0 {
            return Some(1);
        }
        // 1 - (1 - p)^n >= confidence
        let n = ((1.0 - confidence).ln() / (1.0 - p).ln()).ceil();
        (n.is_finite() && n < u64::MAX as f64).then_some(n.max(1.0) as u64)
    }
}

/// What a search showed about one coverage goal.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Coverage {
    /// Some reachable state satisfies it: the execution that first
    /// reached it (its `property` is [`Property::Sometimes`]).
    Covered(Box<Counterexample>),
    /// No reachable state satisfies it: the search was exhaustive.
    NotCovered,
    /// Not reached in what was searched, which was not everything.
    Undecided,
}

impl Coverage {
    /// Covered by its witness if one was found; otherwise not covered only
    /// when [`Status::decide`] would say a property holds.
    pub(crate) fn decide(witness: Option<Counterexample>, completion: Completion) -> Coverage {
        match Status::decide(witness, completion) {
            Status::Violated(c) => Coverage::Covered(c),
            Status::Holds => Coverage::NotCovered,
            Status::Undecided => Coverage::Undecided,
        }
    }
}

/// A coverage goal and what was shown about it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GoalResult {
    /// The goal's name.
    pub goal: String,
    /// Reached, never reached, or not decided.
    pub coverage: Coverage,
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

    /// Panics unless every property holds in every interleaving: the
    /// search was exhaustive and found no counterexample. The message says
    /// which property broke (with its schedule) or how far the search went.
    ///
    /// ```
    /// use interleave::{ExploreConfig, ProgramBuilder, ScenarioBuilder, explore};
    /// let mut s = ScenarioBuilder::new("one writer");
    /// let x = s.var("x", 0);
    /// let mut p = ProgramBuilder::new("writer");
    /// p.store(x, 1);
    /// s.thread(p.build());
    /// explore(&s.build().unwrap(), &ExploreConfig::default()).assert_holds();
    /// ```
    #[track_caller]
    pub fn assert_holds(&self) {
        if let Some(c) = self.violations().next() {
            panic!(
                "expected every property to hold, but `{}` is violated: {} (schedule {})",
                c.property, c.message, c.schedule
            );
        }
        if !self.is_exhaustive() {
            panic!(
                "expected every property to hold in every interleaving, but the search was {}: no violation found, which proves nothing",
                self.completion
            );
        }
    }

    /// Panics unless `property` has a counterexample, and returns it.
    ///
    /// ```
    /// use interleave::{ExploreConfig, ProgramBuilder, Property, ScenarioBuilder, explore};
    /// let mut s = ScenarioBuilder::new("two writers");
    /// let x = s.var("x", 0);
    /// for v in [1, 2] {
    ///     let mut p = ProgramBuilder::new(format!("w{v}"));
    ///     p.store(x, v);
    ///     s.thread(p.build());
    /// }
    /// let e = explore(&s.build().unwrap(), &ExploreConfig::default());
    /// let race = e.assert_violated(&Property::NoDataRace);
    /// assert!(race.steps.is_empty()); // both stores are pending at the start
    /// ```
    #[track_caller]
    pub fn assert_violated(&self, property: &Property) -> &Counterexample {
        match self.status(property) {
            Some(Status::Violated(c)) => c,
            Some(status) => panic!(
                "expected `{property}` to be violated, but it is {status} (the search was {})",
                self.completion
            ),
            None => panic!(
                "expected `{property}` to be violated, but the scenario has no such property"
            ),
        }
    }

    /// The outcomes of executions that ended with every thread exited (not
    /// those that failed).
    pub fn final_outcomes(&self) -> impl Iterator<Item = &OutcomeCount> {
        self.outcomes.iter().filter(|o| o.failed.is_none())
    }

    /// The status of one property, if the scenario has it.
    pub fn status(&self, property: &Property) -> Option<&Status> {
        self.properties
            .iter()
            .find(|p| &p.property == property)
            .map(|p| &p.status)
    }
}

/// What a search with this `completion` showed about each of `sc`'s coverage
/// goals, given `witness`, which hands over the execution found to reach a
/// goal (its property is [`Property::Sometimes`]), if any.
pub(crate) fn coverage_of(
    sc: &Scenario,
    completion: Completion,
    mut witness: impl FnMut(Property) -> Option<Counterexample>,
) -> Vec<GoalResult> {
    sc.goals()
        .map(|goal| GoalResult {
            goal: goal.to_string(),
            coverage: Coverage::decide(witness(Property::Sometimes(goal.to_string())), completion),
        })
        .collect()
}

/// Everything a check of `sc` can judge: its properties in report order,
/// then its coverage goals; what
/// [`ExploreConfig::properties`](crate::ExploreConfig::properties) picks
/// from.
pub fn checks_of(sc: &Scenario) -> Vec<Property> {
    let mut all = properties_of(sc);
    all.extend(sc.goals().map(|g| Property::Sometimes(g.to_string())));
    all
}

/// The properties a scenario is checked for, in report order.
pub(crate) fn properties_of(sc: &Scenario) -> Vec<Property> {
    let mut props: Vec<Property> = sc
        .invariants
        .iter()
        .filter(|i| i.scope != Scope::Sometimes)
        .map(|i| Property::Invariant(i.name.clone()))
        .collect();
    if sc.deterministic {
        props.push(Property::Deterministic);
    }
    props.extend([
        Property::NoDataRace,
        Property::NoDeadlock,
        Property::Terminates,
        Property::NoPanic,
        Property::Assertions,
    ]);
    props
}
