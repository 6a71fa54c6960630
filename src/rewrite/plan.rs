//! [`Plan`]: the edits a scan computed, file by file ([`FileRewrite`]: the one writer's
//! [`FileEdit`] plus the references behind it), and the warnings it raised; with the
//! serializable views ([`Edit`], [`Warning`]) the CLI prints as JSON. Writing goes through
//! [`crate::plan::write`].

use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use super::error::RewriteError;
use super::matcher::{Reference, Rename};
use crate::plan::{self, EditError, FileEdit};

/// Everything a rename would change under one root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Files with at least one reference, sorted by path.
    pub files: Vec<FileRewrite>,
    /// Warnings, sorted by path, line and column.
    pub warnings: Vec<Warning>,
}

/// One file's rewrite: the edit (original as scanned, every reference replaced) and the
/// references it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRewrite {
    /// The edit; its path is relative to the scanned root and its original is always read.
    pub edit: FileEdit,
    /// The references, in order.
    pub references: Vec<Reference>,
}

/// What a dry run shows of a rename under one root: each file's references and diff,
/// without the files' contents (so its memory is that of the output, not of the files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// Files with at least one reference, sorted by path.
    pub files: Vec<FilePreview>,
    /// Warnings, sorted by path, line and column.
    pub warnings: Vec<Warning>,
}

/// One file of a [`Preview`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePreview {
    /// Path relative to the scanned root.
    pub path: PathBuf,
    /// The references, in order.
    pub references: Vec<Reference>,
    /// The unified diff replacing them, built from the references ([`reference_diff`]).
    pub diff: String,
}

/// One edit, as printed: where, what, and what it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub old: String,
    pub new: String,
}

/// Something the user should know about that does not stop the rename.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    /// Path relative to the root.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// 1-based line, when the warning is about one place.
    pub line: Option<usize>,
    /// 1-based column in characters, when the warning is about one place.
    pub column: Option<usize>,
    /// What kind of warning this is.
    pub kind: WarningKind,
    /// A sentence for the user.
    pub message: String,
}

/// The kinds of [`Warning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A reference pinned to a digest: the digest exists under the new name only after CI
    /// pushes it.
    DigestPinned,
    /// A changing host or owner is written as a variable, which was kept.
    VariableKept,
    /// A path given to scan is a symbolic link; it was not followed.
    Symlink,
    /// A path given to scan does not exist.
    Missing,
    /// A path given to scan lies outside the root (directly or through a symlink).
    OutsideRoot,
}

impl Plan {
    /// Every edit, file by file, in order.
    pub fn edits(&self) -> Vec<Edit> {
        edits(self.files.iter().map(|f| (&f.edit.path, &f.references[..])))
    }

    /// Number of references over all files.
    pub fn reference_count(&self) -> usize {
        self.files.iter().map(|f| f.references.len()).sum()
    }

    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file edits, for the one writer.
    pub fn file_edits(&self) -> impl Iterator<Item = &FileEdit> {
        self.files.iter().map(|f| &f.edit)
    }

    /// Writes every file under `root` with [`plan::write`]: nothing is written when any
    /// file changed since the scan.
    pub fn write(&self, root: &Path) -> Result<(), EditError> {
        plan::write(root, self.file_edits()).map(drop)
    }
}

impl Preview {
    /// Every edit, file by file, in order.
    pub fn edits(&self) -> Vec<Edit> {
        edits(self.files.iter().map(|f| (&f.path, &f.references[..])))
    }

    /// Number of references over all files.
    pub fn reference_count(&self) -> usize {
        self.files.iter().map(|f| f.references.len()).sum()
    }
}

/// The edits of files given as (path, references).
fn edits<'a>(files: impl Iterator<Item = (&'a PathBuf, &'a [Reference])>) -> Vec<Edit> {
    files
        .flat_map(|(path, references)| {
            references.iter().map(move |r| Edit {
                path: path.clone(),
                line: r.line,
                column: r.column,
                old: r.old.clone(),
                new: r.replacement.clone(),
            })
        })
        .collect()
}

/// The unified diff of `original` (the file at `path`) with each reference replaced, built
/// from the references alone ([`plan::splice_diff`]): the same text as the whole-file
/// diff of the edit, at the cost of the lines around the references.
pub fn reference_diff(path: &Path, original: &[u8], references: &[Reference]) -> String {
    let splices: Vec<plan::Splice<'_>> = references
        .iter()
        .map(|r| plan::Splice {
            range: r.start..r.end,
            with: r.replacement.as_bytes(),
        })
        .collect();
    let shown = path.to_string_lossy().replace('\\', "/");
    plan::splice_diff(&shown, original, &splices)
}

/// A plan serializes as `{"edits": [Edit…], "warnings": [Warning…]}`.
impl Serialize for Plan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Plan", 2)?;
        st.serialize_field("edits", &self.edits())?;
        st.serialize_field("warnings", &self.warnings)?;
        st.end()
    }
}

impl FileRewrite {
    /// The edit as a unified diff, built from the references ([`reference_diff`]).
    pub fn diff(&self) -> String {
        let original = self.edit.original.as_deref().unwrap_or_default();
        reference_diff(&self.edit.path, original, &self.references)
    }

    /// The edit of `original` that replaces each reference (which must be in order and
    /// not overlap) and nothing else.
    pub fn new(
        path: PathBuf,
        original: Vec<u8>,
        references: Vec<Reference>,
    ) -> Result<FileRewrite, RewriteError> {
        let updated = splice(&path, &original, &references)?;
        Ok(FileRewrite {
            edit: FileEdit {
                path,
                original: Some(original),
                updated,
            },
            references,
        })
    }
}

/// The warnings the references of one file raise.
pub(crate) fn warnings_for(
    path: &Path,
    references: &[Reference],
    renames: &[Rename],
) -> Vec<Warning> {
    let mut out = Vec::new();
    for r in references {
        let rename = renames.get(r.rename);
        if r.digest_pinned {
            let new = rename.map_or_else(|| r.replacement.clone(), Rename::new_image);
            out.push(Warning {
                path: path.to_path_buf(),
                line: Some(r.line),
                column: Some(r.column),
                kind: WarningKind::DigestPinned,
                message: format!(
                    "{} is pinned to a digest; that digest exists under {new} only after CI pushes it",
                    r.old
                ),
            });
        }
        if r.kept_variable {
            out.push(Warning {
                path: path.to_path_buf(),
                line: Some(r.line),
                column: Some(r.column),
                kind: WarningKind::VariableKept,
                message: format!(
                    "{} names the registry or owner with a variable; make sure it now gives {}",
                    r.old,
                    rename.map_or_else(|| r.replacement.clone(), Rename::new_image)
                ),
            });
        }
    }
    out
}

fn splice(path: &Path, original: &[u8], references: &[Reference]) -> Result<Vec<u8>, RewriteError> {
    let extra: usize = references.iter().map(|r| r.replacement.len()).sum();
    let mut out = Vec::with_capacity(original.len() + extra);
    let mut pos = 0;
    for r in references {
        if r.start < pos || r.end < r.start || r.end > original.len() {
            return Err(RewriteError::Overlap {
                path: path.to_path_buf(),
                line: r.line,
            });
        }
        out.extend_from_slice(&original[pos..r.start]);
        out.extend_from_slice(r.replacement.as_bytes());
        pos = r.end;
    }
    out.extend_from_slice(&original[pos..]);
    Ok(out)
}

fn lossy_path<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}
