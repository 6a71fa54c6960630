//! `ghcr-gen tags` in real git checkouts: what a push of the current branch or tag would
//! publish, for every service, per-arch tags included when `per_arch` is on.

use std::path::Path;

use crate::support::run::{ghcr_gen_command, git, text};
use crate::support::tree::fixture_config;

fn checkout(fixture: &str) -> (tempfile::TempDir, String) {
    let dir = fixture_config(fixture);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    let sha = git(dir.path(), &["rev-parse", "--short=7", "HEAD"]);
    (dir, sha.trim().to_string())
}

fn tags(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut command = ghcr_gen_command(dir, &["tags"]);
    command
        .args(args)
        .env_remove("DOCKER_METADATA_SHORT_SHA_LENGTH")
        .env_remove("DOCKER_METADATA_PR_HEAD_SHA");
    text(command.output().unwrap())
}

#[test]
fn checkout_on_a_version_tag_lists_version_tags_for_every_service() {
    let (dir, _) = checkout("two-services");
    git(dir.path(), &["tag", "v1.0.0"]);
    let (code, out, err) = tags(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "ghcr.io/acme-labs/axon-doc-nextjs:1.0.0\n\
         ghcr.io/acme-labs/axon-doc-nextjs:1.0\n\
         ghcr.io/acme-labs/axon-doc-nextjs:latest\n\
         ghcr.io/acme-labs/axon-doc-crawler:1.0.0\n\
         ghcr.io/acme-labs/axon-doc-crawler:1.0\n\
         ghcr.io/acme-labs/axon-doc-crawler:latest\n"
    );
}

#[test]
fn checkout_on_a_version_tag_lists_per_arch_tags_when_per_arch_is_on() {
    let (dir, _) = checkout("per-arch");
    git(dir.path(), &["tag", "v1.0.0"]);
    let (code, out, err) = tags(dir.path(), &["--service", "server"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "ghcr.io/hf-tools/inference-server:1.0.0\n\
         ghcr.io/hf-tools/inference-server:1.0\n\
         ghcr.io/hf-tools/inference-server:latest\n\
         ghcr.io/hf-tools/inference-server:hf-amd64-1.0.0\n\
         ghcr.io/hf-tools/inference-server:hf-amd64-1.0\n\
         ghcr.io/hf-tools/inference-server:hf-amd64-latest\n\
         ghcr.io/hf-tools/inference-server:hf-arm64-1.0.0\n\
         ghcr.io/hf-tools/inference-server:hf-arm64-1.0\n\
         ghcr.io/hf-tools/inference-server:hf-arm64-latest\n"
    );
    let (_, all, _) = tags(dir.path(), &[]);
    assert!(
        all.contains("ghcr.io/hf-tools/inference-cli:hf-amd64-1.0.0\n"),
        "{all}"
    );
}

#[test]
fn checkout_on_the_default_branch_lists_latest_branch_and_sha_tags() {
    let (dir, sha) = checkout("single");
    let (code, out, err) = tags(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "ghcr.io/octo-org/hello-api:main\nghcr.io/octo-org/hello-api:main-{sha}\nghcr.io/octo-org/hello-api:latest\n"
        )
    );
}

#[test]
fn outside_a_checkout_without_context_flags_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = tags(dir.path(), &["--image", "ghcr.io/acme/x"]);
    assert_eq!(code, 2);
    assert!(err.contains("--ref"), "{err}");
}

#[test]
fn base_ref_flag_fills_the_base_ref_expression_on_a_pull_request() {
    let dir = tempfile::tempdir().unwrap();
    let pr = [
        "--image",
        "ghcr.io/acme/app",
        "--tag",
        "type=raw,value=pr-into-{{base_ref}}",
        "--event",
        "pull_request",
        "--ref",
        "refs/pull/7/merge",
        "--sha",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
    ];
    let (code, out, err) = tags(
        dir.path(),
        &[&pr[..], &["--base-ref", "release/2.x"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ghcr.io/acme/app:pr-into-release-2.x\n");
    // Without the flag the action has no base: the expression is empty.
    let (code, out, err) = tags(dir.path(), &pr);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ghcr.io/acme/app:pr-into-\n");
}
