//! The built-in explorer: exhaustive breadth-first search over a scenario's
//! global states, and replay of single schedules.

mod config;
mod expand;
mod search;
mod store;

pub use config::{ExploreConfig, Progress, ProgressHook};
pub use search::explore;
