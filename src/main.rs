//! The `interleave` command line: checks the scenario catalog, replays a
//! failure from its token, and benchmarks the explorer.

mod bench;
mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
