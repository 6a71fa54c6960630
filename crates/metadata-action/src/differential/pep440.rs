//! `@renovate/pep440`'s `valid`, `clean`, `major`/`minor`/`patch` and `explain` (pre-, post-
//! or dev-release), as the action reads a `type=pep440` value, against [`Pep440::parse`].

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::{assert_mix, compare, concat_of, generate, number, oracle};
use crate::pep440::Pep440;

const NUMBERS: &[&str] = &["0", "1", "2", "10", "01", "007", "1234"];
const PRE: &[&str] = &[
    "a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "RC", "Alpha", "x",
];
const SEPARATORS: &[&str] = &["", "", "-", "_", ".", "--"];
const POST: &[&str] = &["post", "rev", "r", "POST"];
const LOCAL: &[&str] = &["ubuntu", "007", "a", "B2", "abc", "", "é"];

fn segment(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        proptest::sample::select(SEPARATORS),
        proptest::sample::select(words),
        proptest::sample::select(SEPARATORS),
        proptest::option::of(proptest::sample::select(NUMBERS)),
    )
        .prop_map(|(a, w, b, n)| format!("{a}{w}{b}{}", n.unwrap_or("")))
}

/// Versions from PEP 440's parts: optional `v`, epoch, 1 to 4 release numbers, pre-, post-
/// (`-N` or spelled) and dev-release segments, local labels; plus arbitrary strings.
fn version() -> impl Strategy<Value = String> {
    let structured = (
        proptest::sample::select(&["", "", "v", "V", " "][..]),
        proptest::option::of(proptest::sample::select(NUMBERS)),
        proptest::collection::vec(proptest::sample::select(NUMBERS), 1..=4),
        proptest::option::of(segment(PRE)),
        prop_oneof![
            2 => Just(String::new()),
            1 => proptest::sample::select(NUMBERS).prop_map(|n| format!("-{n}")),
            1 => segment(POST),
        ],
        proptest::option::of(segment(&["dev", "DEV"])),
        proptest::option::of(
            proptest::collection::vec(proptest::sample::select(LOCAL), 1..=3)
                .prop_map(|v| v.join(".")),
        ),
    )
        .prop_map(|(v, epoch, release, pre, post, dev, local)| {
            let mut s = v.to_string();
            if let Some(e) = epoch {
                s.push_str(&format!("{e}!"));
            }
            s.push_str(&release.join("."));
            s.push_str(&pre.unwrap_or_default());
            s.push_str(&post);
            s.push_str(&dev.unwrap_or_default());
            if let Some(l) = local {
                s.push('+');
                s.push_str(&l);
            }
            s
        });
    prop_oneof![
        8 => structured,
        1 => concat_of(&["1", ".", "-", "+", "!", "a", "post", "dev", "0"], 10),
    ]
}

fn ours(s: &str) -> Json {
    json!({ "out": Pep440::parse(s).map(|v| json!([
        v.clean(),
        number(v.release_part(0)),
        number(v.release_part(1)),
        number(v.release_part(2)),
        v.is_unstable(),
    ])) })
}

#[test]
fn pep440_parses_as_renovate_pep440() {
    let inputs = generate(version(), 3000);
    let cases: Vec<Json> = inputs.iter().map(|s| json!({ "s": s })).collect();
    let node = oracle("pep440", &cases);
    assert_mix("pep440", &node, "invalid", |v| v["out"].is_null());
    let rust: Vec<Json> = inputs.iter().map(|s| ours(s)).collect();
    compare("pep440", &cases, &node, &rust);
}
