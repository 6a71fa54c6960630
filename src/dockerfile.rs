//! Dockerfile discovery: the images a repository builds, found from its Dockerfiles (for
//! `ghcr-gen init`), the port a Dockerfile exposes and the user its final stage runs as.
//!
//! Dockerfiles are `Dockerfile`, `Containerfile`, `Dockerfile.*`/`Containerfile.*` and
//! `*.dockerfile`/`*.containerfile` (any case). A service's build context is the
//! Dockerfile's folder unless its `COPY`/`ADD` sources exist only relative to the
//! repository root, then the root. When the repository has workflows that build images,
//! Dockerfiles none of them names are left out (a textual check of
//! `.github/workflows/*`).

use std::collections::{HashMap, HashSet};
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
    /// The final stage's `USER`.
    pub user: DockerUser,
}

/// The user a Dockerfile's final stage runs as (its last `USER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerUser {
    /// `USER uid` or `USER uid:gid`, numeric and not root.
    Numeric { user: u32, group: Option<u32> },
    /// `USER 0` or `USER root`.
    Root,
    /// A name or a variable (`USER node`, `USER $APP_UID`): Kubernetes cannot verify it.
    Named(String),
    /// No `USER` in the final stage (the image runs as root unless its base says otherwise).
    Missing,
    /// The Dockerfile could not be read.
    Unreadable,
}

impl DockerUser {
    /// Reads the last `USER` of the final stage of the Dockerfile at `path`.
    pub fn of(path: &Path) -> DockerUser {
        match std::fs::read_to_string(path) {
            Ok(text) => DockerUser::parse(&text),
            Err(_) => DockerUser::Unreadable,
        }
    }

    /// The last `USER` of the final stage of Dockerfile `text` (a `FROM` starts a stage;
    /// continuation lines are joined).
    pub fn parse(text: &str) -> DockerUser {
        let mut user: Option<String> = None;
        for line in instructions(text) {
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            if keyword.eq_ignore_ascii_case("FROM") {
                user = None;
            } else if keyword.eq_ignore_ascii_case("USER") {
                user = words.next().map(str::to_string);
            }
        }
        let Some(user) = user else {
            return DockerUser::Missing;
        };
        let (uid, gid) = match user.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (user.as_str(), None),
        };
        let number = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
                .filter(|n| *n <= 2_147_483_647)
        };
        match (number(uid), gid.map(number)) {
            (Some(0), _) => DockerUser::Root,
            (Some(user), None) => DockerUser::Numeric { user, group: None },
            (Some(user), Some(Some(group))) => DockerUser::Numeric {
                user,
                group: Some(group),
            },
            _ if uid == "root" => DockerUser::Root,
            _ => DockerUser::Named(user),
        }
    }
}

/// Dockerfile instructions, one per item: comments dropped, `\` continuations joined.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A service named `NAME` or `NAME=CONTEXT` (context `.` when left out), built from
/// `<context>/Dockerfile` under `root`, or `<context>/Containerfile` when only that exists.
pub(crate) fn named_service(root: &Path, spec: &str) -> FoundService {
    let (name, context) = spec.split_once('=').unwrap_or((spec, "."));
    let context = if context.is_empty() { "." } else { context };
    let trimmed = context.trim_end_matches('/');
    let containerfile = root.join(context).join("Containerfile");
    let use_containerfile = !root.join(context).join("Dockerfile").exists()
        && std::fs::symlink_metadata(&containerfile).is_ok_and(|m| m.is_file());
    let dockerfile = if use_containerfile {
        containerfile
    } else {
        root.join(context).join("Dockerfile")
    };
    FoundService {
        name: name.to_string(),
        context: trimmed.to_string(),
        dockerfile: use_containerfile
            .then(|| crate::model::paths::join_rel(trimmed, "Containerfile")),
        port: exposed_port(&dockerfile),
        user: DockerUser::of(&dockerfile),
    }
}

/// Services from the Dockerfiles in the tree: one per Dockerfile, named after its
/// directory (and the variant part of its file name). See [`discover`].
pub(crate) fn discover_services(root: &Path, repo: &str) -> Vec<FoundService> {
    discover(root, repo).services
}

/// What discovery found: the services, and the Dockerfiles left out because the
/// repository's image-building workflows never name them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Discovery {
    pub services: Vec<FoundService>,
    /// Dockerfile paths (relative to the root) no workflow builds.
    pub unbuilt: Vec<String>,
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Containerfile`, `Dockerfile.*`,
/// `Containerfile.*`, `*.dockerfile` or `*.containerfile`, in any case; files that
/// accompany a Dockerfile (`Dockerfile.dockerignore`, notes, backups) are not.
pub(crate) fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const NOT: &[&str] = &[".dockerignore", ".md", ".txt", ".orig", ".bak", ".swp", "~"];
    if NOT.iter().any(|n| lower.ends_with(n)) {
        return false;
    }
    dockerfile_variant(&lower).is_some()
}

/// The variant part of a Dockerfile's name: `Some("")` for `Dockerfile`/`Containerfile`,
/// `Some("dev")` for `Dockerfile.dev` or `dev.Dockerfile`, `None` for other names.
fn dockerfile_variant(name: &str) -> Option<&str> {
    let lower = name.to_ascii_lowercase();
    for base in ["dockerfile", "containerfile"] {
        if lower == base {
            return Some("");
        }
        if lower.starts_with(base) && lower.as_bytes().get(base.len()) == Some(&b'.') {
            return Some(&name[base.len() + 1..]).filter(|v| !v.is_empty());
        }
        if lower.ends_with(base) && lower.len() > base.len() + 1 {
            let cut = name.len() - base.len() - 1;
            if name.as_bytes()[cut] == b'.' {
                return Some(&name[..cut]);
            }
        }
    }
    None
}

/// Services from the Dockerfiles in the tree (see the module documentation), and the
/// Dockerfiles left out because no image-building workflow names them.
pub(crate) fn discover(root: &Path, repo: &str) -> Discovery {
    let workflows: Vec<String> = workflow_texts(root)
        .into_iter()
        .filter(|w| builds_images(w))
        .collect();
    let d = discover_with(root, repo, &workflows);
    // Workflows that build images but name none of the Dockerfiles (a build of `.` with
    // a generated Dockerfile, say) tell nothing: keep everything then.
    if d.services.is_empty() && !d.unbuilt.is_empty() {
        return discover_with(root, repo, &[]);
    }
    d
}

/// Discovery with the texts of the image-building workflows (none: no filter).
fn discover_with(root: &Path, repo: &str, workflows: &[String]) -> Discovery {
    let mut found = Vec::new();
    let mut unbuilt = Vec::new();
    for entry in ignore::WalkBuilder::new(root)
        .hidden(true)
        .build()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy();
        if !is_dockerfile_name(&name) || !entry.file_type().is_some_and(|t| t.is_file()) {
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
        if !workflows.is_empty() && !workflows.iter().any(|w| builds(w, &rel, dir, file)) {
            unbuilt.push(rel.clone());
            continue;
        }
        let variant = dockerfile_variant(file).filter(|v| !v.is_empty());
        let mut name = naming::dns_label(&base);
        if let Some(v) = variant.map(naming::dns_label)
            && v != name
        {
            name = format!("{name}-{v}");
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let context = if dir != "." && copies_from_root(root, dir, &text) {
            "."
        } else {
            dir
        };
        found.push(FoundService {
            name,
            context: context.to_string(),
            dockerfile: (file != "Dockerfile" || context != dir).then(|| rel.clone()),
            port: exposed_port(entry.path()),
            user: DockerUser::of(entry.path()),
        });
    }
    found.sort_by(|a, b| a.context.cmp(&b.context).then(a.name.cmp(&b.name)));
    unbuilt.sort();
    distinct_names(&mut found);
    Discovery {
        services: found,
        unbuilt,
    }
}

/// The texts of `.github/workflows/*.yml` and `*.yaml` (regular files only, read through
/// [`crate::fsafe`]), in name order.
fn workflow_texts(root: &Path) -> Vec<String> {
    let Ok(real_root) = crate::fsafe::canonical_root(root) else {
        return Vec::new();
    };
    let dir = Path::new(".github/workflows");
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
        .iter()
        .filter_map(|n| crate::fsafe::read(&real_root, &dir.join(n)).ok().flatten())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}

/// Whether a workflow builds container images at all.
fn builds_images(text: &str) -> bool {
    [
        "docker/build-push-action",
        "docker/bake-action",
        "docker build",
        "docker buildx build",
        "docker image build",
        "buildah",
        "podman build",
        "redhat-actions/buildah-build",
    ]
    .iter()
    .any(|k| text.contains(k))
}

/// Whether workflow `text` builds the Dockerfile at `rel` (in folder `dir`, named `file`):
/// it names the file's path, or — for a file named `Dockerfile`, the one builds use when
/// given only a context — its folder (the root: any build).
fn builds(text: &str, rel: &str, dir: &str, file: &str) -> bool {
    if mentions_path(text, rel) {
        return true;
    }
    if !file.eq_ignore_ascii_case("Dockerfile") {
        return false;
    }
    dir == "." || mentions_path(text, dir)
}

/// Whether `path` occurs in `text` as a whole path: not as part of a longer name (`api`
/// in `api-gateway` or `myapi`), optionally after `./`, and optionally followed by `/`.
fn mentions_path(text: &str, path: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    text.match_indices(path).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + path.len()..].chars().next();
        let before_ok = match before {
            None => true,
            Some('/') => text[..at].ends_with("./") && !text[..at].ends_with("../"),
            Some(c) => !name_char(c),
        };
        before_ok && !after.is_some_and(name_char)
    })
}

/// Whether the Dockerfile in folder `dir` copies from the repository root: some
/// `COPY`/`ADD` source (not from a stage or URL, no variables) exists relative to the root
/// but not relative to `dir`, and none exists only relative to `dir`.
fn copies_from_root(root: &Path, dir: &str, text: &str) -> bool {
    let (mut only_root, mut only_dir) = (false, false);
    for src in copy_sources(text) {
        let at_root = exists_inside(root, &src);
        let at_dir = exists_inside(root, &format!("{dir}/{src}"));
        only_root |= at_root && !at_dir;
        only_dir |= at_dir && !at_root;
    }
    only_root && !only_dir
}

/// The local sources of every `COPY`/`ADD` of a Dockerfile: flags, `--from=` copies, URLs
/// and arguments with variables left out; leading `./` and `/` removed; a glob cut at its
/// first wildcard segment.
fn copy_sources(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in instructions(text) {
        let mut words = line.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        if !keyword.eq_ignore_ascii_case("COPY") && !keyword.eq_ignore_ascii_case("ADD") {
            continue;
        }
        let rest: Vec<&str> = words.collect();
        if rest.iter().any(|w| w.starts_with("--from")) {
            continue;
        }
        let args: Vec<String> = match rest.iter().position(|w| w.starts_with('[')) {
            Some(i) => {
                let json = rest[i..].join(" ");
                serde_json::from_str::<Vec<String>>(&json).unwrap_or_default()
            }
            None => rest
                .iter()
                .filter(|w| !w.starts_with("--"))
                .map(|w| w.to_string())
                .collect(),
        };
        let Some((_, sources)) = args.split_last() else {
            continue;
        };
        for src in sources {
            if src.contains("://") || src.contains('$') || src.starts_with("<<") {
                continue;
            }
            let trimmed = src.trim_start_matches("./").trim_start_matches('/');
            let kept: Vec<&str> = trimmed
                .split('/')
                .take_while(|seg| !seg.contains(['*', '?', '[']))
                .filter(|seg| !seg.is_empty() && *seg != ".")
                .collect();
            if kept.is_empty() || kept.contains(&"..") {
                continue;
            }
            out.push(kept.join("/"));
        }
    }
    out
}

/// Whether `rel` names something under `root`, without following symbolic links.
fn exists_inside(root: &Path, rel: &str) -> bool {
    std::fs::symlink_metadata(root.join(rel)).is_ok()
}

/// Gives services whose folders share a name (`apps/web`, `legacy/web`) distinct names:
/// the one nearest the root (then first by path) keeps the name, each other one takes its
/// parent folders as a prefix, nearest first, until the name is free (`legacy-web`), and
/// a number (`web-2`) when the path runs out. Names that were unique are never changed.
fn distinct_names(found: &mut [FoundService]) {
    let mut count: HashMap<String, usize> = HashMap::new();
    for s in found.iter() {
        *count.entry(s.name.clone()).or_default() += 1;
    }
    let mut taken: HashSet<String> = count
        .iter()
        .filter(|(_, n)| **n == 1)
        .map(|(name, _)| name.clone())
        .collect();
    let depth = |s: &FoundService| {
        if s.context == "." {
            0
        } else {
            s.context.split('/').count()
        }
    };
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&found[a], &found[b]);
        depth(a)
            .cmp(&depth(b))
            .then_with(|| a.context.cmp(&b.context))
            .then_with(|| a.name.cmp(&b.name))
    });
    for i in order {
        let s = &mut found[i];
        if count[&s.name] == 1 || taken.insert(s.name.clone()) {
            continue;
        }
        let folders: Vec<&str> = if s.context == "." {
            Vec::new()
        } else {
            s.context.split('/').collect()
        };
        let parents = &folders[..folders.len().saturating_sub(1)];
        let mut name = s.name.clone();
        for parent in parents.iter().rev() {
            name = format!("{}-{name}", naming::dns_label(parent));
            if !taken.contains(&name) {
                break;
            }
        }
        let base = name.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        s.name = name;
    }
}

/// The first port a Dockerfile EXPOSEs.
pub(crate) fn exposed_port(path: &Path) -> Option<u16> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_services_take_their_context_and_exposed_port() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("api")).unwrap();
        std::fs::write(
            dir.path().join("api/Dockerfile"),
            "FROM scratch\nexpose 8080/tcp\nEXPOSE 9090\n",
        )
        .unwrap();
        assert_eq!(
            named_service(dir.path(), "api=api/"),
            FoundService {
                name: "api".into(),
                context: "api".into(),
                dockerfile: None,
                port: Some(8080),
                user: DockerUser::Missing,
            }
        );
        let bare = named_service(dir.path(), "web=");
        assert_eq!((bare.context.as_str(), bare.port), (".", None));
        // Only a Containerfile: it is the service's Dockerfile.
        std::fs::create_dir(dir.path().join("collector")).unwrap();
        std::fs::write(
            dir.path().join("collector/Containerfile"),
            "FROM scratch\nEXPOSE 4317\n",
        )
        .unwrap();
        let collector = named_service(dir.path(), "collector=collector");
        assert_eq!(
            (collector.dockerfile.as_deref(), collector.port),
            (Some("collector/Containerfile"), Some(4317))
        );
    }

    #[test]
    fn user_is_the_last_user_of_the_final_stage() {
        let cases = [
            (
                "FROM a\nUSER 65532\n",
                DockerUser::Numeric {
                    user: 65532,
                    group: None,
                },
            ),
            (
                "FROM a\nuser 10001:10002\n",
                DockerUser::Numeric {
                    user: 10001,
                    group: Some(10002),
                },
            ),
            ("FROM a AS build\nUSER 1000\nFROM b\n", DockerUser::Missing),
            (
                "FROM a\nUSER 1000\nUSER node\n",
                DockerUser::Named("node".into()),
            ),
            (
                "FROM a\nUSER $APP_UID\n",
                DockerUser::Named("$APP_UID".into()),
            ),
            (
                "FROM a\nUSER 1000:staff\n",
                DockerUser::Named("1000:staff".into()),
            ),
            ("FROM a\nUSER root\n", DockerUser::Root),
            ("FROM a\nUSER 0:0\n", DockerUser::Root),
            (
                "FROM a\n# USER 5\nRUN echo \\\n  USER 7\n",
                DockerUser::Missing,
            ),
            (
                "FROM a\nUSER 99999999999\n",
                DockerUser::Named("99999999999".into()),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(DockerUser::parse(text), expected, "{text:?}");
        }
    }

    #[test]
    fn discovery_names_services_after_directories_and_variants() {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in [
            ("Dockerfile", "FROM scratch\n"),
            ("svc/Web_App/Dockerfile.Dev", "FROM scratch\nEXPOSE 3000\n"),
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let found = discover_services(dir.path(), "My.Repo");
        let names: Vec<(&str, &str, Option<&str>, Option<u16>)> = found
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.context.as_str(),
                    s.dockerfile.as_deref(),
                    s.port,
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("my-repo", ".", None, None),
                (
                    "web-app-dev",
                    "svc/Web_App",
                    Some("svc/Web_App/Dockerfile.Dev"),
                    Some(3000)
                ),
            ]
        );
    }

    #[test]
    fn discovery_gives_same_named_folders_distinct_names_from_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            "apps/web/Dockerfile",
            "legacy/web/Dockerfile",
            "legacy-web/Dockerfile",
            "x/legacy/web/Dockerfile",
            "web/Dockerfile.dev",
            "web/dev.Dockerfile",
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "FROM scratch\n").unwrap();
        }
        let found = discover_services(dir.path(), "repo");
        let names: Vec<(&str, &str)> = found
            .iter()
            .map(|s| (s.context.as_str(), s.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("apps/web", "web"),
                ("legacy-web", "legacy-web"),
                ("legacy/web", "legacy-web-2"),
                ("web", "web-dev"),
                ("web", "web-dev-2"),
                ("x/legacy/web", "x-legacy-web"),
            ]
        );
    }
}

#[cfg(test)]
mod discovery_tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn summary(d: &Discovery) -> Vec<(String, String, Option<String>)> {
        d.services
            .iter()
            .map(|s| (s.name.clone(), s.context.clone(), s.dockerfile.clone()))
            .collect()
    }

    #[test]
    fn containerfiles_and_dot_dockerfile_names_are_dockerfiles() {
        for name in [
            "Dockerfile",
            "Containerfile",
            "Dockerfile.dev",
            "containerfile.prod",
            "web.dockerfile",
            "api.Dockerfile",
            "worker.containerfile",
        ] {
            assert!(is_dockerfile_name(name), "{name}");
        }
        for name in [
            "Dockerfile.dockerignore",
            "Dockerfile.md",
            ".dockerfile",
            "Dockerfile.",
            "dockerfile-notes",
            "README",
        ] {
            assert!(!is_dockerfile_name(name), "{name}");
        }
    }

    #[test]
    fn discovery_finds_containerfiles_and_dot_dockerfiles() {
        let dir = tree(&[
            ("collector/Containerfile", "FROM scratch\n"),
            ("docker/web.dockerfile", "FROM scratch\nEXPOSE 8080\n"),
        ]);
        let d = discover(dir.path(), "telemetry");
        assert_eq!(
            summary(&d),
            [
                (
                    "collector".into(),
                    "collector".into(),
                    Some("collector/Containerfile".into())
                ),
                (
                    "docker-web".into(),
                    "docker".into(),
                    Some("docker/web.dockerfile".into())
                ),
            ]
        );
        assert_eq!(d.services[1].port, Some(8080));
    }

    #[test]
    fn context_is_the_root_when_copy_sources_exist_only_there() {
        let dir = tree(&[
            ("package.json", "{}"),
            ("apps/api/package.json", "{}"),
            ("apps/api/src/main.ts", ""),
            (
                "apps/api/Dockerfile",
                "FROM node AS build\nCOPY package.json ./\nCOPY apps/api/src /app/src\n\
                 FROM node\nCOPY --from=build /app /app\n",
            ),
            ("apps/web/index.html", ""),
            (
                "apps/web/Dockerfile",
                "FROM nginx\nCOPY [\"index.html\", \"/usr/share/nginx/html/\"]\n",
            ),
            (
                "tools/Dockerfile",
                "FROM alpine\nADD https://example.com/x /x\nCOPY $SRC /y\n",
            ),
        ]);
        let d = discover(dir.path(), "mono");
        assert_eq!(
            summary(&d),
            [
                ("api".into(), ".".into(), Some("apps/api/Dockerfile".into())),
                ("web".into(), "apps/web".into(), None),
                ("tools".into(), "tools".into(), None),
            ]
        );
    }

    #[test]
    fn copies_from_the_folder_keep_the_folder_as_context() {
        let dir = tree(&[
            ("README.md", ""),
            ("api/README.md", ""),
            ("api/main.go", ""),
            (
                "api/Dockerfile",
                "FROM golang\nCOPY main.go ./\nCOPY README.md ./\n",
            ),
        ]);
        assert_eq!(
            summary(&discover(dir.path(), "r")),
            [("api".into(), "api".into(), None)]
        );
        // Sources leaving the folder are never looked up.
        assert!(copy_sources("COPY ../secret /x\nCOPY ./a/*.go b/ /y\n") == ["a", "b"]);
    }

    #[test]
    fn dockerfiles_no_workflow_builds_are_left_out() {
        let dir = tree(&[
            ("api/Dockerfile", "FROM scratch\n"),
            ("api-gateway/Dockerfile", "FROM scratch\n"),
            ("docs/Dockerfile.preview", "FROM scratch\n"),
            ("worker/worker.dockerfile", "FROM scratch\n"),
            (
                ".github/workflows/ci.yml",
                "jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n        \
                 with:\n          context: ./api\n      - run: docker build -f worker/worker.dockerfile .\n",
            ),
        ]);
        let d = discover(dir.path(), "r");
        let names: Vec<&str> = d.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["api", "worker"]);
        assert_eq!(
            d.unbuilt,
            ["api-gateway/Dockerfile", "docs/Dockerfile.preview"]
        );
    }

    #[test]
    fn workflows_that_build_nothing_found_or_no_images_keep_every_dockerfile() {
        // A test-only workflow says nothing about images.
        let dir = tree(&[
            ("api/Dockerfile", "FROM scratch\n"),
            (
                ".github/workflows/test.yml",
                "jobs:\n  t:\n    steps:\n      - run: cargo test\n",
            ),
        ]);
        let d = discover(dir.path(), "r");
        assert_eq!((d.services.len(), d.unbuilt.len()), (1, 0));
        // A build naming none of the Dockerfiles found tells nothing either.
        let dir = tree(&[
            ("api/Dockerfile", "FROM scratch\n"),
            (
                ".github/workflows/b.yml",
                "steps:\n  - run: docker build -f gen/Dockerfile gen\n",
            ),
        ]);
        let d = discover(dir.path(), "r");
        assert_eq!((d.services.len(), d.unbuilt.len()), (1, 0));
    }

    #[test]
    fn path_mentions_are_whole_paths() {
        assert!(mentions_path("context: ./api\n", "api"));
        assert!(mentions_path("context: api/\n", "api"));
        assert!(!mentions_path("context: ./api-gateway\n", "api"));
        assert!(!mentions_path("context: myapi\n", "api"));
        assert!(!mentions_path("context: ../api\n", "api"));
    }
}

#[cfg(test)]
mod discovery_props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn reading_names_sources_and_workflows_never_panics(
            name in "\\PC{0,40}",
            text in "\\PC{0,200}",
            path in "[a-z./]{0,12}",
        ) {
            let _ = is_dockerfile_name(&name);
            let _ = copy_sources(&text);
            let _ = mentions_path(&text, &path);
            let _ = builds_images(&text);
        }

        #[test]
        fn copy_sources_never_leave_the_folder(text in "(COPY|ADD|copy) [-./a-z*\\[\\]\" ]{0,40}( |\n)") {
            for src in copy_sources(&text) {
                prop_assert!(!src.split('/').any(|s| s == ".."), "{src}");
                prop_assert!(!src.starts_with('/'), "{src}");
            }
        }
    }
}
