//! Running the `interleave` binary from a test.

use std::process::{Command, Output};

/// Runs the binary with `args` (no backtraces asked for) and waits for it.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the binary runs")
}
