//! `ghcr-gen render`: writes the generated files, or shows (`--diff`) or checks
//! (`--check`) what writing would change. All three share one planning path.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::exit::Exit;
use crate::plan::{self, Plan, Status};
use crate::render;
use crate::report::{Message, Report};

/// What to do with the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write changed files.
    Write,
    /// Print diffs, write nothing, exit 0.
    Diff,
    /// Print diffs and the fix, write nothing, exit 1 when anything would change.
    Check,
}

/// Options of `ghcr-gen render`.
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    pub mode: Mode,
}

/// Runs `ghcr-gen render`.
pub fn run(opts: &Options<'_>) -> Report {
    let model = match super::load_model(opts.cwd, opts.config) {
        Ok(m) => m,
        Err(diags) => return Report::errors(diags),
    };
    let plan = match plan_render(&model) {
        Ok(p) => p,
        Err(d) => return Report::errors(vec![d]),
    };
    finish(&plan, opts.mode, &fix_command(opts.cwd, opts.config))
}

/// Renders the model and compares it with the disk.
pub fn plan_render(model: &crate::model::Model) -> Result<Plan, Diagnostic> {
    let files = render::render(model).map_err(|e| Diagnostic::error_in(None, e.to_string()))?;
    Plan::new(&model.root, files).map_err(|e| Diagnostic::error_in(None, e.to_string()))
}

/// The last step: write, diff or check.
pub fn finish(plan: &Plan, mode: Mode, fix: &str) -> Report {
    let mut report = Report::new(Exit::Ok);
    match mode {
        Mode::Write => match plan.write() {
            Ok(written) => {
                for c in &written {
                    let verb = if c.status == Status::Created {
                        "created"
                    } else {
                        "updated"
                    };
                    report.status(format!("{verb} {}", c.path));
                }
                let unchanged = plan.changes.len() - written.len();
                report.status(format!(
                    "{} file(s) written, {unchanged} unchanged",
                    written.len()
                ));
            }
            Err(e) => return Report::error(e.to_string()),
        },
        Mode::Diff | Mode::Check => {
            for c in plan.pending() {
                report.push(Message::Diff(plan::unified_diff(c)));
            }
            let pending = plan.pending().count();
            if mode == Mode::Check && pending > 0 {
                for c in plan.pending() {
                    let what = if c.status == Status::Created {
                        "missing"
                    } else {
                        "out of date"
                    };
                    report.status(format!("{}: {what}", c.path));
                }
                report.status(format!(
                    "{pending} generated file(s) out of date; run `{fix}` to update them"
                ));
                report.exit = Exit::Findings;
            } else if mode == Mode::Check {
                report.status(format!(
                    "{} generated file(s) up to date",
                    plan.changes.len()
                ));
            }
        }
    }
    report
}

/// The command that regenerates the files, as the user would type it.
pub fn fix_command(cwd: &Path, config: Option<&Path>) -> String {
    match config {
        Some(path) => format!(
            "ghcr-gen render --config {}",
            super::display_path(cwd, path)
        ),
        None => "ghcr-gen render".to_string(),
    }
}
