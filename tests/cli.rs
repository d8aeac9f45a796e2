//! The `interleave` binary: exit codes, bad input, replay, JSON, and
//! snapshots of its human output.

use std::process::{Command, Output};

#[path = "common/binary.rs"]
mod binary;
use binary::run;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Timings vary from run to run; everything else must not.
fn stable(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.to_string();
        if let (Some(a), Some(b)) = (l.find('['), l.find("s]")) {
            if b > a {
                l.replace_range(a..b + 2, "[  TIME  ]");
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[test]
fn list_names_every_scenario() {
    let o = run(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("list", stdout(&o));
}

#[test]
fn check_bank_unsync_prints_the_lost_update_and_its_replay() {
    let o = run(&[
        "check",
        "bank/unsync",
        "--set",
        "incomes=500+10",
        "--set",
        "weeks=1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("check_bank_unsync", stable(&stdout(&o)));
}

#[test]
fn check_message_mutex_prints_outcomes() {
    let o = run(&["check", "message/mutex"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("check_message_mutex", stable(&stdout(&o)));
}

#[test]
fn the_default_command_is_check() {
    let o = run(&["--brief", "message/test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("PASS"), "{}", stdout(&o));
}

#[test]
fn replay_reproduces_the_trace() {
    let o = run(&["replay", "v1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("replay_bank_unsync", stdout(&o));
}

#[test]
fn json_has_the_documented_fields() {
    let o = run(&[
        "check",
        "bank/unsync",
        "--set",
        "weeks=1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    for key in [
        "scenario",
        "backend",
        "verdict",
        "exhaustive",
        "expected",
        "as_expected",
        "states",
        "outcomes",
        "counterexample",
        "elapsed_ms",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["verdict"], "violated");
    assert_eq!(v["backend"], "explore");
    assert_eq!(v["exhaustive"], false);
    assert_eq!(v["counterexample"]["property"], "no lost update");
    // The fewest preemptions: one thread loads, the other runs to its end,
    // the first stores over it.
    assert_eq!(v["counterexample"]["schedule"], "0.1*3.0");
    assert_eq!(v["counterexample"]["preemptions"], 1);
    assert_eq!(v["counterexample"]["fewest_preemptions"], true);
    let replay = v["counterexamples"][0]["replay"].as_str().unwrap();
    assert!(
        replay.starts_with("interleave replay 'v1:bank/unsync:"),
        "{replay}"
    );
}

#[test]
fn a_verdict_not_as_expected_exits_1() {
    // The lost update takes 4 steps: a depth limit of 2 cannot show it.
    let o = run(&["check", "bank/unsync", "--max-depth", "2", "--brief"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL"), "{}", stdout(&o));
    // A bounded search is inconclusive, never "holds".
    let o = run(&["check", "bank/mutex", "--max-states", "10", "--brief"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("inconclusive"), "{}", stdout(&o));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "bank/unsyn"],
            "unknown scenario `bank/unsyn`; did you mean `bank/unsync`?",
        ),
        (&["check", "nope"], "unknown scenario `nope`"),
        (
            &["check", "bank/mutex", "--set", "weeks=-1"],
            "`weeks=-1` for `bank/mutex`: -1 is out of range",
        ),
        (
            &["check", "bank/mutex", "--set", "weeks=x"],
            "`x` is not an integer",
        ),
        (&["check", "bank/mutex", "--set", "incomes="], "0 items"),
        (
            &["check", "bank/mutex", "--set", "days=3"],
            "`bank/mutex` has no parameter `days`; its parameters are incomes, weeks",
        ),
        (
            &["check", "bank/mutex", "message/mutex", "--set", "days=3"],
            "no selected scenario has a parameter `days`",
        ),
        (&["check", "bank/mutex", "--set", "weeks"], "not KEY=VALUE"),
        (
            &["check", "message/mutex", "--set", "weeks=3"],
            "`message/mutex` has no parameter `weeks`; its parameters are writers",
        ),
        (
            &[
                "check",
                "bank/mutex",
                "--set",
                "incomes=9223372036854775807+1",
            ],
            "9223372036854775807 is out of range",
        ),
        (
            &[
                "check",
                "interest/mutex",
                "--set",
                "rate=100",
                "--set",
                "weeks=1000",
            ],
            "overflows a 64-bit integer",
        ),
        (
            &["check", "pizzeria/buffered", "--set", "capacity=-1"],
            "`capacity=-1` for `pizzeria/buffered`: -1 is out of range; capacity takes an integer from 1 to 60",
        ),
        (
            &["check", "pizzeria/unbuffered", "--set", "orders=0"],
            "`orders=0` for `pizzeria/unbuffered`: 0 is out of range",
        ),
        (
            &["check", "pizzeria/unbuffered", "--set", "orders=61"],
            "61 is out of range; orders takes an integer from 1 to 60",
        ),
        (
            &["replay", "v1:pizzeria/two-consumers:orders=1:0/3"],
            "step 1 names thread 0 (pizzeria), which cannot take alternative 3: it is not at a select",
        ),
        (
            &["replay", "v1:pizzeria/two-consumers:orders=1:0/x"],
            "schedule part `0/x` has an alternative that is not a number from 0 to 255",
        ),
        (
            &["check", "--max-states", "0"],
            "--max-states: must be at least 1",
        ),
        (
            &["check", "--max-states", "99999999999"],
            "--max-states: 99999999999 is more than",
        ),
        (
            &["check", "--max-depth", "0"],
            "--max-depth: must be at least 1",
        ),
        (
            &["check", "--timeout", "0s"],
            "--timeout: must be more than zero",
        ),
        (&["check", "--timeout", "soon"], "`soon` is not a duration"),
        (&["check", "--timeout", "30d"], "not a duration"),
        (
            &["replay", "garbage"],
            "replay token `garbage` has 1 `:`-separated parts",
        ),
        (
            &["replay", "v9:bank/mutex::0"],
            "this build reads `v1` tokens",
        ),
        (
            &["replay", "v1:bank/mutx::0"],
            "unknown scenario `bank/mutx`",
        ),
        (
            &["replay", "v1:bank/unsync:weeks=1:0.x"],
            "schedule part `x` is not a thread number",
        ),
        (
            &["replay", "v1:bank/unsync:weeks=1:9"],
            "step 1 names thread 9, but `bank/unsync` has 5 threads",
        ),
        (
            &["replay", "v1:bank/unsync:weeks=0:0"],
            "`weeks=0` for `bank/unsync`: 0 is out of range",
        ),
        (
            &["replay", "v1:bank/mutex:weeks=1:4"],
            "step 1 names thread 4 (main), which cannot move: it is blocked at `wg.Wait()`",
        ),
        (
            &["replay", "v1:bank/unsync:incomes=5,weeks=1:0.0.0.0"],
            "step 4 names thread 0 (Main Job), which cannot move: it has already exited",
        ),
    ];
    for (args, needle) in cases {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&["check", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["check", "--backend", "spin"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("invalid value 'spin'"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn backends_report_what_they_ran_and_replay_with_the_same_token() {
    let o = run(&[
        "check",
        "bank/unsync",
        "--set",
        "incomes=500+10",
        "--set",
        "weeks=1",
        "--backend",
        "shuttle",
        "--iterations",
        "200",
        "--seed",
        "7",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("[shuttle] violated: no lost update"),
        "{text}"
    );
    // It stops once the lesson's counterexamples are found, and says so.
    assert!(text.contains("sampled: "), "{text}");
    assert!(
        text.contains("of 200 executions, once every counterexample asked for was found"),
        "{text}"
    );
    assert!(
        text.contains("shuttle PCT scheduler, depth 3, seed 7"),
        "{text}"
    );
    let token = text
        .lines()
        .find_map(|l| l.split("interleave replay '").nth(1))
        .and_then(|rest| rest.split('\'').next())
        .expect("a replay command");
    let replayed = run(&["replay", token]);
    assert_eq!(replayed.status.code(), Some(0), "{}", stderr(&replayed));
    assert!(
        stdout(&replayed).contains("✗ after step"),
        "{}",
        stdout(&replayed)
    );

    let o = run(&[
        "check",
        "message/mutex",
        "--backend",
        "threads",
        "--runs",
        "50",
        "--brief",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("no violation in 50 executions (not exhaustive)"),
        "{}",
        stdout(&o)
    );

    // Five earners and main: six threads, one more than loom runs; with
    // nothing else selected, nothing ran (exit 4).
    let o = run(&[
        "check",
        "bank/mutex",
        "--set",
        "incomes=1+2+3+4+5",
        "--backend",
        "loom",
        "--brief",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stdout(&o).contains("SKIP"), "{}", stdout(&o));
    assert!(stdout(&o).contains("loom runs at most 5"), "{}", stdout(&o));
}

#[test]
fn shuttle_random_seed_in_the_environment_is_reported_or_refused() {
    let with_env = |value: &str| {
        Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args([
                "check",
                "message/unsync",
                "--backend",
                "shuttle",
                "--iterations",
                "20",
            ])
            .env("SHUTTLE_RANDOM_SEED", value)
            .output()
            .unwrap()
    };
    let o = with_env("5");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("SHUTTLE_RANDOM_SEED=5 is set and overrides the seed 0"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("broken in"), "{}", stdout(&o));
    let o = with_env("soon");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("SHUTTLE_RANDOM_SEED=\"soon\" is not a 64-bit seed"),
        "{}",
        stderr(&o)
    );
}

/// `bench --scaling` with `args`: its output and what it printed.
fn bench_table(args: &[&str]) -> (std::process::Output, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["bench", "--scaling"])
        .args(args)
        .output()
        .unwrap();
    let text = stdout(&o);
    (o, text)
}

/// The rows of a Markdown table, without its header.
fn table_rows(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| earners"))
        .collect()
}

#[test]
fn bench_scaling_prints_a_row_per_size_and_says_which_were_cut_short() {
    // A limit of 50 ms: the smallest bank finishes, the largest cannot.
    let (o, text) = bench_table(&["--reduction", "on", "--timeout", "50ms"]);
    let rows = table_rows(&text);
    assert_eq!(rows.len(), 9, "{text}");
    for (row, (earners, weeks)) in rows.iter().zip(
        [2, 3, 4]
            .into_iter()
            .flat_map(|e| [13, 26, 52].into_iter().map(move |w| (e, w))),
    ) {
        assert!(
            row.starts_with(&format!("| {earners} | {weeks} | on | ")),
            "{row}"
        );
    }
    assert!(rows[0].ends_with("| exhaustive |"), "{text}");
    assert!(rows[8].contains("NOT exhaustive"), "{text}");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Judging only the final balance, every size is exhaustive, 520 weeks
    // too, with a state per deposit or fewer.
    let (o, text) = bench_table(&["--reduction", "final"]);
    let rows = table_rows(&text);
    assert_eq!(rows.len(), 12, "{text}");
    for row in &rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (earners, weeks): (u64, u64) = (cells[1].parse().unwrap(), cells[2].parse().unwrap());
        let states: u64 = cells[4].replace(',', "").parse().unwrap();
        assert_eq!(cells[3], "final", "{row}");
        assert!(states <= earners * weeks + 1, "{row}");
        assert!(row.ends_with("| exhaustive |"), "{row}");
    }
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Sizes of its own: a usage error.
    let o = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["bench", "--scaling", "--set", "weeks=2"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
