//! `ghcr-gen doctor --explain`: error texts written for this project in the styles of
//! docker, buildx, podman, crane, helm, kubelet and containerd, at least three per cause
//! of the vocabulary, each pinned to its top cause; look-alike texts pinned to their
//! ranking; every text explained the same when buried in a noisy CI log; the CLI's text
//! and JSON shapes.

use ghcr_gen::doctor::facts::{Facts, TokenSource};
use ghcr_gen::doctor::{Category, explain};

use crate::support::run::ghcr_gen_command;
use crate::support::shapes::from_toml;
use crate::support::tree::temp_tree;

/// The repository the texts are explained against (when a case says so): two services,
/// `nextjs` on amd64 only and once named `axon-doc-web`, and `crawler`.
const REPO: &str = r#"
owner = "Acme-Labs"
repo = "axon-doc"
platforms = ["linux/amd64"]

[services.nextjs]
port = 3000
renamed_from = ["ghcr.io/acme-labs/axon-doc-web"]

[services.crawler]
context = "crawler"
"#;

/// What the explainer knows of the repository in a case.
#[derive(Clone, Copy, Debug)]
enum Repo {
    /// No repository: the text alone.
    None,
    /// [`REPO`] with ghcr-gen's generated workflow.
    Generated,
    /// The repository's workflow logs in with a PAT and scripts push by hand.
    ManualPat,
    /// The workflow logs in with a GitHub App token.
    App,
    /// The workflow's jobs have no `packages: write`.
    NoWrite,
    /// The workflow pushes without logging in.
    NoLogin,
    /// The workflow logs in a second time (`crane auth login`).
    SecondLogin,
    /// The workflow pushes on pull requests.
    PrPushes,
    /// A cleanup job deletes untagged versions.
    UntaggedCleanup,
}

fn facts(repo: Repo) -> Facts {
    if let Repo::None = repo {
        return Facts::default();
    }
    let mut f = Facts::from_model(&from_toml(REPO));
    match repo {
        Repo::None | Repo::Generated => {}
        Repo::ManualPat => {
            f.token = Some(TokenSource::Pat);
            f.manual_pushes = Some(true);
        }
        Repo::App => f.token = Some(TokenSource::App),
        Repo::NoWrite => f.packages_write = Some(false),
        Repo::NoLogin => f.login_before_push = Some(false),
        Repo::SecondLogin => f.second_login = Some(true),
        Repo::PrPushes => f.pr_pushes = Some(true),
        Repo::UntaggedCleanup => f.untagged_cleanup = Some(true),
    }
    f
}

/// (expected top cause, repository, text).
const CASES: &[(&str, Repo, &str)] = &[
    // package-not-linked
    (
        "package-not-linked",
        Repo::Generated,
        "#14 exporting to image\n#14 pushing layers 2.1s done\n#14 ERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: permission_denied: write_package\n------\n > exporting to image:\n------\nERROR: failed to solve: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: permission_denied: write_package",
    ),
    (
        "package-not-linked",
        Repo::Generated,
        "The push refers to repository [ghcr.io/acme-labs/axon-doc-crawler]\n5f70bf18a086: Preparing\n9c1b6dd6c1e6: Preparing\ndenied: permission_denied: write_package",
    ),
    (
        "package-not-linked",
        Repo::Generated,
        "Getting image source signatures\nCopying blob sha256:6e771e15690e2fabf2332d3a3b744495411d6e0b00b2aea64419b58b0066cf81\nError: writing blob: initiating layer upload to /v2/acme-labs/axon-doc-nextjs/blobs/uploads/ in ghcr.io: 403 (Forbidden)",
    ),
    (
        "package-not-linked",
        Repo::None,
        "2026/03/02 10:11:12 pushing ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\nError: PUT https://ghcr.io/v2/acme-labs/axon-doc-nextjs/manifests/1.4.0: DENIED: permission_denied: write_package",
    ),
    // package-created-elsewhere
    (
        "package-created-elsewhere",
        Repo::ManualPat,
        "$ docker push ghcr.io/acme-labs/axon-doc-nextjs:dev\nThe push refers to repository [ghcr.io/acme-labs/axon-doc-nextjs]\ndenied: permission_denied: write_package",
    ),
    (
        "package-created-elsewhere",
        Repo::ManualPat,
        "#21 pushing layers\n#21 ERROR: unexpected status: 403 Forbidden\nERROR: failed to solve: failed to push ghcr.io/acme-labs/axon-doc-crawler:main: unexpected status from POST request to https://ghcr.io/v2/acme-labs/axon-doc-crawler/blobs/uploads/: 403 Forbidden",
    ),
    (
        "package-created-elsewhere",
        Repo::ManualPat,
        "Uploading 5d8a3b1e2c4f config.json\nError: failed to push ghcr.io/acme-labs/axon-doc-nextjs:sbom: PUT \"https://ghcr.io/v2/acme-labs/axon-doc-nextjs/manifests/sbom\": response status code 403: denied: permission_denied: write_package",
    ),
    // package-owned-by-other-repo
    (
        "package-owned-by-other-repo",
        Repo::None,
        "#19 ERROR: failed to push ghcr.io/acme-labs/shared-base:22: denied: permission_denied: read_package",
    ),
    (
        "package-owned-by-other-repo",
        Repo::Generated,
        "The push refers to repository [ghcr.io/acme-labs/shared-base]\ndenied: permission_denied: write_package",
    ),
    (
        "package-owned-by-other-repo",
        Repo::None,
        "crane push image.tar ghcr.io/acme-labs/axon-doc-nextjs:2.0.0\nError: HEAD https://ghcr.io/v2/acme-labs/axon-doc-nextjs/blobs/sha256:4b2e: unexpected status code 403 Forbidden (HEAD responses have no body, use GET for details)\nError: failed to push: DENIED: permission_denied: read_package",
    ),
    // missing-packages-write
    (
        "missing-packages-write",
        Repo::None,
        "#22 ERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: installation not allowed to Create organization package",
    ),
    (
        "missing-packages-write",
        Repo::NoWrite,
        "The push refers to repository [ghcr.io/acme-labs/axon-doc-crawler]\n1a2b3c4d5e6f: Preparing\ndenied: installation not allowed to Write organization package",
    ),
    (
        "missing-packages-write",
        Repo::None,
        "Writing manifest to image destination\nError: writing manifest: uploading manifest main to ghcr.io/acme-labs/axon-doc-nextjs: denied: installation not allowed to Write organization package",
    ),
    // fork-pr-readonly-token
    (
        "fork-pr-readonly-token",
        Repo::None,
        "#20 naming to ghcr.io/acme-labs/axon-doc-nextjs:pr-42 done\n#20 pushing layers\nERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:pr-42: denied: installation not allowed to Create organization package",
    ),
    (
        "fork-pr-readonly-token",
        Repo::None,
        "Run docker/build-push-action@v6\n  env:\n    GITHUB_EVENT_NAME: pull_request\n    GITHUB_REF: refs/pull/17/merge\nERROR: failed to push ghcr.io/acme-labs/axon-doc-crawler:pr-17: denied: installation not allowed to Write organization package",
    ),
    (
        "fork-pr-readonly-token",
        Repo::PrPushes,
        "The push refers to repository [ghcr.io/acme-labs/axon-doc-nextjs]\ndenied: installation not allowed to Create organization package",
    ),
    // org-policy-restriction
    (
        "org-policy-restriction",
        Repo::Generated,
        "ERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: installation not allowed to Write organization package",
    ),
    (
        "org-policy-restriction",
        Repo::Generated,
        "The push refers to repository [ghcr.io/acme-labs/axon-doc-crawler]\ndenied: installation not allowed to Create organization package",
    ),
    (
        "org-policy-restriction",
        Repo::Generated,
        "buildx imagetools create -t ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\nERROR: failed commit on ref \"index-sha256:77aa\": denied: installation not allowed to Write organization package",
    ),
    // github-app-token
    (
        "github-app-token",
        Repo::None,
        "Error: POST https://ghcr.io/v2/acme-labs/axon-doc-nextjs/blobs/uploads/: DENIED: permission_denied: installation not allowed to Create organization package",
    ),
    (
        "github-app-token",
        Repo::None,
        "Run actions/create-github-app-token@v2\n  app-id: 123456\nRun docker push ghcr.io/acme-labs/axon-doc-nextjs:main\ndenied: installation not allowed to Write organization package",
    ),
    (
        "github-app-token",
        Repo::App,
        "#30 ERROR: failed to push ghcr.io/acme-labs/axon-doc-crawler:main: denied: installation not allowed to Create organization package",
    ),
    // no-registry-login
    (
        "no-registry-login",
        Repo::None,
        "The push refers to repository [ghcr.io/acme-labs/axon-doc-nextjs]\n8d3ac3489996: Preparing\nunauthorized: unauthenticated: User cannot be authenticated with the token provided.",
    ),
    (
        "no-registry-login",
        Repo::None,
        "ERROR: failed to solve: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme-labs%2Faxon-doc-nextjs%3Apull%2Cpush&service=ghcr.io: 401 Unauthorized",
    ),
    (
        "no-registry-login",
        Repo::NoLogin,
        "#18 exporting manifest list sha256:0c1d done\n#18 ERROR: failed to put manifest ghcr.io/acme-labs/axon-doc-crawler:main: unexpected status: 401 Unauthorized",
    ),
    // expired-token
    (
        "expired-token",
        Repo::None,
        "Run docker/login-action@v3\nLogging into ghcr.io...\nError: Error response from daemon: Get \"https://ghcr.io/v2/\": denied: denied",
    ),
    (
        "expired-token",
        Repo::None,
        "$ echo \"$CR_PAT\" | docker login ghcr.io -u octocat --password-stdin\nError response from daemon: Get \"https://ghcr.io/v2/\": unauthorized: authentication required",
    ),
    (
        "expired-token",
        Repo::None,
        "$ helm registry login ghcr.io -u octocat --password-stdin\nError: login attempt to https://ghcr.io/v2/ failed with status: 401 Unauthorized",
    ),
    (
        "expired-token",
        Repo::None,
        "$ podman login ghcr.io -u octocat\nPassword:\nError: logging into \"ghcr.io\": invalid username/password",
    ),
    // credentials-overwritten
    (
        "credentials-overwritten",
        Repo::None,
        "Run docker/login-action@v3\nLogin Succeeded!\nRun crane auth login ghcr.io -u release-bot --password-stdin\n2026/03/02 10:00:01 logged in via /home/runner/.docker/config.json\nError: PUT https://ghcr.io/v2/acme-labs/axon-doc-nextjs/manifests/main: DENIED: permission_denied: write_package",
    ),
    (
        "credentials-overwritten",
        Repo::SecondLogin,
        "ERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: permission_denied: write_package",
    ),
    (
        "credentials-overwritten",
        Repo::None,
        "Run oras login ghcr.io -u bot --password-stdin\nLogin Succeeded\nRun docker push ghcr.io/acme-labs/axon-doc-crawler:main\nThe push refers to repository [ghcr.io/acme-labs/axon-doc-crawler]\nunexpected status: 403 Forbidden",
    ),
    // uppercase-name
    (
        "uppercase-name",
        Repo::None,
        "docker: invalid reference format: repository name (Acme-Labs/axon-doc) must be lowercase.\nSee 'docker run --help'.",
    ),
    (
        "uppercase-name",
        Repo::None,
        "ERROR: invalid tag \"ghcr.io/Acme-Labs/axon-doc-nextjs:main\": repository name must be lowercase",
    ),
    (
        "uppercase-name",
        Repo::None,
        "Error: tag ghcr.io/Acme-Labs/axon-doc:latest: invalid reference format: repository name must be lowercase",
    ),
    // tag-missing-registry-prefix
    (
        "tag-missing-registry-prefix",
        Repo::None,
        "The push refers to repository [docker.io/acme-labs/axon-doc-nextjs]\n2c8a7f0e: Preparing\ndenied: requested access to the resource is denied",
    ),
    (
        "tag-missing-registry-prefix",
        Repo::Generated,
        "ERROR: failed to solve: failed to push acme-labs/axon-doc-nextjs:main: insufficient_scope: authorization failed",
    ),
    (
        "tag-missing-registry-prefix",
        Repo::None,
        "$ docker push ghcr.io/acme-labs/axon-doc-nextjs\nUsing default tag: latest\nThe push refers to repository [ghcr.io/acme-labs/axon-doc-nextjs]\nAn image does not exist locally with the tag: ghcr.io/acme-labs/axon-doc-nextjs",
    ),
    (
        "tag-missing-registry-prefix",
        Repo::None,
        "Error: trying to reuse blob sha256:9f3a at destination: checking whether a blob sha256:9f3a exists in docker.io/acme-labs/axon-doc: authentication required\nError: writing blob: requested access to the resource is denied",
    ),
    // private-package
    (
        "private-package",
        Repo::None,
        "Unable to find image 'ghcr.io/acme-labs/axon-doc-nextjs:1.4.0' locally\ndocker: Error response from daemon: Head \"https://ghcr.io/v2/acme-labs/axon-doc-nextjs/manifests/1.4.0\": unauthorized.",
    ),
    (
        "private-package",
        Repo::Generated,
        "$ curl -s https://ghcr.io/v2/acme-labs/axon-doc-crawler/tags/list\n{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}",
    ),
    (
        "private-package",
        Repo::None,
        "$ docker pull ghcr.io/acme-labs/axon-doc-nextjs:main\nError response from daemon: denied",
    ),
    (
        "private-package",
        Repo::None,
        "$ helm pull oci://ghcr.io/acme-labs/charts/axon --version 0.3.0\nError: failed to download \"oci://ghcr.io/acme-labs/charts/axon\": GET \"https://ghcr.io/v2/acme-labs/charts/axon/manifests/0.3.0\": 403: denied",
    ),
    // stale-local-credentials
    (
        "stale-local-credentials",
        Repo::None,
        "$ docker pull ghcr.io/acme-labs/axon-doc-nextjs:latest\nError response from daemon: Head \"https://ghcr.io/v2/acme-labs/axon-doc-nextjs/manifests/latest\": denied: denied",
    ),
    (
        "stale-local-credentials",
        Repo::None,
        "$ helm install axon oci://ghcr.io/acme-labs/charts/axon\nError: INSTALLATION FAILED: failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme-labs%2Fcharts%2Faxon%3Apull&service=ghcr.io: 403 Forbidden",
    ),
    (
        "stale-local-credentials",
        Repo::None,
        "$ crane pull ghcr.io/acme-labs/axon-doc-crawler:main crawler.tar\nError: GET https://ghcr.io/token?scope=repository%3Aacme-labs%2Faxon-doc-crawler%3Apull&service=ghcr.io: DENIED: denied",
    ),
    // k8s-missing-pull-secret
    (
        "k8s-missing-pull-secret",
        Repo::None,
        "Events:\n  Type     Reason     Age                From     Message\n  Normal   Pulling    50s (x3 over 2m)   kubelet  Pulling image \"ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\"\n  Warning  Failed     50s (x3 over 2m)   kubelet  Failed to pull image \"ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\": failed to pull and unpack image \"ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\": failed to resolve reference \"ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme-labs%2Faxon-doc-nextjs%3Apull&service=ghcr.io: 401 Unauthorized\n  Warning  Failed     50s (x3 over 2m)   kubelet  Error: ErrImagePull\n  Normal   BackOff    12s (x5 over 2m)   kubelet  Back-off pulling image \"ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\"\n  Warning  Failed     12s (x5 over 2m)   kubelet  Error: ImagePullBackOff",
    ),
    (
        "k8s-missing-pull-secret",
        Repo::None,
        "$ kubectl get pods -n axon\nNAME                          READY   STATUS             RESTARTS   AGE\naxon-doc-crawler-5c9d7-abcde  0/1     ImagePullBackOff   0          3m\n$ kubectl describe pod axon-doc-crawler-5c9d7-abcde -n axon | tail -2\n  Warning  Failed  kubelet  Failed to pull image \"ghcr.io/acme-labs/axon-doc-crawler:main\": rpc error: code = Unknown desc = failed to pull and unpack image: unexpected status: 401 Unauthorized",
    ),
    (
        "k8s-missing-pull-secret",
        Repo::Generated,
        "Warning  Failed  kubelet  Failed to pull image \"ghcr.io/acme-labs/axon-doc-nextjs:main\": rpc error: code = Unknown desc = reading manifest main in ghcr.io/acme-labs/axon-doc-nextjs: unauthorized: authentication required",
    ),
    // wrong-image-path
    (
        "wrong-image-path",
        Repo::Generated,
        "$ docker pull ghcr.io/acme-labs/axon-doc-next:latest\nError response from daemon: Head \"https://ghcr.io/v2/acme-labs/axon-doc-next/manifests/latest\": unauthorized",
    ),
    (
        "wrong-image-path",
        Repo::Generated,
        "$ podman pull ghcr.io/acme-labs/axon-doc-web:1.4.0\nTrying to pull ghcr.io/acme-labs/axon-doc-web:1.4.0...\nError: initializing source docker://ghcr.io/acme-labs/axon-doc-web:1.4.0: reading manifest 1.4.0 in ghcr.io/acme-labs/axon-doc-web: unauthorized: authentication required",
    ),
    (
        "wrong-image-path",
        Repo::Generated,
        "ctr: failed to resolve reference \"ghcr.io/acme-labs/axon-doc-crawlr:main\": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized",
    ),
    // tag-missing
    (
        "tag-missing",
        Repo::Generated,
        "$ docker pull ghcr.io/acme-labs/axon-doc-nextjs\nUsing default tag: latest\nError response from daemon: manifest unknown",
    ),
    (
        "tag-missing",
        Repo::Generated,
        "[+] Running 0/1\n ⠿ nextjs Error  1.2s\nError response from daemon: manifest for ghcr.io/acme-labs/axon-doc-nextjs:staging not found: manifest unknown: manifest unknown",
    ),
    (
        "tag-missing",
        Repo::Generated,
        "ctr: failed to resolve reference \"ghcr.io/acme-labs/axon-doc-nextjs:2.0.0\": ghcr.io/acme-labs/axon-doc-nextjs:2.0.0: not found",
    ),
    (
        "tag-missing",
        Repo::None,
        "main: Pulling from acme-labs/axon-doc-crawler\nmanifest unknown: manifest unknown",
    ),
    // wrong-tag
    (
        "wrong-tag",
        Repo::Generated,
        "Error response from daemon: manifest for ghcr.io/acme-labs/axon-doc-nextjs:v1.2.3 not found: manifest unknown: manifest unknown",
    ),
    (
        "wrong-tag",
        Repo::Generated,
        "Error: initializing source docker://ghcr.io/acme-labs/axon-doc-crawler:v2.0.1: reading manifest v2.0.1 in ghcr.io/acme-labs/axon-doc-crawler: manifest unknown",
    ),
    (
        "wrong-tag",
        Repo::Generated,
        "Warning  Failed  kubelet  Failed to pull image \"ghcr.io/acme-labs/axon-doc-nextjs:v1.4.0\": rpc error: code = NotFound desc = failed to pull and unpack image \"ghcr.io/acme-labs/axon-doc-nextjs:v1.4.0\": failed to resolve reference \"ghcr.io/acme-labs/axon-doc-nextjs:v1.4.0\": ghcr.io/acme-labs/axon-doc-nextjs:v1.4.0: not found",
    ),
    // child-manifest-deleted
    (
        "child-manifest-deleted",
        Repo::None,
        "Trying to pull ghcr.io/acme-labs/axon-doc-nextjs:1.4.0...\nError: reading manifest sha256:3f4e5d6c7b8a99887766554433221100ffeeddccbbaa99887766554433221100 in ghcr.io/acme-labs/axon-doc-nextjs: manifest unknown",
    ),
    (
        "child-manifest-deleted",
        Repo::None,
        "ctr: failed to copy: httpReadSeeker: failed open: content at https://ghcr.io/v2/acme-labs/axon-doc-nextjs/manifests/sha256:9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9 not found: not found",
    ),
    (
        "child-manifest-deleted",
        Repo::UntaggedCleanup,
        "$ docker pull --platform linux/arm64 ghcr.io/acme-labs/axon-doc-crawler:1.4.0\n1.4.0: Pulling from acme-labs/axon-doc-crawler\nmanifest unknown",
    ),
    // platform-missing
    (
        "platform-missing",
        Repo::None,
        "$ docker run ghcr.io/acme-labs/axon-doc-nextjs:main\ndocker: no matching manifest for linux/arm64/v8 in the manifest list entries.",
    ),
    (
        "platform-missing",
        Repo::None,
        "WARNING: The requested image's platform (linux/amd64) does not match the detected host platform (linux/arm64/v8) and no specific platform was requested\nexec /usr/local/bin/server: exec format error",
    ),
    (
        "platform-missing",
        Repo::None,
        "ctr: failed to unpack image on snapshotter overlayfs: no match for platform in manifest: not found",
    ),
    (
        "platform-missing",
        Repo::Generated,
        "Error: choosing an image from manifest list docker://ghcr.io/acme-labs/axon-doc-nextjs:main: no image found in manifest list for architecture arm64, variant \"v8\", OS linux",
    ),
    // platform-mislabeled
    (
        "platform-mislabeled",
        Repo::None,
        "standard_init_linux.go:228: exec user process caused: exec format error",
    ),
    (
        "platform-mislabeled",
        Repo::None,
        "Warning  BackOff  kubelet  Back-off restarting failed container\n$ kubectl logs axon-doc-crawler-5c9d7-abcde\nexec /app/crawler: exec format error",
    ),
    (
        "platform-mislabeled",
        Repo::None,
        "axon-nextjs-1  | exec /usr/local/bin/docker-entrypoint.sh: exec format error\naxon-nextjs-1 exited with code 1",
    ),
    // attestation-unknown-platform
    (
        "attestation-unknown-platform",
        Repo::None,
        "$ docker buildx imagetools inspect ghcr.io/acme-labs/axon-doc-nextjs:main\nManifests:\n  Name:        ghcr.io/acme-labs/axon-doc-nextjs:main@sha256:aa11\n  Platform:    linux/amd64\n\n  Name:        ghcr.io/acme-labs/axon-doc-nextjs:main@sha256:bb22\n  Platform:    unknown/unknown\n  Annotations:\n    vnd.docker.reference.digest: sha256:aa11\n    vnd.docker.reference.type:   attestation-manifest",
    ),
    (
        "attestation-unknown-platform",
        Repo::Generated,
        "Why does the package page list OS/Arch unknown/unknown next to linux/amd64 for axon-doc-nextjs?",
    ),
    (
        "attestation-unknown-platform",
        Repo::None,
        "{\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"annotations\": {\"vnd.docker.reference.type\": \"attestation-manifest\"}, \"platform\": {\"architecture\": \"unknown\", \"os\": \"unknown\"}}",
    ),
    // rate-limit
    (
        "rate-limit",
        Repo::None,
        "ERROR: failed to solve: ghcr.io/acme-labs/axon-doc-nextjs:main: failed to copy: toomanyrequests: retry-after: 153.4µs, allowed: 44000/minute",
    ),
    (
        "rate-limit",
        Repo::None,
        "Error: GET https://ghcr.io/v2/acme-labs/axon-doc-nextjs/manifests/main: TOOMANYREQUESTS: too many requests",
    ),
    (
        "rate-limit",
        Repo::None,
        "Warning  Failed  kubelet  Failed to pull image \"ghcr.io/acme-labs/axon-doc-nextjs:main\": unexpected status code 429 Too Many Requests",
    ),
    // ghcr-incident
    (
        "ghcr-incident",
        Repo::None,
        "$ docker pull ghcr.io/acme-labs/axon-doc-nextjs:1.4.0\n1.4.0: Pulling from acme-labs/axon-doc-nextjs\nerror pulling image configuration: download failed after attempts=6: unauthorized: unauthenticated: User cannot be authenticated with the token provided.",
    ),
    (
        "ghcr-incident",
        Repo::None,
        "Error: reading blob sha256:77aa: fetching blob: received unexpected HTTP status: 503 Service Unavailable",
    ),
    (
        "ghcr-incident",
        Repo::None,
        "ctr: failed to copy: httpReadSeeker: failed open: unexpected status code https://ghcr.io/v2/acme-labs/axon-doc-nextjs/blobs/sha256:77aa: 502 Bad Gateway",
    ),
];

fn ranking(text: &str, repo: Repo) -> Vec<&'static str> {
    explain(text, &facts(repo))
        .causes
        .iter()
        .map(|c| c.category.slug())
        .collect()
}

/// Checks every case of `slug`: its text's top cause is `slug`.
fn check_slug(slug: &str) {
    let mut n = 0;
    for (expected, repo, text) in CASES.iter().filter(|c| c.0 == slug) {
        n += 1;
        let got = ranking(text, *repo);
        assert_eq!(
            got.first().copied(),
            Some(*expected),
            "top cause of ({repo:?}):\n{text}\nranking: {got:?}"
        );
    }
    assert!(n >= 3, "{slug} has {n} texts, needs 3");
}

macro_rules! slug_tests {
    ($($name:ident => $slug:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_slug($slug);
            }
        )*

        #[test]
        fn every_slug_of_the_vocabulary_has_its_test() {
            let tested = [$($slug),*];
            for c in Category::ALL {
                assert!(tested.contains(&c.slug()), "no test for {}", c.slug());
            }
        }
    };
}

slug_tests! {
    explains_package_not_linked => "package-not-linked",
    explains_package_created_elsewhere => "package-created-elsewhere",
    explains_package_owned_by_other_repo => "package-owned-by-other-repo",
    explains_missing_packages_write => "missing-packages-write",
    explains_fork_pr_readonly_token => "fork-pr-readonly-token",
    explains_org_policy_restriction => "org-policy-restriction",
    explains_github_app_token => "github-app-token",
    explains_no_registry_login => "no-registry-login",
    explains_expired_token => "expired-token",
    explains_credentials_overwritten => "credentials-overwritten",
    explains_uppercase_name => "uppercase-name",
    explains_tag_missing_registry_prefix => "tag-missing-registry-prefix",
    explains_private_package => "private-package",
    explains_stale_local_credentials => "stale-local-credentials",
    explains_k8s_missing_pull_secret => "k8s-missing-pull-secret",
    explains_wrong_image_path => "wrong-image-path",
    explains_tag_missing => "tag-missing",
    explains_wrong_tag => "wrong-tag",
    explains_child_manifest_deleted => "child-manifest-deleted",
    explains_platform_missing => "platform-missing",
    explains_platform_mislabeled => "platform-mislabeled",
    explains_attestation_unknown_platform => "attestation-unknown-platform",
    explains_rate_limit => "rate-limit",
    explains_ghcr_incident => "ghcr-incident",
}

#[test]
fn write_package_alone_ranks_the_linking_causes_first() {
    let got = ranking("denied: permission_denied: write_package", Repo::None);
    assert_eq!(
        got,
        [
            "package-not-linked",
            "package-created-elsewhere",
            "package-owned-by-other-repo",
            "credentials-overwritten"
        ]
    );
}

#[test]
fn installation_not_allowed_alone_ranks_missing_permission_first() {
    let got = ranking(
        "denied: installation not allowed to Create organization package",
        Repo::None,
    );
    assert_eq!(
        got,
        [
            "missing-packages-write",
            "fork-pr-readonly-token",
            "org-policy-restriction",
            "github-app-token"
        ]
    );
}

#[test]
fn an_unauthorized_pull_is_a_private_package_until_the_path_is_known_wrong() {
    let text = "$ docker pull ghcr.io/acme-labs/axon-doc-next:1.0.0\nError response from daemon: Head \"https://ghcr.io/v2/acme-labs/axon-doc-next/manifests/1.0.0\": unauthorized";
    assert_eq!(
        ranking(text, Repo::None)[..2],
        ["private-package", "wrong-image-path"]
    );
    assert_eq!(
        ranking(text, Repo::Generated)[..2],
        ["wrong-image-path", "private-package"]
    );
    // The same text naming a package the repository publishes: visibility, not the path.
    let published = text.replace("axon-doc-next", "axon-doc-nextjs");
    assert_eq!(ranking(&published, Repo::Generated)[0], "private-package");
}

#[test]
fn unauthenticated_is_a_missing_login_on_a_push_and_an_incident_on_a_pull() {
    let line =
        "unauthorized: unauthenticated: User cannot be authenticated with the token provided.";
    let push = format!("#12 pushing layers\n{line}");
    let pull = format!("1.0: Pulling from acme-labs/axon-doc-nextjs\n{line}");
    assert_eq!(ranking(&push, Repo::None)[0], "no-registry-login");
    assert_eq!(ranking(&pull, Repo::None)[0], "ghcr-incident");
    // A PAT-based login makes an expired token the next suspect on a push.
    let mut pat = facts(Repo::Generated);
    pat.token = Some(TokenSource::Pat);
    pat.login_before_push = Some(true);
    let got: Vec<_> = explain(&push, &pat)
        .causes
        .iter()
        .map(|c| c.category.slug())
        .collect();
    assert_eq!(got[0], "expired-token", "{got:?}");
}

#[test]
fn exec_format_error_with_the_platform_warning_is_a_missing_platform() {
    let alone = "exec /app/server: exec format error";
    assert_eq!(
        ranking(alone, Repo::None)[..2],
        ["platform-mislabeled", "platform-missing"]
    );
    let warned = format!(
        "WARNING: The requested image's platform (linux/amd64) does not match the detected host platform (linux/arm64/v8) and no specific platform was requested\n{alone}"
    );
    assert_eq!(ranking(&warned, Repo::None)[0], "platform-missing");
}

/// `text` buried in a GitHub Actions log: timestamps on every line, ANSI colours, buildx
/// progress, a group of unrelated steps before and after, and `\r` progress overwrites.
fn noisy(text: &str) -> String {
    let mut out = String::new();
    let mut t = 0;
    let mut line = |out: &mut String, s: &str| {
        t += 1;
        out.push_str(&format!(
            "2026-03-02T10:{:02}:{:02}.{:07}Z {s}\n",
            (t / 60) % 60,
            t % 60,
            t * 7919 % 10_000_000
        ));
    };
    line(&mut out, "##[group]Run actions/checkout@v5");
    line(&mut out, "Syncing repository: acme-labs/axon-doc");
    line(&mut out, "##[endgroup]");
    for i in 0..150 {
        line(
            &mut out,
            &format!(
                "#{} {}.{:03} \x1b[36madded {} files\x1b[0m",
                5 + i % 7,
                i / 10,
                i,
                i * 3
            ),
        );
        line(
            &mut out,
            &format!("#{} [build {}/9] RUN npm ci --omit=dev", 5 + i % 7, i % 9),
        );
    }
    line(
        &mut out,
        "downloading 10%\rdownloading 55%\rdownloading 100%",
    );
    for l in text.lines() {
        line(&mut out, &format!("\x1b[1m{l}\x1b[0m"));
    }
    for i in 0..150 {
        line(
            &mut out,
            &format!("#{} DONE {}.{}s", 40 + i % 5, i % 7, i % 10),
        );
    }
    line(&mut out, "##[error]Process completed with exit code 1.");
    out
}

#[test]
fn every_text_is_explained_the_same_inside_a_noisy_ci_log() {
    for (expected, repo, text) in CASES {
        let got = ranking(&noisy(text), *repo);
        assert_eq!(
            got.first().copied(),
            Some(*expected),
            "top cause of the noisy log around:\n{text}\nranking: {got:?}"
        );
    }
}

#[test]
fn the_fatal_error_of_a_log_with_several_errors_ranks_first() {
    // A retried rate limit, then the push that failed for good.
    let log = "#9 ERROR: failed to copy: toomanyrequests: retry-after: 1s, allowed: 44000/minute\n#9 retrying in 1s\n#9 pushing layers\n#9 ERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: installation not allowed to Create organization package\nERROR: failed to solve: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: installation not allowed to Create organization package";
    for repo in [Repo::None, Repo::NoWrite] {
        let got = ranking(log, repo);
        assert_eq!(got[0], "missing-packages-write", "{repo:?}: {got:?}");
        assert!(got.contains(&"rate-limit"), "{got:?}");
    }
}

#[test]
fn fixes_name_this_repository() {
    let f = facts(Repo::Generated);
    let e = explain(
        "ERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: permission_denied: write_package",
        &f,
    );
    let fix = &e.causes[0].fix;
    assert!(
        fix.contains(
            "https://github.com/orgs/acme-labs/packages/container/axon-doc-nextjs/settings"
        ),
        "{fix}"
    );
    assert!(
        fix.contains(
            "https://github.com/users/acme-labs/packages/container/axon-doc-nextjs/settings"
        ),
        "{fix}"
    );
    assert!(fix.contains("Acme-Labs/axon-doc"), "{fix}");

    let e = explain(
        "denied: installation not allowed to Write organization package",
        &facts(Repo::NoWrite),
    );
    let fix = &e.causes[0].fix;
    assert!(
        fix.contains("    permissions:\n      contents: read\n      packages: write"),
        "{fix}"
    );
    assert!(fix.contains(".github/workflows/ghcr-publish.yml"), "{fix}");

    let e = explain(
        "docker: no matching manifest for linux/arm64/v8 in the manifest list entries.",
        &f,
    );
    assert!(
        e.causes[0].fix.contains("--platform linux/amd64"),
        "{}",
        e.causes[0].fix
    );
    assert!(
        e.causes[0].fix.contains("linux/arm64/v8"),
        "{}",
        e.causes[0].fix
    );

    let e = explain(
        "Error response from daemon: Get \"https://ghcr.io/v2/\": denied: denied",
        &Facts::default(),
    );
    let fix = &e.causes[0].fix;
    assert!(
        fix.contains("docker login ghcr.io -u USER --password-stdin"),
        "{fix}"
    );
    assert!(
        fix.contains("write:packages") && fix.contains("fine-grained PATs do not work"),
        "{fix}"
    );

    let e = explain(
        "Error response from daemon: manifest for ghcr.io/acme-labs/axon-doc-nextjs:v1.2.3 not found: manifest unknown",
        &f,
    );
    assert!(
        e.causes[0]
            .fix
            .contains("ghcr.io/acme-labs/axon-doc-nextjs:1.2.3"),
        "{}",
        e.causes[0].fix
    );
}

#[test]
fn unrecognised_text_has_no_cause() {
    assert!(
        explain("everything is fine\nbuild succeeded", &Facts::default())
            .causes
            .is_empty()
    );
    assert!(explain("", &Facts::default()).causes.is_empty());
}

#[test]
fn confidences_are_shares_best_first() {
    for (_, repo, text) in CASES {
        let causes = explain(text, &facts(*repo)).causes;
        let sum: f64 = causes.iter().map(|c| c.confidence).sum();
        assert!(sum <= 1.02, "{sum} for {text}");
        assert!(
            causes
                .windows(2)
                .all(|w| w[0].confidence >= w[1].confidence)
        );
    }
}

#[test]
fn explain_cli_reads_stdin_and_prints_json_best_first() {
    let dir = temp_tree(&[("registry.toml", REPO)]);
    let mut command = ghcr_gen_command(
        dir.path(),
        &["doctor", "--explain", "-", "--format", "json"],
    );
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(noisy("ERROR: invalid tag \"ghcr.io/Acme-Labs/axon-doc-nextjs:main\": repository name must be lowercase").as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let causes = json["causes"].as_array().unwrap();
    assert_eq!(causes[0]["category"], "uppercase-name");
    for c in causes {
        let mut keys: Vec<_> = c.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["category", "confidence", "confirm", "fix", "why"]);
        let conf = c["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&conf));
    }
    assert!(
        causes[0]["fix"]
            .as_str()
            .unwrap()
            .contains("ghcr.io/acme-labs/axon-doc-nextjs")
    );
}

/// The README's doctor sessions are what the binary prints in the quick start's
/// repository (`fixtures/two-services` rendered): each shown block is the start of the
/// output.
#[test]
fn readme_doctor_sessions_match_the_binary() {
    let readme = std::fs::read_to_string(crate::support::tree::crate_path("README.md")).unwrap();
    let tree = crate::support::tree::fixture_config("two-services");
    crate::support::run::ghcr_gen_ok(tree.path(), &["render"]);
    let mut sessions = 0;
    for block in readme.split("```console\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let Some(rest) = block.strip_prefix("$ ghcr-gen doctor --explain '") else {
            continue;
        };
        let (text, shown) = rest.split_once("'\n").unwrap();
        let (code, stdout, stderr) =
            crate::support::run::ghcr_gen_text(tree.path(), &["doctor", "--explain", text]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.starts_with(shown.trim_end_matches('\n')),
            "README session for {text:?} differs; the binary prints:\n{stdout}"
        );
        sessions += 1;
    }
    assert!(sessions >= 5, "{sessions} sessions");
}
