//! Golden test: `fixtures/rename/axon-doc/before` renamed with suffix `-api` must equal
//! `after` byte for byte; renaming `after` again changes nothing; renaming back gives
//! `before`. Ignored and binary files, made at run time (git would not keep them), stay.

use std::fs;
use std::path::{Path, PathBuf};

use ghcr_gen::rewrite::{Matcher, Rename, ScanOptions, WarningKind, apply, scan};

fn fixture(which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rename/axon-doc")
        .join(which)
}

fn renames() -> Vec<Rename> {
    ["axon-doc-nextjs", "axon-doc-crawler"]
        .iter()
        .map(|p| Rename::with_suffix("ghcr.io", "acme-labs", "axon-doc", p, "-api"))
        .collect()
}

/// Copies `from` into a new temporary directory, keeping file modes.
fn copy_tree(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        fs::create_dir_all(dir.path().join(&rel)).unwrap();
        for entry in fs::read_dir(from.join(&rel)).unwrap() {
            let entry = entry.unwrap();
            let rel = rel.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                stack.push(rel);
            } else {
                fs::copy(entry.path(), dir.path().join(&rel)).unwrap();
            }
        }
    }
    dir
}

/// Every regular file under `root` with its content and mode.
fn snapshot(root: &Path) -> Vec<(String, Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let mode = fs::metadata(&path).unwrap().permissions().mode();
                out.push((rel, fs::read(&path).unwrap(), mode));
            }
        }
    }
    out.sort();
    out
}

/// Adds what a real checkout has but git cannot keep in the fixture.
fn add_untracked(root: &Path) {
    fs::write(root.join(".gitignore"), "node_modules/\n").unwrap();
    fs::create_dir_all(root.join("node_modules/dep")).unwrap();
    fs::write(
        root.join("node_modules/dep/index.js"),
        "// ghcr.io/acme-labs/axon-doc-nextjs\n",
    )
    .unwrap();
    fs::write(
        root.join("web/logo.png"),
        b"\x89PNG\x00ghcr.io/acme-labs/axon-doc-nextjs",
    )
    .unwrap();
}

fn rename(root: &Path, renames: &[Rename]) -> ghcr_gen::rewrite::Plan {
    let plan = scan(root, &Matcher::new(renames), &ScanOptions::default()).unwrap();
    apply(root, &plan).unwrap();
    plan
}

#[test]
fn fixture_renames_to_the_expected_tree() {
    let work = copy_tree(&fixture("before"));
    let expected = copy_tree(&fixture("after"));
    add_untracked(work.path());
    add_untracked(expected.path());
    let plan = rename(work.path(), &renames());
    assert_eq!(plan.reference_count(), 15);
    assert_eq!(plan.files.len(), 8);
    let kinds: Vec<WarningKind> = plan.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WarningKind::DigestPinned]);
    let (got, want) = (snapshot(work.path()), snapshot(expected.path()));
    for ((path, got, mode), (_, want, want_mode)) in got.iter().zip(&want) {
        assert_eq!(
            String::from_utf8_lossy(got),
            String::from_utf8_lossy(want),
            "{path} differs from fixtures/rename/axon-doc/after"
        );
        assert_eq!(mode, want_mode, "{path} mode");
    }
    assert_eq!(got, want);
}

#[test]
fn fixture_after_has_nothing_left_to_rename() {
    let work = copy_tree(&fixture("after"));
    let plan = scan(
        work.path(),
        &Matcher::new(&renames()),
        &ScanOptions::default(),
    )
    .unwrap();
    assert!(plan.is_empty(), "{:?}", plan.edits());
}

#[test]
fn fixture_renamed_back_is_the_original() {
    let work = copy_tree(&fixture("after"));
    let expected = copy_tree(&fixture("before"));
    let back: Vec<Rename> = renames().iter().map(Rename::reversed).collect();
    rename(work.path(), &back);
    assert_eq!(snapshot(work.path()), snapshot(expected.path()));
}
