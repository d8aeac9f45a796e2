//! Re-executing one schedule: the trace of a counterexample, and what the
//! `replay` command shows.

use super::happens::HappensBefore;
use super::state::{SimState, Terminal};
use super::step::Sim;
use crate::error::{Error, ErrorKind};
use crate::model::{Scenario, Scope};
use crate::results::{
    Choice, GuidedRun, Property, Replay, Schedule, Write, choice, note, thread_of,
};

/// Runs `schedule` on `scenario`, step by step, checking every property the
/// explorer checks (except determinism, which needs more than one execution).
///
/// A schedule that does not fit the scenario (a thread number out of range,
/// a thread that cannot move at that step, steps after a panic) is an
/// [`ErrorKind::TokenMismatch`] error naming the step.
///
/// ```
/// use interleave::{ProgramBuilder, ScenarioBuilder, replay};
/// let mut s = ScenarioBuilder::new("one writer");
/// let x = s.var("x", 0);
/// let mut p = ProgramBuilder::new("writer");
/// p.store(x, 7);
/// s.thread(p.build());
/// let scenario = s.build().unwrap();
/// let run = replay(&scenario, &"0".parse().unwrap()).unwrap();
/// assert_eq!(run.steps[0].code, "x = 7");
/// assert_eq!(run.outcome.unwrap().to_string(), "x=7");
/// assert!(replay(&scenario, &"0.0".parse().unwrap()).is_err());
/// ```
pub fn replay(scenario: &Scenario, schedule: &Schedule) -> Result<Replay, Error> {
    let sim = Sim::new(scenario);
    let mut run = Replay::default();
    let mismatch = |m: String| Err(Error::new(ErrorKind::TokenMismatch, m));
    let mut st = match sim.initial() {
        Ok(st) => st,
        Err((t, fault)) => {
            let (property, message) = sim.fault_finding(t, &fault);
            note(&mut run, 0, property, message, Vec::new());
            if !schedule.is_empty() {
                return mismatch(format!(
                    "the schedule has {} steps, but the scenario fails before its first step",
                    schedule.len()
                ));
            }
            return Ok(run);
        }
    };
    let threads = scenario.thread_count();
    let mut enabled = Vec::new();
    examine(&sim, &st, 0, &mut run, &mut enabled);
    // A hash of the state after each step, to tell whether the schedule
    // ends where it has been before (a lasso's cycle).
    let mut hashes = vec![st.words_hash()];
    let mut now = 0i64;
    let mut last: Option<usize> = None;
    let mut happens = HappensBefore::new(&sim);
    let vars = scenario.layout.var_base..scenario.layout.var_base + scenario.names.vars.len();
    for (k, s) in schedule.steps().iter().enumerate() {
        let t = s.thread.index();
        let step = k + 1;
        if t >= threads {
            return mismatch(format!(
                "step {step} names thread {t}, but `{}` has {threads} threads (0 to {}); replay a token printed for this scenario",
                scenario.name(),
                threads - 1
            ));
        }
        let c = choice(t, usize::from(s.alternative));
        if !sim.can_take(&st, c) {
            let name = scenario.names().threads[t].clone();
            let why = if st.pending[t] == crate::model::Op::Exit {
                "cannot move: it has already exited".to_string()
            } else if !sim.enabled(&st, t) {
                format!("cannot move: it is blocked at `{}`", sim.code_line(&st, t))
            } else if Sim::branches(&st, t) {
                let mut alts = Vec::new();
                sim.alternatives(&st, t, &mut alts);
                format!(
                    "cannot take alternative {}: it stands at `{}` with alternatives 0 to {}",
                    s.alternative,
                    sim.code_line(&st, t),
                    alts.len() - 1,
                )
            } else {
                format!(
                    "cannot take alternative {}: it is not at a select or a Signal",
                    s.alternative
                )
            };
            return mismatch(format!(
                "step {step} names thread {t} ({name}), which {why}; the schedule does not fit this scenario (were its parameters changed?)"
            ));
        }
        let mut described = sim.describe_step(&st, c);
        // Switching away from a thread that could have gone on.
        described.preempts = sim.preempts(&st, last, t);
        last = Some(t);
        if scenario.layout.timer_base.is_some() {
            let ticks = sim.ticks_of(&st, c);
            now += ticks;
            described.time = Some(now);
            if ticks > 0 {
                described.value = match described.value.as_str() {
                    "" => format!("t = {now}"),
                    v => format!("{v}; t = {now}"),
                };
            }
        }
        described.synchronizes_with = happens.step(&sim, &st, c, step);
        let before: Vec<i64> = st.words[vars.clone()].to_vec();
        let stepped = sim.step(&mut st, c);
        described.writes = before
            .iter()
            .zip(&st.words[vars.clone()])
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(v, (_, &b))| Write::new(scenario.names.vars[v].name.clone(), b))
            .collect();
        run.steps.push(described);
        if let Err((who, fault)) = stepped {
            let (property, message) = sim.fault_finding(who, &fault);
            note(&mut run, step, property, message, Vec::new());
            if step < schedule.len() {
                return mismatch(format!(
                    "the schedule goes on for {} more steps after the failure at step {step}",
                    schedule.len() - step
                ));
            }
            return Ok(run);
        }
        examine(&sim, &st, step, &mut run, &mut enabled);
        hashes.push(st.words_hash());
    }
    run.returns_to = returns_to(&sim, schedule, &hashes, &st.words);
    Ok(run)
}

/// The first step count after which the run was in the state it ends in,
/// if that is before its end; `hashes` holds each step's state hash, and
/// a match is confirmed on the words.
fn returns_to(sim: &Sim<'_>, schedule: &Schedule, hashes: &[u64], last: &[i64]) -> Option<usize> {
    let end = hashes.len() - 1;
    let candidates = (0..end).filter(|&k| hashes[k] == hashes[end]);
    for k in candidates {
        let mut st = sim.initial().ok()?;
        for s in &schedule.steps()[..k] {
            sim.step(
                &mut st,
                choice(s.thread.index(), usize::from(s.alternative)),
            )
            .ok()?;
        }
        if st.words == last {
            return Some(k);
        }
    }
    None
}

/// Checks a state reached by a step, noting what it breaks, and puts the
/// first two choices that can be taken into `enabled` (enough to tell an
/// end, a forced step and a choice).
pub(crate) fn examine(
    sim: &Sim<'_>,
    st: &SimState,
    step: usize,
    run: &mut Replay,
    enabled: &mut Vec<Choice>,
) {
    for (i, message) in sim.failing_in_every_state(st, 0) {
        note(
            run,
            step,
            sim.invariant_property(i, &message),
            message,
            Vec::new(),
        );
    }
    sim.enabled_up_to(st, 2, enabled);
    if let Some((var, a, b)) = sim.race(st, enabled) {
        let (message, pending) = sim.race_finding(st, var, a, b);
        note(run, step, Property::NoDataRace, message, pending);
    }
    if enabled.is_empty() {
        match sim.terminal(st) {
            Terminal::Final => {
                for (i, message) in sim.failing_invariants(st, Scope::AtEnd) {
                    let name = sim.sc.invariants[i].name.clone();
                    note(run, step, Property::Invariant(name), message, Vec::new());
                }
                run.outcome = Some(sim.sc.outcome(&st.words));
            }
            Terminal::Deadlock => {
                let (message, pending) = sim.deadlock_finding(st);
                note(run, step, Property::NoDeadlock, message, pending);
            }
        }
    }
}

/// Runs `scenario` along a sequence of preemption choices, the form of a
/// schedule that proptest can generate and shrink.
///
/// At each step the candidates are the moves that can be taken, the running
/// thread's first (so 0 means "keep going"; any other `k` switches to the
/// `k`-th candidate, modulo their number). Once the choices run out, every
/// further choice is 0. The run goes on until no thread can move or a
/// thread fails; more than `max_steps` steps is an error. Returns the
/// schedule taken, its replay (trace, and each property broken with the
/// step where it first showed) and how many preemptions it made (a switch
/// away from a thread that could have gone on).
///
/// ```
/// use interleave::{ProgramBuilder, ScenarioBuilder, run_choices};
/// let mut s = ScenarioBuilder::new("two writers");
/// for v in [1, 2] {
///     let x = s.var(format!("x{v}"), 0);
///     let mut p = ProgramBuilder::new(format!("w{v}"));
///     p.store(x, v).store(x, v);
///     s.thread(p.build());
/// }
/// let scenario = s.build().unwrap();
/// let run = run_choices(&scenario, &[0, 1], 1_000).unwrap();
/// assert_eq!(run.schedule.to_string(), "0.1*2.0");
/// assert_eq!(run.preempted_at, [2]);
/// ```
pub fn run_choices(
    scenario: &Scenario,
    choices: &[u8],
    max_steps: usize,
) -> Result<GuidedRun, Error> {
    let sim = Sim::new(scenario);
    let mut taken: Vec<Choice> = Vec::new();
    let mut preempted_at = Vec::new();
    if let Ok(mut st) = sim.initial() {
        let mut enabled = Vec::new();
        let mut current: Option<usize> = None;
        loop {
            sim.enabled_threads(&st, &mut enabled);
            if enabled.is_empty() {
                break;
            }
            if taken.len() == max_steps {
                return Err(Error::new(
                    ErrorKind::InvalidLimit,
                    format!(
                        "`{}` still runs after {max_steps} steps; raise the step limit or give the scenario an end",
                        scenario.name()
                    ),
                ));
            }
            // The running thread's moves first, in order; then the others.
            if let Some(t) = current {
                enabled.sort_by_key(|&c| thread_of(c) != t);
            }
            let k = usize::from(choices.get(taken.len()).copied().unwrap_or(0));
            let c = enabled[k % enabled.len()];
            if current.is_some_and(|t| t != thread_of(c) && thread_of(enabled[0]) == t) {
                preempted_at.push(taken.len() + 1);
            }
            current = Some(thread_of(c));
            taken.push(c);
            if sim.step(&mut st, c).is_err() {
                break;
            }
        }
    }
    let schedule = Schedule::from_indices(&taken);
    let run = replay(scenario, &schedule)?;
    Ok(GuidedRun {
        schedule,
        run,
        preempted_at,
    })
}
