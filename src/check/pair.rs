//! The paired property: a buggy scenario and its fix, checked under one
//! budget. The bug must be found, the fix must hold in every interleaving,
//! and the report shows the shortest schedule that tells them apart.

use crate::error::{Error, ErrorKind};
use crate::explore::{ExploreConfig, explore};
use crate::model::Scenario;
use crate::results::Stop;
use crate::results::{Counterexample, Exploration, Property};

/// A scenario with a bug and the same scenario fixed.
///
/// ```
/// use interleave::check::Pair;
/// use interleave::{ProgramBuilder, ScenarioBuilder};
///
/// fn counter(with_mutex: bool) -> interleave::Scenario {
///     let mut s = ScenarioBuilder::new(if with_mutex { "counter/mutex" } else { "counter/unsync" });
///     let counter = s.var("counter", 0);
///     let mu = s.mutex("mu");
///     for name in ["a", "b"] {
///         let mut p = ProgramBuilder::new(name);
///         let temp = p.local("temp");
///         if with_mutex { p.lock(mu); }
///         p.load(temp, counter).set(temp, temp + 1).store(counter, temp);
///         if with_mutex { p.unlock(mu); }
///         s.thread(p.build());
///     }
///     s.at_end("both increments count", move |v| match v.var(counter) {
///         2 => Ok(()),
///         n => Err(format!("counter is {n}")),
///     });
///     s.build().unwrap()
/// }
///
/// let report = Pair::new(counter(false), counter(true)).check().unwrap();
/// report.assert_separates(); // panics with both verdicts if not
/// // The first thing that tells them apart: a's store and b's load race.
/// let separating = report.separating().unwrap();
/// assert_eq!(separating.property, interleave::Property::NoDataRace);
/// assert_eq!(separating.schedule.to_string(), "0");
/// println!("{report}");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Pair {
    buggy: Scenario,
    fixed: Scenario,
    budget: ExploreConfig,
}

impl Pair {
    /// The scenario with the bug, and its fix.
    pub fn new(buggy: Scenario, fixed: Scenario) -> Self {
        Pair {
            buggy,
            fixed,
            budget: ExploreConfig::default(),
        }
    }

    /// The limits both searches run under (the stopping rule is the pair's
    /// own: the buggy search stops once each of its invariants has a
    /// counterexample, or at its first one when it has none; the fixed
    /// one must exhaust).
    pub fn budget(mut self, budget: ExploreConfig) -> Self {
        self.budget = budget;
        self
    }

    /// Runs both searches. A budget that allows no exploration at all is
    /// refused: the buggy side could never be falsified.
    pub fn check(&self) -> Result<PairReport, Error> {
        let b = &self.budget;
        let zero = if b.max_states == 0 {
            Some("max_states is 0")
        } else if b.max_steps == 0 {
            Some("max_steps is 0")
        } else if b.time_limit.is_some_and(|t| t.is_zero()) {
            Some("the time limit is 0")
        } else {
            None
        };
        if let Some(why) = zero {
            return Err(Error::new(
                ErrorKind::InvalidLimit,
                format!(
                    "the pair `{}` / `{}` has a zero budget ({why}): nothing could ever be found or proved; give it room",
                    self.buggy.name(),
                    self.fixed.name()
                ),
            ));
        }
        // Every invariant of the buggy scenario gets its own verdict: a race
        // found first must not leave the user's invariant undecided.
        let own: std::collections::BTreeSet<Property> = self
            .buggy
            .invariants()
            .iter()
            .map(|i| Property::Invariant(i.name.clone()))
            .collect();
        let stop = if own.is_empty() {
            Stop::FirstViolation
        } else {
            Stop::WhenViolated(own)
        };
        let buggy = explore(&self.buggy, &b.clone().stop(stop));
        let fixed = explore(&self.fixed, &b.clone().stop(Stop::Exhaust));
        Ok(PairReport {
            buggy_name: self.buggy.name().to_string(),
            fixed_name: self.fixed.name().to_string(),
            names: self.buggy.names().clone(),
            buggy,
            fixed,
        })
    }
}

/// What [`Pair::check`] found.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[must_use]
pub struct PairReport {
    pub(crate) buggy_name: String,
    pub(crate) fixed_name: String,
    pub(crate) names: crate::model::Names,
    /// The buggy scenario's search (stopped once each of its invariants has
    /// a counterexample, or at its first one when it has none).
    pub buggy: Exploration,
    /// The fixed scenario's search (exhaustive, unless the budget ran out).
    pub fixed: Exploration,
}

impl PairReport {
    /// Whether the pair separates: the bug is found and the fix holds in
    /// every interleaving (exhaustively).
    pub fn separates(&self) -> bool {
        self.buggy.is_violated() && self.fixed.is_exhaustive() && !self.fixed.is_violated()
    }

    /// The shortest schedule (in branching choices) that breaks the buggy
    /// scenario, when there is one.
    pub fn separating(&self) -> Option<&Counterexample> {
        self.buggy.violations().min_by_key(|c| c.steps.len())
    }

    /// Panics, with both verdicts and the separating trace, unless the
    /// pair separates: the assertion for a user's `#[test]`.
    pub fn assert_separates(&self) {
        assert!(self.separates(), "{self}");
    }
}
