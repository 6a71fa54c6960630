//! The commands, as library functions from plain options to a [`Report`](crate::report::Report).
//!
//! Flags are parsed in the binary; each command here resolves its inputs (config discovery,
//! defaults), runs the pipeline and returns typed messages.

pub mod check;
pub mod init;
pub mod rename;
pub mod render;
pub mod schema;
pub mod tags;

use std::path::{Path, PathBuf};

use crate::config;
use crate::diagnostic::Diagnostic;
use crate::model::Model;

/// Finds and loads the config: `--config`, else `registry.toml` in `cwd` or an ancestor.
pub fn load_model(cwd: &Path, explicit: Option<&Path>) -> Result<Model, Vec<Diagnostic>> {
    let path = config::discover(cwd, explicit).map_err(|d| vec![d])?;
    load_at(cwd, &path)
}

/// Loads the config at `path`, naming it in diagnostics as seen from `cwd`.
pub fn load_at(cwd: &Path, path: &Path) -> Result<Model, Vec<Diagnostic>> {
    config::load(path, &display_path(cwd, path))
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
