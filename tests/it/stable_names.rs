//! Package names never change as a side effect: `init` writes every `image`, so adding a
//! service leaves the first one's name alone; `render` refuses (exit 2, naming the file and
//! line) a name that differs from the committed generated files without `renamed_from`,
//! and `--accept-renames` records it; orphaned generated files of a removed service are
//! removed when unchanged since generation and reported otherwise.

use std::path::Path;

use crate::support::run::{ghcr_gen, ghcr_gen_ok, git};
use crate::support::tree::{temp_tree, write};

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn append(dir: &Path, rel: &str, text: &str) {
    let mut old = read(dir, rel);
    old.push_str(text);
    write(dir, rel, old);
}

fn commit(dir: &Path) {
    git(dir, &["add", "-A"]);
    git(
        dir,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "render",
        ],
    );
}

#[test]
fn adding_a_second_service_to_an_init_config_leaves_the_first_image_unchanged() {
    let dir = temp_tree(&[("Dockerfile", "FROM scratch\nUSER 1000\n")]);
    ghcr_gen_ok(dir.path(), &["init", "--owner", "acme", "--repo", "shop"]);
    assert!(read(dir.path(), "registry.toml").contains("image = \"{repo}\""));
    ghcr_gen_ok(dir.path(), &["render"]);
    let compose = read(dir.path(), "deploy/compose.yaml");
    assert!(
        compose.contains("image: ghcr.io/acme/shop:${IMAGE_TAG:-latest}"),
        "{compose}"
    );

    write(dir.path(), "worker/Dockerfile", "FROM scratch\n");
    append(
        dir.path(),
        "registry.toml",
        "\n[services.worker]\ncontext = \"worker\"\n",
    );
    let out = ghcr_gen(dir.path(), &["render"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let compose = read(dir.path(), "deploy/compose.yaml");
    assert!(
        compose.contains("image: ghcr.io/acme/shop:${IMAGE_TAG:-latest}"),
        "{compose}"
    );
    assert!(
        compose.contains("image: ghcr.io/acme/shop-worker:${IMAGE_TAG:-latest}"),
        "{compose}"
    );
}

#[test]
fn a_default_name_that_changes_makes_render_exit_2_naming_the_file_and_the_fix() {
    let dir = temp_tree(&[(
        "registry.toml",
        "owner = \"acme\"\nrepo = \"shop\"\n\n[services.web]\nport = 8080\n",
    )]);
    ghcr_gen_ok(dir.path(), &["render"]);
    let before = read(dir.path(), "deploy/compose.yaml");
    append(
        dir.path(),
        "registry.toml",
        "\n[services.worker]\ncontext = \"worker\"\n",
    );
    for args in [
        &["render"][..],
        &["render", "--check"],
        &["render", "--diff"],
    ] {
        let out = ghcr_gen(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("deploy/compose.yaml:8: service `web` is published as ghcr.io/acme/shop, but the config now gives ghcr.io/acme/shop-web"),
            "{stderr}"
        );
        assert!(stderr.contains("ghcr-gen rename"), "{stderr}");
        assert!(
            stderr.contains("ghcr-gen render --accept-renames"),
            "{stderr}"
        );
    }
    assert_eq!(
        read(dir.path(), "deploy/compose.yaml"),
        before,
        "nothing written"
    );

    let out = ghcr_gen(dir.path(), &["render", "--accept-renames"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let config = read(dir.path(), "registry.toml");
    assert!(
        config.contains("[services.web]\nport = 8080\nrenamed_from = [\"ghcr.io/acme/shop\"]\n"),
        "{config}"
    );
    // Recorded: the next render accepts the name without the flag.
    ghcr_gen_ok(dir.path(), &["render", "--check"]);
}

#[test]
fn orphans_of_a_removed_service_are_removed_when_unchanged_and_reported_otherwise() {
    let dir = temp_tree(&[(
        "registry.toml",
        "owner = \"acme\"\nrepo = \"shop\"\n\n[services.web]\nimage = \"{repo}-web\"\n\n[services.worker]\nimage = \"{repo}-worker\"\n\n[services.cron]\nimage = \"{repo}-cron\"\nkind = \"job\"\n",
    )]);
    git(dir.path(), &["init", "-q"]);
    ghcr_gen_ok(dir.path(), &["render"]);
    commit(dir.path());
    // cron's manifest edited by hand: not what ghcr-gen generated.
    append(dir.path(), "deploy/k8s/cron-job.yaml", "# local note\n");
    let config = read(dir.path(), "registry.toml");
    let kept = config
        .split("\n[services.worker]")
        .next()
        .unwrap()
        .to_string();
    write(dir.path(), "registry.toml", kept);

    let check = ghcr_gen(dir.path(), &["render", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{check:?}");
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("deploy/k8s/worker-deployment.yaml: orphaned"),
        "{stderr}"
    );

    let out = ghcr_gen(dir.path(), &["render"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("removed deploy/k8s/worker-deployment.yaml"),
        "{stderr}"
    );
    assert!(
        !dir.path()
            .join("deploy/k8s/worker-deployment.yaml")
            .exists()
    );
    assert!(
        stderr.contains("note: deploy/k8s/cron-job.yaml is a generated file no output writes"),
        "{stderr}"
    );
    assert!(
        dir.path().join("deploy/k8s/cron-job.yaml").exists(),
        "a changed orphan is kept"
    );
}
