//! The seam between the interpreter and a backend: a mutex and a condition
//! variable per shared resource, threads, and a yield.
//!
//! Every threaded backend runs the same interpreter over its own primitives:
//! `std`, `shuttle` and `loom` each implement [`Runtime`] with their own
//! `sync::{Mutex, Condvar}` and `thread`.

pub(crate) trait Runtime: 'static {
    type Mutex: Send + Sync + 'static;
    type Guard<'a>: 'a;
    type Condvar: Send + Sync + 'static;
    type Join;

    fn mutex() -> Self::Mutex;
    fn lock(mutex: &Self::Mutex) -> Self::Guard<'_>;
    fn condvar() -> Self::Condvar;
    fn wait<'a>(condvar: &Self::Condvar, guard: Self::Guard<'a>) -> Self::Guard<'a>;
    fn notify_all(condvar: &Self::Condvar);
    fn spawn(f: impl FnOnce() + Send + 'static) -> Self::Join;
    fn join(handle: Self::Join);
    fn yield_now();
    /// Picks one of `n` alternatives (a select with several ready cases).
    fn choose(n: usize) -> usize;
}

/// Implements [`Runtime`] for a crate with std-like `sync` and `thread`
/// modules. The mutexes guard no data (the world is elsewhere), so a
/// poisoned one is as good as any.
macro_rules! runtime {
    ($name:ident, $root:ident, $choose:expr) => {
        pub(crate) struct $name;

        impl Runtime for $name {
            type Mutex = $root::sync::Mutex<()>;
            type Guard<'a> = $root::sync::MutexGuard<'a, ()>;
            type Condvar = $root::sync::Condvar;
            type Join = $root::thread::JoinHandle<()>;

            fn mutex() -> Self::Mutex {
                $root::sync::Mutex::new(())
            }
            fn lock(mutex: &Self::Mutex) -> Self::Guard<'_> {
                mutex.lock().unwrap_or_else(|e| e.into_inner())
            }
            fn condvar() -> Self::Condvar {
                $root::sync::Condvar::new()
            }
            fn wait<'a>(condvar: &Self::Condvar, guard: Self::Guard<'a>) -> Self::Guard<'a> {
                condvar.wait(guard).unwrap_or_else(|e| e.into_inner())
            }
            fn notify_all(condvar: &Self::Condvar) {
                condvar.notify_all();
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
