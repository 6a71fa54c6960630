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

/// The script `ghcr-gen completions SHELL` prints, saved in `dir`.
fn completion_script(dir: &std::path::Path, shell: &str) -> std::path::PathBuf {
    let (code, script, err) = text(
        ghcr_gen_command(dir, &["completions", shell])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    let path = dir.join(format!("completion.{shell}"));
    std::fs::write(&path, script).unwrap();
    path
}

#[test]
fn bash_completion_offers_subcommand_flags_for_the_hyphenated_binary_name() {
    let dir = tempfile::tempdir().unwrap();
    let script = completion_script(dir.path(), "bash");
    // What bash does on `ghcr-gen rename --su<TAB>`: the function `complete -F` names,
    // called with the command, the word being completed and the word before it.
    let session = r#"
        source "$1" || exit 3
        fn=$(complete -p ghcr-gen | sed -E 's/.* -F ([^ ]+) .*/\1/')
        COMP_WORDS=(ghcr-gen rename --su)
        COMP_CWORD=2
        COMP_LINE='ghcr-gen rename --su'
        COMP_POINT=${#COMP_LINE}
        "$fn" ghcr-gen --su rename
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", session, "bash"])
        .arg(&script)
        .output()
        .expect("bash runs");
    let (code, stdout, stderr) = text(out);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "--suffix\n", "{stderr}");
}

#[test]
fn zsh_completion_parses_and_defines_its_function() {
    let dir = tempfile::tempdir().unwrap();
    let script = completion_script(dir.path(), "zsh");
    let zsh = |args: &[&str]| {
        std::process::Command::new("zsh")
            .args(args)
            .arg(&script)
            .output()
            .expect("zsh runs (apt-get install zsh; .ci/run installs it)")
    };
    let (code, _, stderr) = text(zsh(&["-n"]));
    assert_eq!(code, 0, "zsh -n: {stderr}");
    let (code, stdout, stderr) = text(zsh(&[
        "-f",
        "-c",
        "autoload -U compinit && compinit -u -D && source \"$1\" && whence -w _ghcr-gen",
        "zsh",
    ]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "_ghcr-gen: function\n"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        text.contains(")--suffix=[New suffix"),
        "rename's --suffix is not offered:\n{text}"
    );
}
