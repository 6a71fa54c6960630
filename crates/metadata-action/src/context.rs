//! The git/workflow context a computation runs in ([`GitContext`]), and reading one from a
//! local checkout by running `git` once.

use std::path::Path;
use std::process::Command;

use jiff::Timestamp;

use super::TagError;

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
    /// DOCKER_METADATA_SHORT_SHA_LENGTH as set (validated when a short sha is needed).
    pub short_sha_length: Option<String>,
    /// Whether DOCKER_METADATA_PR_HEAD_SHA is on (see [`GitContext::env_flag`]).
    pub use_pr_head_sha: bool,
}

impl GitContext {
    /// Reads the checkout at `dir`: HEAD's sha and commit date, and its ref: the first tag
    /// pointing at HEAD (`refs/tags/T`) if any, else the current branch (`refs/heads/B`).
    /// The event is `push`, `now` the current time and the environment switches are off.
    pub fn from_checkout(dir: &Path, default_branch: &str) -> Result<GitContext, TagError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "log.showSignature=false",
                "show",
                "-s",
                "--no-color",
                "--decorate=short",
                "--format=%H%n%cI%n%D",
                "HEAD",
            ])
            .output()
            .map_err(|e| TagError::new(format!("cannot run git in {}: {e}", dir.display())))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let reason = if stderr.contains("not a git repository") {
                "not a git repository".to_string()
            } else if stderr.contains("unknown revision")
                || stderr.contains("ambiguous argument 'HEAD'")
            {
                "HEAD has no commit yet".to_string()
            } else {
                stderr.trim().to_string()
            };
            return Err(TagError::new(format!(
                "cannot read the git context of {}: {reason}",
                dir.display()
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let (sha, date, decorations) = (
            lines.next().unwrap_or(""),
            lines.next().unwrap_or(""),
            lines.next().unwrap_or(""),
        );
        let commit_date = date.parse::<Timestamp>().map_err(|e| {
            TagError::new(format!(
                "cannot read the commit date of HEAD ({date:?}): {e}"
            ))
        })?;
        let git_ref = ref_from_decorations(decorations).ok_or_else(|| {
            TagError::new(format!(
                "cannot read the git context of {}: HEAD is detached and no tag points at it",
                dir.display()
            ))
        })?;
        Ok(GitContext {
            event_name: "push".into(),
            git_ref,
            sha: sha.to_string(),
            default_branch: default_branch.to_string(),
            commit_date,
            now: Timestamp::now(),
            pr_head_sha: None,
            short_sha_length: None,
            use_pr_head_sha: false,
        })
    }

    /// How the action reads a boolean switch such as DOCKER_METADATA_PR_HEAD_SHA:
    /// on when the value contains `true` in any case.
    pub fn env_flag(value: Option<&str>) -> bool {
        value.is_some_and(|v| v.to_ascii_lowercase().contains("true"))
    }
}

/// `%D` of HEAD (`HEAD -> main, tag: v1.0, origin/main`): the first tag, else the branch.
fn ref_from_decorations(decorations: &str) -> Option<String> {
    let items: Vec<&str> = decorations.split(", ").map(str::trim).collect();
    if let Some(tag) = items.iter().find_map(|d| d.strip_prefix("tag: ")) {
        return Some(format!("refs/tags/{tag}"));
    }
    items
        .iter()
        .find_map(|d| d.strip_prefix("HEAD -> "))
        .map(|b| format!("refs/heads/{b}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_at_head_is_preferred_over_the_branch() {
        assert_eq!(
            ref_from_decorations("HEAD -> main, tag: v1.2.3, origin/main").as_deref(),
            Some("refs/tags/v1.2.3")
        );
        assert_eq!(
            ref_from_decorations("HEAD -> feature/x, origin/feature/x").as_deref(),
            Some("refs/heads/feature/x")
        );
        assert_eq!(
            ref_from_decorations("HEAD, tag: v2").as_deref(),
            Some("refs/tags/v2")
        );
        assert_eq!(ref_from_decorations("HEAD"), None);
        assert_eq!(ref_from_decorations("grafted, HEAD, origin/main"), None);
    }

    #[test]
    fn env_flag_matches_the_actions_true_test() {
        assert!(GitContext::env_flag(Some("true")));
        assert!(GitContext::env_flag(Some("TRUE")));
        assert!(GitContext::env_flag(Some("untrue")));
        assert!(!GitContext::env_flag(Some("1")));
        assert!(!GitContext::env_flag(None));
    }
}
