//! Differential tests: the Rust engine against the JavaScript originals, on generated inputs.
//!
//! The npm packages docker/metadata-action v6 computes with (`handlebars`, `moment-timezone`,
//! `semver`, `@renovate/pep440`, `csv-parse`, pinned in `tests/js/package.json` and its
//! lock) are installed at test time with `npm ci` into `target/js-oracle/` (reused while the
//! lock is unchanged); `tests/js/oracle.js` answers a whole batch of cases in one `node`
//! call. Without node or npm these tests fail; they never skip.
//!
//! Generated inputs per comparison (seeded, so every run compares the same ones; each also
//! passed once with 20,000):
//! - `regex`: 5,000 (pattern, flags, subject) triples through node's `RegExp` and
//!   `String.prototype.match`;
//! - `date`: 3,000 (instant, moment format, zone) triples through moment-timezone;
//! - `semver`: 3,000 version strings through node-semver's `valid`/`parse`, each valid one
//!   also rendering a pattern against the parsed version;
//! - `pep440`: 3,000 version strings through `@renovate/pep440`;
//! - `csv`: 3,000 inputs, each as a list input and as an entry (6,000 comparisons);
//! - `handlebars`: 4,000 templates (up to 8 pieces) rendered against one data object.
//!
//! Deliberate limitations, excluded narrowly where they are tested (see each module):
//! V8's reasons for invalid `u`/`v` patterns (only the failure is compared) and V8's text
//! for calling a non-function in a template (only the kind of error is compared).
//!
//! A divergence fails the test and shows the input, node's answer and ours.

mod csv;
mod date;
mod handlebars;
mod pep440;
mod regex;
mod semver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Value as Json, json};

/// `n` values of `strategy`, from a fixed seed.
fn generate<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("the generator produces a value")
                .current()
        })
        .collect()
}

/// Concatenations of 0 to `max` pieces drawn from `pieces`.
fn concat_of(pieces: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(pieces), 0..=max).prop_map(|v| v.concat())
}

/// Node's answers for `cases` (one JSON object each) of the oracle's `kind`.
fn oracle(kind: &str, cases: &[Json]) -> Vec<Json> {
    let dir = installed();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/oracle.js");
    let mut child = Command::new("node")
        .arg(&script)
        .env("NODE_PATH", dir.join("node_modules"))
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("differential tests need node (v20) on PATH: {e}"));
    let input = json!({ "kind": kind, "cases": cases }).to_string();
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("node runs");
    writer
        .join()
        .expect("writer thread")
        .expect("the cases reach node");
    assert!(
        output.status.success(),
        "node {} failed ({})",
        script.display(),
        output.status
    );
    let results: Vec<Json> =
        serde_json::from_slice(&output.stdout).expect("the oracle answers JSON");
    assert_eq!(results.len(), cases.len(), "one answer per case");
    results
}

/// The oracle's directory with its packages installed (once per test run).
fn installed() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = option_env!("CARGO_TARGET_DIR")
            .map_or_else(|| manifest.join("../../target"), PathBuf::from);
        let dir = target.join("js-oracle");
        let lock = std::fs::read(manifest.join("tests/js/package-lock.json"))
            .expect("tests/js/package-lock.json");
        let stamp = dir.join("node_modules/.installed-lock.json");
        if std::fs::read(&stamp).ok().as_ref() == Some(&lock) {
            return dir;
        }
        std::fs::create_dir_all(&dir).expect("create the oracle directory");
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(manifest.join("tests/js").join(file), dir.join(file))
                .expect("copy the oracle's package files");
        }
        let out = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("differential tests need npm on PATH: {e}"));
        assert!(
            out.status.success(),
            "`npm ci` in {} failed (the differential tests need the registry once):\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&stamp, &lock).expect("stamp the installation");
        dir
    })
}

/// Compares node's answer with ours for every case; fails listing the divergences.
fn compare(what: &str, cases: &[Json], node: &[Json], ours: &[Json]) {
    // A guard against a vacuous comparison (an oracle that answers the same for everything).
    let mut distinct: Vec<&Json> = node.iter().collect();
    distinct.sort_by_key(|v| v.to_string());
    distinct.dedup();
    assert!(
        distinct.len() > cases.len().min(20) / 2,
        "{what}: node gave only {} distinct answers",
        distinct.len()
    );
    let diverging: Vec<String> = cases
        .iter()
        .zip(node.iter().zip(ours))
        .filter(|(_, (n, o))| n != o)
        .map(|(c, (n, o))| format!("input {c}\n  node: {n}\n  rust: {o}"))
        .collect();
    assert!(
        diverging.is_empty(),
        "{what}: {} of {} inputs diverge from node:\n{}",
        diverging.len(),
        cases.len(),
        diverging
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Checks that the generator produces the mix it claims: between 5% and 95% of node's
/// answers are `kind`.
fn assert_mix(what: &str, node: &[Json], kind: &str, is: impl Fn(&Json) -> bool) {
    let n = node.iter().filter(|v| is(v)).count();
    assert!(
        n * 20 >= node.len() && n * 20 <= node.len() * 19,
        "{what}: {n} of {} generated inputs are {kind}; the generator is off",
        node.len()
    );
}

/// `Err(message)` as the oracle writes it.
fn error(message: &str) -> Json {
    json!({ "error": message })
}

/// A JS number as JSON: integral values as integers, as `JSON.stringify` writes them.
fn number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}
