//! The reader of the existing setup (`ghcr_gen::setup`) on the fixture repositories: every
//! text defining a name, with its form and exact position (what `rename` edits), the
//! consumers, and hostile workflows that must neither hang nor blow memory.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::tree::{crate_path, temp_tree};
use ghcr_gen::setup::{self, ConsumerKind, DefinitionForm, PublishedImage, RepoContext, Setup};

fn ctx(owner: &str, repo: &str) -> RepoContext {
    RepoContext {
        owner: owner.into(),
        repo: repo.into(),
    }
}

fn read_fixture(name: &str, owner: &str, repo: &str) -> (Setup, std::path::PathBuf) {
    let root = crate_path(&format!("fixtures/adopt/{name}"));
    (setup::read(&root, &ctx(owner, repo)).unwrap(), root)
}

/// Each definition's form and text, checked against the bytes of its file at its range.
fn defs(img: &PublishedImage, root: &Path) -> Vec<(DefinitionForm, String, usize, usize)> {
    img.definitions
        .iter()
        .map(|d| {
            let text = std::fs::read_to_string(root.join(&d.file)).unwrap();
            assert_eq!(&text[d.range.clone()], d.text, "range of {d:?}");
            let line = text.lines().nth(d.line - 1).unwrap();
            let col_byte = line
                .char_indices()
                .nth(d.col - 1)
                .map_or(line.len(), |(i, _)| i);
            assert!(
                line[col_byte..].starts_with(d.text.lines().next().unwrap_or_default()),
                "line:col of {d:?}"
            );
            (d.form.clone(), d.text.clone(), d.line, d.col)
        })
        .collect()
}

#[test]
fn env_entry_with_github_repository_suffix_is_a_definition() {
    let (s, root) = read_fixture("env-suffix", "Acme-Labs", "shop");
    let img = &s.images[0];
    assert_eq!(img.path, "acme-labs/shop-svc");
    assert!(!img.may_be_uppercase, "metadata-action lowercases");
    let d = defs(img, &root);
    assert!(
        d.contains(&(
            DefinitionForm::GithubRepository,
            "${{ github.repository }}-svc".into(),
            8,
            15
        )),
        "{d:?}"
    );
    assert!(
        d.iter()
            .any(|x| x.0 == DefinitionForm::EnvVar
                && x.1 == "${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}"),
        "{d:?}"
    );
    // The registry alone does not define the name.
    assert!(!d.iter().any(|x| x.1 == "ghcr.io"), "{d:?}");
}

#[test]
fn tr_lowercasing_into_github_env_is_located_in_the_script() {
    let (s, root) = read_fixture("tr-env", "Acme-Labs", "Web-App");
    let img = &s.images[0];
    assert_eq!(img.path, "acme-labs/web-app");
    let d = defs(img, &root);
    assert!(
        d.iter().any(|x| x.0 == DefinitionForm::ShellLowercase
            && x.2 == 12
            && x.1
                .starts_with("\"IMAGE=$(echo ghcr.io/${{ github.repository }}")),
        "{d:?}"
    );
}

#[test]
fn parameter_lowercasing_into_a_step_output() {
    let (s, root) = read_fixture("param-output", "Acme-Labs", "notes");
    let img = &s.images[0];
    assert_eq!(img.path, "acme-labs/notes");
    let d = defs(img, &root);
    assert!(
        d.contains(&(
            DefinitionForm::GithubRepository,
            "\"${{ github.repository }}\"".into(),
            11,
            21
        )),
        "{d:?}"
    );
    assert!(
        d.iter()
            .any(|x| x.0 == DefinitionForm::ShellLowercase && x.1.contains("${repo_name,,}")),
        "{d:?}"
    );
}

#[test]
fn format_call_without_lowercasing_may_be_uppercase() {
    let (s, root) = read_fixture("format-call", "Acme-Labs", "store");
    let img = &s.images[0];
    assert_eq!(img.path, "Acme-Labs/store-api");
    assert!(img.may_be_uppercase);
    let d = defs(img, &root);
    assert!(
        d.iter()
            .any(|x| x.0 == DefinitionForm::FormatCall && x.2 == 5),
        "{d:?}"
    );
}

#[test]
fn matrix_values_define_each_service() {
    let (s, root) = read_fixture("matrix-include", "acme", "shop");
    let paths: Vec<&str> = s.images.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        ["acme/shop-api", "acme/shop-web", "acme/shop-worker"]
    );
    let d = defs(&s.images[2], &root);
    assert!(
        d.contains(&(DefinitionForm::MatrixValue, "worker".into(), 17, 22)),
        "{d:?}"
    );
}

#[test]
fn bake_file_tags_are_definitions_in_the_bake_file() {
    let (s, root) = read_fixture("bake", "acme", "shop");
    let worker = s
        .images
        .iter()
        .find(|i| i.path == "acme/shop-worker")
        .unwrap();
    let d = defs(worker, &root);
    assert!(
        worker
            .definitions
            .iter()
            .any(|x| x.file == Path::new("docker-bake.hcl") && x.line == 29),
        "{d:?}"
    );
}

#[test]
fn per_arch_legs_lend_their_platforms_to_the_merged_image() {
    let (s, _) = read_fixture("per-arch", "acme", "edge-proxy");
    assert_eq!(s.images.len(), 1);
    assert_eq!(s.images[0].platforms, ["linux/amd64", "linux/arm64"]);
    assert_eq!(s.images[0].context.as_deref(), Some("proxy"));
}

#[test]
fn consumers_of_every_kind() {
    let (s, _) = read_fixture("fork", "fork-owner", "notes");
    let c = &s.consumers[0];
    assert_eq!(
        (c.kind, c.path.as_str(), c.line, c.col),
        (ConsumerKind::Compose, "upstream-org/notes", 3, 12)
    );
    let (s, _) = read_fixture("helm-split", "acme", "chart-app");
    let c = &s.consumers[0];
    assert_eq!(
        (c.kind, c.registry.as_str(), c.path.as_str()),
        (ConsumerKind::Helm, "ghcr.io", "acme/chart-app")
    );
    let (s, _) = read_fixture("docs", "acme", "omnibus");
    let docs: Vec<(ConsumerKind, &str, Option<&str>)> = s
        .consumers
        .iter()
        .map(|c| (c.kind, c.path.as_str(), c.tag.as_deref()))
        .collect();
    assert_eq!(
        docs,
        [
            (
                ConsumerKind::Docs,
                "your-username/omnibus",
                Some("master-omnibus")
            ),
            (ConsumerKind::Docs, "acme/omnibus", Some("v1.2.3")),
            (ConsumerKind::Docs, "acme/omnibus", Some("1.2.3")),
            (ConsumerKind::Shell, "acme/omnibus", Some("nightly")),
        ]
    );
}

#[test]
fn read_workflow_without_a_repository_reads_the_shape_and_images() {
    let text = std::fs::read_to_string(crate_path(
        "fixtures/adopt/mirror/.github/workflows/publish.yml",
    ))
    .unwrap();
    let w = setup::read_workflow(
        Path::new(".github/workflows/publish.yml"),
        &text,
        &ctx("acme", "relay"),
    )
    .unwrap();
    assert_eq!(w.workflow.jobs[0].id, "publish");
    assert_eq!(w.images[0].path, "acme/relay");
    assert_eq!(w.images[0].also, ["docker.io/acmehub/relay"]);
}

#[test]
fn hostile_workflows_neither_hang_nor_fail_the_read() {
    let mut bomb = String::from("on: push\nx0: &a0 [q, q, q, q, q, q, q, q, q, q]\n");
    for i in 1..14 {
        bomb.push_str(&format!(
            "x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let deep = format!(
        "on: push\njobs: {}{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let long_script = format!(
        "on: push\njobs:\n  j:\n    steps:\n      - run: |\n          {}\n",
        "for a in 1 2 3 4 5 6 7 8; do ".repeat(30)
            + "docker push ghcr.io/o/x:$a"
            + &"; done".repeat(30)
    );
    let tree = temp_tree(&[
        (".github/workflows/bomb.yml", &bomb),
        (".github/workflows/deep.yml", &deep),
        (".github/workflows/loops.yml", &long_script),
    ]);
    let start = Instant::now();
    let s = setup::read(tree.path(), &ctx("o", "r")).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    let whats: Vec<&str> = s.unexpressed.iter().map(|u| u.what.as_str()).collect();
    assert!(whats.iter().any(|w| w.contains("nodes")), "{whats:?}");
    assert!(
        whats
            .iter()
            .any(|w| w.contains("deeper") || w.contains("recursion")),
        "{whats:?}"
    );
}
