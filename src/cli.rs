//! Command-line flags (clap derive) and their translation into library options.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};
use ghcr_gen::cmd;
use ghcr_gen::report::Report;

/// Declarative GHCR publishing: one registry.toml renders the workflow, compose, Kubernetes
/// and .env files naming your images, previews tags, renames packages and checks for drift.
#[derive(Parser)]
#[command(name = "ghcr-gen", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a commented registry.toml
    Init(InitArgs),
    /// Generate the files registry.toml describes
    Render(RenderArgs),
    /// Move every reference to an image to its new package name
    Rename(RenameArgs),
    /// Print the JSON Schema of registry.toml
    Schema,
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
struct RenderArgs {
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(flatten)]
    mode: RenderMode,
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
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    Diff,
    Json,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Report {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return Report::error(format!("cannot read the current directory: {e}")),
    };
    match cli.command {
        Command::Init(a) => cmd::init::run(&cmd::init::Options {
            cwd: &cwd,
            owner: a.owner,
            repo: a.repo,
            services: a.services,
            registry: a.registry,
            force: a.force,
        }),
        Command::Render(a) => cmd::render::run(&cmd::render::Options {
            cwd: &cwd,
            config: a.config.as_deref(),
            mode: match (a.mode.check, a.mode.diff) {
                (true, _) => cmd::render::Mode::Check,
                (_, true) => cmd::render::Mode::Diff,
                _ => cmd::render::Mode::Write,
            },
        }),
        Command::Rename(a) => cmd::rename::run(&cmd::rename::Options {
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
        }),
        Command::Schema => cmd::schema::run(),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ghcr-gen", &mut buf);
            let mut report = Report::new(ghcr_gen::Exit::Ok);
            report.output(String::from_utf8_lossy(&buf).into_owned());
            report
        }
    }
}
