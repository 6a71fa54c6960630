//! The rendered publishing workflow passes every workflow validator with zero findings:
//! yamllint (strict, project config), check-jsonschema (github-workflows), actionlint and
//! zizmor (offline, default persona). Needs `scripts/install-validators.sh` run once.
//!
//! Only the shapes with emulated legs (QEMU arm/v7, QEMU arm64 with per-arch tags) are
//! validated here: `fixtures_validators` runs the same validators on the workflow of every
//! fixture, which covers one image on amd64 and multi-platform services on native runners
//! with and without attestation.

use std::path::PathBuf;

use crate::support::{shapes, validators};
use ghcr_gen::model::Model;
use ghcr_gen::render::{Templates, workflow};

/// Renders `model`'s workflow into a fresh temp repository and returns (dir, file).
fn render_into_temp(model: &Model) -> (tempfile::TempDir, PathBuf) {
    let templates = Templates::load(None).expect("embedded templates load");
    let file = workflow::render(model, &templates)
        .expect("workflow renders")
        .expect("workflow output is on");
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
