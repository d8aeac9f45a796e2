//! The seam between the interpreter and a backend: one lock per shared
//! resource, threads that park and unpark, a yield and a random choice.
//!
//! Every threaded backend runs the same interpreter over its own primitives:
//! `std`, `shuttle` and `loom` each implement [`Runtime`] with their own
//! `sync::Mutex` and `thread`.

#[cfg(feature = "loom")]
use super::policy::LearnsFromConflicts;
use super::policy::{Policy, TriesEveryTask};

pub(crate) trait Runtime: 'static {
    type Resource: Send + Sync + 'static;
    /// A resource held: taking it is the backend's scheduling point, in
    /// conflict with every other hold of the same resource and with none of
    /// other resources; a step performed while holding it is ordered with
    /// every other step that holds it exactly as the backend ordered the
    /// holds.
    type Guard<'a>;
    type Thread: Send + Sync + 'static;
    type Join;

    fn resource() -> Self::Resource;
    fn hold(resource: &Self::Resource) -> Self::Guard<'_>;

    fn current() -> Self::Thread;
    /// Blocks until unparked (or spuriously: callers re-check).
    fn park();
    fn unpark(thread: &Self::Thread);
    fn spawn(f: impl FnOnce() + Send + 'static) -> Self::Join;
    fn join(handle: Self::Join);
    fn yield_now();
    /// Picks one of `n` alternatives (a select with several ready cases).
    fn choose(n: usize) -> usize;
    /// Marks the calling thread as at (or past) the scheduling point where
    /// it offers its next step: the one decision per step that shuttle's
    /// random scheduler makes (see `shuttle_backend::UniformRandom`).
    fn offers_step(at: bool);
    /// Counts a step taken where two or more threads could move: a
    /// decision, as shuttle's PCT scheduler numbers its change points.
    fn decision();
    /// Where the interpreter gives this backend's scheduler a scheduling
    /// point, and what a step holds (see `policy/`).
    type Policy: Policy;
}

/// Implements [`Runtime`] for a crate with std-like `sync` and `thread`
/// modules. The locks guard no data, so a poisoned one is as good as any.
macro_rules! runtime {
    ($name:ident, $root:ident, $choose:expr, $offers:expr, $decision:expr, $policy:ty) => {
        pub(crate) struct $name;

        impl Runtime for $name {
            type Resource = $root::sync::Mutex<()>;
            type Guard<'a> = $root::sync::MutexGuard<'a, ()>;
            type Thread = $root::thread::Thread;
            type Join = $root::thread::JoinHandle<()>;
            type Policy = $policy;

            fn resource() -> Self::Resource {
                $root::sync::Mutex::new(())
            }
            fn hold(resource: &Self::Resource) -> Self::Guard<'_> {
                resource.lock().unwrap_or_else(|e| e.into_inner())
            }
            fn current() -> Self::Thread {
                $root::thread::current()
            }
            fn park() {
                $root::thread::park();
            }
            fn unpark(thread: &Self::Thread) {
                thread.unpark();
            }
            fn spawn(f: impl FnOnce() + Send + 'static) -> Self::Join {
                $root::thread::spawn(f)
            }
            fn join(handle: Self::Join) {
                // Interpreter threads do not panic: faults are findings.
                let _ = handle.join();
            }
            fn yield_now() {
                $root::thread::yield_now();
            }
            fn choose(n: usize) -> usize {
                let pick: fn(usize) -> usize = $choose;
                pick(n)
            }
            fn offers_step(at: bool) {
                let mark: fn(bool) = $offers;
                mark(at)
            }
            fn decision() {
                let count: fn() = $decision;
                count()
            }
        }
    };
}

/// OS threads choose at random, as Go's runtime does.
fn random_below(n: usize) -> usize {
    use std::cell::Cell;
    use std::hash::{BuildHasher, RandomState};
    thread_local! {
        static STATE: Cell<u64> = Cell::new(RandomState::new().hash_one(0u8) | 1);
    }
    STATE.with(|s| {
        // xorshift64: plenty for picking among a select's ready cases.
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x % n as u64) as usize
    })
}

runtime!(StdRuntime, std, random_below, |_| {}, || {}, TriesEveryTask);
// shuttle's generator is part of its schedule: random and PCT runs vary the
// choice, and a replay repeats it.
#[cfg(feature = "shuttle")]
runtime!(
    ShuttleRuntime,
    shuttle,
    |n| {
        use shuttle::rand::RngCore;
        (shuttle::rand::thread_rng().next_u64() % n as u64) as usize
    },
    offers_step,
    count_decision,
    TriesEveryTask
);
#[cfg(feature = "shuttle")]
std::thread_local! {
    /// The tasks of the running execution that are at the scheduling point
    /// where they offer their next step. shuttle runs an execution's tasks,
    /// and asks its scheduler, on the thread that runs the execution.
    static OFFERING: std::cell::RefCell<Vec<shuttle::scheduler::TaskId>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The decisions the running execution has made (see
    /// [`Runtime::decision`]).
    static DECISIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(feature = "shuttle")]
fn count_decision() {
    DECISIONS.with(|d| d.set(d.get() + 1));
}

/// The decisions the running execution has made so far.
#[cfg(feature = "shuttle")]
pub(super) fn decisions() -> usize {
    DECISIONS.with(std::cell::Cell::get)
}

/// Marks the running task as offering its next step, or no longer.
#[cfg(feature = "shuttle")]
fn offers_step(at: bool) {
    let Some(me) = shuttle::current::try_get_current_task() else {
        return;
    };
    OFFERING.with(|o| {
        let mut o = o.borrow_mut();
        o.retain(|&t| t != me);
        if at {
            o.push(me);
        }
    });
}

/// Whether task `t` offers its next step.
#[cfg(feature = "shuttle")]
pub(super) fn offers(t: shuttle::scheduler::TaskId) -> bool {
    OFFERING.with(|o| o.borrow().contains(&t))
}

/// Forgets every offer and decision: a new execution starts.
#[cfg(feature = "shuttle")]
pub(super) fn clear_offers() {
    OFFERING.with(|o| o.borrow_mut().clear());
    DECISIONS.with(|d| d.set(0));
}

// loom has no choice primitive: it always takes the first ready case.
#[cfg(feature = "loom")]
runtime!(LoomRuntime, loom, |_| 0, |_| {}, || {}, LearnsFromConflicts);
