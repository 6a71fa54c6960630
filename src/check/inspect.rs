//! [`Inspector`]: the per-file rules of `check`, as a pure function from a file's bytes to
//! [`Hit`]s (byte ranges with what is wrong and how to fix it).
//!
//! The gate (ASCII case-insensitive) holds every literal a rule starts from: the old and
//! current package paths (and their `%2F` forms), `github.repository` /
//! `GITHUB_REPOSITORY`, the registry host followed by `/` (any case; the owner after it is
//! compared case-insensitively), and the GitHub token prefixes. A packed (Teddy) search for
//! the case spellings of a 3-byte window of each literal runs over the file; only around a
//! window found does the case-insensitive automaton look. A file without a gate match costs
//! that one vectorised pass; only the others go through the rules.
//! References are found by the one grammar ([`crate::reference`]): the configured images
//! with its [`Finder`], the old names with `rename`'s [`Matcher`] (which maps each to the
//! current image, for the fix).
//!
//! - **stale name**: a reference, by the rules of `rename`, to a name in some service's
//!   `renamed_from`; the fix is the service's current image with the tag or digest as
//!   written.
//! - **unpullable**: a reference to a configured image with uppercase letters in its path
//!   (owner or package) or with an invalid tag; and, as a warning in compose and
//!   Kubernetes files, `HOST/OWNER/PACKAGE` naming a package the config does not describe.
//! - **secret**: a GitHub token. Its value never leaves this module: hits carry ranges, and
//!   messages name only the token's kind and prefix.
//!
//! A line holding `ghcr-gen: ignore` yields no hits. References are not looked for in the
//! config file itself (its `renamed_from` lists the old names); tokens are.

use std::ops::Range;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Input, MatchKind, packed};

use super::finding::Kind;
use super::secrets::{self, TokenFinder};
use super::tag;
use crate::diagnostic::Severity;
use crate::model::Model;
use crate::reference::syntax;
use crate::reference::text::line_bounds;
use crate::reference::{Finder, Form, HostFinder, IGNORE_MARKER, Image, Tail, tail_at};
use crate::rewrite::{Matcher, Reference, Rename};

/// One problem at a byte range of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub kind: Kind,
    pub severity: Severity,
    /// Byte range the problem is about.
    pub span: Range<usize>,
    /// One line saying what is wrong.
    pub message: String,
    /// Placed under the span.
    pub label: String,
    /// How to fix it.
    pub fix: String,
}

/// The per-file rules for one model.
#[derive(Debug, Clone)]
pub(crate) struct Inspector {
    gate: Gate,
    /// The configured images, found by the grammar (`Found::image` is the service).
    current: Finder,
    /// Every old name (`renamed_from`) mapped to its service's current image.
    stale: Matcher,
    /// Per rename of `stale`: the service it belongs to.
    stale_service: Vec<usize>,
    tokens: TokenFinder,
    /// What manifests pull compared with what CI publishes.
    consumers: super::consumer::Consumers,
    /// `host/` in any letter case.
    hosts: HostFinder,
    registry: String,
    owner_lc: String,
    /// Packages under `registry/owner_lc/`: the configured ones and the old names.
    known: Vec<Known>,
    images: Vec<String>,
    packages: Vec<String>,
    service_names: Vec<String>,
    config_path: PathBuf,
}

impl Inspector {
    /// The rules for `model`: its images, their old names and its owner.
    pub(crate) fn new(model: &Model) -> Inspector {
        let mut current = Vec::new();
        let mut renames = Vec::new();
        let mut stale_service = Vec::new();
        let mut known = Vec::new();
        let registry = model.registry.to_ascii_lowercase();
        for (i, s) in model.services.iter().enumerate() {
            current.push(Image {
                host: model.registry.clone(),
                owner: model.owner.clone(),
                path: s.package.clone(),
                repo: model.repo.clone(),
            });
            known.push(Known {
                path: s.package.clone(),
                service: i,
                stale: false,
            });
        }
        for (i, s) in model.services.iter().enumerate() {
            for old in &s.renamed_from {
                let Some((host, owner, path)) = split_image(old) else {
                    continue;
                };
                renames.push(Rename {
                    host: host.into(),
                    owner: owner.into(),
                    path: path.into(),
                    new_host: model.registry.clone(),
                    new_owner: model.owner.clone(),
                    new_path: s.package.clone(),
                    repo: model.repo.clone(),
                });
                stale_service.push(i);
                if host.eq_ignore_ascii_case(&registry) && owner.eq_ignore_ascii_case(&model.owner)
                {
                    known.push(Known {
                        path: path.to_ascii_lowercase(),
                        service: i,
                        stale: true,
                    });
                }
            }
        }
        let hosts = HostFinder::new(&[&registry]);
        let paths = current
            .iter()
            .map(|c| c.path.as_str())
            .chain(renames.iter().map(|r| r.path.as_str()));
        let gate = build_gate(paths, &registry);
        Inspector {
            gate,
            current: Finder::new(&current),
            stale: Matcher::new(&renames),
            stale_service,
            tokens: TokenFinder::default(),
            consumers: super::consumer::Consumers::new(model),
            hosts,
            owner_lc: model.owner_lc.clone(),
            known,
            images: model.services.iter().map(|s| s.image.clone()).collect(),
            packages: model.services.iter().map(|s| s.package.clone()).collect(),
            service_names: model.services.iter().map(|s| s.name.clone()).collect(),
            registry,
            config_path: PathBuf::from(&model.config_name),
        }
    }

    /// Whether `text` holds any literal a rule starts from: the one search a clean file
    /// costs.
    /// UTF-16 text is always a candidate: its tokens are searched decoded.
    pub(crate) fn is_candidate(&self, text: &[u8]) -> bool {
        self.gate.is_match(text) || secrets::utf16_order(text).is_some()
    }

    /// Every hit in `text`, the contents of `path` (relative to the model's root), in
    /// order of position.
    pub(crate) fn inspect(&self, path: &Path, text: &[u8]) -> Vec<Hit> {
        if !self.is_candidate(text) {
            return Vec::new();
        }
        self.apply_rules(path, text)
    }

    /// The rules, without the gate.
    fn apply_rules(&self, path: &Path, text: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        // Hits come in order of position: the last line looked at answers the next hit on
        // it, so a long line with many hits is searched once, not once per hit.
        let last_line = std::cell::Cell::new(None::<(usize, usize, bool)>);
        let ignored = |at: usize| {
            if let Some((s, e, ignored)) = last_line.get()
                && (s..=e).contains(&at)
            {
                return ignored;
            }
            let (s, e) = line_bounds(text, at);
            let ignored = memchr::memmem::find(&text[s..e], IGNORE_MARKER.as_bytes()).is_some();
            last_line.set(Some((s, e, ignored)));
            ignored
        };
        for t in self.tokens.find_in(path, text) {
            if ignored(t.start) {
                continue;
            }
            hits.push(secret_hit(t.start..t.end, t.kind, t.prefix));
        }
        if path != self.config_path {
            let mut manifest = None;
            let mut is_manifest =
                || *manifest.get_or_insert_with(|| is_deploy_manifest(path, text));
            let seen = self.owner_references(text, &ignored, &mut is_manifest, &mut hits);
            if is_manifest() {
                self.consumers.hits(text, &ignored, &mut hits);
            }
            if path.starts_with(".github/workflows") {
                self.consumers.cleanup_hits(text, &ignored, &mut hits);
            }
            for r in self.stale.find_bytes(text) {
                if seen.binary_search(&r.start).is_ok() {
                    continue;
                }
                let suffix = match r.form {
                    Form::PackageLink => Tail::default(),
                    _ => tail_at(text, r.end),
                };
                let service = self.stale_service[r.rename];
                let old = self.stale.renames()[r.rename].old_image();
                hits.push(self.stale_hit(text, r.start..r.end, &suffix, service, &old, Some(&r)));
            }
            for f in self.current.find(text) {
                // Written-out host and owner were judged by `owner_references`; here only
                // variable forms remain, whose case cannot be known: judge the tag.
                if seen.binary_search(&f.start).is_ok() || f.form == Form::PackageLink {
                    continue;
                }
                if let Some(h) = tag_hit(text, f.start..f.end, &f.tail) {
                    hits.push(h);
                }
            }
        }
        hits.sort_by_key(|h| (h.span.start, h.kind, h.span.end));
        hits
    }

    /// Hits for `HOST/OWNER/PATH` written out (host any case, owner any case): uppercase
    /// configured images, old names with uppercase letters in the path, invalid tags, and
    /// unknown packages in manifests. Returns the start of every reference it judged, in
    /// increasing order (binary-searched), so the matcher's findings there are not repeated.
    fn owner_references(
        &self,
        text: &[u8],
        ignored: &dyn Fn(usize) -> bool,
        is_manifest: &mut dyn FnMut() -> bool,
        hits: &mut Vec<Hit>,
    ) -> Vec<usize> {
        let mut seen = Vec::new();
        for host in self.hosts.find_iter(text) {
            let start = host.start;
            if !syntax::starts_word(text, start) {
                continue;
            }
            let owner_start = host.end;
            let Some((owner_end, path_end)) = syntax::written_owner_path(text, owner_start) else {
                continue;
            };
            if !text[owner_start..owner_end].eq_ignore_ascii_case(self.owner_lc.as_bytes()) {
                continue;
            }
            if ignored(start) {
                seen.push(start);
                continue;
            }
            let written = &text[owner_end + 1..path_end];
            let lower = written.to_ascii_lowercase();
            let known = self.known.iter().find(|k| k.path.as_bytes() == lower);
            let uppercase = text[owner_start..path_end]
                .iter()
                .any(u8::is_ascii_uppercase);
            match known {
                Some(k) if k.stale && !uppercase => {} // the matcher reports it
                Some(k) if k.stale => {
                    seen.push(start);
                    let suffix = tail_at(text, path_end);
                    hits.push(self.stale_hit(
                        text,
                        start..path_end,
                        &suffix,
                        k.service,
                        &format!("{}/{}/{}", self.registry, self.owner_lc, k.path),
                        None,
                    ));
                }
                Some(k) => {
                    seen.push(start);
                    let suffix = tail_at(text, path_end);
                    if uppercase {
                        hits.push(self.uppercase_hit(
                            text,
                            start..path_end,
                            owner_start,
                            &suffix,
                            k.service,
                        ));
                    }
                    if let Some(h) = tag_hit(text, start..path_end, &suffix) {
                        hits.push(h);
                    }
                }
                None if is_manifest() => {
                    seen.push(start);
                    hits.push(self.unknown_hit(text, start..path_end, &lower));
                }
                None => {}
            }
        }
        seen
    }

    fn stale_hit(
        &self,
        text: &[u8],
        span: Range<usize>,
        suffix: &Tail,
        service: usize,
        old: &str,
        reference: Option<&Reference>,
    ) -> Hit {
        let image = &self.images[service];
        let written_suffix = lossy(&text[suffix.range(span.end)]);
        let new_ref = match reference {
            Some(r) if r.form == Form::PackageLink => r.replacement.clone(),
            Some(r) if r.form != Form::Image || r.old.contains('$') => {
                format!("{}{written_suffix}", r.replacement)
            }
            _ => format!("{image}{written_suffix}"),
        };
        let mut fix = format!("write `{new_ref}`");
        if suffix.digest.is_some() {
            fix.push_str(
                "; the digest exists under the new name only after CI has pushed it there",
            );
        }
        if reference.is_some_and(|r| r.kept_variable) {
            fix.push_str(&format!(
                "; the registry or owner is a variable: make sure it gives {image}"
            ));
        }
        Hit {
            kind: Kind::StaleName,
            severity: Severity::Error,
            span,
            message: format!("stale image name: {old} is now {image}"),
            label: format!(
                "listed in `renamed_from` of service `{}`",
                self.service_names[service]
            ),
            fix,
        }
    }

    fn uppercase_hit(
        &self,
        text: &[u8],
        span: Range<usize>,
        owner_start: usize,
        suffix: &Tail,
        service: usize,
    ) -> Hit {
        let written = lossy(&text[span.clone()]);
        let host = lossy(&text[span.start..owner_start]);
        let fixed = format!(
            "{host}{}/{}{}",
            self.owner_lc,
            self.packages[service],
            lossy(&text[suffix.range(span.end)])
        );
        Hit {
            kind: Kind::Unpullable,
            severity: Severity::Error,
            span,
            message: format!("{written} cannot be pulled: image paths must be lowercase"),
            label: "uppercase letters in the image path".into(),
            fix: format!(
                "write `{fixed}` (GitHub owners are case-insensitive, registry paths are not)"
            ),
        }
    }

    fn unknown_hit(&self, text: &[u8], span: Range<usize>, lower: &[u8]) -> Hit {
        let written = lossy(&text[span.clone()]);
        let lower = String::from_utf8_lossy(lower);
        let candidates: Vec<&str> = self.packages.iter().map(String::as_str).collect();
        let prefix = format!("{}/{}/", self.registry, self.owner_lc);
        let fix = match crate::config::closest(&lower, &candidates) {
            Some(best) => format!(
                "did you mean `{prefix}{best}`? Otherwise add the image to registry.toml, or mark the line `ghcr-gen: ignore`"
            ),
            None => format!(
                "registry.toml describes {}; add the image there, or mark the line `ghcr-gen: ignore`",
                self.images
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Hit {
            kind: Kind::Unpullable,
            severity: Severity::Warning,
            span,
            message: format!("{written} is not an image registry.toml describes"),
            label: format!("unknown package under {prefix}"),
            fix,
        }
    }
}

/// Whether `path` is a docker compose file or a Kubernetes manifest: `compose*.y*ml`,
/// `docker-compose*.y*ml`, `kustomization.y*ml`, or YAML with top-level `apiVersion` and
/// `kind` keys.
pub(crate) fn is_deploy_manifest(path: &Path, text: &[u8]) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
        return false;
    }
    if name.starts_with("compose")
        || name.starts_with("docker-compose")
        || name.starts_with("kustomization.")
    {
        return true;
    }
    let top_level = |key: &[u8]| {
        text.starts_with(key)
            || memchr::memmem::find_iter(text, key).any(|i| i > 0 && text[i - 1] == b'\n')
    };
    top_level(b"apiVersion:") && top_level(b"kind:")
}

#[derive(Debug, Clone)]
struct Known {
    path: String,
    service: usize,
    stale: bool,
}

/// `host`, `owner` and package path of a full image reference `host/owner/path`.
fn split_image(image: &str) -> Option<(&str, &str, &str)> {
    let (host, rest) = image.split_once('/')?;
    let (owner, path) = rest.split_once('/')?;
    (!host.is_empty() && !owner.is_empty() && !path.is_empty()).then_some((host, owner, path))
}

/// The gate: every literal a rule starts from, matched ASCII case-insensitively (hosts are
/// written in any case; for the other literals it only admits a few more texts to the
/// rules), except the exact ones (token prefixes, the docker config key and the
/// `GITHUB_REPOSITORY` variable, which the rules match as written).
///
/// Searched in two steps, so that a clean file costs one vectorised pass: a packed
/// (Teddy) search for every letter-case spelling of a short window of each literal (the
/// window with the fewest letters, so a handful of spellings each; an exact literal's
/// window as written), and, only around a window found, the case-insensitive automaton
/// over the few bytes a literal holding that window can span, an exact literal's match
/// compared byte for byte. The answer is exactly [`Gate::admits`] over the whole text.
#[derive(Debug, Clone)]
struct Gate {
    /// Every literal, ASCII case-insensitive, every match reported (overlapping).
    literals: AhoCorasick,
    /// Per literal: its bytes, and whether only this spelling counts.
    patterns: Vec<(Vec<u8>, bool)>,
    /// Every case spelling of each literal's window; `None` when the packed searcher is not
    /// available (no SIMD, or too many spellings): then `literals` searches alone.
    windows: Option<packed::Searcher>,
    /// Largest offset of a window in its literal.
    max_offset: usize,
    /// Length of the longest literal.
    max_len: usize,
}

/// Bytes of the window a literal is prefiltered on.
const WINDOW: usize = 3;
/// Teddy's limit: more spellings fall back to the automaton alone.
const MAX_SPELLINGS: usize = 64;

impl Gate {
    fn is_match(&self, text: &[u8]) -> bool {
        let Some(windows) = &self.windows else {
            return self.admits(text, 0..text.len());
        };
        let mut at = 0;
        while at < text.len() {
            let Some(m) = windows.find_in(text, aho_corasick::Span::from(at..text.len())) else {
                return false;
            };
            // Any literal whose window starts at `m.start()` lies in this range.
            let start = m.start().saturating_sub(self.max_offset);
            let end = (m.start() + self.max_len).min(text.len());
            if self.admits(text, start..end) {
                return true;
            }
            at = m.start() + 1;
        }
        false
    }

    /// Whether a literal lies in `range` of `text`: any but the exact ones in any case.
    fn admits(&self, text: &[u8], range: Range<usize>) -> bool {
        self.literals
            .find_overlapping_iter(Input::new(text).range(range))
            .any(|m| match &self.patterns[m.pattern().as_usize()] {
                (literal, true) => text[m.range()] == **literal,
                (_, false) => true,
            })
    }
}

fn build_gate<'a>(paths: impl Iterator<Item = &'a str>, registry: &str) -> Gate {
    // Each literal, and whether only its exact spelling matters to the rules (token
    // prefixes and the shell variable are case-sensitive): such a literal's window is
    // searched as written, one spelling instead of up to eight.
    let mut literals: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut add = |b: Vec<u8>, exact: bool| {
        if !b.is_empty() && !literals.iter().any(|(l, _)| *l == b) {
            literals.push((b, exact));
        }
    };
    for path in paths {
        add(path.as_bytes().to_vec(), false);
        if path.contains('/') {
            add(path.replace('/', "%2F").into_bytes(), false);
            add(path.replace('/', "%2f").into_bytes(), false);
        }
    }
    add(b"github.repository".to_vec(), false);
    add(b"GITHUB_REPOSITORY".to_vec(), true);
    // Cleanup jobs: packages REST API paths and delete-package-versions inputs.
    add(b"packages/container/".to_vec(), false);
    add(b"package-name".to_vec(), false);
    add(format!("{registry}/").into_bytes(), false);
    for p in secrets::PREFIXES {
        add(p.as_bytes().to_vec(), true);
    }
    add(secrets::AUTH_KEY.as_bytes().to_vec(), true);
    // The verifying automaton admits every literal in any case: a superset of what the
    // windows let through, so the rules see exactly what they saw before.
    let automaton = AhoCorasickBuilder::new()
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(literals.iter().map(|(l, _)| l))
        .expect("a few short literals always build");
    let mut spellings: Vec<Vec<u8>> = Vec::new();
    let mut max_offset = 0;
    for (literal, exact) in &literals {
        let (offset, window) = window_of(literal);
        max_offset = max_offset.max(offset);
        let spelled = if *exact {
            vec![window.to_vec()]
        } else {
            case_spellings(window)
        };
        for s in spelled {
            if !spellings.contains(&s) {
                spellings.push(s);
            }
        }
    }
    let windows = (spellings.len() <= MAX_SPELLINGS)
        .then(|| {
            packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(&spellings)
                .build()
        })
        .flatten();
    Gate {
        literals: automaton,
        windows,
        max_offset,
        max_len: literals.iter().map(|(l, _)| l.len()).max().unwrap_or(0),
        patterns: literals,
    }
}

/// The window of `literal` with the fewest letters (fewest case spellings), preferring one
/// holding punctuation (rarer in text), and its offset.
fn window_of(literal: &[u8]) -> (usize, &[u8]) {
    if literal.len() <= WINDOW {
        return (0, literal);
    }
    let cost = |w: &[u8]| {
        let letters = w.iter().filter(|b| b.is_ascii_alphabetic()).count();
        let plain = w.iter().filter(|b| b.is_ascii_alphanumeric()).count();
        (letters, plain)
    };
    let offset = (0..=literal.len() - WINDOW)
        .min_by_key(|&i| cost(&literal[i..i + WINDOW]))
        .unwrap_or(0);
    (offset, &literal[offset..offset + WINDOW])
}

/// Every ASCII letter-case spelling of `window`.
fn case_spellings(window: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::with_capacity(window.len())];
    for &b in window {
        let (lo, up) = (b.to_ascii_lowercase(), b.to_ascii_uppercase());
        if lo == up {
            out.iter_mut().for_each(|s| s.push(b));
        } else {
            out = out
                .into_iter()
                .flat_map(|s| {
                    let mut a = s.clone();
                    a.push(lo);
                    let mut b = s;
                    b.push(up);
                    [a, b]
                })
                .collect();
        }
    }
    out
}

fn tag_hit(text: &[u8], name: Range<usize>, suffix: &Tail) -> Option<Hit> {
    let range = suffix.tag.clone()?;
    let written = &text[range.clone()];
    let problem = tag::tag_problem(written)?;
    let written = lossy(written);
    let image = lossy(&text[name]);
    Some(Hit {
        kind: Kind::Unpullable,
        severity: Severity::Error,
        span: range,
        message: format!("{image}:{written} cannot be pulled: `{written}` is not a valid tag"),
        label: problem.to_string(),
        fix: format!(
            "write `{image}:{}` (a tag is 1 to {} of A-Z a-z 0-9 _ . -, not starting with . or -)",
            tag::suggest_tag(written.as_bytes()),
            tag::MAX_TAG
        ),
    })
}

fn secret_hit(span: Range<usize>, kind: &str, prefix: &str) -> Hit {
    Hit {
        kind: Kind::Secret,
        severity: Severity::Error,
        span,
        message: format!("{kind} in plain text"),
        label: format!("`{prefix}…` token (value hidden)"),
        fix: "revoke it now (GitHub → Settings → Developer settings), remove it from the file \
              and its history, and read it from the environment or a secret store instead"
            .into(),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
owner = "Acme-Labs"
repo = "axon-doc"

[services.nextjs]
renamed_from = ["ghcr.io/acme-labs/axon-doc-web", "ghcr.io/old-org/web"]

[services.crawler]
"#;

    fn inspector() -> Inspector {
        let model = crate::load::parse(
            CONFIG.as_bytes(),
            "registry.toml",
            Path::new("/repo"),
            "registry.toml",
        )
        .expect("test config is valid");
        Inspector::new(&model)
    }

    fn hits_in(path: &str, text: &str) -> Vec<Hit> {
        inspector().inspect(Path::new(path), text.as_bytes())
    }

    /// (kind, severity, spanned text, fix) of each hit.
    fn summary(path: &str, text: &str) -> Vec<(Kind, Severity, String, String)> {
        hits_in(path, text)
            .into_iter()
            .map(|h| (h.kind, h.severity, text[h.span].to_string(), h.fix))
            .collect()
    }

    /// Token-shaped strings are built at run time so none is committed.
    fn token() -> String {
        let body: String = "Zq8Rt5Yu2Io9Pa4Sd7Fg1Hj6Kl3"
            .chars()
            .cycle()
            .take(30)
            .collect();
        let sum = secrets::classic_checksum(body.as_bytes());
        format!("gh{}_{body}{}", "p", std::str::from_utf8(&sum).unwrap())
    }

    #[test]
    fn text_without_any_literal_is_not_a_candidate() {
        let i = inspector();
        assert!(!i.is_candidate(b"image: nginx:latest\nname: axon-doc\n"));
        assert!(hits_in("a.md", "docker.io/library/nginx and axon-doc").is_empty());
    }

    #[test]
    fn the_gate_admits_every_text_a_rule_hits() {
        let i = inspector();
        for text in [
            "ghcr.io/acme-labs/axon-doc-web".to_string(),
            "${REGISTRY}/${OWNER}/axon-doc-web".into(),
            "ghcr.io/${{ github.repository }}-web".into(),
            "IMAGE: ${{ github.repository }}-nextjs:bad+tag".into(),
            "https://github.com/orgs/acme-labs/packages/container/package/axon-doc-web".into(),
            "GHCR.IO/ACME-LABS/AXON-DOC-NEXTJS".into(),
            format!("t={}", token()),
        ] {
            assert!(i.is_candidate(text.as_bytes()), "{text}");
            assert!(!hits_in("a.md", &text).is_empty(), "{text}");
        }
    }

    #[test]
    fn the_gate_finds_mixed_case_hosts_and_every_token_kind() {
        let i = inspector();
        let mut texts: Vec<String> = ["ghcr.io/", "GHCR.IO/", "gHcR.iO/", "Ghcr.Io/"]
            .iter()
            .map(|h| format!("see {h}x"))
            .collect();
        // Prefixes are built at run time so no token-shaped string is committed.
        for p in secrets::PREFIXES {
            texts.push(format!("a {p}b"));
            texts.push(p.to_string());
        }
        texts.push(format!("{{{}: \"x\"}}", secrets::AUTH_KEY));
        for t in &texts {
            assert!(i.gate.is_match(t.as_bytes()), "{t}");
            assert!(i.gate.admits(t.as_bytes(), 0..t.len()), "{t}");
        }
        assert!(i.gate.windows.is_some(), "the packed prefilter is built");
        // Near misses: a window is present, the literal is not.
        for t in [
            "ghcr.iox/",
            "gh_p",
            "axon_doc-nextjs",
            "github-repository",
            "hp_ hr_ hs_",
            "GHP_ Gho_ GITHUB_PAT_ \"AUTH\"",
            "github_repository",
        ] {
            assert!(!i.gate.is_match(t.as_bytes()), "{t}");
        }
    }

    proptest::proptest! {
        /// The two-step gate answers exactly as the automaton over the whole text.
        #[test]
        fn the_packed_gate_equals_the_automaton(
            parts in proptest::collection::vec(0usize..FRAGMENTS.len(), 0..12),
            flips in proptest::collection::vec(proptest::bool::ANY, 0..64),
        ) {
            let mut text: Vec<u8> = parts.iter().flat_map(|&i| FRAGMENTS[i].bytes()).collect();
            for (b, flip) in text.iter_mut().zip(flips) {
                if flip {
                    *b = if b.is_ascii_lowercase() { b.to_ascii_uppercase() } else { b.to_ascii_lowercase() };
                }
            }
            let i = inspector();
            // The oracle: each literal searched on its own over the whole text.
            let lower = text.to_ascii_lowercase();
            let expected = i.gate.patterns.iter().any(|(literal, exact)| {
                if *exact {
                    memchr::memmem::find(&text, literal).is_some()
                } else {
                    memchr::memmem::find(&lower, &literal.to_ascii_lowercase()).is_some()
                }
            });
            proptest::prop_assert!(i.gate.patterns.iter().any(|(_, exact)| *exact));
            proptest::prop_assert_eq!(i.gate.is_match(&text), expected);
        }
    }

    proptest::proptest! {
        /// The gate may only skip texts in which no rule would hit.
        #[test]
        fn the_gate_never_hides_a_hit(parts in proptest::collection::vec(0usize..FRAGMENTS.len(), 0..12)) {
            let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
            let i = inspector();
            if !i.is_candidate(text.as_bytes()) {
                proptest::prop_assert!(i.apply_rules(Path::new("compose.yaml"), text.as_bytes()).is_empty());
            }
        }
    }

    const FRAGMENTS: &[&str] = &[
        "ghcr.io",
        "GHCR.io",
        "/",
        "acme-labs",
        "Acme-Labs",
        "axon-doc",
        "-web",
        "-nextjs",
        "web",
        ":",
        "v1+x",
        "@sha256:ab",
        "${{ github.repository }}",
        "${{ github.repository_owner }}",
        "$GITHUB_REPOSITORY",
        "${OWNER}",
        "github.com/orgs/",
        "packages/container/",
        "old-org",
        "image: ",
        "\n",
        " ",
        "gh",
        "p_",
        "Zq8Rt5Yu2Io9Pa4Sd7Fg1Hj6Kl3Zq8Rt5Yu2",
        "ghcr-gen: ignore",
    ];

    #[test]
    fn stale_name_fix_is_the_current_image_with_the_tag_or_digest_as_written() {
        let text = "pull ghcr.io/acme-labs/axon-doc-web:v1.2\n\
                    FROM ghcr.io/acme-labs/axon-doc-web@sha256:abcdef\n\
                    x ghcr.io/Acme-Labs/axon-doc-web\n";
        let got = summary("Dockerfile", text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.iter().all(|h| h.0 == Kind::StaleName));
        assert_eq!(got[0].3, "write `ghcr.io/acme-labs/axon-doc-nextjs:v1.2`");
        assert!(
            got[1]
                .3
                .starts_with("write `ghcr.io/acme-labs/axon-doc-nextjs@sha256:abcdef`; the digest")
        );
        assert_eq!(got[2].3, "write `ghcr.io/acme-labs/axon-doc-nextjs`");
        let h = &hits_in("Dockerfile", text)[0];
        assert_eq!(
            h.message,
            "stale image name: ghcr.io/acme-labs/axon-doc-web is now ghcr.io/acme-labs/axon-doc-nextjs"
        );
    }

    #[test]
    fn stale_names_follow_the_rename_rules() {
        let stale = |text: &str| {
            summary("x.sh", text)
                .iter()
                .filter(|h| h.0 == Kind::StaleName)
                .count()
        };
        assert_eq!(stale("img=${REGISTRY}/${OWNER}/axon-doc-web:v1"), 1);
        assert_eq!(stale("ghcr.io/old-org/web:1"), 1);
        assert_eq!(
            stale("see https://github.com/acme-labs/axon-doc/pkgs/container/axon-doc-web"),
            1
        );
        assert_eq!(stale("ghcr.io/acme-labs/axon-doc-web-legacy:1"), 0);
        assert_eq!(stale("ghcr.io/other/axon-doc-web:1"), 0);
        assert_eq!(stale("docker.io/acme-labs/axon-doc-web"), 0);
        assert_eq!(stale("container_name: axon-doc-web"), 0);
    }

    #[test]
    fn uppercase_in_the_path_is_unpullable_in_the_owner_or_the_package() {
        let got = summary(
            "README.md",
            "a ghcr.io/Acme-Labs/axon-doc-nextjs:v1\nb ghcr.io/acme-labs/Axon-Doc-Crawler\n",
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got.iter()
                .all(|h| (h.0, h.1) == (Kind::Unpullable, Severity::Error))
        );
        assert_eq!(got[0].2, "ghcr.io/Acme-Labs/axon-doc-nextjs");
        assert!(
            got[0]
                .3
                .starts_with("write `ghcr.io/acme-labs/axon-doc-nextjs:v1`")
        );
        assert!(
            got[1]
                .3
                .starts_with("write `ghcr.io/acme-labs/axon-doc-crawler`")
        );
        // The registry host is not part of the path: any case pulls.
        assert!(summary("README.md", "GHCR.IO/acme-labs/axon-doc-nextjs").is_empty());
    }

    #[test]
    fn mixed_case_host_g_hcr_io_is_found_like_uppercase_ghcr_io() {
        // `gHcr.io/…` was missed while `GHCR.IO/…` was found: only three spellings of the
        // host were searched.
        for host in ["GHCR.IO", "gHcr.io", "Ghcr.IO"] {
            let text = format!("x {host}/ACME-LABS/axon-doc-nextjs\n");
            let got = summary("README.md", &text);
            assert_eq!(got.len(), 1, "{host}: {got:?}");
            assert_eq!((got[0].0, got[0].1), (Kind::Unpullable, Severity::Error));
            assert!(
                got[0]
                    .3
                    .starts_with(&format!("write `{host}/acme-labs/axon-doc-nextjs`")),
                "{host}: {got:?}"
            );
        }
    }

    #[test]
    fn invalid_tags_are_unpullable_and_templated_tags_are_not() {
        let got = summary(
            "compose.yaml",
            "image: ghcr.io/acme-labs/axon-doc-nextjs:v1.0+build\n\
             image: ghcr.io/acme-labs/axon-doc-crawler:feature/x\n\
             image: ${REGISTRY}/${OWNER}/axon-doc-crawler:.bad\n",
        );
        let spans: Vec<&str> = got.iter().map(|h| h.2.as_str()).collect();
        assert_eq!(spans, ["v1.0+build", "feature/x", ".bad"], "{got:?}");
        assert!(
            got[0]
                .3
                .starts_with("write `ghcr.io/acme-labs/axon-doc-nextjs:v1.0-build`")
        );
        for fine in [
            "image: ghcr.io/acme-labs/axon-doc-nextjs:${IMAGE_TAG:-latest}",
            "image: ghcr.io/acme-labs/axon-doc-nextjs:sha-${{ github.sha }}",
            "image: \"ghcr.io/acme-labs/axon-doc-nextjs:{{ .Values.tag }}\"",
            "see ghcr.io/acme-labs/axon-doc-nextjs: the web app",
            "pull `ghcr.io/acme-labs/axon-doc-nextjs:1.2.3`.",
        ] {
            assert!(summary("compose.yaml", fine).is_empty(), "{fine}");
        }
    }

    #[test]
    fn unknown_packages_under_the_owner_warn_only_in_manifests() {
        let text = "services:\n  web:\n    image: ghcr.io/acme-labs/axon-doc-nextjz:1\n";
        let got = summary("deploy/compose.prod.yaml", text);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].0, got[0].1), (Kind::Unpullable, Severity::Warning));
        assert!(
            got[0]
                .3
                .starts_with("did you mean `ghcr.io/acme-labs/axon-doc-nextjs`?")
        );
        let k8s =
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  image: ghcr.io/acme-labs/other\n";
        assert_eq!(summary("k8s/app.yaml", k8s).len(), 1);
        assert!(summary("docs/notes.md", text).is_empty());
        assert!(summary("values.yaml", text).is_empty());
        assert!(summary("compose.yaml", "image: ghcr.io/other-org/thing:1").is_empty());
    }

    #[test]
    fn ignore_marker_silences_every_rule_on_its_line() {
        let text = format!(
            "ghcr.io/acme-labs/axon-doc-web # ghcr-gen: ignore\n\
             ghcr.io/Acme-Labs/axon-doc-nextjs:a+b # ghcr-gen: ignore\n\
             image: ghcr.io/acme-labs/nope # ghcr-gen: ignore\n\
             t={} # ghcr-gen: ignore\n",
            token()
        );
        assert!(summary("compose.yaml", &text).is_empty());
    }

    #[test]
    fn the_config_file_is_checked_for_tokens_only() {
        let text = format!(
            "renamed_from = [\"ghcr.io/acme-labs/axon-doc-web\"]\n# {}\n",
            token()
        );
        let got = summary("registry.toml", &text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, Kind::Secret);
    }

    #[test]
    fn token_hits_never_carry_the_value() {
        let t = token();
        let hits = hits_in("notes.txt", &format!("export GH_TOKEN={t}\n"));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].span, 16..56);
        let h = &hits[0];
        for s in [&h.message, &h.label, &h.fix] {
            assert!(!s.contains(&t[4..]), "{s}");
        }
    }

    #[test]
    fn deploy_manifests_are_compose_files_and_kubernetes_yaml() {
        for (path, text, yes) in [
            ("compose.yaml", "", true),
            ("deploy/docker-compose.override.yml", "", true),
            ("k8s/kustomization.yaml", "", true),
            ("k8s/app.yaml", "---\napiVersion: v1\nkind: Service\n", true),
            (
                "k8s/app.yaml",
                "spec:\n  apiVersion: v1\n  kind: x\n",
                false,
            ),
            ("values.yaml", "image: x\n", false),
            ("compose.md", "", false),
        ] {
            assert_eq!(
                is_deploy_manifest(Path::new(path), text.as_bytes()),
                yes,
                "{path}"
            );
        }
    }
}
