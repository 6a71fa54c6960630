//! The small grammar around a candidate hit: what may follow an image path, variables
//! (`$VAR`, `${VAR}`, `${VAR:-default}`, `$(VAR)`, `${{ expression }}`) read backwards,
//! path segments, literal host names and `IMAGE…` keys.
//!
//! Every function takes the text as bytes and a position; none allocates. Backward scans
//! are bounded so a pathological line costs a constant per hit.

/// Longest variable read backwards, in bytes.
const MAX_VARIABLE: usize = 256;
/// Longest literal path segment or key read backwards, in bytes.
const MAX_SEGMENT: usize = 128;

/// What follows a reference's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tail {
    /// A digest (`@sha256:…`, possibly after a tag) pins the reference.
    pub digest_pinned: bool,
}

/// Whether the byte at `i` continues an image path, so the path before `i` names another
/// package: alphanumerics, `-`, `_`, `/`, a template (`$`, `{`), `%`-escapes, globs, and a
/// `.` that is followed by one of those (`OLD.v2`, not a sentence-ending `OLD.`).
pub(super) fn continues_path(t: &[u8], i: usize) -> bool {
    let Some(&b) = t.get(i) else { return false };
    if b == b'.' {
        return t
            .get(i + 1)
            .is_some_and(|&n| n != b'/' && continues_byte(n));
    }
    continues_byte(b)
}

fn continues_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'$' | b'{' | b'%' | b'*')
}

/// The tail of an image reference whose path ends at `i`, or `None` when the path goes on.
pub(super) fn image_tail(t: &[u8], i: usize) -> Option<Tail> {
    match t.get(i) {
        None => Some(Tail {
            digest_pinned: false,
        }),
        Some(b'@') => Some(Tail {
            digest_pinned: is_digest(t, i + 1),
        }),
        Some(b':') => {
            let mut j = i + 1;
            while j < t.len() && j - i <= 160 && is_tag_byte(t[j]) {
                j += 1;
            }
            Some(Tail {
                digest_pinned: t.get(j) == Some(&b'@') && is_digest(t, j + 1),
            })
        }
        Some(_) if continues_path(t, i) => None,
        Some(_) => Some(Tail {
            digest_pinned: false,
        }),
    }
}

/// The tail of a package-page link whose package name ends at `i`: like an image, and the
/// URL may go on with `/versions`, `?tag=…` or `#…`.
pub(super) fn link_tail(t: &[u8], i: usize) -> Option<Tail> {
    match t.get(i) {
        Some(b'/' | b'?' | b'#') => Some(Tail {
            digest_pinned: false,
        }),
        _ => image_tail(t, i),
    }
}

fn is_tag_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'$' | b'{' | b'}')
}

/// `algorithm:hex` at `i` (the OCI digest grammar, loosely).
fn is_digest(t: &[u8], i: usize) -> bool {
    let mut j = i;
    while j < t.len()
        && j - i < 32
        && (t[j].is_ascii_alphanumeric() || matches!(t[j], b'+' | b'.' | b'_' | b'-'))
    {
        j += 1;
    }
    j > i && t.get(j) == Some(&b':') && t.get(j + 1).is_some_and(|b| b.is_ascii_hexdigit())
}

/// Start of the variable that ends right before `p`, if one does: `${{ … }}`, `${…}`,
/// `$(NAME)` or `$NAME`. Variables do not span lines.
pub(super) fn variable_before(t: &[u8], p: usize) -> Option<usize> {
    let lo = p.saturating_sub(MAX_VARIABLE);
    let last = *t.get(p.checked_sub(1)?)?;
    match last {
        b'}' if p >= 2 && t[p - 2] == b'}' => {
            let open = memchr::memmem::rfind(&t[lo..p - 2], b"${{")? + lo;
            let inner = &t[open + 3..p - 2];
            let ok = !inner.contains(&b'\n')
                && memchr::memmem::find(inner, b"}}").is_none()
                && inner.iter().any(|b| !b.is_ascii_whitespace());
            ok.then_some(open)
        }
        b'}' => {
            let open = memchr::memrchr(b'{', &t[lo..p - 1])? + lo;
            if open == 0 || t[open - 1] != b'$' {
                return None;
            }
            let inner = &t[open + 1..p - 1];
            let ok = inner.first().is_some_and(|&b| is_name_start(b))
                && !inner.iter().any(|&b| matches!(b, b'\n' | b'}' | b'{'));
            ok.then(|| open - 1)
        }
        b')' => {
            let mut i = p - 1;
            while i > lo && is_name_byte(t[i - 1]) {
                i -= 1;
            }
            let ok = i >= 2 && i < p - 1 && t[i - 1] == b'(' && t[i - 2] == b'$';
            ok.then(|| i - 2)
        }
        _ => {
            let mut i = p;
            while i > lo && is_name_byte(t[i - 1]) {
                i -= 1;
            }
            let ok = i < p && i > 0 && t[i - 1] == b'$' && is_name_start(t[i]);
            ok.then(|| i - 1)
        }
    }
}

/// Whether a variable's text stands for `owner/repo`: `${{ github.repository }}`,
/// `$GITHUB_REPOSITORY`, `${GITHUB_REPOSITORY}` or `${GITHUB_REPOSITORY,,}`.
pub(super) fn is_repository_variable(var: &[u8]) -> bool {
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
pub(super) enum Segment {
    /// Written out; starts at this offset.
    Literal(usize),
    /// A variable; starts at this offset.
    Variable(usize),
}

impl Segment {
    /// Offset of the segment's first byte.
    pub(super) fn start(self) -> usize {
        match self {
            Segment::Literal(s) | Segment::Variable(s) => s,
        }
    }
}

/// The path segment that ends right before `p` (usually the position of a `/`).
pub(super) fn segment_before(t: &[u8], p: usize) -> Option<Segment> {
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
pub(super) fn word_before(t: &[u8], p: usize, word: &[u8]) -> Option<usize> {
    let s = p.checked_sub(word.len())?;
    if !t[s..p].eq_ignore_ascii_case(word) {
        return None;
    }
    let ok = s == 0 || !(is_segment_byte(t[s - 1]) || t[s - 1] == b'$');
    ok.then_some(s)
}

/// Whether the value starting at `i` is assigned to a key or variable whose name contains
/// `image` (any case): `IMAGE_NAME: v`, `image_name = "v"`, `"image": "v"`, `IMAGE=v`,
/// `IMAGE := v`.
pub(super) fn image_key_before(t: &[u8], i: usize) -> bool {
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

/// For a hit of `github.repository` at `s..e`: the byte range of the whole
/// `${{ github.repository }}` expression, if the hit is one.
pub(super) fn expression_around(t: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    let close = skip_blanks(t, e);
    if !t[close..].starts_with(b"}}") {
        return None;
    }
    let open = skip_blanks_back(t, s).checked_sub(3)?;
    (&t[open..open + 3] == b"${{").then_some((open, close + 2))
}

/// For a hit of `GITHUB_REPOSITORY` at `s..e`: the byte range of `$GITHUB_REPOSITORY`,
/// `${GITHUB_REPOSITORY}` or `${GITHUB_REPOSITORY,,}`, if the hit is one of them.
pub(super) fn env_variable_around(t: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
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
        let pinned = |s: &str| image_tail(s.as_bytes(), 1).unwrap().digest_pinned;
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
}
