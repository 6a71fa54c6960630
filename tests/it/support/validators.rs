//! The offline validators generated files must pass, run from the project's validator venv.
//!
//! `scripts/install-validators.sh` installs them into `$GHCR_GEN_VALIDATORS` (default
//! `<repo>/.venv-validators`). Each function here runs one tool on the given files and
//! panics with the tool's complete output on any finding. A missing tool triggers one run
//! of the installer; a tool still missing is a failure that says how to install it, never
//! a skip. Tools run inside
//! `unshare -n` (no network at all) when the sandbox permits it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where the validators live: `$GHCR_GEN_VALIDATORS` (relative to the repository when
/// relative, as `scripts/install-validators.sh` reads it) or `<repo>/.venv-validators`.
pub(crate) fn venv() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("GHCR_GEN_VALIDATORS") {
        Some(dir) if !dir.is_empty() => repo.join(dir),
        _ => repo.join(".venv-validators"),
    }
}

/// The yamllint configuration generated files are held to (`tests/yamllint.yaml`).
pub(crate) fn yamllint_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yamllint.yaml")
}

/// Installs the validators with `scripts/install-validators.sh` the first time a test of
/// this binary needs one and the venv lacks it (the script is idempotent and pins every
/// version). `cargo test` on a clean clone therefore installs what it runs.
fn ensure_installed() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new("bash")
            .arg(repo.join("scripts/install-validators.sh"))
            .current_dir(repo)
            .output()
            .expect("run scripts/install-validators.sh");
        assert!(
            out.status.success(),
            "scripts/install-validators.sh failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// The path of `tool` in the venv, installing the validators first when it is missing;
/// panics telling how to install it when it is still missing.
pub(crate) fn tool(name: &str) -> PathBuf {
    let path = venv().join("bin").join(name);
    if !path.is_file() {
        ensure_installed();
    }
    if !path.is_file() {
        panic!(
            "validator `{name}` is not installed (looked for {}).\n\
             Run `scripts/install-validators.sh` to install every validator into {} \
             (set GHCR_GEN_VALIDATORS to use another directory).",
            path.display(),
            venv().display()
        );
    }
    path
}

/// Whether tools can be run without network (`unshare -n` works here), checked once.
pub(crate) fn offline_wrap() -> bool {
    static WRAP: OnceLock<bool> = OnceLock::new();
    *WRAP.get_or_init(|| {
        Command::new("unshare")
            .args(["-n", "true"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Output of one validator run.
#[derive(Debug)]
pub(crate) struct Run {
    /// The command line, for messages.
    pub command: String,
    /// Whether the tool exited with status 0.
    pub success: bool,
    /// Exit status as text.
    pub status: String,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Everything the tool said, for a failure message.
    pub(crate) fn report(&self) -> String {
        format!(
            "$ {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

/// Runs venv tool `name` with `args` in `cwd`, offline where possible, with colour off and
/// the venv first on `PATH`.
pub(crate) fn run(name: &str, args: &[OsString], cwd: &Path) -> Run {
    let program = tool(name);
    let mut command = if offline_wrap() {
        let mut c = Command::new("unshare");
        c.arg("-n").arg(&program);
        c
    } else {
        Command::new(&program)
    };
    command.args(args).current_dir(cwd);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![venv().join("bin")];
    paths.extend(std::env::split_paths(&path));
    command
        .env(
            "PATH",
            std::env::join_paths(paths).expect("PATH entries join"),
        )
        .env("NO_COLOR", "1")
        .env("DOCKER_CONFIG", venv().join("docker-config"));
    let shown = format!(
        "{}{} {}",
        if offline_wrap() { "unshare -n " } else { "" },
        program.display(),
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("could not run {shown}: {e}"));
    Run {
        command: shown,
        success: output.status.success(),
        status: output.status.to_string(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the tool and panics with its full output unless it exits 0.
fn expect_clean(name: &str, args: Vec<OsString>, files: &[&Path]) -> Run {
    assert!(!files.is_empty(), "{name}: no files to check");
    let run = run(name, &args, &common_dir(files));
    if !run.success {
        panic!("{name} reported problems:\n{}", run.report());
    }
    run
}

fn with_files(mut args: Vec<OsString>, files: &[&Path]) -> Vec<OsString> {
    args.extend(files.iter().map(|f| f.as_os_str().to_owned()));
    args
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// The deepest directory holding every file: the tools run there, so no config of this
/// repository (or of any parent) is picked up for generated files in a temp dir.
fn common_dir(files: &[&Path]) -> PathBuf {
    let parent = |f: &Path| f.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut dir = parent(files[0]);
    for f in &files[1..] {
        while !f.starts_with(&dir) {
            dir = parent(&dir);
        }
    }
    dir
}

/// actionlint, checking `run:` scripts with the venv's shellcheck (named explicitly:
/// actionlint silently skips script checks when it finds no shellcheck).
pub(crate) fn actionlint(files: &[&Path]) {
    let mut args = os(&["-no-color", "-shellcheck"]);
    args.push(tool("shellcheck").into_os_string());
    expect_clean("actionlint", with_files(args, files), files);
}

/// zizmor, offline, pedantic persona (every audit, pedantic findings included): any
/// finding fails.
pub(crate) fn zizmor(files: &[&Path]) {
    let run = expect_clean(
        "zizmor",
        with_files(
            os(&[
                "--offline",
                "--no-progress",
                "--color",
                "never",
                "--persona",
                "pedantic",
            ]),
            files,
        ),
        files,
    );
    // zizmor exits 0 only without findings; say so loudly if that ever changes.
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("No findings to report"),
        "zizmor exited 0 but did not report a clean result:\n{}",
        run.report()
    );
}

/// check-jsonschema against one of its built-in schemas, e.g. `vendor.github-workflows`.
pub(crate) fn check_jsonschema(schema: &str, files: &[&Path]) {
    expect_clean(
        "check-jsonschema",
        with_files(os(&["--builtin-schema", schema]), files),
        files,
    );
}

/// yamllint in strict mode (warnings fail too) with `tests/yamllint.yaml`.
pub(crate) fn yamllint(files: &[&Path]) {
    let config = yamllint_config();
    assert!(config.is_file(), "{} is missing", config.display());
    let mut args = os(&["-s", "-f", "parsable", "-c"]);
    args.push(config.into_os_string());
    args.push("--".into());
    expect_clean("yamllint", with_files(args, files), files);
}

/// `docker-compose config -q` (no engine needed), from the file's own directory so relative
/// `build:` and `env_file:` paths resolve; anything it prints, warnings included, fails.
pub(crate) fn compose_config(file: &Path) {
    let dir = file.parent().expect("compose file has a directory");
    let mut args = os(&["--project-directory"]);
    args.push(dir.as_os_str().to_owned());
    args.push("-f".into());
    args.push(file.as_os_str().to_owned());
    args.extend(os(&["config", "-q"]));
    let run = expect_clean("docker-compose", args, &[file]);
    if !run.stdout.trim().is_empty() || !run.stderr.trim().is_empty() {
        panic!("docker-compose config printed warnings:\n{}", run.report());
    }
}

/// [`compose_config`] with `--env-file ENV` feeding variable substitution, as the deploy
/// script runs it.
pub(crate) fn compose_config_with_env(file: &Path, env: &Path) {
    let dir = file.parent().expect("compose file has a directory");
    let mut args = os(&["--project-directory"]);
    args.push(dir.as_os_str().to_owned());
    args.push("--env-file".into());
    args.push(env.as_os_str().to_owned());
    args.push("-f".into());
    args.push(file.as_os_str().to_owned());
    args.extend(os(&["config", "-q"]));
    let run = expect_clean("docker-compose", args, &[file, env]);
    if !run.stdout.trim().is_empty() || !run.stderr.trim().is_empty() {
        panic!("docker-compose config printed warnings:\n{}", run.report());
    }
}

/// The Kubernetes version manifests are validated against (the newest bundled schemas).
pub(crate) const K8S_VERSION: &str = "1.37.0";

/// kubernetes-validate `--strict` (unknown fields fail) against [`K8S_VERSION`].
pub(crate) fn kubernetes_validate(files: &[&Path]) {
    expect_clean(
        "kubernetes-validate",
        with_files(os(&["--strict", "--quiet", "-k", K8S_VERSION]), files),
        files,
    );
}

/// `kubectl kustomize DIR` (the kustomize built into kubectl, offline): the kustomization
/// resolves, every resource exists and parses. Returns the built manifests.
pub(crate) fn kustomize(kustomization: &Path) -> String {
    let run = expect_clean("kubectl", os(&["kustomize", "."]), &[kustomization]);
    assert!(
        !run.stdout.trim().is_empty(),
        "kubectl kustomize printed nothing:\n{}",
        run.report()
    );
    run.stdout
}

/// shellcheck at style severity (everything reported).
pub(crate) fn shellcheck(files: &[&Path]) {
    expect_clean(
        "shellcheck",
        with_files(os(&["-S", "style", "--"]), files),
        files,
    );
}

/// Every workflow validator: yamllint, check-jsonschema (github-workflows), actionlint and
/// zizmor. Runs them all and reports every failing one before panicking.
pub(crate) fn workflow(files: &[&Path]) {
    let checks: [(&str, &dyn Fn()); 4] = [
        ("yamllint", &|| yamllint(files)),
        ("check-jsonschema", &|| {
            check_jsonschema("vendor.github-workflows", files)
        }),
        ("actionlint", &|| actionlint(files)),
        ("zizmor", &|| zizmor(files)),
    ];
    let failures: Vec<String> = checks
        .iter()
        .filter_map(|(name, check)| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(check))
                .err()
                .map(|e| format!("== {name} ==\n{}", panic_text(&*e)))
        })
        .collect();
    if !failures.is_empty() {
        panic!("{}", failures.join("\n\n"));
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-text panic)".into())
}
