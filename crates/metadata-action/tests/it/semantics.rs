//! metadata-action behaviours beyond the fixture cases, each checked against what the real
//! action computes for the same inputs, plus the guarantee that no input makes the library
//! panic.

use metadata_action::{GitContext, Inputs, Meta, check_flavor_line, check_tag_line, compute};
use proptest::prelude::*;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn ctx(event: &str, git_ref: &str) -> GitContext {
    GitContext {
        event_name: event.into(),
        git_ref: git_ref.into(),
        sha: SHA.into(),
        default_branch: "main".into(),
        commit_date: "2024-05-06T07:08:09Z".parse().unwrap(),
        now: "2024-05-07T08:09:10Z".parse().unwrap(),
        pr_head_sha: None,
        base_ref: None,
        short_sha_length: None,
        use_pr_head_sha: false,
    }
}

fn inputs(tags: &[&str], flavor: &[&str]) -> Inputs {
    Inputs {
        images: vec!["ghcr.io/a/b".into()],
        tags: Some(tags.iter().map(|s| s.to_string()).collect()),
        flavor: flavor.iter().map(|s| s.to_string()).collect(),
    }
}

fn run(ctx: &GitContext, tags: &[&str], flavor: &[&str]) -> Meta {
    compute(&inputs(tags, flavor), ctx).unwrap_or_else(|e| panic!("{e}"))
}

fn names(meta: &Meta) -> Vec<&str> {
    meta.tag_names.iter().map(String::as_str).collect()
}

fn error(ctx: &GitContext, tags: &[&str]) -> String {
    compute(&inputs(tags, &[]), ctx)
        .err()
        .map(|e| e.message)
        .unwrap_or_default()
}

#[test]
fn pep440_release_gets_partial_tags_and_latest() {
    let m = run(
        &ctx("push", "refs/tags/1.2.3"),
        &[
            "type=pep440,pattern={{version}}",
            "type=pep440,pattern={{major}}.{{minor}}",
            "type=pep440,pattern=v{{major}}",
        ],
        &[],
    );
    assert_eq!(names(&m), ["1.2.3", "1.2", "v1", "latest"]);
}

#[test]
fn pep440_prerelease_keeps_only_version_or_raw_and_no_latest() {
    let m = run(
        &ctx("push", "refs/tags/v1.2.3rc2"),
        &[
            "type=pep440,pattern={{version}}",
            "type=pep440,pattern={{major}}.{{minor}}",
            "type=pep440,pattern={{raw}}",
        ],
        &[],
    );
    assert_eq!(names(&m), ["1.2.3rc2", "v1.2.3rc2"]);
    assert!(!m.version.latest);
    let m = run(
        &ctx("push", "refs/tags/1.0post1"),
        &["type=pep440,pattern={{major}}"],
        &[],
    );
    assert_eq!(names(&m), ["1.0.post1"]);
}

#[test]
fn pep440_invalid_tag_warns_and_contributes_nothing() {
    let m = run(
        &ctx("push", "refs/tags/1.2.3-foo"),
        &["type=pep440,pattern={{version}}", "type=ref,event=tag"],
        &[],
    );
    assert_eq!(names(&m), ["1.2.3-foo", "latest"]);
    assert_eq!(
        m.warnings,
        [
            "1.2.3-foo does not conform to PEP 440. More info: https://www.python.org/dev/peps/pep-0440"
        ]
    );
}

#[test]
fn base_ref_is_empty_without_an_event_payload() {
    let m = run(
        &ctx("pull_request", "refs/pull/12/merge"),
        &[
            "type=ref,event=pr,suffix=-{{base_ref}}",
            "type=raw,value=b{{base_ref}}x",
        ],
        &[],
    );
    assert_eq!(names(&m), ["pr-12-", "bx"]);
}

#[test]
fn pr_head_sha_replaces_the_merge_sha_only_when_enabled() {
    let mut c = ctx("pull_request", "refs/pull/12/merge");
    c.pr_head_sha = Some("feedfacefeedfacefeedfacefeedfacefeedface".into());
    assert_eq!(names(&run(&c, &["type=sha"], &[])), ["sha-0123456"]);
    c.use_pr_head_sha = GitContext::env_flag(Some("true"));
    assert_eq!(
        names(&run(&c, &["type=sha", "type=raw,value=s-{{sha}}"], &[])),
        ["s-feedfac", "sha-feedfac"]
    );
}

#[test]
fn short_sha_length_comes_from_the_environment_and_is_validated() {
    let mut c = ctx("push", "refs/heads/main");
    c.short_sha_length = Some("12".into());
    assert_eq!(
        names(&run(&c, &["type=sha", "type=raw,value={{sha}}"], &[])),
        ["0123456789ab", "sha-0123456789ab"]
    );
    c.short_sha_length = Some("twelve".into());
    assert_eq!(
        error(&c, &["type=sha"]),
        "DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: twelve"
    );
}

#[test]
fn latest_auto_follows_the_highest_priority_rule() {
    let m = run(
        &ctx("push", "refs/heads/main"),
        &["type=match,pattern=ma(in),group=1,value={{branch}}"],
        &[],
    );
    assert_eq!(names(&m), ["in", "latest"]);
    // A prerelease semver rule decides before the match rule that would add latest.
    let m = run(
        &ctx("push", "refs/tags/v2.0.0-rc.1"),
        &[
            "type=semver,pattern={{version}}",
            "type=match,pattern=v(\\d+),group=1",
        ],
        &[],
    );
    assert_eq!(names(&m), ["2.0.0-rc.1", "2"]);
    let m = run(
        &ctx("push", "refs/tags/v2.0.0-rc.1"),
        &["type=semver,pattern={{version}}"],
        &["latest=true"],
    );
    assert_eq!(names(&m), ["2.0.0-rc.1", "latest"]);
}

#[test]
fn date_format_brackets_are_literal_and_tz_shifts_the_day() {
    let mut c = ctx("schedule", "refs/heads/main");
    c.now = "2024-12-30T20:00:00Z".parse().unwrap();
    let m = run(
        &c,
        &[
            "type=schedule,pattern={{date 'YYYY[w]WW-[at]-HHmm' tz='Asia/Tokyo'}}",
            "type=raw,value={{commit_date 'YYYYMMDD'}}",
        ],
        &[],
    );
    assert_eq!(names(&m), ["2024w01-at-0500", "20240506"]);
}

#[test]
fn pull_request_target_tags_the_pull_request_number() {
    let tags = ["type=ref,event=pr", "type=ref,event=branch"];
    assert_eq!(
        names(&run(
            &ctx("pull_request_target", "refs/pull/42/merge"),
            &tags,
            &[]
        )),
        ["pr-42"]
    );
    assert_eq!(
        names(&run(
            &ctx("pull_request_target", "refs/heads/main"),
            &tags,
            &[]
        )),
        ["pr-undefined"]
    );
    assert_eq!(
        names(&run(&ctx("pull_request", "refs/pull/7/head"), &tags, &[])),
        ["pr-7-head"]
    );
}

#[test]
fn disabled_or_missing_images_give_bare_tags() {
    let mut i = inputs(&["type=ref,event=branch"], &[]);
    i.images = vec!["name=ghcr.io/a/b,enable=false".into()];
    let m = compute(&i, &ctx("push", "refs/heads/main")).unwrap();
    assert_eq!(m.tags, ["main"]);
    i.images.clear();
    i.flavor = vec!["prefix=p-,onlatest=true".into()];
    i.tags = Some(vec!["type=semver,pattern={{version}}".into()]);
    assert_eq!(
        compute(&i, &ctx("push", "refs/tags/v1.0.0")).unwrap().tags,
        ["p-1.0.0", "p-latest"]
    );
}

#[test]
fn only_lines_starting_with_hash_are_comments() {
    let m = run(
        &ctx("push", "refs/heads/main"),
        &["# c1\n\ntype=raw,value=a#1\n  # not a comment\n#type=raw,value=b\n"],
        &[],
    );
    assert_eq!(names(&m), ["a-1", "-not-a-comment"]);
}

#[test]
fn semver_match_takes_the_first_group_and_fails_without_one() {
    let m = run(
        &ctx("push", "refs/tags/app/v1.4.0"),
        &["type=semver,pattern={{major}}.{{minor}},match=app/v(.*)"],
        &[],
    );
    assert_eq!(names(&m), ["1.4", "latest"]);
    assert_eq!(
        error(
            &ctx("push", "refs/tags/v1.4.0"),
            &["type=semver,pattern={{version}},match=v\\d"]
        ),
        "Cannot read properties of undefined (reading 'replace')"
    );
}

#[test]
fn match_group_and_regex_flags() {
    let m = run(
        &ctx("push", "refs/tags/v1.4.0"),
        &[
            "type=match,pattern=v(\\d),group=2",
            "type=match,pattern=x(\\d)",
        ],
        &[],
    );
    assert!(m.tags.is_empty());
    assert_eq!(
        m.warnings,
        [
            "Group 2 does not exist for v(\\d) pattern.",
            "x(\\d) does not match v1.4.0."
        ]
    );
    let m = run(
        &ctx("push", "refs/tags/V1.4.0"),
        &["type=match,pattern=/v(\\d+)\\.(\\d+)/i,group=2"],
        &[],
    );
    assert_eq!(names(&m), ["4", "latest"]);
}

#[test]
fn enable_must_render_to_true_or_false() {
    assert_eq!(
        error(
            &ctx("push", "refs/heads/main"),
            &["type=raw,value=a,enable={{branch}}"]
        ),
        "Invalid value for enable attribute: main"
    );
}

#[test]
fn explicit_priority_changes_the_main_version() {
    let m = run(
        &ctx("push", "refs/tags/v1.0.0"),
        &["type=semver,pattern={{version}}", "type=sha,priority=2000"],
        &[],
    );
    assert_eq!(m.version.main.as_deref(), Some("sha-0123456"));
    assert!(!m.version.latest);
}

#[test]
fn meta_serialises_as_tags_and_version() {
    let m = run(
        &ctx("push", "refs/tags/v1.0.0"),
        &["type=semver,pattern={{version}}"],
        &[],
    );
    assert_eq!(
        serde_json::to_string(&m).unwrap(),
        r#"{"tags":["ghcr.io/a/b:1.0.0","ghcr.io/a/b:latest"],"version":{"main":"1.0.0","partial":[],"latest":true}}"#
    );
}

#[test]
fn line_checks_report_the_actions_parse_errors() {
    assert_eq!(
        check_tag_line("type=semver").unwrap_err().message,
        "Missing pattern attribute for type=semver"
    );
    assert_eq!(check_tag_line("  type = raw , value = x  "), Ok(()));
    assert_eq!(check_tag_line("# a comment"), Ok(()));
    assert_eq!(
        check_tag_line("\"type=raw,value=x").unwrap_err().message,
        "Quote Not Closed: the parsing is finished with an opening quote at line 1"
    );
    assert!(
        check_tag_line("type=raw,value=\"x")
            .unwrap_err()
            .message
            .starts_with("Invalid Opening Quote")
    );
    assert_eq!(
        check_flavor_line("latest=yes").unwrap_err().message,
        "Invalid latest flavor entry: latest=yes"
    );
    assert_eq!(check_flavor_line("suffix=-a,onlatest=true"), Ok(()));
}

fn any_line() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z=,{}'\" #|~()@.\\[\\]/\\\\*+?^$-]{0,40}",
        "(type=(raw|semver|pep440|match|sha|ref|edge|schedule),)?(value|pattern|prefix|suffix|enable|group|match|event|priority)=[{}a-z0-9' \\\\().*|-]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn compute_and_line_checks_never_panic(
        tags in proptest::collection::vec(any_line(), 0..4),
        flavor in proptest::collection::vec(any_line(), 0..2),
        images in proptest::collection::vec(any_line(), 0..2),
        git_ref in prop_oneof![any::<String>(), "refs/(heads|tags|pull)/[a-z0-9./&+-]{0,12}"],
        event in "[a-z_]{0,20}",
        sha_len in proptest::option::of(any::<String>()),
    ) {
        for line in tags.iter().chain(&flavor) {
            let _ = check_tag_line(line);
            let _ = check_flavor_line(line);
        }
        let mut c = ctx(&event, &git_ref);
        c.short_sha_length = sha_len;
        let i = Inputs { images, tags: Some(tags), flavor };
        let _ = compute(&i, &c);
    }
}

#[test]
fn base_ref_is_the_pr_base_on_pull_refs_and_the_stripped_base_on_tags_only() {
    let rule = ["type=raw,value=b-{{base_ref}}"];
    let with_base = |event: &str, git_ref: &str, base: &str| {
        let mut c = ctx(event, git_ref);
        c.base_ref = Some(base.into());
        c
    };
    let m = run(
        &with_base("pull_request", "refs/pull/3/merge", "main"),
        &rule,
        &[],
    );
    assert_eq!(names(&m), ["b-main"]);
    let m = run(
        &with_base("push", "refs/tags/v1.0.0", "refs/heads/release"),
        &rule,
        &[],
    );
    assert_eq!(names(&m), ["b-release"]);
    let m = run(&with_base("push", "refs/heads/dev", "main"), &rule, &[]);
    assert_eq!(names(&m), ["b-"]);
    let m = run(&ctx("pull_request", "refs/pull/3/merge"), &rule, &[]);
    assert_eq!(names(&m), ["b-"]);
}
