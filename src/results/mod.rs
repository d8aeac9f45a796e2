//! The result vocabulary, on the ground floor so that every engine, check
//! and report speaks it: properties and their statuses, counterexamples
//! and trace steps, schedules, how far a search went, and what replaying
//! one schedule showed.

mod completion;
mod exploration;
mod progress;
mod property;
mod replay;
mod schedule;
mod seed;
mod stop;

pub use completion::{Bound, Completion};
pub use exploration::{Coverage, Exploration, GoalResult, Odds, OutcomeCount, Sampler, Stats};
pub use progress::{Interrupt, Progress, ProgressHook};
pub use property::{Counterexample, Pending, Property, PropertyResult, Status, TraceStep, Write};
pub use replay::{GuidedRun, Replay, ReplayFinding};
pub use schedule::{MAX_SCHEDULE_LEN, Schedule, ScheduleStep};
pub use stop::Stop;

pub use exploration::checks_of;
pub(crate) use exploration::{coverage_of, properties_of};
pub(crate) use replay::note;
pub(crate) use schedule::{Choice, alternative_of, choice, thread_of};
pub(crate) use seed::SplitMix;
