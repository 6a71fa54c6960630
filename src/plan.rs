//! The one writer: planned file edits and the three ways to finish them (write, diff,
//! check).
//!
//! Every command that changes files (`render`, `rename`, and `init`'s single file) plans a
//! [`FileEdit`] per file: its path, what was read when planning (`None` for a new file) and
//! the content wanted. A [`Plan`] holds the edits of one root. [`write()`] first checks that
//! every file still holds what was read ([`verify`]), so a file changed since planning is
//! refused and nothing is written; then writes each file atomically ([`write_atomic`]:
//! temporary file in the same directory, fsync, rename, mode kept). [`unified_diff`]
//! renders an edit as a git-style diff.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use atomic_write_file::AtomicWriteFile;
use similar::TextDiff;

/// What an edit does to its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Modified,
    Unchanged,
}

/// One file's planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Path relative to the root.
    pub path: PathBuf,
    /// The bytes read when planning; `None` when the file did not exist.
    pub original: Option<Vec<u8>>,
    /// The bytes wanted.
    pub updated: Vec<u8>,
}

/// Every file a command wants on disk under one root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub root: PathBuf,
    pub edits: Vec<FileEdit>,
}

/// Why a planned file could not be read or written. The path is as the edit names it
/// (relative to the root), or as given to [`write_atomic`].
#[derive(Debug)]
pub enum EditError {
    /// The file could not be read.
    Read { path: PathBuf, source: io::Error },
    /// The file no longer holds what was read when planning (or a new file appeared, or it
    /// became a symbolic link leading outside the root); nothing was written over it.
    Changed { path: PathBuf },
    /// Writing the file (its directory, its temporary file, or the final rename) failed.
    Write { path: PathBuf, source: io::Error },
}

impl FileEdit {
    /// The edit of `path` (relative to `root`) to `updated`, with the file's current bytes
    /// (read through a symbolic link) as the original.
    pub fn read(
        root: &Path,
        path: impl Into<PathBuf>,
        updated: Vec<u8>,
    ) -> Result<FileEdit, EditError> {
        let path = path.into();
        let original = read_if_exists(&root.join(&path), &path)?;
        Ok(FileEdit {
            path,
            original,
            updated,
        })
    }

    /// Whether the edit creates, modifies or leaves the file.
    pub fn status(&self) -> Status {
        match &self.original {
            None => Status::Created,
            Some(o) if *o == self.updated => Status::Unchanged,
            Some(_) => Status::Modified,
        }
    }

    /// Whether writing the edit would change the disk.
    pub fn is_change(&self) -> bool {
        self.status() != Status::Unchanged
    }

    /// The path, `/`-separated, as diffs and messages show it.
    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    /// The edit as a unified diff with git-style headers (`git apply` takes it).
    pub fn diff(&self) -> String {
        unified_diff(self)
    }
}

impl Plan {
    /// An empty plan under `root`.
    pub fn new(root: &Path) -> Plan {
        Plan {
            root: root.to_path_buf(),
            edits: Vec::new(),
        }
    }

    /// Compares the wanted files (`path` relative to `root`, content) with the disk.
    pub fn read<P: Into<PathBuf>>(
        root: &Path,
        files: impl IntoIterator<Item = (P, Vec<u8>)>,
    ) -> Result<Plan, EditError> {
        let mut plan = Plan::new(root);
        for (path, updated) in files {
            plan.edits.push(FileEdit::read(root, path, updated)?);
        }
        Ok(plan)
    }

    /// The edits that would change the disk.
    pub fn pending(&self) -> impl Iterator<Item = &FileEdit> {
        self.edits.iter().filter(|e| e.is_change())
    }

    /// Whether the disk already matches.
    pub fn is_clean(&self) -> bool {
        self.pending().next().is_none()
    }

    /// [`verify`] for this plan.
    pub fn verify(&self) -> Result<(), EditError> {
        verify(&self.root, self.pending())
    }

    /// [`write()`] for this plan; returns the edits written.
    pub fn write(&self) -> Result<Vec<&FileEdit>, EditError> {
        write(&self.root, self.pending())
    }
}

/// Checks that every edit's file still holds what was read when planning (or is still
/// absent), so a file changed since planning is never overwritten. A file that became a
/// symbolic link leading outside `root` counts as changed.
pub fn verify<'a>(
    root: &Path,
    edits: impl IntoIterator<Item = &'a FileEdit>,
) -> Result<(), EditError> {
    let real_root = root.canonicalize().ok();
    edits
        .into_iter()
        .try_for_each(|e| unchanged(root, real_root.as_deref(), e))
}

/// Writes every edit that changes its file, each atomically, and returns them. Nothing is
/// written when any file changed since planning ([`EditError::Changed`]); each file is
/// checked once more right before its rename. Should writing one fail, the files written
/// before it stay written and the error names the one that failed (the first by path).
pub fn write<'a>(
    root: &Path,
    edits: impl IntoIterator<Item = &'a FileEdit>,
) -> Result<Vec<&'a FileEdit>, EditError> {
    let edits: Vec<&FileEdit> = edits.into_iter().filter(|e| e.is_change()).collect();
    let real_root = root.canonicalize().ok();
    let real_root = real_root.as_deref();
    for e in &edits {
        unchanged(root, real_root, e)?;
    }
    let write_one = |e: &FileEdit| {
        let abs = root.join(&e.path);
        write_checked(&abs, &e.updated, || unchanged(root, real_root, e)).map_err(|err| match err {
            EditError::Write { source, .. } => EditError::Write {
                path: e.path.clone(),
                source,
            },
            other => other,
        })
    };
    let workers = edits.len().min(MAX_WRITERS);
    if workers <= 1 {
        edits.iter().try_for_each(|e| write_one(e))?;
        return Ok(edits);
    }
    let next = AtomicUsize::new(0);
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(e) = edits.get(i) else { break };
                    if let Err(err) = write_one(e) {
                        errors.lock().unwrap_or_else(|p| p.into_inner()).push(err);
                        next.store(edits.len(), Ordering::Relaxed);
                        break;
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    errors.sort_by(|a, b| a.path().cmp(b.path()));
    match errors.into_iter().next() {
        Some(err) => Err(err),
        None => Ok(edits),
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, fsync,
/// rename), creating parent directories and keeping an existing file's mode. A symbolic
/// link is written through, not replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EditError> {
    write_checked(path, bytes, || Ok(()))
}

/// A unified diff of one edit with git-style headers (`git apply` takes it).
pub fn unified_diff(edit: &FileEdit) -> String {
    let path = edit.display_path();
    let old = edit
        .original
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let new = String::from_utf8_lossy(&edit.updated);
    let created = edit.original.is_none();
    let from = if created {
        "/dev/null".to_string()
    } else {
        format!("a/{path}")
    };
    let mut out = format!("diff --git a/{path} b/{path}\n");
    if created {
        out.push_str("new file mode 100644\n");
    }
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{path}"))
        .missing_newline_hint(true)
        .to_string();
    out.push_str(&body);
    out
}

/// Colours a unified diff for a terminal: headers bold, removals red, additions green.
pub fn colorize_diff(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("diff --git")
            || line.starts_with("--- ")
            || line.starts_with("+++ ")
            || line.starts_with("new file")
        {
            "\x1b[1m"
        } else if line.starts_with("@@") {
            "\x1b[36m"
        } else if line.starts_with('-') {
            "\x1b[31m"
        } else if line.starts_with('+') {
            "\x1b[32m"
        } else {
            ""
        };
        if style.is_empty() {
            out.push_str(line);
        } else {
            let (text, nl) = match line.strip_suffix('\n') {
                Some(t) => (t, "\n"),
                None => (line, ""),
            };
            out.push_str(style);
            out.push_str(text);
            out.push_str("\x1b[0m");
            out.push_str(nl);
        }
    }
    out
}

impl EditError {
    /// The path the error concerns.
    pub fn path(&self) -> &Path {
        match self {
            EditError::Read { path, .. }
            | EditError::Changed { path }
            | EditError::Write { path, .. } => path,
        }
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Read { path, source } => {
                write!(f, "{}: cannot read this file: {source}", path.display())
            }
            EditError::Changed { path } => write!(
                f,
                "{}: the file changed on disk since it was read, so it was not overwritten; \
                 run the command again",
                path.display()
            ),
            EditError::Write { path, source } => {
                write!(f, "{}: cannot write this file: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for EditError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EditError::Read { source, .. } | EditError::Write { source, .. } => Some(source),
            EditError::Changed { .. } => None,
        }
    }
}

/// Most files written at once: the cost is dominated by `fsync`, which overlaps well.
const MAX_WRITERS: usize = 16;

/// The bytes of `abs`, `None` when it does not exist; errors name `shown`.
fn read_if_exists(abs: &Path, shown: &Path) -> Result<Option<Vec<u8>>, EditError> {
    match std::fs::read(abs) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(EditError::Read {
            path: shown.to_path_buf(),
            source,
        }),
    }
}

/// Checks that the file of `edit` still holds its original: same bytes (or still absent),
/// a regular file, and not a symbolic link leading outside `real_root`.
fn unchanged(root: &Path, real_root: Option<&Path>, edit: &FileEdit) -> Result<(), EditError> {
    let abs = root.join(&edit.path);
    let changed = || EditError::Changed {
        path: edit.path.clone(),
    };
    let meta = match std::fs::symlink_metadata(&abs) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(EditError::Read {
                path: edit.path.clone(),
                source,
            });
        }
    };
    let (meta, original) = match (meta, &edit.original) {
        (None, None) => return Ok(()),
        (Some(meta), Some(original)) => (meta, original),
        // Gone since it was read, or there now when it was not.
        _ => return Err(changed()),
    };
    if meta.file_type().is_symlink() {
        let inside = match (abs.canonicalize(), real_root) {
            (Ok(real), Some(root)) => real.starts_with(root),
            _ => false,
        };
        if !inside {
            return Err(changed());
        }
    }
    let current = match std::fs::metadata(&abs) {
        Ok(m) if m.is_file() && m.len() == original.len() as u64 => {
            read_if_exists(&abs, &edit.path)?
        }
        _ => return Err(changed()),
    };
    if current.as_ref() != Some(original) {
        return Err(changed());
    }
    Ok(())
}

/// [`write_atomic`], calling `check` after the temporary file is written and before it
/// replaces the target; when `check` fails the temporary file is discarded.
fn write_checked(
    path: &Path,
    bytes: &[u8],
    check: impl FnOnce() -> Result<(), EditError>,
) -> Result<(), EditError> {
    let failed = |source| EditError::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = match path.canonicalize() {
        Ok(real) => real,
        Err(_) => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(failed)?;
            }
            path.to_path_buf()
        }
    };
    let mut file = AtomicWriteFile::open(&target).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    // The temporary file is discarded when `file` drops without a commit.
    check()?;
    file.commit().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(root: &Path, files: &[(&str, &str)]) -> Plan {
        Plan::read(
            root,
            files
                .iter()
                .map(|(p, c)| (PathBuf::from(p), c.as_bytes().to_vec())),
        )
        .unwrap()
    }

    #[test]
    fn plan_classifies_created_modified_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("same"), "x\n").unwrap();
        std::fs::write(dir.path().join("old"), "a\n").unwrap();
        let plan = plan(
            dir.path(),
            &[("same", "x\n"), ("old", "b\n"), ("d/new", "n\n")],
        );
        let statuses: Vec<_> = plan.edits.iter().map(FileEdit::status).collect();
        assert_eq!(
            statuses,
            [Status::Unchanged, Status::Modified, Status::Created]
        );
        assert!(!plan.is_clean());
    }

    #[test]
    fn write_keeps_mode_and_skips_unchanged_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("run.sh");
        std::fs::write(&script, "old\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let p = plan(dir.path(), &[("run.sh", "new\n"), ("a/b/c", "c\n")]);
        assert_eq!(p.write().unwrap().len(), 2);
        assert_eq!(std::fs::read_to_string(&script).unwrap(), "new\n");
        let mode = std::fs::metadata(&script).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        assert!(plan(dir.path(), &[("run.sh", "new\n")]).is_clean());
    }

    #[test]
    fn write_refuses_files_changed_since_planning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "old\n").unwrap();
        let p = plan(dir.path(), &[("a", "new\n"), ("b", "b\n")]);
        std::fs::write(dir.path().join("a"), "edited meanwhile\n").unwrap();
        let err = p.write().unwrap_err();
        assert!(err.to_string().contains("changed on disk"), "{err}");
        assert!(matches!(&err, EditError::Changed { path } if path == Path::new("a")));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a")).unwrap(),
            "edited meanwhile\n"
        );
        assert!(
            !dir.path().join("b").exists(),
            "nothing is written when one file changed"
        );
    }

    #[test]
    fn write_refuses_a_new_file_that_appeared_since_planning() {
        let dir = tempfile::tempdir().unwrap();
        let p = plan(dir.path(), &[("new", "ours\n")]);
        std::fs::write(dir.path().join("new"), "theirs\n").unwrap();
        assert!(matches!(p.write(), Err(EditError::Changed { .. })));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("new")).unwrap(),
            "theirs\n"
        );
    }

    #[test]
    fn write_goes_through_a_symlink_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.yaml"), "old\n").unwrap();
        std::os::unix::fs::symlink("real.yaml", dir.path().join("link.yaml")).unwrap();
        let p = plan(dir.path(), &[("link.yaml", "new\n")]);
        p.write().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real.yaml")).unwrap(),
            "new\n"
        );
        assert!(
            std::fs::symlink_metadata(dir.path().join("link.yaml"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn diff_has_git_headers() {
        let edit = FileEdit {
            path: "deploy/compose.yaml".into(),
            original: Some(b"a\nb\n".to_vec()),
            updated: b"a\nc\n".to_vec(),
        };
        let d = unified_diff(&edit);
        assert!(d.starts_with("diff --git a/deploy/compose.yaml b/deploy/compose.yaml\n--- a/deploy/compose.yaml\n+++ b/deploy/compose.yaml\n"), "{d}");
        assert!(d.contains("-b\n+c\n"), "{d}");
    }

    #[test]
    fn diff_of_a_new_file_comes_from_dev_null() {
        let edit = FileEdit {
            path: "deploy/.env.example".into(),
            original: None,
            updated: b"A=1\n".to_vec(),
        };
        let d = edit.diff();
        assert!(
            d.starts_with("diff --git a/deploy/.env.example b/deploy/.env.example\nnew file mode 100644\n--- /dev/null\n+++ b/deploy/.env.example\n"),
            "{d}"
        );
    }
}
