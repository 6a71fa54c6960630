//! The `run:` scripts of the rendered workflow do what they claim: each is run with bash as
//! GitHub runs it (`bash --noprofile --norc -eo pipefail`), with a stub `docker` that logs
//! its arguments, the environment its step declares and metadata-action-shaped JSON.
//! Needs bash and jq (the hosted runners have both).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{shapes as models, tree};
use ghcr_gen::model::Model;
use ghcr_gen::render::{Templates, workflow};
use yaml_serde::Value;

fn doc(model: &Model) -> Value {
    let templates = Templates::load(None).unwrap();
    let file = workflow::render(model, &templates).unwrap().unwrap();
    yaml_serde::from_str(&file.contents).unwrap()
}

/// The step of `job` whose name is `name`.
fn step<'a>(doc: &'a Value, job: &str, name: &str) -> &'a Value {
    doc["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name:?} in job {job}"))
}

/// The names `step` declares in its `env:`.
fn declared_env(step: &Value) -> Vec<&str> {
    step["env"]
        .as_mapping()
        .map(|m| m.keys().map(|k| k.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// Environment variables the runner itself provides to every step.
const RUNNER_ENV: &[&str] = &["GITHUB_OUTPUT", "GITHUB_REF", "RUNNER_TEMP"];

struct Outcome {
    success: bool,
    output: String,
    /// One entry per `docker` invocation, its arguments.
    docker: Vec<Vec<String>>,
    github_output: String,
    /// Files left under `$RUNNER_TEMP`, relative to it.
    runner_temp_files: Vec<String>,
}

/// Runs `step`'s script with `env` (which must cover exactly the step's declared `env:`
/// names, plus runner variables).
fn run_step(step: &Value, env: &[(&str, &str)]) -> Outcome {
    let script = step["run"].as_str().expect("run step");
    let declared = declared_env(step);
    for (name, _) in env {
        assert!(
            declared.contains(name) || RUNNER_ENV.contains(name),
            "test sets {name}, which the step does not declare: {declared:?}"
        );
    }
    for name in &declared {
        assert!(
            env.iter().any(|(n, _)| n == name),
            "the step declares {name}; give it a value"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("docker.log");
    let docker = bin.join("docker");
    std::fs::write(
        &docker,
        "#!/usr/bin/env bash\n\
         printf '%s\\n' \"$@\" >> \"$DOCKER_LOG\"\n\
         echo '<end>' >> \"$DOCKER_LOG\"\n\
         if [ \"$2\" = imagetools ] && [ \"$3\" = inspect ]; then\n\
           echo '{\"schemaVersion\":2,\"digest\":\"sha256:feedface\"}'\n\
         fi\n",
    )
    .unwrap();
    make_executable(&docker);
    let script_path = dir.path().join("step.sh");
    std::fs::write(&script_path, script).unwrap();
    let github_output = dir.path().join("github_output");
    std::fs::write(&github_output, "").unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let runner_temp = dir.path().join("runner-temp");
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script_path)
        .env_clear()
        .env("PATH", path)
        .env("DOCKER_LOG", &log)
        .env("GITHUB_OUTPUT", &github_output)
        .env("GITHUB_REF", "refs/tags/v1.2.3")
        .env("RUNNER_TEMP", &runner_temp);
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().expect("bash runs");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    let mut calls = Vec::new();
    let mut current = Vec::new();
    for line in log.lines() {
        if line == "<end>" {
            calls.push(std::mem::take(&mut current));
        } else {
            current.push(line.to_string());
        }
    }
    Outcome {
        success: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        docker: calls,
        github_output: std::fs::read_to_string(&github_output).unwrap(),
        runner_temp_files: if runner_temp.exists() {
            tree::files(&runner_temp)
                .iter()
                .map(|p| p.display().to_string())
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).unwrap();
}

/// metadata-action's `json` output for `image` with these tags and index annotations.
fn metadata(image: &str, tags: &[&str], annotations: &[&str]) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("{image}:{t}")).collect();
    serde_json::json!({
        "tags": tags,
        "labels": BTreeMap::from([("org.opencontainers.image.source", "https://github.com/acme-labs/axon")]),
        "annotations": annotations,
    })
    .to_string()
}

fn digests_dir(digests: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("digests");
    std::fs::create_dir(&path).unwrap();
    for d in digests {
        std::fs::write(path.join(d), "").unwrap();
    }
    (dir, path)
}

const IMAGE: &str = "ghcr.io/acme-labs/axon-api";

/// Runs `model`'s merge step for [`IMAGE`], expecting two platform digests, with the digest
/// files in `digests` and metadata-action's output for these tags and index annotations.
fn run_merge(model: &Model, digests: &Path, tags: &[&str], annotations: &[&str]) -> Outcome {
    let doc = doc(model);
    let meta = metadata(IMAGE, tags, annotations);
    run_step(
        step(&doc, "merge", "Create and push the multi-platform index"),
        &[
            ("IMAGE", IMAGE),
            ("EXPECTED", "2"),
            ("METADATA", &meta),
            ("DIGESTS", digests.to_str().unwrap()),
        ],
    )
}

#[test]
fn merge_creates_one_index_from_all_digests_with_every_tag_and_index_annotation() {
    let (_keep, dir) = digests_dir(&["aaaa", "bbbb"]);
    let out = run_merge(
        &models::two_services_two_platforms(),
        &dir,
        &["1.2.3", "1.2", "latest"],
        &[
            "index:org.opencontainers.image.description=An API, with spaces",
            "index:org.opencontainers.image.source=https://github.com/acme-labs/axon",
        ],
    );
    assert!(out.success, "{}", out.output);
    let create = &out.docker[0];
    let expected: Vec<String> = [
        "buildx",
        "imagetools",
        "create",
        "--tag",
        "ghcr.io/acme-labs/axon-api:1.2.3",
        "--tag",
        "ghcr.io/acme-labs/axon-api:1.2",
        "--tag",
        "ghcr.io/acme-labs/axon-api:latest",
        "--annotation",
        "index:org.opencontainers.image.description=An API, with spaces",
        "--annotation",
        "index:org.opencontainers.image.source=https://github.com/acme-labs/axon",
        "ghcr.io/acme-labs/axon-api@sha256:aaaa",
        "ghcr.io/acme-labs/axon-api@sha256:bbbb",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(create, &expected);
    // With attestation on, the index digest is read back for the attest step.
    assert_eq!(
        out.docker[1][..4],
        [
            "buildx",
            "imagetools",
            "inspect",
            "ghcr.io/acme-labs/axon-api:1.2.3"
        ]
    );
    assert_eq!(out.github_output, "digest=sha256:feedface\n");
}

#[test]
fn merge_fails_when_a_platform_digest_is_missing() {
    let (_keep, dir) = digests_dir(&["aaaa"]);
    let out = run_merge(&models::two_services_two_platforms(), &dir, &["1.2.3"], &[]);
    assert!(!out.success);
    assert!(out.output.contains("::error::"), "{}", out.output);
    assert!(out.output.contains("1 of 2"), "{}", out.output);
    assert!(out.docker.is_empty(), "pushed despite a missing digest");
}

#[test]
fn merge_fails_when_no_artifact_was_downloaded() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent");
    let out = run_merge(
        &models::two_services_two_platforms(),
        &absent,
        &["1.2.3"],
        &[],
    );
    assert!(!out.success);
    assert!(out.output.contains("0 of 2"), "{}", out.output);
}

#[test]
fn merge_fails_when_the_rules_give_no_tag() {
    let (_keep, dir) = digests_dir(&["aaaa", "bbbb"]);
    let out = run_merge(&models::two_services_two_platforms(), &dir, &[], &[]);
    assert!(!out.success);
    assert!(out.output.contains("no tag"), "{}", out.output);
    assert!(out.docker.is_empty());
}

#[test]
fn merge_without_attestation_does_not_inspect() {
    let mut model = models::two_services_two_platforms();
    model.workflow.attest = false;
    let (_keep, dir) = digests_dir(&["aaaa", "bbbb"]);
    let out = run_merge(&model, &dir, &["main"], &[]);
    assert!(out.success, "{}", out.output);
    assert_eq!(out.docker.len(), 1);
    assert_eq!(out.github_output, "");
}

#[test]
fn per_arch_step_pushes_one_arch_tag_per_metadata_tag_from_the_leg_digest() {
    let doc = doc(&models::per_arch_qemu());
    let step = step(&doc, "build", "Push the per-platform tags");
    let image = "ghcr.io/acme-labs/hf-space";
    let meta = metadata(image, &["1.2.3", "sha-abc1234", "latest"], &[]);
    let out = run_step(
        step,
        &[
            ("IMAGE", image),
            ("DIGEST", "sha256:cafe"),
            ("ARCH_TAG", "hf-arm64-{tag}"),
            ("METADATA", &meta),
        ],
    );
    assert!(out.success, "{}", out.output);
    let created: Vec<(String, String)> = out
        .docker
        .iter()
        .map(|call| {
            assert_eq!(call[..4], ["buildx", "imagetools", "create", "--tag"]);
            assert_eq!(call.len(), 6, "{call:?}");
            (call[4].clone(), call[5].clone())
        })
        .collect();
    let source = format!("{image}@sha256:cafe");
    assert_eq!(
        created,
        [
            (format!("{image}:hf-arm64-1.2.3"), source.clone()),
            (format!("{image}:hf-arm64-sha-abc1234"), source.clone()),
            (format!("{image}:hf-arm64-latest"), source),
        ]
    );
}

#[test]
fn export_step_writes_the_digest_as_a_file_name() {
    let doc = doc(&models::two_services_two_platforms());
    let step = step(&doc, "build", "Export the digest");
    let out = run_step(step, &[("DIGEST", "sha256:0123abcd")]);
    assert!(out.success, "{}", out.output);
    assert!(out.docker.is_empty());
    assert_eq!(out.runner_temp_files, ["digests/0123abcd"]);
    // The upload step uploads exactly `${{ runner.temp }}/digests/*`.
    let upload = self::step(&doc, "build", "Upload the digest");
    assert_eq!(
        upload["with"]["path"].as_str(),
        Some("${{ runner.temp }}/digests/*")
    );
}

#[test]
fn every_script_reads_only_variables_its_step_declares_or_the_runner_sets() {
    for (name, model) in models::all() {
        let doc = doc(&model);
        for (job_name, job) in doc["jobs"].as_mapping().unwrap() {
            for step in job["steps"].as_sequence().unwrap() {
                let Some(script) = step["run"].as_str() else {
                    continue;
                };
                let declared = declared_env(step);
                for var in upper_case_variables(script) {
                    assert!(
                        declared.contains(&var.as_str()) || RUNNER_ENV.contains(&var.as_str()),
                        "{name}/{job_name:?}: ${var} is neither declared nor set by the runner"
                    );
                }
            }
        }
    }
}

/// `$NAME` and `${NAME...}` references with upper-case names in `script`.
fn upper_case_variables(script: &str) -> Vec<String> {
    let mut vars = Vec::new();
    let bytes = script.as_bytes();
    for (i, _) in script.match_indices('$') {
        let start = if bytes.get(i + 1) == Some(&b'{') {
            i + 2
        } else {
            i + 1
        };
        let name: String = script[start..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let followed_by_lower = script[start + name.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase());
        if !name.is_empty() && !followed_by_lower {
            vars.push(name);
        }
    }
    vars
}

#[test]
fn merge_with_a_mirror_creates_one_index_per_image_from_its_own_digests() {
    let model = models::fixture("registries");
    let doc = doc(&model);
    let primary = "docker.io/acmelabs/shop-api";
    let mirror = "ghcr.io/acme-labs/shop-api";
    let tags: Vec<String> = [primary, mirror]
        .iter()
        .flat_map(|i| ["1.2.3", "latest"].map(|t| format!("{i}:{t}")))
        .collect();
    let meta = serde_json::json!({
        "tags": tags,
        "labels": {},
        "annotations": ["index:org.opencontainers.image.source=https://github.com/Acme-Labs/shop"],
    })
    .to_string();
    let (_keep, dir) = digests_dir(&["aaaa", "bbbb"]);
    let images = format!("{primary}\n{mirror}");
    let out = run_step(
        step(&doc, "merge", "Create and push the multi-platform index"),
        &[
            ("IMAGE", primary),
            ("IMAGES", &images),
            ("EXPECTED", "2"),
            ("METADATA", &meta),
            ("DIGESTS", dir.to_str().unwrap()),
        ],
    );
    assert!(out.success, "{}", out.output);
    let expected = |image: &str| -> Vec<String> {
        vec![
            "buildx".into(),
            "imagetools".into(),
            "create".into(),
            "--tag".into(),
            format!("{image}:1.2.3"),
            "--tag".into(),
            format!("{image}:latest"),
            "--annotation".into(),
            "index:org.opencontainers.image.source=https://github.com/Acme-Labs/shop".into(),
            format!("{image}@sha256:aaaa"),
            format!("{image}@sha256:bbbb"),
        ]
    };
    assert_eq!(out.docker, vec![expected(primary), expected(mirror)]);
}

#[test]
fn per_arch_step_with_a_mirror_tags_each_image_from_its_own_repository() {
    let doc = doc(&models::fixture("registries"));
    let step = step(&doc, "build", "Push the per-platform tags");
    let primary = "docker.io/acmelabs/shop-api";
    let mirror = "ghcr.io/acme-labs/shop-api";
    let meta = serde_json::json!({
        "tags": [format!("{primary}:1.2.3"), format!("{mirror}:1.2.3")],
        "labels": {},
        "annotations": [],
    })
    .to_string();
    let out = run_step(
        step,
        &[
            ("IMAGE", primary),
            ("DIGEST", "sha256:cafe"),
            ("ARCH_TAG", "{tag}-arm64"),
            ("METADATA", &meta),
        ],
    );
    assert!(out.success, "{}", out.output);
    let created: Vec<Vec<String>> = out.docker.iter().map(|c| c[3..].to_vec()).collect();
    assert_eq!(
        created,
        [
            vec![
                "--tag".to_string(),
                format!("{primary}:1.2.3-arm64"),
                format!("{primary}@sha256:cafe")
            ],
            vec![
                "--tag".to_string(),
                format!("{mirror}:1.2.3-arm64"),
                format!("{mirror}@sha256:cafe")
            ],
        ]
    );
}
