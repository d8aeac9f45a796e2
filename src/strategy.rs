//! proptest strategies: catalog parameters and schedules, so a property can
//! range over scenarios and their interleavings together, and proptest
//! shrinks both to the smallest failing pair.
//!
//! Each family has a builder with the ranges it draws from; `strategy()`
//! checks them against the scenario's declared parameters and refuses a
//! range it could never build, so a property cannot quietly test nothing.
//!
//! ```
//! use interleave::strategy;
//! use interleave::ExploreConfig;
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! // "With the mutex, every generated bank holds in every interleaving."
//! let cases = strategy::bank().workers(1..=2).weeks(1..=2).mutex(true).strategy().unwrap();
//! TestRunner::default()
//!     .run(&cases, |case| {
//!         let report = case.check(&ExploreConfig::default()).unwrap();
//!         prop_assert!(report.exploration.is_exhaustive() && !report.exploration.is_violated());
//!         Ok(())
//!     })
//!     .unwrap();
//!
//! // Out of range: refused with a message, not an empty property.
//! assert!(strategy::bank().workers(0..=3).strategy().is_err());
//! ```

use std::fmt;
use std::ops::RangeInclusive;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use crate::catalog::TokenSchedule;
use crate::catalog::{self, Entry, ParamKind, Params};
use crate::check::{Expectation, Report};
use crate::error::{Error, ErrorKind};
use crate::explore::ExploreConfig;
use crate::model::Scenario;
use crate::report::trace_table;
use crate::results::{GuidedRun, Property, Schedule};

/// A generated catalog scenario: its name and parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct Case {
    /// The catalog scenario, such as `bank/unsync`.
    pub name: &'static str,
    /// Its parameters.
    pub params: Params,
}

impl Case {
    /// The catalog entry.
    pub fn entry(&self) -> &'static Entry {
        catalog::find(self.name).expect("strategies name catalog scenarios")
    }

    /// Builds the scenario.
    pub fn scenario(&self) -> Result<Scenario, Error> {
        self.entry().build(&self.params)
    }

    /// What the catalog expects of it.
    pub fn expectation(&self) -> Expectation {
        self.entry().expectation(&self.params)
    }

    /// Explores it and judges it against its expectation, as
    /// [`Entry::check`] does.
    pub fn check(&self, config: &ExploreConfig) -> Result<Report, Error> {
        self.entry().check(&self.params, config)
    }

    /// The command that replays `schedule` of this case.
    pub fn replay_command(&self, schedule: &Schedule) -> String {
        let token = self
            .entry()
            .token(&self.params, TokenSchedule::Threads(schedule.clone()));
        format!("interleave replay '{token}'")
    }

    /// A run of this case (from [`run_choices`](crate::run_choices))
    /// as every counterexample is shown: how `property` broke, the
    /// per-thread trace cut where it broke, and the command that replays
    /// exactly that prefix. `None` when the run does not break it.
    pub fn explain(&self, run: &GuidedRun, property: &Property) -> Option<String> {
        let finding = run.run.findings.iter().find(|f| &f.property == property)?;
        let names = self.scenario().ok()?.names().clone();
        let steps = &run.run.steps[..finding.after_step];
        let schedule = Schedule::new(run.schedule.steps()[..finding.after_step].to_vec());
        Some(format!(
            "{self}\n  ✗ {}: {}\n{}  schedule  {schedule} ({})\n  replay    {}\n",
            finding.property,
            finding.message,
            trace_table(&names, steps, &finding.pending, true, "  "),
            match run.preemptions(finding.after_step) {
                1 => "1 preemption".to_string(),
                n => format!("{n} preemptions"),
            },
            self.replay_command(&schedule)
        ))
    }

    /// An integer parameter.
    pub fn int(&self, name: &str) -> i64 {
        self.params.int(name)
    }

    /// A list parameter.
    pub fn list(&self, name: &str) -> &[i64] {
        self.params.list(name)
    }
}

/// `bank/mutex incomes=500+10,weeks=2`: what proptest prints for a failing
/// case, and what `interleave check` takes.
impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.params)
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidParameter, message)
}

/// Checks that an integer range fits parameter `param` of `scenario`.
fn int_range(scenario: &str, param: &str, range: &RangeInclusive<i64>) -> Result<(), Error> {
    let (lo, hi) = declared(scenario, param, false)?;
    fits(scenario, param, range, lo, hi)
}

/// Checks that the item range and the length range of list `param` fit.
fn list_ranges(
    scenario: &str,
    param: &str,
    items: &RangeInclusive<i64>,
    len: &RangeInclusive<usize>,
) -> Result<(), Error> {
    let (lo, hi) = declared(scenario, param, false)?;
    fits(scenario, param, items, lo, hi)?;
    let (lo, hi) = declared(scenario, param, true)?;
    let len = &(*len.start() as i64..=*len.end() as i64);
    fits(scenario, &format!("{param} (how many)"), len, lo, hi)
}

fn fits(
    scenario: &str,
    param: &str,
    range: &RangeInclusive<i64>,
    lo: i64,
    hi: i64,
) -> Result<(), Error> {
    if range.is_empty() {
        return Err(invalid(format!(
            "strategy for `{scenario}`: the range {range:?} for `{param}` is empty, so no case could be generated"
        )));
    }
    if *range.start() < lo || *range.end() > hi {
        return Err(invalid(format!(
            "strategy for `{scenario}`: `{param}` ranges over {range:?}, but the scenario takes {lo}..={hi}"
        )));
    }
    Ok(())
}

/// A parameter's declared bounds (of its items or, with `len`, its length).
fn declared(scenario: &str, param: &str, len: bool) -> Result<(i64, i64), Error> {
    let spec = catalog::find(scenario)?
        .params()
        .into_iter()
        .find(|s| s.name == param)
        .ok_or_else(|| invalid(format!("`{scenario}` has no parameter `{param}`")))?;
    Ok(match (spec.kind, len) {
        (ParamKind::Int { min, max }, _) => (min, max),
        (ParamKind::List { min, max, .. }, false) => (min, max),
        (
            ParamKind::List {
                min_len, max_len, ..
            },
            true,
        ) => (min_len as i64, max_len as i64),
    })
}

/// The case for `name` with these `key=value` settings (all in range: the
/// strategies check their ranges first).
fn case(name: &'static str, settings: &[String]) -> Case {
    let params = catalog::find(name)
        .and_then(|e| e.params_from(settings))
        .expect("strategy ranges are checked against the declared parameters");
    Case { name, params }
}

fn list_text(items: &[i64]) -> String {
    let parts: Vec<String> = items.iter().map(|i| i.to_string()).collect();
    parts.join("+")
}

/// Which variant of a family to draw: one, or any of them.
fn variants(
    family: &str,
    all: &'static [&'static str],
    only: Option<&'static str>,
) -> Result<Vec<&'static str>, Error> {
    match only {
        None => Ok(all.to_vec()),
        Some(name) if all.contains(&name) => Ok(vec![name]),
        Some(name) => Err(invalid(format!(
            "`{name}` is not a {family} scenario; pick one of {}",
            all.join(", ")
        ))),
    }
}

/// The earners a bank-like family draws: how many, what each earns a week,
/// for how many weeks.
#[derive(Clone, Debug)]
struct Earners {
    workers: RangeInclusive<usize>,
    amounts: RangeInclusive<i64>,
    weeks: RangeInclusive<i64>,
}

impl Earners {
    /// Checks the ranges against `scenario`'s declared parameters.
    fn check(&self, scenario: &str) -> Result<(), Error> {
        list_ranges(scenario, "incomes", &self.amounts, &self.workers)?;
        int_range(scenario, "weeks", &self.weeks)
    }

    /// The incomes and the weeks, as `--set` settings.
    fn strategy(&self) -> impl Strategy<Value = Vec<String>> + use<> {
        (
            prop::collection::vec(self.amounts.clone(), self.workers.clone()),
            self.weeks.clone(),
        )
            .prop_map(|(incomes, weeks)| {
                vec![
                    format!("incomes={}", list_text(&incomes)),
                    format!("weeks={weeks}"),
                ]
            })
    }
}

/// The builder methods every family with earners shares.
macro_rules! earner_ranges {
    () => {
        /// How many earners (goroutines).
        pub fn workers(mut self, range: RangeInclusive<usize>) -> Self {
            self.earners.workers = range;
            self
        }

        /// Each earner's weekly amount.
        pub fn amounts(mut self, range: RangeInclusive<i64>) -> Self {
            self.earners.amounts = range;
            self
        }

        /// Weeks each earner works.
        pub fn weeks(mut self, range: RangeInclusive<i64>) -> Self {
            self.earners.weeks = range;
            self
        }
    };
}

/// Bank cases: incomes added to one balance, with or without the mutex.
#[derive(Clone, Debug)]
pub struct BankCases {
    earners: Earners,
    mutex: Option<bool>,
}

/// Bank cases: 1 to 6 workers, amounts 0 to 1,000, 1 to 52 weeks, with and
/// without the mutex (narrow them with the builder's methods).
pub fn bank() -> BankCases {
    BankCases {
        earners: Earners {
            workers: 1..=6,
            amounts: 0..=1000,
            weeks: 1..=52,
        },
        mutex: None,
    }
}

impl BankCases {
    earner_ranges!();

    /// Only `bank/mutex` (true) or only `bank/unsync` (false).
    pub fn mutex(mut self, with_mutex: bool) -> Self {
        self.mutex = Some(with_mutex);
        self
    }

    /// The strategy, or an error naming a range the scenario cannot take.
    pub fn strategy(&self) -> Result<BoxedStrategy<Case>, Error> {
        self.earners.check("bank/mutex")?;
        let mutex = match self.mutex {
            Some(m) => Just(m).boxed(),
            None => any::<bool>().boxed(),
        };
        Ok((self.earners.strategy(), mutex)
            .prop_map(|(settings, mutex)| {
                case(if mutex { "bank/mutex" } else { "bank/unsync" }, &settings)
            })
            .boxed())
    }
}

/// Message cases: writers setting one shared message.
#[derive(Clone, Debug)]
pub struct MessageCases {
    writers: RangeInclusive<i64>,
    only: Option<&'static str>,
}

const MESSAGE: &[&str] = &["message/unsync", "message/mutex", "message/test"];

/// Message cases: 1 to 4 writers, any of the three variants.
pub fn message() -> MessageCases {
    MessageCases {
        writers: 1..=4,
        only: None,
    }
}

impl MessageCases {
    /// How many goroutines write the message.
    pub fn writers(mut self, range: RangeInclusive<i64>) -> Self {
        self.writers = range;
        self
    }

    /// Only this variant (`message/unsync`, `message/mutex`, `message/test`).
    pub fn only(mut self, name: &'static str) -> Self {
        self.only = Some(name);
        self
    }

    /// The strategy, or an error naming a range the scenario cannot take.
    pub fn strategy(&self) -> Result<BoxedStrategy<Case>, Error> {
        let names = variants("message", MESSAGE, self.only)?;
        int_range("message/mutex", "writers", &self.writers)?;
        Ok((prop::sample::select(names), self.writers.clone())
            .prop_map(|(name, writers)| case(name, &[format!("writers={writers}")]))
            .boxed())
    }
}

/// Interest cases: incomes and weekly interest on one balance.
#[derive(Clone, Debug)]
pub struct InterestCases {
    earners: Earners,
    rate: RangeInclusive<i64>,
    only: Option<&'static str>,
}

const INTEREST: &[&str] = &["interest/mutex", "interest/ordered"];

/// Interest cases: 1 to 4 earners, amounts 0 to 1,000, 1 to 3 weeks, rates
/// 0 to 100 percent, mutex-only or ordered.
pub fn interest() -> InterestCases {
    InterestCases {
        earners: Earners {
            workers: 1..=4,
            amounts: 0..=1000,
            weeks: 1..=3,
        },
        rate: 0..=100,
        only: None,
    }
}

impl InterestCases {
    earner_ranges!();

    /// Weekly interest in percent.
    pub fn rate(mut self, range: RangeInclusive<i64>) -> Self {
        self.rate = range;
        self
    }

    /// Only this variant (`interest/mutex` or `interest/ordered`).
    pub fn only(mut self, name: &'static str) -> Self {
        self.only = Some(name);
        self
    }

    /// The strategy, or an error naming a range the scenario cannot take.
    pub fn strategy(&self) -> Result<BoxedStrategy<Case>, Error> {
        let names = variants("interest", INTEREST, self.only)?;
        self.earners.check("interest/mutex")?;
        int_range("interest/mutex", "rate", &self.rate)?;
        Ok((
            prop::sample::select(names),
            self.earners.strategy(),
            self.rate.clone(),
        )
            .prop_map(|(name, mut settings, rate)| {
                settings.push(format!("rate={rate}"));
                case(name, &settings)
            })
            .boxed())
    }
}

/// Wait-group cases: `main` reading the balance without `wg.Wait()`.
#[derive(Clone, Debug)]
pub struct WaitGroupCases {
    earners: Earners,
}

/// Wait-group cases: 1 to 4 earners, amounts 0 to 1,000, 1 to 3 weeks.
pub fn waitgroup() -> WaitGroupCases {
    WaitGroupCases {
        earners: Earners {
            workers: 1..=4,
            amounts: 0..=1000,
            weeks: 1..=3,
        },
    }
}

impl WaitGroupCases {
    earner_ranges!();

    /// The strategy, or an error naming a range the scenario cannot take.
    pub fn strategy(&self) -> Result<BoxedStrategy<Case>, Error> {
        let name = "waitgroup/missing-wait";
        self.earners.check(name)?;
        Ok(self
            .earners
            .strategy()
            .prop_map(move |settings| case(name, &settings))
            .boxed())
    }
}

/// Preemption choices for [`run_choices`](crate::run_choices): 0
/// keeps the running thread going, `k` switches to another. proptest
/// shrinks them towards fewer and smaller, that is, towards fewer
/// preemptions and a shorter prefix.
///
/// ```
/// use interleave::strategy;
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let choices = strategy::choices(10).unwrap();
/// let value = choices.new_tree(&mut TestRunner::default()).unwrap().current();
/// assert!(value.len() <= 10);
/// assert!(strategy::choices(0).is_err());
/// ```
pub fn choices(max_len: usize) -> Result<BoxedStrategy<Vec<u8>>, Error> {
    if max_len == 0 {
        return Err(invalid(
            "a schedule strategy of at most 0 choices can only ever run the scenario one way; allow at least 1"
                .to_string(),
        ));
    }
    Ok(prop::collection::vec(0u8..=3, 0..=max_len).boxed())
}
