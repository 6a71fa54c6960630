//! `ghcr-gen rename`: moves every reference to an image to its new package name.
//!
//! One plan covers the whole change: the repository's references (the rewrite engine),
//! registry.toml (only the affected values, old names recorded in `renamed_from`), and the
//! generated files that exist, re-rendered from the edited config. Without `--write` the
//! plan is shown as diffs; with it, everything is written only after all of it was
//! computed without error.

use std::path::Path;

use serde::Serialize;

use crate::config::edit::{ConfigEdit, Scope};
use crate::exit::Exit;
use crate::model::{Model, naming};
use crate::plan::{self, Change, Status};
use crate::report::{Message, Report};
use crate::rewrite::{self, Matcher, Rename, ScanOptions};

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
pub fn run(opts: &Options<'_>) -> Report {
    let path = match crate::config::discover(opts.cwd, opts.config) {
        Ok(p) => p,
        Err(d) => return Report::errors(vec![d]),
    };
    let display = super::display_path(opts.cwd, &path);
    let model = match crate::load::load(&path, &display) {
        Ok(m) => m,
        Err(diags) => return Report::errors(diags),
    };
    match plan(opts, &path, &display, &model) {
        Ok(p) => finish(opts, &p),
        Err(report) => report,
    }
}

/// Everything a rename would write.
struct RenamePlan {
    renames: Vec<Rename>,
    references: rewrite::Plan,
    /// registry.toml and the re-rendered generated files.
    files: plan::Plan,
}

/// JSON output.
#[derive(Serialize)]
struct JsonOut<'a> {
    renames: Vec<JsonRename>,
    edits: Vec<rewrite::Edit>,
    warnings: &'a [rewrite::Warning],
    files: Vec<JsonFile<'a>>,
    written: bool,
}

#[derive(Serialize)]
struct JsonRename {
    old: String,
    new: String,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    status: Status,
}

fn plan(
    opts: &Options<'_>,
    config_path: &Path,
    display: &str,
    model: &Model,
) -> Result<RenamePlan, Report> {
    let text = std::fs::read_to_string(config_path)
        .map_err(|e| Report::error(format!("cannot read {display}: {e}")))?;
    let mut edit = ConfigEdit::parse(&text).map_err(Report::error)?;
    let new_suffix = opts.suffix.clone().unwrap_or_else(|| model.suffix.clone());
    let new_owner = opts.owner.clone().unwrap_or_else(|| model.owner.clone());
    let new_registry = opts
        .registry
        .clone()
        .unwrap_or_else(|| model.registry.clone());
    validate_flags(opts, model, &new_suffix, &new_owner, &new_registry)?;
    // Every service's rename (unchanged names included), computed before any edit.
    let all: Vec<(&crate::model::Service, Rename)> = model
        .services
        .iter()
        .map(|s| {
            let base = s.package.strip_suffix(&model.suffix).unwrap_or(&s.package);
            let renamed = opts.name.is_some() && opts.service.as_ref().is_none_or(|n| *n == s.name);
            let new_path = match &opts.name {
                Some(name) if renamed => name.clone(),
                _ => format!("{base}{new_suffix}"),
            };
            let rename = Rename {
                host: model.registry.clone(),
                owner: model.owner.clone(),
                path: s.package.clone(),
                new_host: new_registry.clone(),
                new_owner: new_owner.clone(),
                new_path,
                repo: model.repo.clone(),
            };
            (s, rename)
        })
        .collect();
    if opts.suffix.is_some() {
        edit.set_str_or_default(Scope::Top, "suffix", &new_suffix, "");
    }
    if opts.owner.is_some() {
        edit.set_str(Scope::Top, "owner", &new_owner);
    }
    if opts.registry.is_some() {
        edit.set_str_or_default(Scope::Top, "registry", &new_registry, "ghcr.io");
    }
    let implicit = !edit.has("services");
    let mut renames = Vec::new();
    for (s, rename) in all {
        let scope = if implicit {
            Scope::Top
        } else {
            Scope::Service(&s.name)
        };
        if opts.name.is_some() && opts.service.as_ref().is_none_or(|n| *n == s.name) {
            let template = rename
                .new_path
                .strip_suffix(&new_suffix)
                .unwrap_or(&rename.new_path);
            edit.set_str(scope, "image", template);
        }
        if rename.old_image() != rename.new_image() {
            edit.record_renamed_from(scope, &[rename.old_image()], &rename.new_image());
            renames.push(rename);
        }
    }
    let new_text = edit.finish();
    let new_model = crate::load::parse(
        new_text.as_bytes(),
        display,
        &model.root,
        &model.config_name,
    )
    .map_err(|diags| {
        let mut r = Report::errors(diags);
        r.push(Message::Status(
            "the rename would make registry.toml invalid; nothing was written".into(),
        ));
        r
    })?;
    // The repository's references; registry.toml is edited above, generated files are
    // re-rendered below, so the scan leaves both alone.
    let rendered = crate::render::render(&new_model).map_err(|e| Report::error(e.to_string()))?;
    let mut excludes = model.exclude.clone();
    excludes.extend(opts.excludes.iter().cloned());
    excludes.push(format!("/{}", model.config_name));
    excludes.extend(rendered.iter().map(|f| format!("/{}", f.path)));
    let matcher = Matcher::new(&renames);
    let references = if renames.is_empty() {
        rewrite::Plan::default()
    } else {
        rewrite::scan(
            &model.root,
            &matcher,
            &ScanOptions {
                excludes,
                paths: None,
                threads: 0,
            },
        )
        .map_err(|e| Report::error(e.to_string()))?
    };
    // registry.toml and the generated files that exist.
    let mut planned: Vec<crate::render::PlannedFile> = rendered
        .into_iter()
        .filter(|f| model.root.join(&f.path).is_file())
        .collect();
    planned.insert(
        0,
        crate::render::PlannedFile {
            path: model.config_name.clone(),
            contents: new_text,
            target: crate::render::Target::Config,
        },
    );
    let files = plan::Plan::new(&model.root, planned).map_err(|e| Report::error(e.to_string()))?;
    Ok(RenamePlan {
        renames,
        references,
        files,
    })
}

fn finish(opts: &Options<'_>, p: &RenamePlan) -> Report {
    let mut report = Report::new(Exit::Ok);
    if opts.write {
        // Every precondition before the first write: registry.toml and the generated files
        // unchanged since planning (rewrite::apply checks its own files the same way).
        if let Err(e) = p.files.verify() {
            return Report::error(e.to_string());
        }
        if let Err(e) = rewrite::apply(&p.files.root, &p.references) {
            return Report::error(e.to_string());
        }
        if let Err(e) = p.files.write() {
            return Report::error(e.to_string());
        }
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
            warnings: &p.references.warnings,
            files: p
                .files
                .pending()
                .map(|c| JsonFile {
                    path: &c.path,
                    status: c.status,
                })
                .collect(),
            written: opts.write,
        };
        report.output(serde_json::to_string_pretty(&out).expect("json serializes") + "\n");
        return report;
    }
    for r in &p.renames {
        report.status(format!("{} -> {}", r.old_image(), r.new_image()));
    }
    if p.renames.is_empty() {
        report.status("nothing to rename: the names are already current");
        return report;
    }
    // A dry run shows the diffs; a write names the files it changed.
    for f in &p.references.files {
        let path = f.path.to_string_lossy().replace('\\', "/");
        if opts.write {
            report.status(format!(
                "updated {path} ({} reference(s))",
                f.references.len()
            ));
        } else {
            report.push(Message::Diff(plan::unified_diff(&Change {
                path,
                old: Some(f.original.clone()),
                new: f.updated.clone(),
                status: Status::Modified,
            })));
        }
    }
    for c in p.files.pending() {
        if opts.write {
            report.status(format!("updated {}", c.path));
        } else {
            report.push(Message::Diff(plan::unified_diff(c)));
        }
    }
    for w in &p.references.warnings {
        let at = match (w.line, w.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", w.path.display()),
            _ => w.path.display().to_string(),
        };
        report.status(format!("warning: {at}: {}", w.message));
    }
    let generated = p.files.pending().count().saturating_sub(1);
    report.status(format!(
        "{} reference(s) in {} file(s), registry.toml, {generated} generated file(s)",
        p.references.reference_count(),
        p.references.files.len(),
    ));
    if opts.write {
        report.status("written.");
        report.status(CHECKLIST);
    } else {
        report.status("dry run: nothing written; run again with --write to apply");
    }
    report
}

fn validate_flags(
    opts: &Options<'_>,
    model: &Model,
    suffix: &str,
    owner: &str,
    registry: &str,
) -> Result<(), Report> {
    if opts.suffix.is_none()
        && opts.name.is_none()
        && opts.owner.is_none()
        && opts.registry.is_none()
    {
        return Err(Report::error(
            "nothing to rename: pass --suffix, --name, --owner or --registry",
        ));
    }
    if let Some(service) = &opts.service {
        if model.service(service).is_none() {
            let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
            return Err(Report::error(format!(
                "no service `{service}` in registry.toml (services: {})",
                names.join(", ")
            )));
        }
    } else if opts.name.is_some() && model.services.len() > 1 {
        return Err(Report::error(
            "--name renames one service's package: add --service NAME",
        ));
    }
    naming::check_login(owner).map_err(|e| Report::error(format!("invalid --owner: {e}")))?;
    naming::check_registry(registry)
        .map_err(|e| Report::error(format!("invalid --registry: {e}")))?;
    if let Some(name) = &opts.name {
        naming::check_oci_path(name)
            .map_err(|e| Report::error(format!("invalid --name `{name}`: {e}")))?;
        if !suffix.is_empty() && !name.ends_with(suffix) {
            return Err(Report::error(format!(
                "--name `{name}` does not end with the suffix `{suffix}` every package carries; \
                 pass --suffix too, or include the suffix"
            )));
        }
    }
    let sample = format!("a{suffix}");
    naming::check_oci_path(&sample)
        .map_err(|e| Report::error(format!("invalid --suffix `{suffix}`: {e}")))?;
    Ok(())
}
