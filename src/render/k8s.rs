//! Kubernetes manifests: a Deployment per image, a Service per port, and a kustomization
//! with one `images:` entry per image.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{TemplateError, Templates};
use crate::model::{Model, Service};

/// Context of `deployment.yaml.j2` and `service.yaml.j2`.
#[derive(Serialize)]
pub(crate) struct WorkloadContext {
    pub name: String,
    /// Image without tag; the kustomization sets the tag.
    pub image: String,
    pub registry: String,
    pub labels: BTreeMap<String, String>,
    pub replicas: u32,
    pub pull_secret: String,
    pub port: Option<u16>,
    pub env: Vec<String>,
    /// Secret holding the env values: `<service>-env`.
    pub env_secret: String,
    pub health: Option<String>,
}

/// Context of `kustomization.yaml.j2`.
#[derive(Serialize)]
pub(crate) struct KustomizationContext {
    pub namespace: Option<String>,
    pub resources: Vec<String>,
    pub images: Vec<KustomizeImage>,
}

/// One `images:` entry.
#[derive(Serialize)]
pub(crate) struct KustomizeImage {
    pub name: String,
    pub tag: String,
}

/// Renders the manifests into `dir`: `(path, contents)` pairs.
pub(crate) fn render(
    model: &Model,
    dir: &str,
    templates: &Templates,
) -> Result<Vec<(String, String)>, TemplateError> {
    let mut files = Vec::new();
    let mut resources = Vec::new();
    for s in &model.services {
        let ctx = workload(model, s);
        let name = format!("{}-deployment.yaml", s.name);
        files.push((
            format!("{dir}/{name}"),
            templates.render("deployment.yaml.j2", &ctx)?,
        ));
        resources.push(name);
        if s.port.is_some() {
            let name = format!("{}-service.yaml", s.name);
            files.push((
                format!("{dir}/{name}"),
                templates.render("service.yaml.j2", &ctx)?,
            ));
            resources.push(name);
        }
    }
    let ctx = KustomizationContext {
        namespace: model.k8s.namespace.clone(),
        resources,
        images: model
            .services
            .iter()
            .map(|s| KustomizeImage {
                name: s.image.clone(),
                tag: "latest".to_string(),
            })
            .collect(),
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
    WorkloadContext {
        name: s.name.clone(),
        image: s.image.clone(),
        registry: model.registry.clone(),
        labels,
        replicas: model.k8s.replicas,
        pull_secret: model.k8s.pull_secret.clone(),
        port: s.port,
        env: s.env.clone(),
        env_secret: format!("{}-env", s.name),
        health: if s.port.is_some() {
            s.health.clone()
        } else {
            None
        },
    }
}
