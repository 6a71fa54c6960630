//! The Kubernetes manifests of every fixture hold what kube-score, kube-linter and checkov
//! would check and what applies to them (those tools are not installable here, so the
//! checks are assertions on the parsed manifests): every container runs as a numeric
//! non-root user with a read-only root filesystem (unless opted out), no privilege
//! escalation, all capabilities dropped and memory requests and limits; long-running
//! services with a port have probes; more than one replica brings a PodDisruptionBudget
//! and a topology spread; mutable tags are always pulled; no service-account token is
//! mounted; and the kustomization resolves (every resource exists, every image is used).

use std::collections::BTreeMap;

use ghcr_gen::model::{DEFAULT_UID, Model, ServiceKind};
use ghcr_gen::render::{Target, render};
use yaml_serde::Value;

use crate::support::run::{ghcr_gen_ok, ghcr_gen_text};
use crate::support::shapes::{FIXTURES, fixture, from_toml};
use crate::support::tree::write;
use crate::support::validators;

/// The rendered k8s files of `model`, by file name, parsed.
fn manifests(model: &Model) -> BTreeMap<String, Value> {
    render(model)
        .unwrap()
        .into_iter()
        .filter(|f| f.target == Target::K8s)
        .map(|f| {
            let name = f.path.rsplit('/').next().unwrap().to_string();
            let doc = yaml_serde::from_str(&f.contents)
                .unwrap_or_else(|e| panic!("{name} is not YAML: {e}\n{}", f.contents));
            (name, doc)
        })
        .collect()
}

fn get<'v>(v: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(v, |v, key| &v[key])
}

fn str_at<'v>(v: &'v Value, path: &str) -> &'v str {
    get(v, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path} is not a string in {v:?}"))
}

/// Every workload (Deployment or Job) and its pod spec.
fn workloads(docs: &BTreeMap<String, Value>) -> Vec<(&String, &Value)> {
    docs.iter()
        .filter(|(_, d)| matches!(d["kind"].as_str(), Some("Deployment" | "Job")))
        .collect()
}

/// The checks on one pod spec, `service` naming the model's service it belongs to.
fn assert_pod_is_hardened(model: &Model, file: &str, doc: &Value) {
    let name = str_at(doc, "metadata.name");
    let service = model.service(name).unwrap();
    let pod = get(doc, "spec.template.spec");
    assert_eq!(
        pod["automountServiceAccountToken"].as_bool(),
        Some(false),
        "{file}: service-account token mounted"
    );
    assert!(
        pod["imagePullSecrets"][0]["name"].as_str() == Some(&model.k8s.pull_secret),
        "{file}: no imagePullSecrets"
    );
    let pod_sc = &pod["securityContext"];
    assert_eq!(
        str_at(pod_sc, "seccompProfile.type"),
        "RuntimeDefault",
        "{file}"
    );
    let containers = pod["containers"].as_sequence().unwrap();
    assert!(!containers.is_empty(), "{file}: no containers");
    for c in containers {
        let sc = &c["securityContext"];
        // Container settings win over the pod's, as the kubelet applies them.
        let effective = |key: &str| {
            if sc[key].is_null() {
                pod_sc[key].clone()
            } else {
                sc[key].clone()
            }
        };
        let uid = effective("runAsUser")
            .as_u64()
            .unwrap_or_else(|| panic!("{file}: no numeric runAsUser"));
        assert!(uid > 0, "{file}: runs as root");
        let expected = service.run_as.map_or(DEFAULT_UID, |r| r.user);
        assert_eq!(uid, u64::from(expected), "{file}: runAsUser");
        assert!(
            effective("runAsGroup").as_u64().is_some(),
            "{file}: no runAsGroup"
        );
        assert_eq!(
            effective("runAsNonRoot").as_bool(),
            Some(true),
            "{file}: runAsNonRoot"
        );
        assert_eq!(
            sc["allowPrivilegeEscalation"].as_bool(),
            Some(false),
            "{file}: allowPrivilegeEscalation"
        );
        assert!(
            !sc["privileged"].as_bool().unwrap_or(false),
            "{file}: privileged"
        );
        assert_eq!(
            get(sc, "capabilities.drop").as_sequence().unwrap(),
            &vec![Value::from("ALL")],
            "{file}: capabilities not all dropped"
        );
        assert!(
            get(sc, "capabilities.add").is_null(),
            "{file}: capabilities added"
        );
        assert_eq!(
            sc["readOnlyRootFilesystem"].as_bool(),
            Some(service.read_only_root),
            "{file}: readOnlyRootFilesystem"
        );
        if service.read_only_root {
            let mounts = c["volumeMounts"].as_sequence().unwrap();
            let tmp = mounts
                .iter()
                .find(|m| m["mountPath"].as_str() == Some("/tmp"))
                .unwrap_or_else(|| panic!("{file}: read-only root without a writable /tmp"));
            let volume = pod["volumes"]
                .as_sequence()
                .unwrap()
                .iter()
                .find(|v| v["name"] == tmp["name"])
                .unwrap();
            assert!(
                volume["emptyDir"].is_mapping(),
                "{file}: /tmp not an emptyDir"
            );
        }
        for key in ["requests", "limits"] {
            assert!(
                get(&c["resources"], key)["memory"].as_str().is_some(),
                "{file}: no memory {key}"
            );
        }
        assert!(
            get(&c["resources"], "requests")["cpu"].as_str().is_some(),
            "{file}: no cpu request"
        );
        let policy = c["imagePullPolicy"].as_str().unwrap();
        if model.k8s.tag_is_immutable() {
            assert_eq!(
                policy, "IfNotPresent",
                "{file}: pinned tag pulled every start"
            );
        } else {
            assert_eq!(policy, "Always", "{file}: mutable tag never re-pulled");
        }
        let image = c["image"].as_str().unwrap();
        match &service.variant {
            // A variant names its own tag: the deployed one with the variant's suffix.
            Some(v) if !model.k8s.tag.starts_with("sha256:") => assert_eq!(
                image,
                format!("{}:{}-{v}", service.image, model.k8s.tag),
                "{file}: a variant deploys its own tag"
            ),
            _ => assert!(
                !image.contains(':') && !image.contains('@'),
                "{file}: the base image carries a tag ({image}); the kustomization sets it"
            ),
        }
        let long_running = service.kind == ServiceKind::Service;
        if long_running && service.port.is_some() {
            for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
                assert!(c[probe].is_mapping(), "{file}: no {probe}");
            }
            assert!(
                c["startupProbe"]["failureThreshold"].as_u64().unwrap()
                    * c["startupProbe"]["periodSeconds"].as_u64().unwrap()
                    >= 120,
                "{file}: startup probe gives less than two minutes"
            );
        }
        if service.env.is_empty() {
            assert!(c["envFrom"].is_null(), "{file}: envFrom without variables");
        } else {
            assert_eq!(
                c["envFrom"][0]["secretRef"]["name"].as_str(),
                Some(format!("{}-env", service.name).as_str()),
                "{file}: envFrom"
            );
        }
    }
}

#[test]
fn every_container_of_every_fixture_is_hardened() {
    for name in FIXTURES {
        let model = fixture(name);
        let docs = manifests(&model);
        let workloads = workloads(&docs);
        assert_eq!(workloads.len(), model.services.len(), "{name}");
        for (file, doc) in workloads {
            assert_pod_is_hardened(&model, &format!("{name}/{file}"), doc);
        }
    }
}

#[test]
fn one_shot_services_become_jobs_that_never_restart_in_place() {
    let model = fixture("five-services");
    let docs = manifests(&model);
    let job = &docs["migrations-job.yaml"];
    assert_eq!(str_at(job, "apiVersion"), "batch/v1");
    assert_eq!(str_at(job, "kind"), "Job");
    assert!(get(job, "spec.backoffLimit").as_u64().is_some());
    assert!(matches!(
        str_at(job, "spec.template.spec.restartPolicy"),
        "Never" | "OnFailure"
    ));
    assert!(!docs.contains_key("migrations-deployment.yaml"));
    assert!(
        !docs.contains_key("migrations-service.yaml"),
        "no port, no Service"
    );
    assert!(!docs.contains_key("migrations-pdb.yaml"));
    let compose = render(&model)
        .unwrap()
        .into_iter()
        .find(|f| f.target == Target::Compose)
        .unwrap();
    let compose: Value = yaml_serde::from_str(&compose.contents).unwrap();
    let migrations = &compose["services"]["migrations"];
    assert_eq!(migrations["restart"].as_str(), Some("no"));
    assert!(migrations["healthcheck"].is_null());
    assert_eq!(
        compose["services"]["api"]["restart"].as_str(),
        Some("unless-stopped")
    );
}

#[test]
fn more_than_one_replica_brings_a_disruption_budget_and_a_spread() {
    for name in FIXTURES {
        let model = fixture(name);
        let docs = manifests(&model);
        for s in model
            .services
            .iter()
            .filter(|s| s.kind == ServiceKind::Service)
        {
            let deployment = &docs[&format!("{}-deployment.yaml", s.name)];
            let pod = get(deployment, "spec.template.spec");
            let pdb = docs.get(&format!("{}-pdb.yaml", s.name));
            if model.k8s.replicas > 1 {
                let pdb = pdb.unwrap_or_else(|| panic!("{name}/{}: no PDB", s.name));
                assert_eq!(str_at(pdb, "apiVersion"), "policy/v1");
                assert!(
                    get(pdb, "spec.maxUnavailable").as_u64() == Some(1)
                        || get(pdb, "spec.minAvailable").as_u64() == Some(1)
                );
                assert_eq!(
                    get(pdb, "spec.selector.matchLabels"),
                    get(deployment, "spec.selector.matchLabels"),
                    "{name}/{}: PDB selects other pods",
                    s.name
                );
                let spread = pod["topologySpreadConstraints"].as_sequence().unwrap();
                assert_eq!(
                    spread[0]["labelSelector"]["matchLabels"],
                    *get(deployment, "spec.selector.matchLabels")
                );
            } else {
                assert!(pdb.is_none(), "{name}/{}: PDB with one replica", s.name);
                assert!(pod["topologySpreadConstraints"].is_null());
            }
        }
    }
}

#[test]
fn kustomization_resolves_every_resource_and_image() {
    for name in FIXTURES {
        let model = fixture(name);
        let docs = manifests(&model);
        let k = &docs["kustomization.yaml"];
        let resources: Vec<&str> = k["resources"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        for r in &resources {
            assert!(
                docs.contains_key(*r),
                "{name}: resource {r} is not rendered"
            );
        }
        for file in docs.keys().filter(|f| *f != "kustomization.yaml") {
            assert!(
                resources.contains(&file.as_str()),
                "{name}: {file} is not a resource"
            );
        }
        let used: Vec<&str> = workloads(&docs)
            .iter()
            .map(|(_, d)| {
                get(d, "spec.template.spec")["containers"][0]["image"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        for image in k["images"].as_sequence().unwrap() {
            let image_name = image["name"].as_str().unwrap();
            assert!(used.contains(&image_name), "{name}: {image_name} unused");
            assert_eq!(image["newTag"].as_str(), Some(model.k8s.tag.as_str()));
        }
    }
}

#[test]
fn deployed_tag_sets_the_pull_policy_and_comes_from_the_config() {
    let base = "owner = \"acme\"\nrepo = \"shop\"\n[services.api]\nport = 8080\n";
    for (tag, policy) in [
        (None, "Always"),
        (Some("main"), "Always"),
        (Some("1.2"), "Always"),
        (Some("v1.2.3"), "IfNotPresent"),
        (Some("1.2.3-rc.1"), "IfNotPresent"),
        (
            Some("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
            "IfNotPresent",
        ),
    ] {
        let text = match tag {
            Some(t) => format!("{base}[k8s]\ntag = \"{t}\"\n"),
            None => base.to_string(),
        };
        let docs = manifests(&from_toml(&text));
        let c = &get(&docs["api-deployment.yaml"], "spec.template.spec")["containers"][0];
        assert_eq!(c["imagePullPolicy"].as_str(), Some(policy), "{tag:?}");
        let entry = &docs["kustomization.yaml"]["images"][0];
        match tag {
            Some(t) if t.starts_with("sha256:") => {
                assert_eq!(entry["digest"].as_str(), Some(t));
                assert!(entry["newTag"].is_null());
            }
            t => assert_eq!(entry["newTag"].as_str(), Some(t.unwrap_or("latest"))),
        }
    }
}

#[test]
fn configured_user_and_group_reach_the_pod_security_context() {
    let docs = manifests(&from_toml(
        "owner = \"acme\"\nrepo = \"shop\"\n[services.api]\nuser = 65532\n\
         [services.db]\nuser = 10001\ngroup = 2000\nread_only_root = false\n",
    ));
    let sc = |file: &str| get(&docs[file], "spec.template.spec.securityContext").clone();
    let api = sc("api-deployment.yaml");
    assert_eq!(api["runAsUser"].as_u64(), Some(65532));
    assert_eq!(api["runAsGroup"].as_u64(), Some(65532));
    assert_eq!(api["fsGroup"].as_u64(), Some(65532));
    let db = sc("db-deployment.yaml");
    assert_eq!(db["runAsUser"].as_u64(), Some(10001));
    assert_eq!(db["runAsGroup"].as_u64(), Some(2000));
    assert_eq!(db["fsGroup"].as_u64(), Some(2000));
    let db_pod = get(&docs["db-deployment.yaml"], "spec.template.spec");
    assert!(
        db_pod["volumes"].is_null(),
        "no /tmp volume when the root is writable"
    );
}

#[test]
fn secret_hints_name_the_namespace_and_only_the_service_variables() {
    let model = fixture("five-services");
    let files = render(&model).unwrap();
    let namespace = model.k8s.namespace.as_deref().unwrap();
    for f in files.iter().filter(|f| f.target == Target::K8s) {
        for line in f.contents.lines().filter(|l| l.contains("kubectl ")) {
            assert!(
                line.contains(&format!("kubectl -n {namespace} ")),
                "{}: hint without the namespace: {line}",
                f.path
            );
        }
    }
    for s in &model.services {
        let file = files
            .iter()
            .find(|f| {
                f.path.ends_with(&format!("/{}-deployment.yaml", s.name))
                    || f.path.ends_with(&format!("/{}-job.yaml", s.name))
            })
            .unwrap();
        let hint = file
            .contents
            .lines()
            .find(|l| l.contains("grep -E"))
            .map(str::to_string)
            .unwrap_or_default();
        for other in model.services.iter().flat_map(|o| &o.env) {
            assert_eq!(
                hint.contains(&format!("{other}|")) || hint.contains(&format!("{other})")),
                s.env.contains(other),
                "{}: hint {hint:?} and variable {other}",
                s.name
            );
        }
    }
}

/// The uid/gid of the rendered pod for a repository whose Dockerfile says `USER`.
fn pod_security_context_after_init(dockerfile: &str) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "api/Dockerfile", dockerfile);
    write(dir.path(), "db/Dockerfile", "FROM alpine:3\nUSER app\n");
    let (code, _, init_err) =
        ghcr_gen_text(dir.path(), &["init", "--owner", "acme", "--repo", "shop"]);
    assert_eq!(code, 0, "{init_err}");
    let (code, _, render_err) = ghcr_gen_text(dir.path(), &["render"]);
    assert_eq!(code, 0, "{render_err}");
    let text = std::fs::read_to_string(dir.path().join("deploy/k8s/api-deployment.yaml")).unwrap();
    let doc: Value = yaml_serde::from_str(&text).unwrap();
    (
        get(&doc, "spec.template.spec.securityContext").clone(),
        format!("{init_err}{render_err}"),
    )
}

#[test]
fn init_then_render_runs_the_pod_as_the_dockerfile_numeric_user() {
    let (sc, notes) = pod_security_context_after_init(
        "FROM golang:1.25 AS build\nUSER 1000\nFROM gcr.io/distroless/static\nUSER 65532:65532\n",
    );
    assert_eq!(sc["runAsUser"].as_u64(), Some(65532));
    assert_eq!(sc["runAsGroup"].as_u64(), Some(65532));
    assert_eq!(sc["runAsNonRoot"].as_bool(), Some(true));
    assert!(!notes.contains("service `api`"), "{notes}");
    // The named USER of the other service: a warning from init, a note from render.
    assert!(
        notes.contains("warning: service `db`: db/Dockerfile: its USER `app` is not numeric"),
        "{notes}"
    );
    assert!(
        notes.contains("note: service `db` sets no `user`; its Kubernetes pods run as uid 65532"),
        "{notes}"
    );

    let (sc, _) = pod_security_context_after_init("FROM alpine:3\nUSER 10001:10002\n");
    assert_eq!(sc["runAsUser"].as_u64(), Some(10001));
    assert_eq!(sc["runAsGroup"].as_u64(), Some(10002));
    assert_eq!(sc["fsGroup"].as_u64(), Some(10002));
}

#[test]
fn render_names_every_service_that_falls_back_to_the_default_uid() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "registry.toml",
        "owner = \"acme\"\nrepo = \"shop\"\n[services.api]\nuser = 1000\n[services.worker]\n\
         [services.migrate]\nkind = \"job\"\n",
    );
    let (code, _, err) = ghcr_gen_text(dir.path(), &["render"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("service `api`"), "{err}");
    for name in ["worker", "migrate"] {
        assert!(
            err.contains(&format!(
                "note: service `{name}` sets no `user`; its Kubernetes pods run as uid 65532"
            )),
            "{err}"
        );
    }
    // Without Kubernetes output there is nothing to note.
    write(
        dir.path(),
        "registry.toml",
        // Keeps worker's package name: render refuses a name changed as a side effect.
        "owner = \"acme\"\nrepo = \"shop\"\n[services.worker]\nimage = \"{repo}-worker\"\n[outputs]\nk8s = false\n",
    );
    let (code, _, err) = ghcr_gen_text(dir.path(), &["render"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("sets no `user`"), "{err}");
}

#[test]
fn digest_job_and_replicas_manifests_pass_the_validators_and_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "registry.toml",
        "owner = \"acme\"\nrepo = \"shop\"\n\
         [services.api]\nport = 8080\nenv = [\"TOKEN\"]\nuser = 10001\n\
         [services.migrate]\nkind = \"job\"\nport = 9090\nenv = [\"DATABASE_URL\"]\nread_only_root = false\n\
         [k8s]\nreplicas = 3\n\
         tag = \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n",
    );
    ghcr_gen_ok(dir.path(), &["render"]);
    let k8s = dir.path().join("deploy/k8s");
    let names = [
        "api-deployment.yaml",
        "api-pdb.yaml",
        "api-service.yaml",
        "migrate-job.yaml",
        "migrate-service.yaml",
    ];
    let paths: Vec<std::path::PathBuf> = names.iter().map(|n| k8s.join(n)).collect();
    let manifests: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    validators::kubernetes_validate(&manifests);
    let kustomization = k8s.join("kustomization.yaml");
    let mut all = manifests.clone();
    all.push(&kustomization);
    validators::yamllint(&all);
    let built = validators::kustomize(&kustomization);
    assert!(
        built.contains(
            "image: ghcr.io/acme/shop-api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        ),
        "{built}"
    );
    assert!(built.contains("kind: PodDisruptionBudget"), "{built}");
    assert!(built.contains("kind: Job"), "{built}");
}
