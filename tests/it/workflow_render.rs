//! The rendered publishing workflow: snapshots of the shapes with emulated legs, and the
//! structural properties every workflow (every shape and every fixture) must keep:
//! pinning, least privilege, no expressions in scripts, native runners, digest merges, no
//! cache on releases.

use crate::support::shapes;
use ghcr_gen::model::{Model, Runner};
use ghcr_gen::render::{Target, Templates, has_header, workflow};
use yaml_serde::Value;

fn render(model: &Model) -> String {
    let templates = Templates::load(None).expect("embedded templates load");
    let file = workflow::render(model, &templates)
        .expect("workflow renders")
        .expect("workflow output is on");
    assert_eq!(file.target, Target::Workflow);
    assert_eq!(Some(&file.path), model.outputs.workflow.as_ref());
    file.contents
}

fn parse(text: &str) -> Value {
    yaml_serde::from_str(text).unwrap_or_else(|e| panic!("workflow is not YAML: {e}\n{text}"))
}

fn jobs(doc: &Value) -> Vec<(String, &Value)> {
    doc["jobs"]
        .as_mapping()
        .expect("jobs mapping")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
        .collect()
}

fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_sequence().expect("steps sequence")
}

/// The step of `job` whose `uses:` names `action`.
fn step_using<'a>(job: &'a Value, action: &str) -> Option<&'a Value> {
    steps(job).iter().find(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{action}@")))
    })
}

fn matrix(job: &Value) -> &Vec<Value> {
    job["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("matrix include list")
}

/// Every workflow the structural tests check: the shapes of [`shapes::all`], then the
/// fixtures under `fixtures/`.
fn all_rendered() -> Vec<(&'static str, Model, String, Value)> {
    let fixtures = shapes::FIXTURES
        .iter()
        .map(|name| (*name, shapes::fixture(name)));
    shapes::all()
        .into_iter()
        .chain(fixtures)
        .map(|(name, model)| {
            let text = render(&model);
            let doc = parse(&text);
            (name, model, text, doc)
        })
        .collect()
}

/// Snapshots of the workflows with emulated legs (arm/v7 and arm64 on QEMU), which no
/// fixture has; `render_snapshots` pins the fixtures' workflows, among them one image on
/// amd64 (`single`) and multi-platform services on native runners (`two-services`,
/// `per-arch` with attestation), so those shapes are not snapshotted twice.
#[test]
fn emulated_workflows_match_snapshots() {
    let shapes = [
        ("five_services", shapes::five_services()),
        ("per_arch_qemu", shapes::per_arch_qemu()),
        (
            "signed_without_provenance",
            shapes::signed_without_provenance(),
        ),
    ];
    for (name, model) in shapes {
        insta::assert_snapshot!(format!("workflow_{name}"), render(&model));
    }
}

#[test]
fn workflow_starts_with_the_generated_header() {
    for (name, _, text, _) in all_rendered() {
        assert!(has_header(&text), "{name}: no header");
        assert!(text.lines().nth(1).unwrap().starts_with("name: "), "{name}");
    }
}

#[test]
fn workflow_output_turned_off_renders_nothing() {
    let model =
        shapes::from_toml("owner = \"acme\"\nrepo = \"app\"\n[outputs]\nworkflow = false\n");
    let templates = Templates::load(None).unwrap();
    assert_eq!(workflow::render(&model, &templates).unwrap(), None);
}

#[test]
fn every_action_is_pinned_to_a_full_sha_with_version_comment() {
    for (name, _, text, _) in all_rendered() {
        let mut count = 0;
        for line in text.lines().filter(|l| l.trim_start().starts_with("uses:")) {
            count += 1;
            let value = line.trim_start().trim_start_matches("uses:").trim();
            let (action, rest) = value
                .split_once('@')
                .unwrap_or_else(|| panic!("{name}: unpinned {line}"));
            assert!(action.contains('/'), "{name}: {line}");
            let (sha, comment) = rest
                .split_once(" # ")
                .unwrap_or_else(|| panic!("{name}: no version comment: {line}"));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{name}: not a full SHA: {line}"
            );
            assert!(
                comment.starts_with('v'),
                "{name}: comment not a version: {line}"
            );
        }
        assert!(count >= 5, "{name}: only {count} uses: lines");
    }
}

#[test]
fn top_level_permissions_are_empty_and_jobs_ask_only_for_what_they_use() {
    for (name, model, _, doc) in all_rendered() {
        let top = doc["permissions"]
            .as_mapping()
            .expect("top-level permissions");
        assert!(top.is_empty(), "{name}: top-level permissions {top:?}");
        for (job_name, job) in jobs(&doc) {
            let perms = job["permissions"]
                .as_mapping()
                .unwrap_or_else(|| panic!("{name}/{job_name}: no permissions block"));
            for (scope, level) in perms {
                let scope = scope.as_str().unwrap();
                let level = level.as_str().unwrap();
                match scope {
                    "contents" => assert_eq!(level, "read", "{name}/{job_name}"),
                    "packages" => assert_eq!(level, "write", "{name}/{job_name}"),
                    "id-token" => {
                        assert!(
                            model.workflow.attest
                                || model.workflow.sign
                                || model.registries().iter().any(|r| r.uses_oidc()),
                            "{name}/{job_name}: {scope} without attest, sign or an OIDC login"
                        );
                        assert_eq!(level, "write");
                    }
                    "attestations" | "artifact-metadata" => {
                        assert!(
                            model.workflow.attest,
                            "{name}/{job_name}: {scope} without attest"
                        );
                        assert_eq!(level, "write");
                    }
                    other => panic!("{name}/{job_name}: unexpected permission {other}"),
                }
            }
            // A job attests (signs) only if it has the step, and has the step only if it may.
            let attests = step_using(job, "actions/attest").is_some();
            let signs = step_using(job, "sigstore/cosign-installer").is_some();
            // OIDC logins: Amazon ECR (configure-aws-credentials) and Artifact Registry.
            let oidc_login = step_using(job, "aws-actions/configure-aws-credentials").is_some()
                || step_using(job, "google-github-actions/auth").is_some();
            assert_eq!(
                attests || signs || oidc_login,
                perms.contains_key("id-token"),
                "{name}/{job_name}"
            );
            // packages: write exactly where the job logs in to ghcr.io.
            let ghcr_login = steps(job)
                .iter()
                .any(|s| s["with"]["registry"].as_str() == Some("ghcr.io"));
            assert_eq!(
                ghcr_login,
                perms.contains_key("packages"),
                "{name}/{job_name}"
            );
            for scope in ["attestations", "artifact-metadata"] {
                assert_eq!(attests, perms.contains_key(scope), "{name}/{job_name}");
            }
        }
    }
}

#[test]
fn attestation_is_emitted_only_when_configured_and_pushed_to_the_registry() {
    for (name, model, _, doc) in all_rendered() {
        let attest_steps: Vec<&Value> = jobs(&doc)
            .into_iter()
            .filter_map(|(_, job)| step_using(job, "actions/attest"))
            .collect();
        assert_eq!(!attest_steps.is_empty(), model.workflow.attest, "{name}");
        for step in attest_steps {
            assert_eq!(
                step["with"]["push-to-registry"].as_bool(),
                Some(true),
                "{name}"
            );
            assert!(
                step["with"]["subject-digest"]
                    .as_str()
                    .unwrap()
                    .contains(".outputs.digest")
            );
        }
    }
}

#[test]
fn no_expression_is_expanded_inside_a_run_script() {
    for (name, _, _, doc) in all_rendered() {
        for (job_name, job) in jobs(&doc) {
            for step in steps(job) {
                if let Some(run) = step["run"].as_str() {
                    assert!(
                        !run.contains("${{"),
                        "{name}/{job_name}: expression inside run:\n{run}"
                    );
                }
            }
        }
    }
}

#[test]
fn checkout_never_persists_credentials() {
    for (name, _, _, doc) in all_rendered() {
        for (job_name, job) in jobs(&doc) {
            if let Some(step) = step_using(job, "actions/checkout") {
                assert_eq!(
                    step["with"]["persist-credentials"].as_bool(),
                    Some(false),
                    "{name}/{job_name}"
                );
            }
        }
    }
}

#[test]
fn triggers_are_branches_version_tags_pull_requests_and_dispatch() {
    for (name, model, _, doc) in all_rendered() {
        let on = &doc["on"];
        let branches: Vec<&str> = on["push"]["branches"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap())
            .collect();
        assert_eq!(branches, model.tags.branches, "{name}");
        assert_eq!(on["push"]["tags"][0].as_str(), Some("v*"), "{name}");
        assert_eq!(
            on["pull_request"]["branches"][0].as_str(),
            Some(model.default_branch.as_str()),
            "{name}"
        );
        assert!(
            on.as_mapping().unwrap().contains_key("workflow_dispatch"),
            "{name}"
        );
    }
}

#[test]
fn scripts_run_under_bash_with_pipefail_on_every_runner() {
    for (name, _, _, doc) in all_rendered() {
        assert_eq!(
            doc["defaults"]["run"]["shell"].as_str(),
            Some("bash"),
            "{name}"
        );
    }
}

#[test]
fn concurrency_is_per_ref_and_cancels_only_pull_requests() {
    for (name, _, _, doc) in all_rendered() {
        let c = &doc["concurrency"];
        assert!(
            c["group"].as_str().unwrap().contains("${{ github.ref }}"),
            "{name}"
        );
        assert_eq!(
            c["cancel-in-progress"].as_str(),
            Some("${{ github.event_name == 'pull_request' }}"),
            "{name}"
        );
    }
}

#[test]
fn build_matrix_covers_every_service_and_platform_without_fail_fast() {
    for (name, model, _, doc) in all_rendered() {
        let build = &doc["jobs"]["build"];
        assert_eq!(
            build["strategy"]["fail-fast"].as_bool(),
            Some(false),
            "{name}"
        );
        let legs: Vec<(String, String)> = matrix(build)
            .iter()
            .map(|l| {
                (
                    l["service"].as_str().unwrap().to_string(),
                    l["platform"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = model
            .services
            .iter()
            .flat_map(|s| s.platforms.iter().map(|p| (s.name.clone(), p.to_string())))
            .collect();
        assert_eq!(legs, expected, "{name}");
        assert_eq!(build["runs-on"].as_str(), Some("${{ matrix.runner }}"));
    }
}

#[test]
fn each_platform_builds_on_its_configured_runner() {
    for (name, model, _, doc) in all_rendered() {
        for leg in matrix(&doc["jobs"]["build"]) {
            let platform = leg["platform"].as_str().unwrap();
            let runner = &model.workflow.runners[platform];
            assert_eq!(
                leg["runner"].as_str(),
                Some(runner.label()),
                "{name} {platform}"
            );
            assert_eq!(
                leg["qemu"].as_bool().unwrap_or(false),
                runner.is_qemu(),
                "{name} {platform}"
            );
        }
    }
    let doc = parse(&render(&shapes::two_services_two_platforms()));
    for leg in matrix(&doc["jobs"]["build"]) {
        let expected = match leg["platform"].as_str().unwrap() {
            "linux/arm64" => "ubuntu-24.04-arm",
            _ => "ubuntu-24.04",
        };
        assert_eq!(leg["runner"].as_str(), Some(expected));
    }
}

#[test]
fn qemu_is_set_up_only_for_emulated_legs() {
    for (name, model, _, doc) in all_rendered() {
        let any_qemu = model.workflow.runners.values().any(Runner::is_qemu)
            && model.services.iter().any(|s| {
                s.platforms
                    .iter()
                    .any(|p| model.workflow.runners[&p.to_string()].is_qemu())
            });
        let build = &doc["jobs"]["build"];
        let qemu = step_using(build, "docker/setup-qemu-action");
        assert_eq!(qemu.is_some(), any_qemu, "{name}");
        if let Some(step) = qemu {
            assert_eq!(step["if"].as_str(), Some("matrix.qemu"), "{name}");
            assert_eq!(
                step["with"]["platforms"].as_str(),
                Some("${{ matrix.qemu-arch }}")
            );
        }
    }
    let doc = parse(&render(&shapes::per_arch_qemu()));
    let arm = matrix(&doc["jobs"]["build"])
        .iter()
        .find(|l| l["platform"].as_str() == Some("linux/arm64"))
        .unwrap();
    assert_eq!(arm["qemu"].as_bool(), Some(true));
    assert_eq!(arm["qemu-arch"].as_str(), Some("arm64"));
    assert_eq!(arm["runner"].as_str(), Some("ubuntu-24.04"));
}

#[test]
fn multi_platform_services_push_by_digest_and_merge_with_imagetools() {
    let doc = parse(&render(&shapes::two_services_two_platforms()));
    let build = &doc["jobs"]["build"];
    let push = step_using(build, "docker/build-push-action").unwrap();
    let outputs = push["with"]["outputs"].as_str().unwrap();
    assert!(outputs.contains("type=image"), "{outputs}");
    assert!(outputs.contains("push-by-digest=true"), "{outputs}");
    assert!(outputs.contains("name-canonical=true"), "{outputs}");
    assert!(step_using(build, "actions/upload-artifact").is_some());

    let merge = &doc["jobs"]["merge"];
    assert_eq!(merge["needs"].as_str(), Some("build"));
    assert_eq!(merge["strategy"]["fail-fast"].as_bool(), Some(false));
    let services: Vec<&str> = matrix(merge)
        .iter()
        .map(|m| m["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["api", "web"]);
    assert!(step_using(merge, "actions/download-artifact").is_some());
    let script = steps(merge)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("docker buildx imagetools create"))
        .expect("merge creates the index with imagetools");
    // Tags and index annotations come from metadata-action's JSON output.
    assert!(script.contains(".tags[]"));
    assert!(script.contains("select(startswith(\"index:\"))"));
    let meta = step_using(merge, "docker/metadata-action").unwrap();
    assert_eq!(
        meta["env"]["DOCKER_METADATA_ANNOTATIONS_LEVELS"].as_str(),
        Some("index")
    );
}

#[test]
fn single_platform_service_pushes_tags_directly_without_merge() {
    let doc = parse(&render(&shapes::single_image()));
    assert!(doc["jobs"]["merge"].is_null());
    let build = &doc["jobs"]["build"];
    let push = step_using(build, "docker/build-push-action").unwrap();
    assert_eq!(
        push["with"]["tags"].as_str(),
        Some("${{ steps.meta.outputs.tags }}")
    );
    assert!(
        !push["with"]["outputs"]
            .as_str()
            .unwrap()
            .contains("push-by-digest")
    );
    assert!(step_using(build, "actions/upload-artifact").is_none());
    let leg = &matrix(build)[0];
    assert_eq!(leg["annotation-levels"].as_str(), Some("manifest,index"));
}

#[test]
fn mixed_services_choose_digest_or_direct_push_per_leg() {
    let doc = parse(&render(&shapes::five_services()));
    let build = &doc["jobs"]["build"];
    for leg in matrix(build) {
        let service = leg["service"].as_str().unwrap();
        let by_digest = !matches!(service, "docs" | "worker");
        assert_eq!(leg["by-digest"].as_bool(), Some(by_digest), "{service}");
        assert_eq!(leg["artifact"].is_null(), !by_digest, "{service}");
        let levels = if by_digest {
            "manifest"
        } else {
            "manifest,index"
        };
        assert_eq!(leg["annotation-levels"].as_str(), Some(levels), "{service}");
    }
    let merged: Vec<&str> = matrix(&doc["jobs"]["merge"])
        .iter()
        .map(|m| m["service"].as_str().unwrap())
        .collect();
    assert_eq!(merged, ["api", "edge", "web"]);
    let upload = step_using(build, "actions/upload-artifact").unwrap();
    assert!(upload["if"].as_str().unwrap().contains("matrix.by-digest"));
}

#[test]
fn digest_artifact_patterns_match_only_their_own_service() {
    let model = shapes::model(
        "acme",
        "shop",
        &[
            ("api", &["linux/amd64", "linux/arm64"]),
            ("api-v2", &["linux/amd64", "linux/arm64"]),
        ],
    );
    let doc = parse(&render(&model));
    let artifacts: Vec<(String, String)> = matrix(&doc["jobs"]["build"])
        .iter()
        .map(|l| {
            (
                l["service"].as_str().unwrap().to_string(),
                l["artifact"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for merge in matrix(&doc["jobs"]["merge"]) {
        let service = merge["service"].as_str().unwrap();
        let pattern = merge["artifacts"].as_str().unwrap();
        let prefix = pattern.strip_suffix('*').expect("pattern ends in *");
        assert!(!prefix.contains('*'));
        for (owner, artifact) in &artifacts {
            assert_eq!(
                artifact.starts_with(prefix),
                owner == service,
                "{pattern} vs {artifact}"
            );
        }
        assert_eq!(merge["platforms"].as_u64(), Some(2));
    }
}

#[test]
fn metadata_step_gets_exactly_the_configured_rules_and_flavor() {
    for (name, model, _, doc) in all_rendered() {
        for (job_name, job) in jobs(&doc) {
            let meta = step_using(job, "docker/metadata-action").expect("metadata step");
            let with = &meta["with"];
            let first = &model.services[0].tags;
            if model.services.iter().all(|s| s.tags == *first) {
                // One policy for all: inline, and the top-level one unless a variant or a
                // service's own [tags] changed it.
                assert_eq!(
                    with["tags"].as_str().unwrap(),
                    format!("{}\n", first.rules.join("\n")),
                    "{name}/{job_name}"
                );
                assert_eq!(
                    with["flavor"].as_str().unwrap(),
                    format!("{}\n", first.flavor.join("\n")),
                    "{name}/{job_name}"
                );
            } else {
                // Per service: every matrix entry carries its service's lines.
                assert_eq!(with["tags"].as_str(), Some("${{ matrix.tag-rules }}"));
                assert_eq!(with["flavor"].as_str(), Some("${{ matrix.flavor }}"));
                for entry in matrix(job) {
                    let service = model.service(entry["service"].as_str().unwrap()).unwrap();
                    assert_eq!(
                        entry["tag-rules"].as_str().unwrap(),
                        service.tags.rules.join("\n"),
                        "{name}/{job_name}"
                    );
                    assert_eq!(
                        entry["flavor"].as_str().unwrap(),
                        service.tags.flavor.join("\n"),
                        "{name}/{job_name}"
                    );
                }
            }
            // With mirrors, metadata-action names every target (`matrix.images`).
            let images = if model.services.iter().any(|s| !s.mirrors.is_empty()) {
                "${{ matrix.images }}"
            } else {
                "${{ matrix.image }}"
            };
            assert_eq!(with["images"].as_str(), Some(images), "{name}/{job_name}");
            let source = format!(
                "org.opencontainers.image.source=https://github.com/{}/{}\n",
                model.owner, model.repo
            );
            assert_eq!(
                with["labels"].as_str(),
                Some(source.as_str()),
                "{name}/{job_name}"
            );
            assert_eq!(
                with["annotations"].as_str(),
                Some(source.as_str()),
                "{name}/{job_name}"
            );
            assert!(meta["env"]["DOCKER_METADATA_ANNOTATIONS_LEVELS"].is_string());
        }
    }
}

#[test]
fn image_names_are_lowercase_and_never_derived_from_the_owner_context() {
    for (name, model, text, doc) in all_rendered() {
        assert!(!text.contains("repository_owner"), "{name}");
        assert!(!text.contains("github.repository }}"), "{name}");
        for (_, job) in jobs(&doc) {
            for entry in matrix(job) {
                let image = entry["image"].as_str().unwrap();
                assert_eq!(image, image.to_lowercase(), "{name}");
                assert!(
                    model.services.iter().any(|s| s.image == image),
                    "{name}: {image}"
                );
            }
        }
    }
}

#[test]
fn build_cache_is_scoped_per_leg_and_never_used_for_tag_builds() {
    for (name, _, _, doc) in all_rendered() {
        let build = &doc["jobs"]["build"];
        let push = step_using(build, "docker/build-push-action").unwrap();
        for key in ["cache-from", "cache-to"] {
            let value = push["with"][key].as_str().unwrap();
            assert!(
                value.starts_with("${{ !startsWith(github.ref, 'refs/tags/') && "),
                "{name}: {key}: {value}"
            );
            assert!(value.contains("type=gha,scope={0}"), "{name}: {value}");
            assert!(value.contains("matrix.cache-scope"), "{name}: {value}");
        }
        let scopes: Vec<&str> = matrix(build)
            .iter()
            .map(|l| l["cache-scope"].as_str().unwrap())
            .collect();
        let mut unique = scopes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            scopes.len(),
            "{name}: cache scopes collide: {scopes:?}"
        );
        // No other job touches the cache (setup-buildx's binary cache included).
        for (_, job) in jobs(&doc) {
            if let Some(buildx) = step_using(job, "docker/setup-buildx-action") {
                assert_eq!(buildx["with"]["cache-binary"].as_bool(), Some(false));
            }
        }
    }
}

#[test]
fn per_arch_tags_follow_the_arch_tag_template() {
    let doc = parse(&render(&shapes::per_arch_qemu()));
    let build = &doc["jobs"]["build"];
    let templates: Vec<&str> = matrix(build)
        .iter()
        .map(|l| l["arch-tag"].as_str().unwrap())
        .collect();
    assert_eq!(templates, ["hf-amd64-{tag}", "hf-arm64-{tag}"]);
    let step = steps(build)
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains("ARCH_TAG")))
        .expect("per-arch tag step");
    assert_eq!(
        step["env"]["ARCH_TAG"].as_str(),
        Some("${{ matrix.arch-tag }}")
    );
    assert!(step["run"].as_str().unwrap().contains("imagetools create"));
    // Without per_arch there is no such step and no arch-tag in the matrix.
    let doc = parse(&render(&shapes::two_services_two_platforms()));
    let build = &doc["jobs"]["build"];
    assert!(matrix(build).iter().all(|l| l["arch-tag"].is_null()));
    assert!(
        steps(build)
            .iter()
            .all(|s| !s["run"].as_str().unwrap_or("").contains("ARCH_TAG"))
    );
}

#[test]
fn arm_v7_slug_names_artifacts_cache_scopes_and_per_arch_tags() {
    let mut model = shapes::five_services();
    model.tags.per_arch = true;
    let doc = parse(&render(&model));
    let leg = matrix(&doc["jobs"]["build"])
        .iter()
        .find(|l| l["platform"].as_str() == Some("linux/arm/v7"))
        .unwrap()
        .clone();
    assert_eq!(leg["cache-scope"].as_str(), Some("edge-arm-v7"));
    assert!(leg["artifact"].as_str().unwrap().ends_with("-edge-arm-v7"));
    assert_eq!(leg["arch-tag"].as_str(), Some("{tag}-arm-v7"));
    assert_eq!(leg["qemu-arch"].as_str(), Some("arm"));
}

#[test]
fn build_inputs_follow_provenance_and_sbom_settings() {
    for (name, model, _, doc) in all_rendered() {
        let build = step_using(&doc["jobs"]["build"], "docker/build-push-action").unwrap();
        let provenance = &build["with"]["provenance"];
        let provenance = match provenance.as_bool() {
            Some(b) => b.to_string(),
            None => provenance.as_str().unwrap().to_string(),
        };
        assert_eq!(provenance, model.workflow.provenance.input(), "{name}");
        assert_eq!(
            build["with"]["sbom"].as_bool(),
            Some(model.workflow.sbom),
            "{name}"
        );
    }
}

#[test]
fn cache_exports_ignore_errors_so_a_rate_limited_cache_never_fails_a_build() {
    for (name, _, _, doc) in all_rendered() {
        let build = step_using(&doc["jobs"]["build"], "docker/build-push-action").unwrap();
        let cache_to = build["with"]["cache-to"].as_str().unwrap();
        assert!(
            cache_to.contains(",ignore-error=true'"),
            "{name}: {cache_to}"
        );
    }
}

#[test]
fn every_job_has_a_timeout() {
    for (name, _, _, doc) in all_rendered() {
        for (job_name, job) in jobs(&doc) {
            let minutes = job["timeout-minutes"].as_u64();
            assert!(
                minutes.is_some_and(|m| (1..=120).contains(&m)),
                "{name}/{job_name}: {minutes:?}"
            );
        }
    }
}

#[test]
fn buildkit_and_binfmt_images_are_pinned_by_digest() {
    for (name, _, _, doc) in all_rendered() {
        for (job_name, job) in jobs(&doc) {
            let buildx = step_using(job, "docker/setup-buildx-action").unwrap();
            let opts = buildx["with"]["driver-opts"].as_str().unwrap();
            assert!(
                opts.starts_with("image=moby/buildkit:v") && opts.contains("@sha256:"),
                "{name}/{job_name}: {opts}"
            );
            if let Some(qemu) = step_using(job, "docker/setup-qemu-action") {
                let image = qemu["with"]["image"].as_str().unwrap();
                assert!(
                    image.starts_with("tonistiigi/binfmt:qemu-v") && image.contains("@sha256:"),
                    "{name}/{job_name}: {image}"
                );
                assert_eq!(qemu["with"]["cache-image"].as_bool(), Some(false));
            }
        }
    }
}

#[test]
fn signing_signs_each_final_image_by_digest_in_the_job_that_pushes_it() {
    for (name, model, _, doc) in all_rendered() {
        let mut signing_jobs = Vec::new();
        for (job_name, job) in jobs(&doc) {
            let sign = steps(job)
                .iter()
                .find(|s| s["run"].as_str().is_some_and(|r| r.contains("cosign sign")));
            assert_eq!(
                sign.is_some(),
                step_using(job, "sigstore/cosign-installer").is_some(),
                "{name}/{job_name}"
            );
            if let Some(sign) = sign {
                assert_eq!(
                    sign["run"].as_str(),
                    Some("cosign sign --yes \"$IMAGE@$DIGEST\""),
                    "{name}/{job_name}"
                );
                assert!(
                    sign["env"]["DIGEST"]
                        .as_str()
                        .unwrap()
                        .contains(".outputs.digest"),
                    "{name}/{job_name}"
                );
                signing_jobs.push(job_name);
            }
        }
        let any_direct = model.services.iter().any(|s| s.platforms.len() == 1);
        let any_merge = model.services.iter().any(|s| s.platforms.len() > 1);
        let mut expected = Vec::new();
        if model.workflow.sign && any_direct {
            expected.push("build".to_string());
        }
        if model.workflow.sign && any_merge {
            expected.push("merge".to_string());
        }
        assert_eq!(signing_jobs, expected, "{name}");
    }
}

#[test]
fn per_arch_tags_are_attested_when_attestations_are_on() {
    for (name, model, _, doc) in all_rendered() {
        if !(model.workflow.attest && model.tags.per_arch) {
            continue;
        }
        let attest = step_using(&doc["jobs"]["build"], "actions/attest")
            .unwrap_or_else(|| panic!("{name}: no attestation in the build job"));
        assert_eq!(
            attest["if"].as_str(),
            Some("env.PUBLISH == 'true'"),
            "{name}"
        );
    }
}

#[test]
fn registries_without_ghcr_or_oidc_get_neither_packages_nor_id_token() {
    let model = shapes::from_toml(
        "registry = \"docker.io\"\nnamespace = \"acmelabs\"\nowner = \"acme\"\nrepo = \"shop\"\nalso = [\"quay.io\"]\n",
    );
    let doc = parse(&render(&model));
    let build = &doc["jobs"]["build"];
    let perms = build["permissions"].as_mapping().unwrap();
    assert!(!perms.contains_key("packages"), "{perms:?}");
    assert!(!perms.contains_key("id-token"), "{perms:?}");
    let logins = password_logins(build);
    assert_eq!(
        logins,
        [
            (
                "docker.io",
                "${{ secrets.DOCKERHUB_USERNAME }}",
                "${{ secrets.DOCKERHUB_TOKEN }}"
            ),
            (
                "quay.io",
                "${{ secrets.QUAY_USERNAME }}",
                "${{ secrets.QUAY_TOKEN }}"
            ),
        ]
    );
    // metadata-action names every target, so every tag goes to both.
    assert_eq!(
        build["strategy"]["matrix"]["include"][0]["images"].as_str(),
        Some("docker.io/acmelabs/shop\nquay.io/acmelabs/shop")
    );
}

#[test]
fn oidc_logins_assume_the_role_of_the_ecr_host_region_and_use_workload_identity() {
    let doc = parse(&render(&shapes::fixture("registries")));
    for job in ["build", "merge"] {
        let job = &doc["jobs"][job];
        let aws = step_using(job, "aws-actions/configure-aws-credentials").unwrap();
        assert_eq!(
            aws["with"]["role-to-assume"].as_str(),
            Some("${{ vars.AWS_ROLE_ARN }}")
        );
        assert_eq!(aws["with"]["aws-region"].as_str(), Some("eu-west-1"));
        let ecr = step_using(job, "aws-actions/amazon-ecr-login").unwrap();
        assert_eq!(ecr["with"]["registries"].as_str(), Some("123456789012"));
        let gcp = step_using(job, "google-github-actions/auth").unwrap();
        assert_eq!(
            gcp["with"]["workload_identity_provider"].as_str(),
            Some("${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}")
        );
        assert_eq!(
            gcp["with"]["create_credentials_file"].as_bool(),
            Some(false)
        );
        assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
    }
}

#[test]
fn a_self_hosted_registry_logs_in_with_the_generic_registry_secrets() {
    let model = shapes::from_toml(
        "registry = \"registry.example.com:5000\"\nowner = \"acme\"\nrepo = \"shop\"\n",
    );
    let doc = parse(&render(&model));
    let build = &doc["jobs"]["build"];
    let perms = build["permissions"].as_mapping().unwrap();
    assert!(!perms.contains_key("packages"), "{perms:?}");
    let logins = password_logins(build);
    assert_eq!(
        logins,
        [(
            "registry.example.com:5000",
            "${{ secrets.REGISTRY_USERNAME }}",
            "${{ secrets.REGISTRY_PASSWORD }}"
        )]
    );
}

/// The registry, username and password of every `Log in` step of `job`.
fn password_logins(job: &Value) -> Vec<(&str, &str, &str)> {
    steps(job)
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("Log in"))
        .map(|s| {
            (
                s["with"]["registry"].as_str().unwrap(),
                s["with"]["username"].as_str().unwrap(),
                s["with"]["password"].as_str().unwrap(),
            )
        })
        .collect()
}
