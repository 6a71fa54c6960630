//! GitHub token detection and masking: finds tokens in text without ever returning the
//! secret itself, and masks them in anything the tool prints ([`mask_text`]).
//!
//! Formats:
//! - classic `ghp_`, OAuth `gho_`, user-to-server `ghu_`, server-to-server `ghs_`, refresh
//!   `ghr_`: prefix, 30 base62 characters and their CRC32 in 6 base62 digits. The
//!   checksum is verified, so placeholders (`ghp_xxxx…`, `ghp_1234567890abcdef…`) and the
//!   fakes of sanitizer tests are not reported;
//! - fine-grained `github_pat_` (22 base62, `_`, 59 base62) and the installation tokens
//!   `ghs_<APPID>_<JWT>` (digits, `_`, three base64url parts joined by `.`): no checksum,
//!   so an entropy floor tells random values from placeholders;
//! - the base64 `auth` entries of a Docker `config.json` (`user:token` encoded): the
//!   decoded value is searched, and the whole entry is the hit.
//!
//! Documentation placeholders are not tokens: a classic one fails the checksum
//! (`ghp_xxxx…`, `ghp_<your-token>`, `ghp_...`), and a body without a checksum that spells
//! a placeholder word (`XXXXXX`, `YourToken`, `example`, `redacted`, …) is not random. In test
//! fixtures ([`is_test_fixture`]: `tests/`, `testdata/`, `fixtures/`, `*_test.go`,
//! `*.test.ts`, spec files) only tokens passing the checksum are reported
//! ([`TokenFinder::find_in`]): the random-looking fakes of tests carry none.
//!
//! A candidate must not be glued to a longer word on its left (a letter or digit; `_` is
//! allowed, as in `TOKEN_ghp_…`; a letter that ends a `\t`-style escape is not glued), nor
//! on its right. Text in UTF-16 (either byte order, with or without a byte-order mark) is
//! searched as the characters it encodes; hits are byte ranges of the text as given.

use std::borrow::Cow;
use std::path::{Component, Path};
use std::sync::OnceLock;

use crate::reference::Literals;

/// The literal prefixes a token starts with.
pub const PREFIXES: &[&str] = &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"];

/// The key of a Docker `config.json` credential, whose value is base64 `user:token`.
pub const AUTH_KEY: &str = "\"auth\"";

/// Entropy floor, in bits per character, of a token without a checksum.
const ENTROPY_FLOOR: f64 = 4.0;

/// A token found in a text: where it is and what kind, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHit {
    /// Byte range of the token.
    pub start: usize,
    pub end: usize,
    /// Human name of the token kind, e.g. "GitHub personal access token (classic)".
    pub kind: &'static str,
    /// The token's prefix, safe to show (`ghp_`; empty for an encoded token).
    pub prefix: &'static str,
    /// Bytes at the start of the range left visible by [`mask`] (the prefix as written).
    pub visible: usize,
    /// Whether the token passed a checksum (classic formats): it is a real token's shape,
    /// not a typed or generated fake.
    pub checksummed: bool,
}

/// Whether `path` (relative to the repository root) is a test fixture: under a `tests`,
/// `test`, `testdata`, `fixtures`, `__tests__`, `__fixtures__` or `spec` folder, or a test
/// file by name (`*_test.go`, `*.test.ts`, `*.spec.js`, `*_spec.rb`, `test_*.py`, …).
pub fn is_test_fixture(path: &Path) -> bool {
    const FOLDERS: &[&str] = &[
        "tests",
        "test",
        "testdata",
        "fixtures",
        "__tests__",
        "__fixtures__",
        "spec",
    ];
    let mut components = path.components().peekable();
    while let Some(c) = components.next() {
        let Component::Normal(name) = c else { continue };
        let Some(name) = name.to_str() else { continue };
        let lower = name.to_ascii_lowercase();
        if components.peek().is_some() {
            if FOLDERS.contains(&lower.as_str()) {
                return true;
            }
            continue;
        }
        let stem = lower.split('.').next().unwrap_or_default();
        let test_word = lower
            .split('.')
            .skip(1)
            .any(|part| part == "test" || part == "spec");
        return test_word
            || stem.ends_with("_test")
            || stem.ends_with("_spec")
            || (stem.starts_with("test_") && lower.ends_with(".py"));
    }
    false
}

/// Finds GitHub tokens in text.
#[derive(Debug, Clone)]
pub struct TokenFinder {
    /// The prefixes, then [`AUTH_KEY`]: a packed (Teddy) search where the machine has one
    /// (a plain automaton would stop at every `g`).
    literals: Literals,
}

impl Default for TokenFinder {
    /// The one finder of the process, built on first use (a clone shares its automaton).
    fn default() -> Self {
        static SHARED: std::sync::LazyLock<TokenFinder> = std::sync::LazyLock::new(|| {
            let patterns: Vec<&str> = PREFIXES.iter().copied().chain([AUTH_KEY]).collect();
            TokenFinder {
                literals: Literals::new(patterns.iter()),
            }
        });
        SHARED.clone()
    }
}

/// Byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    Le,
    Be,
}

impl TokenFinder {
    /// Every token in `text`, the contents of `path`: in a test fixture
    /// ([`is_test_fixture`]) only the tokens passing a checksum.
    pub fn find_in(&self, path: &Path, text: &[u8]) -> Vec<TokenHit> {
        let mut hits = self.find(text);
        if is_test_fixture(path) {
            hits.retain(|h| h.checksummed);
        }
        hits
    }

    /// Every token in `text`, in order of position.
    pub fn find(&self, text: &[u8]) -> Vec<TokenHit> {
        match utf16_order(text) {
            Some(order) => self.find_utf16(text, order),
            None => self.find_plain(text),
        }
    }

    /// Tokens in UTF-16 text: searched in a copy with one byte per code unit (ASCII as is,
    /// anything else a byte that is no part of a token), so unit `i` is bytes `2i..2i+2`.
    fn find_utf16(&self, text: &[u8], order: Utf16) -> Vec<TokenHit> {
        let narrow: Vec<u8> = text
            .chunks_exact(2)
            .map(|c| {
                let unit = match order {
                    Utf16::Le => u16::from_le_bytes([c[0], c[1]]),
                    Utf16::Be => u16::from_be_bytes([c[0], c[1]]),
                };
                u8::try_from(unit).ok().filter(u8::is_ascii).unwrap_or(0x80)
            })
            .collect();
        self.find_plain(&narrow)
            .into_iter()
            .map(|h| TokenHit {
                start: 2 * h.start,
                end: 2 * h.end,
                visible: 2 * h.visible,
                ..h
            })
            .collect()
    }

    fn find_plain(&self, text: &[u8]) -> Vec<TokenHit> {
        let mut hits = Vec::new();
        let mut from = 0;
        // No literal is a prefix of another: the leftmost-longest matches, one after the
        // other, are every occurrence.
        while let Some(m) = self.literals.find(text, from) {
            from = m.end();
            let pattern = m.pattern().as_usize();
            if pattern == PREFIXES.len() {
                if let Some(hit) = self.auth_entry(text, m.end()) {
                    hits.push(hit);
                }
                continue;
            }
            let prefix = PREFIXES[pattern];
            if !free_before(text, m.start()) {
                continue;
            }
            let body = &text[m.end()..];
            let len = match prefix {
                "github_pat_" => fine_grained_len(body),
                "ghs_" => installation_len(body).or_else(|| classic_len(body)),
                _ => classic_len(body),
            };
            let Some(len) = len else { continue };
            let end = m.end() + len;
            if text.get(end).is_some_and(|b| is_word(*b)) {
                continue;
            }
            hits.push(TokenHit {
                start: m.start(),
                end,
                kind: kind(prefix, len),
                prefix,
                visible: prefix.len(),
                checksummed: len == CLASSIC_LEN && prefix != "github_pat_",
            });
        }
        hits
    }

    /// The base64 value after a `"auth"` key (`: "…"`), when it decodes to `user:token`
    /// with a token in it: the whole value is the hit.
    fn auth_entry(&self, text: &[u8], key_end: usize) -> Option<TokenHit> {
        let mut i = key_end;
        let skip_space = |i: &mut usize| {
            while text.get(*i).is_some_and(u8::is_ascii_whitespace) {
                *i += 1;
            }
        };
        skip_space(&mut i);
        (text.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        skip_space(&mut i);
        (text.get(i) == Some(&b'"')).then_some(())?;
        let start = i + 1;
        let len = text[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            .count();
        let end = start + len;
        let decoded = base64_decode(&text[start..end])?;
        let inner = self.find_plain(&decoded);
        let first = inner.first()?;
        Some(TokenHit {
            start,
            end,
            kind: first.kind,
            prefix: "",
            visible: 0,
            checksummed: first.checksummed,
        })
    }
}

/// `line` with every token hit in it replaced by its visible prefix and asterisks, for
/// display. `line_start` is the offset of `line` in the text the hits were found in.
pub fn mask(line: &str, line_start: usize, hits: &[TokenHit]) -> String {
    let mut out = line.to_string();
    for h in hits.iter().rev() {
        let (Some(s), Some(e)) = (
            h.start.checked_sub(line_start),
            h.end.checked_sub(line_start),
        ) else {
            continue;
        };
        if e <= out.len() && out.is_char_boundary(s) && out.is_char_boundary(e) {
            let keep = (s + h.visible).min(e);
            if !out.is_char_boundary(keep) {
                continue;
            }
            let masked = format!("{}{}", &out[s..keep], "*".repeat(e - keep));
            out.replace_range(s..e, &masked);
        }
    }
    out
}

/// `text` with every token in it masked (same length, so byte offsets stay valid).
pub fn redact<'a>(finder: &TokenFinder, text: &'a str) -> Cow<'a, str> {
    let hits = finder.find(text.as_bytes());
    if hits.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(mask(text, 0, &hits))
    }
}

/// `text` with every token masked: the one masking function behind everything printed.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    static FINDER: OnceLock<TokenFinder> = OnceLock::new();
    redact(FINDER.get_or_init(TokenFinder::default), text)
}

/// Whether `text` (its first 8 KiB decide) is UTF-16: a byte-order mark, or ASCII-heavy
/// text with a NUL in (nearly) every other byte and (nearly) never in the others.
pub fn utf16_order(text: &[u8]) -> Option<Utf16> {
    if text.starts_with(b"\xFF\xFE") {
        return Some(Utf16::Le);
    }
    if text.starts_with(b"\xFE\xFF") {
        return Some(Utf16::Be);
    }
    let probe = &text[..text.len().min(8192) & !1];
    let pairs = probe.len() / 2;
    if pairs < 8 {
        return None;
    }
    // Without a NUL it is not UTF-16 (nearly every other byte would be one): one memchr
    // instead of a loop over every pair, on every file `check` reads.
    memchr::memchr(0, probe)?;
    let (mut zero_even, mut zero_odd) = (0, 0);
    for c in probe.chunks_exact(2) {
        zero_even += usize::from(c[0] == 0);
        zero_odd += usize::from(c[1] == 0);
    }
    let most = |n: usize| n * 10 >= pairs * 8;
    let few = |n: usize| n * 20 <= pairs;
    if most(zero_odd) && few(zero_even) {
        Some(Utf16::Le)
    } else if most(zero_even) && few(zero_odd) {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// Whether a token may start at `at`: not glued to a letter or digit before it. `_` may
/// precede (`TOKEN_ghp_…`), and so may an escape like `\t` or `\u0009` (JSON, C strings).
fn free_before(text: &[u8], at: usize) -> bool {
    let Some(&prev) = at.checked_sub(1).and_then(|i| text.get(i)) else {
        return true;
    };
    if !prev.is_ascii_alphanumeric() {
        return true;
    }
    let escaped_letter = at >= 2 && text[at - 2] == b'\\' && b"tnrbfv0".contains(&prev);
    let escaped_unit = at >= 6
        && text[at - 6] == b'\\'
        && text[at - 5] == b'u'
        && text[at - 4..at].iter().all(u8::is_ascii_hexdigit);
    escaped_letter || escaped_unit
}

/// A classic token's body: 30 base62 characters and their CRC32 in 6 base62 digits.
fn classic_len(body: &[u8]) -> Option<usize> {
    let body = body.get(..CLASSIC_LEN)?;
    (body.iter().all(u8::is_ascii_alphanumeric) && body[30..] == classic_checksum(&body[..30]))
        .then_some(CLASSIC_LEN)
}

/// Length of a classic token's body after the prefix.
const CLASSIC_LEN: usize = 36;

/// Words a documentation placeholder spells in a token without a checksum
/// (`github_pat_XXXXXX…`, `…YourToken…`), compared ignoring case.
/// Each is long enough that a random token spells one about once in ten million.
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"xxxxxx",
    b"yourtoken",
    b"yourpat",
    b"yourgithub",
    b"example",
    b"placeholder",
    b"redacted",
    b"dummy",
    b"sample",
    b"changeme",
    b"000000",
];

/// Whether `body` spells a placeholder word.
fn spells_placeholder(body: &[u8]) -> bool {
    PLACEHOLDER_WORDS.iter().any(|w| {
        body.windows(w.len())
            .any(|window| window.eq_ignore_ascii_case(w))
    })
}

/// A fine-grained token's body: 22 base62, `_`, 59 base62, random-looking.
fn fine_grained_len(body: &[u8]) -> Option<usize> {
    let body = body.get(..82)?;
    let ok = body[..22].iter().all(u8::is_ascii_alphanumeric)
        && body[22] == b'_'
        && body[23..].iter().all(u8::is_ascii_alphanumeric)
        && random_looking(&body[..22])
        && random_looking(&body[23..])
        && !spells_placeholder(body);
    ok.then_some(82)
}

/// An installation token's body after `ghs_`: the app id, `_`, and a JWT (three base64url
/// parts joined by `.`), random-looking.
fn installation_len(body: &[u8]) -> Option<usize> {
    let digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || body.get(digits) != Some(&b'_') {
        return None;
    }
    let jwt_start = digits + 1;
    let is_jwt = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let jwt_len = body[jwt_start..].iter().take_while(|b| is_jwt(b)).count();
    let jwt = &body[jwt_start..jwt_start + jwt_len];
    let parts: Vec<&[u8]> = jwt.split(|b| *b == b'.').collect();
    let ok = parts.len() == 3
        && parts.iter().all(|p| p.len() >= 4)
        && jwt.len() >= 64
        && random_looking(jwt)
        && !spells_placeholder(jwt);
    ok.then_some(jwt_start + jwt_len)
}

/// Whether `s` looks random rather than typed: its Shannon entropy reaches the floor and
/// at most a third of its neighbouring pairs repeat or count up (`aaaa`, `abcd`, `1234`).
fn random_looking(s: &[u8]) -> bool {
    if s.len() < 8 {
        return false;
    }
    let mut counts = [0usize; 256];
    for &b in s {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    let runs = s
        .windows(2)
        .filter(|w| w[1] == w[0] || w[1] == w[0].wrapping_add(1))
        .count();
    // A short random string cannot reach the floor: its ceiling is log2 of its length, and
    // 22 random base62 characters (the first part of a fine-grained token) give about 4.1.
    let floor = ENTROPY_FLOOR.min(n.log2() - 1.4);
    entropy >= floor && runs * 3 <= s.len()
}

/// The 6-character checksum a classic token ends with, of its 30 random characters.
pub(crate) fn classic_checksum(random: &[u8]) -> [u8; 6] {
    base62_6(crc32(random))
}

/// CRC-32 (IEEE, reflected: the checksum of zip and PNG), bit by bit: a token is 30 bytes.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// `n` in base62 (`0-9A-Za-z`), left-padded with `0` to six digits.
fn base62_6(mut n: u32) -> [u8; 6] {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Standard base64 (padding optional); `None` when `s` is not base64.
fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    if s.len() % 4 == 1 || s.contains(&b'=') {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn kind(prefix: &str, len: usize) -> &'static str {
    match prefix {
        "ghp_" => "GitHub personal access token (classic)",
        "gho_" => "GitHub OAuth access token",
        "ghu_" => "GitHub user-to-server token",
        "ghs_" if len != 36 => "GitHub App installation token",
        "ghs_" => "GitHub server-to-server token",
        "ghr_" => "GitHub refresh token",
        _ => "GitHub fine-grained personal access token",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random-looking base62 from `seed` (a linear congruential generator).
    fn random(seed: u32, n: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(7);
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ALPHABET[(state >> 16) as usize % 62] as char
            })
            .collect()
    }

    /// A classic token with a valid checksum, built at run time so none is committed.
    fn token(prefix: &str, seed: u32) -> String {
        let body = random(seed, 30);
        let sum = base62_6(crc32(body.as_bytes()));
        format!("{prefix}{body}{}", std::str::from_utf8(&sum).unwrap())
    }

    fn installation(seed: u32) -> String {
        let part = |s: u32, n: usize| random(s, n).replace('7', "-").replace('Q', "_");
        format!(
            "ghs_{}_{}.{}.{}",
            123_456 + seed,
            part(seed, 36),
            part(seed + 1, 300),
            part(seed + 2, 170)
        )
    }

    fn finds(text: &str) -> Vec<(usize, usize, &'static str)> {
        TokenFinder::default()
            .find(text.as_bytes())
            .into_iter()
            .map(|h| (h.start, h.end, h.kind))
            .collect()
    }

    #[test]
    fn crc32_and_base62_match_the_standard_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(&base62_6(61), b"00000z");
    }

    #[test]
    fn finds_every_token_format() {
        for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let text = format!("TOKEN={}\n", token(p, 1));
            let hits = finds(&text);
            assert_eq!(hits.len(), 1, "{p}");
            assert_eq!((hits[0].0, hits[0].1), (6, 6 + 40));
        }
        let fine = format!("github_pat_{}_{}", random(3, 22), random(4, 59));
        let hits = finds(&format!("x '{fine}'"));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].2, "GitHub fine-grained personal access token");
    }

    #[test]
    fn placeholders_and_broken_checksums_are_not_tokens() {
        let real = token("ghp_", 5);
        let mut wrong_sum = real.clone();
        wrong_sum.replace_range(39..40, if real.ends_with('a') { "b" } else { "a" });
        let texts = [
            format!("ghp_{}", "x".repeat(36)),
            format!("ghp_{}", &"1234567890abcdef".repeat(3)[..36]),
            format!("ghp_{}", &"aB3dE5gH7jK9mN1pQ2sT4vW6yZ8".repeat(2)[..36]),
            wrong_sum,
            format!("github_pat_{}_{}", "x".repeat(22), "x".repeat(59)),
            format!(
                "github_pat_11{}_{}",
                "A".repeat(20),
                &"abcdefghijklmnopqrstuvwxyz0123456789".repeat(2)[..59]
            ),
            format!(
                "ghs_12345_{}.{}.{}",
                "a".repeat(30),
                "b".repeat(300),
                "c".repeat(100)
            ),
        ];
        for text in texts {
            assert!(finds(&text).is_empty(), "{text}");
        }
    }

    #[test]
    fn documentation_placeholders_are_not_tokens() {
        // Typed placeholders: no checksum, or a body spelling a placeholder word.
        let texts = [
            format!("GH_TOKEN=ghp_{}", "x".repeat(36)),
            "GH_TOKEN=ghp_<your-token>".into(),
            "GH_TOKEN=ghp_...".into(),
            format!("github_pat_{}", "X".repeat(82)),
            format!("github_pat_{}_{}YourToken", random(3, 22), random(4, 50)),
            format!("github_pat_{}_{}XXXXXX", random(3, 22), random(4, 53)),
            format!("github_pat_{}_EXAMPLE{}", random(3, 22), random(4, 52)),
        ];
        for text in texts {
            assert!(finds(&text).is_empty(), "{text}");
        }
    }

    #[test]
    fn test_fixture_paths_are_told_from_other_files() {
        for path in [
            "tests/cmd/x.in/notes.env",
            "pkg/auth/testdata/config.json",
            "fixtures/adopt/docs/README.md",
            "web/__tests__/login.ts",
            "spec/support/env.rb",
            "internal/token_test.go",
            "src/auth.test.ts",
            "src/auth.spec.js",
            "lib/token_spec.rb",
            "test_auth.py",
        ] {
            assert!(is_test_fixture(Path::new(path)), "{path}");
        }
        for path in [
            "notes.env",
            "docs/tokens.md",
            ".github/workflows/publish.yml",
            "latest/config.json",
            "contest.py",
            "attest.go",
            "testing.md",
            "tests",
        ] {
            assert!(!is_test_fixture(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn in_test_fixtures_only_tokens_passing_the_checksum_are_reported() {
        let classic = token("ghp_", 11);
        let fine = format!("github_pat_{}_{}", random(3, 22), random(4, 59));
        let jwt = installation(2);
        let text = format!("A={classic}\nB={fine}\nC={jwt}\n");
        let finder = TokenFinder::default();
        let kinds = |path: &str| -> Vec<&'static str> {
            finder
                .find_in(Path::new(path), text.as_bytes())
                .iter()
                .map(|h| h.kind)
                .collect()
        };
        for path in ["tests/fake.env", "cmd/login_test.go", "src/login.test.ts"] {
            assert_eq!(
                kinds(path),
                ["GitHub personal access token (classic)"],
                "{path}"
            );
        }
        assert_eq!(kinds("deploy/.env").len(), 3);
    }

    #[test]
    fn look_alikes_are_not_tokens() {
        let t = token("ghp_", 2);
        for text in [
            t[..24].to_string(),
            format!("{t}abcd"),
            format!("x{t}"),
            "ghp_ placeholder".into(),
            "ghp_xxx".into(),
        ] {
            assert!(finds(&text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_token_glued_after_an_underscore_is_found() {
        let t = token("ghp_", 8);
        assert_eq!(finds(&format!("TOKEN_{t}"))[0].0, 6);
    }

    #[test]
    fn a_token_after_a_json_escape_is_found() {
        let t = token("gho_", 9);
        assert_eq!(finds(&format!("\"a\\t{t}\""))[0].0, 4);
        assert_eq!(finds(&format!("\"a\\u0009{t}\""))[0].0, 8);
    }

    #[test]
    fn installation_tokens_with_a_jwt_are_found_whole() {
        let t = installation(1);
        assert!(t.len() > 500);
        let text = format!("export GH_TOKEN={t}\n");
        let hits = finds(&text);
        assert_eq!(
            hits,
            vec![(16, 16 + t.len(), "GitHub App installation token")]
        );
    }

    #[test]
    fn docker_config_auth_entries_are_decoded() {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for user in ["me", "bot", "ci-user"] {
            let plain = format!("{user}:{}", token("ghp_", 4));
            let mut b64 = String::new();
            for c in plain.as_bytes().chunks(3) {
                let n = c
                    .iter()
                    .enumerate()
                    .fold(0u32, |a, (i, &b)| a | u32::from(b) << (16 - 8 * i));
                for i in 0..=c.len() {
                    b64.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
                }
            }
            while !b64.len().is_multiple_of(4) {
                b64.push('=');
            }
            let text = format!("{{\"auths\": {{\"ghcr.io\": {{\"auth\": \"{b64}\"}}}}}}");
            let start = text.find(&b64).unwrap();
            assert_eq!(
                finds(&text),
                vec![(
                    start,
                    start + b64.len(),
                    "GitHub personal access token (classic)"
                )]
            );
            let masked = mask_text(&text);
            assert!(
                !masked.contains(&b64) && masked.contains("\"auth\": \"****"),
                "{masked}"
            );
        }
    }

    #[test]
    fn utf16_text_is_decoded_for_the_search() {
        let t = token("ghu_", 6);
        let text = format!("GH_TOKEN={t}\r\n");
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bom_le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le.clone()).collect();
        assert_eq!(TokenFinder::default().find(&le)[0].start, 18);
        assert_eq!(TokenFinder::default().find(&be)[0].end, 18 + 80);
        assert_eq!(TokenFinder::default().find(&bom_le)[0].start, 20);
        assert_eq!(utf16_order(b"plain ascii text, long enough"), None);
    }

    #[test]
    fn redact_masks_every_token_and_keeps_offsets() {
        let (a, b) = (token("gho_", 10), token("ghs_", 11));
        let text = format!("a={a}\nb='{b}' é\n");
        let out = redact(&TokenFinder::default(), &text);
        assert!(!out.contains(&a[4..]) && !out.contains(&b[4..]), "{out}");
        assert_eq!(out.len(), text.len());
        assert!(matches!(
            redact(&TokenFinder::default(), "clean"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn mask_hides_the_secret_but_keeps_the_prefix() {
        let t = token("ghp_", 12);
        let line = format!("GH_TOKEN={t} # mine");
        let hits = TokenFinder::default().find(line.as_bytes());
        let masked = mask(&line, 0, &hits);
        assert!(!masked.contains(&t[4..]));
        assert!(masked.starts_with("GH_TOKEN=ghp_****"));
        assert!(masked.ends_with(" # mine"));
    }
}
