//! The mission's central claim, as properties over generated banks: the
//! final balance equals `weeks x sum(incomes)` in every interleaving
//! *exactly when* the mutex is in use.
//!
//! The exact condition, without filtering any case away: without the mutex
//! an update can be lost exactly when there are at least two earners and
//! some income is not zero (an earner whose income is zero still writes
//! back a stale balance, so one non-zero income is enough; with one earner,
//! or with nothing to add, there is nothing to lose); the data race is there
//! exactly when there are at least two earners.
//!
//! A failure prints the generated case (`bank/unsync incomes=...,weeks=...`,
//! which `interleave check` takes with `--set`), proptest's seed (saved
//! under `proptest-regressions/`), and the harness's replay token of the
//! counterexample.

use interleave::backend::{LoomConfig, ShuttleConfig};
use interleave::check::Pair;
use interleave::check::{self, BackendKind, Backends};
use interleave::strategy::{self, Case};
use interleave::{Completion, ExploreConfig, Property, Status, Stop, explore};
use proptest::prelude::*;

const LOST_UPDATE: &str = "no lost update";
const FINAL_BALANCE: &str = "final balance is the sum of all incomes";

/// Whether an update can be lost: two earners, something to add.
fn can_lose_an_update(case: &Case) -> bool {
    let incomes = case.list("incomes");
    incomes.len() >= 2 && incomes.iter().any(|&a| a != 0)
}

fn violated(e: &interleave::Exploration, property: &Property) -> bool {
    matches!(e.status(property), Some(Status::Violated(_)))
}

/// The replay commands of every counterexample, for failure messages.
fn replays(report: &interleave::check::Report) -> String {
    report
        .exploration
        .violations()
        .filter_map(|c| c.replay.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// shuttle's budget for finding a lost update: PCT, depth 3, 1,000
/// executions, seed 0. At these sizes (up to 6 earners x 2 weeks) it finds
/// every lost update the explorer finds.
fn pct() -> Backends {
    let mut b = Backends::default();
    b.shuttle = ShuttleConfig::default();
    b.shuttle.iterations = 1_000;
    b
}

mod common;

/// `cases` cases, failures saved to `proptest-regressions/mission.txt`.
fn config(cases: u32) -> ProptestConfig {
    common::proptest_config("proptest-regressions/mission.txt", cases)
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn the_balance_is_exact_in_every_interleaving_exactly_when_the_mutex_is_used(
        case in strategy::bank().workers(1..=6).weeks(1..=2).strategy().unwrap()
    ) {
        let with_mutex = case.name == "bank/mutex";
        let report = case.check(&ExploreConfig::default()).unwrap();
        let e = &report.exploration;
        let lost = Property::Invariant(LOST_UPDATE.to_string());
        if with_mutex {
            // Exhaustive, and the final balance is the sum in every one.
            prop_assert!(e.is_exhaustive(), "{case}: {:?}", e.completion);
            prop_assert!(!e.is_violated(), "{case}: {}", replays(&report));
            prop_assert_eq!(
                e.status(&Property::Invariant(FINAL_BALANCE.to_string())),
                Some(&Status::Holds)
            );
            prop_assert_eq!(e.outcomes.len(), 1);
            // shuttle samples the same and sees nothing either.
            let sampled = check::run(BackendKind::Shuttle, &case.scenario().unwrap(), &pct()).unwrap();
            prop_assert!(!sampled.is_violated(), "{case}: shuttle saw a violation");
        } else {
            prop_assert_eq!(
                violated(e, &lost),
                can_lose_an_update(&case),
                "{}: lost update found = {}; {}", case, violated(e, &lost), replays(&report)
            );
            // The seed's sentence itself: the final balance is the sum
            // exactly when nothing can be lost.
            let final_balance = Property::Invariant(FINAL_BALANCE.to_string());
            prop_assert_eq!(
                violated(e, &final_balance),
                can_lose_an_update(&case),
                "{}: wrong final balance found = {}; {}", case, violated(e, &final_balance), replays(&report)
            );
            let earners = case.list("incomes").len();
            prop_assert_eq!(violated(e, &Property::NoDataRace), earners >= 2, "{}", case);
            if can_lose_an_update(&case) {
                let s = case
                    .entry()
                    .check_on(BackendKind::Shuttle, &case.params, &pct())
                    .unwrap();
                prop_assert!(
                    violated(&s.exploration, &lost),
                    "{case}: shuttle PCT missed the lost update in 1,000 executions"
                );
                prop_assert!(
                    violated(&s.exploration, &final_balance),
                    "{case}: shuttle PCT missed the wrong final balance in 1,000 executions"
                );
            } else {
                // Nothing to lose: proven, not merely unseen.
                prop_assert!(e.is_exhaustive(), "{case}: {:?}", e.completion);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Judged on its final balance alone (the CLI's `--property`), the bank
    /// with the mutex is proven at the seed's size and far beyond, up to 8
    /// earners x 520 weeks: the property-aware reduction runs the
    /// commuting deposits in one order, a state per deposit or fewer.
    #[test]
    fn with_the_mutex_the_final_balance_is_proven_at_any_size(
        case in strategy::bank().mutex(true).workers(1..=8).weeks(1..=520).strategy().unwrap()
    ) {
        let final_balance = Property::Invariant(FINAL_BALANCE.to_string());
        let config = ExploreConfig::default()
            .stop(Stop::Exhaust)
            .properties(vec![final_balance.clone()]);
        let e = explore(&case.scenario().unwrap(), &config);
        prop_assert!(e.is_exhaustive() && e.stats.property_reduction, "{case}");
        prop_assert_eq!(e.status(&final_balance), Some(&Status::Holds), "{}", case);
        prop_assert_eq!(e.outcomes.len(), 1, "{}", case);
        let deposits = case.list("incomes").len() as u64 * case.int("weeks") as u64;
        prop_assert!(e.stats.states <= deposits + 1, "{case}: {} states", e.stats.states);
    }
}

proptest! {
    #![proptest_config(config(12))]

    /// loom, exhaustive, confirms both directions at small sizes.
    #[test]
    fn loom_confirms_at_small_sizes(
        case in strategy::bank().workers(1..=2).weeks(1..=1).amounts(0..=3).strategy().unwrap()
    ) {
        let scenario = case.scenario().unwrap();
        let mut b = Backends::default();
        b.loom = LoomConfig::default();
        let e = check::run(BackendKind::Loom, &scenario, &b).unwrap();
        prop_assert_eq!(e.completion, Completion::Exhaustive);
        let lost = Property::Invariant(LOST_UPDATE.to_string());
        let expected = case.name == "bank/unsync" && can_lose_an_update(&case);
        prop_assert_eq!(violated(&e, &lost), expected, "{}", case);
        let final_balance = Property::Invariant(FINAL_BALANCE.to_string());
        prop_assert_eq!(violated(&e, &final_balance), expected, "{}", case);
    }
}

proptest! {
    #![proptest_config(config(16))]

    /// The library's paired property over generated banks: the unsynchronised
    /// bank is falsified and the mutex one holds, under the same budget,
    /// whenever an update can be lost.
    #[test]
    fn unsync_and_mutex_separate_whenever_an_update_can_be_lost(
        case in strategy::bank().workers(2..=4).weeks(1..=2).amounts(1..=1000).mutex(false).strategy().unwrap()
    ) {
        let fixed = interleave::catalog::find("bank/mutex").unwrap();
        let report = Pair::new(case.scenario().unwrap(), fixed.build(&case.params).unwrap())
            .check()
            .unwrap();
        prop_assert!(report.separates(), "{}", report);
        // The separating schedule is the shortest: two earners, one step
        // each before the conflicting access (a race shows in 1 step).
        prop_assert!(report.separating().unwrap().steps.len() <= 4, "{}", report);
    }
}

#[test]
fn a_pair_with_a_zero_budget_is_refused_not_passed() {
    let entry = interleave::catalog::find("bank/unsync").unwrap();
    let params = entry.default_params();
    let fixed = interleave::catalog::find("bank/mutex").unwrap();
    let err = Pair::new(entry.build(&params).unwrap(), fixed.build(&params).unwrap())
        .budget(ExploreConfig::default().max_states(0))
        .check()
        .unwrap_err();
    assert_eq!(err.kind(), interleave::ErrorKind::InvalidLimit);
    assert!(
        err.to_string().contains("zero budget (max_states is 0)"),
        "{err}"
    );
}

#[test]
fn strategy_ranges_outside_the_scenario_are_refused() {
    for (result, needle) in [
        (
            strategy::bank().workers(0..=3).strategy().err(),
            "`incomes (how many)` ranges over 0..=3, but the scenario takes 1..=8",
        ),
        (
            strategy::bank().amounts(-5..=3).strategy().err(),
            "`incomes` ranges over -5..=3, but the scenario takes 0..=1000000000",
        ),
        (
            #[allow(clippy::reversed_empty_ranges)]
            strategy::bank().weeks(3..=1).strategy().err(),
            "the range 3..=1 for `weeks` is empty",
        ),
        (
            strategy::message().writers(1..=9).strategy().err(),
            "`writers` ranges over 1..=9, but the scenario takes 1..=4",
        ),
        (
            strategy::interest().only("bank/mutex").strategy().err(),
            "`bank/mutex` is not a interest scenario",
        ),
        (strategy::choices(0).err(), "at most 0 choices"),
    ] {
        let err = result.expect("refused");
        assert_eq!(err.kind(), interleave::ErrorKind::InvalidParameter);
        assert!(err.to_string().contains(needle), "{err}");
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// Every family's strategy yields cases the catalog builds and that
    /// behave as the catalog expects.
    #[test]
    fn every_family_yields_cases_that_are_as_expected(
        case in prop_oneof![
            strategy::message().strategy().unwrap(),
            strategy::interest().workers(1..=2).weeks(1..=2).strategy().unwrap(),
            strategy::waitgroup().workers(1..=3).weeks(1..=2).strategy().unwrap(),
        ]
    ) {
        let report = case.check(&ExploreConfig::default()).unwrap();
        prop_assert!(report.as_expected(), "{}: {:?}", case, report.mismatches);
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Near the edges where a lesson stops applying (no income to add, an
    /// interest too small to earn a unit), the expectation must follow.
    #[test]
    fn expectations_follow_the_parameters_at_the_edges(
        case in prop_oneof![
            strategy::interest().only("interest/mutex").workers(1..=2).amounts(0..=5).weeks(1..=2).strategy().unwrap(),
            strategy::waitgroup().workers(1..=2).amounts(0..=2).weeks(1..=2).strategy().unwrap(),
            strategy::message().strategy().unwrap(),
            strategy::bank().workers(1..=3).amounts(0..=1).weeks(1..=2).strategy().unwrap(),
        ]
    ) {
        let report = case.check(&ExploreConfig::default()).unwrap();
        prop_assert!(report.as_expected(), "{}: {:?}", case, report.mismatches);
    }
}
