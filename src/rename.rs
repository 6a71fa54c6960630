//! Planning a rename: which images move where, and every file that changes with them.
//!
//! One [`RenamePlan`] covers the whole change: the repository's references (found by the
//! [`rewrite`] engine), registry.toml (only the affected values, old names recorded in
//! `renamed_from`), and the generated files that exist, re-rendered from the edited config.
//! Every file is a [`FileEdit`] of the one writer, so [`RenamePlan::write`] writes all of
//! them or, when any changed since planning, none.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::edit::{ConfigEdit, EditError as ConfigEditError, Scope};
use crate::diagnostic::Diagnostic;
use crate::generated;
use crate::model::naming::{self, NameError};
use crate::model::{Model, Service};
use crate::plan::{self, EditError, FileEdit};
use crate::render::{self, TemplateError};
use crate::rewrite::{self, Matcher, Placeholders, Rename, RewriteError, ScanOptions};

use serde::Serialize;

/// What to rename, as the user asked for it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// New suffix for every package (`Some("")` removes it).
    pub suffix: Option<String>,
    /// New package name for one service.
    pub name: Option<String>,
    /// The service `name` applies to.
    pub service: Option<String>,
    pub owner: Option<String>,
    pub registry: Option<String>,
    /// Gitignore-style globs the reference scan skips, besides the config's.
    pub excludes: Vec<String>,
    /// Rename references whose owner is a documentation placeholder too; otherwise they
    /// are listed as [`NoticeKind::ProbableReference`].
    pub include_placeholders: bool,
    /// Plan for a dry run only: the references' diffs, not the files' contents
    /// ([`References::Previewed`]); such a plan cannot be written.
    pub preview: bool,
}

/// Something about a reference the user should know that the rewrite engine's warnings
/// do not say: a release tag that exists under the new name only after CI pushes it, a
/// probable reference left alone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Notice {
    /// Path relative to the root.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub kind: NoticeKind,
    /// A sentence for the user.
    pub message: String,
}

/// The kinds of [`Notice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// A reference with a release version tag (`:v1.2.3`) moved to the new name: that tag
    /// exists there only after CI pushes the version again.
    VersionTag,
    /// A reference whose owner is a documentation placeholder, not renamed (pass
    /// `--include-placeholders`).
    ProbableReference,
}

/// Everything a rename would write.
#[derive(Debug, Clone)]
pub(crate) struct RenamePlan {
    /// The images that move (unchanged names left out).
    pub renames: Vec<Rename>,
    /// The repository's references.
    pub references: References,
    /// registry.toml, edited.
    pub config: FileEdit,
    /// The generated files that exist, re-rendered from the edited config.
    pub generated: Vec<FileEdit>,
    /// The model's root: every edit's path is relative to it.
    pub root: PathBuf,
    /// Version tags moved and probable references left alone, sorted by place.
    pub notices: Vec<Notice>,
}

/// The repository's references to the old names, planned for writing or for a dry run.
#[derive(Debug, Clone)]
pub(crate) enum References {
    /// Every file's edit, contents included: what [`RenamePlan::write`] writes.
    Planned(rewrite::Plan),
    /// Every file's references and diff, without contents ([`Request::preview`]).
    Previewed(rewrite::Preview),
}

impl References {
    /// Every edit, file by file.
    pub(crate) fn edits(&self) -> Vec<rewrite::Edit> {
        match self {
            References::Planned(p) => p.edits(),
            References::Previewed(p) => p.edits(),
        }
    }

    /// The warnings, sorted.
    pub(crate) fn warnings(&self) -> &[rewrite::Warning] {
        match self {
            References::Planned(p) => &p.warnings,
            References::Previewed(p) => &p.warnings,
        }
    }

    /// Number of references over all files.
    pub(crate) fn reference_count(&self) -> usize {
        match self {
            References::Planned(p) => p.reference_count(),
            References::Previewed(p) => p.reference_count(),
        }
    }

    /// Number of files with references.
    pub(crate) fn file_count(&self) -> usize {
        match self {
            References::Planned(p) => p.files.len(),
            References::Previewed(p) => p.files.len(),
        }
    }
}

/// Why a rename cannot be planned.
#[derive(Debug)]
pub enum RenameError {
    /// No flag asks for a change.
    NothingAsked,
    /// `--service` names no service.
    UnknownService {
        service: String,
        services: Vec<String>,
    },
    /// `--name` without `--service` in a config with several services.
    NameNeedsService,
    /// `--owner` is not a GitHub login.
    InvalidOwner(NameError),
    /// `--registry` is not a registry host.
    InvalidRegistry(NameError),
    /// `--name` is not a valid package path.
    InvalidName { name: String, problem: NameError },
    /// `--name` lacks the suffix every package carries.
    NameWithoutSuffix { name: String, suffix: String },
    /// `--suffix` would make invalid package paths.
    InvalidSuffix { suffix: String, problem: NameError },
    /// registry.toml cannot be read.
    ReadConfig { display: String, source: io::Error },
    /// registry.toml is not TOML the editor can keep byte for byte.
    EditConfig(ConfigEditError),
    /// The edited registry.toml would be invalid: its diagnostics.
    InvalidResult(Vec<Diagnostic>),
    /// A template failed while re-rendering.
    Template(TemplateError),
    /// The reference scan failed.
    Scan(RewriteError),
    /// A generated file could not be read.
    Read(EditError),
}

impl RenamePlan {
    /// The edits of registry.toml and the generated files that change, config first.
    pub(crate) fn pending_files(&self) -> impl Iterator<Item = &FileEdit> {
        std::iter::once(&self.config)
            .chain(&self.generated)
            .filter(|e| e.is_change())
    }

    /// Writes every file of the plan with the one writer: nothing is written when any of
    /// them changed since planning. The references and generated files go first and
    /// registry.toml last, so a rename interrupted midway (registry.toml still naming the
    /// old images) is finished by running the same command again: files already written
    /// hold the new names, which the rename leaves alone.
    pub(crate) fn write(&self) -> Result<(), EditError> {
        let References::Planned(references) = &self.references else {
            return Err(EditError::Write {
                path: self.root.clone(),
                source: io::Error::other("a rename planned as a dry run cannot be written"),
            });
        };
        let first = references.file_edits().chain(&self.generated).collect();
        plan::write_phases(&self.root, vec![first, vec![&self.config]]).map(drop)
    }
}

/// Plans `request` on the config at `config_path` (shown as `display`), loaded as `model`.
pub(crate) fn plan(
    request: &Request,
    config_path: &Path,
    display: &str,
    model: &Model,
) -> Result<RenamePlan, RenameError> {
    let text = std::fs::read_to_string(config_path).map_err(|source| RenameError::ReadConfig {
        display: display.to_string(),
        source,
    })?;
    let mut edit = ConfigEdit::parse(&text).map_err(RenameError::EditConfig)?;
    let new_suffix = request
        .suffix
        .clone()
        .unwrap_or_else(|| model.suffix.clone());
    let new_owner = request.owner.clone().unwrap_or_else(|| model.owner.clone());
    let new_registry = request
        .registry
        .clone()
        .unwrap_or_else(|| model.registry.clone());
    validate(request, model, &new_suffix, &new_owner, &new_registry)?;
    let renamed = |s: &Service| {
        request.name.is_some() && request.service.as_ref().is_none_or(|n| *n == s.name)
    };
    // Every service's rename (unchanged names included), computed before any edit.
    let all: Vec<(&Service, Rename)> = model
        .services
        .iter()
        .map(|s| {
            let base = s.package.strip_suffix(&model.suffix).unwrap_or(&s.package);
            let new_path = match &request.name {
                Some(name) if renamed(s) => name.clone(),
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
    if request.suffix.is_some() {
        edit.set_str_or_default(Scope::Top, "suffix", &new_suffix, "");
    }
    if request.owner.is_some() {
        edit.set_str(Scope::Top, "owner", &new_owner);
    }
    if request.registry.is_some() {
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
        if renamed(s) {
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
    .map_err(RenameError::InvalidResult)?;
    // The repository's references; registry.toml is edited above, generated files are
    // re-rendered below, so the scan leaves both alone.
    let rendered = render::render(&new_model).map_err(RenameError::Template)?;
    // A file at a generated path that lacks the generated header was written by hand: it
    // is scanned like any other file rather than replaced by the rendered one.
    let real_root = crate::fsafe::canonical_root(&model.root)
        .map_err(|e| RenameError::Read(EditError::Unsafe(e)))?;
    let mut hand_written = Vec::new();
    for f in &rendered {
        if let Ok(Some(bytes)) = crate::fsafe::read(&real_root, Path::new(&f.path))
            && !render::has_header(&String::from_utf8_lossy(&bytes))
        {
            hand_written.push(f.path.clone());
        }
    }
    let mut excludes = model.exclude.clone();
    excludes.extend(request.excludes.iter().cloned());
    excludes.push(format!("/{}", model.config_name));
    excludes.extend(
        rendered
            .iter()
            .filter(|f| !hand_written.contains(&f.path))
            .map(|f| format!("/{}", f.path)),
    );
    let mut notices = Vec::new();
    let options = ScanOptions {
        excludes,
        paths: None,
        threads: 0,
    };
    let references = if renames.is_empty() {
        if request.preview {
            References::Previewed(rewrite::Preview::default())
        } else {
            References::Planned(rewrite::Plan::default())
        }
    } else {
        let placeholders = if request.include_placeholders {
            Placeholders::Include
        } else {
            Placeholders::Skip
        };
        let matcher = Matcher::with_placeholders(&renames, placeholders);
        let skip: Vec<PathBuf> = std::iter::once(PathBuf::from(&model.config_name))
            .chain(
                rendered
                    .iter()
                    .filter(|f| !hand_written.contains(&f.path))
                    .map(|f| PathBuf::from(&f.path)),
            )
            .collect();
        let read = |rel: &Path| crate::fsafe::read(&real_root, rel).ok().flatten();
        // One walk: the scan hands every file it reads to the setup reader (definitions
        // the text rules cannot see) and to the placeholder search (probable references).
        let ctx = crate::setup::RepoContext {
            owner: model.owner.clone(),
            repo: model.repo.clone(),
        };
        // A repository the reader cannot read has no definitions to add.
        let reader = crate::setup::Reader::definitions(&model.root, &ctx).ok();
        let probable = (!request.include_placeholders)
            .then(|| Matcher::with_placeholders(&renames, Placeholders::Only));
        let found_probable = std::sync::Mutex::new(Vec::new());
        // Without the packages' literals a file holds no reference, placeholder-owned or
        // not, and no Helm value naming one; workflows are read whatever they hold (their
        // definitions spell the name through expressions).
        let also = |rel: &Path, bytes: &[u8], candidate: bool| {
            if let Some(reader) = &reader
                && (candidate || crate::setup::is_workflow(rel))
            {
                reader.visit(rel, bytes);
            }
            if let Some(m) = &probable
                && candidate
            {
                let notices = probable_notices(rel, m, bytes);
                found_probable
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(notices);
            }
        };
        let references = if request.preview {
            let mut preview = rewrite::preview_with(&model.root, &matcher, &options, &also)
                .map_err(RenameError::Scan)?;
            let setup = reader.map(crate::setup::Reader::finish);
            let found = definition_files(setup.as_ref(), &renames, &skip, &read, |path| {
                let f = preview.files.iter().find(|f| f.path == path)?;
                Some((read(path)?, f.references.clone()))
            });
            for (path, original, refs) in found {
                let diff = rewrite::reference_diff(&path, &original, &refs);
                preview.files.retain(|f| f.path != path);
                let at = preview.files.partition_point(|f| f.path < path);
                let file = rewrite::FilePreview {
                    path,
                    references: refs,
                    diff,
                };
                preview.files.insert(at, file);
            }
            References::Previewed(preview)
        } else {
            let mut plan = rewrite::scan_with(&model.root, &matcher, &options, &also)
                .map_err(RenameError::Scan)?;
            let setup = reader.map(crate::setup::Reader::finish);
            let found = definition_files(setup.as_ref(), &renames, &skip, &read, |path| {
                let f = plan.files.iter().find(|f| f.edit.path == path)?;
                Some((f.edit.original.clone()?, f.references.clone()))
            });
            for (path, original, refs) in found {
                let rewrite = rewrite::FileRewrite::new(path.clone(), original, refs)
                    .map_err(RenameError::Scan)?;
                plan.files.retain(|f| f.edit.path != path);
                let at = plan.files.partition_point(|f| f.edit.path < path);
                plan.files.insert(at, rewrite);
            }
            References::Planned(plan)
        };
        notices.extend(version_tag_notices(&references, &renames));
        notices.extend(
            found_probable
                .into_inner()
                .unwrap_or_else(|p| p.into_inner()),
        );
        notices.sort();
        references
    };
    // The generated files that exist; registry.toml.
    let existing: Vec<render::PlannedFile> = rendered
        .into_iter()
        .filter(|f| model.root.join(&f.path).is_file() && !hand_written.contains(&f.path))
        .collect();
    let generated = generated::plan_files(&model.root, existing)
        .map_err(RenameError::Read)?
        .edits;
    let config = FileEdit::read(&model.root, &model.config_name, new_text.into_bytes())
        .map_err(RenameError::Read)?;
    Ok(RenamePlan {
        renames,
        references,
        config,
        generated,
        root: model.root.clone(),
        notices,
    })
}

/// The definitions the reader finds (an env entry, a script assignment, a Helm
/// `repository:`) merged into their files' references, except where a text rule already
/// edits them and in `skip`ped files: each changed file's path, original bytes and
/// references in order. `existing` gives a file's bytes and references when the scan found
/// it.
fn definition_files(
    setup: Option<&crate::setup::Setup>,
    renames: &[Rename],
    skip: &[PathBuf],
    read: &dyn Fn(&Path) -> Option<Vec<u8>>,
    existing: impl Fn(&Path) -> Option<(Vec<u8>, Vec<rewrite::Reference>)>,
) -> Vec<(PathBuf, Vec<u8>, Vec<rewrite::Reference>)> {
    let Some(setup) = setup else {
        return Vec::new();
    };
    let mut files: std::collections::BTreeMap<PathBuf, (Vec<u8>, Vec<rewrite::Reference>)> =
        std::collections::BTreeMap::new();
    for edit in rewrite::definition_edits(setup, renames, read) {
        if skip.contains(&edit.file) {
            continue;
        }
        if !files.contains_key(&edit.file) {
            let Some(found) =
                existing(&edit.file).or_else(|| Some((read(&edit.file)?, Vec::new())))
            else {
                continue;
            };
            files.insert(edit.file.clone(), found);
        }
        let Some((original, refs)) = files.get_mut(&edit.file) else {
            continue;
        };
        let r = edit.reference;
        let d = edit.definition;
        let overlaps = refs.iter().any(|o| {
            (r.start <= o.end && o.start <= r.end) || (d.start <= o.start && o.end <= d.end)
        });
        if !overlaps && r.end <= original.len() {
            let at = refs.partition_point(|o| o.start < r.start);
            refs.insert(at, r);
        }
    }
    files
        .into_iter()
        .map(|(path, (original, refs))| (path, original, refs))
        .collect()
}

/// A notice for every renamed reference written with a release version tag.
fn version_tag_notices(references: &References, renames: &[Rename]) -> Vec<Notice> {
    let files: Vec<(&Path, &[rewrite::Reference])> = match references {
        References::Planned(p) => p
            .files
            .iter()
            .map(|f| (f.edit.path.as_path(), f.references.as_slice()))
            .collect(),
        References::Previewed(p) => p
            .files
            .iter()
            .map(|f| (f.path.as_path(), f.references.as_slice()))
            .collect(),
    };
    let mut out = Vec::new();
    for (path, refs) in files {
        for r in refs {
            let Some(tag) = &r.version_tag else { continue };
            let new = renames
                .get(r.rename)
                .map_or_else(|| r.replacement.clone(), Rename::new_image);
            out.push(Notice {
                path: path.to_path_buf(),
                line: r.line,
                column: r.column,
                kind: NoticeKind::VersionTag,
                message: format!(
                    "{}:{tag} names a release; {new}:{tag} exists only after CI pushes that \
                     version again (re-run its release, or copy it with \
                     `docker buildx imagetools create -t {new}:{tag} {}:{tag}`)",
                    r.old,
                    renames
                        .get(r.rename)
                        .map_or_else(|| r.old.clone(), Rename::old_image),
                ),
            });
        }
    }
    out
}

/// The references in `bytes` whose owner is a documentation placeholder (`<owner>`,
/// `your-username`), found by `matcher` ([`Placeholders::Only`]): listed, not renamed.
fn probable_notices(rel: &Path, matcher: &Matcher, bytes: &[u8]) -> Vec<Notice> {
    matcher
        .find_bytes(bytes)
        .into_iter()
        .map(|r| Notice {
            path: rel.to_path_buf(),
            line: r.line,
            column: r.column,
            kind: NoticeKind::ProbableReference,
            message: format!(
                "{} names the image with a placeholder owner; not renamed (pass \
                 --include-placeholders to write `{}`)",
                r.old, r.replacement
            ),
        })
        .collect()
}

fn lossy_path<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

impl fmt::Display for RenameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenameError::NothingAsked => {
                f.write_str("nothing to rename: pass --suffix, --name, --owner or --registry")
            }
            RenameError::UnknownService { service, services } => write!(
                f,
                "no service `{service}` in registry.toml (services: {})",
                services.join(", ")
            ),
            RenameError::NameNeedsService => {
                f.write_str("--name renames one service's package: add --service NAME")
            }
            RenameError::InvalidOwner(problem) => write!(f, "invalid --owner: {problem}"),
            RenameError::InvalidRegistry(problem) => write!(f, "invalid --registry: {problem}"),
            RenameError::InvalidName { name, problem } => {
                write!(f, "invalid --name `{name}`: {problem}")
            }
            RenameError::NameWithoutSuffix { name, suffix } => write!(
                f,
                "--name `{name}` does not end with the suffix `{suffix}` every package carries; \
                 pass --suffix too, or include the suffix"
            ),
            RenameError::InvalidSuffix { suffix, problem } => {
                write!(f, "invalid --suffix `{suffix}`: {problem}")
            }
            RenameError::ReadConfig { display, source } => {
                write!(f, "cannot read {display}: {source}")
            }
            RenameError::EditConfig(message) => message.fmt(f),
            RenameError::InvalidResult(_) => {
                f.write_str("the rename would make registry.toml invalid; nothing was written")
            }
            RenameError::Template(e) => e.fmt(f),
            RenameError::Scan(e) => e.fmt(f),
            RenameError::Read(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RenameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RenameError::ReadConfig { source, .. } => Some(source),
            RenameError::Template(e) => Some(e),
            RenameError::Scan(e) => Some(e),
            RenameError::Read(e) => Some(e),
            _ => None,
        }
    }
}

/// Checks the flags against the model before anything is planned.
fn validate(
    request: &Request,
    model: &Model,
    suffix: &str,
    owner: &str,
    registry: &str,
) -> Result<(), RenameError> {
    if request.suffix.is_none()
        && request.name.is_none()
        && request.owner.is_none()
        && request.registry.is_none()
    {
        return Err(RenameError::NothingAsked);
    }
    if let Some(service) = &request.service {
        if model.service(service).is_none() {
            return Err(RenameError::UnknownService {
                service: service.clone(),
                services: model.services.iter().map(|s| s.name.clone()).collect(),
            });
        }
    } else if request.name.is_some() && model.services.len() > 1 {
        return Err(RenameError::NameNeedsService);
    }
    naming::check_login(owner).map_err(RenameError::InvalidOwner)?;
    naming::check_registry(registry).map_err(RenameError::InvalidRegistry)?;
    if let Some(name) = &request.name {
        naming::check_oci_path(name).map_err(|problem| RenameError::InvalidName {
            name: name.clone(),
            problem,
        })?;
        if !suffix.is_empty() && !name.ends_with(suffix) {
            return Err(RenameError::NameWithoutSuffix {
                name: name.clone(),
                suffix: suffix.to_string(),
            });
        }
    }
    naming::check_oci_path(&format!("a{suffix}")).map_err(|problem| {
        RenameError::InvalidSuffix {
            suffix: suffix.to_string(),
            problem,
        }
    })?;
    Ok(())
}
