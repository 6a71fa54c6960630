//! Every file rendered for every fixture under `fixtures/` (and for the README's quick
//! start) passes the real validators with zero findings: yamllint on all YAML,
//! check-jsonschema (compose-spec) and `docker compose config -q` on compose files,
//! `kubernetes-validate --strict -k 1.37.0` on manifests, `kubectl kustomize` on the
//! kustomization, and actionlint (shellcheck on every `run:` script), zizmor (offline,
//! pedantic persona), check-jsonschema (github-workflows) on the workflows, the cleanup
//! workflow included. The validators are installed by
//! `scripts/install-validators.sh` on first use.

use std::path::{Path, PathBuf};

use crate::support::run::ghcr_gen_ok;
use crate::support::tree::{files, fixture_config};
use crate::support::validators;

/// Renders fixture `name` into a temp dir with the binary; returns the dir.
fn render_fixture(name: &str) -> tempfile::TempDir {
    let dir = fixture_config(name);
    ghcr_gen_ok(dir.path(), &["render"]);
    ghcr_gen_ok(dir.path(), &["render", "--check"]);
    dir
}

/// Runs every applicable validator on the rendered tree.
fn validate_tree(dir: &Path) {
    let all: Vec<PathBuf> = files(dir).iter().map(|rel| dir.join(rel)).collect();
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
    // The publishing workflow, and the cleanup workflow when [retention] is set.
    assert!(matches!(workflows.len(), 1 | 2), "{workflows:?}");
    validators::check_jsonschema("vendor.compose-spec", &compose);
    validators::compose_config(compose[0]);
    validators::kubernetes_validate(&manifests);
    for p in yaml.iter().filter(|p| p.ends_with("kustomization.yaml")) {
        validators::kustomize(p);
    }
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
fn supply_chain_fixture_publish_and_retention_workflows_pass_every_validator() {
    let dir = render_fixture("supply-chain");
    let retention = dir.path().join(".github/workflows/ghcr-retention.yml");
    assert!(retention.is_file(), "no cleanup workflow rendered");
    validate_tree(dir.path());
}

#[test]
fn registries_fixture_with_every_registry_kind_and_mirrors_passes_every_validator() {
    validate_tree(render_fixture("registries").path());
}

#[test]
fn per_arch_fixture_passes_every_validator() {
    validate_tree(render_fixture("per-arch").path());
}

/// Variants of one package, a build target with build arguments, a service's own tag
/// policy, and every extra platform (32-bit arm and ppc64le/s390x/riscv64 on QEMU, 386).
#[test]
fn variants_fixture_with_targets_build_args_and_extra_platforms_passes_every_validator() {
    validate_tree(render_fixture("variants").path());
}

/// The README's quick start, from an empty directory: init, then render.
#[test]
fn readme_quick_start_output_passes_every_validator() {
    let dir = tempfile::tempdir().unwrap();
    ghcr_gen_ok(
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
    ghcr_gen_ok(dir.path(), &["render"]);
    ghcr_gen_ok(dir.path(), &["render", "--check"]);
    validate_tree(dir.path());
}
