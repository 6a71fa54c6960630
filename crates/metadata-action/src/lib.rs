//! docker/metadata-action v6 tag computation: from the action's `images`, `tags` and
//! `flavor` inputs and a git context to the image tags, `version` and warnings the action
//! produces, with its error messages. [`compute`] is the entry point; [`check_tag_line`] and
//! [`check_flavor_line`] validate single input lines as the action parses them.
//!
//! Modules: `input` (CSV list/field parsing), `rule` (a `tags` entry), `flavor`, `image`,
//! `template` (Handlebars expressions), `semver`, `pep440`, `date` (moment formats), `jsregex`
//! (JS regular expressions on `regress`), `js` (JS value conversions), `compute` (the
//! computation) and `context` ([`GitContext`]).
//!
//! Tested against outputs recorded from the real action (`tests/cases/`) and differentially
//! against the npm packages the action uses (`differential`, see the crate's README).

use serde::Serialize;

mod compute;
mod context;
mod date;
mod flavor;
mod image;
mod input;
mod js;
mod jsregex;
mod pep440;
mod rule;
mod semver;
mod template;

#[cfg(test)]
mod differential;

pub use context::GitContext;

/// The action's inputs, each as the raw lines of a workflow's `images: |`, `tags: |` and
/// `flavor: |` block (an element may itself hold several lines).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    pub images: Vec<String>,
    /// `None` (or no entry at all) means the action's default tag set.
    pub tags: Option<Vec<String>>,
    pub flavor: Vec<String>,
}

/// The computed tags.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Meta {
    /// `image:tag` for every enabled image in input order (bare tags when none is enabled).
    pub tags: Vec<String>,
    /// The tags without image names.
    #[serde(skip)]
    pub tag_names: Vec<String>,
    pub version: Version,
    /// The warnings the action would log (`... is not a valid semver ...`, ...).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// The action's `version`: the first tag, the other tags, and whether `latest` was added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Version {
    pub main: Option<String>,
    pub partial: Vec<String>,
    pub latest: bool,
}

/// A failure of the action; `message` is exactly what it fails with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagError {
    pub message: String,
}

impl TagError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        TagError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for TagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TagError {}

/// Computes tags and version as docker/metadata-action v6 does for `inputs` in `ctx`.
pub fn compute(inputs: &Inputs, ctx: &GitContext) -> Result<Meta, TagError> {
    compute::compute(inputs, ctx)
}

/// Validates one `tags` line as the action parses its input (a comment or blank line is
/// fine); the error is the action's own message.
pub fn check_tag_line(line: &str) -> Result<(), TagError> {
    for entry in input::entries(line)? {
        rule::Rule::parse(&entry)?;
    }
    Ok(())
}

/// Validates one `flavor` line as the action parses its input.
pub fn check_flavor_line(line: &str) -> Result<(), TagError> {
    let entries = input::entries(line)?;
    flavor::Flavor::parse(&entries).map(|_| ())
}
