//! The config keys of build inputs, variants, per-service tags and the extra platforms:
//! one transcript per class of mistake (message at file:line:col, exit 2), and what a
//! valid use gives (`images --format json`, `tags`).

use snapbox::cmd::{Command, cargo_bin};
use snapbox::{IntoData, str};

/// Runs `ghcr-gen ARGS` in a directory holding `config` as registry.toml.
fn run(config: &str, args: &[&str], code: i32, stdout: impl IntoData, stderr: impl IntoData) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("registry.toml"), config).unwrap();
    Command::new(cargo_bin!("ghcr-gen"))
        .args(args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .assert()
        .code(code)
        .stdout_eq(stdout)
        .stderr_eq(stderr);
}

/// `images` fails with exit 2 and exactly `stderr`.
fn fails(config: &str, stderr: impl IntoData) {
    run(config, &["images"], 2, str![""], stderr);
}

const HEAD: &str = "owner = \"acme\"\nrepo = \"app\"\n";

#[test]
fn services_sharing_an_image_need_a_variant_each() {
    fails(
        &format!(
            "{HEAD}\n[services.web]\nimage = \"{{repo}}\"\nvariant = \"web\"\n\n[services.api]\nimage = \"{{repo}}\"\n"
        ),
        str![[r#"
error: services `web` and `api` both publish ghcr.io/acme/app
 --> registry.toml:8:11
  |
4 | [services.web]
  |           --- `web` publishes it too
5 | image = "{repo}"
  |         -------- this template gives `app`
...
8 | [services.api]
  |           ^^^ same image as another service
9 | image = "{repo}"
  |         -------- this template gives `app`
  |
help: give the image template a {service} placeholder, set `image` in one service, or give each service a distinct `variant` (a tag suffix)

"#]],
    );
}

#[test]
fn variants_of_one_image_must_differ() {
    fails(
        &format!(
            "{HEAD}\n[services.web]\nimage = \"{{repo}}\"\nvariant = \"x\"\n\n[services.api]\nimage = \"{{repo}}\"\nvariant = \"x\"\n"
        ),
        str![[r#"
error: services `web` and `api` publish ghcr.io/acme/app with the same variant `x`
  --> registry.toml:10:11
   |
 6 | variant = "x"
   |           --- `web` uses it
...
10 | variant = "x"
   |           ^^^ same variant as another service of this image
   |
help: give each service publishing this image a distinct `variant`

"#]],
    );
}

#[test]
fn a_rule_suffix_replacing_the_variant_is_a_tag_collision() {
    fails(
        &format!(
            "{HEAD}\n[tags]\nrules = [\"type=ref,event=branch,suffix=-{{{{sha}}}}\"]\n\n\
             [services.web]\nimage = \"{{repo}}\"\nvariant = \"web\"\n\n\
             [services.api]\nimage = \"{{repo}}\"\nvariant = \"api\"\n"
        ),
        str![[r#"
error: variants `web` and `api` would both push ghcr.io/acme/app:main-0123456
  --> registry.toml:13:11
   |
13 | variant = "api"
   |           ^^^^^ on push of refs/heads/main
   |
help: a tag rule with its own `suffix=` replaces the variant's suffix: end that suffix with the variant (e.g. suffix=-{{sha}}-VARIANT), or give the services their own [services.NAME.tags] rules

"#]],
    );
}

#[test]
fn invalid_variant_target_and_build_args() {
    fails(
        &format!(
            "{HEAD}\n[services.web]\nvariant = \"-web\"\ntarget = \"\"\n\
             build_args = {{ \"1X\" = \"a\", OK = \"line\\nbreak\" }}\n"
        ),
        str![[r#"
error: invalid variant
 --> registry.toml:5:11
  |
5 | variant = "-web"
  |           ^^^^^^ must start with a letter or digit

error: invalid build target ``
 --> registry.toml:6:10
  |
6 | target = ""
  |          ^^ a Dockerfile stage name: letters, digits, '-', '_' and '.'
  |
help: set `target` to the name after `AS` in a `FROM ... AS NAME` line

error: invalid build argument name
 --> registry.toml:7:16
  |
7 | build_args = { "1X" = "a", OK = "line/nbreak" }
  |                ^^^^ `1X` is not a build argument name ([A-Za-z_][A-Za-z0-9_]*)

error: invalid value of build argument `OK`
 --> registry.toml:7:33
  |
7 | build_args = { "1X" = "a", OK = "line/nbreak" }
  |                                 ^^^^^^^^^^^^^ contains a line break or control character
  |
help: build-push-action reads one NAME=VALUE per line; keep the value on one line

"#]],
    );
}

#[test]
fn variant_with_a_flavor_suffix_is_ambiguous() {
    fails(
        &format!(
            "{HEAD}\n[tags]\nflavor = [\"latest=auto\", \"suffix=-x\"]\n\n[services.web]\nvariant = \"web\"\n"
        ),
        str![[r#"
error: variant `web` and a flavor suffix
 --> registry.toml:8:11
  |
8 | variant = "web"
  |           ^^^^^ the flavor line `suffix=-x` sets the suffix the variant sets
  |
help: remove `suffix=` from the flavor, or remove `variant`

"#]],
    );
}

#[test]
fn workflow_wide_tag_keys_are_rejected_per_service_and_typos_get_a_suggestion() {
    fails(
        &format!(
            "{HEAD}\n[services.web.tags]\nbranches = [\"main\"]\nflavour = [\"latest=auto\"]\nrules = [\"type=bogus\"]\n"
        ),
        str![[r#"
error: `branches` cannot be set per service
 --> registry.toml:5:1
  |
5 | branches = ["main"]
  | ^^^^^^^^ workflow-wide setting
  |
help: publishing branches and per-arch tags apply to the whole workflow: set `branches` in the top-level [tags]

error: unknown key `flavour` in [services.web.tags]
 --> registry.toml:6:1
  |
6 | flavour = ["latest=auto"]
  | ^^^^^^^ unknown key
  |
help: did you mean `flavor`?

error: Unknown tag type attribute: bogus
 --> registry.toml:7:10
  |
7 | rules = ["type=bogus"]
  |          ^^^^^^^^^^^^ rejected by docker/metadata-action

"#]],
    );
}

#[test]
fn linux_arm_is_linux_arm_v7_so_listing_both_is_a_duplicate() {
    fails(
        &format!("{HEAD}platforms = [\"linux/arm/v7\", \"linux/arm\", \"linux/arm/v9\"]\n"),
        str![[r#"
error: duplicate platform `linux/arm`
 --> registry.toml:3:30
  |
3 | platforms = ["linux/arm/v7", "linux/arm", "linux/arm/v9"]
  |                              ^^^^^^^^^^^ `linux/arm` is `linux/arm/v7`, listed already

error: unknown platform `linux/arm/v9`
 --> registry.toml:3:43
  |
3 | platforms = ["linux/arm/v7", "linux/arm", "linux/arm/v9"]
  |                                           ^^^^^^^^^^^^^^ not an os/arch[/variant] buildx supports
  |
help: buildx platforms include linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/amd64/v4, linux/arm64, linux/arm64/v8

"#]],
    );
}

#[test]
fn a_runner_for_linux_arm_and_one_for_linux_arm_v7_name_one_platform_twice() {
    fails(
        &format!(
            "{HEAD}\n[workflow.runners]\n\"linux/arm/v7\" = \"qemu\"\n\"linux/arm\" = \"arm32-box\"\n"
        ),
        str![[r#"
error: duplicate platform `linux/arm`
 --> registry.toml:6:1
  |
6 | "linux/arm" = "arm32-box"
  | ^^^^^^^^^^^ `linux/arm/v7` has a runner already

"#]],
    );
}

#[test]
fn variants_get_their_suffix_and_a_service_its_own_rules_in_the_tag_preview() {
    let config = format!(
        "{HEAD}\n[services.web]\nimage = \"{{repo}}\"\nvariant = \"web\"\n\n\
         [services.worker]\nimage = \"{{repo}}\"\nvariant = \"worker\"\n\n\
         [services.cli]\n[services.cli.tags]\nrules = [\"type=semver,pattern=v{{{{version}}}}\"]\nflavor = [\"latest=false\"]\n"
    );
    run(
        &config,
        &[
            "tags",
            "--ref",
            "refs/tags/v1.2.3",
            "--sha",
            "0123456789abcdef0123456789abcdef01234567",
        ],
        0,
        str![[r#"
ghcr.io/acme/app:1.2.3-web
ghcr.io/acme/app:1.2-web
ghcr.io/acme/app:latest-web
ghcr.io/acme/app:1.2.3-worker
ghcr.io/acme/app:1.2-worker
ghcr.io/acme/app:latest-worker
ghcr.io/acme/app-cli:v1.2.3

"#]],
        str![""],
    );
    run(
        &config,
        &[
            "tags",
            "--ref",
            "refs/heads/main",
            "--sha",
            "0123456789abcdef0123456789abcdef01234567",
        ],
        0,
        str![[r#"
ghcr.io/acme/app:main-web
ghcr.io/acme/app:main-0123456-web
ghcr.io/acme/app:latest-web
ghcr.io/acme/app:main-worker
ghcr.io/acme/app:main-0123456-worker
ghcr.io/acme/app:latest-worker

"#]],
        str![""],
    );
}

/// The build matrix of the `variants` fixture's workflow.
fn variants_build_matrix() -> Vec<yaml_serde::Value> {
    let model = crate::support::shapes::fixture("variants");
    let templates = ghcr_gen::render::Templates::load(None).unwrap();
    let file = ghcr_gen::render::workflow::render(&model, &templates)
        .unwrap()
        .unwrap();
    let doc: yaml_serde::Value = yaml_serde::from_str(&file.contents).unwrap();
    let build = &doc["jobs"]["build"];
    let uses_build_push = build["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("docker/build-push-action@"))
        })
        .unwrap()
        .clone();
    assert_eq!(
        uses_build_push["with"]["target"].as_str(),
        Some("${{ matrix.target }}")
    );
    assert_eq!(
        uses_build_push["with"]["build-args"].as_str(),
        Some("${{ matrix.build-args }}")
    );
    build["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .clone()
}

#[test]
fn build_legs_carry_each_services_target_build_args_and_variant_flavor() {
    let legs = variants_build_matrix();
    let web = legs.iter().find(|l| l["service"] == "web").unwrap();
    assert_eq!(web["target"].as_str(), Some("runtime"));
    assert_eq!(
        web["build-args"].as_str(),
        Some("NODE_ENV=production\nAPP_VERSION=dev")
    );
    assert_eq!(
        web["flavor"].as_str(),
        Some("latest=auto\nsuffix=-web,onlatest=true")
    );
    let agent = legs.iter().find(|l| l["service"] == "agent").unwrap();
    assert_eq!(agent["target"].as_str(), Some(""));
    assert_eq!(agent["build-args"].as_str(), Some(""));
    assert_eq!(
        agent["tag-rules"].as_str(),
        Some("type=semver,pattern={{version}}\ntype=edge,branch=main")
    );
}

#[test]
fn extra_platforms_run_native_where_github_has_runners_and_under_qemu_elsewhere() {
    let legs = variants_build_matrix();
    let runner = |platform: &str| {
        let leg = legs
            .iter()
            .find(|l| l["platform"].as_str() == Some(platform))
            .unwrap_or_else(|| panic!("no leg for {platform}"));
        (
            leg["runner"].as_str().unwrap().to_string(),
            leg["qemu"].as_bool().unwrap(),
            leg["qemu-arch"].as_str().unwrap_or("").to_string(),
        )
    };
    let native = |label: &str| (label.to_string(), false, String::new());
    let qemu = |arch: &str| ("ubuntu-24.04".to_string(), true, arch.to_string());
    assert_eq!(runner("linux/arm64"), native("ubuntu-24.04-arm"));
    assert_eq!(runner("linux/386"), native("ubuntu-24.04"));
    // GitHub's arm64 runners cannot execute 32-bit arm code: emulated.
    assert_eq!(runner("linux/arm/v7"), qemu("arm"));
    assert_eq!(runner("linux/arm/v6"), qemu("arm"));
    assert_eq!(runner("linux/ppc64le"), qemu("ppc64le"));
    assert_eq!(runner("linux/s390x"), qemu("s390x"));
    assert_eq!(runner("linux/riscv64"), qemu("riscv64"));
}

/// `images --format json` of the `variants` fixture: what tools read.
#[test]
fn images_json_of_the_variants_fixture() {
    let model = crate::support::shapes::fixture("variants");
    let entries = ghcr_gen::cmd::images::entries(&model);
    insta::assert_snapshot!(
        "images_variants_json",
        serde_json::to_string_pretty(&entries).unwrap()
    );
}

/// The cleanup workflow names a package shared by variants once.
#[test]
fn retention_names_a_package_shared_by_variants_once() {
    let model = crate::support::shapes::from_toml(&format!(
        "{HEAD}\n[retention]\n\n[services.web]\nimage = \"{{repo}}\"\nvariant = \"web\"\n\n\
         [services.worker]\nimage = \"{{repo}}\"\nvariant = \"worker\"\n\n[services.cli]\n"
    ));
    let templates = ghcr_gen::render::Templates::load(None).unwrap();
    let file = ghcr_gen::render::retention::render(&model, &templates)
        .unwrap()
        .unwrap();
    let doc: yaml_serde::Value = yaml_serde::from_str(&file.contents).unwrap();
    let steps = doc["jobs"]["clean"]["steps"].as_sequence().unwrap();
    assert_eq!(steps[0]["with"]["packages"].as_str(), Some("app,app-cli"));
}
