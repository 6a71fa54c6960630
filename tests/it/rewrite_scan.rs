//! `scan` on small trees: what is read, what is skipped, what a plan holds.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::renames::{NEW, REF, axon_doc_api};
use crate::support::tree::write;
use ghcr_gen::rewrite::{Matcher, Plan, ScanOptions, WarningKind, scan};

fn matcher() -> Matcher {
    Matcher::new(&axon_doc_api())
}

/// A repository with one file per situation the scan must handle.
fn tree() -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", "node_modules/\n*.log\n");
    write(
        root,
        "node_modules/dep/index.js",
        format!("// {REF}:latest\n"),
    );
    write(root, "build.log", format!("{REF}\n"));
    write(root, ".git/config", format!("url = {REF}\n"));
    write(
        root,
        ".github/workflows/publish.yml",
        format!("      image: {REF}:latest\n"),
    );
    let mut blob = b"\x00\x89PNG".to_vec();
    blob.extend_from_slice(format!("{REF}:latest").as_bytes());
    write(root, "assets/logo.png", blob);
    write(
        root,
        "deploy/crlf.yaml",
        format!("a: 1\r\nimage: {REF}:v1\r\nb: 2\r\n"),
    );
    write(
        root,
        "docs/bom.md",
        format!("\u{feff}{REF} is the web image.\n"),
    );
    write(
        root,
        "scripts/no-final-newline.sh",
        format!("docker pull {REF}"),
    );
    write(root, "docs/generated/api.md", format!("{REF}\n"));
    write(
        root,
        "scripts/ignored-line.sh",
        format!("docker pull {REF} # ghcr-gen: ignore\n"),
    );
    write(
        root,
        "docs/latin1.txt",
        [b"caf\xe9 ".as_slice(), REF.as_bytes(), b"\n"].concat(),
    );
    write(
        root,
        "compose.yaml",
        "services:\n  axon-doc-nextjs:\n    container_name: axon-doc-nextjs\n",
    );
    write(
        root,
        "Dockerfile",
        format!("FROM {REF}@sha256:{}\n", "ab".repeat(32)),
    );
    write(outside.path(), "secret.txt", format!("{REF}\n"));
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("outside.txt"))
        .unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("outside-dir")).unwrap();
    (dir, outside)
}

fn paths(plan: &Plan) -> Vec<String> {
    plan.files
        .iter()
        .map(|f| f.edit.path.to_string_lossy().into_owned())
        .collect()
}

fn options() -> ScanOptions {
    ScanOptions {
        excludes: vec!["docs/generated/".into()],
        ..ScanOptions::default()
    }
}

#[test]
fn scan_finds_references_only_in_files_it_may_edit() {
    let (dir, _outside) = tree();
    let plan = scan(dir.path(), &matcher(), &options()).unwrap();
    assert_eq!(
        paths(&plan),
        [
            ".github/workflows/publish.yml",
            "Dockerfile",
            "deploy/crlf.yaml",
            "docs/bom.md",
            "docs/latin1.txt",
            "scripts/no-final-newline.sh",
        ]
    );
    assert_eq!(plan.reference_count(), 6);
}

#[test]
fn edits_keep_crlf_bom_and_missing_final_newline() {
    let (dir, _outside) = tree();
    let plan = scan(dir.path(), &matcher(), &options()).unwrap();
    let updated = |p: &str| {
        let f = plan
            .files
            .iter()
            .find(|f| f.edit.path == Path::new(p))
            .unwrap();
        f.edit.updated.clone()
    };
    assert_eq!(
        updated("deploy/crlf.yaml"),
        format!("a: 1\r\nimage: {NEW}:v1\r\nb: 2\r\n").into_bytes()
    );
    assert_eq!(
        updated("docs/bom.md"),
        format!("\u{feff}{NEW} is the web image.\n").into_bytes()
    );
    assert_eq!(
        updated("scripts/no-final-newline.sh"),
        format!("docker pull {NEW}").into_bytes()
    );
    assert_eq!(
        updated("docs/latin1.txt"),
        [b"caf\xe9 ".as_slice(), NEW.as_bytes(), b"\n"].concat()
    );
}

#[test]
fn positions_are_lines_and_character_columns() {
    let (dir, _outside) = tree();
    let plan = scan(dir.path(), &matcher(), &options()).unwrap();
    let at = |p: &str| {
        let f = plan
            .files
            .iter()
            .find(|f| f.edit.path == Path::new(p))
            .unwrap();
        (f.references[0].line, f.references[0].column)
    };
    assert_eq!(at("deploy/crlf.yaml"), (2, 8));
    assert_eq!(at("docs/bom.md"), (1, 1));
    assert_eq!(at("docs/latin1.txt"), (1, 6));
}

#[test]
fn digest_pinned_references_warn() {
    let (dir, _outside) = tree();
    let plan = scan(dir.path(), &matcher(), &options()).unwrap();
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    let w = &plan.warnings[0];
    assert_eq!(w.kind, WarningKind::DigestPinned);
    assert_eq!(
        (w.path.as_path(), w.line, w.column),
        (Path::new("Dockerfile"), Some(1), Some(6))
    );
    assert!(w.message.contains(NEW), "{}", w.message);
}

#[test]
fn plans_are_the_same_with_one_thread_or_many() {
    let (dir, _outside) = tree();
    let one = scan(
        dir.path(),
        &matcher(),
        &ScanOptions {
            threads: 1,
            ..options()
        },
    )
    .unwrap();
    let many = scan(
        dir.path(),
        &matcher(),
        &ScanOptions {
            threads: 4,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(one, many);
}

#[test]
fn gitignore_applies_outside_a_git_checkout_too() {
    let (dir, _outside) = tree();
    fs::remove_dir_all(dir.path().join(".git")).unwrap();
    let plan = scan(dir.path(), &matcher(), &options()).unwrap();
    assert!(
        !paths(&plan)
            .iter()
            .any(|p| p.starts_with("node_modules") || p.ends_with(".log"))
    );
}

#[test]
fn nested_gitignore_and_glob_excludes_are_respected() {
    let (dir, _outside) = tree();
    write(dir.path(), "deploy/.gitignore", "crlf.yaml\n");
    let opts = ScanOptions {
        excludes: vec!["docs/generated/".into(), "*.sh".into(), "Dockerfile".into()],
        ..ScanOptions::default()
    };
    let plan = scan(dir.path(), &matcher(), &opts).unwrap();
    assert_eq!(
        paths(&plan),
        [
            ".github/workflows/publish.yml",
            "docs/bom.md",
            "docs/latin1.txt"
        ]
    );
}

#[test]
fn named_paths_limit_the_scan_and_report_what_they_skip() {
    let (dir, outside) = tree();
    let opts = ScanOptions {
        paths: Some(vec![
            PathBuf::from("deploy/crlf.yaml"),
            PathBuf::from("deploy/crlf.yaml"),
            dir.path().join("scripts"),
            PathBuf::from("node_modules/dep/index.js"),
            PathBuf::from("docs/generated/api.md"),
            PathBuf::from("assets/logo.png"),
            PathBuf::from("outside.txt"),
            PathBuf::from("outside-dir/secret.txt"),
            outside.path().join("secret.txt"),
            PathBuf::from("gone.txt"),
            PathBuf::from(".git/config"),
        ]),
        ..options()
    };
    let plan = scan(dir.path(), &matcher(), &opts).unwrap();
    assert_eq!(
        paths(&plan),
        [
            "deploy/crlf.yaml",
            "node_modules/dep/index.js",
            "scripts/no-final-newline.sh"
        ]
    );
    let kinds: Vec<(String, WarningKind)> = plan
        .warnings
        .iter()
        .map(|w| (w.path.to_string_lossy().into_owned(), w.kind))
        .collect();
    assert!(
        kinds.contains(&("outside.txt".into(), WarningKind::Symlink)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("gone.txt".into(), WarningKind::Missing)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("outside-dir/secret.txt".into(), WarningKind::OutsideRoot)),
        "{kinds:?}"
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|(_, k)| *k == WarningKind::OutsideRoot)
            .count(),
        2,
        "{kinds:?}"
    );
}

#[test]
fn symlinks_are_never_followed_out_of_the_root() {
    let (dir, _outside) = tree();
    let plan = scan(dir.path(), &matcher(), &options()).unwrap();
    assert!(!paths(&plan).iter().any(|p| p.starts_with("outside")));
}

#[test]
fn a_missing_root_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = scan(&missing, &matcher(), &ScanOptions::default()).unwrap_err();
    assert_eq!(err.path(), missing);
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn an_invalid_exclude_glob_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ScanOptions {
        excludes: vec!["docs/{a".into()],
        ..ScanOptions::default()
    };
    let err = scan(dir.path(), &matcher(), &opts).unwrap_err();
    assert!(err.to_string().contains("docs/{a"), "{err}");
}

#[test]
fn an_unreadable_file_fails_the_scan_naming_it() {
    if running_as_root() {
        return; // root reads everything
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "locked.txt", REF);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(
        dir.path().join("locked.txt"),
        fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let err = scan(dir.path(), &matcher(), &ScanOptions::default()).unwrap_err();
    assert_eq!(err.path(), Path::new("locked.txt"));
}

fn running_as_root() -> bool {
    // Reading a file with mode 000 succeeds for root.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("probe");
    fs::write(&p, "x").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    fs::read(&p).is_ok()
}

#[test]
fn edits_and_warnings_serialize_to_json() {
    let (dir, _outside) = tree();
    let plan = scan(dir.path(), &matcher(), &options()).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    let first = &json["edits"][0];
    assert_eq!(first["path"], ".github/workflows/publish.yml");
    assert_eq!(first["line"], 1);
    assert_eq!(first["column"], 14);
    assert_eq!(first["old"], REF);
    assert_eq!(first["new"], NEW);
    assert_eq!(json["warnings"][0]["kind"], "digest-pinned");
    assert_eq!(json["warnings"][0]["path"], "Dockerfile");
}

#[test]
fn overlapping_named_paths_plan_each_file_once() {
    let (dir, _outside) = tree();
    let opts = ScanOptions {
        paths: Some(vec![
            PathBuf::from("scripts"),
            PathBuf::from("scripts/no-final-newline.sh"),
            PathBuf::from("."),
        ]),
        ..options()
    };
    let plan = scan(dir.path(), &matcher(), &opts).unwrap();
    let whole = scan(dir.path(), &matcher(), &options()).unwrap();
    assert_eq!(plan, whole);
}

/// A file past the size the scan maps instead of reading (16 MiB) is planned exactly as
/// its text is when read: every reference, its line and column, the same edit and diff.
#[test]
fn a_file_large_enough_to_be_mapped_is_planned_like_a_read_one() {
    let filler = "  - name: worker queue handler service deploy image tag build cache\n";
    let block = filler.repeat(2_000);
    let mut text = format!("image: {REF}:v1\n");
    for i in 0..140 {
        text.push_str(&block);
        text.push_str(&format!("    image: {REF}:v{i} # at block {i}\n"));
    }
    text.push_str(&format!("docker pull {REF}"));
    assert!(text.len() > 17 * 1024 * 1024, "{} bytes", text.len());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.yaml", &text);
    let plan = scan(dir.path(), &matcher(), &ScanOptions::default()).unwrap();
    let preview =
        ghcr_gen::rewrite::preview(dir.path(), &matcher(), &ScanOptions::default()).unwrap();
    let found = matcher().find(&text);
    assert_eq!(found.len(), 142);
    assert_eq!(plan.reference_count(), 142);
    let edits = plan.edits();
    assert_eq!((edits[0].line, edits[0].column), (1, 8));
    let last = edits.last().unwrap();
    assert_eq!(last.line, text.lines().count());
    assert_eq!(last.column, 13);
    assert_eq!(edits, preview.edits());
    let updated = plan.files[0].edit.updated.clone();
    assert_eq!(
        String::from_utf8(updated).unwrap(),
        text.replace(REF, NEW),
        "every reference renamed, nothing else"
    );
    assert_eq!(preview.files[0].diff, plan.files[0].diff());
}
