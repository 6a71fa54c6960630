//! End-to-end render flows that transcripts cannot express: `git apply` accepts `--diff`,
//! and a second render writes nothing.

use crate::support::run::{ghcr_gen, git};
use crate::support::tree::{crate_path, fixture_config, temp_copy};

#[test]
fn diff_output_applies_with_git_apply() {
    let dir = temp_copy(&crate_path("tests/cmd/drift.in"));
    let diff = ghcr_gen(dir.path(), &["render", "--diff"]);
    assert_eq!(diff.status.code(), Some(0));
    assert!(!diff.stdout.is_empty());
    std::fs::write(dir.path().join("fix.patch"), &diff.stdout).unwrap();
    git(dir.path(), &["apply", "--unsafe-paths", "fix.patch"]);
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
    let dir = fixture_config("two-services");
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
    let dir = fixture_config("single");
    let sub = dir.path().join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    assert_eq!(ghcr_gen(&sub, &["render"]).status.code(), Some(0));
    assert!(dir.path().join("deploy/compose.yaml").is_file());
    assert!(!sub.join("deploy").exists());
}
