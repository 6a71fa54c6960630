//! `ghcr-gen rename` on a repository modelled on a real multi-service project
//! (`fixtures/rename/axon-doc/before` plus a registry.toml, its generated files, and files
//! made at run time: CRLF, binary, ignored node_modules/). The dry run writes nothing and
//! shows the diff; `--write` gives exactly `fixtures/rename/axon-doc/after`; a second run
//! changes nothing; `--suffix ""` restores every byte.

use std::fs;

use crate::support::renames::axon_doc_fixture;
use crate::support::run::{ghcr_gen_ok, ghcr_gen_text};
use crate::support::tree::{snapshot, temp_copy, write};

const CONFIG: &str = r#"# Two services, as `ghcr-gen init` writes them.
owner = "acme-labs"
repo = "axon-doc"
suffix = ""

[services.nextjs]
context = "web"
port = 3000

[services.crawler]
context = "crawler"

[outputs]
compose = "deploy/generated/compose.yaml"
k8s = "deploy/generated/k8s"
env = false
workflow = false
"#;

/// The test repository: the fixture, registry.toml, generated files, and run-time files.
fn repository() -> tempfile::TempDir {
    let dir = temp_copy(&axon_doc_fixture("before"));
    let root = dir.path();
    write(root, "registry.toml", CONFIG);
    write(root, ".gitignore", "node_modules/\n");
    write(
        root,
        "docs/windows.txt",
        b"pull ghcr.io/acme-labs/axon-doc-nextjs:1.0\r\nthen run it\r\n",
    );
    write(
        root,
        "assets/logo.bin",
        b"\x89PNG\0\0ghcr.io/acme-labs/axon-doc-nextjs\0",
    );
    write(
        root,
        "node_modules/pkg/README.md",
        b"ghcr.io/acme-labs/axon-doc-nextjs\n",
    );
    ghcr_gen_ok(root, &["render"]);
    dir
}

#[test]
fn dry_run_shows_the_diff_and_writes_nothing() {
    let dir = repository();
    let before = snapshot(dir.path());
    let (code, out, err) = ghcr_gen_text(dir.path(), &["rename", "--suffix", "-api"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(snapshot(dir.path()), before, "a dry run wrote files");
    insta::assert_snapshot!("dry_run_stdout", out);
    insta::assert_snapshot!("dry_run_stderr", err);
}

#[test]
fn write_applies_exactly_the_intended_diff_then_changes_nothing_and_reverts() {
    let dir = repository();
    let original = snapshot(dir.path());
    let (code, _, err) = ghcr_gen_text(dir.path(), &["rename", "--suffix", "-api", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Manage Actions access"),
        "post-rename checklist missing:\n{err}"
    );
    let renamed = snapshot(dir.path());
    // Every fixture file is exactly its `after` version.
    for (path, want) in snapshot(&axon_doc_fixture("after")) {
        assert_eq!(
            String::from_utf8_lossy(&renamed[&path]),
            String::from_utf8_lossy(&want),
            "{path}"
        );
    }
    // Run-time files: CRLF kept, binary and ignored files untouched.
    assert_eq!(
        renamed["docs/windows.txt"],
        b"pull ghcr.io/acme-labs/axon-doc-nextjs-api:1.0\r\nthen run it\r\n"
    );
    assert_eq!(renamed["assets/logo.bin"], original["assets/logo.bin"]);
    assert_eq!(
        renamed["node_modules/pkg/README.md"],
        original["node_modules/pkg/README.md"]
    );
    // registry.toml: only the affected values changed, old names recorded.
    let config = String::from_utf8(renamed["registry.toml"].clone()).unwrap();
    assert_eq!(
        config,
        CONFIG
            .replace("suffix = \"\"", "suffix = \"-api\"")
            .replace(
                "port = 3000\n",
                "port = 3000\nrenamed_from = [\"ghcr.io/acme-labs/axon-doc-nextjs\"]\n"
            )
            .replace(
                "context = \"crawler\"\n",
                "context = \"crawler\"\nrenamed_from = [\"ghcr.io/acme-labs/axon-doc-crawler\"]\n"
            )
    );
    // Generated files were re-rendered from the new config.
    assert_eq!(ghcr_gen_text(dir.path(), &["render", "--check"]).0, 0);
    assert!(
        String::from_utf8_lossy(&renamed["deploy/generated/k8s/kustomization.yaml"])
            .contains("- name: ghcr.io/acme-labs/axon-doc-nextjs-api\n")
    );

    // A second run changes nothing (no `-api-api`).
    let (code, _, err) = ghcr_gen_text(dir.path(), &["rename", "--suffix", "-api", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nothing to rename"), "{err}");
    assert_eq!(snapshot(dir.path()), renamed);

    // Renaming back restores every byte.
    let (code, _, err) = ghcr_gen_text(dir.path(), &["rename", "--suffix", "", "--write"]);
    assert_eq!(code, 0, "{err}");
    let back = snapshot(dir.path());
    for (path, bytes) in &original {
        assert_eq!(
            String::from_utf8_lossy(&back[path]),
            String::from_utf8_lossy(bytes),
            "{path} not restored"
        );
    }
    assert_eq!(back, original);
}

#[test]
fn json_lists_every_edit_and_warning() {
    let dir = repository();
    let (code, out, err) = ghcr_gen_text(
        dir.path(),
        &["rename", "--suffix", "-api", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["written"], false);
    assert!(
        value["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["kind"] == "digest-pinned")
    );
    insta::assert_snapshot!("json", out);
}

#[test]
fn name_renames_one_service_and_records_it() {
    let dir = repository();
    let (code, _, err) = ghcr_gen_text(
        dir.path(),
        &[
            "rename",
            "--name",
            "axon-web",
            "--service",
            "nextjs",
            "--write",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let config = fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(config.contains("image = \"axon-web\""), "{config}");
    assert!(
        config.contains("renamed_from = [\"ghcr.io/acme-labs/axon-doc-nextjs\"]"),
        "{config}"
    );
    let compose = fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(
        compose.contains("image: ghcr.io/acme-labs/axon-web:${TAG:-latest}"),
        "{compose}"
    );
    assert!(
        compose.contains("ghcr.io/acme-labs/axon-doc-crawler@sha256"),
        "{compose}"
    );
}

#[test]
fn bad_flags_are_errors_and_write_nothing() {
    let dir = repository();
    let before = snapshot(dir.path());
    for args in [
        &["rename", "--suffix", "-API", "--write"][..],
        &["rename", "--name", "x", "--write"][..],
        &["rename", "--name", "x", "--service", "nope", "--write"][..],
        &["rename", "--owner", "bad--owner", "--write"][..],
    ] {
        let (code, _, err) = ghcr_gen_text(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn renaming_back_restores_a_config_that_had_no_suffix_key() {
    let dir = repository();
    let config = CONFIG.replace("suffix = \"\"\n", "");
    write(dir.path(), "registry.toml", &config);
    let original = snapshot(dir.path());
    ghcr_gen_ok(dir.path(), &["rename", "--suffix", "-api", "--write"]);
    let renamed = fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(renamed.contains("suffix = \"-api\""), "{renamed}");
    ghcr_gen_ok(dir.path(), &["rename", "--suffix", "", "--write"]);
    assert_eq!(snapshot(dir.path()), original);
}

#[test]
fn owner_moves_every_package_and_back() {
    let dir = repository();
    let original = snapshot(dir.path());
    ghcr_gen_ok(dir.path(), &["rename", "--owner", "new-org", "--write"]);
    let compose = fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(
        compose.contains("image: ghcr.io/new-org/axon-doc-nextjs:${TAG:-latest}"),
        "{compose}"
    );
    assert!(
        compose.contains("image: ghcr.io/other-org/axon-doc-nextjs:latest"),
        "{compose}"
    );
    let config = fs::read_to_string(dir.path().join("registry.toml")).unwrap();
    assert!(config.contains("owner = \"new-org\""), "{config}");
    assert!(
        config.contains("renamed_from = [\"ghcr.io/acme-labs/axon-doc-crawler\"]"),
        "{config}"
    );
    assert_eq!(ghcr_gen_text(dir.path(), &["render", "--check"]).0, 0);
    ghcr_gen_ok(dir.path(), &["rename", "--owner", "acme-labs", "--write"]);
    let back = snapshot(dir.path());
    // Two things cannot survive an owner move and back (the README says so): the
    // `${{ github.repository }}` forms become literal paths, and an owner written in another
    // case (`Acme-Labs` in the docs) comes back as configured. Every other file is restored.
    for (path, bytes) in &original {
        if path != ".github/workflows/publish.yml" && path != "README.md" {
            assert_eq!(
                String::from_utf8_lossy(&back[path]),
                String::from_utf8_lossy(bytes),
                "{path}"
            );
        }
    }
}

/// The definitions the workflow reader finds are read in the rename's own walk, so an
/// excluded workflow keeps its definition while the others move.
#[test]
fn excluded_workflows_keep_their_definitions() {
    let dir =
        temp_copy(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/adopt/tr-env"));
    let root = dir.path();
    ghcr_gen_ok(
        root,
        &[
            "adopt",
            "--owner",
            "Acme-Labs",
            "--repo",
            "Web-App",
            "--write",
        ],
    );
    let release = fs::read_to_string(root.join(".github/workflows/release.yml")).unwrap();
    write(root, ".github/workflows/legacy.yml", &release);
    ghcr_gen_ok(
        root,
        &[
            "rename",
            "--suffix",
            "-api",
            "--exclude",
            "/.github/workflows/legacy.yml",
            "--write",
        ],
    );
    let moved = fs::read_to_string(root.join(".github/workflows/release.yml")).unwrap();
    assert!(
        moved.contains("ghcr.io/${{ github.repository }}-api | tr"),
        "{moved}"
    );
    let kept = fs::read_to_string(root.join(".github/workflows/legacy.yml")).unwrap();
    assert_eq!(kept, release);
}
