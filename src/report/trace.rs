//! The per-thread trace table: one column per thread, one row per step.

use std::fmt::Write;

use crate::model::{Names, ThreadId};
use crate::results::{Pending, TraceStep};

/// A run of one thread's steps longer than this is folded: its first and
/// last [`FOLD_KEEP`] steps are shown, and one row says how many are between.
pub const FOLD_AFTER: usize = 5;
/// Steps kept at each end of a folded run.
pub const FOLD_KEEP: usize = 2;

/// Renders steps as a table with a column for each thread that moves (or is
/// pending at the end), marking the last step when `mark_last` is set, then
/// the pending operations (racing accesses, or what blocked threads wait for).
/// A long run of one thread's uninterrupted steps is folded into one row
/// (see [`FOLD_AFTER`]); the JSON report lists every step.
pub fn trace_table(
    names: &Names,
    steps: &[TraceStep],
    pending: &[Pending],
    mark_last: bool,
    indent: &str,
) -> String {
    let mut threads: Vec<ThreadId> = Vec::new();
    for t in steps
        .iter()
        .map(|s| s.thread)
        .chain(pending.iter().map(|p| p.thread))
    {
        if !threads.contains(&t) {
            threads.push(t);
        }
    }
    threads.sort();
    let cell = |s: &TraceStep| {
        if s.value.is_empty() {
            s.code.clone()
        } else {
            format!("{}  [{}]", s.code, s.value)
        }
    };
    let pending_cell = |p: &Pending| match &p.waits_for {
        Some(why) => format!("» {}  [blocked: {why}]", p.code),
        None => format!("» {}", p.code),
    };
    let widths: Vec<usize> = threads
        .iter()
        .map(|&t| {
            let header = names.thread(t).chars().count();
            let cells = steps
                .iter()
                .filter(|s| s.thread == t)
                .map(|s| cell(s).chars().count());
            let pend = pending
                .iter()
                .filter(|p| p.thread == t)
                .map(|p| pending_cell(p).chars().count());
            cells.chain(pend).fold(header, usize::max)
        })
        .collect();
    let step_width = steps.len().to_string().len().max(4);
    let mut out = String::new();
    let mut row = |label: &str, cells: Vec<String>, mark: &str| {
        let mut line = format!("{indent}{label:>step_width$}");
        for (c, w) in cells.iter().zip(&widths) {
            let pad = w.saturating_sub(c.chars().count());
            let _ = write!(line, "  {c}{}", " ".repeat(pad));
        }
        let line = line.trim_end().to_string();
        let _ = writeln!(out, "{line}{mark}");
    };
    row(
        "step",
        threads
            .iter()
            .map(|&t| names.thread(t).to_string())
            .collect(),
        "",
    );
    let only_in = |t: ThreadId, text: String| -> Vec<String> {
        threads
            .iter()
            .map(|&u| if u == t { text.clone() } else { String::new() })
            .collect()
    };
    // A step that preempts a thread that could have gone on is marked.
    let label = |k: usize| {
        let mark = if steps[k].preempts { "↷" } else { "" };
        format!("{mark}{}", k + 1)
    };
    let mut i = 0;
    while i < steps.len() {
        let s = &steps[i];
        let run = steps[i..]
            .iter()
            .take_while(|r| r.thread == s.thread)
            .count();
        if run > FOLD_AFTER {
            let hidden = run - 2 * FOLD_KEEP;
            for (k, kept) in steps.iter().enumerate().skip(i).take(FOLD_KEEP) {
                row(&label(k), only_in(s.thread, cell(kept)), "");
            }
            let text = format!("… {hidden} more steps of {}", names.thread(s.thread));
            row("…", only_in(s.thread, text), "");
            i += FOLD_KEEP + hidden;
            continue;
        }
        let mark = if mark_last && i + 1 == steps.len() {
            "   ✗"
        } else {
            ""
        };
        row(&label(i), only_in(s.thread, cell(s)), mark);
        i += 1;
    }
    if !pending.is_empty() {
        let cells = threads
            .iter()
            .map(|&t| {
                pending
                    .iter()
                    .find(|p| p.thread == t)
                    .map(pending_cell)
                    .unwrap_or_default()
            })
            .collect();
        row("next", cells, "");
    }
    out
}
