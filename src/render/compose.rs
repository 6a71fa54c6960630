//! The docker compose file: one service per image, pulling from the registry.
//!
//! Variable substitution (`${IMAGE_TAG}`, each service's variables) is fed by the filled-in
//! env file passed with `--env-file` (the deploy script does); each service's
//! `environment` names only its own variables, required with `${NAME:?...}` so a missing
//! one stops compose before anything starts. Ports are published on 127.0.0.1 unless the
//! service is `public`.

use serde::Serialize;

use super::deploy::sh_quote;
use super::{TemplateError, Templates};
use crate::model::{Model, Service, ServiceKind};

/// Context of `compose.yaml.j2`.
#[derive(Serialize)]
pub(crate) struct ComposeContext {
    /// Compose project name (the repository, as a lowercase name).
    pub project: String,
    /// Where substituted variables come from, for the comment: the filled-in env file, or
    /// the shell environment when the env target is off.
    pub env_hint: String,
    /// The filled-in env file (root-relative), for the comment's command.
    pub env_file_shown: String,
    /// The compose file (root-relative), for the comment's command.
    pub compose_shown: String,
    /// The deploy script (root-relative), when generated.
    pub deploy_shown: Option<String>,
    pub services: Vec<ComposeService>,
}

/// One compose service.
#[derive(Serialize)]
pub(crate) struct ComposeService {
    pub name: String,
    /// `registry/owner/package:${IMAGE_TAG:-latest}`.
    pub image: String,
    pub port: Option<u16>,
    /// `127.0.0.1:P:P`, or `P:P` for a public service.
    pub ports: String,
    /// The service's own variables, each required from the substitution environment.
    pub env: Vec<ComposeVar>,
    /// Healthcheck `test` command: `health_cmd`, else wget-or-curl on the health path.
    pub healthcheck: Option<Vec<String>>,
    /// `unless-stopped`, or `"no"` for a one-shot service (`kind = "job"`).
    pub restart: &'static str,
}

/// One `environment` entry.
#[derive(Serialize)]
pub(crate) struct ComposeVar {
    pub name: String,
    /// `${NAME:?set NAME in deploy/.env}`.
    pub value: String,
}

/// Renders the compose file at `path`.
pub(crate) fn render(
    model: &Model,
    path: &str,
    templates: &Templates,
) -> Result<String, TemplateError> {
    let filled = model.outputs.env.as_deref().map(filled_env_path);
    let where_set = match &filled {
        Some(f) => format!("in {f}"),
        None => "in the environment".to_string(),
    };
    let ctx = ComposeContext {
        project: super::project_name(model),
        env_hint: match &filled {
            Some(f) => format!("{f} (copy {} and fill it in)", template_of(model)),
            None => "the shell environment (or an env file you pass)".to_string(),
        },
        env_file_shown: filled.clone().unwrap_or_else(|| "FILE".to_string()),
        compose_shown: path.to_string(),
        deploy_shown: model.outputs.deploy.clone(),
        services: model
            .services
            .iter()
            .map(|s| ComposeService {
                name: s.name.clone(),
                // A variant's tags carry its suffix (`latest-web`, `1.2.3-web`).
                image: format!(
                    "{}:${{IMAGE_TAG:-latest}}{}",
                    s.image,
                    s.variant
                        .as_deref()
                        .map_or_else(String::new, |v| format!("-{v}"))
                ),
                port: s.port,
                ports: s.port.map_or_else(String::new, |p| {
                    if s.public {
                        format!("{p}:{p}")
                    } else {
                        format!("127.0.0.1:{p}:{p}")
                    }
                }),
                env: s
                    .env
                    .iter()
                    .map(|name| ComposeVar {
                        name: name.clone(),
                        value: format!("${{{name}:?set {name} {where_set}}}"),
                    })
                    .collect(),
                restart: match s.kind {
                    ServiceKind::Service => "unless-stopped",
                    ServiceKind::Job => "no",
                },
                healthcheck: healthcheck(s),
            })
            .collect(),
    };
    templates.render("compose.yaml.j2", &ctx)
}

/// The compose healthcheck of `s`: its `health_cmd`; else, with a health path and a port,
/// an HTTP request with wget or, when the image has no wget, curl; else none (the image's
/// own HEALTHCHECK, if any, applies). `$` is doubled so compose passes it to the shell.
pub(crate) fn healthcheck(s: &Service) -> Option<Vec<String>> {
    if s.kind == ServiceKind::Job {
        return None;
    }
    if let Some(cmd) = &s.health_cmd {
        return Some(vec!["CMD-SHELL".to_string(), cmd.replace('$', "$$")]);
    }
    let (Some(port), Some(health)) = (s.port, &s.health) else {
        return None;
    };
    let url = sh_quote(&format!("http://127.0.0.1:{port}{health}"));
    let cmd = format!("wget -q -O /dev/null {url} || curl -fsS -o /dev/null {url}");
    Some(vec!["CMD-SHELL".to_string(), cmd.replace('$', "$$")])
}

/// The filled-in copy of an env template: `deploy/.env.example` → `deploy/.env`.
pub(crate) fn filled_env_path(template: &str) -> String {
    template
        .strip_suffix(".example")
        .or_else(|| template.strip_suffix(".template"))
        .or_else(|| template.strip_suffix(".sample"))
        .map_or_else(|| format!("{template}.local"), str::to_string)
}

/// The env template's path, for messages.
fn template_of(model: &Model) -> String {
    model.outputs.env.clone().unwrap_or_default()
}
