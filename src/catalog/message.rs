//! The shared message: two goroutines set `msg`, `main` waits on a wait group.
//!
//! ```go
//! func updateMessage(s string, m *sync.Mutex) {
//!     defer wg.Done()
//!     m.Lock()      // message/mutex and message/test
//!     msg = s
//!     m.Unlock()
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes, Property};
use crate::error::Error;
use crate::model::{Expr, ProgramBuilder, Scenario, ScenarioBuilder};

const HELLO_WORLD: i64 = 0;
const UNIVERSE: i64 = 1;
const COSMOS: i64 = 2;

pub(crate) fn params() -> Vec<ParamSpec> {
    Vec::new()
}

fn build(name: &str, with_mutex: bool, test: bool) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new(name);
    let msg = s.var("msg", HELLO_WORLD);
    s.label(msg, HELLO_WORLD, "Hello, world!")
        .label(msg, UNIVERSE, "Hello, universe!")
        .label(msg, COSMOS, "Hello, cosmos!");
    let wg = s.wait_group("wg", 2);
    let mutex = with_mutex.then(|| s.mutex("m"));
    for (who, value) in [("universe", UNIVERSE), ("cosmos", COSMOS)] {
        let mut p = ProgramBuilder::new(format!("update {who}"));
        if let Some(m) = mutex {
            p.lock(m);
        }
        p.store(msg, value);
        if let Some(m) = mutex {
            p.unlock(m);
        }
        p.done(wg);
        s.thread(p.build());
    }
    let mut main = ProgramBuilder::new(if test { "Test_updateMessage" } else { "main" });
    let seen = main.local("got");
    main.wait(wg);
    main.load(seen, msg);
    if test {
        main.assert(
            Expr::from(seen).equals(COSMOS),
            "incorrect value in msg: want \"Hello, cosmos!\"",
        )
        .code("if msg != \"Hello, cosmos!\" { t.Error(...) }");
    }
    s.thread(main.build());
    s.build()
}

pub(crate) fn build_mutex(_: &Params) -> Result<Scenario, Error> {
    build("message/mutex", true, false)
}

pub(crate) fn build_unsync(_: &Params) -> Result<Scenario, Error> {
    build("message/unsync", false, false)
}

pub(crate) fn build_test(_: &Params) -> Result<Scenario, Error> {
    build("message/test", true, true)
}

pub(crate) fn expect_mutex(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(2))
}

pub(crate) fn expect_unsync(_: &Params) -> Expectation {
    Expectation::violates([Property::NoDataRace]).outcomes(Outcomes::Exactly(2))
}

pub(crate) fn expect_test(_: &Params) -> Expectation {
    Expectation::violates([Property::Assertions])
}
