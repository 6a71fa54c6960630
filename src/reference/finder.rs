//! [`Finder`]: finds the references to a set of images in one text, the way the grammar
//! ([`super::syntax`]) says they may be written; it maps nothing (`rename` turns what it
//! finds into replacements, `check` judges it).
//!
//! One Aho-Corasick search over the package paths (plus `github.repository` and
//! `GITHUB_REPOSITORY` when a path is spelled after the repository) finds candidates;
//! only then are the rules applied around each hit, looking backwards for `HOST/OWNER/`,
//! a variable form, a repository expression or a package-page link, and forwards for the
//! boundary that ends the path. Text without a candidate costs one search.
//!
//! What counts as a reference to `HOST/OWNER/PATH`:
//! - `HOST/OWNER/PATH` followed by a boundary (end, `:` tag, `@` digest, or a byte that
//!   cannot continue an image path), host and owner in any case; host and owner may be
//!   variables (`$VAR`, `${VAR}`, `${VAR:-x}`, `$(VAR)`, `${{ expr }}`);
//! - `${{ github.repository }}` (or `$GITHUB_REPOSITORY`, `${GITHUB_REPOSITORY,,}`) plus
//!   the rest of the path, when `PATH` is the repository name plus that rest and the
//!   expression is used as an image name: after `HOST/` or as the value of a key whose name
//!   contains `image`;
//! - package pages: `github.com/OWNER/REPO/pkgs/container/PATH`,
//!   `github.com/{users,orgs}/OWNER/packages/container/[package/]PATH`.
//!
//! Never: the bare words, other owners or registries, or lines marked `ghcr-gen: ignore`.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use serde::Serialize;

use super::syntax::{self, Segment, Tail};
use super::text::{LineCounter, line_bounds};

/// Lines carrying this marker are never edited nor judged.
pub const IGNORE_MARKER: &str = "ghcr-gen: ignore";

/// An image to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Registry host, e.g. `ghcr.io` (empty: only variable hosts).
    pub host: String,
    /// Owner as configured (matched case-insensitively).
    pub owner: String,
    /// Package path after the owner; may contain `/`.
    pub path: String,
    /// GitHub repository name, for the `${{ github.repository }}` rule (empty: no rule).
    pub repo: String,
}

/// How a reference was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// `HOST/OWNER/PATH`, host and owner literal or variables.
    Image,
    /// `${{ github.repository }}` (or `$GITHUB_REPOSITORY`) plus the rest of the path,
    /// used as an image name.
    RepositoryExpression,
    /// A package page on github.com.
    PackageLink,
}

/// One place in a text that names an image, with its pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte offset of the reference's first byte (host, expression or link).
    pub start: usize,
    /// Byte offset after the path (tag and digest not included).
    pub end: usize,
    /// Index of the image into the slice given to [`Finder::new`].
    pub image: usize,
    pub form: Form,
    /// The host segment and the offset of the `/` after it, when written.
    pub host: Option<(Segment, usize)>,
    /// The owner segment and the offset of the `/` after it (images and links).
    pub owner: Option<(Segment, usize)>,
    /// The repository expression (repository form).
    pub expression: Option<Range<usize>>,
    /// The package path as written (`%2F`-escaped in some links).
    pub path: Range<usize>,
    /// Tag and digest after the path.
    pub tail: Tail,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, in characters.
    pub column: usize,
}

/// Finds references to a set of images.
#[derive(Debug, Clone)]
pub struct Finder {
    images: Vec<Image>,
    searcher: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    /// Images whose path is spelled `repo` + suffix: (image, suffix), longest suffix first.
    repo_rules: Vec<(usize, Vec<u8>)>,
}

#[derive(Debug, Clone)]
enum Pattern {
    /// A package path, for these images.
    Path(Vec<usize>),
    /// A nested package path with `/` written `%2F` (package-page links), for these images.
    EncodedPath(Vec<usize>),
    /// `github.repository`.
    Expression,
    /// `GITHUB_REPOSITORY`.
    EnvVariable,
}

impl Found {
    /// A reference of `form` to image `image` from `start` to the end of `path`, its
    /// segments not yet known and its line not yet counted.
    fn at(form: Form, image: usize, start: usize, path: Range<usize>, tail: Tail) -> Found {
        Found {
            start,
            end: path.end,
            image,
            form,
            host: None,
            owner: None,
            expression: None,
            path,
            tail,
            line: 0,
            column: 0,
        }
    }
}

impl Finder {
    /// A finder for these images; a [`Found::image`] indexes into `images`.
    pub fn new(images: &[Image]) -> Finder {
        let mut literals: Vec<(Vec<u8>, Pattern)> = Vec::new();
        let mut add = |bytes: Vec<u8>, index: usize, encoded: bool| {
            let found = literals.iter_mut().find(|(b, p)| {
                *b == bytes
                    && matches!(
                        (p, encoded),
                        (Pattern::Path(_), false) | (Pattern::EncodedPath(_), true)
                    )
            });
            match found {
                Some((_, Pattern::Path(list) | Pattern::EncodedPath(list))) => list.push(index),
                _ => {
                    let p = if encoded {
                        Pattern::EncodedPath(vec![index])
                    } else {
                        Pattern::Path(vec![index])
                    };
                    literals.push((bytes, p));
                }
            }
        };
        let mut repo_rules = Vec::new();
        for (index, image) in images.iter().enumerate() {
            if image.path.is_empty() {
                continue;
            }
            add(image.path.as_bytes().to_vec(), index, false);
            if image.path.contains('/') {
                add(image.path.replace('/', "%2F").into_bytes(), index, true);
                add(image.path.replace('/', "%2f").into_bytes(), index, true);
            }
            if let Some(suffix) = strip_prefix_ci(&image.path, &image.repo) {
                repo_rules.push((index, suffix.as_bytes().to_vec()));
            }
        }
        repo_rules.sort_by_key(|(i, s)| (std::cmp::Reverse(s.len()), *i));
        if !repo_rules.is_empty() {
            literals.push((b"github.repository".to_vec(), Pattern::Expression));
            literals.push((b"GITHUB_REPOSITORY".to_vec(), Pattern::EnvVariable));
        }
        let searcher = (!literals.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(literals.iter().map(|(b, _)| b))
                .expect("a few short literals always build")
        });
        Finder {
            images: images.to_vec(),
            searcher,
            patterns: literals.into_iter().map(|(_, p)| p).collect(),
            repo_rules,
        }
    }

    /// The images this finder looks for.
    pub fn images(&self) -> &[Image] {
        &self.images
    }

    /// Whether `text` holds a candidate at all: the one search a text without references
    /// costs.
    pub fn has_candidate(&self, text: &[u8]) -> bool {
        self.searcher.as_ref().is_some_and(|s| s.is_match(text))
    }

    /// References in `text` (which need not be UTF-8: the rules only look at ASCII bytes),
    /// in order, none overlapping, none on a line marked [`IGNORE_MARKER`].
    pub fn find(&self, text: &[u8]) -> Vec<Found> {
        let Some(searcher) = &self.searcher else {
            return Vec::new();
        };
        let mut found: Vec<Found> = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            let Some(m) = searcher.find(Input::new(text).span(pos..text.len())) else {
                break;
            };
            let hit = self.at(
                text,
                m.start(),
                m.end(),
                &self.patterns[m.pattern().as_usize()],
            );
            match hit {
                Some(f) if found.last().is_none_or(|last| last.end <= f.start) => {
                    pos = f.end.max(m.end());
                    found.push(f);
                }
                _ => pos = m.start() + 1,
            }
        }
        let mut lines = LineCounter::new(text);
        // The line of the previous reference: where it ends and whether it has the marker.
        let mut marked: Option<(usize, bool)> = None;
        let mut out = Vec::with_capacity(found.len());
        for mut f in found {
            let ignored = match marked {
                Some((line_end, ignored)) if f.start <= line_end => ignored,
                _ => {
                    let (ls, le) = line_bounds(text, f.start);
                    let ignored =
                        memchr::memmem::find(&text[ls..le], IGNORE_MARKER.as_bytes()).is_some();
                    marked = Some((le, ignored));
                    ignored
                }
            };
            if ignored {
                continue;
            }
            (f.line, f.column) = lines.locate(f.start);
            out.push(f);
        }
        out
    }

    fn at(&self, t: &[u8], s: usize, e: usize, pattern: &Pattern) -> Option<Found> {
        match pattern {
            Pattern::Path(list) => list
                .iter()
                .find_map(|&i| self.image(t, s, e, i).or_else(|| self.link(t, s, e, i))),
            Pattern::EncodedPath(list) => list.iter().find_map(|&i| self.link(t, s, e, i)),
            Pattern::Expression => {
                let (es, ee) = syntax::expression_around(t, s, e)?;
                self.repository(t, es, ee)
            }
            Pattern::EnvVariable => {
                let (es, ee) = syntax::env_variable_around(t, s, e)?;
                self.repository(t, es, ee)
            }
        }
    }

    /// `HOST/OWNER/PATH` with the path at `s..e`.
    fn image(&self, t: &[u8], s: usize, e: usize, i: usize) -> Option<Found> {
        let image = &self.images[i];
        let tail = syntax::image_tail(t, e)?;
        let owner_slash = s.checked_sub(1).filter(|&i| t[i] == b'/')?;
        let owner = syntax::segment_before(t, owner_slash)?;
        if let Segment::Variable(v) = owner
            && syntax::is_repository_variable(&t[v..owner_slash])
        {
            return None;
        }
        if !owner_matches(t, owner, owner_slash, image) {
            return None;
        }
        let host_slash = owner.start().checked_sub(1).filter(|&i| t[i] == b'/')?;
        let host = host_before(t, host_slash, image)?;
        Some(Found {
            host: Some((host, host_slash)),
            owner: Some((owner, owner_slash)),
            ..Found::at(Form::Image, i, host.start(), s..e, tail)
        })
    }

    /// A package page: `github.com/OWNER/REPO/pkgs/container/PATH`,
    /// `github.com/{users,orgs}/OWNER/packages/container/[package/]PATH`.
    fn link(&self, t: &[u8], s: usize, e: usize, i: usize) -> Option<Found> {
        let image = &self.images[i];
        let tail = syntax::link_tail(t, e)?;
        let before = &t[..s];
        let in_repo = ends_with_ci(before, b"/pkgs/container/");
        let owner_slash = if let Some(p) = in_repo {
            let repo = syntax::segment_before(t, p).filter(|s| matches!(s, Segment::Literal(_)))?;
            repo.start().checked_sub(1).filter(|&i| t[i] == b'/')?
        } else {
            ends_with_ci(before, b"/packages/container/package/")
                .or_else(|| ends_with_ci(before, b"/packages/container/"))?
        };
        let owner = syntax::segment_before(t, owner_slash)?;
        if !owner_matches(t, owner, owner_slash, image) {
            return None;
        }
        let mut site_slash = owner.start().checked_sub(1).filter(|&i| t[i] == b'/')?;
        if in_repo.is_none() {
            let kind = syntax::segment_before(t, site_slash)?;
            let word = &t[kind.start()..site_slash];
            if !(word.eq_ignore_ascii_case(b"users") || word.eq_ignore_ascii_case(b"orgs")) {
                return None;
            }
            site_slash = kind.start().checked_sub(1).filter(|&i| t[i] == b'/')?;
        }
        let site = syntax::word_before(t, site_slash, b"github.com")?;
        Some(Found {
            owner: Some((owner, owner_slash)),
            ..Found::at(Form::PackageLink, i, site, s..e, tail)
        })
    }

    /// `${{ github.repository }}` (or an env form) at `es..ee`, plus the rest of a path.
    fn repository(&self, t: &[u8], es: usize, ee: usize) -> Option<Found> {
        for (i, suffix) in &self.repo_rules {
            let image = &self.images[*i];
            if !t[ee..].starts_with(suffix) {
                continue;
            }
            let end = ee + suffix.len();
            let Some(tail) = syntax::image_tail(t, end) else {
                continue;
            };
            let host = es
                .checked_sub(1)
                .filter(|&i| t[i] == b'/')
                .and_then(|slash| Some((host_before(t, slash, image)?, slash)));
            if host.is_none() && !syntax::image_key_before(t, es) {
                continue;
            }
            let start = host.map_or(es, |(h, _)| h.start());
            return Some(Found {
                host,
                expression: Some(es..ee),
                ..Found::at(Form::RepositoryExpression, *i, start, ee..end, tail)
            });
        }
        None
    }
}

/// Whether a segment ending at `end` is written out with uppercase letters.
pub(crate) fn has_upper(t: &[u8], seg: Segment, end: usize) -> bool {
    matches!(seg, Segment::Literal(_)) && t[seg.start()..end].iter().any(u8::is_ascii_uppercase)
}

/// `s` without `prefix` (ASCII case-insensitive); `None` when `prefix` is empty.
pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let ok = !prefix.is_empty()
        && s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    ok.then(|| &s[prefix.len()..])
}

/// Whether an owner segment ending at `slash` may be the image's owner: a variable, or
/// the owner written in any case.
fn owner_matches(t: &[u8], owner: Segment, slash: usize, image: &Image) -> bool {
    match owner {
        Segment::Literal(o) => t[o..slash].eq_ignore_ascii_case(image.owner.as_bytes()),
        Segment::Variable(_) => true,
    }
}

/// The host segment ending at `slash`: the image's host (any case) or a variable.
fn host_before(t: &[u8], slash: usize, image: &Image) -> Option<Segment> {
    if let Some(v) = syntax::variable_before(t, slash) {
        return Some(Segment::Variable(v));
    }
    if image.host.is_empty() {
        return None;
    }
    syntax::word_before(t, slash, image.host.as_bytes()).map(Segment::Literal)
}

/// Start of `suffix` when `hay` ends with it (ASCII case-insensitive).
fn ends_with_ci(hay: &[u8], suffix: &[u8]) -> Option<usize> {
    let s = hay.len().checked_sub(suffix.len())?;
    hay[s..].eq_ignore_ascii_case(suffix).then_some(s)
}
