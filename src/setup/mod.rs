//! The reader of a repository's existing publishing setup: which images its GitHub
//! workflows push (registry, path, platforms, build inputs, tag rules, mirrors) and every
//! piece of text that defines each name, with its position; and which images the
//! repository's other files consume (compose, Kubernetes, kustomizations, Helm, Makefiles,
//! shell scripts, docs).
//!
//! Layers: [`yaml`] (positioned YAML) → [`workflow`] (the workflow's shape) → `find`
//! (evaluates names with [`expr`] for `${{ }}` expressions and [`shell`] for `run:`
//! scripts, and reads bake files with `bake`) → [`Setup`]; `consumers` reads the other
//! files. [`read`] walks the repository once, in parallel, opening only the files that can
//! matter; a [`Reader`] takes the files of another walk (`rename`'s scan). Nothing here
//! writes or prints; `adopt`, `init`, `rename` and `check` use it.

pub mod expr;
pub mod shell;
pub mod workflow;
pub mod yaml;

mod bake;
mod consumers;
mod find;
mod walk;

pub use walk::{Reader, is_workflow};

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The GitHub owner and repository, spelled as on GitHub (`github.repository_owner`,
/// `github.event.repository.name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoContext {
    pub owner: String,
    pub repo: String,
}

/// Everything read from a repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Setup {
    /// Images the workflows push, in order of first definition.
    pub images: Vec<PublishedImage>,
    /// Images other files pull.
    pub consumers: Vec<ConsumerRef>,
    /// What the reader saw but cannot represent.
    pub unexpressed: Vec<Unexpressed>,
    /// The workflows read, sorted by path.
    #[serde(skip)]
    pub workflows: Vec<Workflow>,
}

/// One workflow as read: its shape, what it publishes, what could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRead {
    pub workflow: Workflow,
    pub images: Vec<PublishedImage>,
    pub unexpressed: Vec<Unexpressed>,
}

/// One image a workflow pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedImage {
    /// Registry host, e.g. `ghcr.io`.
    pub registry: String,
    /// `owner/name` as pushed at run time (lowercased if the workflow lowercases).
    pub path: String,
    pub platforms: Vec<String>,
    pub context: Option<String>,
    pub dockerfile: Option<String>,
    pub target: Option<String>,
    pub build_args: Vec<(String, String)>,
    /// metadata-action `tags` lines (or `type=raw,value=T` for explicit tags).
    pub tag_rules: Vec<String>,
    /// metadata-action `flavor` lines.
    pub flavor: Vec<String>,
    /// The tag suffix telling variants of one package apart (`web` for `-web`).
    pub variant: Option<String>,
    /// Other references pushed with the same tags.
    pub also: Vec<String>,
    /// Every text that defines the name.
    pub definitions: Vec<Definition>,
    /// The path is built from `github.*` without lowercasing (a push fails when the owner
    /// or repository has capitals).
    pub may_be_uppercase: bool,
    /// The workflow file that pushes it.
    pub workflow: PathBuf,
}

/// A text defining (part of) an image name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Definition {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    /// Byte range of `text` in the file.
    pub range: Range<usize>,
    pub text: String,
    pub form: DefinitionForm,
}

/// How a definition spells the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DefinitionForm {
    /// The name written out.
    Literal,
    /// `${{ github.repository }}[suffix]` (or `repository_owner`, `event.repository.name`).
    GithubRepository,
    /// A shell lowercasing idiom (`tr`, `${x,,}`, `awk tolower`).
    ShellLowercase,
    /// `${{ format('{0}/{1}', ...) }}`.
    FormatCall,
    /// A reference to an environment variable (`${{ env.X }}`, `$X`).
    EnvVar,
    /// A matrix value (`${{ matrix.X }}` or the matrix entry itself).
    MatrixValue,
    /// A step output (`${{ steps.S.outputs.X }}`).
    StepOutput,
    /// Helm values with `registry` and `repository` apart.
    HelmSplit,
    Other(String),
}

/// An image another file pulls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsumerRef {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    pub registry: String,
    pub path: String,
    pub tag: Option<String>,
    pub kind: ConsumerKind,
}

/// The kind of file consuming an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConsumerKind {
    Compose,
    Kubernetes,
    Kustomization,
    Helm,
    Makefile,
    Shell,
    Docs,
}

/// Something the reader saw but cannot represent, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unexpressed {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    pub what: String,
}

/// The workflow as read, with positions, for doctor and check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    pub file: PathBuf,
    pub name: Option<String>,
    pub on: Vec<Trigger>,
    pub permissions: Option<Permissions>,
    pub env: Vec<Entry>,
    pub jobs: Vec<Job>,
}

/// One event of `on:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub event: String,
    pub line: usize,
    pub col: usize,
    /// The event's `branches` filter (push, pull_request), as written.
    pub branches: Vec<String>,
    /// The event's `tags` filter (push), as written.
    pub tags: Vec<String>,
}

/// A `permissions:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub line: usize,
    pub col: usize,
    /// `read-all` or `write-all` when given as one string.
    pub all: Option<String>,
    pub scopes: Vec<(String, String)>,
}

/// A job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub line: usize,
    pub col: usize,
    pub permissions: Option<Permissions>,
    pub env: Vec<Entry>,
    /// Expanded matrix combinations (`include` applied), each as key/value pairs.
    pub matrix: Vec<Vec<(String, String)>>,
    pub steps: Vec<Step>,
    pub if_cond: Option<String>,
}

/// A step of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub index: usize,
    pub line: usize,
    pub col: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    pub uses: Option<String>,
    pub with: Vec<Entry>,
    pub env: Vec<Entry>,
    pub run: Option<Entry>,
    pub if_cond: Option<String>,
}

/// A `key: value` pair with the value's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
    pub col: usize,
    /// Byte range of the value in the file (between the quotes of a quoted scalar).
    pub range: Range<usize>,
}

/// Why the setup cannot be read.
#[derive(Debug)]
pub enum SetupError {
    /// A workflow is not valid YAML (or too large or deep).
    Yaml {
        file: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
    /// A file cannot be read safely.
    Fs(crate::fsafe::FsError),
    /// The walk failed.
    Walk { path: PathBuf, message: String },
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Yaml {
                file,
                line,
                col,
                message,
            } => write!(f, "{}:{line}:{col}: {message}", file.display()),
            SetupError::Fs(e) => write!(f, "{e}"),
            SetupError::Walk { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for SetupError {}

/// Reads the repository at `root`: its workflows, the bake files they use and every
/// consumer, in one parallel walk. A workflow that is not valid YAML is reported in
/// `unexpressed` rather than failing the whole read.
pub fn read(root: &Path, ctx: &RepoContext) -> Result<Setup, SetupError> {
    walk::read(root, ctx)
}

/// Reads only the workflows in `.github/workflows` (no walk, no consumers): what `init`
/// needs to tell whether the repository already publishes. Unreadable workflows are
/// skipped.
pub fn read_workflows(root: &Path, ctx: &RepoContext) -> Vec<WorkflowRead> {
    let Ok(real) = crate::fsafe::canonical_root(root) else {
        return Vec::new();
    };
    let Ok(dir) = std::fs::read_dir(real.join(".github/workflows")) else {
        return Vec::new();
    };
    let mut names: Vec<PathBuf> = dir
        .filter_map(Result::ok)
        .map(|e| Path::new(".github/workflows").join(e.file_name()))
        .filter(|p| walk::is_workflow(p))
        .collect();
    names.sort();
    names
        .iter()
        .filter_map(|rel| {
            let bytes = crate::fsafe::read(&real, rel).ok()??;
            let text = String::from_utf8(bytes).ok()?;
            find::read_workflow(Some(&real), rel, &text, ctx).ok()
        })
        .collect()
}

/// Reads one workflow (`path` relative to the repository root) from its text. Bake
/// files it names are not read (no repository here); [`read`] reads them.
pub fn read_workflow(
    path: &Path,
    text: &str,
    ctx: &RepoContext,
) -> Result<WorkflowRead, SetupError> {
    find::read_workflow(None, path, text, ctx)
}

/// The GitHub owner and repository of the checkout at `dir` from its `origin` remote,
/// the flags overriding.
pub fn repo_context(dir: &Path, owner: Option<&str>, repo: Option<&str>) -> Option<RepoContext> {
    let remote = crate::git::origin_url(dir).and_then(|u| crate::remote::parse_remote_url(&u));
    let owner = owner
        .map(str::to_string)
        .or_else(|| remote.as_ref().map(|r| r.0.clone()))?;
    let repo = repo
        .map(str::to_string)
        .or_else(|| remote.as_ref().map(|r| r.1.clone()))?;
    Some(RepoContext { owner, repo })
}
