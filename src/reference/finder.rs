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

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind, Span, packed};
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

/// Whether documentation placeholders for the owner (`<owner>`, `your-username`, `OWNER`,
/// `{github_user}`) count as the image's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Placeholders {
    /// Never (the default): only the owner itself or a variable.
    #[default]
    Skip,
    /// Besides the owner and variables.
    Include,
    /// Only placeholders: the probable references `rename` reports.
    Only,
}

/// How a reference was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// `HOST/OWNER/PATH`, host and owner literal or variables.
    Image,
    /// `HOST\/OWNER\/PATH` as a sed pattern escapes it (`HOST` may be `ghcr\.io`).
    Escaped,
    /// A registry API URL: `HOST/v2/OWNER/PATH/manifests/…` (or `/tags/`, `/blobs/`).
    RegistryApi,
    /// A packages REST API path: `/orgs/OWNER/packages/container/PATH`,
    /// `/users/OWNER/packages/container/PATH`, `/user/packages/container/PATH`.
    PackagesApi,
    /// `HOST/OWNER/` and a path spelled with a loop variable (`ghcr.io/o/p/$img-dev`),
    /// when the text holds the loop (`for img in a b c`) and every value names an image.
    LoopVariable,
    /// A definition the workflow reader found (`$(echo ${{ github.repository }} | tr …)`,
    /// `${repo_name,,}`, `format()`, Helm `repository:`): only the text after the
    /// repository name is rewritten.
    Definition,
    /// `OWNER/PATH`, exactly, assigned to a key whose name contains `image`
    /// (`IMAGE_NAME: owner/name`) that the same text uses after a registry
    /// (`${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}`, `$REGISTRY/$IMAGE_NAME`).
    ImageName,
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
    /// The owner is a documentation placeholder (`<owner>`, `your-username`).
    pub placeholder: bool,
    /// The loop form: the variable's range in the path, and per loop value the image it
    /// names and the value's length.
    pub loop_images: Option<LoopImages>,
}

/// A loop variable's range in a path, and per loop value the image it names and the
/// value's length.
pub type LoopImages = (Range<usize>, Vec<(usize, usize)>);

/// Finds references to a set of images.
#[derive(Debug, Clone)]
pub struct Finder {
    images: Vec<Image>,
    searcher: Option<Literals>,
    patterns: Vec<Pattern>,
    /// Images whose path is spelled `repo` + suffix: (image, suffix), longest suffix first.
    repo_rules: Vec<(usize, Vec<u8>)>,
    /// Per image: its host with `.` escaped as sed patterns write it (`ghcr\.io`).
    escaped_hosts: Vec<Vec<u8>>,
    placeholders: Placeholders,
}

#[derive(Debug, Clone)]
enum Pattern {
    /// A package path, for these images.
    Path(Vec<usize>),
    /// A nested package path with `/` written `%2F` (package-page links), for these images.
    EncodedPath(Vec<usize>),
    /// A nested package path with `/` written `\/` (sed patterns), for these images.
    EscapedPath(Vec<usize>),
    /// `github.repository`.
    Expression,
    /// `GITHUB_REPOSITORY`.
    EnvVariable,
    /// `host/owner/` in lowercase, for these images: where a loop variable may follow.
    HostOwner(Vec<usize>),
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
            placeholder: false,
            loop_images: None,
        }
    }
}

impl Finder {
    /// A finder for these images; a [`Found::image`] indexes into `images`.
    pub fn new(images: &[Image]) -> Finder {
        Finder::with_placeholders(images, Placeholders::Skip)
    }

    /// A finder for these images that treats owner placeholders as `placeholders` says.
    pub fn with_placeholders(images: &[Image], placeholders: Placeholders) -> Finder {
        let mut literals: Vec<(Vec<u8>, Pattern)> = Vec::new();
        // kind: 0 plain, 1 `%2F`-encoded, 2 `\/`-escaped.
        let mut add = |bytes: Vec<u8>, index: usize, kind: u8| {
            let found = literals.iter_mut().find(|(b, p)| {
                *b == bytes
                    && matches!(
                        (p, kind),
                        (Pattern::Path(_), 0)
                            | (Pattern::EncodedPath(_), 1)
                            | (Pattern::EscapedPath(_), 2)
                    )
            });
            match found {
                Some((
                    _,
                    Pattern::Path(list) | Pattern::EncodedPath(list) | Pattern::EscapedPath(list),
                )) => list.push(index),
                _ => {
                    let p = match kind {
                        0 => Pattern::Path(vec![index]),
                        1 => Pattern::EncodedPath(vec![index]),
                        _ => Pattern::EscapedPath(vec![index]),
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
            add(image.path.as_bytes().to_vec(), index, 0);
            if image.path.contains('/') {
                add(image.path.replace('/', "%2F").into_bytes(), index, 1);
                add(image.path.replace('/', "%2f").into_bytes(), index, 1);
                add(image.path.replace('/', "\\/").into_bytes(), index, 2);
            }
            if let Some(suffix) = strip_prefix_ci(&image.path, &image.repo) {
                repo_rules.push((index, suffix.as_bytes().to_vec()));
            }
        }
        repo_rules.sort_by_key(|(i, s)| (std::cmp::Reverse(s.len()), *i));
        for (index, image) in images.iter().enumerate() {
            if image.host.is_empty() || image.owner.is_empty() || image.path.is_empty() {
                continue;
            }
            let bytes = format!("{}/{}/", image.host, image.owner).to_ascii_lowercase();
            match literals
                .iter_mut()
                .find(|(b, p)| *b == bytes.as_bytes() && matches!(p, Pattern::HostOwner(_)))
            {
                Some((_, Pattern::HostOwner(list))) => list.push(index),
                _ => literals.push((bytes.into_bytes(), Pattern::HostOwner(vec![index]))),
            }
        }
        if !repo_rules.is_empty() {
            literals.push((b"github.repository".to_vec(), Pattern::Expression));
            literals.push((b"GITHUB_REPOSITORY".to_vec(), Pattern::EnvVariable));
        }
        let searcher =
            (!literals.is_empty()).then(|| Literals::new(literals.iter().map(|(b, _)| b)));
        Finder {
            images: images.to_vec(),
            searcher,
            patterns: literals.into_iter().map(|(_, p)| p).collect(),
            repo_rules,
            escaped_hosts: images
                .iter()
                .map(|i| i.host.replace('.', "\\.").into_bytes())
                .collect(),
            placeholders,
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
        let mut used = UsedKeys::default();
        let mut pos = 0;
        while pos < text.len() {
            let Some(m) = searcher.find(text, pos) else {
                break;
            };
            let hit = self.at(
                text,
                m.start(),
                m.end(),
                &self.patterns[m.pattern().as_usize()],
                &mut used,
            );
            match hit {
                Some(f) if found.last().is_none_or(|last| last.end <= f.start) => {
                    pos = f.end.max(m.end());
                    found.push(f);
                }
                // A `host/owner/` without a loop variable after it: the path that follows
                // is searched next.
                None if matches!(self.patterns[m.pattern().as_usize()], Pattern::HostOwner(_)) => {
                    pos = m.end();
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

    fn at(
        &self,
        t: &[u8],
        s: usize,
        e: usize,
        pattern: &Pattern,
        used: &mut UsedKeys,
    ) -> Option<Found> {
        let found = match pattern {
            Pattern::Path(list) => list.iter().find_map(|&i| {
                self.image(t, s, e, i, false)
                    .or_else(|| self.link(t, s, e, i))
                    .or_else(|| self.image_name(t, s, e, i, used))
            }),
            Pattern::EncodedPath(list) => list.iter().find_map(|&i| self.link(t, s, e, i)),
            Pattern::EscapedPath(list) => list.iter().find_map(|&i| self.image(t, s, e, i, true)),
            Pattern::Expression => {
                let (es, ee) = syntax::expression_around(t, s, e)?;
                self.repository(t, es, ee)
            }
            Pattern::EnvVariable => {
                let (es, ee) = syntax::env_variable_around(t, s, e)?;
                self.repository(t, es, ee)
            }
            Pattern::HostOwner(list) => self.loop_variable(t, s, e, list, used),
        }?;
        let wanted = match self.placeholders {
            Placeholders::Skip => !found.placeholder,
            Placeholders::Include => true,
            Placeholders::Only => found.placeholder,
        };
        wanted.then_some(found)
    }

    /// The owner segment ending at `slash`, if it may be the image's: the owner in any
    /// case, a variable (not the repository's), or a placeholder (flagged).
    fn owner_at(&self, t: &[u8], slash: usize, image: &Image) -> Option<(Segment, bool)> {
        if self.placeholders != Placeholders::Skip
            && let Some(p) = syntax::placeholder_before(t, slash)
            && !t[p..slash].eq_ignore_ascii_case(image.owner.as_bytes())
        {
            return Some((Segment::Literal(p), true));
        }
        let owner = syntax::segment_before(t, slash)?;
        if let Segment::Variable(v) = owner
            && syntax::is_repository_variable(&t[v..slash])
        {
            return None;
        }
        owner_matches(t, owner, slash, image).then_some((owner, false))
    }

    /// `HOST/OWNER/` at `s..e` followed by a path with one loop variable whose values, in
    /// the text's `for VAR in …` loop, all name images of `list`.
    fn loop_variable(
        &self,
        t: &[u8],
        s: usize,
        e: usize,
        list: &[usize],
        used: &mut UsedKeys,
    ) -> Option<Found> {
        if !syntax::starts_word(t, s) {
            return None;
        }
        // The path: path bytes and exactly one `$VAR` / `${VAR}`.
        let mut i = e;
        let mut var: Option<(Range<usize>, Range<usize>)> = None;
        while i < t.len() && i - e < 256 {
            let b = t[i];
            if b == b'$' {
                let end = syntax::expression_at(t, i)?;
                let name = if t[i + 1] == b'{' {
                    i + 2..end - 1
                } else {
                    i + 1..end
                };
                if var.is_some()
                    || !t[name.clone()]
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return None;
                }
                var = Some((i..end, name));
                i = end;
            } else if b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'/')
                || (b == b'.' && syntax::continues_path(t, i))
            {
                i += 1;
            } else {
                break;
            }
        }
        let (var, name) = var?;
        let tail = syntax::image_tail(t, i)?;
        let values = used.loop_values(t, &t[name], s)?;
        let (before, after) = (&t[e..var.start], &t[var.end..i]);
        let mut images = Vec::with_capacity(values.len());
        for v in values.iter() {
            let mut path = before.to_vec();
            path.extend_from_slice(v);
            path.extend_from_slice(after);
            let image = list
                .iter()
                .copied()
                .find(|&k| self.images[k].path.as_bytes() == path.as_slice())?;
            images.push((image, v.len()));
        }
        let owner_slash = e - 1;
        let owner = syntax::segment_before(t, owner_slash)?;
        let host_slash = owner.start().checked_sub(1)?;
        let host = Segment::Literal(s);
        Some(Found {
            host: Some((host, host_slash)),
            owner: Some((owner, owner_slash)),
            loop_images: Some((var, images.clone())),
            ..Found::at(Form::LoopVariable, images[0].0, s, e..i, tail)
        })
    }

    /// `OWNER/PATH` with the path at `s..e`, exactly the value of a key whose name holds
    /// `image` that the text uses after a registry.
    fn image_name(
        &self,
        t: &[u8],
        s: usize,
        e: usize,
        i: usize,
        used: &mut UsedKeys,
    ) -> Option<Found> {
        let image = &self.images[i];
        let owner_slash = s.checked_sub(1).filter(|&i| t[i] == b'/')?;
        let (owner, placeholder) = self.owner_at(t, owner_slash, image)?;
        if !syntax::value_ends(t, e) {
            return None;
        }
        let key = syntax::image_key_range(t, owner.start())?;
        if !used.after_registry(t, &t[key], image.host.as_bytes()) {
            return None;
        }
        Some(Found {
            owner: Some((owner, owner_slash)),
            placeholder,
            ..Found::at(Form::ImageName, i, owner.start(), s..e, Tail::default())
        })
    }

    /// `HOST/OWNER/PATH` with the path at `s..e`; also sed-escaped (`HOST\/OWNER\/PATH`,
    /// `escaped_hit` when the nested path itself is written with `\/`) and in registry API
    /// URLs (`HOST/v2/OWNER/PATH/manifests/…`).
    fn image(&self, t: &[u8], s: usize, e: usize, i: usize, escaped_hit: bool) -> Option<Found> {
        let image = &self.images[i];
        let (owner_slash, escaped) = syntax::separator_before(t, s)?;
        if escaped_hit && !escaped {
            return None;
        }
        if escaped && image.path.contains('/') && !escaped_hit {
            return None;
        }
        let (owner, placeholder) = self.owner_at(t, owner_slash, image)?;
        let (mut host_slash, host_escaped) = syntax::separator_before(t, owner.start())?;
        if host_escaped != escaped {
            return None;
        }
        let mut form = if escaped { Form::Escaped } else { Form::Image };
        let host = match self.host_at(t, host_slash, i, escaped) {
            Some(h) => h,
            None if !escaped => {
                // A registry API URL: `HOST/v2/OWNER/…`.
                let v2 = host_slash
                    .checked_sub(2)
                    .filter(|&v| &t[v..host_slash] == b"v2")?;
                let slash = v2.checked_sub(1).filter(|&i| t[i] == b'/')?;
                let host = self.host_at(t, slash, i, false)?;
                host_slash = slash;
                form = Form::RegistryApi;
                host
            }
            None => return None,
        };
        let tail = match form {
            Form::Escaped => syntax::escaped_tail(t, e)?,
            Form::RegistryApi => syntax::api_tail(t, e)?,
            _ => syntax::image_tail(t, e)?,
        };
        Some(Found {
            host: Some((host, host_slash)),
            owner: Some((owner, owner_slash)),
            placeholder,
            ..Found::at(form, i, host.start(), s..e, tail)
        })
    }

    /// The host segment ending at `slash` for image `i`: its host (any case; with `.`
    /// written `\.` when `escaped`) or a variable.
    fn host_at(&self, t: &[u8], slash: usize, i: usize, escaped: bool) -> Option<Segment> {
        let image = &self.images[i];
        if let Some(h) = host_before(t, slash, image) {
            return Some(h);
        }
        let word = &self.escaped_hosts[i];
        let ok = escaped && !image.host.is_empty() && word.as_slice() != image.host.as_bytes();
        ok.then(|| syntax::word_before(t, slash, word).map(Segment::Literal))
            .flatten()
    }

    /// A package page: `github.com/OWNER/REPO/pkgs/container/PATH`,
    /// `github.com/{users,orgs}/OWNER/packages/container/[package/]PATH`; or a packages
    /// REST API path: `[api.github.com]/{users,orgs}/OWNER/packages/container/PATH`,
    /// `/user/packages/container/PATH` (the token's user).
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
        if in_repo.is_none()
            && let Some(user) = ends_with_ci(&t[..owner_slash], b"user")
            && syntax::starts_word(t, user)
            && let Some(start) = api_start(t, user)
        {
            // `/user/packages/container/PATH`: the authenticated user's package.
            return Some(Found::at(Form::PackagesApi, i, start, s..e, tail));
        }
        let (owner, placeholder) = self.owner_at(t, owner_slash, image)?;
        let site_slash = owner.start().checked_sub(1).filter(|&i| t[i] == b'/')?;
        if in_repo.is_none() {
            let kind = syntax::segment_before(t, site_slash)?;
            let word = &t[kind.start()..site_slash];
            if !(word.eq_ignore_ascii_case(b"users") || word.eq_ignore_ascii_case(b"orgs")) {
                return None;
            }
            if let Some(site_slash) = kind.start().checked_sub(1).filter(|&i| t[i] == b'/')
                && let Some(site) = syntax::word_before(t, site_slash, b"github.com")
            {
                return Some(Found {
                    owner: Some((owner, owner_slash)),
                    placeholder,
                    ..Found::at(Form::PackageLink, i, site, s..e, tail)
                });
            }
            let start = api_start(t, kind.start())?;
            return Some(Found {
                owner: Some((owner, owner_slash)),
                placeholder,
                ..Found::at(Form::PackagesApi, i, start, s..e, tail)
            });
        }
        let site = syntax::word_before(t, site_slash, b"github.com")?;
        Some(Found {
            owner: Some((owner, owner_slash)),
            placeholder,
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

/// Start of a packages REST API path whose `users`/`orgs`/`user` word starts at `kind`:
/// after `api.github.com/`, after a `/` that starts a word (`gh api /orgs/…`), or the word
/// itself after a blank or quote (`gh api orgs/…`).
fn api_start(t: &[u8], kind: usize) -> Option<usize> {
    if let Some(slash) = kind.checked_sub(1).filter(|&i| t[i] == b'/') {
        if let Some(site) = syntax::word_before(t, slash, b"api.github.com") {
            return Some(site);
        }
        let ok = slash == 0 || matches!(t[slash - 1], b' ' | b'\t' | b'"' | b'\'' | b'\n' | b'=');
        return ok.then_some(slash);
    }
    let ok = kind > 0 && matches!(t[kind - 1], b' ' | b'\t' | b'"' | b'\'');
    ok.then_some(kind)
}

/// Per text: whether a key is used after a registry (`/${{ env.KEY }}`, `/$KEY`,
/// `/${KEY}`), and the values of a loop variable, each searched once.
#[derive(Debug, Default)]
struct UsedKeys(Vec<(Vec<u8>, bool)>, Vec<(Vec<u8>, Loops)>);

/// Every `for VAR in …` loop of one variable: where it starts and its values (`None`: not
/// plain words).
type Loops = Vec<(usize, Option<Vec<Vec<u8>>>)>;

impl UsedKeys {
    /// The values of the last `for VAR in v1 v2 …` loop before `at`, unquoted.
    fn loop_values(&mut self, t: &[u8], var: &[u8], at: usize) -> Option<Vec<Vec<u8>>> {
        let index = match self.1.iter().position(|(k, _)| k.as_slice() == var) {
            Some(i) => i,
            None => {
                // Texts with many loop variables are searched for the first few.
                if self.1.len() >= 64 {
                    return None;
                }
                self.1.push((var.to_vec(), loops(t, var)));
                self.1.len() - 1
            }
        };
        let loops = &self.1[index].1;
        let before = loops.partition_point(|(start, _)| *start < at);
        loops.get(before.checked_sub(1)?)?.1.clone()
    }

    fn after_registry(&mut self, t: &[u8], key: &[u8], host: &[u8]) -> bool {
        let id = [key, b"@", host].concat();
        if let Some((_, used)) = self.0.iter().find(|(k, _)| *k == id) {
            return *used;
        }
        let used = used_after_registry(t, key, host);
        // A text assigning thousands of different keys is searched for the first few.
        if self.0.len() < 64 {
            self.0.push((id, used));
        }
        used
    }
}

/// Whether `t` uses `key` right after a registry: `REGISTRY/${{ env.KEY }}`,
/// `REGISTRY/${KEY}` or `REGISTRY/$KEY`, where `REGISTRY` is a variable or `host` (a
/// literal other registry, `docker.io/${{ env.KEY }}`, does not count).
fn used_after_registry(t: &[u8], key: &[u8], host: &[u8]) -> bool {
    let k = String::from_utf8_lossy(key);
    let after_registry = |slash: usize| {
        syntax::variable_before(t, slash).is_some()
            || (!host.is_empty() && syntax::word_before(t, slash, host).is_some())
    };
    let forms = [
        format!("/${{{k}}}"),
        format!("/${{{{ env.{k} }}}}"),
        format!("/${{{{env.{k}}}}}"),
    ];
    if forms
        .iter()
        .any(|p| memchr::memmem::find_iter(t, p.as_bytes()).any(after_registry))
    {
        return true;
    }
    let bare = format!("/${k}");
    memchr::memmem::find_iter(t, bare.as_bytes()).any(|i| {
        !t.get(i + bare.len())
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
            && after_registry(i)
    })
}

/// Every `for VAR in v1 v2 …` loop in `t`, in order, with its values.
fn loops(t: &[u8], var: &[u8]) -> Loops {
    let head = [b"for ", var, b" in "].concat();
    memchr::memmem::find_iter(t, &head)
        .filter(|&i| syntax::starts_word(t, i))
        .map(|i| (i, loop_values(t, i + head.len())))
        .collect()
}

/// The values of a loop whose list starts at `start`: words up to `;`, the end of the line
/// or `do`, quotes removed. `None` when a value is not a plain word (a glob, a command
/// substitution, a variable).
fn loop_values(t: &[u8], start: usize) -> Option<Vec<Vec<u8>>> {
    let rest = &t[start..t.len().min(start + 1024)];
    let end = rest
        .iter()
        .position(|&b| matches!(b, b';' | b'\n' | b'\r'))
        .unwrap_or(rest.len());
    let mut values = Vec::new();
    for word in rest[..end].split(|b| b.is_ascii_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if word == b"do" {
            break;
        }
        let word = word
            .strip_prefix(b"\"")
            .and_then(|w| w.strip_suffix(b"\""))
            .or_else(|| word.strip_prefix(b"'").and_then(|w| w.strip_suffix(b"'")))
            .unwrap_or(word);
        if word.is_empty()
            || !word
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        {
            return None;
        }
        values.push(word.to_vec());
    }
    (!values.is_empty()).then_some(values)
}

/// The literal search a finder starts from, leftmost-longest: a packed (Teddy) searcher,
/// one vectorised pass over a text, when the machine and the number of literals allow it;
/// else the automaton. The automaton's own prefilter is no substitute: for a few literals
/// it picks up to three "rare" bytes (`.`, `/`, `-`) that are everywhere in code and
/// stops on each one.
#[derive(Debug, Clone)]
pub(crate) enum Literals {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

/// Most literals Teddy takes (more fall back to Rabin-Karp, slower than the automaton).
const MAX_PACKED: usize = 64;

impl Literals {
    pub(crate) fn new<'a, L: AsRef<[u8]> + 'a>(
        literals: impl Iterator<Item = &'a L> + Clone,
    ) -> Literals {
        let packed = (literals.clone().count() <= MAX_PACKED)
            .then(|| {
                packed::Config::new()
                    .match_kind(packed::MatchKind::LeftmostLongest)
                    .builder()
                    .extend(literals.clone().map(AsRef::as_ref))
                    .build()
            })
            .flatten();
        match packed {
            Some(p) => Literals::Packed(p),
            None => Literals::Automaton(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(literals.map(AsRef::as_ref))
                    .expect("a few short literals always build"),
            ),
        }
    }

    fn is_match(&self, text: &[u8]) -> bool {
        self.find(text, 0).is_some()
    }

    /// The leftmost-longest literal at or after `from`.
    pub(crate) fn find(&self, text: &[u8], from: usize) -> Option<aho_corasick::Match> {
        let span = Span::from(from..text.len());
        match self {
            Literals::Packed(p) => p.find_in(text, span),
            Literals::Automaton(a) => a.find(Input::new(text).span(span)),
        }
    }
}
