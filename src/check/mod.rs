//! Verdicts: running an engine, judging its result against an
//! expectation, and checking a bug and its fix as a pair.

mod engine;
mod expect;
mod pair;

pub use engine::{BackendKind, Backends, run};
pub use expect::{Expectation, Outcomes, Report, Verdict};
pub use pair::{Pair, PairReport};
