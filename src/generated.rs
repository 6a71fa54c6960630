//! The generated files as a [`Plan`]: the model rendered and compared with the disk. One
//! planning path for `render` (write, `--diff`, `--check`), `check`'s drift rule and
//! `rename`'s re-rendering.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Model;
use crate::plan::{EditError, Plan};
use crate::render::{self, PlannedFile, TemplateError};

/// Why the generated files could not be planned.
#[derive(Debug)]
pub enum GeneratedError {
    /// A template failed to load or render.
    Template(TemplateError),
    /// A generated file on disk could not be read.
    Read(EditError),
    /// A file at an output path exists but lacks the generated header: it was written by
    /// hand and is not replaced without `--force`. `path` is relative to the root.
    HandWritten { path: PathBuf },
    /// Services' images differ from the ones the committed generated files name, without
    /// `renamed_from`: rendering would rename published packages as a side effect.
    /// `accept` is the command that records them as deliberate.
    ImagesChanged {
        changes: Vec<ImageChange>,
        accept: String,
    },
    /// The config could not be parsed for editing (`--accept-renames`).
    Config { path: PathBuf, message: String },
}

/// Renders `model` and compares every file with the disk under the model's root.
pub(crate) fn plan(model: &Model) -> Result<Plan, GeneratedError> {
    let files = render::render(model).map_err(GeneratedError::Template)?;
    plan_files(&model.root, files).map_err(GeneratedError::Read)
}

/// The generated files that must be executable (mode 0755): the deploy script.
pub(crate) fn executables(model: &Model) -> Vec<PathBuf> {
    model.outputs.deploy.iter().map(PathBuf::from).collect()
}

/// Compares rendered `files` with the disk under `root`.
pub(crate) fn plan_files(root: &Path, files: Vec<PlannedFile>) -> Result<Plan, EditError> {
    Plan::read(
        root,
        files
            .into_iter()
            .map(|f| (PathBuf::from(f.path), f.contents.into_bytes())),
    )
}

/// Refuses a plan that would replace an existing file lacking the generated header (a
/// file written by hand, not by ghcr-gen): the first such file, by plan order.
pub(crate) fn refuse_hand_written(plan: &Plan) -> Result<(), GeneratedError> {
    for e in plan.pending() {
        if let Some(original) = &e.original
            && !render::has_header(&String::from_utf8_lossy(original))
        {
            return Err(GeneratedError::HandWritten {
                path: e.path.clone(),
            });
        }
    }
    Ok(())
}

/// The command that regenerates the files, as the user would type it: with `--config`
/// and the config's path as shown to the user, when one was given.
pub(crate) fn fix_command(config: Option<&str>) -> String {
    match config {
        Some(path) => format!("ghcr-gen render --config {path}"),
        None => "ghcr-gen render".to_string(),
    }
}

impl fmt::Display for GeneratedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratedError::Template(e) => e.fmt(f),
            GeneratedError::Read(e) => e.fmt(f),
            GeneratedError::ImagesChanged { changes, accept } => {
                writeln!(
                    f,
                    "{} package name(s) would change as a side effect of this config; nothing written",
                    changes.len()
                )?;
                for c in changes {
                    writeln!(
                        f,
                        "{}:{}: service `{}` is published as {}, but the config now gives {}",
                        c.file.display(),
                        c.line,
                        c.service,
                        c.old,
                        c.new
                    )?;
                }
                write!(
                    f,
                    "keep the old name by setting `image` in the service's table (deployments pull it), \
                     rename on purpose with `ghcr-gen rename` (it moves every reference), or accept \
                     the new name with `{accept}` (records `renamed_from`)"
                )
            }
            GeneratedError::Config { path, message } => {
                write!(f, "{}: cannot edit: {message}", path.display())
            }
            GeneratedError::HandWritten { path } => write!(
                f,
                "{}: not overwritten: the file exists and lacks ghcr-gen's generated header, \
                 so it was not written by `ghcr-gen render`; move it away, or pass --force \
                 to replace it",
                path.display()
            ),
        }
    }
}

impl std::error::Error for GeneratedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GeneratedError::Template(e) => Some(e),
            GeneratedError::Read(e) => Some(e),
            GeneratedError::HandWritten { .. }
            | GeneratedError::ImagesChanged { .. }
            | GeneratedError::Config { .. } => None,
        }
    }
}

/// A service whose image differs from the one a committed generated file names, without
/// a `renamed_from` entry saying the change is deliberate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    /// The service, as `[services.NAME]` (or the implicit image's name).
    pub service: String,
    /// The generated file naming the old image, relative to the root, and its 1-based line.
    pub file: PathBuf,
    pub line: usize,
    /// The image the file names (without tag) and the one the config now gives.
    pub old: String,
    pub new: String,
}

/// The services whose image the committed generated files name differently: the compose
/// file (`services.NAME.image`) and the Kubernetes workloads (`NAME-deployment.yaml`,
/// `NAME-job.yaml`). Only files carrying the generated header count; one change per
/// service, the compose file first.
pub(crate) fn image_changes(model: &Model, plan: &Plan) -> Vec<ImageChange> {
    let original = |path: &str| {
        plan.edits
            .iter()
            .find(|e| e.path == Path::new(path))
            .and_then(|e| e.original.as_deref())
            .map(String::from_utf8_lossy)
            .filter(|t| render::has_header(t))
    };
    let mut found: Vec<(String, PathBuf, usize, String)> = Vec::new();
    if let Some(compose) = &model.outputs.compose
        && let Some(text) = original(compose)
    {
        for (service, line, image) in compose_images(&text) {
            found.push((service, PathBuf::from(compose), line, image));
        }
    }
    if let Some(dir) = &model.outputs.k8s {
        for s in &model.services {
            for kind in ["deployment", "job"] {
                let path = format!("{dir}/{}-{kind}.yaml", s.name);
                if let Some(text) = original(&path)
                    && let Some((line, image)) = first_image(&text)
                {
                    found.push((s.name.clone(), PathBuf::from(path), line, image));
                }
            }
        }
    }
    let mut changes: Vec<ImageChange> = Vec::new();
    for (service, file, line, old) in found {
        let Some(s) = model.services.iter().find(|s| s.name == service) else {
            continue;
        };
        if old == s.image
            || s.renamed_from.contains(&old)
            || changes.iter().any(|c| c.service == service)
        {
            continue;
        }
        changes.push(ImageChange {
            service,
            file,
            line,
            old,
            new: s.image.clone(),
        });
    }
    changes
}

/// Records each change as deliberate: appends the old image to the service's
/// `renamed_from` in the config (top level for the implicit single image), through the
/// config edit layer that keeps comments and layout. The edit of the config file.
pub(crate) fn accept_renames(
    model: &Model,
    changes: &[ImageChange],
) -> Result<crate::plan::FileEdit, GeneratedError> {
    use crate::config::edit::{ConfigEdit, Scope};
    let path = PathBuf::from(&model.config_name);
    let current = crate::fsafe::canonical_root(&model.root)
        .and_then(|root| crate::fsafe::read(&root, &path))
        .map_err(|e| GeneratedError::Read(EditError::Unsafe(e)))?
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&current).into_owned();
    let mut edit = ConfigEdit::parse(&text).map_err(|e| GeneratedError::Config {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let implicit = !edit.has("services");
    for c in changes {
        let scope = if implicit {
            Scope::Top
        } else {
            Scope::Service(&c.service)
        };
        edit.record_renamed_from(scope, std::slice::from_ref(&c.old), &c.new);
    }
    Ok(crate::plan::FileEdit {
        path,
        original: Some(current),
        updated: edit.finish().into_bytes(),
    })
}

/// A generated file no current output writes (its service was removed): on disk with the
/// generated header, at a path the committed config rendered or inside the Kubernetes
/// directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// Relative to the root.
    pub path: PathBuf,
    /// Its bytes on disk.
    pub contents: Vec<u8>,
    /// Whether it is byte-for-byte what the committed config (`git show HEAD:registry.toml`)
    /// renders: unchanged since generation, so removing it loses nothing.
    pub unchanged: bool,
}

/// The orphaned generated files under the model's root: every file the committed config
/// renders (or, without git, every headed `*.yaml` in the Kubernetes directory) that the
/// current model does not, found on disk with the generated header. A file is
/// `unchanged` only when the committed config renders exactly its bytes.
pub(crate) fn orphans(model: &Model, plan: &Plan) -> Vec<Orphan> {
    let planned = |p: &Path| plan.edits.iter().any(|e| e.path == p);
    let committed: Vec<PlannedFile> = committed_model(model)
        .and_then(|old| render::render(&old).ok())
        .unwrap_or_default();
    let mut candidates: Vec<PathBuf> = committed.iter().map(|f| PathBuf::from(&f.path)).collect();
    if let Some(dir) = &model.outputs.k8s
        && let Ok(entries) = std::fs::read_dir(model.root.join(dir))
    {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        names.sort();
        candidates.extend(names.into_iter().map(|n| Path::new(dir).join(n)));
    }
    let Ok(real_root) = crate::fsafe::canonical_root(&model.root) else {
        return Vec::new();
    };
    let mut out: Vec<Orphan> = Vec::new();
    for path in candidates {
        if planned(&path) || out.iter().any(|o| o.path == path) {
            continue;
        }
        let Ok(Some(contents)) = crate::fsafe::read(&real_root, &path) else {
            continue;
        };
        if !render::has_header(&String::from_utf8_lossy(&contents)) {
            continue;
        }
        let unchanged = committed
            .iter()
            .any(|f| Path::new(&f.path) == path && f.contents.as_bytes() == contents);
        out.push(Orphan {
            path,
            contents,
            unchanged,
        });
    }
    out
}

/// The model of the config as committed at `HEAD`, when git has it and it is valid.
fn committed_model(model: &Model) -> Option<Model> {
    let bytes = crate::git::committed_file(&model.root, &model.config_name)?;
    crate::load::parse(&bytes, &model.config_name, &model.root, &model.config_name).ok()
}

/// `(service, line, image without tag)` of each service in a generated compose file.
fn compose_images(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut in_services = false;
    let mut service: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with(' ') && !line.starts_with('#') && !line.is_empty() {
            in_services = line.trim_end() == "services:";
            service = None;
            continue;
        }
        if !in_services {
            continue;
        }
        if let Some(key) = line.strip_prefix("  ")
            && !key.starts_with(' ')
            && let Some(name) = key.trim_end().strip_suffix(':')
        {
            service = Some(unquote(name));
        } else if let (Some(s), Some(value)) = (&service, line.strip_prefix("    image: ")) {
            out.push((s.clone(), i + 1, untagged(&unquote(value.trim()))));
        }
    }
    out
}

/// The first `image:` of a generated manifest: its line and image without tag.
fn first_image(text: &str) -> Option<(usize, String)> {
    text.lines().enumerate().find_map(|(i, line)| {
        line.trim_start()
            .strip_prefix("image: ")
            .map(|v| (i + 1, untagged(&unquote(v.trim()))))
    })
}

/// A YAML scalar as written by the templates: plain, `'single'` or `"double"` quoted.
fn unquote(value: &str) -> String {
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        serde_json::from_str(value).unwrap_or_else(|_| value[1..value.len() - 1].to_string())
    } else if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        value[1..value.len() - 1].replace("''", "'")
    } else {
        value.to_string()
    }
}

/// An image reference without its tag or digest (`host:port/a/b:tag@sha256:..` → `host:port/a/b`).
fn untagged(reference: &str) -> String {
    let no_digest = reference.split_once('@').map_or(reference, |(r, _)| r);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].find(':') {
        Some(colon) => no_digest[..last_slash + colon].to_string(),
        None => no_digest.to_string(),
    }
}

#[cfg(test)]
mod stable_name_tests {
    use super::*;

    #[test]
    fn compose_images_are_read_per_service_with_their_line() {
        let text = "# Generated by ghcr-gen from registry.toml.\nname: shop\nservices:\n  web:\n    image: ghcr.io/o/shop:${IMAGE_TAG:-latest}\n    restart: \"no\"\n  \"worker\":\n    image: \"localhost:5000/o/shop-worker:${IMAGE_TAG:-latest}\"\n";
        assert_eq!(
            compose_images(text),
            vec![
                ("web".to_string(), 5, "ghcr.io/o/shop".to_string()),
                (
                    "worker".to_string(),
                    8,
                    "localhost:5000/o/shop-worker".to_string()
                ),
            ]
        );
    }

    #[test]
    fn tags_and_digests_are_stripped_but_registry_ports_kept() {
        assert_eq!(untagged("ghcr.io/o/a:1.2"), "ghcr.io/o/a");
        assert_eq!(untagged("localhost:5000/o/a"), "localhost:5000/o/a");
        assert_eq!(
            untagged("localhost:5000/o/a:v1@sha256:ab"),
            "localhost:5000/o/a"
        );
    }
}

/// Notes for the files that must stay out of git and out of images but are not ignored:
/// the filled-in env file (it holds secrets) and the deploy script's state file in
/// `.gitignore`, the filled-in env file in the `.dockerignore` of every build context that
/// contains it. Each names the line to add. Ignore files are read safely inside the root
/// and matched with gitignore rules (`.dockerignore` approximated by them).
pub(crate) fn ignore_notes(model: &Model) -> Vec<String> {
    let Some(template) = &model.outputs.env else {
        return Vec::new();
    };
    let filled = crate::render::compose::filled_env_path(template);
    let mut notes = Vec::new();
    let mut private = vec![filled.clone()];
    if let Some(script) = &model.outputs.deploy {
        private.push(crate::render::deploy::state_path(script));
    }
    for path in &private {
        if !git_ignored(&model.root, path) {
            notes.push(format!(
                "note: {path} is not in .gitignore; add the line `/{path}` so it is never committed"
            ));
        }
    }
    let mut contexts: Vec<&str> = Vec::new();
    for s in &model.services {
        if !contexts.contains(&s.context.as_str()) {
            contexts.push(&s.context);
        }
    }
    for context in contexts {
        let inside = if context == "." {
            Some(filled.as_str())
        } else {
            filled
                .strip_prefix(context)
                .and_then(|rest| rest.strip_prefix('/'))
        };
        let Some(rel) = inside else { continue };
        if !matches_ignore_file(&model.root, context, ".dockerignore", rel) {
            let file = if context == "." {
                ".dockerignore".to_string()
            } else {
                format!("{context}/.dockerignore")
            };
            notes.push(format!(
                "note: {file} does not exclude {filled}; add the line `{rel}` so `docker build` never copies it into an image"
            ));
        }
    }
    notes
}

/// Whether `.gitignore` files at the root or in the directories above `path` ignore it.
fn git_ignored(root: &Path, path: &str) -> bool {
    let mut dir = String::from(".");
    let mut rest = path;
    loop {
        if matches_ignore_file(root, &dir, ".gitignore", rest) {
            return true;
        }
        let Some((first, tail)) = rest.split_once('/') else {
            return false;
        };
        dir = if dir == "." {
            first.to_string()
        } else {
            format!("{dir}/{first}")
        };
        rest = tail;
    }
}

/// Whether the ignore file `name` in `dir` (root-relative) ignores `rel` (relative to
/// `dir`) or a directory above it.
fn matches_ignore_file(root: &Path, dir: &str, name: &str, rel: &str) -> bool {
    let Ok(real_root) = crate::fsafe::canonical_root(root) else {
        return false;
    };
    let Ok(Some(bytes)) = crate::fsafe::read(&real_root, &Path::new(dir).join(name)) else {
        return false;
    };
    let base = root.join(dir);
    let mut builder = ignore::gitignore::GitignoreBuilder::new(&base);
    for line in String::from_utf8_lossy(&bytes).lines() {
        let _ = builder.add_line(None, line);
    }
    builder.build().is_ok_and(|gi| {
        gi.matched_path_or_any_parents(base.join(rel), false)
            .is_ignore()
    })
}

#[cfg(test)]
mod ignore_tests {
    use super::*;

    #[test]
    fn gitignore_rules_in_the_root_or_a_parent_directory_count() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("deploy")).unwrap();
        assert!(!git_ignored(root, "deploy/.env"));
        std::fs::write(root.join(".gitignore"), "*.log\n.env\n").unwrap();
        assert!(git_ignored(root, "deploy/.env"));
        std::fs::write(root.join(".gitignore"), "/.env\n").unwrap();
        assert!(!git_ignored(root, "deploy/.env"), "anchored to the root");
        std::fs::write(root.join("deploy/.gitignore"), "/.env\n").unwrap();
        assert!(git_ignored(root, "deploy/.env"));
        std::fs::write(root.join("deploy/.gitignore"), "/.env\n!/.env\n").unwrap();
        assert!(!git_ignored(root, "deploy/.env"), "negated");
    }
}
