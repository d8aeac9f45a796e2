//! Busy-waiting: goroutines spin on a flag under a mutex until `main` sets
//! it. A spin whose flag is never set cannot finish (no deadlock: the
//! spinners can always move), and the harness says so with a lasso, the
//! way in and then the loop; a spin whose flag is set can always finish.
//!
//! ```go
//! func waiter() {
//!     for {
//!         mu.Lock()
//!         r := ready
//!         mu.Unlock()
//!         if r { break }
//!     }
//! }
//! func main() {
//!     go waiter()
//!     mu.Lock(); ready = true; mu.Unlock()   // spin/set-later only
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{Expr, ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

pub(crate) fn params() -> Vec<ParamSpec> {
    vec![ParamSpec::int(
        "waiters",
        "goroutines that spin until the flag is set",
        1,
        1,
        4,
    )]
}

fn build(name: &str, p: &Params, set: bool) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new(name);
    let ready = s.var("ready", 0);
    s.label(ready, 0, "false");
    s.label(ready, 1, "true");
    let mu = s.mutex("mu");
    for i in 0..p.int("waiters") {
        let mut waiter = ProgramBuilder::new(format!("waiter {i}"));
        let r = waiter.local("r");
        waiter.while_(Expr::from(r).equals(0), |w| {
            w.lock(mu).load(r, ready).unlock(mu);
        });
        s.thread(waiter.build());
    }
    let mut main = ProgramBuilder::new("main");
    if set {
        main.lock(mu).store(ready, 1).unlock(mu);
    }
    s.thread(main.build());
    s.build()
}

pub(crate) fn build_never_set(p: &Params) -> Result<Scenario, Error> {
    build("spin/never-set", p, false)
}

pub(crate) fn build_set_later(p: &Params) -> Result<Scenario, Error> {
    build("spin/set-later", p, true)
}

pub(crate) fn expect_never_set(_: &Params) -> Expectation {
    Expectation::violates([Property::Terminates]).outcomes(Outcomes::Exactly(0))
}

pub(crate) fn expect_set_later(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}
