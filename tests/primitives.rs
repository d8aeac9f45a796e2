//! The primitives beyond mutexes, wait groups and channels, each with a
//! program that uses it well and one that misuses it, on every engine.

use interleave::backend::{LoomConfig, ShuttleConfig, ThreadsConfig};
use interleave::check::{self, BackendKind, Backends};
use interleave::{
    Completion, ExploreConfig, Expr, ProgramBuilder, Property, Scenario, ScenarioBuilder, Status,
    Stop, explore, replay,
};

fn exhaust() -> ExploreConfig {
    ExploreConfig::default().stop(Stop::Exhaust)
}

fn backends() -> Backends {
    let mut b = Backends::default();
    b.shuttle = ShuttleConfig::random().iterations(500).max_steps(2_000);
    b.loom = LoomConfig::default().time_limit(std::time::Duration::from_secs(60));
    b.threads = ThreadsConfig::default().runs(100).max_steps(2_000);
    b
}

/// A writer sets `data` and then a flag; a reader spins on the flag and
/// then reads `data`. With `atomic_flag` the flag is accessed atomically.
fn message_passing(atomic_flag: bool) -> Scenario {
    let mut s = ScenarioBuilder::new("message passing");
    let data = s.var("data", 0);
    let flag = s.var("flag", 0);
    let mut writer = ProgramBuilder::new("writer");
    writer.store(data, 42);
    if atomic_flag {
        writer.atomic_store(flag, 1);
    } else {
        writer.store(flag, 1);
    }
    s.thread(writer.build());
    let mut reader = ProgramBuilder::new("reader");
    let f = reader.local("f");
    let d = reader.local("d");
    let read_flag = |p: &mut ProgramBuilder| {
        if atomic_flag {
            p.atomic_load(f, flag);
        } else {
            p.load(f, flag);
        }
    };
    read_flag(&mut reader);
    reader.while_(Expr::from(f).equals(0), read_flag);
    reader.load(d, data);
    reader.assert(Expr::from(d).equals(42), "the reader sees the data");
    s.thread(reader.build());
    s.build().unwrap()
}

#[test]
fn an_atomic_flag_publishes_data_and_a_plain_one_races() {
    let good = explore(&message_passing(true), &exhaust());
    good.assert_holds();
    let bad = explore(&message_passing(false), &exhaust());
    bad.assert_violated(&Property::NoDataRace);
    // Under sequential consistency the data is still seen: the race is the
    // only finding.
    assert_eq!(bad.status(&Property::Assertions), Some(&Status::Holds));
}

#[test]
fn every_engine_agrees_on_atomic_message_passing() {
    for atomic_flag in [true, false] {
        let scenario = message_passing(atomic_flag);
        let truth = explore(&scenario, &exhaust());
        for kind in [
            BackendKind::Loom,
            BackendKind::Shuttle,
            BackendKind::Threads,
        ] {
            let e = check::run(kind, &scenario, &backends()).unwrap();
            let who = format!("{kind}, atomic flag {atomic_flag}");
            let violated = |e: &interleave::Exploration| {
                e.violations()
                    .map(|c| c.property.clone())
                    .collect::<Vec<_>>()
            };
            assert!(
                violated(&e).iter().all(|p| violated(&truth).contains(p)),
                "{who}: {:?}",
                violated(&e)
            );
            if kind == BackendKind::Loom {
                // Spin rounds that change nothing yield, so loom ends.
                assert_eq!(e.completion, Completion::Exhaustive, "{who}");
                assert_eq!(violated(&e), violated(&truth), "{who}");
            }
        }
    }
}

/// Two goroutines increment `x` `times` times each with `AddInt64`, or
/// with an atomic load and an atomic store.
fn counter(add: bool, times: i64) -> Scenario {
    let mut s = ScenarioBuilder::new("atomic counter");
    let x = s.var("x", 0);
    for name in ["a", "b"] {
        let mut p = ProgramBuilder::new(name);
        let r = p.local("r");
        p.repeat("i", times, |p, _| {
            if add {
                p.atomic_add(None, x, 1);
            } else {
                p.atomic_load(r, x);
                p.set(r, r + 1);
                p.atomic_store(x, r);
            }
        });
        s.thread(p.build());
    }
    let total = 2 * times;
    s.at_end("x counts every increment", move |v| {
        if v.var(x) == total {
            Ok(())
        } else {
            Err(format!("x is {}", v.var(x)))
        }
    });
    s.build().unwrap()
}

#[test]
fn add_counts_every_increment_and_load_then_store_loses_some_without_a_race() {
    let add = explore(&counter(true, 3), &exhaust());
    add.assert_holds();
    assert_eq!(add.final_outcomes().count(), 1);
    let load_store = explore(&counter(false, 3), &exhaust());
    load_store.assert_violated(&Property::Invariant("x counts every increment".into()));
    assert_eq!(
        load_store.status(&Property::NoDataRace),
        Some(&Status::Holds)
    );
}

#[test]
fn compare_and_swap_builds_a_lock_that_excludes() {
    // A spin lock: for !CompareAndSwap(&locked, 0, 1) {}; x++ ; Store(&locked, 0).
    let mut s = ScenarioBuilder::new("cas lock");
    let locked = s.var("locked", 0);
    let x = s.var("x", 0);
    for name in ["a", "b"] {
        let mut p = ProgramBuilder::new(name);
        let got = p.local("got");
        let r = p.local("r");
        p.compare_and_swap(got, locked, 0, 1);
        p.while_(Expr::from(got).equals(0), |p| {
            p.compare_and_swap(got, locked, 0, 1);
        });
        p.load(r, x);
        p.set(r, r + 1);
        p.store(x, r);
        p.atomic_store(locked, 0);
        s.thread(p.build());
    }
    s.at_end("x is 2", move |v| {
        if v.var(x) == 2 {
            Ok(())
        } else {
            Err(format!("x is {}", v.var(x)))
        }
    });
    let scenario = s.build().unwrap();
    explore(&scenario, &exhaust()).assert_holds();
    let loom = check::run(BackendKind::Loom, &scenario, &backends()).unwrap();
    assert_eq!(loom.completion, Completion::Exhaustive);
    loom.assert_holds();
}

#[test]
fn an_atomic_on_another_builders_variable_is_refused() {
    let mut other = ScenarioBuilder::new("other");
    let foreign = other.var("y", 0);
    let mut s = ScenarioBuilder::new("mine");
    s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    p.atomic_add(None, foreign, 1);
    s.thread(p.build());
    let err = s.build().unwrap_err();
    assert!(err.to_string().contains("another ScenarioBuilder"), "{err}");
}

/// Writes one goroutine's statements on the scenario's read-write mutex
/// and variable.
type RwProgram = dyn Fn(&mut ProgramBuilder, interleave::RwMutexId, interleave::VarId);

/// A variable `x`, a read-write mutex `rw`, and one goroutine per program.
fn rw_scenario(programs: &[&RwProgram]) -> Scenario {
    let mut s = ScenarioBuilder::new("rw");
    let x = s.var("x", 0);
    let rw = s.rw_mutex("rw");
    for (i, program) in programs.iter().enumerate() {
        let mut p = ProgramBuilder::new(format!("g{i}"));
        program(&mut p, rw, x);
        s.thread(p.build());
    }
    s.build().unwrap()
}

#[test]
fn readers_share_a_read_write_mutex_and_a_writer_excludes_them() {
    let reader = |p: &mut ProgramBuilder, rw, x| {
        let r = p.local("r");
        p.rlock(rw).load(r, x).runlock(rw);
    };
    let writer = |p: &mut ProgramBuilder, rw, x| {
        p.rw_lock(rw).store(x, 1).rw_unlock(rw);
    };
    let e = explore(&rw_scenario(&[&reader, &reader, &writer]), &exhaust());
    e.assert_holds();
    // Both readers inside at once is reachable: an invariant that forbids
    // it is broken.
    let mut s = ScenarioBuilder::new("overlap");
    let rw = s.rw_mutex("rw");
    let mut inside = Vec::new();
    for name in ["a", "b"] {
        let mut p = ProgramBuilder::new(name);
        let g = p.ghost("inside");
        p.rlock(rw);
        p.set(g, 1);
        p.runlock(rw);
        p.set(g, 0);
        inside.push((s.thread(p.build()), g));
    }
    s.always("one reader at a time", move |v| {
        match inside.iter().map(|&(t, g)| v.reg(t, g)).sum::<i64>() {
            0 | 1 => Ok(()),
            n => Err(format!("{n} readers inside")),
        }
    });
    let overlap = explore(&s.build().unwrap(), &exhaust());
    overlap.assert_violated(&Property::Invariant("one reader at a time".into()));
}

#[test]
fn a_waiting_writer_keeps_new_readers_out() {
    // g0 reads twice; g1 writes. Once g1 waits in Lock after g0's first
    // RLock, g0's second RLock waits for g1: a deadlock, as in Go.
    let twice = |p: &mut ProgramBuilder, rw, _| {
        p.rlock(rw).rlock(rw).runlock(rw).runlock(rw);
    };
    let writer = |p: &mut ProgramBuilder, rw, _| {
        p.rw_lock(rw).rw_unlock(rw);
    };
    let scenario = rw_scenario(&[&twice, &writer]);
    let e = explore(&scenario, &exhaust());
    let c = e.assert_violated(&Property::NoDeadlock);
    assert_eq!(c.schedule.to_string(), "0.1");
    assert!(c.message.contains("keeping readers out"), "{}", c.message);
    assert!(replay(&scenario, &c.schedule).is_ok());
    // The same on loom, exhaustively.
    let loom = check::run(BackendKind::Loom, &scenario, &backends()).unwrap();
    loom.assert_violated(&Property::NoDeadlock);
}

#[test]
fn unlocking_a_read_write_mutex_that_is_not_held_is_a_fatal_error() {
    let runlock = |p: &mut ProgramBuilder, rw, _| {
        p.runlock(rw);
    };
    let e = explore(&rw_scenario(&[&runlock]), &exhaust());
    let c = e.assert_violated(&Property::NoPanic);
    assert!(
        c.message.contains("RUnlock of unlocked RWMutex"),
        "{}",
        c.message
    );
    let unlock = |p: &mut ProgramBuilder, rw, _| {
        p.rlock(rw).rw_unlock(rw);
    };
    let e = explore(&rw_scenario(&[&unlock]), &exhaust());
    let c = e.assert_violated(&Property::NoPanic);
    assert!(
        c.message.contains("Unlock of unlocked RWMutex"),
        "{}",
        c.message
    );
}

#[test]
fn a_writer_that_takes_only_the_read_lock_races_on_every_engine() {
    let reader = |p: &mut ProgramBuilder, rw, x| {
        let r = p.local("r");
        p.rlock(rw).load(r, x).runlock(rw);
    };
    let sloppy = |p: &mut ProgramBuilder, rw, x| {
        p.rlock(rw).store(x, 1).runlock(rw);
    };
    let scenario = rw_scenario(&[&reader, &sloppy]);
    explore(&scenario, &exhaust()).assert_violated(&Property::NoDataRace);
    for kind in [BackendKind::Loom, BackendKind::Shuttle] {
        let e = check::run(kind, &scenario, &backends()).unwrap();
        e.assert_violated(&Property::NoDataRace);
    }
}

#[test]
fn once_runs_its_function_once_and_the_others_wait_for_it() {
    let mut s = ScenarioBuilder::new("once");
    let x = s.var("x", 0);
    let once = s.once("once");
    for name in ["a", "b", "c"] {
        let mut p = ProgramBuilder::new(name);
        let r = p.local("r");
        p.once_do(once, |p| {
            p.load(r, x);
            p.set(r, r + 1);
            p.store(x, r);
        });
        // Plain read after Do: ordered after the function's write.
        p.load(r, x);
        p.assert(
            Expr::from(r).equals(1),
            "x was set once, before Do returned",
        );
        s.thread(p.build());
    }
    let scenario = s.build().unwrap();
    let e = explore(&scenario, &exhaust());
    e.assert_holds();
    assert_eq!(e.final_outcomes().count(), 1);
    let loom = check::run(BackendKind::Loom, &scenario, &backends()).unwrap();
    assert_eq!(loom.completion, Completion::Exhaustive);
    loom.assert_holds();
}

#[test]
fn a_do_inside_its_own_function_deadlocks() {
    let mut s = ScenarioBuilder::new("recursive once");
    let once = s.once("once");
    let mut p = ProgramBuilder::new("g");
    p.once_do(once, |p| {
        p.once_do(once, |_| {});
    });
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    let c = e.assert_violated(&Property::NoDeadlock);
    assert!(c.message.contains("recursive Do"), "{}", c.message);
}
