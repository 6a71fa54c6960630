//! The concrete fix of each cause, for this repository when its facts are known: the
//! package's settings URL, the exact `permissions:` lines, the login command, PAT scopes,
//! `--platform`, the published tag nearest to the one asked for.

use metadata_action::{GitContext, Inputs};

use super::categories::Category;
use super::explain::LogRef;
use super::facts::Facts;

/// What the fixes are built from.
pub struct Context<'a> {
    facts: &'a Facts,
    refs: &'a [LogRef],
    platform: Option<&'a str>,
    /// A reference the log pushes without a registry host.
    hostless: Option<&'a str>,
}

impl<'a> Context<'a> {
    /// The context of one explanation: the repository's facts, the references the log
    /// names, the platform it says is missing.
    pub fn new(
        facts: &'a Facts,
        refs: &'a [LogRef],
        platform: Option<&'a str>,
        hostless: Option<&'a str>,
    ) -> Self {
        Context {
            facts,
            refs,
            platform,
            hostless,
        }
    }

    /// The package concerned, as `owner/name` (lowercase): the log's reference to a
    /// configured image, else the log's first ghcr.io reference, else the config's only
    /// image.
    fn package(&self) -> Option<String> {
        let known = self.facts.images.as_deref().unwrap_or_default();
        let logged = || self.refs.iter().map(|r| r.path.to_ascii_lowercase());
        logged()
            .find(|p| known.iter().any(|i| i.path == *p))
            .or_else(|| logged().next())
            .or_else(|| match known {
                [one] => Some(one.path.clone()),
                _ => None,
            })
    }

    /// The package's settings page, as `org` or `user` page (both when unknown).
    fn settings(&self) -> String {
        let (owner, name) = match self.package() {
            Some(p) => match p.split_once('/') {
                Some((o, n)) => (o.to_string(), n.replace('/', "%2F")),
                None => ("OWNER".into(), p),
            },
            None => (
                self.facts
                    .owner_lc
                    .clone()
                    .unwrap_or_else(|| "OWNER".into()),
                "NAME".into(),
            ),
        };
        format!(
            "https://github.com/orgs/{owner}/packages/container/{name}/settings (organisation) \
             or https://github.com/users/{owner}/packages/container/{name}/settings (user account)"
        )
    }

    fn repository(&self) -> String {
        match (&self.facts.owner, &self.facts.repo) {
            (Some(o), Some(r)) => format!("{o}/{r}"),
            _ => "OWNER/REPO".into(),
        }
    }

    fn workflow(&self) -> String {
        self.facts
            .workflow
            .clone()
            .unwrap_or_else(|| "the publishing workflow".into())
    }

    fn images(&self) -> String {
        match self.facts.images.as_deref() {
            Some(images) if !images.is_empty() => images
                .iter()
                .map(|i| format!("ghcr.io/{}", i.path))
                .collect::<Vec<_>>()
                .join(", "),
            _ => "ghcr.io/OWNER/NAME".into(),
        }
    }
}

const LOGIN: &str = "echo \"$TOKEN\" | docker login ghcr.io -u USER --password-stdin";
const PAT: &str = "a classic PAT with `read:packages` (`write:packages` to push); fine-grained PATs do not work with GHCR";
const LOGIN_STEP: &str = "      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}";
const PERMISSIONS: &str = "    permissions:\n      contents: read\n      packages: write";

/// The fix of `category` in `ctx`.
pub fn fix(category: Category, ctx: &Context<'_>) -> String {
    use Category as C;
    let settings = ctx.settings();
    let repo = ctx.repository();
    match category {
        C::PackageNotLinked => format!(
            "give {repo} write access to the package: {settings} → Manage Actions access → Add repository → role Write; \
             new packages are linked by the `org.opencontainers.image.source=https://github.com/{repo}` label (ghcr-gen's workflow sets it); \
             or publish under a new name (`ghcr-gen rename --suffix -v2`)"
        ),
        C::PackageCreatedElsewhere => format!(
            "link the package to {repo}: {settings} → Connect repository (or Manage Actions access → Add repository → Write); \
             then push from the workflow with GITHUB_TOKEN, not a PAT"
        ),
        C::PackageOwnedByOtherRepo => format!(
            "an admin of the package adds {repo} under {settings} → Manage Actions access (role Write); \
             or publish under a new name (`ghcr-gen rename --name NEW`); a deleted package can be restored within 30 days from the owner's Packages settings"
        ),
        C::MissingPackagesWrite => format!(
            "grant it in the job that pushes, in {}:\n{PERMISSIONS}\n(repository Settings → Actions → General → Workflow permissions only sets the default)",
            ctx.workflow()
        ),
        C::ForkPrReadonlyToken => "build pull requests without logging in or pushing: add `if: github.event_name != 'pull_request'` to the login step and `push: ${{ github.event_name != 'pull_request' }}` to the build (never switch to `pull_request_target`: it runs the fork's code with write access)".into(),
        C::OrgPolicyRestriction => "an organisation owner allows write tokens: Organization settings → Actions → General → Workflow permissions → Read and write permissions (or let repositories choose); the job's `permissions: packages: write` then takes effect".into(),
        C::GithubAppToken => format!(
            "log in to ghcr.io with the workflow's own token in the job that pushes (App installation tokens cannot create organisation packages):\n{LOGIN_STEP}\nand grant it:\n{PERMISSIONS}"
        ),
        C::NoRegistryLogin => format!(
            "log in before the push, in the same job of {}:\n{LOGIN_STEP}\nlocally: `{LOGIN}` with {PAT}",
            ctx.workflow()
        ),
        C::ExpiredToken => format!(
            "create a new classic PAT (Settings → Developer settings → Personal access tokens → Tokens (classic)) with `write:packages` (it includes `read:packages`; fine-grained PATs do not work with GHCR), \
             update the secret and log in with `{LOGIN}`; a workflow pushing to its own owner's packages should use `secrets.GITHUB_TOKEN` instead (it never expires)"
        ),
        C::CredentialsOverwritten => "log in to ghcr.io once per job: drop the later login (`crane auth login ghcr.io`, a second docker/login-action) or give it the same GITHUB_TOKEN; crane, oras and helm read the Docker config docker/login-action wrote".into(),
        C::UppercaseName => {
            let wrong = ctx
                .refs
                .iter()
                .find(|r| r.path.bytes().any(|b| b.is_ascii_uppercase()));
            let example = match wrong {
                Some(r) => format!(
                    "write `ghcr.io/{}` instead of `ghcr.io/{}`; ",
                    r.path.to_ascii_lowercase(),
                    r.path
                ),
                None => String::new(),
            };
            format!(
                "{example}registry paths must be lowercase: in a workflow lowercase at run time (`IMAGE=ghcr.io/${{GITHUB_REPOSITORY_OWNER,,}}/NAME` in a script, or let docker/metadata-action name the image); `ghcr-gen render` writes lowercase names"
            )
        }
        C::TagMissingRegistryPrefix => {
            let owner = ctx.facts.owner_lc.clone().unwrap_or_else(|| "OWNER".into());
            let example = match (ctx.hostless, ctx.package()) {
                (Some(r), _) => format!("ghcr.io/{}", r.to_ascii_lowercase()),
                (None, Some(p)) => format!("ghcr.io/{p}:TAG"),
                (None, None) => format!("ghcr.io/{owner}/NAME:TAG"),
            };
            format!(
                "name the image with its registry host, `{example}`, in `docker build -t`/`docker tag`, `docker push` and build-push-action's `tags:`; \
                 without a host docker talks to Docker Hub"
            )
        }
        C::PrivatePackage => format!(
            "make it public ({settings} → Danger Zone → Change visibility), or log in before pulling: `{LOGIN}` with {PAT}; \
             a workflow of another repository needs Read under Manage Actions access"
        ),
        C::StaleLocalCredentials => format!(
            "`docker logout ghcr.io` (and `helm registry logout ghcr.io`), then pull again; or log in afresh: `{LOGIN}` with {PAT}"
        ),
        C::K8sMissingPullSecret => {
            let secret = ctx.facts.pull_secret.clone().unwrap_or_else(|| "ghcr-pull".into());
            let ns = ctx.facts.namespace.clone().unwrap_or_else(|| "<namespace>".into());
            format!(
                "create the pull secret with {PAT}: `kubectl -n {ns} create secret docker-registry {secret} --docker-server=ghcr.io --docker-username=<user> --docker-password=<token>` \
                 and reference it in the pod spec: `imagePullSecrets: [{{name: {secret}}}]` (ghcr-gen's manifests do); or make the package public"
            )
        }
        C::WrongImagePath => {
            let renamed = ctx.refs.iter().find(|r| {
                ctx.facts
                    .renamed_from
                    .contains(&r.path.to_ascii_lowercase())
            });
            match renamed {
                Some(r) => format!(
                    "`ghcr.io/{}` is an old name (`renamed_from`): pull {} (`ghcr-gen check` lists stale references)",
                    r.path,
                    ctx.images()
                ),
                None => format!(
                    "pull what CI publishes ({}); GHCR answers 401, not 404, for a path that does not exist, so compare owner, name and suffix before changing visibility",
                    ctx.images()
                ),
            }
        }
        C::TagMissing | C::WrongTag => {
            let asked = ctx.refs.iter().find_map(|r| Some((r, r.tag.as_deref()?)));
            let near = asked.and_then(|(r, t)| {
                let n = nearest(ctx.facts, t)?;
                Some(format!("ghcr.io/{}:{n}", r.path.to_ascii_lowercase()))
            });
            match (category, near) {
                (C::WrongTag, Some(n)) => format!("pull `{n}`, the published tag nearest to the one asked for (`ghcr-gen tags` lists what CI pushes)"),
                (_, Some(n)) => format!(
                    "pull a published tag (`{n}` is nearest; `ghcr-gen tags --ref refs/tags/vX.Y.Z` previews a release's tags), or run the workflow for the ref that publishes the tag; `:latest` exists only when a rule publishes it"
                ),
                _ => "pull a published tag (the package page lists them; `ghcr-gen tags` previews what CI pushes), or run the workflow for the ref that publishes it; an untagged reference means `:latest`, which exists only when a rule publishes it".into(),
            }
        }
        C::ChildManifestDeleted => "re-run the publishing workflow for the tag to push its platform manifests again, and stop deleting untagged versions blindly (`delete-only-untagged-versions` removes multi-arch children): use ghcr-gen's `[retention]` cleanup (dataaxiom/ghcr-cleanup-action keeps what every kept index refers to)".into(),
        C::PlatformMissing => {
            let p = ctx.platform.unwrap_or("linux/arm64");
            format!(
                "build for {p}: add it to `platforms` in registry.toml (e.g. `platforms = [\"linux/amd64\", \"{p}\"]`) and `ghcr-gen render`; meanwhile run the published platform emulated: `docker run --platform linux/amd64 IMAGE`"
            )
        }
        C::PlatformMislabeled => "fix the build: cross-compile for `$TARGETPLATFORM` (`FROM --platform=$BUILDPLATFORM` only for build stages, `GOARCH=$TARGETARCH`), not the runner's architecture; check with `docker run --rm --platform linux/arm64 IMAGE uname -m`".into(),
        C::AttestationUnknownPlatform => "nothing is broken: the `unknown/unknown` entries are provenance/SBOM attestations, never pulled; for a tidy package page set `[workflow] provenance = false` and `sbom = false` in registry.toml (or `provenance: false` on docker/build-push-action)".into(),
        C::RateLimit => format!(
            "wait for the `retry-after` time and retry; pull authenticated (`{LOGIN}`), pull each image once per job, and run fewer parallel jobs against the registry"
        ),
        C::GhcrIncident => "check https://www.githubstatus.com (Packages) and retry later; nothing in the repository needs to change".into(),
    }
}

/// The published tag nearest to `asked` under the repository's tag policy: `asked` itself
/// when a push to a publishing branch or a release tag of that version publishes it, else
/// the closest of those tags (edit distance at most a third of its length, at least 2);
/// `None` without a policy or without a close tag.
pub fn nearest(facts: &Facts, asked: &str) -> Option<String> {
    let candidates = published(facts, asked)?;
    if candidates.iter().any(|c| c == asked) {
        return Some(asked.to_string());
    }
    let limit = (asked.len() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (distance(&c, asked), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Tags the policy publishes for a push to each publishing branch and, when `asked` looks
/// like a version, for release tags of that version (with and without `v`).
fn published(facts: &Facts, asked: &str) -> Option<Vec<String>> {
    let policy = facts.tags.as_ref()?;
    let inputs = Inputs {
        images: Vec::new(),
        tags: Some(policy.rules.clone()),
        flavor: policy.flavor.clone(),
    };
    let now = jiff::Timestamp::UNIX_EPOCH;
    let fake_sha = "0000000000000000000000000000000000000000";
    let context = |git_ref: String| {
        GitContext::event(
            "push",
            git_ref,
            fake_sha,
            policy.default_branch.clone(),
            now,
        )
    };
    let mut refs: Vec<String> = policy
        .branches
        .iter()
        .filter(|b| !b.contains('*'))
        .map(|b| format!("refs/heads/{b}"))
        .collect();
    let version = asked.strip_prefix('v').unwrap_or(asked);
    if version.starts_with(|c: char| c.is_ascii_digit()) {
        refs.push(format!("refs/tags/v{version}"));
        refs.push(format!("refs/tags/{version}"));
    }
    let mut out = Vec::new();
    for r in refs {
        if let Ok(meta) = metadata_action::compute(&inputs, &context(r)) {
            out.extend(
                meta.tag_names
                    .into_iter()
                    .filter(|t| !t.contains("0000000")),
            );
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Levenshtein distance of two short strings (tags are at most 128 characters).
fn distance(a: &str, b: &str) -> usize {
    let short = |s: &str| s.chars().take(128).collect::<String>();
    crate::config::edit_distance(&short(a), &short(b))
}
