//! `sync.Cond`: a bounded queue guarded by one mutex, where producers wait
//! while it is full and consumers while it is empty. Waiting in a `for`
//! loop that re-checks the condition and waking with `Broadcast` is
//! correct; waiting under an `if` lets a woken consumer take from a queue
//! another consumer emptied first; and with one condition variable for
//! both kinds of waiter, a `Signal` can wake the wrong kind, after which
//! everyone sleeps.
//!
//! ```go
//! func produce() {
//!     mu.Lock()
//!     for count == capacity { changed.Wait() }   // `if` in cond/queue-if
//!     count++
//!     changed.Broadcast()                        // Signal in cond/queue-signal
//!     mu.Unlock()
//! }
//! func consume() {
//!     mu.Lock()
//!     for count == 0 { changed.Wait() }
//!     count--; consumed++
//!     changed.Broadcast()
//!     mu.Unlock()
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::Expectation;
use crate::error::Error;
use crate::model::{CondId, Expr, MutexId, ProgramBuilder, Scenario, ScenarioBuilder, VarId};
use crate::results::Property;

pub(crate) const WITHIN_BOUNDS: &str = "the queue holds between 0 and capacity items";
pub(crate) const ALL_CONSUMED: &str = "every item is consumed";

pub(crate) fn params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int("capacity", "items the queue holds", 1, 1, 4),
        ParamSpec::int("consumers", "goroutines that each take items", 2, 1, 4),
        ParamSpec::int("items", "items each consumer takes", 1, 1, 4),
    ]
}

/// How a waiter waits, and how a changer wakes the waiters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Correct,
    IfNotFor,
    SignalNotBroadcast,
}

struct Queue {
    mu: MutexId,
    changed: CondId,
    count: VarId,
    capacity: i64,
    variant: Variant,
}

impl Queue {
    /// Locks, waits while `count` is `full_or_empty`, changes it by
    /// `delta`, counts a consumed item in `consumed`, wakes the waiters
    /// and unlocks.
    fn step(
        &self,
        p: &mut ProgramBuilder,
        delta: i64,
        full_or_empty: i64,
        consumed: Option<VarId>,
    ) {
        let n = p.local("n");
        let (mu, changed, count) = (self.mu, self.changed, self.count);
        p.lock(mu).code("mu.Lock()");
        p.load(n, count);
        let wait = move |p: &mut ProgramBuilder| {
            p.cond_wait(changed);
            p.load(n, count);
        };
        let blocked = Expr::from(n).equals(full_or_empty);
        if self.variant == Variant::IfNotFor {
            p.if_(blocked, wait);
        } else {
            p.while_(blocked, wait);
        }
        p.set(n, n + delta);
        p.store(count, n)
            .code(if delta > 0 { "count++" } else { "count--" });
        if let Some(consumed) = consumed {
            p.load(n, consumed);
            p.set(n, n + 1);
            p.store(consumed, n).code("consumed++");
        }
        if self.variant == Variant::SignalNotBroadcast {
            p.signal(changed);
        } else {
            p.broadcast(changed);
        }
        p.unlock(mu).code("mu.Unlock()");
    }
}

fn build(name: &str, p: &Params, variant: Variant) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new(name);
    let count = s.var("count", 0);
    let consumed = s.var("consumed", 0);
    let mu = s.mutex("mu");
    let changed = s.cond("changed", mu);
    let capacity = p.int("capacity");
    let q = Queue {
        mu,
        changed,
        count,
        capacity,
        variant,
    };
    let (consumers, items) = (p.int("consumers"), p.int("items"));
    let mut producer = ProgramBuilder::new("producer");
    producer.repeat("i", consumers * items, |p, _| {
        q.step(p, 1, q.capacity, None);
    });
    s.thread(producer.build());
    for c in 0..consumers {
        let mut consumer = ProgramBuilder::new(format!("consumer {c}"));
        consumer.repeat("i", items, |p, _| {
            q.step(p, -1, 0, Some(consumed));
        });
        s.thread(consumer.build());
    }
    s.always(WITHIN_BOUNDS, move |v| match v.var(count) {
        n if (0..=capacity).contains(&n) => Ok(()),
        n => Err(format!("count is {n}")),
    });
    s.sometimes("the queue fills up", move |v| v.var(count) == capacity);
    let total = consumers * items;
    s.at_end(ALL_CONSUMED, move |v| match v.var(consumed) {
        n if n == total => Ok(()),
        n => Err(format!("{n} of {total} consumed")),
    });
    s.build()
}

pub(crate) fn build_queue(p: &Params) -> Result<Scenario, Error> {
    build("cond/queue", p, Variant::Correct)
}

pub(crate) fn build_if(p: &Params) -> Result<Scenario, Error> {
    build("cond/queue-if", p, Variant::IfNotFor)
}

pub(crate) fn build_signal(p: &Params) -> Result<Scenario, Error> {
    build("cond/queue-signal", p, Variant::SignalNotBroadcast)
}

pub(crate) fn expect_queue(_: &Params) -> Expectation {
    Expectation::holds()
}

pub(crate) fn expect_if(p: &Params) -> Expectation {
    if p.int("consumers") < 2 {
        return Expectation::holds();
    }
    Expectation::violates([Property::Invariant(WITHIN_BOUNDS.to_string())])
}

pub(crate) fn expect_signal(p: &Params) -> Expectation {
    if p.int("consumers") < 2 {
        return Expectation::holds();
    }
    Expectation::violates([Property::NoDeadlock])
}
