//! The docker compose file: one service per image, pulling from the registry.

use serde::Serialize;

use super::{TemplateError, Templates, relative_to};
use crate::model::{Model, ServiceKind};

/// Context of `compose.yaml.j2`.
#[derive(Serialize)]
pub(crate) struct ComposeContext {
    /// Compose project name (the repository, as a lowercase name).
    pub project: String,
    /// The env template's filled-in copy, relative to the compose file; `None` when the
    /// env target is off (services then pass their variables through from the shell).
    pub env_file: Option<String>,
    pub services: Vec<ComposeService>,
}

/// One compose service.
#[derive(Serialize)]
pub(crate) struct ComposeService {
    pub name: String,
    /// `registry/owner/package:${IMAGE_TAG:-latest}`.
    pub image: String,
    pub port: Option<u16>,
    pub env: Vec<String>,
    /// Healthcheck `test` command, when the service has a health path.
    pub healthcheck: Option<Vec<String>>,
    /// `unless-stopped`, or `"no"` for a one-shot service (`kind = "job"`).
    pub restart: &'static str,
}

/// Renders the compose file at `path`.
pub(crate) fn render(
    model: &Model,
    path: &str,
    templates: &Templates,
) -> Result<String, TemplateError> {
    let env_file = model
        .outputs
        .env
        .as_deref()
        .map(|env| relative_to(path, filled_env_path(env).as_str()));
    let ctx = ComposeContext {
        project: super::project_name(model),
        env_file,
        services: model
            .services
            .iter()
            .map(|s| ComposeService {
                name: s.name.clone(),
                image: format!("{}:${{IMAGE_TAG:-latest}}", s.image),
                port: s.port,
                env: s.env.clone(),
                restart: match s.kind {
                    ServiceKind::Service => "unless-stopped",
                    ServiceKind::Job => "no",
                },
                healthcheck: match (s.kind, s.port, &s.health) {
                    (ServiceKind::Service, Some(port), Some(health)) => Some(vec![
                        "CMD-SHELL".to_string(),
                        format!("wget -q --spider http://127.0.0.1:{port}{health} || exit 1"),
                    ]),
                    _ => None,
                },
            })
            .collect(),
    };
    templates.render("compose.yaml.j2", &ctx)
}

/// The filled-in copy of an env template: `deploy/.env.example` → `deploy/.env`.
pub(crate) fn filled_env_path(template: &str) -> String {
    template
        .strip_suffix(".example")
        .or_else(|| template.strip_suffix(".template"))
        .or_else(|| template.strip_suffix(".sample"))
        .map_or_else(|| format!("{template}.local"), str::to_string)
}
