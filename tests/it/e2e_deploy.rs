//! The generated deploy script on a real engine and a real registry (issue 11, item 4).
//!
//! A registry.toml whose `registry` is a local docker-registry with an htpasswd login is
//! rendered; the two services' images (v1 healthy, v2 whose `/health` answers 404, v3
//! healthy again) are built from the busybox base image, pushed and removed from the
//! engine, so the script's pulls are real. The rendered `deploy/deploy.sh` then runs as on
//! a server: with its own Docker client configuration (no login but the script's), the
//! token in `GITHUB_TOKEN` and a compose override (host networking, no published ports,
//! one-second health probes) added through `COMPOSE_FILE`. While it runs, every process's
//! argument list is polled for the token. Each service has a required variable of its own
//! in the env file: unfilled, nothing starts; filled, each container sees only its own. A
//! one-shot `migrate` job (`kind = "job"`) runs to completion on every update.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tempfile::TempDir;

use crate::support::engine::{
    Engine, Registry, build_push_forget, build_push_forget_cmd, engine, free_port,
    host_network_override, http_get, output_text, random_alnum, run_with_stdin,
};
use crate::support::run::ghcr_gen_ok;

/// The services of the deployed project.
const SERVICES: [&str; 2] = ["web", "api"];

#[test]
fn deploy_script_updates_rolls_back_pulls_and_reports_on_a_real_engine() {
    let d = Deployment::new();

    // The env file copied from the template but not filled in: compose's required
    // variables stop the script before anything runs (exit 2).
    let run = d.deploy(&["update-images", "v1"]);
    run.expect(2, "update-images with an unfilled env file");
    assert!(
        run.stderr.contains("GREETING"),
        "the unfilled variable is not named:\n{}",
        run.all()
    );
    assert!(d.running("after the unfilled env file").is_empty());
    let api_key = random_alnum(24);
    d.fill_env(&[("GREETING", "hello-e2e"), ("API_KEY", &api_key)]);

    // update-images v1: logs in with the token (the server's client has no login), pulls,
    // and every service runs v1, healthy.
    let run = d.deploy(&["update-images", "v1"]);
    run.expect(0, "update-images v1");
    let v1 = d.running("after update-images v1");
    d.assert_all_healthy_on(&v1, "v1");
    // The job ran (its output is the script's) and left no container.
    assert!(
        run.stdout.contains("migrated-v1"),
        "the migrate job did not run:\n{}",
        run.all()
    );
    assert!(!v1.contains_key("migrate"), "the job left a container");
    // It prints what runs now.
    for service in SERVICES {
        assert!(
            run.stdout.contains(&d.reference(service, "v1")),
            "update-images v1 does not show {service}'s image:\n{}",
            run.all()
        );
    }
    let v1_ids = image_ids(&v1);
    // Each service's container sees its own variables only.
    let web = d.env_of(&v1["web"].id);
    let api = d.env_of(&v1["api"].id);
    assert!(web.contains(&"GREETING=hello-e2e".to_owned()), "{web:?}");
    assert!(api.contains(&format!("API_KEY={api_key}")), "api env");
    assert!(
        !web.iter().any(|v| v.starts_with("API_KEY=")),
        "web sees API_KEY"
    );
    assert!(
        !api.iter().any(|v| v.starts_with("GREETING=")),
        "api sees GREETING"
    );

    // A wrong token: exit 2, nothing changed.
    let run = d.deploy_with_token(&["update-images", "v3"], &random_alnum(40));
    run.expect(2, "update-images with a wrong token");
    assert_eq!(
        started(&d.running("after the wrong token")),
        started(&v1),
        "a failed login restarted containers"
    );

    // update-images v2: its health check fails; the script rolls back, exits 1, and v1
    // runs healthy again.
    let run = d.deploy(&["update-images", "v2"]);
    run.expect(1, "update-images v2 (unhealthy)");
    assert!(
        run.stderr.contains("rolled back"),
        "update-images v2 does not say it rolled back:\n{}",
        run.all()
    );
    let after = d.running("after the rollback of v2");
    d.assert_all_healthy_on(&after, "v1");
    assert_eq!(
        image_ids(&after),
        v1_ids,
        "not the v1 images after rollback"
    );

    // pull-only v2 (removed from the engine first, so the pull is real): pulled, and no
    // container restarted or replaced.
    d.forget(&d.references("v2"));
    let before = d.running("before pull-only");
    let run = d.deploy(&["pull-only", "v2"]);
    run.expect(0, "pull-only v2");
    for reference in d.references("v2") {
        assert!(
            d.has_image(&reference),
            "pull-only did not pull {reference}"
        );
    }
    let after = d.running("after pull-only");
    assert_eq!(
        started(&after),
        started(&before),
        "pull-only restarted or replaced containers"
    );
    d.assert_all_healthy_on(&after, "v1");

    // status: every service with its image reference, digest and health.
    let run = d.deploy(&["status"]);
    run.expect(0, "status");
    for service in SERVICES {
        let line = run
            .stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(service))
            .unwrap_or_else(|| panic!("status lists no `{service}`:\n{}", run.all()));
        assert!(
            line.contains(&d.reference(service, "v1"))
                && line.contains("@sha256:")
                && line.contains("healthy"),
            "status line of {service}: {line}"
        );
    }

    // update-images with IMAGE_TAG=v3 (healthy; the tag from the environment) then
    // rollback: back to v1, the previous successful deployment, healthy.
    d.deploy_with(&["update-images"], &d.token, &[("IMAGE_TAG", "v3")])
        .expect(0, "IMAGE_TAG=v3 update-images");
    let v3 = d.running("after update-images v3");
    d.assert_all_healthy_on(&v3, "v3");
    assert_ne!(image_ids(&v3), v1_ids, "v3 runs the v1 images");
    let run = d.deploy(&["rollback"]);
    run.expect(0, "rollback");
    let back = d.running("after rollback");
    d.assert_all_healthy_on(&back, "v1");
    assert_eq!(image_ids(&back), v1_ids, "rollback did not return to v1");

    // The token never reached a log of the engine.
    assert!(
        !d.engine.daemon_log().contains(&d.token),
        "the token is in the Docker daemon's log"
    );
}

/// What one run of the deploy script did.
struct Run {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Panics with the whole output unless the script exited with `code`.
    fn expect(&self, code: i32, step: &str) {
        assert_eq!(
            self.code,
            code,
            "{step}: `{}` exited {} (expected {code}):\n{}",
            self.what,
            self.code,
            self.all()
        );
    }

    fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// One container of the project, as `docker inspect` shows it.
#[derive(Debug, Clone, PartialEq)]
struct Container {
    id: String,
    image_id: String,
    reference: String,
    started_at: String,
    health: String,
}

/// A rendered project deployed with its generated script on the test engine.
struct Deployment {
    engine: &'static Engine,
    _registry: Registry,
    work: TempDir,
    /// The repository: registry.toml and the rendered files.
    repo: PathBuf,
    /// The server's Docker client configuration: no login but what the script does.
    server: PathBuf,
    /// The publisher's client configuration (logged in to push).
    publisher: PathBuf,
    host: String,
    user: String,
    token: String,
    project: String,
    ports: BTreeMap<&'static str, u16>,
}

impl Deployment {
    fn new() -> Deployment {
        let engine = engine();
        let work = tempfile::tempdir().unwrap();
        let user = format!("deployer{}", random_alnum(4).to_lowercase());
        // Shaped like a GitHub token, made at run time (never committed).
        let token = format!("ghp_{}", random_alnum(36));
        let registry = Registry::htpasswd(&user, &token);
        let host = registry.host.clone();
        let repo = work.path().join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        let ports: BTreeMap<&str, u16> = SERVICES.iter().map(|s| (*s, free_port())).collect();
        let mut toml = format!(
            "registry = \"{host}\"\nowner = \"E2E-Owner\"\nrepo = \"shop\"\n\n[outputs]\nk8s = false\nworkflow = false\n"
        );
        // A one-shot job (a migration): it runs to completion before the services restart.
        toml.push_str("\n[services.migrate]\nimage = \"shop-migrate\"\nkind = \"job\"\n");
        for (service, port) in &ports {
            let var = if *service == "web" {
                "GREETING"
            } else {
                "API_KEY"
            };
            toml.push_str(&format!(
                "\n[services.{service}]\nimage = \"shop-{service}\"\nport = {port}\n\
                 health = \"/health\"\nenv = [\"{var}\"]\n"
            ));
        }
        std::fs::write(repo.join("registry.toml"), toml).unwrap();
        ghcr_gen_ok(&repo, &["render"]);
        let script = repo.join("deploy/deploy.sh");
        assert!(
            script.is_file(),
            "`ghcr-gen render` wrote no deploy/deploy.sh"
        );
        // The server's filled-in env file, from the rendered template.
        let template = std::fs::read_to_string(repo.join("deploy/.env.example"))
            .expect("render wrote deploy/.env.example");
        std::fs::write(repo.join("deploy/.env"), template).unwrap();
        std::fs::write(
            repo.join("deploy/host-network.yaml"),
            format!(
                "{}  migrate:\n    network_mode: host\n",
                host_network_override(&SERVICES)
            ),
        )
        .unwrap();

        let server = engine.client(&work.path().join("server"));
        let publisher = engine.client(&work.path().join("publisher"));
        let login = run_with_stdin(
            &mut engine.docker(
                &publisher,
                &["login", "-u", &user, "--password-stdin", &host],
            ),
            Some(format!("{token}\n")),
        );
        assert!(login.status.success(), "login: {}", output_text(&login));
        let d = Deployment {
            engine,
            _registry: registry,
            project: format!("e2e-deploy-{}", random_alnum(8).to_lowercase()),
            work,
            repo,
            server,
            publisher,
            host,
            user,
            token,
            ports,
        };
        for (service, port) in &d.ports {
            for (tag, healthy) in [("v1", true), ("v2", false), ("v3", true)] {
                build_push_forget(&d.publisher, &d.reference(service, tag), *port, healthy);
            }
        }
        for tag in ["v1", "v2", "v3"] {
            build_push_forget_cmd(
                &d.publisher,
                &d.reference("migrate", tag),
                &format!("[\"/bin/echo\", \"migrated-{tag}\"]"),
            );
        }
        d
    }

    /// `registry/e2e-owner/shop-SERVICE:TAG`, as the rendered compose file names it.
    fn reference(&self, service: &str, tag: &str) -> String {
        format!("{}/e2e-owner/shop-{service}:{tag}", self.host)
    }

    fn references(&self, tag: &str) -> Vec<String> {
        SERVICES.iter().map(|s| self.reference(s, tag)).collect()
    }

    /// Runs `deploy/deploy.sh ARGS` with the right token.
    fn deploy(&self, args: &[&str]) -> Run {
        self.deploy_with_token(args, &self.token)
    }

    /// Runs `deploy/deploy.sh ARGS` as a server would, with `token` in GITHUB_TOKEN,
    /// polling every process's arguments for the real token while it runs; panics when the
    /// token shows up there or in the script's output.
    fn deploy_with_token(&self, args: &[&str], token: &str) -> Run {
        self.deploy_with(args, token, &[])
    }

    /// [`Deployment::deploy_with_token`] with more environment variables.
    fn deploy_with(&self, args: &[&str], token: &str, env: &[(&str, &str)]) -> Run {
        let deploy_dir = self.repo.join("deploy");
        let compose_file = format!(
            "{}:{}",
            deploy_dir.join("compose.yaml").display(),
            deploy_dir.join("host-network.yaml").display()
        );
        let mut command = Command::new(deploy_dir.join("deploy.sh"));
        command
            .args(args)
            .current_dir(self.work.path())
            .env("GITHUB_USER", &self.user)
            .env("GITHUB_TOKEN", token)
            .env("DEPLOY_WAIT_TIMEOUT", "60")
            .env_remove("IMAGE_TAG")
            .env_remove("GHCR_TOKEN")
            .envs(env.iter().copied());
        self.engine.env(&mut command, &self.server);
        command
            .env("COMPOSE_FILE", compose_file)
            .env("COMPOSE_PROJECT_NAME", &self.project)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let done = Arc::new(AtomicBool::new(false));
        let poller = {
            let done = Arc::clone(&done);
            let secret = self.token.clone().into_bytes();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                // Polls that saw the script itself: proof the poller sees other processes.
                let mut saw_script = 0u64;
                while !done.load(Ordering::Relaxed) {
                    let (showing, script) = processes_showing(&secret, b"deploy.sh");
                    seen.extend(showing);
                    saw_script += u64::from(script);
                    std::thread::sleep(Duration::from_millis(2));
                }
                (seen, saw_script)
            })
        };
        let out = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run deploy/deploy.sh: {e}"))
            .wait_with_output()
            .unwrap();
        done.store(true, Ordering::Relaxed);
        let (seen, saw_script) = poller.join().unwrap();
        let run = Run {
            what: format!("deploy.sh {}", args.join(" ")),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            saw_script > 0,
            "`{}`: the poller never saw the script's own argument list",
            run.what
        );
        assert!(
            seen.is_empty(),
            "`{}`: the token is in the argument list of {seen:?}",
            run.what
        );
        assert!(
            !run.stdout.contains(&self.token) && !run.stderr.contains(&self.token),
            "`{}` printed the token",
            run.what
        );
        run
    }

    /// Sets `values` in the server's env file (`deploy/.env`, copied from the template).
    fn fill_env(&self, values: &[(&str, &str)]) {
        let path = self.repo.join("deploy/.env");
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (key, value) in values {
            let empty = format!("\n{key}=\n");
            assert!(
                text.contains(&empty),
                "the env template has no empty {key}:\n{text}"
            );
            text = text.replace(&empty, &format!("\n{key}={value}\n"));
        }
        std::fs::write(path, text).unwrap();
    }

    /// The environment of container `id`, one `NAME=value` per entry.
    fn env_of(&self, id: &str) -> Vec<String> {
        self.docker_text(&[
            "inspect",
            "--format",
            "{{range .Config.Env}}{{println .}}{{end}}",
            id,
        ])
        .lines()
        .map(str::to_owned)
        .collect()
    }

    /// The project's containers by service (none when nothing was created); panics when a
    /// service has two.
    fn running(&self, when: &str) -> BTreeMap<String, Container> {
        let ids = self.docker_text(&[
            "ps",
            "-a",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.project),
        ]);
        let mut args = vec![
            "inspect",
            "--format",
            "{{index .Config.Labels \"com.docker.compose.service\"}} {{.Id}} {{.Image}} \
             {{.Config.Image}} {{.State.StartedAt}} \
             {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}",
        ];
        args.extend(ids.split_whitespace());
        let mut containers = BTreeMap::new();
        if ids.trim().is_empty() {
            return containers;
        }
        for line in self.docker_text(&args).lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 6, "{when}: unexpected inspect line {line}");
            let old = containers.insert(
                f[0].to_owned(),
                Container {
                    id: f[1].to_owned(),
                    image_id: f[2].to_owned(),
                    reference: f[3].to_owned(),
                    started_at: f[4].to_owned(),
                    health: f[5].to_owned(),
                },
            );
            assert!(old.is_none(), "{when}: two containers for {}", f[0]);
        }
        containers
    }

    /// Every service runs `tag`, healthy, and answers on its port.
    fn assert_all_healthy_on(&self, containers: &BTreeMap<String, Container>, tag: &str) {
        for service in SERVICES {
            let c = containers
                .get(service)
                .unwrap_or_else(|| panic!("no container for {service}: {containers:?}"));
            assert_eq!(c.reference, self.reference(service, tag), "{service}");
            assert_eq!(c.health, "healthy", "{service} on {tag}: {c:?}");
            assert_eq!(
                http_get(self.ports[service], "/health").as_deref(),
                Some("ok\n"),
                "{service} on {tag} does not answer /health"
            );
        }
    }

    fn has_image(&self, reference: &str) -> bool {
        self.docker(&["image", "inspect", reference])
            .output()
            .unwrap()
            .status
            .success()
    }

    /// Removes `references` from the engine.
    fn forget(&self, references: &[String]) {
        let mut args = vec!["rmi"];
        args.extend(references.iter().map(String::as_str));
        self.docker_text(&args);
    }

    fn docker(&self, args: &[&str]) -> Command {
        self.engine.docker(&self.publisher, args)
    }

    fn docker_text(&self, args: &[&str]) -> String {
        let out = self.docker(args).output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            output_text(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Deployment {
    /// Removes the project's containers and every image of this test's registry.
    fn drop(&mut self) {
        let _ = self
            .docker(&["compose", "-p", &self.project, "down", "--timeout", "1"])
            .output();
        self.engine.forget_images_of(&self.publisher, &self.host);
    }
}

/// Container ID and start time per service: equal before and after means nothing restarted.
fn started(containers: &BTreeMap<String, Container>) -> Vec<(String, String, String)> {
    containers
        .iter()
        .map(|(s, c)| (s.clone(), c.id.clone(), c.started_at.clone()))
        .collect()
}

/// Image ID per service.
fn image_ids(containers: &BTreeMap<String, Container>) -> Vec<(String, String)> {
    containers
        .iter()
        .map(|(s, c)| (s.clone(), c.image_id.clone()))
        .collect()
}

/// The processes whose argument list contains `secret`, as "PID: arguments" with the
/// secret masked, and whether any process's argument list contains `marker`.
fn processes_showing(secret: &[u8], marker: &[u8]) -> (Vec<String>, bool) {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return (vec!["/proc is unreadable".to_owned()], false);
    };
    let mut found = Vec::new();
    let mut marked = false;
    for entry in dir.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        marked |= cmdline.windows(marker.len()).any(|w| w == marker);
        if cmdline.windows(secret.len()).any(|w| w == secret) {
            let shown = String::from_utf8_lossy(&cmdline)
                .replace('\0', " ")
                .replace(&*String::from_utf8_lossy(secret), "***");
            found.push(format!("{}: {shown}", name.to_string_lossy()));
        }
    }
    (found, marked)
}
