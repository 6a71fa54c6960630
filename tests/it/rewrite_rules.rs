//! The reference contract, rule by rule, each with the look-alikes that must not match.

use crate::support::renames::{axon_doc_api, rewrite};
use ghcr_gen::rewrite::{Form, Matcher, Reference, Rename};

/// acme-labs/axon-doc: nextjs and crawler gain `-api`.
fn suffix_matcher() -> Matcher {
    Matcher::new(&axon_doc_api())
}

/// A repository publishing one image named after itself.
fn repo_matcher() -> Matcher {
    Matcher::new(&[Rename::with_suffix(
        "ghcr.io",
        "Acme-Labs",
        "grok2api",
        "grok2api",
        "-api",
    )])
}

fn assert_rewrites(m: &Matcher, cases: &[(&str, &str)]) {
    for (before, after) in cases {
        assert_eq!(rewrite(m, before), *after, "rewriting {before:?}");
    }
}

fn assert_untouched(m: &Matcher, cases: &[&str]) {
    for text in cases {
        let found: Vec<Reference> = m.find(text);
        assert!(found.is_empty(), "{text:?} must not match, found {found:?}");
    }
}

#[test]
fn full_reference_is_renamed_keeping_tag_and_digest() {
    assert_rewrites(
        &suffix_matcher(),
        &[
            (
                "ghcr.io/acme-labs/axon-doc-nextjs",
                "ghcr.io/acme-labs/axon-doc-nextjs-api",
            ),
            (
                "image: ghcr.io/acme-labs/axon-doc-nextjs:latest\n",
                "image: ghcr.io/acme-labs/axon-doc-nextjs-api:latest\n",
            ),
            (
                "FROM ghcr.io/acme-labs/axon-doc-crawler@sha256:abab",
                "FROM ghcr.io/acme-labs/axon-doc-crawler-api@sha256:abab",
            ),
            (
                "x ghcr.io/acme-labs/axon-doc-crawler:v1@sha256:abab",
                "x ghcr.io/acme-labs/axon-doc-crawler-api:v1@sha256:abab",
            ),
            (
                "https://ghcr.io/acme-labs/axon-doc-nextjs",
                "https://ghcr.io/acme-labs/axon-doc-nextjs-api",
            ),
        ],
    );
}

#[test]
fn every_boundary_character_ends_a_reference() {
    let m = suffix_matcher();
    for end in [
        "", " ", "\t", "\n", "\r\n", "\"", "'", "`", ")", "]", ",", ";", ">", ".", ". Next", "}",
        "|", "<br>", "\\n", "&x=1", "#L1", "é",
    ] {
        let text = format!("ghcr.io/acme-labs/axon-doc-nextjs{end}");
        let want = format!("ghcr.io/acme-labs/axon-doc-nextjs-api{end}");
        assert_eq!(rewrite(&m, &text), want, "{text:?}");
    }
}

#[test]
fn longer_package_names_are_other_packages() {
    assert_untouched(
        &suffix_matcher(),
        &[
            "ghcr.io/acme-labs/axon-doc-nextjs-legacy:1.0",
            "ghcr.io/acme-labs/axon-doc-nextjs2:latest",
            "ghcr.io/acme-labs/axon-doc-nextjs/sub",
            "ghcr.io/acme-labs/axon-doc-nextjs.v2",
            "ghcr.io/acme-labs/axon-doc-nextjs_data",
            "ghcr.io/acme-labs/axon-doc-nextjs${SUFFIX}",
            "ghcr.io/acme-labs/xaxon-doc-nextjs",
            "ghcr.io/acme-labs/team/axon-doc-nextjs",
        ],
    );
}

#[test]
fn bare_names_other_owners_and_other_registries_are_untouched() {
    assert_untouched(
        &suffix_matcher(),
        &[
            "container_name: axon-doc-nextjs",
            "docker exec axon-doc-crawler ls",
            "services:\n  axon-doc-nextjs:\n    hostname: axon-doc-nextjs",
            "acme-labs/axon-doc-nextjs",
            "image: acme-labs/axon-doc-nextjs",
            "ghcr.io/other-org/axon-doc-nextjs:latest",
            "ghcr.io/acme-labs-x/axon-doc-nextjs",
            "ghcr.io/x-acme-labs/axon-doc-nextjs",
            "docker.io/acme-labs/axon-doc-crawler:latest",
            "notghcr.io/acme-labs/axon-doc-crawler",
            "ghcr.io.evil/acme-labs/axon-doc-crawler",
            "git clone https://github.com/acme-labs/axon-doc.git",
            "https://github.com/acme-labs/axon-doc-nextjs",
            "ghcr.io/axon-doc-nextjs",
        ],
    );
}

#[test]
fn owner_matches_in_any_case_and_is_written_back_as_it_was() {
    assert_rewrites(
        &suffix_matcher(),
        &[
            (
                "see ghcr.io/Acme-Labs/axon-doc-nextjs.",
                "see ghcr.io/Acme-Labs/axon-doc-nextjs-api.",
            ),
            (
                "GHCR.IO/ACME-LABS/axon-doc-nextjs",
                "GHCR.IO/ACME-LABS/axon-doc-nextjs-api",
            ),
        ],
    );
    let r = &suffix_matcher().find("ghcr.io/Acme-Labs/axon-doc-nextjs")[0];
    assert!(r.uppercase);
    let r = &suffix_matcher().find("ghcr.io/acme-labs/axon-doc-nextjs")[0];
    assert!(!r.uppercase);
}

#[test]
fn package_path_is_matched_exactly() {
    assert_untouched(&suffix_matcher(), &["ghcr.io/acme-labs/Axon-Doc-Nextjs"]);
}

#[test]
fn renamed_owner_is_written_in_the_new_case() {
    let m = Matcher::new(&[Rename {
        host: "ghcr.io".into(),
        owner: "Acme-Labs".into(),
        path: "app".into(),
        new_host: "ghcr.io".into(),
        new_owner: "New-Org".into(),
        new_path: "app".into(),
        repo: "app".into(),
    }]);
    assert_rewrites(
        &m,
        &[
            ("ghcr.io/acme-labs/app:1", "ghcr.io/new-org/app:1"),
            ("ghcr.io/Acme-Labs/app", "ghcr.io/New-Org/app"),
            ("ghcr.io/ACME-LABS/app", "ghcr.io/new-org/app"),
            ("ghcr.io/${OWNER}/app", "ghcr.io/${OWNER}/app"),
        ],
    );
    let r = &m.find("ghcr.io/${OWNER}/app")[0];
    assert!(r.kept_variable);
}

#[test]
fn renamed_host_replaces_literal_hosts_and_keeps_variables() {
    let m = Matcher::new(&[Rename {
        host: "docker.io".into(),
        owner: "acme".into(),
        path: "app".into(),
        new_host: "ghcr.io".into(),
        new_owner: "acme".into(),
        new_path: "app".into(),
        repo: String::new(),
    }]);
    assert_rewrites(
        &m,
        &[
            ("docker.io/acme/app:1", "ghcr.io/acme/app:1"),
            ("$REGISTRY/acme/app:1", "$REGISTRY/acme/app:1"),
        ],
    );
    assert!(m.find("$REGISTRY/acme/app")[0].kept_variable);
    assert!(!m.find("docker.io/acme/app")[0].kept_variable);
}

#[test]
fn variable_owner_and_host_segments_match_any_owner_and_are_kept() {
    assert_rewrites(
        &suffix_matcher(),
        &[
            (
                "IMAGE=\"ghcr.io/${GITHUB_USER}/axon-doc-nextjs:${TAG}\"",
                "IMAGE=\"ghcr.io/${GITHUB_USER}/axon-doc-nextjs-api:${TAG}\"",
            ),
            (
                "ghcr.io/$OWNER/axon-doc-nextjs",
                "ghcr.io/$OWNER/axon-doc-nextjs-api",
            ),
            (
                "ghcr.io/${OWNER:-acme-labs}/axon-doc-nextjs",
                "ghcr.io/${OWNER:-acme-labs}/axon-doc-nextjs-api",
            ),
            (
                "ghcr.io/${OWNER,,}/axon-doc-nextjs",
                "ghcr.io/${OWNER,,}/axon-doc-nextjs-api",
            ),
            (
                "ghcr.io/$(OWNER)/axon-doc-nextjs",
                "ghcr.io/$(OWNER)/axon-doc-nextjs-api",
            ),
            (
                "ghcr.io/${{ github.repository_owner }}/axon-doc-crawler:sha",
                "ghcr.io/${{ github.repository_owner }}/axon-doc-crawler-api:sha",
            ),
            (
                "${{ env.REGISTRY }}/${{ github.repository_owner }}/axon-doc-crawler",
                "${{ env.REGISTRY }}/${{ github.repository_owner }}/axon-doc-crawler-api",
            ),
            (
                "$REGISTRY/acme-labs/axon-doc-crawler",
                "$REGISTRY/acme-labs/axon-doc-crawler-api",
            ),
        ],
    );
    assert_untouched(
        &suffix_matcher(),
        &[
            "${OWNER}/axon-doc-nextjs",
            "docker.io/${OWNER}/axon-doc-nextjs",
            "ghcr.io/{OWNER}/axon-doc-nextjs",
            "ghcr.io/{{ .Values.owner }}/axon-doc-nextjs",
            "ghcr.io/${{ github.repository }}/axon-doc-nextjs",
        ],
    );
}

#[test]
fn repository_expression_is_a_reference_when_used_as_an_image_name() {
    assert_rewrites(
        &repo_matcher(),
        &[
            (
                "  IMAGE_NAME: ${{ github.repository }}\n",
                "  IMAGE_NAME: ${{ github.repository }}-api\n",
            ),
            (
                "image_name: \"${{ github.repository }}\"",
                "image_name: \"${{ github.repository }}-api\"",
            ),
            (
                "tags: ghcr.io/${{ github.repository }}:latest",
                "tags: ghcr.io/${{ github.repository }}-api:latest",
            ),
            (
                "images: ${{ env.REGISTRY }}/${{ github.repository }}",
                "images: ${{ env.REGISTRY }}/${{ github.repository }}-api",
            ),
            (
                "docker push ghcr.io/${GITHUB_REPOSITORY,,}:x",
                "docker push ghcr.io/${GITHUB_REPOSITORY,,}-api:x",
            ),
            ("IMAGE=$GITHUB_REPOSITORY", "IMAGE=$GITHUB_REPOSITORY-api"),
            (
                "ghcr.io/Acme-Labs/grok2api",
                "ghcr.io/Acme-Labs/grok2api-api",
            ),
        ],
    );
    assert_untouched(
        &repo_matcher(),
        &[
            "repository: ${{ github.repository }}",
            "gh release view --repo ${{ github.repository }}",
            "IMAGE_NAME: ${{ github.repository }}-api",
            "IMAGE_NAME: ${{ github.repository_owner }}",
            "docker.io/${{ github.repository }}",
            "https://github.com/${{ github.repository }}",
            "ghcr.io/${{ github.repository }}/sub",
            "ghcr.io/${GITHUB_REPOSITORY#*/}",
        ],
    );
}

#[test]
fn repository_expression_with_a_suffix_names_that_image() {
    let m = suffix_matcher();
    assert_rewrites(
        &m,
        &[
            (
                "IMAGE_NAME: ${{ github.repository }}-nextjs",
                "IMAGE_NAME: ${{ github.repository }}-nextjs-api",
            ),
            (
                "ghcr.io/${{ github.repository }}-crawler:latest",
                "ghcr.io/${{ github.repository }}-crawler-api:latest",
            ),
        ],
    );
    assert_untouched(
        &m,
        &[
            "IMAGE_NAME: ${{ github.repository }}",
            "IMAGE_NAME: ${{ github.repository }}-nextjs-legacy",
            "IMAGE_NAME: ${{ github.repository }}-other",
        ],
    );
    let r = &m.find("ghcr.io/${{ github.repository }}-crawler")[0];
    assert_eq!(r.form, Form::RepositoryExpression);
    assert_eq!(r.rename, 1);
}

#[test]
fn repository_expression_becomes_literal_when_the_new_path_leaves_the_repo_name() {
    let m = Matcher::new(&[Rename {
        host: "ghcr.io".into(),
        owner: "acme".into(),
        path: "app".into(),
        new_host: "ghcr.io".into(),
        new_owner: "acme".into(),
        new_path: "platform/app".into(),
        repo: "app".into(),
    }]);
    assert_rewrites(
        &m,
        &[(
            "IMAGE_NAME: ${{ github.repository }}",
            "IMAGE_NAME: acme/platform/app",
        )],
    );
}

#[test]
fn package_page_links_are_references() {
    assert_rewrites(
        &suffix_matcher(),
        &[
            (
                "https://github.com/acme-labs/axon-doc/pkgs/container/axon-doc-nextjs",
                "https://github.com/acme-labs/axon-doc/pkgs/container/axon-doc-nextjs-api",
            ),
            (
                "https://github.com/users/acme-labs/packages/container/axon-doc-nextjs)",
                "https://github.com/users/acme-labs/packages/container/axon-doc-nextjs-api)",
            ),
            (
                "https://github.com/orgs/Acme-Labs/packages/container/package/axon-doc-crawler/versions",
                "https://github.com/orgs/Acme-Labs/packages/container/package/axon-doc-crawler-api/versions",
            ),
        ],
    );
    assert_untouched(
        &suffix_matcher(),
        &[
            "https://github.com/other/axon-doc/pkgs/container/axon-doc-nextjs",
            "https://github.com/orgs/acme-labs/packages/container/axon-doc-nextjs-legacy",
            "https://github.com/teams/acme-labs/packages/container/axon-doc-nextjs",
            "https://gitlab.com/orgs/acme-labs/packages/container/axon-doc-nextjs",
            "https://github.com/acme-labs/axon-doc/blob/main/axon-doc-nextjs",
        ],
    );
}

#[test]
fn nested_package_paths_match_plain_and_escaped_in_links() {
    let m = Matcher::new(&[Rename::with_suffix(
        "ghcr.io", "acme", "mono", "team/api", "-v2",
    )]);
    assert_rewrites(
        &m,
        &[
            ("ghcr.io/acme/team/api:1", "ghcr.io/acme/team/api-v2:1"),
            (
                "https://github.com/orgs/acme/packages/container/package/team%2Fapi",
                "https://github.com/orgs/acme/packages/container/package/team%2Fapi-v2",
            ),
        ],
    );
    assert_untouched(
        &m,
        &[
            "ghcr.io/acme/team/api/x",
            "ghcr.io/acme/other/team/api",
            "ghcr.io/acme/api",
        ],
    );
}

#[test]
fn lines_with_the_ignore_marker_are_untouched() {
    let m = suffix_matcher();
    let text = "a ghcr.io/acme-labs/axon-doc-nextjs # ghcr-gen: ignore\nb ghcr.io/acme-labs/axon-doc-nextjs\n";
    let found = m.find(text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 2);
}

#[test]
fn references_carry_line_column_old_and_new_text() {
    let m = suffix_matcher();
    let text = "one\r\n  ünï ghcr.io/acme-labs/axon-doc-crawler@sha256:ab\n";
    let r = &m.find(text)[0];
    assert_eq!((r.line, r.column), (2, 7));
    assert_eq!(r.old, "ghcr.io/acme-labs/axon-doc-crawler");
    assert_eq!(r.replacement, "ghcr.io/acme-labs/axon-doc-crawler-api");
    assert!(r.digest_pinned);
    assert_eq!(&text[r.start..r.end], r.old);
}

#[test]
fn second_run_finds_nothing() {
    let m = repo_matcher();
    let once = rewrite(
        &m,
        "IMAGE_NAME: ${{ github.repository }}\nx ghcr.io/acme-labs/grok2api:1\n",
    );
    assert!(m.find(&once).is_empty(), "{once}");
    let m = suffix_matcher();
    let once = rewrite(
        &m,
        "ghcr.io/acme-labs/axon-doc-nextjs ${{ github.repository }}-nextjs",
    );
    assert_eq!(rewrite(&m, &once), once);
}

#[test]
fn several_references_on_one_line_are_all_found() {
    let m = suffix_matcher();
    let text = "see ghcr.io/Acme-Labs/axon-doc-nextjs and ghcr.io/acme-labs/axon-doc-crawler.\n";
    assert_eq!(
        rewrite(&m, text),
        "see ghcr.io/Acme-Labs/axon-doc-nextjs-api and ghcr.io/acme-labs/axon-doc-crawler-api.\n"
    );
}

#[test]
fn an_empty_rename_list_matches_nothing() {
    let m = Matcher::new(&[]);
    assert!(m.find("ghcr.io/acme-labs/axon-doc-nextjs").is_empty());
    assert!(!m.has_candidate(b"anything"));
}

#[test]
fn many_references_on_one_long_line_are_found_in_linear_time() {
    let m = suffix_matcher();
    let one = "\"ghcr.io/acme-labs/axon-doc-nextjs:1\",";
    let text = one.repeat(50_000);
    let started = std::time::Instant::now();
    let found = m.find(&text);
    assert_eq!(found.len(), 50_000);
    assert_eq!(found[49_999].column, 49_999 * one.len() + 2);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn an_empty_host_never_matches_a_bare_path() {
    let m = Matcher::new(&[Rename::with_suffix("", "acme-labs", "", "app", "-x")]);
    assert!(m.find("/acme-labs/app and x /acme-labs/app").is_empty());
}
