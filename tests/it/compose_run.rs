//! The rendered compose file works when run: `docker compose config` (the validators'
//! compose v2, no engine needed) with the filled-in env file passed as `--env-file`, as the
//! deploy script and the README run it, applies `IMAGE_TAG`, gives each service only its
//! own variables, publishes ports on 127.0.0.1 unless `public`, and stops with the
//! variable's name when a required value is missing.

use std::ffi::OsString;
use std::path::Path;

use crate::support::run::ghcr_gen_ok;
use crate::support::tree::{fixture_config, temp_tree, write};
use crate::support::validators;

/// `docker-compose --env-file ENV -f COMPOSE config --format json` in `root`.
fn compose_config(root: &Path, env: &str) -> validators::Run {
    let args: Vec<OsString> = [
        "--project-directory",
        "deploy",
        "--env-file",
        env,
        "-f",
        "deploy/compose.yaml",
        "config",
        "--format",
        "json",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    validators::run("docker-compose", &args, root)
}

fn json(run: &validators::Run) -> serde_json::Value {
    assert!(run.success, "{}", run.report());
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.report()))
}

/// The names of `service`'s environment, sorted.
fn env_names(doc: &serde_json::Value, service: &str) -> Vec<String> {
    let mut names: Vec<String> = doc["services"][service]["environment"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn compose_with_the_env_file_applies_image_tag_and_scopes_each_services_variables() {
    let dir = fixture_config("two-services");
    ghcr_gen_ok(dir.path(), &["render"]);
    let template = std::fs::read_to_string(dir.path().join("deploy/.env.example")).unwrap();
    let filled = template
        .replace("IMAGE_TAG=latest", "IMAGE_TAG=1.4.2")
        .replace("DATABASE_URL=\n", "DATABASE_URL=postgres://db/shop\n")
        .replace("JWT_SECRET=\n", "JWT_SECRET=only-for-nextjs\n")
        .replace("CRAWL_CONCURRENCY=\n", "CRAWL_CONCURRENCY=4\n");
    write(dir.path(), "deploy/.env", filled);
    let doc = json(&compose_config(dir.path(), "deploy/.env"));
    assert_eq!(
        doc["services"]["nextjs"]["image"],
        "ghcr.io/acme-labs/axon-doc-nextjs:1.4.2"
    );
    assert_eq!(
        doc["services"]["crawler"]["image"],
        "ghcr.io/acme-labs/axon-doc-crawler:1.4.2"
    );
    assert_eq!(env_names(&doc, "nextjs"), ["DATABASE_URL", "JWT_SECRET"]);
    assert_eq!(
        env_names(&doc, "crawler"),
        ["CRAWL_CONCURRENCY", "DATABASE_URL"]
    );
    assert_eq!(
        doc["services"]["nextjs"]["environment"]["JWT_SECRET"],
        "only-for-nextjs"
    );
    assert_eq!(
        doc["services"]["crawler"]["environment"]["CRAWL_CONCURRENCY"],
        "4"
    );
    // Nothing of the env file reaches a container wholesale.
    assert!(doc["services"]["crawler"].get("env_file").is_none());
    let port = &doc["services"]["nextjs"]["ports"][0];
    assert_eq!(port["host_ip"], "127.0.0.1", "{port}");
    assert_eq!(port["published"], "3000", "{port}");
    let test = doc["services"]["nextjs"]["healthcheck"]["test"].to_string();
    assert!(test.contains("wget") && test.contains("curl"), "{test}");
}

#[test]
fn a_missing_required_variable_stops_compose_naming_it_and_the_env_file() {
    let dir = fixture_config("two-services");
    ghcr_gen_ok(dir.path(), &["render"]);
    let template = std::fs::read_to_string(dir.path().join("deploy/.env.example")).unwrap();
    write(
        dir.path(),
        "deploy/.env",
        template
            .replace("DATABASE_URL=\n", "DATABASE_URL=x\n")
            .replace("CRAWL_CONCURRENCY=\n", "CRAWL_CONCURRENCY=1\n"),
    );
    let run = compose_config(dir.path(), "deploy/.env");
    assert!(!run.success, "{}", run.report());
    assert!(
        run.stderr.contains("set JWT_SECRET in deploy/.env"),
        "{}",
        run.report()
    );
}

#[test]
fn public_service_binds_every_interface_and_health_cmd_replaces_the_default() {
    let dir = temp_tree(&[(
        "registry.toml",
        "owner = \"acme\"\nrepo = \"shop\"\n\n[services.web]\nimage = \"shop\"\nport = 8080\npublic = true\nhealth_cmd = \"/app/healthcheck --port $PORT\"\n",
    )]);
    ghcr_gen_ok(dir.path(), &["render"]);
    write(dir.path(), "deploy/.env", "IMAGE_TAG=2\n");
    let doc = json(&compose_config(dir.path(), "deploy/.env"));
    let port = &doc["services"]["web"]["ports"][0];
    assert!(port.get("host_ip").is_none(), "{port}");
    // `config` prints compose's escaped form: the container's shell gets `$PORT`.
    assert_eq!(
        doc["services"]["web"]["healthcheck"]["test"],
        serde_json::json!(["CMD-SHELL", "/app/healthcheck --port $$PORT"])
    );
    assert_eq!(doc["services"]["web"]["image"], "ghcr.io/acme/shop:2");
}
