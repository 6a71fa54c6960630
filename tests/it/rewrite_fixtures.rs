//! Golden test: `fixtures/rename/axon-doc/before` renamed with suffix `-api` must equal
//! `after` byte for byte; renaming `after` again changes nothing; renaming back gives
//! `before`. Ignored and binary files, made at run time (git would not keep them), stay.

use std::path::Path;

use crate::support::renames::{axon_doc_api, axon_doc_fixture, rename_tree, scan_tree};
use crate::support::tree::{modes, snapshot, temp_copy, write};
use ghcr_gen::rewrite::{Matcher, Rename, ScanOptions, WarningKind, scan};

/// Adds what a real checkout has but git cannot keep in the fixture.
fn add_untracked(root: &Path) {
    write(root, ".gitignore", "node_modules/\n");
    write(
        root,
        "node_modules/dep/index.js",
        "// ghcr.io/acme-labs/axon-doc-nextjs\n",
    );
    write(
        root,
        "web/logo.png",
        b"\x89PNG\x00ghcr.io/acme-labs/axon-doc-nextjs",
    );
}

#[test]
fn fixture_renames_to_the_expected_tree() {
    let work = temp_copy(&axon_doc_fixture("before"));
    let expected = temp_copy(&axon_doc_fixture("after"));
    add_untracked(work.path());
    add_untracked(expected.path());
    let plan = rename_tree(work.path(), &axon_doc_api());
    assert_eq!(plan.reference_count(), 15);
    assert_eq!(plan.files.len(), 8);
    let kinds: Vec<WarningKind> = plan.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WarningKind::DigestPinned]);
    let (got, want) = (snapshot(work.path()), snapshot(expected.path()));
    for ((path, got), (_, want)) in got.iter().zip(&want) {
        assert_eq!(
            String::from_utf8_lossy(got),
            String::from_utf8_lossy(want),
            "{path} differs from fixtures/rename/axon-doc/after"
        );
    }
    assert_eq!(got, want);
    assert_eq!(modes(work.path()), modes(expected.path()));
}

#[test]
fn fixture_after_has_nothing_left_to_rename() {
    let work = temp_copy(&axon_doc_fixture("after"));
    let plan = scan_tree(work.path(), &axon_doc_api());
    assert!(plan.is_empty(), "{:?}", plan.edits());
}

#[test]
fn fixture_renamed_back_is_the_original() {
    let work = temp_copy(&axon_doc_fixture("after"));
    let expected = temp_copy(&axon_doc_fixture("before"));
    let back: Vec<Rename> = axon_doc_api().iter().map(Rename::reversed).collect();
    rename_tree(work.path(), &back);
    assert_eq!(snapshot(work.path()), snapshot(expected.path()));
    assert_eq!(modes(work.path()), modes(expected.path()));
}

/// `fixtures/forms/<which>`: a hand-written setup spelling its images in every form
/// `rename` knows (sed patterns, registry and packages API, `IMAGE_NAME: owner/name`,
/// loop variables, placeholders, a release tag), with a look-alike next to each.
fn forms_fixture(which: &str) -> std::path::PathBuf {
    crate::support::tree::crate_path(&format!("fixtures/forms/{which}"))
}

#[test]
fn every_form_is_renamed_then_nothing_is_left_and_renaming_back_restores_every_byte() {
    use crate::support::run::ghcr_gen_text;
    let work = temp_copy(&forms_fixture("before"));
    let (code, _, err) = ghcr_gen_text(work.path(), &["rename", "--suffix", "-api", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("11 reference(s) in 4 file(s)"), "{err}");
    let (got, want) = (snapshot(work.path()), snapshot(&forms_fixture("after")));
    for (path, bytes) in &want {
        assert_eq!(
            String::from_utf8_lossy(&got[path]),
            String::from_utf8_lossy(bytes),
            "{path} differs from fixtures/forms/after"
        );
    }
    assert_eq!(got, want);
    // A second rename finds nothing: the old names are gone, the new ones are not renamed
    // again (no `-api-api`).
    let renames: Vec<Rename> = ["shop-web", "shop-worker"]
        .iter()
        .map(|p| Rename::with_suffix("ghcr.io", "acme", "shop", p, "-api"))
        .collect();
    // registry.toml lists the old names in `renamed_from`; rename never scans it.
    let options = ScanOptions {
        excludes: vec!["/registry.toml".into()],
        ..ScanOptions::default()
    };
    let left = scan(work.path(), &Matcher::new(&renames), &options).unwrap();
    assert!(left.is_empty(), "{:?}", left.edits());
    let again: Vec<Rename> = ["shop-web-api", "shop-worker-api"]
        .iter()
        .map(|p| Rename::with_suffix("ghcr.io", "acme", "shop", p, "-api"))
        .collect();
    let plan = scan(work.path(), &Matcher::new(&again), &options).unwrap();
    assert_eq!(
        plan.reference_count(),
        11,
        "renaming again touches exactly the renamed references: {:?}",
        plan.edits()
    );
    let (code, _, err) = ghcr_gen_text(work.path(), &["rename", "--suffix", "", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(snapshot(work.path()), snapshot(&forms_fixture("before")));
}

/// The images `adopt` reads in `root`: `registry/path`, sorted.
fn adopted(root: &Path, owner: &str) -> Vec<String> {
    use crate::support::run::ghcr_gen_text;
    let (code, out, err) = ghcr_gen_text(
        root,
        &[
            "adopt", "--owner", owner, "--repo", "shop", "--format", "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut images: Vec<String> = value["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["registry"].as_str().unwrap(),
                i["path"].as_str().unwrap()
            )
        })
        .collect();
    images.sort();
    images.dedup();
    images
}

#[test]
fn rename_moves_every_definition_the_reader_finds_and_back() {
    use crate::support::run::ghcr_gen_text;
    // (fixture, owner): workflows spelling the name through `${{ github.repository }}`
    // with a suffix, `tr` into `$GITHUB_ENV`, `${x,,}` into a step output, `format()`, a
    // matrix, Helm values with registry and repository apart, a mirror, variants.
    for (fixture, owner) in [
        ("env-suffix", "acme-labs"),
        ("tr-env", "acme-labs"),
        ("param-output", "acme-labs"),
        ("format-call", "acme-labs"),
        ("helm-split", "acme"),
        ("matrix-include", "acme-labs"),
        ("fork", "acme-labs"),
        ("mirror", "acme-labs"),
        ("variants", "acme-labs"),
        ("per-arch", "acme"),
        ("docs", "acme-labs"),
        ("bake", "acme"),
    ] {
        let work = temp_copy(&crate::support::tree::crate_path(&format!(
            "fixtures/adopt/{fixture}"
        )));
        let root = work.path();
        let (code, _, err) = ghcr_gen_text(
            root,
            &["adopt", "--write", "--owner", owner, "--repo", "shop"],
        );
        assert_eq!(code, 0, "{fixture}: {err}");
        let before = adopted(root, owner);
        let original = snapshot(root);
        let (code, _, err) = ghcr_gen_text(root, &["rename", "--suffix", "-api", "--write"]);
        assert_eq!(code, 0, "{fixture}: {err}");
        let want: Vec<String> = before.iter().map(|i| format!("{i}-api")).collect();
        assert_eq!(
            adopted(root, owner),
            want,
            "{fixture}: the workflow still pushes an old name"
        );
        // Renaming the old names again finds nothing, neither by the text rules nor among
        // the definitions the reader finds.
        let old: Vec<Rename> = before
            .iter()
            .filter_map(|i| {
                let (host, path) = i.split_once('/')?;
                let (owner, name) = path.split_once('/')?;
                Some(Rename::with_suffix(host, owner, "shop", name, "-api"))
            })
            .collect();
        let options = ScanOptions {
            excludes: vec!["/registry.toml".into()],
            ..ScanOptions::default()
        };
        let left = scan(root, &Matcher::new(&old), &options).unwrap();
        assert!(left.is_empty(), "{fixture}: {:?}", left.edits());
        let ctx = ghcr_gen::setup::RepoContext {
            owner: owner.into(),
            repo: "shop".into(),
        };
        let setup = ghcr_gen::setup::read(root, &ctx).unwrap();
        let read = |p: &Path| std::fs::read(root.join(p)).ok();
        let edits = ghcr_gen::rewrite::definition_edits(&setup, &old, &read);
        assert!(edits.is_empty(), "{fixture}: {edits:?}");
        let (code, _, err) = ghcr_gen_text(root, &["rename", "--suffix", "", "--write"]);
        assert_eq!(code, 0, "{fixture}: {err}");
        assert_eq!(
            snapshot(root),
            original,
            "{fixture}: not restored byte for byte"
        );
    }
}
