//! The one grammar of image references in text: what may follow an image path (tag,
//! digest, or a byte that ends the path), variable and expression forms (`$VAR`, `${VAR}`,
//! `${VAR:-default}`, `$(VAR)`, `${{ expression }}`, and in tags also `{{ … }}` and
//! `[[ … ]]`), path segments, literal host names and `IMAGE…` keys.
//!
//! Every function takes the text as bytes and a position; none allocates. Expressions are
//! defined once, read forwards ([`expression_at`]); reading one backwards
//! ([`variable_before`]) finds the `$` whose expression ends at the position. Scans are
//! bounded so a pathological line costs a constant per hit.

use std::ops::Range;

/// Longest tag the distribution spec allows.
pub(crate) use crate::model::naming::MAX_TAG;

/// Longest variable read backwards, in bytes.
const MAX_VARIABLE: usize = 256;
/// Longest literal path segment or key read backwards, in bytes.
const MAX_SEGMENT: usize = 128;

/// What is written after an image path: `:tag`, `@digest`, both, or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tail {
    /// Byte range of the tag (after the `:`), when one is written.
    pub tag: Option<Range<usize>>,
    /// Byte range of `@algorithm:hex`, when a digest follows.
    pub digest: Option<Range<usize>>,
}

impl Tail {
    /// Byte range of everything written after the path (`:tag@digest`), possibly empty.
    pub fn range(&self, path_end: usize) -> Range<usize> {
        let end = self
            .digest
            .as_ref()
            .map(|d| d.end)
            .or(self.tag.as_ref().map(|t| t.end))
            .unwrap_or(path_end);
        path_end..end
    }

    /// Whether a digest pins the reference.
    pub fn digest_pinned(&self) -> bool {
        self.digest.is_some()
    }
}

/// The tag and digest written after an image path ending at `end`. A tag ends before
/// whitespace, quotes, brackets, punctuation that ends a word, or `@`; expressions in it
/// are taken whole; a sentence's final periods are not part of it.
pub fn tail_at(t: &[u8], end: usize) -> Tail {
    let mut out = Tail::default();
    let mut i = end;
    if t.get(i) == Some(&b':') {
        let mut stop = tag_end(t, i + 1);
        // A sentence ends with a period; a tag ending in one is too odd to assume.
        while t.get(stop) != Some(&b'@') && stop > i + 2 && t[stop - 1] == b'.' {
            stop -= 1;
        }
        if stop > i + 1 {
            out.tag = Some(i + 1..stop);
            i = stop;
        }
    }
    if t.get(i) == Some(&b'@')
        && let Some(end) = digest_end(t, i + 1)
    {
        out.digest = Some(i..end);
    }
    out
}

/// Whether the byte at `i` continues an image path, so the path before `i` names another
/// package: alphanumerics, `-`, `_`, `/`, a template (`$`, `{`), `%`-escapes, globs, and a
/// `.` that is followed by one of those (`OLD.v2`, not a sentence-ending `OLD.`).
pub(crate) fn continues_path(t: &[u8], i: usize) -> bool {
    let Some(&b) = t.get(i) else { return false };
    if b == b'.' {
        return t
            .get(i + 1)
            .is_some_and(|&n| n != b'/' && continues_byte(n));
    }
    continues_byte(b)
}

/// The tail of an image reference whose path ends at `i`, or `None` when the path goes on.
pub(crate) fn image_tail(t: &[u8], i: usize) -> Option<Tail> {
    (!continues_path(t, i)).then(|| tail_at(t, i))
}

/// The tail of a package-page link whose package name ends at `i`: like an image, and the
/// URL may go on with `/versions`, `?tag=…` or `#…`.
pub(crate) fn link_tail(t: &[u8], i: usize) -> Option<Tail> {
    match t.get(i) {
        Some(b'/' | b'?' | b'#') => Some(Tail::default()),
        _ => image_tail(t, i),
    }
}

/// End of the expression starting at `i`, if one does: `${{ expression }}`, `${NAME…}`,
/// `$(NAME)`, `$NAME`, or a template's `{{ … }}` / `[[ … ]]`. Expressions do not span
/// lines and are at most 256 bytes long.
pub(crate) fn expression_at(t: &[u8], i: usize) -> Option<usize> {
    let rest = &t[i..t.len().min(i + MAX_VARIABLE)];
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    let closed = |open: usize, close: &[u8]| {
        memchr::memmem::find(&line[open..], close).map(|n| (open + n, open + n + close.len()))
    };
    if line.starts_with(b"${{") {
        let (inner_end, end) = closed(3, b"}}")?;
        let blank = line[3..inner_end].iter().all(u8::is_ascii_whitespace);
        (!blank).then_some(i + end)
    } else if line.starts_with(b"${") {
        let (inner_end, end) = closed(2, b"}")?;
        let inner = &line[2..inner_end];
        let ok = inner.first().is_some_and(|&b| is_name_start(b)) && !inner.contains(&b'{');
        ok.then_some(i + end)
    } else if line.starts_with(b"$(") {
        let (inner_end, end) = closed(2, b")")?;
        let inner = &line[2..inner_end];
        let ok = !inner.is_empty() && inner.iter().all(|&b| is_name_byte(b));
        ok.then_some(i + end)
    } else if line.first() == Some(&b'$') && line.get(1).is_some_and(|&b| is_name_start(b)) {
        let n = line[1..].iter().take_while(|&&b| is_name_byte(b)).count();
        Some(i + 1 + n)
    } else if line.starts_with(b"{{") {
        closed(2, b"}}").map(|(_, end)| i + end)
    } else if line.starts_with(b"[[") {
        closed(2, b"]]").map(|(_, end)| i + end)
    } else {
        None
    }
}

/// Start of the variable that ends right before `p`, if one does: `${{ … }}`, `${…}`,
/// `$(NAME)` or `$NAME` (not a template's `{{ … }}`, which cannot name a host or owner).
pub(crate) fn variable_before(t: &[u8], p: usize) -> Option<usize> {
    let lo = p.saturating_sub(MAX_VARIABLE);
    let line_start = memchr::memrchr(b'\n', &t[lo..p]).map_or(lo, |n| lo + n + 1);
    let mut end = p;
    while let Some(n) = memchr::memrchr(b'$', &t[line_start..end]) {
        let start = line_start + n;
        if expression_at(t, start) == Some(p) {
            return Some(start);
        }
        end = start;
    }
    None
}

/// Whether a variable's text stands for `owner/repo`: `${{ github.repository }}`,
/// `$GITHUB_REPOSITORY`, `${GITHUB_REPOSITORY}` or `${GITHUB_REPOSITORY,,}`.
pub(crate) fn is_repository_variable(var: &[u8]) -> bool {
    if let Some(inner) = var.strip_prefix(b"${{").and_then(|v| v.strip_suffix(b"}}")) {
        return inner
            .trim_ascii()
            .eq_ignore_ascii_case(b"github.repository");
    }
    matches!(
        var,
        b"$GITHUB_REPOSITORY" | b"${GITHUB_REPOSITORY}" | b"${GITHUB_REPOSITORY,,}"
    )
}

/// One path segment (owner or host) ending right before `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Written out; starts at this offset.
    Literal(usize),
    /// A variable; starts at this offset.
    Variable(usize),
}

impl Segment {
    /// Offset of the segment's first byte.
    pub fn start(self) -> usize {
        match self {
            Segment::Literal(s) | Segment::Variable(s) => s,
        }
    }
}

/// The path segment that ends right before `p` (usually the position of a `/`).
pub(crate) fn segment_before(t: &[u8], p: usize) -> Option<Segment> {
    if let Some(start) = variable_before(t, p) {
        return Some(Segment::Variable(start));
    }
    let mut i = p;
    while i > 0 && p - i < MAX_SEGMENT && is_segment_byte(t[i - 1]) {
        i -= 1;
    }
    let ok = i < p && (i == 0 || !matches!(t[i - 1], b'$' | b'{') && !is_segment_byte(t[i - 1]));
    ok.then_some(Segment::Literal(i))
}

/// Start of `word` (ASCII case-insensitive) when the text ends with it right before `p`
/// and it is not the tail of a longer name (`notghcr.io`).
pub(crate) fn word_before(t: &[u8], p: usize, word: &[u8]) -> Option<usize> {
    let s = p.checked_sub(word.len())?;
    if !t[s..p].eq_ignore_ascii_case(word) {
        return None;
    }
    starts_word(t, s).then_some(s)
}

/// Whether a name starting at `s` is not the tail of a longer name or variable: the byte
/// before it (if any) is neither a name byte nor `$`.
pub(crate) fn starts_word(t: &[u8], s: usize) -> bool {
    s == 0 || !(is_segment_byte(t[s - 1]) || t[s - 1] == b'$')
}

/// `OWNER/PATH` written out from `start` (right after `HOST/`): the end of the owner (at
/// its `/`) and the end of the path, without a trailing `.` or `/`. `None` when there is
/// no `/` after an owner, the path is empty, or it goes on with a template (`${…}`,
/// `{{…}}`) whose value cannot be known. Letters of any case are taken.
pub(crate) fn written_owner_path(t: &[u8], start: usize) -> Option<(usize, usize)> {
    let owner_len = t[start..]
        .iter()
        .take(MAX_OWNER)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    let owner_end = start + owner_len;
    if t.get(owner_end) != Some(&b'/') {
        return None;
    }
    let path_start = owner_end + 1;
    let mut i = path_start;
    while i < t.len() && (t[i].is_ascii_alphanumeric() || b"._/-".contains(&t[i])) {
        i += 1;
    }
    if t.get(i).is_some_and(|b| b"${%*".contains(b)) {
        return None;
    }
    while i > path_start && matches!(t[i - 1], b'.' | b'/') {
        i -= 1;
    }
    (i > path_start).then_some((owner_end, i))
}

/// Whether the value starting at `i` is assigned to a key or variable whose name contains
/// `image` (any case): `IMAGE_NAME: v`, `image_name = "v"`, `"image": "v"`, `IMAGE=v`,
/// `IMAGE := v`.
pub(crate) fn image_key_before(t: &[u8], i: usize) -> bool {
    let mut j = i;
    if j > 0 && matches!(t[j - 1], b'"' | b'\'') {
        j -= 1;
    }
    j = skip_blanks_back(t, j);
    match j.checked_sub(1).map(|k| t[k]) {
        Some(b':') => j -= 1,
        Some(b'=') => {
            j -= 1;
            if j > 0 && matches!(t[j - 1], b':' | b'?' | b'+') {
                j -= 1;
            }
        }
        _ => return false,
    }
    j = skip_blanks_back(t, j);
    if j > 0 && matches!(t[j - 1], b'"' | b'\'') {
        j -= 1;
    }
    let end = j;
    while j > 0 && end - j < MAX_SEGMENT && is_key_byte(t[j - 1]) {
        j -= 1;
    }
    t[j..end]
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"image"))
}

/// For a hit of `github.repository` at `s..e`: the byte range of the whole
/// `${{ github.repository }}` expression, if the hit is one.
pub(crate) fn expression_around(t: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    let close = skip_blanks(t, e);
    if !t[close..].starts_with(b"}}") {
        return None;
    }
    let open = skip_blanks_back(t, s).checked_sub(3)?;
    (&t[open..open + 3] == b"${{").then_some((open, close + 2))
}

/// For a hit of `GITHUB_REPOSITORY` at `s..e`: the byte range of `$GITHUB_REPOSITORY`,
/// `${GITHUB_REPOSITORY}` or `${GITHUB_REPOSITORY,,}`, if the hit is one of them.
pub(crate) fn env_variable_around(t: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    if s >= 2 && &t[s - 2..s] == b"${" {
        for close in [&b"}"[..], b",,}"] {
            if t[e..].starts_with(close) {
                return Some((s - 2, e + close.len()));
            }
        }
        return None;
    }
    let ok = s >= 1 && t[s - 1] == b'$' && !t.get(e).is_some_and(|&b| is_name_byte(b));
    ok.then(|| (s - 1, e))
}

/// The separator ending right before `p`: `/`, or `\/` as sed patterns escape it. Returns
/// its start and whether it is escaped.
pub(crate) fn separator_before(t: &[u8], p: usize) -> Option<(usize, bool)> {
    let slash = p.checked_sub(1).filter(|&i| t[i] == b'/')?;
    if slash > 0 && t[slash - 1] == b'\\' {
        Some((slash - 1, true))
    } else {
        Some((slash, false))
    }
}

/// The tail of a sed-escaped image path (`ghcr.io\/owner\/name`) ending at `i`: an
/// unescaped `/` is sed's delimiter and ends it, `\/` goes on to a longer path.
pub(crate) fn escaped_tail(t: &[u8], i: usize) -> Option<Tail> {
    match t.get(i) {
        Some(b'/') => Some(Tail::default()),
        Some(b'\\') if t.get(i + 1) == Some(&b'/') => None,
        _ => image_tail(t, i),
    }
}

/// The tail of a path in a registry API URL (`HOST/v2/OWNER/NAME/manifests/TAG`): the
/// path ends before `/manifests/`, `/tags/`, `/blobs/` or `/referrers/`, or where an
/// image path would.
pub(crate) fn api_tail(t: &[u8], i: usize) -> Option<Tail> {
    const ENDPOINTS: [&[u8]; 4] = [b"/manifests/", b"/tags/", b"/blobs/", b"/referrers/"];
    if ENDPOINTS.iter().any(|e| t[i..].starts_with(e)) {
        return Some(Tail::default());
    }
    image_tail(t, i)
}

/// Longest placeholder read backwards, in bytes.
const MAX_PLACEHOLDER: usize = 40;

/// Start of a documentation placeholder for the owner that ends right before `p`:
/// `<owner>`, `<your-username>`, `{github_user}`, `{owner}` (one brace, not a template), or a
/// literal word `OWNER`, `USERNAME`, `ORG`, `USER`, `your-username`, `your_org`,
/// `YOUR_GITHUB_USERNAME` and the like (a `your` prefix, or one of the upper-case words).
pub(crate) fn placeholder_before(t: &[u8], p: usize) -> Option<usize> {
    let lo = p.saturating_sub(MAX_PLACEHOLDER);
    let close = *t.get(p.checked_sub(1)?)?;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    if let Some(open) = match close {
        b'>' => Some(b'<'),
        b'}' => Some(b'{'),
        _ => None,
    } {
        let inner_end = p - 1;
        let mut i = inner_end;
        while i > lo && is_word(t[i - 1]) {
            i -= 1;
        }
        let ok = i < inner_end
            && i > 0
            && t[i - 1] == open
            && (open != b'{' || (i < 2 || !matches!(t[i - 2], b'$' | b'{')))
            && t[i].is_ascii_alphabetic();
        return ok.then_some(i - 1);
    }
    let mut i = p;
    while i > lo && is_word(t[i - 1]) {
        i -= 1;
    }
    if i == p || !starts_word(t, i) {
        return None;
    }
    let word = &t[i..p];
    let upper_words: [&[u8]; 6] = [
        b"OWNER",
        b"USERNAME",
        b"USER",
        b"ORG",
        b"ORGANIZATION",
        b"NAMESPACE",
    ];
    let placeholder = upper_words.contains(&word)
        || (word.len() > 5
            && word[..4].eq_ignore_ascii_case(b"your")
            && matches!(word[4], b'-' | b'_'));
    placeholder.then_some(i)
}

/// For an owner starting at `o` (right after a `:`/`=` and blanks, maybe a quote): when the
/// value is assigned to a key whose name contains `image`, the key's range. Used for
/// `IMAGE_NAME: owner/name`.
pub(crate) fn image_key_range(t: &[u8], i: usize) -> Option<std::ops::Range<usize>> {
    if !image_key_before(t, i) {
        return None;
    }
    let mut j = i;
    if j > 0 && matches!(t[j - 1], b'"' | b'\'') {
        j -= 1;
    }
    j = skip_blanks_back(t, j);
    j -= 1; // `:` or `=`
    if j > 0 && matches!(t[j - 1], b':' | b'?' | b'+') {
        j -= 1;
    }
    j = skip_blanks_back(t, j);
    if j > 0 && matches!(t[j - 1], b'"' | b'\'') {
        j -= 1;
    }
    let end = j;
    while j > 0 && end - j < MAX_SEGMENT && is_key_byte(t[j - 1]) {
        j -= 1;
    }
    (j < end).then_some(j..end)
}

/// Whether the value ending at `i` ends there: an optional closing quote, then blanks and
/// the end of the line, a comment, or the end of the text.
pub(crate) fn value_ends(t: &[u8], i: usize) -> bool {
    let mut j = i;
    if t.get(j).is_some_and(|&b| b == b'"' || b == b'\'') {
        j += 1;
    }
    j = skip_blanks(t, j);
    matches!(t.get(j), None | Some(b'\n' | b'\r' | b'#' | b';'))
}

/// Whether a tag names a release version (`v1.2.3`, `1.2`, `2`): it exists under a new
/// name only after CI pushes it there again.
pub(crate) fn is_version_tag(tag: &[u8]) -> bool {
    let rest = tag
        .strip_prefix(b"v")
        .or(tag.strip_prefix(b"V"))
        .unwrap_or(tag);
    rest.first().is_some_and(u8::is_ascii_digit)
        && rest
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_'))
}

fn continues_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'$' | b'{' | b'%' | b'*')
}

/// End of the tag starting at `start`; expressions are taken whole.
fn tag_end(t: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < t.len() && i - start <= 4 * MAX_TAG {
        if let Some(end) = expression_at(t, i) {
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

/// End of `algorithm:hex…` at `i` (the OCI digest grammar, loosely), if one is there.
fn digest_end(t: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < t.len()
        && j - i < 32
        && (t[j].is_ascii_alphanumeric() || matches!(t[j], b'+' | b'.' | b'_' | b'-'))
    {
        j += 1;
    }
    if !(j > i && t.get(j) == Some(&b':') && t.get(j + 1).is_some_and(u8::is_ascii_hexdigit)) {
        return None;
    }
    while j < t.len() && (t[j].is_ascii_alphanumeric() || b"+._-:".contains(&t[j])) {
        j += 1;
    }
    Some(j)
}

/// Longest GitHub owner (login) read.
const MAX_OWNER: usize = 40;

fn skip_blanks_back(t: &[u8], mut j: usize) -> usize {
    while j > 0 && matches!(t[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    j
}

fn skip_blanks(t: &[u8], mut j: usize) -> usize {
    while j < t.len() && matches!(t[j], b' ' | b'\t') {
        j += 1;
    }
    j
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Bytes of a literal host or owner segment (and of the junk around them that would make
/// a longer name).
fn is_segment_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(s: &str) -> Option<&str> {
        variable_before(s.as_bytes(), s.len()).map(|i| &s[i..])
    }

    #[test]
    fn variables_are_recognised_in_every_supported_form() {
        assert_eq!(
            var("x ${{ github.repository_owner }}"),
            Some("${{ github.repository_owner }}")
        );
        assert_eq!(var("x ${OWNER}"), Some("${OWNER}"));
        assert_eq!(var("x ${OWNER:-acme}"), Some("${OWNER:-acme}"));
        assert_eq!(var("x ${OWNER,,}"), Some("${OWNER,,}"));
        assert_eq!(var("x $OWNER"), Some("$OWNER"));
        assert_eq!(var("x $(OWNER)"), Some("$(OWNER)"));
    }

    #[test]
    fn non_variables_are_not_variables() {
        assert_eq!(var("x {{ .Values.owner }}"), None);
        assert_eq!(var("x {OWNER}"), None);
        assert_eq!(var("x OWNER"), None);
        assert_eq!(var("x $1abc"), None);
        assert_eq!(var("x ${{ }}"), None);
        assert_eq!(var("${{ a\n }}"), None);
        assert_eq!(var("x $(echo a)"), None);
    }

    #[test]
    fn repository_variables_are_told_apart_from_owner_variables() {
        assert!(is_repository_variable(b"${{ github.repository }}"));
        assert!(is_repository_variable(b"${{github.repository}}"));
        assert!(is_repository_variable(b"${GITHUB_REPOSITORY,,}"));
        assert!(!is_repository_variable(b"${{ github.repository_owner }}"));
        assert!(!is_repository_variable(b"$GITHUB_REPOSITORY_OWNER"));
    }

    #[test]
    fn path_continuations_are_other_packages() {
        for (text, continues) in [
            ("x-legacy", true),
            ("x2", true),
            ("x/sub", true),
            ("x.v2", true),
            ("x_y", true),
            ("x${SUFFIX}", true),
            ("x.", false),
            ("x. Next", false),
            ("x:tag", false),
            ("x@sha256:ab", false),
            ("x\"", false),
            ("x`", false),
            ("x)", false),
            ("x]", false),
            ("x,", false),
            ("x;", false),
            ("x>", false),
            ("x ", false),
            ("x", false),
            ("x./", false),
        ] {
            assert_eq!(continues_path(text.as_bytes(), 1), continues, "{text}");
        }
    }

    #[test]
    fn digests_pin_with_or_without_a_tag() {
        let pinned = |s: &str| image_tail(s.as_bytes(), 1).unwrap().digest_pinned();
        assert!(pinned("x@sha256:abcdef"));
        assert!(pinned("x:v1.2@sha256:abcdef"));
        assert!(!pinned("x:v1.2"));
        assert!(!pinned("x@example"));
        assert!(!pinned("x"));
    }

    #[test]
    fn image_keys_are_found_in_yaml_shell_json_and_make() {
        for text in [
            "IMAGE_NAME: V",
            "image_name = \"V",
            "\"image\": \"V",
            "  --build-arg IMAGE=V",
            "IMAGE := V",
            "images: V",
            "echo \"BASE_IMAGE=V",
        ] {
            assert!(image_key_before(text.as_bytes(), text.len() - 1), "{text}");
        }
        for text in ["repository: V", "--repo V", "image V", "name: V", "V"] {
            assert!(!image_key_before(text.as_bytes(), text.len() - 1), "{text}");
        }
    }

    #[test]
    fn words_must_not_be_the_tail_of_a_longer_name() {
        assert_eq!(word_before(b"https://ghcr.io", 15, b"ghcr.io"), Some(8));
        assert_eq!(word_before(b"GHCR.IO", 7, b"ghcr.io"), Some(0));
        assert_eq!(word_before(b"notghcr.io", 10, b"ghcr.io"), None);
        assert_eq!(word_before(b"x.ghcr.io", 9, b"ghcr.io"), None);
    }

    #[test]
    fn repository_expressions_are_delimited() {
        let t = b"a ${{ github.repository }}-x";
        assert_eq!(expression_around(t, 6, 23), Some((2, 26)));
        let t = b"${{ github.repository_owner }}";
        assert_eq!(expression_around(t, 4, 21), None);
        let t = b"${GITHUB_REPOSITORY,,}";
        assert_eq!(env_variable_around(t, 2, 19), Some((0, 22)));
        let t = b"$GITHUB_REPOSITORY_OWNER";
        assert_eq!(env_variable_around(t, 1, 18), None);
        let t = b"${GITHUB_REPOSITORY#*/}";
        assert_eq!(env_variable_around(t, 2, 19), None);
    }

    fn tag_of(s: &str) -> Option<&str> {
        let end = s.find(':').unwrap_or(s.len());
        tail_at(s.as_bytes(), end).tag.map(|r| &s[r])
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
    fn expressions_in_tags_are_taken_whole() {
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
        let tail = tail_at(s, 1);
        assert_eq!(tail.tag, Some(2..4));
        assert_eq!(tail.digest, Some(4..16));
        assert_eq!(tail.range(1), 1..16);
        assert_eq!(tail_at(b"x@sha256:ab", 1).digest, Some(1..11));
        assert_eq!(tail_at(b"x@example.com", 1).digest, None);
        assert_eq!(tail_at(b"x:v1.@sha256:ab", 1).digest, Some(5..15));
    }

    #[test]
    fn a_variable_read_backwards_is_the_expression_read_forwards() {
        for text in [
            "${{ github.repository_owner }}",
            "${OWNER}",
            "${OWNER:-acme}",
            "$OWNER",
            "$(OWNER)",
        ] {
            let t = format!("x {text}");
            assert_eq!(expression_at(t.as_bytes(), 2), Some(t.len()), "{text}");
            assert_eq!(variable_before(t.as_bytes(), t.len()), Some(2), "{text}");
        }
        assert_eq!(expression_at(b"{{ .Values.tag }}", 0), Some(17));
        assert_eq!(variable_before(b"x {{ .Values.tag }}", 19), None);
    }

    #[test]
    fn written_owner_and_path_end_before_tags_sentences_and_templates() {
        fn at(s: &str) -> Option<(&str, &str)> {
            written_owner_path(s.as_bytes(), 0).map(|(o, p)| (&s[..o], &s[o + 1..p]))
        }
        assert_eq!(at("Acme/App:v1"), Some(("Acme", "App")));
        assert_eq!(at("acme/a/b. Next"), Some(("acme", "a/b")));
        assert_eq!(at("acme/app/"), Some(("acme", "app")));
        assert_eq!(at("acme/app${SUFFIX}"), None);
        assert_eq!(at("acme/"), None);
        assert_eq!(at("acme"), None);
    }
}
