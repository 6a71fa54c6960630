//! Dockerfile discovery: the images a repository builds, found from its Dockerfiles (for
//! `ghcr-gen init`), the port a Dockerfile exposes and the user its final stage runs as.

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
/// `<context>/Dockerfile` under `root`.
pub(crate) fn named_service(root: &Path, spec: &str) -> FoundService {
    let (name, context) = spec.split_once('=').unwrap_or((spec, "."));
    let context = if context.is_empty() { "." } else { context };
    let dockerfile = root.join(context).join("Dockerfile");
    FoundService {
        name: name.to_string(),
        context: context.trim_end_matches('/').to_string(),
        dockerfile: None,
        port: exposed_port(&dockerfile),
        user: DockerUser::of(&dockerfile),
    }
}

/// Services from the Dockerfiles in the tree: one per directory holding a `Dockerfile`
/// (or `Dockerfile.*` / `*.Dockerfile`), named after the directory.
pub(crate) fn discover_services(root: &Path, repo: &str) -> Vec<FoundService> {
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
            user: DockerUser::of(entry.path()),
        });
    }
    found.sort_by(|a, b| a.context.cmp(&b.context).then(a.name.cmp(&b.name)));
    distinct_names(&mut found);
    found
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
