//! The binary as a whole: CLI transcripts, colour decisions and what happens when stdout
//! fails.
//!
//! Each `tests/cmd/*.toml` runs ghcr-gen in a sandboxed copy of its `.in` tree and compares
//! exit code, stdout, stderr and (with `.out`) the resulting tree.
//! `TRYCMD=overwrite cargo test --test it cli` updates them.

use std::process::Stdio;

use crate::support::run::{ghcr_gen_command, text};
use crate::support::tree::fixture_config;

const ESC: char = '\x1b';

#[test]
fn cli_transcripts() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}

/// `render --diff` of the `single` fixture (nothing rendered yet) with `args` appended and
/// the colour variables set to `env` (all others removed): exit code, stdout, stderr.
fn diff_with(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let dir = fixture_config("single");
    let mut all = vec!["render", "--diff"];
    all.extend_from_slice(args);
    let mut command = ghcr_gen_command(dir.path(), &all);
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    let out = text(command.output().unwrap());
    assert_eq!(out.0, 0, "{out:?}");
    out
}

#[test]
fn diffs_are_plain_through_a_pipe_by_default() {
    let (_, stdout, _) = diff_with(&[], &[]);
    assert!(stdout.starts_with("diff --git a/"), "{stdout}");
    assert!(!stdout.contains(ESC));
}

#[test]
fn color_always_colours_a_diff_that_is_not_on_a_terminal() {
    let (_, stdout, _) = diff_with(&["--color", "always"], &[]);
    assert!(
        stdout
            .starts_with("\x1b[1mdiff --git a/deploy/compose.yaml b/deploy/compose.yaml\x1b[0m\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\n\x1b[32m+services:\x1b[0m\n"), "{stdout}");
}

#[test]
fn color_flag_is_global_and_may_come_before_the_command() {
    let dir = fixture_config("single");
    let mut command = ghcr_gen_command(dir.path(), &["--color", "always", "render", "--diff"]);
    let (code, stdout, _) = text(command.output().unwrap());
    assert_eq!(code, 0);
    assert!(stdout.starts_with("\x1b[1m"), "{stdout}");
}

#[test]
fn color_always_wins_over_no_color() {
    let (_, stdout, _) = diff_with(&["--color", "always"], &[("NO_COLOR", "1")]);
    assert!(stdout.contains(ESC));
}

#[test]
fn clicolor_force_colours_a_pipe() {
    let (_, stdout, _) = diff_with(&[], &[("CLICOLOR_FORCE", "1")]);
    assert!(stdout.starts_with("\x1b[1mdiff --git"), "{stdout}");
}

#[test]
fn no_color_wins_over_clicolor_force() {
    let (_, stdout, _) = diff_with(&[], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
    assert!(!stdout.contains(ESC), "{stdout}");
}

#[test]
fn empty_no_color_is_unset() {
    let (_, stdout, _) = diff_with(&[], &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]);
    assert!(stdout.contains(ESC), "{stdout}");
}

#[test]
fn color_never_wins_over_clicolor_force() {
    let (_, stdout, _) = diff_with(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]);
    assert!(!stdout.contains(ESC), "{stdout}");
}

#[test]
fn color_always_colours_diagnostics_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = ghcr_gen_command(dir.path(), &["--color", "always", "render"]);
    let (code, _, stderr) = text(command.output().unwrap());
    assert_eq!(code, 2);
    assert!(stderr.contains(ESC), "{stderr}");
    let mut plain = ghcr_gen_command(dir.path(), &["render"]);
    let (_, _, stderr) = text(plain.output().unwrap());
    assert!(stderr.starts_with("error"), "{stderr}");
    assert!(!stderr.contains(ESC), "{stderr}");
}

#[test]
fn a_full_disk_on_stdout_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::File::create("/dev/full").expect("/dev/full exists on Linux");
    let out = ghcr_gen_command(dir.path(), &["schema"])
        .stdout(full)
        .output()
        .unwrap();
    let (code, _, stderr) = text(out);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write to stdout: "),
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly_with_the_command_result() {
    let dir = tempfile::tempdir().unwrap();
    // The reader is gone before the program starts, so its first write meets a closed
    // pipe, as behind `| head -1` once head has its line.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = ghcr_gen_command(dir.path(), &["schema"])
        .stdout(Stdio::from(writer))
        .output()
        .unwrap();
    let (code, _, stderr) = text(out);
    assert_eq!((code, stderr.as_str()), (0, ""));
}
