//! node-semver's `valid(s)` and `parse(s, {loose: true})`, as the action reads a
//! `type=semver` value, against [`SemVer::parse`]; and a pattern rendered against the parsed
//! version (every own property of node-semver's object, and a prototype method Handlebars
//! must not reach).

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::{assert_mix, compare, concat_of, generate, oracle};
use crate::semver::SemVer;
use crate::template;

const PATTERN: &str = "{{raw}}|{{version}}|{{major}}.{{minor}}.{{patch}}|{{prerelease}}|{{build}}|\
                       {{prerelease.[0]}}|{{prerelease.length}}|{{build.length}}|{{loose}}|\
                       {{options.loose}}|{{includePrerelease}}|{{format}}|\
                       {{#if prerelease}}pre{{else}}stable{{/if}}";

const NUMBERS: &[&str] = &["0", "1", "2", "10", "123", "9007199254740991"];
const BAD_NUMBERS: &[&str] = &[
    "01",
    "00",
    "9007199254740992",
    "99999999999999999999",
    "x",
    "",
    "-1",
];
const IDS: &[&str] = &["alpha", "beta", "1", "0", "rc", "a-b", "x1", "0a", "-"];
const BAD_IDS: &[&str] = &["01", "", "é"];
const PREFIXES: &[&str] = &["v", "V", "=", " ", "v ", "\t", "vv"];
const SUFFIXES: &[&str] = &[" ", "\n", "x", ".", "+"];

/// Mostly `valid`, now and then `bad`.
fn pick(
    valid: &'static [&'static str],
    bad: &'static [&'static str],
) -> impl Strategy<Value = &'static str> {
    prop_oneof![
        12 => proptest::sample::select(valid),
        1 => proptest::sample::select(bad),
    ]
}

/// Versions built from numeric components (three, or now and then two or four; valid and
/// not), optional prerelease and build identifiers, prefixes and trailing junk; plus a few
/// arbitrary strings.
fn version() -> impl Strategy<Value = String> {
    let ids = || proptest::collection::vec(pick(IDS, BAD_IDS), 1..=3).prop_map(|v| v.join("."));
    let count = prop_oneof![8 => Just(3usize), 1 => Just(2usize), 1 => Just(4usize)];
    let structured = (
        pick(&[""], PREFIXES),
        count.prop_flat_map(|n| proptest::collection::vec(pick(NUMBERS, BAD_NUMBERS), n)),
        proptest::option::of(ids()),
        proptest::option::of(ids()),
        pick(&[""], SUFFIXES),
    )
        .prop_map(|(prefix, nums, pre, build, suffix)| {
            let mut s = format!("{prefix}{}", nums.join("."));
            if let Some(pre) = pre {
                s.push('-');
                s.push_str(&pre);
            }
            if let Some(build) = build {
                s.push('+');
                s.push_str(&build);
            }
            s.push_str(suffix);
            s
        });
    prop_oneof![
        8 => structured,
        1 => concat_of(&["1", ".", "-", "+", "v", "a", "0", " "], 12),
    ]
}

fn ours(s: &str) -> Json {
    json!({ "out": SemVer::parse(s).map(|v| json!([
        v.version(), v.version(), v.major, v.minor, v.patch,
        v.prerelease.join("."), v.build.join("."),
        template::render(PATTERN, &v).unwrap_or_else(|e| e.message),
    ])) })
}

#[test]
fn semver_parses_as_node_semver() {
    let inputs = generate(version(), 3000);
    let cases: Vec<Json> = inputs
        .iter()
        .map(|s| json!({ "s": s, "template": PATTERN }))
        .collect();
    let node = oracle("semver", &cases);
    assert_mix("semver", &node, "invalid", |v| v["out"].is_null());
    let rust: Vec<Json> = inputs.iter().map(|s| ours(s)).collect();
    compare("semver", &cases, &node, &rust);
}
