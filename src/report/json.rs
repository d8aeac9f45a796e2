//! Machine-readable output: one JSON object per scenario result, one per
//! skipped scenario, and one per replayed execution.
//!
//! Each is a `Serialize` type whose fields are the schema; its `Display`
//! is the object on one line, keys in alphabetical order.

use std::fmt;

use serde::Serialize;

use crate::catalog::{Entry, Params};
use crate::check::{Expectation, Report, Verdict};
use crate::model::{Names, OutcomeValue};
use crate::results::{
    Completion, Counterexample, Coverage, Property, Replay, ReplayFinding, Sampler, Status,
    TraceStep, Write,
};

/// One step of a trace.
#[derive(Clone, Serialize)]
pub struct StepJson<'a> {
    code: &'a str,
    step: usize,
    thread: usize,
    thread_name: &'a str,
    value: &'a str,
    /// The virtual time after the step, in a scenario with a clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<i64>,
    /// The step preempts the thread that made the last one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    preempts: bool,
    /// Earlier steps that happen before this one through synchronisation.
    #[serde(skip_serializing_if = "<[usize]>::is_empty")]
    synchronizes_with: &'a [usize],
    /// Shared variables this step changed, with their new values.
    #[serde(skip_serializing_if = "<[Write]>::is_empty")]
    writes: &'a [Write],
}

/// A thread that was about to move when a counterexample showed.
#[derive(Clone, Serialize)]
pub struct PendingJson<'a> {
    code: &'a str,
    thread: usize,
    thread_name: &'a str,
}

/// A counterexample with its trace and replay command.
#[derive(Clone, Serialize)]
pub struct CounterexampleJson<'a> {
    backend_replay: Option<&'a str>,
    /// For an execution that cannot finish: the steps before its cycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    cycle_from: Option<usize>,
    message: &'a str,
    pending: Vec<PendingJson<'a>>,
    /// How many steps preempt a thread that could have gone on.
    preemptions: usize,
    /// No counterexample of this property has fewer (the explorer searched).
    fewest_preemptions: bool,
    property: &'a Property,
    replay: Option<&'a str>,
    schedule: String,
    steps: Vec<StepJson<'a>>,
    /// The replay token alone, for `interleave replay TOKEN`.
    token: Option<&'a str>,
}

/// A property and its status word.
#[derive(Serialize)]
pub struct PropertyJson<'a> {
    property: &'a Property,
    status: &'static str,
}

/// How likely a uniformly random scheduler is to break a property.
#[derive(Clone, Serialize)]
pub struct OddsJson<'a> {
    property: &'a Property,
    #[serde(flatten)]
    sampler: Sampler,
    probability: f64,
    exact: bool,
    runs_for_50: Option<u64>,
    runs_for_95: Option<u64>,
    runs_for_99: Option<u64>,
}

/// A coverage goal and what was shown about it.
#[derive(Clone, Serialize)]
pub struct GoalJson<'a> {
    goal: &'a str,
    /// `covered`, `not covered` (an exhaustive search never reached it) or
    /// `not decided`.
    status: &'static str,
    /// The execution that reached it.
    witness: Option<CounterexampleJson<'a>>,
}

/// A final outcome and how often it was reached.
#[derive(Serialize)]
pub struct OutcomeJson<'a> {
    count: u64,
    /// For executions that failed: the property they broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<&'a Property>,
    /// `final_states` for the explorer, `executions` for a threaded backend.
    counts: &'static str,
    outcome: String,
    values: &'a [OutcomeValue],
}

/// One scenario's result on one engine. `status` is `"pass"` (every
/// verdict as expected), `"fail"` or `"skip"` (the engine cannot run it;
/// see [`SkippedJson`]).
#[derive(Serialize)]
pub struct ReportJson<'a> {
    status: &'static str,
    as_expected: bool,
    backend: &'a str,
    completion: Completion,
    counterexample: Option<CounterexampleJson<'a>>,
    counterexamples: Vec<CounterexampleJson<'a>>,
    coverage: Vec<GoalJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    odds: Vec<OddsJson<'a>>,
    elapsed_ms: u64,
    /// The explorer's estimate of its states, from random probes and its
    /// first 10,000 states.
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_states: Option<u64>,
    /// For a search that ended early: its estimate then of the states in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_total: Option<u64>,
    /// With `--property`: what was not judged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_checked: Vec<String>,
    /// With `--fingerprints`: the bound on the chance that a state was
    /// missed.
    #[serde(skip_serializing_if = "Option::is_none")]
    collision_probability: Option<f64>,
    executions: u64,
    exhaustive: bool,
    expected: String,
    max_depth: u64,
    memory_bytes: u64,
    mismatches: &'a [String],
    notes: &'a [String],
    outcomes: Vec<OutcomeJson<'a>>,
    params: &'a str,
    properties: Vec<PropertyJson<'a>>,
    property_reduction: bool,
    reduction: bool,
    scenario: &'a str,
    states: u64,
    steps: u64,
    verdict: Verdict,
}

/// A scenario the chosen backend cannot run: the keys every result has
/// (`status` is `"skip"`), and why in `skipped`.
#[derive(Serialize)]
pub struct SkippedJson<'a> {
    status: &'static str,
    as_expected: Option<bool>,
    backend: &'a str,
    expected: String,
    params: String,
    scenario: &'a str,
    skipped: String,
}

/// A catalog entry, for `interleave list --format json`.
#[derive(Serialize)]
pub struct EntryJson<'a> {
    name: &'a str,
    summary: &'a str,
    expected: String,
    params: Vec<ParamJson>,
}

/// A parameter of a catalog entry: its name, default, what it means and
/// which values it takes.
#[derive(Serialize)]
pub struct ParamJson {
    name: &'static str,
    default: String,
    help: &'static str,
    takes: String,
}

/// A replayed execution.
#[derive(Serialize)]
pub struct ReplayJson<'a> {
    findings: &'a [ReplayFinding],
    outcome: Option<String>,
    params: &'a str,
    /// The schedule ends in the state it was in after this many steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    returns_to: Option<usize>,
    scenario: &'a str,
    steps: Vec<StepJson<'a>>,
}

fn steps<'a>(names: &'a Names, steps: &'a [TraceStep]) -> Vec<StepJson<'a>> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepJson {
            code: &s.code,
            step: i + 1,
            thread: s.thread.index(),
            thread_name: names.thread(s.thread),
            value: &s.value,
            time: s.time,
            preempts: s.preempts,
            synchronizes_with: &s.synchronizes_with,
            writes: &s.writes,
        })
        .collect()
}

fn counterexample<'a>(names: &'a Names, c: &'a Counterexample) -> CounterexampleJson<'a> {
    CounterexampleJson {
        backend_replay: c.backend_replay.as_deref(),
        cycle_from: c.cycle_from,
        message: &c.message,
        pending: c
            .pending
            .iter()
            .map(|p| PendingJson {
                code: &p.code,
                thread: p.thread.index(),
                thread_name: names.thread(p.thread),
            })
            .collect(),
        preemptions: c.preemptions(),
        fewest_preemptions: c.fewest_preemptions,
        property: &c.property,
        replay: c.replay.as_deref(),
        schedule: c.schedule.to_string(),
        steps: steps(names, &c.steps),
        token: c.token.as_deref(),
    }
}

fn status_word(status: &Status) -> &'static str {
    match status {
        Status::Holds => "holds",
        Status::Violated(_) => "violated",
        Status::Undecided => "undecided",
    }
}

/// Writes `value` as one line of JSON, every object's keys in
/// alphabetical order (nested result types included), so that the output
/// does not depend on the order of a type's fields.
fn write_json(f: &mut fmt::Formatter<'_>, value: &impl Serialize) -> fmt::Result {
    let value = serde_json::to_value(value).map_err(|_| fmt::Error)?;
    write!(f, "{value}")
}

/// One report as a JSON object.
pub fn report<'a>(r: &'a Report, names: &'a Names) -> ReportJson<'a> {
    let e = &r.exploration;
    let counterexamples: Vec<_> = e.violations().map(|c| counterexample(names, c)).collect();
    let counts = if r.backend == "explore" {
        "final_states"
    } else {
        "executions"
    };
    ReportJson {
        status: if r.as_expected() { "pass" } else { "fail" },
        as_expected: r.as_expected(),
        backend: r.backend,
        completion: e.completion,
        counterexample: counterexamples.first().cloned(),
        counterexamples,
        coverage: e
            .coverage
            .iter()
            .map(|g| GoalJson {
                goal: &g.goal,
                status: match g.coverage {
                    Coverage::Covered(_) => "covered",
                    Coverage::NotCovered => "not covered",
                    _ => "not decided",
                },
                witness: match &g.coverage {
                    Coverage::Covered(w) => Some(counterexample(names, w)),
                    _ => None,
                },
            })
            .collect(),
        odds: e
            .odds
            .iter()
            .map(|o| OddsJson {
                property: &o.property,
                sampler: o.sampler,
                probability: o.probability,
                exact: o.exact,
                runs_for_50: o.runs_for(0.5),
                runs_for_95: o.runs_for(0.95),
                runs_for_99: o.runs_for(0.99),
            })
            .collect(),
        elapsed_ms: e.stats.elapsed.as_millis() as u64,
        estimated_states: e.stats.estimated_states,
        estimated_total: e.stats.estimated_total,
        collision_probability: e.collision_probability,
        not_checked: e.not_checked.iter().map(ToString::to_string).collect(),
        executions: e.stats.executions,
        exhaustive: e.is_exhaustive(),
        expected: r.expected.to_string(),
        max_depth: e.stats.max_depth,
        memory_bytes: e.stats.memory_bytes,
        mismatches: &r.mismatches,
        notes: &e.notes,
        outcomes: e
            .outcomes
            .iter()
            .map(|o| OutcomeJson {
                count: o.count,
                failed: o.failed.as_ref(),
                counts,
                outcome: o.outcome.to_string(),
                values: &o.outcome.values,
            })
            .collect(),
        params: &r.params,
        properties: e
            .properties
            .iter()
            .map(|p| PropertyJson {
                property: &p.property,
                status: status_word(&p.status),
            })
            .collect(),
        property_reduction: e.stats.property_reduction,
        reduction: e.stats.reduction,
        scenario: &r.scenario,
        states: e.stats.states,
        steps: e.stats.steps,
        verdict: r.verdict,
    }
}

/// A skipped scenario as a JSON object.
pub fn skipped<'a>(
    scenario: &'a str,
    params: &Params,
    expected: &Expectation,
    backend: &'a str,
    why: String,
) -> SkippedJson<'a> {
    SkippedJson {
        status: "skip",
        as_expected: None,
        backend,
        expected: expected.to_string(),
        params: params.to_string(),
        scenario,
        skipped: why,
    }
}

/// A catalog entry as a JSON object.
pub fn entry(e: &Entry) -> EntryJson<'_> {
    let defaults = e.default_params();
    EntryJson {
        name: e.name,
        summary: e.summary,
        expected: e.expectation(&defaults).to_string(),
        params: e
            .params()
            .iter()
            .map(|p| ParamJson {
                name: p.name,
                default: p.default.to_string(),
                help: p.help,
                takes: p.range_text(),
            })
            .collect(),
    }
}

/// A replayed execution as a JSON object.
pub fn replay<'a>(
    scenario: &'a str,
    params: &'a str,
    names: &'a Names,
    run: &'a Replay,
) -> ReplayJson<'a> {
    ReplayJson {
        findings: &run.findings,
        outcome: run.outcome.as_ref().map(|o| o.to_string()),
        params,
        returns_to: run.returns_to,
        scenario,
        steps: steps(names, &run.steps),
    }
}

macro_rules! display_as_json {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_json(f, self)
            }
        }
    )*};
}

display_as_json!(ReportJson, SkippedJson, ReplayJson, EntryJson);
