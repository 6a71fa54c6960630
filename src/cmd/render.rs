//! `ghcr-gen render`: writes the generated files, or shows (`--diff`) or checks
//! (`--check`) what writing would change. All three share one planning path
//! ([`crate::generated::plan`]) and one writer ([`crate::plan`]).

use std::path::Path;

use super::Error;
use crate::exit::Exit;
use crate::generated;
use crate::model::{DEFAULT_UID, Model};
use crate::plan::{Plan, Status};
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
    /// Overwrite existing files that lack the generated header.
    pub force: bool,
}

/// Runs `ghcr-gen render`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, Error> {
    let model = super::load_model(opts.cwd, opts.config)?;
    let plan = generated::plan(&model)?;
    if opts.mode == Mode::Write && !opts.force {
        generated::refuse_hand_written(&plan)?;
    }
    let config = opts.config.map(|c| super::display_path(opts.cwd, c));
    let fix = generated::fix_command(config.as_deref());
    let mut exit = finish(
        &plan,
        opts.mode,
        &fix,
        &generated::executables(&model),
        report,
    )?;
    if executable_modes(&model, &plan, opts.mode, &fix, report)? {
        exit = Exit::Findings;
    }
    for note in default_user_notes(&model) {
        report.status(note);
    }
    Ok(exit)
}

/// Makes the generated scripts executable (write), or reports those that are not
/// (`--check`, returning whether any is not). A file the plan creates or changes is
/// already counted as out of date.
fn executable_modes(
    model: &Model,
    plan: &Plan,
    mode: Mode,
    fix: &str,
    report: &mut Report,
) -> Result<bool, Error> {
    let mut drift = false;
    for path in generated::executables(model) {
        let pending = plan.pending().any(|e| e.path == path);
        let shown = path.to_string_lossy().replace('\\', "/");
        match mode {
            Mode::Write => {
                if crate::plan::make_executable(&plan.root, &path)? && !pending {
                    report.status(format!("made {shown} executable"));
                }
            }
            Mode::Diff => {
                if !pending && crate::plan::lacks_exec(&plan.root, &path)? {
                    report.push(Message::Diff(format!(
                        "diff --git a/{shown} b/{shown}\nold mode 100644\nnew mode 100755\n"
                    )));
                }
            }
            Mode::Check => {
                if !pending && crate::plan::lacks_exec(&plan.root, &path)? {
                    report.status(format!(
                        "{shown}: not executable; run `{fix}` (or chmod 755 {shown})"
                    ));
                    drift = true;
                }
            }
        }
    }
    Ok(drift)
}

/// One note per service whose Kubernetes pods run as the default uid because it sets no
/// `user` (so every pod has a numeric runAsUser, and the user knows to check it).
fn default_user_notes(model: &Model) -> Vec<String> {
    if model.outputs.k8s.is_none() {
        return Vec::new();
    }
    model
        .services
        .iter()
        .filter(|s| s.run_as.is_none())
        .map(|s| {
            format!(
                "note: service `{name}` sets no `user`; its Kubernetes pods run as uid {DEFAULT_UID}. \
                 Set `user = <uid>` in [services.{name}] to the numeric USER of its Dockerfile",
                name = s.name
            )
        })
        .collect()
}

/// The last step: write, diff or check.
fn finish(
    plan: &Plan,
    mode: Mode,
    fix: &str,
    executables: &[std::path::PathBuf],
    report: &mut Report,
) -> Result<Exit, Error> {
    let mut exit = Exit::Ok;
    match mode {
        Mode::Write => {
            let written = plan.write()?;
            for e in &written {
                let verb = if e.status() == Status::Created {
                    "created"
                } else {
                    "updated"
                };
                report.status(format!("{verb} {}", e.display_path()));
            }
            let unchanged = plan.edits.len() - written.len();
            report.status(format!(
                "{} file(s) written, {unchanged} unchanged",
                written.len()
            ));
        }
        Mode::Diff | Mode::Check => {
            for e in plan.pending() {
                let mut diff = e.diff();
                if executables.contains(&e.path) {
                    // `git apply` creates the script executable, as render would.
                    diff = diff.replacen("\nnew file mode 100644\n", "\nnew file mode 100755\n", 1);
                }
                report.push(Message::Diff(diff));
            }
            let pending = plan.pending().count();
            if mode == Mode::Check && pending > 0 {
                for e in plan.pending() {
                    let what = if e.status() == Status::Created {
                        "missing"
                    } else {
                        "out of date"
                    };
                    report.status(format!("{}: {what}", e.display_path()));
                }
                report.status(format!(
                    "{pending} generated file(s) out of date; run `{fix}` to update them"
                ));
                exit = Exit::Findings;
            } else if mode == Mode::Check {
                report.status(format!("{} generated file(s) up to date", plan.edits.len()));
            }
        }
    }
    Ok(exit)
}
