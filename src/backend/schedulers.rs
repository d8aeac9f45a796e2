//! The backend's own schedulers on shuttle's `Scheduler` seam: uniformly
//! random and PCT, both making one decision per step, so that their odds
//! are those the explorer computes (`explore/odds.rs`, `pct_odds.rs`).

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use shuttle::scheduler::{DataSource, RandomDataSource, Schedule, Scheduler, Task, TaskId};

use super::config::Shard;
use crate::results::SplitMix;

/// shuttle's random scheduling (one decision per step, uniform among the
/// tasks offering their next step; each execution's seed a function of the
/// run's seed and the execution's number alone, so that a shard can run
/// its executions without the others), on
/// shuttle's `Scheduler` seam. shuttle's own random scheduler writes its
/// current seed to stderr when it is dropped before its last execution, as
/// it is when a time limit or a stop rule ends the run early, and a library
/// must not print.
pub(super) struct UniformRandom {
    seed: u64,
    data: RandomDataSource,
    /// The number of the next execution to run.
    next: usize,
    /// How far apart this shard's executions are (1: every one).
    step: usize,
    max_runs: usize,
}

impl UniformRandom {
    pub(super) fn new(seed: u64, max_runs: usize, shard: Option<Shard>) -> Self {
        let shard = shard.unwrap_or(Shard { index: 0, count: 1 });
        UniformRandom {
            seed,
            data: RandomDataSource::initialize(seed),
            next: shard.index,
            step: shard.count,
            max_runs,
        }
    }

    /// Execution `i`'s seed (splitmix64 of the run's seed and `i`).
    fn seed_of(&self, i: usize) -> u64 {
        SplitMix::nth(self.seed, i)
    }
}

impl Scheduler for UniformRandom {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.next >= self.max_runs {
            return None;
        }
        let seed = self.seed_of(self.next);
        self.next += self.step;
        super::runtime::clear_offers();
        self.data = RandomDataSource::initialize(seed);
        Some(Schedule::new(seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        if runnable.is_empty() {
            return None;
        }
        if let Some(t) = not_offering(runnable, current) {
            return Some(t);
        }
        // The choice is uniform among the tasks that offer a step, so one
        // execution is the uniformly random scheduler whose odds the
        // explorer computes. At most 256 tasks: the modulo's bias is below 2^-55.
        let pick = self.data.next_u64() % runnable.len() as u64;
        Some(runnable[pick as usize].id())
    }

    fn next_u64(&mut self) -> u64 {
        self.data.next_u64()
    }
}

/// One decision per step: a task that is not offering its next step (it
/// is starting, releasing a lock, or waking) runs on to where it offers
/// one, the running task first; only then does a scheduler choose, among
/// the tasks that offer theirs.
fn not_offering(runnable: &[&Task], current: Option<TaskId>) -> Option<TaskId> {
    let offering = super::runtime::offers;
    if let Some(c) = current
        && !offering(c)
        && runnable.iter().any(|t| t.id() == c)
    {
        return Some(c);
    }
    runnable.iter().find(|t| !offering(t.id())).map(|t| t.id())
}

/// PCT (probabilistic concurrency testing) on the one-decision-per-step
/// rule, as the explorer counts its odds (`explore/pct_odds.rs`): the
/// tasks get a uniformly random order of priority (each new task is put at
/// a random place among those not yet dropped); `min(depth - 1, k)` change
/// points are drawn one after another, without repeats, among decisions
/// `1..=k`, where a decision is a choice among two or more tasks and `k`
/// the most decisions an earlier execution made; the highest task always
/// runs, and the one that makes decision `points[i]` drops to priority `i`,
/// below every task that has not dropped.
pub(super) struct Pct {
    seed: u64,
    depth: usize,
    next: usize,
    max_runs: usize,
    /// Random values for a select's pick, and the execution's seed.
    data: RandomDataSource,
    /// Priority orders and change points.
    rng: SplitMix,
    /// The tasks not dropped, highest first.
    ranked: Vec<TaskId>,
    /// The dropped tasks and their priority: `i` for change point `i`,
    /// negative for a task that yielded in a spin loop (the latest lowest),
    /// so a spinning task lets the task it waits for run.
    dropped: Vec<(TaskId, isize)>,
    yields: isize,
    points: Vec<usize>,
    /// The decisions of the execution under way that have been seen.
    seen: usize,
    /// The most decisions any execution made (PCT's k).
    longest: Arc<AtomicUsize>,
}

impl Pct {
    pub(super) fn new(seed: u64, depth: usize, max_runs: usize, longest: Arc<AtomicUsize>) -> Self {
        Pct {
            seed,
            depth,
            next: 0,
            max_runs,
            data: RandomDataSource::initialize(seed),
            rng: SplitMix(seed),
            ranked: Vec::new(),
            dropped: Vec::new(),
            yields: 0,
            points: Vec::new(),
            seen: 0,
            longest,
        }
    }

    /// Drops `task` to priority `to`.
    fn drop_to(&mut self, task: TaskId, to: isize) {
        self.ranked.retain(|&r| r != task);
        self.dropped.retain(|&(d, _)| d != task);
        self.dropped.push((task, to));
    }
}

impl Drop for Pct {
    fn drop(&mut self) {
        if self.next == 0 {
            return;
        }
        self.longest.fetch_max(
            super::runtime::decisions(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

impl Scheduler for Pct {
    fn new_execution(&mut self) -> Option<Schedule> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.next >= self.max_runs {
            return None;
        }
        // The count left by the last execution, not by another run's.
        let made = if self.next > 0 {
            super::runtime::decisions()
        } else {
            0
        };
        let k = self.longest.fetch_max(made, Relaxed).max(made);
        let seed = SplitMix::nth(self.seed, self.next);
        self.next += 1;
        super::runtime::clear_offers();
        self.data = RandomDataSource::initialize(seed);
        self.rng = SplitMix(seed ^ 0x5bd1_e995_5bd1_e995);
        self.ranked.clear();
        self.dropped.clear();
        self.yields = 0;
        self.seen = 0;
        self.points.clear();
        while self.points.len() < (self.depth - 1).min(k) {
            let p = 1 + self.rng.below(k);
            if !self.points.contains(&p) {
                self.points.push(p);
            }
        }
        Some(Schedule::new(seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if runnable.is_empty() {
            return None;
        }
        // A task that yields and can still run spins (`park` yields too,
        // but leaves the task blocked, and is no reason to drop it).
        // Every step since the last call was the running task's: it drops
        // at each change point among them.
        let now = super::runtime::decisions();
        if let Some(c) = current {
            for i in 0..self.points.len() {
                if (self.seen + 1..=now).contains(&self.points[i]) {
                    self.drop_to(c, i as isize);
                }
            }
        }
        self.seen = now;
        if is_yielding
            && let Some(c) = current
            && runnable.iter().any(|t| t.id() == c)
        {
            self.yields += 1;
            self.drop_to(c, -self.yields);
        }
        if let Some(t) = not_offering(runnable, current) {
            return Some(t);
        }
        for t in runnable {
            let id = t.id();
            if !self.ranked.contains(&id) && !self.dropped.iter().any(|&(d, _)| d == id) {
                let at = self.rng.below(self.ranked.len() + 1);
                self.ranked.insert(at, id);
            }
        }
        // Not dropped above dropped; then the higher place.
        let rank = |id: TaskId| -> (bool, isize) {
            match self.ranked.iter().position(|&r| r == id) {
                Some(pos) => (true, -(pos as isize)),
                None => (
                    false,
                    self.dropped
                        .iter()
                        .find(|&&(d, _)| d == id)
                        .map_or(isize::MIN, |&(_, p)| p),
                ),
            }
        };
        let top = runnable.iter().map(|t| t.id()).max_by_key(|&id| rank(id))?;
        Some(top)
    }

    fn next_u64(&mut self) -> u64 {
        self.data.next_u64()
    }
}
