//! The reduction (chains and early `wg.Done()`) must not change any verdict or outcome: on many
//! randomly generated small scenarios, the reduced and the unreduced search
//! decide every property the same way and reach the same final outcomes,
//! with the same number of distinct final states each.

use interleave::{
    ChanId, ExploreConfig, MutexId, ProgramBuilder, ScenarioBuilder, Status, Stop, VarId,
    WaitGroupId, explore, replay,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Stmt {
    Load(usize),
    Store(usize, i64),
    AddStore(usize, i64),
    Lock(usize),
    Unlock(usize),
    Done,
    Wait,
    Send(usize, i64),
    Recv(usize),
    Close(usize),
    Assert(usize),
    /// lock; x := v; x += k; v = x; unlock — the pattern most scenarios use.
    Critical(usize, usize, i64),
    /// select { case r = <-c0: x0 = r; case c1 <- k: ; [default: x1 = 9] }
    Select(i64, bool),
    /// for r != k { r = v }: a spin that ends only if someone stores k
    /// (under mutex m when it is given, else a racy plain read).
    Spin(Option<usize>, usize, i64),
    /// for i := 0; i < n; i++ { x = i }: a counted loop.
    Count(usize, i64),
    /// r = atomic.AddInt64(&x, k)
    AtomicAdd(usize, i64),
    /// r = atomic.LoadInt64(&x)
    AtomicLoad(usize),
    /// atomic.StoreInt64(&x, k)
    AtomicStore(usize, i64),
    /// r = atomic.CompareAndSwapInt64(&x, old, new)
    Cas(usize, i64, i64),
    /// for atomic.LoadInt64(&x) != k {}: a spin that races nobody.
    AtomicSpin(usize, i64),
    /// rw.RLock(); r = x; rw.RUnlock()
    ReadLocked(usize),
    /// rw.Lock(); x = k; rw.Unlock()
    WriteLocked(usize, i64),
    /// rw.RLock() or rw.RUnlock() alone (unbalanced, it may fail or block).
    RLock,
    RUnlock,
    /// once.Do(func() { x = x + k })
    Once(usize, i64),
    /// m0.Lock(); r = x; for r != k { cv.Wait(); r = x }; m0.Unlock()
    Waited(usize, i64),
    /// cv.Signal() or cv.Broadcast(), under m0 or not.
    Signal(bool),
    Broadcast(bool),
    /// time.Sleep(k)
    Sleep(i64),
    /// t = time.After(k); select { case r = <-c0: x0 = r; case <-t: x1 = 7 }
    TimedRecv(i64),
}

impl Stmt {
    /// Whether it needs the condition variable.
    fn conds(&self) -> bool {
        matches!(
            self,
            Stmt::Waited(..) | Stmt::Signal(_) | Stmt::Broadcast(_)
        )
    }
}

fn stmt() -> impl Strategy<Value = Stmt> {
    stmt_with(true)
}

/// Statements, `select` among them or not.
fn stmt_with(select: bool) -> BoxedStrategy<Stmt> {
    prop_oneof![
        3 => (0..2usize).prop_map(Stmt::Load),
        3 => (0..2usize, 0..3i64).prop_map(|(v, k)| Stmt::Store(v, k)),
        3 => (0..2usize, 1..3i64).prop_map(|(v, k)| Stmt::AddStore(v, k)),
        2 => (0..2usize).prop_map(Stmt::Lock),
        2 => (0..2usize).prop_map(Stmt::Unlock),
        1 => Just(Stmt::Done),
        1 => Just(Stmt::Wait),
        1 => (0..2usize, 0..3i64).prop_map(|(c, k)| Stmt::Send(c, k)),
        1 => (0..2usize).prop_map(Stmt::Recv),
        1 => (0..2usize).prop_map(Stmt::Close),
        1 => (0..2usize).prop_map(Stmt::Assert),
        4 => (0..2usize, 0..2usize, 1..3i64).prop_map(|(m, v, k)| Stmt::Critical(m, v, k)),
        1 => (0..2usize, 1..3i64).prop_map(|(v, n)| Stmt::Count(v, n)),
        1 => (0..2usize, 1..3i64).prop_map(|(v, k)| Stmt::AtomicAdd(v, k)),
        1 => (0..2usize).prop_map(Stmt::AtomicLoad),
        1 => (0..2usize, 0..3i64).prop_map(|(v, k)| Stmt::AtomicStore(v, k)),
        1 => (0..2usize, 0..2i64, 0..3i64).prop_map(|(v, o, n)| Stmt::Cas(v, o, n)),
        1 => (0..2usize).prop_map(Stmt::ReadLocked),
        1 => (0..2usize, 0..3i64).prop_map(|(v, k)| Stmt::WriteLocked(v, k)),
        1 => Just(Stmt::RLock),
        1 => Just(Stmt::RUnlock),
        1 => (0..2usize, 1..3i64).prop_map(|(v, k)| Stmt::Once(v, k)),
        1 => (0..3i64, any::<bool>()).prop_map(move |(k, d)| if select {
            Stmt::Select(k, d)
        } else {
            Stmt::Store(1, k)
        }),
        // Like a select, a condition variable or a clock puts a threaded
        // backend on one resource: not for the loom properties.
        1 => (0..2usize, 0..3i64).prop_map(move |(v, k)| if select {
            Stmt::Waited(v, k)
        } else {
            Stmt::Load(v)
        }),
        1 => (any::<bool>(), any::<bool>()).prop_map(move |(all, locked)| match (select, all) {
            (true, true) => Stmt::Broadcast(locked),
            (true, false) => Stmt::Signal(locked),
            (false, _) => Stmt::Done,
        }),
        1 => (0..3i64, any::<bool>()).prop_map(move |(k, timed)| match (select, timed) {
            (true, true) => Stmt::TimedRecv(k),
            (true, false) => Stmt::Sleep(k),
            (false, _) => Stmt::Wait,
        }),
    ]
    .boxed()
}

#[derive(Clone, Debug)]
struct Spec {
    threads: Vec<Vec<Stmt>>,
    capacity: usize,
    wg_count: i64,
}

fn spec() -> impl Strategy<Value = Spec> {
    spec_with(stmt())
}

/// Scenarios with spins too: state graphs with cycles, some of which
/// cannot finish. Only for the explorer (a threaded backend would run
/// each endless spin to its step bound).
fn spinning_spec() -> impl Strategy<Value = Spec> {
    spec_with(spinning_stmt(true))
}

/// Statements with spins among them, `select` among them or not.
fn spinning_stmt(select: bool) -> impl Strategy<Value = Stmt> {
    prop_oneof![
        6 => stmt_with(select),
        1 => (prop::option::of(0..2usize), 0..2usize, 0..3i64)
            .prop_map(|(m, v, k)| Stmt::Spin(m, v, k)),
        1 => (0..2usize, 0..3i64).prop_map(|(v, k)| Stmt::AtomicSpin(v, k)),
    ]
}

fn spec_with(stmt: impl Strategy<Value = Stmt>) -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(prop::collection::vec(stmt, 1..5), 2..4),
        0..2usize,
        0..3i64,
    )
        .prop_map(|(threads, capacity, wg_count)| Spec {
            threads,
            capacity,
            wg_count,
        })
}

fn build(spec: &Spec) -> interleave::Scenario {
    let mut s = ScenarioBuilder::new("random");
    let vars: Vec<VarId> = (0..2).map(|i| s.var(format!("x{i}"), 0)).collect();
    let mutexes: Vec<MutexId> = (0..2).map(|i| s.mutex(format!("m{i}"))).collect();
    let wg: WaitGroupId = s.wait_group("wg", spec.wg_count);
    let rw = s.rw_mutex("rw");
    let once = s.once("once");
    let chans: Vec<ChanId> = (0..2)
        .map(|i| {
            s.channel(
                format!("c{i}"),
                if i == 0 {
                    spec.capacity
                } else {
                    1 - spec.capacity
                },
            )
        })
        .collect();
    let cv = spec
        .threads
        .iter()
        .flatten()
        .any(Stmt::conds)
        .then(|| s.cond("cv", mutexes[0]));
    for (t, stmts) in spec.threads.iter().enumerate() {
        let mut p = ProgramBuilder::new(format!("t{t}"));
        let r = p.local("r");
        let timer = stmts
            .iter()
            .any(|st| matches!(st, Stmt::TimedRecv(_)))
            .then(|| s.timer(format!("timer{t}")));
        for st in stmts {
            match *st {
                Stmt::Waited(v, k) => {
                    let (cv, m, x) = (cv.expect("declared"), mutexes[0], vars[v]);
                    p.lock(m).load(r, x);
                    p.while_(interleave::Expr::from(r).not_equals(k), move |p| {
                        p.cond_wait(cv).load(r, x);
                    });
                    p.unlock(m);
                }
                Stmt::Signal(locked) | Stmt::Broadcast(locked) => {
                    let (cv, m) = (cv.expect("declared"), mutexes[0]);
                    if locked {
                        p.lock(m);
                    }
                    if let Stmt::Signal(_) = st {
                        p.signal(cv);
                    } else {
                        p.broadcast(cv);
                    }
                    if locked {
                        p.unlock(m);
                    }
                }
                Stmt::Sleep(k) => {
                    p.sleep(k);
                }
                Stmt::TimedRecv(k) => {
                    let (timer, x0, x1) = (timer.expect("declared"), vars[0], vars[1]);
                    p.after(timer, k).select(|s| {
                        s.recv(chans[0], r, move |p| {
                            p.store(x0, r);
                        })
                        .recv_discard(timer, move |p| {
                            p.store(x1, 7);
                        });
                    });
                }
                Stmt::Load(v) => {
                    p.load(r, vars[v]);
                }
                Stmt::Store(v, k) => {
                    p.store(vars[v], k);
                }
                Stmt::AddStore(v, k) => {
                    p.load(r, vars[v]);
                    p.set(r, r + k);
                    p.store(vars[v], r);
                }
                Stmt::Lock(m) => {
                    p.lock(mutexes[m]);
                }
                Stmt::Unlock(m) => {
                    p.unlock(mutexes[m]);
                }
                Stmt::Done => {
                    p.done(wg);
                }
                Stmt::Wait => {
                    p.wait(wg);
                }
                Stmt::Send(c, k) => {
                    p.send(chans[c], k);
                }
                Stmt::Recv(c) => {
                    p.recv(chans[c], r);
                }
                Stmt::Close(c) => {
                    p.close(chans[c]);
                }
                Stmt::Select(k, with_default) => {
                    let (x0, x1) = (vars[0], vars[1]);
                    p.select(|s| {
                        s.recv(chans[0], r, move |p| {
                            p.store(x0, r);
                        })
                        .send(chans[1], k, |_| {});
                        if with_default {
                            s.default(move |p| {
                                p.store(x1, 9);
                            });
                        }
                    });
                }
                Stmt::Critical(m, v, k) => {
                    p.lock(mutexes[m]);
                    p.load(r, vars[v]);
                    p.set(r, r + k);
                    p.store(vars[v], r);
                    p.unlock(mutexes[m]);
                }
                Stmt::Spin(m, v, k) => {
                    let read = |p: &mut ProgramBuilder| {
                        if let Some(m) = m {
                            p.lock(mutexes[m]).load(r, vars[v]).unlock(mutexes[m]);
                        } else {
                            p.load(r, vars[v]);
                        }
                    };
                    read(&mut p);
                    p.while_(interleave::Expr::from(r).not_equals(k), read);
                }
                Stmt::Count(v, n) => {
                    let x = vars[v];
                    p.repeat("i", n, move |p, i| {
                        p.store(x, i);
                    });
                }
                Stmt::AtomicSpin(v, k) => {
                    let x = vars[v];
                    p.atomic_load(r, x);
                    p.while_(interleave::Expr::from(r).not_equals(k), move |p| {
                        p.atomic_load(r, x);
                    });
                }
                Stmt::AtomicAdd(v, k) => {
                    p.atomic_add(r, vars[v], k);
                }
                Stmt::ReadLocked(v) => {
                    p.rlock(rw).load(r, vars[v]).runlock(rw);
                }
                Stmt::WriteLocked(v, k) => {
                    p.rw_lock(rw).store(vars[v], k).rw_unlock(rw);
                }
                Stmt::RLock => {
                    p.rlock(rw);
                }
                Stmt::Once(v, k) => {
                    let x = vars[v];
                    p.once_do(once, move |p| {
                        p.load(r, x);
                        p.set(r, r + k);
                        p.store(x, r);
                    });
                }
                Stmt::RUnlock => {
                    p.runlock(rw);
                }
                Stmt::AtomicLoad(v) => {
                    p.atomic_load(r, vars[v]);
                }
                Stmt::AtomicStore(v, k) => {
                    p.atomic_store(vars[v], k);
                }
                Stmt::Cas(v, old, new) => {
                    p.compare_and_swap(r, vars[v], old, new);
                }
                Stmt::Assert(k) => {
                    p.assert(
                        interleave::Expr::from(r).not_equals(k as i64 + 1),
                        "r is not k+1",
                    );
                }
            }
        }
        s.thread(p.build());
    }
    let (x0, x1) = (vars[0], vars[1]);
    s.always("x0 stays below 4", move |v| {
        if v.var(x0) < 4 {
            Ok(())
        } else {
            Err(format!("x0 is {}", v.var(x0)))
        }
    });
    // Reads x1 only where x0 is 2: what an invariant reads depends on the
    // state, which loom must learn as it runs (see `backend::world`).
    s.always("x1 is not 1 while x0 is 2", move |v| {
        if v.var(x0) == 2 && v.var(x1) == 1 {
            Err("x0 is 2 and x1 is 1".into())
        } else {
            Ok(())
        }
    });
    s.at_end("x1 does not end at 2", move |v| {
        if v.var(x1) != 2 {
            Ok(())
        } else {
            Err("x1 is 2".into())
        }
    });
    s.deterministic();
    s.build().expect("generated scenarios are well formed")
}

fn kind(s: &Status) -> &'static str {
    match s {
        Status::Holds => "holds",
        Status::Violated(_) => "violated",
        Status::Undecided => "undecided",
        _ => "another status",
    }
}

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

/// `spec`'s first two threads, each ending with `Done`, and a `main` that
/// waits for them and then runs `main`.
fn with_waiting_main(mut spec: Spec, main: Vec<Stmt>) -> Spec {
    spec.threads.truncate(2);
    for t in &mut spec.threads {
        t.push(Stmt::Done);
    }
    spec.wg_count = spec.threads.len() as i64;
    spec.threads
        .push(std::iter::once(Stmt::Wait).chain(main).collect());
    spec
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
