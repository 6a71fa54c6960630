//! Git, invoked from one place.

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `git ls-files -z -- PATH` in `dir`, its output piped (empty when git does not
/// track the path); `None` when git cannot be started.
pub fn spawn_ls_files(dir: &Path, path: &str) -> Option<Child> {
    Command::new("git")
        .args(["ls-files", "-z", "--"])
        .arg(path)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}
