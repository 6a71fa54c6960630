//! Files on disk: temporary trees, copies of fixtures, and snapshots to compare trees by.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// `rel` under the crate root.
pub(crate) fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Writes `content` to `root/rel`, creating the directories it needs.
pub(crate) fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// A new temporary directory holding `files`: (relative path, content) pairs.
pub(crate) fn temp_tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, content) in files {
        write(dir.path(), rel, content);
    }
    dir
}

/// A new temporary directory holding `fixtures/<name>/registry.toml`.
pub(crate) fn fixture_config(name: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = crate_path(&format!("fixtures/{name}/registry.toml"));
    fs::copy(config, dir.path().join("registry.toml")).unwrap();
    dir
}

/// Copies every directory and file under `from` into the existing directory `to`, keeping
/// file modes.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A new temporary directory holding a copy of `from` (see [`copy_tree`]).
pub(crate) fn temp_copy(from: &Path) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(from, dir.path());
    dir
}

/// Every file under `root` (links followed), relative to it, sorted.
pub(crate) fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Every file under `root`: relative path → content.
pub(crate) fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    files(root)
        .into_iter()
        .map(|rel| {
            let content = fs::read(root.join(&rel)).unwrap();
            (rel.display().to_string(), content)
        })
        .collect()
}

/// Every file under `root`: relative path → permission bits.
pub(crate) fn modes(root: &Path) -> BTreeMap<String, u32> {
    use std::os::unix::fs::PermissionsExt;
    files(root)
        .into_iter()
        .map(|rel| {
            let mode = fs::metadata(root.join(&rel)).unwrap().permissions().mode();
            (rel.display().to_string(), mode)
        })
        .collect()
}
