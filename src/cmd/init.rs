//! `ghcr-gen init`: writes a commented `registry.toml`.
//!
//! Owner and repo come from the flags, else from the `origin` remote (github.com only);
//! services from the flags, else from the Dockerfiles in the tree (respecting .gitignore,
//! same-named folders told apart by their parents); the default branch from
//! `origin/HEAD`, else from the local branches. The text is
//! validated like any config before it is written, so init never leaves a broken file.

use std::fmt;
use std::path::Path;

use crate::config;
use crate::diagnostic::Diagnostic;
use crate::dockerfile::{self, DockerUser, FoundService};
use crate::exit::Exit;
use crate::model::naming::{self, NameError};
use crate::plan::EditError;
use crate::report::Report;
use crate::{git, remote};

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

/// Runs `ghcr-gen init`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, super::Error> {
    let (owner, repo, services) = init(opts)?;
    report.status(format!(
        "wrote {} for {owner}/{repo} with {} image(s); next: `ghcr-gen render`",
        config::FILE_NAME,
        services.len().max(1)
    ));
    for note in services.iter().filter_map(user_note) {
        report.status(note);
    }
    if let Some(note) = adopt_note(opts.cwd, &owner, &repo) {
        report.status(note);
    }
    Ok(Exit::Ok)
}

/// Why `ghcr-gen init` wrote nothing; its `Display` is the message shown.
#[derive(Debug)]
pub enum InitError {
    /// `registry.toml` exists and `--force` is not given.
    Exists,
    /// Neither the flags nor the `origin` remote name the owner and repository.
    NoOwner,
    /// The flags leave the owner or repository out and `origin` is not on github.com
    /// (its host; "" for a `file://` URL).
    NotGitHub { host: String },
    /// A flag's value is not a valid name (`--owner acme_labs`): reported at the flag, not
    /// at a line of a file that was never written.
    InvalidFlag {
        flag: &'static str,
        value: String,
        problem: NameError,
    },
    /// The text init would write does not load (e.g. a bad `--service` name).
    Invalid(Vec<Diagnostic>),
    /// Writing the file failed.
    Write(EditError),
}

impl InitError {
    /// How to get past the error, when there is a way.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            InitError::Exists => Some("pass --force to overwrite it"),
            InitError::NoOwner => {
                Some("pass --owner and --repo, or run init in a clone whose `origin` is on GitHub")
            }
            InitError::NotGitHub { .. } => Some(
                "pass --owner and --repo (the GitHub owner and repository the images belong to)",
            ),
            InitError::InvalidFlag { .. } | InitError::Invalid(_) | InitError::Write(_) => None,
        }
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Exists => write!(f, "{} already exists", config::FILE_NAME),
            InitError::NoOwner => f.write_str("cannot tell the owner and repository"),
            InitError::NotGitHub { host } if host.is_empty() => f.write_str(
                "cannot take the owner and repository from `origin`: it is not on github.com",
            ),
            InitError::NotGitHub { host } => write!(
                f,
                "cannot take the owner and repository from `origin`: it is on {host}, not github.com"
            ),
            InitError::InvalidFlag {
                flag,
                value,
                problem,
            } => write!(f, "invalid {flag} `{value}`: {problem}"),
            InitError::Invalid(diags) => match diags.first() {
                Some(d) => f.write_str(&d.message),
                None => f.write_str("the generated config is invalid"),
            },
            InitError::Write(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for InitError {}

/// The commented config text.
pub fn config_text(
    registry: &str,
    owner: &str,
    repo: &str,
    default_branch: &str,
    services: &[FoundService],
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
    // A numeric USER needs a [services] table to hold `user`.
    let implicit = services.is_empty()
        || (services.len() == 1
            && services[0].context == "."
            && services[0].dockerfile.is_none()
            && services[0].name == repo
            && !matches!(services[0].user, DockerUser::Numeric { .. }));
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
            match s.user {
                DockerUser::Numeric { user, group } => {
                    let key = format!("user = {user}");
                    t.push_str(&format!(
                        "{key:<28}# the Dockerfile's numeric USER: Kubernetes runAsUser\n"
                    ));
                    if let Some(group) = group.filter(|g| *g != user) {
                        t.push_str(&format!("group = {group}\n"));
                    }
                }
                _ => t.push_str(
                    "# user = 65532              # numeric uid Kubernetes runs it as: the Dockerfile's USER\n",
                ),
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

/// Writes the config: the owner, repository and services it names.
fn init(opts: &Options<'_>) -> Result<(String, String, Vec<FoundService>), InitError> {
    let path = opts.cwd.join(config::FILE_NAME);
    if path.exists() && !opts.force {
        return Err(InitError::Exists);
    }
    let flags: [(&'static str, Option<&String>, NameRule); 3] = [
        ("--owner", opts.owner.as_ref(), naming::check_login),
        ("--repo", opts.repo.as_ref(), naming::check_repo),
        ("--registry", opts.registry.as_ref(), naming::check_registry),
    ];
    for (flag, value, check) in flags {
        if let Some(value) = value {
            check(value).map_err(|problem| InitError::InvalidFlag {
                flag,
                value: value.clone(),
                problem,
            })?;
        }
    }
    let remote = if opts.owner.is_some() && opts.repo.is_some() {
        None
    } else {
        match git::origin_url(opts.cwd) {
            Some(url) => match remote::remote_host(&url) {
                Some(host) if !remote::is_github_host(&host) => {
                    return Err(InitError::NotGitHub { host });
                }
                _ => remote::parse_remote_url(&url),
            },
            None => None,
        }
    };
    let (owner, repo) = match (&opts.owner, &opts.repo, &remote) {
        (Some(o), Some(r), _) => (o.clone(), r.clone()),
        (o, r, Some((ro, rr))) => (
            o.clone().unwrap_or_else(|| ro.clone()),
            r.clone().unwrap_or_else(|| rr.clone()),
        ),
        _ => return Err(InitError::NoOwner),
    };
    let services = if opts.services.is_empty() {
        dockerfile::discover_services(opts.cwd, &repo)
    } else {
        opts.services
            .iter()
            .map(|s| dockerfile::named_service(opts.cwd, s))
            .collect()
    };
    let default_branch = git::origin_default_branch(opts.cwd)
        .or_else(|| git::local_default_branch(opts.cwd))
        .unwrap_or_else(|| "main".into());
    let text = config_text(
        opts.registry.as_deref().unwrap_or("ghcr.io"),
        &owner,
        &repo,
        &default_branch,
        &services,
    );
    crate::load::parse(
        text.as_bytes(),
        config::FILE_NAME,
        opts.cwd,
        config::FILE_NAME,
    )
    .map_err(InitError::Invalid)?;
    crate::plan::write_atomic(&path, text.as_bytes()).map_err(InitError::Write)?;
    Ok((owner, repo, services))
}

/// The note for a service whose Dockerfile gives no numeric non-root `USER`.
fn user_note(s: &FoundService) -> Option<String> {
    let dockerfile = s
        .dockerfile
        .clone()
        .unwrap_or_else(|| crate::model::paths::join_rel(&s.context, "Dockerfile"));
    let why = match &s.user {
        DockerUser::Numeric { .. } => return None,
        DockerUser::Named(name) => format!("its USER `{name}` is not numeric"),
        DockerUser::Root => "it runs as root".to_string(),
        DockerUser::Missing => "it sets no USER".to_string(),
        DockerUser::Unreadable => "it is missing or unreadable".to_string(),
    };
    Some(format!(
        "warning: service `{name}`: {dockerfile}: {why}; Kubernetes needs a numeric non-root uid. \
         Add `USER 65532` (or your uid) to the final stage and set `user = 65532` in [services.{name}] \
         (unset, its pods run as 65532)",
        name = s.name
    ))
}

/// The note proposing `adopt` when a workflow already publishes images.
fn adopt_note(cwd: &Path, owner: &str, repo: &str) -> Option<String> {
    let ctx = crate::setup::RepoContext {
        owner: owner.to_string(),
        repo: repo.to_string(),
    };
    let read = crate::setup::read_workflows(cwd, &ctx);
    let w = read.iter().find(|w| !w.images.is_empty())?;
    let images: Vec<String> = read
        .iter()
        .flat_map(|w| &w.images)
        .map(|i| format!("{}/{}", i.registry, i.path))
        .collect();
    Some(format!(
        "note: {} already publishes {} ({}); `ghcr-gen adopt --write --force` writes a registry.toml describing that setup instead",
        w.workflow.file.display(),
        if images.len() == 1 {
            "an image".to_string()
        } else {
            format!("{} images", images.len())
        },
        images.join(", ")
    ))
}

/// A name rule of [`naming`], applied to a flag's value.
type NameRule = fn(&str) -> Result<(), NameError>;

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
