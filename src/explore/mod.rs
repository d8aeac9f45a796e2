//! The built-in explorer: exhaustive breadth-first search over a scenario's
//! global states, and replay of single schedules.

mod config;
mod estimate;
mod expand;
mod odds;
mod odds_graph;
mod packing;
mod pct_odds;
mod por;
mod preemptions;
mod prints;
mod search;
mod store;

pub use crate::results::{Progress, ProgressHook};
pub use config::ExploreConfig;
pub use search::explore;
