//! Machine-readable output: one JSON object per scenario result.

use serde_json::{Value, json};

use crate::check::Report;
use crate::model::Names;
use crate::results::{Replay, Status};

fn steps_json(names: &Names, steps: &[crate::results::TraceStep]) -> Value {
    Value::Array(
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                json!({
                    "step": i + 1,
                    "thread": s.thread.index(),
                    "thread_name": names.thread(s.thread),
                    "code": s.code,
                    "value": s.value,
                })
            })
            .collect(),
    )
}

/// One report as a JSON object.
pub fn report(r: &Report, names: &Names) -> Value {
    let e = &r.exploration;
    let counterexamples: Vec<Value> = e
        .violations()
        .map(|c| {
            json!({
                "property": c.property,
                "message": c.message,
                "schedule": c.schedule.to_string(),
                "replay": c.replay,
                "backend_replay": c.backend_replay,
                "steps": steps_json(names, &c.steps),
                "pending": c.pending.iter().map(|p| json!({
                    "thread": p.thread.index(),
                    "thread_name": names.thread(p.thread),
                    "code": p.code,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let properties: Vec<Value> = e
        .properties
        .iter()
        .map(|p| {
            let status = match p.status {
                Status::Holds => "holds",
                Status::Violated(_) => "violated",
                Status::Undecided => "undecided",
            };
            json!({ "property": p.property, "status": status })
        })
        .collect();
    json!({
        "scenario": r.scenario,
        "params": r.params,
        "backend": r.backend,
        "verdict": r.verdict,
        "exhaustive": e.is_exhaustive(),
        "completion": e.completion,
        "expected": r.expected.to_string(),
        "as_expected": r.as_expected(),
        "mismatches": r.mismatches,
        "states": e.stats.states,
        "steps": e.stats.steps,
        "max_depth": e.stats.max_depth,
        "memory_bytes": e.stats.memory_bytes,
        "reduction": e.stats.reduction,
        "elapsed_ms": e.stats.elapsed.as_millis() as u64,
        "executions": e.stats.executions,
        "notes": e.notes,
        "properties": properties,
        "outcomes": e.outcomes.iter().map(|o| json!({
            "outcome": o.outcome.to_string(),
            "values": o.outcome.values,
            "count": o.count,
            "counts": if r.backend == "explore" { "final_states" } else { "executions" },
        })).collect::<Vec<_>>(),
        "counterexample": counterexamples.first().cloned().unwrap_or(Value::Null),
        "counterexamples": counterexamples,
    })
}

/// A replayed execution as a JSON object.
pub fn replay(scenario: &str, params: &str, names: &Names, run: &Replay) -> Value {
    json!({
        "scenario": scenario,
        "params": params,
        "steps": steps_json(names, &run.steps),
        "findings": run.findings,
        "outcome": run.outcome.as_ref().map(|o| o.to_string()),
    })
}
