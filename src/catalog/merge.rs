//! Combining the JSON reports of a sampling run's shards (`--shard K/N`)
//! into one verdict per scenario and engine: executions and outcome counts
//! add up, each property is violated if any shard broke it (with that
//! shard's counterexample), and the result is judged against the
//! scenario's expectation as one run would be.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::registry::{Entry, find};
use crate::check::{BackendKind, Report};
use crate::error::{Error, ErrorKind};
use crate::model::{Outcome, OutcomeValue, Scenario, ThreadId};
use crate::results::{
    Bound, Completion, Counterexample, Exploration, OutcomeCount, Pending, Property,
    PropertyResult, Stats, Status, TraceStep, Write, coverage_of,
};

/// One scenario and engine, merged: its report, and the scenario (for
/// rendering its traces).
pub struct Merged {
    /// The judged result.
    pub report: Report,
    /// The scenario it is about.
    pub scenario: Scenario,
    /// How many shard reports went into it.
    pub shards: usize,
}

/// Merges the reports in `files` (each `(name, contents)`: JSON lines as
/// `interleave check --format json` prints them). Skipped results are
/// left out; the others are grouped by scenario, parameters and engine,
/// in the order they first appear.
pub fn merge_reports(files: &[(String, String)]) -> Result<Vec<Merged>, Error> {
    let mut groups: Vec<((String, String, String), Vec<Value>)> = Vec::new();
    for (name, text) in files {
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let bad = |why: &str| {
                Error::new(
                    ErrorKind::InvalidParameter,
                    format!(
                        "{name}:{}: {why}; merge takes the output of `interleave check --format json`",
                        n + 1
                    ),
                )
            };
            let value: Value = serde_json::from_str(line).map_err(|_| bad("not a JSON object"))?;
            let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
            let (Some(status), Some(scenario), Some(params), Some(backend)) = (
                field("status"),
                field("scenario"),
                field("params"),
                field("backend"),
            ) else {
                return Err(bad("not a result of interleave check"));
            };
            if status == "skip" {
                continue;
            }
            let key = (scenario, params, backend);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, shards)) => shards.push(value),
                None => groups.push((key, vec![value])),
            }
        }
    }
    groups
        .into_iter()
        .map(|((scenario, params, backend), shards)| {
            merge_one(&scenario, &params, &backend, &shards)
        })
        .collect()
}

fn merge_one(
    name: &str,
    params_text: &str,
    backend: &str,
    shards: &[Value],
) -> Result<Merged, Error> {
    let entry: &Entry = find(name)?;
    let assignments: Vec<&str> = params_text.split(',').filter(|a| !a.is_empty()).collect();
    let params = entry.params_from(&assignments)?;
    let scenario = entry.build(&params)?;
    let kind = BackendKind::ALL
        .into_iter()
        .find(|k| k.name() == backend)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidParameter,
                format!("unknown engine `{backend}` in a report of `{name}`"),
            )
        })?;
    let u64_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64).unwrap_or(0);
    let mut outcomes: BTreeMap<(Option<String>, String), (u64, Vec<OutcomeValue>)> =
        BTreeMap::new();
    let mut found: BTreeMap<String, Counterexample> = BTreeMap::new();
    let mut completion = Completion::Sampled;
    let mut stats = Stats {
        states: 0,
        steps: 0,
        max_depth: 0,
        memory_bytes: 0,
        elapsed: Duration::ZERO,
        reduction: false,
        property_reduction: false,
        executions: 0,
        estimated_states: None,
        estimated_total: None,
    };
    for shard in shards {
        stats.executions += u64_of(shard, "executions");
        stats.steps += u64_of(shard, "steps");
        stats.max_depth = stats.max_depth.max(u64_of(shard, "max_depth"));
        stats.elapsed = stats
            .elapsed
            .max(Duration::from_millis(u64_of(shard, "elapsed_ms")));
        if let Some(bound) = shard.pointer("/completion/bound").and_then(Value::as_str) {
            completion = Completion::Bounded(match bound {
                "time" => Bound::Time,
                "depth" => Bound::Depth,
                "states" => Bound::States,
                "memory" => Bound::Memory,
                "interrupted" => Bound::Interrupted,
                _ => Bound::Preemptions,
            });
        }
        for o in shard
            .get("outcomes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let failed = o.get("failed").and_then(Value::as_str).map(str::to_string);
            let text = o
                .get("outcome")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let values =
                serde_json::from_value::<Vec<Value>>(o.get("values").cloned().unwrap_or_default())
                    .unwrap_or_default()
                    .iter()
                    .map(|v| OutcomeValue {
                        name: v
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        value: v.get("value").and_then(Value::as_i64).unwrap_or_default(),
                        text: v
                            .get("text")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    })
                    .collect();
            let slot = outcomes.entry((failed, text)).or_insert((0, values));
            slot.0 += u64_of(o, "count");
        }
        for c in shard
            .get("counterexamples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let property = c
                .get("property")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let std::collections::btree_map::Entry::Vacant(slot) = found.entry(property) {
                slot.insert(counterexample(c)?);
            }
        }
        for g in shard
            .get("coverage")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let goal = g.get("goal").and_then(Value::as_str).unwrap_or_default();
            let property = Property::Sometimes(goal.to_string());
            if let Some(w) = g.get("witness").filter(|w| w.is_object())
                && let std::collections::btree_map::Entry::Vacant(slot) =
                    found.entry(property.to_string())
            {
                let mut witness = counterexample(w)?;
                witness.property = property;
                slot.insert(witness);
            }
        }
    }
    // A sample shows a goal covered or leaves it undecided.
    let coverage = coverage_of(&scenario, Completion::Sampled, |property| {
        found.remove(&property.to_string())
    });
    let properties: Vec<PropertyResult> = crate::results::properties_of(&scenario)
        .into_iter()
        .map(|property| {
            let status = match found.remove(&property.to_string()) {
                Some(mut c) => {
                    c.property = property.clone();
                    Status::Violated(Box::new(c))
                }
                None => Status::Undecided,
            };
            PropertyResult { property, status }
        })
        .collect();
    let by_name = |name: &str| {
        properties
            .iter()
            .map(|p| &p.property)
            .find(|p| p.to_string() == name)
            .cloned()
    };
    let mut outcomes: Vec<OutcomeCount> = outcomes
        .into_iter()
        .map(|((failed, _), (count, values))| OutcomeCount {
            outcome: Outcome { values },
            count,
            failed: failed.and_then(|f| by_name(&f)),
        })
        .collect();
    // As one run lists them: final outcomes by their values, then failures.
    outcomes
        .sort_by(|a, b| (a.failed.is_some(), &a.outcome).cmp(&(b.failed.is_some(), &b.outcome)));
    let exploration = Exploration {
        coverage,
        collision_probability: None,
        not_checked: Vec::new(),
        odds: Vec::new(),
        properties,
        outcomes,
        stats,
        completion,
        notes: vec![format!("merged from {} shard reports", shards.len())],
    };
    let report = Report::judge(
        entry.name,
        params.to_string(),
        kind.name(),
        entry.expectation(&params),
        exploration,
    );
    Ok(Merged {
        report,
        scenario,
        shards: shards.len(),
    })
}

fn counterexample(c: &Value) -> Result<Counterexample, Error> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let thread = |v: &Value| ThreadId(v.get("thread").and_then(Value::as_u64).unwrap_or(0) as u32);
    let schedule = text(c, "schedule")
        .unwrap_or_default()
        .parse()
        .map_err(|e: Error| {
            Error::new(
                ErrorKind::InvalidParameter,
                format!("a counterexample's schedule: {e}"),
            )
        })?;
    let list = |key: &str| {
        c.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    Ok(Counterexample {
        property: Property::Invariant(String::new()),
        message: text(c, "message").unwrap_or_default(),
        schedule,
        steps: list("steps")
            .iter()
            .map(|s| TraceStep {
                thread: thread(s),
                code: text(s, "code").unwrap_or_default(),
                value: text(s, "value").unwrap_or_default(),
                time: s.get("time").and_then(Value::as_i64),
                preempts: s.get("preempts").and_then(Value::as_bool).unwrap_or(false),
                synchronizes_with: s
                    .get("synchronizes_with")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_u64)
                            .map(|k| k as usize)
                            .collect()
                    })
                    .unwrap_or_default(),
                writes: s
                    .get("writes")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|w| {
                                Some(Write::new(text(w, "var")?, w.get("value")?.as_i64()?))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        pending: list("pending")
            .iter()
            .map(|p| Pending {
                thread: thread(p),
                code: text(p, "code").unwrap_or_default(),
                waits_for: None,
            })
            .collect(),
        replay: text(c, "replay"),
        token: text(c, "token"),
        backend_schedule: None,
        backend_replay: text(c, "backend_replay"),
        fewest_preemptions: c.get("fewest_preemptions") == Some(&Value::Bool(true)),
        cycle_from: c
            .get("cycle_from")
            .and_then(Value::as_u64)
            .map(|k| k as usize),
    })
}
