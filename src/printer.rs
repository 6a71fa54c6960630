//! The reporter: the one place that prints a command's [`Report`] and decides colour.
//!
//! Program output and diffs go to stdout, diagnostics and status lines to stderr. Colour is
//! decided once per stream from `--color`, then `NO_COLOR`, then `CLICOLOR_FORCE`, then
//! whether the stream is a terminal (anstream's rules); diffs are styled here with anstyle
//! and diagnostics render themselves with the decision. A failed write on stdout is an
//! error for the caller, except a closed pipe, which [`is_closed_pipe`] lets it ignore.
//! Every message is masked (`Report::masked`) before it is written: no GitHub token is
//! ever printed, whatever the command.

use std::io::{self, IsTerminal, Write};

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};
use ghcr_gen::diagnostic::Diagnostic;
use ghcr_gen::report::{Message, Report};

/// When to colour output: the global `--color` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorWhen {
    /// Colour a stream that is a terminal, unless `NO_COLOR` is set (`CLICOLOR_FORCE`
    /// colours any stream).
    #[default]
    Auto,
    /// Always colour, even through a pipe or with `NO_COLOR`.
    Always,
    /// Never colour, even with `CLICOLOR_FORCE`.
    Never,
}

/// Prints reports on stdout and stderr with the colour decided once for each.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reporter {
    color_out: bool,
    color_err: bool,
}

impl Reporter {
    /// A reporter for this process's stdout and stderr under `when`.
    pub(crate) fn new(when: ColorWhen) -> Reporter {
        Reporter {
            color_out: colors(when, &io::stdout()),
            color_err: colors(when, &io::stderr()),
        }
    }

    /// Prints every message of `report`. Stops writing to stdout at its first failed write
    /// and returns that error once the stderr messages are out; a failed write on stderr
    /// is ignored (there is nowhere left to say so).
    pub(crate) fn print(&self, report: &Report) -> io::Result<()> {
        // With colour off, pass bytes through as they are (no stripping of escapes that a
        // diffed file itself contains); with colour on, anstream adapts to the console.
        let mut out = anstream::AutoStream::new(io::stdout().lock(), self.choice(self.color_out));
        let mut err = anstream::AutoStream::new(io::stderr().lock(), self.choice(self.color_err));
        let mut out_error = None;
        let mut after_diagnostic = false;
        // Lines for stderr, written in one call when stdout is next written or at the end
        // (stderr is unbuffered: a thousand status lines would be two thousand writes).
        let mut pending: Vec<u8> = Vec::new();
        let mut flush_err = |pending: &mut Vec<u8>| {
            if !pending.is_empty() {
                let _ = err.write_all(pending);
                pending.clear();
            }
        };
        // No token is ever printed: every message is masked before it is written (a batch
        // at a time, so a report of many diffs is not copied whole); the batch's
        // diagnostics are rendered on every core.
        let mut messages = report.masked_messages();
        loop {
            let batch: Vec<Message> = messages.by_ref().take(BATCH).collect();
            if batch.is_empty() {
                break;
            }
            let rendered = render_diagnostics(&batch, self.color_err);
            for (message, rendered) in batch.iter().zip(rendered) {
                match message {
                    Message::Output(text) => {
                        flush_err(&mut pending);
                        on_stdout(&mut out_error, || out.write_all(text.as_bytes()));
                    }
                    Message::Diff(diff) => {
                        flush_err(&mut pending);
                        on_stdout(&mut out_error, || {
                            write_diff(&mut out, diff, self.color_out)
                        });
                    }
                    Message::Diagnostic(_) => {
                        on_stdout(&mut out_error, || out.flush());
                        let gap = if after_diagnostic { "\n" } else { "" };
                        let _ = writeln!(&mut pending, "{gap}{}", rendered.unwrap_or_default());
                    }
                    Message::Status(line) => {
                        on_stdout(&mut out_error, || out.flush());
                        let _ = writeln!(&mut pending, "{line}");
                    }
                }
                after_diagnostic = matches!(message, Message::Diagnostic(_));
            }
        }
        flush_err(&mut pending);
        on_stdout(&mut out_error, || out.flush());
        out_error.map_or(Ok(()), Err)
    }

    /// Says on stderr that stdout could not be written.
    pub(crate) fn stdout_failed(&self, error: &io::Error) {
        let d = Diagnostic::error_in(None, format!("cannot write to stdout: {error}"));
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "{}", d.render(self.color_err));
    }

    fn choice(&self, color: bool) -> ColorChoice {
        if color {
            ColorChoice::Always
        } else {
            ColorChoice::AlwaysAnsi
        }
    }
}

/// Whether a write failed because the reader went away (`ghcr-gen schema | head -1`):
/// not worth a message, and not a failure of the command.
pub(crate) fn is_closed_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}

/// The colour decision for one stream.
fn colors<S: anstream::stream::RawStream + IsTerminal>(when: ColorWhen, stream: &S) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => anstream::AutoStream::choice(stream) != ColorChoice::Never,
    }
}

/// Messages masked and rendered at a time.
const BATCH: usize = 512;

/// Each diagnostic of `batch` rendered (`None` for other messages), on up to one thread
/// per core when there are enough of them to pay for the threads.
fn render_diagnostics(batch: &[Message], color: bool) -> Vec<Option<String>> {
    let render = |m: &Message| match m {
        Message::Diagnostic(d) => Some(d.render(color)),
        _ => None,
    };
    let diagnostics = batch
        .iter()
        .filter(|m| matches!(m, Message::Diagnostic(_)))
        .count();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if diagnostics < 64 || threads < 2 {
        return batch.iter().map(render).collect();
    }
    let chunk = batch.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = batch
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(render).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Runs a stdout write unless one already failed, keeping the first error.
fn on_stdout(first_error: &mut Option<io::Error>, write: impl FnOnce() -> io::Result<()>) {
    if first_error.is_none()
        && let Err(e) = write()
    {
        *first_error = Some(e);
    }
}

/// The style of one line of a unified diff: headers bold, hunk headers cyan, removals red,
/// additions green, context plain.
fn diff_style(line: &str) -> Style {
    if line.starts_with("diff --git")
        || line.starts_with("--- ")
        || line.starts_with("+++ ")
        || line.starts_with("new file")
    {
        Style::new().bold()
    } else if line.starts_with("@@") {
        AnsiColor::Cyan.on_default()
    } else if line.starts_with('-') {
        AnsiColor::Red.on_default()
    } else if line.starts_with('+') {
        AnsiColor::Green.on_default()
    } else {
        Style::new()
    }
}

/// Writes `diff`, each styled line wrapped in its style and a reset before the newline.
fn write_diff(out: &mut impl Write, diff: &str, color: bool) -> io::Result<()> {
    if !color {
        return out.write_all(diff.as_bytes());
    }
    for line in diff.split_inclusive('\n') {
        let (text, newline) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        let style = diff_style(text);
        write!(out, "{style}{text}{style:#}{newline}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colored(diff: &str) -> String {
        let mut out = Vec::new();
        write_diff(&mut out, diff, true).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn diff_colours_keep_the_escape_bytes_of_earlier_releases() {
        let diff = "diff --git a/x b/x\nnew file mode 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n ctx\n\\ No newline at end of file";
        assert_eq!(
            colored(diff),
            "\x1b[1mdiff --git a/x b/x\x1b[0m\n\x1b[1mnew file mode 100644\x1b[0m\n\
             \x1b[1m--- a/x\x1b[0m\n\x1b[1m+++ b/x\x1b[0m\n\x1b[36m@@ -1 +1 @@\x1b[0m\n\
             \x1b[31m-old\x1b[0m\n\x1b[32m+new\x1b[0m\n ctx\n\\ No newline at end of file"
        );
    }

    #[test]
    fn diff_without_colour_is_written_as_is() {
        let diff = "--- a/x\n+++ b/x\n-\x1b[31m\n";
        let mut out = Vec::new();
        write_diff(&mut out, diff, false).unwrap();
        assert_eq!(out, diff.as_bytes());
    }

    #[test]
    fn explicit_choices_ignore_the_environment_and_the_terminal() {
        assert!(colors(ColorWhen::Always, &io::stdout()));
        assert!(!colors(ColorWhen::Never, &io::stdout()));
    }
}
