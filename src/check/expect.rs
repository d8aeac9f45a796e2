//! Expectations (what a scenario is meant to show) and the report that
//! judges an exploration against one.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::results::Stop;
use crate::results::{Bound, Completion, Coverage, Exploration, Property, Status};

/// How many distinct final outcomes a scenario should reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcomes {
    /// Not part of the expectation.
    Any,
    /// Exactly this many.
    Exactly(usize),
    /// At least this many.
    AtLeast(usize),
}

/// What a scenario is meant to show: which properties have a counterexample
/// (every other one must hold), and how many final outcomes there are.
///
/// ```
/// use interleave::check::{Expectation, Outcomes};
/// use interleave::Property;
/// let e = Expectation::violates([Property::NoDataRace]).outcomes(Outcomes::Exactly(2));
/// assert_eq!(e.to_string(), "violated: no data race; 2 outcomes");
/// assert_eq!(Expectation::holds().to_string(), "holds in every interleaving");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct Expectation {
    /// The properties that must have a counterexample.
    pub violated: BTreeSet<Property>,
    /// The expected number of final outcomes.
    pub outcomes: Outcomes,
}

impl Expectation {
    /// Every property holds in every interleaving.
    pub fn holds() -> Self {
        Expectation {
            violated: BTreeSet::new(),
            outcomes: Outcomes::Any,
        }
    }

    /// These properties have counterexamples; all others hold.
    pub fn violates(properties: impl IntoIterator<Item = Property>) -> Self {
        Expectation {
            violated: properties.into_iter().collect(),
            outcomes: Outcomes::Any,
        }
    }

    /// Adds an expected number of final outcomes.
    pub fn outcomes(mut self, outcomes: Outcomes) -> Self {
        self.outcomes = outcomes;
        self
    }

    /// When a search for this expectation may stop: once every expected
    /// counterexample is found, unless something must be shown exhaustively.
    pub fn stop_rule(&self) -> Stop {
        if self.violated.is_empty() || self.outcomes != Outcomes::Any {
            Stop::Exhaust
        } else {
            Stop::WhenViolated(self.violated.clone())
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.violated.is_empty() {
            f.write_str("holds in every interleaving")?;
        } else {
            let names: Vec<String> = self.violated.iter().map(|p| p.to_string()).collect();
            write!(f, "violated: {}", names.join(", "))?;
        }
        match self.outcomes {
            Outcomes::Any => Ok(()),
            Outcomes::Exactly(1) => f.write_str("; 1 outcome"),
            Outcomes::Exactly(n) => write!(f, "; {n} outcomes"),
            Outcomes::AtLeast(n) => write!(f, "; at least {n} outcomes"),
        }
    }
}

/// The overall verdict of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Every property holds in every interleaving (exhaustive).
    Holds,
    /// Some property has a counterexample.
    Violated,
    /// Nothing violated so far, but the search was not exhaustive.
    Inconclusive,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Inconclusive => "inconclusive",
        })
    }
}

/// One scenario checked against its expectation.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[must_use]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// Its parameters, as `key=value` pairs joined by commas.
    pub params: String,
    /// The backend that explored it.
    pub backend: &'static str,
    /// What it was meant to show.
    pub expected: Expectation,
    /// What the search found.
    pub exploration: Exploration,
    /// The overall verdict.
    pub verdict: Verdict,
    /// Each way the result differs from the expectation; empty when as expected.
    pub mismatches: Vec<String>,
}

impl Report {
    /// Judges an exploration against an expectation.
    pub fn judge(
        scenario: impl Into<String>,
        params: impl Into<String>,
        backend: &'static str,
        expected: Expectation,
        exploration: Exploration,
    ) -> Report {
        let exhaustive = exploration.is_exhaustive();
        let verdict = if exploration.is_violated() {
            Verdict::Violated
        } else if exhaustive
            && !exploration
                .properties
                .iter()
                .any(|p| p.status == Status::Undecided)
        {
            Verdict::Holds
        } else {
            Verdict::Inconclusive
        };
        let why_undecided = match exploration.completion {
            Completion::Sampled => format!(
                "the end of {} sampled executions",
                exploration.stats.executions
            ),
            Completion::Bounded(Bound::Preemptions) => {
                "the end of the preemption-bounded search".to_string()
            }
            Completion::Bounded(bound) => format!("the search hit its {bound}"),
            Completion::Exhaustive if exploration.collision_probability.is_some() => {
                "hash compaction keeps no states, and finding a cycle needs them".to_string()
            }
            _ => "the search stopped early".to_string(),
        };
        // A sample (or a preemption-bounded search) shows violations but
        // cannot show that a property holds: that is what it is asked for.
        // So does a bounded search that found every expected counterexample:
        // what the scenario is meant to show has been shown.
        let all_expected_found = !expected.violated.is_empty()
            && expected
                .violated
                .iter()
                .all(|p| matches!(exploration.status(p), Some(Status::Violated(_))));
        let partial_by_design = matches!(
            exploration.completion,
            Completion::Stopped | Completion::Sampled | Completion::Bounded(Bound::Preemptions)
        ) || (matches!(exploration.completion, Completion::Bounded(_))
            && all_expected_found);
        let mut mismatches = Vec::new();
        for g in &exploration.coverage {
            if g.coverage == Coverage::NotCovered {
                mismatches.push(format!(
                    "`sometimes {}` is never reached, in any interleaving",
                    g.goal
                ));
            }
        }
        for p in &exploration.properties {
            let expected_violated = expected.violated.contains(&p.property);
            match (&p.status, expected_violated) {
                (Status::Violated(_), true) | (Status::Holds, false) => {}
                (Status::Violated(_), false) => {
                    mismatches.push(format!("`{}` is violated, but should hold", p.property));
                }
                (Status::Holds, true) => mismatches.push(format!(
                    "`{}` holds in every interleaving, but should be violated",
                    p.property
                )),
                (Status::Undecided, true) if p.property == Property::Terminates => {
                    mismatches.push(format!(
                        "`{}` is not decided: a search that is not exhaustive (here {why_undecided}) cannot show that an execution never finishes, since one stopped at its step bound might still have; the explorer decides it",
                        p.property
                    ));
                }
                (Status::Undecided, true) => mismatches.push(format!(
                    "no counterexample to `{}` found before {why_undecided}",
                    p.property
                )),
                (Status::Undecided, false) => {
                    // Stopping once the expected counterexamples are found
                    // leaves the rest undecided by design, and says so.
                    if !partial_by_design {
                        mismatches
                            .push(format!("`{}` is not decided: {why_undecided}", p.property));
                    }
                }
            }
        }
        let n = exploration.final_outcomes().count();
        let outcome_ok = match expected.outcomes {
            Outcomes::Any => true,
            Outcomes::Exactly(k) => n == k && exhaustive || n <= k && partial_by_design,
            Outcomes::AtLeast(k) => n >= k,
        };
        if !outcome_ok {
            mismatches.push(
                if exhaustive || n > 0 && matches!(expected.outcomes, Outcomes::Exactly(k) if n > k)
                {
                    format!(
                        "{n} final outcomes reachable, expected {}",
                        outcome_text(expected.outcomes)
                    )
                } else {
                    format!(
                        "{n} final outcomes seen before {why_undecided}, expected {}",
                        outcome_text(expected.outcomes)
                    )
                },
            );
        }
        Report {
            scenario: scenario.into(),
            params: params.into(),
            backend,
            expected,
            exploration,
            verdict,
            mismatches,
        }
    }

    /// Whether the result matches the expectation.
    pub fn as_expected(&self) -> bool {
        self.mismatches.is_empty()
    }
}

fn outcome_text(o: Outcomes) -> String {
    match o {
        Outcomes::Any => "any number".to_string(),
        Outcomes::Exactly(k) => format!("exactly {k}"),
        Outcomes::AtLeast(k) => format!("at least {k}"),
    }
}
