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
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{Expr, ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

const HELLO_WORLD: i64 = 0;

/// Each writer's message, in order: the seed's two, then more for more
/// writers.
const MESSAGES: [&str; 4] = ["universe", "cosmos", "galaxy", "planet"];

pub(crate) fn params() -> Vec<ParamSpec> {
    vec![ParamSpec::int(
        "writers",
        "goroutines that each set the message (Hello, universe!, cosmos!, galaxy!, planet!)",
        2,
        1,
        MESSAGES.len() as i64,
    )]
}

fn build(name: &str, p: &Params, with_mutex: bool, test: bool) -> Result<Scenario, Error> {
    let writers = p.int("writers") as usize;
    let mut s = ScenarioBuilder::new(name);
    let msg = s.var("msg", HELLO_WORLD);
    s.label(msg, HELLO_WORLD, "Hello, world!");
    for (i, who) in MESSAGES.iter().enumerate() {
        s.label(msg, i as i64 + 1, format!("Hello, {who}!"));
    }
    let wg = s.wait_group("wg", writers as i64);
    let mutex = with_mutex.then(|| s.mutex("m"));
    let last = writers as i64;
    for (i, who) in MESSAGES.iter().take(writers).enumerate() {
        let value = i as i64 + 1;
        let mut writer = ProgramBuilder::new(format!("update {who}"));
        if let Some(m) = mutex {
            writer.lock(m);
        }
        writer.store(msg, value);
        if let Some(m) = mutex {
            writer.unlock(m);
        }
        writer.done(wg);
        s.thread(writer.build());
    }
    let mut main = ProgramBuilder::new(if test { "Test_updateMessage" } else { "main" });
    let seen = main.local("got");
    main.wait(wg);
    main.load(seen, msg);
    if test {
        let want = format!("Hello, {}!", MESSAGES[writers - 1]);
        main.assert(
            Expr::from(seen).equals(last),
            format!("incorrect value in msg: want {want:?}"),
        )
        .code(format!("if msg != {want:?} {{ t.Error(...) }}"));
    }
    s.thread(main.build());
    s.build()
}

pub(crate) fn build_mutex(p: &Params) -> Result<Scenario, Error> {
    build("message/mutex", p, true, false)
}

pub(crate) fn build_unsync(p: &Params) -> Result<Scenario, Error> {
    build("message/unsync", p, false, false)
}

pub(crate) fn build_test(p: &Params) -> Result<Scenario, Error> {
    build("message/test", p, true, true)
}

/// Each writer's message can be the last one written.
fn every_message(p: &Params) -> Outcomes {
    Outcomes::Exactly(p.int("writers") as usize)
}

pub(crate) fn expect_mutex(p: &Params) -> Expectation {
    Expectation::holds().outcomes(every_message(p))
}

pub(crate) fn expect_unsync(p: &Params) -> Expectation {
    // A lone writer has nobody to race with.
    if p.int("writers") == 1 {
        return Expectation::holds().outcomes(every_message(p));
    }
    Expectation::violates([Property::NoDataRace]).outcomes(every_message(p))
}

pub(crate) fn expect_test(p: &Params) -> Expectation {
    // With one writer, its message is the last one: the test passes.
    if p.int("writers") == 1 {
        return Expectation::holds();
    }
    Expectation::violates([Property::Assertions])
}
