//! Human output, in the manner of nextest: a status line per scenario, then
//! details indented under it.

use std::fmt::Write;

use super::trace::trace_table;
use crate::check::{Report, Verdict};
use crate::model::Names;
use crate::results::{
    Bound, Completion, Coverage, Exploration, Odds, Property, Replay, ReplayFinding, Sampler,
    Status,
};

/// Formats a byte count as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// What the search covered, in words: exhaustive, stopped, or bounded.
pub fn coverage(e: &Exploration) -> String {
    let s = &e.stats;
    // A threaded backend runs executions and stores no states.
    let counts = if s.executions > 0 {
        format!(
            "{} executions, {} steps, depth {}",
            s.executions, s.steps, s.max_depth
        )
    } else {
        format!(
            "{} states, {} steps, depth {}",
            s.states, s.steps, s.max_depth
        )
    };
    match e.completion {
        Completion::Exhaustive => match e.collision_probability {
            Some(p) => format!(
                "exhaustive by fingerprints: {counts} (a state missed with probability at most {p:.1e})"
            ),
            None if s.property_reduction => format!(
                "exhaustive for the properties judged: {counts}, independent steps in one order only (every end reached)"
            ),
            None => format!("exhaustive: {counts}"),
        },
        Completion::Stopped => format!(
            "{counts}; stopped once the expected counterexamples were found (not exhaustive)"
        ),
        Completion::Bounded(Bound::Preemptions) => format!(
            "exhaustive within the preemption bound only: {} executions",
            s.executions
        ),
        Completion::Bounded(bound) => match s.estimated_total {
            Some(total) if total > s.states => format!(
                "NOT exhaustive: hit the {bound} after {counts}, of about {total} states in all (estimated)"
            ),
            _ => format!("NOT exhaustive: hit the {bound} after {counts}"),
        },
        Completion::Sampled => format!(
            "sampled: {} executions, {} steps (not exhaustive)",
            s.executions, s.steps
        ),
    }
}

/// The verdict in one phrase, saying how much was judged when not
/// everything was (`--property`).
pub fn verdict_phrase(r: &Report) -> String {
    let e = &r.exploration;
    let phrase = verdict_only(r);
    if e.not_checked.is_empty() {
        return phrase;
    }
    let judged = e.properties.len() + e.coverage.len();
    format!(
        "{phrase} (judging {judged} of {})",
        judged + e.not_checked.len()
    )
}

fn verdict_only(r: &Report) -> String {
    match r.verdict {
        Verdict::Holds => match r.exploration.collision_probability {
            Some(p) => format!("holds in every interleaving (p <= {p:.1e} of a missed state)"),
            None => "holds in every interleaving".to_string(),
        },
        Verdict::Inconclusive if r.exploration.completion == Completion::Sampled => format!(
            "no violation in {} executions (not exhaustive)",
            r.exploration.stats.executions
        ),
        Verdict::Inconclusive if r.exploration.is_exhaustive() => {
            "inconclusive: no violation found, a property not decided".to_string()
        }
        Verdict::Inconclusive => "inconclusive: no violation found, search incomplete".to_string(),
        Verdict::Violated => {
            let names: Vec<String> = r
                .exploration
                .violations()
                .map(|c| c.property.to_string())
                .collect();
            format!("violated: {}", names.join(", "))
        }
    }
}

/// The status line of one report.
pub fn status_line(r: &Report, name_width: usize) -> String {
    let status = if r.as_expected() { "PASS" } else { "FAIL" };
    let secs = r.exploration.stats.elapsed.as_secs_f64();
    let judgement = if r.as_expected() {
        "as expected".to_string()
    } else {
        format!("expected {}", r.expected)
    };
    let backend = if r.backend == "explore" {
        String::new()
    } else {
        format!("[{}] ", r.backend)
    };
    let stats = &r.exploration.stats;
    let size = if stats.executions > 0 {
        format!("{:>10} execs", stats.executions)
    } else {
        format!("{:>10} states", stats.states)
    };
    format!(
        "{status:>8} [{secs:>8.3}s] {:<name_width$} {size}  {backend}{} ({judgement})",
        r.scenario,
        verdict_phrase(r)
    )
}

/// How much [`details`] shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// Each property's verdict, the first counterexample with its trace,
    /// the others in a line each with their replay commands, and the
    /// [`OUTCOMES_SHOWN`] most frequent outcomes.
    Concise,
    /// Every counterexample's trace and every outcome.
    Verbose,
}

/// How many outcomes [`Detail::Concise`] lists, most frequent first.
pub const OUTCOMES_SHOWN: usize = 8;

/// The details under a status line: parameters, coverage, properties,
/// counterexamples with their traces and replay commands, outcomes.
pub fn details(r: &Report, names: &Names, detail: Detail) -> String {
    let e = &r.exploration;
    let mut out = String::new();
    let pad = "             ";
    if !r.params.is_empty() {
        let _ = writeln!(out, "{pad}parameters  {}", r.params);
    }
    let _ = writeln!(out, "{pad}expected    {}", r.expected);
    let _ = writeln!(out, "{pad}searched    {}", coverage(e));
    for note in &e.notes {
        let _ = writeln!(out, "{pad}note        {note}");
    }
    for m in &r.mismatches {
        let _ = writeln!(out, "{pad}MISMATCH    {m}");
    }
    for p in &e.properties {
        let (mark, text) = match &p.status {
            Status::Holds => ("✓", "holds".to_string()),
            Status::Violated(_) => ("✗", "violated (counterexample below)".to_string()),
            Status::Undecided => ("?", "not decided".to_string()),
        };
        let _ = writeln!(out, "{pad}  {mark} {:<40} {text}", p.property.to_string());
    }
    for p in &e.not_checked {
        let _ = writeln!(out, "{pad}  - {:<40} not checked", p.to_string());
    }
    for o in &e.odds {
        let _ = writeln!(out, "{pad}odds        {}", odds(o));
    }
    for g in &e.coverage {
        let (mark, text) = match &g.coverage {
            Coverage::Covered(w) => ("✓", format!("covered (after {} steps)", w.steps.len())),
            Coverage::NotCovered => ("✗", "never reached, in any interleaving".to_string()),
            Coverage::Undecided => ("?", "not reached in what was searched".to_string()),
        };
        let goal = format!("sometimes {}", g.goal);
        let _ = writeln!(out, "{pad}  {mark} {goal:<40} {text}");
        if let Coverage::Covered(w) = &g.coverage
            && detail == Detail::Verbose
        {
            let inner = format!("{pad}    ");
            out.push_str(&trace_table(names, &w.steps, &[], false, &inner));
        }
        if let Coverage::Covered(w) = &g.coverage
            && let Some(cmd) = &w.replay
        {
            let _ = writeln!(out, "{pad}      witness {cmd}");
        }
    }
    for (k, c) in e.violations().enumerate() {
        let inner = format!("{pad}  ");
        if k > 0 && detail == Detail::Concise {
            if k == 1 {
                out.push('\n');
            }
            let _ = writeln!(out, "{pad}✗ {}: {}", c.property, c.message);
            if let Some(cmd) = &c.replay {
                let _ = writeln!(out, "{inner}replay    {cmd}");
            }
            continue;
        }
        let _ = writeln!(out, "\n{pad}✗ {}: {}", c.property, c.message);
        out.push_str(&trace_table(
            names,
            &c.steps,
            &c.pending,
            c.pending.is_empty() && c.cycle_from.is_none(),
            &inner,
        ));
        if let Some(k) = c.cycle_from {
            let _ = writeln!(out, "{inner}cycle     {}", cycle(k, c.steps.len()));
        }
        let fewest = if c.fewest_preemptions {
            ", the fewest possible"
        } else {
            ""
        };
        let preempted = match c.preemptions() {
            0 => format!("   (no preemption{fewest})"),
            1 => format!("   (1 preemption{fewest}, marked ↷)"),
            n => format!("   ({n} preemptions{fewest}, marked ↷)"),
        };
        let _ = writeln!(out, "{inner}schedule  {}{preempted}", c.schedule);
        if let Some(cmd) = &c.replay {
            let _ = writeln!(out, "{inner}replay    {cmd}");
        }
        if let Some(cmd) = &c.backend_replay {
            let _ = writeln!(
                out,
                "{inner}          {cmd}   (through {}'s own replay)",
                r.backend
            );
        }
    }
    out.push('\n');
    out.push_str(&outcomes(e, pad, detail));
    out
}

fn outcomes(e: &Exploration, pad: &str, detail: Detail) -> String {
    let mut out = String::new();
    let complete = match e.completion {
        Completion::Exhaustive => "all reachable",
        Completion::Sampled => "observed in the executions run; others may be reachable",
        _ => "reached so far; the search was not exhaustive",
    };
    let _ = writeln!(out, "{pad}outcomes ({complete}):");
    if e.final_outcomes().next().is_none() {
        let _ = writeln!(out, "{pad}  (no final state reached)");
    }
    let unit = if e.stats.executions > 0 {
        "execution"
    } else {
        "final state"
    };
    let mut shown: Vec<_> = e.outcomes.iter().collect();
    let mut left = 0;
    if detail == Detail::Concise && shown.len() > OUTCOMES_SHOWN {
        shown.sort_by_key(|o| std::cmp::Reverse(o.count));
        left = shown.len() - OUTCOMES_SHOWN;
        shown.truncate(OUTCOMES_SHOWN);
    }
    for o in shown {
        let plural = if o.count == 1 { "" } else { "s" };
        match &o.failed {
            None => {
                let _ = writeln!(out, "{pad}  {}   ({} {unit}{plural})", o.outcome, o.count);
            }
            Some(property) => {
                let unit = if e.stats.executions > 0 {
                    "execution"
                } else {
                    "failing step"
                };
                let _ = writeln!(
                    out,
                    "{pad}  {}   ({} {unit}{plural} that broke `{property}` here)",
                    o.outcome, o.count
                );
            }
        }
    }
    if left > 0 {
        let _ = writeln!(
            out,
            "{pad}  and {left} more, less frequent (--verbose lists every one)"
        );
    }
    out
}

/// The steps after the first `k` of `len`, which return to the state they
/// started from, in words.
fn cycle(k: usize, len: usize) -> String {
    let steps = match len - k {
        1 => format!("step {}", k + 1),
        _ => format!("steps {} to {len}", k + 1),
    };
    let start = match k {
        0 => "the initial state".to_string(),
        k => format!("the state after step {k}"),
    };
    format!("{steps} return to {start}: they can repeat for ever")
}

/// A replayed execution: its trace and what it showed.
pub fn replay(scenario: &str, params: &str, names: &Names, run: &Replay) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "replay of {scenario} ({params}): {} steps",
        run.steps.len()
    );
    // Pending operations belong to the end of the trace; earlier findings
    // are described in words below.
    let pending: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f.after_step == run.steps.len())
        .flat_map(|f| f.pending.clone())
        .collect();
    out.push_str(&trace_table(names, &run.steps, &pending, false, "  "));
    if let Some(k) = run.returns_to {
        let _ = writeln!(out, "{}", cycle(k, run.steps.len()));
    }
    let broken = |f: &&ReplayFinding| !matches!(f.property, Property::Sometimes(_));
    if !run.findings.iter().any(|f| broken(&f)) {
        let _ = writeln!(out, "no property broken along this schedule");
    }
    for f in &run.findings {
        if broken(&f) {
            let _ = writeln!(
                out,
                "✗ after step {}: {}: {}",
                f.after_step, f.property, f.message
            );
        } else {
            let _ = writeln!(out, "✓ after step {}: {} reached", f.after_step, f.property);
        }
    }
    match &run.outcome {
        Some(o) => {
            let _ = writeln!(out, "final outcome: {o}");
        }
        None => {
            let _ = writeln!(out, "the schedule ends before every thread has exited");
        }
    }
    out
}

/// A property's odds under a randomized scheduler, in words.
pub fn odds(o: &Odds) -> String {
    let runs = |c: f64| {
        o.runs_for(c)
            .map_or("no number of".to_string(), |n| n.to_string())
    };
    if !o.exact {
        let Sampler::Pct {
            depth,
            decisions,
            threads,
        } = o.sampler
        else {
            return format!(
                "{} breaks `{}` with p >= {:.3e}",
                o.sampler, o.property, o.probability
            );
        };
        return format!(
            "PCT of depth {depth} finds `{}` in at least 1 of {:.0} runs if the bug has depth {depth} or less (its guarantee 1/(n k^(d-1)) with n = {threads} threads, k = {decisions} decisions; too many priority orders to count them); 50% / 95% / 99% confidence need at most {} / {} / {} runs",
            o.property,
            1.0 / o.probability,
            runs(0.5),
            runs(0.95),
            runs(0.99)
        );
    }
    if o.probability <= 0.0 {
        return format!("{} never breaks `{}` (p = 0)", o.sampler, o.property);
    }
    format!(
        "{} breaks `{}` in 1 of {:.1} runs (p = {:.4}); 50% / 95% / 99% confidence need {} / {} / {} runs",
        o.sampler,
        o.property,
        1.0 / o.probability,
        o.probability,
        runs(0.5),
        runs(0.95),
        runs(0.99)
    )
}
