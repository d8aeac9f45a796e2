//! The property-aware reduction (`--property` judging only properties about
//! how executions end) explores independent steps in one order only. It
//! must never change a judged verdict or the set of final outcomes: on
//! thousands of random programs it is compared with the unreduced search.

use interleave::{
    Exploration, ExploreConfig, Op, OpResult, ProgramBuilder, Property, ScenarioBuilder, Status,
    Stop, ThreadMachine, catalog, explore, replay,
};
use proptest::prelude::*;

#[path = "common/random.rs"]
mod random;
use random::{Spec, Stmt, build, kind, spinning_spec};

mod common;
use common::proptest_config as config;

/// The random scenarios' properties about ends.
fn about_ends() -> Vec<Property> {
    vec![
        Property::Invariant("x1 does not end at 2".into()),
        Property::Deterministic,
        Property::NoDeadlock,
    ]
}

/// Every final outcome with its count of distinct final states.
fn finals(e: &Exploration) -> Vec<String> {
    e.final_outcomes()
        .map(|o| format!("{} x{}", o.outcome, o.count))
        .collect()
}

/// The reduced search (judging `judged`) against the unreduced one: the
/// same verdicts, the same final outcomes and counts, no more states, and
/// counterexamples that replay.
fn agrees(scenario: &interleave::Scenario, judged: Vec<Property>) -> Result<(), TestCaseError> {
    let exhaust = ExploreConfig::default()
        .stop(Stop::Exhaust)
        .properties(judged);
    let reduced = explore(scenario, &exhaust.clone());
    let full = explore(scenario, &exhaust.reduction(false));
    prop_assert!(reduced.is_exhaustive() && full.is_exhaustive());
    prop_assert!(!full.stats.property_reduction);
    prop_assert!(reduced.stats.states <= full.stats.states);
    prop_assert_eq!(finals(&reduced), finals(&full));
    prop_assert_eq!(reduced.properties.len(), full.properties.len());
    for (a, b) in reduced.properties.iter().zip(&full.properties) {
        prop_assert_eq!(&a.property, &b.property);
        prop_assert_eq!(kind(&a.status), kind(&b.status), "property {}", a.property);
    }
    for c in reduced.violations() {
        let run = replay(scenario, &c.schedule).expect("a counterexample replays");
        if c.property == Property::Deterministic {
            prop_assert!(run.outcome.is_some());
        } else {
            prop_assert!(
                run.findings.iter().any(|f| f.property == c.property),
                "replay of {} does not show {}",
                c.schedule,
                c.property
            );
        }
    }
    Ok(())
}

/// Statements workers of a bank-like program run: sections that add
/// constants of either sign, and what can spoil them (plain accesses,
/// unbalanced locks, channels, atomics).
fn worker_stmt() -> impl Strategy<Value = Stmt> {
    prop_oneof![
        6 => (0..2usize, 0..2usize, -2..3i64).prop_map(|(m, v, k)| Stmt::Critical(m, v, k)),
        1 => (0..2usize).prop_map(Stmt::Load),
        1 => (0..2usize, 0..3i64).prop_map(|(v, k)| Stmt::Store(v, k)),
        1 => (0..2usize, -1..3i64).prop_map(|(v, k)| Stmt::AddStore(v, k)),
        1 => (0..2usize).prop_map(Stmt::Lock),
        1 => (0..2usize).prop_map(Stmt::Unlock),
        1 => (0..2usize, 1..3i64).prop_map(|(v, n)| Stmt::Count(v, n)),
        1 => (0..2usize, 1..3i64).prop_map(|(v, k)| Stmt::AtomicAdd(v, k)),
        1 => (0..2usize, 0..3i64).prop_map(|(c, k)| Stmt::Send(c, k)),
        1 => (0..2usize).prop_map(Stmt::Recv),
        1 => Just(Stmt::Done),
        1 => Just(Stmt::Wait),
    ]
}

/// The bank's shape: 2 to 4 workers, each ending with `Done`, and a `main`
/// that waits and then reads or writes; the counter is the number of
/// workers or one off it.
fn bank_like() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(prop::collection::vec(worker_stmt(), 1..5), 2..5),
        prop::collection::vec(worker_stmt(), 0..3),
        0..2usize,
        -1..2i64,
    )
        .prop_map(|(workers, main, capacity, off)| {
            let n = workers.len() as i64;
            let mut threads: Vec<Vec<Stmt>> = workers
                .into_iter()
                .map(|mut w| {
                    w.push(Stmt::Done);
                    w
                })
                .collect();
            threads.push(std::iter::once(Stmt::Wait).chain(main).collect());
            Spec {
                threads,
                capacity,
                wg_count: (n + off).max(0),
            }
        })
}

/// A non-empty subset of [`about_ends`].
fn judged() -> impl Strategy<Value = Vec<Property>> {
    (1..8u8).prop_map(|mask| {
        about_ends()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| p)
            .collect()
    })
}

proptest! {
    #![proptest_config(config("proptest-regressions/property_reduction.txt", 1000))]

    /// Bank-shaped programs, where the reduction has most to do.
    #[test]
    fn the_reduction_keeps_verdicts_and_final_outcomes_on_bank_like_programs(
        spec in bank_like(),
        judged in judged(),
    ) {
        agrees(&build(&spec), judged)?;
    }
}

proptest! {
    #![proptest_config(config("proptest-regressions/property_reduction_any.txt", 1000))]

    /// Any program: loops that may never end, selects, condition
    /// variables, read-write locks, once, clocks.
    #[test]
    fn the_reduction_keeps_verdicts_and_final_outcomes_on_any_program(
        spec in spinning_spec(),
        judged in judged(),
    ) {
        agrees(&build(&spec), judged)?;
    }
}

fn bank_mutex(weeks: i64) -> interleave::Scenario {
    let entry = catalog::find("bank/mutex").unwrap();
    entry
        .build(&entry.params_from(&[&format!("weeks={weeks}")]).unwrap())
        .unwrap()
}

const FINAL_BALANCE: &str = "final balance is the sum of all incomes";

#[test]
fn the_seed_bank_needs_a_state_per_section_when_only_its_final_balance_is_judged() {
    let judged = vec![Property::Invariant(FINAL_BALANCE.into())];
    let states = |weeks| {
        let e = explore(
            &bank_mutex(weeks),
            &ExploreConfig::default()
                .stop(Stop::Exhaust)
                .properties(judged.clone()),
        );
        assert!(e.is_exhaustive() && e.stats.property_reduction);
        assert_eq!(e.properties.len(), 1);
        assert_eq!(e.properties[0].status, Status::Holds);
        assert_eq!(finals(&e), vec![format!("bankBalance={} x1", 660 * weeks)]);
        e.stats.states
    };
    // One state per deposit or fewer (4 earners x 52 weeks, 208 deposits),
    // against 7,890,273 without it; linear in the weeks.
    let (w52, w520) = (states(52), states(520));
    assert!(w52 <= 4 * 52 + 1, "{w52} states");
    assert!(w520 <= 10 * w52 + 10, "{w52} then {w520} states");
    // Expanding on several threads stores the same states.
    let on = |threads: usize| {
        let config = ExploreConfig::default()
            .stop(Stop::Exhaust)
            .properties(judged.clone())
            .threads(threads)
            .parallel_from(1);
        let e = explore(&bank_mutex(52), &config);
        (e.stats.states, e.stats.steps, finals(&e))
    };
    assert_eq!(on(0), on(2));
    assert_eq!(on(0).0, w52);
}

#[test]
fn atomic_adds_commute_too() {
    let entry = catalog::find("atomic/bank").unwrap();
    let scenario = entry
        .build(&entry.params_from(&["weeks=52"]).unwrap())
        .unwrap();
    let e = explore(
        &scenario,
        &ExploreConfig::default()
            .stop(Stop::Exhaust)
            .properties(vec![Property::Invariant(FINAL_BALANCE.into())]),
    );
    assert!(e.is_exhaustive() && e.stats.property_reduction);
    assert_eq!(e.properties[0].status, Status::Holds);
    assert!(e.stats.states <= 4 * 52 + 1, "{} states", e.stats.states);
}

#[test]
fn the_reduction_stays_off_for_properties_about_states_on_the_way_or_failures() {
    let scenario = bank_mutex(3);
    for judged in [
        vec![Property::Invariant("no lost update".into())],
        vec![Property::NoPanic],
        vec![Property::Terminates],
        vec![Property::NoDataRace],
        vec![Property::Invariant(FINAL_BALANCE.into()), Property::NoPanic],
    ] {
        let e = explore(
            &scenario,
            &ExploreConfig::default()
                .stop(Stop::Exhaust)
                .properties(judged.clone()),
        );
        assert!(!e.stats.property_reduction, "{judged:?}");
        // The report says why, naming the property that stops it.
        let off = judged
            .iter()
            .find(|p| **p != Property::Invariant(FINAL_BALANCE.into()));
        let why = format!("the property-aware reduction is off: `{}`", off.unwrap());
        assert!(e.notes.iter().any(|n| n.starts_with(&why)), "{:?}", e.notes);
    }
    // Nor without `--property` (and then nothing is said of it), nor with
    // the reduction off.
    let all = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
    assert!(!all.stats.property_reduction);
    assert!(all.notes.is_empty(), "{:?}", all.notes);
    let off = explore(
        &scenario,
        &ExploreConfig::default()
            .stop(Stop::Exhaust)
            .reduction(false)
            .properties(vec![Property::Invariant(FINAL_BALANCE.into())]),
    );
    assert!(!off.stats.property_reduction);
    assert_eq!(
        off.notes,
        vec!["the property-aware reduction is off: the reduction is off".to_string()]
    );
}

/// A thread that adds 0 to a wait group once, written by hand.
struct Idle(interleave::WaitGroupId);

impl ThreadMachine for Idle {
    type State = bool;
    fn start(&self) -> bool {
        false
    }
    fn next_op(&self, done: &bool) -> Op {
        if *done {
            Op::Exit
        } else {
            Op::WgAdd(self.0, 0)
        }
    }
    fn resume(&self, done: &mut bool, _: OpResult) {
        *done = true;
    }
}

#[test]
fn a_scenario_with_a_clock_or_a_hand_written_machine_says_why_it_is_not_reduced() {
    let entry = catalog::find("timeout/leak").unwrap();
    let timed = entry
        .build(&entry.params_from(&[] as &[&str]).unwrap())
        .unwrap();
    let mut s = ScenarioBuilder::new("by hand");
    let wg = s.wait_group("wg", 0);
    s.machine("idle", Idle(wg));
    let by_hand = s.build().unwrap();
    for (scenario, why) in [
        (timed, "the scenario has a clock"),
        (by_hand, "thread `idle` is a hand-written machine"),
    ] {
        let name = scenario.name().to_string();
        let e = explore(
            &scenario,
            &ExploreConfig::default()
                .stop(Stop::Exhaust)
                .properties(vec![Property::NoDeadlock]),
        );
        assert!(!e.stats.property_reduction, "{name}");
        assert!(
            e.notes.iter().any(|n| n.contains(why)),
            "{name}: {:?}",
            e.notes
        );
    }
}

#[test]
fn a_lost_update_is_still_found_when_only_the_final_balance_is_judged() {
    let entry = catalog::find("bank/unsync").unwrap();
    let scenario = entry
        .build(
            &entry
                .params_from(&["incomes=500+10+50", "weeks=2"])
                .unwrap(),
        )
        .unwrap();
    let judged = vec![Property::Invariant(FINAL_BALANCE.into())];
    let e = explore(
        &scenario,
        &ExploreConfig::default()
            .stop(Stop::Exhaust)
            .properties(judged),
    );
    assert!(e.is_exhaustive() && e.stats.property_reduction);
    assert!(matches!(e.properties[0].status, Status::Violated(_)));
    // Every final balance the unreduced search reaches.
    let full = explore(
        &scenario,
        &ExploreConfig::default()
            .stop(Stop::Exhaust)
            .reduction(false),
    );
    assert_eq!(finals(&e), finals(&full));
}

/// Small sizes of the catalog's scenarios, for unreduced searches.
fn small(name: &str) -> Vec<&'static str> {
    match name {
        n if n.starts_with("bank/") || n.starts_with("atomic/") => {
            vec!["incomes=500+10+50", "weeks=2"]
        }
        n if n.starts_with("interest/") || n.starts_with("waitgroup/") => {
            vec!["incomes=500+10", "weeks=2"]
        }
        _ => vec![],
    }
}

/// Every lesson of the catalog, judged on each of its properties about how
/// executions end, one at a time and all together: the same verdict and
/// final outcomes with the property-aware reduction as without any.
#[test]
fn every_lesson_keeps_its_verdicts_and_outcomes_under_the_reduction() {
    let mut reduced_somewhere = 0;
    for entry in catalog::entries() {
        let scenario = entry
            .build(&entry.params_from(&small(entry.name)).unwrap())
            .unwrap();
        // Every invariant (those judged in every state turn the reduction
        // off, and then both searches are unreduced), determinism and
        // deadlock, one at a time; then those the reduction ran for, all
        // together.
        let candidates: Vec<Property> = interleave::checks_of(&scenario)
            .into_iter()
            .filter(|p| {
                matches!(
                    p,
                    Property::Invariant(_) | Property::Deterministic | Property::NoDeadlock
                )
            })
            .collect();
        let mut ends = Vec::new();
        let mut sets: Vec<Vec<Property>> = candidates.iter().map(|p| vec![p.clone()]).collect();
        let mut k = 0;
        while k < sets.len() {
            let judged = sets[k].clone();
            k += 1;
            let config = ExploreConfig::default()
                .stop(Stop::Exhaust)
                .properties(judged.clone());
            let reduced = explore(&scenario, &config);
            let full = explore(&scenario, &config.clone().reduction(false));
            let what = format!("{} judging {judged:?}", entry.name);
            assert!(reduced.is_exhaustive() && full.is_exhaustive(), "{what}");
            assert_eq!(finals(&reduced), finals(&full), "{what}");
            for (a, b) in reduced.properties.iter().zip(&full.properties) {
                assert_eq!(kind(&a.status), kind(&b.status), "{what}: {}", a.property);
            }
            if reduced.stats.property_reduction {
                reduced_somewhere += 1;
                if judged.len() == 1 {
                    ends.push(judged[0].clone());
                }
            }
            if k == candidates.len() && ends.len() > 1 {
                sets.push(std::mem::take(&mut ends));
            }
        }
    }
    // Not a vacuous comparison: 75 of these searches ran reduced.
    assert!(reduced_somewhere >= 60, "reduced {reduced_somewhere} times");
}

/// Arrays indexed at run time: an access may touch any element, so writers
/// of one array, by index or by name, are ordered both ways, and of
/// disjoint arrays in one order only.
#[test]
fn array_elements_indexed_at_run_time_keep_their_outcomes() {
    // (worker 1 writes array `a` too, worker 1 names `a[1]` directly)
    for (shared, by_name) in [(true, false), (true, true), (false, false)] {
        let mut s = ScenarioBuilder::new("arrays");
        let a = s.array("a", 3, 0);
        let b = s.array("b", 3, 0);
        let wg = s.wait_group("wg", 2);
        for t in 0..2i64 {
            let mut p = ProgramBuilder::new(format!("w{t}"));
            let r = p.local("r");
            let target = if shared || t == 0 { a } else { b };
            if by_name && t == 1 {
                let one = a.get(1).unwrap();
                p.repeat("i", 2, |p, _| {
                    p.load(r, one);
                    p.store(one, r + 1);
                });
            } else {
                p.repeat("i", 2, |p, i| {
                    p.load_at(r, target, i + t);
                    p.store_at(target, i + t, r + 1);
                });
            }
            p.done(wg);
            s.thread(p.build());
        }
        let mut main = ProgramBuilder::new("main");
        let seen = main.local("seen");
        main.wait(wg).load_at(seen, a, 1);
        s.thread(main.build());
        s.at_end("a[1] ends at 2", move |v| match v.var(a.get(1).unwrap()) {
            2 => Ok(()),
            x => Err(format!("a[1] is {x}")),
        });
        let scenario = s.build().unwrap();
        let judged = vec![Property::Invariant("a[1] ends at 2".into())];
        let config = ExploreConfig::default()
            .stop(Stop::Exhaust)
            .properties(judged);
        let reduced = explore(&scenario, &config);
        let full = explore(&scenario, &config.clone().reduction(false));
        assert!(reduced.stats.property_reduction);
        assert_eq!(
            finals(&reduced),
            finals(&full),
            "shared {shared}, by name {by_name}"
        );
        assert_eq!(
            kind(&reduced.properties[0].status),
            kind(&full.properties[0].status)
        );
        // Racing writers of a[1] can lose an update; writers of disjoint
        // arrays cannot.
        assert_eq!(finals(&full).len() > 1, shared, "{:?}", finals(&full));
    }
}
