//! The end-to-end infrastructure on its own: the private engine, an htpasswd registry on
//! loopback, images built FROM the busybox base, pushed, forgotten and pulled again, and
//! `docker compose up --wait` with host networking telling healthy from unhealthy. When
//! this fails, the deploy tests (e2e_deploy) cannot tell anything.

use crate::support::engine::{
    Registry, build_push_forget, engine, host_network_override, http_get, output_text,
    random_alnum, run_with_stdin,
};

#[test]
fn engine_pulls_from_htpasswd_registry_and_compose_waits_for_health_on_host_network() {
    let engine = engine();
    let work = tempfile::tempdir().unwrap();
    let config = engine.client(work.path());
    let user = format!("e2e{}", random_alnum(6).to_lowercase());
    let password = random_alnum(32);
    let registry = Registry::htpasswd(&user, &password);
    let host = &registry.host;

    // Anonymous pushes are refused: the registry really checks the login.
    let anonymous = engine
        .docker(&config, &["push", &format!("{host}/e2e/base:1")])
        .output()
        .unwrap();
    assert!(!anonymous.status.success());
    let bad = run_with_stdin(
        &mut engine.docker(
            &config,
            &["login", "-u", &user, "--password-stdin", host.as_str()],
        ),
        Some(format!("{}\n", random_alnum(32))),
    );
    assert!(!bad.status.success(), "a wrong password logged in");
    let login = run_with_stdin(
        &mut engine.docker(
            &config,
            &["login", "-u", &user, "--password-stdin", host.as_str()],
        ),
        Some(format!("{password}\n")),
    );
    assert!(login.status.success(), "login: {}", output_text(&login));

    let port = crate::support::engine::free_port();
    let image = format!("{host}/e2e/web");
    build_push_forget(&config, &format!("{image}:v1"), port, true);
    build_push_forget(&config, &format!("{image}:v2"), port, false);
    let absent = engine
        .docker(&config, &["image", "inspect", &format!("{image}:v1")])
        .output()
        .unwrap();
    assert!(!absent.status.success(), "the pushed image is still local");

    std::fs::write(
        work.path().join("compose.yaml"),
        format!(
            "services:\n  web:\n    image: {image}:${{IMAGE_TAG}}\n    ports: [\"{port}:{port}\"]\n    \
             healthcheck:\n      test: [\"CMD-SHELL\", \"wget -q --spider http://127.0.0.1:{port}/health || exit 1\"]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        work.path().join("host.yaml"),
        host_network_override(&["web"]),
    )
    .unwrap();
    let project = format!("e2e-engine-{}", random_alnum(8).to_lowercase());
    let compose = |tag: &str, args: &[&str]| {
        let mut command = engine.docker(&config, &["compose"]);
        command
            .args(args)
            .current_dir(work.path())
            .env("COMPOSE_FILE", "compose.yaml:host.yaml")
            .env("COMPOSE_PROJECT_NAME", &project)
            .env("IMAGE_TAG", tag);
        command.output().unwrap()
    };
    let _down = Down(Box::new(|| {
        let _ = compose("v1", &["down", "--timeout", "1"]);
        engine.forget_images_of(&config, host);
    }));

    let up = compose("v1", &["up", "-d", "--wait", "--wait-timeout", "60"]);
    assert!(
        up.status.success(),
        "v1 up: {}\nregistry log:\n{}",
        output_text(&up),
        registry.log()
    );
    assert_eq!(http_get(port, "/health").as_deref(), Some("ok\n"));
    let inspect = engine
        .docker(
            &config,
            &[
                "ps",
                "--filter",
                &format!("label=com.docker.compose.project={project}"),
                "--format",
                "{{.Image}} {{.Networks}} {{.Status}}",
            ],
        )
        .output()
        .unwrap();
    let ps = String::from_utf8_lossy(&inspect.stdout);
    assert!(
        ps.contains(&format!("{image}:v1 host Up")) && ps.contains("(healthy)"),
        "{ps}"
    );

    let up = compose("v2", &["up", "-d", "--wait", "--wait-timeout", "60"]);
    assert!(
        !up.status.success(),
        "v2 (no /health) came up healthy: {}",
        output_text(&up)
    );
    assert!(
        !engine.daemon_log().contains(&password),
        "the registry password is in the daemon's log"
    );
}

/// Runs its closure when dropped: containers are removed even when an assertion fails.
struct Down<'a>(Box<dyn Fn() + 'a>);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        (self.0)();
    }
}
