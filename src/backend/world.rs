//! The interpreter every threaded backend runs.
//!
//! Each scenario thread is a real thread of the backend. Every shared
//! resource of the scenario (each variable, Go mutex, wait group and
//! channel) gets one mutex and one condition variable *of the backend*; an
//! operation locks its resource's mutex, waits on its condition variable
//! while the operation is blocked, and performs the operation. So the
//! backend sees exactly the scenario's dependencies: two operations on
//! different resources touch different primitives, and loom's reduction can
//! skip reordering them, as it would in a hand-written test.
//!
//! The operation itself is performed on the explorer's own state vector, by
//! the explorer's own semantics (`Sim`), kept in a plain `std` mutex that is
//! never a scheduling point: it is taken only inside a resource's critical
//! section, with no backend operation inside it. Every operation is
//! therefore one atomic, sequentially consistent step, and the interpreter
//! checks each state as replay does; knowing every thread's pending
//! operation, it recognises a deadlock itself instead of hanging.
//!
//! Why a resource's condition variable is enough: whether an operation can
//! run depends only on its own resource (a mutex's holder, a wait group's
//! counter, a channel's buffer), so only an operation on the same resource
//! can enable it.

use std::sync::{Arc, Mutex, MutexGuard};

use super::runtime::Runtime;
use crate::explore::Replay;
use crate::explore::replay::{examine, note};
use crate::explore::sim::{Choice, Sim, SimState, choice};
use crate::model::{Op, Scenario};

/// The shared state of one execution.
pub(crate) struct World {
    state: SimState,
    schedule: Vec<u16>,
    run: Replay,
    /// Set when no thread can move any more (final, deadlock) or a thread
    /// failed: every thread then returns.
    over: bool,
    /// The resource each thread is waiting on, so a step wakes waiters only
    /// when it enables one of them (each needless wake-up is one more
    /// interleaving for shuttle and loom to explore).
    waiting: Vec<Option<usize>>,
    /// Whether some select had several ready cases and the runtime picked
    /// one: a backend that does not explore its picks is then not exhaustive.
    chose: bool,
}

/// One finished execution: the thread chosen at each step, and what
/// re-running that schedule shows.
pub(crate) struct Execution {
    pub schedule: Vec<Choice>,
    pub run: Replay,
    /// A select had several ready cases here (see [`World`]).
    pub chose: bool,
}

struct Resource<R: Runtime> {
    mutex: R::Mutex,
    changed: R::Condvar,
}

struct Shared<R: Runtime> {
    scenario: Arc<Scenario>,
    world: Mutex<World>,
    resources: Vec<Resource<R>>,
}

impl<R: Runtime> Shared<R> {
    fn world(&self) -> MutexGuard<'_, World> {
        // Only the interpreter holds this lock and it does not panic inside.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The resource an operation acts on: variables, then mutexes and wait
    /// groups in declaration order, then one for all channels (a select
    /// waits on several channels at once, and a send to a waiting select
    /// moves it on).
    fn resource(&self, op: Op) -> Option<usize> {
        let names = self.scenario.names();
        let vars = names.vars.len();
        let mutexes = vars + names.mutexes.len();
        let wgs = mutexes + names.wait_groups.len();
        Some(match op {
            Op::Load(v) | Op::Store(v, _) => v.index(),
            Op::Lock(m) | Op::Unlock(m) => vars + m.index(),
            Op::WgAdd(w, _) | Op::WgDone(w) | Op::WgWait(w) => mutexes + w.index(),
            Op::Send(..) | Op::Recv(_) | Op::Close(_) | Op::Select(_) => wgs,
            Op::Exit => return None,
        })
    }

    /// Wakes every waiter on every resource (the execution is over).
    fn wake_all(&self) {
        for r in &self.resources {
            // Taking the resource's mutex orders this wake-up after any
            // waiter's check of `over`, so none is lost.
            let guard = R::lock(&r.mutex);
            drop(guard);
            R::notify_all(&r.changed);
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
        }),
        resources: (0..resources)
            .map(|_| Resource {
                mutex: R::mutex(),
                changed: R::condvar(),
            })
            .collect(),
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
    let sim = Sim::new(&shared.scenario);
    let mut enabled = Vec::new();
    let mut alternatives = Vec::new();
    loop {
        let op = {
            let world = shared.world();
            if world.over {
                return;
            }
            world.state.pending[t]
        };
        let Some(r) = shared.resource(op) else {
            return; // exited
        };
        let resource = &shared.resources[r];
        let mut guard = R::lock(&resource.mutex);
        let over = loop {
            let mut world = shared.world();
            if world.over {
                return;
            }
            if shared.resource(world.state.pending[t]) != Some(r) {
                // Another thread's step moved this one on (an unbuffered
                // send was taken): its next operation has another resource.
                break false;
            }
            if sim.enabled(&world.state, t) {
                let w = &mut *world;
                let mut alternative = 0;
                if let Op::Select(_) = w.state.pending[t] {
                    sim.select_alternatives(&w.state, t, &mut alternatives);
                    if alternatives.len() > 1 {
                        // No backend operation here: choosing is not a
                        // scheduling point (shuttle's generator is not one).
                        alternative = R::choose(alternatives.len().min(256));
                        w.chose = true;
                    }
                }
                let c = choice(t, alternative);
                w.run.steps.push(sim.describe_step(&w.state, c));
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
                    }
                }
                // Wake a waiter on this resource that can now move, or whose
                // operation is no longer on this resource (an unbuffered
                // sender resumed by its receiver): it must wait elsewhere.
                let wake = (0..w.waiting.len()).any(|u| {
                    w.waiting[u] == Some(r)
                        && (sim.enabled(&w.state, u)
                            || shared.resource(w.state.pending[u]) != Some(r))
                });
                let over = w.over;
                // No backend operation while the world's std lock is held:
                // under shuttle and loom it would be a switch point.
                drop(world);
                drop(guard);
                if wake && !over {
                    R::notify_all(&resource.changed);
                }
                break over;
            }
            world.waiting[t] = Some(r);
            drop(world);
            guard = R::wait(&resource.changed, guard);
            shared.world().waiting[t] = None;
        };
        if over {
            shared.wake_all();
            return;
        }
        if options.yields {
            R::yield_now();
        }
    }
}
