//! Files that pull images: compose files and Kubernetes manifests (`image:` keys),
//! kustomizations (`images:` with `newName`/`newTag`), Helm values (`repository` with a
//! sibling `registry` and `tag`), and Makefiles, shell scripts and docs (references on a
//! registry host written out).

use std::path::Path;

use super::find::split_reference;
use super::yaml::{self, Kind, Node};
use super::{ConsumerKind, ConsumerRef};

/// Registry hosts a text reference must start with to count in Makefiles, scripts, docs.
const HOSTS: &[&str] = &["ghcr.io/", "docker.io/", "quay.io/", "registry.gitlab.com/"];

/// The kind of consumer a path is, `None` for a file that cannot consume images.
pub(super) fn kind_of(rel: &Path) -> Option<ConsumerKind> {
    let name = rel.file_name()?.to_str()?.to_ascii_lowercase();
    let ext = rel
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let in_dir = |d: &str| {
        rel.components()
            .any(|c| c.as_os_str().eq_ignore_ascii_case(d))
    };
    if name == "makefile" || name == "gnumakefile" || ext == "mk" {
        return Some(ConsumerKind::Makefile);
    }
    if matches!(ext.as_str(), "sh" | "bash") {
        return Some(ConsumerKind::Shell);
    }
    if matches!(ext.as_str(), "md" | "markdown" | "rst" | "adoc") {
        return Some(ConsumerKind::Docs);
    }
    if !matches!(ext.as_str(), "yml" | "yaml") || in_dir(".github") {
        return None;
    }
    if name.starts_with("kustomization.") {
        return Some(ConsumerKind::Kustomization);
    }
    if name.contains("compose") {
        return Some(ConsumerKind::Compose);
    }
    if in_dir("templates") && (in_dir("charts") || in_dir("chart") || in_dir("helm")) {
        return None; // Helm templates spell images from values; the values are read.
    }
    if name.starts_with("values") {
        return Some(ConsumerKind::Helm);
    }
    Some(ConsumerKind::Kubernetes)
}

/// The images `text` (the file at `rel`, of `kind`) pulls.
pub(super) fn read(rel: &Path, text: &str, kind: ConsumerKind) -> Vec<ConsumerRef> {
    match kind {
        ConsumerKind::Makefile | ConsumerKind::Shell | ConsumerKind::Docs => {
            text_refs(rel, text, kind)
        }
        _ => {
            let Ok(docs) = yaml::parse(text) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for d in &docs {
                yaml_refs(rel, d, kind, &mut out, 0);
            }
            out
        }
    }
}

fn consumer(
    rel: &Path,
    node: &Node,
    reference: &str,
    tag: Option<String>,
    kind: ConsumerKind,
) -> Option<ConsumerRef> {
    let reference = reference.trim();
    if reference.is_empty() || reference.contains(char::is_whitespace) {
        return None;
    }
    let (registry, path, t) = split_reference(reference);
    Some(ConsumerRef {
        file: rel.to_path_buf(),
        line: node.line,
        col: node.col,
        registry,
        path,
        tag: tag.or(t),
        kind,
    })
}

fn yaml_refs(
    rel: &Path,
    node: &Node,
    kind: ConsumerKind,
    out: &mut Vec<ConsumerRef>,
    depth: usize,
) {
    if depth > yaml::MAX_DEPTH {
        return;
    }
    match &node.kind {
        Kind::Scalar(_) => {}
        Kind::Seq(items) => {
            for i in items {
                yaml_refs(rel, i, kind, out, depth + 1);
            }
        }
        Kind::Map(pairs) => {
            let get = |k: &str| node.get(k).and_then(Node::as_str);
            if kind == ConsumerKind::Kustomization
                && get("name").is_some()
                && (get("newName").is_some() || get("newTag").is_some())
            {
                let (n, v) = match node.get_entry("newName") {
                    Some((_, v)) => (v, v.as_str().unwrap_or_default()),
                    None => (
                        node.get("name").expect("checked"),
                        get("name").unwrap_or_default(),
                    ),
                };
                out.extend(consumer(rel, n, v, get("newTag").map(str::to_string), kind));
            }
            if let Some(repo_node) = node.get("repository").filter(|n| n.as_str().is_some()) {
                let repo = repo_node.as_str().unwrap_or_default();
                let reference = match get("registry") {
                    Some(r) if !r.is_empty() => format!("{r}/{repo}"),
                    _ => repo.to_string(),
                };
                if reference.contains('/') {
                    out.extend(consumer(
                        rel,
                        repo_node,
                        &reference,
                        get("tag").filter(|t| !t.is_empty()).map(str::to_string),
                        ConsumerKind::Helm,
                    ));
                }
            }
            for (k, v) in pairs {
                if k.as_str() == Some("image")
                    && let Some(s) = v.as_str()
                {
                    if !s.contains("{{") {
                        out.extend(consumer(rel, v, s, None, kind));
                    }
                    continue;
                }
                yaml_refs(rel, v, kind, out, depth + 1);
            }
        }
    }
}

fn text_refs(rel: &Path, text: &str, kind: ConsumerKind) -> Vec<ConsumerRef> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    for host in HOSTS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(host) {
            let start = from + i;
            from = start + host.len();
            if start > 0 && {
                let p = text.as_bytes()[start - 1];
                p.is_ascii_alphanumeric() || p == b'.' || p == b'-'
            } {
                continue;
            }
            let end = text[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || "._/-:@".contains(c)))
                .map_or(text.len(), |e| start + e);
            let reference = text[start..end].trim_end_matches(['.', ':', '/', '-']);
            if reference.len() <= host.len() {
                continue; // `ghcr.io/<owner>/...`: a placeholder, not a reference
            }
            let (registry, path, tag) = split_reference(reference);
            if !path.contains('/') || path.ends_with('/') {
                continue;
            }
            let line = text[..start].matches('\n').count() + 1;
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            out.push(ConsumerRef {
                file: rel.to_path_buf(),
                line,
                col: text[line_start..start].chars().count() + 1,
                registry: registry.to_ascii_lowercase(),
                path,
                tag,
                kind,
            });
        }
    }
    out.sort_by_key(|c| (c.line, c.col));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_helm_and_kustomization_images() {
        let compose = "services:\n  api:\n    image: ghcr.io/upstream/app-api:1.2\n";
        let r = read(Path::new("compose.yaml"), compose, ConsumerKind::Compose);
        assert_eq!(
            (r[0].path.as_str(), r[0].tag.as_deref(), r[0].line, r[0].col),
            ("upstream/app-api", Some("1.2"), 3, 12)
        );
        let values = "image:\n  registry: ghcr.io\n  repository: acme/chart-app\n  tag: v1\n";
        let r = read(Path::new("chart/values.yaml"), values, ConsumerKind::Helm);
        assert_eq!(
            (
                r[0].registry.as_str(),
                r[0].path.as_str(),
                r[0].tag.as_deref()
            ),
            ("ghcr.io", "acme/chart-app", Some("v1"))
        );
        let k = "images:\n  - name: app\n    newName: ghcr.io/acme/app\n    newTag: v2\n";
        let r = read(
            Path::new("kustomization.yaml"),
            k,
            ConsumerKind::Kustomization,
        );
        assert_eq!(
            (r[0].path.as_str(), r[0].tag.as_deref()),
            ("acme/app", Some("v2"))
        );
    }

    #[test]
    fn text_references_in_docs_and_scripts() {
        let md = "Run `docker pull ghcr.io/acme/app:latest-web`.\nNot: xghcr.io/a/b\n";
        let r = read(Path::new("README.md"), md, ConsumerKind::Docs);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].path.as_str(), r[0].tag.as_deref(), r[0].col),
            ("acme/app", Some("latest-web"), 18)
        );
    }

    #[test]
    fn kinds_from_paths() {
        assert_eq!(
            kind_of(Path::new("deploy/docker-compose.yml")),
            Some(ConsumerKind::Compose)
        );
        assert_eq!(
            kind_of(Path::new("charts/app/values.yaml")),
            Some(ConsumerKind::Helm)
        );
        assert_eq!(
            kind_of(Path::new("charts/app/templates/deployment.yaml")),
            None
        );
        assert_eq!(kind_of(Path::new(".github/workflows/ci.yml")), None);
        assert_eq!(kind_of(Path::new("Makefile")), Some(ConsumerKind::Makefile));
    }
}
