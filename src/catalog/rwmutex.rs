//! `sync.RWMutex`: readers of a cached price share the lock while a writer
//! excludes them; a writer that takes only the read lock races the
//! readers; and a reader that takes the read lock twice deadlocks once a
//! writer waits in between (Go keeps new readers out while a writer waits).
//!
//! ```go
//! func reader() { mu.RLock(); seen := price; mu.RUnlock() }
//! func writer() { mu.Lock(); price = price + 10; mu.Unlock() }   // RLock in rwmutex/write-under-rlock
//!
//! func reader() { mu.RLock(); mu.RLock(); mu.RUnlock(); mu.RUnlock() }  // rwmutex/recursive-rlock
//! ```

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

pub(crate) const WRITER_EXCLUDES: &str = "a writer is alone with the price";

pub(crate) fn params() -> Vec<ParamSpec> {
    vec![ParamSpec::int(
        "readers",
        "goroutines that read the price under RLock",
        2,
        1,
        6,
    )]
}

/// How the writer locks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writer {
    Lock,
    RLock,
}

fn build_cache(name: &str, p: &Params, writer: Writer) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new(name);
    let price = s.var("price", 100);
    let mu = s.rw_mutex("mu");
    let mut reading = Vec::new();
    for i in 0..p.int("readers") {
        let mut r = ProgramBuilder::new(format!("reader {i}"));
        let seen = r.local("seen");
        let inside = r.ghost("reading");
        r.rlock(mu).code("mu.RLock()");
        r.set(inside, 1);
        r.load(seen, price).code("seen := price");
        r.set(inside, 0);
        r.runlock(mu).code("mu.RUnlock()");
        reading.push((s.thread(r.build()), inside));
    }
    let mut w = ProgramBuilder::new("writer");
    let temp = w.local("temp");
    let writing = w.ghost("writing");
    match writer {
        Writer::Lock => w.rw_lock(mu).code("mu.Lock()"),
        Writer::RLock => w.rlock(mu).code("mu.RLock()"),
    };
    w.set(writing, 1);
    w.load(temp, price);
    w.set(temp, temp + 10);
    w.store(price, temp).code("price = price + 10");
    w.set(writing, 0);
    match writer {
        Writer::Lock => w.rw_unlock(mu).code("mu.Unlock()"),
        Writer::RLock => w.runlock(mu).code("mu.RUnlock()"),
    };
    let writer_thread = s.thread(w.build());
    s.always(WRITER_EXCLUDES, move |v| {
        let readers: i64 = reading.iter().map(|&(t, r)| v.reg(t, r)).sum();
        if v.reg(writer_thread, writing) == 0 || readers == 0 {
            Ok(())
        } else {
            Err(format!(
                "the writer writes the price while {readers} reader(s) read it"
            ))
        }
    });
    s.build()
}

pub(crate) fn build_cache_ok(p: &Params) -> Result<Scenario, Error> {
    build_cache("rwmutex/cache", p, Writer::Lock)
}

pub(crate) fn build_write_under_rlock(p: &Params) -> Result<Scenario, Error> {
    build_cache("rwmutex/write-under-rlock", p, Writer::RLock)
}

pub(crate) fn expect_cache_ok(_: &Params) -> Expectation {
    // The price ends at 110 whoever reads first.
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}

pub(crate) fn expect_write_under_rlock(_: &Params) -> Expectation {
    Expectation::violates([
        Property::Invariant(WRITER_EXCLUDES.to_string()),
        Property::NoDataRace,
    ])
}

pub(crate) fn recursive_params() -> Vec<ParamSpec> {
    Vec::new()
}

pub(crate) fn build_recursive(_: &Params) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new("rwmutex/recursive-rlock");
    let mu = s.rw_mutex("mu");
    let mut r = ProgramBuilder::new("reader");
    r.rlock(mu).rlock(mu).runlock(mu).runlock(mu);
    s.thread(r.build());
    let mut w = ProgramBuilder::new("writer");
    w.rw_lock(mu).rw_unlock(mu);
    s.thread(w.build());
    s.build()
}

pub(crate) fn expect_recursive(_: &Params) -> Expectation {
    Expectation::violates([Property::NoDeadlock])
}
