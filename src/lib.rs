//! # interleave
//!
//! A property-based verification harness for concurrency scenarios.
//!
//! A scenario is a few shared resources (integer variables and arrays of
//! them, atomics, mutexes, read-write mutexes, `Once`s, condition
//! variables, wait groups, Go-like channels, timers on a virtual clock),
//! one state machine per thread, and properties.
//! The built-in explorer visits every interleaving of the threads' shared
//! operations and decides each property: it holds in every interleaving
//! (exhaustive), or here is the shortest interleaving that breaks it, as a
//! per-thread trace and a schedule that replays it.
//!
//! ```
//! use interleave::{ExploreConfig, ProgramBuilder, ScenarioBuilder, Stop, explore};
//!
//! // Two goroutines each add to a balance without a mutex:
//! //   temp := balance; temp += amount; balance = temp
//! let mut s = ScenarioBuilder::new("bank/unsync");
//! let balance = s.var("balance", 0);
//! for amount in [500, 10] {
//!     let mut p = ProgramBuilder::new(format!("earner {amount}"));
//!     let temp = p.local("temp");
//!     p.load(temp, balance);
//!     p.set(temp, temp + amount);
//!     p.store(balance, temp);
//!     s.thread(p.build());
//! }
//! s.at_end("no lost update", move |v| match v.var(balance) {
//!     510 => Ok(()),
//!     other => Err(format!("balance is {other}, expected 510")),
//! });
//! let result = explore(&s.build().unwrap(), &ExploreConfig::default().stop(Stop::Exhaust));
//! assert!(result.is_exhaustive());
//! let lost = result.violations().find(|c| c.message.contains("expected 510")).unwrap();
//! assert_eq!(lost.schedule.to_string(), "0.1.0.1"); // read, read, write, write
//! assert_eq!(result.outcomes.len(), 3); // 510, 500 or 10
//! ```
//!
//! The same scenario runs on `shuttle`'s schedulers, on `loom` and on OS
//! threads through [`check::run`], with results in the same form; a
//! counterexample from any of them replays with [`replay`].
//!
//! The [`catalog`] holds the scenarios of a Go concurrency course, each with
//! the verdict it is meant to teach; the `interleave` binary checks them.
//! [`strategy`] has proptest strategies over their parameters and over
//! schedules, and [`check::Pair`] checks a bug and its fix together from a
//! `#[test]`. `docs/guide.md` walks through adding a scenario.
//!
//! Modules, from the ground up: [`model`] (what a scenario is),
//! [`results`] (properties, statuses, counterexamples, schedules: what
//! every engine returns), [`sim`] (the step semantics every engine runs,
//! and replay), [`explore`](mod@explore) (the built-in explorer) and
//! [`backend`] (shuttle, loom, OS threads), [`check`] (running an engine,
//! expectations, pairs), [`catalog`] (the lessons, replay tokens,
//! regression files), [`report`] (text, JSON, JUnit), [`strategy`]
//! (proptest).
//!
//! Cargo features: the explorer is always built; `shuttle`, `loom`,
//! `proptest`, `junit` and `cli` (the binary) are on by default, and a
//! user who wants only the explorer turns them off
//! (`default-features = false`).

// The facts the program compiler and the interpreter work out for the
// shuttle and loom engines (native mutexes, a `main` that runs last, what
// an execution's invariants read) go unused in a build without them; the
// default build, with every engine, keeps the lint.
#![cfg_attr(not(all(feature = "shuttle", feature = "loom")), allow(dead_code))]

pub mod backend;
pub mod catalog;
pub mod check;
mod error;
pub mod explore;
pub mod model;
pub mod report;
pub mod results;
pub mod sim;
#[cfg(feature = "proptest")]
pub mod strategy;

pub use error::{Error, ErrorKind};
pub use explore::{ExploreConfig, Progress, ProgressHook, explore};
pub use model::{
    AtomicOp, ChanId, CondId, Expr, Invariant, MutexId, Names, OnceId, Op, OpResult, Operand,
    Outcome, Program, ProgramBuilder, Reg, RwMutexId, Scenario, ScenarioBuilder, SelectBuilder,
    StateView, ThreadId, ThreadMachine, VarArray, VarId, WaitGroupId,
};
pub use results::checks_of;
pub use results::{
    Bound, Completion, Counterexample, Coverage, Exploration, GoalResult, GuidedRun, Interrupt,
    Odds, OutcomeCount, Pending, Property, PropertyResult, Replay, ReplayFinding, Sampler,
    Schedule, ScheduleStep, Stats, Status, Stop, TraceStep, Write,
};
pub use sim::{replay, run_choices};

/// The guide to adding a scenario (`docs/guide.md`), compiled and run as
/// doctests so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../docs/guide.md")]
pub struct GuideDoctests;

/// The README's Rust examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
