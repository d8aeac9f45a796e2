//! Judging only some properties (`ExploreConfig::properties`, the CLI's
//! `--property`): the others are listed as not checked, never reported as
//! holding or broken, and never a reason for the verdict.

use std::process::Command;

use interleave::{ExploreConfig, Property, Status, Stop, catalog, checks_of, explore};

fn bank_unsync(weeks: &str) -> interleave::Scenario {
    let entry = catalog::find("bank/unsync").unwrap();
    entry.build(&entry.params_from(&[weeks]).unwrap()).unwrap()
}

#[test]
fn properties_not_judged_are_listed_and_never_decide_the_verdict() {
    let scenario = bank_unsync("weeks=2");
    let all = checks_of(&scenario);
    let deadlock = Property::NoDeadlock;
    let e = explore(
        &scenario,
        &ExploreConfig::default()
            .stop(Stop::Exhaust)
            .properties(vec![deadlock.clone()]),
    );
    assert_eq!(e.properties.len(), 1);
    assert_eq!(e.properties[0].property, deadlock);
    assert_eq!(e.properties[0].status, Status::Holds);
    // The lost update is there, but not judged.
    assert!(!e.is_violated());
    let mut listed = e.not_checked.clone();
    listed.push(deadlock);
    listed.sort();
    let mut everything = all.clone();
    everything.sort();
    assert_eq!(listed, everything);
    // Judging everything is the same as judging nothing in particular.
    let judged_all = explore(
        &scenario,
        &ExploreConfig::default().stop(Stop::Exhaust).properties(all),
    );
    let plain = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
    assert!(judged_all.not_checked.is_empty());
    assert_eq!(judged_all.properties.len(), plain.properties.len());
    assert_eq!(judged_all.outcomes, plain.outcomes);
    assert_eq!(judged_all.stats.states, plain.stats.states);
}

#[test]
fn a_search_for_one_broken_property_stops_at_its_counterexample() {
    let scenario = bank_unsync("weeks=52");
    let balance = Property::Invariant("final balance is the sum of all incomes".into());
    let e = explore(
        &scenario,
        &ExploreConfig::default()
            .stop(Stop::WhenViolated(
                [
                    balance.clone(),
                    Property::Invariant("no lost update".into()),
                ]
                .into(),
            ))
            .properties(vec![balance.clone()]),
    );
    assert!(matches!(e.status(&balance), Some(Status::Violated(_))));
    assert!(e.stats.states < 10_000, "{}", e.stats.states);
}

#[test]
fn the_cli_judges_named_properties_and_refuses_unknown_names() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        "check",
        "bank/unsync",
        "--set",
        "weeks=2",
        "--property",
        "no deadlock",
        "--exhaust",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("✓ no deadlock"), "{text}");
    // The status line says how much it judged.
    assert!(
        text.contains("holds in every interleaving (judging 1 of 7)"),
        "{text}"
    );
    assert!(text.contains("- no lost update"), "{text}");
    assert!(text.contains("not checked"), "{text}");
    let o = run(&["check", "bank/unsync", "--property", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has no property `nope`"), "{err}");
    assert!(err.contains("`no lost update`"), "{err}");
    let o = run(&[
        "check",
        "bank/unsync",
        "--property",
        "no deadlock",
        "--backend",
        "shuttle",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
