//! Argument parsing and the commands. Exit codes: 0 when every verdict is as
//! expected, 1 when one is not, 2 for a usage or input error, 4 when every
//! selected check was skipped, 130 after Ctrl-C.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::bench::BenchArgs;
use interleave::Error;
use interleave::catalog::{self, ReplayToken, TokenSchedule};
use interleave::report::{human, json};

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
    },
    /// Benchmarks exhaustive verification of bank/mutex, with the reduction on and off.
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
