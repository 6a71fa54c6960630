//! `ghcr-gen doctor` without flags: silent on what ghcr-gen renders (every fixture), every
//! check pinned by a transcript (`tests/cmd/doctor-*.toml`), no symbolic link followed out
//! of the repository, and the workflows as read feeding `--explain`'s ranking.

use crate::support::run::{ghcr_gen_ok, ghcr_gen_text};
use crate::support::tree::{crate_path, temp_copy, temp_tree};

/// Every fixture of the project, rendered, then checked by doctor: no finding.
#[test]
fn doctor_finds_nothing_in_any_rendered_fixture() {
    let mut checked = 0;
    for entry in std::fs::read_dir(crate_path("fixtures")).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("registry.toml").is_file() {
            continue;
        }
        let tree = temp_copy(&dir);
        ghcr_gen_ok(tree.path(), &["render"]);
        let (code, stdout, stderr) = ghcr_gen_text(tree.path(), &["doctor"]);
        assert_eq!(code, 0, "{}: {stdout}{stderr}", dir.display());
        assert!(
            stderr.contains("no known cause of GHCR failures")
                && !stderr.contains("read 0 workflow(s)"),
            "{}: {stderr}",
            dir.display()
        );
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} fixtures");
}

/// The same rendered workflow with its grant and its login removed: both found.
#[test]
fn doctor_finds_a_rendered_workflow_broken_by_hand() {
    let tree = temp_copy(&crate_path("fixtures/single"));
    ghcr_gen_ok(tree.path(), &["render"]);
    let path = tree.path().join(".github/workflows/ghcr-publish.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text
        .replace(
            "      packages: write # push images to ghcr.io (never on pull requests)\n",
            "",
        )
        .replace("          registry: ghcr.io\n", "");
    assert_ne!(broken, text);
    std::fs::write(&path, broken).unwrap();
    let (code, _, stderr) = ghcr_gen_text(tree.path(), &["doctor"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("[missing-packages-write]"), "{stderr}");
    assert!(stderr.contains("[no-registry-login]"), "{stderr}");
}

/// The kinds the offline check reports; each has a transcript showing it.
const KINDS: [&str; 11] = [
    "missing-packages-write",
    "over-broad-permissions",
    "no-registry-login",
    "fork-pr-readonly-token",
    "uppercase-name",
    "package-not-linked",
    "tag-missing-registry-prefix",
    "child-manifest-deleted",
    "attestation-unknown-platform",
    "k8s-missing-pull-secret",
    "pat-where-github-token-would-do",
];

#[test]
fn every_offline_check_has_a_transcript() {
    let mut transcripts = String::new();
    for entry in std::fs::read_dir(crate_path("tests/cmd")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("doctor-") && name.ends_with(".toml") {
            transcripts.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    for kind in KINDS {
        assert!(
            transcripts.contains(&format!("[{kind}]")),
            "no tests/cmd/doctor-*.toml shows `{kind}`"
        );
    }
}

#[test]
fn doctor_json_lists_findings_with_positions() {
    let tree = temp_copy(&crate_path("tests/cmd/doctor-no-host.in"));
    let (code, stdout, _) = ghcr_gen_text(tree.path(), &["doctor", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let f = &json[0];
    assert_eq!(f["kind"], "tag-missing-registry-prefix");
    assert_eq!(f["path"], ".github/workflows/publish.yml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(28), Some(13))
    );
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("ghcr.io/acme-labs/axon-doc:edge")
    );
}

#[cfg(unix)]
#[test]
fn a_workflow_directory_linked_out_of_the_repository_is_not_read() {
    let outside = temp_copy(&crate_path("tests/cmd/doctor-no-login.in/.github"));
    let tree = temp_tree(&[(
        "registry.toml",
        "owner = \"acme-labs\"\nrepo = \"axon-doc\"\n",
    )]);
    std::os::unix::fs::symlink(outside.path(), tree.path().join(".github")).unwrap();
    let (code, _, stderr) = ghcr_gen_text(tree.path(), &["doctor"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("read 0 workflow(s)"), "{stderr}");
}

/// `unauthorized: unauthenticated` without a direction: the workflow as read decides.
#[test]
fn explain_is_reranked_by_the_workflow_as_read() {
    let text =
        "unauthorized: unauthenticated: User cannot be authenticated with the token provided.";
    let top = |dir: &std::path::Path| {
        let (code, stdout, stderr) =
            ghcr_gen_text(dir, &["doctor", "--format", "json", "--explain", text]);
        assert_eq!(code, 0, "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        json["causes"][0]["category"].as_str().unwrap().to_string()
    };
    // A hand-written workflow that pushes without logging in.
    let no_login = temp_copy(&crate_path("tests/cmd/doctor-no-login.in"));
    assert_eq!(top(no_login.path()), "no-registry-login");
    // One that logs in with a PAT: the token expired.
    let pat = temp_copy(&crate_path("tests/cmd/doctor-pat.in"));
    assert_eq!(top(pat.path()), "expired-token");
}
