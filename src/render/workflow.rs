//! The GitHub Actions publishing workflow: one file building and pushing every service.
//!
//! [`WorkflowContext`] is computed once from the [`Model`]; the template
//! (`templates/workflow.yml.j2`) only loops and branches over it. The layout:
//!
//! * Publishing: pushes (filtered by `on.push`) publish, and so does a manual
//!   (`workflow_dispatch`) run on a publishing branch or a `v*` tag; pull requests and
//!   manual runs elsewhere build only ([`publish_condition`]).
//! * `build`: a matrix over services × platforms (`fail-fast: false`), each leg on its
//!   platform's runner (`runs-on` from `[workflow.runners]`, QEMU set up where the runner is
//!   emulated). A leg of a multi-platform service pushes by digest and uploads the digest as
//!   an artifact; a leg of a single-platform service pushes its tags directly. Pull requests
//!   build only: no login, no push.
//! * `merge`: a matrix over the multi-platform services that joins the legs' digests into
//!   one index with `docker buildx imagetools create`, tagged from docker/metadata-action's
//!   JSON output and annotated at index level.
//!
//! Security by construction: top-level `permissions: {}`, each job asks for what it uses;
//! checkout never persists credentials; no `${{ }}` inside `run:` (values reach scripts
//! through `env:`); the GitHub Actions cache is scoped per service and platform and never
//! read or written by tag builds (cache poisoning of releases); every action is pinned to a
//! full commit SHA from [`crate::model::ActionPins`].

use serde::Serialize;

use crate::model::{Model, Platform, Registry, RegistryKind, Runner, Service, pins};
use crate::render::{PlannedFile, Target, TemplateError, Templates, header};

/// The template rendering the workflow.
pub const TEMPLATE: &str = "workflow.yml.j2";

/// `timeout-minutes` of a build leg: generous for emulated builds, short of GitHub's
/// 6-hour default that lets a hung build hold the ref's concurrency group.
pub const BUILD_TIMEOUT_MINUTES: u32 = 90;

/// `timeout-minutes` of a merge (imagetools, attestation, signature).
pub const MERGE_TIMEOUT_MINUTES: u32 = 15;

/// The GitHub Actions expression that is true exactly when a run publishes: a push (the
/// `on.push` filters already chose the branches and tags), or a manual run on a publishing
/// branch or a `v*` tag. `branches` are `[tags] branches`, GitHub branch filters: a plain
/// name matches itself, `prefix**` (plain prefix) every branch starting with `prefix`; a
/// pattern with other wildcards cannot be matched by an expression, so a manual run on such
/// a branch builds only (safe: it never publishes what the filter would not). One operand
/// per line, for a folded YAML scalar.
pub fn publish_condition(branches: &[String]) -> String {
    let mut refs: Vec<String> = Vec::new();
    for branch in branches {
        let wild = |c: char| matches!(c, '*' | '?' | '[' | ']' | '+' | '!');
        if !branch.contains(wild) {
            refs.push(format!("github.ref == 'refs/heads/{branch}'"));
        } else if let Some(prefix) = branch.strip_suffix("**")
            && !prefix.contains(wild)
        {
            refs.push(format!("startsWith(github.ref, 'refs/heads/{prefix}')"));
        }
    }
    refs.push("startsWith(github.ref, 'refs/tags/v')".to_string());
    format!(
        "(github.event_name == 'push'\n|| github.event_name == 'workflow_dispatch' && (\n{}))",
        refs.join("\n|| ")
    )
}

/// Runner for a platform `workflow.runners` does not name: QEMU on `ubuntu-24.04`, which
/// builds anything buildx can. The model builder assigns a runner to every platform a
/// service uses, so only hand-built models reach this.
pub fn fallback_runner() -> Runner {
    Runner::Qemu("ubuntu-24.04".into())
}

/// Everything the workflow template needs, computed once from the [`Model`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowContext {
    /// Registry host every image lives on and `docker/login-action` logs in to (`ghcr.io`).
    pub registry: String,
    /// URL of the repository, `https://github.com/OWNER/REPO` (owner as written), set as the
    /// `org.opencontainers.image.source` label and annotation: it links a new package to
    /// its repository, without which the first push fails with `permission_denied`.
    pub source_url: String,
    /// Branches whose pushes publish (`tags.branches`), for `on.push.branches`.
    pub branches: Vec<String>,
    /// The default branch: pull requests against it are built (never pushed).
    pub default_branch: String,
    /// docker/metadata-action `tags` lines (`tags.rules`), each trimmed, empty ones dropped:
    /// the lines every service shares (empty with `service_tags`).
    pub tag_rules: Vec<String>,
    /// docker/metadata-action `flavor` lines (`tags.flavor`, a variant's suffix included),
    /// each trimmed, empty ones dropped (empty with `service_tags`).
    pub flavor: Vec<String>,
    /// Whether services differ in tag rules or flavor (`[services.X.tags]`, variants): the
    /// matrices then carry each service's `tag-rules` and `flavor`.
    pub service_tags: bool,
    /// Whether some service sets a build `target`: the build matrix carries `target`.
    pub any_target: bool,
    /// Whether some service sets `build_args`: the build matrix carries `build-args`.
    pub any_build_args: bool,
    /// Whether every leg also pushes per-platform tags (`tags.per_arch`).
    pub per_arch: bool,
    /// Whether pushed images get a GitHub artifact attestation (`workflow.attest`).
    pub attest: bool,
    /// Whether pushed images are signed with cosign (`workflow.sign`).
    pub sign: bool,
    /// Whether the build job attests: `attest` with legs pushing tags (direct legs, or
    /// every leg with per-arch tags).
    pub build_attest: bool,
    /// Whether the build job signs: `sign` with direct legs (indexes are signed in merge).
    pub build_sign: bool,
    /// Whether some image goes to ghcr.io, so the jobs pushing ask for `packages: write`.
    pub packages: bool,
    /// Whether some service has mirrors: the matrices carry `images`, every target.
    pub any_mirrors: bool,
    /// The matrix key metadata-action's `images` and the by-digest pushes read: `images`
    /// with mirrors, else `image`.
    pub images_key: &'static str,
    /// The login steps of every job that pushes, one per registry (ECR per region).
    pub logins: Vec<Login>,
    /// Whether the build job needs `id-token: write` (attest, sign or an OIDC login).
    pub build_oidc: bool,
    /// Whether the merge job needs `id-token: write`.
    pub merge_oidc: bool,
    /// What the build job's `id-token: write` is for, as its comment says.
    pub build_oidc_use: String,
    /// What the merge job's `id-token: write` is for.
    pub merge_oidc_use: String,
    /// build-push-action's `provenance` input (`mode=max`, `mode=min`, `false`).
    pub provenance: &'static str,
    /// build-push-action's `sbom` input.
    pub sbom: bool,
    /// [`publish_condition`] for the publishing branches.
    pub publish_if: String,
    /// BuildKit image for setup-buildx's `driver-opts`, pinned by digest.
    pub buildkit_image: String,
    /// QEMU binfmt image for setup-qemu's `image`, pinned by digest.
    pub binfmt_image: String,
    /// [`BUILD_TIMEOUT_MINUTES`].
    pub build_timeout: u32,
    /// [`MERGE_TIMEOUT_MINUTES`].
    pub merge_timeout: u32,
    /// Whether any leg runs emulated, so the build job sets up QEMU (only on those legs).
    pub any_qemu: bool,
    /// Whether any leg belongs to a single-platform service and pushes its tags directly.
    pub any_direct: bool,
    /// Whether any service builds for several platforms, so the merge job exists.
    pub any_merge: bool,
    /// The build matrix: one entry per service and platform, services in model order.
    pub legs: Vec<Leg>,
    /// The merge matrix: one entry per multi-platform service.
    pub merges: Vec<Merge>,
    /// `uses:` values of every action the workflow runs, pinned.
    pub uses: Uses,
}

/// One login step (or pair of steps) of a job that pushes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Login {
    /// `ghcr` (GITHUB_TOKEN), `password` (docker/login-action with two secrets), `ecr`
    /// (configure-aws-credentials with OIDC, then amazon-ecr-login) or `gar`
    /// (google-github-actions/auth with workload identity, then docker/login-action).
    pub kind: &'static str,
    /// Host logged in to; for `ecr`, the hosts of one region joined by ", ".
    pub host: String,
    /// Secret holding the user name (`password`).
    pub username_secret: String,
    /// Secret holding the password or token (`password`).
    pub password_secret: String,
    /// AWS region (`ecr`).
    pub region: String,
    /// AWS account ids, comma-separated (`ecr`).
    pub accounts: String,
    /// Whether this `gar` login runs the Google Cloud authentication (the first one).
    pub gcp_auth: bool,
}

/// One build leg: one service built for one platform on one runner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leg {
    /// Service name, shown in the job name.
    pub service: String,
    /// Full image reference without tag, lowercase (`ghcr.io/acme-labs/api`).
    pub image: String,
    /// `image` and every mirror's, one per line: metadata-action reads `images` by line
    /// (a comma starts an attribute there), build-push-action's `tags` by line or comma.
    pub images: String,
    /// Build context relative to the repository root (`.` for the root).
    pub context: String,
    /// Dockerfile path relative to the repository root.
    pub dockerfile: String,
    /// buildx platform, e.g. `linux/arm/v7`.
    pub platform: String,
    /// The platform's slug (`amd64`, `arm64`, `arm-v7`).
    pub slug: String,
    /// `runs-on` label.
    pub runner: String,
    /// Whether the leg runs emulated under QEMU on `runner`.
    pub qemu: bool,
    /// The architecture QEMU must emulate (`arm64`, `arm`, `riscv64`), empty when native.
    pub qemu_arch: String,
    /// `true`: push by digest and leave tagging to the merge job (multi-platform service);
    /// `false`: push the tags directly (single-platform service).
    pub by_digest: bool,
    /// Levels docker/metadata-action emits annotations for: `manifest` for a leg pushed by
    /// digest (the merge adds the index's), `manifest,index` for a direct push.
    pub annotation_levels: String,
    /// Scope of the GitHub Actions build cache, unique per service and platform.
    pub cache_scope: String,
    /// Name of the artifact holding this leg's digest (legs pushed by digest).
    pub artifact: String,
    /// Per-platform tag template with `{arch}` already replaced: `{tag}-arm64`,
    /// `hf-arm64-{tag}`. The leg replaces `{tag}` with each metadata tag at run time.
    pub arch_tag: String,
    /// Multi-stage build target, empty for the last stage.
    pub target: String,
    /// Build arguments as `NAME=VALUE` lines (build-push-action's `build-args`).
    pub build_args: Vec<String>,
    /// The service's metadata-action `tags` lines, trimmed (with `service_tags`).
    pub tag_rules: Vec<String>,
    /// The service's metadata-action `flavor` lines, trimmed (with `service_tags`).
    pub flavor: Vec<String>,
}

/// One merge: the digests of a multi-platform service's legs joined into one index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Merge {
    /// Service name, shown in the job name.
    pub service: String,
    /// Full image reference without tag, lowercase.
    pub image: String,
    /// `image` and every mirror's, one per line.
    pub images: String,
    /// Glob matching exactly this service's digest artifacts.
    pub artifact_pattern: String,
    /// `runs-on` label: the amd64 runner when the service has a native one, else the
    /// runner of its first platform.
    pub runner: String,
    /// The platforms merged, for the job's summary.
    pub platforms: Vec<String>,
    /// The service's metadata-action `tags` lines, trimmed (with `service_tags`).
    pub tag_rules: Vec<String>,
    /// The service's metadata-action `flavor` lines, trimmed (with `service_tags`).
    pub flavor: Vec<String>,
}

/// Pinned `uses:` values (`owner/repo@sha # version`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uses {
    /// actions/checkout.
    pub checkout: String,
    /// docker/setup-qemu-action.
    pub setup_qemu: String,
    /// docker/setup-buildx-action.
    pub setup_buildx: String,
    /// docker/login-action.
    pub login: String,
    /// docker/metadata-action.
    pub metadata: String,
    /// docker/build-push-action.
    pub build_push: String,
    /// actions/upload-artifact.
    pub upload_artifact: String,
    /// actions/download-artifact.
    pub download_artifact: String,
    /// actions/attest.
    pub attest: String,
    /// sigstore/cosign-installer.
    pub cosign_installer: String,
    /// aws-actions/configure-aws-credentials.
    pub aws_credentials: String,
    /// aws-actions/amazon-ecr-login.
    pub ecr_login: String,
    /// google-github-actions/auth.
    pub gcp_auth: String,
}

/// The login steps for `registries`, in their order; ECR hosts of one region share one
/// pair of steps, and only the first Artifact Registry login authenticates to Google Cloud.
fn logins(registries: &[&Registry]) -> Vec<Login> {
    let mut out: Vec<Login> = Vec::new();
    let blank = |kind: &'static str, host: &str| Login {
        kind,
        host: host.to_string(),
        username_secret: String::new(),
        password_secret: String::new(),
        region: String::new(),
        accounts: String::new(),
        gcp_auth: false,
    };
    for r in registries {
        match &r.kind {
            RegistryKind::Ghcr => out.push(blank("ghcr", &r.host)),
            RegistryKind::DockerHub
            | RegistryKind::Quay
            | RegistryKind::Acr { .. }
            | RegistryKind::Other => {
                let (user, password) = match r.kind {
                    RegistryKind::DockerHub => ("DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"),
                    RegistryKind::Quay => ("QUAY_USERNAME", "QUAY_TOKEN"),
                    RegistryKind::Other => ("REGISTRY_USERNAME", "REGISTRY_PASSWORD"),
                    _ => ("ACR_USERNAME", "ACR_PASSWORD"),
                };
                out.push(Login {
                    username_secret: user.into(),
                    password_secret: password.into(),
                    ..blank("password", &r.host)
                });
            }
            RegistryKind::Ecr { account, region } => {
                if let Some(l) = out
                    .iter_mut()
                    .find(|l| l.kind == "ecr" && l.region == *region)
                {
                    l.host = format!("{}, {}", l.host, r.host);
                    l.accounts = format!("{},{account}", l.accounts);
                } else {
                    out.push(Login {
                        region: region.clone(),
                        accounts: account.clone(),
                        ..blank("ecr", &r.host)
                    });
                }
            }
            RegistryKind::Gar { .. } => {
                if out.iter().any(|l| l.kind == "gar" && l.host == r.host) {
                    continue;
                }
                let first = !out.iter().any(|l| l.kind == "gar");
                out.push(Login {
                    gcp_auth: first,
                    ..blank("gar", &r.host)
                });
            }
        }
    }
    out
}

impl WorkflowContext {
    /// Computes the context. A platform `workflow.runners` does not name runs on
    /// [`fallback_runner`].
    pub fn from_model(model: &Model) -> WorkflowContext {
        let runner_for = |p: &Platform| {
            model
                .workflow
                .runners
                .get(&p.to_string())
                .cloned()
                .unwrap_or_else(fallback_runner)
        };
        let mut legs = Vec::new();
        let mut merges = Vec::new();
        for (index, service) in model.services.iter().enumerate() {
            let by_digest = service.platforms.len() > 1;
            let artifact_prefix = format!("digests-{}-{}-", index + 1, safe_name(&service.name));
            for platform in &service.platforms {
                let runner = runner_for(platform);
                legs.push(leg(
                    model,
                    service,
                    platform,
                    &runner,
                    by_digest,
                    &artifact_prefix,
                ));
            }
            if by_digest {
                let runners: Vec<Runner> = service.platforms.iter().map(&runner_for).collect();
                let runner = service
                    .platforms
                    .iter()
                    .zip(&runners)
                    .find(|(p, r)| p.arch == "amd64" && !r.is_qemu())
                    .map(|(_, r)| r)
                    .unwrap_or(&runners[0])
                    .label()
                    .to_string();
                merges.push(Merge {
                    service: service.name.clone(),
                    image: service.image.clone(),
                    images: service.images().join("\n"),
                    artifact_pattern: format!("{artifact_prefix}*"),
                    runner,
                    platforms: service.platforms.iter().map(ToString::to_string).collect(),
                    tag_rules: lines(&service.tags.rules),
                    flavor: lines(&service.tags.flavor),
                });
            }
        }
        // One tag policy shared by every service goes inline; otherwise each matrix entry
        // carries its service's.
        let shared_tags = match model.services.split_first() {
            Some((first, rest)) if rest.iter().all(|s| s.tags == first.tags) => {
                Some(first.tags.clone())
            }
            Some(_) => None,
            None => Some(crate::model::ServiceTags {
                rules: model.tags.rules.clone(),
                flavor: model.tags.flavor.clone(),
            }),
        };
        let pins = &model.workflow.pins;
        let w = &model.workflow;
        let any_direct = legs.iter().any(|l| !l.by_digest);
        let build_attest = w.attest && (any_direct || model.tags.per_arch);
        let build_sign = w.sign && any_direct;
        let registries = model.registries();
        let registry_oidc: Vec<&'static str> = ["Amazon ECR", "Artifact Registry"]
            .into_iter()
            .filter(|l| registries.iter().any(|r| r.uses_oidc() && r.label() == *l))
            .collect();
        let with_logins = |uses: String| {
            if registry_oidc.is_empty() {
                uses
            } else if uses.is_empty() {
                format!("logging in to {}", registry_oidc.join(" and "))
            } else {
                format!("{uses} and logging in to {}", registry_oidc.join(" and "))
            }
        };
        let build_oidc_use = if build_attest || build_sign {
            oidc_use(build_attest, build_sign)
        } else {
            String::new()
        };
        let merge_oidc_use = if w.attest || w.sign {
            oidc_use(w.attest, w.sign)
        } else {
            String::new()
        };
        WorkflowContext {
            registry: model.registry.clone(),
            source_url: format!("https://github.com/{}/{}", model.owner, model.repo),
            branches: model.tags.branches.clone(),
            default_branch: model.default_branch.clone(),
            tag_rules: shared_tags.as_ref().map_or(Vec::new(), |t| lines(&t.rules)),
            flavor: shared_tags
                .as_ref()
                .map_or(Vec::new(), |t| lines(&t.flavor)),
            service_tags: shared_tags.is_none(),
            any_target: model.services.iter().any(|s| s.target.is_some()),
            any_build_args: model.services.iter().any(|s| !s.build_args.is_empty()),
            per_arch: model.tags.per_arch,
            attest: w.attest,
            sign: w.sign,
            build_attest,
            build_sign,
            packages: registries.iter().any(|r| r.is_ghcr()),
            any_mirrors: model.services.iter().any(|s| !s.mirrors.is_empty()),
            logins: logins(&registries),
            images_key: if model.services.iter().any(|s| !s.mirrors.is_empty()) {
                "images"
            } else {
                "image"
            },
            build_oidc: build_attest || build_sign || !registry_oidc.is_empty(),
            merge_oidc: w.attest || w.sign || !registry_oidc.is_empty(),
            build_oidc_use: with_logins(build_oidc_use),
            merge_oidc_use: with_logins(merge_oidc_use),
            provenance: w.provenance.input(),
            sbom: w.sbom,
            publish_if: publish_condition(&model.tags.branches),
            buildkit_image: pins::image("moby/buildkit"),
            binfmt_image: pins::image("tonistiigi/binfmt"),
            build_timeout: BUILD_TIMEOUT_MINUTES,
            merge_timeout: MERGE_TIMEOUT_MINUTES,
            any_qemu: legs.iter().any(|l| l.qemu),
            any_direct,
            any_merge: !merges.is_empty(),
            legs,
            merges,
            uses: Uses {
                checkout: pins.uses("actions/checkout"),
                setup_qemu: pins.uses("docker/setup-qemu-action"),
                setup_buildx: pins.uses("docker/setup-buildx-action"),
                login: pins.uses("docker/login-action"),
                metadata: pins.uses("docker/metadata-action"),
                build_push: pins.uses("docker/build-push-action"),
                upload_artifact: pins.uses("actions/upload-artifact"),
                download_artifact: pins.uses("actions/download-artifact"),
                attest: pins.uses("actions/attest"),
                cosign_installer: pins.uses("sigstore/cosign-installer"),
                aws_credentials: pins.uses("aws-actions/configure-aws-credentials"),
                ecr_login: pins.uses("aws-actions/amazon-ecr-login"),
                gcp_auth: pins.uses("google-github-actions/auth"),
            },
        }
    }
}

/// The comment of an `id-token: write` permission.
fn oidc_use(attest: bool, sign: bool) -> String {
    match (attest, sign) {
        (true, true) => "the attestation and the keyless cosign signature",
        (true, false) => "the attestation",
        _ => "the keyless cosign signature",
    }
    .to_string()
}

fn leg(
    model: &Model,
    service: &Service,
    platform: &Platform,
    runner: &Runner,
    by_digest: bool,
    artifact_prefix: &str,
) -> Leg {
    let slug = platform.slug();
    Leg {
        service: service.name.clone(),
        image: service.image.clone(),
        images: service.images().join("\n"),
        context: service.context.clone(),
        dockerfile: service.dockerfile.clone(),
        platform: platform.to_string(),
        slug: slug.clone(),
        runner: runner.label().to_string(),
        qemu: runner.is_qemu(),
        qemu_arch: if runner.is_qemu() {
            platform.arch.clone()
        } else {
            String::new()
        },
        by_digest,
        annotation_levels: if by_digest {
            "manifest"
        } else {
            "manifest,index"
        }
        .to_string(),
        cache_scope: format!("{}-{slug}", safe_name(&service.name)),
        artifact: format!("{artifact_prefix}{slug}"),
        arch_tag: model.tags.arch_tag.replace("{arch}", &slug),
        target: service.target.clone().unwrap_or_default(),
        build_args: service
            .build_args
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        tag_rules: lines(&service.tags.rules),
        flavor: lines(&service.tags.flavor),
    }
}

/// `name` with everything but ASCII alphanumerics, `.`, `_` and `-` replaced by `_`: safe in
/// artifact names and cache scopes.
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Config lines as they go into a YAML block scalar: trimmed (metadata-action trims them
/// anyway), empty ones and embedded line breaks split out.
fn lines(raw: &[String]) -> Vec<String> {
    raw.iter()
        .flat_map(|l| l.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Renders the workflow to `model.outputs.workflow`, header first; `Ok(None)` when the
/// workflow output is turned off (the caller plans nothing for it).
pub fn render(model: &Model, templates: &Templates) -> Result<Option<PlannedFile>, TemplateError> {
    let Some(path) = &model.outputs.workflow else {
        return Ok(None);
    };
    let body = templates.render(TEMPLATE, &WorkflowContext::from_model(model))?;
    Ok(Some(PlannedFile {
        path: path.clone(),
        contents: format!("{}{body}", header(model)),
        target: Target::Workflow,
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::model::{ActionPins, K8s, Outputs, Provenance, ServiceKind, TagPolicy, Workflow};

    fn model(services: &[(&str, &[&str])], runners: &[(&str, Runner)]) -> Model {
        Model {
            root: PathBuf::from("/repo"),
            config_name: "registry.toml".into(),
            registry: "ghcr.io".into(),
            owner: "Acme".into(),
            owner_lc: "acme".into(),
            repo: "shop".into(),
            suffix: String::new(),
            default_branch: "main".into(),
            platforms: vec![],
            services: services
                .iter()
                .map(|(name, platforms)| Service {
                    name: (*name).into(),
                    package: format!("shop-{name}"),
                    image: format!("ghcr.io/acme/shop-{name}"),
                    registry: crate::model::Registry::ghcr(),
                    mirrors: vec![],
                    context: (*name).into(),
                    dockerfile: format!("{name}/Dockerfile"),
                    platforms: platforms
                        .iter()
                        .map(|p| Platform::parse(p).unwrap())
                        .collect(),
                    port: None,
                    env: vec![],
                    health: None,
                    renamed_from: vec![],
                    kind: ServiceKind::Service,
                    run_as: None,
                    read_only_root: true,
                    target: None,
                    build_args: vec![],
                    variant: None,
                    tags: crate::model::ServiceTags {
                        rules: vec![
                            "  type=sha  ".into(),
                            String::new(),
                            "type=ref,event=branch".into(),
                        ],
                        flavor: vec!["latest=auto\nprefix=".into()],
                    },
                })
                .collect(),
            outputs: Outputs {
                compose: None,
                k8s: None,
                env: None,
                workflow: Some(".github/workflows/images.yml".into()),
                retention: None,
            },
            tags: TagPolicy {
                rules: vec![
                    "  type=sha  ".into(),
                    String::new(),
                    "type=ref,event=branch".into(),
                ],
                flavor: vec!["latest=auto\nprefix=".into()],
                branches: vec!["main".into()],
                per_arch: true,
                arch_tag: "hf-{arch}-{tag}".into(),
            },
            workflow: Workflow {
                runners: runners
                    .iter()
                    .map(|(p, r)| ((*p).to_string(), r.clone()))
                    .collect::<BTreeMap<_, _>>(),
                attest: false,
                provenance: Provenance::Max,
                sbom: false,
                sign: false,
                pins: ActionPins::builtin(),
            },
            k8s: K8s {
                pull_secret: "pull".into(),
                namespace: None,
                replicas: 1,
                tag: "latest".into(),
            },
            retention: None,
            templates_dir: None,
            exclude: vec![],
        }
    }

    fn native(label: &str) -> Runner {
        Runner::Native(label.into())
    }

    #[test]
    fn legs_follow_services_then_platforms_and_only_multi_platform_ones_merge() {
        let m = model(
            &[
                ("api", &["linux/amd64", "linux/arm64"]),
                ("cli", &["linux/amd64"]),
            ],
            &[
                ("linux/amd64", native("ubuntu-24.04")),
                ("linux/arm64", native("ubuntu-24.04-arm")),
            ],
        );
        let ctx = WorkflowContext::from_model(&m);
        let legs: Vec<(&str, &str, &str, bool)> = ctx
            .legs
            .iter()
            .map(|l| {
                (
                    l.service.as_str(),
                    l.platform.as_str(),
                    l.runner.as_str(),
                    l.by_digest,
                )
            })
            .collect();
        assert_eq!(
            legs,
            [
                ("api", "linux/amd64", "ubuntu-24.04", true),
                ("api", "linux/arm64", "ubuntu-24.04-arm", true),
                ("cli", "linux/amd64", "ubuntu-24.04", false),
            ]
        );
        assert_eq!(ctx.merges.len(), 1);
        assert_eq!(ctx.merges[0].artifact_pattern, "digests-1-api-*");
        assert_eq!(ctx.legs[1].artifact, "digests-1-api-arm64");
        assert!(ctx.any_merge && ctx.any_direct && !ctx.any_qemu);
        assert_eq!(ctx.legs[0].annotation_levels, "manifest");
        assert_eq!(ctx.legs[2].annotation_levels, "manifest,index");
    }

    #[test]
    fn arch_tag_gets_the_platform_slug_and_keeps_the_tag_placeholder() {
        let m = model(&[("api", &["linux/amd64", "linux/arm/v7"])], &[]);
        let ctx = WorkflowContext::from_model(&m);
        assert_eq!(ctx.legs[0].arch_tag, "hf-amd64-{tag}");
        assert_eq!(ctx.legs[1].arch_tag, "hf-arm-v7-{tag}");
        assert_eq!(ctx.legs[1].cache_scope, "api-arm-v7");
    }

    #[test]
    fn unnamed_platforms_fall_back_to_qemu_with_the_architecture_to_emulate() {
        let m = model(
            &[("api", &["linux/amd64", "linux/riscv64"])],
            &[("linux/amd64", native("big-box"))],
        );
        let ctx = WorkflowContext::from_model(&m);
        assert!(!ctx.legs[0].qemu);
        assert_eq!(ctx.legs[0].qemu_arch, "");
        assert!(ctx.legs[1].qemu);
        assert_eq!(ctx.legs[1].runner, "ubuntu-24.04");
        assert_eq!(ctx.legs[1].qemu_arch, "riscv64");
        assert!(ctx.any_qemu);
        // The merge runs on the native amd64 runner.
        assert_eq!(ctx.merges[0].runner, "big-box");
    }

    #[test]
    fn merge_runner_avoids_emulated_amd64_and_falls_back_to_the_first_platform() {
        let m = model(
            &[("api", &["linux/arm64", "linux/amd64"])],
            &[
                ("linux/amd64", Runner::Qemu("arm-box".into())),
                ("linux/arm64", native("arm-box")),
            ],
        );
        assert_eq!(WorkflowContext::from_model(&m).merges[0].runner, "arm-box");
    }

    #[test]
    fn tag_rules_and_flavor_lines_are_trimmed_and_split() {
        let ctx = WorkflowContext::from_model(&model(&[("api", &["linux/amd64"])], &[]));
        assert_eq!(ctx.tag_rules, ["type=sha", "type=ref,event=branch"]);
        assert_eq!(ctx.flavor, ["latest=auto", "prefix="]);
    }

    #[test]
    fn artifact_names_and_cache_scopes_replace_unsafe_characters() {
        assert_eq!(safe_name("team/api"), "team_api");
        assert_eq!(safe_name("a.b_c-d"), "a.b_c-d");
    }

    #[test]
    fn source_url_keeps_the_owner_as_written_and_uses_are_pinned() {
        let ctx = WorkflowContext::from_model(&model(&[("api", &["linux/amd64"])], &[]));
        assert_eq!(ctx.source_url, "https://github.com/Acme/shop");
        assert!(ctx.uses.build_push.starts_with("docker/build-push-action@"));
        assert!(ctx.uses.attest.contains(" # v"));
    }

    #[test]
    fn publish_condition_matches_names_and_double_star_prefixes_only() {
        let branches = ["main", "release/**", "hotfix/*", "v[0-9]"].map(String::from);
        let condition = publish_condition(&branches);
        assert!(condition.contains("github.ref == 'refs/heads/main'"));
        assert!(condition.contains("startsWith(github.ref, 'refs/heads/release/')"));
        assert!(!condition.contains("hotfix"), "{condition}");
        assert!(!condition.contains("v[0-9]"), "{condition}");
        assert!(condition.starts_with("(github.event_name == 'push'\n"));
        assert!(condition.ends_with("startsWith(github.ref, 'refs/tags/v')))"));
    }

    #[test]
    fn render_prepends_the_header_and_skips_when_turned_off() {
        let templates = Templates::load(None).unwrap();
        let mut m = model(&[("api", &["linux/amd64"])], &[]);
        let file = render(&m, &templates).unwrap().unwrap();
        assert!(file.contents.starts_with(&header(&m)));
        assert_eq!(file.path, ".github/workflows/images.yml");
        m.outputs.workflow = None;
        assert_eq!(render(&m, &templates).unwrap(), None);
    }
}
