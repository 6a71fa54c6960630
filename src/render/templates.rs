//! The template environment: embedded templates, user overrides, strict undefined.
//!
//! Templates use `[[ expr ]]` for output and `{% stmt %}` for statements, so GitHub's
//! `${{ expr }}` and compose's `${VAR}` need no escaping. A file with the same name in the
//! user's template directory (`[templates] dir`) replaces the embedded one.
//!
//! Rendering has a fuel limit ([`FUEL`]): a template that loops for ever (nested
//! `range(100000)`) stops with an error instead of hanging.

use std::path::Path;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, syntax::SyntaxConfig};
use serde::Serialize;

/// Every embedded template, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "retention.yml.j2",
        include_str!("../../templates/retention.yml.j2"),
    ),
    (
        "compose.yaml.j2",
        include_str!("../../templates/compose.yaml.j2"),
    ),
    (
        "deployment.yaml.j2",
        include_str!("../../templates/deployment.yaml.j2"),
    ),
    ("pod.yaml.j2", include_str!("../../templates/pod.yaml.j2")),
    ("job.yaml.j2", include_str!("../../templates/job.yaml.j2")),
    ("pdb.yaml.j2", include_str!("../../templates/pdb.yaml.j2")),
    (
        "service.yaml.j2",
        include_str!("../../templates/service.yaml.j2"),
    ),
    (
        "kustomization.yaml.j2",
        include_str!("../../templates/kustomization.yaml.j2"),
    ),
    ("env.j2", include_str!("../../templates/env.j2")),
    ("deploy.sh.j2", include_str!("../../templates/deploy.sh.j2")),
    (
        "workflow.yml.j2",
        include_str!("../../templates/workflow.yml.j2"),
    ),
];

/// Instructions one rendering may run: the embedded templates need a few thousand per
/// service; a runaway loop stops here in about a second.
pub const FUEL: u64 = 20_000_000;

/// A failure to load or render a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Template name, e.g. `compose.yaml.j2`.
    pub template: String,
    /// Where the template came from: `embedded` or the override's path.
    pub origin: String,
    /// What went wrong, with the template line when minijinja knows it.
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "template {} ({}) failed: {}",
            self.template, self.origin, self.message
        )
    }
}

impl std::error::Error for TemplateError {}

/// Loaded templates, ready to render contexts.
pub struct Templates {
    env: Environment<'static>,
    origins: Vec<(String, String)>,
}

impl Templates {
    /// Loads the embedded templates, then any overrides from `dir` (which stay inside it).
    pub fn load(dir: Option<&Path>) -> Result<Templates, TemplateError> {
        Templates::load_under(dir.unwrap_or(Path::new(".")), dir)
    }

    /// Loads the embedded templates, then any overrides from `dir`, each read safely
    /// inside `root` ([`crate::fsafe`]): an override that is a symbolic link leading out of
    /// the repository, a FIFO or a device is an error, not read.
    pub fn load_under(root: &Path, dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        // Values are quoted explicitly (`yaml_str`); minijinja would JSON-escape `.yaml` files.
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let syntax = SyntaxConfig::builder()
            .block_delimiters("{%", "%}")
            .variable_delimiters("[[", "]]")
            .comment_delimiters("{#", "#}")
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("static syntax config is valid");
        env.set_syntax(syntax);
        env.add_filter("yaml_str", yaml_str);
        env.add_filter("sh_quote", sh_quote);
        if let Some(dir) = dir {
            check_override_dir(dir)?;
        }
        let mut origins = Vec::new();
        let real_root = match dir {
            Some(d) => Some(
                crate::fsafe::canonical_root(root).map_err(|e| TemplateError {
                    template: "(directory)".into(),
                    origin: d.display().to_string(),
                    message: e.to_string(),
                })?,
            ),
            None => None,
        };
        for (name, source) in EMBEDDED {
            let (source, origin) = match (dir, &real_root) {
                (Some(d), Some(real_root)) => {
                    let path = d.join(name);
                    let origin = path.display().to_string();
                    let rel = path.strip_prefix(root).unwrap_or(&path);
                    let fail = |message: String| TemplateError {
                        template: name.to_string(),
                        origin: origin.clone(),
                        message,
                    };
                    match crate::fsafe::read(real_root, rel) {
                        Ok(Some(bytes)) => match String::from_utf8(bytes) {
                            Ok(text) => (text, origin),
                            Err(_) => return Err(fail("the file is not valid UTF-8".into())),
                        },
                        Ok(None) => (source.to_string(), "embedded".to_string()),
                        Err(e) => return Err(fail(e.to_string())),
                    }
                }
                _ => (source.to_string(), "embedded".to_string()),
            };
            env.add_template_owned(*name, source)
                .map_err(|e| template_error(name, &origin, &e))?;
            origins.push((name.to_string(), origin));
        }
        Ok(Templates { env, origins })
    }

    /// Renders template `name` with `ctx`.
    pub fn render<C: Serialize>(&self, name: &str, ctx: &C) -> Result<String, TemplateError> {
        let origin = self
            .origins
            .iter()
            .find(|(n, _)| n == name)
            .map_or("embedded", |(_, o)| o.as_str());
        let template = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, origin, &e))?;
        template
            .render(minijinja::Value::from(minijinja::value::Serde(ctx)))
            .map_err(|e| template_error(name, origin, &e))
    }
}

/// The override directory must exist and hold only files named like embedded templates,
/// so a typo in a file name is an error rather than a silently ignored override.
fn check_override_dir(dir: &Path) -> Result<(), TemplateError> {
    let error = |template: String, message: String| TemplateError {
        template,
        origin: dir.display().to_string(),
        message,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        error(
            "(directory)".into(),
            format!("cannot read the template directory: {e}"),
        )
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !EMBEDDED.iter().any(|(n, _)| *n == name) {
            let known: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
            return Err(error(
                name,
                format!(
                    "not a ghcr-gen template; overridable templates are {}",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn template_error(name: &str, origin: &str, e: &minijinja::Error) -> TemplateError {
    let mut message = if e.kind() == minijinja::ErrorKind::OutOfFuel {
        format!(
            "stopped after {FUEL} instructions: the template loops too long (a nested or \
             endless loop?)"
        )
    } else {
        e.to_string()
    };
    if let Some(line) = e.line() {
        message = format!("line {line}: {message}");
    }
    TemplateError {
        template: name.to_string(),
        origin: origin.to_string(),
        message,
    }
}

/// Quotes a string for YAML when it needs quoting; plain scalars stay plain.
fn yaml_str(value: String) -> String {
    crate::render::yaml::scalar(&value)
}

/// `sh_quote` filter: one shell word.
fn sh_quote(value: String) -> String {
    crate::render::deploy::sh_quote(&value)
}
