//! The validator wrappers in `tests/it/support/validators.rs` really catch problems: each
//! rejects a known-bad file and accepts a known-good one, and a missing tool fails with
//! instructions instead of skipping. Also holds the project's own script to shellcheck.

use std::path::{Path, PathBuf};

use crate::support::validators;

/// Writes `contents` to `name` (which may contain directories) under a fresh temp dir.
fn file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    (dir, path)
}

const GOOD_WORKFLOW: &str = "\
name: ok
on:
  push:
permissions: {}
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  hello:
    name: hello
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    permissions: {}
    steps:
      - name: greet
        env:
          WHO: ${{ github.actor }}
        run: echo \"hello $WHO\"
";

#[test]
fn missing_validator_fails_and_says_to_run_the_install_script() {
    let err = std::panic::catch_unwind(|| validators::tool("no-such-validator"))
        .expect_err("a missing tool must fail");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("scripts/install-validators.sh"),
        "{message}"
    );
    assert!(message.contains("no-such-validator"), "{message}");
}

#[test]
fn workflow_validators_accept_a_clean_workflow() {
    let (_dir, path) = file(".github/workflows/ok.yml", GOOD_WORKFLOW);
    validators::workflow(&[&path]);
}

/// The pedantic persona: a workflow without concurrency limits passes the default persona
/// but not ours.
#[test]
#[should_panic(expected = "concurrency-limits")]
fn zizmor_runs_the_pedantic_persona() {
    let start = GOOD_WORKFLOW.find("concurrency:").unwrap();
    let end = GOOD_WORKFLOW.find("jobs:").unwrap();
    let bad = format!("{}{}", &GOOD_WORKFLOW[..start], &GOOD_WORKFLOW[end..]);
    let (_dir, path) = file(".github/workflows/bad.yml", &bad);
    validators::zizmor(&[&path]);
}

#[test]
#[should_panic(expected = "actionlint reported problems")]
fn actionlint_rejects_an_undefined_step_output() {
    let bad = GOOD_WORKFLOW.replace("${{ github.actor }}", "${{ steps.nope.outputs.who }}");
    let (_dir, path) = file(".github/workflows/bad.yml", &bad);
    validators::actionlint(&[&path]);
}

#[test]
#[should_panic(expected = "SC2086")]
fn actionlint_runs_shellcheck_on_run_scripts() {
    let bad = GOOD_WORKFLOW.replace("echo \"hello $WHO\"", "echo hello $WHO");
    let (_dir, path) = file(".github/workflows/bad.yml", &bad);
    validators::actionlint(&[&path]);
}

#[test]
#[should_panic(expected = "zizmor reported problems")]
fn zizmor_rejects_template_injection() {
    let bad = GOOD_WORKFLOW.replace(
        "run: echo \"hello $WHO\"",
        "run: echo \"${{ github.event.head_commit.message }}\"",
    );
    let (_dir, path) = file(".github/workflows/bad.yml", &bad);
    validators::zizmor(&[&path]);
}

#[test]
#[should_panic(expected = "check-jsonschema reported problems")]
fn check_jsonschema_rejects_an_unknown_job_key() {
    let bad = GOOD_WORKFLOW.replace("runs-on:", "runs_on:");
    let (_dir, path) = file(".github/workflows/bad.yml", &bad);
    validators::check_jsonschema("vendor.github-workflows", &[&path]);
}

#[test]
#[should_panic(expected = "yamllint reported problems")]
fn yamllint_rejects_trailing_spaces() {
    let bad = GOOD_WORKFLOW.replace("name: ok\n", "name: ok   \n");
    let (_dir, path) = file(".github/workflows/bad.yml", &bad);
    validators::yamllint(&[&path]);
}

#[test]
fn compose_config_accepts_a_valid_file() {
    let (_dir, path) = file(
        "compose.yaml",
        "services:\n  web:\n    image: ghcr.io/acme/web:latest\n    ports:\n      - \"8080:8080\"\n",
    );
    validators::compose_config(&path);
}

#[test]
#[should_panic(expected = "docker-compose reported problems")]
fn compose_config_rejects_an_unknown_service_key() {
    let (_dir, path) = file(
        "compose.yaml",
        "services:\n  web:\n    image: ghcr.io/acme/web:latest\n    colour: red\n",
    );
    validators::compose_config(&path);
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:latest
";

#[test]
fn kubernetes_validate_accepts_a_valid_deployment() {
    let (_dir, path) = file("k8s/deployment.yaml", DEPLOYMENT);
    validators::kubernetes_validate(&[&path]);
}

#[test]
#[should_panic(expected = "kubernetes-validate reported problems")]
fn kubernetes_validate_rejects_an_unknown_field() {
    let bad = DEPLOYMENT.replace("          image:", "          imagen: x\n          image:");
    let (_dir, path) = file("k8s/deployment.yaml", &bad);
    validators::kubernetes_validate(&[&path]);
}

#[test]
#[should_panic(expected = "shellcheck reported problems")]
fn shellcheck_rejects_an_unquoted_expansion() {
    let (_dir, path) = file("x.sh", "#!/usr/bin/env bash\nrm -rf $1/tmp\n");
    validators::shellcheck(&[&path]);
}

#[test]
fn install_script_passes_shellcheck() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-validators.sh");
    validators::shellcheck(&[&script]);
}
