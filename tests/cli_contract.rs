//! The command line's contract with a CI job: exit codes, refused
//! options, selection by glob, `--fail-fast`, `--exhaust`, and Ctrl-C.

use std::process::{Command, Stdio};

#[path = "common/binary.rs"]
mod binary;
use binary::run;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn options_that_cannot_take_effect_are_refused_with_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "check",
                "bank/mutex",
                "--backend",
                "shuttle",
                "--max-states",
                "10",
            ],
            "--max-states applies to the explore backend only",
        ),
        (
            &[
                "check",
                "bank/mutex",
                "--backend",
                "threads",
                "--no-reduction",
            ],
            "--no-reduction applies to the explore backend only",
        ),
        (
            &[
                "check",
                "bank/mutex",
                "--backend",
                "shuttle",
                "--scheduler",
                "dfs",
                "--seed",
                "3",
            ],
            "the DFS scheduler tries schedules in a fixed order and takes no seed",
        ),
        (
            &[
                "check",
                "bank/mutex",
                "--backend",
                "shuttle",
                "--iterations",
                "10000000000000",
            ],
            "--iterations: 10000000000000 is out of range: it takes 1 to 100000000",
        ),
        (
            &[
                "check",
                "bank/mutex",
                "--backend",
                "loom",
                "--preemption-bound",
                "256",
            ],
            "--preemption-bound: 256 is out of range: it takes 0 to 255",
        ),
        (
            &["check", "bank/mutex", "--backend", "threads", "--runs", "0"],
            "--runs: 0 is out of range",
        ),
        (
            &[
                "check",
                "bank/mutex",
                "--backend",
                "shuttle",
                "--pct-depth",
                "65",
            ],
            "--pct-depth: 65 is out of range: it takes 1 to 64",
        ),
        (&["check", "nothing/*"], "no scenario matches `nothing/*`"),
        (
            &["check", "bank/unsync", "--set", "wekks=3"],
            "has no parameter `wekks`; did you mean `weeks`?",
        ),
        (
            &["check", "bank/unsync", "--brief", "--format", "json"],
            "--brief: applies to the human report only",
        ),
        (
            &["check", "--exclude", "bank/unsyn"],
            "did you mean `bank/unsync`?",
        ),
        (
            &["check", "bank/*", "--set", "weeks=1", "--set", "weeks=2"],
            "`weeks` is given twice (`weeks=1`, then `weeks=2`)",
        ),
        (
            &["replay", "v1:bank/unsync:weeks=1,weeks=2:0.1"],
            "`weeks` is given twice",
        ),
    ];
    for (args, message) in cases {
        let o = run(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(
            err.lines().count(),
            1,
            "{args:?}: one line, no backtrace: {err}"
        );
        assert!(
            !err.contains("Error(") && !err.contains("panicked"),
            "{err}"
        );
        assert!(
            o.stdout.is_empty(),
            "{args:?}: nothing on stdout before the error"
        );
    }
}

#[test]
fn a_run_in_which_everything_is_skipped_exits_4() {
    let o = run(&[
        "check",
        "philosophers/naive",
        "--backend",
        "loom",
        "--set",
        "philosophers=7",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("SKIP"));
    assert!(
        text(&o.stderr).contains("nothing ran"),
        "{}",
        text(&o.stderr)
    );
    // One check that runs is enough for 0.
    let o = run(&[
        "check",
        "philosophers/naive",
        "message/mutex",
        "--backend",
        "loom",
        "--set",
        "philosophers=7",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn globs_select_and_exclude_scenarios() {
    let o = run(&["check", "message/*", "--exclude", "*/test", "--brief"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("message/unsync") && out.contains("message/mutex"),
        "{out}"
    );
    assert!(!out.contains("message/test"), "{out}");
    assert!(out.contains("2 checks run"), "{out}");
    // A name given twice (once through a glob) runs once.
    let o = run(&["check", "message/mutex", "message/*", "--brief"]);
    assert!(
        text(&o.stdout).contains("3 checks run"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn fail_fast_stops_after_the_first_result_not_as_expected() {
    // Within 2 states `bank/mutex` cannot be proved, so it is not as
    // expected, and the two scenarios after it do not run.
    let o = run(&[
        "check",
        "bank/mutex",
        "message/mutex",
        "message/unsync",
        "--max-states",
        "2",
        "--fail-fast",
        "--brief",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("STOPPED stopped at the first failure (--fail-fast): 2 not run"),
        "{out}"
    );
    assert!(!out.contains("message/unsync"), "{out}");
}

#[test]
fn exhaust_lists_every_reachable_outcome_of_a_violated_scenario() {
    let args = [
        "check",
        "bank/unsync",
        "--set",
        "weeks=1",
        "--set",
        "incomes=1+2",
    ];
    let first = text(&run(&args).stdout);
    assert!(first.contains("not exhaustive"), "{first}");
    let mut all = args.to_vec();
    all.push("--exhaust");
    let o = run(&all);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("searched    exhaustive"), "{out}");
    for balance in ["bankBalance=1 ", "bankBalance=2 ", "bankBalance=3 "] {
        assert!(out.contains(balance), "{balance}: {out}");
    }
    assert!(out.contains("outcomes (all reachable)"), "{out}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_the_running_check_early_prints_the_summary_and_exits_130() {
    // The explorer's proof of bank/mutex takes many seconds; OS threads
    // would run ten million executions. Each ends at the stop request.
    let runs: [&[&str]; 2] = [
        &["check", "bank/mutex", "message/*", "--brief"],
        &[
            "check",
            "bank/mutex",
            "message/*",
            "--backend",
            "threads",
            "--runs",
            "10000000",
            "--brief",
        ],
    ];
    for args in runs {
        let started = std::time::Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        std::thread::sleep(std::time::Duration::from_millis(700));
        let killed = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        let out = text(&o.stdout);
        assert_eq!(o.status.code(), Some(130), "{out}\n{}", text(&o.stderr));
        assert!(
            out.contains("bank/mutex") && out.contains("Summary"),
            "{out}"
        );
        assert!(out.contains("STOPPED interrupted: 3 not run"), "{out}");
        assert!(
            text(&o.stderr).contains("interrupted"),
            "{}",
            text(&o.stderr)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{args:?}"
        );
        if args.len() == 4 {
            assert!(out.contains("the search hit its stop request"), "{out}");
        }
    }
}

/// Every key of `value`, nested objects and arrays included.
fn keys(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn every_json_key_is_documented_and_every_result_has_the_common_keys() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md")).unwrap();
    let runs: &[&[&str]] = &[
        &[
            "check",
            "bank/unsync",
            "timeout/leak",
            "--set",
            "weeks=1",
            "--format",
            "json",
        ],
        &["check", "spin/never-set", "--format", "json"],
        &[
            "check",
            "bank/mutex",
            "--set",
            "weeks=1",
            "--backend",
            "shuttle",
            "--format",
            "json",
        ],
        &[
            "check",
            "philosophers/naive",
            "message/mutex",
            "--backend",
            "loom",
            "--set",
            "philosophers=7",
            "--format",
            "json",
        ],
        &["list", "--format", "json"],
        &[
            "replay",
            "v1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1",
            "--format",
            "json",
        ],
    ];
    let mut statuses = std::collections::BTreeSet::new();
    for args in runs {
        let o = run(args);
        assert!(
            matches!(o.status.code(), Some(0)),
            "{args:?}: {}",
            text(&o.stderr)
        );
        for line in text(&o.stdout).lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).expect("one JSON object per line");
            let mut found = std::collections::BTreeSet::new();
            keys(&v, &mut found);
            for key in found {
                assert!(
                    doc.contains(&format!("`{key}`")) || doc.contains(&format!("\"{key}\"")),
                    "`{key}` is not in docs/json.md"
                );
            }
            if args[0] == "check" {
                for key in [
                    "status",
                    "scenario",
                    "backend",
                    "params",
                    "expected",
                    "as_expected",
                ] {
                    assert!(v.get(key).is_some(), "{args:?}: no `{key}` in {v}");
                }
                statuses.insert(v["status"].as_str().unwrap().to_string());
                for c in v["counterexamples"].as_array().into_iter().flatten() {
                    let marked = c["steps"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|s| s["preempts"] == true)
                        .count();
                    assert_eq!(c["preemptions"].as_u64(), Some(marked as u64), "{c}");
                }
                if let Some(c) = v.get("counterexample").filter(|c| !c.is_null()) {
                    let token = c["token"].as_str().unwrap();
                    assert_eq!(
                        c["replay"].as_str().unwrap(),
                        format!("interleave replay '{token}'")
                    );
                    assert_eq!(run(&["replay", token]).status.code(), Some(0), "{token}");
                }
            }
        }
    }
    assert_eq!(
        statuses,
        ["pass", "skip"].map(String::from).into(),
        "{statuses:?}"
    );
}

#[test]
fn junit_has_a_case_per_scenario_and_engine_with_traces_in_failures() {
    let dir = std::env::temp_dir().join(format!("interleave-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.xml");
    let path = file.to_str().unwrap();
    let o = run(&[
        "check",
        "bank/unsync",
        "message/mutex",
        "philosophers/naive",
        "--backend",
        "all",
        "--set",
        "weeks=1",
        "--set",
        "philosophers=6",
        "--set",
        "meals=1",
        "--max-depth",
        "200",
        "--junit",
        path,
        "--brief",
    ]);
    // (Whether shuttle's 1,000 runs find six philosophers' deadlock does
    // not matter here.)
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        text(&o.stderr)
    );
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3 * 4, "{xml}");
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attribute("name")).collect();
    assert!(
        names.contains(&"bank/unsync [shuttle]") && names.contains(&"message/mutex [loom]"),
        "{names:?}"
    );
    // Six philosophers are more threads than loom runs: skipped, with why.
    let skipped: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|k| k.has_tag_name("skipped")))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        skipped[0].attribute("name"),
        Some("philosophers/naive [loom]")
    );
    // A violated scenario that was expected to be violated passes, and its
    // output carries the trace and the replay command.
    let unsync = cases
        .iter()
        .find(|c| c.attribute("name") == Some("bank/unsync [explore]"))
        .unwrap();
    let out = unsync
        .descendants()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap()
        .text()
        .unwrap();
    assert!(out.contains("interleave replay 'v1:bank/unsync:"), "{out}");
    // A check that is not as expected is a failure with its mismatches.
    let o = run(&[
        "check",
        "bank/mutex",
        "--set",
        "weeks=1",
        "--max-states",
        "2",
        "--junit",
        path,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains("not decided"),
        "{xml}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_catalog_report_fits_in_sixty_lines_unless_verbose() {
    // The two exhaustive proofs at the seed's size take a minute in a debug
    // build; their reports are among the shortest.
    let o = run(&[
        "check",
        "--exclude",
        "bank/mutex",
        "--exclude",
        "atomic/bank",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in out.lines() {
        let status = line.trim_start();
        if ["PASS [", "FAIL [", "SKIP ["]
            .iter()
            .any(|s| status.starts_with(s))
        {
            blocks.push(vec![line]);
        } else if line.starts_with('─') {
            break;
        } else if let Some(block) = blocks.last_mut() {
            block.push(line);
        }
    }
    assert!(blocks.len() > 25, "{out}");
    for block in &blocks {
        assert!(
            block.len() <= 60,
            "{} lines:\n{}",
            block.len(),
            block.join("\n")
        );
    }
    // --verbose lists every outcome.
    let o = run(&["check", "interest/mutex", "--verbose"]);
    let out = text(&o.stdout);
    assert!(!out.contains("--verbose lists every one"), "{out}");
    let o = run(&["check", "interest/mutex"]);
    assert!(text(&o.stdout).contains("more, less frequent (--verbose lists every one)"));
}

#[test]
fn shards_run_exactly_the_executions_of_one_run_and_merge_into_its_verdict() {
    let dir = std::env::temp_dir().join(format!("interleave-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let common = [
        "check",
        "bank/unsync",
        "message/mutex",
        "--backend",
        "shuttle",
        "--scheduler",
        "random",
        "--iterations",
        "40",
        "--set",
        "weeks=1",
        "--exhaust",
        "--format",
        "json",
    ];
    let whole = run(&common);
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole.stderr));
    let mut files = Vec::new();
    for k in 1..=3 {
        let mut args = common.to_vec();
        let shard = format!("{k}/3");
        args.extend(["--shard", &shard]);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let file = dir.join(format!("shard{k}.json"));
        std::fs::write(&file, &o.stdout).unwrap();
        files.push(file.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let merged = run(&args);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    // The same executions, the same outcomes with the same counts, the same
    // violated properties.
    let key = |out: &[u8]| -> Vec<(String, u64, String, Vec<String>)> {
        text(out)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let outcomes = v["outcomes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| format!("{} x{}", o["outcome"], o["count"]))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut violated: Vec<String> = v["properties"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["status"] == "violated")
                    .map(|p| p["property"].as_str().unwrap().to_string())
                    .collect();
                violated.sort();
                (
                    v["scenario"].as_str().unwrap().to_string(),
                    v["executions"].as_u64().unwrap(),
                    outcomes,
                    violated,
                )
            })
            .collect()
    };
    assert_eq!(key(&merged.stdout), key(&whole.stdout));
    // The shard flag belongs to the sampling engines.
    let o = run(&["check", "bank/unsync", "--shard", "1/2"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "check",
        "bank/unsync",
        "--backend",
        "shuttle",
        "--shard",
        "1/2",
    ]);
    assert!(
        text(&o.stderr).contains("only the random scheduler"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&[
        "check",
        "bank/unsync",
        "--backend",
        "threads",
        "--shard",
        "3/2",
    ]);
    assert!(
        text(&o.stderr).contains("is not K/N"),
        "{}",
        text(&o.stderr)
    );
    // A file that is not a report is an input error.
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "hello\n").unwrap();
    let o = run(&["merge", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("junk.json:1: not a JSON object"),
        "{}",
        text(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
