//! The rendered deploy script (`deploy/deploy.sh`) does what its usage says, run with bash
//! against a stub `docker` on PATH that logs every invocation's arguments and the standard
//! input of `docker login`, and plays a compose project whose `up --wait` fails for one
//! tag (`STUB_BAD_TAG`). The token reaches `docker login` on standard input only: it is in
//! no argument of any invocation. The real engine is exercised by the end-to-end suite.

use std::path::PathBuf;
use std::process::Command;

use crate::support::run::ghcr_gen_ok;
use crate::support::tree::{fixture_config, write};

/// The stub: `docker` handling compose v2 (`docker compose ...`), login, inspect, tag.
/// State lives in `$STUB_DIR`: `running` holds the tag `up` last brought up.
const STUB: &str = r#"#!/usr/bin/env bash
set -u
{ printf '%s\n' "$@"; echo '<end>'; } >> "$STUB_DIR/log"
# Which token variables this docker process inherited (names only).
env | sed -n 's/^\(GITHUB_TOKEN\|GHCR_TOKEN\)=.*/\1/p' >> "$STUB_DIR/env-tokens"
running() { cat "$STUB_DIR/running" 2>/dev/null; }
if [ "$1" = compose ]; then
  [ "${STUB_NO_V2:-}" = 1 ] && exit 1
  echo "${COMPOSE_FILE:-unset} ${COMPOSE_PROJECT_NAME:-unset}" > "$STUB_DIR/compose-env"
  shift
  while [ "$#" -gt 0 ]; do
    case $1 in
      --env-file) echo "$2" > "$STUB_DIR/env-file"; shift 2 ;;
      *) break ;;
    esac
  done
  case $1 in
    version) echo 'Docker Compose version v2.40.0' ;;
    config)
      if [ "${2:-}" = --services ]; then printf '%s\n' ${STUB_SERVICES:-nextjs crawler}; fi ;;
    run) [ "${STUB_JOB_FAIL:-}" = 1 ] && exit 3 ;;
    pull) echo "${IMAGE_TAG:-}" > "$STUB_DIR/pulled" ;;
    ps)
      shift
      [ "$1" = --all ] && shift
      [ "$1" = --quiet ] || exit 9
      if [ -n "$(running)" ]; then echo "cid-$2"; fi ;;
    up)
      if [ "${IMAGE_TAG:-latest}" = "${STUB_BAD_TAG:-}" ]; then
        echo "container unhealthy" >&2
        echo "${IMAGE_TAG:-latest}" > "$STUB_DIR/running"
        exit 1
      fi
      echo "${IMAGE_TAG:-latest}" > "$STUB_DIR/running" ;;
    *) echo "stub: unexpected compose $*" >&2; exit 9 ;;
  esac
  exit 0
fi
case $1 in
  login) cat > "$STUB_DIR/login-stdin" ;;
  inspect)
    service=${4#cid-}
    tag=$(running)
    case $3 in
      *State*) echo "sha256:id-$tag-$service ghcr.io/acme-labs/axon-doc-$service:$tag healthy" ;;
      *) echo "sha256:id-$tag-$service ghcr.io/acme-labs/axon-doc-$service:$tag" ;;
    esac ;;
  image) echo "ghcr.io/acme-labs/axon-doc@sha256:feed" ;;
  tag) ;;
  *) echo "stub: unexpected docker $*" >&2; exit 9 ;;
esac
"#;

/// A rendered fixture with its env file filled in and a stub docker.
struct Server {
    dir: tempfile::TempDir,
    bin: PathBuf,
    stub: PathBuf,
}

/// The token the tests log in with, built at run time (never committed token-shaped).
fn token() -> String {
    format!("{}_{}", "ghp", "s3cretTokenValue0123456789abcdefABCDEF")
}

impl Server {
    fn new() -> Server {
        Server::rendered(fixture_config("two-services"))
    }

    /// A server for the config in `dir`, rendered.
    fn rendered(dir: tempfile::TempDir) -> Server {
        ghcr_gen_ok(dir.path(), &["render"]);
        let template = std::fs::read_to_string(dir.path().join("deploy/.env.example")).unwrap();
        let filled = template.replace("GITHUB_USER=\n", "GITHUB_USER=octo\n");
        write(dir.path(), "deploy/.env", filled);
        let bin = dir.path().join("stub-bin");
        let stub = dir.path().join("stub-state");
        std::fs::create_dir_all(&stub).unwrap();
        write(dir.path(), "stub-bin/docker", STUB);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("docker"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        Server { dir, bin, stub }
    }

    /// Runs `deploy.sh ARGS` with the stub first on PATH and `env`; returns (code, output).
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let path = format!("{}:/usr/bin:/bin", self.bin.display());
        let mut cmd = Command::new("bash");
        cmd.arg(self.dir.path().join("deploy/deploy.sh"))
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("STUB_DIR", &self.stub)
            .envs(env.iter().copied())
            .current_dir(self.dir.path());
        let out = cmd.output().expect("run bash");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    /// Every docker invocation so far, each its arguments.
    fn calls(&self) -> Vec<Vec<String>> {
        let log = std::fs::read_to_string(self.stub.join("log")).unwrap_or_default();
        let mut calls = vec![];
        let mut current = vec![];
        for line in log.lines() {
            if line == "<end>" {
                calls.push(std::mem::take(&mut current));
            } else {
                current.push(line.to_string());
            }
        }
        calls
    }

    /// The invocations whose compose subcommand (after `compose --env-file F`) is `sub`.
    fn compose_calls(&self, sub: &str) -> Vec<Vec<String>> {
        self.calls()
            .into_iter()
            .filter(|c| {
                c.first().is_some_and(|a| a == "compose") && c.get(3).is_some_and(|a| a == sub)
            })
            .collect()
    }

    fn clear_log(&self) {
        let _ = std::fs::remove_file(self.stub.join("log"));
    }

    fn state(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("deploy/.deploy-state")).unwrap_or_default()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

fn assert_no_token_in_arguments(server: &Server) {
    for call in server.calls() {
        for arg in call {
            assert!(
                !arg.contains(&token()),
                "the token is in an argument: {arg}"
            );
        }
    }
}

#[test]
fn update_images_logs_in_on_stdin_pulls_and_waits_with_the_env_file() {
    let server = Server::new();
    let token = token();
    let (code, out) = server.run(&["update-images", "v1"], &[("GITHUB_TOKEN", &token)]);
    assert_eq!(code, 0, "{out}");
    let calls = server.calls();
    let login = calls
        .iter()
        .find(|c| c[0] == "login")
        .expect("a docker login");
    assert_eq!(
        login,
        &["login", "ghcr.io", "--username", "octo", "--password-stdin"]
    );
    assert_eq!(
        std::fs::read_to_string(server.stub.join("login-stdin")).unwrap(),
        format!("{token}\n")
    );
    assert_no_token_in_arguments(&server);
    assert!(!out.contains(&token), "{out}");
    // No docker process, login included, inherits the token through its environment.
    let inherited = std::fs::read_to_string(server.stub.join("env-tokens")).unwrap_or_default();
    assert!(inherited.is_empty(), "docker inherited {inherited}");
    // Every compose call passes the env file explicitly, before the subcommand.
    let env_file = server.path("deploy/.env");
    for call in calls
        .iter()
        .filter(|c| c[0] == "compose" && c[1] != "version")
    {
        assert_eq!(
            call[1..3],
            ["--env-file".to_string(), env_file.display().to_string()],
            "{call:?}"
        );
    }
    assert_eq!(server.compose_calls("pull").len(), 1);
    assert_eq!(
        server.compose_calls("up"),
        vec![
            vec![
                "compose",
                "--env-file",
                &env_file.display().to_string(),
                "up",
                "--detach",
                "--wait",
                "--wait-timeout",
                "120"
            ]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
        ]
    );
    assert_eq!(
        std::fs::read_to_string(server.stub.join("pulled")).unwrap(),
        "v1\n"
    );
    assert!(
        server
            .state()
            .contains("current nextjs sha256:id-v1-nextjs ghcr.io/acme-labs/axon-doc-nextjs:v1\n"),
        "{}",
        server.state()
    );
    assert!(
        out.contains("nextjs ghcr.io/acme-labs/axon-doc-nextjs:v1"),
        "prints what runs: {out}"
    );
}

#[test]
fn unhealthy_update_rolls_back_to_the_images_that_ran_and_exits_1() {
    let server = Server::new();
    assert_eq!(server.run(&["update-images", "v1"], &[]).0, 0);
    server.clear_log();
    let (code, out) = server.run(&["update-images", "v2"], &[("STUB_BAD_TAG", "v2")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rolled back"), "{out}");
    let tags: Vec<Vec<String>> = server
        .calls()
        .into_iter()
        .filter(|c| c[0] == "tag")
        .collect();
    assert_eq!(
        tags,
        vec![
            vec![
                "tag",
                "sha256:id-v1-nextjs",
                "ghcr.io/acme-labs/axon-doc-nextjs:v1"
            ],
            vec![
                "tag",
                "sha256:id-v1-crawler",
                "ghcr.io/acme-labs/axon-doc-crawler:v1"
            ],
        ]
        .into_iter()
        .map(|c| c.into_iter().map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    );
    // Brought up twice: v2 (unhealthy), then v1 again.
    assert_eq!(server.compose_calls("up").len(), 2);
    assert_eq!(
        std::fs::read_to_string(server.stub.join("running")).unwrap(),
        "v1\n"
    );
    // The failed deployment is not recorded.
    assert!(!server.state().contains("v2"), "{}", server.state());
}

#[test]
fn pull_only_pulls_and_restarts_nothing() {
    let server = Server::new();
    let (code, out) = server.run(&["pull-only", "v3"], &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(server.compose_calls("pull").len(), 1);
    assert!(server.compose_calls("up").is_empty());
    assert!(server.calls().iter().all(|c| c[0] != "tag"));
    assert_eq!(
        std::fs::read_to_string(server.stub.join("pulled")).unwrap(),
        "v3\n"
    );
}

#[test]
fn status_lists_every_service_with_reference_digest_and_health() {
    let server = Server::new();
    assert_eq!(server.run(&["update-images", "v1"], &[]).0, 0);
    let (code, out) = server.run(&["status"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nextjs ghcr.io/acme-labs/axon-doc-nextjs:v1 ghcr.io/acme-labs/axon-doc@sha256:feed healthy"), "{out}");
    assert!(
        out.contains("crawler ghcr.io/acme-labs/axon-doc-crawler:v1"),
        "{out}"
    );
}

#[test]
fn rollback_returns_to_the_previous_successful_deployment() {
    let server = Server::new();
    let (code, out) = server.run(&["rollback"], &[]);
    assert_eq!(code, 2, "nothing recorded yet: {out}");
    assert!(out.contains("no previous successful deployment"), "{out}");
    assert_eq!(server.run(&["update-images", "v1"], &[]).0, 0);
    assert_eq!(server.run(&["update-images", "v3"], &[]).0, 0);
    server.clear_log();
    let (code, out) = server.run(&["rollback"], &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(server.stub.join("running")).unwrap(),
        "v1\n"
    );
    assert!(server.calls().iter().any(|c| c
        == &[
            "tag",
            "sha256:id-v1-nextjs",
            "ghcr.io/acme-labs/axon-doc-nextjs:v1"
        ]));
    let state = server.state();
    assert!(
        state.contains("current nextjs sha256:id-v1-nextjs"),
        "{state}"
    );
    assert!(
        state.contains("previous nextjs sha256:id-v3-nextjs"),
        "{state}"
    );
}

#[test]
fn errors_exit_2_before_anything_changes() {
    let server = Server::new();
    for (args, why) in [
        (&["deploy-everything"][..], "usage"),
        (&["update-images", "bad tag"][..], "invalid tag"),
        (&["update-images", "-rf"][..], "invalid tag"),
        (&["status", "extra"][..], "usage"),
    ] {
        let (code, out) = server.run(args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.contains(why), "{args:?}: {out}");
    }
    assert!(server.compose_calls("up").is_empty());
    std::fs::remove_file(server.path("deploy/.env")).unwrap();
    let (code, out) = server.run(&["update-images"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("copy deploy/.env.example"), "{out}");
    assert!(
        server
            .calls()
            .iter()
            .all(|c| c[0] != "compose" || c[1] == "version")
    );
}

#[test]
fn only_compose_v1_is_refused_with_a_clear_message() {
    let server = Server::new();
    write(
        server.dir.path(),
        "stub-bin/docker-compose",
        "#!/bin/sh\necho 1.29.2\n",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        server.bin.join("docker-compose"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let (code, out) = server.run(&["update-images"], &[("STUB_NO_V2", "1")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("only docker-compose v1 (1.29.2)"), "{out}");
    assert!(server.compose_calls("up").is_empty());
}

#[test]
fn compose_file_and_project_name_default_to_the_generated_ones_and_are_honoured() {
    let server = Server::new();
    assert_eq!(server.run(&["pull-only"], &[]).0, 0);
    let seen = std::fs::read_to_string(server.stub.join("compose-env")).unwrap();
    assert_eq!(
        seen,
        format!(
            "{} axon-doc\n",
            server.path("deploy/compose.yaml").display()
        )
    );
    let (code, out) = server.run(
        &["pull-only"],
        &[
            ("COMPOSE_FILE", "deploy/compose.yaml:deploy/override.yaml"),
            ("COMPOSE_PROJECT_NAME", "shop-staging"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let seen = std::fs::read_to_string(server.stub.join("compose-env")).unwrap();
    assert_eq!(
        seen,
        "deploy/compose.yaml:deploy/override.yaml shop-staging\n"
    );
}

#[test]
fn jobs_run_to_completion_first_and_are_not_waited_on() {
    let config = "owner = \"acme\"\nrepo = \"shop\"\n\n[services.web]\nimage = \"{repo}-web\"\nport = 8080\nhealth = \"/healthz\"\n\n[services.migrate]\nimage = \"{repo}-migrate\"\nkind = \"job\"\n";
    let server = Server::rendered(crate::support::tree::temp_tree(&[(
        "registry.toml",
        config,
    )]));
    let env = [("STUB_SERVICES", "web migrate")];
    let (code, out) = server.run(&["update-images", "v1"], &env);
    assert_eq!(code, 0, "{out}");
    let calls = server.calls();
    let position = |sub: &str| {
        calls
            .iter()
            .position(|c| c[0] == "compose" && c.get(3).is_some_and(|a| a == sub))
            .unwrap_or_else(|| panic!("no compose {sub}: {calls:?}"))
    };
    assert!(position("pull") < position("run") && position("run") < position("up"));
    assert_eq!(calls[position("run")][3..], ["run", "--rm", "migrate"]);
    assert_eq!(
        calls[position("up")][3..],
        [
            "up",
            "--detach",
            "--wait",
            "--wait-timeout",
            "120",
            "--scale",
            "migrate=0"
        ]
    );

    server.clear_log();
    let (code, out) = server.run(&["update-images", "v2"], &[env[0], ("STUB_JOB_FAIL", "1")]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("job migrate failed; the services were not restarted"),
        "{out}"
    );
    assert!(server.compose_calls("up").is_empty());
}
