//! `interleave bench`: exhaustive verification of bank/mutex at the seed's
//! size, with the reduction on and off and judging only the final balance
//! (the property-aware reduction), each run in a child process so that its
//! peak memory is its own.

use std::io::Write;
use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::Args;
use interleave::catalog;
use interleave::{ExploreConfig, Stop, explore};

/// Why a benchmark could not run: bad input, or output that could not be
/// written.
pub enum Failure {
    /// Bad parameters.
    Input(interleave::Error),
    /// Writing the table, or running a child process, failed.
    Output(std::io::Error),
}

impl From<interleave::Error> for Failure {
    fn from(e: interleave::Error) -> Self {
        Failure::Input(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

/// Options of `interleave bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Parameters of bank/mutex, as for `check --set`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Which modes to run.
    #[arg(long, value_enum, default_value = "all")]
    reduction: Mode,
    /// Threads that expand states, besides the one that stores them
    /// (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Wall-clock limit for each run.
    #[arg(long, default_value = "10m")]
    pub timeout: String,
    /// Instead: the interpreter on shuttle and loom against hand-written
    /// shuttle and loom tests of the same bank, and the interpreter's own
    /// stepping and checks alone.
    #[arg(long)]
    backends: bool,
    /// Instead: how the search scales, bank/mutex at 2, 3 and 4 earners x
    /// 13, 26 and 52 weeks (and 520 for `final`), each with the modes
    /// `--reduction` picks.
    #[arg(long, conflicts_with_all = ["backends", "set"])]
    scaling: bool,
    /// Hash compaction (`check --fingerprints`): 64-bit fingerprints
    /// instead of states.
    #[arg(long)]
    fingerprints: bool,
    /// Run one mode in this process and print its figures as JSON (used by
    /// the parent bench process).
    #[arg(long, hide = true)]
    child: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    /// The reduction on, every property judged.
    On,
    /// No reduction.
    Off,
    /// `on` and `off`.
    Both,
    /// The reduction on, judging only the final balance: the
    /// property-aware reduction.
    Final,
    /// `on`, `off` and `final`.
    All,
}

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// What one mode's child process measured, sent to the parent as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct Figures {
    params: String,
    reduction: bool,
    exhaustive: bool,
    violated: bool,
    /// How far the search went, as the report says it.
    completion: String,
    threads: usize,
    states: u64,
    steps: u64,
    seconds: f64,
    states_per_second: f64,
    steps_per_second: f64,
    store_bytes: u64,
    peak_rss_bytes: Option<u64>,
    outcomes: Vec<String>,
}

fn run_here(args: &BenchArgs, timeout: Duration) -> Result<Figures, Failure> {
    let entry = catalog::find("bank/mutex")?;
    let params = entry.params_from(&args.set)?;
    let scenario = entry.build(&params)?;
    let reduction = args.reduction != Mode::Off;
    let mut config = ExploreConfig::default()
        .reduction(reduction)
        .fingerprints(args.fingerprints)
        .time_limit(timeout)
        .stop(Stop::Exhaust);
    if let Some(n) = args.threads {
        config = config.threads(n);
    }
    if args.reduction == Mode::Final {
        let balance = "final balance is the sum of all incomes";
        config = config.properties(vec![interleave::Property::Invariant(balance.into())]);
    }
    let e = explore(&scenario, &config);
    let secs = e.stats.elapsed.as_secs_f64();
    Ok(Figures {
        params: params.to_string(),
        reduction,
        exhaustive: e.is_exhaustive(),
        violated: e.is_violated(),
        completion: e.completion.to_string(),
        threads: config.threads,
        states: e.stats.states,
        steps: e.stats.steps,
        seconds: secs,
        states_per_second: e.stats.states as f64 / secs.max(1e-9),
        steps_per_second: e.stats.steps as f64 / secs.max(1e-9),
        store_bytes: e.stats.memory_bytes,
        peak_rss_bytes: peak_rss_bytes(),
        outcomes: e.outcomes.iter().map(|o| o.outcome.to_string()).collect(),
    })
}

/// Runs the benchmark and prints a table of its figures. `timeout` is
/// `args.timeout` as the command line parsed it, and `args.threads` has
/// been checked there.
pub fn run(args: &BenchArgs, timeout: Duration, out: &mut impl Write) -> Result<ExitCode, Failure> {
    if args.backends {
        return backends(out);
    }
    if args.child {
        let figures = run_here(args, timeout)?;
        let line = serde_json::to_string(&figures).map_err(std::io::Error::other)?;
        writeln!(out, "{line}")?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.scaling {
        return scaling(args, out);
    }
    let entry = catalog::find("bank/mutex")?;
    let params = entry.params_from(&args.set)?;
    writeln!(
        out,
        "{}",
        title(
            args,
            &format!("bench: exhaustive check of bank/mutex ({params}), each mode")
        )
    )?;
    writeln!(
        out,
        "{:<10} {:>12} {:>13} {:>9} {:>13} {:>12} {:>11}  result",
        "reduction", "states", "steps", "seconds", "states/s", "peak RSS", "store"
    )?;
    let mut ok = true;
    for name in modes(args.reduction) {
        let v = match child(args, &args.set, name) {
            Ok(v) => v,
            Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::Other => {
                writeln!(out, "{name:<10} failed: {e}")?;
                ok = false;
                continue;
            }
            Err(e) => return Err(e),
        };
        let result = if v.exhaustive {
            format!("exhaustive; outcomes {}", v.outcomes.join(", "))
        } else {
            format!("NOT exhaustive: {}", v.completion)
        };
        writeln!(
            out,
            "{name:<10} {:>12} {:>13} {:>9} {:>13} {:>12} {:>11}  {result}",
            grouped(v.states),
            grouped(v.steps),
            seconds(v.seconds),
            grouped(v.states_per_second as u64),
            rss(&v),
            interleave::report::human::mib(v.store_bytes),
        )?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The names of the modes `mode` runs.
fn modes(mode: Mode) -> &'static [&'static str] {
    match mode {
        Mode::On => &["on"],
        Mode::Off => &["off"],
        Mode::Both => &["on", "off"],
        Mode::Final => &["final"],
        Mode::All => &["on", "off", "final"],
    }
}

fn rss(v: &Figures) -> String {
    v.peak_rss_bytes
        .map_or("?".to_string(), interleave::report::human::mib)
}

/// Runs one mode of bank/mutex with parameters `set` in a child process,
/// so that its peak memory is its own; a child that failed is an `Other`
/// output error carrying its message.
fn child(args: &BenchArgs, set: &[String], mode: &str) -> Result<Figures, Failure> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args([
        "bench",
        "--child",
        "--reduction",
        mode,
        "--timeout",
        &args.timeout,
    ]);
    for s in set {
        cmd.args(["--set", s]);
    }
    if let Some(n) = args.threads {
        cmd.args(["--threads", &n.to_string()]);
    }
    if args.fingerprints {
        cmd.arg("--fingerprints");
    }
    let output = cmd.output()?;
    if !output.status.success() {
        return Err(Failure::Output(std::io::Error::other(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        )));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| {
        Failure::Output(std::io::Error::other(format!(
            "bench child printed bad JSON: {e}"
        )))
    })
}

/// `interleave bench --scaling`: the search's cost as the bank grows, one
/// row per size and mode, each run in its own process.
fn scaling(args: &BenchArgs, out: &mut impl Write) -> Result<ExitCode, Failure> {
    const INCOMES: [&str; 3] = ["500+10", "500+10+50", "500+10+50+100"];
    writeln!(
        out,
        "{}",
        title(
            args,
            "bench --scaling: exhaustive check of bank/mutex, each run"
        )
    )?;
    writeln!(
        out,
        "| earners | weeks | reduction | states | seconds | states/s | peak RSS | result |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|")?;
    let mut ok = true;
    for incomes in INCOMES {
        for weeks in [13, 26, 52, 520] {
            for &name in modes(args.reduction) {
                // Only the property-aware reduction gets that far.
                if weeks == 520 && name != "final" {
                    continue;
                }
                let set = [format!("incomes={incomes}"), format!("weeks={weeks}")];
                let earners = incomes.split('+').count();
                let row = match child(args, &set, name) {
                    Ok(v) => format!(
                        "{} | {} | {} | {} | {}",
                        grouped(v.states),
                        seconds(v.seconds),
                        grouped(v.states_per_second as u64),
                        rss(&v),
                        if v.exhaustive {
                            "exhaustive".to_string()
                        } else {
                            ok = false;
                            format!("NOT exhaustive: {}", v.completion)
                        }
                    ),
                    Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::Other => {
                        ok = false;
                        format!("| | | | failed: {e}")
                    }
                    Err(e) => return Err(e),
                };
                writeln!(out, "| {earners} | {weeks} | {name} | {row} |")?;
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The first line of a table: what ran, and how.
fn title(args: &BenchArgs, what: &str) -> String {
    format!(
        "{what} in its own process, {} expanding thread(s){}",
        args.threads.unwrap_or(ExploreConfig::default().threads),
        if args.fingerprints {
            ", hash compaction"
        } else {
            ""
        }
    )
}

/// Seconds with three significant figures at most.
fn seconds(s: f64) -> String {
    if s < 0.01 {
        format!("{:.4}", s)
    } else if s < 10.0 {
        format!("{:.2}", s)
    } else {
        format!("{:.1}", s)
    }
}

/// `n` with its digits in groups of three: `7,890,273`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The bank under a mutex written by hand on a crate with std-like `sync`
/// and `thread` (shuttle, loom): what the interpreter is measured against.
macro_rules! hand_written_bank {
    ($name:ident, $root:ident) => {
        fn $name(incomes: &[i64], weeks: i64) {
            let balance = std::sync::Arc::new($root::sync::Mutex::new(0i64));
            let handles: Vec<_> = incomes
                .iter()
                .map(|&amount| {
                    let balance = balance.clone();
                    $root::thread::spawn(move || {
                        for _ in 0..weeks {
                            let mut b = balance.lock().unwrap();
                            let temp = *b;
                            *b = temp + amount;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            let total: i64 = incomes.iter().sum::<i64>() * weeks;
            assert_eq!(*balance.lock().unwrap(), total);
        }
    };
}

hand_written_bank!(hand_written_shuttle, shuttle);
hand_written_bank!(hand_written_loom, loom);

/// Rounds of each side of a comparison.
const ROUNDS: usize = 5;

/// Times `ours` and `theirs` in turns, `ROUNDS` times each, and returns the
/// median seconds of each: on a shared machine a single timing moves by
/// tens of percent, and taking turns exposes both sides to the same load.
fn alternating_medians(
    mut ours: impl FnMut() -> Result<(), Failure>,
    mut theirs: impl FnMut(),
) -> Result<(f64, f64), Failure> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let started = std::time::Instant::now();
        ours()?;
        a.push(started.elapsed().as_secs_f64());
        let started = std::time::Instant::now();
        theirs();
        b.push(started.elapsed().as_secs_f64());
    }
    Ok((median(a), median(b)))
}

/// The median of `ROUNDS` or more timings.
fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

/// `interleave bench --backends`: the interpreter on shuttle and loom
/// against hand-written tests of the same bank, in one run.
pub fn backends(out: &mut impl Write) -> Result<ExitCode, Failure> {
    use interleave::backend::{self, ShuttleScheduler};
    use interleave::check::{self, BackendKind, Backends};
    use shuttle::scheduler::{PctScheduler, RandomScheduler};

    let entry = catalog::find("bank/mutex")?;
    writeln!(
        out,
        "bench: bank/mutex, interpreter vs hand-written tests, one run"
    )?;
    writeln!(
        out,
        "{:<8} {:<26} {:>11} {:>12} {:>14}  ratio",
        "backend", "size", "executions", "seconds", "executions/s"
    )?;
    writeln!(
        out,
        "(seconds: the median of {ROUNDS} rounds, the two sides taking turns)"
    )?;
    // shuttle, seed 0: PCT (depth 3) at a small size and at the seed's,
    // and the random scheduler at the seed's.
    for (random, incomes, weeks, iterations) in [
        (false, vec![500, 10], 2, 20_000),
        (false, vec![500, 10, 50, 100], 52, 2_000),
        (true, vec![500, 10, 50, 100], 52, 2_000),
    ] {
        let scheduler = if random { "random" } else { "PCT" };
        let size = format!("{} x {weeks} {scheduler}", incomes.len());
        let params = entry.params_from(&[
            format!(
                "incomes={}",
                incomes
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join("+")
            ),
            format!("weeks={weeks}"),
        ])?;
        let scenario = entry.build(&params)?;
        let mut b = Backends::default();
        b.shuttle.scheduler = if random {
            ShuttleScheduler::Random
        } else {
            ShuttleScheduler::Pct { depth: 3 }
        };
        b.shuttle.iterations = iterations;
        let mut executions = 0;
        let (ours, hand) = alternating_medians(
            || {
                let e = check::run(BackendKind::Shuttle, &scenario, &b)?;
                executions = e.stats.executions;
                Ok(())
            },
            || {
                let (inc, w) = (incomes.clone(), weeks);
                let mut config = shuttle::Config::new();
                config.silence_warnings = true;
                let body = move || hand_written_shuttle(&inc, w);
                if random {
                    shuttle::Runner::new(RandomScheduler::new_from_seed(0, iterations), config)
                        .run(body);
                } else {
                    shuttle::Runner::new(PctScheduler::new_from_seed(0, 3, iterations), config)
                        .run(body);
                }
            },
        )?;
        let n = executions as f64;
        writeln!(
            out,
            "{:<8} {:<26} {:>11} {:>12.3} {:>14.0}",
            "shuttle",
            format!("{size} interpreter"),
            n,
            ours,
            n / ours
        )?;
        writeln!(
            out,
            "{:<8} {:<26} {:>11} {:>12.3} {:>14.0}  {:.1}x",
            "shuttle",
            format!("{size} hand-written"),
            iterations,
            hand,
            iterations as f64 / hand,
            ours / hand
        )?;
        if random {
            continue; // the share below does not depend on the scheduler
        }
        // The interpreter's own share: the same number of executions,
        // stepped and checked as the interpreter does, with no scheduler.
        let mut steps = 0;
        let alone = median(
            (0..ROUNDS)
                .map(|_| {
                    let started = std::time::Instant::now();
                    steps = backend::steps_without_backend(&scenario, iterations as u64);
                    started.elapsed().as_secs_f64()
                })
                .collect(),
        );
        writeln!(
            out,
            "{:<8} {:<26} {:>11} {:>12.3} {:>14.0}  {:.1}x  (stepping and checks alone, no scheduler: {:.0} ns per step)",
            "",
            format!("{size} simulation only"),
            iterations,
            alone,
            iterations as f64 / alone,
            alone / hand,
            alone * 1e9 / steps as f64
        )?;
    }
    // loom, exhaustive, at two tiny sizes (loom enumerates executions).
    for weeks in [1i64, 2] {
        let incomes = vec![500i64, 10];
        let params =
            entry.params_from(&["incomes=500+10".to_string(), format!("weeks={weeks}")])?;
        let scenario = entry.build(&params)?;
        let mut b = Backends::default();
        b.loom.time_limit = Some(Duration::from_secs(600));
        let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut executions = 0;
        let (ours, hand) = alternating_medians(
            || {
                let e = check::run(BackendKind::Loom, &scenario, &b)?;
                executions = e.stats.executions;
                Ok(())
            },
            || {
                let counter = counter.clone();
                counter.store(0, std::sync::atomic::Ordering::Relaxed);
                let incomes = incomes.clone();
                let mut builder = loom::model::Builder::new();
                builder.max_duration = None;
                builder.max_permutations = None;
                builder.preemption_bound = None;
                builder.checkpoint_file = None;
                builder.log = false;
                builder.location = false;
                builder.check(move || {
                    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    hand_written_loom(&incomes, weeks);
                });
            },
        )?;
        let hand_n = counter.load(std::sync::atomic::Ordering::Relaxed);
        writeln!(
            out,
            "{:<8} {:<26} {:>11} {:>12.3} {:>14.0}",
            "loom",
            format!("2 x {weeks} interpreter"),
            executions,
            ours,
            executions as f64 / ours
        )?;
        writeln!(
            out,
            "{:<8} {:<26} {:>11} {:>12.3} {:>14.0}  {:.1}x (time for the whole exhaustive check)",
            "loom",
            format!("2 x {weeks} hand-written"),
            hand_n,
            hand,
            hand_n as f64 / hand,
            ours / hand
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(124_528_352), "124,528,352");
        assert_eq!(grouped(7_890_273), "7,890,273");
    }
}
