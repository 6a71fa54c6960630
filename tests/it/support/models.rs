//! Hand-built [`Model`]s for tests, until the config layer can build them from TOML.
//!
//! [`model`] gives a valid model with the project's defaults; the named fixtures below are
//! the shapes the workflow tests render and validate.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ghcr_gen::model::{
    ActionPins, K8s, Model, Outputs, Platform, Runner, Service, TagPolicy, Workflow,
};

/// A model for `owner/repo` on ghcr.io with one service per `(name, platforms)` pair, built
/// from `./<name>/Dockerfile` (or `./Dockerfile` when there is one service named like the
/// repo), native runners for amd64 and arm64, default tag rules and no attestation.
pub(crate) fn model(owner: &str, repo: &str, services: &[(&str, &[&str])]) -> Model {
    let owner_lc = owner.to_lowercase();
    let services: Vec<Service> = services
        .iter()
        .map(|(name, platforms)| {
            let package = if services.len() == 1 && *name == repo {
                repo.to_lowercase()
            } else {
                format!("{}-{name}", repo.to_lowercase())
            };
            let (context, dockerfile) = if services.len() == 1 {
                (".".to_string(), "Dockerfile".to_string())
            } else {
                ((*name).to_string(), format!("{name}/Dockerfile"))
            };
            Service {
                name: (*name).to_string(),
                image: format!("ghcr.io/{owner_lc}/{package}"),
                package,
                context,
                dockerfile,
                platforms: platforms.iter().map(|p| platform(p)).collect(),
                port: Some(8080),
                env: vec![],
                health: None,
                renamed_from: vec![],
            }
        })
        .collect();
    let mut runners = BTreeMap::new();
    runners.insert(
        "linux/amd64".to_string(),
        Runner::Native("ubuntu-24.04".into()),
    );
    runners.insert(
        "linux/arm64".to_string(),
        Runner::Native("ubuntu-24.04-arm".into()),
    );
    Model {
        root: PathBuf::from("/repo"),
        config_name: "registry.toml".into(),
        registry: "ghcr.io".into(),
        owner: owner.into(),
        owner_lc,
        repo: repo.into(),
        suffix: String::new(),
        default_branch: "main".into(),
        platforms: vec![platform("linux/amd64")],
        services,
        outputs: Outputs {
            compose: Some("compose.yaml".into()),
            k8s: Some("k8s".into()),
            env: Some(".env.example".into()),
            workflow: Some(".github/workflows/publish-images.yml".into()),
        },
        tags: TagPolicy {
            rules: [
                "type=ref,event=branch",
                "type=ref,event=pr",
                "type=semver,pattern={{version}}",
                "type=semver,pattern={{major}}.{{minor}}",
                "type=sha",
            ]
            .map(String::from)
            .to_vec(),
            flavor: vec!["latest=auto".into()],
            branches: vec!["main".into()],
            per_arch: false,
            arch_tag: "{tag}-{arch}".into(),
        },
        workflow: Workflow {
            runners,
            attest: false,
            pins: ActionPins::builtin(),
        },
        k8s: K8s {
            pull_secret: "ghcr-pull".into(),
            namespace: None,
            replicas: 1,
        },
        templates_dir: None,
        exclude: vec![],
    }
}

/// A platform the test knows is valid.
pub(crate) fn platform(s: &str) -> Platform {
    Platform::parse(s).unwrap_or_else(|| panic!("test platform {s} is not known"))
}

/// One image on one platform: `ghcr.io/acme-labs/axon-doc-nextjs`, amd64 only.
pub(crate) fn single_image() -> Model {
    model(
        "Acme-Labs",
        "axon-doc-nextjs",
        &[("axon-doc-nextjs", &["linux/amd64"])],
    )
}

/// Two services on amd64 and arm64, each on its native runner, with provenance attestation.
pub(crate) fn two_services_two_platforms() -> Model {
    let mut m = model(
        "acme-labs",
        "axon",
        &[
            ("api", &["linux/amd64", "linux/arm64"]),
            ("web", &["linux/amd64", "linux/arm64"]),
        ],
    );
    m.workflow.attest = true;
    m
}

/// Five services of mixed shapes: single- and multi-platform, one emulated (arm/v7 on QEMU),
/// a second branch publishing, and an owner with capitals.
pub(crate) fn five_services() -> Model {
    let mut m = model(
        "AcmeLabs",
        "platform",
        &[
            ("api", &["linux/amd64", "linux/arm64"]),
            ("docs", &["linux/amd64"]),
            ("edge", &["linux/amd64", "linux/arm64", "linux/arm/v7"]),
            ("worker", &["linux/arm64"]),
            ("web", &["linux/amd64", "linux/arm64"]),
        ],
    );
    m.workflow
        .runners
        .insert("linux/arm/v7".into(), Runner::Qemu("ubuntu-24.04".into()));
    m.tags.branches = vec!["main".into(), "release/*".into()];
    m
}

/// Per-platform tags `hf-{arch}-{tag}` on two platforms, arm64 emulated under QEMU, a
/// raw `latest` rule on the default branch and attestation on.
pub(crate) fn per_arch_qemu() -> Model {
    let mut m = model(
        "acme-labs",
        "hf-space",
        &[("hf-space", &["linux/amd64", "linux/arm64"])],
    );
    m.tags.per_arch = true;
    m.tags.arch_tag = "hf-{arch}-{tag}".into();
    m.tags.rules = [
        "type=semver,pattern={{version}}",
        "type=sha,prefix=sha-",
        "type=raw,value=latest,enable={{is_default_branch}}",
    ]
    .map(String::from)
    .to_vec();
    m.tags.flavor = vec!["latest=false".into()];
    m.workflow
        .runners
        .insert("linux/arm64".into(), Runner::Qemu("ubuntu-24.04".into()));
    m.workflow.attest = true;
    m
}

/// Every fixture by a name fit for file and snapshot names.
pub(crate) fn all() -> Vec<(&'static str, Model)> {
    vec![
        ("single_image", single_image()),
        ("two_services_two_platforms", two_services_two_platforms()),
        ("five_services", five_services()),
        ("per_arch_qemu", per_arch_qemu()),
    ]
}
