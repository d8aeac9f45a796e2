//! How far a running search or sampling run has got, for a progress line.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How far a running search has got (see
/// [`ExploreConfig::progress`](crate::ExploreConfig::progress), and
/// the `progress` of each threaded engine's settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Distinct states stored.
    pub states: u64,
    /// Steps executed.
    pub steps: u64,
    /// Stored states not yet expanded (the breadth-first frontier).
    pub waiting: u64,
    /// Steps from the initial state to the states being expanded.
    pub depth: u64,
    /// Time since the search started.
    pub elapsed: Duration,
    /// Whether the search has ended (the last report).
    pub done: bool,
    /// On a threaded engine: the executions run so far (0 for the
    /// explorer).
    pub executions: u64,
    /// On a threaded engine: the executions it plans to run at most.
    pub planned: Option<u64>,
    /// The explorer's estimate of the states it will store in all (with
    /// [`ExploreConfig::estimate`](crate::ExploreConfig::estimate)): random
    /// probes before the search, refined by the levels stored since.
    pub estimated_states: Option<u64>,
}

/// A callback that receives a search's [`Progress`]; two hooks are equal
/// when they are the same callback.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
/// use interleave::{ExploreConfig, ProgramBuilder, ProgressHook, ScenarioBuilder, explore};
///
/// let mut s = ScenarioBuilder::new("one writer");
/// let x = s.var("x", 0);
/// let mut p = ProgramBuilder::new("writer");
/// p.store(x, 1);
/// s.thread(p.build());
/// let last = Arc::new(AtomicU64::new(0));
/// let seen = last.clone();
/// let hook = ProgressHook::new(move |p| seen.store(p.states, Ordering::Relaxed));
/// let result = explore(&s.build().unwrap(), &ExploreConfig::default().progress(hook));
/// assert_eq!(last.load(Ordering::Relaxed), result.stats.states);
/// ```
#[derive(Clone)]
pub struct ProgressHook(Arc<dyn Fn(&Progress) + Send + Sync>);

impl ProgressHook {
    /// Wraps a callback.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        ProgressHook(Arc::new(f))
    }

    pub(crate) fn report(&self, progress: &Progress) {
        (self.0)(progress);
    }
}

impl fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressHook(..)")
    }
}

impl PartialEq for ProgressHook {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ProgressHook {}

/// A flag another thread raises (on Ctrl-C, say) to end a run early: the
/// explorer then ends bounded by [`Bound::Interrupted`](crate::Bound::Interrupted),
/// and a sampling engine starts no more executions. Two are equal when
/// they are the same flag.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<std::sync::atomic::AtomicBool>);

impl Interrupt {
    /// A flag not raised yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every run watching this flag to end.
    pub fn raise(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether it has been raised.
    pub fn is_raised(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl PartialEq for Interrupt {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Interrupt {}
