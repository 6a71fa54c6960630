//! `ghcr-gen doctor`: with `--explain TEXT` (`-` reads standard input), the ranked causes of
//! a GHCR failure's text with their fixes for this repository; exit 0. Without flags, the
//! repository's files checked for the known causes before they bite; exit 1 with findings.
//! Exit 2 when it cannot run (unreadable input, invalid explicit `--config`).

use std::io::Read;
use std::path::Path;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::doctor::{self, Cause, Facts};
use crate::exit::Exit;
use crate::model::Model;
use crate::report::Report;

/// How doctor prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Readable text on stdout.
    Text,
    /// `{"causes": [...]}` on stdout.
    Json,
}

/// Options of `ghcr-gen doctor`.
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    /// The failure's text, or `-` for standard input; `None` checks the repository.
    pub explain: Option<String>,
    pub format: Format,
}

/// The largest log `--explain -` reads.
pub const MAX_LOG: u64 = 64 << 20;

/// Runs `ghcr-gen doctor`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, super::Error> {
    let model = load(opts, report)?;
    match &opts.explain {
        Some(text) => {
            let log = if text == "-" {
                read_stdin()?
            } else {
                text.clone()
            };
            let facts = model.as_ref().map(Facts::from_model).unwrap_or_default();
            explain(&log, &facts, opts.format, report);
            Ok(Exit::Ok)
        }
        None => Err(super::Error::Config(vec![
            Diagnostic::error_in(None, "the offline repository check is not built yet")
                .help("explain a failure with `ghcr-gen doctor --explain TEXT` (`-` reads stdin)"),
        ])),
    }
}

/// The config when one is found; an explicit `--config` must load, a discovered one that
/// does not is set aside with a note.
fn load(opts: &Options<'_>, report: &mut Report) -> Result<Option<Model>, super::Error> {
    match crate::config::discover(opts.cwd, opts.config) {
        Ok(path) => match super::load_at(opts.cwd, &path) {
            Ok(m) => Ok(Some(m)),
            Err(d) if opts.config.is_some() => Err(d.into()),
            Err(_) => {
                report.status(format!(
                    "note: {} is invalid (`ghcr-gen check` says why); explaining without the repository's facts",
                    super::display_path(opts.cwd, &path)
                ));
                Ok(None)
            }
        },
        Err(d) if opts.config.is_some() => Err(d.into()),
        Err(_) => Ok(None),
    }
}

fn read_stdin() -> Result<String, super::Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_LOG + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            super::Error::Config(vec![Diagnostic::error_in(
                None,
                format!("cannot read standard input: {e}"),
            )])
        })?;
    if bytes.len() as u64 > MAX_LOG {
        return Err(super::Error::Config(vec![
            Diagnostic::error_in(
                None,
                format!(
                    "the log on standard input is larger than {} MiB",
                    MAX_LOG >> 20
                ),
            )
            .help("pass the failing job's log, or the part around the error"),
        ]));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Serialize)]
struct JsonOut<'a> {
    causes: &'a [Cause],
}

/// Explains `log` into `report` in `format`.
pub fn explain(log: &str, facts: &Facts, format: Format, report: &mut Report) {
    let explanation = doctor::explain(log, facts);
    match format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&JsonOut {
                causes: &explanation.causes,
            })
            .expect("causes serialize");
            report.output(format!("{json}\n"));
        }
        Format::Text => {
            if explanation.causes.is_empty() {
                report.status(
                    "doctor: no known GHCR failure in this text; paste the whole failing step's log (`ghcr-gen doctor --explain - < log.txt`)",
                );
                return;
            }
            report.output(text(&explanation.causes));
        }
    }
}

/// The causes as readable text, best first.
fn text(causes: &[Cause]) -> String {
    let mut out = String::new();
    let n = causes.len();
    out.push_str(&if n == 1 {
        "1 likely cause:\n".to_string()
    } else {
        format!("{n} possible causes, most likely first:\n")
    });
    for (i, c) in causes.iter().enumerate() {
        let pct = (c.confidence * 100.0).round();
        out.push_str(&format!(
            "\n{}. {} ({pct}%)\n   {}\n",
            i + 1,
            c.category.slug(),
            c.why
        ));
        if let Some((line, text)) = &c.evidence {
            out.push_str(&format!("   seen:    line {line}: {text}\n"));
        }
        out.push_str(&format!("   confirm: {}\n", c.confirm));
        out.push_str(&format!("   fix:     {}\n", indent(&c.fix)));
    }
    out
}

/// Continuation lines of a multi-line fix, indented under its first.
fn indent(s: &str) -> String {
    s.replace('\n', "\n   ")
}
