//! Builds the [`Model`] from raw configuration: applies defaults, checks every value, and
//! reports each problem as a diagnostic at the span it concerns.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path};
use std::sync::Arc;

use super::naming::{self, check_oci_path};
use super::{
    ActionPin, ActionPins, K8s, Model, Outputs, Platform, Runner, Service, TagPolicy, Workflow,
};
use crate::config::raw::{OutputPath, RawConfig, RawService, Sp};
use crate::diagnostic::{Diagnostic, SourceFile};

/// Default registry host.
pub const DEFAULT_REGISTRY: &str = "ghcr.io";
/// Default tag rules: the branch name on each publishing branch and `<branch>-<short sha>`
/// (branch events only, so tag pushes never get a `-<sha>` tag), the version and
/// major.minor on `v*` tags, `pr-N` on pull requests (built, never pushed), and `latest`
/// on the default branch (with `latest=auto`, also on stable version tags).
pub const DEFAULT_RULES: &[&str] = &[
    "type=ref,event=branch",
    "type=ref,event=branch,suffix=-{{sha}}",
    "type=semver,pattern={{version}}",
    "type=semver,pattern={{major}}.{{minor}}",
    "type=ref,event=pr",
    "type=raw,value=latest,enable={{is_default_branch}}",
];
/// Default flavor: metadata-action's `latest=auto`.
pub const DEFAULT_FLAVOR: &[&str] = &["latest=auto"];

/// Builds the model. Problems are appended to `diags`; the model returned alongside them
/// is incomplete and must not be used when `diags` is not empty.
pub fn build(
    raw: &RawConfig,
    file: &Arc<SourceFile>,
    root: &Path,
    config_name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Model {
    let mut b = Builder { file, root, diags };
    b.build(raw, config_name)
}

struct Builder<'a> {
    file: &'a Arc<SourceFile>,
    root: &'a Path,
    diags: &'a mut Vec<Diagnostic>,
}

impl Builder<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>, label: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(self.file, span, message).label(label));
    }

    fn error_help(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags.push(
            Diagnostic::error(self.file, span, message)
                .label(label)
                .help(help),
        );
    }

    /// Runs `check` on a string value, reporting its error at the value.
    fn check(
        &mut self,
        value: &Sp<String>,
        what: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> bool {
        match check(&value.value) {
            Ok(()) => true,
            Err(why) => {
                self.error(value.span.clone(), format!("invalid {what}"), why);
                false
            }
        }
    }

    fn build(&mut self, raw: &RawConfig, config_name: &str) -> Model {
        let registry = match &raw.registry {
            Some(r) => {
                self.check(r, "registry", naming::check_registry);
                r.value.clone()
            }
            None => DEFAULT_REGISTRY.to_string(),
        };
        let owner = self.required(raw, &raw.owner, "owner", "owner = \"your-org\"");
        if let Some(o) = &raw.owner {
            self.check(o, "owner", naming::check_login);
        }
        let repo = self.required(raw, &raw.repo, "repo", "repo = \"your-repo\"");
        let repo_ok = raw
            .repo
            .as_ref()
            .is_some_and(|r| self.check(r, "repo", naming::check_repo));
        let suffix = raw
            .suffix
            .as_ref()
            .map_or(String::new(), |s| s.value.clone());
        let default_branch = match &raw.default_branch {
            Some(b) => {
                self.check(b, "default_branch", naming::check_branch);
                b.value.clone()
            }
            None => "main".to_string(),
        };
        let platforms = match &raw.platforms {
            Some(list) => self.platforms(list),
            None => vec![Platform::parse("linux/amd64").expect("known platform")],
        };
        let owner_lc = owner.to_ascii_lowercase();
        let repo_for_names = if repo_ok { repo.as_str() } else { "" };
        let services = self.services(
            raw,
            &registry,
            &owner_lc,
            repo_for_names,
            &suffix,
            &platforms,
        );
        let outputs = self.outputs(raw);
        let tags = self.tags(raw, &default_branch);
        let workflow = self.workflow(raw, &services);
        let k8s = self.k8s(raw);
        let templates_dir = raw
            .templates
            .as_ref()
            .and_then(|t| t.dir.as_ref())
            .and_then(|d| self.rel_path(d, "template directory"))
            .map(|d| self.root.join(d));
        let exclude = raw
            .rename
            .as_ref()
            .and_then(|r| r.exclude.as_ref())
            .map(|list| self.globs(list))
            .unwrap_or_default();
        Model {
            root: self.root.to_path_buf(),
            config_name: config_name.to_string(),
            registry,
            owner,
            owner_lc,
            repo,
            suffix,
            default_branch,
            platforms,
            services,
            outputs,
            tags,
            workflow,
            k8s,
            templates_dir,
            exclude,
        }
    }

    fn required(
        &mut self,
        raw: &RawConfig,
        value: &Option<Sp<String>>,
        key: &str,
        example: &str,
    ) -> String {
        match value {
            Some(v) => v.value.clone(),
            None if raw.mistyped.contains(&key) => String::new(),
            None => {
                self.diags.push(
                    Diagnostic::error(self.file, 0..0, format!("missing required key `{key}`"))
                        .label(format!("`{key}` is not set"))
                        .help(format!("add `{example}` at the top of the file")),
                );
                String::new()
            }
        }
    }

    fn platforms(&mut self, list: &Sp<Vec<Sp<String>>>) -> Vec<Platform> {
        if list.value.is_empty() {
            self.error_help(
                list.span.clone(),
                "empty platform list",
                "no platform to build",
                "list at least one platform, e.g. [\"linux/amd64\"]",
            );
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for p in &list.value {
            match Platform::parse(&p.value) {
                None => {
                    let hint = p.value.to_ascii_lowercase();
                    let help = if Platform::parse(&hint).is_some() {
                        format!("platforms are lowercase: \"{hint}\"")
                    } else {
                        format!(
                            "buildx platforms include {}",
                            super::platform::KNOWN[..6].join(", ")
                        )
                    };
                    self.error_help(
                        p.span.clone(),
                        format!("unknown platform `{}`", p.value),
                        "not an os/arch[/variant] buildx supports",
                        help,
                    );
                }
                Some(platform) => {
                    if !seen.insert(p.value.clone()) {
                        self.error(
                            p.span.clone(),
                            format!("duplicate platform `{}`", p.value),
                            "listed twice",
                        );
                    } else {
                        out.push(platform);
                    }
                }
            }
        }
        out
    }

    fn services(
        &mut self,
        raw: &RawConfig,
        registry: &str,
        owner_lc: &str,
        repo: &str,
        suffix: &str,
        platforms: &[Platform],
    ) -> Vec<Service> {
        let implicit;
        let empty_name;
        let entries: Vec<(&Sp<String>, &RawService)> = match &raw.services {
            Some(s) => {
                if s.value.is_empty() {
                    self.error_help(
                        s.span.clone(),
                        "[services] is empty",
                        "no service defined",
                        "add a [services.NAME] table, or remove [services] for one image built from \".\"",
                    );
                }
                if let Some(rf) = &raw.renamed_from {
                    self.error_help(
                        rf.span.clone(),
                        "top-level `renamed_from` is only for the implicit single image",
                        "there is a [services] table",
                        "move it into the [services.NAME] table it belongs to",
                    );
                }
                s.value.iter().map(|(n, s)| (n, s)).collect()
            }
            None => {
                empty_name = Sp {
                    value: naming::dns_label(repo),
                    span: 0..0,
                };
                implicit = RawService {
                    renamed_from: raw.renamed_from.clone(),
                    ..RawService::default()
                };
                vec![(&empty_name, &implicit)]
            }
        };
        let default_template = if entries.len() == 1 {
            "{repo}"
        } else {
            "{repo}-{service}"
        };
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut out = Vec::new();
        for (name, svc) in entries {
            if raw.services.is_some() {
                self.check(name, "service name", naming::check_service_name);
            }
            let template = svc.image.as_ref().or(raw.image.as_ref());
            let package = self.package(
                template,
                default_template,
                &raw.repo,
                &raw.suffix,
                owner_lc,
                repo,
                &name.value,
                suffix,
            );
            let image = format!("{registry}/{owner_lc}/{package}");
            if let Some(other) = seen.insert(image.clone(), name.value.clone()) {
                let span = template.map_or(name.span.clone(), |t| t.span.clone());
                self.error_help(
                    name.span.clone(),
                    format!("services `{other}` and `{}` both publish {image}", name.value),
                    "same image as another service",
                    "give the image template a {service} placeholder, or set `image` in one service",
                );
                let _ = span;
            }
            let context = match &svc.context {
                Some(c) => self.rel_path(c, "build context").unwrap_or_default(),
                None => ".".to_string(),
            };
            let dockerfile = match &svc.dockerfile {
                Some(d) => self.rel_path(d, "Dockerfile path").unwrap_or_default(),
                None => join_rel(&context, "Dockerfile"),
            };
            let port = svc.port.as_ref().and_then(|p| {
                if (1..=65535).contains(&p.value) {
                    Some(p.value as u16)
                } else {
                    self.error(
                        p.span.clone(),
                        format!("port {} is out of range", p.value),
                        "ports are 1-65535",
                    );
                    None
                }
            });
            let env = svc
                .env
                .as_ref()
                .map(|list| {
                    let mut names = Vec::new();
                    for v in &list.value {
                        if self.check(v, "environment variable name", naming::check_env_name) {
                            if names.contains(&v.value) {
                                self.error(
                                    v.span.clone(),
                                    format!("duplicate variable `{}`", v.value),
                                    "listed twice",
                                );
                            } else {
                                names.push(v.value.clone());
                            }
                        }
                    }
                    names
                })
                .unwrap_or_default();
            let health = svc.health.as_ref().and_then(|h| {
                let ok = h.value.starts_with('/')
                    && !h.value.chars().any(|c| c.is_whitespace() || c.is_control());
                if ok {
                    Some(h.value.clone())
                } else {
                    self.error(
                        h.span.clone(),
                        "invalid health path",
                        "an HTTP path starting with '/', without spaces",
                    );
                    None
                }
            });
            if let (Some(h), None, true) = (&svc.health, &port, svc.port.is_none()) {
                self.error_help(
                    h.span.clone(),
                    "health check without a port",
                    "needs `port` in the same service",
                    "health checks are HTTP requests to the service's port; add `port = ...`",
                );
            }
            let platforms = match &svc.platforms {
                Some(list) => self.platforms(list),
                None => platforms.to_vec(),
            };
            let renamed_from = svc
                .renamed_from
                .as_ref()
                .map(|list| {
                    list.value
                        .iter()
                        .filter(|r| self.check(r, "image reference", check_image_ref))
                        .map(|r| r.value.clone())
                        .collect()
                })
                .unwrap_or_default();
            out.push(Service {
                name: name.value.clone(),
                package,
                image,
                context,
                dockerfile,
                platforms,
                port,
                env,
                health,
                renamed_from,
            });
        }
        out
    }

    /// Expands a package-name template, reporting problems at the span that caused them.
    #[allow(clippy::too_many_arguments)]
    fn package(
        &mut self,
        template: Option<&Sp<String>>,
        default: &str,
        repo_span: &Option<Sp<String>>,
        suffix_span: &Option<Sp<String>>,
        owner_lc: &str,
        repo: &str,
        service: &str,
        suffix: &str,
    ) -> String {
        let text = template.map_or(default, |t| t.value.as_str());
        let expanded = match expand(
            text,
            &[
                ("repo", &repo.to_ascii_lowercase()),
                ("service", service),
                ("owner", owner_lc),
            ],
        ) {
            Ok(e) => e,
            Err(why) => {
                if let Some(t) = template {
                    self.error_help(
                        t.span.clone(),
                        "invalid image template",
                        why,
                        "placeholders are {repo}, {service} and {owner}",
                    );
                }
                return String::new();
            }
        };
        if repo.is_empty() || owner_lc.is_empty() {
            return expanded + suffix;
        }
        if let Err(why) = check_oci_path(&expanded) {
            let span = template
                .map(|t| t.span.clone())
                .or_else(|| repo_span.as_ref().map(|r| r.span.clone()))
                .unwrap_or(0..0);
            self.error_help(
                span,
                format!("image path `{expanded}` is not a valid package name"),
                why,
                "package names are lowercase letters and digits joined by '.', '_', '__' or '-'; set `image` to choose one",
            );
            return expanded + suffix;
        }
        let full = format!("{expanded}{suffix}");
        if let Err(why) =
            check_oci_path(&full).and_then(|()| check_oci_path(&format!("{owner_lc}/{full}")))
        {
            let span = suffix_span
                .as_ref()
                .map(|s| s.span.clone())
                .or_else(|| template.map(|t| t.span.clone()))
                .unwrap_or(0..0);
            self.error(
                span,
                format!("image path `{full}` is not a valid package name"),
                why,
            );
        }
        full
    }

    fn outputs(&mut self, raw: &RawConfig) -> Outputs {
        let o = raw.outputs.clone().unwrap_or_default();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        let mut one = |b: &mut Self, v: &Option<Sp<OutputPath>>, default: &str| match v {
            None => Some(default.to_string()),
            Some(Sp {
                value: OutputPath::Off,
                ..
            }) => None,
            Some(Sp {
                value: OutputPath::Path(p),
                span,
            }) => {
                let sp = Sp {
                    value: p.clone(),
                    span: span.clone(),
                };
                let path = b.rel_path(&sp, "output path")?;
                if path == "." {
                    b.error(
                        span.clone(),
                        "invalid output path",
                        "an output cannot be the repository root",
                    );
                    return None;
                }
                if seen.insert(path.clone(), span.clone()).is_some() {
                    b.error(
                        span.clone(),
                        format!("two outputs write `{path}`"),
                        "already used by another output",
                    );
                }
                Some(path)
            }
        };
        Outputs {
            compose: one(self, &o.compose, "deploy/compose.yaml"),
            k8s: one(self, &o.k8s, "deploy/k8s"),
            env: one(self, &o.env, "deploy/.env.example"),
            workflow: one(self, &o.workflow, ".github/workflows/ghcr-publish.yml"),
        }
    }

    fn tags(&mut self, raw: &RawConfig, default_branch: &str) -> TagPolicy {
        let t = raw.tags.clone().unwrap_or_default();
        let lines = |b: &mut Self,
                     v: &Option<Sp<Vec<Sp<String>>>>,
                     default: &[&str],
                     check: fn(&str) -> Result<(), String>| match v {
            None => default.iter().map(|s| s.to_string()).collect(),
            Some(list) => list
                .value
                .iter()
                .filter(|l| match check(&l.value) {
                    Ok(()) => true,
                    Err(why) => {
                        b.error(l.span.clone(), why, "rejected by docker/metadata-action");
                        false
                    }
                })
                .map(|l| l.value.clone())
                .collect(),
        };
        let rules = lines(self, &t.rules, DEFAULT_RULES, check_tag_rule);
        let flavor = lines(self, &t.flavor, DEFAULT_FLAVOR, check_flavor_line);
        let branches = match &t.branches {
            None => vec![default_branch.to_string()],
            Some(list) => {
                if list.value.is_empty() {
                    self.error_help(
                        list.span.clone(),
                        "empty branch list",
                        "no branch would publish",
                        "list the branches whose pushes publish images",
                    );
                }
                list.value
                    .iter()
                    .filter(|b| self.check(b, "branch name", check_branch_filter))
                    .map(|b| b.value.clone())
                    .collect()
            }
        };
        let arch_tag = match &t.arch_tag {
            None => "{tag}-{arch}".to_string(),
            Some(a) => {
                match expand(&a.value, &[("tag", "1.0.0"), ("arch", "amd64")]) {
                    Err(why) => self.error_help(a.span.clone(), "invalid arch_tag", why, "placeholders are {tag} and {arch}"),
                    Ok(_) if !a.value.contains("{tag}") || !a.value.contains("{arch}") => self.error(
                        a.span.clone(),
                        "invalid arch_tag",
                        "must contain both {tag} and {arch}",
                    ),
                    Ok(sample) if !naming::is_valid_tag(&sample) => self.error(
                        a.span.clone(),
                        "invalid arch_tag",
                        format!("yields `{sample}`, not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})"),
                    ),
                    Ok(_) => {}
                }
                a.value.clone()
            }
        };
        TagPolicy {
            rules,
            flavor,
            branches,
            per_arch: t.per_arch.as_ref().is_some_and(|p| p.value),
            arch_tag,
        }
    }

    fn workflow(&mut self, raw: &RawConfig, services: &[Service]) -> Workflow {
        let w = raw.workflow.clone().unwrap_or_default();
        let mut runners = BTreeMap::new();
        for s in services {
            for p in &s.platforms {
                runners
                    .entry(p.to_string())
                    .or_insert_with(|| default_runner(p));
            }
        }
        if let Some(list) = &w.runners {
            for (platform, label) in &list.value {
                let Some(p) = Platform::parse(&platform.value) else {
                    self.error(
                        platform.span.clone(),
                        format!("unknown platform `{}`", platform.value),
                        "not an os/arch[/variant] buildx supports",
                    );
                    continue;
                };
                let runner = match label.value.as_str() {
                    "qemu" => Runner::Qemu("ubuntu-24.04".to_string()),
                    l if l.is_empty()
                        || l.chars().any(|c| {
                            c.is_whitespace() || c.is_control() || "'\"$`{}".contains(c)
                        }) =>
                    {
                        self.error(
                            label.span.clone(),
                            "invalid runner label",
                            "a runs-on label such as ubuntu-24.04-arm, or \"qemu\"",
                        );
                        continue;
                    }
                    l => Runner::Native(l.to_string()),
                };
                runners.insert(p.to_string(), runner);
            }
        }
        let mut pins = ActionPins::builtin();
        if let Some(list) = &w.pins {
            for (name, pin) in &list.value {
                let valid_name = name.value.split('/').count() >= 2
                    && name.value.split('/').all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    });
                if !valid_name {
                    self.error(
                        name.span.clone(),
                        format!("invalid action name `{}`", name.value),
                        "an action is owner/repo[/path]",
                    );
                }
                let sha = match &pin.sha {
                    Some(s) if super::pins::is_full_sha(&s.value) => Some(s.value.clone()),
                    Some(s) => {
                        self.error(
                            s.span.clone(),
                            "invalid pin",
                            "a full 40-character lowercase commit SHA",
                        );
                        None
                    }
                    None => {
                        self.error(
                            name.span.clone(),
                            "pin without `sha`",
                            "add sha = \"<40 hex digits>\"",
                        );
                        None
                    }
                };
                let version = match &pin.version {
                    Some(v) if !v.value.is_empty() && !v.value.contains(char::is_whitespace) => {
                        Some(v.value.clone())
                    }
                    Some(v) => {
                        self.error(
                            v.span.clone(),
                            "invalid pin version",
                            "a release name such as v7.0.1",
                        );
                        None
                    }
                    None => {
                        self.error(
                            name.span.clone(),
                            "pin without `version`",
                            "add version = \"vX.Y.Z\" (written as a comment)",
                        );
                        None
                    }
                };
                if let (Some(sha), Some(version), true) = (sha, version, valid_name) {
                    pins.0
                        .insert(name.value.clone(), ActionPin { sha, version });
                }
            }
        }
        Workflow {
            runners,
            attest: w.attest.as_ref().is_some_and(|a| a.value),
            pins,
        }
    }

    fn k8s(&mut self, raw: &RawConfig) -> K8s {
        let k = raw.k8s.clone().unwrap_or_default();
        let pull_secret = match &k.pull_secret {
            Some(s) => {
                self.check(s, "pull secret name", check_dns_subdomain);
                s.value.clone()
            }
            None => "ghcr-pull".to_string(),
        };
        let namespace = k.namespace.as_ref().map(|n| {
            self.check(n, "namespace", check_dns_label);
            n.value.clone()
        });
        let replicas = match &k.replicas {
            Some(r) if (0..=1000).contains(&r.value) => r.value as u32,
            Some(r) => {
                self.error(
                    r.span.clone(),
                    format!("replicas {} is out of range", r.value),
                    "0-1000",
                );
                1
            }
            None => 1,
        };
        K8s {
            pull_secret,
            namespace,
            replicas,
        }
    }

    fn globs(&mut self, list: &Sp<Vec<Sp<String>>>) -> Vec<String> {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(self.root);
        let mut out = Vec::new();
        for g in &list.value {
            match builder.add_line(None, &g.value) {
                Ok(_) => out.push(g.value.clone()),
                Err(e) => self.error(g.span.clone(), "invalid exclude pattern", e.to_string()),
            }
        }
        out
    }

    /// Checks a repository-relative path and returns it normalised (`/`-separated, no `./`).
    fn rel_path(&mut self, value: &Sp<String>, what: &str) -> Option<String> {
        match normalize_rel(&value.value) {
            Err(why) => {
                self.error_help(
                    value.span.clone(),
                    format!("invalid {what} `{}`", value.value),
                    why,
                    "paths are relative to registry.toml and stay inside the repository",
                );
                None
            }
            Ok(path) => {
                if let Err(why) = stays_inside(self.root, &path) {
                    self.error_help(
                        value.span.clone(),
                        format!("{what} `{}` leaves the repository", value.value),
                        why,
                        "paths are relative to registry.toml and stay inside the repository",
                    );
                    return None;
                }
                Some(path)
            }
        }
    }
}

fn default_runner(p: &Platform) -> Runner {
    match (p.os.as_str(), p.arch.as_str()) {
        ("linux", "amd64" | "386") => Runner::Native("ubuntu-24.04".into()),
        ("linux", "arm64" | "arm") => Runner::Native("ubuntu-24.04-arm".into()),
        ("windows", _) => Runner::Native("windows-2025".into()),
        _ => Runner::Qemu("ubuntu-24.04".into()),
    }
}

/// Replaces `{name}` placeholders; unknown placeholders and stray braces are errors.
pub fn expand(template: &str, vars: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        if rest[open..].starts_with('}') {
            return Err("unmatched '}'".into());
        }
        let Some(close) = rest[open..].find('}') else {
            return Err("unclosed '{'".into());
        };
        let name = &rest[open + 1..open + close];
        match vars.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => return Err(format!("unknown placeholder {{{name}}}")),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A full image reference without tag: `host/path`, lowercase path.
fn check_image_ref(s: &str) -> Result<(), String> {
    let Some((host, path)) = s.split_once('/') else {
        return Err("a full image reference such as ghcr.io/owner/name".into());
    };
    naming::check_registry(host)?;
    check_oci_path(path)
}

/// A branch name or a GitHub Actions branch filter pattern (`release/*`, `v[0-9]**`).
fn check_branch_filter(s: &str) -> Result<(), String> {
    let literal: String = s
        .chars()
        .map(|c| {
            if matches!(c, '*' | '?' | '[' | ']' | '+') {
                'x'
            } else {
                c
            }
        })
        .collect();
    if s.starts_with('!') {
        return Err("negative patterns are not supported; list the branches that publish".into());
    }
    naming::check_branch(&literal)
}

fn check_dns_label(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err("a DNS label: lowercase letters, digits and inner '-', at most 63".into())
    }
}

fn check_dns_subdomain(s: &str) -> Result<(), String> {
    if s.len() <= 253 && s.split('.').all(|l| check_dns_label(l).is_ok()) {
        Ok(())
    } else {
        Err("a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253".into())
    }
}

fn check_tag_rule(line: &str) -> Result<(), String> {
    metadata_action::check_tag_line(line).map_err(|e| e.to_string())
}

fn check_flavor_line(line: &str) -> Result<(), String> {
    metadata_action::check_flavor_line(line).map_err(|e| e.to_string())
}

/// Normalises a relative path: rejects absolute paths and `..`, drops `.` segments.
pub fn normalize_rel(p: &str) -> Result<String, String> {
    if p.is_empty() {
        return Err("the path is empty".into());
    }
    if p.contains('\\') {
        return Err("use '/' as the path separator".into());
    }
    let path = Path::new(p);
    let looks_windows_absolute = p.len() >= 2 && p.as_bytes()[1] == b':';
    if path.is_absolute() || p.starts_with('/') || looks_windows_absolute {
        return Err("absolute paths are not allowed".into());
    }
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => return Err("'..' would leave the repository".into()),
            _ => return Err("absolute paths are not allowed".into()),
        }
    }
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// Checks that no existing prefix of `rel` is a symlink leading outside `root`.
fn stays_inside(root: &Path, rel: &str) -> Result<(), String> {
    if rel == "." {
        return Ok(());
    }
    let Ok(canon_root) = root.canonicalize() else {
        return Ok(());
    };
    let mut cur = root.to_path_buf();
    for part in rel.split('/') {
        cur.push(part);
        if cur.symlink_metadata().is_err() {
            break;
        }
        match cur.canonicalize() {
            Ok(real) if !real.starts_with(&canon_root) => {
                return Err(format!(
                    "{} is a symlink to {}, outside the repository",
                    cur.strip_prefix(root).unwrap_or(&cur).display(),
                    real.display()
                ));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir == "." || dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_rejects_unknown_placeholders() {
        let vars = [("repo", "r"), ("service", "s")];
        assert_eq!(expand("{repo}-{service}", &vars).unwrap(), "r-s");
        assert!(expand("{repo}-{svc}", &vars).unwrap_err().contains("{svc}"));
        assert!(expand("{repo", &vars).is_err());
        assert!(expand("repo}", &vars).is_err());
    }

    #[test]
    fn relative_paths_cannot_escape() {
        assert_eq!(normalize_rel("./deploy//k8s/").unwrap(), "deploy/k8s");
        assert_eq!(normalize_rel(".").unwrap(), ".");
        assert!(normalize_rel("../x").is_err());
        assert!(normalize_rel("a/../../x").is_err());
        assert!(normalize_rel("/etc").is_err());
        assert!(normalize_rel("C:/x").is_err());
        assert!(normalize_rel("").is_err());
    }
}
