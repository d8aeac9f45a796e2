//! Coverage goals (`ScenarioBuilder::sometimes`): a goal some execution
//! reaches is covered, with a witness that replays; one that no execution
//! reaches is "not covered" only after an exhaustive search, and fails the
//! check; a goal never stops a search nor hides a violation.

use interleave::backend::{ShuttleConfig, ShuttleScheduler, ThreadsConfig};
use interleave::check::{self, BackendKind, Backends, Expectation, Report};
use interleave::{
    Coverage, ExploreConfig, ProgramBuilder, Property, Scenario, ScenarioBuilder, Stop, explore,
    replay,
};

/// Two writers add 1 and 2 to `x` under a mutex; the goal is `x == goal` at some point; the
/// invariant (when `guard`) says `x` never reaches 3.
fn writers(goal: i64, guard: bool) -> Scenario {
    let mut s = ScenarioBuilder::new("writers");
    let x = s.var("x", 0);
    let mu = s.mutex("mu");
    for v in [1, 2] {
        let mut p = ProgramBuilder::new(format!("writer {v}"));
        let t = p.local("t");
        p.lock(mu).load(t, x).store(x, t + v).unlock(mu);
        s.thread(p.build());
    }
    s.sometimes("x reaches the goal", move |view| view.var(x) == goal);
    if guard {
        s.always("x never reaches 3", move |view| match view.var(x) {
            3 => Err("x is 3".to_string()),
            _ => Ok(()),
        });
    }
    s.build().unwrap()
}

fn backends() -> Backends {
    let mut b = Backends::default();
    b.explore = ExploreConfig::default().stop(Stop::Exhaust);
    b.shuttle = ShuttleConfig::default()
        .scheduler(ShuttleScheduler::Random)
        .iterations(100);
    b.threads = ThreadsConfig::default().runs(50);
    b
}

fn goal(e: &interleave::Exploration) -> &Coverage {
    assert_eq!(e.coverage.len(), 1);
    assert_eq!(e.coverage[0].goal, "x reaches the goal");
    &e.coverage[0].coverage
}

#[test]
fn a_reachable_goal_is_covered_on_every_engine_with_a_witness_that_replays() {
    // x is 2 only when writer 2 adds first: a goal some interleavings miss.
    let scenario = writers(2, false);
    for kind in BackendKind::ALL {
        let e = check::run(kind, &scenario, &backends()).unwrap();
        let Coverage::Covered(witness) = goal(&e) else {
            panic!("{kind}: {:?}", goal(&e));
        };
        assert_eq!(
            witness.property,
            Property::Sometimes("x reaches the goal".into())
        );
        let run = replay(&scenario, &witness.schedule).unwrap();
        assert!(
            run.findings.iter().any(|f| f.property == witness.property),
            "{kind}: the witness reaches the goal"
        );
        // A goal is no property: it is not listed with them.
        assert!(e.properties.iter().all(|p| p.property != witness.property));
    }
}

#[test]
fn an_unreachable_goal_is_not_covered_only_after_an_exhaustive_search() {
    let scenario = writers(5, false);
    for kind in BackendKind::ALL {
        let e = check::run(kind, &scenario, &backends()).unwrap();
        let expected = if e.is_exhaustive() {
            Coverage::NotCovered
        } else {
            Coverage::Undecided
        };
        assert_eq!(goal(&e), &expected, "{kind}");
    }
    let e = explore(&scenario, &backends().explore);
    assert!(e.is_exhaustive());
    let report = Report::judge("writers", "", "explore", Expectation::holds(), e);
    assert!(!report.as_expected());
    assert_eq!(
        report.mismatches,
        ["`sometimes x reaches the goal` is never reached, in any interleaving"]
    );
    // Bounded, it is not decided, and the check is not failed for it.
    let e = explore(&scenario, &ExploreConfig::default().max_states(2));
    assert_eq!(goal(&e), &Coverage::Undecided);
}

#[test]
fn a_goal_reached_neither_stops_the_search_nor_hides_a_violation() {
    // The goal (x == 1) is reached a step before the invariant breaks
    // (x == 3), and in the state where x is 3 both stand.
    let scenario = writers(1, true);
    for kind in BackendKind::ALL {
        let mut b = backends();
        b.explore = ExploreConfig::default(); // stop at the first violation
        let e = check::run(kind, &scenario, &b).unwrap();
        assert!(matches!(goal(&e), Coverage::Covered(_)), "{kind}");
        e.assert_violated(&Property::Invariant("x never reaches 3".into()));
    }
    let both = writers(3, true);
    let e = explore(&both, &backends().explore);
    assert!(matches!(goal(&e), Coverage::Covered(_)));
    e.assert_violated(&Property::Invariant("x never reaches 3".into()));
}

#[test]
fn a_goal_whose_predicate_panics_is_a_panic_never_a_goal_reached() {
    let mut s = ScenarioBuilder::new("panicking goal");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("writer");
    p.store(x, 1);
    s.thread(p.build());
    s.sometimes("x reaches 2", move |v| {
        assert!(v.var(x) != 1, "the goal cannot read 1");
        v.var(x) == 2
    });
    let scenario = s.build().unwrap();
    for kind in BackendKind::ALL {
        let e = check::run(kind, &scenario, &backends()).unwrap();
        let c = e.assert_violated(&Property::NoPanic);
        assert!(c.message.contains("panicked"), "{kind}: {}", c.message);
        assert!(
            !matches!(goal_named(&e, "x reaches 2"), Coverage::Covered(_)),
            "{kind}"
        );
    }
}

fn goal_named<'e>(e: &'e interleave::Exploration, name: &str) -> &'e Coverage {
    &e.coverage.iter().find(|g| g.goal == name).unwrap().coverage
}
