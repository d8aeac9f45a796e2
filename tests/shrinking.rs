//! Schedules as data: proptest generates a bank *and* the preemption
//! choices that drive it, and shrinks both together. From any failing pair
//! it must come down to the smallest lost update: two earners, one week
//! each, and a single preemption: read, read, write, write, with the
//! second earner's `wg.Done()` before the stale write. (The explorer's
//! shortest counterexample, read, read, write, write in four steps, takes
//! two preemptions, since `wg.Done()` is a step the second earner could
//! still take; proptest prefers fewer preemptions to fewer steps.)

use interleave::run_choices;
use interleave::strategy::{self, Case};
use interleave::{Property, replay};
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

const LOST_UPDATE: &str = "no lost update";

fn lost_update() -> Property {
    Property::Invariant(LOST_UPDATE.to_string())
}

/// The property under test: running the case along the choices loses no
/// update. False for `bank/unsync`, which is the point.
fn no_lost_update(case: &Case, choices: &[u8]) -> Result<(), TestCaseError> {
    let scenario = case.scenario().unwrap();
    let run = run_choices(&scenario, choices, 100_000).unwrap();
    match case.explain(&run, &lost_update()) {
        None => Ok(()),
        Some(explained) => Err(TestCaseError::fail(explained)),
    }
}

#[test]
fn proptest_shrinks_the_bank_and_the_schedule_to_the_smallest_lost_update() {
    let cases = strategy::bank()
        .workers(2..=4)
        .amounts(1..=1000)
        .weeks(1..=3)
        .mutex(false)
        .strategy()
        .unwrap();
    // Choices first: proptest shrinks a tuple's parts in order, and a
    // schedule shrunk to "preempt once, early" fits every smaller bank,
    // while a bank shrunk first would strand the schedule made for it.
    let inputs = (strategy::choices(64).unwrap(), cases);
    // A fixed seed so the test is the same every run; no persistence, as
    // this test expects the property to fail.
    let config = Config {
        cases: 256,
        failure_persistence: None,
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &[7; 32],
        ),
    );
    let result = runner.run(&inputs, |(choices, case)| no_lost_update(&case, &choices));
    let (reason, (choices, case)) = match result {
        Err(TestError::Fail(reason, value)) => (reason.message().to_string(), value),
        other => panic!("the lost update was not found: {other:?}"),
    };
    println!("shrunk to:\n{reason}");
    assert_eq!(case.list("incomes").len(), 2, "{case}");
    assert_eq!(case.int("weeks"), 1, "{case}");

    let scenario = case.scenario().unwrap();
    let run = run_choices(&scenario, &choices, 100_000).unwrap();
    let finding = run
        .run
        .findings
        .iter()
        .find(|f| f.property == lost_update())
        .unwrap();
    // Read, read, write, (done), write: the lost update shows at step 5.
    assert_eq!(finding.after_step, 5, "{reason}");
    let steps: Vec<(u32, &str)> = run.run.steps[..5]
        .iter()
        .map(|s| (s.thread.index() as u32, s.code.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (0, "temp := bankBalance"),
            (1, "temp := bankBalance"),
            (1, "bankBalance = temp"),
            (1, "wg.Done()"),
            (0, "bankBalance = temp"),
        ]
    );
    // One switch away from a thread that could go on, after the first read;
    // two read-modify-writes cannot interleave with fewer.
    assert_eq!(run.preemptions(5), 1, "{reason}");
    // Shown like every other counterexample, with a token that replays.
    assert!(reason.contains("✗ no lost update"), "{reason}");
    assert!(
        reason.contains("   ✗"),
        "the breaking step is marked: {reason}"
    );
    let token = reason
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay    interleave replay '"))
        .and_then(|t| t.strip_suffix('\''))
        .expect("a replay command");
    let token: interleave::catalog::ReplayToken = token.parse().unwrap();
    let interleave::catalog::TokenSchedule::Threads(schedule) = token.schedule else {
        panic!("a thread schedule")
    };
    assert_eq!(schedule.to_string(), "0.1*3.0");
    let replayed = replay(&scenario, &schedule).unwrap();
    assert!(
        replayed
            .findings
            .iter()
            .any(|f| f.property == lost_update() && f.after_step == 5)
    );
}

#[test]
fn with_the_mutex_no_choice_of_schedule_loses_an_update() {
    let cases = strategy::bank()
        .workers(2..=3)
        .amounts(1..=1000)
        .weeks(1..=2)
        .mutex(true)
        .strategy()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(cases, strategy::choices(64).unwrap()),
            |(case, choices)| no_lost_update(&case, &choices),
        )
        .unwrap();
}
