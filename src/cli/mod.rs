//! Argument parsing and the commands. Exit codes: 0 when every verdict is as
//! expected, 1 when one is not, 2 for a usage or input error, 4 when every
//! selected check was skipped, 130 after Ctrl-C.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::bench::BenchArgs;
use interleave::Error;
use interleave::catalog::{self, ReplayToken, TokenSchedule};
use interleave::report::{Timeline, human, json};

mod draw;
mod options;
mod run;

use options::{CheckArgs, Failure, Format, checked_threads, parse_duration};

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

// Parsed once per process: the size of a variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Lists the catalog's scenarios, their parameters and expectations.
    List {
        /// Output format (`json`: one object per scenario and line).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Checks catalog scenarios against their expectations (the default).
    Check(CheckArgs),
    /// Re-executes a failure from its replay token and prints its trace.
    Replay {
        /// The token a report printed, e.g. 'v1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1'.
        token: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        #[command(flatten)]
        draw: draw::DrawArgs,
    },
    /// Combines the JSON reports of a sharded run (`check --shard K/N
    /// --format json`) into one verdict per scenario and engine.
    Merge {
        /// The shards' reports.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Benchmarks exhaustive verification of bank/mutex: the reduction on, off, and judging only the final balance.
    Bench(BenchArgs),
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
        None => run::check(&cli.check, &mut out),
        Some(Command::Check(args)) => run::check(&args, &mut out),
        Some(Command::List { format }) => list(format, &mut out),
        Some(Command::Replay {
            token,
            format,
            draw,
        }) => replay_token(&token, format, &draw, &mut out),
        Some(Command::Merge { files, format }) => merge(&files, format, &mut out),
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

/// `interleave merge`: one report per scenario and engine out of its
/// shards' reports; the exit code is as `check`'s would be.
fn merge(
    files: &[std::path::PathBuf],
    format: Format,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::Input(Error::new(
                interleave::ErrorKind::InvalidParameter,
                format!("cannot read `{}`: {e}", path.display()),
            ))
        })?;
        texts.push((path.display().to_string(), text));
    }
    let merged = catalog::merge_reports(&texts)?;
    let width = merged
        .iter()
        .map(|m| m.report.scenario.len())
        .max()
        .unwrap_or(0);
    let mut failed = 0;
    for m in &merged {
        match format {
            Format::Human => {
                writeln!(out, "{}", human::status_line(&m.report, width))?;
                let detail = human::Detail::Concise;
                writeln!(
                    out,
                    "{}",
                    human::details(&m.report, m.scenario.names(), detail)
                )?;
            }
            Format::Json => writeln!(out, "{}", json::report(&m.report, m.scenario.names()))?,
        }
        failed += usize::from(!m.report.as_expected());
    }
    if format == Format::Human {
        writeln!(
            out,
            "{:>8} {} merged: {} as expected, {failed} not",
            "Summary",
            merged.len(),
            merged.len() - failed
        )?;
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else if merged.is_empty() {
        ExitCode::from(run::NOTHING_RAN)
    } else {
        ExitCode::SUCCESS
    })
}

fn list(format: Format, out: &mut impl Write) -> Result<ExitCode, Failure> {
    for entry in catalog::entries() {
        if format == Format::Json {
            writeln!(out, "{}", json::entry(entry))?;
            continue;
        }
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

fn replay_token(
    text: &str,
    format: Format,
    draw: &draw::DrawArgs,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let drawing = draw.open()?;
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
    let title = format!("replay of {} ({params})", entry.name);
    let mut timeline = Timeline::of_replay(&title, scenario.names(), &run);
    timeline.replay = Some(format!("interleave replay '{text}'"));
    drawing.write(&title, &[timeline])?;
    Ok(ExitCode::SUCCESS)
}
