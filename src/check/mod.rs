//! Verdicts: properties and counterexamples, expectations, and replay tokens.

mod expect;
mod pair;
mod property;
mod regressions;
mod token;

pub use expect::{Expectation, Outcomes, Report, Verdict};
pub use pair::{Pair, PairReport};
pub use property::{Counterexample, Pending, Property, PropertyResult, Status, TraceStep};
pub use regressions::{Regression, check_proptest_seeds, parse_regressions};
pub use token::{ReplayToken, TOKEN_VERSION, TokenSchedule};
