//! What follows an image name in a text: `:tag`, `@digest`, both, or nothing; and whether a
//! tag as written is one a registry accepts (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
//!
//! A tag as written may hold template variables (`${IMAGE_TAG:-latest}`, `$(TAG)`,
//! `${{ github.sha }}`, `{{ .Values.tag }}`, `[[ tag ]]`); they are skipped, and only the
//! literal characters around them are judged.

use std::ops::Range;

use crate::model::naming;

/// Longest tag the distribution spec allows.
pub use crate::model::naming::MAX_TAG;

/// The tag and digest written after an image name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suffix {
    /// Byte range of the tag (after the `:`), when one is written.
    pub tag: Option<Range<usize>>,
    /// Byte range of `@algorithm:hex`, when a digest follows.
    pub digest: Option<Range<usize>>,
}

impl Suffix {
    /// Byte range of everything written after the name (`:tag@digest`), possibly empty.
    pub fn range(&self, name_end: usize) -> Range<usize> {
        let end = self
            .digest
            .as_ref()
            .map(|d| d.end)
            .or(self.tag.as_ref().map(|t| t.end))
            .unwrap_or(name_end);
        name_end..end
    }
}

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

/// The tag and digest after an image name ending at `end`.
pub fn suffix_at(t: &[u8], end: usize) -> Suffix {
    let mut out = Suffix::default();
    let mut i = end;
    if t.get(i) == Some(&b':') {
        let mut stop = tag_end(t, i + 1);
        // A sentence ends with a period; a tag ending in one is too odd to assume.
        while stop > i + 2 && t[stop - 1] == b'.' {
            stop -= 1;
        }
        if stop > i + 1 {
            out.tag = Some(i + 1..stop);
            i = stop;
        }
    }
    if t.get(i) == Some(&b'@') {
        let mut j = i + 1;
        while j < t.len() && (t[j].is_ascii_alphanumeric() || b"+._-:".contains(&t[j])) {
            j += 1;
        }
        let digest = &t[i + 1..j];
        if digest.contains(&b':') {
            out.digest = Some(i..j);
        }
    }
    out
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
        if let Some(end) = variable_end(tag, i) {
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

/// End of the tag starting at `start`: before whitespace, quotes, brackets, punctuation
/// that ends a word, or `@`; template variables are taken whole.
fn tag_end(t: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < t.len() && i - start <= 4 * MAX_TAG {
        if let Some(end) = variable_end(t, i) {
            i = end;
            continue;
        }
        let b = t[i];
        if b.is_ascii_whitespace() || b.is_ascii_control() || b"\"'`,;()[]{}<>|\\@*!?".contains(&b)
        {
            break;
        }
        i += 1;
    }
    i
}

/// End of the template variable starting at `i`, if one does.
fn variable_end(t: &[u8], i: usize) -> Option<usize> {
    let rest = &t[i..];
    let close = |open: usize, close: &[u8]| {
        let line_end = memchr::memchr(b'\n', &rest[open..]).map_or(rest.len(), |n| open + n);
        memchr::memmem::find(&rest[open..line_end], close).map(|n| i + open + n + close.len())
    };
    if rest.starts_with(b"${{") {
        close(3, b"}}")
    } else if rest.starts_with(b"${") {
        close(2, b"}")
    } else if rest.starts_with(b"$(") {
        close(2, b")")
    } else if rest.starts_with(b"{{") {
        close(2, b"}}")
    } else if rest.starts_with(b"[[") {
        close(2, b"]]")
    } else if rest.first() == Some(&b'$')
        && rest
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        let n = rest[1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        Some(i + 1 + n)
    } else {
        None
    }
}

fn has_variable_at(t: &[u8], i: usize) -> bool {
    variable_end(t, i).is_some()
}

/// The runs of `tag` outside variables.
fn literal_parts(tag: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut i, mut start) = (0, 0);
    while i < tag.len() {
        if let Some(end) = variable_end(tag, i) {
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

    fn tag_of(s: &str) -> Option<&str> {
        let end = s.find(':').unwrap_or(s.len());
        suffix_at(s.as_bytes(), end).tag.map(|r| &s[r])
    }

    #[test]
    fn tag_ends_where_the_word_ends() {
        assert_eq!(tag_of("x:v1.2.3 rest"), Some("v1.2.3"));
        assert_eq!(tag_of("x:v1\""), Some("v1"));
        assert_eq!(tag_of("x:latest)."), Some("latest"));
        assert_eq!(tag_of("x:v1.0+rc1. Next"), Some("v1.0+rc1"));
        assert_eq!(tag_of("x:v1.2.3..\n"), Some("v1.2.3"));
        assert_eq!(tag_of("x:latest**"), Some("latest"));
        assert_eq!(tag_of("x:v1.0+build\n"), Some("v1.0+build"));
        assert_eq!(tag_of("x:feature/x"), Some("feature/x"));
        assert_eq!(tag_of("x: prose"), None);
        assert_eq!(tag_of("x"), None);
    }

    #[test]
    fn variables_are_taken_whole() {
        assert_eq!(
            tag_of("x:${IMAGE_TAG:-latest}\n"),
            Some("${IMAGE_TAG:-latest}")
        );
        assert_eq!(tag_of("x:${{ github.sha }}'"), Some("${{ github.sha }}"));
        assert_eq!(
            tag_of("x:{{ .Values.image.tag }}\""),
            Some("{{ .Values.image.tag }}")
        );
        assert_eq!(tag_of("x:v$(VERSION)-rc"), Some("v$(VERSION)-rc"));
    }

    #[test]
    fn digest_follows_tag_or_name() {
        let s = b"x:v1@sha256:abcd rest";
        let suf = suffix_at(s, 1);
        assert_eq!(suf.tag, Some(2..4));
        assert_eq!(suf.digest, Some(4..16));
        assert_eq!(suf.range(1), 1..16);
        let s = b"x@sha256:ab";
        assert_eq!(suffix_at(s, 1).digest, Some(1..11));
        assert_eq!(suffix_at(b"x@example.com", 1).digest, None);
    }

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
