//! Honest verdicts on programs a user might write by mistake: each item has
//! a good and a bad program, and the harness must answer both truthfully,
//! on every engine, without printing.

use interleave::backend::{LoomConfig, ShuttleConfig, ThreadsConfig};
use interleave::check::{self, BackendKind, Backends};
use interleave::{
    Completion, ExploreConfig, Expr, Op, OpResult, ProgramBuilder, Property, Reg, Scenario,
    ScenarioBuilder, Status, Stop, ThreadId, ThreadMachine, VarId, explore, replay,
};

/// A goroutine spins on `ready` under a mutex until it is 1; `main` sets
/// it when `set` (the catalog's `spin/*` lessons).
fn spin(set: bool) -> Scenario {
    let name = if set {
        "spin/set-later"
    } else {
        "spin/never-set"
    };
    let entry = interleave::catalog::find(name).unwrap();
    entry.build(&entry.default_params()).unwrap()
}

fn exhaust() -> ExploreConfig {
    ExploreConfig::default().stop(Stop::Exhaust)
}

#[test]
fn a_spin_on_a_flag_nobody_sets_cannot_finish_and_shows_a_lasso() {
    let scenario = spin(false);
    let e = explore(&scenario, &exhaust());
    assert!(e.is_exhaustive());
    assert!(e.outcomes.is_empty());
    // Not a deadlock: the waiter can always move.
    assert_eq!(e.status(&Property::NoDeadlock), Some(&Status::Holds));
    let lasso = e.assert_violated(&Property::Terminates);
    assert!(
        lasso.message.starts_with("cannot finish"),
        "{}",
        lasso.message
    );
    let from = lasso.cycle_from.expect("a lasso has a cycle");
    assert!(from < lasso.steps.len());
    // Lock, load, unlock, and the waiter is where it started.
    assert_eq!(lasso.steps.len() - from, 3);
    let run = replay(&scenario, &lasso.schedule).unwrap();
    assert_eq!(run.steps, lasso.steps);
    assert_eq!(run.returns_to, Some(from));
}

#[test]
fn a_spin_whose_flag_is_set_terminates() {
    let e = explore(&spin(true), &exhaust());
    e.assert_holds();
    assert_eq!(e.status(&Property::Terminates), Some(&Status::Holds));
    assert_eq!(e.outcomes.len(), 1);
}

#[test]
fn a_thread_that_loops_alone_for_ever_cannot_finish() {
    // `for { x++ }` with x wrapping: a single thread, no other.
    let mut s = ScenarioBuilder::new("alone");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("looper");
    let r = p.local("r");
    p.while_(1, |p| {
        p.load(r, x)
            .set(r, (Expr::from(r) + 1).less_than(3))
            .store(x, r);
    });
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    assert!(e.is_exhaustive());
    let lasso = e.assert_violated(&Property::Terminates);
    assert!(lasso.cycle_from.is_some());
}

#[test]
fn a_livelock_of_two_threads_cannot_finish() {
    // Two polite threads: each takes its flag, backs off while the other's
    // flag is up, and tries again, for ever in the interleaving where they
    // alternate; but one of them can also get through, so that alone is
    // not a finding. Here neither ever gets through: each waits for the
    // other's flag to be down while holding its own up.
    let mut s = ScenarioBuilder::new("livelock");
    let flags = [s.var("a", 0), s.var("b", 0)];
    let mu = s.mutex("mu");
    for me in 0..2 {
        let (mine, theirs) = (flags[me], flags[1 - me]);
        let mut p = ProgramBuilder::new(format!("t{me}"));
        let other = p.local("other");
        p.lock(mu).store(mine, 1).unlock(mu);
        p.set(other, 1);
        p.while_(Expr::from(other).equals(1), |p| {
            p.lock(mu).load(other, theirs).unlock(mu);
            p.set(other, 1);
        });
        s.thread(p.build());
    }
    let e = explore(&s.build().unwrap(), &exhaust());
    assert!(e.is_exhaustive());
    e.assert_violated(&Property::Terminates);
    assert_eq!(e.status(&Property::NoDeadlock), Some(&Status::Holds));
}

#[test]
fn a_search_cut_by_a_bound_never_says_terminates_holds() {
    let e = explore(&spin(true), &exhaust().max_states(1));
    assert!(!e.is_exhaustive());
    assert_eq!(e.status(&Property::Terminates), Some(&Status::Undecided));
}

/// Two goroutines race on `x` at once; then `a` spins for ever.
fn race_then_spin() -> Scenario {
    let mut s = ScenarioBuilder::new("race then spin");
    let x = s.var("x", 0);
    let flag = s.var("flag", 0);
    let mu = s.mutex("mu");
    let mut a = ProgramBuilder::new("a");
    let r = a.local("r");
    a.store(x, 1);
    a.while_(Expr::from(r).equals(0), |a| {
        a.lock(mu).load(r, flag).unlock(mu);
    });
    s.thread(a.build());
    let mut b = ProgramBuilder::new("b");
    b.store(x, 2);
    s.thread(b.build());
    s.build().unwrap()
}

#[test]
fn a_race_found_before_the_step_bound_is_kept_on_every_sampling_engine() {
    let scenario = race_then_spin();
    let mut b = Backends::default();
    b.shuttle = ShuttleConfig::pct(3).iterations(20).max_steps(500);
    b.threads = ThreadsConfig::default().runs(20).max_steps(500);
    b.loom = LoomConfig::default().max_steps(500);
    for kind in [
        BackendKind::Shuttle,
        BackendKind::Threads,
        BackendKind::Loom,
    ] {
        let e = check::run(kind, &scenario, &b).unwrap();
        // Every execution was stopped at its bound: none finished.
        assert!(e.outcomes.is_empty(), "{kind}");
        assert!(!e.is_exhaustive(), "{kind}");
        if kind != BackendKind::Threads {
            // Both stores are pending at the start: a race in every execution.
            e.assert_violated(&Property::NoDataRace);
        }
        assert_ne!(
            e.status(&Property::Terminates),
            Some(&Status::Holds),
            "{kind}"
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("did not finish within 500 steps")),
            "{kind}: {:?}",
            e.notes
        );
    }
}

#[test]
fn a_time_limit_ends_a_sampling_run_even_inside_one_long_execution() {
    let scenario = spin(false);
    let mut b = Backends::default();
    let limit = std::time::Duration::from_millis(300);
    // One execution could take a million steps: the clock ends it.
    b.shuttle = ShuttleConfig::random()
        .iterations(1_000_000)
        .time_limit(limit);
    b.threads = ThreadsConfig::default().runs(1_000_000).time_limit(limit);
    for kind in [BackendKind::Shuttle, BackendKind::Threads] {
        let started = std::time::Instant::now();
        let e = check::run(kind, &scenario, &b).unwrap();
        let took = started.elapsed();
        assert_eq!(e.completion, Completion::Sampled, "{kind}");
        // Generous for a loaded debug build; without the per-step clock one
        // execution alone ran for tens of seconds here.
        assert!(
            took < std::time::Duration::from_secs(10),
            "{kind}: {took:?}"
        );
        assert_eq!(e.status(&Property::Terminates), Some(&Status::Undecided));
    }
}

/// Runs this test binary's `child` test in a child process and returns its
/// stderr.
fn stderr_of_child(test: &str) -> String {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--include-ignored"])
        .env("INTERLEAVE_TRUST_CHILD", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A hand-written thread that stores 1 into `var` and exits; when `panics`,
/// its own code panics after the store.
struct OneStore {
    var: VarId,
    panics: bool,
}

impl ThreadMachine for OneStore {
    type State = u8;
    fn start(&self) -> u8 {
        0
    }
    fn next_op(&self, s: &u8) -> Op {
        match s {
            0 => Op::Store(self.var, 1),
            _ => Op::Exit,
        }
    }
    fn resume(&self, s: &mut u8, _: OpResult) {
        if self.panics {
            panic!("scenario bug: index out of range");
        }
        *s += 1;
    }
}

fn panicking() -> Scenario {
    let mut s = ScenarioBuilder::new("panicky");
    let x = s.var("x", 0);
    s.machine(
        "a",
        OneStore {
            var: x,
            panics: true,
        },
    );
    s.machine(
        "b",
        OneStore {
            var: x,
            panics: true,
        },
    );
    s.build().unwrap()
}

#[test]
#[ignore = "run by the library_never_writes_to_stderr test in a child process"]
fn child_runs_shuttle_then_the_explorer_on_panicking_code() {
    if std::env::var_os("INTERLEAVE_TRUST_CHILD").is_none() {
        return;
    }
    let scenario = panicking();
    let mut b = Backends::default();
    b.shuttle = ShuttleConfig::random().iterations(50);
    // The explorer first, so that the harness's own quiet hook is there
    // before shuttle's; then shuttle; then both again.
    for _ in 0..2 {
        let e = explore(&scenario, &exhaust());
        e.assert_violated(&Property::NoPanic);
        let e = check::run(BackendKind::Shuttle, &scenario, &b).unwrap();
        e.assert_violated(&Property::NoPanic);
    }
    // Random runs ended before their last execution: by the first
    // violation, and by the clock inside a long execution.
    b.shuttle = ShuttleConfig::random()
        .iterations(1_000)
        .stop(Stop::FirstViolation);
    let e = check::run(BackendKind::Shuttle, &scenario, &b).unwrap();
    assert!(
        e.notes
            .iter()
            .any(|n| n.starts_with("stopped after 1 of 1000")),
        "{:?}",
        e.notes
    );
    b.shuttle = ShuttleConfig::random()
        .iterations(1_000_000)
        .time_limit(std::time::Duration::from_millis(100));
    let e = check::run(BackendKind::Shuttle, &busy(2), &b).unwrap();
    assert_eq!(e.completion, Completion::Sampled);
    // loom ends a long execution at its deadline by unwinding.
    b.loom = LoomConfig::default().time_limit(std::time::Duration::from_millis(100));
    let e = check::run(BackendKind::Loom, &busy(2), &b).unwrap();
    assert_eq!(e.completion, Completion::Bounded(interleave::Bound::Time));
}

#[test]
fn the_library_never_writes_to_stderr() {
    let stderr = stderr_of_child("child_runs_shuttle_then_the_explorer_on_panicking_code");
    assert_eq!(stderr, "", "the library wrote to stderr");
}

#[test]
fn a_search_too_big_for_its_memory_ends_bounded_instead_of_aborting() {
    // Four goroutines count in variables of their own: 201^4 states, and
    // each state 64 words wide.
    let mut s = ScenarioBuilder::new("explodes");
    for t in 0..4 {
        let x = s.var(format!("x{t}"), 0);
        let wide = s.var(format!("ballast{t}"), 7);
        let mut p = ProgramBuilder::new(format!("counter {t}"));
        for k in 0..14 {
            p.ghost(&format!("g{k}"));
        }
        p.repeat("i", 200, |p, i| {
            p.store(x, i);
        });
        p.store(wide, 8);
        s.thread(p.build());
    }
    let limit = 16 << 20;
    let e = explore(&s.build().unwrap(), &exhaust().max_memory(limit));
    assert_eq!(e.completion, Completion::Bounded(interleave::Bound::Memory));
    assert!(e.properties.iter().all(|p| p.status == Status::Undecided));
    assert!(e.stats.memory_bytes <= limit, "{}", e.stats.memory_bytes);
    assert!(
        e.notes.iter().any(|n| n.contains("memory limit of 16 MiB")),
        "{:?}",
        e.notes
    );
}

#[test]
fn a_pair_names_the_verdict_on_the_users_own_invariant_even_when_a_race_shows_first() {
    fn counter(with_mutex: bool) -> Scenario {
        let mut s = ScenarioBuilder::new(if with_mutex {
            "counter/mutex"
        } else {
            "counter/unsync"
        });
        let counter = s.var("counter", 0);
        let mu = s.mutex("mu");
        for name in ["a", "b"] {
            let mut p = ProgramBuilder::new(name);
            let temp = p.local("temp");
            if with_mutex {
                p.lock(mu);
            }
            p.load(temp, counter)
                .set(temp, temp + 1)
                .store(counter, temp);
            if with_mutex {
                p.unlock(mu);
            }
            s.thread(p.build());
        }
        s.at_end("both increments count", move |v| match v.var(counter) {
            2 => Ok(()),
            n => Err(format!("counter is {n}")),
        });
        s.build().unwrap()
    }
    let report = check::Pair::new(counter(false), counter(true))
        .check()
        .unwrap();
    report.assert_separates();
    // The race shows at the start; the invariant is still decided.
    report.buggy.assert_violated(&Property::NoDataRace);
    report
        .buggy
        .assert_violated(&Property::Invariant("both increments count".into()));
}

/// Builds a scenario and returns its build error's message.
fn build_error(s: &ScenarioBuilder) -> String {
    match s.build() {
        Ok(_) => panic!(
            "`{}` built, but should be refused",
            s.build().unwrap().name()
        ),
        Err(e) => {
            assert_eq!(e.kind(), interleave::ErrorKind::InvalidScenario);
            e.to_string()
        }
    }
}

fn writer(name: &str, x: VarId) -> interleave::Program {
    let mut p = ProgramBuilder::new(name);
    p.store(x, 1);
    p.build()
}

#[test]
fn an_id_from_another_builder_is_refused_when_the_scenario_is_built() {
    let mut other = ScenarioBuilder::new("other");
    other.var("a", 0);
    let foreign = other.var("b", 0);
    let mut s = ScenarioBuilder::new("mine");
    s.var("x", 0);
    s.thread(writer("w", foreign));
    let message = build_error(&s);
    assert!(message.contains("another ScenarioBuilder"), "{message}");
    // Even where its index would fit: `a` is variable 0 there, `x` here.
    let mut other = ScenarioBuilder::new("other");
    let a = other.var("a", 0);
    let mut s = ScenarioBuilder::new("mine");
    s.var("x", 0);
    s.thread(writer("w", a));
    let message = build_error(&s);
    assert!(message.contains("another ScenarioBuilder"), "{message}");
    // Labelling another builder's variable.
    let mut s = ScenarioBuilder::new("mine");
    let x = s.var("x", 0);
    s.thread(writer("w", x));
    s.label(a, 1, "one");
    assert!(build_error(&s).contains("labels variable #0"));
    // A register of another program too.
    let mut other = ProgramBuilder::new("other");
    let foreign = other.local("r");
    let mut s = ScenarioBuilder::new("mine");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    p.load(foreign, x);
    s.thread(p.build());
    let message = build_error(&s);
    assert!(message.contains("another ProgramBuilder"), "{message}");
}

#[test]
fn an_id_from_a_builder_made_thousands_of_builders_earlier_is_refused() {
    let mut old = ScenarioBuilder::new("old");
    let a = old.var("a", 0);
    // Enough builders in between for a short tag to come round again.
    for _ in 0..70_000 {
        let _ = ScenarioBuilder::new("between");
    }
    let mut s = ScenarioBuilder::new("mine");
    s.var("x", 0);
    s.thread(writer("w", a));
    let message = build_error(&s);
    assert!(message.contains("another ScenarioBuilder"), "{message}");
}

#[test]
fn duplicate_names_are_refused() {
    let mut s = ScenarioBuilder::new("dup");
    let x = s.var("x", 0);
    s.thread(writer("w", x));
    s.at_end("x is set", move |v| {
        if v.var(x) == 1 {
            Ok(())
        } else {
            Err("no".into())
        }
    });
    s.at_end("x is set", |_| Err("always broken".into()));
    assert!(build_error(&s).contains("two invariants named `x is set`"));
    let mut s = ScenarioBuilder::new("dup");
    let x = s.var("x", 0);
    s.thread(writer("w", x));
    s.thread(writer("w", x));
    assert!(build_error(&s).contains("two threads named `w`"));
}

#[test]
fn an_invariant_or_outcome_that_reads_a_local_register_is_refused() {
    let mut s = ScenarioBuilder::new("local");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    let temp = p.local("temp");
    p.load(temp, x).set(temp, temp + 1).store(x, temp);
    let t = s.thread(p.build());
    s.always("temp stays small", move |v| {
        if v.reg(t, temp) < 10 {
            Ok(())
        } else {
            Err("big".into())
        }
    });
    let message = build_error(&s);
    assert!(message.contains("ProgramBuilder::ghost"), "{message}");
    let mut s = ScenarioBuilder::new("local");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    let temp = p.local("temp");
    p.load(temp, x);
    let t = s.thread(p.build());
    s.observe_reg(t, temp, "temp");
    assert!(build_error(&s).contains("ProgramBuilder::ghost"));
    // A ghost is fine.
    let mut s = ScenarioBuilder::new("ghost");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    let seen = p.ghost("seen");
    p.load(seen, x);
    let t = s.thread(p.build());
    s.observe_reg(t, seen, "seen");
    s.always("seen is 0", move |v| {
        if v.reg(t, seen) == 0 {
            Ok(())
        } else {
            Err("no".into())
        }
    });
    explore(&s.build().unwrap(), &exhaust()).assert_holds();
}

/// The message of the violation of `property` in `e`.
fn violation(e: &interleave::Exploration, property: &str) -> String {
    match e.status(&Property::Invariant(property.into())) {
        Some(Status::Violated(c)) => c.message.clone(),
        other => panic!("`{property}` is not violated: {other:?}"),
    }
}

/// Why an invariant that reads register `reg` of `thread` in `s` fails.
fn refusal_to_read(mut s: ScenarioBuilder, thread: ThreadId, reg: Reg) -> String {
    s.always("reads a register", move |v| {
        if v.reg(thread, reg) == 0 {
            Ok(())
        } else {
            Err("no".into())
        }
    });
    let e = explore(&s.build().unwrap(), &exhaust());
    violation(&e, "reads a register")
}

#[test]
fn an_invariant_that_reads_a_register_the_thread_has_not_fails_and_says_why() {
    // A hand-written machine has no registers.
    let mut s = ScenarioBuilder::new("machine");
    let x = s.var("x", 0);
    let m = s.machine(
        "m",
        OneStore {
            var: x,
            panics: false,
        },
    );
    let r = ProgramBuilder::new("other").ghost("r");
    let message = refusal_to_read(s, m, r);
    assert!(message.contains("`m` is not a Program"), "{message}");
    // A program without that many registers: another program's ghost.
    let mut s = ScenarioBuilder::new("short");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    p.store(x, 1);
    let t = s.thread(p.build());
    let mut other = ProgramBuilder::new("other");
    other.ghost("a");
    let b = other.ghost("b");
    let message = refusal_to_read(s, t, b);
    assert!(
        message.contains("a register of another program?"),
        "{message}"
    );
}

#[test]
fn limits_of_the_engines_are_build_errors_not_panics() {
    // 65 nested loops declare 65 counters: more registers than fit.
    fn nest(p: &mut ProgramBuilder, x: VarId, depth: usize) {
        if depth == 0 {
            p.store(x, 1);
        } else {
            p.repeat(&format!("i{depth}"), 1, |p, _| nest(p, x, depth - 1));
        }
    }
    let mut s = ScenarioBuilder::new("deep");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    nest(&mut p, x, 65);
    s.thread(p.build());
    assert!(build_error(&s).contains("registers"));
    // A channel too big for a stored state.
    let mut s = ScenarioBuilder::new("wide");
    let c = s.channel("c", 70_000);
    let mut p = ProgramBuilder::new("p");
    p.send(c, 1);
    s.thread(p.build());
    assert!(build_error(&s).contains("words of state"));
    // A select with more ways on than a schedule step can number.
    let mut s = ScenarioBuilder::new("select");
    let chans: Vec<_> = (0..200).map(|i| s.channel(format!("c{i}"), 1)).collect();
    let mut p = ProgramBuilder::new("p");
    p.select(|sel| {
        for &c in &chans {
            sel.send(c, 1, |_| {});
        }
    });
    s.thread(p.build());
    s.thread(ProgramBuilder::new("q").build());
    assert!(build_error(&s).contains("select"));
}

#[test]
fn loom_refuses_executions_longer_than_it_can_number() {
    let mut b = Backends::default();
    b.loom = LoomConfig::default().max_steps(interleave::backend::LOOM_MAX_STEPS + 1);
    let err = check::run(BackendKind::Loom, &spin(true), &b).unwrap_err();
    assert_eq!(err.kind(), interleave::ErrorKind::InvalidLimit);
    assert!(err.to_string().contains("16 bits"), "{err}");
}

#[test]
fn shuttle_and_loom_stop_once_the_counterexamples_asked_for_are_found() {
    let entry = interleave::catalog::find("bank/unsync").unwrap();
    let params = entry.params_from(&["incomes=500+10", "weeks=2"]).unwrap();
    for kind in [BackendKind::Shuttle, BackendKind::Loom] {
        let report = entry.check_on(kind, &params, &Backends::default()).unwrap();
        assert!(report.as_expected(), "{kind}: {:?}", report.mismatches);
        let e = &report.exploration;
        assert!(
            e.stats.executions < 100,
            "{kind}: {} executions",
            e.stats.executions
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("every counterexample asked for was found")),
            "{kind}: {:?}",
            e.notes
        );
        // A stopped search shows violations, and decides nothing else.
        assert_ne!(e.completion, Completion::Exhaustive, "{kind}");
        assert!(
            e.properties.iter().all(|p| p.status != Status::Holds),
            "{kind}"
        );
    }
}

#[test]
fn outcomes_account_for_executions_that_failed() {
    let entry = interleave::catalog::find("message/test").unwrap();
    let scenario = entry.build(&entry.default_params()).unwrap();
    let e = explore(&scenario, &exhaust());
    let failed: Vec<_> = e.outcomes.iter().filter(|o| o.failed.is_some()).collect();
    assert!(!failed.is_empty(), "{:?}", e.outcomes);
    assert!(
        failed
            .iter()
            .all(|o| o.failed == Some(Property::Assertions))
    );
    // The assertion fails when the first writer wrote last.
    assert!(
        failed
            .iter()
            .any(|o| o.outcome.to_string().contains("universe")),
        "{failed:?}"
    );
    for kind in [BackendKind::Shuttle, BackendKind::Threads] {
        let mut b = Backends::default();
        b.shuttle = ShuttleConfig::random().iterations(300);
        b.threads = ThreadsConfig::default().runs(300);
        let e = check::run(kind, &scenario, &b).unwrap();
        let counted: u64 = e.outcomes.iter().map(|o| o.count).sum();
        assert_eq!(counted, e.stats.executions, "{kind}: {:?}", e.outcomes);
    }
}

/// Every `.rs` file under `dir`.
fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_one_function_says_a_property_holds() {
    // `Status::decide` (results/property.rs) gives `Holds` only to an
    // exhaustive search; everywhere else the variant may only be matched.
    let mut files = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut constructions = Vec::new();
    for file in &files {
        if file.ends_with("results/property.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("Status::Holds") && !line.contains("=>") {
                constructions.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(constructions.is_empty(), "{constructions:#?}");
    let decide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/results/property.rs"),
    )
    .unwrap();
    let built: Vec<&str> = decide
        .lines()
        .filter(|l| l.contains("Status::Holds") && !l.trim_start().starts_with("Status::Holds =>"))
        .collect();
    assert_eq!(
        built,
        ["            None if completion == Completion::Exhaustive => Status::Holds,"],
        "one construction, in Status::decide"
    );
}

#[test]
fn a_counted_loop_whose_body_resets_its_counter_cannot_finish() {
    // The explorer skips looking for cycles only in programs whose loops
    // are bounded: a `repeat` that writes its own counter is not.
    let mut s = ScenarioBuilder::new("reset");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    p.repeat("i", 3, |p, i| {
        p.store(x, 1);
        p.set(i, 0);
    });
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    e.assert_violated(&Property::Terminates);
    // The same loop left alone ends.
    let mut s = ScenarioBuilder::new("counted");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    p.repeat("i", 3, |p, _| {
        p.store(x, 1);
    });
    s.thread(p.build());
    explore(&s.build().unwrap(), &exhaust()).assert_holds();
}

#[test]
fn a_machine_that_names_another_builders_resource_fails_clearly() {
    let mut other = ScenarioBuilder::new("other");
    let foreign = other.var("a", 0);
    let mut s = ScenarioBuilder::new("mine");
    s.var("x", 0);
    s.machine(
        "m",
        OneStore {
            var: foreign,
            panics: false,
        },
    );
    let e = explore(&s.build().unwrap(), &exhaust());
    let c = e.assert_violated(&Property::NoPanic);
    assert!(
        c.message.contains("another ScenarioBuilder"),
        "{}",
        c.message
    );
    assert!(e.outcomes.is_empty() || e.outcomes.iter().all(|o| o.failed.is_some()));
}

/// `threads` threads, each storing 100,000 times, every store after
/// 100,000 local statements.
fn busy(threads: usize) -> Scenario {
    let mut s = ScenarioBuilder::new("busy");
    let x = s.var("x", 0);
    for t in 0..threads {
        let mut p = ProgramBuilder::new(format!("busy{t}"));
        let k = p.local("k");
        p.repeat("i", 100_000, |p, i| {
            p.set(k, 0);
            p.while_(Expr::from(k).less_than(100_000), |p| {
                p.set(k, k + 1);
            });
            p.store(x, i);
        });
        s.thread(p.build());
    }
    s.build().unwrap()
}

#[test]
fn sampling_time_limits_hold_when_each_step_runs_a_long_local_loop() {
    let scenario = busy(2);
    let limit = std::time::Duration::from_millis(300);
    let mut b = Backends::default();
    b.shuttle = ShuttleConfig::random()
        .iterations(1_000_000)
        .time_limit(limit);
    b.threads = ThreadsConfig::default().runs(1_000_000).time_limit(limit);
    b.loom = LoomConfig::default().time_limit(limit);
    for kind in [
        BackendKind::Shuttle,
        BackendKind::Threads,
        BackendKind::Loom,
    ] {
        let started = std::time::Instant::now();
        let e = check::run(kind, &scenario, &b).unwrap();
        let took = started.elapsed();
        assert_ne!(e.completion, Completion::Exhaustive, "{kind}");
        // Generous for a loaded debug build: one execution alone is 200,000
        // steps of 100,000 local statements each, minutes of work.
        assert!(
            took < std::time::Duration::from_millis(2_500),
            "{kind}: {took:?}"
        );
    }
}

#[test]
fn the_explorers_time_limit_holds_when_each_step_runs_a_long_local_loop() {
    // One thread: the steps of a lone thread form chains of up to 10,000
    // steps.
    let s = busy(1);
    let limit = std::time::Duration::from_millis(300);
    let started = std::time::Instant::now();
    let e = explore(&s, &exhaust().time_limit(limit));
    let took = started.elapsed();
    assert_eq!(e.completion, Completion::Bounded(interleave::Bound::Time));
    // Generous for a loaded debug build; reading the clock only between
    // stored states, this took many seconds.
    assert!(took < std::time::Duration::from_millis(1_500), "{took:?}");
}

/// Two invariants broken in the same states (and two final-state ones
/// broken at the same end), declared in either order.
fn overlapping_invariants(first_is_a: bool) -> Scenario {
    let mut s = ScenarioBuilder::new("overlapping invariants");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("writer");
    p.store(x, 1).store(x, 2);
    s.thread(p.build());
    let never_one = move |v: &interleave::StateView<'_>| match v.var(x) {
        1 => Err("x is 1".to_string()),
        _ => Ok(()),
    };
    let not_two = move |v: &interleave::StateView<'_>| match v.var(x) {
        2 => Err("x ends at 2".to_string()),
        _ => Ok(()),
    };
    for name in if first_is_a { ["A", "B"] } else { ["B", "A"] } {
        s.always(format!("{name}: x is never 1"), never_one);
        s.at_end(format!("{name}: x does not end at 2"), not_two);
    }
    s.build().unwrap()
}

#[test]
fn one_broken_invariant_never_hides_another_broken_in_the_same_state() {
    for first_is_a in [true, false] {
        let scenario = overlapping_invariants(first_is_a);
        let names = [
            "A: x is never 1",
            "B: x is never 1",
            "A: x does not end at 2",
            "B: x does not end at 2",
        ];
        let mut b = Backends::default();
        b.explore = exhaust();
        b.shuttle = ShuttleConfig::default().iterations(20);
        b.threads = ThreadsConfig::default().runs(20);
        for reduction in [true, false] {
            b.explore = exhaust().reduction(reduction);
            for kind in BackendKind::ALL {
                let e = check::run(kind, &scenario, &b).unwrap();
                for name in names {
                    let c = e.assert_violated(&Property::Invariant(name.into()));
                    let run = replay(&scenario, &c.schedule).unwrap();
                    assert!(
                        run.findings.iter().any(|f| f.property == c.property),
                        "{kind}: the replay shows {name}"
                    );
                }
            }
        }
    }
}
