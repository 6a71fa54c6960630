//! One transcript per class of bad registry.toml: the exact message, file:line:col, exit 2,
//! and nothing written. Expected output is inline; `SNAPSHOTS=overwrite cargo test` updates it.

use std::path::Path;

use snapbox::cmd::{Command, cargo_bin};
use snapbox::{IntoData, str};

/// Writes `config` as registry.toml in a fresh directory, runs `ghcr-gen render` there,
/// checks exit 2 and that the directory holds nothing but what `setup` made.
fn render_fails(config: &[u8], setup: impl FnOnce(&Path), stderr: impl IntoData) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("registry.toml"), config).unwrap();
    setup(dir.path());
    let before = listing(dir.path());
    Command::new(cargo_bin!("ghcr-gen"))
        .arg("render")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .assert()
        .code(2)
        .stdout_eq(str![""])
        .stderr_eq(stderr);
    assert_eq!(listing(dir.path()), before, "a failed render wrote files");
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

fn none(_: &Path) {}

#[test]
fn toml_syntax_error() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"x\n",
        none,
        str![[r#"
error: invalid TOML
 --> registry.toml:2:10
  |
2 | repo = "x
  |          ^ invalid basic string, expected `"`

"#]],
    );
}

#[test]
fn duplicate_key() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"x\"\nowner = \"other\"\n",
        none,
        str![[r#"
error: invalid TOML
 --> registry.toml:3:1
  |
3 | owner = "other"
  | ^^^^^ duplicate key

"#]],
    );
}

#[test]
fn unknown_keys_in_every_table_are_all_reported() {
    render_fails(
        br#"owner = "acme"
repo = "x"
ownr = "typo"

[services.web]
prot = 80

[outputs]
composer = "a.yaml"

[tags]
rule = []

[workflow]
atest = true

[k8s]
secret = "x"
"#,
        none,
        str![[r#"
error: unknown key `ownr` in the top level
 --> registry.toml:3:1
  |
3 | ownr = "typo"
  | ^^^^ unknown key
  |
help: did you mean `owner`?

error: unknown key `prot` in [services.web]
 --> registry.toml:6:1
  |
6 | prot = 80
  | ^^^^ unknown key
  |
help: did you mean `port`?

error: unknown key `composer` in [outputs]
 --> registry.toml:9:1
  |
9 | composer = "a.yaml"
  | ^^^^^^^^ unknown key
  |
help: did you mean `compose`?

error: unknown key `rule` in [tags]
  --> registry.toml:12:1
   |
12 | rule = []
   | ^^^^ unknown key
   |
help: did you mean `rules`?

error: unknown key `atest` in [workflow]
  --> registry.toml:15:1
   |
15 | atest = true
   | ^^^^^ unknown key
   |
help: did you mean `attest`?

error: unknown key `secret` in [k8s]
  --> registry.toml:18:1
   |
18 | secret = "x"
   | ^^^^^^ unknown key
   |
help: [k8s] takes: pull_secret, namespace, replicas, tag

"#]],
    );
}

#[test]
fn wrong_types() {
    render_fails(
        br#"owner = "acme"
repo = 42
platforms = "linux/amd64"

[services.web]
port = "8080"
env = "A"

[tags]
per_arch = "yes"
"#,
        none,
        str![[r#"
error: expected a string, found integer
 --> registry.toml:2:8
  |
2 | repo = 42
  |        ^^ this is an integer

error: expected an array of strings, found string
 --> registry.toml:3:13
  |
3 | platforms = "linux/amd64"
  |             ^^^^^^^^^^^^^ this is a string

error: expected an integer, found string
 --> registry.toml:6:8
  |
6 | port = "8080"
  |        ^^^^^^ this is a string

error: expected an array of strings, found string
 --> registry.toml:7:7
  |
7 | env = "A"
  |       ^^^ this is a string

error: expected a boolean (true or false), found string
  --> registry.toml:10:12
   |
10 | per_arch = "yes"
   |            ^^^^^ this is a string

"#]],
    );
}

#[test]
fn missing_owner_and_repo() {
    render_fails(
        b"suffix = \"-api\"\n",
        none,
        str![[r#"
error: missing required key `owner`
 --> registry.toml:1:1
  |
1 | suffix = "-api"
  | ^ `owner` is not set
  |
help: add `owner = "your-org"` at the top of the file

error: missing required key `repo`
 --> registry.toml:1:1
  |
1 | suffix = "-api"
  | ^ `repo` is not set
  |
help: add `repo = "your-repo"` at the top of the file

"#]],
    );
}

#[test]
fn owner_not_a_github_login() {
    render_fails(
        b"owner = \"acme--labs\"\nrepo = \"x\"\n",
        none,
        str![[r#"
error: invalid owner
 --> registry.toml:1:9
  |
1 | owner = "acme--labs"
  |         ^^^^^^^^^^^^ a GitHub login cannot contain two hyphens in a row

"#]],
    );
}

#[test]
fn repo_not_a_repository_name() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"my repo\"\n",
        none,
        str![[r#"
error: invalid repo
 --> registry.toml:2:8
  |
2 | repo = "my repo"
  |        ^^^^^^^^^ ' ' is not allowed; repository names use letters, digits, '.', '_' and '-'

"#]],
    );
}

#[test]
fn suffix_yielding_an_invalid_image_path() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"app\"\nsuffix = \"-API\"\n",
        none,
        str![[r#"
error: image path `app-API` is not a valid package name
 --> registry.toml:3:10
  |
3 | suffix = "-API"
  |          ^^^^^^ 'A' is uppercase; image paths must be lowercase

"#]],
    );
}

#[test]
fn image_template_yielding_an_invalid_image_path() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"app\"\nimage = \"{repo}//x\"\n",
        none,
        str![[r#"
error: image path `app//x` is not a valid package name
 --> registry.toml:3:9
  |
3 | image = "{repo}//x"
  |         ^^^^^^^^^^^ an image path cannot have an empty segment (`//`, or `/` at an end)
  |
help: package names are lowercase letters and digits joined by '.', '_', '__' or '-'; set `image` to choose one

"#]],
    );
}

#[test]
fn unknown_template_placeholder() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"app\"\nimage = \"{repo}-{svc}\"\n",
        none,
        str![[r#"
error: invalid image template
 --> registry.toml:3:9
  |
3 | image = "{repo}-{svc}"
  |         ^^^^^^^^^^^^^^ unknown placeholder {svc}
  |
help: placeholders are {repo}, {service} and {owner}

"#]],
    );
}

#[test]
fn two_services_yielding_the_same_image() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"app\"\nimage = \"{repo}\"\n\n[services.web]\n\n[services.api]\n",
        none,
        str![[r#"
error: services `web` and `api` both publish ghcr.io/acme/app
 --> registry.toml:7:11
  |
3 | image = "{repo}"
  |         -------- this template gives `app`
4 |
5 | [services.web]
  |           --- `web` publishes it too
6 |
7 | [services.api]
  |           ^^^ same image as another service
  |
help: give the image template a {service} placeholder, set `image` in one service, or give each service a distinct `variant` (a tag suffix)

"#]],
    );
}

#[test]
fn unknown_duplicate_and_empty_platforms() {
    render_fails(
        br#"owner = "acme"
repo = "app"
platforms = ["linux/amd64", "linux/arm65", "linux/amd64"]

[services.web]
platforms = []
"#,
        none,
        str![[r#"
error: unknown platform `linux/arm65`
 --> registry.toml:3:29
  |
3 | platforms = ["linux/amd64", "linux/arm65", "linux/amd64"]
  |                             ^^^^^^^^^^^^^ not an os/arch[/variant] buildx supports
  |
help: buildx platforms include linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/amd64/v4, linux/arm64, linux/arm64/v8

error: duplicate platform `linux/amd64`
 --> registry.toml:3:44
  |
3 | platforms = ["linux/amd64", "linux/arm65", "linux/amd64"]
  |                                            ^^^^^^^^^^^^^ listed twice

error: empty platform list
 --> registry.toml:6:13
  |
6 | platforms = []
  |             ^^ no platform to build
  |
help: list at least one platform, e.g. ["linux/amd64"]

"#]],
    );
}

#[test]
fn port_out_of_range() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"app\"\n\n[services.web]\nport = 70000\n",
        none,
        str![[r#"
error: port 70000 is out of range
 --> registry.toml:5:8
  |
5 | port = 70000
  |        ^^^^^ ports are 1-65535

"#]],
    );
}

#[test]
fn env_names_that_are_not_identifiers() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"app\"\n\n[services.web]\nenv = [\"OK_1\", \"1BAD\", \"NO-DASH\"]\n",
        none,
        str![[r#"
error: invalid environment variable name
 --> registry.toml:5:16
  |
5 | env = ["OK_1", "1BAD", "NO-DASH"]
  |                ^^^^^^ '1' cannot start a variable name

error: invalid environment variable name
 --> registry.toml:5:24
  |
5 | env = ["OK_1", "1BAD", "NO-DASH"]
  |                        ^^^^^^^^^ '-' is not allowed; variable names use letters, digits and '_'

"#]],
    );
}

#[test]
fn branch_names_that_are_not_git_refs() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"app\"\ndefault_branch = \"main..x\"\n\n[tags]\nbranches = [\"ok\", \"bad branch\"]\n",
        none,
        str![[r#"
error: invalid default_branch
 --> registry.toml:3:18
  |
3 | default_branch = "main..x"
  |                  ^^^^^^^^^ not a valid git branch name: it contains '..'

error: invalid branch name
 --> registry.toml:6:19
  |
6 | branches = ["ok", "bad branch"]
  |                   ^^^^^^^^^^^^ not a valid git branch name: ' ' is not allowed

"#]],
    );
}

#[test]
fn output_paths_absolute_or_leaving_the_repository() {
    render_fails(
        br#"owner = "acme"
repo = "app"

[outputs]
compose = "/etc/compose.yaml"
k8s = "../k8s"
env = "link/.env.example"
"#,
        |dir| std::os::unix::fs::symlink("/tmp", dir.join("link")).unwrap(),
        str![[r#"
error: invalid output path `/etc/compose.yaml`
 --> registry.toml:5:11
  |
5 | compose = "/etc/compose.yaml"
  |           ^^^^^^^^^^^^^^^^^^^ absolute paths are not allowed
  |
help: paths are relative to registry.toml and stay inside the repository

error: invalid output path `../k8s`
 --> registry.toml:6:7
  |
6 | k8s = "../k8s"
  |       ^^^^^^^^ '..' would leave the repository
  |
help: paths are relative to registry.toml and stay inside the repository

error: output path `link/.env.example` leaves the repository
 --> registry.toml:7:7
  |
7 | env = "link/.env.example"
  |       ^^^^^^^^^^^^^^^^^^^ link is a symlink to /tmp, outside the repository
  |
help: paths are relative to registry.toml and stay inside the repository

"#]],
    );
}

#[test]
fn contexts_and_dockerfiles_outside_the_repository() {
    render_fails(
        br#"owner = "acme"
repo = "app"

[services.web]
context = "../web"
dockerfile = "/srv/Dockerfile"
"#,
        none,
        str![[r#"
error: invalid build context `../web`
 --> registry.toml:5:11
  |
5 | context = "../web"
  |           ^^^^^^^^ '..' would leave the repository
  |
help: paths are relative to registry.toml and stay inside the repository

error: invalid Dockerfile path `/srv/Dockerfile`
 --> registry.toml:6:14
  |
6 | dockerfile = "/srv/Dockerfile"
  |              ^^^^^^^^^^^^^^^^^ absolute paths are not allowed
  |
help: paths are relative to registry.toml and stay inside the repository

"#]],
    );
}

#[test]
fn file_that_is_not_utf8() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"caf\xe9\"\n",
        none,
        str![[r#"
error: the file is not valid UTF-8
 --> registry.toml:2:12
  |
2 | repo = "caf�"
  |            ^ invalid byte here
  |
help: save registry.toml as UTF-8

"#]],
    );
}

#[test]
fn provenance_mode_that_buildkit_does_not_have() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"x\"\n[workflow]\nprovenance = \"full\"\n",
        none,
        str![[r#"
error: invalid provenance `full`
 --> registry.toml:4:14
  |
4 | provenance = "full"
  |              ^^^^^^ "min", "max" or false

"#]],
    );
}

#[test]
fn provenance_true_is_not_a_mode() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"x\"\n[workflow]\nprovenance = true\n",
        none,
        str![[r#"
error: expected "min", "max" or false, found boolean
 --> registry.toml:4:14
  |
4 | provenance = true
  |              ^^^^ this is a boolean

"#]],
    );
}

#[test]
fn retention_keeping_no_tagged_version() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"x\"\n[retention]\nkeep = 0\n",
        none,
        str![[r#"
error: keep = 0 is out of range
 --> registry.toml:4:8
  |
4 | keep = 0
  |        ^ 1-1000
  |
help: to delete every tagged version, delete the package instead

"#]],
    );
}

#[test]
fn retention_schedule_that_is_not_known() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"x\"\n[retention]\nschedule = \"hourly\"\nkeep_tags = [\"la test\"]\n",
        none,
        str![[r#"
error: unknown schedule `hourly`
 --> registry.toml:4:12
  |
4 | schedule = "hourly"
  |            ^^^^^^^^ one of daily, weekly, monthly

error: invalid tag pattern
 --> registry.toml:5:14
  |
5 | keep_tags = ["la test"]
  |              ^^^^^^^^^ a tag, or a tag pattern with * and ? wildcards

"#]],
    );
}

#[test]
fn retention_on_a_registry_other_than_ghcr() {
    render_fails(
        b"registry = \"quay.io\"\nowner = \"acme\"\nrepo = \"x\"\n[retention]\n",
        none,
        str![[r#"
error: [retention] needs ghcr.io
 --> registry.toml:1:12
  |
1 | registry = "quay.io"
  |            ^^^^^^^^^ the cleanup workflow deletes GHCR package versions, not `quay.io` ones
  |
help: remove [retention] or publish to ghcr.io

"#]],
    );
}

#[test]
fn a_malformed_registry_host_is_an_error_at_its_value() {
    render_fails(
        b"registry = \"registry..local\"\nowner = \"acme\"\nrepo = \"shop\"\n",
        none,
        str![[r#"
error: invalid registry
 --> registry.toml:1:12
  |
1 | registry = "registry..local"
  |            ^^^^^^^^^^^^^^^^^ `registry..local` is not a valid registry host: a registry is a host name such as ghcr.io, without scheme or path
  |
help: a registry is "ghcr.io", "docker.io", "quay.io", "<account>.dkr.ecr.<region>.amazonaws.com", "<name>.azurecr.io", "<region>-docker.pkg.dev/<project>/<repository>" or another registry's host[:port]

"#]],
    );
}

#[test]
fn mirror_equal_to_the_primary_registry() {
    render_fails(
        b"registry = \"quay.io\"\nowner = \"acme\"\nrepo = \"shop\"\nalso = [\"ghcr.io\", \"quay.io\"]\n",
        none,
        str![[r#"
error: mirror is the primary registry `quay.io`
 --> registry.toml:4:20
  |
4 | also = ["ghcr.io", "quay.io"]
  |                    ^^^^^^^^^ already pushed there as the primary

"#]],
    );
}

#[test]
fn artifact_registry_without_project_and_repository() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"shop\"\n[services.api]\nregistry = \"europe-west1-docker.pkg.dev\"\n",
        none,
        str![[r#"
error: invalid registry
 --> registry.toml:4:12
  |
4 | registry = "europe-west1-docker.pkg.dev"
  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ an Artifact Registry host needs the project and repository: <region>-docker.pkg.dev/<project>/<repository>
  |
help: a registry is "ghcr.io", "docker.io", "quay.io", "<account>.dkr.ecr.<region>.amazonaws.com", "<name>.azurecr.io", "<region>-docker.pkg.dev/<project>/<repository>" or another registry's host[:port]

"#]],
    );
}

#[test]
fn docker_hub_namespace_from_an_owner_with_a_hyphen() {
    render_fails(
        b"registry = \"docker.io\"\nowner = \"acme-labs\"\nrepo = \"shop\"\n",
        none,
        str![[r#"
error: invalid Docker Hub namespace
 --> registry.toml:1:12
  |
1 | registry = "docker.io"
  |            ^^^^^^^^^^^ Docker Hub namespaces are 4-30 lowercase letters and digits, not `acme-labs`
  |
help: set `namespace = "<your Docker Hub user or organisation>"` at the top of the file

"#]],
    );
}

#[test]
fn uppercase_mirror_and_nested_package_on_quay() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"shop\"\nimage = \"team/{repo}\"\nalso = [\"Docker.io\", \"quay.io\"]\n",
        none,
        str![[r#"
error: invalid registry
 --> registry.toml:4:9
  |
4 | also = ["Docker.io", "quay.io"]
  |         ^^^^^^^^^^^ registries are written in lowercase
  |
help: write "docker.io"

error: Quay has no nested repositories
 --> registry.toml:4:22
  |
4 | also = ["Docker.io", "quay.io"]
  |                      ^^^^^^^^^ the package `team/shop` contains '/'
  |
help: repositories there are <namespace>/<name>; set `image` to a name without '/'

"#]],
    );
}

#[test]
fn retention_with_a_service_published_elsewhere() {
    render_fails(
        b"owner = \"acme\"\nrepo = \"shop\"\n[services.api]\nregistry = \"quay.io\"\n[retention]\n",
        none,
        str![[r#"
error: [retention] needs ghcr.io
 --> registry.toml:4:12
  |
4 | registry = "quay.io"
  |            ^^^^^^^^^ the cleanup workflow deletes GHCR package versions, not `quay.io` ones
  |
help: remove [retention] or publish every service to ghcr.io

"#]],
    );
}
