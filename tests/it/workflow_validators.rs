//! The rendered publishing and cleanup workflows pass every workflow validator with zero
//! findings: yamllint (strict, project config), check-jsonschema (github-workflows),
//! actionlint (shellcheck on `run:` scripts) and zizmor (offline, pedantic persona).
//! Needs `scripts/install-validators.sh` (run on first use).
//!
//! Only the shapes with emulated legs (QEMU arm/v7, QEMU arm64 with per-arch tags) are
//! validated here: `fixtures_validators` runs the same validators on the workflow of every
//! fixture, which covers one image on amd64 and multi-platform services on native runners
//! with and without attestation.

use std::path::PathBuf;

use crate::support::{shapes, validators};
use ghcr_gen::model::Model;
use ghcr_gen::render::{PlannedFile, Templates, retention, workflow};

/// Renders `model`'s workflow into a fresh temp repository and returns (dir, file).
fn render_into_temp(model: &Model) -> (tempfile::TempDir, PathBuf) {
    let templates = Templates::load(None).expect("embedded templates load");
    let file = workflow::render(model, &templates)
        .expect("workflow renders")
        .expect("workflow output is on");
    write_into_temp(file)
}

fn write_into_temp(file: PlannedFile) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(&file.path);
    assert!(path.starts_with(dir.path().join(".github/workflows")));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &file.contents).unwrap();
    (dir, path)
}

fn validate(model: Model) {
    let (_dir, path) = render_into_temp(&model);
    validators::workflow(&[&path]);
}

#[test]
fn five_services_workflow_passes_all_validators() {
    validate(shapes::five_services());
}

#[test]
fn per_arch_qemu_workflow_passes_all_validators() {
    validate(shapes::per_arch_qemu());
}

#[test]
fn signed_workflow_without_provenance_passes_all_validators() {
    validate(shapes::signed_without_provenance());
}

/// The cleanup workflow with every `[retention]` value away from the supply-chain
/// fixture's (which `fixtures_validators` checks): no kept tags, untagged versions kept,
/// real deletions by default, monthly.
#[test]
fn retention_workflow_variant_passes_all_validators() {
    let model = shapes::from_toml(
        "owner = \"Acme\"\nrepo = \"app\"\n[retention]\nkeep = 1\nuntagged = false\n\
         schedule = \"monthly\"\nkeep_tags = []\ndry_run_default = false\n",
    );
    let templates = Templates::load(None).unwrap();
    let file = retention::render(&model, &templates).unwrap().unwrap();
    let (_dir, path) = write_into_temp(file);
    validators::workflow(&[&path]);
}
