//! The rendered publishing workflow passes every workflow validator with zero findings:
//! yamllint (strict, project config), check-jsonschema (github-workflows), actionlint and
//! zizmor (offline, default persona). Needs `scripts/install-validators.sh` run once.

use std::path::PathBuf;

use crate::support::{models, validators};
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
fn single_image_workflow_passes_all_validators() {
    validate(models::single_image());
}

#[test]
fn two_services_two_platforms_workflow_passes_all_validators() {
    validate(models::two_services_two_platforms());
}

#[test]
fn five_services_workflow_passes_all_validators() {
    validate(models::five_services());
}

#[test]
fn per_arch_qemu_workflow_passes_all_validators() {
    validate(models::per_arch_qemu());
}
