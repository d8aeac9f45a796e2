//! The catalog x backend matrix, at sizes small enough for CI: every outcome
//! a threaded backend observes is one the explorer says is reachable; loom,
//! unbounded, sees exactly the explorer's outcomes; what the explorer finds
//! violated, shuttle PCT (1,000 executions, depth 3) finds too; what holds
//! shows no violation anywhere; every counterexample replays.

use std::collections::BTreeSet;
use std::time::Duration;

use interleave::backend::{LoomConfig, ShuttleConfig, ShuttleScheduler, ThreadsConfig};
use interleave::catalog;
use interleave::check::{self, BackendKind, Backends};
use interleave::{
    Completion, ExploreConfig, ProgramBuilder, Property, Scenario, ScenarioBuilder, Status, Stop,
    explore, replay,
};

fn small(name: &str) -> Vec<&'static str> {
    match name {
        n if n.starts_with("bank/") || n.starts_with("atomic/") => {
            vec!["incomes=500+10", "weeks=2"]
        }
        n if n.starts_with("interest/") => vec!["incomes=500+10", "weeks=1"],
        n if n.starts_with("waitgroup/") => vec!["incomes=500+10", "weeks=1"],
        n if n.starts_with("pizzeria/") => vec!["orders=2"],
        n if n.starts_with("philosophers/") => vec!["philosophers=3"],
        _ => vec![],
    }
}

fn backends() -> Backends {
    let mut b = Backends::default();
    // Every execution of these small sizes ends within 2,000 steps but the
    // spins of `spin/*`, which the bound stops.
    b.shuttle = ShuttleConfig::default().max_steps(2_000);
    b.threads = ThreadsConfig::default().runs(200).max_steps(2_000);
    b
}

/// The final outcomes (executions that failed are compared by the tests
/// of `tests/reduction.rs`).
fn outcomes(e: &interleave::Exploration) -> BTreeSet<String> {
    e.final_outcomes().map(|o| o.outcome.to_string()).collect()
}

fn violated(e: &interleave::Exploration) -> BTreeSet<Property> {
    e.violations().map(|c| c.property.clone()).collect()
}

fn check_replays(scenario: &Scenario, e: &interleave::Exploration, who: &str) {
    for c in e.violations() {
        let run = replay(scenario, &c.schedule).unwrap_or_else(|err| panic!("{who}: {err}"));
        assert_eq!(run.steps, c.steps, "{who}");
        if c.property != Property::Deterministic {
            assert!(
                run.findings.iter().any(|f| f.property == c.property),
                "{who}: replay of {} does not show {}",
                c.schedule,
                c.property
            );
        }
    }
}

#[test]
fn shuttle_and_threads_agree_with_the_explorer_on_the_catalog() {
    for entry in catalog::entries() {
        let params = entry.params_from(&small(entry.name)).unwrap();
        let scenario = entry.build(&params).unwrap();
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        assert!(truth.is_exhaustive());
        for kind in [BackendKind::Shuttle, BackendKind::Threads] {
            let who = format!("{} [{kind}]", entry.name);
            let e = check::run(kind, &scenario, &backends()).unwrap();
            assert_eq!(e.completion, Completion::Sampled, "{who}");
            assert!(
                outcomes(&e).is_subset(&outcomes(&truth)),
                "{who}: {:?} not within {:?}",
                outcomes(&e),
                outcomes(&truth)
            );
            assert!(violated(&e).is_subset(&violated(&truth)), "{who}");
            if kind == BackendKind::Shuttle {
                // Sampled, but at these sizes 1,000 PCT executions find every
                // violation the explorer finds, but that an execution cannot
                // finish, which no sample shows.
                let mut shown = violated(&truth);
                shown.remove(&Property::Terminates);
                assert_eq!(violated(&e), shown, "{who}");
            }
            check_replays(&scenario, &e, &who);
            // Judged against the lesson: shuttle (seeded, so deterministic)
            // is always as expected; OS threads are as expected whenever the
            // lesson is that something holds (no run may show a violation),
            // while whether they happen to hit a violation is up to the OS.
            let report = entry.check_on(kind, &params, &backends()).unwrap();
            if truth.status(&Property::Terminates) != Some(&Status::Holds) {
                // A sample never decides termination, and says why.
                assert_eq!(
                    e.status(&Property::Terminates),
                    Some(&Status::Undecided),
                    "{who}"
                );
                assert!(
                    report
                        .mismatches
                        .iter()
                        .any(|m| m.contains("cannot show that an execution never finishes")),
                    "{who}: {:?}",
                    report.mismatches
                );
            } else if kind == BackendKind::Shuttle || truth.violations().next().is_none() {
                assert!(report.as_expected(), "{who}: {:?}", report.mismatches);
            }
        }
    }
}

/// Two goroutines each increment a counter without a lock.
fn tiny_race() -> Scenario {
    let mut s = ScenarioBuilder::new("tiny");
    let x = s.var("x", 0);
    for name in ["a", "b"] {
        let mut p = ProgramBuilder::new(name);
        let r = p.local("r");
        p.load(r, x);
        p.set(r, r + 1);
        p.store(x, r);
        s.thread(p.build());
    }
    s.build().unwrap()
}

#[test]
fn unbounded_loom_sees_exactly_the_explorers_outcomes() {
    let mut scenarios = vec![tiny_race()];
    for (name, sets) in [
        ("message/unsync", vec![]),
        ("message/mutex", vec![]),
        ("message/test", vec![]),
        ("bank/unsync", vec!["incomes=500+10", "weeks=1"]),
        ("bank/mutex", vec!["incomes=500+10", "weeks=1"]),
        ("waitgroup/missing-wait", vec!["incomes=500+10", "weeks=1"]),
        ("pizzeria/buffered", vec!["orders=2", "capacity=1"]),
        ("pizzeria/unbuffered", vec!["orders=2"]),
        ("pizzeria/no-close", vec!["orders=2"]),
        ("pizzeria/two-consumers", vec!["orders=1"]),
        ("deadlock/lock-order", vec![]),
        ("philosophers/naive", vec!["philosophers=3"]),
        ("philosophers/ordered", vec!["philosophers=3"]),
        ("atomic/bank", vec!["incomes=500+10", "weeks=2"]),
        ("atomic/load-store", vec!["incomes=500+10", "weeks=1"]),
        ("spin/set-later", vec![]),
        ("spin/peterson", vec![]),
        ("spin/peterson-swapped", vec![]),
        ("rwmutex/cache", vec!["readers=1"]),
        ("rwmutex/write-under-rlock", vec!["readers=1"]),
        ("rwmutex/recursive-rlock", vec![]),
        ("once/unsafe", vec![]),
        ("once/config", vec!["goroutines=3"]),
    ] {
        let entry = catalog::find(name).unwrap();
        scenarios.push(entry.build(&entry.params_from(&sets).unwrap()).unwrap());
    }
    for scenario in scenarios {
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        let mut b = Backends::default();
        b.loom = LoomConfig::default();
        b.loom.time_limit = Some(Duration::from_secs(600));
        let e = check::run(BackendKind::Loom, &scenario, &b).unwrap();
        assert_eq!(e.completion, Completion::Exhaustive, "{}", scenario.name());
        assert_eq!(outcomes(&e), outcomes(&truth), "{}", scenario.name());
        assert_eq!(violated(&e), violated(&truth), "{}", scenario.name());
        check_replays(&scenario, &e, scenario.name());
    }
}

#[test]
fn bounded_loom_never_says_holds() {
    let entry = catalog::find("message/mutex").unwrap();
    let scenario = entry.build(&entry.default_params()).unwrap();
    let mut b = Backends::default();
    b.loom.preemption_bound = Some(1);
    let e = check::run(BackendKind::Loom, &scenario, &b).unwrap();
    assert!(!e.is_exhaustive());
    assert!(e.properties.iter().all(|p| p.status == Status::Undecided));
}

#[test]
fn loom_skips_scenarios_with_too_many_threads() {
    let mut six = ScenarioBuilder::new("six");
    for i in 0..6 {
        let mut p = ProgramBuilder::new(format!("t{i}"));
        p.lock(interleave_mutex(&mut six, i));
        six.thread(p.build());
    }
    let err = check::run(
        BackendKind::Loom,
        &six.build().unwrap(),
        &Backends::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), interleave::ErrorKind::Unsupported);
    assert!(err.to_string().contains("loom runs at most 5"), "{err}");
}

fn interleave_mutex(s: &mut ScenarioBuilder, i: usize) -> interleave::MutexId {
    s.mutex(format!("m{i}"))
}

#[test]
fn os_threads_find_the_deadlock_instead_of_hanging() {
    let mut s = ScenarioBuilder::new("deadlock");
    let a = s.mutex("a");
    let b = s.mutex("b");
    for (name, first, second) in [("left", a, b), ("right", b, a)] {
        let mut p = ProgramBuilder::new(name);
        p.lock(first).lock(second).unlock(second).unlock(first);
        s.thread(p.build());
    }
    let scenario = s.build().unwrap();
    let mut b = Backends::default();
    // OS threads hit this deadlock in as few as 1 of 300 runs (measured),
    // so give them enough runs that missing it is out of the question
    // (under 1e-7 at that rate); shuttle is seeded and needs far fewer.
    b.threads.runs = 5_000;
    b.shuttle.iterations = 300;
    for kind in [BackendKind::Threads, BackendKind::Shuttle] {
        let e = check::run(kind, &scenario, &b).unwrap();
        assert!(
            matches!(e.status(&Property::NoDeadlock), Some(Status::Violated(_))),
            "{kind}"
        );
        check_replays(&scenario, &e, kind.name());
    }
}

#[test]
fn shuttle_dfs_is_exhaustive_only_when_it_runs_out_of_schedules() {
    let mut b = Backends::default();
    b.shuttle.scheduler = interleave::backend::ShuttleScheduler::Dfs;
    b.shuttle.iterations = 100_000;
    let e = check::run(BackendKind::Shuttle, &tiny_race(), &b).unwrap();
    assert_eq!(e.completion, Completion::Exhaustive);
    assert_eq!(
        outcomes(&e),
        outcomes(&explore(
            &tiny_race(),
            &ExploreConfig::default().stop(Stop::Exhaust)
        ))
    );
    // Stopped by the clock before the schedules ran out: a sample.
    let entry = catalog::find("bank/mutex").unwrap();
    let big = entry.build(&entry.default_params()).unwrap();
    b.shuttle.time_limit = Some(Duration::from_millis(200));
    let e = check::run(BackendKind::Shuttle, &big, &b).unwrap();
    assert_eq!(e.completion, Completion::Sampled);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("the time limit stopped shuttle")),
        "{:?}",
        e.notes
    );
    assert!(e.properties.iter().all(|p| p.status == Status::Undecided));
}

/// `select` on both channels, each already holding a value: Go picks either.
fn select_two_ready() -> Scenario {
    let mut s = ScenarioBuilder::new("select");
    let a = s.channel("a", 1);
    let b = s.channel("b", 1);
    let mut p = ProgramBuilder::new("main");
    let got = p.ghost("got");
    p.send(a, 1).send(b, 2);
    p.select(|s| {
        s.recv(a, got, |_| {}).recv(b, got, |_| {});
    });
    let main = s.thread(p.build());
    s.observe_reg(main, got, "got");
    s.build().unwrap()
}

#[test]
fn backends_that_cannot_branch_on_a_select_say_their_result_is_a_sample() {
    let scenario = select_two_ready();
    let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
    assert_eq!(outcomes(&truth).len(), 2);
    // shuttle's random choice is part of its schedule: both outcomes show,
    // and a failure's token would replay the same pick.
    let e = check::run(BackendKind::Shuttle, &scenario, &backends()).unwrap();
    assert_eq!(outcomes(&e), outcomes(&truth));
    // loom always takes the first ready case, so it is not exhaustive here.
    let e = check::run(BackendKind::Loom, &scenario, &Backends::default()).unwrap();
    assert_eq!(e.completion, Completion::Sampled);
    assert!(outcomes(&e).is_subset(&outcomes(&truth)));
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("a select had several ready cases")),
        "{:?}",
        e.notes
    );
    assert!(e.properties.iter().all(|p| p.status == Status::Undecided));
}

#[test]
fn os_threads_report_the_pizzeria_deadlock_naming_the_blocked_consumer() {
    let entry = catalog::find("pizzeria/no-close").unwrap();
    let scenario = entry.build(&entry.default_params()).unwrap();
    let mut b = Backends::default();
    b.threads.runs = 20;
    let e = check::run(BackendKind::Threads, &scenario, &b).unwrap();
    // Every run deadlocks at the end, whatever the OS does.
    match e.status(&Property::NoDeadlock) {
        Some(Status::Violated(c)) => {
            assert!(
                c.message
                    .contains("consumer at `for order := range pizzaJob.data` (nothing to receive, and not closed)"),
                "{}",
                c.message
            );
            assert_eq!(c.pending.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("`no deadlock` broken in 20 of 20 executions")),
        "{:?}",
        e.notes
    );
}

#[test]
fn a_single_thread_runs_on_every_backend() {
    // shuttle's PCT panics on executions without a scheduling decision,
    // which is what one thread makes: the harness must not.
    let mut s = ScenarioBuilder::new("alone");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("main");
    p.store(x, 1).store(x, 2);
    s.thread(p.build());
    let scenario = s.build().unwrap();
    for kind in [
        BackendKind::Shuttle,
        BackendKind::Loom,
        BackendKind::Threads,
    ] {
        let e = check::run(kind, &scenario, &backends()).unwrap();
        assert_eq!(outcomes(&e), BTreeSet::from(["x=2".to_string()]), "{kind}");
    }
}

/// Two threads each set their own variable to 1 and back to 0; the state
/// where both are 1 is reachable only in some orders of two independent
/// stores. loom must still visit it: an `Always` invariant sees both
/// variables at once. The second invariant reads `y` only where `x` is 1,
/// so loom learns what it reads as it runs.
#[test]
fn loom_visits_every_state_an_always_invariant_can_see() {
    for value_dependent in [false, true] {
        let mut s = ScenarioBuilder::new("both set");
        let x = s.var("x", 0);
        let y = s.var("y", 0);
        for (name, v) in [("a", x), ("b", y)] {
            let mut p = ProgramBuilder::new(name);
            p.store(v, 1);
            p.store(v, 0);
            s.thread(p.build());
        }
        s.always("x and y are never both 1", move |w| {
            let both = if value_dependent {
                w.var(x) == 1 && w.var(y) == 1
            } else {
                (w.var(x), w.var(y)) == (1, 1)
            };
            if both {
                Err("both are 1".into())
            } else {
                Ok(())
            }
        });
        let scenario = s.build().unwrap();
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        let e = check::run(BackendKind::Loom, &scenario, &Backends::default()).unwrap();
        assert_eq!(e.completion, Completion::Exhaustive);
        assert_eq!(
            violated(&e),
            violated(&truth),
            "value dependent: {value_dependent}"
        );
        assert!(
            violated(&e).contains(&Property::Invariant("x and y are never both 1".into())),
            "{:?}",
            violated(&e)
        );
        check_replays(&scenario, &e, "loom");
    }
}

/// loom first runs loads and stores without scheduling points and repeats
/// the run if a race shows; when time runs out before the repeat, the
/// result is bounded and its notes say a race showed, never that there was
/// none.
#[test]
fn loom_out_of_time_after_a_race_does_not_claim_race_freedom() {
    let entry = catalog::find("bank/unsync").unwrap();
    let scenario = entry
        .build(&entry.params_from(&["incomes=500+10", "weeks=1"]).unwrap())
        .unwrap();
    let mut b = Backends::default();
    b.loom.time_limit = Some(Duration::from_nanos(1));
    let e = check::run(BackendKind::Loom, &scenario, &b).unwrap();
    assert_eq!(
        e.completion,
        Completion::Bounded(interleave::Bound::Time),
        "{:?}",
        e.notes
    );
    assert!(
        e.notes.iter().all(|n| !n.contains("(no data race:")),
        "{:?}",
        e.notes
    );
    assert!(
        e.notes.iter().any(|n| n.contains("a data race showed")),
        "{:?}",
        e.notes
    );
}

/// On loom a mutex whose critical sections only load and store is loom's
/// own mutex, held from `Lock` to `Unlock`, so a thread that finds it held
/// blocks inside loom; loom must still try both orders of two critical
/// sections that do not commute (double, then add one; or the other way
/// round), and the same with a mutex that is not mapped (one thread waits
/// for a wait group while holding it).
#[test]
fn loom_orders_critical_sections_both_ways_with_or_without_a_native_mutex() {
    for simple in [true, false] {
        let mut s = ScenarioBuilder::new("order");
        let x = s.var("x", 1);
        let m = s.mutex("m");
        let wg = s.wait_group("wg", 0);
        for (name, double) in [("double", true), ("add one", false)] {
            let mut p = ProgramBuilder::new(name);
            let r = p.local("r");
            p.lock(m).load(r, x);
            if double {
                p.set(r, r * 2);
            } else {
                p.set(r, r + 1);
            }
            p.store(x, r);
            if !simple {
                p.wait(wg);
            }
            p.unlock(m);
            s.thread(p.build());
        }
        s.observe_var(x);
        let scenario = s.build().unwrap();
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        let e = check::run(BackendKind::Loom, &scenario, &Backends::default()).unwrap();
        assert_eq!(e.completion, Completion::Exhaustive);
        assert_eq!(outcomes(&e), outcomes(&truth), "simple: {simple}");
        assert_eq!(outcomes(&e).len(), 2, "x ends as 3 or 4");
        let native = e.notes.iter().any(|n| n.contains("loom's own mutex"));
        assert_eq!(native, simple, "{:?}", e.notes);
    }
}

/// `waiter` spins on `flag` (`for flag == 0 {}`) until `setter` sets it, or
/// for ever when there is no setter.
fn spin(with_setter: bool) -> Scenario {
    let mut s = ScenarioBuilder::new("spin");
    let flag = s.var("flag", 0);
    let mut waiter = ProgramBuilder::new("waiter");
    let r = waiter.local("r");
    waiter.load(r, flag);
    waiter.while_(interleave::Expr::from(r).equals(0), |p| {
        p.load(r, flag);
    });
    s.thread(waiter.build());
    if with_setter {
        let mut setter = ProgramBuilder::new("setter");
        setter.store(flag, 1);
        s.thread(setter.build());
    }
    s.observe_var(flag);
    s.build().unwrap()
}

/// A thread that spins on a flag runs for ever in the executions where the
/// scheduler keeps choosing it (DFS tries it first; with no setter, in
/// every execution). Each backend stops such
/// an execution at its step bound, counts it for nothing and says so;
/// before, shuttle panicked at its own bound and loom, whose accesses were
/// not scheduling points in a run with no race seen yet, never returned.
#[test]
fn a_thread_spinning_for_ever_is_stopped_at_the_step_bound_on_every_backend() {
    let mut b = Backends::default();
    b.shuttle.max_steps = 300;
    b.shuttle.iterations = 200;
    b.loom.max_steps = 300;
    b.loom.time_limit = Some(Duration::from_secs(2));
    b.threads.max_steps = 300;
    b.threads.runs = 20;
    let runs = [
        (BackendKind::Shuttle, ShuttleScheduler::Pct { depth: 3 }),
        (BackendKind::Shuttle, ShuttleScheduler::Dfs),
        (BackendKind::Shuttle, ShuttleScheduler::Random),
        (BackendKind::Loom, ShuttleScheduler::Random),
        (BackendKind::Threads, ShuttleScheduler::Random),
    ];
    for with_setter in [true, false] {
        let scenario = spin(with_setter);
        let truth = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        assert!(truth.is_exhaustive());
        for (kind, scheduler) in runs {
            b.shuttle.scheduler = scheduler;
            let who = match kind {
                BackendKind::Shuttle => format!("shuttle {scheduler:?}"),
                other => other.name().to_string(),
            };
            let e = check::run(kind, &scenario, &b).unwrap();
            // A spin round that changes nothing yields, and loom does not
            // run the spinner again until the setter has moved: with a
            // setter every execution loom follows ends, and it proves what
            // the explorer proves.
            if kind == BackendKind::Loom && with_setter {
                assert!(e.is_exhaustive(), "{who}: {:?}", e.completion);
                assert_eq!(outcomes(&e), outcomes(&truth), "{who}");
                assert_eq!(e.status(&Property::Terminates), Some(&Status::Holds));
                continue;
            }
            assert!(!e.is_exhaustive(), "{who}: {:?}", e.completion);
            assert!(outcomes(&e).is_subset(&outcomes(&truth)), "{who}");
            let stopped = e
                .notes
                .iter()
                .any(|n| n.contains("did not finish within 300 steps"));
            // With a setter, random schedules and OS threads let it run soon.
            let must_stop =
                !with_setter || (kind, scheduler) == (BackendKind::Shuttle, ShuttleScheduler::Dfs);
            assert!(
                stopped || !must_stop,
                "{who}, setter {with_setter}: {:?}",
                e.notes
            );
            if !with_setter {
                assert!(e.outcomes.is_empty(), "{who}: no execution ends");
            }
        }
    }
}

/// A step bound of 0 would stop every execution before its first step: it
/// is refused, as `--max-depth 0` is, on each threaded backend.
#[test]
fn a_step_bound_of_zero_is_refused() {
    let mut b = Backends::default();
    b.shuttle.max_steps = 0;
    b.loom.max_steps = 0;
    b.threads.max_steps = 0;
    for kind in [
        BackendKind::Shuttle,
        BackendKind::Loom,
        BackendKind::Threads,
    ] {
        let err = check::run(kind, &tiny_race(), &b).unwrap_err();
        assert_eq!(err.kind(), interleave::ErrorKind::InvalidLimit, "{kind}");
        assert!(err.to_string().contains("--max-depth"), "{kind}: {err}");
    }
}

#[test]
fn a_threaded_engine_shows_the_explorers_simpler_trace_and_keeps_its_own_run() {
    let entry = catalog::find("bank/unsync").unwrap();
    let params = entry.params_from(&[] as &[&str]).unwrap();
    let mut b = Backends::default();
    b.shuttle.scheduler = ShuttleScheduler::Random;
    // Seed 1's first lost update takes 10 steps and 4 preemptions.
    b.shuttle.seed = 1;
    let report = entry.check_on(BackendKind::Shuttle, &params, &b).unwrap();
    let lost = interleave::Property::Invariant("no lost update".into());
    let c = report.exploration.assert_violated(&lost);
    assert_eq!(c.schedule.to_string(), "0.1.0.1", "the explorer's shortest");
    let own = c
        .backend_replay
        .as_deref()
        .expect("shuttle's own run is kept");
    assert!(own.contains(":shuttle-"), "{own}");
    assert!(
        report
            .exploration
            .notes
            .iter()
            .any(|n| n.contains("the trace shown is the explorer's (4 steps, 3 preemptions)")),
        "{:?}",
        report.exploration.notes
    );
}

#[test]
fn a_threaded_engine_shows_the_trace_with_the_fewest_preemptions_when_the_explorer_proves_it() {
    let entry = catalog::find("bank/unsync").unwrap();
    let params = entry.params_from(&["weeks=4"]).unwrap();
    let lost = interleave::Property::Invariant("no lost update".into());
    for kind in [
        BackendKind::Shuttle,
        BackendKind::Loom,
        BackendKind::Threads,
    ] {
        let report = entry.check_on(kind, &params, &Backends::default()).unwrap();
        let c = report.exploration.assert_violated(&lost);
        assert_eq!(c.preemptions(), 1, "{kind}: {}", c.schedule);
        assert!(c.fewest_preemptions, "{kind}: proved the fewest");
        // One thread loads, another runs all its weeks and its `Done`,
        // the first stores.
        assert_eq!(c.schedule.to_string(), "0.1*9.0", "{kind}");
    }
}
