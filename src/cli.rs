//! Command-line flags (clap derive) and their translation into library options.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};
use ghcr_gen::report::Report;
use ghcr_gen::{Exit, cmd};

use crate::printer::ColorWhen;

/// Declarative GHCR publishing: one registry.toml renders the workflow, compose, Kubernetes
/// and .env files naming your images, previews tags, renames packages and checks for drift.
#[derive(Parser)]
#[command(name = "ghcr-gen", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour output: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

impl Cli {
    /// The `--color` choice.
    pub(crate) fn color(&self) -> ColorWhen {
        self.color
    }
}

#[derive(Subcommand)]
enum Command {
    /// Write a commented registry.toml
    Init(InitArgs),
    /// Write a registry.toml describing what the existing workflows publish
    Adopt(AdoptArgs),
    /// Generate the files registry.toml describes
    Render(RenderArgs),
    /// Print the tags docker/metadata-action will push, for the checkout or a given context
    Tags(TagsArgs),
    /// Find drifted generated files, stale or unpullable image references and leaked tokens
    Check(CheckArgs),
    /// Move every reference to an image to its new package name
    Rename(RenameArgs),
    /// Explain a GHCR failure, check the repository for its known causes, or ask the registry
    Doctor(DoctorArgs),
    /// Print the JSON Schema of registry.toml
    Schema,
    /// List the images registry.toml publishes, one per service
    Images(ImagesArgs),
    /// Print shell completions
    Completions {
        /// Shell to generate completions for
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct InitArgs {
    /// GitHub user or organisation (default: from the `origin` remote)
    #[arg(long)]
    owner: Option<String>,
    /// Repository name (default: from the `origin` remote)
    #[arg(long)]
    repo: Option<String>,
    /// A service as NAME or NAME=CONTEXT (repeatable; default: one per Dockerfile found)
    #[arg(long = "service", value_name = "NAME[=CONTEXT]")]
    services: Vec<String>,
    /// Registry host
    #[arg(long, value_name = "HOST")]
    registry: Option<String>,
    /// Overwrite an existing registry.toml
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct AdoptArgs {
    /// GitHub user or organisation (default: from the `origin` remote)
    #[arg(long)]
    owner: Option<String>,
    /// Repository name (default: from the `origin` remote)
    #[arg(long)]
    repo: Option<String>,
    /// Write registry.toml (default: print it)
    #[arg(long)]
    write: bool,
    /// Replace an existing registry.toml
    #[arg(long, requires = "write")]
    force: bool,
    /// Output format: the registry.toml text, or what was read as JSON
    #[arg(long, value_enum, default_value_t = ListFormat::Text, conflicts_with = "write")]
    format: ListFormat,
}

#[derive(Args)]
struct RenderArgs {
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(flatten)]
    mode: RenderMode,
    /// Overwrite existing files that lack ghcr-gen's generated header
    #[arg(long, conflicts_with_all = ["check", "diff"])]
    force: bool,
    /// Accept package names that differ from the committed generated files (records the
    /// old ones in `renamed_from`)
    #[arg(long)]
    accept_renames: bool,
}

#[derive(Args)]
#[group(multiple = false)]
struct RenderMode {
    /// Write nothing; exit 1 with the diff when a generated file is out of date
    #[arg(long)]
    check: bool,
    /// Write nothing; print what would change as a unified diff
    #[arg(long)]
    diff: bool,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(true).args(["suffix", "name", "owner", "registry"]))]
struct RenameArgs {
    /// New suffix for every package name ("" removes it)
    #[arg(
        long,
        value_name = "SUFFIX",
        allow_hyphen_values = true,
        conflicts_with = "name"
    )]
    suffix: Option<String>,
    /// New package name for one service (with --service when there are several)
    #[arg(long, value_name = "NEW")]
    name: Option<String>,
    /// The service --name renames
    #[arg(long, value_name = "NAME", requires = "name")]
    service: Option<String>,
    /// Move the packages to another owner
    #[arg(long, value_name = "OWNER")]
    owner: Option<String>,
    /// Move the packages to another registry host
    #[arg(long, value_name = "HOST")]
    registry: Option<String>,
    /// Apply the edits (default: show them)
    #[arg(long)]
    write: bool,
    /// Never touch files matching this gitignore-style glob (repeatable)
    #[arg(long = "exclude", value_name = "GLOB")]
    excludes: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Diff)]
    format: DiffFormat,
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Also rename references whose owner is a documentation placeholder
    /// (`<owner>`, `your-username`, `OWNER`, `{github_user}`); otherwise they are only listed
    #[arg(long)]
    include_placeholders: bool,
}

#[derive(Args)]
struct TagsArgs {
    /// Only this service's image
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    /// metadata-action `images` line, replacing the config's images (repeatable)
    #[arg(long = "image", value_name = "LINE", allow_hyphen_values = true)]
    images: Vec<String>,
    /// metadata-action `tags` line, replacing the config's rules (repeatable)
    #[arg(long = "tag", value_name = "LINE", allow_hyphen_values = true)]
    tags: Vec<String>,
    /// metadata-action `flavor` line, replacing the config's flavor (repeatable)
    #[arg(long = "flavor", value_name = "LINE", allow_hyphen_values = true)]
    flavor: Vec<String>,
    /// Event name (push, pull_request, schedule, workflow_dispatch, release, ...)
    #[arg(long, value_name = "NAME")]
    event: Option<String>,
    /// Git ref: refs/heads/B, refs/tags/T or refs/pull/N/merge
    #[arg(long = "ref", value_name = "REF")]
    git_ref: Option<String>,
    /// Commit sha
    #[arg(long, value_name = "SHA")]
    sha: Option<String>,
    /// Default branch (default: the config's default_branch, else main)
    #[arg(long, value_name = "BRANCH")]
    default_branch: Option<String>,
    /// Commit date for {{commit_date}} (RFC 3339)
    #[arg(long, value_name = "TIME")]
    commit_date: Option<String>,
    /// Current time for {{date}} and schedule (RFC 3339)
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Head sha of the pull request (used with DOCKER_METADATA_PR_HEAD_SHA=true)
    #[arg(long, value_name = "SHA")]
    pr_head_sha: Option<String>,
    /// Base branch of the pull request, for {{base_ref}} (GITHUB_BASE_REF)
    #[arg(long, value_name = "BRANCH")]
    base_ref: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// Print a `cosign verify` command per tag instead (`[workflow] sign = true`)
    #[arg(long, conflicts_with = "format")]
    verify: bool,
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Output format: compiler-style diagnostics, or a JSON array of findings
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// Files or directories to check (as pre-commit passes them; default: the whole
    /// repository). Generated files are always checked for drift.
    paths: Vec<PathBuf>,
}

#[derive(Args)]
struct ImagesArgs {
    /// Output format: a table, or a JSON array (service, image, platforms, context,
    /// dockerfile, target, also, variant)
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct DoctorArgs {
    /// Explain this error text or log (`-` reads standard input) instead of checking the
    /// repository
    #[arg(
        long,
        value_name = "TEXT",
        allow_hyphen_values = true,
        conflicts_with = "online"
    )]
    explain: Option<String>,
    /// Ask the registry (OCI distribution API) about every image, tag, platform and old name
    #[arg(long)]
    online: bool,
    /// Ask this endpoint instead of https://HOST (a mirror, GitHub Enterprise Server;
    /// http:// only for loopback addresses)
    #[arg(long, value_name = "URL", requires = "online")]
    registry_url: Option<String>,
    /// Seconds one registry request may take
    #[arg(long, value_name = "SECONDS", requires = "online", value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: Option<u64>,
    /// Output format: compiler-style diagnostics, or a JSON array of findings
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    Diff,
    Json,
}

/// Runs the parsed command.
pub(crate) fn run(cli: Cli) -> Report {
    let mut report = Report::new(Exit::Ok);
    report.exit = match dispatch(cli, &mut report) {
        Ok(exit) => exit,
        Err(e) => {
            report.messages.extend(e.into_messages());
            Exit::Error
        }
    };
    report
}

/// Runs the command with its options resolved from the flags.
fn dispatch(cli: Cli, report: &mut Report) -> Result<Exit, cmd::Error> {
    let cwd = std::env::current_dir().map_err(cmd::Error::Cwd)?;
    match cli.command {
        Command::Init(a) => cmd::init::run(
            &cmd::init::Options {
                cwd: &cwd,
                owner: a.owner,
                repo: a.repo,
                services: a.services,
                registry: a.registry,
                force: a.force,
            },
            report,
        ),
        Command::Adopt(a) => cmd::adopt::run(
            &cmd::adopt::Options {
                cwd: &cwd,
                owner: a.owner,
                repo: a.repo,
                write: a.write,
                force: a.force,
                json: a.format == ListFormat::Json,
            },
            report,
        ),
        Command::Render(a) => cmd::render::run(
            &cmd::render::Options {
                cwd: &cwd,
                config: a.config.as_deref(),
                mode: match (a.mode.check, a.mode.diff) {
                    (true, _) => cmd::render::Mode::Check,
                    (_, true) => cmd::render::Mode::Diff,
                    _ => cmd::render::Mode::Write,
                },
                force: a.force,
                accept_renames: a.accept_renames,
            },
            report,
        ),
        Command::Rename(a) => cmd::rename::run(
            &cmd::rename::Options {
                cwd: &cwd,
                config: a.config.as_deref(),
                suffix: a.suffix,
                name: a.name,
                service: a.service,
                owner: a.owner,
                registry: a.registry,
                write: a.write,
                excludes: a.excludes,
                json: a.format == DiffFormat::Json,
                include_placeholders: a.include_placeholders,
            },
            report,
        ),
        Command::Tags(a) => cmd::tags::run(
            &cmd::tags::Options {
                cwd: &cwd,
                config: a.config.as_deref(),
                service: a.service,
                images: a.images,
                tags: a.tags,
                flavor: a.flavor,
                context: cmd::tags::ContextFlags {
                    event: a.event,
                    git_ref: a.git_ref,
                    sha: a.sha,
                    default_branch: a.default_branch,
                    commit_date: a.commit_date,
                    now: a.now,
                    pr_head_sha: a.pr_head_sha,
                    base_ref: a.base_ref,
                },
                json: a.format == ListFormat::Json,
                verify: a.verify,
            },
            report,
        ),
        Command::Check(a) => cmd::check::run(
            &cmd::check::Options {
                cwd: &cwd,
                config: a.config.as_deref(),
                format: match a.format {
                    ListFormat::Text => cmd::check::Format::Text,
                    ListFormat::Json => cmd::check::Format::Json,
                },
                paths: &a.paths,
            },
            report,
        ),
        Command::Doctor(a) if a.online => run_doctor_online(&cwd, a, report),
        Command::Doctor(a) => cmd::doctor::run(
            &cmd::doctor::Options {
                cwd: &cwd,
                config: a.config.as_deref(),
                explain: a.explain,
                format: match a.format {
                    ListFormat::Text => cmd::doctor::Format::Text,
                    ListFormat::Json => cmd::doctor::Format::Json,
                },
            },
            report,
        ),
        Command::Schema => cmd::schema::run(report),
        Command::Images(a) => cmd::images::run(
            &cmd::images::Options {
                cwd: &cwd,
                config: a.config.as_deref(),
                json: a.format == ListFormat::Json,
            },
            report,
        ),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ghcr-gen", &mut buf);
            let script = String::from_utf8_lossy(&buf);
            report.output(match shell {
                clap_complete::Shell::Bash => fix_bash_completions(&script),
                _ => script.into_owned(),
            });
            Ok(Exit::Ok)
        }
    }
}

/// `ghcr-gen doctor --online` with its flags.
fn run_doctor_online(
    cwd: &std::path::Path,
    a: DoctorArgs,
    report: &mut Report,
) -> Result<Exit, cmd::Error> {
    cmd::doctor_online::run(
        &cmd::doctor_online::Options {
            cwd,
            config: a.config.as_deref(),
            registry_url: a.registry_url.as_deref(),
            format: match a.format {
                ListFormat::Text => cmd::doctor_online::Format::Text,
                ListFormat::Json => cmd::doctor_online::Format::Json,
            },
            timeout: a.timeout,
        },
        report,
    )
}

/// clap_complete's bash script for a binary name with a hyphen sets `cmd` to
/// `ghcr__gen__subcmd__NAME` while naming its case arms `ghcr__subcmd__gen__subcmd__NAME`,
/// so no subcommand's flags complete. The arms are renamed to what `cmd` is set to (a
/// no-op once clap_complete names them consistently).
fn fix_bash_completions(script: &str) -> String {
    script.replace("ghcr__subcmd__gen", "ghcr__gen")
}
