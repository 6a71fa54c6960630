//! The tag context read from a git checkout (what `ghcr-gen tags` uses without context
//! flags).

use crate::support::run::git;
use ghcr_gen::git::checkout_context;

#[test]
fn checkout_context_prefers_a_tag_at_head_over_the_branch() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "trunk"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", "one"]);
    let c = checkout_context(dir, "trunk").unwrap();
    assert_eq!(
        (c.event_name.as_str(), c.git_ref.as_str()),
        ("push", "refs/heads/trunk")
    );
    assert_eq!(c.sha.len(), 40);
    assert_eq!(c.commit_date, "2024-05-06T07:08:09Z".parse().unwrap());
    git(dir, &["tag", "v1.2.3"]);
    assert_eq!(
        checkout_context(dir, "trunk").unwrap().git_ref,
        "refs/tags/v1.2.3"
    );
}

#[test]
fn checkout_context_errors_are_typed_and_explain_themselves() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    let err = checkout_context(dir, "main").unwrap_err();
    assert!(err.message.contains("not a git repository"), "{err}");
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", "one"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", "two"]);
    git(dir, &["checkout", "-q", "HEAD~1"]);
    let err = checkout_context(dir, "main").unwrap_err();
    assert!(err.message.contains("detached"), "{err}");
}
