//! The interpreter every threaded backend runs: each scenario thread is a
//! real thread (of the backend) that performs its pending operation on the
//! shared world under the backend's mutex, waiting on the backend's
//! condition variable while the operation is blocked.
//!
//! The world is the explorer's own state vector, stepped by the explorer's
//! own semantics (`Sim`), so a threaded backend can only observe executions
//! the explorer also has: every operation is one atomic, sequentially
//! consistent step, and the lock is released between steps, so the backend's
//! scheduler decides the interleaving at every operation. The interpreter
//! checks each state as replay does and, knowing every thread's pending
//! operation, recognises a deadlock itself instead of hanging.

use std::sync::Arc;

use super::runtime::Runtime;
use crate::explore::Replay;
use crate::explore::replay::{examine, note};
use crate::explore::sim::{Sim, SimState};
use crate::model::{Op, Scenario};

/// The shared state of one execution.
pub(crate) struct World {
    state: SimState,
    schedule: Vec<u16>,
    run: Replay,
    /// Set when no thread can move any more (final, deadlock) or a thread
    /// failed: every thread then returns.
    over: bool,
    /// Threads waiting on the condition variable, so a step wakes them only
    /// when it enables one of them (every needless wake-up is one more
    /// interleaving for shuttle and loom to explore).
    waiting: Vec<bool>,
}

/// One finished execution: the thread chosen at each step, and what
/// re-running that schedule shows.
pub(crate) struct Execution {
    pub schedule: Vec<u16>,
    pub run: Replay,
}

struct Shared<R: Runtime> {
    scenario: Arc<Scenario>,
    world: R::Mutex,
    changed: R::Condvar,
}

/// How to run the threads of one execution.
#[derive(Clone, Default)]
pub(crate) struct Options {
    /// Yield after every step, so the OS interleaves threads more often.
    pub yields: bool,
    /// Make every thread wait here before its first step (OS threads only).
    pub start: Option<Arc<std::sync::Barrier>>,
}

/// Runs one execution of `scenario` on runtime `R`. Thread 0 runs on the
/// calling thread (so loom's limit of 5 threads fits 5 scenario threads).
pub(crate) fn execute<R: Runtime>(scenario: &Arc<Scenario>, options: &Options) -> Execution {
    let sim = Sim::new(scenario);
    let mut run = Replay::default();
    let state = match sim.initial() {
        Ok(state) => state,
        Err((t, fault)) => {
            let (property, message) = sim.fault_finding(t, &fault);
            note(&mut run, 0, property, message, Vec::new());
            return Execution {
                schedule: Vec::new(),
                run,
            };
        }
    };
    let mut enabled = Vec::new();
    examine(&sim, &state, 0, &mut run, &mut enabled);
    let over = enabled.is_empty();
    let shared = Arc::new(Shared::<R> {
        scenario: scenario.clone(),
        world: R::mutex(World {
            state,
            schedule: Vec::new(),
            run,
            over,
            waiting: vec![false; scenario.thread_count()],
        }),
        changed: R::condvar(),
    });
    let handles: Vec<R::Join> = (1..scenario.thread_count())
        .map(|t| {
            let shared = shared.clone();
            let options = options.clone();
            R::spawn(move || thread_loop(&shared, t, &options))
        })
        .collect();
    thread_loop(&shared, 0, options);
    for h in handles {
        R::join(h);
    }
    let mut world = R::lock(&shared.world);
    Execution {
        schedule: std::mem::take(&mut world.schedule),
        run: std::mem::take(&mut world.run),
    }
}

fn thread_loop<R: Runtime>(shared: &Shared<R>, t: usize, options: &Options) {
    if let Some(start) = &options.start {
        start.wait();
    }
    let sim = Sim::new(&shared.scenario);
    let mut enabled = Vec::new();
    loop {
        let mut guard = R::lock(&shared.world);
        loop {
            if guard.over || guard.state.pending[t] == Op::Exit {
                return;
            }
            if sim.enabled(&guard.state, t) {
                break;
            }
            guard.waiting[t] = true;
            guard = R::wait(&shared.changed, guard);
            guard.waiting[t] = false;
        }
        let world = &mut *guard;
        world.run.steps.push(sim.describe_step(&world.state, t));
        world.schedule.push(t as u16);
        let step = world.schedule.len();
        match sim.step(&mut world.state, t) {
            Err((who, fault)) => {
                let (property, message) = sim.fault_finding(who, &fault);
                note(&mut world.run, step, property, message, Vec::new());
                world.over = true;
            }
            Ok(()) => {
                examine(&sim, &world.state, step, &mut world.run, &mut enabled);
                world.over = enabled.is_empty();
            }
        }
        let wake = world.over
            || (0..world.waiting.len()).any(|u| world.waiting[u] && sim.enabled(&world.state, u));
        drop(guard);
        if wake {
            R::notify_all(&shared.changed);
        }
        if options.yields {
            R::yield_now();
        }
    }
}
