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
            GeneratedError::HandWritten { .. } => None,
        }
    }
}
