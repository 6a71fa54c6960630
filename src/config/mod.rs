//! Finding, reading and parsing `registry.toml` into raw configuration.
//!
//! This is the lowest layer: bytes → UTF-8 → TOML with spans → [`RawConfig`], every
//! problem reported as a [`Diagnostic`], never only the first. It knows nothing of the
//! validated model; [`crate::load`] chains this read with [`crate::model::build()`].

pub mod edit;
pub(crate) mod raw;
mod read;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile};

pub(crate) use raw::RawConfig;
pub(crate) use read::{closest, edit_distance};

/// The config file name looked for by discovery.
pub(crate) const FILE_NAME: &str = "registry.toml";

/// A config read into raw form, with the problems found while reading it.
#[derive(Debug)]
pub(crate) struct Read {
    /// The text, as diagnostics show it.
    pub file: Arc<SourceFile>,
    /// Every key that could be read.
    pub raw: RawConfig,
    /// Wrong types, unknown keys and the like; reading went on past each of them.
    pub problems: Vec<Diagnostic>,
}

/// Finds the config: `explicit` when given, else `registry.toml` in `start` or its nearest
/// ancestor, stopping at the repository root (the directory holding `.git`): a
/// registry.toml above the repository is never used without `--config`.
pub(crate) fn discover(start: &Path, explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    if let Some(path) = explicit {
        let problem = match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => return Ok(path.to_path_buf()),
            Ok(meta) if meta.is_dir() => "is a directory, not a config file",
            Ok(_) => "is not a regular file (a device, FIFO or socket)",
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "not found",
            Err(_) => "cannot be read",
        };
        return Err(Diagnostic::error_in(
            None,
            format!("config file {} {problem}", path.display()),
        ));
    }
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if std::fs::symlink_metadata(&candidate).is_ok() {
            // A registry.toml that is a symbolic link leading out of its directory (say to
            // /proc/self/environ) or a FIFO is refused, never read and quoted in errors.
            let refused = |e: crate::fsafe::FsError| {
                Diagnostic::error_in(None, format!("{}: {e}", dir.display()))
                    .help("registry.toml must be a regular file in the repository")
            };
            let real_dir = crate::fsafe::canonical_root(dir).map_err(refused)?;
            crate::fsafe::resolve(&real_dir, Path::new(FILE_NAME)).map_err(refused)?;
            return Ok(candidate);
        }
        if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
            return Err(Diagnostic::error_in(
                None,
                format!(
                    "no {FILE_NAME} in {} or any parent directory up to the repository root {}",
                    start.display(),
                    dir.display()
                ),
            )
            .help("create one with `ghcr-gen init`, or pass --config PATH"));
        }
    }
    Err(Diagnostic::error_in(
        None,
        format!(
            "no {FILE_NAME} in {} or any parent directory",
            start.display()
        ),
    )
    .help("create one with `ghcr-gen init`, or pass --config PATH"))
}

/// Reads config `bytes` as if read from `display` into raw configuration. Fails when the
/// text is not UTF-8 or not TOML; otherwise the problems of single keys are in
/// [`Read::problems`].
pub(crate) fn read(bytes: &[u8], display: &str) -> Result<Read, Vec<Diagnostic>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.valid_up_to();
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            let offset = String::from_utf8_lossy(&bytes[..valid]).len();
            let file = Arc::new(SourceFile {
                path: display.to_string(),
                text: lossy.into(),
            });
            return Err(vec![
                Diagnostic::error(&file, offset..offset + 1, "the file is not valid UTF-8")
                    .label("invalid byte here")
                    .help("save registry.toml as UTF-8"),
            ]);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file = Arc::new(SourceFile {
        path: display.to_string(),
        text: text.into(),
    });
    let (doc, errors) = toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                Diagnostic::error(&file, span, "invalid TOML").label(e.message().trim().to_string())
            })
            .collect());
    }
    let mut problems = Vec::new();
    let raw = read::read_root(&file, doc.get_ref(), &mut problems);
    Ok(Read {
        file,
        raw,
        problems,
    })
}
