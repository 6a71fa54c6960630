//! [`RewriteError`]: why a scan stopped, with the path (and line) concerned. Writing fails
//! with the one writer's [`crate::plan::EditError`].

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a scan could not complete. Paths are relative to the
/// scanned root when they are inside it.
#[derive(Debug)]
pub enum RewriteError {
    /// The root to scan cannot be read or is not a directory.
    Root { path: PathBuf, source: io::Error },
    /// An exclude pattern is not a valid gitignore-style glob.
    Exclude { glob: String, message: String },
    /// Walking a directory failed.
    Walk { path: PathBuf, message: String },
    /// A file could not be read.
    Read { path: PathBuf, source: io::Error },
    /// Two references overlap in a file (a matcher bug; nothing is written).
    Overlap { path: PathBuf, line: usize },
}

impl RewriteError {
    /// The path the error concerns (for an exclude error: the glob).
    pub fn path(&self) -> PathBuf {
        match self {
            RewriteError::Exclude { glob, .. } => PathBuf::from(glob),
            RewriteError::Root { path, .. }
            | RewriteError::Walk { path, .. }
            | RewriteError::Read { path, .. }
            | RewriteError::Overlap { path, .. } => path.clone(),
        }
    }

    /// The 1-based line the error concerns, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            RewriteError::Overlap { line, .. } => Some(*line),
            _ => None,
        }
    }
}

impl fmt::Display for RewriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RewriteError::Root { path, source } => {
                write!(
                    f,
                    "{}: cannot scan this directory: {source}",
                    path.display()
                )
            }
            RewriteError::Exclude { glob, message } => {
                write!(f, "exclude pattern {glob:?} is not a valid glob: {message}")
            }
            RewriteError::Walk { path, message } => {
                write!(
                    f,
                    "{}: cannot list this directory: {message}",
                    path.display()
                )
            }
            RewriteError::Read { path, source } => {
                write!(f, "{}: cannot read this file: {source}", path.display())
            }
            RewriteError::Overlap { path, line } => write!(
                f,
                "{}:{line}: two references overlap; nothing was written (please report this)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for RewriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RewriteError::Root { source, .. } | RewriteError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_names_the_path_or_glob_and_line() {
        let p = || PathBuf::from("deploy/app.yaml");
        let io = || io::Error::from(io::ErrorKind::PermissionDenied);
        let all = [
            RewriteError::Root {
                path: p(),
                source: io(),
            },
            RewriteError::Walk {
                path: p(),
                message: "denied".into(),
            },
            RewriteError::Read {
                path: p(),
                source: io(),
            },
            RewriteError::Overlap { path: p(), line: 7 },
        ];
        for e in all {
            assert!(e.to_string().starts_with("deploy/app.yaml"), "{e}");
            assert_eq!(e.path(), p());
        }
        let e = RewriteError::Overlap { path: p(), line: 7 };
        assert!(e.to_string().starts_with("deploy/app.yaml:7:"), "{e}");
        assert_eq!(e.line(), Some(7));
        let e = RewriteError::Exclude {
            glob: "a/{b".into(),
            message: "unclosed".into(),
        };
        assert!(e.to_string().contains("\"a/{b\""), "{e}");
    }
}
