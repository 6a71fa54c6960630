//! Running programs from tests: the ghcr-gen binary under test, and git with a fixed
//! identity and fixed dates.

use std::path::Path;
use std::process::{Command, Output};

/// The date of every commit [`git`] makes.
pub(crate) const GIT_DATE: &str = "2024-05-06T09:08:09+02:00";

/// The ghcr-gen binary under test with `args`, to run in `dir` with `NO_COLOR=1`.
pub(crate) fn ghcr_gen_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ghcr-gen"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    command
}

/// Runs ghcr-gen with `args` in `dir`.
pub(crate) fn ghcr_gen(dir: &Path, args: &[&str]) -> Output {
    ghcr_gen_command(dir, args).output().unwrap()
}

/// Runs ghcr-gen with `args` in `dir` and panics with its output unless it succeeds.
pub(crate) fn ghcr_gen_ok(dir: &Path, args: &[&str]) -> Output {
    success(&mut ghcr_gen_command(dir, args))
}

/// Runs ghcr-gen with `args` in `dir`: its exit code, stdout and stderr.
pub(crate) fn ghcr_gen_text(dir: &Path, args: &[&str]) -> (i32, String, String) {
    text(ghcr_gen(dir, args))
}

/// The exit code, stdout and stderr of a process that exited (not killed) and wrote UTF-8.
pub(crate) fn text(out: Output) -> (i32, String, String) {
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs `command` and panics with its output unless it succeeds.
pub(crate) fn success(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs git with `args` in `dir` as a test identity, unsigned and dated [`GIT_DATE`];
/// panics unless it succeeds, returns its stdout.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = success(
        Command::new("git")
            .args(["-c", "user.name=ghcr-gen tests"])
            .args(["-c", "user.email=tests@example.invalid"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_DATE", GIT_DATE)
            .env("GIT_COMMITTER_DATE", GIT_DATE),
    );
    String::from_utf8(out.stdout).unwrap()
}
