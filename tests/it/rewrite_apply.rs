//! Writing a rename's plan (through the one writer): atomic writes that keep every byte around the references, the file mode, and
//! refuse files that changed since the scan.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::renames::{NEW, REF, axon_doc_api, rename_tree, scan_tree};
use crate::support::tree::{files, snapshot, write};
use ghcr_gen::plan::EditError;
use ghcr_gen::rewrite::Rename;

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "deploy/crlf.yaml",
        format!("image: {REF}:v1\r\nnext: 1\r\n"),
    );
    write(root, "docs/bom.md", format!("\u{feff}See {REF}.\n"));
    write(root, "run.sh", format!("#!/bin/sh\ndocker run {REF}"));
    fs::set_permissions(root.join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    write(
        root,
        ".github/workflows/publish.yml",
        "env:\n  IMAGE_NAME: ${{ github.repository }}-crawler\n  REPO: ${{ github.repository }}\n",
    );
    write(root, "README.md", "No images here.\n");
    dir
}

fn read(root: &Path, rel: &str) -> Vec<u8> {
    fs::read(root.join(rel)).unwrap()
}

#[test]
fn writing_replaces_only_the_references_and_keeps_line_endings_bom_and_final_newline() {
    let dir = tree();
    let root = dir.path();
    rename_tree(root, &axon_doc_api());
    assert_eq!(
        read(root, "deploy/crlf.yaml"),
        format!("image: {NEW}:v1\r\nnext: 1\r\n").into_bytes()
    );
    assert_eq!(
        read(root, "docs/bom.md"),
        format!("\u{feff}See {NEW}.\n").into_bytes()
    );
    assert_eq!(
        read(root, "run.sh"),
        format!("#!/bin/sh\ndocker run {NEW}").into_bytes()
    );
    assert_eq!(
        read(root, ".github/workflows/publish.yml"),
        b"env:\n  IMAGE_NAME: ${{ github.repository }}-crawler-api\n  REPO: ${{ github.repository }}\n"
    );
}

#[test]
fn writing_keeps_the_file_mode() {
    let dir = tree();
    rename_tree(dir.path(), &axon_doc_api());
    let mode = fs::metadata(dir.path().join("run.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o750);
}

#[test]
fn writing_leaves_no_temporary_files() {
    let dir = tree();
    let before = files(dir.path());
    rename_tree(dir.path(), &axon_doc_api());
    assert_eq!(files(dir.path()), before);
}

#[test]
fn a_file_changed_after_the_scan_is_an_error_and_nothing_is_written() {
    let dir = tree();
    let root = dir.path();
    let plan = scan_tree(root, &axon_doc_api());
    assert!(plan.files.len() > 2);
    write(root, "docs/bom.md", "edited meanwhile\n");
    let before = snapshot(root);
    let err = plan.write(root).unwrap_err();
    assert!(
        matches!(&err, EditError::Changed { path } if path == Path::new("docs/bom.md")),
        "{err:?}"
    );
    assert!(err.to_string().contains("docs/bom.md"), "{err}");
    assert_eq!(snapshot(root), before);
}

#[test]
fn a_file_replaced_by_a_symlink_after_the_scan_is_not_written_through() {
    let dir = tree();
    let root = dir.path();
    let plan = scan_tree(root, &axon_doc_api());
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("run.sh");
    fs::copy(root.join("run.sh"), &target).unwrap();
    fs::remove_file(root.join("run.sh")).unwrap();
    std::os::unix::fs::symlink(&target, root.join("run.sh")).unwrap();
    let err = plan.write(root).unwrap_err();
    assert!(matches!(err, EditError::Changed { .. }), "{err:?}");
    assert!(
        fs::symlink_metadata(root.join("run.sh"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn running_the_rename_twice_changes_nothing_the_second_time() {
    let dir = tree();
    let root = dir.path();
    rename_tree(root, &axon_doc_api());
    let once = snapshot(root);
    let again = scan_tree(root, &axon_doc_api());
    assert!(again.is_empty(), "{:?}", again.edits());
    again.write(root).unwrap();
    assert_eq!(snapshot(root), once);
}

#[test]
fn renaming_back_restores_every_byte() {
    let dir = tree();
    let root = dir.path();
    let before = snapshot(root);
    rename_tree(root, &axon_doc_api());
    assert_ne!(snapshot(root), before);
    let back: Vec<Rename> = axon_doc_api().iter().map(Rename::reversed).collect();
    rename_tree(root, &back);
    assert_eq!(snapshot(root), before);
}

#[test]
fn an_empty_plan_writes_nothing() {
    let dir = tree();
    let root = dir.path();
    let before = snapshot(root);
    let plan = scan_tree(root, &[]);
    assert!(plan.is_empty());
    plan.write(root).unwrap();
    assert_eq!(snapshot(root), before);
}
