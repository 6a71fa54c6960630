//! The reference contract, rule by rule, each with the look-alikes that must not match.

use crate::support::renames::{axon_doc_api, rewrite};
use ghcr_gen::rewrite::{Form, Matcher, Placeholders, Reference, Rename};

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
    // The fastest of three runs, so that a busy machine (the whole suite runs in parallel)
    // does not decide: ten times the references must cost about ten times as much
    // (quadratic would be a hundred).
    let time = |n: usize| {
        let text = one.repeat(n);
        (0..3)
            .map(|_| {
                let started = std::time::Instant::now();
                let found = m.find(&text);
                let took = started.elapsed();
                assert_eq!(found.len(), n);
                assert_eq!(found[n - 1].column, (n - 1) * one.len() + 2);
                took
            })
            .min()
            .unwrap()
    };
    let small = time(5_000);
    let large = time(50_000);
    assert!(
        large < small * 30,
        "50,000 references took {large:?}, 5,000 took {small:?}: not linear"
    );
    assert!(large < std::time::Duration::from_secs(20), "{large:?}");
}

#[test]
fn an_empty_host_never_matches_a_bare_path() {
    let m = Matcher::new(&[Rename::with_suffix("", "acme-labs", "", "app", "-x")]);
    assert!(m.find("/acme-labs/app and x /acme-labs/app").is_empty());
}

/// acme/app, nested team/api, and a repository `app` on ghcr.io, all gaining `-api`.
fn forms_matcher(placeholders: Placeholders) -> Matcher {
    Matcher::with_placeholders(
        &[
            Rename::with_suffix("ghcr.io", "acme", "app", "app", "-api"),
            Rename::with_suffix("ghcr.io", "acme", "app", "team/api", "-api"),
        ],
        placeholders,
    )
}

#[test]
fn sed_escaped_references_are_renamed_with_their_escapes() {
    let m = forms_matcher(Placeholders::Skip);
    assert_rewrites(
        &m,
        &[
            (
                "sed -i 's/ghcr.io\\/acme\\/app:.*/x/' k8s.yaml",
                "sed -i 's/ghcr.io\\/acme\\/app-api:.*/x/' k8s.yaml",
            ),
            (
                "sed -e \"s/ghcr\\.io\\/acme\\/app/ghcr\\.io\\/acme\\/app/g\"",
                "sed -e \"s/ghcr\\.io\\/acme\\/app-api/ghcr\\.io\\/acme\\/app-api/g\"",
            ),
            (
                "s|x|ghcr.io\\/Acme\\/team\\/api:${TAG}|",
                "s|x|ghcr.io\\/Acme\\/team\\/api-api:${TAG}|",
            ),
            (
                "s/${REGISTRY}\\/acme\\/app/x/",
                "s/${REGISTRY}\\/acme\\/app-api/x/",
            ),
        ],
    );
    assert_eq!(m.find("ghcr.io\\/acme\\/app/")[0].form, Form::Escaped);
    assert_untouched(
        &m,
        &[
            "ghcr.io\\/acme\\/app\\/sub",
            "ghcr.io\\/acme\\/app-legacy/",
            "ghcr.io\\/other\\/app/",
            "docker.io\\/acme\\/app/",
            "ghcr.io/acme\\/app",
            "ghcr.io\\/acme/app",
            "ghcr.io\\/acme\\/team/api",
            "ghcrxio\\/acme\\/app",
        ],
    );
}

#[test]
fn registry_api_urls_are_renamed() {
    let m = forms_matcher(Placeholders::Skip);
    assert_rewrites(
        &m,
        &[
            (
                "curl -H \"$AUTH\" https://ghcr.io/v2/acme/app/manifests/latest",
                "curl -H \"$AUTH\" https://ghcr.io/v2/acme/app-api/manifests/latest",
            ),
            (
                "https://ghcr.io/v2/acme/team/api/tags/list",
                "https://ghcr.io/v2/acme/team/api-api/tags/list",
            ),
            (
                "${REGISTRY}/v2/${OWNER}/app/blobs/$DIGEST",
                "${REGISTRY}/v2/${OWNER}/app-api/blobs/$DIGEST",
            ),
            (
                "curl https://ghcr.io/v2/acme/app/referrers/sha256:ab",
                "curl https://ghcr.io/v2/acme/app-api/referrers/sha256:ab",
            ),
        ],
    );
    assert_eq!(
        m.find("https://ghcr.io/v2/acme/app/tags/list")[0].form,
        Form::RegistryApi
    );
    assert_untouched(
        &m,
        &[
            "https://ghcr.io/v2/acme/app/other/manifests/latest",
            "https://ghcr.io/v2/other/app/manifests/latest",
            "https://docker.io/v2/acme/app/manifests/latest",
            "https://ghcr.io/v3/acme/app/manifests/latest",
            "https://ghcr.io/xv2/acme/app/tags/list",
            "https://ghcr.io/v2/acme/app-x/tags/list",
        ],
    );
}

#[test]
fn packages_rest_api_paths_are_renamed() {
    let m = forms_matcher(Placeholders::Skip);
    assert_rewrites(
        &m,
        &[
            (
                "gh api /orgs/acme/packages/container/app/versions",
                "gh api /orgs/acme/packages/container/app-api/versions",
            ),
            (
                "gh api \"orgs/${{ github.repository_owner }}/packages/container/app/versions\"",
                "gh api \"orgs/${{ github.repository_owner }}/packages/container/app-api/versions\"",
            ),
            (
                "curl https://api.github.com/users/Acme/packages/container/team%2Fapi/versions",
                "curl https://api.github.com/users/Acme/packages/container/team%2Fapi-api/versions",
            ),
            (
                "gh api --method DELETE /user/packages/container/app",
                "gh api --method DELETE /user/packages/container/app-api",
            ),
            (
                "url: /orgs/acme/packages/container/team%2fapi?per_page=100",
                "url: /orgs/acme/packages/container/team%2fapi-api?per_page=100",
            ),
        ],
    );
    assert_eq!(
        m.find("gh api /orgs/acme/packages/container/app")[0].form,
        Form::PackagesApi
    );
    assert_untouched(
        &m,
        &[
            "gh api /orgs/other/packages/container/app/versions",
            "gh api /orgs/acme/packages/npm/app/versions",
            "gh api /teams/acme/packages/container/app",
            "gh api /orgs/acme/packages/container/app-legacy/versions",
            "https://example.com/orgs/acme/packages/container/app",
            "gh api x/user/packages/container/app",
            "gh api /orgs/acme/packages/container/team%2Fother",
        ],
    );
}

#[test]
fn image_name_assigned_owner_and_path_is_renamed_when_used_after_a_registry() {
    let m = forms_matcher(Placeholders::Skip);
    let workflow = "env:\n  REGISTRY: ghcr.io\n  IMAGE_NAME: acme/app\n\
                    steps:\n  - run: docker push ${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}:latest\n";
    assert_rewrites(
        &m,
        &[
            (
                workflow,
                &workflow.replace("IMAGE_NAME: acme/app\n", "IMAGE_NAME: acme/app-api\n"),
            ),
            (
                "IMAGE_NAME=\"Acme/team/api\" # the image\ndocker push \"$REGISTRY/$IMAGE_NAME\"\n",
                "IMAGE_NAME=\"Acme/team/api-api\" # the image\ndocker push \"$REGISTRY/$IMAGE_NAME\"\n",
            ),
            (
                "IMAGE: '${{ github.repository_owner }}/app'\ntags: ${REGISTRY}/${IMAGE}:1",
                "IMAGE: '${{ github.repository_owner }}/app-api'\ntags: ${REGISTRY}/${IMAGE}:1",
            ),
        ],
    );
    assert_eq!(
        m.find(workflow)[0].form,
        Form::ImageName,
        "{:?}",
        m.find(workflow)
    );
    assert_untouched(
        &m,
        &[
            // Not used after a registry: docker.io or a compose image.
            "IMAGE_NAME: acme/app\nrun: docker push $IMAGE_NAME\n",
            "image: acme/app\n",
            // Used, but the value is not exactly owner/path.
            "IMAGE_NAME: acme/app-web\nx: $REGISTRY/$IMAGE_NAME",
            "IMAGE_NAME: acme/app:1\nx: $REGISTRY/$IMAGE_NAME",
            "IMAGE_NAME: acme/app more\nx: $REGISTRY/$IMAGE_NAME",
            "IMAGE_NAME: other/app\nx: $REGISTRY/$IMAGE_NAME",
            // A key that does not name an image.
            "REPO: acme/app\nx: $REGISTRY/$REPO",
            // Another variable sharing the prefix.
            "IMAGE_NAME: acme/app\nx: $REGISTRY/$IMAGE_NAME_X",
        ],
    );
}

#[test]
fn owner_placeholders_are_probable_references_renamed_only_when_asked() {
    let docs = [
        (
            "docker pull ghcr.io/your-username/app:latest",
            "docker pull ghcr.io/your-username/app-api:latest",
        ),
        (
            "docker pull ghcr.io/<owner>/app",
            "docker pull ghcr.io/<owner>/app-api",
        ),
        ("ghcr.io/OWNER/team/api", "ghcr.io/OWNER/team/api-api"),
        (
            "image: ghcr.io/{github_user}/app",
            "image: ghcr.io/{github_user}/app-api",
        ),
        (
            "https://github.com/users/YOUR_GITHUB_USERNAME/packages/container/app",
            "https://github.com/users/YOUR_GITHUB_USERNAME/packages/container/app-api",
        ),
    ];
    let skip = forms_matcher(Placeholders::Skip);
    let include = forms_matcher(Placeholders::Include);
    let only = forms_matcher(Placeholders::Only);
    for (before, after) in docs {
        assert!(skip.find(before).is_empty(), "{before}");
        assert_eq!(rewrite(&include, before), after);
        let probable = only.find(before);
        assert_eq!(probable.len(), 1, "{before}");
        assert!(probable[0].placeholder);
    }
    // Real owners are not placeholders; neither are templates and longer words.
    assert!(only.find("ghcr.io/acme/app").is_empty());
    assert!(!include.find("ghcr.io/acme/app")[0].placeholder);
    for text in [
        "ghcr.io/${OWNER}/app",
        "ghcr.io/{{ .Values.owner }}/app",
        "ghcr.io/OWNERS/app",
        "ghcr.io/yours/app",
        "ghcr.io/<owner>/app-legacy",
        "ghcr.io/${owner}/app",
    ] {
        assert!(only.find(text).is_empty(), "{text}");
    }
    // An owner change keeps the placeholder.
    let m = Matcher::with_placeholders(
        &[Rename {
            host: "ghcr.io".into(),
            owner: "acme".into(),
            path: "app".into(),
            new_host: "ghcr.io".into(),
            new_owner: "neworg".into(),
            new_path: "app".into(),
            repo: "app".into(),
        }],
        Placeholders::Include,
    );
    assert!(m.find("ghcr.io/<owner>/app").is_empty());
}

#[test]
fn version_tags_are_flagged_and_other_tags_are_not() {
    let m = forms_matcher(Placeholders::Skip);
    for (text, tag) in [
        ("ghcr.io/acme/app:v1.2.3", Some("v1.2.3")),
        ("ghcr.io/acme/app:1.2", Some("1.2")),
        ("ghcr.io/acme/app:2-alpine", Some("2-alpine")),
        ("ghcr.io/acme/app:latest", None),
        ("ghcr.io/acme/app:${TAG}", None),
        ("ghcr.io/acme/app:sha-abc1234", None),
        ("ghcr.io/acme/app", None),
    ] {
        assert_eq!(m.find(text)[0].version_tag.as_deref(), tag, "{text}");
    }
}

#[test]
fn loop_variables_in_paths_are_renamed_when_every_value_names_an_image() {
    let m = Matcher::new(&[
        Rename::with_suffix("ghcr.io", "acme", "shop", "shop/web-dev", "-api"),
        Rename::with_suffix("ghcr.io", "acme", "shop", "shop/worker-dev", "-api"),
    ]);
    let script =
        "for img in web worker; do\n  docker push ghcr.io/acme/shop/$img-dev:latest\ndone\n";
    assert_rewrites(
        &m,
        &[
            (
                script,
                &script.replace("shop/$img-dev:", "shop/$img-dev-api:"),
            ),
            (
                "for img in \"web\" 'worker'\ndo docker tag x ghcr.io/acme/shop/${img}-dev; done",
                "for img in \"web\" 'worker'\ndo docker tag x ghcr.io/acme/shop/${img}-dev-api; done",
            ),
        ],
    );
    assert_eq!(m.find(script)[0].form, Form::LoopVariable);
    // Renaming back removes the suffix again.
    let back = Matcher::new(
        &[
            Rename::with_suffix("ghcr.io", "acme", "shop", "shop/web-dev", "-api"),
            Rename::with_suffix("ghcr.io", "acme", "shop", "shop/worker-dev", "-api"),
        ]
        .iter()
        .map(Rename::reversed)
        .collect::<Vec<_>>(),
    );
    let renamed = rewrite(&m, script);
    assert!(m.find(&renamed).is_empty(), "{renamed}");
    assert_eq!(rewrite(&back, &renamed), script);
    assert_untouched(
        &m,
        &[
            // A value that names no image: one template cannot be renamed for all.
            "for img in web db; do docker push ghcr.io/acme/shop/$img-dev; done",
            // No loop in the text.
            "docker push ghcr.io/acme/shop/$img-dev",
            // Another variable, another owner, two variables, a glob value.
            "for img in web worker; do docker push ghcr.io/acme/shop/$other-dev; done",
            "for img in web worker; do docker push ghcr.io/other/shop/$img-dev; done",
            "for img in web worker; do docker push ghcr.io/acme/shop/$img-$x; done",
            "for img in web*; do docker push ghcr.io/acme/shop/$img-dev; done",
            "for img in web worker; do docker push notghcr.io/acme/shop/$img-dev; done",
        ],
    );
    // Values renamed differently cannot share one template.
    let mixed = Matcher::new(&[
        Rename::with_suffix("ghcr.io", "acme", "shop", "shop/web-dev", "-api"),
        Rename::with_suffix("ghcr.io", "acme", "shop", "shop/worker-dev", "-v2"),
    ]);
    assert!(mixed.find(script).is_empty());
}
