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
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid --owner `bad--owner`"));
    assert!(!dir.path().join("registry.toml").exists());
    ghcr_gen_ok(dir.path(), &["init", "--owner", "a", "--repo", "b"]);
    ghcr_gen_ok(
        dir.path(),
        &["init", "--owner", "c", "--repo", "d", "--force"],
    );
    let text = std::fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(text.contains("owner = \"c\""));
}

#[test]
fn init_gives_same_named_dockerfile_folders_distinct_services() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "apps/web/Dockerfile", "FROM scratch\n");
    write(dir.path(), "legacy/web/Dockerfile", "FROM scratch\n");
    ghcr_gen_ok(dir.path(), &["init", "--owner", "acme", "--repo", "shop"]);
    let text = std::fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(
        text.contains("[services.web]\ncontext = \"apps/web\""),
        "{text}"
    );
    assert!(
        text.contains("[services.legacy-web]\ncontext = \"legacy/web\""),
        "{text}"
    );
    ghcr_gen_ok(dir.path(), &["render", "--diff"]);
}

#[test]
fn init_refuses_owner_and_repo_from_a_non_github_origin() {
    let dir = checkout("git@gitlab.com:acme/shop.git");
    let out = ghcr_gen(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot take the owner and repository from `origin`: it is on gitlab.com, not github.com"),
        "{err}"
    );
    assert!(err.contains("help: pass --owner and --repo"), "{err}");
    assert!(!dir.path().join("registry.toml").exists());
    // Both flags given: the remote is not consulted.
    ghcr_gen_ok(dir.path(), &["init", "--owner", "acme", "--repo", "shop"]);
}

#[test]
fn init_takes_the_default_branch_from_a_master_repository_without_origin_head() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "master"]);
    write(root, "Dockerfile", "FROM scratch\n");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "init"]);
    git(root, &["branch", "feature"]);
    git(root, &["checkout", "-q", "feature"]);
    ghcr_gen_ok(root, &["init", "--owner", "acme", "--repo", "shop"]);
    let text = std::fs::read_to_string(root.join("registry.toml")).unwrap();
    assert!(text.contains("default_branch = \"master\""), "{text}");

    // A fresh repository without commits: the branch HEAD is born on.
    let fresh = tempfile::tempdir().unwrap();
    git(fresh.path(), &["init", "-q", "-b", "trunk"]);
    ghcr_gen_ok(fresh.path(), &["init", "--owner", "acme", "--repo", "shop"]);
    let text = std::fs::read_to_string(fresh.path().join("registry.toml")).unwrap();
    assert!(text.contains("default_branch = \"trunk\""), "{text}");
}
