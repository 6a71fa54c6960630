//! GitHub token detection: finds tokens in text without ever returning the secret itself.
//!
//! Formats: classic `ghp_`, OAuth `gho_`, user-to-server `ghu_`, server-to-server `ghs_`,
//! refresh `ghr_` (prefix + 36 base62 characters), and fine-grained `github_pat_`
//! (22 base62, `_`, 59 base62). A candidate must not be glued to a longer word.

use aho_corasick::AhoCorasick;

/// The literal prefixes a token starts with.
pub const PREFIXES: &[&str] = &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"];

/// A token found in a text: where it is and what kind, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHit {
    /// Byte range of the token.
    pub start: usize,
    pub end: usize,
    /// Human name of the token kind, e.g. "GitHub personal access token (classic)".
    pub kind: &'static str,
    /// The token's prefix, safe to show (`ghp_`).
    pub prefix: &'static str,
}

/// Finds GitHub tokens in text.
#[derive(Debug, Clone)]
pub struct TokenFinder {
    ac: AhoCorasick,
}

impl Default for TokenFinder {
    fn default() -> Self {
        TokenFinder {
            ac: AhoCorasick::new(PREFIXES).expect("static patterns"),
        }
    }
}

impl TokenFinder {
    /// Every token in `text`.
    pub fn find(&self, text: &[u8]) -> Vec<TokenHit> {
        let mut hits = Vec::new();
        for m in self.ac.find_iter(text) {
            let prefix = PREFIXES[m.pattern().as_usize()];
            if m.start() > 0 && is_word(text[m.start() - 1]) {
                continue;
            }
            let body = &text[m.end()..];
            let len = if prefix == "github_pat_" {
                fine_grained_len(body)
            } else {
                classic_len(body)
            };
            let Some(len) = len else { continue };
            let end = m.end() + len;
            if text.get(end).is_some_and(|b| is_word(*b)) {
                continue;
            }
            hits.push(TokenHit {
                start: m.start(),
                end,
                kind: kind(prefix),
                prefix,
            });
        }
        hits
    }
}

/// `line` with every token hit in it replaced by its prefix and asterisks, for display.
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
            let masked = format!("{}{}", h.prefix, "*".repeat(e - s - h.prefix.len()));
            out.replace_range(s..e, &masked);
        }
    }
    out
}

/// `text` with every token in it masked (same length, so byte offsets stay valid).
pub fn redact<'a>(finder: &TokenFinder, text: &'a str) -> std::borrow::Cow<'a, str> {
    let hits = finder.find(text.as_bytes());
    if hits.is_empty() {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(mask(text, 0, &hits))
    }
}

fn classic_len(body: &[u8]) -> Option<usize> {
    (body.len() >= 36 && body[..36].iter().all(u8::is_ascii_alphanumeric)).then_some(36)
}

fn fine_grained_len(body: &[u8]) -> Option<usize> {
    let ok = body.len() >= 82
        && body[..22].iter().all(u8::is_ascii_alphanumeric)
        && body[22] == b'_'
        && body[23..82].iter().all(u8::is_ascii_alphanumeric);
    ok.then_some(82)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn kind(prefix: &str) -> &'static str {
    match prefix {
        "ghp_" => "GitHub personal access token (classic)",
        "gho_" => "GitHub OAuth access token",
        "ghu_" => "GitHub user-to-server token",
        "ghs_" => "GitHub server-to-server token",
        "ghr_" => "GitHub refresh token",
        _ => "GitHub fine-grained personal access token",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Token-shaped strings are built at run time so none is committed.
    fn token(prefix: &str, n: usize) -> String {
        let body: String = "aB3dE5gH7jK9mN1pQ2sT4vW6yZ8"
            .chars()
            .cycle()
            .take(n)
            .collect();
        format!("{prefix}{body}")
    }

    #[test]
    fn finds_every_token_format() {
        for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let text = format!("TOKEN={}\n", token(p, 36));
            let hits = TokenFinder::default().find(text.as_bytes());
            assert_eq!(hits.len(), 1, "{p}");
            assert_eq!((hits[0].start, hits[0].end), (6, 6 + 40));
        }
        let fine = format!("{}_{}", token("github_pat_", 22), token("", 59));
        let hits = TokenFinder::default().find(format!("x '{fine}'").as_bytes());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, "GitHub fine-grained personal access token");
    }

    #[test]
    fn look_alikes_are_not_tokens() {
        let finder = TokenFinder::default();
        let too_short = token("ghp_", 20);
        let too_long = token("ghp_", 40);
        let glued = format!("xghp_{}", &token("", 36));
        for text in [
            too_short,
            too_long,
            glued,
            "ghp_ placeholder".into(),
            "ghp_xxx".into(),
        ] {
            assert!(finder.find(text.as_bytes()).is_empty(), "{text}");
        }
    }

    #[test]
    fn redact_masks_every_token_and_keeps_offsets() {
        let (a, b) = (token("gho_", 36), token("ghs_", 36));
        let text = format!("a={a}\nb='{b}' é\n");
        let out = redact(&TokenFinder::default(), &text);
        assert!(!out.contains(&a[4..]) && !out.contains(&b[4..]), "{out}");
        assert_eq!(out.len(), text.len());
        assert!(matches!(
            redact(&TokenFinder::default(), "clean"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn mask_hides_the_secret_but_keeps_the_prefix() {
        let t = token("ghp_", 36);
        let line = format!("GH_TOKEN={t} # mine");
        let hits = TokenFinder::default().find(line.as_bytes());
        let masked = mask(&line, 0, &hits);
        assert!(!masked.contains(&t[4..]));
        assert!(masked.starts_with("GH_TOKEN=ghp_****"));
        assert!(masked.ends_with(" # mine"));
    }
}
