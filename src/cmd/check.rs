//! `ghcr-gen check`: generated files that drifted, stale image names, unpullable references
//! and leaked secrets, found in one parallel pass. Exit 0 when clean (warnings allowed),
//! 1 with findings, 2 when the check cannot run (invalid `registry.toml`, unreadable files).
//!
//! Without paths the whole tree under the config's directory is read (`.gitignore` and
//! `[rename] exclude` respected); with paths (as pre-commit passes them) only those. The
//! drift check always covers every generated file. No output ever holds a token's value:
//! the JSON is built from masked findings, and the printer masks everything it prints.

use std::path::{Path, PathBuf};

use crate::check::finding::{Finding, Kind};
use crate::check::repo::{self, Outcome, Pass};
use crate::check::secrets::mask_text;
use crate::diagnostic::Severity;
use crate::exit::Exit;
use crate::generated;
use crate::report::{Message, Report, masked_diagnostics};

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Compiler-style diagnostics on stderr, diffs on stdout, a summary line.
    Text,
    /// One JSON array of findings on stdout.
    Json,
}

/// Options of `ghcr-gen check`.
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    pub format: Format,
    /// Files or directories to check, relative to `cwd` or absolute; empty checks the whole
    /// repository.
    pub paths: &'a [PathBuf],
}

/// Runs `ghcr-gen check`.
pub fn run(opts: &Options<'_>, out: &mut Report) -> Result<Exit, super::Error> {
    let outcome = check(opts);
    let checked = report(&outcome, opts.format);
    out.messages.extend(checked.messages);
    Ok(checked.exit)
}

/// Loads the config and runs every check.
pub fn check(opts: &Options<'_>) -> Outcome {
    let model = match super::load_model(opts.cwd, opts.config) {
        Ok(m) => m,
        Err(diags) => return Outcome::failed(Kind::Config, diags),
    };
    let config = opts.config.map(|c| super::display_path(opts.cwd, c));
    let fix = generated::fix_command(config.as_deref());
    let paths: Option<Vec<PathBuf>> =
        (!opts.paths.is_empty()).then(|| opts.paths.iter().map(|p| opts.cwd.join(p)).collect());
    let display = |p: &Path| super::display_path(opts.cwd, p);
    repo::check(
        &model,
        &Pass {
            generated: &|| generated::plan(&model).map_err(|e| e.to_string()),
            fix: &fix,
            paths,
            display: &display,
        },
    )
}

/// The report of an outcome in `format`: exit 2 when the check failed, 1 with any error
/// finding, else 0.
pub fn report(outcome: &Outcome, format: Format) -> Report {
    let failed = outcome.findings.iter().any(|f| f.kind.is_failure());
    let errors = outcome
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Error)
        .count();
    let warnings = outcome.findings.len() - errors;
    let exit = if failed {
        Exit::Error
    } else if errors > 0 {
        Exit::Findings
    } else {
        Exit::Ok
    };
    let mut report = Report::new(exit);
    match format {
        Format::Json => {
            // Masked before serialising: an escape (`\t`) must not glue to a token.
            let list: Vec<_> = masked_findings(&outcome.findings)
                .iter()
                .map(Finding::to_json)
                .collect();
            let json = serde_json::to_string_pretty(&list).expect("findings serialize");
            report.output(format!("{json}\n"));
        }
        Format::Text => {
            for f in &outcome.findings {
                if let Some(diff) = &f.diff {
                    report.push(Message::Diff(diff.clone()));
                }
            }
            for f in &outcome.findings {
                report.push(Message::Diagnostic(f.diagnostic.clone()));
            }
            for note in &outcome.notes {
                report.status(format!("note: {note}"));
            }
            if !failed {
                let what = match (errors, warnings) {
                    (0, 0) => "no findings".to_string(),
                    (e, 0) => format!("{e} error(s)"),
                    (0, w) => format!("{w} warning(s)"),
                    (e, w) => format!("{e} error(s), {w} warning(s)"),
                };
                report.status(format!(
                    "checked {} file(s) and {} generated file(s): {what}",
                    outcome.files, outcome.generated
                ));
            }
        }
    }
    report
}

/// `findings` with every token masked in what they show (each source file once).
fn masked_findings(findings: &[Finding]) -> Vec<Finding> {
    let diagnostics = masked_diagnostics(findings.iter().map(|f| &f.diagnostic));
    findings
        .iter()
        .zip(diagnostics)
        .map(|(f, diagnostic)| Finding {
            kind: f.kind,
            diagnostic,
            diff: f.diff.as_deref().map(|d| mask_text(d).into_owned()),
        })
        .collect()
}
