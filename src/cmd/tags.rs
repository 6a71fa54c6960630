//! `ghcr-gen tags`: the tags docker/metadata-action will compute in CI, previewed locally.
//!
//! With registry.toml, every service's image gets its rules and flavor (its own
//! `[services.X.tags]` or the top-level `[tags]`, a variant's tag suffix included) and its
//! per-arch tags when `per_arch` is on. `--image`, `--tag` and `--flavor` replace the
//! config's inputs, so any metadata-action setup can be previewed without a config. The git
//! context comes from the flags, or from the local checkout when none is given. `--verify`
//! prints a `cosign verify` command per tag, with the workflow's certificate identity.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::exit::Exit;
use crate::git;
use crate::model::Model;
use crate::report::Report;
use metadata_action::{self as tags, GitContext, Inputs, Meta, TagError};

/// Options of `ghcr-gen tags`.
#[derive(Debug)]
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    pub service: Option<String>,
    /// Replace the config's images / tag rules / flavor (metadata-action input lines).
    pub images: Vec<String>,
    pub tags: Vec<String>,
    pub flavor: Vec<String>,
    pub context: ContextFlags,
    pub json: bool,
    /// Print `cosign verify` commands for the tags (not the per-arch ones).
    pub verify: bool,
}

/// Git context flags; any one set means "don't read the checkout".
#[derive(Debug, Default, Clone)]
pub struct ContextFlags {
    pub event: Option<String>,
    pub git_ref: Option<String>,
    pub sha: Option<String>,
    pub default_branch: Option<String>,
    pub commit_date: Option<String>,
    pub now: Option<String>,
    pub pr_head_sha: Option<String>,
    /// The base branch of the pull request (`{{base_ref}}`).
    pub base_ref: Option<String>,
}

impl ContextFlags {
    fn any(&self) -> bool {
        self.default_branch.is_some()
            || self.event.is_some()
            || self.git_ref.is_some()
            || self.sha.is_some()
            || self.commit_date.is_some()
            || self.now.is_some()
            || self.pr_head_sha.is_some()
            || self.base_ref.is_some()
    }
}

/// One image's result in `--format json`: metadata-action's `tags` (per-arch ones
/// included) and `version` outputs.
#[derive(Serialize)]
struct JsonOut<'a> {
    tags: Vec<String>,
    version: &'a tags::Version,
}

/// Runs `ghcr-gen tags`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, super::Error> {
    // The config is optional when --image/--tag say everything; an explicit --config or a
    // discovered registry.toml that fails to load is still an error.
    let model = match crate::config::discover(opts.cwd, opts.config) {
        Ok(path) => Some(super::load_at(opts.cwd, &path)?),
        Err(d) if opts.config.is_some() => return Err(d.into()),
        Err(_) => None,
    };
    preview(opts, model.as_ref(), report)?;
    Ok(Exit::Ok)
}

/// Why `ghcr-gen tags` cannot compute the tags; its `Display` is the message shown.
#[derive(Debug)]
pub enum TagsError {
    /// The checkout could not be read, and no context flag says what to use instead.
    Checkout(TagError),
    /// A `--commit-date` or `--now` that is not an RFC 3339 time.
    InvalidTime {
        flag: &'static str,
        value: String,
        source: jiff::Error,
    },
    /// A `--tag` line metadata-action would reject.
    InvalidTagLine { line: String, source: TagError },
    /// A `--flavor` line metadata-action would reject.
    InvalidFlavorLine { line: String, source: TagError },
    /// `--service` names no service of registry.toml.
    NoService { name: String, services: Vec<String> },
    /// `--verify` without a registry.toml whose workflow output is on: the certificate
    /// identity is the generated workflow's.
    VerifyNeedsWorkflow,
    /// metadata-action itself fails (for this service, when there is one).
    Compute {
        service: Option<String>,
        source: TagError,
    },
}

impl fmt::Display for TagsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagsError::Checkout(e) => write!(
                f,
                "{e} (pass --ref and --sha to preview a context without a checkout)"
            ),
            TagsError::InvalidTime {
                flag,
                value,
                source,
            } => write!(
                f,
                "invalid {flag} `{value}` (RFC 3339, e.g. 2024-05-06T07:08:09Z): {source}"
            ),
            TagsError::InvalidTagLine { line, source } => {
                write!(f, "invalid --tag `{line}`: {source}")
            }
            TagsError::InvalidFlavorLine { line, source } => {
                write!(f, "invalid --flavor `{line}`: {source}")
            }
            TagsError::NoService { name, services } => write!(
                f,
                "no service `{name}` in registry.toml (services: {})",
                services.join(", ")
            ),
            TagsError::VerifyNeedsWorkflow => write!(
                f,
                "--verify needs a registry.toml with the workflow output on, without --image \
                 (signatures name the generated workflow)"
            ),
            TagsError::Compute {
                service: Some(s),
                source,
            } => write!(f, "service {s}: {source}"),
            TagsError::Compute {
                service: None,
                source,
            } => write!(f, "{source}"),
        }
    }
}

impl std::error::Error for TagsError {}

/// The tags of every image (or the flags' images), as output lines or JSON.
fn preview(
    opts: &Options<'_>,
    model: Option<&Model>,
    report: &mut Report,
) -> Result<(), TagsError> {
    let default_branch = opts
        .context
        .default_branch
        .clone()
        .or_else(|| model.map(|m| m.default_branch.clone()))
        .unwrap_or_else(|| "main".to_string());
    let ctx = context(opts, &default_branch)?;
    let groups = groups(opts, model)?;
    let mut results = Vec::new();
    for g in &groups {
        let meta = tags::compute(&g.inputs, &ctx).map_err(|source| TagsError::Compute {
            service: g.service.clone(),
            source,
        })?;
        results.push((g, meta));
    }
    if opts.verify {
        let workflow = model
            .filter(|_| opts.images.is_empty())
            .and_then(|m| m.outputs.workflow.as_deref().map(|w| (m, w)));
        let Some((model, workflow)) = workflow else {
            return Err(TagsError::VerifyNeedsWorkflow);
        };
        let mut out = String::new();
        for (_, meta) in &results {
            for tag in &meta.tags {
                out.push_str(&verify_command(tag, &model.owner, &model.repo, workflow));
            }
        }
        report.output(out);
        if !model.workflow.sign {
            report.status(
                "warning: [workflow] sign is off: the workflow signs nothing, so these fail"
                    .to_string(),
            );
        }
    } else if opts.json {
        let items: Vec<JsonOut<'_>> = results
            .iter()
            .map(|(g, meta)| JsonOut {
                tags: all_tags(g, meta),
                version: &meta.version,
            })
            .collect();
        let text = if items.len() == 1 {
            serde_json::to_string_pretty(&items[0])
        } else {
            serde_json::to_string_pretty(&items)
        };
        report.output(text.expect("json serializes") + "\n");
    } else {
        let mut out = String::new();
        for (g, meta) in &results {
            for tag in all_tags(g, meta) {
                out.push_str(&tag);
                out.push('\n');
            }
        }
        report.output(out);
    }
    for (_, meta) in &results {
        for w in &meta.warnings {
            report.status(format!("warning: {w}"));
        }
    }
    Ok(())
}

/// The `cosign verify` command for `image_ref`, signed keylessly by the generated workflow
/// file `workflow` of `owner/repo` on any branch or tag (the README shows the same form).
pub(crate) fn verify_command(image_ref: &str, owner: &str, repo: &str, workflow: &str) -> String {
    let escape = |s: &str| s.replace('.', "\\.");
    format!(
        "cosign verify {image_ref} \\\n  --certificate-identity-regexp \
         '^https://github\\.com/{}/{}/{}@refs/(heads|tags)/' \\\n  \
         --certificate-oidc-issuer https://token.actions.githubusercontent.com\n",
        escape(owner),
        escape(repo),
        escape(workflow)
    )
}

/// One metadata-action invocation: a service's image (or the flags' images) and its inputs.
struct Group {
    service: Option<String>,
    inputs: Inputs,
    /// Per-arch tag template and platform slugs, when per_arch is on.
    per_arch: Option<(String, Vec<String>)>,
}

fn groups(opts: &Options<'_>, model: Option<&Model>) -> Result<Vec<Group>, TagsError> {
    for line in &opts.tags {
        tags::check_tag_line(line).map_err(|source| TagsError::InvalidTagLine {
            line: line.clone(),
            source,
        })?;
    }
    for line in &opts.flavor {
        tags::check_flavor_line(line).map_err(|source| TagsError::InvalidFlavorLine {
            line: line.clone(),
            source,
        })?;
    }
    let flavor_override = (!opts.flavor.is_empty()).then(|| opts.flavor.clone());
    let tags_override = (!opts.tags.is_empty()).then(|| opts.tags.clone());
    let Some(model) = model.filter(|_| opts.images.is_empty()) else {
        // No config, or --image replaces its images: one invocation.
        let policy = model.map(|m| &m.tags);
        return Ok(vec![Group {
            service: None,
            inputs: Inputs {
                images: opts.images.clone(),
                tags: tags_override.or_else(|| policy.map(|p| p.rules.clone())),
                flavor: flavor_override
                    .or_else(|| policy.map(|p| p.flavor.clone()))
                    .unwrap_or_default(),
            },
            per_arch: None,
        }]);
    };
    if let Some(name) = &opts.service
        && model.service(name).is_none()
    {
        return Err(TagsError::NoService {
            name: name.clone(),
            services: model.services.iter().map(|s| s.name.clone()).collect(),
        });
    }
    Ok(model
        .services
        .iter()
        .filter(|s| opts.service.as_ref().is_none_or(|n| *n == s.name))
        .map(|s| Group {
            service: Some(s.name.clone()),
            inputs: Inputs {
                images: vec![s.image.clone()],
                // The service's own policy: `[services.X.tags]` or the top-level one, with
                // its variant's suffix in the flavor.
                tags: Some(
                    tags_override
                        .clone()
                        .unwrap_or_else(|| s.tags.rules.clone()),
                ),
                flavor: flavor_override
                    .clone()
                    .unwrap_or_else(|| s.tags.flavor.clone()),
            },
            per_arch: model.tags.per_arch.then(|| {
                (
                    model.tags.arch_tag.clone(),
                    s.platforms.iter().map(|p| p.slug()).collect(),
                )
            }),
        })
        .collect())
}

/// The image's tags, followed by its per-arch tags (platform by platform) when enabled.
fn all_tags(g: &Group, meta: &Meta) -> Vec<String> {
    let mut out = meta.tags.clone();
    if let Some((template, arches)) = &g.per_arch {
        for arch in arches {
            for full in &meta.tags {
                let (image, tag) = match full.rsplit_once(':') {
                    Some((i, t)) if !t.contains('/') => (Some(i), t),
                    _ => (None, full.as_str()),
                };
                let per = template.replace("{tag}", tag).replace("{arch}", arch);
                out.push(match image {
                    Some(i) => format!("{i}:{per}"),
                    None => per,
                });
            }
        }
    }
    out
}

fn context(opts: &Options<'_>, default_branch: &str) -> Result<GitContext, TagsError> {
    let flags = &opts.context;
    // With both --ref and --sha nothing is read from git (and no process is spawned);
    // otherwise the checkout supplies what the flags leave out.
    let needs_checkout = flags.git_ref.is_none() || flags.sha.is_none();
    let checkout = needs_checkout.then(|| git::checkout_context(opts.cwd, default_branch));
    let mut ctx = match checkout {
        Some(Ok(ctx)) => ctx,
        Some(Err(e)) if !flags.any() => return Err(TagsError::Checkout(e)),
        _ => GitContext::event("push", "", "", default_branch, jiff::Timestamp::now()),
    };
    let time = |flag: &'static str, v: &str| {
        v.parse::<jiff::Timestamp>()
            .map_err(|source| TagsError::InvalidTime {
                flag,
                value: v.to_string(),
                source,
            })
    };
    if let Some(e) = &flags.event {
        ctx.event_name = e.clone();
    }
    if let Some(r) = &flags.git_ref {
        ctx.git_ref = r.clone();
    }
    if let Some(s) = &flags.sha {
        ctx.sha = s.clone();
    }
    if let Some(d) = &flags.commit_date {
        ctx.commit_date = time("--commit-date", d)?;
    }
    if let Some(n) = &flags.now {
        ctx.now = time("--now", n)?;
    }
    if let Some(sha) = &flags.pr_head_sha {
        ctx.pr_head_sha = Some(sha.clone());
    }
    if let Some(base) = &flags.base_ref {
        ctx.base_ref = Some(base.clone());
    }
    ctx.default_branch = default_branch.to_string();
    ctx.short_sha_length = std::env::var("DOCKER_METADATA_SHORT_SHA_LENGTH").ok();
    ctx.use_pr_head_sha =
        GitContext::env_flag(std::env::var("DOCKER_METADATA_PR_HEAD_SHA").ok().as_deref());
    Ok(ctx)
}

#[cfg(test)]
mod verify_tests {
    use super::verify_command;

    #[test]
    fn verify_command_escapes_the_identity_and_matches_the_readme() {
        let command = verify_command(
            "ghcr.io/acme-labs/axon-doc-nextjs:1.2.3",
            "Acme-Labs",
            "axon-doc",
            ".github/workflows/ghcr-publish.yml",
        );
        assert!(command.contains(
            r"'^https://github\.com/Acme-Labs/axon-doc/\.github/workflows/ghcr-publish\.yml@refs/(heads|tags)/'"
        ));
        assert!(
            include_str!("../../README.md").contains(&command),
            "the README's verify example differs from:\n{command}"
        );
    }
}
