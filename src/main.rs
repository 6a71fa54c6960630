//! The `ghcr-gen` binary: parses flags, calls the library, hands the report to the
//! [`printer`].
//!
//! Nothing else in the crate prints. Diffs and program output go to stdout, diagnostics and
//! status lines to stderr; colour follows `--color`, `NO_COLOR` and `CLICOLOR_FORCE`.

mod cli;
mod printer;

use std::process::ExitCode;

use clap::Parser;
use ghcr_gen::Exit;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let reporter = printer::Reporter::new(args.color());
    let report = cli::run(args);
    match reporter.print(&report) {
        Ok(()) => report.exit.into(),
        // The reader has all it wanted (`| head -1`); the command's own result stands.
        Err(e) if printer::is_closed_pipe(&e) => report.exit.into(),
        Err(e) => {
            reporter.stdout_failed(&e);
            Exit::Error.into()
        }
    }
}
