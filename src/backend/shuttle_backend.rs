//! shuttle: randomized (random, PCT) and exhaustive (DFS) scheduling of the
//! scenario's threads as shuttle threads.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use shuttle::scheduler::{
    DataSource, DfsScheduler, RandomDataSource, Schedule, Scheduler, Task, TaskId,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};

use super::aggregate::Aggregate;
use super::config::{ShuttleConfig, ShuttleScheduler};
use super::runtime::ShuttleRuntime;
use super::schedulers::{Pct, UniformRandom};
use super::world::{Execution, Options, execute};
use crate::error::{Error, ErrorKind};
use crate::model::Scenario;
use crate::model::machine::guarded;
use crate::results::{Completion, Exploration, Stop};
use crate::results::{Interrupt, Replay};
use shuttle_engine::scheduler::ScheduleStep as shuttle_step;

/// Runs `scenario` under shuttle.
pub fn run_shuttle(scenario: &Scenario, config: &ShuttleConfig) -> Result<Exploration, Error> {
    if config.iterations == 0 {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            "--iterations: must be at least 1",
        ));
    }
    super::world::check_max_steps(config.max_steps)?;
    if let ShuttleScheduler::Pct { depth: 0 } = config.scheduler {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            "--pct-depth: must be at least 1 (depth 1 finds bugs that need no preemption)",
        ));
    }
    // shuttle lets this variable override any seed given in code, and
    // panics on a malformed one: check it, and say when it is in force.
    let mut seed = config.seed;
    let mut notes = Vec::new();
    if let Ok(value) = std::env::var("SHUTTLE_RANDOM_SEED") {
        seed = value.parse().map_err(|_| {
            Error::new(
                ErrorKind::InvalidLimit,
                format!("SHUTTLE_RANDOM_SEED={value:?} is not a 64-bit seed, and shuttle would panic on it; unset it or fix it"),
            )
        })?;
        if config.scheduler != ShuttleScheduler::Dfs {
            notes.push(format!(
                "SHUTTLE_RANDOM_SEED={seed} is set and overrides the seed {}",
                config.seed
            ));
        }
    }
    without_shuttles_panic_hook();
    let started = Instant::now();
    let scenario = Arc::new(scenario.clone());
    let mut fresh = Aggregate::new(&scenario);
    fresh.watch(config.progress.as_ref(), Some(config.iterations as u64));
    let aggregate = Arc::new(Mutex::new(fresh));
    // An execution is added once shuttle has made its last choice for it
    // (after the body returns), so its recorded schedule is complete.
    let finished: Arc<Mutex<Option<Execution>>> = Arc::new(Mutex::new(None));
    let body = {
        let scenario = scenario.clone();
        let finished = finished.clone();
        let options = Options {
            max_steps: Some(config.max_steps),
            every_step: matches!(config.scheduler, ShuttleScheduler::Pct { .. }),
            // Not under DFS: it replays each execution's prefix and needs
            // it the same every time; its executions end at `max_steps`.
            deadline: config
                .time_limit
                .filter(|_| config.scheduler != ShuttleScheduler::Dfs)
                .map(|limit| started + limit),
            ..Options::default()
        };
        move || {
            let execution = execute::<ShuttleRuntime>(&scenario, &options);
            *lock(&finished) = Some(execution);
        }
    };
    let mut shuttle_config = Config::new();
    shuttle_config.silence_warnings = true;
    shuttle_config.failure_persistence = FailurePersistence::None;
    shuttle_config.max_time = config.time_limit;
    // The interpreter ends an execution at `max_steps` steps, and its
    // threads then return. shuttle counts its own decisions (taking and
    // releasing a step's resources, a park, a spin's yield: a few per
    // step); its bound, well above, is only a guard that stops an execution
    // (counted as stopped) where its default would panic. An execution that
    // shuttle stops itself drops its threads' stacks without unwinding
    // them, which leaks what they hold.
    shuttle_config.max_steps =
        MaxSteps::ContinueAfter(config.max_steps.saturating_mul(16).saturating_add(16));
    let n = config.iterations;
    if config.shard.is_some() && !matches!(config.scheduler, ShuttleScheduler::Random) {
        return Err(Error::new(
            ErrorKind::InvalidLimit,
            "--shard: only the random scheduler runs shards (PCT learns from each execution, DFS enumerates in order); add `--scheduler random`",
        ));
    }
    let mut kind = config.scheduler;
    if scenario.thread_count() == 1 && matches!(kind, ShuttleScheduler::Pct { .. }) {
        // PCT panics on executions without a scheduling decision, which is
        // what a lone thread makes; there is no order to prioritise anyway.
        notes.push(
            "one thread: PCT has no orders to prioritise, so the random scheduler ran".to_string(),
        );
        kind = ShuttleScheduler::Random;
    }
    let decisions = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let scheduler: Box<dyn Scheduler + Send> = match kind {
        ShuttleScheduler::Random => Box::new(UniformRandom::new(seed, n, config.shard)),
        ShuttleScheduler::Pct { depth } => Box::new(Pct::new(seed, depth, n, decisions.clone())),
        // Random data for a select's pick: DFS does not enumerate it (the
        // result is then a sample, as noted), and without it shuttle panics.
        ShuttleScheduler::Dfs => Box::new(DfsScheduler::new(Some(n), true)),
    };
    let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let recording = Recording {
        inner: scheduler,
        current: None,
        finished: finished.clone(),
        aggregate: aggregate.clone(),
        stop: config.stop.clone(),
        stopped: stopped.clone(),
        interrupt: config.interrupt.clone(),
    };
    // shuttle panics when it finds every task blocked or an execution too
    // long for its own bound; the interpreter ends executions before either
    // can happen, but a panic there is an error of the run, not a crash.
    let runs = guarded(|| Runner::new(recording, shuttle_config).run(body)).map_err(|fault| {
        Error::new(
            ErrorKind::Unsupported,
            format!(
                "shuttle stopped: {}; the other backends may still run it",
                fault.message
            ),
        )
    })?;
    let aggregate = Aggregate::take(aggregate);
    let timed_out = config
        .time_limit
        .is_some_and(|limit| started.elapsed() >= limit);
    // DFS that ran fewer executions than its budget, and was not stopped by
    // the clock, enumerated them all.
    let stopped = stopped.load(std::sync::atomic::Ordering::Relaxed);
    if stopped {
        notes.push(format!(
            "stopped after {runs} of {n} executions, once every counterexample asked for was found"
        ));
    }
    let completion =
        if config.scheduler == ShuttleScheduler::Dfs && runs < n && !timed_out && !stopped {
            aggregate.unexplored_choices(Completion::Exhaustive, &mut notes)
        } else {
            Completion::Sampled
        };
    // DFS that stopped executions at the bound did not see their ends.
    let completion = aggregate.stopped_at(config.max_steps, completion, &mut notes);
    notes.push(match kind {
        ShuttleScheduler::Random => match config.shard {
            Some(shard) => format!(
                "shuttle random scheduler, seed {seed}, shard {} of {}: {runs} of the {n} executions",
                shard.index + 1,
                shard.count
            ),
            None => format!("shuttle random scheduler, seed {seed}, {runs} executions"),
        },
        ShuttleScheduler::Pct { depth } => {
            // PCT's guarantee: one execution finds a given bug of depth d
            // with probability at least 1/(n k^(d-1)), for n threads and k
            // scheduling decisions. It speaks of executions that finished.
            let finished = aggregate.executions();
            let mut note = format!("shuttle PCT scheduler, depth {depth}, seed {seed}, {runs} executions");
            if finished > 0 {
                let n = scenario.thread_count() as f64;
                let k = decisions.load(std::sync::atomic::Ordering::Relaxed).max(1) as f64;
                let p = 1.0 / (n * k.powi(depth as i32 - 1));
                let miss = (1.0 - p).powf(finished as f64);
                note.push_str(&format!(
                    "; with n = {n} threads and k = {k} scheduling decisions, each execution finds a given depth-{depth} bug with probability at least {}, so the {finished} that finished all miss it with probability at most {}",
                    probability(p),
                    probability(miss)
                ));
            }
            note
        }
        ShuttleScheduler::Dfs => format!("shuttle DFS scheduler, {runs} executions"),
    });
    if runs < n && timed_out {
        notes.push(format!(
            "the time limit stopped shuttle after {runs} of {n} executions"
        ));
    }
    Ok(aggregate.finish(completion, started.elapsed(), notes))
}

/// shuttle installs a panic hook once per process, at its first execution.
/// It writes to stderr for every panic in a shuttle task, caught or not,
/// and keeps doing so for every later panic of the process (scenario code
/// that panics under the explorer, in a user's own test, too). A library
/// must not print: one empty execution makes shuttle install it now, and
/// the hook it wrapped is put back.
fn without_shuttles_panic_hook() {
    static REMOVED: std::sync::Once = std::sync::Once::new();
    REMOVED.call_once(|| {
        type Hook = dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync;
        let previous: Arc<Hook> = Arc::from(std::panic::take_hook());
        let forward = previous.clone();
        std::panic::set_hook(Box::new(move |info| forward(info)));
        let mut config = Config::new();
        config.silence_warnings = true;
        config.failure_persistence = FailurePersistence::None;
        // DFS reads no environment variable, which a malformed one would make panic.
        Runner::new(DfsScheduler::new(Some(1), false), config).run(|| {});
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| previous(info)));
    });
}

/// A probability as a reader can use it: never rounded to 0 or 1.
fn probability(p: f64) -> String {
    if p > 0.0 && p < 0.001 {
        format!("{p:.2e}")
    } else if p < 1.0 && p > 0.999 {
        format!("1 - {:.2e}", 1.0 - p)
    } else {
        format!("{p:.3}")
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wraps a scheduler and records the schedule of the current execution in
/// shuttle's own form, so a failure can be replayed by shuttle's
/// replay (failures are data here, never parsed from stderr).
struct Recording {
    inner: Box<dyn Scheduler + Send>,
    /// The schedule of the execution under way, if one has started.
    current: Option<Schedule>,
    finished: Arc<Mutex<Option<Execution>>>,
    aggregate: Arc<Mutex<Aggregate>>,
    /// When to start no more executions.
    stop: Stop,
    /// Set when `stop` ended the run.
    stopped: Arc<std::sync::atomic::AtomicBool>,
    /// When raised, no more executions start.
    interrupt: Option<Interrupt>,
}

impl Recording {
    /// Adds the last execution, now that its schedule is complete.
    fn flush(&mut self) {
        let Some(current) = self.current.take() else {
            return;
        };
        match lock(&self.finished).take() {
            Some(execution) => {
                lock(&self.aggregate).add_with(execution, || Some(encode(&current)));
            }
            // shuttle stopped it at its own bound: the body never returned.
            None => lock(&self.aggregate).add_cut(),
        }
    }
}

/// The tasks that can run without a spurious wake-up. shuttle offers a
/// parked thread to the scheduler as if it could run, as `park` may return
/// spuriously; the interpreter unparks every thread that can move, so such
/// a wake-up only re-checks and parks again. Offered, it multiplies DFS's
/// schedules without end (a parked receiver, woken first each time, never
/// lets its sender run) and wastes random and PCT decisions.
fn awake<'a>(runnable: &[&'a Task]) -> smallvec::SmallVec<[&'a Task; 8]> {
    runnable.iter().copied().filter(|t| !t.blocked()).collect()
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Scheduler for Recording {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.flush();
        if self.interrupt.as_ref().is_some_and(Interrupt::is_raised) {
            return None;
        }
        if self.stop.satisfied_by(lock(&self.aggregate).found()) {
            self.stopped
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return None;
        }
        let schedule = self.inner.new_execution()?;
        self.current = Some(Schedule::new(schedule.seed));
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let choice = self
            .inner
            .next_task(&awake(runnable), current, is_yielding)?;
        if let Some(schedule) = &mut self.current {
            schedule.push_task(choice);
        }
        Some(choice)
    }

    fn next_u64(&mut self) -> u64 {
        if let Some(schedule) = &mut self.current {
            schedule.push_random();
        }
        self.inner.next_u64()
    }
}

/// `shuttle-<seed>-<steps>`: task numbers separated by dots, `*n` for runs,
/// `r` for a random value.
fn encode(schedule: &Schedule) -> String {
    let steps: Vec<String> = schedule
        .steps
        .iter()
        .map(|s| match s {
            shuttle_step::Task(t) => usize::from(*t).to_string(),
            shuttle_step::Random => "r".to_string(),
        })
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < steps.len() {
        let run = steps[i..].iter().take_while(|s| **s == steps[i]).count();
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&steps[i]);
        if run > 1 {
            out.push_str(&format!("*{run}"));
        }
        i += run;
    }
    format!(
        "shuttle-{}-{}",
        schedule.seed,
        if out.is_empty() { "-" } else { &out }
    )
}

/// The longest schedule a token may hold.
const MAX_REPLAY_STEPS: usize = 10_000_000;

fn decode(text: &str) -> Option<Schedule> {
    let rest = text.strip_prefix("shuttle-")?;
    let (seed, steps) = rest.split_once('-')?;
    let mut schedule = Schedule::new(seed.parse().ok()?);
    if steps == "-" {
        return Some(schedule);
    }
    let mut total = 0usize;
    for part in steps.split('.') {
        let (step, run) = part.split_once('*').unwrap_or((part, "1"));
        let run: usize = run.parse().ok().filter(|&n| n > 0)?;
        // No run records more decisions than the largest step bound.
        total = total.checked_add(run).filter(|&t| t <= MAX_REPLAY_STEPS)?;
        for _ in 0..run {
            if step == "r" {
                schedule.push_random();
            } else {
                schedule.push_task(TaskId::from(step.parse::<usize>().ok()?));
            }
        }
    }
    Some(schedule)
}

/// Replays a shuttle schedule (as printed in a replay token) through
/// shuttle, its scheduler following the schedule step by step.
pub fn replay_shuttle(scenario: &Scenario, encoded: &str) -> Result<Replay, Error> {
    let schedule = decode(encoded).ok_or_else(|| {
        Error::new(
            ErrorKind::MalformedToken,
            format!("`{encoded}` is not a shuttle schedule; it looks like `shuttle-0-0.1*3.2`"),
        )
    })?;
    let scenario = Arc::new(scenario.clone());
    let result = Arc::new(Mutex::new(None));
    let body = {
        let scenario = scenario.clone();
        let result = result.clone();
        move || {
            let execution = execute::<ShuttleRuntime>(&scenario, &Options::default());
            *lock(&result) = Some(execution);
        }
    };
    let mut config = Config::new();
    config.silence_warnings = true;
    config.failure_persistence = FailurePersistence::None;
    // The schedule, itself bounded, ends the execution.
    config.max_steps = MaxSteps::None;
    let mismatch = Arc::new(Mutex::new(None));
    let replayer = StrictReplay {
        data: RandomDataSource::initialize(schedule.seed),
        schedule,
        next: 0,
        started: false,
        mismatch: mismatch.clone(),
    };
    without_shuttles_panic_hook();
    Runner::new(replayer, config).run(body);
    if let Some(why) = lock(&mismatch).take() {
        return Err(Error::new(
            ErrorKind::TokenMismatch,
            format!(
                "the shuttle schedule does not fit `{}`: {why}; replay a token printed for this scenario and parameters",
                scenario.name()
            ),
        ));
    }
    let execution = lock(&result).take().ok_or_else(|| {
        Error::new(
            ErrorKind::TokenMismatch,
            "the shuttle schedule ran no complete execution",
        )
    })?;
    // The interpreter records choices, not text: the trace of the schedule
    // shuttle took is rebuilt by the explorer's replay of it.
    let mut run = execution.run;
    let ours = crate::results::Schedule::from_indices(&execution.schedule);
    run.steps = crate::sim::replay(&scenario, &ours)?.steps;
    Ok(run)
}

/// Replays a recorded shuttle schedule step by step. Unlike shuttle's
/// `ReplayScheduler`, which panics (and prints) when a schedule does not fit,
/// it ends the execution and says where the schedule diverged.
struct StrictReplay {
    /// Random values come from the seed, as under shuttle's own replay, so
    /// a select's random pick is repeated.
    data: RandomDataSource,
    schedule: Schedule,
    next: usize,
    started: bool,
    mismatch: Arc<Mutex<Option<String>>>,
}

impl Scheduler for StrictReplay {
    fn new_execution(&mut self) -> Option<Schedule> {
        if std::mem::replace(&mut self.started, true) {
            return None;
        }
        Some(Schedule::new(self.data.reinitialize()))
    }

    fn next_task(&mut self, runnable: &[&Task], _: Option<TaskId>, _: bool) -> Option<TaskId> {
        let step = self.next;
        self.next += 1;
        let why = match self.schedule.steps.get(step) {
            Some(shuttle_step::Task(t)) if awake(runnable).iter().any(|r| r.id() == *t) => {
                return Some(*t);
            }
            Some(shuttle_step::Task(t)) => format!(
                "step {} names task {}, which cannot run then",
                step + 1,
                usize::from(*t)
            ),
            Some(shuttle_step::Random) => {
                format!("step {} is a random value, not a task", step + 1)
            }
            None => format!("it ends after {step} steps, before the execution does"),
        };
        lock(&self.mismatch).get_or_insert(why);
        None
    }

    fn next_u64(&mut self) -> u64 {
        match self.schedule.steps.get(self.next) {
            Some(shuttle_step::Random) => {
                self.next += 1;
                self.data.next_u64()
            }
            _ => {
                lock(&self.mismatch).get_or_insert(format!(
                    "the execution asks for a random value at step {}",
                    self.next + 1
                ));
                0
            }
        }
    }
}
