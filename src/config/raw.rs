//! The raw shape of `registry.toml`: every key the file may hold, each value with its span.
//!
//! These types are the single source of the JSON Schema (`ghcr-gen schema`) and of the
//! loader's list of known keys; a test checks that the two agree. Values are not validated
//! here beyond their TOML type; [`crate::model::build()`] does that.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// A value and the byte range it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// A table keyed by names, in file order, each name with its span.
pub(crate) type NamedTable<T> = Sp<Vec<(Sp<String>, T)>>;

/// ghcr-gen configuration: the container images this repository publishes to a registry,
/// and where the files naming them are generated.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(title = "ghcr-gen registry.toml", deny_unknown_fields)]
pub struct RawConfig {
    /// Registry every image is pushed to: "ghcr.io" (the default), "docker.io", "quay.io",
    /// "<account>.dkr.ecr.<region>.amazonaws.com", "<name>.azurecr.io" or
    /// "<region>-docker.pkg.dev/<project>/<repository>". Lowercase.
    pub registry: Option<Sp<String>>,
    /// Mirror registries every image is also pushed to, with the same tags (same forms as
    /// `registry`). Default [].
    pub also: Option<Sp<Vec<Sp<String>>>>,
    /// Namespace (user or organisation) of the images on registries other than ghcr.io.
    /// Default: the owner, lowercased.
    pub namespace: Option<Sp<String>>,
    /// GitHub user or organisation owning the packages, any case (image paths use it lowercased).
    #[schemars(required)]
    pub owner: Option<Sp<String>>,
    /// Repository name.
    #[schemars(required)]
    pub repo: Option<Sp<String>>,
    /// Appended to every package name, e.g. "-api". Default "".
    pub suffix: Option<Sp<String>>,
    /// Package-name template with {repo}, {service} and {owner}; may contain "/" (nested
    /// packages). Default "{repo}" with one service, "{repo}-{service}" otherwise.
    pub image: Option<Sp<String>>,
    /// The repository's default branch. Default "main".
    pub default_branch: Option<Sp<String>>,
    /// Platforms to build, as os/arch[/variant]. Default ["linux/amd64"].
    pub platforms: Option<Sp<Vec<Sp<String>>>>,
    /// Image references the single implicit image was published under before (written by
    /// `ghcr-gen rename`; `check` flags references to them). Only without [services].
    pub renamed_from: Option<Sp<Vec<Sp<String>>>>,
    /// One table per image. Without it: one image named after the repo, built from ".".
    #[schemars(with = "Option<BTreeMap<String, RawService>>")]
    pub services: Option<NamedTable<RawService>>,
    /// Where generated files go; `false` turns a target off.
    pub outputs: Option<RawOutputs>,
    /// Tag policy: docker/metadata-action inputs and publishing branches.
    pub tags: Option<RawTags>,
    /// The generated publishing workflow.
    pub workflow: Option<RawWorkflow>,
    /// The generated Kubernetes manifests.
    pub k8s: Option<RawK8s>,
    /// The generated cleanup workflow deleting old image versions from GHCR. Without this
    /// table no cleanup workflow is generated.
    pub retention: Option<RawRetention>,
    /// Template overrides.
    pub templates: Option<RawTemplates>,
    /// Repository scans (`rename`, `check`).
    pub rename: Option<RawRename>,
    /// Top-level keys present with a value of the wrong type (already reported).
    #[schemars(skip)]
    pub mistyped: Vec<&'static str>,
}

/// One image: a service built from a Dockerfile and published as one package.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawService {
    /// Build context relative to registry.toml. Default ".".
    pub context: Option<Sp<String>>,
    /// Dockerfile relative to registry.toml. Default "<context>/Dockerfile".
    pub dockerfile: Option<Sp<String>>,
    /// Registry this service is pushed to, overriding the top-level `registry`.
    pub registry: Option<Sp<String>>,
    /// Mirror registries of this service, overriding the top-level `also`.
    pub also: Option<Sp<Vec<Sp<String>>>>,
    /// This service's package-name template, overriding the top-level `image`.
    pub image: Option<Sp<String>>,
    /// Port the container listens on (1-65535).
    pub port: Option<Sp<i64>>,
    /// Environment variables the service needs at run time.
    pub env: Option<Sp<Vec<Sp<String>>>>,
    /// HTTP path answering health checks, e.g. "/healthz".
    pub health: Option<Sp<String>>,
    /// Platforms for this service, overriding the top-level list.
    pub platforms: Option<Sp<Vec<Sp<String>>>>,
    /// Image references this service was published under before (written by `rename`).
    pub renamed_from: Option<Sp<Vec<Sp<String>>>>,
    /// "service" (long-running: a Deployment; the default) or "job" (runs once to
    /// completion, e.g. migrations: a Job, and `restart: "no"` in compose).
    pub kind: Option<Sp<String>>,
    /// Numeric user id the container runs as (1-2147483647), e.g. 65532. Default: the
    /// Dockerfile's numeric USER as `init` found it, else 65532 with a note.
    pub user: Option<Sp<i64>>,
    /// Numeric group id the container runs as (0-2147483647). Default: `user`.
    pub group: Option<Sp<i64>>,
    /// Read-only root filesystem in Kubernetes, with a writable emptyDir at /tmp. Default true.
    pub read_only_root: Option<Sp<bool>>,
    // --- build inputs, variants and per-service tags (issue 9) ---
    /// Multi-stage build target (the Dockerfile stage to build), e.g. "runtime". Default:
    /// the last stage.
    pub target: Option<Sp<String>>,
    /// Build arguments (`--build-arg NAME=VALUE`), names as [A-Za-z_][A-Za-z0-9_]*.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub build_args: Option<NamedTable<Sp<String>>>,
    /// Tag suffix telling this service apart from others publishing the same `image`:
    /// its tags get "-VARIANT" (`latest-web`, `1.2.3-web`). Services sharing one image
    /// must each set a distinct variant.
    pub variant: Option<Sp<String>>,
    /// This service's tag rules and flavor, overriding the top-level [tags] ones.
    pub tags: Option<RawServiceTags>,
}

/// A service's own tag policy. Publishing branches and per-arch tags are workflow-wide:
/// they stay in the top-level [tags].
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawServiceTags {
    /// metadata-action `tags` lines, verbatim. Default: the top-level [tags] rules.
    pub rules: Option<Sp<Vec<Sp<String>>>>,
    /// metadata-action `flavor` lines, verbatim. Default: the top-level [tags] flavor.
    pub flavor: Option<Sp<Vec<Sp<String>>>>,
}

/// An output location, or `false` to turn it off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputPath {
    Path(String),
    Off,
}

impl JsonSchema for OutputPath {
    fn schema_name() -> Cow<'static, str> {
        "OutputPath".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A path relative to registry.toml, or false to turn the target off.",
            "anyOf": [{ "type": "string", "minLength": 1 }, { "const": false }]
        })
    }
}

/// Where generated files go.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawOutputs {
    /// Docker compose file. Default "deploy/compose.yaml".
    pub compose: Option<Sp<OutputPath>>,
    /// Directory of Kubernetes manifests and their kustomization. Default "deploy/k8s".
    pub k8s: Option<Sp<OutputPath>>,
    /// Environment template. Default "deploy/.env.example".
    pub env: Option<Sp<OutputPath>>,
    /// Publishing workflow. Default ".github/workflows/ghcr-publish.yml".
    pub workflow: Option<Sp<OutputPath>>,
    /// Cleanup workflow, generated only with a [retention] table. Default
    /// ".github/workflows/ghcr-retention.yml".
    pub retention: Option<Sp<OutputPath>>,
}

/// Tag policy, in docker/metadata-action's own input language.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawTags {
    /// metadata-action `tags` lines, verbatim.
    pub rules: Option<Sp<Vec<Sp<String>>>>,
    /// metadata-action `flavor` lines, verbatim. Default ["latest=auto"].
    pub flavor: Option<Sp<Vec<Sp<String>>>>,
    /// Branches whose pushes publish images. Default [default_branch].
    pub branches: Option<Sp<Vec<Sp<String>>>>,
    /// Also push one tag per platform, and merge them into the multi-arch tags.
    pub per_arch: Option<Sp<bool>>,
    /// Per-arch tag template with {tag} and {arch}. Default "{tag}-{arch}".
    pub arch_tag: Option<Sp<String>>,
}

/// The publishing workflow's settings.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawWorkflow {
    /// Attest build provenance for every pushed image with actions/attest (GitHub artifact
    /// attestations). Default false.
    pub attest: Option<Sp<bool>>,
    /// BuildKit provenance attestation attached to each image: "min", "max" or false.
    /// Default "max".
    pub provenance: Option<Sp<Provenance>>,
    /// Attach a BuildKit SBOM attestation (SPDX) to each image. Default false.
    pub sbom: Option<Sp<bool>>,
    /// Sign every pushed image keylessly with cosign (Sigstore). Default false.
    pub sign: Option<Sp<bool>>,
    /// Runner label per platform, or "qemu" to emulate it on ubuntu-24.04
    /// (private repositories and GitHub Enterprise Server have no arm runners).
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub runners: Option<NamedTable<Sp<String>>>,
    /// Action pins overriding the built-in ones, by action name.
    #[schemars(with = "Option<BTreeMap<String, RawPin>>")]
    pub pins: Option<NamedTable<RawPin>>,
}

/// BuildKit provenance mode, or `false` for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// `mode=min`: build timestamps, frontend and the source repository.
    Min,
    /// `mode=max`: `min` plus the build arguments, steps and materials.
    Max,
    /// No provenance attestation.
    Off,
}

impl JsonSchema for Provenance {
    fn schema_name() -> Cow<'static, str> {
        "Provenance".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "BuildKit provenance mode \"min\" or \"max\", or false for none.",
            "anyOf": [{ "enum": ["min", "max"] }, { "const": false }]
        })
    }
}

/// The cleanup workflow's settings.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRetention {
    /// Tagged versions to keep per package, newest first (1-1000). Default 10.
    pub keep: Option<Sp<i64>>,
    /// Also delete untagged versions no kept image refers to. Default true.
    pub untagged: Option<Sp<bool>>,
    /// How often the cleanup runs: "daily", "weekly" or "monthly". Default "weekly".
    pub schedule: Option<Sp<String>>,
    /// Tags never deleted, wildcards allowed. Default ["latest"].
    pub keep_tags: Option<Sp<Vec<Sp<String>>>>,
    /// Whether scheduled runs only report what they would delete, and the default of the
    /// manual run's dry-run input. Default true.
    pub dry_run_default: Option<Sp<bool>>,
}

/// An action pinned to a full commit SHA.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPin {
    /// Full 40-character commit SHA.
    pub sha: Option<Sp<String>>,
    /// Release the commit belongs to, e.g. "v7.0.1" (written as a comment).
    pub version: Option<Sp<String>>,
}

/// Kubernetes manifest settings.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawK8s {
    /// Name of the docker-registry Secret used as imagePullSecrets. Default "ghcr-pull".
    pub pull_secret: Option<Sp<String>>,
    /// Namespace set by the kustomization. Default: none.
    pub namespace: Option<Sp<String>>,
    /// Replicas per Deployment. Default 1.
    pub replicas: Option<Sp<i64>>,
    /// Tag the kustomization deploys (its `newTag`), or a digest "sha256:...". Default
    /// "latest". Mutable tags get `imagePullPolicy: Always`.
    pub tag: Option<Sp<String>>,
}

/// Template overrides.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawTemplates {
    /// Directory whose files replace the embedded templates of the same name.
    pub dir: Option<Sp<String>>,
}

/// Repository scan settings.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRename {
    /// Gitignore-style globs `rename` and `check` never touch.
    pub exclude: Option<Sp<Vec<Sp<String>>>>,
}
