//! `sync.Once`: goroutines that each initialise a shared configuration the
//! first time they need it. Checked with a plain `if`, two of them can both
//! see it missing and initialise it twice (and race on it); with
//! `once.Do`, exactly one does, and everyone reads it after.
//!
//! ```go
//! func get() int {
//!     if config == 0 {            // once/unsafe
//!         inits++; config = 42
//!     }
//!     once.Do(func() { inits++; config = 42 })   // once/config
//!     return config
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{Expr, ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

pub(crate) const INITIALISED_ONCE: &str = "the configuration is initialised once";

pub(crate) fn params() -> Vec<ParamSpec> {
    vec![ParamSpec::int(
        "goroutines",
        "goroutines that need the configuration",
        2,
        1,
        6,
    )]
}

fn build(name: &str, p: &Params, with_once: bool) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new(name);
    let config = s.var("config", 0);
    let inits = s.var("inits", 0);
    let once = s.once("once");
    for i in 0..p.int("goroutines") {
        let mut g = ProgramBuilder::new(format!("g{i}"));
        let seen = g.local("seen");
        let n = g.local("n");
        let init = move |g: &mut ProgramBuilder| {
            g.load(n, inits);
            g.set(n, n + 1);
            g.store(inits, n).code("inits++");
            g.store(config, 42);
        };
        if with_once {
            g.once_do(once, init);
        } else {
            g.load(seen, config).code("if config == 0");
            g.if_(Expr::from(seen).equals(0), init);
        }
        g.load(seen, config).code("return config");
        g.assert(Expr::from(seen).equals(42), "the configuration is there");
        s.thread(g.build());
    }
    s.at_end(INITIALISED_ONCE, move |v| match v.var(inits) {
        1 => Ok(()),
        n => Err(format!("initialised {n} times")),
    });
    s.build()
}

pub(crate) fn build_once(p: &Params) -> Result<Scenario, Error> {
    build("once/config", p, true)
}

pub(crate) fn build_unsafe(p: &Params) -> Result<Scenario, Error> {
    build("once/unsafe", p, false)
}

pub(crate) fn expect_once(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}

pub(crate) fn expect_unsafe(p: &Params) -> Expectation {
    if p.int("goroutines") < 2 {
        return Expectation::holds().outcomes(Outcomes::Exactly(1));
    }
    Expectation::violates([
        Property::Invariant(INITIALISED_ONCE.to_string()),
        Property::NoDataRace,
    ])
}
