//! Path rules: every path in `registry.toml` is relative to it, uses `/`, and stays inside
//! the repository (no absolute path, no `..`, no symlink leading out).

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Why a path in `registry.toml` is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    Empty,
    Backslash,
    Absolute,
    ParentDir,
    /// `link` (relative to the root) resolves to `target`, outside the repository.
    SymlinkOut {
        link: PathBuf,
        target: PathBuf,
    },
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Empty => f.write_str("the path is empty"),
            PathError::Backslash => f.write_str("use '/' as the path separator"),
            PathError::Absolute => f.write_str("absolute paths are not allowed"),
            PathError::ParentDir => f.write_str("'..' would leave the repository"),
            PathError::SymlinkOut { link, target } => write!(
                f,
                "{} is a symlink to {}, outside the repository",
                link.display(),
                target.display()
            ),
        }
    }
}

impl std::error::Error for PathError {}

/// The help line of every diagnostic about a path.
pub const HELP: &str = "paths are relative to registry.toml and stay inside the repository";

/// Checks a path from `registry.toml` against every path rule and returns it normalised
/// (`/`-separated, no `./`): relative, without `..`, and no symlink on it leading out of
/// `root`.
pub fn inside(root: &Path, p: &str) -> Result<String, PathError> {
    let path = normalize_rel(p)?;
    stays_inside(root, &path)?;
    Ok(path)
}

impl PathError {
    /// Whether the path is well formed but resolves outside the repository.
    pub fn leaves_repository(&self) -> bool {
        matches!(self, PathError::SymlinkOut { .. })
    }
}

/// Normalises a relative path: rejects absolute paths and `..`, drops `.` segments.
pub fn normalize_rel(p: &str) -> Result<String, PathError> {
    if p.is_empty() {
        return Err(PathError::Empty);
    }
    if p.contains('\\') {
        return Err(PathError::Backslash);
    }
    let path = Path::new(p);
    let looks_windows_absolute = p.len() >= 2 && p.as_bytes()[1] == b':';
    if path.is_absolute() || p.starts_with('/') || looks_windows_absolute {
        return Err(PathError::Absolute);
    }
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => return Err(PathError::ParentDir),
            _ => return Err(PathError::Absolute),
        }
    }
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// Checks that no existing prefix of `rel` is a symlink leading outside `root`.
pub fn stays_inside(root: &Path, rel: &str) -> Result<(), PathError> {
    if rel == "." {
        return Ok(());
    }
    let Ok(canon_root) = root.canonicalize() else {
        return Ok(());
    };
    let mut cur = root.to_path_buf();
    for part in rel.split('/') {
        cur.push(part);
        if cur.symlink_metadata().is_err() {
            break;
        }
        match cur.canonicalize() {
            Ok(real) if !real.starts_with(&canon_root) => {
                return Err(PathError::SymlinkOut {
                    link: cur.strip_prefix(root).unwrap_or(&cur).to_path_buf(),
                    target: real,
                });
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// Directories of version control systems: no output may be written inside one.
pub const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// Longest file or directory name most filesystems take, in bytes.
const MAX_NAME: usize = 255;

/// Why a normalised output path (see [`normalize_rel`]) cannot be written, if it cannot:
/// it is the config itself, lies inside a version-control directory, or has a name no
/// diff header or filesystem takes (NUL, line break, over-long name).
pub fn output_problem(rel: &str, config_name: &str) -> Option<String> {
    if rel.contains(['\0', '\n', '\r']) {
        return Some("the path contains a NUL byte or a line break".to_string());
    }
    if let Some(long) = rel.split('/').find(|n| n.len() > MAX_NAME) {
        return Some(format!(
            "the name `{}…` is longer than {MAX_NAME} bytes",
            long.chars().take(20).collect::<String>()
        ));
    }
    if rel == config_name {
        return Some(format!("the output would replace {config_name} itself"));
    }
    if let Some(vcs) = rel.split('/').find(|n| VCS_DIRS.contains(n)) {
        return Some(format!(
            "the output would be written inside `{vcs}/`, the version-control directory"
        ));
    }
    None
}

/// Whether `inner` is `outer` or lies under it (both normalised, `/`-separated).
pub fn is_within(inner: &str, outer: &str) -> bool {
    inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `dir/name`, or `name` when `dir` is the root.
pub fn join_rel(dir: &str, name: &str) -> String {
    if dir == "." || dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_cannot_escape() {
        assert_eq!(normalize_rel("./deploy//k8s/").unwrap(), "deploy/k8s");
        assert_eq!(normalize_rel(".").unwrap(), ".");
        assert!(normalize_rel("../x").is_err());
        assert!(normalize_rel("a/../../x").is_err());
        assert!(normalize_rel("/etc").is_err());
        assert!(normalize_rel("C:/x").is_err());
        assert!(normalize_rel("").is_err());
    }

    #[test]
    fn outputs_cannot_replace_the_config_or_enter_vcs_dirs() {
        assert!(output_problem("registry.toml", "registry.toml").is_some());
        assert!(output_problem(".git/hooks/pre-commit", "registry.toml").is_some());
        assert!(output_problem("a/.hg/x", "registry.toml").is_some());
        assert!(output_problem("a\nb", "registry.toml").is_some());
        assert!(output_problem(&"x".repeat(256), "registry.toml").is_some());
        assert!(output_problem("deploy/.gitignore", "registry.toml").is_none());
        assert!(is_within("deploy/k8s/a.yaml", "deploy/k8s"));
        assert!(!is_within("deploy/k8s2", "deploy/k8s"));
    }
}
