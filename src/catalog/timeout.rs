//! Timeouts on a virtual clock. A caller waits for a worker's answer with
//! `select` and `time.After`; when the timeout fires first, a worker that
//! answers on an unbuffered channel blocks for ever (the classic goroutine
//! leak, reported as a deadlock once the caller has returned); a buffer of
//! one lets it leave.
//!
//! ```go
//! func call() int {
//!     res := make(chan int)      // make(chan int, 1) in timeout/buffered
//!     go func() { time.Sleep(work); res <- 42 }()
//!     select {
//!     case v := <-res: return v
//!     case <-time.After(timeout): return -1
//!     }
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

pub(crate) fn params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int("work", "ticks the worker takes", 1, 0, 1_000_000),
        ParamSpec::int("timeout", "ticks the caller waits", 1, 0, 1_000_000),
    ]
}

fn build(name: &str, p: &Params, capacity: usize) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new(name);
    let got = s.var("got", 0);
    let res = s.channel("res", capacity);
    let timeout = s.timer("timeout");
    let mut worker = ProgramBuilder::new("worker");
    worker.sleep(p.int("work")).send(res, 42);
    s.thread(worker.build());
    let mut caller = ProgramBuilder::new("caller");
    let v = caller.local("v");
    caller.after(timeout, p.int("timeout"));
    caller.select(|c| {
        c.recv(res, v, move |p| {
            p.store(got, v);
        });
        c.recv_discard(timeout, move |p| {
            p.store(got, -1);
        });
    });
    s.thread(caller.build());
    s.build()
}

pub(crate) fn build_leak(p: &Params) -> Result<Scenario, Error> {
    build("timeout/leak", p, 0)
}

pub(crate) fn build_buffered(p: &Params) -> Result<Scenario, Error> {
    build("timeout/buffered", p, 1)
}

/// The answers the caller can get: 42 when the worker is done first, -1
/// when the timeout is; both when they are due at once.
fn answers(p: &Params) -> usize {
    if p.int("work") == p.int("timeout") {
        2
    } else {
        1
    }
}

pub(crate) fn expect_leak(p: &Params) -> Expectation {
    if p.int("work") < p.int("timeout") {
        return Expectation::holds().outcomes(Outcomes::Exactly(1));
    }
    Expectation::violates([Property::NoDeadlock])
}

pub(crate) fn expect_buffered(p: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(answers(p)))
}
