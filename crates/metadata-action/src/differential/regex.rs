//! `new RegExp(source, flags)` and `subject.match(re)` against node's own `RegExp`.

use serde_json::{Value as Json, json};

use super::{assert_mix, compare, concat_of, error, generate, oracle};
use crate::jsregex::JsRegex;

/// Pattern pieces: literals (case-folding traps included), escapes, classes, groups,
/// quantifiers (valid, Annex B literal braces, out of order) and anchors.
const PIECES: &[&str] = &[
    "a", "b", "A", "k", "K", "s", "S", "ſ", "\u{212a}", "é", "É", "1", "-", "_", " ", ".",
    "\u{2028}", "😀", "/", r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", r"\b", r"\B", r"\1", r"\2",
    r"\k<n>", r"\x41", r"\u00e9", r"\u212a", r"\cJ", r"\c", r"\0", r"\01", r"\8", r"\-", r"\.",
    r"\{", "[abc]", "[^a-z]", "[a-z]", r"[\d-]", "[-a]", r"[\w.]", "[]", "[^]", "[b-a]", "[ſ]",
    "[K-k]", "[", "]", "(", ")", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>", "(?i:", "*", "+",
    "?", "*?", "{2}", "{1,}", "{2,1}", "{", "{,2}", "}", "^", "$", "|", "\\",
];

const SUBJECT: &[&str] = &[
    "a", "b", "A", "B", "k", "K", "s", "S", "ſ", "\u{212a}", "é", "É", "1", "2", "-", "_", " ",
    "\n", "\u{2028}", "😀", ".", "{", "}",
];

const FLAGS: &[&str] = &[
    "", "", "", "i", "g", "m", "s", "y", "gi", "im", "gy", "is", "u", "iu", "gu", "v", "x", "gg",
];

fn ours(source: &str, flags: &str, subject: &str) -> Json {
    let re = match JsRegex::new(source, flags) {
        Ok(re) => re,
        Err(e) => return error(&e.message),
    };
    match re.match_str(subject) {
        Ok(m) => json!({ "match": m }),
        Err(e) => error(&e.message),
    }
}

/// Under `u`/`v` only whether the pattern is an error is compared: regress reports the
/// stricter Unicode grammar's errors with its own reasons, mapped to V8's only coarsely
/// (the action's patterns are written without `u`).
fn unicode_error_only(flags: &str, node: &mut Json, ours: &mut Json) {
    if flags.contains('u') || flags.contains('v') {
        for v in [node, ours] {
            if v.get("error").is_some() {
                *v = error("(an error)");
            }
        }
    }
}

#[test]
fn regexes_match_as_in_node() {
    let inputs = generate(
        (
            concat_of(PIECES, 6),
            proptest::sample::select(FLAGS),
            concat_of(SUBJECT, 8),
        ),
        5000,
    );
    let cases: Vec<Json> = inputs
        .iter()
        .map(|(source, flags, subject)| json!({ "source": source, "flags": flags, "subject": subject }))
        .collect();
    let mut node = oracle("regex", &cases);
    assert_mix("regex", &node, "errors", |v| v.get("error").is_some());
    assert_mix("regex", &node, "matches", |v| v["match"].is_array());
    let mut rust: Vec<Json> = inputs.iter().map(|(p, f, s)| ours(p, f, s)).collect();
    for (((_, flags, _), n), r) in inputs.iter().zip(&mut node).zip(&mut rust) {
        unicode_error_only(flags, n, r);
    }
    compare("regex", &cases, &node, &rust);
}
