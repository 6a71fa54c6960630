//! `ghcr-gen init`: writes a commented `registry.toml`.
//!
//! Owner and repo come from the flags, else from the `origin` remote; services from the
//! flags, else from the Dockerfiles in the tree (respecting .gitignore). The text is
//! validated like any config before it is written, so init never leaves a broken file.

use std::path::Path;
use std::process::Command;

use crate::config;
use crate::exit::Exit;
use crate::report::Report;

/// Options of `ghcr-gen init`.
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub owner: Option<String>,
    pub repo: Option<String>,
    /// `NAME` or `NAME=CONTEXT`.
    pub services: Vec<String>,
    pub registry: Option<String>,
    pub force: bool,
}

/// A service init writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitService {
    pub name: String,
    pub context: String,
    /// Set when not `<context>/Dockerfile`.
    pub dockerfile: Option<String>,
    pub port: Option<u16>,
}

/// Runs `ghcr-gen init`.
pub fn run(opts: &Options<'_>) -> Report {
    let path = opts.cwd.join(config::FILE_NAME);
    if path.exists() && !opts.force {
        return Report::errors(vec![
            crate::diagnostic::Diagnostic::error_in(
                None,
                format!("{} already exists", config::FILE_NAME),
            )
            .help("pass --force to overwrite it"),
        ]);
    }
    let remote = origin_remote(opts.cwd);
    let (owner, repo) = match (&opts.owner, &opts.repo, &remote) {
        (Some(o), Some(r), _) => (o.clone(), r.clone()),
        (o, r, Some((ro, rr))) => (
            o.clone().unwrap_or_else(|| ro.clone()),
            r.clone().unwrap_or_else(|| rr.clone()),
        ),
        _ => {
            return Report::errors(vec![
                crate::diagnostic::Diagnostic::error_in(
                    None,
                    "cannot tell the owner and repository",
                )
                .help(
                    "pass --owner and --repo, or run init in a clone whose `origin` is on GitHub",
                ),
            ]);
        }
    };
    let services = if opts.services.is_empty() {
        discover_services(opts.cwd, &repo)
    } else {
        opts.services
            .iter()
            .map(|s| {
                let (name, context) = s.split_once('=').unwrap_or((s, "."));
                let context = if context.is_empty() { "." } else { context };
                InitService {
                    name: name.to_string(),
                    context: context.trim_end_matches('/').to_string(),
                    dockerfile: None,
                    port: dockerfile_port(&opts.cwd.join(context).join("Dockerfile")),
                }
            })
            .collect()
    };
    let default_branch = remote_default_branch(opts.cwd).unwrap_or_else(|| "main".into());
    let text = config_text(
        opts.registry.as_deref().unwrap_or("ghcr.io"),
        &owner,
        &repo,
        &default_branch,
        &services,
    );
    if let Err(diags) = crate::load::parse(
        text.as_bytes(),
        config::FILE_NAME,
        opts.cwd,
        config::FILE_NAME,
    ) {
        return Report::errors(diags);
    }
    if let Err(e) = crate::plan::write_atomic(&path, text.as_bytes()) {
        return Report::error(e.to_string());
    }
    let mut report = Report::new(Exit::Ok);
    report.status(format!(
        "wrote {} for {owner}/{repo} with {} image(s); next: `ghcr-gen render`",
        config::FILE_NAME,
        services.len().max(1)
    ));
    report
}

/// The commented config text.
pub fn config_text(
    registry: &str,
    owner: &str,
    repo: &str,
    default_branch: &str,
    services: &[InitService],
) -> String {
    let q = |s: &str| toml_edit::Value::from(s).to_string();
    let mut t = String::new();
    t.push_str(
        "# ghcr-gen: the container images this repository publishes, and the files naming them.\n",
    );
    t.push_str("# Every key is documented in the README and in `ghcr-gen schema`. After editing, run `ghcr-gen render`.\n\n");
    t.push_str("# Registry host.\n");
    t.push_str(&format!("registry = {}\n", q(registry)));
    t.push_str(
        "# GitHub user or organisation owning the packages (image paths use it lowercased).\n",
    );
    t.push_str(&format!("owner = {}\n", q(owner)));
    t.push_str("# Repository name.\n");
    t.push_str(&format!("repo = {}\n", q(repo)));
    t.push_str("# Appended to every package name, e.g. \"-api\" (change it with `ghcr-gen rename --suffix`).\n");
    t.push_str("suffix = \"\"\n");
    t.push_str("# Branch whose pushes publish `latest`.\n");
    t.push_str(&format!("default_branch = {}\n", q(default_branch)));
    t.push_str("# Platforms to build; linux/arm64 builds on GitHub's native arm runner.\n");
    t.push_str("platforms = [\"linux/amd64\"]\n");
    let implicit = services.is_empty()
        || (services.len() == 1
            && services[0].context == "."
            && services[0].dockerfile.is_none()
            && services[0].name == repo);
    if implicit {
        t.push_str(
            "\n# No [services] table: one image named after the repository, built from \".\".\n",
        );
        t.push_str(
            "# Add [services.NAME] tables (context, dockerfile, port, env, health) for more.\n",
        );
    } else {
        for s in services {
            t.push_str(&format!("\n[services.{}]\n", toml_key(&s.name)));
            t.push_str(&format!("context = {}\n", q(&s.context)));
            match &s.dockerfile {
                Some(d) => t.push_str(&format!("dockerfile = {}\n", q(d))),
                None => t.push_str("# dockerfile = \"<context>/Dockerfile\"\n"),
            }
            match s.port {
                Some(p) => t.push_str(&format!("port = {p}\n")),
                None => t.push_str("# port = 8080\n"),
            }
            t.push_str("# env = [\"DATABASE_URL\"]    # variables the service needs at run time\n");
            t.push_str("# health = \"/healthz\"        # HTTP health path (needs port)\n");
        }
    }
    t.push_str("\n# Where generated files go; `= false` turns a target off.\n[outputs]\n");
    t.push_str("compose = \"deploy/compose.yaml\"\n");
    t.push_str("k8s = \"deploy/k8s\"\n");
    t.push_str("env = \"deploy/.env.example\"\n");
    t.push_str("workflow = \".github/workflows/ghcr-publish.yml\"\n");
    t
}

fn toml_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        toml_edit::Value::from(name).to_string()
    }
}

/// Services from the Dockerfiles in the tree: one per directory holding a `Dockerfile`
/// (or `Dockerfile.*` / `*.Dockerfile`), named after the directory.
pub fn discover_services(root: &Path, repo: &str) -> Vec<InitService> {
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
        let mut name = crate::model::naming::dns_label(&base);
        if let Some(v) = variant {
            name = format!("{name}-{}", crate::model::naming::dns_label(v));
        }
        found.push(InitService {
            name,
            context: dir.to_string(),
            dockerfile: (file != "Dockerfile").then(|| rel.clone()),
            port: dockerfile_port(entry.path()),
        });
    }
    found.sort_by(|a, b| a.context.cmp(&b.context).then(a.name.cmp(&b.name)));
    found.dedup_by(|a, b| a.name == b.name);
    found
}

/// The first port a Dockerfile EXPOSEs.
fn dockerfile_port(path: &Path) -> Option<u16> {
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

/// Owner and repo from the `origin` remote of the checkout at `dir`.
pub fn origin_remote(dir: &Path) -> Option<(String, String)> {
    let out = Command::new("git")
        .args(["config", "--get", "remote.origin.url"])
        .current_dir(dir)
        .output()
        .ok()?;
    parse_remote_url(String::from_utf8_lossy(&out.stdout).trim())
}

fn remote_default_branch(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"])
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().strip_prefix("origin/").map(str::to_string)
}

/// Owner and repo from a GitHub remote URL: `https://github.com/O/R(.git)`,
/// `git@github.com:O/R(.git)` or `ssh://git@github.com[:port]/O/R(.git)`.
pub fn parse_remote_url(url: &str) -> Option<(String, String)> {
    let rest = if let Some(r) = url.strip_prefix("git@") {
        r.split_once(':')?.1
    } else {
        let after_scheme = url.split_once("://")?.1;
        let after_user = after_scheme
            .rsplit_once('@')
            .map_or(after_scheme, |(_, h)| h);
        after_user.split_once('/')?.1
    };
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let mut parts = rest.rsplitn(2, '/');
    let repo = parts.next()?;
    let owner = parts.next()?.rsplit('/').next()?;
    (!owner.is_empty() && !repo.is_empty()).then(|| (owner.to_string(), repo.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_in_every_form() {
        let want = Some(("Acme-Labs".to_string(), "axon-doc".to_string()));
        assert_eq!(
            parse_remote_url("https://github.com/Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(
            parse_remote_url("https://github.com/Acme-Labs/axon-doc"),
            want
        );
        assert_eq!(
            parse_remote_url("git@github.com:Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(
            parse_remote_url("ssh://git@github.com/Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(
            parse_remote_url("ssh://git@github.com:22/Acme-Labs/axon-doc"),
            want
        );
        assert_eq!(
            parse_remote_url("https://user:tok@github.com/Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(parse_remote_url("not a url"), None);
    }
}
