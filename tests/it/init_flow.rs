//! `ghcr-gen init` inside a git checkout: owner and repo from `origin`, services from the
//! Dockerfiles git does not ignore, and a config that loads.

use crate::support::run::{ghcr_gen, ghcr_gen_ok, git};
use crate::support::tree::write;

fn checkout(remote: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    git(root, &["remote", "add", "origin", remote]);
    write(root, ".gitignore", "node_modules/\n");
    write(root, "web/Dockerfile", "FROM node:22\nEXPOSE 3000\n");
    write(root, "worker/Dockerfile.prod", "FROM python:3.13\n");
    write(root, "node_modules/pkg/Dockerfile", "FROM scratch\n");
    dir
}

#[test]
fn init_reads_owner_and_repo_from_an_ssh_origin_and_discovers_dockerfiles() {
    let dir = checkout("git@github.com:Acme-Labs/axon-doc.git");
    ghcr_gen_ok(dir.path(), &["init"]);
    let text = std::fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(text.contains("owner = \"Acme-Labs\""), "{text}");
    assert!(text.contains("repo = \"axon-doc\""), "{text}");
    assert!(text.contains("[services.web]\ncontext = \"web\""), "{text}");
    assert!(text.contains("port = 3000"), "{text}");
    assert!(
        text.contains(
            "[services.worker-prod]\ncontext = \"worker\"\ndockerfile = \"worker/Dockerfile.prod\""
        ),
        "{text}"
    );
    assert!(
        !text.contains("node_modules"),
        "ignored Dockerfile was picked up:\n{text}"
    );
    ghcr_gen_ok(dir.path(), &["render", "--diff"]);
}

#[test]
fn init_reads_an_https_origin_and_flags_win_over_it() {
    let dir = checkout("https://github.com/Other/thing.git");
    ghcr_gen_ok(dir.path(), &["init", "--owner", "Acme-Labs"]);
    let text = std::fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(
        text.contains("owner = \"Acme-Labs\"") && text.contains("repo = \"thing\""),
        "{text}"
    );
}

#[test]
fn init_force_overwrites_and_invalid_flags_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = ghcr_gen(
        dir.path(),
        &["init", "--owner", "bad--owner", "--repo", "x"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid owner"));
    assert!(!dir.path().join("registry.toml").exists());
    ghcr_gen_ok(dir.path(), &["init", "--owner", "a", "--repo", "b"]);
    ghcr_gen_ok(
        dir.path(),
        &["init", "--owner", "c", "--repo", "d", "--force"],
    );
    let text = std::fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(text.contains("owner = \"c\""));
}
