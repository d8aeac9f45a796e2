//! The options of `interleave check`: parsing, ranges, and which engine
//! each belongs to. An option that cannot take effect is an error naming
//! the fix, never silently ignored.

use std::io;
use std::time::Duration;

use clap::{Args, ValueEnum};

use interleave::backend::{Shard, ShuttleScheduler};
use interleave::catalog::{self, Entry, Params};
use interleave::check::{BackendKind, Backends};
use interleave::{Error, ErrorKind, ExploreConfig};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Human,
    Json,
}

#[derive(Args, Debug, Default)]
pub(super) struct CheckArgs {
    /// Scenarios to check, by name or glob (`'bank/*'`, `'*/mutex'`;
    /// default: the whole catalog).
    names: Vec<String>,
    /// Leaves out the scenarios a name or glob matches (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Stops after the first result that is not as expected.
    #[arg(long)]
    pub(super) fail_fast: bool,
    /// Goes on past the counterexamples the expectation needs: every
    /// reachable outcome (with counts) and every property's verdict. On a
    /// sampling engine it runs the whole budget.
    #[arg(long)]
    pub(super) exhaust: bool,
    /// Overrides a parameter, e.g. `--set weeks=4 --set incomes=500+10`; applies
    /// to every selected scenario that has it. Each key once.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// explore: most distinct states to store per scenario (1 to
    /// 2147483647).
    #[arg(long, value_name = "N")]
    max_states: Option<u64>,
    /// explore: most memory the visited set may take, e.g. `512MiB`, `8GiB`
    /// (default: half the machine's memory); the search stops, bounded,
    /// when it is reached.
    #[arg(long, value_name = "SIZE")]
    max_memory: Option<String>,
    /// Most steps on one execution (default 1000000; loom: 8000, its most). A
    /// threaded backend stops a longer execution, which counts for nothing.
    #[arg(long, value_name = "N")]
    max_depth: Option<u64>,
    /// Wall-clock limit per scenario and backend, e.g. `30s`, `500ms`, `2m`
    /// (none by default, except loom: 30s).
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
    /// explore: store every state (no chains, no early `wg.Done()`);
    /// counterexamples are then shortest in steps.
    #[arg(long)]
    no_reduction: bool,
    /// explore: hash compaction, for state spaces beyond memory: keeps a
    /// 64-bit fingerprint per state instead of the state; the report says
    /// how likely a state was missed. `terminates` is then not decided.
    #[arg(long)]
    fingerprints: bool,
    /// explore: judges only this property or coverage goal, by the name the
    /// report gives it (repeatable); the others are reported as not
    /// checked. When each one judged is about how executions end (final
    /// invariants, determinism, deadlock), independent steps are explored
    /// in one order only: `bank/mutex` judged on its final balance stores
    /// 157 states instead of 7.9 million.
    #[arg(long = "property", value_name = "NAME")]
    pub(super) property: Vec<String>,
    /// explore: threads that expand states, besides the one that stores
    /// them (default: one per core; 0: that one does everything). The
    /// result does not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Also writes the results as JUnit XML to this file: one test case
    /// per scenario and engine, failures with their traces and replay
    /// commands.
    #[arg(long, value_name = "FILE")]
    pub(super) junit: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub(super) draw: super::draw::DrawArgs,
    /// explore: after the search, find each violated property's
    /// counterexample with the fewest preemptions (then steps), storing at
    /// most N states for it (a few hundred bytes each; default 300000, 0:
    /// off). One found within N is marked "the fewest possible".
    #[arg(long, value_name = "N")]
    fewest_preemptions: Option<usize>,
    /// explore: after an exhaustive search, the exact probability that one
    /// execution of a uniformly random scheduler (each thread that can move
    /// equally likely at every step) breaks each violated property, and
    /// PCT's of depth `--pct-depth` (exact while its choices can be counted,
    /// else its guaranteed bound), with the runs needed for 50%, 95% and
    /// 99% confidence: what shuttle's schedulers here do. Implies --exhaust.
    #[arg(long)]
    pub(super) odds: bool,
    /// Every counterexample's trace and every outcome (by default: the
    /// first counterexample's trace, a line for each other, and the most
    /// frequent outcomes).
    #[arg(long, conflicts_with = "brief")]
    pub(super) verbose: bool,
    /// Only the status lines, no traces or outcomes.
    #[arg(long)]
    pub(super) brief: bool,
    /// Output format.
    #[arg(long, value_enum)]
    pub(super) format: Option<Format>,
    /// Which engine explores: the built-in explorer (exhaustive), shuttle,
    /// loom, OS threads, or all of them in turn.
    #[arg(long, value_enum, default_value_t = BackendArg::Explore)]
    backend: BackendArg,
    /// shuttle: how many executions at most (default 1000; 1 to
    /// 100000000).
    #[arg(long, value_name = "N")]
    iterations: Option<usize>,
    /// shuttle: the random and PCT schedulers' seed (default 0; DFS has
    /// none).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// shuttle: the scheduler (default pct).
    #[arg(long, value_enum)]
    scheduler: Option<SchedulerArg>,
    /// shuttle: the PCT bug depth (default 3; 1 to 64); with `--odds`, the
    /// depth whose odds are counted.
    #[arg(long, value_name = "D")]
    pct_depth: Option<usize>,
    /// loom: explore only executions with at most this many preemptions
    /// (0 to 255).
    #[arg(long, value_name = "B")]
    preemption_bound: Option<usize>,
    /// shuttle (random scheduler) and threads: run shard K of N of the
    /// executions, e.g. `--shard 2/4`; N shards together run exactly the
    /// executions of one unsharded run (`interleave merge` combines their
    /// JSON reports).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// threads: how many executions (default 1000; 1 to 10000000).
    #[arg(long, value_name = "N")]
    runs: Option<usize>,
    /// threads: do not start the threads together at a barrier.
    #[arg(long)]
    no_barrier: bool,
    /// threads: do not yield after every operation.
    #[arg(long)]
    no_yields: bool,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum BackendArg {
    #[default]
    Explore,
    Shuttle,
    Loom,
    Threads,
    All,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum SchedulerArg {
    Random,
    Pct,
    Dfs,
}

/// Why a command did not finish: bad input (exit 2), or output that
/// could not be written.
pub(super) enum Failure {
    Input(Error),
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Input(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

pub(super) fn limit_error(flag: &str, why: &str) -> Failure {
    Failure::Input(Error::new(
        ErrorKind::InvalidLimit,
        format!("--{flag}: {why}"),
    ))
}

/// Parses `30s`, `500ms`, `2m` or a plain number of seconds.
pub(super) fn parse_duration(text: &str) -> Result<Duration, Failure> {
    let bad = || {
        limit_error(
            "timeout",
            &format!("`{text}` is not a duration; write e.g. `30s`, `500ms` or `2m`"),
        )
    };
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: f64 = number.parse().map_err(|_| bad())?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    if secs.is_nan() || secs <= 0.0 {
        return Err(limit_error("timeout", "must be more than zero"));
    }
    if secs > 7.0 * 24.0 * 3600.0 {
        return Err(limit_error(
            "timeout",
            &format!("`{text}` is more than a week; leave it out for no limit"),
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses `512MiB`, `8GiB`, `1.5GiB`, `64KiB` or a plain number of bytes.
pub(super) fn parse_size(text: &str) -> Result<u64, Failure> {
    let bad = || {
        limit_error(
            "max-memory",
            &format!("`{text}` is not a size; write e.g. `512MiB` or `8GiB`"),
        )
    };
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => text.split_at(i),
        None => (text, "B"),
    };
    let n: f64 = number.parse().map_err(|_| bad())?;
    let scale: f64 = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = n * scale;
    if !bytes.is_finite() || bytes < 1024.0 * 1024.0 {
        return Err(limit_error("max-memory", "must be at least 1MiB"));
    }
    if bytes > 1024.0_f64.powi(5) {
        return Err(limit_error(
            "max-memory",
            &format!("`{text}` is more than a PiB; leave it out for the default"),
        ));
    }
    Ok(bytes as u64)
}

/// A `--threads` value, or an error for an absurd one.
pub(super) fn checked_threads(n: usize) -> Result<usize, Failure> {
    if n > MAX_THREADS {
        return Err(limit_error(
            "threads",
            &format!(
                "{n} is more than {MAX_THREADS}; the explorer gains nothing past the machine's cores"
            ),
        ));
    }
    Ok(n)
}

/// Most `--iterations`: a hundred million shuttle executions take days.
const MAX_ITERATIONS: usize = 100_000_000;
/// Most `--fewest-preemptions` nodes: a hundred million states do not fit
/// in memory.
const MAX_PREEMPTION_NODES: usize = 100_000_000;
/// The default `--fewest-preemptions`: enough to prove the seed's lost
/// update needs one preemption (255,520 states, under 2 s).
const DEFAULT_PREEMPTION_NODES: usize = 300_000;
/// Most `--runs` of OS threads.
const MAX_RUNS: usize = 10_000_000;
/// Most `--pct-depth`: PCT's guarantee shrinks with each level, and past a
/// few it says nothing.
const MAX_PCT_DEPTH: usize = 64;

/// An error unless `value` (when given) lies in `low..=high`.
fn in_range(flag: &str, value: Option<usize>, low: usize, high: usize) -> Result<(), Failure> {
    match value {
        Some(n) if n < low || n > high => Err(limit_error(
            flag,
            &format!("{n} is out of range: it takes {low} to {high}"),
        )),
        _ => Ok(()),
    }
}

/// Parses `K/N` (shard K of N, from 1).
fn parse_shard(text: &str) -> Result<Shard, Failure> {
    let bad = || {
        limit_error(
            "shard",
            &format!("`{text}` is not K/N with 1 <= K <= N <= 1000000, e.g. `2/4`"),
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || k > n || n > 1_000_000 {
        return Err(bad());
    }
    Ok(Shard {
        index: k - 1,
        count: n,
    })
}

/// Most `--threads`.
const MAX_THREADS: usize = 256;

pub(super) fn config(args: &CheckArgs) -> Result<ExploreConfig, Failure> {
    let mut config = ExploreConfig::default()
        .reduction(!args.no_reduction)
        .fingerprints(args.fingerprints)
        .estimate(true);
    if let Some(n) = args.max_states {
        if n == 0 {
            return Err(limit_error("max-states", "must be at least 1"));
        }
        if n > (1 << 31) - 1 {
            return Err(limit_error(
                "max-states",
                &format!("{n} is more than the 2,147,483,647 states the explorer can number"),
            ));
        }
        config = config.max_states(n as usize);
    }
    if let Some(n) = args.max_depth {
        if n == 0 {
            return Err(limit_error("max-depth", "must be at least 1"));
        }
        if n > u64::from(u32::MAX) {
            return Err(limit_error(
                "max-depth",
                &format!("{n} is more than 4,294,967,295 steps"),
            ));
        }
        config = config.max_steps(n as usize);
    }
    if let Some(t) = &args.timeout {
        config = config.time_limit(parse_duration(t)?);
    }
    if let Some(size) = &args.max_memory {
        config = config.max_memory(parse_size(size)?);
    }
    if let Some(n) = args.threads {
        config = config.threads(checked_threads(n)?);
    }
    config = config
        .odds(args.odds)
        .pct_depth(args.pct_depth.unwrap_or(3));
    let budget = args.fewest_preemptions.unwrap_or(DEFAULT_PREEMPTION_NODES);
    in_range("fewest-preemptions", Some(budget), 0, MAX_PREEMPTION_NODES)?;
    config = config.fewest_preemptions(budget);
    Ok(config)
}

/// The backends to run and their settings; options of a backend that is
/// not selected are an error rather than silently ignored.
pub(super) fn backends(
    args: &CheckArgs,
    explore: ExploreConfig,
) -> Result<(Vec<BackendKind>, Backends), Failure> {
    let kinds: Vec<BackendKind> = match args.backend {
        BackendArg::Explore => vec![BackendKind::Explore],
        BackendArg::Shuttle => vec![BackendKind::Shuttle],
        BackendArg::Loom => vec![BackendKind::Loom],
        BackendArg::Threads => vec![BackendKind::Threads],
        BackendArg::All => BackendKind::ALL.to_vec(),
    };
    let only = |flag: &str, given: bool, kind: BackendKind| -> Result<(), Failure> {
        if given && !kinds.contains(&kind) {
            return Err(Failure::Input(Error::new(
                ErrorKind::InvalidLimit,
                format!(
                    "--{flag} applies to the {kind} backend only; add `--backend {kind}` (or `all`)"
                ),
            )));
        }
        Ok(())
    };
    only(
        "iterations",
        args.iterations.is_some(),
        BackendKind::Shuttle,
    )?;
    only("seed", args.seed.is_some(), BackendKind::Shuttle)?;
    only("scheduler", args.scheduler.is_some(), BackendKind::Shuttle)?;
    only(
        "pct-depth",
        args.pct_depth.is_some() && !args.odds,
        BackendKind::Shuttle,
    )?;
    only(
        "preemption-bound",
        args.preemption_bound.is_some(),
        BackendKind::Loom,
    )?;
    only("runs", args.runs.is_some(), BackendKind::Threads)?;
    only("threads", args.threads.is_some(), BackendKind::Explore)?;
    only(
        "max-memory",
        args.max_memory.is_some(),
        BackendKind::Explore,
    )?;
    only(
        "max-states",
        args.max_states.is_some(),
        BackendKind::Explore,
    )?;
    only("no-reduction", args.no_reduction, BackendKind::Explore)?;
    only("fingerprints", args.fingerprints, BackendKind::Explore)?;
    only("property", !args.property.is_empty(), BackendKind::Explore)?;
    only("odds", args.odds, BackendKind::Explore)?;
    only(
        "fewest-preemptions",
        args.fewest_preemptions.is_some(),
        BackendKind::Explore,
    )?;
    only("no-barrier", args.no_barrier, BackendKind::Threads)?;
    if args.seed.is_some() && args.scheduler == Some(SchedulerArg::Dfs) {
        return Err(limit_error(
            "seed",
            "the DFS scheduler tries schedules in a fixed order and takes no seed; leave it out, or pick `--scheduler random` or `pct`",
        ));
    }
    if args.shard.is_some()
        && !kinds
            .iter()
            .any(|k| matches!(k, BackendKind::Shuttle | BackendKind::Threads))
    {
        return Err(limit_error(
            "shard",
            "applies to the sampling engines only, shuttle's random scheduler and threads; add `--backend shuttle --scheduler random` or `--backend threads`",
        ));
    }
    if args.shard.is_some()
        && kinds.contains(&BackendKind::Shuttle)
        && args.scheduler != Some(SchedulerArg::Random)
    {
        return Err(limit_error(
            "shard",
            "on shuttle, only the random scheduler runs shards (PCT learns from each execution, DFS enumerates in order); add `--scheduler random`",
        ));
    }
    if args.format == Some(Format::Json) && (args.brief || args.verbose) {
        return Err(limit_error(
            if args.brief { "brief" } else { "verbose" },
            "applies to the human report only; JSON always lists everything",
        ));
    }
    in_range("iterations", args.iterations, 1, MAX_ITERATIONS)?;
    in_range("runs", args.runs, 1, MAX_RUNS)?;
    in_range("pct-depth", args.pct_depth, 1, MAX_PCT_DEPTH)?;
    in_range(
        "preemption-bound",
        args.preemption_bound,
        0,
        interleave::backend::MAX_PREEMPTION_BOUND,
    )?;
    only("no-yields", args.no_yields, BackendKind::Threads)?;
    if args.pct_depth.is_some() && args.scheduler.is_some_and(|s| s != SchedulerArg::Pct) {
        return Err(limit_error(
            "pct-depth",
            "applies to `--scheduler pct` only",
        ));
    }
    let mut backends = Backends::default();
    backends.explore = explore;
    let depth = args.pct_depth.unwrap_or(3);
    if depth == 0 {
        return Err(limit_error(
            "pct-depth",
            "must be at least 1 (depth 1 finds bugs that need no preemption)",
        ));
    }
    backends.shuttle.scheduler = match args.scheduler.unwrap_or(SchedulerArg::Pct) {
        SchedulerArg::Random => ShuttleScheduler::Random,
        SchedulerArg::Pct => ShuttleScheduler::Pct { depth },
        SchedulerArg::Dfs => ShuttleScheduler::Dfs,
    };
    if let Some(n) = args.iterations {
        if n == 0 {
            return Err(limit_error("iterations", "must be at least 1"));
        }
        backends.shuttle.iterations = n;
    }
    if let Some(seed) = args.seed {
        backends.shuttle.seed = seed;
    }
    backends.loom.preemption_bound = args.preemption_bound;
    if args.max_depth.is_some() {
        backends.shuttle.max_steps = backends.explore.max_steps;
        backends.loom.max_steps = backends.explore.max_steps;
        backends.threads.max_steps = backends.explore.max_steps;
    }
    if let Some(t) = backends.explore.time_limit {
        backends.loom.time_limit = Some(t);
        backends.shuttle.time_limit = Some(t);
        backends.threads.time_limit = Some(t);
    }
    if let Some(n) = args.runs {
        if n == 0 {
            return Err(limit_error("runs", "must be at least 1"));
        }
        backends.threads.runs = n;
    }
    if let Some(text) = &args.shard {
        let shard = parse_shard(text)?;
        backends.shuttle.shard = Some(shard);
        backends.threads.shard = Some(shard);
    }
    backends.threads.barrier = !args.no_barrier;
    backends.threads.yields = !args.no_yields;
    Ok((kinds, backends))
}

/// The selected entries with their parameters, every `--set` checked.
pub(super) fn selection(args: &CheckArgs) -> Result<Vec<(&'static Entry, Params)>, Failure> {
    let mut entries: Vec<&'static Entry> = if args.names.is_empty() {
        catalog::entries().iter().collect()
    } else {
        let mut chosen: Vec<&'static Entry> = Vec::new();
        for name in &args.names {
            for entry in matching(name)? {
                if !chosen.iter().any(|e| e.name == entry.name) {
                    chosen.push(entry);
                }
            }
        }
        chosen
    };
    for pattern in &args.exclude {
        let excluded = matching(pattern)?;
        entries.retain(|e| !excluded.iter().any(|x| x.name == e.name));
    }
    let mut selected = Vec::new();
    for entry in &entries {
        let specs = entry.params();
        let applicable: Vec<&String> = args
            .set
            .iter()
            .filter(|assignment| {
                let key = assignment
                    .split_once('=')
                    .map_or(assignment.as_str(), |(k, _)| k.trim());
                specs.iter().any(|s| s.name == key) || !assignment.contains('=')
            })
            .collect();
        selected.push((*entry, entry.params_from(&applicable)?));
    }
    for assignment in &args.set {
        let key = assignment
            .split_once('=')
            .map_or(assignment.as_str(), |(k, _)| k.trim());
        if let [entry] = entries.as_slice() {
            // One scenario: its own message lists its parameters.
            entry.params_from(std::slice::from_ref(assignment))?;
        }
        if !entries
            .iter()
            .any(|e| e.params().iter().any(|s| s.name == key))
        {
            let names: Vec<&str> = entries.iter().map(|e| e.name).collect();
            return Err(Failure::Input(Error::new(
                ErrorKind::InvalidParameter,
                format!(
                    "no selected scenario has a parameter `{key}` ({}); `interleave list` shows each scenario's parameters",
                    names.join(", ")
                ),
            )));
        }
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").ok(), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_duration("500ms").ok(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_duration("2m").ok(), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("3").ok(), Some(Duration::from_secs(3)));
        for bad in ["0", "0s", "x", "3y", "", "9999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

/// The catalog entries a name or a glob (`*` any run of characters, `?`
/// one) names; an error when none does.
fn matching(pattern: &str) -> Result<Vec<&'static Entry>, Failure> {
    if !pattern.contains(['*', '?']) {
        return Ok(vec![catalog::find(pattern)?]);
    }
    let found: Vec<&'static Entry> = catalog::entries()
        .iter()
        .filter(|e| glob_matches(pattern.as_bytes(), e.name.as_bytes()))
        .collect();
    if found.is_empty() {
        return Err(Failure::Input(Error::new(
            ErrorKind::UnknownScenario,
            format!("no scenario matches `{pattern}`; `interleave list` shows them all"),
        )));
    }
    Ok(found)
}

/// Whether `name` matches the glob `pattern` (`*`: any run, `?`: one
/// character), by backtracking over the last `*`.
fn glob_matches(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == b'?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod glob_tests {
    use super::glob_matches;

    #[test]
    fn globs_match_as_a_shell_does() {
        let m = |p: &str, n: &str| glob_matches(p.as_bytes(), n.as_bytes());
        assert!(m("bank/*", "bank/mutex") && m("*/mutex", "bank/mutex"));
        assert!(m("*", "x") && m("b?nk/*x", "bank/mutex") && m("**", ""));
        assert!(!m("bank/*", "atomic/bank") && !m("?", "") && !m("a*b", "acbd"));
        assert!(m("a*b*c", "aXbYbZc") && !m("a*b*c", "aXbYbZ"));
    }
}
