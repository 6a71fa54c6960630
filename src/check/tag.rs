//! Whether a tag as written (found by the reference grammar, [`crate::reference`]) is one a
//! registry accepts (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`), and a valid one close to it.
//!
//! A tag as written may hold template variables (`${IMAGE_TAG:-latest}`, `$(TAG)`,
//! `${{ github.sha }}`, `{{ .Values.tag }}`, `[[ tag ]]`); they are skipped, and only the
//! literal characters around them are judged.

use crate::model::naming;
use crate::reference::syntax::expression_at;

/// Longest tag the distribution spec allows.
pub use crate::model::naming::MAX_TAG;

/// Why a tag is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagProblem {
    /// A character outside `A-Za-z0-9_.-`.
    Character(char),
    /// Starts with `.` or `-`.
    Start(char),
    /// Longer than [`MAX_TAG`].
    Length(usize),
}

impl std::fmt::Display for TagProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TagProblem::Character(c) => write!(f, "{c:?} is not allowed in a tag"),
            TagProblem::Start(c) => write!(f, "a tag cannot start with {c:?}"),
            TagProblem::Length(n) => write!(f, "{n} characters; a tag has at most {MAX_TAG}"),
        }
    }
}

/// The first problem of a tag as written, variables skipped; `None` when it is valid.
pub fn tag_problem(tag: &[u8]) -> Option<TagProblem> {
    let literal = literal_parts(tag);
    let has_variable = literal.len() != 1 || literal[0].len() != tag.len();
    if let Some(&first) = tag.first()
        && !has_variable_at(tag, 0)
        && matches!(first, b'.' | b'-')
    {
        return Some(TagProblem::Start(first as char));
    }
    for part in &literal {
        if let Some(c) = String::from_utf8_lossy(part)
            .chars()
            .find(|c| !naming::is_tag_char(*c))
        {
            return Some(TagProblem::Character(c));
        }
    }
    if !has_variable && tag.len() > MAX_TAG {
        return Some(TagProblem::Length(tag.len()));
    }
    None
}

/// A valid tag close to `tag`: every disallowed character becomes `-` (as
/// docker/metadata-action does for branch names), a leading `.` or `-` is dropped, and the
/// result is cut to [`MAX_TAG`]. Variables are kept as written.
pub fn suggest_tag(tag: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < tag.len() {
        if let Some(end) = expression_at(tag, i) {
            out.push_str(&String::from_utf8_lossy(&tag[i..end]));
            i = end;
            continue;
        }
        let len = utf8_len(tag[i]).min(tag.len() - i);
        let b = tag[i];
        if len == 1 && naming::is_tag_char(b as char) {
            out.push(b as char);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        i += len;
    }
    let trimmed = out.trim_start_matches(['.', '-']);
    let mut s: String = trimmed.chars().take(MAX_TAG).collect();
    if s.is_empty() {
        s.push_str("latest");
    }
    s
}

fn has_variable_at(t: &[u8], i: usize) -> bool {
    expression_at(t, i).is_some()
}

/// The runs of `tag` outside variables.
fn literal_parts(tag: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut i, mut start) = (0, 0);
    while i < tag.len() {
        if let Some(end) = expression_at(tag, i) {
            if i > start {
                parts.push(&tag[start..i]);
            }
            i = end;
            start = end;
        } else {
            i += 1;
        }
    }
    if start < tag.len() || parts.is_empty() {
        parts.push(&tag[start..]);
    }
    parts
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_judged_like_the_distribution_spec() {
        for ok in [
            "latest",
            "v1.2.3",
            "_x",
            "1",
            "${IMAGE_TAG:-latest}",
            "sha-${{ github.sha }}",
            "{{ .Values.tag }}",
            &"a".repeat(128),
        ] {
            assert_eq!(tag_problem(ok.as_bytes()), None, "{ok}");
        }
        assert_eq!(tag_problem(b"v1.0+build"), Some(TagProblem::Character('+')));
        assert_eq!(tag_problem(b"feature/x"), Some(TagProblem::Character('/')));
        assert_eq!(tag_problem(b".hidden"), Some(TagProblem::Start('.')));
        assert_eq!(tag_problem(b"-x"), Some(TagProblem::Start('-')));
        assert_eq!(tag_problem(b"v${X}+1"), Some(TagProblem::Character('+')));
        assert_eq!(
            tag_problem("vé".as_bytes()),
            Some(TagProblem::Character('é'))
        );
        assert_eq!(
            tag_problem("a".repeat(129).as_bytes()),
            Some(TagProblem::Length(129))
        );
    }

    #[test]
    fn suggestions_are_valid_tags() {
        assert_eq!(suggest_tag(b"v1.0+build"), "v1.0-build");
        assert_eq!(suggest_tag(b"feature/x"), "feature-x");
        assert_eq!(suggest_tag(b".hidden"), "hidden");
        assert_eq!(suggest_tag("vé//x".as_bytes()), "v-x");
        assert_eq!(suggest_tag(b"${T}+1"), "${T}-1");
        assert_eq!(suggest_tag(b"+"), "latest");
        for s in ["v1.0+build", "feature/x", ".hidden", "a+b+c", "--x"] {
            assert_eq!(
                tag_problem(suggest_tag(s.as_bytes()).as_bytes()),
                None,
                "{s}"
            );
        }
    }
}
