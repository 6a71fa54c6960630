//! Command-line flags (clap derive) and their translation into library options.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
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
    /// Find drifted generated files, stale or unpullable image references and leaked tokens
    Check(CheckArgs),
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
struct CheckArgs {
    /// Config file (default: registry.toml here or in the nearest parent directory)
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Files or directories to check (as pre-commit passes them; default: the whole
    /// repository). Generated files are always checked for drift.
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Compiler-style diagnostics
    Text,
    /// A JSON array of findings on stdout
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
        Command::Check(a) => cmd::check::run(&cmd::check::Options {
            cwd: &cwd,
            config: a.config.as_deref(),
            format: match a.format {
                FormatArg::Text => cmd::check::Format::Text,
                FormatArg::Json => cmd::check::Format::Json,
            },
            paths: &a.paths,
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
