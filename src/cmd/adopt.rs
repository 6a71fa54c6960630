//! `ghcr-gen adopt`: writes a `registry.toml` describing what the repository's workflows
//! publish today, read by [`crate::setup`] and planned by [`crate::adopt`]. Dry run by
//! default (the file is printed); `--write` writes it through the plan, refusing to
//! replace an existing registry.toml without `--force`. No other file is touched.

use std::fmt;
use std::path::Path;

use crate::adopt;
use crate::config;
use crate::diagnostic::Diagnostic;
use crate::exit::Exit;
use crate::plan::{EditError, Plan};
use crate::report::{Message, Report};
use crate::setup::{self, RepoContext, SetupError};

/// Options of `ghcr-gen adopt`.
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub owner: Option<String>,
    pub repo: Option<String>,
    pub write: bool,
    pub force: bool,
    /// Print what was read as JSON (images, consumers, unexpressed) instead of the file.
    pub json: bool,
}

/// Why adopt wrote nothing.
#[derive(Debug)]
pub enum AdoptError {
    /// Neither the flags nor `origin` name the owner and repository.
    NoOwner,
    /// No workflow pushes an image.
    NothingPublished,
    /// registry.toml exists and `--force` is not given.
    Exists,
    /// The setup cannot be read.
    Read(SetupError),
    /// The text adopt would write does not load.
    Invalid(Vec<Diagnostic>),
    /// Writing failed.
    Write(EditError),
}

impl AdoptError {
    /// How to get past the error.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            AdoptError::NoOwner => {
                Some("pass --owner and --repo, or run adopt in a clone whose `origin` is on GitHub")
            }
            AdoptError::NothingPublished => {
                Some("`ghcr-gen init` writes a config for a repository that does not publish yet")
            }
            AdoptError::Exists => Some("pass --force to replace it"),
            _ => None,
        }
    }
}

impl fmt::Display for AdoptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdoptError::NoOwner => f.write_str("cannot tell the owner and repository"),
            AdoptError::NothingPublished => {
                f.write_str("no workflow in .github/workflows pushes an image")
            }
            AdoptError::Exists => write!(f, "{} already exists", config::FILE_NAME),
            AdoptError::Read(e) => write!(f, "{e}"),
            AdoptError::Invalid(d) => match d.first() {
                Some(d) => write!(f, "the adopted config does not load: {}", d.message),
                None => f.write_str("the adopted config does not load"),
            },
            AdoptError::Write(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AdoptError {}

/// Runs `ghcr-gen adopt`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, super::Error> {
    let ctx: RepoContext =
        setup::repo_context(opts.cwd, opts.owner.as_deref(), opts.repo.as_deref())
            .ok_or(AdoptError::NoOwner)?;
    let read = setup::read(opts.cwd, &ctx).map_err(AdoptError::Read)?;
    if opts.json {
        let json = serde_json::to_string_pretty(&read).unwrap_or_default();
        report.output(format!("{json}\n"));
        return Ok(Exit::Ok);
    }
    if read.images.is_empty() {
        return Err(AdoptError::NothingPublished.into());
    }
    let default_branch = crate::git::origin_default_branch(opts.cwd)
        .or_else(|| crate::git::local_default_branch(opts.cwd))
        .unwrap_or_else(|| "main".into());
    let adopted = adopt::plan(&read, &ctx, &default_branch);
    crate::load::parse(
        adopted.text.as_bytes(),
        config::FILE_NAME,
        opts.cwd,
        config::FILE_NAME,
    )
    .map_err(AdoptError::Invalid)?;
    for u in &adopted.unexpressed {
        report.status(format!(
            "not expressed: {}:{}:{}: {}",
            u.file.display(),
            u.line,
            u.col,
            u.what
        ));
    }
    for n in &adopted.notes {
        report.status(format!("note: {n}"));
    }
    if !opts.write {
        report.push(Message::Output(adopted.text.clone()));
        report.status(format!(
            "{} service(s) adopted; run `ghcr-gen adopt --write` to write {}",
            adopted.services.len(),
            config::FILE_NAME
        ));
        return Ok(Exit::Ok);
    }
    if opts.cwd.join(config::FILE_NAME).exists() && !opts.force {
        return Err(AdoptError::Exists.into());
    }
    let plan = Plan::read(opts.cwd, [(config::FILE_NAME, adopted.text.into_bytes())])
        .map_err(AdoptError::Write)?;
    plan.write().map_err(AdoptError::Write)?;
    report.status(format!(
        "wrote {} with {} service(s); no other file changed",
        config::FILE_NAME,
        adopted.services.len()
    ));
    Ok(Exit::Ok)
}
