//! `ghcr-gen doctor --online` against a real registry (Debian's docker-registry, CNCF
//! distribution 2.8) in its three auth modes, none, htpasswd and token (with the suite's
//! ghcr.io-like token server), filled through the registry API; and against servers that
//! misbehave, which must end in exit 2 with a clear message, never a hang. A token given to
//! doctor must reach no output, no registry log and no process's argument list.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::registry::{
    Auth, FakeServer, Misbehaviour, Policy, Registry, TokenServer, all_command_lines, free_port,
};
use crate::support::run::ghcr_gen_command;
use crate::support::tree::temp_tree;

const CONFIG: &str = r#"owner = "acme"
repo = "shop"
platforms = ["linux/amd64", "linux/arm64"]

[services.web]
renamed_from = ["ghcr.io/acme/shop-old"]

[services.api]
context = "api"

[services.worker]
context = "worker"

[outputs]
compose = false
k8s = false
env = false
workflow = false
"#;

/// Consumers: a compose file and a Kubernetes manifest pulling the images.
const COMPOSE: &str = "services:
  web:
    image: ghcr.io/acme/shop-web:1.2.3
  web-typo:
    image: ghcr.io/acme/shop-web:v1.2.3
  api:
    image: ghcr.io/acme/shop-api:1.0.0
  api-single:
    image: ghcr.io/acme/shop-api:single
  worker:
    image: ghcr.io/acme/shop-worker:1.0.0
";

const K8S: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/shop-web:2.0.0
";

fn repository() -> tempfile::TempDir {
    temp_tree(&[
        ("registry.toml", CONFIG),
        ("deploy/compose.yaml", COMPOSE),
        ("deploy/k8s/web.yaml", K8S),
    ])
}

/// The content every mode holds: `shop-web` a two-platform index with an attestation
/// (`1.2.3`, `latest`); `shop-api` an index whose arm64 child was deleted (`1.0.0`) and a
/// single-platform image (`single`); the old name `shop-old` with a tag; no `shop-worker`.
fn seed(registry: &Registry) {
    let p = registry.pusher();
    let amd = p.image("acme/shop-web", None, "linux", "amd64");
    let arm = p.image("acme/shop-web", None, "linux", "arm64");
    let att = p.attestation("acme/shop-web");
    let entries = [
        (&amd, Some("linux/amd64")),
        (&arm, Some("linux/arm64")),
        (&att, None),
    ];
    p.index("acme/shop-web", "1.2.3", &entries);
    p.index("acme/shop-web", "latest", &entries);
    let amd = p.image("acme/shop-api", None, "linux", "amd64");
    let arm = p.image("acme/shop-api", None, "linux", "arm64");
    p.index(
        "acme/shop-api",
        "1.0.0",
        &[(&amd, Some("linux/amd64")), (&arm, Some("linux/arm64"))],
    );
    p.delete("acme/shop-api", &arm.digest);
    p.image("acme/shop-api", Some("single"), "linux", "amd64");
    p.image("acme/shop-old", Some("0.9"), "linux", "amd64");
}

/// What one doctor run gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `doctor --online --registry-url URL` in `dir` with only `env` as credentials (an
/// empty Docker config, no GitHub variables from the outside).
fn doctor(dir: &Path, url: &str, env: &[(&str, &str)], extra: &[&str]) -> Run {
    let docker = tempfile::tempdir().unwrap();
    doctor_with_docker_config(dir, url, env, extra, docker.path())
}

/// [`doctor`] with the Docker config directory `docker` (its `config.json`, if any).
fn doctor_with_docker_config(
    dir: &Path,
    url: &str,
    env: &[(&str, &str)],
    extra: &[&str],
    docker: &Path,
) -> Run {
    let mut args = vec!["doctor", "--online", "--registry-url", url];
    args.extend(extra);
    let mut cmd = command(dir, &args, env, docker);
    let start = Instant::now();
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().expect("doctor exited"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        elapsed: start.elapsed(),
    }
}

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)], docker_config: &Path) -> Command {
    let mut cmd = ghcr_gen_command(dir, args);
    for v in ["GHCR_TOKEN", "GITHUB_TOKEN", "GITHUB_USER"] {
        cmd.env_remove(v);
    }
    cmd.env("DOCKER_CONFIG", docker_config);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Every run against a healthy loopback registry takes well under the 30 s one request
/// may take: no retry or timeout was hit.
fn assert_quick(runs: &[&Run]) {
    for r in runs {
        assert!(r.elapsed < Duration::from_secs(10), "took {:?}", r.elapsed);
    }
}

/// `(category, severity, where)` of every JSON finding; `where` is `path:line` or the image.
fn findings(run: &Run) -> BTreeSet<(String, String, String)> {
    let list: Vec<serde_json::Value> = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    list.iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            let place = match f["path"].as_str() {
                Some(p) => format!("{p}:{}", f["line"]),
                None => s("image"),
            };
            (s("category"), s("severity"), place)
        })
        .collect()
}

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// The findings about the tags, platforms and children every reader with access sees.
const CONTENT: &[(&str, &str, &str)] = &[
    ("wrong-tag", "error", "deploy/compose.yaml:5"),
    ("tag-missing", "error", "deploy/k8s/web.yaml:9"),
    (
        "attestation-unknown-platform",
        "info",
        "ghcr.io/acme/shop-web",
    ),
    ("child-manifest-deleted", "error", "deploy/compose.yaml:7"),
    ("platform-missing", "error", "deploy/compose.yaml:9"),
    ("wrong-image-path", "error", "ghcr.io/acme/shop-worker"),
    ("wrong-image-path", "error", "deploy/compose.yaml:11"),
    ("stale-name", "warning", "ghcr.io/acme/shop-old"),
];

fn with(
    extra: &[(&'static str, &'static str, &'static str)],
) -> BTreeSet<(String, String, String)> {
    let mut all = set(CONTENT);
    all.extend(set(extra));
    all
}

#[test]
fn no_auth_registry_every_online_check_answers_with_its_slug() {
    let registry = Registry::start(Auth::None);
    seed(&registry);
    let dir = repository();
    let run = doctor(dir.path(), &registry.url(), &[], &["--format", "json"]);
    assert_eq!(findings(&run), set(CONTENT), "{}", run.stderr);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The text form names the nearest tag and the deleted platform.
    let text = doctor(dir.path(), &registry.url(), &[], &[]);
    assert_eq!(text.code, 1);
    assert!(
        text.stderr.contains("the nearest published tag is `1.2.3`"),
        "{}",
        text.stderr
    );
    assert!(
        text.stderr
            .contains("lists the linux/arm64 manifest sha256:"),
        "{}",
        text.stderr
    );
    assert!(
        text.stderr.contains("note: ghcr.io/acme/shop-web: public"),
        "{}",
        text.stderr
    );
    assert_quick(&[&run, &text]);
}

#[test]
fn everything_published_and_resolving_is_exit_0() {
    let registry = Registry::start(Auth::None);
    let dir = temp_tree(&[
        (
            "registry.toml",
            "owner = \"acme\"\nrepo = \"shop\"\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n\n[services.web]\n\n[outputs]\ncompose = false\nk8s = false\nenv = false\nworkflow = false\n",
        ),
        (
            "deploy/compose.yaml",
            "services:\n  web:\n    image: ghcr.io/acme/shop:${WEB_TAG:-1.0}\n  edge:\n    image: ghcr.io/acme/shop\n",
        ),
    ]);
    // One service: its image is named after the repository.
    let p = registry.pusher();
    let amd = p.image("acme/shop", None, "linux", "amd64");
    let arm = p.image("acme/shop", None, "linux", "arm64");
    let entries = [(&amd, Some("linux/amd64")), (&arm, Some("linux/arm64"))];
    p.index("acme/shop", "latest", &entries);
    p.index("acme/shop", "1.0", &entries);
    let run = doctor(dir.path(), &registry.url(), &[], &["--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let text = doctor(dir.path(), &registry.url(), &[], &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    // Both pulled references were asked about: the compose default and the implicit latest.
    assert!(
        text.stderr
            .contains("about 2 manifest(s): 0 error(s), 0 warning(s)"),
        "{}",
        text.stderr
    );
}

#[test]
fn htpasswd_registry_private_with_credentials_and_unpullable_without() {
    let pass = format!("pw-{}", std::process::id());
    let registry = Registry::start(Auth::Htpasswd("ci".into(), pass.clone()));
    seed(&registry);
    let dir = repository();
    let creds = [("GHCR_TOKEN", pass.as_str()), ("GITHUB_USER", "ci")];
    let run = doctor(dir.path(), &registry.url(), &creds, &["--format", "json"]);
    assert_eq!(
        findings(&run),
        with(&[
            ("private-package", "warning", "ghcr.io/acme/shop-web"),
            ("private-package", "warning", "ghcr.io/acme/shop-api"),
            ("k8s-missing-pull-secret", "error", "deploy/k8s/web.yaml:9"),
        ]),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
    let anonymous = doctor(dir.path(), &registry.url(), &[], &["--format", "json"]);
    assert_eq!(
        findings(&anonymous),
        set(&[
            ("private-package", "error", "ghcr.io/acme/shop-web"),
            ("private-package", "error", "ghcr.io/acme/shop-api"),
            ("private-package", "error", "ghcr.io/acme/shop-worker"),
            ("k8s-missing-pull-secret", "error", "deploy/k8s/web.yaml:9"),
        ]),
        "{}",
        anonymous.stderr
    );
    assert_eq!(anonymous.code, 1);
    assert_quick(&[&run, &anonymous]);
}

#[test]
fn htpasswd_credentials_from_the_docker_config_auths_entry() {
    let pass = format!("pw-{}-docker", std::process::id());
    let registry = Registry::start(Auth::Htpasswd("ci".into(), pass.clone()));
    seed(&registry);
    let dir = repository();
    let docker = tempfile::tempdir().unwrap();
    let auth = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("ci:{pass}"),
    );
    std::fs::write(
        docker.path().join("config.json"),
        format!(
            r#"{{"auths":{{"127.0.0.1:{}":{{"auth":"{auth}"}}}}}}"#,
            registry.port
        ),
    )
    .unwrap();
    let run = doctor_with_docker_config(
        dir.path(),
        &registry.url(),
        &[],
        &["--format", "json"],
        docker.path(),
    );
    assert!(
        findings(&run).contains(&(
            "private-package".into(),
            "warning".into(),
            "ghcr.io/acme/shop-api".into()
        )),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.code, 1);
}

/// The ghcr.io-like policy: `shop-web` public; alice reads everything of acme; bob is
/// denied the private packages.
fn ghcr_policy(alice: &str) -> Policy {
    let mut p = Policy {
        public: vec!["acme/shop-web".into()],
        ..Policy::default()
    };
    p.users.insert("alice".into(), alice.into());
    p.users.insert("bob".into(), "bob-password".into());
    p.users.insert("carol".into(), "carol-password".into());
    p.revoked.push("carol".into());
    p.denied.insert(
        "bob".into(),
        vec![
            "acme/shop-api".into(),
            "acme/shop-old".into(),
            "acme/shop-worker".into(),
        ],
    );
    p
}

#[test]
fn token_registry_public_private_and_denied_like_ghcr() {
    let registry = Registry::start(Auth::Token(TokenServer::start(ghcr_policy(
        "alice-password",
    ))));
    seed(&registry);
    let dir = repository();
    let url = registry.url();

    let anonymous = doctor(dir.path(), &url, &[], &["--format", "json"]);
    assert_eq!(
        findings(&anonymous),
        set(&[
            ("wrong-tag", "error", "deploy/compose.yaml:5"),
            ("tag-missing", "error", "deploy/k8s/web.yaml:9"),
            (
                "attestation-unknown-platform",
                "info",
                "ghcr.io/acme/shop-web"
            ),
            ("private-package", "error", "ghcr.io/acme/shop-api"),
            ("private-package", "error", "ghcr.io/acme/shop-worker"),
        ]),
        "{}",
        anonymous.stderr
    );
    assert_eq!(anonymous.code, 1);

    let alice = [("GHCR_TOKEN", "alice-password"), ("GITHUB_USER", "alice")];
    let run = doctor(dir.path(), &url, &alice, &["--format", "json"]);
    assert_eq!(
        findings(&run),
        with(&[("private-package", "warning", "ghcr.io/acme/shop-api")]),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);

    let bob = [("GHCR_TOKEN", "bob-password"), ("GITHUB_USER", "bob")];
    let denied = doctor(dir.path(), &url, &bob, &["--format", "json"]);
    let got = findings(&denied);
    assert!(
        got.contains(&(
            "private-package".into(),
            "error".into(),
            "ghcr.io/acme/shop-api".into()
        )),
        "{got:?}\n{}",
        denied.stderr
    );
    assert_eq!(denied.code, 1);
    let text = doctor(dir.path(), &url, &bob, &[]);
    assert!(
        text.stderr.contains("have no access to it: denied"),
        "{}",
        text.stderr
    );
    assert_quick(&[&anonymous, &run, &denied]);
}

#[test]
fn wrong_credentials_exit_2_with_the_fix_in_both_auth_modes() {
    let dir = repository();
    let basic = Registry::start(Auth::Htpasswd("ci".into(), "right".into()));
    let token = Registry::start(Auth::Token(TokenServer::start(ghcr_policy("right"))));
    for (registry, user) in [(&basic, "ci"), (&token, "alice")] {
        let run = doctor(
            dir.path(),
            &registry.url(),
            &[("GHCR_TOKEN", "wrong"), ("GITHUB_USER", user)],
            &[],
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("refused the credentials from $GHCR_TOKEN"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("read:packages"), "{}", run.stderr);
    }
}

#[test]
fn registry_down_is_exit_2_with_a_clear_message() {
    let dir = repository();
    let url = format!("http://127.0.0.1:{}", free_port());
    let run = doctor(dir.path(), &url, &[], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("cannot reach the registry at {url}/v2/")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_server_that_never_answers_or_drips_is_bounded_by_the_timeout() {
    let dir = repository();
    for how in [Misbehaviour::Silent, Misbehaviour::Drip] {
        let server = FakeServer::start(how);
        let run = doctor(dir.path(), &server.url(), &[], &["--timeout", "2"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("did not answer"), "{}", run.stderr);
        assert!(
            run.elapsed < Duration::from_secs(10),
            "took {:?}",
            run.elapsed
        );
    }
}

#[test]
fn malformed_json_huge_answers_and_redirect_loops_are_exit_2() {
    let dir = repository();
    for (how, says) in [
        (Misbehaviour::MalformedJson, "malformed: not a tag list"),
        (Misbehaviour::Huge, "larger than 4096 KiB"),
        (Misbehaviour::RedirectLoop, "too many redirects"),
    ] {
        let server = FakeServer::start(how);
        let run = doctor(dir.path(), &server.url(), &[], &["--timeout", "20"]);
        assert_eq!(run.code, 2, "{says}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{says}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(
            run.elapsed < Duration::from_secs(20),
            "{says} took {:?}",
            run.elapsed
        );
    }
}

#[test]
fn the_token_reaches_no_output_no_registry_log_and_no_command_line() {
    // Token-shaped, built at run time: never committed.
    let token = crate::hostile::tokens::github_token(&format!("gh{}_", "p"), 41);
    let mut policy = ghcr_policy(&token);
    // Slow answers keep doctor running while every process's arguments are read.
    policy.delay = Duration::from_millis(150);
    let registry = Registry::start(Auth::Token(TokenServer::start(policy)));
    assert_never_leaks(&registry, &token, "alice", 3);
    let Auth::Token(server) = &registry.auth else {
        unreachable!()
    };
    let requests = server.requests.lock().unwrap();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| !r.contains(&token[4..])),
        "the token is in a URL"
    );
}

#[test]
fn the_basic_auth_password_reaches_no_output_no_registry_log_and_no_command_line() {
    let token = crate::hostile::tokens::github_token(&format!("gh{}_", "p"), 42);
    let registry = Registry::start(Auth::Htpasswd("ci".into(), token.clone()));
    assert_never_leaks(&registry, &token, "ci", 0);
}

/// Runs doctor in both formats with `token` as `GHCR_TOKEN`, reading every process's
/// command line while it runs (more than `min_looks` times), then its output and the
/// registry's log: the token (nor its masked form) is in none of them.
fn assert_never_leaks(registry: &Registry, token: &str, user: &str, min_looks: usize) {
    seed(registry);
    let body = &token[4..];
    let dir = repository();
    let docker = tempfile::tempdir().unwrap();
    for format in ["text", "json"] {
        let url = registry.url();
        let args = [
            "doctor",
            "--online",
            "--registry-url",
            &url,
            "--format",
            format,
        ];
        let env = [("GHCR_TOKEN", token), ("GITHUB_USER", user)];
        let mut child = command(dir.path(), &args, &env, docker.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut looks = 0;
        while child.try_wait().unwrap().is_none() {
            for line in all_command_lines() {
                assert!(
                    !line.contains(body),
                    "the token is on a command line: {line}"
                );
            }
            looks += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            looks > min_looks,
            "doctor ended before its processes could be looked at"
        );
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        // The run used the token: only a reader of the private package sees its children.
        assert!(
            format!("{stdout}{stderr}").contains("child-manifest-deleted"),
            "{stdout}{stderr}"
        );
        for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert!(!text.contains(body), "the token reached {name}:\n{text}");
            assert!(
                !text.contains(&format!("gh{}_", "p")),
                "a masked token reached {name}"
            );
        }
    }
    let log = registry.log();
    assert!(
        log.contains("/v2/acme/shop-api/manifests/"),
        "the registry logged no request:\n{log}"
    );
    assert!(!log.contains(body), "the token reached the registry's log");
}

#[test]
fn token_registry_revoked_credentials_on_a_public_image_are_stale_local_credentials() {
    let registry = Registry::start(Auth::Token(TokenServer::start(ghcr_policy("a"))));
    seed(&registry);
    let dir = repository();
    let carol = [("GHCR_TOKEN", "carol-password"), ("GITHUB_USER", "carol")];
    let run = doctor(dir.path(), &registry.url(), &carol, &["--format", "json"]);
    let got = findings(&run);
    assert!(
        got.contains(&(
            "stale-local-credentials".into(),
            "error".into(),
            "ghcr.io/acme/shop-web".into()
        )),
        "{got:?}\n{}",
        run.stderr
    );
    assert!(
        got.contains(&(
            "private-package".into(),
            "error".into(),
            "ghcr.io/acme/shop-api".into()
        )),
        "{got:?}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn credentials_from_a_docker_credential_helper_read_on_stdin() {
    let pass = format!("pw-{}-helper", std::process::id());
    let registry = Registry::start(Auth::Htpasswd("ci".into(), pass.clone()));
    seed(&registry);
    let dir = repository();
    let docker = tempfile::tempdir().unwrap();
    let server = format!("127.0.0.1:{}", registry.port);
    std::fs::write(
        docker.path().join("config.json"),
        format!(r#"{{"credHelpers":{{"{server}":"ghcrgentest"}}}}"#),
    )
    .unwrap();
    // The helper answers only for the server read on stdin, and checks its arguments.
    let bin = tempfile::tempdir().unwrap();
    let helper = bin.path().join("docker-credential-ghcrgentest");
    let secret_file = bin.path().join("secret");
    std::fs::write(&secret_file, &pass).unwrap();
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$*\" = get ] || exit 3\nread -r server\n[ \"$server\" = {server} ] || exit 1\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"ci\",\"Secret\":\"%s\"}}' \"$server\" \"$(cat {})\"\n",
            secret_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = doctor_with_docker_config(
        dir.path(),
        &registry.url(),
        &[("PATH", &path)],
        &["--format", "json"],
        docker.path(),
    );
    assert!(
        findings(&run).contains(&(
            "private-package".into(),
            "warning".into(),
            "ghcr.io/acme/shop-api".into()
        )),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.code, 1);
}

#[test]
fn rate_limits_are_retried_after_retry_after_then_reported_as_rate_limit() {
    let server = FakeServer::start(Misbehaviour::RateLimited);
    let dir = repository();
    let run = doctor(dir.path(), &server.url(), &[], &["--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let got = findings(&run);
    assert!(
        got.iter()
            .any(|(c, s, _)| c == "rate-limit" && s == "failure"),
        "{got:?}"
    );
    assert!(run.stdout.contains("retry after 1s"), "{}", run.stdout);
    // One request and three retries, each after the 1 s the server asked for.
    assert_eq!(server.hits.load(std::sync::atomic::Ordering::Relaxed), 4);
    assert!(run.elapsed >= Duration::from_secs(3), "{:?}", run.elapsed);
}

#[test]
fn server_errors_are_retried_with_backoff_then_exit_2() {
    let server = FakeServer::start(Misbehaviour::Unavailable);
    let dir = repository();
    let run = doctor(dir.path(), &server.url(), &[], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("with HTTP 503"), "{}", run.stderr);
    assert_eq!(server.hits.load(std::sync::atomic::Ordering::Relaxed), 4);
}
