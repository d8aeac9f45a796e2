//! Timelines as Chrome Trace Event JSON, which Perfetto
//! (ui.perfetto.dev) and `chrome://tracing` open: a process per timeline,
//! a track per thread, a slice per step with the values read and written,
//! flow arrows for happens-before edges, a counter track per shared
//! variable, and an instant event where a property breaks.
//!
//! The trace has no real time: step `k` occupies
//! `[k * STEP_US, k * STEP_US + SLICE_US)` microseconds, so the viewer's
//! time axis counts steps (a slice's `args` carry the virtual time, in a
//! scenario with a clock).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::timeline::Timeline;

/// Microseconds per step on the time axis.
pub const STEP_US: u64 = 100;
/// How long a step's slice lasts; the rest of [`STEP_US`] is a gap.
const SLICE_US: u64 = 80;

/// One trace event (the fields the format defines; absent ones left out).
#[derive(Serialize)]
struct Event {
    name: String,
    ph: &'static str,
    pid: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    tid: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    /// A flow's end binds to the slice that encloses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    bp: Option<&'static str>,
    /// An instant event's scope: `t` thread, `p` process.
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    args: Map<String, Value>,
}

impl Event {
    fn new(name: impl Into<String>, ph: &'static str, pid: usize) -> Self {
        Event {
            name: name.into(),
            ph,
            pid,
            tid: None,
            ts: None,
            dur: None,
            cat: None,
            id: None,
            bp: None,
            s: None,
            args: Map::new(),
        }
    }

    fn arg(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.args.insert(key.to_owned(), value.into());
        self
    }
}

/// The whole file: the events, and what the time axis means.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TraceFile {
    trace_events: Vec<Event>,
    display_time_unit: &'static str,
    other_data: Value,
}

/// Where step `k` (from 1) starts on the time axis.
fn start(k: usize) -> u64 {
    k as u64 * STEP_US
}

/// The timelines as one Chrome trace (a process per timeline).
pub fn chrome_trace(timelines: &[Timeline<'_>]) -> String {
    let mut events = Vec::new();
    let mut flow = 0;
    for (i, tl) in timelines.iter().enumerate() {
        let pid = i + 1;
        events.push(Event::new("process_name", "M", pid).arg("name", tl.title.as_str()));
        if let Some(cmd) = &tl.replay {
            events.push(Event::new("process_labels", "M", pid).arg("labels", cmd.as_str()));
        }
        events.push(Event::new("process_sort_index", "M", pid).arg("sort_index", i));
        for t in 0..tl.thread_count() {
            let mut e = Event::new("thread_name", "M", pid).arg("name", tl.thread_name(t));
            e.tid = Some(t + 1);
            events.push(e);
            let mut e = Event::new("thread_sort_index", "M", pid).arg("sort_index", t);
            e.tid = Some(t + 1);
            events.push(e);
        }
        for (name, value) in tl.initial_values() {
            events.push(counter(pid, name, 0, value));
        }
        for (j, s) in tl.steps.iter().enumerate() {
            let k = j + 1;
            let tid = s.thread.index() + 1;
            let mut slice = Event::new(s.code.as_str(), "X", pid)
                .arg("step", k)
                .arg("value", s.value.as_str());
            if let Some(time) = s.time {
                slice = slice.arg("virtual time", time);
            }
            if s.preempts {
                slice = slice.arg("preempts", true);
            }
            if !s.writes.is_empty() {
                let writes: Map<String, Value> = s
                    .writes
                    .iter()
                    .map(|w| (w.var.clone(), w.value.into()))
                    .collect();
                slice = slice.arg("writes", writes);
            }
            slice.tid = Some(tid);
            slice.ts = Some(start(k));
            slice.dur = Some(SLICE_US);
            slice.cat = Some(if tl.breaks_at(k).is_some() {
                "breaking step"
            } else {
                "step"
            });
            events.push(slice);
            for w in &s.writes {
                events.push(counter(pid, &w.var, start(k) + SLICE_US, w.value));
            }
            for &from in &s.synchronizes_with {
                let Some(source) = from.checked_sub(1).and_then(|f| tl.steps.get(f)) else {
                    continue;
                };
                flow += 1;
                let mut out = Event::new("happens before", "s", pid);
                out.tid = Some(source.thread.index() + 1);
                out.ts = Some(start(from) + 1);
                out.cat = Some("happens-before");
                out.id = Some(flow);
                events.push(out);
                let mut end = Event::new("happens before", "f", pid);
                end.tid = Some(tid);
                end.ts = Some(start(k) + 1);
                end.cat = Some("happens-before");
                end.id = Some(flow);
                end.bp = Some("e");
                events.push(end);
            }
        }
        let end = start(tl.steps.len() + 1);
        for p in tl.pending {
            let mut e = Event::new(format!("» {}", p.code), "X", pid);
            if let Some(why) = &p.waits_for {
                e = e.arg("blocked", why.as_str());
            }
            e.tid = Some(p.thread.index() + 1);
            e.ts = Some(end);
            e.dur = Some(SLICE_US);
            e.cat = Some("pending");
            events.push(e);
        }
        for b in &tl.breaks {
            let mut e = Event::new(format!("✗ {}", b.property), "i", pid)
                .arg("message", b.message.as_str())
                .arg("after step", b.after_step);
            if let Some(cmd) = &tl.replay {
                e = e.arg("replay", cmd.as_str());
            }
            match b.after_step.checked_sub(1).and_then(|j| tl.steps.get(j)) {
                Some(s) => {
                    e.tid = Some(s.thread.index() + 1);
                    e.ts = Some(start(b.after_step) + SLICE_US / 2);
                    e.s = Some("t");
                }
                None => {
                    e.ts = Some(0);
                    e.s = Some("p");
                }
            }
            e.cat = Some("violation");
            events.push(e);
        }
    }
    let file = TraceFile {
        trace_events: events,
        display_time_unit: "ns",
        other_data: json!({
            "generator": "interleave",
            "time axis": format!("one step every {STEP_US} µs; the order of steps, not real time"),
        }),
    };
    serde_json::to_string(&file).expect("trace events serialise")
}

fn counter(pid: usize, var: &str, ts: u64, value: i64) -> Event {
    let mut e = Event::new(var, "C", pid).arg(var, value);
    e.ts = Some(ts);
    e.cat = Some("shared variable");
    e
}
