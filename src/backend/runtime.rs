//! The seam between the interpreter and a backend: one atomic per shared
//! resource, threads that park and unpark, a yield and a random choice.
//!
//! Every threaded backend runs the same interpreter over its own primitives:
//! `std`, `shuttle` and `loom` each implement [`Runtime`] with their own
//! `sync::atomic` and `thread`.

pub(crate) trait Runtime: 'static {
    type Atomic: Send + Sync + 'static;
    type Thread: Send + Sync + 'static;
    type Join;

    fn atomic() -> Self::Atomic;
    /// One access to a resource: the backend's scheduling point, in
    /// conflict with every other access to the same resource and with none
    /// to other resources.
    fn touch(atomic: &Self::Atomic);

    fn current() -> Self::Thread;
    /// Blocks until unparked (or spuriously: callers re-check).
    fn park();
    fn unpark(thread: &Self::Thread);
    fn spawn(f: impl FnOnce() + Send + 'static) -> Self::Join;
    fn join(handle: Self::Join);
    fn yield_now();
    /// Picks one of `n` alternatives (a select with several ready cases).
    fn choose(n: usize) -> usize;
}

/// Implements [`Runtime`] for a crate with std-like `sync::atomic` and
/// `thread` modules.
macro_rules! runtime {
    ($name:ident, $root:ident, $choose:expr) => {
        pub(crate) struct $name;

        impl Runtime for $name {
            type Atomic = $root::sync::atomic::AtomicUsize;
            type Thread = $root::thread::Thread;
            type Join = $root::thread::JoinHandle<()>;

            fn atomic() -> Self::Atomic {
                $root::sync::atomic::AtomicUsize::new(0)
            }
            fn touch(atomic: &Self::Atomic) {
                atomic.fetch_add(1, $root::sync::atomic::Ordering::SeqCst);
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

runtime!(StdRuntime, std, random_below);
// shuttle's generator is part of its schedule: random and PCT runs vary the
// choice, and a replay repeats it.
runtime!(ShuttleRuntime, shuttle, |n| {
    use shuttle::rand::RngCore;
    (shuttle::rand::thread_rng().next_u64() % n as u64) as usize
});
// loom has no choice primitive: it always takes the first ready case.
runtime!(LoomRuntime, loom, |_| 0);
