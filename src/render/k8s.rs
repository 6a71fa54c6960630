//! Kubernetes manifests: per service a Deployment (or a Job for `kind = "job"`), a Service
//! when it has a port, a PodDisruptionBudget when it runs more than one replica, and a
//! kustomization with one `images:` entry per image.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{TemplateError, Templates};
use crate::model::{Model, RegistryKind, RunAs, Service, ServiceKind};

/// Context of `deployment.yaml.j2`, `job.yaml.j2`, `pod.yaml.j2`, `pdb.yaml.j2` and
/// `service.yaml.j2`.
#[derive(Serialize)]
pub(crate) struct WorkloadContext {
    pub name: String,
    /// Image without tag; the kustomization sets the tag.
    pub image: String,
    pub registry: String,
    /// What the pull secret holds on a registry other than GHCR (empty on GHCR, whose
    /// hint asks for a read:packages token).
    pub pull_credentials: &'static str,
    pub labels: BTreeMap<String, String>,
    pub replicas: u32,
    pub pull_secret: String,
    /// `Always` for a mutable deployed tag, `IfNotPresent` for a version or digest.
    pub pull_policy: &'static str,
    /// Why that pull policy, for the comment above it.
    pub pull_policy_reason: String,
    /// The namespace for `kubectl -n` in hints: the configured one or `<namespace>`.
    pub namespace_hint: String,
    pub port: Option<u16>,
    pub env: Vec<String>,
    /// Secret holding this service's env values: `<service>-env`.
    pub env_secret: String,
    /// The filled-in env file the hint takes the values from (root-relative).
    pub env_file: String,
    /// The health path when the service has a port (kept for template overrides written
    /// before `probe`).
    pub health: Option<String>,
    /// Startup, readiness and liveness probes, for a long-running service with a port.
    pub probe: Option<Probe>,
    /// The pod's `restartPolicy` when not the default (`Never` for a Job).
    pub restart_policy: Option<&'static str>,
    pub run_as: RunAs,
    pub read_only_root: bool,
    /// Spread the replicas over nodes (more than one replica).
    pub spread: bool,
}

/// What the probes ask: an HTTP path, or (`path` unset) whether the port accepts connections.
#[derive(Serialize)]
pub(crate) struct Probe {
    pub path: Option<String>,
}

/// Context of `kustomization.yaml.j2`.
#[derive(Serialize)]
pub(crate) struct KustomizationContext {
    /// The config file name, for the comment on where the tag comes from.
    pub config: String,
    pub namespace: Option<String>,
    pub resources: Vec<String>,
    pub images: Vec<KustomizeImage>,
    /// The deployed tag or digest (`[k8s] tag`).
    pub tag: String,
    /// Whether `tag` is a digest (`digest:` instead of `newTag:`).
    pub digest: bool,
}

/// One `images:` entry.
#[derive(Serialize)]
pub(crate) struct KustomizeImage {
    pub name: String,
}

/// Renders the manifests into `dir`: `(path, contents)` pairs.
pub(crate) fn render(
    model: &Model,
    dir: &str,
    templates: &Templates,
) -> Result<Vec<(String, String)>, TemplateError> {
    let mut files = Vec::new();
    let mut resources = Vec::new();
    let mut add = |name: String, body: String| {
        files.push((format!("{dir}/{name}"), body));
        resources.push(name);
    };
    for s in &model.services {
        let ctx = workload(model, s);
        match s.kind {
            ServiceKind::Service => {
                add(
                    format!("{}-deployment.yaml", s.name),
                    templates.render("deployment.yaml.j2", &ctx)?,
                );
                if ctx.spread {
                    add(
                        format!("{}-pdb.yaml", s.name),
                        templates.render("pdb.yaml.j2", &ctx)?,
                    );
                }
            }
            ServiceKind::Job => add(
                format!("{}-job.yaml", s.name),
                templates.render("job.yaml.j2", &ctx)?,
            ),
        }
        if s.port.is_some() {
            add(
                format!("{}-service.yaml", s.name),
                templates.render("service.yaml.j2", &ctx)?,
            );
        }
    }
    let ctx = KustomizationContext {
        config: model.config_name.clone(),
        namespace: model.k8s.namespace.clone(),
        resources,
        // Variants share a package and differ by tag suffix, which one `images:` entry (matched
        // by name) cannot express: their workloads name the full tag instead (see `workload`).
        images: {
            let digest = crate::model::naming::is_digest(&model.k8s.tag);
            let mut images: Vec<KustomizeImage> = Vec::new();
            for s in model
                .services
                .iter()
                .filter(|s| digest || s.variant.is_none())
            {
                if !images.iter().any(|i| i.name == s.image) {
                    images.push(KustomizeImage {
                        name: s.image.clone(),
                    });
                }
            }
            images
        },
        tag: model.k8s.tag.clone(),
        digest: crate::model::naming::is_digest(&model.k8s.tag),
    };
    files.push((
        format!("{dir}/kustomization.yaml"),
        templates.render("kustomization.yaml.j2", &ctx)?,
    ));
    Ok(files)
}

fn workload(model: &Model, s: &Service) -> WorkloadContext {
    let labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), s.name.clone()),
        (
            "app.kubernetes.io/part-of".to_string(),
            super::project_name(model),
        ),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "ghcr-gen".to_string(),
        ),
    ]);
    let job = s.kind == ServiceKind::Job;
    let tag = &model.k8s.tag;
    let (pull_policy, pull_policy_reason) = if model.k8s.tag_is_immutable() {
        (
            "IfNotPresent",
            format!("The deployed tag ({tag}) never moves: pull it once per node."),
        )
    } else {
        (
            "Always",
            format!("The deployed tag ({tag}) moves: check the registry on every start."),
        )
    };
    let env_secret = format!("{}-env", s.name);
    WorkloadContext {
        name: s.name.clone(),
        image: match &s.variant {
            // A digest names one manifest whatever the variant: kustomize pins it for all.
            Some(v) if !crate::model::naming::is_digest(tag) => format!("{}:{tag}-{v}", s.image),
            _ => s.image.clone(),
        },
        registry: s.registry.host.clone(),
        pull_credentials: match s.registry.kind {
            RegistryKind::Ghcr => "",
            RegistryKind::DockerHub => "a Docker Hub access token with read access",
            RegistryKind::Quay => "a Quay robot account with read access",
            RegistryKind::Acr { .. } => "a token or service principal with AcrPull",
            RegistryKind::Ecr { .. } => {
                "user AWS, password from `aws ecr get-login-password`: it expires after 12 hours"
            }
            RegistryKind::Gar { .. } => {
                "user _json_key and a service account key with Artifact Registry Reader"
            }
            RegistryKind::Other => "a user and token with read access to that registry",
        },
        labels,
        replicas: model.k8s.replicas,
        pull_secret: model.k8s.pull_secret.clone(),
        pull_policy,
        pull_policy_reason,
        namespace_hint: model
            .k8s
            .namespace
            .clone()
            .unwrap_or_else(|| "<namespace>".to_string()),
        port: s.port,
        env: s.env.clone(),
        env_secret,
        env_file: model.outputs.env.as_deref().map_or_else(
            || "<filled-in .env>".to_string(),
            super::compose::filled_env_path,
        ),
        health: s.port.and(s.health.clone()),
        probe: match (job, s.port) {
            (false, Some(_)) => Some(Probe {
                path: s.health.clone(),
            }),
            _ => None,
        },
        restart_policy: job.then_some("Never"),
        run_as: s.k8s_run_as(),
        read_only_root: s.read_only_root,
        spread: !job && model.k8s.replicas > 1,
    }
}
