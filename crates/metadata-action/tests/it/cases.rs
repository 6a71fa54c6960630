//! Every case of `tests/cases` (outputs of the real docker/metadata-action
//! v6.2.0) reproduced by `metadata_action::compute`: tags, tag names, version, warnings and
//! error messages.

use metadata_action::{GitContext, Inputs, compute};
use serde_json::{Value, json};

const DEFAULT_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn lines(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

fn context(case: &Value) -> GitContext {
    let s = |k: &str, d: &str| case.get(k).and_then(Value::as_str).unwrap_or(d).to_string();
    let env = |k: &str| {
        case.pointer(&format!("/env/{k}"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    GitContext {
        event_name: s("event", ""),
        git_ref: s("ref", ""),
        sha: s("sha", DEFAULT_SHA),
        default_branch: s("default_branch", "main"),
        commit_date: s("commit_date", "2024-05-06T07:08:09Z")
            .parse()
            .expect("commit_date"),
        now: s("now", "2024-05-07T08:09:10Z").parse().expect("now"),
        pr_head_sha: case
            .pointer("/payload/pull_request/head/sha")
            .and_then(Value::as_str)
            .map(str::to_string),
        base_ref: case
            .pointer("/payload/pull_request/base/ref")
            .or_else(|| case.pointer("/payload/base_ref"))
            .and_then(Value::as_str)
            .map(str::to_string),
        short_sha_length: env("DOCKER_METADATA_SHORT_SHA_LENGTH"),
        use_pr_head_sha: GitContext::env_flag(env("DOCKER_METADATA_PR_HEAD_SHA").as_deref()),
    }
}

fn outcome(case: &Value) -> Value {
    let inputs = Inputs {
        images: case.get("images").map(lines).unwrap_or_default(),
        tags: case.get("tags").map(lines),
        flavor: case.get("flavor").map(lines).unwrap_or_default(),
    };
    match compute(&inputs, &context(case)) {
        Ok(meta) => json!({
            "tags": meta.tags,
            "tag_names": meta.tag_names,
            "version": meta.version,
            "warnings": meta.warnings,
        }),
        Err(e) => json!({ "error": e.message }),
    }
}

/// Runs every case of `dir`; returns the number checked and the differences.
fn check_dir(dir: &str) -> (usize, Vec<String>) {
    let read = |f: &str| {
        std::fs::read_to_string(format!("{dir}/{f}")).unwrap_or_else(|e| panic!("{dir}/{f}: {e}"))
    };
    let cases: Vec<Value> = serde_json::from_str(&read("cases.json")).expect("cases.json");
    let expected: Value = serde_json::from_str(&read("expected.json")).expect("expected.json");
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &cases {
        if case.get("input_mode").and_then(Value::as_str) == Some("direct") {
            continue;
        }
        let id = case["id"].as_str().expect("id");
        let want = &expected[id];
        let got = outcome(case);
        let same = match want.get("error") {
            Some(err) => got.get("error") == Some(err),
            None => ["tags", "tag_names", "version", "warnings"]
                .iter()
                .all(|k| got.get(*k) == want.get(*k)),
        };
        if !same {
            failures.push(format!("{id}: {case}\n  want {want}\n  got  {got}"));
        }
        checked += 1;
    }
    (checked, failures)
}

#[test]
fn every_fixture_case_matches_the_real_action() {
    let (checked, failures) = check_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases"));
    assert!(checked >= 60, "only {checked} cases ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// More cases of the same format, from a directory named by `TAGS_EXTRA_CASES` (unset: skipped).
#[test]
fn extra_cases_from_the_environment_match() {
    let Ok(dir) = std::env::var("TAGS_EXTRA_CASES") else {
        return;
    };
    let (checked, failures) = check_dir(&dir);
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
