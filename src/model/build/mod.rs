//! Builds the [`Model`] from raw configuration: applies defaults, checks every value, and
//! reports each problem as a diagnostic at the span it concerns.
//!
//! One submodule per section (`services`: images and package names; `variants`: build
//! inputs, variants and per-service tags; `outputs`; `tags`;
//! `workflow`; `k8s`; `retention`), each adding its method to `Builder`; this module holds the root
//! keys and the reporting helpers they share. Name rules live in [`super::naming`], path
//! rules in [`super::paths`].

mod k8s;
mod outputs;
mod retention;
mod services;
mod tags;
mod variants;
mod workflow;

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::registry::{self as reg, Registry};
use super::{Model, Platform, naming, paths};
use crate::config::raw::{RawConfig, Sp};
use crate::diagnostic::{Diagnostic, SourceFile};

/// Default registry host.
pub(crate) const DEFAULT_REGISTRY: &str = "ghcr.io";

/// Builds the model. Problems are appended to `diags`; the model returned alongside them
/// is incomplete and must not be used when `diags` is not empty.
pub fn build(
    raw: &RawConfig,
    file: &Arc<SourceFile>,
    root: &Path,
    config_name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Model {
    let mut b = Builder { file, root, diags };
    b.build(raw, config_name)
}

struct Builder<'a> {
    file: &'a Arc<SourceFile>,
    root: &'a Path,
    diags: &'a mut Vec<Diagnostic>,
}

impl Builder<'_> {
    /// Reports an error at `span`; `label` (often a rule's error) goes under it.
    fn error(&mut self, span: Range<usize>, message: impl Into<String>, label: impl fmt::Display) {
        self.diags
            .push(Diagnostic::error(self.file, span, message).label(label.to_string()));
    }

    /// Reports an error at `span` with a label and a help line.
    fn error_help(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl fmt::Display,
        help: impl Into<String>,
    ) {
        self.diags.push(
            Diagnostic::error(self.file, span, message)
                .label(label.to_string())
                .help(help),
        );
    }

    /// Runs `check` on a string value, reporting its error at the value.
    fn check<E: fmt::Display>(
        &mut self,
        value: &Sp<String>,
        what: &str,
        check: impl Fn(&str) -> Result<(), E>,
    ) -> bool {
        match check(&value.value) {
            Ok(()) => true,
            Err(why) => {
                self.error(value.span.clone(), format!("invalid {what}"), why);
                false
            }
        }
    }

    fn build(&mut self, raw: &RawConfig, config_name: &str) -> Model {
        let registry = match &raw.registry {
            Some(r) => r.value.clone(),
            None => DEFAULT_REGISTRY.to_string(),
        };
        let owner = self.required(raw, &raw.owner, "owner", "owner = \"your-org\"");
        if let Some(o) = &raw.owner {
            self.check(o, "owner", naming::check_login);
        }
        let repo = self.required(raw, &raw.repo, "repo", "repo = \"your-repo\"");
        let repo_ok = raw
            .repo
            .as_ref()
            .is_some_and(|r| self.check(r, "repo", naming::check_repo));
        let suffix = raw
            .suffix
            .as_ref()
            .map_or(String::new(), |s| s.value.clone());
        let default_branch = match &raw.default_branch {
            Some(b) => {
                self.check(b, "default_branch", naming::check_branch);
                b.value.clone()
            }
            None => "main".to_string(),
        };
        let platforms = match &raw.platforms {
            Some(list) => self.platforms(list),
            None => vec![Platform::parse("linux/amd64").expect("known platform")],
        };
        let owner_lc = owner.to_ascii_lowercase();
        let repo_for_names = if repo_ok { repo.as_str() } else { "" };
        let tags = self.tags(raw, &default_branch);
        let services = self.services(raw, &owner_lc, repo_for_names, &suffix, &platforms, &tags);
        let outputs = self.outputs(raw, config_name);
        let workflow = self.workflow(raw, &services);
        let k8s = self.k8s(raw);
        let retention = self.retention(raw, &registry);
        let templates_dir = raw
            .templates
            .as_ref()
            .and_then(|t| t.dir.as_ref())
            .and_then(|d| {
                let rel = self.rel_path(d, "template directory")?;
                let abs = self.root.join(&rel);
                if !abs.is_dir() {
                    let why = if abs.exists() {
                        "it is not a directory"
                    } else {
                        "it does not exist"
                    };
                    self.error(
                        d.span.clone(),
                        format!("invalid template directory `{rel}`"),
                        why,
                    );
                    return None;
                }
                Some(abs)
            });
        let exclude = raw
            .rename
            .as_ref()
            .and_then(|r| r.exclude.as_ref())
            .map(|list| self.globs(list))
            .unwrap_or_default();
        Model {
            root: self.root.to_path_buf(),
            config_name: config_name.to_string(),
            registry,
            owner,
            owner_lc,
            repo,
            suffix,
            default_branch,
            platforms,
            services,
            outputs,
            tags,
            workflow,
            k8s,
            retention,
            templates_dir,
            exclude,
        }
    }

    fn required(
        &mut self,
        raw: &RawConfig,
        value: &Option<Sp<String>>,
        key: &str,
        example: &str,
    ) -> String {
        match value {
            Some(v) => v.value.clone(),
            None if raw.mistyped.contains(&key) => String::new(),
            None => {
                self.diags.push(
                    Diagnostic::error(self.file, 0..0, format!("missing required key `{key}`"))
                        .label(format!("`{key}` is not set"))
                        .help(format!("add `{example}` at the top of the file")),
                );
                String::new()
            }
        }
    }

    fn platforms(&mut self, list: &Sp<Vec<Sp<String>>>) -> Vec<Platform> {
        if list.value.is_empty() {
            self.error_help(
                list.span.clone(),
                "empty platform list",
                "no platform to build",
                "list at least one platform, e.g. [\"linux/amd64\"]",
            );
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for p in &list.value {
            match Platform::parse(&p.value) {
                None => {
                    let hint = p.value.to_ascii_lowercase();
                    let help = if Platform::parse(&hint).is_some() {
                        format!("platforms are lowercase: \"{hint}\"")
                    } else {
                        format!(
                            "buildx platforms include {}",
                            super::platform::KNOWN[..6].join(", ")
                        )
                    };
                    self.error_help(
                        p.span.clone(),
                        format!("unknown platform `{}`", p.value),
                        "not an os/arch[/variant] buildx supports",
                        help,
                    );
                }
                Some(platform) => {
                    if !seen.insert(platform.to_string()) {
                        let label = if platform.to_string() == p.value {
                            "listed twice".to_string()
                        } else {
                            format!("`{}` is `{platform}`, listed already", p.value)
                        };
                        self.error(
                            p.span.clone(),
                            format!("duplicate platform `{}`", p.value),
                            label,
                        );
                    } else {
                        out.push(platform);
                    }
                }
            }
        }
        out
    }

    fn globs(&mut self, list: &Sp<Vec<Sp<String>>>) -> Vec<String> {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(self.root);
        let mut out = Vec::new();
        for g in &list.value {
            match builder.add_line(None, &g.value) {
                Ok(_) => out.push(g.value.clone()),
                Err(e) => self.error(g.span.clone(), "invalid exclude pattern", e.to_string()),
            }
        }
        out
    }

    /// Parses a `registry` / `also` value, reporting why it is not one at its span.
    fn registry(&mut self, value: &Sp<String>) -> Option<Registry> {
        match Registry::parse(&value.value) {
            Ok(r) => Some(r),
            Err(why) => {
                let help = match why {
                    reg::RegistryError::Uppercase => {
                        format!("write \"{}\"", value.value.to_ascii_lowercase())
                    }
                    _ => format!("a registry is {}", reg::FORMS),
                };
                self.error_help(value.span.clone(), "invalid registry", why, help);
                None
            }
        }
    }

    /// Checks a repository-relative path and returns it normalised (`/`-separated, no `./`).
    fn rel_path(&mut self, value: &Sp<String>, what: &str) -> Option<String> {
        match paths::inside(self.root, &value.value) {
            Ok(path) => Some(path),
            Err(why) => {
                let message = if why.leaves_repository() {
                    format!("{what} `{}` leaves the repository", value.value)
                } else {
                    format!("invalid {what} `{}`", value.value)
                };
                self.error_help(value.span.clone(), message, why, paths::HELP);
                None
            }
        }
    }
}
