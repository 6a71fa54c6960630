//! End-to-end render flows that transcripts cannot express: `git apply` accepts `--diff`,
//! and a second render writes nothing.

use std::path::Path;
use std::process::Command;

fn ghcr_gen(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ghcr-gen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn diff_output_applies_with_git_apply() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/drift.in"),
        dir.path(),
    );
    let diff = ghcr_gen(dir.path(), &["render", "--diff"]);
    assert_eq!(diff.status.code(), Some(0));
    assert!(!diff.stdout.is_empty());
    std::fs::write(dir.path().join("fix.patch"), &diff.stdout).unwrap();
    let apply = Command::new("git")
        .args(["apply", "--unsafe-paths", "fix.patch"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    std::fs::remove_file(dir.path().join("fix.patch")).unwrap();
    let check = ghcr_gen(dir.path(), &["render", "--check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn second_render_rewrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/two-services/registry.toml"),
        dir.path().join("registry.toml"),
    )
    .unwrap();
    assert_eq!(ghcr_gen(dir.path(), &["render"]).status.code(), Some(0));
    let compose = dir.path().join("deploy/compose.yaml");
    let before = std::fs::metadata(&compose).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = ghcr_gen(dir.path(), &["render"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 file(s) written"));
    assert_eq!(
        std::fs::metadata(&compose).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn config_in_a_parent_directory_is_found_and_paths_stay_relative_to_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/single/registry.toml"),
        dir.path().join("registry.toml"),
    )
    .unwrap();
    let sub = dir.path().join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    assert_eq!(ghcr_gen(&sub, &["render"]).status.code(), Some(0));
    assert!(dir.path().join("deploy/compose.yaml").is_file());
    assert!(!sub.join("deploy").exists());
}
