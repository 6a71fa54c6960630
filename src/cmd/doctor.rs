//! `ghcr-gen doctor`: with `--explain TEXT` (`-` reads standard input), the ranked causes of
//! a GHCR failure's text with their fixes for this repository; exit 0. Without flags, the
//! repository's files checked for the known causes before they bite; exit 1 with findings.
//! Exit 2 when it cannot run (unreadable input, invalid explicit `--config`).

use std::io::Read;
use std::path::Path;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::doctor::{self, Cause, Facts, checks};
use crate::exit::Exit;
use crate::model::Model;
use crate::report::{Message, Report, masked_diagnostics};
use crate::setup::RepoContext;

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
            let mut facts = model.as_ref().map(Facts::from_model).unwrap_or_default();
            // The workflows as they are (hand-written ones too) say more than the config.
            facts.overlay(&offline(opts, model.as_ref()).facts);
            explain(&log, &facts, opts.format, report);
            Ok(Exit::Ok)
        }
        None => {
            let outcome = offline(opts, model.as_ref());
            Ok(print_findings(&outcome, opts.format, report))
        }
    }
}

/// Runs the offline checks on the repository of the config (or the current directory).
fn offline(opts: &Options<'_>, model: Option<&Model>) -> checks::Outcome {
    let root = model.map_or(opts.cwd, |m| m.root.as_path());
    let ctx = match model {
        Some(m) => RepoContext {
            owner: m.owner.clone(),
            repo: m.repo.clone(),
        },
        None => crate::setup::repo_context(root, None, None).unwrap_or(RepoContext {
            owner: "OWNER".into(),
            repo: "REPO".into(),
        }),
    };
    let multi_arch = model.is_some_and(|m| m.services.iter().any(|s| s.platforms.len() > 1));
    let exclude = model.map_or(&[][..], |m| m.exclude.as_slice());
    checks::check(&checks::Inputs {
        root,
        ctx: &ctx,
        multi_arch,
        exclude,
    })
}

/// One finding in `--format json`.
#[derive(Serialize)]
struct JsonFinding<'a> {
    kind: &'a str,
    severity: crate::diagnostic::Severity,
    path: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
    label: Option<&'a str>,
    fix: Option<&'a str>,
}

/// The report of the offline checks: exit 1 with any finding.
fn print_findings(outcome: &checks::Outcome, format: Format, report: &mut Report) -> Exit {
    let diagnostics = masked_diagnostics(outcome.findings.iter().map(|f| &f.diagnostic));
    match format {
        Format::Json => {
            let list: Vec<JsonFinding<'_>> = outcome
                .findings
                .iter()
                .zip(&diagnostics)
                .map(|(f, d)| {
                    let at = d.line_col();
                    JsonFinding {
                        kind: f.kind,
                        severity: d.severity,
                        path: d.file.as_ref().map(|f| f.path.as_str()),
                        line: at.map(|a| a.0),
                        column: at.map(|a| a.1),
                        message: &d.message,
                        label: d.label.as_deref(),
                        fix: d.help.as_deref(),
                    }
                })
                .collect();
            let json = serde_json::to_string_pretty(&list).expect("findings serialize");
            report.output(format!("{json}\n"));
        }
        Format::Text => {
            for (f, mut d) in outcome.findings.iter().zip(diagnostics) {
                d.message = format!("[{}] {}", f.kind, d.message);
                report.push(Message::Diagnostic(d));
            }
            for note in &outcome.notes {
                report.status(format!("note: {note}"));
            }
            let n = outcome.findings.len();
            let found = if n == 0 {
                "no known cause of GHCR failures".to_string()
            } else {
                format!("{n} finding(s)")
            };
            report.status(format!(
                "doctor: read {} workflow(s) and {} Kubernetes manifest(s): {found}",
                outcome.workflows, outcome.manifests
            ));
        }
    }
    if outcome.findings.is_empty() {
        Exit::Ok
    } else {
        Exit::Findings
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
