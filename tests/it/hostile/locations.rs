//! Hostile-input tests: locations (item 13). Each error points at the place that causes
//! it: an invalid service name at its key (not at `repo`), an image two services share at
//! both services and at the template that makes them collide, a registry port out of
//! range wherever a registry is given.

use crate::support::run::ghcr_gen_text;
use crate::support::tree::temp_tree;

#[test]
fn an_invalid_service_name_is_reported_at_its_key_only() {
    let dir = temp_tree(&[(
        "registry.toml",
        "owner = \"acme\"\nrepo = \"app\"\n\n[services.Nextjs]\nport = 3000\n",
    )]);
    let (code, _, stderr) = ghcr_gen_text(dir.path(), &["render", "--check"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: invalid service name\n --> registry.toml:4:11\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(!stderr.contains("repo = "), "{stderr}");
}

#[test]
fn two_services_sharing_an_image_are_reported_at_both_and_at_the_template() {
    let dir = temp_tree(&[(
        "registry.toml",
        "owner = \"acme\"\nrepo = \"app\"\nimage = \"{repo}\"\n\n[services.web]\n\n[services.api]\n",
    )]);
    let (code, _, stderr) = ghcr_gen_text(dir.path(), &["render", "--check"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: services `web` and `api` both publish ghcr.io/acme/app
 --> registry.toml:7:11
  |
3 | image = \"{repo}\"
  |         -------- this template gives `app`
4 |
5 | [services.web]
  |           --- `web` publishes it too
6 |
7 | [services.api]
  |           ^^^ same image as another service
  |
help: give the image template a {service} placeholder, set `image` in one service, or give each service a distinct `variant` (a tag suffix)
"
    );
}

#[test]
fn a_registry_port_out_of_range_is_rejected_in_the_config_and_for_rename() {
    for port in ["99999", "0", "65536"] {
        let config = format!("owner = \"acme\"\nregistry = \"ghcr.io:{port}\"\nrepo = \"app\"\n");
        let dir = temp_tree(&[("registry.toml", &config)]);
        let (code, _, stderr) = ghcr_gen_text(dir.path(), &["render", "--check"]);
        assert_eq!(code, 2, "{port}");
        assert!(
            stderr.contains(&format!("\"{port}\" is not a port number")),
            "{stderr}"
        );
        assert!(stderr.contains("registry.toml:2:12"), "{stderr}");

        let dir = temp_tree(&[("registry.toml", "owner = \"acme\"\nrepo = \"app\"\n")]);
        let flag = format!("ghcr.io:{port}");
        let (code, stdout, stderr) = ghcr_gen_text(dir.path(), &["rename", "--registry", &flag]);
        assert_eq!(code, 2, "{port}: {stdout}");
        assert!(stderr.contains("invalid --registry"), "{stderr}");
    }
    let dir = temp_tree(&[("registry.toml", "owner = \"acme\"\nrepo = \"app\"\n")]);
    let (code, _, _) = ghcr_gen_text(
        dir.path(),
        &["rename", "--registry", "registry.local:65535"],
    );
    assert_eq!(code, 0);
}

#[test]
fn init_names_the_flag_of_an_invalid_owner_not_a_line_of_an_unwritten_file() {
    let dir = temp_tree(&[]);
    let (code, _, stderr) = ghcr_gen_text(
        dir.path(),
        &["init", "--owner", "acme_labs", "--repo", "app"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: invalid --owner `acme_labs`: "),
        "{stderr}"
    );
    assert!(!stderr.contains("registry.toml:"), "{stderr}");
    assert!(!dir.path().join("registry.toml").exists());
}

#[test]
fn a_config_that_is_a_device_is_not_reported_as_missing() {
    let dir = temp_tree(&[]);
    let (code, _, stderr) =
        ghcr_gen_text(dir.path(), &["render", "--check", "--config", "/dev/null"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: config file /dev/null is not a regular file (a device, FIFO or socket)\n"
    );
}
