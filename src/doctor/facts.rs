//! What doctor knows about the repository when it explains a failure: the images
//! `registry.toml` describes and the facts of its workflows that tell look-alike causes
//! apart (permissions, login before push, token source, pull-request pushes, uppercase
//! names, cleanup jobs, attestations). Every fact is an `Option`: `None` = unknown, and an
//! unknown fact re-ranks nothing.

use super::checks::WorkflowFacts;
use crate::model::{Model, Provenance};

/// Where a workflow's ghcr.io login gets its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `secrets.GITHUB_TOKEN` / `github.token`.
    GithubToken,
    /// Another secret: a personal access token.
    Pat,
    /// A GitHub App installation token (`actions/create-github-app-token`).
    App,
}

/// One image the repository publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFact {
    /// `owner/name` on ghcr.io, lowercase.
    pub path: String,
    /// Platforms it is built for (`linux/amd64`).
    pub platforms: Vec<String>,
}

/// The tag policy, for the published tag nearest to one asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFacts {
    pub rules: Vec<String>,
    pub flavor: Vec<String>,
    pub branches: Vec<String>,
    pub default_branch: String,
}

/// The repository's facts; `Default` knows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// GitHub owner as spelled in the config.
    pub owner: Option<String>,
    /// The owner lowercased.
    pub owner_lc: Option<String>,
    pub repo: Option<String>,
    /// ghcr.io images the config describes; `None` without a config.
    pub images: Option<Vec<ImageFact>>,
    /// Earlier `owner/name` paths (`renamed_from`), lowercase.
    pub renamed_from: Vec<String>,
    /// The publishing workflow's path.
    pub workflow: Option<String>,
    /// The publishing jobs have `packages: write`.
    pub packages_write: Option<bool>,
    /// A ghcr.io login precedes every push.
    pub login_before_push: Option<bool>,
    /// The token the ghcr.io login uses.
    pub token: Option<TokenSource>,
    /// Pull-request runs log in and push.
    pub pr_pushes: Option<bool>,
    /// An image name can be uppercase at run time.
    pub may_be_uppercase: Option<bool>,
    /// A cleanup deletes untagged versions without regard to multi-arch indexes.
    pub untagged_cleanup: Option<bool>,
    /// Provenance or SBOM attestations are pushed.
    pub attestations: Option<bool>,
    /// A later step logs in to ghcr.io again, replacing the first login.
    pub second_login: Option<bool>,
    /// Scripts outside the workflows push to ghcr.io (a Makefile `push` target): packages
    /// may have been created by hand.
    pub manual_pushes: Option<bool>,
    /// The tag policy.
    pub tags: Option<TagFacts>,
    /// The Kubernetes pull secret's name.
    pub pull_secret: Option<String>,
    /// The Kubernetes namespace.
    pub namespace: Option<String>,
}

impl Facts {
    /// Replaces every fact the workflows as read know (`Some`) with theirs.
    pub fn overlay(&mut self, seen: &WorkflowFacts) {
        let set = |mine: &mut Option<bool>, theirs: Option<bool>| {
            if theirs.is_some() {
                *mine = theirs;
            }
        };
        set(&mut self.packages_write, seen.packages_write);
        set(&mut self.login_before_push, seen.login_before_push);
        set(&mut self.pr_pushes, seen.pr_pushes);
        set(&mut self.may_be_uppercase, seen.may_be_uppercase);
        set(&mut self.untagged_cleanup, seen.untagged_cleanup);
        set(&mut self.attestations, seen.attestations);
        set(&mut self.second_login, seen.second_login);
        if seen.token.is_some() {
            self.token = seen.token;
        }
    }

    /// The facts `registry.toml` implies: its images, and the workflow ghcr-gen renders
    /// from it (`packages: write`, a GITHUB_TOKEN login before every push, no pushes from
    /// pull requests, lowercase names, a multi-arch-safe cleanup).
    pub fn from_model(model: &Model) -> Facts {
        let ghcr = |image: &str| image.strip_prefix("ghcr.io/").map(str::to_string);
        let images = model
            .services
            .iter()
            .filter_map(|s| {
                Some(ImageFact {
                    path: ghcr(&s.image)?,
                    platforms: s.platforms.iter().map(ToString::to_string).collect(),
                })
            })
            .collect();
        let renamed_from = model
            .services
            .iter()
            .flat_map(|s| &s.renamed_from)
            .filter_map(|r| ghcr(&r.to_ascii_lowercase()))
            .collect();
        let rendered = model.outputs.workflow.is_some();
        let known = |v: bool| rendered.then_some(v);
        Facts {
            owner: Some(model.owner.clone()),
            owner_lc: Some(model.owner_lc.clone()),
            repo: Some(model.repo.clone()),
            images: Some(images),
            renamed_from,
            workflow: model.outputs.workflow.clone(),
            packages_write: known(true),
            login_before_push: known(true),
            token: rendered.then_some(TokenSource::GithubToken),
            pr_pushes: known(false),
            may_be_uppercase: known(false),
            untagged_cleanup: known(false),
            attestations: known(
                model.workflow.provenance != Provenance::Off || model.workflow.sbom,
            ),
            second_login: known(false),
            manual_pushes: None,
            tags: Some(TagFacts {
                rules: model.tags.rules.clone(),
                flavor: model.tags.flavor.clone(),
                branches: model.tags.branches.clone(),
                default_branch: model.default_branch.clone(),
            }),
            pull_secret: model
                .outputs
                .k8s
                .is_some()
                .then(|| model.k8s.pull_secret.clone()),
            namespace: model.k8s.namespace.clone(),
        }
    }
}
