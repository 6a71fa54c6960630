//! Every `git` run of ghcr-gen: the checkout's tag context, the `origin` remote, and
//! whether git tracks a file. No other module starts a process.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use jiff::Timestamp;
use metadata_action::{GitContext, TagError};

/// Reads the checkout at `dir` into the context `ghcr-gen tags` previews: HEAD's sha and
/// commit date, and its ref: the first tag pointing at HEAD (`refs/tags/T`) if any, else
/// the current branch (`refs/heads/B`). The event is `push`, `now` the current time and
/// the environment switches are off. Runs `git` once.
pub fn checkout_context(dir: &Path, default_branch: &str) -> Result<GitContext, TagError> {
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
        .map_err(|e| tag_error(format!("cannot run git in {}: {e}", dir.display())))?;
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
        return Err(tag_error(format!(
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
        tag_error(format!(
            "cannot read the commit date of HEAD ({date:?}): {e}"
        ))
    })?;
    let git_ref = ref_from_decorations(decorations).ok_or_else(|| {
        tag_error(format!(
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
        base_ref: None,
        short_sha_length: None,
        use_pr_head_sha: false,
    })
}

/// The URL of the `origin` remote of the checkout at `dir` (`None`: no git, not a
/// checkout, or no such remote).
pub fn origin_url(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["config", "--get", "remote.origin.url"])
        .current_dir(dir)
        .output()
        .ok()?;
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!url.is_empty()).then_some(url)
}

/// The default branch of `origin` as the checkout at `dir` last saw it
/// (`refs/remotes/origin/HEAD`).
pub fn origin_default_branch(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"])
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().strip_prefix("origin/").map(str::to_string)
}

/// The default branch of the checkout at `dir` when `origin/HEAD` does not say (no remote,
/// or a remote never fetched): the only local branch; with none yet, the unborn branch
/// HEAD points at (what `init.defaultBranch` made it); with several, the one
/// `init.defaultBranch` names, else `main`, else `master`, else the current branch.
/// `None` outside a checkout.
pub fn local_default_branch(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let branches = git(&["for-each-ref", "--format=%(refname:short)", "refs/heads/"])?;
    let branches: Vec<&str> = branches.lines().filter(|b| !b.is_empty()).collect();
    let current = || {
        git(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
    };
    match branches.as_slice() {
        [only] => Some((*only).to_string()),
        [] => current(),
        _ => {
            let configured = git(&["config", "--get", "init.defaultBranch"])
                .map(|b| b.trim().to_string())
                .filter(|b| branches.contains(&b.as_str()));
            configured
                .or_else(|| {
                    ["main", "master"]
                        .into_iter()
                        .find(|b| branches.contains(b))
                        .map(str::to_string)
                })
                .or_else(current)
        }
    }
}

/// The bytes of `rel` (relative to `dir`) as committed at `HEAD`; `None` without git, a
/// commit, or the file in it.
pub fn committed_file(dir: &Path, rel: &str) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .args(["show", "--no-textconv"])
        .arg(format!("HEAD:./{rel}"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// A running `git ls-files -z -- <rel>` in `root`, started so that other work can go on
/// meanwhile; [`LsFiles::is_tracked`] waits for it.
#[derive(Debug)]
pub struct LsFiles(Child);

impl LsFiles {
    /// Starts `git ls-files -z -- <rel>` in `root`; `None` when git cannot be started.
    pub fn start(root: &Path, rel: &str) -> Option<LsFiles> {
        Command::new("git")
            .args(["ls-files", "-z", "--"])
            .arg(rel)
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()
            .map(LsFiles)
    }

    /// Whether git tracks the file (no git, or not a repository: not tracked).
    pub fn is_tracked(self) -> bool {
        self.0
            .wait_with_output()
            .is_ok_and(|out| out.status.success() && !out.stdout.is_empty())
    }
}

/// The error type `ghcr-gen tags` reports context failures with.
fn tag_error(message: String) -> TagError {
    TagError { message }
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
}
