//! The built-in explorer: exhaustive breadth-first search over a scenario's
//! global states, and replay of single schedules.

mod config;
mod expand;
pub(crate) mod replay;
mod schedule;
pub(crate) mod search;
pub(crate) mod sim;
mod store;

pub use config::{Bound, Completion, ExploreConfig, Progress, ProgressHook, Stop};
pub use replay::{GuidedRun, Replay, ReplayFinding, replay, run_choices};
pub use schedule::{MAX_SCHEDULE_LEN, Schedule, ScheduleStep};
pub use search::{Exploration, OutcomeCount, Stats, explore};
