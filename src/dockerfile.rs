//! Dockerfile discovery: the images a repository builds, found from its Dockerfiles (for
//! `ghcr-gen init`), and the port a Dockerfile exposes.

use std::path::Path;

use crate::model::naming;

/// A service found from a Dockerfile (or named on the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundService {
    pub name: String,
    pub context: String,
    /// Set when not `<context>/Dockerfile`.
    pub dockerfile: Option<String>,
    pub port: Option<u16>,
}

/// A service named `NAME` or `NAME=CONTEXT` (context `.` when left out), built from
/// `<context>/Dockerfile` under `root`.
pub fn named_service(root: &Path, spec: &str) -> FoundService {
    let (name, context) = spec.split_once('=').unwrap_or((spec, "."));
    let context = if context.is_empty() { "." } else { context };
    FoundService {
        name: name.to_string(),
        context: context.trim_end_matches('/').to_string(),
        dockerfile: None,
        port: exposed_port(&root.join(context).join("Dockerfile")),
    }
}

/// Services from the Dockerfiles in the tree: one per directory holding a `Dockerfile`
/// (or `Dockerfile.*` / `*.Dockerfile`), named after the directory.
pub fn discover_services(root: &Path, repo: &str) -> Vec<FoundService> {
    let mut found = Vec::new();
    for entry in ignore::WalkBuilder::new(root)
        .hidden(true)
        .build()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy();
        let is_dockerfile = name == "Dockerfile"
            || name.starts_with("Dockerfile.")
            || name.ends_with(".Dockerfile");
        if !is_dockerfile || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let (dir, file) = rel.rsplit_once('/').unwrap_or((".", &rel));
        let base = if dir == "." {
            repo.to_string()
        } else {
            dir.rsplit('/').next().unwrap_or(dir).to_string()
        };
        let variant = file
            .strip_prefix("Dockerfile.")
            .or_else(|| file.strip_suffix(".Dockerfile"));
        let mut name = naming::dns_label(&base);
        if let Some(v) = variant {
            name = format!("{name}-{}", naming::dns_label(v));
        }
        found.push(FoundService {
            name,
            context: dir.to_string(),
            dockerfile: (file != "Dockerfile").then(|| rel.clone()),
            port: exposed_port(entry.path()),
        });
    }
    found.sort_by(|a, b| a.context.cmp(&b.context).then(a.name.cmp(&b.name)));
    found.dedup_by(|a, b| a.name == b.name);
    found
}

/// The first port a Dockerfile EXPOSEs.
pub fn exposed_port(path: &Path) -> Option<u16> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        if !words.next()?.eq_ignore_ascii_case("EXPOSE") {
            return None;
        }
        words
            .next()?
            .split('/')
            .next()?
            .parse()
            .ok()
            .filter(|p| *p > 0)
    })
}
