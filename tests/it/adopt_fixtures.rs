//! `ghcr-gen adopt` on the fixture repositories of `fixtures/adopt/`: the registry.toml
//! each one gets (insta snapshots: every image, platform list and build input the
//! workflows use), what is reported as not expressed, that the text loads, that `--write`
//! writes registry.toml and nothing else, and refuses to replace it without `--force`.

use std::path::Path;

use crate::support::run::ghcr_gen_text;
use crate::support::tree::{crate_path, snapshot, temp_copy};
use ghcr_gen::cmd::adopt::{self, Options};
use ghcr_gen::report::{Message, Report};
use ghcr_gen::{Exit, cmd};

use crate::support::shapes::ADOPT_FIXTURES as FIXTURES;

/// Runs adopt (dry run) on a copy of the fixture: the text and the status lines.
fn adopt_text(root: &Path, owner: &str, repo: &str) -> (String, Vec<String>) {
    let mut report = Report::new(Exit::Ok);
    let exit = adopt::run(
        &Options {
            cwd: root,
            owner: Some(owner.into()),
            repo: Some(repo.into()),
            write: false,
            force: false,
            json: false,
        },
        &mut report,
    )
    .unwrap_or_else(|e| panic!("adopt failed: {e}"));
    assert_eq!(exit, Exit::Ok);
    let mut out = String::new();
    let mut status = Vec::new();
    for m in report.messages {
        match m {
            Message::Output(s) => out.push_str(&s),
            Message::Status(s) => status.push(s),
            other => panic!("unexpected message {other:?}"),
        }
    }
    (out, status)
}

#[test]
fn adopt_reproduces_every_fixture() {
    for (name, owner, repo) in FIXTURES {
        let work = temp_copy(&crate_path(&format!("fixtures/adopt/{name}")));
        let (text, status) = adopt_text(work.path(), owner, repo);
        // What adopt writes loads as a config (the command validates it too).
        ghcr_gen::load::parse(
            text.as_bytes(),
            "registry.toml",
            work.path(),
            "registry.toml",
        )
        .unwrap_or_else(|d| panic!("{name}: adopted config does not load: {d:?}"));
        let shown = format!("{text}\n--- stderr ---\n{}\n", status.join("\n"));
        insta::assert_snapshot!(format!("adopt_{name}"), shown);
    }
}

#[test]
fn adopt_write_creates_only_registry_toml_and_refuses_to_replace_it() {
    let work = temp_copy(&crate_path("fixtures/adopt/matrix-include"));
    let before = snapshot(work.path());
    let args = ["adopt", "--write", "--owner", "acme", "--repo", "shop"];
    let (code, _, err) = ghcr_gen_text(work.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("wrote registry.toml with 3 service(s)"),
        "{err}"
    );
    let mut after = snapshot(work.path());
    let written = after
        .remove("registry.toml")
        .expect("registry.toml written");
    assert_eq!(after, before, "adopt changed another file");
    // The written model publishes what the workflow pushes.
    let model = cmd::load_model(work.path(), None).expect("adopted config loads");
    let images: Vec<&str> = model.services.iter().map(|s| s.image.as_str()).collect();
    assert_eq!(
        images,
        [
            "ghcr.io/acme/shop-api",
            "ghcr.io/acme/shop-web",
            "ghcr.io/acme/shop-worker"
        ]
    );
    let (code, _, err) = ghcr_gen_text(work.path(), &args);
    assert_eq!(code, 2);
    assert!(err.contains("registry.toml already exists"), "{err}");
    assert_eq!(snapshot(work.path())["registry.toml"], written);
    let forced = [
        "adopt", "--write", "--force", "--owner", "acme", "--repo", "shop",
    ];
    assert_eq!(ghcr_gen_text(work.path(), &forced).0, 0);
}

#[test]
fn adopt_without_a_publishing_workflow_points_to_init() {
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join(".github/workflows")).unwrap();
    std::fs::write(
        work.path().join(".github/workflows/test.yml"),
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cargo test\n",
    )
    .unwrap();
    let (code, out, err) = ghcr_gen_text(work.path(), &["adopt", "--owner", "o", "--repo", "r"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("no workflow in .github/workflows pushes an image"),
        "{err}"
    );
    assert!(err.contains("ghcr-gen init"), "{err}");
}

#[test]
fn adopt_json_lists_images_consumers_and_definitions() {
    let work = temp_copy(&crate_path("fixtures/adopt/fork"));
    let (code, out, err) = ghcr_gen_text(
        work.path(),
        &[
            "adopt",
            "--format",
            "json",
            "--owner",
            "fork-owner",
            "--repo",
            "notes",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["images"][0]["path"], "fork-owner/notes");
    let defs = v["images"][0]["definitions"].as_array().unwrap();
    let images = defs
        .iter()
        .find(|d| d["form"] == "GithubRepository")
        .expect("the images line defines the name");
    assert_eq!(images["text"], "ghcr.io/${{ github.repository }}");
    assert_eq!(
        (images["line"].as_u64(), images["col"].as_u64()),
        (Some(12), Some(19))
    );
    assert_eq!(v["consumers"][0]["path"], "upstream-org/notes");
    assert_eq!(v["consumers"][0]["file"], "compose.yaml");
}

#[test]
fn init_in_a_publishing_repository_proposes_adopt() {
    let work = temp_copy(&crate_path("fixtures/adopt/matrix-include"));
    let (code, _, err) = ghcr_gen_text(work.path(), &["init", "--owner", "acme", "--repo", "shop"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "note: .github/workflows/images.yml already publishes 3 images (ghcr.io/acme/shop-api, ghcr.io/acme/shop-web, ghcr.io/acme/shop-worker); `ghcr-gen adopt --write --force`"
        ),
        "{err}"
    );
    // Without a publishing workflow init says nothing about adopt.
    let plain = tempfile::tempdir().unwrap();
    let (code, _, err) =
        ghcr_gen_text(plain.path(), &["init", "--owner", "acme", "--repo", "shop"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("adopt"), "{err}");
}
