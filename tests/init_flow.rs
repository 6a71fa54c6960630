//! `ghcr-gen init` inside a git checkout: owner and repo from `origin`, services from the
//! Dockerfiles git does not ignore, and a config that loads.

use std::path::Path;
use std::process::Command;

fn run(dir: &Path, program: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn checkout(remote: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "git", &["init", "-q"]);
    run(dir.path(), "git", &["remote", "add", "origin", remote]);
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(".gitignore", "node_modules/\n");
    write("web/Dockerfile", "FROM node:22\nEXPOSE 3000\n");
    write("worker/Dockerfile.prod", "FROM python:3.13\n");
    write("node_modules/pkg/Dockerfile", "FROM scratch\n");
    dir
}

#[test]
fn init_reads_owner_and_repo_from_an_ssh_origin_and_discovers_dockerfiles() {
    let dir = checkout("git@github.com:Acme-Labs/axon-doc.git");
    run(dir.path(), env!("CARGO_BIN_EXE_ghcr-gen"), &["init"]);
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
    run(
        dir.path(),
        env!("CARGO_BIN_EXE_ghcr-gen"),
        &["render", "--diff"],
    );
}

#[test]
fn init_reads_an_https_origin_and_flags_win_over_it() {
    let dir = checkout("https://github.com/Other/thing.git");
    run(
        dir.path(),
        env!("CARGO_BIN_EXE_ghcr-gen"),
        &["init", "--owner", "Acme-Labs"],
    );
    let text = std::fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(
        text.contains("owner = \"Acme-Labs\"") && text.contains("repo = \"thing\""),
        "{text}"
    );
}

#[test]
fn init_force_overwrites_and_invalid_flags_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_ghcr-gen");
    let bad = Command::new(bin)
        .args(["init", "--owner", "bad--owner", "--repo", "x"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid owner"));
    assert!(!dir.path().join("registry.toml").exists());
    run(dir.path(), bin, &["init", "--owner", "a", "--repo", "b"]);
    run(
        dir.path(),
        bin,
        &["init", "--owner", "c", "--repo", "d", "--force"],
    );
    let text = std::fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(text.contains("owner = \"c\""));
}
