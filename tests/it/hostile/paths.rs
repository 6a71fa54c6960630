//! Hostile-input tests: paths. Every attack is built in a temporary tree at test time:
//! symbolic links out of the repository, FIFOs and devices at planned paths, outputs
//! naming registry.toml or `.git/`, concurrent writers, partial writes, hand-written files
//! at output paths, registry.toml's byte shape, read-only files and config discovery.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::run::{ghcr_gen, ghcr_gen_command, ghcr_gen_text};

const CONFIG: &str =
    "owner = \"Acme-Labs\"\nrepo = \"axon-doc\"\n\n[services.web]\ncontext = \".\"\n";

/// A repository (with a `.git` directory) holding `config` as registry.toml, inside a
/// parent directory that also holds an `outside` sibling directory.
struct Repo {
    _parent: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
}

fn repo(config: &str) -> Repo {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("repo");
    let outside = parent.path().join("outside");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("registry.toml"), config).unwrap();
    Repo {
        _parent: parent,
        root,
        outside,
    }
}

/// Every file under `dir` with its bytes, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            } else {
                out.push((p, Vec::new()));
            }
        }
    }
    out.sort();
    out
}

/// Runs ghcr-gen with `args` in `dir`, killed after `limit`: `None` when it hung.
fn run_with_timeout(dir: &Path, args: &[&str], limit: Duration) -> Option<Output> {
    let mut child = ghcr_gen_command(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn render_refuses_a_github_dir_symlinked_outside_and_writes_nothing_there() {
    let r = repo(CONFIG);
    symlink(&r.outside, r.root.join(".github")).unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".github"), "{err}");
    assert!(snapshot(&r.outside).is_empty(), "nothing written outside");
}

#[test]
fn render_refuses_a_symlinked_kustomization_leading_outside() {
    let r = repo(CONFIG);
    std::fs::create_dir_all(r.root.join("deploy/k8s")).unwrap();
    let target = r.outside.join("victim.yaml");
    std::fs::write(&target, "precious\n").unwrap();
    symlink(&target, r.root.join("deploy/k8s/kustomization.yaml")).unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("kustomization.yaml"), "{err}");
    assert!(err.contains("outside the repository"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
}

#[test]
fn check_and_render_check_never_print_the_environment_through_a_proc_symlink() {
    let r = repo(CONFIG);
    std::fs::create_dir_all(r.root.join("deploy")).unwrap();
    symlink("/proc/self/environ", r.root.join("deploy/.env.example")).unwrap();
    let marker = "GHCR_GEN_SECRET_MARKER=do-not-print-me";
    for args in [
        &["render", "--check"][..],
        &["render", "--diff"],
        &["check"],
        &["check", "--format", "json"],
    ] {
        let out = ghcr_gen_command(&r.root, args)
            .env("GHCR_GEN_SECRET_MARKER", "do-not-print-me")
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains(marker),
            "{args:?} printed the environment: {all}"
        );
        assert!(!all.contains("do-not-print-me"), "{args:?}: {all}");
        assert_ne!(out.status.code(), Some(0), "{args:?}: {all}");
    }
}

#[test]
fn a_registry_toml_symlinked_to_the_environment_is_refused_unread() {
    let r = repo(CONFIG);
    std::fs::remove_file(r.root.join("registry.toml")).unwrap();
    symlink("/proc/self/environ", r.root.join("registry.toml")).unwrap();
    for args in [&["render", "--check"][..], &["check", "--format", "json"]] {
        let out = ghcr_gen_command(&r.root, args)
            .env("GHCR_GEN_SECRET_MARKER", "do-not-print-me")
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(!all.contains("do-not-print-me"), "{args:?}: {all}");
        assert!(all.contains("outside the repository"), "{args:?}: {all}");
    }
}

#[test]
fn a_fifo_at_an_output_path_does_not_hang_any_command() {
    let r = repo(CONFIG);
    std::fs::create_dir_all(r.root.join("deploy")).unwrap();
    mkfifo(&r.root.join("deploy/compose.yaml"));
    for args in [&["render"][..], &["render", "--check"], &["check"]] {
        let out = run_with_timeout(&r.root, args, Duration::from_secs(20))
            .unwrap_or_else(|| panic!("{args:?} hung on a FIFO"));
        let err = String::from_utf8_lossy(&out.stderr);
        let all = format!("{}{err}", String::from_utf8_lossy(&out.stdout));
        assert_ne!(out.status.code(), Some(0), "{args:?}: {all}");
        assert!(all.contains("FIFO"), "{args:?}: {all}");
    }
}

#[test]
fn a_dev_zero_symlink_inside_is_refused_without_reading_it() {
    let r = repo(CONFIG);
    std::fs::create_dir_all(r.root.join("deploy")).unwrap();
    symlink("/dev/zero", r.root.join("deploy/compose.yaml")).unwrap();
    let out = run_with_timeout(&r.root, &["render", "--check"], Duration::from_secs(20))
        .expect("reading /dev/zero must not run away");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("compose.yaml"));
}

#[test]
fn a_fifo_behind_a_directory_symlinked_inside_is_refused_by_kind() {
    // A bind of /dev/zero cannot be built without privileges everywhere; a FIFO under a
    // directory symlinked inside the root covers the "not a regular file" rule instead.
    let r = repo(CONFIG);
    std::fs::create_dir_all(r.root.join("real")).unwrap();
    mkfifo(&r.root.join("real/.env.example"));
    symlink("real", r.root.join("deploy")).unwrap();
    let out =
        run_with_timeout(&r.root, &["render", "--diff"], Duration::from_secs(20)).expect("no hang");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("deploy/.env.example") && err.contains("FIFO"),
        "{err}"
    );
}

#[test]
fn a_template_override_symlinked_outside_is_refused() {
    let r = repo(&format!("{CONFIG}\n[templates]\ndir = \"tpl\"\n"));
    std::fs::create_dir_all(r.root.join("tpl")).unwrap();
    let secret = r.outside.join("secret");
    std::fs::write(&secret, "TOP-SECRET-VALUE\n").unwrap();
    symlink(&secret, r.root.join("tpl/env.j2")).unwrap();
    let (code, out, err) = ghcr_gen_text(&r.root, &["render", "--diff"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!out.contains("TOP-SECRET-VALUE") && !err.contains("TOP-SECRET-VALUE"));
    assert!(
        err.contains("env.j2") && err.contains("outside the repository"),
        "{err}"
    );
}

/// Runs `render` on a config with `outputs` and returns stderr, asserting exit 2 and that
/// nothing but registry.toml exists afterwards outside `.git`.
fn render_config_error(outputs: &str) -> String {
    let r = repo(&format!("{CONFIG}\n[outputs]\n{outputs}\n"));
    let config = std::fs::read(r.root.join("registry.toml")).unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read(r.root.join("registry.toml")).unwrap(), config);
    assert!(!r.root.join(".git/hooks").exists());
    assert!(!r.root.join("deploy").exists(), "nothing written: {err}");
    err
}

#[test]
fn an_output_cannot_replace_registry_toml() {
    let err = render_config_error("compose = \"registry.toml\"");
    assert!(err.contains("registry.toml:8:11"), "{err}");
    assert!(err.contains("replace registry.toml itself"), "{err}");
}

#[test]
fn an_output_cannot_be_written_inside_git() {
    let err = render_config_error("env = \".git/hooks/pre-commit\"");
    assert!(err.contains("registry.toml:8:7"), "{err}");
    assert!(err.contains(".git/"), "{err}");
    let err = render_config_error("workflow = \"x/.hg/wf.yml\"");
    assert!(err.contains("registry.toml:8:12"), "{err}");
}

#[test]
fn outputs_writing_the_same_file_are_refused() {
    let err = render_config_error("compose = \"deploy/k8s/kustomization.yaml\"");
    assert!(err.contains("registry.toml:8:11"), "{err}");
    assert!(err.contains("write the same file"), "{err}");
    let err = render_config_error("compose = \"a/x.yaml\"\nenv = \"./a//x.yaml\"");
    assert!(err.contains("registry.toml:9:7"), "{err}");
    assert!(err.contains("two outputs write `a/x.yaml`"), "{err}");
}

#[test]
fn k8s_pointing_at_a_file_is_reported_at_its_key() {
    let r = repo(&format!("{CONFIG}\n[outputs]\nk8s = \"README.md\"\n"));
    std::fs::write(r.root.join("README.md"), "# hi\n").unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("registry.toml:8:7"), "{err}");
    assert!(err.contains("a directory is expected here"), "{err}");
}

#[test]
fn output_path_location_errors_point_at_registry_toml() {
    // An output that is a directory.
    let r = repo(&format!("{CONFIG}\n[outputs]\ncompose = \"deploy\"\n"));
    std::fs::create_dir_all(r.root.join("deploy")).unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("registry.toml:8:11"), "{err}");
    assert!(err.contains("a file is expected here"), "{err}");
    // A newline, a NUL, an over-long name.
    let err = render_config_error("env = \"a\\nb\"");
    assert!(
        err.contains("registry.toml:8:7") && err.contains("line break"),
        "{err}"
    );
    let err = render_config_error("env = \"a\\u0000b\"");
    assert!(
        err.contains("registry.toml:8:7") && err.contains("NUL"),
        "{err}"
    );
    let err = render_config_error(&format!("env = \"{}\"", "n".repeat(300)));
    assert!(
        err.contains("registry.toml:8:7") && err.contains("255 bytes"),
        "{err}"
    );
    // A missing template directory.
    let r = repo(&format!("{CONFIG}\n[templates]\ndir = \"nope\"\n"));
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("registry.toml:8:7") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn render_does_not_replace_a_hand_written_file_without_force() {
    let r = repo(CONFIG);
    std::fs::create_dir_all(r.root.join("deploy")).unwrap();
    let compose = r.root.join("deploy/compose.yaml");
    std::fs::write(&compose, "services: {}  # mine\n").unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("deploy/compose.yaml"), "{err}");
    assert!(
        err.contains("generated header") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&compose).unwrap(),
        "services: {}  # mine\n"
    );
    assert!(
        !r.root.join("deploy/.env.example").exists(),
        "nothing written"
    );
    let (code, _, err) = ghcr_gen_text(&r.root, &["render", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&compose)
            .unwrap()
            .starts_with("# Generated by ghcr-gen")
    );
}

#[test]
fn rename_back_keeps_a_bom_crlf_registry_toml_byte_exact() {
    let text = "\u{feff}owner = \"Acme-Labs\"\r\nrepo = \"axon-doc\"\r\n\r\n[services.web]\r\ncontext = \".\"";
    let r = repo(text);
    std::fs::write(
        r.root.join("README.md"),
        "docker pull ghcr.io/acme-labs/axon-doc\n",
    )
    .unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["rename", "--suffix", "-api", "--write"]);
    assert_eq!(code, 0, "{err}");
    let renamed = std::fs::read(r.root.join("registry.toml")).unwrap();
    assert!(renamed.starts_with("\u{feff}".as_bytes()));
    assert!(
        !String::from_utf8_lossy(&renamed)
            .replace("\r\n", "")
            .contains('\n')
    );
    let (code, _, err) = ghcr_gen_text(&r.root, &["rename", "--suffix", "", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(r.root.join("registry.toml")).unwrap(),
        text.as_bytes()
    );
}

#[test]
fn a_read_only_file_is_not_replaced_and_exits_2() {
    let r = repo(CONFIG);
    assert_eq!(ghcr_gen(&r.root, &["render"]).status.code(), Some(0));
    let compose = r.root.join("deploy/compose.yaml");
    let before = std::fs::read(&compose).unwrap();
    std::fs::write(
        r.root.join("registry.toml"),
        format!("{CONFIG}port = 8080\n"),
    )
    .unwrap();
    std::fs::set_permissions(&compose, std::fs::Permissions::from_mode(0o444)).unwrap();
    let (code, _, err) = ghcr_gen_text(&r.root, &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("deploy/compose.yaml") && err.contains("read-only"),
        "{err}"
    );
    assert_eq!(std::fs::read(&compose).unwrap(), before);
}

#[test]
fn discovery_stops_at_the_git_root() {
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("registry.toml"), CONFIG).unwrap();
    let clone = parent.path().join("clone");
    std::fs::create_dir_all(clone.join(".git")).unwrap();
    std::fs::create_dir_all(clone.join("sub")).unwrap();
    let (code, _, err) = ghcr_gen_text(&clone.join("sub"), &["render"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no registry.toml"), "{err}");
    assert!(err.contains("repository root"), "{err}");
    assert!(
        !parent.path().join("deploy").exists(),
        "the planted config was not used"
    );
    // --config still reaches it.
    let (code, _, err) = ghcr_gen_text(&clone, &["render", "--config", "../registry.toml"]);
    assert_eq!(code, 0, "{err}");
}

/// Runs ghcr-gen with `args` in `dir` under `ulimit -f 1` (files may not grow past one
/// block): a write of a larger file fails with EFBIG.
fn ghcr_gen_file_size_limited(dir: &Path, args: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 1 && exec '{}' {args}",
            env!("CARGO_BIN_EXE_ghcr-gen")
        ))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn an_interrupted_rename_lists_what_was_written_and_a_rerun_finishes_it() {
    // registry.toml is larger than the file-size limit, the reference file smaller: the
    // references are written, registry.toml (written last) fails.
    let padding = format!("# {}\n", "padding ".repeat(300));
    let config = format!("{padding}{CONFIG}");
    let r = repo(&config);
    let readme = r.root.join("README.md");
    std::fs::write(&readme, "docker pull ghcr.io/acme-labs/axon-doc\n").unwrap();
    let out = ghcr_gen_file_size_limited(&r.root, "rename --suffix -api --write");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{:?} {err}", out.status);
    assert!(
        err.contains("registry.toml: cannot write this file"),
        "{err}"
    );
    assert!(
        err.contains("1 file(s) were already written before this failure: README.md"),
        "{err}"
    );
    assert!(err.contains("run the command again to finish"), "{err}");
    assert_eq!(
        std::fs::read_to_string(r.root.join("registry.toml")).unwrap(),
        config
    );
    assert!(
        std::fs::read_to_string(&readme)
            .unwrap()
            .contains("axon-doc-api")
    );
    // The rerun finishes the rename: registry.toml records it, the README is not renamed twice.
    let (code, _, err) = ghcr_gen_text(&r.root, &["rename", "--suffix", "-api", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&readme).unwrap(),
        "docker pull ghcr.io/acme-labs/axon-doc-api\n"
    );
    let toml = std::fs::read_to_string(r.root.join("registry.toml")).unwrap();
    assert!(toml.contains("suffix = \"-api\""), "{toml}");
}

#[test]
fn writes_leave_no_temporary_files_after_a_file_size_limit_failure() {
    let r = repo(CONFIG);
    // The workflow is larger than the limit.
    let out = ghcr_gen_file_size_limited(&r.root, "render");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "killed by SIGXFSZ? {:?} {err}",
        out.status
    );
    assert!(err.contains("cannot write this file"), "{err}");
    let leftovers: Vec<_> = snapshot(&r.root)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with('.') && name != ".env.example" && !p.starts_with(r.root.join(".git"))
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    if err.contains("already written") {
        assert!(err.contains("run the command again to finish"), "{err}");
    }
}

/// The suffix registry.toml records, and that every reference file ends with it.
fn consistent_suffix(root: &Path, files: usize) -> String {
    let toml = std::fs::read_to_string(root.join("registry.toml")).unwrap();
    let suffix = toml
        .lines()
        .find_map(|l| l.strip_prefix("suffix = \""))
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .unwrap_or_default();
    for i in 0..files {
        let text = std::fs::read_to_string(root.join(format!("docs/f{i}.md"))).unwrap();
        assert_eq!(
            text,
            format!("image: ghcr.io/acme-labs/axon-doc{suffix}:{i}\n"),
            "docs/f{i}.md does not match registry.toml's suffix `{suffix}`"
        );
    }
    suffix
}

#[test]
fn two_concurrent_renames_never_mix_and_a_failed_one_writes_nothing() {
    const FILES: usize = 300;
    for trial in 0..3 {
        let r = repo(CONFIG);
        std::fs::create_dir_all(r.root.join("docs")).unwrap();
        for i in 0..FILES {
            std::fs::write(
                r.root.join(format!("docs/f{i}.md")),
                format!("image: ghcr.io/acme-labs/axon-doc:{i}\n"),
            )
            .unwrap();
        }
        let spawn = |suffix: &str| {
            ghcr_gen_command(&r.root, &["rename", "--suffix", suffix, "--write"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("-a"), spawn("-b"));
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        for out in &outs {
            let err = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {}
                Some(2) => {
                    assert!(err.contains("changed on disk"), "trial {trial}: {err}");
                    assert!(!err.contains("already written"), "trial {trial}: {err}");
                }
                other => panic!("trial {trial}: exit {other:?}: {err}"),
            }
        }
        assert!(outs.iter().any(|o| o.status.success()), "trial {trial}");
        let suffix = consistent_suffix(&r.root, FILES);
        assert!(
            suffix == "-a" || suffix == "-b",
            "trial {trial}: `{suffix}`"
        );
    }
}

mod props {
    use std::os::unix::fs::symlink;
    use std::path::Path;
    use std::time::Duration;

    use proptest::prelude::*;

    use super::{CONFIG, mkfifo, repo, run_with_timeout, snapshot};

    /// Paths where the attacks go: the generated files, their directories, others.
    const SPOTS: &[&str] = &[
        ".github",
        ".github/workflows",
        ".github/workflows/ghcr-publish.yml",
        "deploy",
        "deploy/compose.yaml",
        "deploy/.env.example",
        "deploy/k8s",
        "deploy/k8s/kustomization.yaml",
        "deploy/k8s/web-deployment.yaml",
        "docs",
        "docs/a.md",
        "nested",
        "nested/deploy",
    ];

    #[derive(Debug, Clone, Copy)]
    enum Kind {
        Dir,
        File,
        LinkOutsideDir,
        LinkOutsideFile,
        LinkInside,
        Fifo,
        NestedRepo,
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Dir),
            Just(Kind::File),
            Just(Kind::LinkOutsideDir),
            Just(Kind::LinkOutsideFile),
            Just(Kind::LinkInside),
            Just(Kind::Fifo),
            Just(Kind::NestedRepo),
        ]
    }

    fn plant(root: &Path, outside: &Path, spot: &str, kind: Kind) {
        let path = root.join(spot);
        if std::fs::symlink_metadata(&path).is_ok() {
            return;
        }
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let _ = match kind {
            Kind::Dir => std::fs::create_dir(&path),
            Kind::File => std::fs::write(&path, "image: ghcr.io/acme-labs/axon-doc:1\n"),
            Kind::LinkOutsideDir => symlink(outside.join("dir"), &path),
            Kind::LinkOutsideFile => symlink(outside.join("victim.yaml"), &path),
            Kind::LinkInside => symlink(root.join("docs"), &path),
            Kind::Fifo => {
                mkfifo(&path);
                Ok(())
            }
            Kind::NestedRepo => std::fs::create_dir_all(path.join(".git"))
                .and_then(|()| std::fs::write(path.join("registry.toml"), CONFIG)),
        };
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

        #[test]
        fn nothing_outside_the_root_changes_and_nothing_hangs(
            attacks in proptest::collection::vec((0..SPOTS.len(), kind()), 1..6)
        ) {
            let r = repo(CONFIG);
            std::fs::create_dir_all(r.outside.join("dir")).unwrap();
            std::fs::write(r.outside.join("victim.yaml"), "precious\n").unwrap();
            std::fs::write(r.outside.join("dir/kept.yaml"), "kept\n").unwrap();
            for (spot, kind) in &attacks {
                plant(&r.root, &r.outside, SPOTS[*spot], *kind);
            }
            let before = snapshot(&r.outside);
            for args in [
                &["render"][..],
                &["render", "--check"],
                &["check"],
                &["rename", "--suffix", "-x", "--write"],
            ] {
                let out = run_with_timeout(&r.root, args, Duration::from_secs(30));
                prop_assert!(out.is_some(), "{:?} hung on {:?}", args, attacks);
                let out = out.unwrap();
                prop_assert!(out.status.code().is_some(), "{:?} was killed: {:?}", args, out);
            }
            prop_assert_eq!(snapshot(&r.outside), before, "outside changed: {:?}", attacks);
        }
    }
}

/// Sets extended attribute `name` on `path`; `false` when the filesystem has none.
fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let c_name = std::ffi::CString::new(name).unwrap();
    // SAFETY: valid NUL-terminated strings and a buffer of the given length.
    let rc = unsafe {
        libc::setxattr(
            c_path.as_ptr(),
            c_name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    rc == 0
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let c_name = std::ffi::CString::new(name).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: valid NUL-terminated strings and a buffer of the given length.
    let n = unsafe {
        libc::getxattr(
            c_path.as_ptr(),
            c_name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    (n >= 0).then(|| {
        buf.truncate(n as usize);
        buf
    })
}

#[test]
fn a_rewrite_keeps_extended_attributes_where_the_filesystem_has_them() {
    let r = repo(CONFIG);
    assert_eq!(ghcr_gen(&r.root, &["render"]).status.code(), Some(0));
    let compose = r.root.join("deploy/compose.yaml");
    if !set_xattr(&compose, "user.ghcr-gen-test", b"kept") {
        return; // no user xattrs on this filesystem
    }
    std::fs::write(
        r.root.join("registry.toml"),
        format!("{CONFIG}port = 8080\n"),
    )
    .unwrap();
    assert_eq!(ghcr_gen(&r.root, &["render"]).status.code(), Some(0));
    assert!(std::fs::read_to_string(&compose).unwrap().contains("8080"));
    assert_eq!(
        get_xattr(&compose, "user.ghcr-gen-test").as_deref(),
        Some(&b"kept"[..])
    );
}
