//! [`Matcher`]: finds references to old image names in one text.
//!
//! One Aho-Corasick search over the old package paths (plus `github.repository` and
//! `GITHUB_REPOSITORY` when a path is spelled after the repository) finds candidates;
//! only then are the rules applied around each hit, looking backwards for `HOST/OWNER/`,
//! a variable form, a repository expression or a package-page link, and forwards for the
//! boundary that ends the path. Text without a candidate costs one search.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use serde::Serialize;

use super::syntax::{self, Segment, Tail};
use super::text::{LineCounter, line_bounds};

/// Lines carrying this marker are never edited.
pub const IGNORE_MARKER: &str = "ghcr-gen: ignore";

/// One image moving from an old name to a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rename {
    /// Registry host of the old image, e.g. `ghcr.io`.
    pub host: String,
    /// Owner of the old image as configured (any case; matched case-insensitively).
    pub owner: String,
    /// Old package path after the owner; may contain `/`.
    pub path: String,
    /// Registry host of the new image.
    pub new_host: String,
    /// Owner of the new image as configured.
    pub new_owner: String,
    /// New package path after the owner.
    pub new_path: String,
    /// GitHub repository name, for the `${{ github.repository }}` rule (empty: no rule).
    pub repo: String,
}

impl Rename {
    /// The rename `ghcr-gen rename --suffix` makes: same host and owner, `path` + `suffix`.
    pub fn with_suffix(host: &str, owner: &str, repo: &str, path: &str, suffix: &str) -> Rename {
        Rename {
            host: host.into(),
            owner: owner.into(),
            path: path.into(),
            new_host: host.into(),
            new_owner: owner.into(),
            new_path: format!("{path}{suffix}"),
            repo: repo.into(),
        }
    }

    /// The rename undoing this one.
    pub fn reversed(&self) -> Rename {
        Rename {
            host: self.new_host.clone(),
            owner: self.new_owner.clone(),
            path: self.new_path.clone(),
            new_host: self.host.clone(),
            new_owner: self.owner.clone(),
            new_path: self.path.clone(),
            repo: self.repo.clone(),
        }
    }

    /// The old image without tag, owner lowercased: `ghcr.io/acme-labs/axon-doc-nextjs`.
    pub fn old_image(&self) -> String {
        format!(
            "{}/{}/{}",
            self.host,
            self.owner.to_ascii_lowercase(),
            self.path
        )
    }

    /// The new image without tag, owner lowercased.
    pub fn new_image(&self) -> String {
        format!(
            "{}/{}/{}",
            self.new_host,
            self.new_owner.to_ascii_lowercase(),
            self.new_path
        )
    }
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

/// One place in a text that names an old image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// Byte offset of the first byte to replace.
    pub start: usize,
    /// Byte offset after the last byte to replace.
    pub end: usize,
    /// Index of the rename into the slice given to [`Matcher::new`].
    pub rename: usize,
    /// The text being replaced (`start..end`, lossily decoded).
    pub old: String,
    /// The text replacing it. Tags and digests are outside the range and stay.
    pub replacement: String,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, in characters.
    pub column: usize,
    /// A digest follows: it exists under the new name only after CI pushes it.
    pub digest_pinned: bool,
    /// Host or owner written with uppercase letters (kept as written; Docker refuses
    /// uppercase image references).
    pub uppercase: bool,
    /// How the reference was written.
    pub form: Form,
    /// A host or owner that changes is written as a variable and was kept: the variable's
    /// value must change too.
    pub kept_variable: bool,
}

/// Finds references to the old names of a set of renames.
#[derive(Debug, Clone)]
pub struct Matcher {
    originals: Vec<Rename>,
    renames: Vec<Prepared>,
    searcher: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    /// Renames whose path is spelled `repo` + suffix: (rename, suffix), longest suffix first.
    repo_rules: Vec<(usize, Vec<u8>)>,
}

#[derive(Debug, Clone)]
enum Pattern {
    /// A package path, for these renames.
    Path(Vec<usize>),
    /// A nested package path with `/` written `%2F` (package-page links), for these renames.
    EncodedPath(Vec<usize>),
    /// `github.repository`.
    Expression,
    /// `GITHUB_REPOSITORY`.
    EnvVariable,
}

#[derive(Debug, Clone)]
struct Prepared {
    host: Vec<u8>,
    owner: Vec<u8>,
    owner_configured: String,
    new_host: String,
    new_owner: String,
    new_owner_lc: String,
    new_path: String,
    host_changed: bool,
    owner_changed: bool,
    /// With the owner unchanged and the new path spelled `repo` + suffix: that suffix.
    new_repo_suffix: Option<String>,
}

/// A reference before its line and column are known.
struct Found {
    start: usize,
    end: usize,
    rename: usize,
    replacement: String,
    tail: Tail,
    uppercase: bool,
    form: Form,
    kept_variable: bool,
}

impl Matcher {
    /// A matcher for these renames; a [`Reference::rename`] indexes into `renames`.
    pub fn new(renames: &[Rename]) -> Matcher {
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
        let mut prepared = Vec::new();
        for (index, r) in renames.iter().enumerate() {
            if r.path.is_empty() {
                prepared.push(prepare(r));
                continue;
            }
            add(r.path.as_bytes().to_vec(), index, false);
            if r.path.contains('/') {
                add(r.path.replace('/', "%2F").into_bytes(), index, true);
                add(r.path.replace('/', "%2f").into_bytes(), index, true);
            }
            if let Some(suffix) = strip_prefix_ci(&r.path, &r.repo) {
                repo_rules.push((index, suffix.as_bytes().to_vec()));
            }
            prepared.push(prepare(r));
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
        Matcher {
            originals: renames.to_vec(),
            renames: prepared,
            searcher,
            patterns: literals.into_iter().map(|(_, p)| p).collect(),
            repo_rules,
        }
    }

    /// The renames this matcher looks for.
    pub fn renames(&self) -> &[Rename] {
        &self.originals
    }

    /// Whether `text` holds a candidate at all: the one search a file without references
    /// costs.
    pub fn has_candidate(&self, text: &[u8]) -> bool {
        self.searcher.as_ref().is_some_and(|s| s.is_match(text))
    }

    /// References in `text`, in order, none overlapping.
    pub fn find(&self, text: &str) -> Vec<Reference> {
        self.find_bytes(text.as_bytes())
    }

    /// References in `text`, which need not be UTF-8 (the rules only look at ASCII bytes).
    pub fn find_bytes(&self, text: &[u8]) -> Vec<Reference> {
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
        for f in found {
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
            let (line, column) = lines.locate(f.start);
            out.push(Reference {
                start: f.start,
                end: f.end,
                rename: f.rename,
                old: String::from_utf8_lossy(&text[f.start..f.end]).into_owned(),
                replacement: f.replacement,
                line,
                column,
                digest_pinned: f.tail.digest_pinned,
                uppercase: f.uppercase,
                form: f.form,
                kept_variable: f.kept_variable,
            });
        }
        out
    }

    fn at(&self, t: &[u8], s: usize, e: usize, pattern: &Pattern) -> Option<Found> {
        match pattern {
            Pattern::Path(list) => list.iter().find_map(|&r| {
                self.image(t, s, e, r)
                    .or_else(|| self.link(t, s, e, r, false))
            }),
            Pattern::EncodedPath(list) => list.iter().find_map(|&r| self.link(t, s, e, r, true)),
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
    fn image(&self, t: &[u8], s: usize, e: usize, r: usize) -> Option<Found> {
        let rename = &self.renames[r];
        let tail = syntax::image_tail(t, e)?;
        let owner_slash = s.checked_sub(1).filter(|&i| t[i] == b'/')?;
        let owner = syntax::segment_before(t, owner_slash)?;
        if let Segment::Variable(v) = owner
            && syntax::is_repository_variable(&t[v..owner_slash])
        {
            return None;
        }
        if let Segment::Literal(o) = owner
            && !t[o..owner_slash].eq_ignore_ascii_case(&rename.owner)
        {
            return None;
        }
        let host_slash = owner.start().checked_sub(1).filter(|&i| t[i] == b'/')?;
        let host = self.host_before(t, host_slash, rename)?;
        let mut replacement = String::new();
        let mut kept_variable = false;
        kept_variable |= push_host(&mut replacement, t, host, host_slash, rename);
        replacement.push('/');
        kept_variable |= push_owner(&mut replacement, t, owner, owner_slash, rename);
        replacement.push('/');
        replacement.push_str(&rename.new_path);
        Some(Found {
            start: host.start(),
            end: e,
            rename: r,
            replacement,
            tail,
            uppercase: has_upper(t, host, host_slash) || has_upper(t, owner, owner_slash),
            form: Form::Image,
            kept_variable,
        })
    }

    /// A package page: `github.com/OWNER/REPO/pkgs/container/PATH`,
    /// `github.com/{users,orgs}/OWNER/packages/container/[package/]PATH`.
    fn link(&self, t: &[u8], s: usize, e: usize, r: usize, encoded: bool) -> Option<Found> {
        let rename = &self.renames[r];
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
        if let Segment::Literal(o) = owner
            && !t[o..owner_slash].eq_ignore_ascii_case(&rename.owner)
        {
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
        let mut replacement = String::from_utf8_lossy(&t[site..owner.start()]).into_owned();
        let kept_variable = push_owner(&mut replacement, t, owner, owner_slash, rename);
        replacement.push_str(&String::from_utf8_lossy(&t[owner_slash..s]));
        if encoded {
            let escape = if t[s..e].windows(3).any(|w| w == b"%2f") {
                "%2f"
            } else {
                "%2F"
            };
            replacement.push_str(&rename.new_path.replace('/', escape));
        } else {
            replacement.push_str(&rename.new_path);
        }
        Some(Found {
            start: site,
            end: e,
            rename: r,
            replacement,
            tail,
            uppercase: has_upper(t, owner, owner_slash),
            form: Form::PackageLink,
            kept_variable,
        })
    }

    /// `${{ github.repository }}` (or an env form) at `es..ee`, plus the rest of a path.
    fn repository(&self, t: &[u8], es: usize, ee: usize) -> Option<Found> {
        for (r, suffix) in &self.repo_rules {
            let rename = &self.renames[*r];
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
                .and_then(|slash| Some((self.host_before(t, slash, rename)?, slash)));
            if host.is_none() && !syntax::image_key_before(t, es) {
                continue;
            }
            let mut replacement = String::new();
            let mut kept_variable = false;
            if let Some((h, slash)) = host {
                kept_variable |= push_host(&mut replacement, t, h, slash, rename);
                replacement.push('/');
            }
            match &rename.new_repo_suffix {
                Some(new_suffix) => {
                    replacement.push_str(&String::from_utf8_lossy(&t[es..ee]));
                    replacement.push_str(new_suffix);
                }
                None => {
                    replacement.push_str(&rename.new_owner_lc);
                    replacement.push('/');
                    replacement.push_str(&rename.new_path);
                }
            }
            return Some(Found {
                start: host.map_or(es, |(h, _)| h.start()),
                end,
                rename: *r,
                replacement,
                tail,
                uppercase: host.is_some_and(|(h, slash)| has_upper(t, h, slash)),
                form: Form::RepositoryExpression,
                kept_variable,
            });
        }
        None
    }

    /// The host segment ending at `slash`: the rename's host (any case) or a variable.
    fn host_before(&self, t: &[u8], slash: usize, rename: &Prepared) -> Option<Segment> {
        if let Some(v) = syntax::variable_before(t, slash) {
            return Some(Segment::Variable(v));
        }
        if rename.host.is_empty() {
            return None;
        }
        syntax::word_before(t, slash, &rename.host).map(Segment::Literal)
    }
}

fn prepare(r: &Rename) -> Prepared {
    let owner_changed = !r.owner.eq_ignore_ascii_case(&r.new_owner);
    Prepared {
        host: r.host.as_bytes().to_vec(),
        owner: r.owner.as_bytes().to_vec(),
        owner_configured: r.owner.clone(),
        new_host: r.new_host.clone(),
        new_owner: r.new_owner.clone(),
        new_owner_lc: r.new_owner.to_ascii_lowercase(),
        new_path: r.new_path.clone(),
        host_changed: !r.host.eq_ignore_ascii_case(&r.new_host),
        owner_changed,
        new_repo_suffix: if owner_changed {
            None
        } else {
            strip_prefix_ci(&r.new_path, &r.repo).map(str::to_owned)
        },
    }
}

/// `s` without `prefix` (ASCII case-insensitive); `None` when `prefix` is empty.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let ok = !prefix.is_empty()
        && s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    ok.then(|| &s[prefix.len()..])
}

/// Start of `suffix` when `hay` ends with it (ASCII case-insensitive).
fn ends_with_ci(hay: &[u8], suffix: &[u8]) -> Option<usize> {
    let s = hay.len().checked_sub(suffix.len())?;
    hay[s..].eq_ignore_ascii_case(suffix).then_some(s)
}

/// Appends the host as it should read after the rename; true when a changing host is a
/// variable and was kept.
fn push_host(out: &mut String, t: &[u8], host: Segment, end: usize, r: &Prepared) -> bool {
    let written = String::from_utf8_lossy(&t[host.start()..end]);
    match host {
        Segment::Variable(_) => {
            out.push_str(&written);
            r.host_changed
        }
        Segment::Literal(_) if r.host_changed => {
            out.push_str(&r.new_host);
            false
        }
        Segment::Literal(_) => {
            out.push_str(&written);
            false
        }
    }
}

/// Appends the owner as it should read after the rename: as written unless the owner
/// changes; a changing owner written with capitals exactly as configured becomes the new
/// owner as configured (so renaming back restores it), otherwise the new owner in
/// lowercase. True when a changing owner is a
/// variable and was kept.
fn push_owner(out: &mut String, t: &[u8], owner: Segment, end: usize, r: &Prepared) -> bool {
    let written = String::from_utf8_lossy(&t[owner.start()..end]);
    match owner {
        Segment::Variable(_) => {
            out.push_str(&written);
            r.owner_changed
        }
        Segment::Literal(_) if !r.owner_changed => {
            out.push_str(&written);
            false
        }
        Segment::Literal(_)
            if written == r.owner_configured && written.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            out.push_str(&r.new_owner);
            false
        }
        Segment::Literal(_) => {
            out.push_str(&r.new_owner_lc);
            false
        }
    }
}

fn has_upper(t: &[u8], seg: Segment, end: usize) -> bool {
    matches!(seg, Segment::Literal(_)) && t[seg.start()..end].iter().any(u8::is_ascii_uppercase)
}
