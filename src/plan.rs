//! Planned file changes and the three ways to finish them: write, diff, check.
//!
//! `render --write`, `--diff` and `--check` (and `rename`, which re-renders) all build the
//! same [`Plan`] by comparing rendered files with the disk; they differ only in what they
//! do with it last.

use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::render::PlannedFile;

/// What would happen to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Modified,
    Unchanged,
}

/// One file of a plan: its content on disk and the content wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    /// Current bytes, `None` when the file does not exist.
    pub old: Option<Vec<u8>>,
    /// Wanted bytes.
    pub new: Vec<u8>,
    pub status: Status,
}

/// Every file a command wants on disk, compared with what is there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub root: PathBuf,
    pub changes: Vec<Change>,
}

/// A failure to read or write a planned file.
#[derive(Debug)]
pub struct PlanError {
    pub path: PathBuf,
    pub action: &'static str,
    pub source: std::io::Error,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for PlanError {}

impl Plan {
    /// Compares rendered files with the files under `root`.
    pub fn new(root: &Path, files: Vec<PlannedFile>) -> Result<Plan, PlanError> {
        let mut changes = Vec::with_capacity(files.len());
        for f in files {
            let full = root.join(&f.path);
            let old = match std::fs::read(&full) {
                Ok(bytes) => Some(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => {
                    return Err(PlanError {
                        path: full,
                        action: "read",
                        source,
                    });
                }
            };
            let new = f.contents.into_bytes();
            let status = match &old {
                None => Status::Created,
                Some(o) if *o == new => Status::Unchanged,
                Some(_) => Status::Modified,
            };
            changes.push(Change {
                path: f.path,
                old,
                new,
                status,
            });
        }
        Ok(Plan {
            root: root.to_path_buf(),
            changes,
        })
    }

    /// The changes that would modify the disk.
    pub fn pending(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.status != Status::Unchanged)
    }

    /// Whether the disk already matches.
    pub fn is_clean(&self) -> bool {
        self.pending().next().is_none()
    }

    /// Checks that every pending file still holds what the plan read (or is still absent),
    /// so a file changed since planning is never overwritten.
    pub fn verify(&self) -> Result<(), PlanError> {
        for c in self.pending() {
            let path = self.root.join(&c.path);
            let now = match std::fs::read(&path) {
                Ok(bytes) => Some(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => {
                    return Err(PlanError {
                        path,
                        action: "read",
                        source,
                    });
                }
            };
            if now != c.old {
                return Err(PlanError {
                    path,
                    action: "overwrite",
                    source: std::io::Error::other("it changed on disk since it was read"),
                });
            }
        }
        Ok(())
    }

    /// Writes every pending change atomically (temporary file in the same directory, then
    /// rename; an existing file's mode is kept). Unchanged files are not touched, and
    /// nothing is written when any file changed on disk since the plan was made.
    pub fn write(&self) -> Result<Vec<&Change>, PlanError> {
        self.verify()?;
        let mut written = Vec::new();
        for c in self.pending() {
            write_atomic(&self.root.join(&c.path), &c.new)?;
            written.push(c);
        }
        Ok(written)
    }
}

/// Writes `bytes` to `path` atomically, creating parent directories and keeping an existing
/// file's permissions. A symlink inside the repository is written through, not replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlanError> {
    let err = |action, source| PlanError {
        path: path.to_path_buf(),
        action,
        source,
    };
    let target = match path.canonicalize() {
        Ok(real) => real,
        Err(_) => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| err("create the directory of", e))?;
            }
            path.to_path_buf()
        }
    };
    let mut file =
        atomic_write_file::AtomicWriteFile::open(&target).map_err(|e| err("write", e))?;
    file.write_all(bytes).map_err(|e| err("write", e))?;
    file.commit().map_err(|e| err("write", e))
}

/// A unified diff of one change with git-style headers (`git apply` takes it).
pub fn unified_diff(change: &Change) -> String {
    let old = change
        .old
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let new = String::from_utf8_lossy(&change.new);
    let (from, to) = match change.status {
        Status::Created => ("/dev/null".to_string(), format!("b/{}", change.path)),
        _ => (format!("a/{}", change.path), format!("b/{}", change.path)),
    };
    let mut out = format!("diff --git a/{p} b/{p}\n", p = change.path);
    if change.status == Status::Created {
        out.push_str("new file mode 100644\n");
    }
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&from, &to)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Target;

    fn planned(path: &str, contents: &str) -> PlannedFile {
        PlannedFile {
            path: path.into(),
            contents: contents.into(),
            target: Target::Env,
        }
    }

    #[test]
    fn plan_classifies_created_modified_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("same"), "x\n").unwrap();
        std::fs::write(dir.path().join("old"), "a\n").unwrap();
        let plan = Plan::new(
            dir.path(),
            vec![
                planned("same", "x\n"),
                planned("old", "b\n"),
                planned("d/new", "n\n"),
            ],
        )
        .unwrap();
        let statuses: Vec<_> = plan.changes.iter().map(|c| c.status).collect();
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
        let plan = Plan::new(
            dir.path(),
            vec![planned("run.sh", "new\n"), planned("a/b/c", "c\n")],
        )
        .unwrap();
        assert_eq!(plan.write().unwrap().len(), 2);
        assert_eq!(std::fs::read_to_string(&script).unwrap(), "new\n");
        let mode = std::fs::metadata(&script).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        let again = Plan::new(dir.path(), vec![planned("run.sh", "new\n")]).unwrap();
        assert!(again.is_clean());
    }

    #[test]
    fn write_refuses_files_changed_since_planning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "old\n").unwrap();
        let plan = Plan::new(dir.path(), vec![planned("a", "new\n"), planned("b", "b\n")]).unwrap();
        std::fs::write(dir.path().join("a"), "edited meanwhile\n").unwrap();
        let err = plan.write().unwrap_err();
        assert!(err.to_string().contains("changed on disk"), "{err}");
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
    fn diff_has_git_headers() {
        let change = Change {
            path: "deploy/compose.yaml".into(),
            old: Some(b"a\nb\n".to_vec()),
            new: b"a\nc\n".to_vec(),
            status: Status::Modified,
        };
        let d = unified_diff(&change);
        assert!(d.starts_with("diff --git a/deploy/compose.yaml b/deploy/compose.yaml\n--- a/deploy/compose.yaml\n+++ b/deploy/compose.yaml\n"), "{d}");
        assert!(d.contains("-b\n+c\n"), "{d}");
    }
}
