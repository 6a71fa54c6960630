//! The registries images are pushed to: GHCR (the default), Docker Hub, Quay, Amazon ECR,
//! Azure Container Registry and Google Artifact Registry, recognised from the host form
//! `registry` and `also` are written in, each with its naming rules and the way the
//! publishing workflow logs in to it.
//!
//! Every other host is rejected: the workflow could not log in to it. Everything is
//! lowercase: a host written with a capital letter is an error, not silently lowered.

use std::fmt;

/// One registry, parsed from its `registry` / `also` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// Which registry, with the parts of its host form.
    pub kind: RegistryKind,
    /// The host logged in to, e.g. `europe-west1-docker.pkg.dev`.
    pub host: String,
    /// What image paths start with: the host, plus `/<project>/<repo>` on Artifact Registry.
    pub prefix: String,
}

/// The registries ghcr-gen can publish to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryKind {
    /// `ghcr.io`, logged in to with the workflow's `GITHUB_TOKEN`.
    Ghcr,
    /// `docker.io`, secrets `DOCKERHUB_USERNAME` / `DOCKERHUB_TOKEN`.
    DockerHub,
    /// `quay.io`, secrets `QUAY_USERNAME` / `QUAY_TOKEN`.
    Quay,
    /// `<account>.dkr.ecr.<region>.amazonaws.com`, OIDC role `vars.AWS_ROLE_ARN`.
    Ecr { account: String, region: String },
    /// `<name>.azurecr.io`, secrets `ACR_USERNAME` / `ACR_PASSWORD`.
    Acr { name: String },
    /// `<region>-docker.pkg.dev/<project>/<repository>`, workload identity from
    /// `vars.GCP_WORKLOAD_IDENTITY_PROVIDER` and `vars.GCP_SERVICE_ACCOUNT`.
    Gar {
        region: String,
        project: String,
        repository: String,
    },
    /// Any other registry host (`host[:port]`: a self-hosted registry, Harbor, GitLab),
    /// secrets `REGISTRY_USERNAME` / `REGISTRY_PASSWORD`.
    Other,
}

/// Why a `registry` / `also` value is not a registry ghcr-gen publishes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    /// Written with a scheme (`https://`).
    Scheme,
    /// Contains an uppercase letter.
    Uppercase,
    /// A host with a path that none of the supported forms matches.
    Unknown(String),
    /// Another registry's host that is not a valid `host[:port]`.
    Host {
        host: String,
        problem: crate::model::naming::NameError,
    },
    /// An ECR host whose account is not 12 digits.
    EcrAccount(String),
    /// An ACR host whose name is not 5-50 letters and digits.
    AcrName(String),
    /// An Artifact Registry host without `/<project>/<repository>`.
    GarPath,
    /// An Artifact Registry project id that is not one Google Cloud accepts.
    GarProject(String),
    /// An Artifact Registry repository id that is not one Google Cloud accepts.
    GarRepository(String),
    /// A path after a host that takes none.
    Path(String),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Scheme => f.write_str("a registry is written without a scheme"),
            RegistryError::Uppercase => f.write_str("registries are written in lowercase"),
            RegistryError::Unknown(host) => write!(f, "`{host}` is not a valid registry host"),
            RegistryError::Host { host, problem } => {
                write!(f, "`{host}` is not a valid registry host: {problem}")
            }
            RegistryError::EcrAccount(a) => {
                write!(f, "ECR account `{a}` is not a 12-digit AWS account id")
            }
            RegistryError::AcrName(n) => write!(
                f,
                "ACR registry name `{n}` is not 5-50 lowercase letters and digits"
            ),
            RegistryError::GarPath => f.write_str(
                "an Artifact Registry host needs the project and repository: <region>-docker.pkg.dev/<project>/<repository>",
            ),
            RegistryError::GarProject(p) => write!(
                f,
                "project id `{p}` is not 6-30 lowercase letters, digits and hyphens starting with a letter"
            ),
            RegistryError::GarRepository(r) => write!(
                f,
                "repository id `{r}` is not lowercase letters, digits and hyphens starting with a letter (at most 63)"
            ),
            RegistryError::Path(p) => write!(f, "this registry takes no path (`/{p}`)"),
        }
    }
}

/// The forms `registry` and `also` accept, for help lines.
pub const FORMS: &str = "\"ghcr.io\", \"docker.io\", \"quay.io\", \"<account>.dkr.ecr.<region>.amazonaws.com\", \"<name>.azurecr.io\", \"<region>-docker.pkg.dev/<project>/<repository>\" or another registry's host[:port]";

impl Registry {
    /// Parses a `registry` / `also` value.
    pub fn parse(s: &str) -> Result<Registry, RegistryError> {
        if s.contains("://") {
            return Err(RegistryError::Scheme);
        }
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(RegistryError::Uppercase);
        }
        let (host, path) = match s.split_once('/') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        let simple = |kind: RegistryKind| match path {
            Some(p) => Err(RegistryError::Path(p.to_string())),
            None => Ok(Registry {
                kind,
                host: host.to_string(),
                prefix: host.to_string(),
            }),
        };
        let label = |l: &str| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        match host {
            "ghcr.io" => return simple(RegistryKind::Ghcr),
            "docker.io" => return simple(RegistryKind::DockerHub),
            "quay.io" => return simple(RegistryKind::Quay),
            _ => {}
        }
        if let Some(rest) = host.strip_suffix(".amazonaws.com")
            && let Some((account, region)) = rest.split_once(".dkr.ecr.")
            && label(region)
        {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RegistryError::EcrAccount(account.to_string()));
            }
            return simple(RegistryKind::Ecr {
                account: account.to_string(),
                region: region.to_string(),
            });
        }
        if let Some(name) = host.strip_suffix(".azurecr.io") {
            if !(5..=50).contains(&name.len())
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                return Err(RegistryError::AcrName(name.to_string()));
            }
            return simple(RegistryKind::Acr {
                name: name.to_string(),
            });
        }
        if let Some(region) = host.strip_suffix("-docker.pkg.dev")
            && label(region)
        {
            let mut parts = path.unwrap_or("").split('/');
            let (Some(project), Some(repository), None) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(RegistryError::GarPath);
            };
            if project.is_empty() || repository.is_empty() {
                return Err(RegistryError::GarPath);
            }
            let starts_lower = |s: &str| s.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
            if !(6..=30).contains(&project.len())
                || !label(project)
                || !starts_lower(project)
                || project.ends_with('-')
            {
                return Err(RegistryError::GarProject(project.to_string()));
            }
            if repository.len() > 63 || !label(repository) || !starts_lower(repository) {
                return Err(RegistryError::GarRepository(repository.to_string()));
            }
            return Ok(Registry {
                kind: RegistryKind::Gar {
                    region: region.to_string(),
                    project: project.to_string(),
                    repository: repository.to_string(),
                },
                host: host.to_string(),
                prefix: s.to_string(),
            });
        }
        if path.is_some() {
            return Err(RegistryError::Unknown(s.to_string()));
        }
        match crate::model::naming::check_registry(host) {
            Ok(()) => simple(RegistryKind::Other),
            Err(problem) => Err(RegistryError::Host {
                host: s.to_string(),
                problem,
            }),
        }
    }

    /// GHCR, the default.
    pub fn ghcr() -> Registry {
        Registry::parse("ghcr.io").expect("ghcr.io parses")
    }

    /// Whether this is GHCR.
    pub fn is_ghcr(&self) -> bool {
        self.kind == RegistryKind::Ghcr
    }

    /// Whether logging in uses the job's OIDC token (`id-token: write`).
    pub fn uses_oidc(&self) -> bool {
        matches!(
            self.kind,
            RegistryKind::Ecr { .. } | RegistryKind::Gar { .. }
        )
    }

    /// Whether repository paths are exactly `<namespace>/<name>` (Docker Hub, Quay): no
    /// nested package names.
    pub fn flat(&self) -> bool {
        matches!(self.kind, RegistryKind::DockerHub | RegistryKind::Quay)
    }

    /// The image reference of `package` under `namespace`, without tag.
    pub fn image(&self, namespace: &str, package: &str) -> String {
        format!("{}/{namespace}/{package}", self.prefix)
    }

    /// A short name for comments and step names: `Docker Hub`, `Amazon ECR`, ...
    pub fn label(&self) -> &'static str {
        match self.kind {
            RegistryKind::Ghcr => "GHCR",
            RegistryKind::DockerHub => "Docker Hub",
            RegistryKind::Quay => "Quay",
            RegistryKind::Ecr { .. } => "Amazon ECR",
            RegistryKind::Acr { .. } => "Azure Container Registry",
            RegistryKind::Gar { .. } => "Artifact Registry",
            RegistryKind::Other => "the registry",
        }
    }
}

/// A Docker Hub namespace (user or organisation): 4-30 lowercase letters and digits.
pub fn check_docker_hub_namespace(s: &str) -> Result<(), String> {
    if (4..=30).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(format!(
            "Docker Hub namespaces are 4-30 lowercase letters and digits, not `{s}`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_host_form_parses_to_its_kind() {
        assert!(Registry::parse("ghcr.io").unwrap().is_ghcr());
        assert_eq!(
            Registry::parse("docker.io").unwrap().kind,
            RegistryKind::DockerHub
        );
        assert_eq!(Registry::parse("quay.io").unwrap().kind, RegistryKind::Quay);
        let ecr = Registry::parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com").unwrap();
        assert_eq!(
            ecr.kind,
            RegistryKind::Ecr {
                account: "123456789012".into(),
                region: "eu-west-1".into()
            }
        );
        assert!(ecr.uses_oidc());
        let acr = Registry::parse("acmelabs.azurecr.io").unwrap();
        assert_eq!(acr.host, "acmelabs.azurecr.io");
        let gar = Registry::parse("europe-west1-docker.pkg.dev/acme-prod/images").unwrap();
        assert_eq!(gar.host, "europe-west1-docker.pkg.dev");
        assert_eq!(
            gar.image("acme", "api"),
            "europe-west1-docker.pkg.dev/acme-prod/images/acme/api"
        );
    }

    #[test]
    fn a_self_hosted_registry_is_another_registry_with_named_secrets() {
        let r = Registry::parse("registry.local:5000").unwrap();
        assert_eq!(r.kind, RegistryKind::Other);
        assert_eq!(r.host, "registry.local:5000");
    }

    #[test]
    fn unknown_uppercase_and_incomplete_hosts_are_rejected() {
        assert_eq!(Registry::parse("Docker.io"), Err(RegistryError::Uppercase));
        assert_eq!(
            Registry::parse("https://ghcr.io"),
            Err(RegistryError::Scheme)
        );
        assert!(matches!(
            Registry::parse("registry..local"),
            Err(RegistryError::Host { .. })
        ));
        assert!(matches!(
            Registry::parse("registry.local:5000/team"),
            Err(RegistryError::Unknown(_))
        ));
        assert_eq!(
            Registry::parse("europe-west1-docker.pkg.dev"),
            Err(RegistryError::GarPath)
        );
        assert_eq!(
            Registry::parse("europe-west1-docker.pkg.dev/acme-prod"),
            Err(RegistryError::GarPath)
        );
        assert!(matches!(
            Registry::parse("1234.dkr.ecr.us-east-1.amazonaws.com"),
            Err(RegistryError::EcrAccount(_))
        ));
        assert!(matches!(
            Registry::parse("ghcr.io/acme"),
            Err(RegistryError::Path(_))
        ));
        assert!(check_docker_hub_namespace("acme-labs").is_err());
        assert!(check_docker_hub_namespace("acmelabs").is_ok());
    }
}
