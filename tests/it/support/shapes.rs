//! Models for tests, built the way the binary builds them: registry.toml text through the
//! real loader ([`ghcr_gen::load::load`]), so a model can never hold what no config can.
//!
//! [`fixture`] loads one of `fixtures/*/registry.toml`; the named shapes below are the
//! workflows the workflow tests render and run, spelled out in TOML (every key they rely
//! on is written down, so a change of a default does not change what they test).

use ghcr_gen::model::Model;

use crate::support::tree::crate_path;

/// The fixtures under `fixtures/` that render a whole repository.
pub(crate) const FIXTURES: &[&str] = &[
    "single",
    "two-services",
    "five-services",
    "per-arch",
    "supply-chain",
    "registries",
    "variants",
];

/// The repositories under `fixtures/adopt/` with the owner and repository `adopt` is
/// given for each.
pub(crate) const ADOPT_FIXTURES: &[(&str, &str, &str)] = &[
    ("env-suffix", "Acme-Labs", "shop"),
    ("tr-env", "Acme-Labs", "Web-App"),
    ("param-output", "Acme-Labs", "notes"),
    ("format-call", "Acme-Labs", "store"),
    ("matrix-include", "acme", "shop"),
    ("bake", "acme", "shop"),
    ("per-arch", "acme", "edge-proxy"),
    ("variants", "Otel-Labs", "telemetry"),
    ("mirror", "acme", "relay"),
    ("helm-split", "acme", "chart-app"),
    ("fork", "fork-owner", "notes"),
    ("docs", "acme", "omnibus"),
];

/// The model of `fixtures/<name>/registry.toml`.
pub(crate) fn fixture(name: &str) -> Model {
    let path = crate_path(&format!("fixtures/{name}/registry.toml"));
    ghcr_gen::load::load(&path, "registry.toml")
        .unwrap_or_else(|d| panic!("fixture {name}: {}", d[0].render(false)))
}

/// The model of a registry.toml holding `text`; panics with the diagnostic if it is invalid.
pub(crate) fn from_toml(text: &str) -> Model {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.toml");
    std::fs::write(&path, text).unwrap();
    ghcr_gen::load::load(&path, "registry.toml")
        .unwrap_or_else(|d| panic!("{}\n{text}", d[0].render(false)))
}

/// What every shape shares: the output paths, tag rules, runners and Kubernetes settings
/// the workflow tests were written against.
const COMMON: &str = r#"
platforms = ["linux/amd64"]

[outputs]
compose = "compose.yaml"
k8s = "k8s"
env = ".env.example"
workflow = ".github/workflows/publish-images.yml"

[workflow.runners]
"linux/amd64" = "ubuntu-24.04"
"linux/arm64" = "ubuntu-24.04-arm"

[k8s]
pull_secret = "ghcr-pull"
replicas = 1
"#;

const DEFAULT_TAGS: &str = r#"
[tags]
rules = [
    "type=ref,event=branch",
    "type=ref,event=pr",
    "type=semver,pattern={{version}}",
    "type=semver,pattern={{major}}.{{minor}}",
    "type=sha",
]
flavor = ["latest=auto"]
branches = ["main"]
per_arch = false
arch_tag = "{tag}-{arch}"
"#;

/// A registry.toml for `owner/repo` with one service per `(name, platforms)` pair, each
/// listening on 8080: `./Dockerfile` for a lone service, `./<name>/Dockerfile` otherwise.
/// `extra` is appended (more tables, or keys of `[workflow]`/`[tags]` when it replaces
/// them).
pub(crate) fn config(owner: &str, repo: &str, services: &[(&str, &[&str])], extra: &str) -> String {
    let mut text =
        format!("owner = \"{owner}\"\nrepo = \"{repo}\"\ndefault_branch = \"main\"\n{COMMON}");
    for (name, platforms) in services {
        let context = if services.len() == 1 { "." } else { name };
        let platforms: Vec<String> = platforms.iter().map(|p| format!("\"{p}\"")).collect();
        text.push_str(&format!(
            "\n[services.{name}]\ncontext = \"{context}\"\nport = 8080\nplatforms = [{}]\n",
            platforms.join(", ")
        ));
    }
    text.push_str(extra);
    text
}

/// The model of [`config`] with the default tag rules and no attestation.
pub(crate) fn model(owner: &str, repo: &str, services: &[(&str, &[&str])]) -> Model {
    from_toml(&config(owner, repo, services, DEFAULT_TAGS))
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
    let services: &[(&str, &[&str])] = &[
        ("api", &["linux/amd64", "linux/arm64"]),
        ("web", &["linux/amd64", "linux/arm64"]),
    ];
    let extra = format!("{DEFAULT_TAGS}\n[workflow]\nattest = true\n");
    from_toml(&config("acme-labs", "axon", services, &extra))
}

/// Five services of mixed shapes: single- and multi-platform, one emulated (arm/v7 on QEMU),
/// a second branch publishing, and an owner with capitals.
pub(crate) fn five_services() -> Model {
    let services: &[(&str, &[&str])] = &[
        ("api", &["linux/amd64", "linux/arm64"]),
        ("docs", &["linux/amd64"]),
        ("edge", &["linux/amd64", "linux/arm64", "linux/arm/v7"]),
        ("worker", &["linux/arm64"]),
        ("web", &["linux/amd64", "linux/arm64"]),
    ];
    let text = config("AcmeLabs", "platform", services, DEFAULT_TAGS)
        .replace(
            "branches = [\"main\"]",
            "branches = [\"main\", \"release/*\"]",
        )
        .replace(
            "\"linux/arm64\" = \"ubuntu-24.04-arm\"\n",
            "\"linux/arm64\" = \"ubuntu-24.04-arm\"\n\"linux/arm/v7\" = \"qemu\"\n",
        );
    from_toml(&text)
}

/// Per-platform tags `hf-{arch}-{tag}` on two platforms, arm64 emulated under QEMU, a
/// raw `latest` rule on the default branch and attestation on.
pub(crate) fn per_arch_qemu() -> Model {
    let services: &[(&str, &[&str])] = &[("hf-space", &["linux/amd64", "linux/arm64"])];
    let extra = r#"
[tags]
rules = [
    "type=semver,pattern={{version}}",
    "type=sha,prefix=sha-",
    "type=raw,value=latest,enable={{is_default_branch}}",
]
flavor = ["latest=false"]
branches = ["main"]
per_arch = true
arch_tag = "hf-{arch}-{tag}"

[workflow]
attest = true
"#;
    let text = config("acme-labs", "hf-space", services, extra).replace(
        "\"linux/arm64\" = \"ubuntu-24.04-arm\"",
        "\"linux/arm64\" = \"qemu\"",
    );
    from_toml(&text)
}

/// Signing and SBOMs without GitHub attestations or BuildKit provenance, per-arch tags on
/// a QEMU leg: a single-platform service signed in the build job, a multi-platform one
/// signed in the merge job.
pub(crate) fn signed_without_provenance() -> Model {
    let services: &[(&str, &[&str])] = &[
        ("api", &["linux/amd64", "linux/arm64"]),
        ("cli", &["linux/amd64"]),
    ];
    let extra = format!(
        "{}\n[workflow]\nattest = false\nprovenance = false\nsbom = true\nsign = true\n",
        DEFAULT_TAGS.replace("per_arch = false", "per_arch = true")
    );
    let text = config("acme-labs", "signed", services, &extra).replace(
        "\"linux/arm64\" = \"ubuntu-24.04-arm\"",
        "\"linux/arm64\" = \"qemu\"",
    );
    from_toml(&text)
}

/// Every shape by a name fit for file and snapshot names.
pub(crate) fn all() -> Vec<(&'static str, Model)> {
    vec![
        ("single_image", single_image()),
        ("two_services_two_platforms", two_services_two_platforms()),
        ("five_services", five_services()),
        ("per_arch_qemu", per_arch_qemu()),
        ("signed_without_provenance", signed_without_provenance()),
    ]
}
