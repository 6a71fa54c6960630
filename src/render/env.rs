//! The `.env` template: every variable the images need, empty (no placeholder secret can
//! start a service: compose requires each one, `${NAME:?...}`), grouped by the services
//! that read it.

use serde::Serialize;

use super::{TemplateError, Templates, compose::filled_env_path};
use crate::model::Model;

/// Context of `env.j2`.
#[derive(Serialize)]
pub(crate) struct EnvContext {
    pub repo: String,
    pub registry: String,
    /// `owner/repo`, for GITHUB_REPO.
    pub github_repo: String,
    /// Where the filled-in copy goes, relative to the root.
    pub filled: String,
    /// How the file is used, for the comment: the deploy script, or the manual command.
    pub deploy_hint: String,
    /// Service variables, each once, in first-use order.
    pub vars: Vec<EnvVar>,
}

/// One variable of the template.
#[derive(Serialize)]
pub(crate) struct EnvVar {
    pub name: String,
    /// Which services read it.
    pub comment: String,
}

/// Names the template always defines, so services cannot declare them twice.
pub(crate) const BUILTIN_VARS: &[&str] = &["GITHUB_USER", "GITHUB_REPO", "IMAGE_TAG"];

/// Renders the env template at `path`.
pub(crate) fn render(
    model: &Model,
    path: &str,
    templates: &Templates,
) -> Result<String, TemplateError> {
    let mut vars: Vec<(String, Vec<String>)> = Vec::new();
    for s in &model.services {
        for name in &s.env {
            if BUILTIN_VARS.contains(&name.as_str()) {
                continue;
            }
            match vars.iter_mut().find(|(n, _)| n == name) {
                Some((_, users)) => users.push(s.name.clone()),
                None => vars.push((name.clone(), vec![s.name.clone()])),
            }
        }
    }
    let ctx = EnvContext {
        repo: model.repo.clone(),
        // The host `docker login` takes (Artifact Registry's prefix has a path).
        registry: model
            .services
            .first()
            .map_or_else(|| model.registry.clone(), |s| s.registry.host.clone()),
        github_repo: format!("{}/{}", model.owner, model.repo),
        filled: filled_env_path(path),
        deploy_hint: match &model.outputs.deploy {
            Some(script) => format!("{script} passes it"),
            None => "pass it on every compose command".to_string(),
        },
        vars: vars
            .into_iter()
            .map(|(name, users)| EnvVar {
                name,
                comment: format!("used by {}", users.join(", ")),
            })
            .collect(),
    };
    templates.render("env.j2", &ctx)
}
