//! When a search or a run of executions may end before it has tried
//! everything: every engine reads the same rule.

use std::collections::BTreeSet;

use super::property::Property;

/// When a search may stop before it is exhaustive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stop {
    /// At the first violated property (the default).
    #[default]
    FirstViolation,
    /// Once every one of these properties has a counterexample; with an empty
    /// set, never early.
    WhenViolated(BTreeSet<Property>),
    /// Never early: every property is decided, bounds permitting.
    Exhaust,
}

impl Stop {
    /// Whether a search that has found counterexamples to `found` may
    /// stop now.
    pub fn satisfied_by<'p>(&self, mut found: impl Iterator<Item = &'p Property>) -> bool {
        match self {
            // A coverage goal reached is no violation.
            Stop::FirstViolation => found.any(|p| !matches!(p, Property::Sometimes(_))),
            Stop::WhenViolated(targets) => {
                let found: BTreeSet<&Property> = found.collect();
                !targets.is_empty() && targets.iter().all(|p| found.contains(p))
            }
            Stop::Exhaust => false,
        }
    }
}
