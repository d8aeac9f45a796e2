//! Happens-before clocks over one execution: the data-race check that lets
//! loom run shared-variable accesses without a scheduling point.
//!
//! In a program without data races, every two conflicting accesses to a
//! variable are ordered by synchronisation, so exploring every order of the
//! synchronising operations explores every order of the accesses; and a
//! program that has a race shows one, to a happens-before check, in some
//! execution that switches threads only at synchronising operations. So
//! loom first runs with accesses that are not scheduling points while these
//! clocks look for a race; a run that finds one (or anything the clocks do
//! not model) is discarded and repeated with every access a scheduling
//! point.
//!
//! The clocks know mutexes (an unlock happens before the next lock;
//! read-write mutexes as Go's memory model orders them), wait
//! groups without `Add` (every `Done` happens before a `Wait` that
//! returns), a condition variable's `Wait` as an unlock and a lock of its
//! mutex, and atomics (an atomic write happens before every later atomic
//! access of its variable; atomic accesses never race with each other, and
//! a plain access races an unordered atomic one as it would a plain one). Channels and `wg.Add` add no order here: they can only make a
//! race-free run look racy, which costs a repeated run, never a wrong
//! verdict.

use crate::model::{Op, Scenario};

/// A vector clock: one counter per thread.
type Clock = Vec<u32>;

fn join(into: &mut Clock, other: &Clock) {
    for (a, &b) in into.iter_mut().zip(other) {
        *a = (*a).max(b);
    }
}

/// The last accesses to one variable.
#[derive(Clone)]
struct Accesses {
    /// The last write: its thread and that thread's clock then.
    write: Option<(usize, u32)>,
    /// Per thread, its clock at its last read since that write (0: none).
    reads: Clock,
}

pub(crate) struct Clocks {
    threads: Vec<Clock>,
    mutexes: Vec<Clock>,
    wait_groups: Vec<Clock>,
    vars: Vec<Accesses>,
    /// Per variable, its atomic accesses (checked against plain ones only).
    atomic_accesses: Vec<Accesses>,
    /// Per variable, the clock its atomic writes release.
    atomic_clocks: Vec<Clock>,
    /// Per read-write mutex, what its `Unlock` calls release (to every
    /// later `RLock` and `Lock`) and what its `RUnlock` calls release (to
    /// the next `Lock` only: readers are not ordered with each other).
    rw_written: Vec<Clock>,
    rw_read: Vec<Clock>,
    /// Per `sync.Once`, what the return of its function releases to every
    /// later `Do`.
    onces: Vec<Clock>,
    /// Per condition variable, the index of its mutex.
    cond_mutex: Vec<usize>,
    /// Set once a race (or an operation the clocks do not model) is seen.
    racy: bool,
}

impl Clocks {
    pub fn new(sc: &Scenario) -> Self {
        let n = sc.thread_count();
        let names = sc.names();
        // Each thread starts at 1, so a read clock of 0 means "no read".
        let threads = (0..n)
            .map(|t| {
                let mut c = vec![0; n];
                c[t] = 1;
                c
            })
            .collect();
        Clocks {
            threads,
            mutexes: vec![vec![0; n]; names.mutexes.len()],
            wait_groups: vec![vec![0; n]; names.wait_groups.len()],
            vars: vec![
                Accesses {
                    write: None,
                    reads: vec![0; n],
                };
                names.vars.len()
            ],
            atomic_accesses: vec![
                Accesses {
                    write: None,
                    reads: vec![0; n],
                };
                names.vars.len()
            ],
            atomic_clocks: vec![vec![0; n]; names.vars.len()],
            rw_written: vec![vec![0; n]; names.rw_mutexes.len()],
            rw_read: vec![vec![0; n]; names.rw_mutexes.len()],
            onces: vec![vec![0; n]; names.onces.len()],
            cond_mutex: names.conds.iter().map(|c| c.mutex.index()).collect(),
            racy: false,
        }
    }

    /// Whether a race, or an operation the clocks do not order, was seen.
    pub fn racy(&self) -> bool {
        self.racy
    }

    /// Whether thread `u`'s moment `c` happens before thread `t`'s present.
    fn ordered(&self, t: usize, u: usize, c: u32) -> bool {
        u == t || c <= self.threads[t][u]
    }

    /// Whether thread `t`'s access (a write if `writes`) is unordered with
    /// one of `seen`: with its last write, or, for a write, with a read
    /// since.
    fn unordered(&self, t: usize, seen: &Accesses, writes: bool) -> bool {
        if let Some((u, c)) = seen.write
            && !self.ordered(t, u, c)
        {
            return true;
        }
        writes
            && (0..self.threads.len()).any(|u| {
                let c = seen.reads[u];
                c != 0 && !self.ordered(t, u, c)
            })
    }

    /// Notes thread `t`'s access in `accesses`. A plain write forgets the
    /// reads before it: every later access is ordered after the write or
    /// races with it, and a read that raced the write was caught then. An
    /// atomic write keeps them, since atomic reads do not race it.
    fn note(accesses: &mut Accesses, t: usize, now: u32, writes: bool, plain: bool) {
        if writes {
            accesses.write = Some((t, now));
            if plain {
                accesses.reads.fill(0);
            }
        } else {
            accesses.reads[t] = now;
        }
    }

    /// Records thread `t` performing `op` (which must be enabled).
    pub fn step(&mut self, t: usize, op: Op) {
        match op {
            Op::Load(_) | Op::Store(..) => {
                let (v, writes) = match op {
                    Op::Load(v) => (v.index(), false),
                    Op::Store(v, _) => (v.index(), true),
                    _ => unreachable!(),
                };
                self.racy |= self.unordered(t, &self.vars[v], writes)
                    || self.unordered(t, &self.atomic_accesses[v], writes);
                let now = self.threads[t][t];
                Self::note(&mut self.vars[v], t, now, writes, true);
            }
            Op::Atomic(v, a) => {
                let (v, writes) = (v.index(), a.writes());
                join(&mut self.threads[t], &self.atomic_clocks[v]);
                self.racy |= self.unordered(t, &self.vars[v], writes);
                let now = self.threads[t][t];
                Self::note(&mut self.atomic_accesses[v], t, now, writes, false);
                if writes {
                    self.atomic_clocks[v].clone_from(&self.threads[t]);
                    self.threads[t][t] += 1;
                }
            }
            Op::Lock(m) => join(&mut self.threads[t], &self.mutexes[m.index()]),
            Op::RLock(m) => join(&mut self.threads[t], &self.rw_written[m.index()]),
            Op::OnceDo(o) => join(&mut self.threads[t], &self.onces[o.index()]),
            Op::OnceDone(o) => {
                self.onces[o.index()].clone_from(&self.threads[t]);
                self.threads[t][t] += 1;
            }
            // Called on each of the writer's steps (the first may only
            // announce it); it holds the lock after the last.
            Op::RwLock(m) => {
                join(&mut self.threads[t], &self.rw_written[m.index()]);
                join(&mut self.threads[t], &self.rw_read[m.index()]);
            }
            Op::RwUnlock(m) => {
                self.rw_written[m.index()].clone_from(&self.threads[t]);
                self.threads[t][t] += 1;
            }
            Op::RUnlock(m) => {
                join(&mut self.rw_read[m.index()], &self.threads[t]);
                self.threads[t][t] += 1;
            }
            Op::Unlock(m) => {
                self.mutexes[m.index()].clone_from(&self.threads[t]);
                self.threads[t][t] += 1;
            }
            // `Wait` unlocks and relocks its mutex; `Signal` and
            // `Broadcast` order nothing themselves (Go's race detector
            // gives them no edge: the mutex orders).
            Op::CondWait(c) => {
                self.mutexes[self.cond_mutex[c.index()]].clone_from(&self.threads[t]);
                self.threads[t][t] += 1;
            }
            Op::CondRelock(c) => {
                join(
                    &mut self.threads[t],
                    &self.mutexes[self.cond_mutex[c.index()]],
                );
            }
            Op::WgDone(g) => {
                join(&mut self.wait_groups[g.index()], &self.threads[t]);
                self.threads[t][t] += 1;
            }
            Op::WgWait(g) => join(&mut self.threads[t], &self.wait_groups[g.index()]),
            // With `Add`, a `Done` before the counter last reached zero
            // need not happen before a later `Wait`: not modelled.
            Op::WgAdd(..) => self.racy = true,
            Op::Send(..)
            | Op::Recv(_)
            | Op::Close(_)
            | Op::Select(_)
            | Op::Signal(_)
            | Op::Broadcast(_)
            | Op::Sleep(_)
            | Op::After(..)
            | Op::Exit => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AtomicOp, ProgramBuilder, ScenarioBuilder};

    struct Ops {
        load: Op,
        store: Op,
        lock: Op,
        unlock: Op,
        done: Op,
        wait: Op,
        /// Atomic operations on a second variable, `flag`.
        flag_store: Op,
        flag_load: Op,
        /// Atomic operations on `x` itself.
        x_atomic_add: Op,
        x_atomic_load: Op,
    }

    fn two_threads() -> (Scenario, Ops) {
        let mut s = ScenarioBuilder::new("two");
        let x = s.var("x", 0);
        let flag = s.var("flag", 0);
        let m = s.mutex("m");
        let g = s.wait_group("wg", 1);
        for name in ["a", "b"] {
            let mut p = ProgramBuilder::new(name);
            p.store(x, 1);
            s.thread(p.build());
        }
        let ops = Ops {
            load: Op::Load(x),
            store: Op::Store(x, 1),
            lock: Op::Lock(m),
            unlock: Op::Unlock(m),
            done: Op::WgDone(g),
            wait: Op::WgWait(g),
            flag_store: Op::Atomic(flag, AtomicOp::Store(1)),
            flag_load: Op::Atomic(flag, AtomicOp::Load),
            x_atomic_add: Op::Atomic(x, AtomicOp::Add(1)),
            x_atomic_load: Op::Atomic(x, AtomicOp::Load),
        };
        (s.build().unwrap(), ops)
    }

    fn racy(sc: &Scenario, steps: &[(usize, Op)]) -> bool {
        let mut c = Clocks::new(sc);
        for &(t, op) in steps {
            c.step(t, op);
        }
        c.racy()
    }

    #[test]
    fn unordered_conflicting_accesses_race_and_ordered_ones_do_not() {
        let (sc, o) = two_threads();
        assert!(!racy(&sc, &[(0, o.load), (1, o.load)]), "two reads");
        assert!(racy(&sc, &[(0, o.store), (1, o.load)]), "write, read");
        assert!(racy(&sc, &[(0, o.load), (1, o.store)]), "read, write");
        let critical = |t| [(t, o.lock), (t, o.load), (t, o.store), (t, o.unlock)];
        let both: Vec<_> = critical(0).into_iter().chain(critical(1)).collect();
        assert!(!racy(&sc, &both), "one mutex orders them");
        assert!(
            !racy(&sc, &[(0, o.store), (0, o.done), (1, o.wait), (1, o.load)]),
            "Done, then Wait orders them"
        );
        assert!(
            racy(&sc, &[(0, o.lock), (0, o.store), (1, o.load)]),
            "a lock the reader does not take orders nothing"
        );
    }

    #[test]
    fn atomics_never_race_each_other_and_order_what_they_publish() {
        let (sc, o) = two_threads();
        let adds = [
            (0, o.x_atomic_add),
            (1, o.x_atomic_add),
            (0, o.x_atomic_load),
        ];
        assert!(!racy(&sc, &adds), "atomic with atomic");
        assert!(
            racy(&sc, &[(0, o.x_atomic_add), (1, o.load)]),
            "an atomic write, then a plain read"
        );
        assert!(
            racy(&sc, &[(0, o.load), (1, o.x_atomic_add)]),
            "a plain read, then an atomic write"
        );
        assert!(
            racy(&sc, &[(0, o.x_atomic_load), (1, o.store)]),
            "an atomic read, then a plain write"
        );
        assert!(
            racy(
                &sc,
                &[(0, o.x_atomic_load), (0, o.x_atomic_add), (1, o.store)]
            ),
            "an atomic write does not hide the atomic read before it"
        );
        // Message passing: data, then an atomic flag; flag, then data.
        let published = [
            (0, o.store),
            (0, o.flag_store),
            (1, o.flag_load),
            (1, o.load),
        ];
        assert!(!racy(&sc, &published), "the flag orders the data");
        let unpublished = [
            (0, o.flag_store),
            (0, o.store),
            (1, o.flag_load),
            (1, o.load),
        ];
        assert!(racy(&sc, &unpublished), "data written after the flag");
        let loads_only = [
            (0, o.store),
            (0, o.flag_load),
            (1, o.flag_load),
            (1, o.load),
        ];
        assert!(racy(&sc, &loads_only), "two atomic loads order nothing");
    }
}
