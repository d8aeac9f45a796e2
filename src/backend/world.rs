//! The interpreter every threaded backend runs.
//!
//! Each scenario thread is a real thread of the backend. Every shared
//! resource of the scenario (each variable, Go mutex and wait group, and the
//! channels together) has one lock *of the backend*; a thread performs its
//! pending operation while holding that operation's lock (taking it is the
//! backend's scheduling point), or, if the operation is blocked, releases it
//! and parks until a step enables it. So the backend sees exactly the
//! scenario's dependencies: two operations on different resources hold
//! different locks, and loom's reduction can skip reordering them, as it
//! would in a hand-written test; two on one resource are performed in the
//! order the backend granted the lock. (A scenario with a `select` uses one
//! lock for everything: whether a select's case is ready can depend on where
//! other threads stand; so with a condition variable or a clock, see
//! `Scenario::one_resource`.)
//!
//! `Always` invariants see more than one resource at a time, so on loom a
//! step that changes a word such an invariant reads also holds an
//! *observer* lock: every two such steps are then ordered both ways, and no
//! state the invariant would reject is left out (two stores to different
//! variables would otherwise run in one order only). Which words an
//! invariant reads can depend on the values it reads, so it is learnt by
//! running: a loom run in which an invariant read a word not yet known is
//! repeated knowing it ([`Options::observed`]).
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

use super::policy::{Hold, Policy};
use super::runtime::Runtime;
use crate::model::{Op, Outcome, Scenario};
use crate::results::{Choice, Property, Replay, ReplayFinding, choice, note, thread_of};
use crate::sim::clocks::Clocks;
use crate::sim::examine;
use crate::sim::{Sim, SimState};

/// The shared state of one execution.
pub(crate) struct World {
    state: SimState,
    schedule: Vec<u16>,
    run: Replay,
    /// Set when no thread can move any more (final, deadlock) or a thread
    /// failed: every thread then returns.
    over: bool,
    /// Per thread: whether it is parked, so a step wakes only the threads it
    /// enables or moves on (each needless wake-up is one more interleaving
    /// for shuttle and loom to explore).
    waiting: Vec<bool>,
    /// Per thread: whether another thread's step resumed it (an unbuffered
    /// channel's partner) since it last parked. Its pending operation is
    /// then a new one, which its parked attempt does not cover.
    moved_on: Vec<bool>,
    /// Whether some select had several ready cases and the runtime picked
    /// one: a backend that does not explore its picks is then not exhaustive.
    chose: bool,
    /// The thread that made the last step.
    last: Option<usize>,
    /// The one thread that can move after the last step, if only one can.
    only: Option<usize>,
    /// With [`Options::every_step`]: whether two or more threads can move
    /// after the last step.
    several_move: bool,
    /// Words an `Always` invariant read that were not in
    /// [`Options::observed`]: the run must be repeated knowing them.
    unobserved: Vec<u32>,
    /// With [`Options::free_accesses`]: the happens-before clocks that
    /// tell whether that was sound.
    clocks: Option<Clocks>,
    /// Ended at [`Options::max_steps`] or [`Options::deadline`] (see
    /// [`Execution::cut`]).
    cut: bool,
    /// Ended at [`Options::deadline`].
    timed_out: bool,
    /// Ended by a failing step: the values then, and what it broke.
    failed: Option<(Outcome, Property)>,
    /// This execution has shown a data race (see `free` in `thread_loop`).
    raced: bool,
    /// Per thread, hashes of the states after its last few steps (0: none
    /// yet), kept when the scenario can loop (see [`Shared::spins`]).
    after_last_steps: Vec<[u64; SPIN_WINDOW]>,
}

/// One finished execution: the choice made at each step, and what it
/// showed (findings and outcome; `run.steps` is left empty; replaying
/// `schedule` gives the trace).
pub(crate) struct Execution {
    pub schedule: Vec<Choice>,
    pub run: Replay,
    /// A select had several ready cases here (see [`World`]).
    pub chose: bool,
    /// Words an `Always` invariant read beyond [`Options::observed`]
    /// (sorted, without repeats).
    pub unobserved: Vec<u32>,
    /// Stopped at [`Options::max_steps`] or [`Options::deadline`] before
    /// it finished: it reached no end, and counts as no execution; what it
    /// found before it was stopped stands.
    pub cut: bool,
    /// Stopped at [`Options::deadline`].
    pub timed_out: bool,
    /// Ended by a failing step: the outcome's values then, and the property
    /// the failure broke.
    pub failed: Option<(Outcome, Property)>,
}

struct Shared<R: Runtime> {
    scenario: Arc<Scenario>,
    world: Mutex<World>,
    resources: Vec<R::Resource>,
    /// Each thread's handle, set before it first parks.
    threads: Vec<OnceLock<R::Thread>>,
    /// Whether every operation maps to one resource (see the module doc).
    one_resource: bool,
    bases: Bases,
    /// Whether the scenario can loop back to a state it was in. A thread
    /// whose step leaves the state as one of its last [`SPIN_WINDOW`]
    /// steps left it (a spin that nobody else moved on) then yields: loom
    /// does not schedule it again until another thread has moved, shuttle's
    /// PCT lowers its priority, and neither follows a spin round and round
    /// a cycle that reaches nothing new.
    spins: bool,
    /// The observer's resource (the last one), when steps that `Always`
    /// invariants can see must conflict (see [`Options::observed`]).
    observer: Option<usize>,
    /// Per word of the state: whether an `Always` invariant is known to
    /// read it.
    observed: Vec<bool>,
    /// Present when loads and stores are not scheduling points
    /// ([`Options::free_accesses`]); set when that turned out unsound.
    racy: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// Per Go mutex, on loom: whether it is also a mutex of loom's, held
    /// from the `Lock` step to the `Unlock` step (see `Policy::native_mutexes`);
    /// those come after every other resource, from `native_base` on.
    native: Vec<bool>,
    native_base: usize,
}

impl<R: Runtime> Shared<R> {
    fn world(&self) -> MutexGuard<'_, World> {
        // Only the interpreter holds this lock and it does not panic inside.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The resource an operation acts on (see [`Bases`]).
    fn resource(&self, op: Op) -> Option<usize> {
        if op == Op::Exit {
            return None;
        }
        if self.one_resource {
            return Some(0);
        }
        let b = &self.bases;
        Some(match op {
            Op::Load(v) | Op::Store(v, _) | Op::Atomic(v, _) => v.index(),
            Op::Lock(m) | Op::Unlock(m) => b.mutexes + m.index(),
            Op::RwLock(m) | Op::RwUnlock(m) | Op::RLock(m) | Op::RUnlock(m) => {
                b.rw_mutexes + m.index()
            }
            Op::OnceDo(o) | Op::OnceDone(o) => b.onces + o.index(),
            // Where these can run, everything is on one resource (see
            // `Scenario::one_resource`); elsewhere (a hand-written machine
            // that sleeps) they only fail.
            Op::CondWait(_)
            | Op::CondRelock(_)
            | Op::Signal(_)
            | Op::Broadcast(_)
            | Op::Sleep(_)
            | Op::After(..) => 0,
            Op::WgAdd(w, _) | Op::WgDone(w) | Op::WgWait(w) => b.wait_groups + w.index(),
            Op::Send(..) | Op::Recv(_) | Op::Close(_) | Op::Select(_) => b.channels,
            Op::Exit => unreachable!("handled above"),
        })
    }

    /// Takes resource `r`, and what `hold` adds to it, in increasing order
    /// of resource (so two threads never wait for each other's).
    fn hold<'s>(&'s self, r: usize, hold: Hold, guards: &mut Vec<R::Guard<'s>>) {
        match (hold, self.observer) {
            // Not the native mutexes: a thread holds one across steps, and
            // a step that waited for it while holding others could close a
            // cycle. Their `Lock` and `Unlock` steps also hold the mutex's
            // own resource, which this takes.
            (Hold::All, _) => guards.extend(self.resources[..self.native_base].iter().map(R::hold)),
            (Hold::Observer, Some(o)) if o != r => {
                guards.push(R::hold(&self.resources[r]));
                guards.push(R::hold(&self.resources[o]));
            }
            _ => guards.push(R::hold(&self.resources[r])),
        }
    }

    /// Whether a step from `before` to `after` changes a word an `Always`
    /// invariant reads.
    fn visible(&self, before: &SimState, after: &SimState) -> bool {
        before
            .words
            .iter()
            .zip(&after.words)
            .zip(&self.observed)
            .any(|((a, b), &seen)| seen && a != b)
    }

    /// Moves the words in `noted` that are not known to be observed into
    /// `unobserved`.
    fn note_unobserved(&self, noted: &mut Vec<u32>, unobserved: &mut Vec<u32>) {
        for w in noted.drain(..) {
            if self.observer.is_some() && !self.observed[w as usize] && !unobserved.contains(&w) {
                unobserved.push(w);
            }
        }
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
    /// For loom, in a scenario with `Always` invariants: the words those
    /// invariants are known to read. A step that changes one of them also
    /// holds an *observer* resource, so loom orders every two such steps
    /// both ways and no state an invariant would reject is skipped. An
    /// execution reports the words read beyond these
    /// ([`Execution::unobserved`]); a run that saw any must be repeated
    /// with them added.
    pub observed: Option<Arc<Vec<u32>>>,
    /// For loom: loads and stores are not scheduling points, which is sound
    /// when the scenario has no data race ([`super::clocks`]). Once an
    /// execution shows a race (or an operation the clocks do not order),
    /// the flag is set: the run must then be repeated with every access a
    /// scheduling point.
    pub free_accesses: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// End the execution, as [`Execution::cut`], after this many steps.
    /// Without a bound, a thread that loops for ever (a spin on a flag
    /// nobody sets, or one the scheduler never lets another thread set)
    /// would never let `execute` return.
    pub max_steps: Option<usize>,
    /// End the execution, as [`Execution::cut`], once this time has come,
    /// so that a run's time limit holds even while one execution is long.
    pub deadline: Option<std::time::Instant>,
    /// At the deadline, unwind with [`TIME_UP`] instead of ending the
    /// execution: an engine that replays prefixes (loom) needs every
    /// execution the same each time it is replayed, which a cut at a moment
    /// of the clock is not.
    pub unwind_at_deadline: bool,
    /// Give every step where another thread could move a scheduling point:
    /// no early `wg.Done()` without one. shuttle's PCT scheduler numbers
    /// its change points among these steps, as the explorer's unreduced
    /// graph does.
    pub every_step: bool,
}

/// The payload with which an execution unwinds at its deadline (see
/// [`Options::unwind_at_deadline`]).
pub(crate) const TIME_UP: &str = "interleave: the time limit ended the run";

/// Runs one execution of `scenario` on runtime `R`. Thread 0 runs on the
/// calling thread (so loom's limit of 5 threads fits 5 scenario threads).
pub(crate) fn execute<R: Runtime>(scenario: &Arc<Scenario>, options: &Options) -> Execution {
    let sim = sim_for(scenario, options);
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
                unobserved: Vec::new(),
                cut: false,
                timed_out: false,
                failed: None,
            };
        }
    };
    let mut enabled = Vec::new();
    examine(&sim, &state, 0, &mut run, &mut enabled);
    let initial_race = raced(&run.findings);
    if let Some(racy) = &options.free_accesses
        && initial_race
    {
        racy.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let over = enabled.is_empty();
    let several_move = options.every_step && several_move(&sim, &state, &enabled);
    let bases = Bases::of(scenario);
    let resources = bases.count;
    let mut observed = vec![false; scenario.layout.width];
    for &w in options.observed.iter().flat_map(|o| o.iter()) {
        observed[w as usize] = true;
    }
    let observer = options.observed.as_ref().map(|_| resources);
    let native_base = resources + usize::from(observer.is_some());
    let native = <R::Policy as Policy>::native_mutexes(scenario);
    let shared = Arc::new(Shared::<R> {
        scenario: scenario.clone(),
        world: Mutex::new(World {
            state,
            schedule: Vec::new(),
            run,
            over,
            waiting: vec![false; scenario.thread_count()],
            moved_on: vec![false; scenario.thread_count()],
            chose: false,
            last: None,
            only: None,
            several_move,
            unobserved: Vec::new(),
            cut: false,
            timed_out: false,
            failed: None,
            raced: initial_race,
            after_last_steps: vec![[0; SPIN_WINDOW]; scenario.thread_count()],
            clocks: options
                .free_accesses
                .as_ref()
                .map(|_| Clocks::new(scenario)),
        }),
        resources: (0..native_base + native.len())
            .map(|_| R::resource())
            .collect(),
        threads: (0..scenario.thread_count())
            .map(|_| OnceLock::new())
            .collect(),
        one_resource: scenario.one_resource(),
        bases,
        spins: scenario.may_cycle(),
        observer,
        observed,
        racy: options.free_accesses.clone(),
        native,
        native_base,
    });
    {
        let mut noted = Vec::new();
        sim.take_always_reads(&mut noted);
        let mut world = shared.world();
        shared.note_unobserved(&mut noted, &mut world.unobserved);
    }
    // Thread 0 runs on the calling thread, the others on spawned threads,
    // except the one the policy runs last there, after joining the rest.
    let last = {
        let world = shared.world();
        <R::Policy as Policy>::runs_last(&sim, &world.state, scenario.thread_count())
    };
    let here = usize::from(last == Some(0));
    let handles: Vec<R::Join> = (0..scenario.thread_count())
        .filter(|&t| t != here && Some(t) != last)
        .map(|t| {
            let shared = shared.clone();
            let options = options.clone();
            R::spawn(move || thread_loop(&shared, t, &options))
        })
        .collect();
    thread_loop(&shared, here, options);
    for h in handles {
        R::join(h);
    }
    if let Some(t) = last {
        thread_loop(&shared, t, options);
    }
    let mut world = shared.world();
    let mut unobserved = std::mem::take(&mut world.unobserved);
    unobserved.sort_unstable();
    Execution {
        schedule: std::mem::take(&mut world.schedule),
        run: std::mem::take(&mut world.run),
        chose: world.chose,
        unobserved,
        cut: world.cut,
        timed_out: world.timed_out,
        failed: world.failed.take(),
    }
}

/// A `Sim` for one thread of an execution; it notes what the invariants
/// read when the run learns that ([`Options::observed`]).
fn sim_for<'s>(scenario: &'s Scenario, options: &Options) -> Sim<'s> {
    if options.observed.is_some() {
        Sim::tracking_reads(scenario)
    } else {
        Sim::new(scenario)
    }
}

fn thread_loop<R: Runtime>(shared: &Shared<R>, t: usize, options: &Options) {
    if let Some(start) = &options.start {
        start.wait();
    }
    let _ = shared.threads[t].set(R::current());
    let sim = sim_for(&shared.scenario, options);
    let mut enabled = Vec::new();
    let mut alternatives = Vec::new();
    let mut wake = Vec::new();
    let mut noted = Vec::new();
    // Whether this thread's last backend operation was a park: it had
    // held its resource and found its operation blocked, so loom has seen
    // everything that decided it.
    let mut parked = false;
    // What the next step holds; raised (and the step decided afresh) when
    // trying it on a copy shows it needs more, reset once it steps.
    let mut hold = Hold::Own;
    // The native mutex this thread holds (see `Policy::native_mutexes`), between
    // its `Lock` and `Unlock` steps; at most one, since nothing but loads
    // and stores happens in between. Declared before `guards` and the
    // world's guard, so it is released after them.
    let mut native: Option<R::Guard<'_>> = None;
    // The backend locks held for the step; kept across iterations so that
    // a step allocates nothing. Emptied at the top of each iteration, before
    // the world's std lock is taken: releasing a backend lock is a switch
    // point, and a thread switched to must not find the world locked
    // (shuttle and loom run one thread at a time, and it would wait
    // forever). On a `return` the world's guard, declared later, goes first.
    let mut guards = Vec::with_capacity(2);
    'steps: loop {
        guards.clear();
        let mut world = shared.world();
        let Some(r) = shared.resource(world.state.pending[t]) else {
            return; // exited
        };
        // An execution that is over ends this thread; but a thread that has
        // not yet tried its pending operation must hold its resource first,
        // or loom never sees that it could have gone before the step that
        // ended everything (a parked thread has tried it, unless a partner
        // moved it on to a new one since).
        if world.over && parked && !world.moved_on[t] {
            return;
        }
        parked = false;
        let mut spun = false;
        // A `Lock` of a native mutex first takes the runtime's mutex,
        // blocking inside the runtime while another thread holds it; then
        // the step goes on as any other (and finds the Go mutex free).
        if let Op::Lock(m) = world.state.pending[t]
            && shared.native[m.index()]
            && native.is_none()
            && !world.over
        {
            drop(world);
            native = Some(R::hold(&shared.resources[shared.native_base + m.index()]));
            continue;
        }
        // Going on alone: this thread made the last step and is still the
        // only one that can move, so the scheduler has no choice to make and
        // the step needs no scheduling point (the explorer's chain
        // reduction), where the policy finds that sound.
        let forced = <R::Policy as Policy>::forced(world.last, world.only, t);
        // A `wg.Done()` that the explorer may run before anything else
        // (`Sim::eager_done`) commutes with every step that can come before
        // it, so where it runs changes nothing either: no scheduling point.
        let eager = !options.every_step && sim.done_is_eager(&world.state, t);
        // A load or store in a race-free run needs no scheduling point
        // either: its order with every conflicting access is fixed by the
        // synchronising operations around it (see `clocks`). Unless it must
        // hold more (it fails, or an invariant sees it). Once this execution
        // has shown a race, the run is to be repeated anyway, and from then
        // on every access is a scheduling point again: a thread spinning on
        // a plain variable would otherwise never hand control back to loom.
        // (Decided per execution: loom replays each execution's prefix and
        // needs it to take the same scheduling points every time.)
        let free = shared.racy.is_some()
            && !world.raced
            && hold == Hold::Own
            && matches!(world.state.pending[t], Op::Load(_) | Op::Store(..));
        let alone = !world.over && (forced || eager || free);
        // A `Wait` that once released stays released (nobody can `Add` any
        // more) may wait without a scheduling point where the policy allows
        // it. A blocked lock or receive always holds its resource: another
        // thread may take the mutex or the value first.
        if !alone
            && <R::Policy as Policy>::parks_released_wait_freely()
            && !world.over
            && let Op::WgWait(g) = world.state.pending[t]
            && !sim.enabled(&world.state, t)
            && sim.wait_stays_released(&world.state, t, g)
        {
            world.waiting[t] = true;
            world.moved_on[t] = false;
            drop(world);
            R::park();
            parked = true;
            continue;
        }
        if !alone {
            drop(world);
            R::offers_step(true);
            shared.hold(r, hold, &mut guards);
            R::offers_step(false);
            if !<R::Policy as Policy>::steps_inside_hold() {
                guards.clear();
            }
            world = shared.world();
            if world.over {
                return;
            }
            let op = world.state.pending[t];
            if shared.resource(op) != Some(r) {
                continue; // another thread's step moved this one on meanwhile
            }
            if !sim.enabled(&world.state, t) {
                world.waiting[t] = true;
                world.moved_on[t] = false;
                drop(world);
                guards.clear();
                // (Never with a native mutex taken for a `Lock`: holding
                // it, the Go mutex is free.)
                debug_assert!(native.is_none() || !matches!(op, Op::Lock(_)));
                R::park();
                parked = true;
                continue;
            }
        }
        // One step, or on a scheduler that tries every runnable task at each
        // point, a whole chain of them: while this thread is the only one
        // that can move and nobody is to be woken, its next step needs no
        // scheduling point (see `forced` above), so it follows at once,
        // without letting go of the world in between.
        let op = loop {
            let op = world.state.pending[t];
            let needed = <R::Policy as Policy>::hold_needed(&sim, &world.state, t, hold, |a, b| {
                shared.observer.is_some() && shared.visible(a, b)
            });
            if needed > hold {
                hold = needed;
                continue 'steps; // the world may change while this thread takes more
            }
            hold = Hold::Own;
            let w = &mut *world;
            let mut alternative = 0;
            if Sim::branches(&w.state, t) {
                sim.alternatives(&w.state, t, &mut alternatives);
                if alternatives.len() > 1 {
                    // Not a scheduling point: shuttle's generator is not one.
                    alternative = R::choose(alternatives.len().min(256));
                    w.chose = true;
                }
            }
            if let Some(clocks) = &mut w.clocks {
                clocks.step(t, op);
                if clocks.racy()
                    && let Some(racy) = &shared.racy
                {
                    racy.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            let c = choice(t, alternative);
            w.last = Some(t);
            // The trace is not written here: rendering every step is most of an
            // execution's cost, and replaying the schedule rebuilds it exactly
            // for the few executions whose trace is shown (see `Execution`).
            w.schedule.push(c);
            let step = w.schedule.len();
            if w.several_move {
                R::decision();
            }
            match sim.step(&mut w.state, c) {
                Err((who, fault)) => {
                    let (property, message) = sim.fault_finding(who, &fault);
                    w.failed = Some((shared.scenario.outcome(&w.state.words), property.clone()));
                    note(&mut w.run, step, property, message, Vec::new());
                    w.over = true;
                }
                Ok(partner) => {
                    if let Some(u) = partner {
                        w.moved_on[u] = true;
                    }
                    let known = w.run.findings.len();
                    examine(&sim, &w.state, step, &mut w.run, &mut enabled);
                    if !w.raced && raced(&w.run.findings[known..]) {
                        w.raced = true;
                        if let Some(racy) = &shared.racy {
                            racy.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                    w.over = enabled.is_empty();
                    w.only = match enabled[..] {
                        [only] => Some(thread_of(only)),
                        _ => None,
                    };
                    w.several_move = options.every_step && several_move(&sim, &w.state, &enabled);
                    if shared.observer.is_some() {
                        sim.take_always_reads(&mut noted);
                        shared.note_unobserved(&mut noted, &mut w.unobserved);
                    }
                }
            }
            if !w.over && options.max_steps.is_some_and(|most| step >= most) {
                w.over = true;
                w.cut = true;
            }
            // A thread that is the only one able to move has nobody to yield
            // to: its steps stay one chain.
            if shared.spins && !w.over && w.only != Some(t) {
                let now = w.state.words_hash();
                let recent = &mut w.after_last_steps[t];
                spun = recent.contains(&now);
                recent.rotate_right(1);
                recent[0] = now;
            }
            // The clock is read every 16 steps: a step can run a million
            // local statements, so 16 of them may take a few milliseconds.
            if !w.over
                && step % 16 == 0
                && options
                    .deadline
                    .is_some_and(|d| std::time::Instant::now() >= d)
            {
                if options.unwind_at_deadline {
                    drop(world);
                    std::panic::panic_any(TIME_UP);
                }
                w.over = true;
                w.cut = true;
                w.timed_out = true;
            }
            // Wake the parked threads that can now move, or that this step
            // moved on (an unbuffered sender whose value was taken); all of
            // them once the execution is over. Without a select, a load, a
            // store or a lock cannot do either: parked threads wait on
            // mutexes, wait groups and channels, and taking a lock only ever
            // blocks others. With one, any step can: it moves its thread to
            // a new pending operation, and a select's send case on an
            // unbuffered channel is ready when a receiver stands at its
            // `Recv` (a store that led to a `Recv` once left a parked select
            // and then the receiver asleep for ever).
            wake.clear();
            let may_wake = w.over
                || shared.one_resource
                || !matches!(op, Op::Load(_) | Op::Store(..) | Op::Lock(_));
            for u in (0..w.waiting.len()).filter(|_| may_wake) {
                if w.waiting[u] && (w.over || w.moved_on[u] || sim.enabled(&w.state, u)) {
                    w.waiting[u] = false;
                    wake.push(u);
                }
            }
            let chain_on = !spun
                && <R::Policy as Policy>::chains(
                    options.yields,
                    wake.is_empty(),
                    w.over,
                    w.only,
                    t,
                );
            if !chain_on {
                break op;
            }
        };
        let over = world.over;
        // No backend operation while the world's std lock is held: under
        // shuttle and loom it would be a switch point.
        drop(world);
        guards.clear();
        if matches!(op, Op::Unlock(m) if shared.native[m.index()]) {
            native = None;
        }
        shared.unpark(&wake);
        if over {
            // Not `return`: this thread's next operation must still be
            // held (see the top of the loop).
            continue;
        }
        if options.yields || spun {
            R::yield_now();
        }
    }
}

/// Whether two or more threads can move in `st`, whose first two moves
/// are `first` (one thread's alternatives come together).
fn several_move(sim: &Sim<'_>, st: &SimState, first: &[crate::results::Choice]) -> bool {
    match first {
        [a, b] if thread_of(*a) == thread_of(*b) => {
            let mut enabled = Vec::new();
            sim.enabled_threads(st, &mut enabled);
            enabled.iter().any(|&c| thread_of(c) != thread_of(*a))
        }
        [_, _] => true,
        _ => false,
    }
}

/// Where each kind of resource starts among a scenario's backend
/// resources: variables, then mutexes, read-write mutexes, onces and wait
/// groups in declaration order, then one for all channels (a select waits
/// on several channels at once).
struct Bases {
    mutexes: usize,
    rw_mutexes: usize,
    onces: usize,
    wait_groups: usize,
    channels: usize,
    /// How many there are (at least one).
    count: usize,
}

impl Bases {
    fn of(scenario: &Scenario) -> Self {
        let names = scenario.names();
        let mutexes = names.vars.len();
        let rw_mutexes = mutexes + names.mutexes.len();
        let onces = rw_mutexes + names.rw_mutexes.len();
        let wait_groups = onces + names.onces.len();
        let channels = wait_groups + names.wait_groups.len();
        Bases {
            mutexes,
            rw_mutexes,
            onces,
            wait_groups,
            channels,
            count: (channels + usize::from(!names.channels.is_empty())).max(1),
        }
    }
}

/// How many of a thread's last steps a spin is looked for in: a spin round
/// of up to this many steps is seen.
const SPIN_WINDOW: usize = 8;

/// A threaded backend's step bound (see [`Options::max_steps`]) must let
/// an execution take a step.
pub(crate) fn check_max_steps(max_steps: usize) -> Result<(), crate::error::Error> {
    if max_steps == 0 {
        return Err(crate::error::Error::new(
            crate::error::ErrorKind::InvalidLimit,
            "--max-depth: must be at least 1",
        ));
    }
    Ok(())
}

/// Whether `findings` show a data race. The per-state check sees two
/// pending conflicting accesses, which the clocks see only once both have
/// run: a thread spinning on a plain variable never lets that happen.
fn raced(findings: &[ReplayFinding]) -> bool {
    findings.iter().any(|f| f.property == Property::NoDataRace)
}

/// Runs one execution of `scenario` with no backend: the lowest-numbered
/// thread that can move always moves, through the same stepping and
/// checking each step of [`execute`] does. Returns the steps taken.
pub(crate) fn steps_alone(scenario: &Scenario) -> u64 {
    let sim = Sim::new(scenario);
    let mut run = Replay::default();
    let mut enabled = Vec::new();
    let Ok(mut state) = sim.initial() else {
        return 0;
    };
    examine(&sim, &state, 0, &mut run, &mut enabled);
    let mut steps = 0;
    while let Some(&c) = enabled.first() {
        steps += 1;
        if sim.step(&mut state, c).is_err() {
            break;
        }
        examine(&sim, &state, steps as usize, &mut run, &mut enabled);
    }
    steps
}
