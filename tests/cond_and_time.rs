//! Condition variables and the virtual clock: each with programs that use
//! them well and programs that misuse them, on every engine.

use std::collections::BTreeSet;

use interleave::backend::{LoomConfig, ShuttleConfig, ThreadsConfig};
use interleave::check::{self, BackendKind, Backends};
use interleave::{
    Completion, Exploration, ExploreConfig, Expr, Op, OpResult, ProgramBuilder, Property, Scenario,
    ScenarioBuilder, Status, Stop, ThreadMachine, explore, replay,
};

fn exhaust() -> ExploreConfig {
    ExploreConfig::default().stop(Stop::Exhaust)
}

fn backends() -> Backends {
    let mut b = Backends::default();
    b.shuttle = ShuttleConfig::random().iterations(300).max_steps(2_000);
    b.loom = LoomConfig::default().time_limit(std::time::Duration::from_secs(60));
    b.threads = ThreadsConfig::default().runs(100).max_steps(2_000);
    b
}

fn catalog(name: &str, set: &[&str]) -> Scenario {
    let entry = interleave::catalog::find(name).unwrap();
    entry.build(&entry.params_from(set).unwrap()).unwrap()
}

fn outcomes(e: &Exploration) -> BTreeSet<String> {
    e.outcomes
        .iter()
        .filter(|o| o.failed.is_none())
        .map(|o| o.outcome.to_string())
        .collect()
}

fn violated(e: &Exploration) -> BTreeSet<Property> {
    e.violations().map(|c| c.property.clone()).collect()
}

/// Every engine finds only what the explorer finds; loom, where it ends,
/// finds exactly that.
fn engines_agree(scenario: &Scenario) {
    let truth = explore(scenario, &exhaust());
    assert!(truth.is_exhaustive(), "{}", scenario.name());
    for kind in [
        BackendKind::Loom,
        BackendKind::Shuttle,
        BackendKind::Threads,
    ] {
        let e = check::run(kind, scenario, &backends()).unwrap();
        let who = format!("{} on {kind}", scenario.name());
        assert!(
            violated(&e).is_subset(&violated(&truth)),
            "{who}: {:?}",
            violated(&e)
        );
        assert!(
            outcomes(&e).is_subset(&outcomes(&truth)),
            "{who}: {:?}",
            outcomes(&e)
        );
        if kind == BackendKind::Loom && e.completion == Completion::Exhaustive {
            assert_eq!(violated(&e), violated(&truth), "{who}");
            assert_eq!(outcomes(&e), outcomes(&truth), "{who}");
        }
    }
}

#[test]
fn a_queue_on_a_condition_variable_is_right_with_for_and_broadcast_only() {
    let good = explore(&catalog("cond/queue", &[]), &exhaust());
    good.assert_holds();
    let bounds = Property::Invariant("the queue holds between 0 and capacity items".into());
    explore(&catalog("cond/queue-if", &[]), &exhaust()).assert_violated(&bounds);
    let signal = explore(&catalog("cond/queue-signal", &[]), &exhaust());
    signal.assert_violated(&Property::NoDeadlock);
    // With one consumer, a Signal always wakes the right side.
    explore(
        &catalog("cond/queue-signal", &["consumers=1", "items=2"]),
        &exhaust(),
    )
    .assert_holds();
}

#[test]
fn every_engine_agrees_on_the_condition_variable_lessons() {
    for name in ["cond/queue", "cond/queue-if", "cond/queue-signal"] {
        engines_agree(&catalog(name, &["consumers=1", "items=2"]));
    }
    let mut b = backends();
    b.loom = b.loom.preemption_bound(3);
    for name in ["cond/queue-if", "cond/queue-signal"] {
        let scenario = catalog(name, &[]);
        let shuttle = check::run(BackendKind::Shuttle, &scenario, &backends()).unwrap();
        assert!(
            shuttle.is_violated(),
            "{name}: 300 random shuttle runs find it"
        );
    }
    let e = check::run(BackendKind::Loom, &catalog("cond/queue-if", &[]), &b).unwrap();
    assert!(e.is_violated(), "loom with 3 preemptions finds the `if`");
    // loom has no way to choose which waiter a Signal wakes: it takes the
    // first, so it must not claim to have seen everything.
    let e = check::run(BackendKind::Loom, &catalog("cond/queue-signal", &[]), &b).unwrap();
    assert!(e.is_violated() || !e.is_exhaustive(), "{:?}", e.completion);
}

/// Two threads wait on `c`; `main` wakes them with `Signal` (once or
/// twice) or `Broadcast`.
fn wakers(wake: &str) -> Scenario {
    let mut s = ScenarioBuilder::new("wakers");
    let mu = s.mutex("mu");
    let c = s.cond("c", mu);
    let woken = s.var("woken", 0);
    for name in ["a", "b"] {
        let mut p = ProgramBuilder::new(name);
        let n = p.local("n");
        p.lock(mu)
            .cond_wait(c)
            .load(n, woken)
            .set(n, n + 1)
            .store(woken, n)
            .unlock(mu);
        s.thread(p.build());
    }
    let mut main = ProgramBuilder::new("main");
    let n = main.local("n");
    // Wait until both sleep, so that no wake-up is lost before a Wait.
    main.lock(mu);
    let asleep = main.local("asleep");
    main.set(asleep, 0);
    main.unlock(mu);
    main.while_(Expr::from(asleep).equals(0), |p| {
        p.lock(mu).load(n, woken).unlock(mu).set(asleep, 1);
    });
    match wake {
        "signal" => main.lock(mu).signal(c).unlock(mu),
        "signal twice" => main.lock(mu).signal(c).signal(c).unlock(mu),
        _ => main.lock(mu).broadcast(c).unlock(mu),
    };
    s.thread(main.build());
    s.build().unwrap()
}

#[test]
fn signal_wakes_one_waiter_and_broadcast_wakes_all() {
    // A wake-up before a thread waits is lost (Go's Cond has no memory),
    // so even Broadcast can leave one asleep; what differs is whether
    // every thread can end.
    let one = explore(&wakers("signal"), &exhaust());
    one.assert_violated(&Property::NoDeadlock);
    let all = explore(&wakers("broadcast"), &exhaust());
    let ends = |e: &Exploration| outcomes(e).contains("woken=2");
    assert!(ends(&all), "{:?}", outcomes(&all));
    assert!(
        !ends(&one),
        "one Signal wakes one thread: {:?}",
        outcomes(&one)
    );
    let two = explore(&wakers("signal twice"), &exhaust());
    assert!(ends(&two), "{:?}", outcomes(&two));
}

#[test]
fn waiting_without_the_mutex_is_a_fatal_error() {
    let mut s = ScenarioBuilder::new("no lock");
    let mu = s.mutex("mu");
    let c = s.cond("c", mu);
    let mut p = ProgramBuilder::new("p");
    p.cond_wait(c);
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    let cx = e.assert_violated(&Property::NoPanic);
    assert!(
        cx.message.contains("unlock of unlocked mutex"),
        "{}",
        cx.message
    );
}

#[test]
fn a_condition_on_another_builders_mutex_is_refused() {
    let mut other = ScenarioBuilder::new("other");
    let foreign = other.mutex("m");
    let mut s = ScenarioBuilder::new("s");
    s.mutex("mine");
    let c = s.cond("c", foreign);
    let mut p = ProgramBuilder::new("p");
    p.signal(c);
    s.thread(p.build());
    let err = s.build().unwrap_err().to_string();
    assert!(
        err.contains("does not declare") && err.contains("mutex"),
        "{err}"
    );
}

/// Thread `a` sleeps `a` ticks and writes 1; thread `b` sleeps `b` ticks
/// and writes 2.
fn sleepers(a: i64, b: i64) -> Scenario {
    let mut s = ScenarioBuilder::new("sleepers");
    let x = s.var("x", 0);
    for (name, ticks, value) in [("a", a, 1), ("b", b, 2)] {
        let mut p = ProgramBuilder::new(name);
        p.sleep(ticks).store(x, value);
        s.thread(p.build());
    }
    s.build().unwrap()
}

#[test]
fn the_clock_orders_sleepers_and_equal_deadlines_go_both_ways() {
    // `a` wakes first, so `b` writes last.
    let ordered = explore(&sleepers(1, 2), &exhaust());
    assert_eq!(outcomes(&ordered), BTreeSet::from(["x=2".to_string()]));
    let ordered = explore(&sleepers(5, 3), &exhaust());
    assert_eq!(outcomes(&ordered), BTreeSet::from(["x=1".to_string()]));
    // Due at once: both orders, and the race between them.
    let tie = explore(&sleepers(2, 2), &exhaust());
    assert_eq!(outcomes(&tie).len(), 2, "{:?}", outcomes(&tie));
    tie.assert_violated(&Property::NoDataRace);
    // A long sleep costs nothing: the clock jumps.
    let far = explore(&sleepers(1_000_000_000, 2_000_000_000), &exhaust());
    assert!(far.stats.states < 10, "{}", far.stats.states);
}

#[test]
fn a_thread_that_can_run_keeps_the_clock_still() {
    // `b` spins until `a` has slept; `a` sleeps only once nobody else can
    // move, so the spin never ends.
    let mut s = ScenarioBuilder::new("spin");
    let flag = s.var("flag", 0);
    let mut a = ProgramBuilder::new("a");
    a.sleep(1).atomic_store(flag, 1);
    s.thread(a.build());
    let mut b = ProgramBuilder::new("b");
    let f = b.local("f");
    b.atomic_load(f, flag);
    b.while_(Expr::from(f).equals(0), |p| {
        p.atomic_load(f, flag);
    });
    s.thread(b.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    assert!(e.is_exhaustive());
    e.assert_violated(&Property::Terminates);
    assert_eq!(e.status(&Property::NoDeadlock), Some(&Status::Holds));
}

#[test]
fn states_reached_at_different_times_are_one_state() {
    // A ticker loop: each round sleeps and counts modulo 2; without
    // relative deadlines every round would be a new state.
    let mut s = ScenarioBuilder::new("ticker");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    let n = p.local("n");
    p.while_(Expr::from(1), |p| {
        p.sleep(3).load(n, x).set(n, Expr::from(1) - n).store(x, n);
    });
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    assert!(e.is_exhaustive());
    assert!(e.stats.states <= 8, "{} states", e.stats.states);
    e.assert_violated(&Property::Terminates);
}

#[test]
fn a_timeout_leaks_the_worker_unless_its_answer_is_buffered() {
    let leak = explore(
        &catalog("timeout/leak", &["work=2", "timeout=1"]),
        &exhaust(),
    );
    let cx = leak.assert_violated(&Property::NoDeadlock);
    assert!(cx.message.contains("worker"), "{}", cx.message);
    // The trace shows the time each step happened at.
    let times: Vec<Option<i64>> = cx.steps.iter().map(|s| s.time).collect();
    assert!(times.iter().all(Option::is_some), "{times:?}");
    assert_eq!(times.last(), Some(&Some(2)), "the worker answers at t = 2");
    let token = cx.schedule.clone();
    let again = replay(&catalog("timeout/leak", &["work=2", "timeout=1"]), &token).unwrap();
    assert_eq!(again.steps.len(), cx.steps.len());
    explore(
        &catalog("timeout/buffered", &["work=2", "timeout=1"]),
        &exhaust(),
    )
    .assert_holds();
    // A worker that is quicker than the timeout is always heard.
    explore(
        &catalog("timeout/leak", &["work=1", "timeout=2"]),
        &exhaust(),
    )
    .assert_holds();
}

#[test]
fn every_engine_agrees_on_the_timeout_and_barber_lessons() {
    for set in [
        ["work=1", "timeout=1"],
        ["work=2", "timeout=1"],
        ["work=1", "timeout=3"],
    ] {
        engines_agree(&catalog("timeout/leak", &set));
        engines_agree(&catalog("timeout/buffered", &set));
    }
    engines_agree(&catalog("barber/sleeping", &["customers=1"]));
    engines_agree(&catalog("barber/lost", &["customers=1", "haircut=3"]));
}

#[test]
fn the_barber_accounts_for_everyone_unless_his_handover_blocks() {
    explore(&catalog("barber/sleeping", &[]), &exhaust()).assert_holds();
    let lost = explore(&catalog("barber/lost", &[]), &exhaust());
    let cx = lost.assert_violated(&Property::NoDeadlock);
    assert!(cx.message.contains("barber at `cut["), "{}", cx.message);
}

#[test]
fn a_timer_channel_is_receive_only_and_after_needs_one() {
    let build = |send_on_timer: bool| {
        let mut s = ScenarioBuilder::new("timers");
        let t = s.timer("t");
        let ch = s.channel("ch", 1);
        let mut p = ProgramBuilder::new("p");
        if send_on_timer {
            p.send(t, 1);
        } else {
            p.after(ch, 1);
        }
        s.thread(p.build());
        s.build().map(drop).unwrap_err().to_string()
    };
    for err in [build(true), build(false)] {
        assert!(err.contains("timer") && err.contains("thread `p`"), "{err}");
    }
}

#[test]
fn a_hand_written_machine_cannot_sleep_and_says_so() {
    struct Sleeper;
    impl ThreadMachine for Sleeper {
        type State = u8;
        fn start(&self) -> u8 {
            0
        }
        fn next_op(&self, s: &u8) -> Op {
            if *s == 0 { Op::Sleep(1) } else { Op::Exit }
        }
        fn resume(&self, s: &mut u8, _: OpResult) {
            *s = 1;
        }
    }
    let mut s = ScenarioBuilder::new("machine");
    s.machine("sleeper", Sleeper);
    let e = explore(&s.build().unwrap(), &exhaust());
    let cx = e.assert_violated(&Property::NoPanic);
    assert!(
        cx.message.contains("ProgramBuilder::sleep"),
        "{}",
        cx.message
    );
}
