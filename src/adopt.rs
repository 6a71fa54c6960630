//! `adopt` planning: the `registry.toml` text describing exactly what the repository's
//! workflows publish today ([`crate::setup`] reads them), and what it cannot express.
//!
//! Every service gets an explicit `image` (its package name as pushed), its context,
//! Dockerfile, target, build arguments, platforms and, when its tags differ from the
//! shared policy, its own `[services.X.tags]`. Flavor suffixes become `variant`s; mirrors
//! on other registries with the same package name become `also` (the namespace there,
//! when not the owner, the top-level `namespace`). Every `[outputs]` target is turned
//! off: adopt describes the hand-written setup and changes no other file, and a later
//! `render` must not write a second publishing workflow beside it nor clobber it. The
//! user switches targets on when moving to the generated files.
//!
//! Pure: no disk access; the command ([`crate::cmd::adopt`]) validates and writes.

use std::collections::BTreeMap;

use crate::setup::{PublishedImage, RepoContext, Setup, Unexpressed};

/// What adopt would write, and what it could not express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    /// The registry.toml text.
    pub text: String,
    /// One per service: name and full image reference.
    pub services: Vec<(String, String)>,
    /// What the workflows do that the config cannot say, with where.
    pub unexpressed: Vec<Unexpressed>,
    /// Remarks that are not losses (a push that fails on a capitalised owner).
    pub notes: Vec<String>,
}

/// Plans the config for `setup` read with `ctx`; `default_branch` as git knows it.
pub fn plan(setup: &Setup, ctx: &RepoContext, default_branch: &str) -> Adopted {
    let mut unexpressed = setup.unexpressed.clone();
    let mut notes = Vec::new();
    let owner_lc = ctx.owner.to_lowercase();
    let mut services: Vec<Svc> = Vec::new();
    let mut namespace: Option<String> = None;
    for img in &setup.images {
        let at = |what: String| {
            let d = img.definitions.first();
            Unexpressed {
                file: d.map_or_else(|| img.workflow.clone(), |d| d.file.clone()),
                line: d.map_or(1, |d| d.line),
                col: d.map_or(1, |d| d.col),
                what,
            }
        };
        let path_lc = img.path.to_lowercase();
        let (ns, package) = path_lc.split_once('/').unwrap_or(("", path_lc.as_str()));
        let ghcr = img.registry == "ghcr.io";
        if ghcr && ns.to_lowercase() != owner_lc {
            unexpressed.push(at(format!(
                "pushes ghcr.io/{} under owner `{ns}`, not `{owner_lc}`: registry.toml has one owner; not adopted",
                img.path
            )));
            continue;
        }
        if !ghcr && !note_namespace(&mut namespace, ns, &owner_lc) {
            unexpressed.push(at(format!(
                "pushes {}/{} under namespace `{ns}`, another than the other images': not adopted",
                img.registry, img.path
            )));
            continue;
        }
        if img.may_be_uppercase {
            notes.push(format!(
                "{}: the workflow pushes `{}/{}` spelled from github.* without lowercasing; with owner `{}` the push fails (registry.toml names it lowercased)",
                img.workflow.display(),
                img.registry,
                img.path,
                ctx.owner
            ));
        }
        let mut also = Vec::new();
        for m in &img.also {
            let (reg, path) = m.split_once('/').unwrap_or(("", m));
            let (mns, mpkg) = path.split_once('/').unwrap_or(("", path));
            let same_ns_ok = if reg == "ghcr.io" {
                false
            } else {
                note_namespace(&mut namespace, mns, &owner_lc)
            };
            if mpkg == package && reg != img.registry && same_ns_ok {
                if !also.contains(&reg.to_string()) {
                    also.push(reg.to_string());
                }
            } else {
                unexpressed.push(at(format!(
                    "mirror `{m}`: `also` mirrors the same package name to another registry (one namespace for all); not adopted"
                )));
            }
        }
        let mut flavor = Vec::new();
        for line in &img.flavor {
            let kept: Vec<&str> = line
                .split(',')
                .map(str::trim)
                .filter(|f| {
                    img.variant.is_none()
                        || !(f.starts_with("suffix=") || f.starts_with("onlatest="))
                })
                .collect();
            if !kept.is_empty() {
                flavor.push(kept.join(","));
            }
        }
        services.push(Svc {
            name: String::new(),
            img,
            package: package.to_string(),
            also,
            flavor,
        });
    }
    name_services(&mut services, &ctx.repo);

    let rules_key = |s: &Svc| (s.img.tag_rules.clone(), s.flavor.clone());
    let mut counts: BTreeMap<(Vec<String>, Vec<String>), usize> = BTreeMap::new();
    for s in &services {
        *counts.entry(rules_key(s)).or_default() += 1;
    }
    let global = counts
        .iter()
        .max_by_key(|(k, n)| (**n, std::cmp::Reverse((*k).clone())))
        .map(|(k, _)| k.clone())
        .unwrap_or_default();
    let registry = services
        .first()
        .map_or("ghcr.io".to_string(), |s| s.img.registry.clone());
    let branches = push_branches(setup, default_branch);

    let q = |s: &str| toml_edit::Value::from(s).to_string();
    let list = |v: &[String]| {
        let items: Vec<String> = v.iter().map(|s| q(s)).collect();
        format!("[{}]", items.join(", "))
    };
    let mut t = String::new();
    t.push_str(
        "# ghcr-gen: adopted by `ghcr-gen adopt` from the publishing workflows as they are.\n",
    );
    t.push_str("# Every key is documented in the README and in `ghcr-gen schema`.\n\n");
    t.push_str(&format!("registry = {}\n", q(&registry)));
    t.push_str(&format!("owner = {}\n", q(&ctx.owner)));
    t.push_str(&format!("repo = {}\n", q(&ctx.repo)));
    if let Some(ns) = namespace.as_ref().filter(|n| **n != owner_lc) {
        t.push_str(&format!("namespace = {}\n", q(ns)));
    }
    t.push_str(&format!("default_branch = {}\n", q(default_branch)));
    for s in &services {
        t.push_str(&format!("\n[services.{}]\n", toml_key(&s.name)));
        t.push_str(&format!("image = {}\n", q(&s.package)));
        if s.img.registry != registry {
            t.push_str(&format!("registry = {}\n", q(&s.img.registry)));
        }
        if !s.also.is_empty() {
            t.push_str(&format!("also = {}\n", list(&s.also)));
        }
        if let Some(v) = &s.img.variant {
            t.push_str(&format!("variant = {}\n", q(v)));
        }
        let context = s.img.context.as_deref().map_or(".".to_string(), clean_path);
        t.push_str(&format!("context = {}\n", q(&context)));
        if let Some(d) = &s.img.dockerfile {
            t.push_str(&format!("dockerfile = {}\n", q(&clean_path(d))));
        }
        if let Some(target) = &s.img.target {
            t.push_str(&format!("target = {}\n", q(target)));
        }
        if !s.img.build_args.is_empty() {
            let args: Vec<String> = s
                .img
                .build_args
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), q(v)))
                .collect();
            t.push_str(&format!("build_args = {{ {} }}\n", args.join(", ")));
        }
        let platforms = if s.img.platforms.is_empty() {
            vec!["linux/amd64".to_string()]
        } else {
            s.img.platforms.clone()
        };
        t.push_str(&format!("platforms = {}\n", list(&platforms)));
        if rules_key(s) != global {
            t.push_str(&format!("\n[services.{}.tags]\n", toml_key(&s.name)));
            t.push_str(&format!("rules = {}\n", list(&s.img.tag_rules)));
            if !s.flavor.is_empty() || !global.1.is_empty() {
                t.push_str(&format!("flavor = {}\n", list(&s.flavor)));
            }
        }
    }
    t.push_str("\n# The tag policy most images share (metadata-action `tags` and `flavor` lines).\n[tags]\n");
    t.push_str(&format!("rules = {}\n", list(&global.0)));
    if !global.1.is_empty() {
        t.push_str(&format!("flavor = {}\n", list(&global.1)));
    }
    t.push_str(&format!("branches = {}\n", list(&branches)));
    t.push_str(
        "\n# The hand-written workflows keep publishing: nothing is generated until you turn a\n",
    );
    t.push_str("# target on (e.g. workflow = \".github/workflows/ghcr-publish.yml\", then remove the old one).\n");
    t.push_str("[outputs]\ncompose = false\nk8s = false\nenv = false\nworkflow = false\n");
    if !unexpressed.is_empty() {
        t.push_str("\n# Not expressed (the workflows do this; registry.toml cannot say it):\n");
        for u in &unexpressed {
            t.push_str(&format!(
                "#   {}:{}:{}: {}\n",
                u.file.display(),
                u.line,
                u.col,
                u.what.replace('\n', " ")
            ));
        }
    }
    let services = services
        .iter()
        .map(|s| (s.name.clone(), format!("{}/{}", s.img.registry, s.img.path)))
        .collect();
    Adopted {
        text: t,
        services,
        unexpressed,
        notes,
    }
}

struct Svc<'a> {
    name: String,
    img: &'a PublishedImage,
    package: String,
    also: Vec<String>,
    flavor: Vec<String>,
}

/// Records the namespace of a non-GHCR reference: `false` when another one is already
/// recorded (the config has one).
fn note_namespace(namespace: &mut Option<String>, ns: &str, owner_lc: &str) -> bool {
    match namespace {
        Some(n) => n == ns,
        None => {
            *namespace = Some(if ns.is_empty() {
                owner_lc.to_string()
            } else {
                ns.to_string()
            });
            true
        }
    }
}

/// Service names: the package without the `REPO-` prefix (the repository's own package is
/// named after the repository), the variant for variants of one package; made unique.
fn name_services(services: &mut [Svc<'_>], repo: &str) {
    let repo_lc = repo.to_lowercase();
    let mut used: Vec<String> = Vec::new();
    for i in 0..services.len() {
        let s = &services[i];
        let shared = services.iter().filter(|o| o.package == s.package).count() > 1;
        let leaf = s
            .package
            .rsplit('/')
            .next()
            .unwrap_or(&s.package)
            .to_string();
        let base = match (&s.img.variant, shared) {
            (Some(v), true) => v.clone(),
            _ => leaf
                .strip_prefix(&format!("{repo_lc}-"))
                .filter(|r| !r.is_empty())
                .unwrap_or(&leaf)
                .to_string(),
        };
        let base = sanitize(&base);
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        used.push(name.clone());
        services[i].name = name;
    }
}

fn sanitize(s: &str) -> String {
    let out: String = s
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "app".into() } else { out }
}

/// The branches whose pushes run the publishing workflows (`on.push.branches`), else the
/// default branch.
fn push_branches(setup: &Setup, default_branch: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in &setup.workflows {
        if !setup.images.iter().any(|i| i.workflow == w.file) {
            continue;
        }
        for t in w.on.iter().filter(|t| t.event == "push") {
            for b in &t.branches {
                if !out.contains(b) {
                    out.push(b.clone());
                }
            }
        }
    }
    if out.is_empty() {
        out.push(default_branch.to_string());
    }
    out
}

/// `./api/` → `api`, `./` → `.`.
fn clean_path(p: &str) -> String {
    let mut s = p.trim();
    while let Some(r) = s.strip_prefix("./") {
        s = r;
    }
    let s = s.trim_end_matches('/');
    if s.is_empty() {
        ".".into()
    } else {
        s.to_string()
    }
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
