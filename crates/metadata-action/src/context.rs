//! The git/workflow context a computation runs in ([`GitContext`]).
//!
//! This crate runs no programs: a caller builds the context from the workflow run, or (as
//! ghcr-gen's `git` module does) from a local checkout.

use jiff::Timestamp;

/// What the action reads from the workflow run (or, locally, from the checkout).
#[derive(Clone, Debug, PartialEq)]
pub struct GitContext {
    /// `push`, `pull_request`, `schedule`, `workflow_dispatch`, `release`, ...
    pub event_name: String,
    /// `refs/heads/B`, `refs/tags/T`, `refs/pull/N/merge`, or "".
    pub git_ref: String,
    pub sha: String,
    /// The repository's default branch (for `type=edge` and `{{is_default_branch}}`).
    pub default_branch: String,
    /// The commit's date, for `{{commit_date}}`.
    pub commit_date: Timestamp,
    /// The current time, for `{{date}}` and schedule patterns.
    pub now: Timestamp,
    /// The event payload's `pull_request.head.sha`.
    pub pr_head_sha: Option<String>,
    /// The base the event payload names, for `{{base_ref}}`: `pull_request.base.ref` (what
    /// a runner exports as `GITHUB_BASE_REF`) on pull requests, the push payload's
    /// `base_ref` on tag pushes. The action reads the first only for `refs/pull/` refs and
    /// the second only for `refs/tags/` refs (without its `refs/heads/` prefix).
    pub base_ref: Option<String>,
    /// DOCKER_METADATA_SHORT_SHA_LENGTH as set (validated when a short sha is needed).
    pub short_sha_length: Option<String>,
    /// Whether DOCKER_METADATA_PR_HEAD_SHA is on (see [`GitContext::env_flag`]).
    pub use_pr_head_sha: bool,
}

impl GitContext {
    /// An `event_name` event on `git_ref` at `sha`, committed `now`, with no pull-request
    /// payload and the action's environment switches off: what a preview of the tags an
    /// event would give needs.
    pub fn event(
        event_name: &str,
        git_ref: impl Into<String>,
        sha: impl Into<String>,
        default_branch: impl Into<String>,
        now: Timestamp,
    ) -> Self {
        GitContext {
            event_name: event_name.to_string(),
            git_ref: git_ref.into(),
            sha: sha.into(),
            default_branch: default_branch.into(),
            commit_date: now,
            now,
            pr_head_sha: None,
            base_ref: None,
            short_sha_length: None,
            use_pr_head_sha: false,
        }
    }

    /// How the action reads a boolean switch such as DOCKER_METADATA_PR_HEAD_SHA:
    /// on when the value contains `true` in any case.
    pub fn env_flag(value: Option<&str>) -> bool {
        value.is_some_and(|v| v.to_ascii_lowercase().contains("true"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_flag_matches_the_actions_true_test() {
        assert!(GitContext::env_flag(Some("true")));
        assert!(GitContext::env_flag(Some("TRUE")));
        assert!(GitContext::env_flag(Some("untrue")));
        assert!(!GitContext::env_flag(Some("1")));
        assert!(!GitContext::env_flag(None));
    }
}
