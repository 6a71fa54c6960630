//! The deploy script for the compose file: `update-images`, `pull-only`, `status` and
//! `rollback`, run on the server next to the compose file (see README, "Deploying").

use serde::Serialize;

use super::{TemplateError, Templates, compose::filled_env_path, relative_to};
use crate::model::{Model, ServiceKind};

/// The script's first line; the generated header follows it.
pub(crate) const SHEBANG: &str = "#!/usr/bin/env bash\n";

/// File name of the deploy state, next to the script: lines `current|previous SERVICE
/// IMAGE_ID REFERENCE` for rollback.
pub const STATE_FILE: &str = ".deploy-state";

/// Seconds `docker compose up --wait` waits for every service to become healthy.
pub const WAIT_TIMEOUT: u32 = 120;

/// Context of `deploy.sh.j2`.
#[derive(Serialize)]
pub(crate) struct DeployContext {
    /// Compose project name, the default of `COMPOSE_PROJECT_NAME`.
    pub project: String,
    /// The compose file, relative to the script's directory.
    pub compose_file: String,
    /// The filled-in env file, relative to the script's directory.
    pub env_file: String,
    /// The env file as the comment shows it (root-relative).
    pub env_file_shown: String,
    /// The env template (root-relative) to copy, when the env target is on; the env file is
    /// then required.
    pub env_template: Option<String>,
    /// State file name, relative to the script's directory.
    pub state_file: String,
    /// The state file as the comment shows it (root-relative).
    pub state_file_shown: String,
    /// Default of `DEPLOY_WAIT_TIMEOUT`.
    pub wait_timeout: u32,
    /// Registry hosts to log in to, each once.
    pub registries: Vec<String>,
    /// The same, as shell words.
    pub registries_sh: String,
    /// The one-shot services (`kind = "job"`), as shell words.
    pub jobs_sh: String,
}

/// Renders the deploy script at `path` for the compose file at `compose`: the body after
/// the shebang and the header.
pub(crate) fn render(
    model: &Model,
    path: &str,
    compose: &str,
    templates: &Templates,
) -> Result<String, TemplateError> {
    let filled = model
        .outputs
        .env
        .as_deref()
        .map(filled_env_path)
        .unwrap_or_else(|| sibling(compose, ".env"));
    let mut registries: Vec<String> = Vec::new();
    for s in &model.services {
        if !registries.contains(&s.registry.host) {
            registries.push(s.registry.host.clone());
        }
    }
    let state = sibling(path, STATE_FILE);
    let ctx = DeployContext {
        project: super::project_name(model),
        compose_file: relative_to(path, compose),
        env_file: relative_to(path, &filled),
        env_file_shown: filled,
        env_template: model.outputs.env.clone(),
        state_file: STATE_FILE.to_string(),
        state_file_shown: state,
        wait_timeout: WAIT_TIMEOUT,
        registries_sh: registries
            .iter()
            .map(|r| sh_quote(r))
            .collect::<Vec<_>>()
            .join(" "),
        registries,
        jobs_sh: model
            .services
            .iter()
            .filter(|s| s.kind == ServiceKind::Job)
            .map(|s| sh_quote(&s.name))
            .collect::<Vec<_>>()
            .join(" "),
    };
    templates.render("deploy.sh.j2", &ctx)
}

/// The path of the deploy state file of the script at `script` (root-relative).
pub fn state_path(script: &str) -> String {
    sibling(script, STATE_FILE)
}

/// `name` in the directory of the root-relative `path`.
fn sibling(path: &str, name: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{name}"),
        None => name.to_string(),
    }
}

/// `s` as one shell word: single-quoted, `'` written as `'\''`.
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_survive_quotes_and_spaces() {
        assert_eq!(sh_quote("deploy/.env"), "'deploy/.env'");
        assert_eq!(sh_quote("it's a b"), "'it'\\''s a b'");
    }

    #[test]
    fn state_file_sits_next_to_the_script() {
        assert_eq!(state_path("deploy/deploy.sh"), "deploy/.deploy-state");
        assert_eq!(state_path("deploy.sh"), ".deploy-state");
    }
}
