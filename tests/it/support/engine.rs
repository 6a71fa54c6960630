//! A real Docker engine and real registries for the end-to-end tests.
//!
//! The first test of this process that needs the engine runs `scripts/e2e/start-engine.sh`
//! once (a `OnceLock`): it installs docker.io, docker-registry, busybox and the compose v2
//! plugin when missing and starts (or reuses) a private `dockerd` under
//! `$GHCR_GEN_E2E_DIR` (default `/tmp/ghcr-gen-e2e`), without a bridge or iptables; then
//! `scripts/e2e/base-image.sh` builds the busybox base image. When anything cannot be
//! installed or started the test FAILS with the script's output: these tests never skip.
//! `.ci/run` starts the same engine before `cargo test` and stops it at the end; a plain
//! `cargo test` leaves it running for the next run (`scripts/e2e/stop.sh` stops it).
//!
//! Each test gets its own [`Registry`] (a fresh docker-registry on a free loopback port,
//! stopped when dropped) and its own Docker client configuration ([`Engine::client`]), so
//! tests run in parallel without sharing logins or image names.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

/// The base image every test image is built `FROM`: busybox `httpd` serving `/www` (with
/// a `/health` file) as uid 65532, and `wget` for health checks. The version changes whenever
/// `scripts/e2e/base-image.sh` does (it keeps an image that exists).
pub(crate) const BASE_IMAGE: &str = "ghcr-gen-e2e/base:2";

/// The running engine of this test process.
pub(crate) struct Engine {
    /// Where the engine keeps its socket, data, log and the compose plugin.
    pub(crate) dir: PathBuf,
    /// `unix://DIR/docker.sock`.
    pub(crate) host: String,
}

/// The engine, installed and started on first use (once per process); panics with the
/// scripts' output when it cannot be.
pub(crate) fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = match std::env::var_os("GHCR_GEN_E2E_DIR") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => PathBuf::from("/tmp/ghcr-gen-e2e"),
        };
        let out = script_output(
            Command::new("bash")
                .arg(script("start-engine.sh"))
                .arg(&dir),
        );
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(
            line.contains("DOCKER_HOST=unix://"),
            "scripts/e2e/start-engine.sh printed no DOCKER_HOST: {line}"
        );
        let engine = Engine {
            host: format!("unix://{}/docker.sock", dir.display()),
            dir,
        };
        let mut base = Command::new("bash");
        base.arg(script("base-image.sh")).arg(BASE_IMAGE);
        engine.env(&mut base, &engine.dir.join("config"));
        script_output(&mut base);
        engine
    })
}

impl Engine {
    /// A Docker client configuration directory of its own under `dir` (logins stay there),
    /// with the compose v2 plugin.
    pub(crate) fn client(&self, dir: &Path) -> PathBuf {
        let config = dir.join("docker-config");
        std::fs::create_dir_all(&config).unwrap();
        let plugins = config.join("cli-plugins");
        if !plugins.exists() {
            std::os::unix::fs::symlink(self.dir.join("cli-plugins"), &plugins).unwrap();
        }
        config
    }

    /// Points `command` at this engine with the client configuration `config`.
    pub(crate) fn env<'c>(&self, command: &'c mut Command, config: &Path) -> &'c mut Command {
        command
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", config)
            .env("DOCKER_BUILDKIT", "0")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
    }

    /// `docker ARGS` against this engine with the client configuration `config`.
    pub(crate) fn docker(&self, config: &Path, args: &[&str]) -> Command {
        let mut command = Command::new("docker");
        command.args(args);
        self.env(&mut command, config);
        command
    }

    /// Removes every image named after the registry `host` from the engine (a test's
    /// clean-up; errors ignored).
    pub(crate) fn forget_images_of(&self, config: &Path, host: &str) {
        let Ok(out) = self
            .docker(
                config,
                &[
                    "image",
                    "ls",
                    "-q",
                    "--filter",
                    &format!("reference={host}/*/*"),
                ],
            )
            .output()
        else {
            return;
        };
        let ids = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut args = vec!["rmi", "-f"];
        args.extend(ids.split_whitespace());
        if args.len() > 2 {
            let _ = self.docker(config, &args).output();
        }
    }

    /// The daemon's log so far (every test's daemon-side activity is in it).
    pub(crate) fn daemon_log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.dir.join("dockerd.log")).unwrap_or_default())
            .into_owned()
    }
}

/// A docker-registry on 127.0.0.1, started for one test and stopped when dropped.
pub(crate) struct Registry {
    dir: TempDir,
    /// `127.0.0.1:PORT`, the registry host images are named with.
    pub(crate) host: String,
}

impl Registry {
    /// A registry requiring an htpasswd login as `user` with `password` (given to the
    /// start script on standard input, never as an argument).
    pub(crate) fn htpasswd(user: &str, password: &str) -> Registry {
        Registry::start(&["htpasswd", user, "-"], Some(password))
    }

    fn start(auth: &[&str], password: Option<&str>) -> Registry {
        let dir = tempfile::Builder::new()
            .prefix("registry-")
            .tempdir_in(&engine().dir)
            .unwrap();
        // A port found free may be taken before the registry binds it: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut command = Command::new("bash");
            command
                .arg(script("start-registry.sh"))
                .arg(dir.path())
                .arg(port.to_string())
                .args(auth);
            match run_with_stdin(&mut command, password.map(|p| format!("{p}\n"))) {
                out if out.status.success() => {
                    return Registry {
                        dir,
                        host: format!("127.0.0.1:{port}"),
                    };
                }
                out => last = output_text(&out),
            }
        }
        panic!("scripts/e2e/start-registry.sh failed five times:\n{last}");
    }

    /// The registry's own log.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script("stop-registry.sh"))
            .arg(self.dir.path())
            .output();
    }
}

/// A loopback TCP port nothing listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A random string of `len` ASCII letters and digits, made at run time (fixture secrets
/// are never committed).
pub(crate) fn random_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        let mut bits = hasher.finish();
        for _ in 0..8 {
            if out.len() == len {
                break;
            }
            out.push(ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char);
            bits /= ALPHABET.len() as u64;
        }
    }
    out
}

/// Runs `command` with `stdin` (or none), capturing its output.
pub(crate) fn run_with_stdin(command: &mut Command, stdin: Option<String>) -> Output {
    use std::io::Write;
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Stdout then stderr of `out`, lossily decoded.
pub(crate) fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `scripts/e2e/NAME`.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/e2e")
        .join(name)
}

/// Runs a setup script; panics with its output (the test fails, never skips) unless it
/// succeeds.
fn script_output(command: &mut Command) -> Output {
    let out = run_with_stdin(command, None);
    assert!(
        out.status.success(),
        "end-to-end setup failed: {command:?} exited with {}:\n{}\n\
         The end-to-end tests need a Docker engine and a registry; see scripts/e2e/.",
        out.status,
        output_text(&out)
    );
    out
}

/// Builds `reference` `FROM` [`BASE_IMAGE`] with the legacy builder: `httpd` on `port`
/// serving the base image's `/www` (so `/health` answers 200) when `healthy`, an empty
/// directory (so `/health` answers 404) otherwise. Pushes it, then removes it from the
/// engine so that whoever uses it next really pulls it.
pub(crate) fn build_push_forget(config: &Path, reference: &str, port: u16, healthy: bool) {
    let www = if healthy { "/www" } else { "/tmp" };
    build_push_forget_cmd(
        config,
        reference,
        &format!("[\"/bin/httpd\", \"-f\", \"-p\", \"{port}\", \"-h\", \"{www}\"]"),
    );
}

/// [`build_push_forget`] for an image whose command is `cmd` (a JSON array of strings).
pub(crate) fn build_push_forget_cmd(config: &Path, reference: &str, cmd: &str) {
    let engine = engine();
    let context = tempfile::tempdir().unwrap();
    std::fs::write(
        context.path().join("Dockerfile"),
        // The label makes every reference a distinct image (v1 and v3 differ by ID).
        format!("FROM {BASE_IMAGE}\nLABEL org.opencontainers.image.ref.name=\"{reference}\"\nCMD {cmd}\n"),
    )
    .unwrap();
    let context_path = context.path().to_str().unwrap();
    for args in [
        &["build", "-q", "-t", reference, context_path][..],
        &["push", "-q", reference],
        &["rmi", reference],
    ] {
        let out = engine.docker(config, args).output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?} failed:\n{}",
            output_text(&out)
        );
    }
}

/// A compose override putting every service in `services` on the host's network with no
/// published ports (the engine has no bridge) and a health check probed every second, so
/// that a healthy service is seen healthy, and an unhealthy one unhealthy, within seconds.
pub(crate) fn host_network_override(services: &[&str]) -> String {
    let mut text = String::from("services:\n");
    for service in services {
        text.push_str(&format!(
            "  {service}:\n    network_mode: host\n    ports: !reset []\n    \
             healthcheck: {{interval: 1s, timeout: 2s, retries: 2, start_period: 0s}}\n"
        ));
    }
    text
}

/// The body of `GET http://127.0.0.1:PORT/PATH`, or `None` when nothing answers 200.
pub(crate) fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.0 200")
        .then(|| body.to_owned())
        .or_else(|| head.starts_with("HTTP/1.1 200").then(|| body.to_owned()))
}
