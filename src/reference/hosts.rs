//! [`HostFinder`]: where a registry host followed by `/` is written, in any letter case
//! (`ghcr.io/`, `GHCR.IO/`, `gHcr.io/`): host names are case-insensitive.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Finds `HOST/` for a set of registry hosts, ASCII case-insensitively.
#[derive(Debug, Clone)]
pub struct HostFinder {
    searcher: AhoCorasick,
}

impl HostFinder {
    /// A finder for `hosts` (each without the `/`).
    pub fn new<S: AsRef<str>>(hosts: &[S]) -> HostFinder {
        let patterns: Vec<String> = hosts.iter().map(|h| format!("{}/", h.as_ref())).collect();
        let searcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("a few host names always build");
        HostFinder { searcher }
    }

    /// The byte ranges of `HOST/` in `text`, `/` included, in order.
    pub fn find_iter<'a>(&'a self, text: &'a [u8]) -> impl Iterator<Item = Range<usize>> + 'a {
        self.searcher.find_iter(text).map(|m| m.range())
    }

    /// Whether `text` holds any `HOST/`.
    pub fn is_match(&self, text: &[u8]) -> bool {
        self.searcher.is_match(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_found_in_any_letter_case() {
        let f = HostFinder::new(&["ghcr.io"]);
        let text = b"ghcr.io/a GHCR.IO/b gHcr.io/c Ghcr.Io/d ghcr.iox/e";
        let found: Vec<_> = f.find_iter(text).map(|r| &text[r]).collect();
        assert_eq!(
            found,
            [&b"ghcr.io/"[..], b"GHCR.IO/", b"gHcr.io/", b"Ghcr.Io/"]
        );
    }
}
