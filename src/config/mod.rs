//! Finding, reading and parsing `registry.toml`.
//!
//! [`load`] is the entry point: bytes → UTF-8 → TOML with spans → raw config → validated
//! [`Model`]. It returns every problem it finds as [`Diagnostic`]s, never only the first.

pub mod edit;
pub mod raw;
mod read;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::{self, Model};

pub use raw::RawConfig;
pub use read::closest;

/// The config file name looked for by discovery.
pub const FILE_NAME: &str = "registry.toml";

/// Finds the config: `explicit` when given, else `registry.toml` in `start` or its nearest
/// ancestor.
pub fn discover(start: &Path, explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(Diagnostic::error_in(
                None,
                format!("config file {} not found", path.display()),
            ))
        };
    }
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Ok(candidate);
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

/// Reads and validates the config at `path`; `display` is how the path is shown.
pub fn load(path: &Path, display: &str) -> Result<Model, Vec<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Diagnostic::error_in(
            None,
            format!("cannot read {display}: {e}"),
        )]
    })?;
    let root = path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."));
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let config_name = path.file_name().map_or_else(
        || FILE_NAME.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    parse(&bytes, display, &root, &config_name)
}

/// Validates config `bytes` as if read from `display`, with paths relative to `root`.
pub fn parse(
    bytes: &[u8],
    display: &str,
    root: &Path,
    config_name: &str,
) -> Result<Model, Vec<Diagnostic>> {
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
    let mut diags = Vec::new();
    let raw = read::read_root(&file, doc.get_ref(), &mut diags);
    let model = model::build(&raw, &file, root, config_name, &mut diags);
    if diags.is_empty() {
        Ok(model)
    } else {
        diags.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        Err(diags)
    }
}
