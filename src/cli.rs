//! Argument parsing and the commands. Exit codes: 0 when every verdict is as
//! expected, 1 when one is not, 2 for a usage or input error.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bench::BenchArgs;
use interleave::backend::ShuttleScheduler;
use interleave::catalog::{self, Entry, Params, ReplayToken, TokenSchedule};
use interleave::check::{BackendKind, Backends};
use interleave::report::{human, json};
use interleave::{Error, ErrorKind, ExploreConfig};

/// Exhaustively explores the interleavings of concurrency scenarios: shows
/// the interleaving that loses an update, proves the fix in every
/// interleaving, and prints the command that replays each failure.
#[derive(Parser, Debug)]
#[command(name = "interleave", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lists the catalog's scenarios, their parameters and expectations.
    List,
    /// Checks catalog scenarios against their expectations (the default).
    Check(CheckArgs),
    /// Re-executes a failure from its replay token and prints its trace.
    Replay {
        /// The token a report printed, e.g. 'v1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1'.
        token: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Benchmarks exhaustive verification of bank/mutex, with the reduction on and off.
    Bench(BenchArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Args, Debug, Default)]
struct CheckArgs {
    /// Scenarios to check (default: the whole catalog).
    names: Vec<String>,
    /// Overrides a parameter, e.g. `--set weeks=4 --set incomes=500+10`; applies
    /// to every selected scenario that has it.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Most distinct states to store per scenario.
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
    /// Store every state (no chains, no early `wg.Done()`); counterexamples are then
    /// shortest in steps.
    #[arg(long)]
    no_reduction: bool,
    /// explore: threads that expand states, besides the one that stores
    /// them (default: one per core; 0: that one does everything). The
    /// result does not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Only the status lines, no traces or outcomes.
    #[arg(long)]
    brief: bool,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Which engine explores: the built-in explorer (exhaustive), shuttle,
    /// loom, OS threads, or all of them in turn.
    #[arg(long, value_enum, default_value_t = BackendArg::Explore)]
    backend: BackendArg,
    /// shuttle: how many executions at most (default 1000).
    #[arg(long, value_name = "N")]
    iterations: Option<usize>,
    /// shuttle: the random and PCT schedulers' seed (default 0).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// shuttle: the scheduler (default pct).
    #[arg(long, value_enum)]
    scheduler: Option<SchedulerArg>,
    /// shuttle: the PCT bug depth (default 3).
    #[arg(long, value_name = "D")]
    pct_depth: Option<usize>,
    /// loom: explore only executions with at most this many preemptions.
    #[arg(long, value_name = "B")]
    preemption_bound: Option<usize>,
    /// threads: how many executions (default 1000).
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
enum BackendArg {
    #[default]
    Explore,
    Shuttle,
    Loom,
    Threads,
    All,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum SchedulerArg {
    Random,
    Pct,
    Dfs,
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut out = io::stdout().lock();
    let result = match cli.command {
        None => check(&cli.check, &mut out),
        Some(Command::Check(args)) => check(&args, &mut out),
        Some(Command::List) => list(&mut out),
        Some(Command::Replay { token, format }) => replay_token(&token, format, &mut out),
        Some(Command::Bench(args)) => bench(&args, &mut out),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Input(e)) => {
            let _ = out.flush();
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        // The reader went away (`| head`): nothing more to say.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("error: cannot write output: {e}");
            ExitCode::from(2)
        }
    }
}

/// `interleave bench`: its limits are checked here, as every command's are.
fn bench(args: &BenchArgs, out: &mut impl Write) -> Result<ExitCode, Failure> {
    let timeout = parse_duration(&args.timeout)?;
    if let Some(n) = args.threads {
        checked_threads(n)?;
    }
    crate::bench::run(args, timeout, out).map_err(|e| match e {
        crate::bench::Failure::Input(e) => Failure::Input(e),
        crate::bench::Failure::Output(e) => Failure::Output(e),
    })
}

enum Failure {
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

fn limit_error(flag: &str, why: &str) -> Failure {
    Failure::Input(Error::new(
        ErrorKind::InvalidLimit,
        format!("--{flag}: {why}"),
    ))
}

/// Parses `30s`, `500ms`, `2m` or a plain number of seconds.
fn parse_duration(text: &str) -> Result<Duration, Failure> {
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
fn parse_size(text: &str) -> Result<u64, Failure> {
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
fn checked_threads(n: usize) -> Result<usize, Failure> {
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

/// Most `--threads`.
const MAX_THREADS: usize = 256;

fn config(args: &CheckArgs) -> Result<ExploreConfig, Failure> {
    let mut config = ExploreConfig::default().reduction(!args.no_reduction);
    if let Some(n) = args.max_states {
        if n == 0 {
            return Err(limit_error("max-states", "must be at least 1"));
        }
        if n > u64::from(u32::MAX) - 1 {
            return Err(limit_error(
                "max-states",
                &format!("{n} is more than the 4,294,967,294 states the explorer can number"),
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
    Ok(config)
}

/// The backends to run and their settings; options of a backend that is
/// not selected are an error rather than silently ignored.
fn backends(
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
    only("pct-depth", args.pct_depth.is_some(), BackendKind::Shuttle)?;
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
    only("no-barrier", args.no_barrier, BackendKind::Threads)?;
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
    backends.threads.barrier = !args.no_barrier;
    backends.threads.yields = !args.no_yields;
    Ok((kinds, backends))
}

/// The selected entries with their parameters, every `--set` checked.
fn selection(args: &CheckArgs) -> Result<Vec<(&'static Entry, Params)>, Failure> {
    let entries: Vec<&'static Entry> = if args.names.is_empty() {
        catalog::entries().iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| catalog::find(n))
            .collect::<Result<_, _>>()?
    };
    let mut selected = Vec::new();
    for entry in &entries {
        let specs = entry.params();
        let mut params = entry.default_params();
        for assignment in &args.set {
            let key = assignment
                .split_once('=')
                .map_or(assignment.as_str(), |(k, _)| k.trim());
            if specs.iter().any(|s| s.name == key) || !assignment.contains('=') {
                params.set(&specs, assignment)?;
            }
        }
        selected.push((*entry, params));
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

/// A spinner on stderr for each long exploration, when stderr is a
/// terminal: a search of millions of states takes seconds, and silence
/// then looks like a hang. It never touches stdout, so piped output stays
/// clean.
#[derive(Clone, Default)]
struct Spinner(std::sync::Arc<std::sync::Mutex<Option<indicatif::ProgressBar>>>);

impl Spinner {
    /// A hook that shows a search's progress on the current spinner.
    fn hook(&self) -> interleave::ProgressHook {
        let current = self.clone();
        interleave::ProgressHook::new(move |p| {
            use indicatif::HumanCount;
            if p.done {
                return;
            }
            if let Some(bar) = &*current.slot() {
                let per_second = p.states as f64 / p.elapsed.as_secs_f64().max(1e-3);
                bar.set_message(format!(
                    "{} states ({}/s), {} steps, {} waiting, depth {}",
                    HumanCount(p.states),
                    HumanCount(per_second as u64),
                    HumanCount(p.steps),
                    HumanCount(p.waiting),
                    p.depth
                ));
            }
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<indicatif::ProgressBar>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a spinner for `name`.
    fn start(&self, name: &str) {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_prefix(name.to_string());
        *self.slot() = Some(bar);
    }

    /// Removes the spinner, before the result is printed.
    fn clear(&self) {
        if let Some(bar) = self.slot().take() {
            bar.finish_and_clear();
        }
    }
}

fn check(args: &CheckArgs, out: &mut impl Write) -> Result<ExitCode, Failure> {
    use std::io::IsTerminal;
    let config = config(args)?;
    let (kinds, mut backends) = backends(args, config.clone())?;
    let format = args.format.unwrap_or(Format::Human);
    let spinner = (format == Format::Human && io::stderr().is_terminal()).then(Spinner::default);
    if let Some(s) = &spinner {
        backends.explore.progress = Some(s.hook());
    }
    let selected = selection(args)?;
    let started = Instant::now();
    let width = selected
        .iter()
        .map(|(e, _)| e.name.len())
        .max()
        .unwrap_or(0);
    if format == Format::Human {
        let engines: Vec<String> = kinds
            .iter()
            .map(|k| match k {
                BackendKind::Explore if config.reduction => {
                    "the explorer (breadth-first, reduction on)".to_string()
                }
                BackendKind::Explore => {
                    "the explorer (breadth-first, every state stored)".to_string()
                }
                other => other.to_string(),
            })
            .collect();
        writeln!(
            out,
            "{:>8} {} scenario{} with {}",
            "Checking",
            selected.len(),
            if selected.len() == 1 { "" } else { "s" },
            engines.join(", ")
        )?;
    }
    let (mut checked, mut failed, mut skipped) = (0, Vec::new(), 0);
    for (entry, params) in &selected {
        let scenario = entry.build(params)?;
        for &kind in &kinds {
            if let Some(s) = spinner.as_ref().filter(|_| kind == BackendKind::Explore) {
                s.start(entry.name);
            }
            let result = entry.check_on(kind, params, &backends);
            if let Some(s) = &spinner {
                s.clear();
            }
            let report = match result {
                Ok(report) => report,
                Err(e) if e.kind() == ErrorKind::Unsupported => {
                    skipped += 1;
                    match format {
                        Format::Human => writeln!(
                            out,
                            "{:>8} [{:>8.3}s] {:<width$}  [{kind}] skipped: {e}",
                            "SKIP", 0.0, entry.name
                        )?,
                        Format::Json => writeln!(
                            out,
                            "{}",
                            json::skipped(entry.name, kind.name(), e.to_string())
                        )?,
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            checked += 1;
            match format {
                Format::Human => {
                    writeln!(out, "{}", human::status_line(&report, width))?;
                    if !args.brief {
                        writeln!(out, "{}", human::details(&report, scenario.names()))?;
                    }
                }
                Format::Json => {
                    writeln!(out, "{}", json::report(&report, scenario.names()))?;
                }
            }
            out.flush()?;
            if !report.as_expected() {
                failed.push(report);
            }
        }
    }
    if format == Format::Human {
        writeln!(out, "{}", "─".repeat(12))?;
        writeln!(
            out,
            "{:>8} [{:>8.3}s] {checked} check{} run: {} as expected, {} not{}",
            "Summary",
            started.elapsed().as_secs_f64(),
            if checked == 1 { "" } else { "s" },
            checked - failed.len(),
            failed.len(),
            if skipped > 0 {
                format!(", {skipped} skipped")
            } else {
                String::new()
            }
        )?;
        for r in &failed {
            writeln!(
                out,
                "{:>8} {} [{}]: {}",
                "FAIL",
                r.scenario,
                r.backend,
                r.mismatches.join("; ")
            )?;
        }
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn list(out: &mut impl Write) -> Result<ExitCode, Failure> {
    for entry in catalog::entries() {
        let params = entry.default_params();
        writeln!(out, "{}", entry.name)?;
        writeln!(out, "    {}", entry.summary)?;
        writeln!(out, "    expected: {}", entry.expectation(&params))?;
        for spec in entry.params() {
            writeln!(
                out,
                "    --set {}={}  ({})",
                spec.name, spec.default, spec.help
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn replay_token(text: &str, format: Format, out: &mut impl Write) -> Result<ExitCode, Failure> {
    let token: ReplayToken = text.parse()?;
    let (entry, params, scenario) = catalog::resolve(&token)?;
    let in_context =
        |e: Error| Error::new(e.kind(), format!("replay token for `{}`: {e}", entry.name));
    let run = token.schedule.replay(&scenario).map_err(in_context)?;
    let how = matches!(token.schedule, TokenSchedule::Shuttle(_))
        .then_some("through shuttle, its scheduler following the recorded schedule");
    match format {
        Format::Human => {
            if let Some(how) = how {
                writeln!(out, "replaying {how}")?;
            }
            write!(
                out,
                "{}",
                human::replay(entry.name, &params.to_string(), scenario.names(), &run)
            )?
        }
        Format::Json => writeln!(
            out,
            "{}",
            json::replay(entry.name, &params.to_string(), scenario.names(), &run)
        )?,
    }
    Ok(ExitCode::SUCCESS)
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
