//! The interpreter every threaded backend runs.
//!
//! Each scenario thread is a real thread of the backend. Every shared
//! resource of the scenario (each variable, Go mutex and wait group, and the
//! channels together) has one lock *of the backend*; a thread touches its
//! pending operation's lock (takes and releases it), which is the backend's
//! scheduling point, and then performs the operation if it is enabled, or
//! parks until a step enables it. So the backend sees exactly the
//! scenario's dependencies: two operations on different resources touch
//! different locks, and loom's reduction can skip reordering them, as it
//! would in a hand-written test. (A scenario with a `select` uses one lock
//! for everything: whether a select's case is ready can depend on where
//! other threads stand.)
//!
//! The operation itself is performed on the explorer's own state vector, by
//! the explorer's own semantics (`Sim`), kept in a plain `std` mutex that is
//! never a scheduling point: it is taken with no backend operation inside.
//! Every operation is therefore one atomic, sequentially consistent step,
//! and the interpreter checks each state as replay does; knowing every
//! thread's pending operation, it recognises a deadlock itself instead of
//! hanging, and after each step unparks exactly the parked threads that can
//! now move (or were moved on, like an unbuffered sender whose value was
//! taken).

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::runtime::Runtime;
use crate::explore::Replay;
use crate::explore::replay::{examine, note};
use crate::explore::sim::{Choice, Sim, SimState, choice, thread_of};
use crate::model::{Op, Scenario};

/// The shared state of one execution.
pub(crate) struct World {
    state: SimState,
    schedule: Vec<u16>,
    run: Replay,
    /// Set when no thread can move any more (final, deadlock) or a thread
    /// failed: every thread then returns.
    over: bool,
    /// The operation each parked thread waits to perform, so a step wakes
    /// only the threads it enables or moves on (each needless wake-up is one
    /// more interleaving for shuttle and loom to explore).
    waiting: Vec<Option<Op>>,
    /// Whether some select had several ready cases and the runtime picked
    /// one: a backend that does not explore its picks is then not exhaustive.
    chose: bool,
    /// The thread that made the last step.
    last: Option<usize>,
    /// The one thread that can move after the last step, if only one can.
    only: Option<usize>,
}

/// One finished execution: the choice made at each step, and what it
/// showed (findings and outcome; `run.steps` is left empty; replaying
/// `schedule` gives the trace).
pub(crate) struct Execution {
    pub schedule: Vec<Choice>,
    pub run: Replay,
    /// A select had several ready cases here (see [`World`]).
    pub chose: bool,
}

struct Shared<R: Runtime> {
    scenario: Arc<Scenario>,
    world: Mutex<World>,
    resources: Vec<R::Resource>,
    /// Each thread's handle, set before it first parks.
    threads: Vec<OnceLock<R::Thread>>,
    /// Whether every operation maps to one resource (see the module doc).
    one_resource: bool,
}

impl<R: Runtime> Shared<R> {
    fn world(&self) -> MutexGuard<'_, World> {
        // Only the interpreter holds this lock and it does not panic inside.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The resource an operation acts on: variables, then mutexes and wait
    /// groups in declaration order, then one for all channels (a select
    /// waits on several channels at once).
    fn resource(&self, op: Op) -> Option<usize> {
        if op == Op::Exit {
            return None;
        }
        if self.one_resource {
            return Some(0);
        }
        let names = self.scenario.names();
        let vars = names.vars.len();
        let mutexes = vars + names.mutexes.len();
        let wgs = mutexes + names.wait_groups.len();
        Some(match op {
            Op::Load(v) | Op::Store(v, _) => v.index(),
            Op::Lock(m) | Op::Unlock(m) => vars + m.index(),
            Op::WgAdd(w, _) | Op::WgDone(w) | Op::WgWait(w) => mutexes + w.index(),
            Op::Send(..) | Op::Recv(_) | Op::Close(_) | Op::Select(_) => wgs,
            Op::Exit => unreachable!("handled above"),
        })
    }

    fn unpark(&self, threads: &[usize]) {
        for &u in threads {
            if let Some(handle) = self.threads[u].get() {
                R::unpark(handle);
            }
        }
    }
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
                chose: false,
            };
        }
    };
    let mut enabled = Vec::new();
    examine(&sim, &state, 0, &mut run, &mut enabled);
    let over = enabled.is_empty();
    let names = scenario.names();
    let resources = names.vars.len()
        + names.mutexes.len()
        + names.wait_groups.len()
        + usize::from(!names.channels.is_empty());
    let shared = Arc::new(Shared::<R> {
        scenario: scenario.clone(),
        world: Mutex::new(World {
            state,
            schedule: Vec::new(),
            run,
            over,
            waiting: vec![None; scenario.thread_count()],
            chose: false,
            last: None,
            only: None,
        }),
        resources: (0..resources.max(1)).map(|_| R::resource()).collect(),
        threads: (0..scenario.thread_count())
            .map(|_| OnceLock::new())
            .collect(),
        one_resource: scenario.has_select(),
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
    let mut world = shared.world();
    Execution {
        schedule: std::mem::take(&mut world.schedule),
        run: std::mem::take(&mut world.run),
        chose: world.chose,
    }
}

fn thread_loop<R: Runtime>(shared: &Shared<R>, t: usize, options: &Options) {
    if let Some(start) = &options.start {
        start.wait();
    }
    let _ = shared.threads[t].set(R::current());
    let sim = Sim::new(&shared.scenario);
    let mut enabled = Vec::new();
    let mut alternatives = Vec::new();
    let mut wake = Vec::new();
    // Whether this thread's last backend operation was a park: it had
    // touched its resource and found its operation blocked, so loom has
    // seen everything that decided it.
    let mut parked = false;
    // Whether this thread has touched every resource ahead of a step that
    // fails (see below); cleared once it steps.
    let mut announced = false;
    loop {
        let mut world = shared.world();
        let Some(r) = shared.resource(world.state.pending[t]) else {
            return; // exited
        };
        // An execution that is over ends this thread; but a thread that has
        // not yet tried its pending operation must touch it first, or loom
        // never sees that it could have gone before the step that ended
        // everything (a parked thread has tried it).
        if world.over && parked {
            return;
        }
        parked = false;
        // Going on alone: this thread made the last step and is still the
        // only one that can move, so the scheduler has no choice to make and
        // the step needs no scheduling point (the explorer's chain
        // reduction), on the backends where that is sound.
        let alone = !R::LEARNS_FROM_CONFLICTS
            && !world.over
            && world.last == Some(t)
            && world.only == Some(t);
        if !alone {
            drop(world);
            R::touch(&shared.resources[r]);
            world = shared.world();
            if world.over {
                return;
            }
            let op = world.state.pending[t];
            if shared.resource(op) != Some(r) {
                continue; // another thread's step moved this one on meanwhile
            }
            if !sim.enabled(&world.state, t) {
                world.waiting[t] = Some(op);
                drop(world);
                R::park();
                parked = true;
                continue;
            }
        }
        let op = world.state.pending[t];
        if R::LEARNS_FROM_CONFLICTS && !announced && !matches!(op, Op::Select(_)) {
            // A failure ends the execution, and with it every other
            // thread's chance to go first; loom must see that as a conflict
            // with each of their pending operations, or it never tries those
            // orders (their own failures among them). So a step that will
            // fail first touches every resource, then decides afresh.
            let mut trial = world.state.clone();
            if sim.step(&mut trial, choice(t, 0)).is_err() {
                drop(world);
                for resource in &shared.resources {
                    R::touch(resource);
                }
                announced = true;
                continue;
            }
        }
        announced = false;
        let w = &mut *world;
        let mut alternative = 0;
        if let Op::Select(_) = op {
            sim.select_alternatives(&w.state, t, &mut alternatives);
            if alternatives.len() > 1 {
                // Not a scheduling point: shuttle's generator is not one.
                alternative = R::choose(alternatives.len().min(256));
                w.chose = true;
            }
        }
        let c = choice(t, alternative);
        w.last = Some(t);
        // The trace is not written here: rendering every step is most of an
        // execution's cost, and replaying the schedule rebuilds it exactly
        // for the few executions whose trace is shown (see `Execution`).
        w.schedule.push(c);
        let step = w.schedule.len();
        match sim.step(&mut w.state, c) {
            Err((who, fault)) => {
                let (property, message) = sim.fault_finding(who, &fault);
                note(&mut w.run, step, property, message, Vec::new());
                w.over = true;
            }
            Ok(()) => {
                examine(&sim, &w.state, step, &mut w.run, &mut enabled);
                w.over = enabled.is_empty();
                w.only = match enabled[..] {
                    [only] => Some(thread_of(only)),
                    _ => None,
                };
            }
        }
        // Wake the parked threads that can now move, or whose operation
        // changed under them (an unbuffered sender whose value was taken);
        // all of them once the execution is over. A load, a store or a lock
        // cannot do either: parked threads wait on mutexes, wait groups and
        // channels, and taking a lock only ever blocks others.
        wake.clear();
        let may_wake = w.over || !matches!(op, Op::Load(_) | Op::Store(..) | Op::Lock(_));
        for u in (0..w.waiting.len()).filter(|_| may_wake) {
            if let Some(waited) = w.waiting[u]
                && (w.over || w.state.pending[u] != waited || sim.enabled(&w.state, u))
            {
                w.waiting[u] = None;
                wake.push(u);
            }
        }
        let over = w.over;
        // No backend operation while the world's std lock is held: under
        // shuttle and loom it would be a switch point.
        drop(world);
        shared.unpark(&wake);
        if over {
            // Not `return`: this thread's next operation must still be
            // touched (see the top of the loop).
            continue;
        }
        if options.yields {
            R::yield_now();
        }
    }
}
