//! Loading a `registry.toml`: discovery, then read ([`config`]) → build ([`model`]).
//!
//! This sits above both layers it chains, so that `config` never needs `model`. Every
//! problem of both steps comes back at once, in file order.

use std::path::{Path, PathBuf};

use crate::config;
use crate::diagnostic::Diagnostic;
use crate::model::{self, Model};

/// Finds and loads the config: `--config`, else `registry.toml` in `cwd` or an ancestor.
pub fn load_model(cwd: &Path, explicit: Option<&Path>) -> Result<Model, Vec<Diagnostic>> {
    let path = config::discover(cwd, explicit).map_err(|d| vec![d])?;
    load_at(cwd, &path)
}

/// Loads the config at `path`, naming it in diagnostics as seen from `cwd`.
pub fn load_at(cwd: &Path, path: &Path) -> Result<Model, Vec<Diagnostic>> {
    load(path, &display_path(cwd, path))
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
        || config::FILE_NAME.to_string(),
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
    let config::Read {
        file,
        raw,
        problems: mut diags,
    } = config::read(bytes, display)?;
    let model = model::build(&raw, &file, root, config_name, &mut diags);
    if diags.is_empty() {
        Ok(model)
    } else {
        diags.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        Err(diags)
    }
}

/// `path` as the user should see it: relative to `cwd` when inside it.
pub fn display_path(cwd: &Path, path: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (cwd_abs, path_abs) = (abs(cwd), abs(path));
    match path_abs.strip_prefix(&cwd_abs) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => {
            // Nearest ancestor: show `../registry.toml` rather than an absolute path.
            let mut up = PathBuf::new();
            for dir in cwd_abs.ancestors().skip(1) {
                up.push("..");
                if let Ok(rel) = path_abs.strip_prefix(dir) {
                    return up.join(rel).display().to_string();
                }
            }
            path.display().to_string()
        }
    }
}
