//! The validated model of a `registry.toml`: every default applied, every name checked.
//!
//! Nothing downstream of this module sees raw configuration. Required data is never an
//! `Option`; an `Option` here means "the user turned this off" or "not set and not needed".
//! Build one with [`crate::load::load`], which reports every problem it finds at once.

pub(crate) mod build;
pub mod naming;
pub mod paths;
pub(crate) mod pins;
pub mod placeholder;
pub(crate) mod platform;
pub mod registry;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use build::build;
pub use pins::{ActionPin, ActionPins};
pub use platform::Platform;
pub use registry::{Registry, RegistryKind};

/// Everything ghcr-gen knows about a repository's images.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Directory holding `registry.toml`; every relative path is relative to it.
    pub root: PathBuf,
    /// File name of the config relative to `root` (usually `registry.toml`), for headers.
    pub config_name: String,
    /// Registry host, e.g. `ghcr.io`.
    pub registry: String,
    /// GitHub user or organisation exactly as written (may contain capitals).
    pub owner: String,
    /// `owner` lowercased: the form image paths use.
    pub owner_lc: String,
    /// Repository name as written.
    pub repo: String,
    /// Suffix appended to every package name (may be empty).
    pub suffix: String,
    /// The repository's default branch.
    pub default_branch: String,
    /// Platforms every service builds for unless it sets its own.
    pub platforms: Vec<Platform>,
    /// Images, sorted by service name.
    pub services: Vec<Service>,
    /// Where generated files go; `None` = target turned off.
    pub outputs: Outputs,
    /// Tag policy for the workflow and `ghcr-gen tags`.
    pub tags: TagPolicy,
    /// Settings of the generated publishing workflow.
    pub workflow: Workflow,
    /// Settings of the generated Kubernetes manifests.
    pub k8s: K8s,
    /// Settings of the generated cleanup workflow; `None` without `[retention]`.
    pub retention: Option<Retention>,
    /// Directory with user templates overriding the embedded ones (absolute).
    pub templates_dir: Option<PathBuf>,
    /// Glob patterns `rename` and `check` never look at.
    pub exclude: Vec<String>,
}

/// One image: a service built from a Dockerfile and published as one GHCR package.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Key of the `[services.NAME]` table (or the repo name for the implicit single image).
    pub name: String,
    /// Package name below the owner, suffix included, e.g. `axon-doc-nextjs` or `team/api`.
    pub package: String,
    /// Full image reference without tag, e.g. `ghcr.io/acme-labs/axon-doc-nextjs`.
    pub image: String,
    /// The registry `image` is on.
    pub registry: Registry,
    /// Mirrors pushed with the same tags (`also`), in config order.
    pub mirrors: Vec<Mirror>,
    /// Build context, relative to the root, `/`-separated, `.` for the root itself.
    pub context: String,
    /// Dockerfile path relative to the root.
    pub dockerfile: String,
    /// Platforms this service builds for.
    pub platforms: Vec<Platform>,
    /// Port the container listens on.
    pub port: Option<u16>,
    /// Environment variables the service needs at run time.
    pub env: Vec<String>,
    /// HTTP path answering health checks, starting with `/`.
    pub health: Option<String>,
    /// Full image references this service was published under before (newest last).
    pub renamed_from: Vec<String>,
    /// Long-running or run-once.
    pub kind: ServiceKind,
    /// Numeric user and group the container runs as; `None` when neither the config nor
    /// `init` set one (Kubernetes then uses [`DEFAULT_UID`] and render says so).
    pub run_as: Option<RunAs>,
    /// Kubernetes root filesystem read-only, with an emptyDir at `/tmp`.
    pub read_only_root: bool,
    // --- build inputs, variants and per-service tags (issue 9) ---
    /// Multi-stage build target; `None` builds the last stage.
    pub target: Option<String>,
    /// Build arguments, in config order.
    pub build_args: Vec<(String, String)>,
    /// Tag suffix telling this service apart from others publishing the same image.
    pub variant: Option<String>,
    /// The metadata-action inputs of this service's tags.
    pub tags: ServiceTags,
}

/// The metadata-action `tags` and `flavor` inputs of one service: its own
/// `[services.X.tags]`, else the top-level `[tags]`, with the variant's suffix line
/// (`suffix=-VARIANT,onlatest=true`) appended to the flavor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceTags {
    /// metadata-action `tags` lines, verbatim.
    pub rules: Vec<String>,
    /// metadata-action `flavor` lines, verbatim.
    pub flavor: Vec<String>,
}

/// A mirror of a service's image on another registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    /// The mirror's registry.
    pub registry: Registry,
    /// Full image reference without tag on that registry.
    pub image: String,
}

impl Model {
    /// Every registry some service pushes to, primary or mirror, each once, in order of
    /// first use: the workflow logs in to each.
    pub fn registries(&self) -> Vec<&Registry> {
        let mut out: Vec<&Registry> = Vec::new();
        for s in &self.services {
            for r in std::iter::once(&s.registry).chain(s.mirrors.iter().map(|m| &m.registry)) {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        out
    }
}

impl Service {
    /// The primary image followed by every mirror's.
    pub fn images(&self) -> Vec<String> {
        std::iter::once(self.image.clone())
            .chain(self.mirrors.iter().map(|m| m.image.clone()))
            .collect()
    }
}

/// The uid (and gid) Kubernetes runs a service as when it sets no `user`: distroless'
/// `nonroot`.
pub const DEFAULT_UID: u32 = 65532;

/// Whether a service runs for good or once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    /// Long-running: a Deployment, restarted by compose.
    Service,
    /// Runs once to completion (migrations): a Job, never restarted by compose.
    Job,
}

/// A numeric user and group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RunAs {
    pub user: u32,
    pub group: u32,
}

impl Service {
    /// The user and group Kubernetes runs the container as: `run_as`, else [`DEFAULT_UID`].
    pub fn k8s_run_as(&self) -> RunAs {
        self.run_as.unwrap_or(RunAs {
            user: DEFAULT_UID,
            group: DEFAULT_UID,
        })
    }
}

/// Output locations, relative to the root. `None` turns a target off.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    pub compose: Option<String>,
    pub k8s: Option<String>,
    pub env: Option<String>,
    pub workflow: Option<String>,
    /// The cleanup workflow; `None` without `[retention]` too.
    pub retention: Option<String>,
}

/// docker/metadata-action inputs and the branches that publish.
#[derive(Debug, Clone, PartialEq)]
pub struct TagPolicy {
    /// metadata-action `tags` lines, verbatim.
    pub rules: Vec<String>,
    /// metadata-action `flavor` lines, verbatim.
    pub flavor: Vec<String>,
    /// Branches whose pushes publish images.
    pub branches: Vec<String>,
    /// Push one tag per platform too, and merge them.
    pub per_arch: bool,
    /// Template of a per-arch tag: `{tag}` and `{arch}`.
    pub arch_tag: String,
}

/// The publishing workflow's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    /// Runner label per platform (`"qemu"` means emulate on the amd64 runner).
    pub runners: BTreeMap<String, Runner>,
    /// Emit a GitHub artifact attestation (actions/attest) per pushed image digest.
    pub attest: bool,
    /// BuildKit provenance attestation attached to every image.
    pub provenance: Provenance,
    /// Attach a BuildKit SBOM attestation to every image.
    pub sbom: bool,
    /// Sign every pushed image keylessly with cosign.
    pub sign: bool,
    /// Action pins, built-in ones overridden by the config's.
    pub pins: ActionPins,
}

/// BuildKit provenance mode (`[workflow] provenance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// `mode=min`.
    Min,
    /// `mode=max`, build-push-action's default for public repositories.
    Max,
    /// No provenance attestation.
    Off,
}

impl Provenance {
    /// build-push-action's `provenance` input.
    pub fn input(self) -> &'static str {
        match self {
            Provenance::Min => "mode=min",
            Provenance::Max => "mode=max",
            Provenance::Off => "false",
        }
    }
}

/// The cleanup workflow's settings (`[retention]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Retention {
    /// Tagged versions kept per package, newest first.
    pub keep: u32,
    /// Delete untagged versions no kept image refers to.
    pub untagged: bool,
    /// When the cleanup runs.
    pub schedule: Schedule,
    /// Tags never deleted (wildcards allowed).
    pub keep_tags: Vec<String>,
    /// Scheduled runs only report; the manual run's dry-run input defaults to this.
    pub dry_run_default: bool,
}

/// How often the cleanup workflow runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Daily,
    Weekly,
    Monthly,
}

impl Schedule {
    /// The names `[retention] schedule` accepts, in order.
    pub const NAMES: [&'static str; 3] = ["daily", "weekly", "monthly"];

    /// The name `[retention] schedule` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Daily => "daily",
            Schedule::Weekly => "weekly",
            Schedule::Monthly => "monthly",
        }
    }

    /// Parses a `[retention] schedule` value.
    pub fn parse(s: &str) -> Option<Schedule> {
        match s {
            "daily" => Some(Schedule::Daily),
            "weekly" => Some(Schedule::Weekly),
            "monthly" => Some(Schedule::Monthly),
            _ => None,
        }
    }

    /// The cron expression: 03:17 UTC (off the hour, when GitHub's scheduler is busiest),
    /// every day, every Monday, or on the first of the month.
    pub fn cron(self) -> &'static str {
        match self {
            Schedule::Daily => "17 3 * * *",
            Schedule::Weekly => "17 3 * * 1",
            Schedule::Monthly => "17 3 1 * *",
        }
    }
}

/// Where one platform's build runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    /// A native runner with this label.
    Native(String),
    /// Emulated with QEMU on this runner label.
    Qemu(String),
}

impl Runner {
    /// The `runs-on` label.
    pub fn label(&self) -> &str {
        match self {
            Runner::Native(label) | Runner::Qemu(label) => label,
        }
    }

    /// Whether the build needs QEMU.
    pub fn is_qemu(&self) -> bool {
        matches!(self, Runner::Qemu(_))
    }
}

/// The Kubernetes manifests' settings.
#[derive(Debug, Clone, PartialEq)]
pub struct K8s {
    /// Name of the `docker-registry` secret used as `imagePullSecrets`.
    pub pull_secret: String,
    /// Namespace set in the kustomization, if any.
    pub namespace: Option<String>,
    /// Replicas of every Deployment.
    pub replicas: u32,
    /// What the kustomization deploys: a tag, or a digest `sha256:...`.
    pub tag: String,
}

impl K8s {
    /// Whether `tag` names one image for good: a digest, or a full semver version
    /// (`1.2.3`, `v1.2.3-rc.1`); a branch name, `latest` or `1.2` moves.
    pub fn tag_is_immutable(&self) -> bool {
        naming::is_digest(&self.tag) || naming::is_full_semver(&self.tag)
    }
}

impl Model {
    /// The service with this name.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }
}
