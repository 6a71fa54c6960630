//! `ghcr-gen rename`: moves every reference to an image to its new package name.
//!
//! The plan is made by [`crate::rename`] (references, registry.toml, generated files);
//! this command shows it as diffs or JSON, or with `--write` writes all of it (nothing when
//! any file changed since planning) and prints what cannot be automated.

use std::path::Path;

use serde::Serialize;

use super::Error;
use crate::exit::Exit;
use crate::plan::Status;
use crate::rename::{self, References, RenamePlan, Request};
use crate::report::{Message, Report};
use crate::rewrite;

/// Options of `ghcr-gen rename`.
#[derive(Debug)]
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    /// New suffix for every package (`Some("")` removes it).
    pub suffix: Option<String>,
    /// New package name for one service.
    pub name: Option<String>,
    pub service: Option<String>,
    pub owner: Option<String>,
    pub registry: Option<String>,
    pub write: bool,
    pub excludes: Vec<String>,
    pub json: bool,
    /// Rename references with a placeholder owner too (otherwise they are listed).
    pub include_placeholders: bool,
}

/// What cannot be automated after a rename, printed after `--write`.
pub const CHECKLIST: &str = "\
Next steps ghcr-gen cannot do for you:
  1. Push once so CI publishes the new package(s), then link each to this repository
     (package page → Package settings → Connect repository), or give the repository's
     Actions write access under Package settings → Manage Actions access. Without it
     pushes fail with `denied: permission_denied: write_package`.
  2. Set each new package's visibility (new packages start private).
  3. Keep the old packages until every consumer (servers, clusters, other repositories)
     pulls the new names; `ghcr-gen check` flags references to the old names left here.
  4. Then delete the old packages (Package settings → Delete this package).";

/// Runs `ghcr-gen rename`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, Error> {
    let path = crate::config::discover(opts.cwd, opts.config)?;
    let display = super::display_path(opts.cwd, &path);
    let model = crate::load::load(&path, &display)?;
    let request = Request {
        suffix: opts.suffix.clone(),
        name: opts.name.clone(),
        service: opts.service.clone(),
        owner: opts.owner.clone(),
        registry: opts.registry.clone(),
        excludes: opts.excludes.clone(),
        include_placeholders: opts.include_placeholders,
        preview: !opts.write,
    };
    let plan = rename::plan(&request, &path, &display, &model)?;
    finish(opts, plan, report)
}

/// JSON output.
#[derive(Serialize)]
struct JsonOut<'a> {
    renames: Vec<JsonRename>,
    edits: Vec<rewrite::Edit>,
    warnings: &'a [rewrite::Warning],
    notices: &'a [rename::Notice],
    files: Vec<JsonFile>,
    written: bool,
}

#[derive(Serialize)]
struct JsonRename {
    old: String,
    new: String,
}

#[derive(Serialize)]
struct JsonFile {
    path: String,
    status: Status,
}

/// Reports the plan (consumed: a dry run's diffs move into the report, not copied).
fn finish(opts: &Options<'_>, mut p: RenamePlan, report: &mut Report) -> Result<Exit, Error> {
    if opts.write {
        p.write()?;
    }
    if opts.json {
        let out = JsonOut {
            renames: p
                .renames
                .iter()
                .map(|r| JsonRename {
                    old: r.old_image(),
                    new: r.new_image(),
                })
                .collect(),
            edits: p.references.edits(),
            warnings: p.references.warnings(),
            notices: &p.notices,
            files: p
                .pending_files()
                .map(|e| JsonFile {
                    path: e.display_path(),
                    status: e.status(),
                })
                .collect(),
            written: opts.write,
        };
        report.output(serde_json::to_string_pretty(&out).expect("json serializes") + "\n");
        return Ok(Exit::Ok);
    }
    for r in &p.renames {
        report.status(format!("{} -> {}", r.old_image(), r.new_image()));
    }
    if p.renames.is_empty() {
        report.status("nothing to rename: the names are already current");
        return Ok(Exit::Ok);
    }
    // A dry run shows the diffs (built from the references while scanning); a write
    // names the files it changed.
    match &mut p.references {
        References::Planned(plan) => {
            for f in &plan.files {
                report.status(format!(
                    "updated {} ({} reference(s))",
                    f.edit.display_path(),
                    f.references.len()
                ));
            }
        }
        References::Previewed(preview) => {
            for f in &mut preview.files {
                report.push(Message::Diff(std::mem::take(&mut f.diff)));
            }
        }
    }
    for e in p.pending_files() {
        if opts.write {
            report.status(format!("updated {}", e.display_path()));
        } else {
            report.push(Message::Diff(e.diff()));
        }
    }
    for w in p.references.warnings() {
        let at = match (w.line, w.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", w.path.display()),
            _ => w.path.display().to_string(),
        };
        report.status(format!("warning: {at}: {}", w.message));
    }
    for n in &p.notices {
        report.status(format!(
            "warning: {}:{}:{}: {}",
            n.path.display(),
            n.line,
            n.column,
            n.message
        ));
    }
    let generated = p.pending_files().count().saturating_sub(1);
    report.status(format!(
        "{} reference(s) in {} file(s), registry.toml, {generated} generated file(s)",
        p.references.reference_count(),
        p.references.file_count(),
    ));
    if opts.write {
        report.status("written.");
        report.status(CHECKLIST);
    } else {
        report.status("dry run: nothing written; run again with --write to apply");
    }
    Ok(Exit::Ok)
}
