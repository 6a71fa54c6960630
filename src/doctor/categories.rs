//! The vocabulary `ghcr-gen doctor` answers with: one [`Category`] per established cause of
//! a GHCR failure (`shared/doctor/categories.md`), its slug, what it means and the fact
//! that tells it apart from the causes that print the same text.

/// One established cause of a GHCR failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    PackageNotLinked,
    PackageCreatedElsewhere,
    PackageOwnedByOtherRepo,
    MissingPackagesWrite,
    ForkPrReadonlyToken,
    OrgPolicyRestriction,
    GithubAppToken,
    NoRegistryLogin,
    ExpiredToken,
    CredentialsOverwritten,
    UppercaseName,
    TagMissingRegistryPrefix,
    PrivatePackage,
    StaleLocalCredentials,
    K8sMissingPullSecret,
    WrongImagePath,
    TagMissing,
    WrongTag,
    ChildManifestDeleted,
    PlatformMissing,
    PlatformMislabeled,
    AttestationUnknownPlatform,
    RateLimit,
    GhcrIncident,
}

impl Category {
    /// Every category, in the vocabulary's order.
    pub const ALL: [Category; 24] = [
        Category::PackageNotLinked,
        Category::PackageCreatedElsewhere,
        Category::PackageOwnedByOtherRepo,
        Category::MissingPackagesWrite,
        Category::ForkPrReadonlyToken,
        Category::OrgPolicyRestriction,
        Category::GithubAppToken,
        Category::NoRegistryLogin,
        Category::ExpiredToken,
        Category::CredentialsOverwritten,
        Category::UppercaseName,
        Category::TagMissingRegistryPrefix,
        Category::PrivatePackage,
        Category::StaleLocalCredentials,
        Category::K8sMissingPullSecret,
        Category::WrongImagePath,
        Category::TagMissing,
        Category::WrongTag,
        Category::ChildManifestDeleted,
        Category::PlatformMissing,
        Category::PlatformMislabeled,
        Category::AttestationUnknownPlatform,
        Category::RateLimit,
        Category::GhcrIncident,
    ];

    /// The slug doctor prints, e.g. `package-not-linked`.
    pub fn slug(self) -> &'static str {
        match self {
            Category::PackageNotLinked => "package-not-linked",
            Category::PackageCreatedElsewhere => "package-created-elsewhere",
            Category::PackageOwnedByOtherRepo => "package-owned-by-other-repo",
            Category::MissingPackagesWrite => "missing-packages-write",
            Category::ForkPrReadonlyToken => "fork-pr-readonly-token",
            Category::OrgPolicyRestriction => "org-policy-restriction",
            Category::GithubAppToken => "github-app-token",
            Category::NoRegistryLogin => "no-registry-login",
            Category::ExpiredToken => "expired-token",
            Category::CredentialsOverwritten => "credentials-overwritten",
            Category::UppercaseName => "uppercase-name",
            Category::TagMissingRegistryPrefix => "tag-missing-registry-prefix",
            Category::PrivatePackage => "private-package",
            Category::StaleLocalCredentials => "stale-local-credentials",
            Category::K8sMissingPullSecret => "k8s-missing-pull-secret",
            Category::WrongImagePath => "wrong-image-path",
            Category::TagMissing => "tag-missing",
            Category::WrongTag => "wrong-tag",
            Category::ChildManifestDeleted => "child-manifest-deleted",
            Category::PlatformMissing => "platform-missing",
            Category::PlatformMislabeled => "platform-mislabeled",
            Category::AttestationUnknownPlatform => "attestation-unknown-platform",
            Category::RateLimit => "rate-limit",
            Category::GhcrIncident => "ghcr-incident",
        }
    }

    /// The category with this slug.
    pub fn from_slug(slug: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.slug() == slug)
    }

    /// One line saying what the cause is.
    pub fn why(self) -> &'static str {
        match self {
            Category::PackageNotLinked => {
                "the package exists but this repository's workflow has no write access to it"
            }
            Category::PackageCreatedElsewhere => {
                "the package was first pushed by hand, with a PAT or by another tool, so it is not linked to this repository"
            }
            Category::PackageOwnedByOtherRepo => {
                "the package belongs to another repository (or to a deleted one of the same name)"
            }
            Category::MissingPackagesWrite => {
                "the workflow's GITHUB_TOKEN lacks `packages: write` (no grant, or a read-only default)"
            }
            Category::ForkPrReadonlyToken => {
                "a pull request from a fork runs with a read-only token and cannot push"
            }
            Category::OrgPolicyRestriction => {
                "the organisation's Actions settings force read-only workflow tokens"
            }
            Category::GithubAppToken => {
                "a GitHub App installation token cannot create or write the organisation's package"
            }
            Category::NoRegistryLogin => "the push runs without a login to ghcr.io",
            Category::ExpiredToken => "the PAT used to log in has expired or was revoked",
            Category::CredentialsOverwritten => {
                "a later step replaced the ghcr.io login in the shared Docker config"
            }
            Category::UppercaseName => {
                "the image path has uppercase letters (owner or repository spelled as on GitHub)"
            }
            Category::TagMissingRegistryPrefix => {
                "the tag has no `ghcr.io/` host, so the image is pushed to (or looked up for) Docker Hub"
            }
            Category::PrivatePackage => {
                "the package is private (new packages start private) and the puller has no access"
            }
            Category::StaleLocalCredentials => {
                "a stored ghcr.io credential is expired or empty and spoils pulls of a public image"
            }
            Category::K8sMissingPullSecret => {
                "the pod has no `imagePullSecrets` for a private package"
            }
            Category::WrongImagePath => {
                "the path names no existing package (GHCR answers 401, not 404, for unknown repositories)"
            }
            Category::TagMissing => {
                "the tag was never published (e.g. an implicit `:latest` the tag policy never pushes) or was removed"
            }
            Category::WrongTag => {
                "the tag is spelled differently from the published ones (`v1.2.3` vs `1.2.3`)"
            }
            Category::ChildManifestDeleted => {
                "a cleanup deleted the per-platform manifests under a multi-arch tag"
            }
            Category::PlatformMissing => "the image was not built for this host's platform",
            Category::PlatformMislabeled => {
                "the manifest names the right platform but holds binaries for another"
            }
            Category::AttestationUnknownPlatform => {
                "not an error: provenance/SBOM attestation manifests show as `unknown/unknown`"
            }
            Category::RateLimit => "too many requests to the registry",
            Category::GhcrIncident => "GHCR itself is failing (an outage)",
        }
    }

    /// The fact that confirms this cause against its look-alikes.
    pub fn confirm(self) -> &'static str {
        match self {
            Category::PackageNotLinked => {
                "the job already has `packages: write` and logs in fine; the package's Manage Actions access does not list this repository"
            }
            Category::PackageCreatedElsewhere => {
                "the package's first version was pushed outside this repository's workflow (its page shows no linked repository)"
            }
            Category::PackageOwnedByOtherRepo => {
                "the package's page names another repository under \"Connected repository\""
            }
            Category::MissingPackagesWrite => {
                "the workflow's `permissions:` (or the repository's default workflow permissions) grant no `packages: write`"
            }
            Category::ForkPrReadonlyToken => {
                "the failing run's event is `pull_request` from a fork (tags like `pr-N`)"
            }
            Category::OrgPolicyRestriction => {
                "the error persists after `packages: write` and an Actions-access grant; Organization settings → Actions → Workflow permissions is read-only"
            }
            Category::GithubAppToken => {
                "the login uses a token from actions/create-github-app-token (or another App installation token)"
            }
            Category::NoRegistryLogin => {
                "no docker/login-action (or `docker login ghcr.io`) runs before the push in the same job"
            }
            Category::ExpiredToken => {
                "it started failing without a workflow change, and the login uses a PAT secret"
            }
            Category::CredentialsOverwritten => {
                "a step after docker/login-action logs in to ghcr.io again (e.g. `crane auth login ghcr.io`) with another token"
            }
            Category::UppercaseName => "the image path in the failing command has a capital letter",
            Category::TagMissingRegistryPrefix => {
                "the failing reference has no host (`owner/name:tag`), or the log talks to docker.io"
            }
            Category::PrivatePackage => {
                "the package page shows Private; an anonymous pull token request for it is refused"
            }
            Category::StaleLocalCredentials => "`docker logout ghcr.io` and the same pull works",
            Category::K8sMissingPullSecret => {
                "the pod spec (or its ServiceAccount) has no `imagePullSecrets` naming a ghcr.io docker-registry Secret"
            }
            Category::WrongImagePath => {
                "the path differs from what CI publishes (owner, package name, suffix)"
            }
            Category::TagMissing => {
                "the tag is not among the package's published tags (the package page lists them)"
            }
            Category::WrongTag => {
                "a near miss is published: the same version with or without `v`, or another spelling"
            }
            Category::ChildManifestDeleted => {
                "the tag is visible on the package page but a platform digest under it answers `manifest unknown`; a cleanup deletes untagged versions"
            }
            Category::PlatformMissing => {
                "`docker buildx imagetools inspect IMAGE` lists no entry for this host's platform"
            }
            Category::PlatformMislabeled => {
                "the platform entry exists, but `file` on the binary inside shows another architecture"
            }
            Category::AttestationUnknownPlatform => {
                "the entries carry `vnd.docker.reference.type: attestation-manifest`"
            }
            Category::RateLimit => "the response is HTTP 429 / `toomanyrequests`",
            Category::GhcrIncident => {
                "anonymous pulls of a public image fail for unrelated projects too; https://www.githubstatus.com shows an incident"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_and_are_unique() {
        for c in Category::ALL {
            assert_eq!(Category::from_slug(c.slug()), Some(c));
        }
        let mut slugs: Vec<_> = Category::ALL.iter().map(|c| c.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), Category::ALL.len());
    }
}
