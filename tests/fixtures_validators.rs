//! Every file rendered for every fixture under `fixtures/` (and for the README's quick
//! start) passes the real validators with zero findings: yamllint on all YAML,
//! check-jsonschema (compose-spec) and `docker compose config -q` on compose files,
//! `kubernetes-validate --strict -k 1.37.0` on manifests, and actionlint, zizmor,
//! check-jsonschema (github-workflows) on the workflow. The validators are installed by
//! `scripts/install-validators.sh` on first use.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::validators;

/// Runs the binary in `dir` and asserts success.
fn ghcr_gen(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ghcr-gen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ghcr-gen {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Renders fixture `name` into a temp dir with the binary; returns the dir.
fn render_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name)
            .join("registry.toml"),
        dir.path().join("registry.toml"),
    )
    .unwrap();
    ghcr_gen(dir.path(), &["render"]);
    ghcr_gen(dir.path(), &["render", "--check"]);
    dir
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Runs every applicable validator on the rendered tree.
fn validate_tree(dir: &Path) {
    let all = files(dir);
    let yaml: Vec<&Path> = all
        .iter()
        .map(PathBuf::as_path)
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    assert!(!yaml.is_empty());
    validators::yamllint(&yaml);
    let (mut compose, mut workflows, mut manifests) = (Vec::new(), Vec::new(), Vec::new());
    for p in &yaml {
        let name = p.file_name().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(p).unwrap();
        if p.to_string_lossy().contains("/.github/workflows/") {
            workflows.push(*p);
        } else if text.contains("\nservices:\n") {
            compose.push(*p);
        } else if name != "kustomization.yaml" && text.contains("\napiVersion:") {
            manifests.push(*p);
        }
    }
    assert_eq!(compose.len(), 1, "{all:?}");
    assert!(!manifests.is_empty());
    assert_eq!(workflows.len(), 1);
    validators::check_jsonschema("vendor.compose-spec", &compose);
    validators::compose_config(compose[0]);
    validators::kubernetes_validate(&manifests);
    validators::workflow(&workflows);
}

#[test]
fn single_image_fixture_passes_every_validator() {
    validate_tree(render_fixture("single").path());
}

#[test]
fn two_services_fixture_passes_every_validator() {
    validate_tree(render_fixture("two-services").path());
}

#[test]
fn five_services_fixture_passes_every_validator() {
    validate_tree(render_fixture("five-services").path());
}

#[test]
fn per_arch_fixture_passes_every_validator() {
    validate_tree(render_fixture("per-arch").path());
}

/// The README's quick start, from an empty directory: init, then render.
#[test]
fn readme_quick_start_output_passes_every_validator() {
    let dir = tempfile::tempdir().unwrap();
    ghcr_gen(
        dir.path(),
        &[
            "init",
            "--owner",
            "Acme-Labs",
            "--repo",
            "axon-doc",
            "--service",
            "nextjs",
            "--service",
            "crawler=crawler-service",
        ],
    );
    ghcr_gen(dir.path(), &["render"]);
    ghcr_gen(dir.path(), &["render", "--check"]);
    validate_tree(dir.path());
}
