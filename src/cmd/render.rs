//! `ghcr-gen render`: writes the generated files, or shows (`--diff`) or checks
//! (`--check`) what writing would change. All three share one planning path
//! ([`crate::generated::plan`]) and one writer ([`crate::plan`]).

use std::path::Path;

use super::Error;
use crate::exit::Exit;
use crate::generated::{self, GeneratedError, Orphan};
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
    /// Accept package names that differ from the committed generated files, recording the
    /// old ones in `renamed_from`.
    pub accept_renames: bool,
}

/// Runs `ghcr-gen render`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, Error> {
    let model = super::load_model(opts.cwd, opts.config)?;
    let mut plan = generated::plan(&model)?;
    if opts.mode == Mode::Write && !opts.force {
        generated::refuse_hand_written(&plan)?;
    }
    let config = opts.config.map(|c| super::display_path(opts.cwd, c));
    let fix = generated::fix_command(config.as_deref());
    let changes = generated::image_changes(&model, &plan);
    if !changes.is_empty() {
        if !opts.accept_renames {
            return Err(GeneratedError::ImagesChanged {
                changes,
                accept: format!("{fix} --accept-renames"),
            }
            .into());
        }
        for c in &changes {
            report.status(format!(
                "accepting the rename of service `{}`: {} -> {} (recorded in renamed_from)",
                c.service, c.old, c.new
            ));
        }
        plan.edits
            .push(generated::accept_renames(&model, &changes)?);
    }
    let orphans = generated::orphans(&model, &plan);
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
    if remove_orphans(&plan, &orphans, opts.mode, &fix, report)? {
        exit = Exit::Findings;
    }
    for note in default_user_notes(&model) {
        report.status(note);
    }
    if opts.mode == Mode::Write {
        for note in health_notes(&model)
            .into_iter()
            .chain(generated::ignore_notes(&model))
        {
            report.status(note);
        }
    }
    Ok(exit)
}

/// Removes orphaned generated files that are unchanged since generation and reports the
/// others (write); shows their removal (`--diff`); reports them all (`--check`, returning
/// whether any is there).
fn remove_orphans(
    plan: &Plan,
    orphans: &[Orphan],
    mode: Mode,
    fix: &str,
    report: &mut Report,
) -> Result<bool, Error> {
    for o in orphans {
        let shown = o.path.to_string_lossy().replace('\\', "/");
        match (mode, o.unchanged) {
            (Mode::Write, true) => {
                crate::plan::remove_unchanged(&plan.root, &o.path, &o.contents)?;
                report.status(format!(
                    "removed {shown}: generated for a service or output the config no longer has"
                ));
            }
            (Mode::Write, false) => report.status(format!(
                "note: {shown} is a generated file no output writes any more, but it differs from \
                 what ghcr-gen generated (or git has no committed config to compare with): \
                 not removed; delete it if it is no longer needed"
            )),
            (Mode::Diff, true) => report.push(Message::Diff(deletion_diff(&shown, &o.contents))),
            (Mode::Diff, false) => {}
            (Mode::Check, unchanged) => report.status(format!(
                "{shown}: orphaned (no output writes it){}",
                if unchanged {
                    format!("; run `{fix}` to remove it")
                } else {
                    "; changed since generation, remove it by hand".to_string()
                }
            )),
        }
    }
    Ok(mode == Mode::Check && !orphans.is_empty())
}

/// A git-style diff deleting the file `shown` holding `contents`.
fn deletion_diff(shown: &str, contents: &[u8]) -> String {
    let edit = crate::plan::FileEdit {
        path: shown.into(),
        original: Some(contents.to_vec()),
        updated: Vec::new(),
    };
    let diff = edit.diff();
    let body = diff
        .split_once(&format!("+++ b/{shown}\n"))
        .map_or(diff.as_str(), |(_, rest)| rest);
    format!(
        "diff --git a/{shown} b/{shown}\ndeleted file mode 100644\n--- a/{shown}\n+++ /dev/null\n{body}"
    )
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

/// One note per long-running service the compose file gives no healthcheck (no
/// `health_cmd`, no `health` with a `port`): `up --wait` then only waits for it to start,
/// unless its image has a HEALTHCHECK.
fn health_notes(model: &Model) -> Vec<String> {
    if model.outputs.compose.is_none() {
        return Vec::new();
    }
    model
        .services
        .iter()
        .filter(|s| crate::render::compose::healthcheck(s).is_none())
        .filter(|s| s.kind == crate::model::ServiceKind::Service)
        .map(|s| {
            format!(
                "note: [services.{name}] has no compose healthcheck, so `docker compose up --wait` \
                 and the deploy script only wait for it to start (unless its image has a \
                 HEALTHCHECK); set `health` (with `port`) or `health_cmd` there",
                name = s.name
            )
        })
        .collect()
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
