//! The `ghcr-gen` binary: parses flags, calls the library, prints its messages.
//!
//! Nothing else in the crate prints. Diffs and program output go to stdout, diagnostics and
//! status lines to stderr; colour only on a terminal and never with NO_COLOR.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use ghcr_gen::report::{Message, Report};

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let report = cli::run(args);
    print(&report);
    report.exit.into()
}

fn print(report: &Report) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color_out = !no_color && std::io::stdout().is_terminal();
    let color_err = !no_color && std::io::stderr().is_terminal();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let mut after_diagnostic = false;
    for m in &report.messages {
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = match m {
            Message::Output(text) => out.write_all(text.as_bytes()),
            Message::Diff(diff) if color_out => {
                out.write_all(ghcr_gen::plan::colorize_diff(diff).as_bytes())
            }
            Message::Diff(diff) => out.write_all(diff.as_bytes()),
            Message::Diagnostic(d) => {
                let _ = out.flush();
                let gap = if after_diagnostic { "\n" } else { "" };
                writeln!(err, "{gap}{}", d.render(color_err))
            }
            Message::Status(line) => {
                let _ = out.flush();
                writeln!(err, "{line}")
            }
        };
        after_diagnostic = matches!(m, Message::Diagnostic(_));
    }
    let _ = out.flush();
}
