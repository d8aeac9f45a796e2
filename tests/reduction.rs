//! The reduction (chains and early `wg.Done()`) must not change any verdict or outcome: on many
//! randomly generated small scenarios, the reduced and the unreduced search
//! decide every property the same way and reach the same final outcomes,
//! with the same number of distinct final states each.

use interleave::{ExploreConfig, ProgramBuilder, ScenarioBuilder, Status, Stop, explore, replay};
use proptest::prelude::*;

#[path = "common/random.rs"]
mod random;
use random::{
    Spec, Stmt, build, kind, spec, spec_with, spinning_spec, spinning_stmt, stmt_with,
    with_waiting_main,
};

mod common;
use common::proptest_config as config;

proptest! {
    #![proptest_config(config("proptest-regressions/reduction.txt", 300))]

    #[test]
    fn reduction_keeps_verdicts_and_outcomes(spec in spinning_spec()) {
        let scenario = build(&spec);
        let exhaust = ExploreConfig::default().stop(Stop::Exhaust);
        let reduced = explore(&scenario, &exhaust.clone().reduction(true));
        let full = explore(&scenario, &exhaust.reduction(false));
        prop_assert!(reduced.is_exhaustive() && full.is_exhaustive());
        prop_assert!(reduced.stats.states <= full.stats.states);
        let finals = |e: &interleave::Exploration| e.final_outcomes().cloned().collect::<Vec<_>>();
        prop_assert_eq!(finals(&reduced), finals(&full));
        // Failures end in the same values; how many distinct failing steps
        // lead there depends on the states the reduction skips.
        let failures = |e: &interleave::Exploration| {
            e.outcomes
                .iter()
                .filter_map(|o| Some((o.outcome.to_string(), o.failed.clone()?)))
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(failures(&reduced), failures(&full));
        for (a, b) in reduced.properties.iter().zip(&full.properties) {
            prop_assert_eq!(&a.property, &b.property);
            prop_assert_eq!(kind(&a.status), kind(&b.status), "property {}", a.property);
        }
        // Every counterexample replays and shows its property.
        for c in reduced.violations().chain(full.violations()) {
            let run = replay(&scenario, &c.schedule).expect("a counterexample replays");
            if c.property == interleave::Property::Terminates {
                prop_assert!(c.cycle_from.is_some());
                prop_assert_eq!(run.returns_to, c.cycle_from, "lasso {}", c.schedule);
            } else if c.property != interleave::Property::Deterministic {
                prop_assert!(
                    run.findings.iter().any(|f| f.property == c.property),
                    "replay of {} does not show {}", c.schedule, c.property
                );
            } else {
                prop_assert!(run.outcome.is_some());
            }
        }
    }
}

/// Everything an exploration says except how long it took.
fn without_time(mut e: interleave::Exploration) -> String {
    e.stats.elapsed = std::time::Duration::ZERO;
    format!(
        "{:?} {:?} {:?} {:?}",
        e.properties, e.outcomes, e.stats, e.completion
    )
}

proptest! {
    #![proptest_config(config("proptest-regressions/threads.txt", 200))]

    /// Expanding states on several threads changes nothing: the same states
    /// are stored in the same order, and the same counterexamples, outcomes
    /// and counts come out, whether the search stops at the first violation,
    /// explores everything, or runs into its state limit. (The threads start
    /// at once here; by default only past 4,096 waiting states.)
    #[test]
    fn threads_do_not_change_the_result(spec in spinning_spec(), limit in 1usize..40, mode in 0..3u8) {
        let scenario = build(&spec);
        let config = match mode {
            0 => ExploreConfig::default(),
            1 => ExploreConfig::default().stop(Stop::Exhaust),
            _ => ExploreConfig::default().stop(Stop::Exhaust).max_states(limit),
        };
        let alone = explore(&scenario, &config.clone().threads(0));
        let shared = explore(&scenario, &config.threads(2).parallel_from(1));
        prop_assert_eq!(without_time(alone), without_time(shared));
    }
}

fn violated_set(e: &interleave::Exploration) -> Vec<String> {
    e.violations().map(|c| c.property.to_string()).collect()
}

proptest! {
    #![proptest_config(config("proptest-regressions/loom.txt", 40))]

    /// The threaded backends skip scheduling points where the model has no
    /// choice, and let loom skip reordering operations on different
    /// resources. On random scenarios, unbounded loom must still reach
    /// exactly the explorer's outcomes and violations. (Without `select`:
    /// a scenario with one puts every operation on one resource, and loom
    /// then explores every order of every operation, which takes minutes
    /// at these sizes; `tests/backends.rs` covers select on loom.)
    ///
    /// A failure ends the execution, which loom cannot see as a conflict on
    /// its own; the interpreter touches every resource before a step that
    /// fails, and without that this property found a case where one
    /// thread's failing assertion always ran first and hid another thread's
    /// panic from loom (kept in `proptest-regressions/loom.txt`).
    #[test]
    fn loom_reaches_exactly_what_the_explorer_reaches(spec in spec_with(stmt_with(false))) {
        loom_agrees_with_the_explorer(&build(&spec))?;
    }

    /// A `main` that waits for all the others, each of which ends with
    /// `Done`, is run by the threaded backends after joining them (when
    /// nothing shared follows any thread's last `Done` and the counter
    /// needs every one of them); loom must still reach exactly what the
    /// explorer reaches.
    #[test]
    fn loom_agrees_when_main_waits_for_all(
        spec in spec_with(stmt_with(false)),
        main in prop::collection::vec(stmt_with(false), 0..3),
    ) {
        loom_agrees_with_the_explorer(&build(&with_waiting_main(spec, main)))?;
    }
}

proptest! {
    #![proptest_config(config("proptest-regressions/shuttle.txt", 40))]

    /// shuttle's DFS scheduler tries every order of the scheduling points
    /// the interpreter leaves (it skips those where only the thread that
    /// moved last can move); when it runs out of schedules the backend says
    /// "exhaustive", and it must then have reached exactly the explorer's
    /// outcomes and violations. With a `select` whose several cases were
    /// ready, the run is a sample and only inclusion holds.
    #[test]
    fn shuttle_dfs_reaches_exactly_what_the_explorer_reaches(spec in spec()) {
        use interleave::check::{self, BackendKind, Backends};
use interleave::backend::{ShuttleScheduler};
        let scenario = build(&spec);
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        let mut b = Backends::default();
        b.shuttle.scheduler = ShuttleScheduler::Dfs;
        b.shuttle.iterations = 1_000_000;
        b.shuttle.time_limit = Some(std::time::Duration::from_secs(2));
        let dfs = check::run(BackendKind::Shuttle, &scenario, &b).unwrap();
        prop_assert!(outcome_set(&dfs).is_subset(&outcome_set(&truth)));
        prop_assert!(failure_set(&dfs).is_subset(&failure_set(&truth)));
        prop_assert!(violated_set(&dfs).iter().all(|p| violated_set(&truth).contains(p)));
        if dfs.completion == interleave::Completion::Exhaustive {
            prop_assert_eq!(outcome_set(&dfs), outcome_set(&truth));
            prop_assert_eq!(violated_set(&dfs), violated_set(&truth));
        } else {
            // Only the clock or a select may stop DFS short of exhaustive.
            prop_assert!(
                dfs.notes.iter().any(|n| n.contains("time limit") || n.contains("select")),
                "{:?}", dfs.notes
            );
        }
    }

    /// OS threads (with yields at every scheduling point, so that they
    /// interleave) observe only outcomes and violations the explorer says
    /// are reachable.
    #[test]
    fn os_threads_observe_only_what_the_explorer_reaches(spec in spec()) {
        use interleave::check::{self, BackendKind, Backends};
        let scenario = build(&spec);
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        let mut b = Backends::default();
        b.threads.runs = 20;
        b.threads.yields = true;
        let runs = within_ten_seconds(&scenario, move |scenario| {
            check::run(BackendKind::Threads, scenario, &b).unwrap()
        })?;
        prop_assert!(outcome_set(&runs).is_subset(&outcome_set(&truth)));
        prop_assert!(failure_set(&runs).is_subset(&failure_set(&truth)));
        prop_assert!(violated_set(&runs).iter().all(|p| violated_set(&truth).contains(p)));
    }
}

proptest! {
    #![proptest_config(config("proptest-regressions/spins.txt", 24))]

    /// On programs that loop and spin, some of which cannot finish, loom
    /// and shuttle's DFS follow each execution to a step bound. They reach
    /// only what the explorer reaches; where the explorer finds a state
    /// from which no end is reachable they never say "exhaustive" nor
    /// "terminates"; and where they do say "exhaustive", every execution
    /// ended, so the explorer must find that every one can, and they must
    /// agree with it on every outcome and violation.
    #[test]
    fn loom_and_shuttle_dfs_agree_with_the_explorer_on_spinning_programs(
        spec in spec_with(spinning_stmt(false)),
    ) {
        use interleave::backend::ShuttleScheduler;
        use interleave::check::{self, BackendKind, Backends};
        use interleave::Property;
        let scenario = build(&spec);
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        prop_assert!(truth.is_exhaustive());
        let cannot_finish = matches!(truth.status(&Property::Terminates), Some(Status::Violated(_)));
        let mut b = Backends::default();
        let limit = Some(std::time::Duration::from_millis(250));
        b.loom.time_limit = limit;
        b.loom.max_steps = 40;
        b.shuttle.scheduler = ShuttleScheduler::Dfs;
        b.shuttle.iterations = 1_000_000;
        b.shuttle.max_steps = 40;
        b.shuttle.time_limit = limit;
        for kind in [BackendKind::Loom, BackendKind::Shuttle] {
            let e = check::run(kind, &scenario, &b).unwrap();
            prop_assert!(outcome_set(&e).is_subset(&outcome_set(&truth)), "{}", kind);
            prop_assert!(failure_set(&e).is_subset(&failure_set(&truth)), "{}", kind);
            prop_assert!(
                violated_set(&e).iter().all(|p| violated_set(&truth).contains(p)),
                "{}: {:?} against {:?}", kind, violated_set(&e), violated_set(&truth)
            );
            let says_terminates = matches!(e.status(&Property::Terminates), Some(Status::Holds));
            if cannot_finish {
                prop_assert!(!e.is_exhaustive() && !says_terminates, "{}: {:?}", kind, e.completion);
            }
            if e.is_exhaustive() {
                prop_assert!(!cannot_finish, "{}", kind);
                prop_assert_eq!(outcome_set(&e), outcome_set(&truth), "{}", kind);
                prop_assert_eq!(violated_set(&e), violated_set(&truth), "{}", kind);
            }
        }
    }
}

/// `f(scenario)`, or a failed case if it has not returned within ten seconds
/// (a hang would otherwise stop the whole test run without saying which
/// scenario hung; the stuck threads are left behind).
fn within_ten_seconds<T: Send + 'static>(
    scenario: &interleave::Scenario,
    f: impl FnOnce(&interleave::Scenario) -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let scenario = scenario.clone();
    std::thread::spawn(move || {
        let _ = tx.send(f(&scenario));
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .map_err(|_| TestCaseError::fail("did not return within ten seconds"))
}

/// The final outcomes (every thread exited).
fn outcome_set(e: &interleave::Exploration) -> std::collections::BTreeSet<String> {
    e.final_outcomes().map(|o| o.outcome.to_string()).collect()
}

/// The values at which executions failed, with what they broke. An engine
/// that skips reordering independent steps (loom) sees fewer of the values
/// unrelated variables had when a step failed, so it sees a subset.
fn failure_set(e: &interleave::Exploration) -> std::collections::BTreeSet<String> {
    e.outcomes
        .iter()
        .filter_map(|o| Some(format!("{} ({})", o.outcome, o.failed.as_ref()?)))
        .collect()
}

fn loom_agrees_with_the_explorer(scenario: &interleave::Scenario) -> Result<(), TestCaseError> {
    use interleave::check::{self, BackendKind, Backends};
    let truth = explore(scenario, &ExploreConfig::default().stop(Stop::Exhaust));
    let mut b = Backends::default();
    b.loom.time_limit = Some(std::time::Duration::from_secs(2));
    let loom = check::run(BackendKind::Loom, scenario, &b).unwrap();
    // A case loom cannot finish in 2 s proves nothing either way.
    prop_assume!(loom.completion != interleave::Completion::Bounded(interleave::Bound::Time));
    prop_assert_eq!(loom.completion, interleave::Completion::Exhaustive);
    prop_assert_eq!(outcome_set(&loom), outcome_set(&truth));
    prop_assert!(failure_set(&loom).is_subset(&failure_set(&truth)));
    prop_assert_eq!(violated_set(&loom), violated_set(&truth));
    Ok(())
}

/// The search runs a lone `wg.Done()` early only while no other thread can
/// still empty the counter. Here `second` can call `Done` twice and then set
/// `x`; had `first`'s `Done` been run as soon as `second` had called once,
/// `second`'s next `Done` would always fail, and the state where `x` is 5
/// (an invariant breaks there) would never be reached.
#[test]
fn an_early_done_waits_while_another_thread_could_empty_the_counter() {
    let mut s = ScenarioBuilder::new("two dones");
    let x = s.var("x", 0);
    let wg = s.wait_group("wg", 2);
    let mut first = ProgramBuilder::new("first");
    first.done(wg);
    s.thread(first.build());
    let mut second = ProgramBuilder::new("second");
    second.done(wg).done(wg).store(x, 5);
    s.thread(second.build());
    s.always("x is never 5", move |v| {
        if v.var(x) == 5 {
            Err("x is 5".to_string())
        } else {
            Ok(())
        }
    });
    let scenario = s.build().unwrap();
    let exhaust = ExploreConfig::default().stop(Stop::Exhaust);
    for reduction in [true, false] {
        let e = explore(&scenario, &exhaust.clone().reduction(reduction));
        let broken = violated_set(&e);
        assert!(
            broken.contains(&"x is never 5".to_string()),
            "reduction {reduction}: {broken:?}"
        );
    }
}

/// Where the counter cannot reach zero without it, a `Done` runs as soon as
/// it is pending: the earner that finishes first leaves the state space, so
/// only states where both earners wait at the lock are stored.
#[test]
fn an_early_done_stores_no_state_where_it_waits() {
    let mut s = ScenarioBuilder::new("early done");
    let x = s.var("x", 0);
    let m = s.mutex("m");
    let wg = s.wait_group("wg", 2);
    for name in ["a", "b"] {
        let mut p = ProgramBuilder::new(name);
        p.repeat("i", 2, |p, _| {
            p.lock(m).store(x, 1).unlock(m);
        });
        p.done(wg);
        s.thread(p.build());
    }
    let mut main = ProgramBuilder::new("main");
    main.wait(wg);
    s.thread(main.build());
    let scenario = s.build().unwrap();
    let exhaust = ExploreConfig::default().stop(Stop::Exhaust);
    let reduced = explore(&scenario, &exhaust.clone().reduction(true));
    let full = explore(&scenario, &exhaust.reduction(false));
    assert_eq!(reduced.outcomes, full.outcomes);
    // Each earner at the lock of round 1 or 2 (2 x 2), and the final state.
    assert_eq!(reduced.stats.states, 5);
}

/// A thread parked at an unbuffered send is moved on by the receiver's
/// step to a new operation (here a `Lock`) that it has not tried. When
/// that step ends the execution (the mutex is held for ever: deadlock), the
/// thread must still try its `Lock` before it returns, or loom never sees
/// that it could have taken the mutex before `t0` did, and misses the one
/// final outcome (found by this file's random loom property, 1,000 cases).
#[test]
fn loom_sees_a_moved_on_thread_try_its_new_operation() -> Result<(), TestCaseError> {
    use Stmt::*;
    let spec = Spec {
        threads: vec![
            vec![Lock(0)],
            vec![Send(0, 0), Critical(0, 0, 1)],
            vec![Recv(0)],
        ],
        capacity: 0,
        wg_count: 0,
    };
    loom_agrees_with_the_explorer(&build(&spec))
}

/// `t1` parks at a `select` whose only possible case sends on the
/// unbuffered `c1`; that case becomes ready when `t0` stands at `Recv(c1)`,
/// which it does once its `Store` has run. A step of a load, a store or a
/// lock cannot enable a parked `Lock`, `Recv` or `Wait`, so the interpreter
/// woke nobody after one; but every step moves its thread to a new pending
/// operation, and a select's send case is ready by where the receiver
/// stands. `t0` then parked at its receive too, and nothing woke either:
/// OS threads hung (found by the OS-threads property above, about once in
/// 2,400 cases). shuttle runs it too: there a lost wake-up would leave
/// every task blocked.
#[test]
fn a_step_that_moves_a_receiver_to_its_receive_wakes_a_parked_select() -> Result<(), TestCaseError>
{
    use Stmt::*;
    use interleave::backend::ShuttleScheduler;
    use interleave::check::{self, BackendKind, Backends};
    let spec = Spec {
        threads: vec![vec![Store(0, 1), Recv(1)], vec![Select(2, false)]],
        capacity: 1,
        wg_count: 0,
    };
    let scenario = build(&spec);
    let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
    let mut b = Backends::default();
    b.threads.runs = 2_000;
    b.shuttle.scheduler = ShuttleScheduler::Random;
    for kind in [BackendKind::Threads, BackendKind::Shuttle] {
        let b = b.clone();
        let e = within_ten_seconds(&scenario, move |s| check::run(kind, s, &b).unwrap())?;
        prop_assert_eq!(violated_set(&e), violated_set(&truth), "{}", kind);
        prop_assert!(outcome_set(&e).is_subset(&outcome_set(&truth)), "{}", kind);
        prop_assert!(failure_set(&e).is_subset(&failure_set(&truth)), "{}", kind);
    }
    Ok(())
}
