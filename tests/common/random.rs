//! Random small scenarios, shared by the property tests that compare
//! engines and reductions: a few threads of a few statements each, over two
//! variables, two mutexes, a wait group, an `RWMutex`, a `Once`, two
//! channels and (when a statement needs it) a condition variable, with two
//! `Always` invariants, one final-state invariant and determinism.
//!
//! Each test file that includes it uses part of it.
#![allow(dead_code)]

use interleave::{ChanId, MutexId, ProgramBuilder, ScenarioBuilder, Status, VarId, WaitGroupId};
use proptest::prelude::*;

#[derive(Clone, Debug)]
pub enum Stmt {
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

pub fn stmt() -> impl Strategy<Value = Stmt> {
    stmt_with(true)
}

/// Statements, `select` among them or not.
pub fn stmt_with(select: bool) -> BoxedStrategy<Stmt> {
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
pub struct Spec {
    pub threads: Vec<Vec<Stmt>>,
    pub capacity: usize,
    pub wg_count: i64,
}

pub fn spec() -> impl Strategy<Value = Spec> {
    spec_with(stmt())
}

/// Scenarios with spins too: state graphs with cycles, some of which
/// cannot finish. Only for the explorer (a threaded backend would run
/// each endless spin to its step bound).
pub fn spinning_spec() -> impl Strategy<Value = Spec> {
    spec_with(spinning_stmt(true))
}

/// Statements with spins among them, `select` among them or not.
pub fn spinning_stmt(select: bool) -> impl Strategy<Value = Stmt> {
    prop_oneof![
        6 => stmt_with(select),
        1 => (prop::option::of(0..2usize), 0..2usize, 0..3i64)
            .prop_map(|(m, v, k)| Stmt::Spin(m, v, k)),
        1 => (0..2usize, 0..3i64).prop_map(|(v, k)| Stmt::AtomicSpin(v, k)),
    ]
}

pub fn spec_with(stmt: impl Strategy<Value = Stmt>) -> impl Strategy<Value = Spec> {
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

pub fn build(spec: &Spec) -> interleave::Scenario {
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

/// `spec`'s first two threads, each ending with `Done`, and a `main` that
/// waits for them and then runs `main`.
pub fn with_waiting_main(mut spec: Spec, main: Vec<Stmt>) -> Spec {
    spec.threads.truncate(2);
    for t in &mut spec.threads {
        t.push(Stmt::Done);
    }
    spec.wg_count = spec.threads.len() as i64;
    spec.threads
        .push(std::iter::once(Stmt::Wait).chain(main).collect());
    spec
}

/// A status in a word, to compare two searches' verdicts.
pub fn kind(s: &Status) -> &'static str {
    match s {
        Status::Holds => "holds",
        Status::Violated(_) => "violated",
        Status::Undecided => "undecided",
        _ => "another status",
    }
}
