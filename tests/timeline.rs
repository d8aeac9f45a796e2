//! `--trace-out` and `--html`: the Chrome trace obeys the trace event
//! format's rules and says what the counterexample says; the page, drawn by
//! headless Chromium, shows a lane per thread and the breaking step.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[path = "common/binary.rs"]
mod binary;
use binary::run;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interleave-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The counterexamples `check` reports in JSON, one list per scenario.
fn counterexamples(args: &[&str]) -> Vec<Value> {
    let out = run(&[args, &["--format", "json"]].concat());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .flat_map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["counterexamples"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

fn num(e: &Value, key: &str) -> u64 {
    e[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is a non-negative integer in {e}"))
}

/// Checks the rules of the trace event format that a viewer relies on;
/// returns the events by phase.
fn validate(trace: &Value) -> BTreeMap<String, Vec<Value>> {
    let unit = trace["displayTimeUnit"].as_str().unwrap();
    assert!(["ms", "ns"].contains(&unit), "displayTimeUnit {unit}");
    let events = trace["traceEvents"].as_array().expect("traceEvents");
    let mut by_phase: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in events {
        let ph = e["ph"].as_str().expect("every event has a phase");
        assert!(e["name"].is_string(), "every event has a name: {e}");
        num(e, "pid");
        match ph {
            "M" => {
                let name = e["name"].as_str().unwrap();
                match name {
                    "process_name" | "thread_name" => assert!(e["args"]["name"].is_string()),
                    "process_labels" => assert!(e["args"]["labels"].is_string()),
                    "process_sort_index" | "thread_sort_index" => {
                        assert!(e["args"]["sort_index"].is_i64())
                    }
                    other => panic!("unknown metadata event {other}"),
                }
                if name.starts_with("thread") {
                    num(e, "tid");
                }
            }
            "X" => {
                num(e, "tid");
                num(e, "ts");
                assert!(num(e, "dur") > 0, "{e}");
            }
            "C" => {
                num(e, "ts");
                let args = e["args"].as_object().expect("a counter has args");
                assert!(
                    !args.is_empty() && args.values().all(Value::is_number),
                    "{e}"
                );
            }
            "s" | "f" => {
                num(e, "tid");
                num(e, "ts");
                num(e, "id");
                assert!(e["cat"].is_string(), "a flow event has a category: {e}");
                if ph == "f" {
                    assert_eq!(e["bp"], "e", "a flow ends in the enclosing slice");
                }
            }
            "i" => {
                num(e, "ts");
                let scope = e["s"].as_str().unwrap();
                assert!(["g", "p", "t"].contains(&scope));
                if scope == "t" {
                    num(e, "tid");
                }
            }
            other => panic!("phase {other} is not one this writer should use"),
        }
        by_phase.entry(ph.to_owned()).or_default().push(e.clone());
    }
    let slices = by_phase.get("X").cloned().unwrap_or_default();
    let track = |e: &Value| (num(e, "pid"), num(e, "tid"));
    let named: BTreeSet<(u64, u64)> = by_phase["M"]
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(track)
        .collect();
    // Slices on one track never overlap; every track is named.
    let mut per_track: BTreeMap<(u64, u64), Vec<(u64, u64)>> = BTreeMap::new();
    for s in &slices {
        assert!(named.contains(&track(s)), "track of {s} has a name");
        per_track
            .entry(track(s))
            .or_default()
            .push((num(s, "ts"), num(s, "ts") + num(s, "dur")));
    }
    for spans in per_track.values_mut() {
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0, "overlapping slices {w:?}");
        }
    }
    let inside = |e: &Value| {
        per_track[&track(e)]
            .iter()
            .any(|&(a, b)| a <= num(e, "ts") && num(e, "ts") < b)
    };
    // Each flow has one start and one end, in a slice each, the start first.
    let mut flows: BTreeMap<u64, [Option<Value>; 2]> = BTreeMap::new();
    for (end, phase) in ["s", "f"].into_iter().enumerate() {
        for e in by_phase.get(phase).into_iter().flatten() {
            let slot = &mut flows.entry(num(e, "id")).or_default()[end];
            assert!(slot.replace(e.clone()).is_none(), "flow {phase} twice: {e}");
        }
    }
    for (id, [s, f]) in &flows {
        let (s, f) = (s.as_ref().unwrap(), f.as_ref().unwrap());
        assert_eq!(
            (&s["cat"], &s["name"]),
            (&f["cat"], &f["name"]),
            "flow {id}"
        );
        assert!(num(s, "ts") < num(f, "ts"), "flow {id} goes forward");
        assert!(inside(s) && inside(f), "flow {id} binds to slices");
    }
    by_phase
}

#[test]
fn the_chrome_trace_follows_the_format_and_shows_the_counterexample() {
    for (scenario, sets) in [
        ("cond/queue-if", vec![]),
        (
            "bank/unsync",
            vec!["--set", "incomes=5+7", "--set", "weeks=1"],
        ),
        ("pizzeria/no-close", vec!["--set", "orders=2"]),
        ("waitgroup/missing-wait", vec![]),
        ("barber/lost", vec![]),
        ("timeout/leak", vec![]),
    ] {
        let path = temp(&format!("{}.json", scenario.replace('/', "-")));
        let args: Vec<&str> = [
            vec!["check", scenario, "--trace-out", path.to_str().unwrap()],
            sets,
        ]
        .concat();
        let out = run(&args);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{scenario}: {out:?}"
        );
        let shown = counterexamples(&args);
        assert!(!shown.is_empty(), "{scenario} has a counterexample");
        let trace: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let events = validate(&trace);
        let processes = events["M"]
            .iter()
            .filter(|e| e["name"] == "process_name")
            .count();
        assert_eq!(
            processes,
            shown.len(),
            "{scenario}: a process per counterexample"
        );
        for (i, c) in shown.iter().enumerate() {
            let pid = i as u64 + 1;
            let of_pid = |ph: &str| -> Vec<Value> {
                events
                    .get(ph)
                    .into_iter()
                    .flatten()
                    .filter(|e| num(e, "pid") == pid)
                    .cloned()
                    .collect()
            };
            let steps = c["steps"].as_array().unwrap();
            let slices: Vec<Value> = of_pid("X")
                .into_iter()
                .filter(|e| e["cat"] != "pending")
                .collect();
            assert_eq!(slices.len(), steps.len(), "{scenario}: a slice per step");
            for (s, step) in slices.iter().zip(steps) {
                assert_eq!(s["name"], step["code"]);
                assert_eq!(s["args"]["value"], step["value"]);
                assert_eq!(num(s, "tid"), num(step, "thread") + 1);
            }
            let edges: usize = steps
                .iter()
                .map(|s| s["synchronizes_with"].as_array().map_or(0, Vec::len))
                .sum();
            assert_eq!(of_pid("s").len(), edges, "{scenario}: an arrow per edge");
            let marks = of_pid("i");
            assert_eq!(marks.len(), 1, "{scenario}: one violation marked");
            assert_eq!(
                marks[0]["name"].as_str().unwrap(),
                format!("✗ {}", c["property"].as_str().unwrap())
            );
            // The break says how to replay it, as the report does.
            assert_eq!(marks[0]["args"]["replay"], c["replay"], "{scenario}");
            let labels = of_pid("M")
                .into_iter()
                .find(|e| e["name"] == "process_labels")
                .expect("the replay command labels the process");
            assert_eq!(labels["args"]["labels"], c["replay"], "{scenario}");
            let pending = c["pending"].as_array().unwrap();
            assert_eq!(
                of_pid("X").len() - slices.len(),
                pending.len(),
                "{scenario}: a slice per pending operation"
            );
        }
    }
}

#[test]
fn happens_before_edges_are_the_ones_go_promises() {
    // Producer and consumers under one mutex: each lock follows the unlock
    // before it, a woken waiter relocks after the Broadcast.
    let shown = counterexamples(&["check", "cond/queue-if"]);
    let steps = shown[0]["steps"].as_array().unwrap();
    let code = |k: u64| steps[k as usize - 1]["code"].as_str().unwrap();
    let mut seen = 0;
    for s in steps {
        for from in s["synchronizes_with"].as_array().into_iter().flatten() {
            let from = from.as_u64().unwrap();
            assert!(from < num(s, "step"), "an edge goes back in time");
            let (a, b) = (code(from), s["code"].as_str().unwrap());
            let unlock_to_lock =
                (a.ends_with("Unlock()") || a.ends_with("Wait()")) && b.contains("Lock()");
            let wake = a.ends_with("Broadcast()") || a.ends_with("Signal()");
            assert!(unlock_to_lock || wake, "{a} -> {b}");
            seen += 1;
        }
    }
    assert!(seen >= 2, "{seen} edges");
    // A send happens before the receive that takes it.
    let shown = counterexamples(&["check", "pizzeria/no-close", "--set", "orders=2"]);
    let steps = shown[0]["steps"].as_array().unwrap();
    let receive = steps
        .iter()
        .find(|s| s["code"].as_str().unwrap().contains("range"))
        .unwrap();
    let from = receive["synchronizes_with"][0].as_u64().unwrap() as usize;
    assert!(steps[from - 1]["code"].as_str().unwrap().contains("<-"));
}

#[test]
fn a_replay_draws_its_schedule_and_a_check_with_nothing_to_draw_says_so() {
    let trace = temp("replay.json");
    let page = temp("replay.html");
    let out = run(&[
        "replay",
        "v1:bank/unsync:incomes=5+7,weeks=1:0.1.0.1",
        "--trace-out",
        trace.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let events =
        validate(&serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap());
    assert_eq!(events["X"].len(), 4);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("class=\"step").count(), 4);
    assert!(html.contains("no lost update"));
    assert!(
        html.contains("interleave replay &#39;v1:bank/unsync:incomes=5+7,weeks=1:0.1.0.1&#39;")
    );

    let page = temp("holds.html");
    let out = run(&[
        "check",
        "bank/mutex",
        "--set",
        "weeks=1",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Nothing to draw: no counterexample was found."));
    // A path that cannot be written is refused before anything runs.
    let out = run(&[
        "check",
        "bank/mutex",
        "--trace-out",
        "/nonexistent/dir/t.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--trace-out: cannot write"), "{err}");
}

/// The browser to draw the page with: `$CHROMIUM`, or `chromium` on the path.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
            .find(|p| p.is_file())
    })
}

/// The page at `html` as headless Chromium lays it out, with a probe that
/// measures the lanes and the breaking step: the probe's findings.
fn laid_out(browser: &Path, html: &Path) -> Value {
    let probe = r#"<script>
const box = e => e.getBoundingClientRect();
const seen = r => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
  && r.left < innerWidth && r.top < innerHeight;
const lanes = [...document.querySelectorAll('.lane-head')];
const lanesSeen = lanes.filter(l => seen(box(l))).length;
const mark = document.querySelector('.step.breaking');
mark.scrollIntoView({block: 'center', inline: 'center'});
document.body.setAttribute('data-probe', JSON.stringify({
  lanes: lanes.map(l => l.textContent), lanesSeen,
  markSeen: seen(box(mark)), markText: mark.textContent,
  markColour: getComputedStyle(mark.querySelector('rect')).stroke }));
</script></body>"#;
    let page = std::fs::read_to_string(html)
        .unwrap()
        .replace("</body>", probe);
    let probed = html.with_extension("probe.html");
    std::fs::write(&probed, page).unwrap();
    let profile = temp("chromium-profile");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", probed.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("data-probe=\"").expect("the probe ran") + "data-probe=\"".len();
    let end = start + dom[start..].find('"').unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

#[test]
fn the_page_shows_a_lane_per_thread_and_the_breaking_step_in_a_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("INTERLEAVE_REQUIRE_BROWSER").is_none(),
            "INTERLEAVE_REQUIRE_BROWSER is set but no chromium is installed"
        );
        println!("skipped: no chromium on the path (apt-get install chromium, or set CHROMIUM)");
        return;
    };
    let page = temp("queue-if.html");
    let out = run(&["check", "cond/queue-if", "--html", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let probe = laid_out(&browser, &page);
    assert_eq!(
        probe["lanes"],
        serde_json::json!(["producer", "consumer 0", "consumer 1"])
    );
    assert_eq!(probe["lanesSeen"], 3, "{probe}");
    assert_eq!(probe["markSeen"], true, "{probe}");
    assert!(
        probe["markText"].as_str().unwrap().contains("count--"),
        "{probe}"
    );
    assert_eq!(probe["markColour"], "rgb(198, 40, 40)", "{probe}");
}
