//! [`Consumers`]: what deploy manifests (compose files, Kubernetes manifests) pull,
//! compared with what CI publishes (registry.toml's images, their `also` mirrors and tag
//! policy). Run only on files the inspector's gate let through, and only on manifests.
//!
//! - **another owner**: `HOST/OTHER/PACKAGE` for a package CI publishes under this owner
//!   (a fork's compose file still pulling upstream);
//! - **another registry**: `OTHER-HOST/OWNER/PACKAGE` or a bare `OWNER/PACKAGE` (Docker
//!   Hub) when CI pushes the package only to its registry and mirrors;
//! - **tag no rule produces**: a release-looking tag (`1.2.3`, `v1.2`, `latest`) that the
//!   service's tag rules, computed with the metadata-action engine for a push of the
//!   default branch, the publishing branches and a `v*` git tag (what the generated
//!   workflow triggers on), never give;
//! - **release tag without a tag trigger**: a semver tag (`1.2.3`, `v1.2`) pulled from a
//!   package whose publishing workflow never runs for a git tag (no `on.push.tags`, no
//!   `release`). The generated workflow always triggers on `v*`; for an adopted config
//!   (`[outputs] workflow = false`) the triggers are the reader's ([`crate::setup`]);
//! - **platform nobody builds**: a compose service pulling a published image with
//!   `platform: os/arch` that the service's platforms do not include;
//! - **cleanup of an unpublished package**: a workflow's packages REST API path
//!   (`/orgs/OWNER/packages/container/NAME`, `/users/…`, `/user/…`) or
//!   `delete-package-versions`' `package-name: NAME` naming a package under this owner
//!   that no service publishes (nor lists in `renamed_from`: those are stale names).

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::finding::Kind;
use super::inspect::Hit;
use crate::diagnostic::Severity;
use crate::model::Model;
use crate::reference::syntax::{self, Segment};

/// The consumer rules for one model.
#[derive(Debug, Clone)]
pub(crate) struct Consumers {
    packages: Option<AhoCorasick>,
    services: Vec<Published>,
    registry: String,
    owner_lc: String,
    /// Old package paths (`renamed_from` under this registry and owner), lowercased.
    old: Vec<String>,
}

#[derive(Debug, Clone)]
struct Published {
    package: String,
    image: String,
    /// Mirrors (`also`), lowercased `host/owner/path`.
    also: Vec<String>,
    rules: Vec<String>,
    flavor: Vec<String>,
    /// Branches whose pushes publish, default branch first.
    branches: Vec<String>,
    /// The platforms CI builds (`linux/amd64`).
    platforms: Vec<String>,
    /// Set when every workflow found publishing the image runs for branches only: where
    /// the one shown says so.
    no_tag_trigger: Option<NoTagTrigger>,
}

/// A publishing workflow that never runs for a git tag.
#[derive(Debug, Clone)]
struct NoTagTrigger {
    /// `path:line:col` of its `on:` push trigger (or its first trigger).
    at: String,
    file: String,
}

impl Consumers {
    pub(crate) fn new(model: &Model) -> Consumers {
        let read = if model.outputs.workflow.is_none() {
            let ctx = crate::setup::RepoContext {
                owner: model.owner.clone(),
                repo: model.repo.clone(),
            };
            crate::setup::read_workflows(&model.root, &ctx)
        } else {
            Vec::new()
        };
        let services: Vec<Published> = model
            .services
            .iter()
            .map(|s| {
                let mut branches = vec![model.default_branch.clone()];
                branches.extend(model.tags.branches.iter().cloned());
                Published {
                    package: s.package.clone(),
                    image: s.image.clone(),
                    also: s
                        .mirrors
                        .iter()
                        .map(|m| m.image.to_ascii_lowercase())
                        .collect(),
                    rules: s.tags.rules.clone(),
                    flavor: s.tags.flavor.clone(),
                    branches,
                    platforms: s.platforms.iter().map(ToString::to_string).collect(),
                    no_tag_trigger: no_tag_trigger(&read, &s.image),
                }
            })
            .collect();
        let packages = (!services.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(services.iter().map(|s| s.package.as_bytes()))
                .expect("a few package paths always build")
        });
        let prefix = format!(
            "{}/{}/",
            model.registry.to_ascii_lowercase(),
            model.owner_lc
        );
        let old = model
            .services
            .iter()
            .flat_map(|s| &s.renamed_from)
            .filter_map(|o| {
                o.to_ascii_lowercase()
                    .strip_prefix(&prefix)
                    .map(str::to_owned)
            })
            .collect();
        Consumers {
            packages,
            services,
            registry: model.registry.to_ascii_lowercase(),
            owner_lc: model.owner_lc.clone(),
            old,
        }
    }

    /// Hits for cleanup and retention steps of a workflow naming a package under this
    /// owner that nobody publishes.
    pub(crate) fn cleanup_hits(
        &self,
        text: &[u8],
        ignored: &dyn Fn(usize) -> bool,
        out: &mut Vec<Hit>,
    ) {
        for at in memchr::memmem::find_iter(text, b"packages/container/") {
            let name_start = at + b"packages/container/".len();
            if !self.api_owner_is_ours(text, at) {
                continue;
            }
            self.judge_name(text, name_start, ignored, out);
        }
        if memchr::memmem::find(text, b"container").is_none() {
            return;
        }
        for at in memchr::memmem::find_iter(text, b"package-name:") {
            let mut v = at + b"package-name:".len();
            while text.get(v).is_some_and(|&b| b == b' ' || b == b'\t') {
                v += 1;
            }
            if text.get(v).is_some_and(|&b| b == b'"' || b == b'\'') {
                v += 1;
            }
            self.judge_name(text, v, ignored, out);
        }
    }

    /// Whether the packages API path whose `packages/container/` starts at `at` is under
    /// this owner: `/orgs/OWNER/`, `/users/OWNER/` (the owner or a variable), `/user/`.
    fn api_owner_is_ours(&self, t: &[u8], at: usize) -> bool {
        let Some(slash) = at.checked_sub(1).filter(|&i| t[i] == b'/') else {
            return false;
        };
        match syntax::segment_before(t, slash) {
            Some(Segment::Literal(o)) => {
                let owner = &t[o..slash];
                if owner == b"user" {
                    return true;
                }
                let kind_ok = o
                    .checked_sub(1)
                    .filter(|&i| t[i] == b'/')
                    .and_then(|s| syntax::segment_before(t, s))
                    .is_some_and(|k| {
                        let w = &t[k.start()..o - 1];
                        w == b"orgs" || w == b"users"
                    });
                kind_ok && owner.eq_ignore_ascii_case(self.owner_lc.as_bytes())
            }
            Some(Segment::Variable(_)) => true,
            None => false,
        }
    }

    /// A hit when the package name written at `start` is under this owner but published
    /// by no service.
    fn judge_name(
        &self,
        t: &[u8],
        start: usize,
        ignored: &dyn Fn(usize) -> bool,
        out: &mut Vec<Hit>,
    ) {
        let len = t[start..]
            .iter()
            .take(256)
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'%'))
            .count();
        if len == 0 || t.get(start + len).is_some_and(|&b| b == b'$' || b == b'{') {
            return;
        }
        let written = String::from_utf8_lossy(&t[start..start + len]).into_owned();
        let name = written
            .replace("%2F", "/")
            .replace("%2f", "/")
            .to_ascii_lowercase();
        if name == "package"
            || self.services.iter().any(|s| s.package == name)
            || self.old.contains(&name)
            || ignored(start)
        {
            return;
        }
        let published: Vec<&str> = self.services.iter().map(|s| s.package.as_str()).collect();
        let candidates = published.clone();
        let fix = match crate::config::closest(&name, &candidates) {
            Some(best) => format!(
                "did you mean `{best}`? This repository publishes {}",
                list(&published)
            ),
            None => format!(
                "this repository publishes {}; point the job at one of them, or mark the line `ghcr-gen: ignore` when another repository publishes `{name}`",
                list(&published)
            ),
        };
        out.push(Hit {
            kind: Kind::Consumer,
            severity: Severity::Warning,
            span: start..start + len,
            message: format!(
                "cleanup job targets {}/{}/{name}, a package no service publishes",
                self.registry, self.owner_lc
            ),
            label: "package nobody publishes here".into(),
            fix,
        });
    }

    /// Hits for what `text` (a manifest) pulls that CI does not publish.
    pub(crate) fn hits(&self, text: &[u8], ignored: &dyn Fn(usize) -> bool, out: &mut Vec<Hit>) {
        let Some(ac) = &self.packages else { return };
        for m in ac.find_iter(text) {
            let service = &self.services[m.pattern().as_usize()];
            let (s, e) = (m.start(), m.end());
            let Some(tail) = syntax::image_tail(text, e) else {
                continue;
            };
            let Some((owner_slash, false)) = syntax::separator_before(text, s) else {
                continue;
            };
            let Some(Segment::Literal(o)) = syntax::segment_before(text, owner_slash) else {
                continue;
            };
            let owner = text[o..owner_slash].to_ascii_lowercase();
            let (host, start) = match syntax::separator_before(text, o) {
                Some((host_slash, false)) => match syntax::segment_before(text, host_slash) {
                    Some(Segment::Literal(h)) if is_host(&text[h..host_slash]) => {
                        // `a/HOST/owner/pkg` is a longer path, not this package.
                        if h > 0 && text[h - 1] == b'/' && !text[..h].ends_with(b"//") {
                            continue;
                        }
                        (text[h..host_slash].to_ascii_lowercase(), h)
                    }
                    _ => continue,
                },
                Some(_) => continue,
                // A bare `owner/package` is pulled from Docker Hub.
                None if bare_value_start(text, o) => (b"docker.io".to_vec(), o),
                None => continue,
            };
            if ignored(start) {
                continue;
            }
            let host = String::from_utf8_lossy(&host).into_owned();
            let owner = String::from_utf8_lossy(&owner).into_owned();
            let pulled = format!("{host}/{owner}/{}", service.package);
            let ours = host == self.registry && owner == self.owner_lc;
            let written_tail = String::from_utf8_lossy(&text[tail.range(e)]).into_owned();
            if !ours && !service.also.contains(&pulled) {
                out.push(self.elsewhere_hit(
                    start..e,
                    &pulled,
                    &host,
                    &owner,
                    service,
                    &written_tail,
                ));
                continue;
            }
            if let Some(tag) = tail.tag.clone()
                && let Some(hit) = tag_hit(text, tag, service)
            {
                out.push(hit);
            }
            if let Some(hit) = platform_hit(text, start, service) {
                out.push(hit);
            }
        }
    }

    fn elsewhere_hit(
        &self,
        span: Range<usize>,
        pulled: &str,
        host: &str,
        owner: &str,
        service: &Published,
        tail: &str,
    ) -> Hit {
        let (message, label) = if host == self.registry {
            (
                format!(
                    "{pulled} is pulled from another owner: CI here publishes {}",
                    service.image
                ),
                format!("owner `{owner}`, not `{}`", self.owner_lc),
            )
        } else {
            (
                format!(
                    "{pulled} is pulled from another registry: CI pushes it only to {}",
                    std::iter::once(service.image.as_str())
                        .chain(service.also.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!("registry `{host}`, not `{}`", self.registry),
            )
        };
        let mut fix = format!("write `{}{tail}`", service.image);
        if host != self.registry {
            fix.push_str(&format!(
                ", or publish there too: add `also = [\"{pulled}\"]` to the service"
            ));
        } else {
            fix.push_str(" (a fork pulls its own builds), or mark the line `ghcr-gen: ignore` to keep pulling upstream");
        }
        Hit {
            kind: Kind::Consumer,
            severity: Severity::Warning,
            span,
            message,
            label,
            fix,
        }
    }
}

/// The publishing workflows (read from the repository) pushing `image`, when there are
/// some and none of them runs for a git tag.
fn no_tag_trigger(read: &[crate::setup::WorkflowRead], image: &str) -> Option<NoTagTrigger> {
    let publishing: Vec<&crate::setup::Workflow> = read
        .iter()
        .filter(|w| {
            w.images
                .iter()
                .any(|i| format!("{}/{}", i.registry, i.path).eq_ignore_ascii_case(image))
        })
        .map(|w| &w.workflow)
        .collect();
    if publishing.is_empty() || publishing.iter().any(|w| runs_for_tags(w)) {
        return None;
    }
    let w = publishing[0];
    let file = w.file.to_string_lossy().replace('\\', "/");
    let (line, col) =
        w.on.iter()
            .find(|t| t.event == "push")
            .or(w.on.first())
            .map_or((1, 1), |t| (t.line, t.col));
    Some(NoTagTrigger {
        at: format!("{file}:{line}:{col}"),
        file,
    })
}

/// Whether a workflow runs for a pushed git tag: `push` with a `tags` filter or with no
/// branch filter, `release`, or `workflow_call` (its caller decides).
fn runs_for_tags(w: &crate::setup::Workflow) -> bool {
    w.on.iter().any(|t| match t.event.as_str() {
        "push" => !t.tags.is_empty() || t.branches.is_empty(),
        "release" | "workflow_call" | "create" => true,
        _ => false,
    })
}

/// A hit when the semver tag at `range` is pulled from an image whose workflow never runs
/// for a git tag, unless a branch push gives that tag.
fn untriggered_hit(
    tag: &str,
    range: Range<usize>,
    service: &Published,
    none: &NoTagTrigger,
) -> Option<Hit> {
    let mut produced: Vec<String> = Vec::new();
    for b in &service.branches {
        produced.extend(compute(service, &format!("refs/heads/{b}"))?);
    }
    if produced.iter().any(|p| p == tag) {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    produced.retain(|p| seen.insert(p.clone()));
    let image = &service.image;
    let shown = if produced.is_empty() {
        "no tags".to_string()
    } else {
        list(&produced.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let mut fix = format!(
        "add `tags: [\"v*\"]` under `on.push` in {} so a release is built",
        none.file
    );
    if let Some(first) = produced.first() {
        fix.push_str(&format!(", or pull `{image}:{first}`"));
    }
    Some(Hit {
        kind: Kind::Consumer,
        severity: Severity::Warning,
        span: range,
        message: format!(
            "{image}:{tag} is a release tag, but the workflow publishing {image} never runs for a git tag"
        ),
        label: format!("{} triggers on branches only; CI pushes {shown}", none.at),
        fix,
    })
}

/// A hit when the release-looking tag at `range` is one no rule of `service` produces.
fn tag_hit(text: &[u8], range: Range<usize>, service: &Published) -> Option<Hit> {
    let tag = std::str::from_utf8(&text[range.clone()]).ok()?;
    let core = tag.strip_prefix('v').unwrap_or(tag);
    let versionish = !core.is_empty()
        && core.split('.').count() <= 3
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !(versionish || tag == "latest") {
        return None;
    }
    if versionish && let Some(none) = &service.no_tag_trigger {
        return untriggered_hit(tag, range, service, none);
    }
    let release = if versionish {
        let mut parts: Vec<&str> = core.split('.').collect();
        while parts.len() < 3 {
            parts.push("0");
        }
        format!("v{}", parts.join("."))
    } else {
        "v1.2.3".to_string()
    };
    let mut produced: Vec<String> = Vec::new();
    let mut release_tags: Vec<String> = Vec::new();
    let mut refs: Vec<String> = service
        .branches
        .iter()
        .map(|b| format!("refs/heads/{b}"))
        .collect();
    refs.push(format!("refs/tags/{release}"));
    for git_ref in &refs {
        let names = compute(service, git_ref)?;
        if git_ref.starts_with("refs/tags/") {
            release_tags.clone_from(&names);
        }
        produced.extend(names);
    }
    if produced.iter().any(|p| p == tag) {
        return None;
    }
    let written = tag.to_string();
    let image = &service.image;
    let shown = if release_tags.is_empty() {
        "no tags".to_string()
    } else {
        release_tags
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let best = release_tags
        .iter()
        .find(|t| t.contains(core) && !t.is_empty())
        .or(release_tags.first());
    let fix = match best {
        Some(b) if versionish => format!("write `{image}:{}`", b.replace(&release[1..], core)),
        Some(b) => format!("write `{image}:{b}`, or add a rule that produces `{written}`"),
        None => format!("add a tag rule that produces `{written}` to [tags]"),
    };
    Some(Hit {
        kind: Kind::Consumer,
        severity: Severity::Warning,
        span: range,
        message: format!("{image}:{written} is a tag no rule of the tag policy produces"),
        label: format!("for git tag {release} CI pushes {shown}"),
        fix,
    })
}

/// A hit when the compose service pulling the image at `at` sets a `platform:` the image
/// is not built for: the `platform:` key at the same indentation as the `image:` line, in
/// the same block.
fn platform_hit(t: &[u8], at: usize, service: &Published) -> Option<Hit> {
    let (ls, le) = crate::reference::text::line_bounds(t, at);
    let indent = |s: usize, e: usize| t[s..e].iter().take_while(|&&b| b == b' ').count();
    let n = indent(ls, le);
    if !t[ls + n..le].starts_with(b"image:") {
        return None;
    }
    let sibling = |s: usize, e: usize| -> Option<Option<Range<usize>>> {
        let line = &t[s..e];
        if line.iter().all(u8::is_ascii_whitespace) || line[indent(s, e)..].starts_with(b"#") {
            return Some(None);
        }
        let k = indent(s, e);
        if k < n {
            return None; // the block ended
        }
        if k == n && line[k..].starts_with(b"platform:") {
            let v = s + k + b"platform:".len();
            let v = v + t[v..e]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'"' | b'\''))
                .count();
            let end = v + t[v..e]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
                .count();
            return Some((end > v).then_some(v..end));
        }
        Some(None)
    };
    let mut found = None;
    // Lines before, then after, the `image:` line, bounded.
    let mut s = ls;
    for _ in 0..64 {
        if s == 0 || found.is_some() {
            break;
        }
        let e = s - 1;
        let start = memchr::memrchr(b'\n', &t[..e]).map_or(0, |i| i + 1);
        match sibling(start, e) {
            Some(v) => found = found.or(v),
            None => break,
        }
        s = start;
    }
    let mut e = le;
    for _ in 0..64 {
        if e >= t.len() || found.is_some() {
            break;
        }
        let start = e + 1;
        let end = memchr::memchr(b'\n', &t[start..]).map_or(t.len(), |i| start + i);
        match sibling(start, end.min(t.len())) {
            Some(v) => found = found.or(v),
            None => break,
        }
        e = end;
    }
    let range = found?;
    let written = String::from_utf8_lossy(&t[range.clone()]).into_owned();
    let normal = match written.as_str() {
        "linux/arm" => "linux/arm/v7".to_string(),
        w => w.to_string(),
    };
    if service.platforms.is_empty() || service.platforms.contains(&normal) {
        return None;
    }
    let built = list(
        &service
            .platforms
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    Some(Hit {
        kind: Kind::Consumer,
        severity: Severity::Warning,
        span: range,
        message: format!(
            "{} is pulled for {written}, a platform no workflow builds",
            service.image
        ),
        label: format!("CI builds {built}"),
        fix: format!(
            "add \"{normal}\" to the service's `platforms` in registry.toml, or pull one of {built}"
        ),
    })
}

/// The tag names the service's rules give for a push of `git_ref`.
fn compute(service: &Published, git_ref: &str) -> Option<Vec<String>> {
    let now = jiff::Timestamp::UNIX_EPOCH;
    let ctx = metadata_action::GitContext::event(
        "push",
        git_ref,
        "0123456789abcdef0123456789abcdef01234567",
        service.branches.first().cloned().unwrap_or_default(),
        now,
    );
    let inputs = metadata_action::Inputs {
        images: Vec::new(),
        tags: Some(service.rules.clone()),
        flavor: service.flavor.clone(),
    };
    metadata_action::compute(&inputs, &ctx)
        .ok()
        .map(|m| m.tag_names)
}

/// Whether a segment is a registry host: it has a `.` or `:`, or is `localhost`.
fn is_host(seg: &[u8]) -> bool {
    seg.contains(&b'.') || seg.contains(&b':') || seg == b"localhost"
}

/// Whether a bare `owner/package` starting at `o` is a whole value (`image: o/p`,
/// `"o/p"`, `image=o/p`): Docker reads it as a Docker Hub image.
fn bare_value_start(t: &[u8], o: usize) -> bool {
    o > 0 && matches!(t[o - 1], b' ' | b'"' | b'\'' | b'=') && {
        let (ls, _) = crate::reference::text::line_bounds(t, o);
        let line = &t[ls..o];
        memchr::memmem::find(line, b"image").is_some()
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::runs_for_tags;
    use crate::setup::{Trigger, Workflow};

    fn workflow(on: &[(&str, &[&str], &[&str])]) -> Workflow {
        Workflow {
            file: ".github/workflows/w.yml".into(),
            name: None,
            on: on
                .iter()
                .map(|(event, branches, tags)| Trigger {
                    event: (*event).into(),
                    line: 1,
                    col: 1,
                    branches: branches.iter().map(|b| (*b).into()).collect(),
                    tags: tags.iter().map(|t| (*t).into()).collect(),
                })
                .collect(),
            permissions: None,
            env: Vec::new(),
            jobs: Vec::new(),
        }
    }

    #[test]
    fn a_workflow_runs_for_tags_only_through_a_tag_filter_an_unfiltered_push_or_a_release() {
        assert!(runs_for_tags(&workflow(&[("push", &["main"], &["v*"])])));
        assert!(runs_for_tags(&workflow(&[("push", &[], &[])])));
        assert!(runs_for_tags(&workflow(&[("release", &[], &[])])));
        assert!(!runs_for_tags(&workflow(&[("push", &["main"], &[])])));
        assert!(!runs_for_tags(&workflow(&[
            ("pull_request", &[], &[]),
            ("workflow_dispatch", &[], &[]),
            ("schedule", &[], &[]),
        ])));
    }
}
