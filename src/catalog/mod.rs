//! The built-in scenario catalog: the lessons of a Go concurrency course,
//! each with the verdict it is meant to teach.
//!
//! ```
//! use interleave::catalog;
//! use interleave::ExploreConfig;
//!
//! let entry = catalog::find("bank/unsync").unwrap();
//! let mut params = entry.default_params();
//! params.set(&entry.params(), "weeks=2").unwrap();
//! let report = entry.check(&params, &ExploreConfig::default()).unwrap();
//! assert!(report.as_expected()); // the lost update is found
//! ```

mod atomic;
mod bank;
mod barber;
mod cond;
mod deadlock;
mod interest;
mod merge;
mod message;
mod once;
mod params;
mod pizzeria;
mod registry;
mod regressions;
mod rwmutex;
mod spin;
mod timeout;
mod token;
mod waitgroup;

pub use merge::{Merged, merge_reports};
pub use params::{ParamKind, ParamSpec, ParamValue, Params};
pub use registry::{Entry, entries, find, resolve};
pub use regressions::{Regression, check_proptest_seeds, parse_regressions};
pub use token::{ReplayToken, TOKEN_VERSION, TokenSchedule};
