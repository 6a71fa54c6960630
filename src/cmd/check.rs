//! `ghcr-gen check`: generated files that drifted, stale image names, unpullable references
//! and leaked secrets, found in one parallel pass. Exit 0 when clean (warnings allowed),
//! 1 with findings, 2 when the check cannot run (invalid `registry.toml`, unreadable files).
//!
//! Without paths the whole tree under the config's directory is read (`.gitignore` and
//! `[rename] exclude` respected); with paths (as pre-commit passes them) only those. The
//! drift check always covers every generated file. No output ever holds a token's value:
//! every text that reaches the report is masked on the way out.

use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::check::finding::{Finding, Kind};
use crate::check::inspect::{Hit, Inspector};
use crate::check::secrets::{self, TokenFinder};
use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::exit::Exit;
use crate::model::Model;
use crate::plan::{self, Plan, Status};
use crate::render::compose::filled_env_path;
use crate::report::{Message, Report};
use crate::rewrite::{ScanOptions, WarningKind, for_each_file};

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Compiler-style diagnostics on stderr, diffs on stdout, a summary line.
    Text,
    /// One JSON array of findings on stdout.
    Json,
}

/// Options of `ghcr-gen check`.
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    pub format: Format,
    /// Files or directories to check, relative to `cwd` or absolute; empty checks the whole
    /// repository.
    pub paths: &'a [PathBuf],
}

/// What a check found, before it is printed.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Files read by the scan.
    pub files: usize,
    /// Generated files compared with the disk.
    pub generated: usize,
    /// Paths given that were skipped, and why.
    pub notes: Vec<String>,
}

/// Runs `ghcr-gen check`.
pub fn run(opts: &Options<'_>) -> Report {
    let outcome = check(opts);
    redact(report(&outcome, opts.format))
}

/// Runs every check and gathers the findings.
pub fn check(opts: &Options<'_>) -> Outcome {
    let model = match super::load_model(opts.cwd, opts.config) {
        Ok(m) => m,
        Err(diags) => return Outcome::failed(Kind::Config, diags),
    };
    let plan = match super::render::plan_render(&model) {
        Ok(p) => p,
        Err(d) => return Outcome::failed(Kind::Error, vec![d]),
    };
    let fix = super::render::fix_command(opts.cwd, opts.config);
    let mut outcome = Outcome {
        generated: plan.changes.len(),
        findings: drift(&plan, opts.cwd, &fix),
        ..Outcome::default()
    };
    let root = &model.root;
    let given: Option<Vec<PathBuf>> =
        (!opts.paths.is_empty()).then(|| opts.paths.iter().map(|p| opts.cwd.join(p)).collect());
    let tracked_env = TrackedEnv::start(&model, given.as_deref());
    let inspector = Inspector::new(&model);
    let finder = TokenFinder::default();
    let files = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    let scan = ScanOptions {
        excludes: model.exclude.clone(),
        paths: given,
        threads: 0,
    };
    let walked = for_each_file(root, &scan, |rel, bytes| {
        files.fetch_add(1, Ordering::Relaxed);
        let hits = inspector.inspect(rel, bytes);
        if !hits.is_empty() {
            let file = source_file(opts.cwd, &root.join(rel), bytes, &finder);
            let mut found = found.lock().unwrap_or_else(|p| p.into_inner());
            found.extend(hits.into_iter().map(|h| finding(&file, h)));
        }
        Ok(())
    });
    outcome.files = files.into_inner();
    outcome
        .findings
        .extend(found.into_inner().unwrap_or_else(|p| p.into_inner()));
    match walked {
        Ok(warnings) => {
            for w in warnings {
                let what = match w.kind {
                    WarningKind::Missing => "does not exist; skipped",
                    WarningKind::Symlink => "is a symbolic link; not followed",
                    _ => continue, // outside the root: not this config's files
                };
                let path = super::display_path(opts.cwd, &root.join(&w.path));
                outcome.notes.push(format!("{path} {what}"));
            }
        }
        Err(e) => outcome.findings.push(Finding::new(
            Kind::Error,
            Diagnostic::error_in(None, format!("cannot check {}: {e}", root.display())),
        )),
    }
    if let Some(f) = tracked_env.finish(opts.cwd, root) {
        outcome.findings.push(f);
    }
    outcome.findings.sort_by_key(Finding::sort_key);
    outcome
}

/// The report of an outcome in `format`: exit 2 when the check failed, 1 with any error
/// finding, else 0.
pub fn report(outcome: &Outcome, format: Format) -> Report {
    let failed = outcome.findings.iter().any(|f| f.kind.is_failure());
    let errors = outcome
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Error)
        .count();
    let warnings = outcome.findings.len() - errors;
    let exit = if failed {
        Exit::Error
    } else if errors > 0 {
        Exit::Findings
    } else {
        Exit::Ok
    };
    let mut report = Report::new(exit);
    match format {
        Format::Json => {
            let list: Vec<_> = outcome.findings.iter().map(Finding::to_json).collect();
            let json = serde_json::to_string_pretty(&list).expect("findings serialize");
            report.output(format!("{json}\n"));
        }
        Format::Text => {
            for f in &outcome.findings {
                if let Some(diff) = &f.diff {
                    report.push(Message::Diff(diff.clone()));
                }
            }
            for f in &outcome.findings {
                report.push(Message::Diagnostic(f.diagnostic.clone()));
            }
            for note in &outcome.notes {
                report.status(format!("note: {note}"));
            }
            if !failed {
                let what = match (errors, warnings) {
                    (0, 0) => "no findings".to_string(),
                    (e, 0) => format!("{e} error(s)"),
                    (0, w) => format!("{w} warning(s)"),
                    (e, w) => format!("{e} error(s), {w} warning(s)"),
                };
                report.status(format!(
                    "checked {} file(s) and {} generated file(s): {what}",
                    outcome.files, outcome.generated
                ));
            }
        }
    }
    report
}

impl Outcome {
    fn failed(kind: Kind, diags: Vec<Diagnostic>) -> Outcome {
        Outcome {
            findings: diags.into_iter().map(|d| Finding::new(kind, d)).collect(),
            ..Outcome::default()
        }
    }
}

/// A drift finding (with its diff) for every generated file that is missing or differs.
fn drift(plan: &Plan, cwd: &Path, fix: &str) -> Vec<Finding> {
    plan.pending()
        .map(|c| {
            let display = super::display_path(cwd, &plan.root.join(&c.path));
            let old = c.old.as_deref().unwrap_or_default();
            let file = Arc::new(SourceFile {
                path: display.clone(),
                text: lossy_same_len(old).into(),
            });
            let diagnostic = if c.status == Status::Created {
                Diagnostic::error_in(Some(&file), format!("generated file {display} is missing"))
                    .help(format!("run `{fix}` to create it"))
            } else {
                Diagnostic::error(
                    &file,
                    first_difference(old, &c.new),
                    format!("{display} differs from what `ghcr-gen render` writes"),
                )
                .label("first difference")
                .help(format!(
                    "run `{fix}` to regenerate it (the diff shows what changes); \
                     edit registry.toml or a template override instead of the output"
                ))
            };
            Finding {
                kind: Kind::Drift,
                diagnostic,
                diff: Some(plan::unified_diff(c)),
            }
        })
        .collect()
}

/// Byte range of the first line of `old` that differs from `new` (leading blanks left
/// out), or the end of `old` when `new` only adds lines.
fn first_difference(old: &[u8], new: &[u8]) -> std::ops::Range<usize> {
    let mut offset = 0;
    let mut new_lines = new.split_inclusive(|b| *b == b'\n');
    for line in old.split_inclusive(|b| *b == b'\n') {
        if new_lines.next() != Some(line) {
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            let indent = body
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            return offset + indent..offset + body.len();
        }
        offset += line.len();
    }
    old.len()..old.len()
}

/// The diagnostic file of a scanned file: its display path and its text, tokens masked.
fn source_file(cwd: &Path, abs: &Path, bytes: &[u8], finder: &TokenFinder) -> Arc<SourceFile> {
    let text = lossy_same_len(bytes);
    let text = secrets::redact(finder, &text).into_owned();
    Arc::new(SourceFile {
        path: super::display_path(cwd, abs),
        text: text.into(),
    })
}

fn finding(file: &Arc<SourceFile>, hit: Hit) -> Finding {
    let mut d = Diagnostic::error(file, hit.span, hit.message)
        .label(hit.label)
        .help(hit.fix);
    d.severity = hit.severity;
    Finding::new(hit.kind, d)
}

/// `bytes` as text with every byte that is not part of valid UTF-8 replaced by `?`, so byte
/// offsets into the text stay those of the file.
fn lossy_same_len(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

/// The check that the filled-in env file (`deploy/.env` for `deploy/.env.example`) is not
/// tracked by git; `git ls-files` runs while the scan does.
struct TrackedEnv {
    /// The filled-in file, relative to the root.
    rel: String,
    /// The template it is filled from.
    template: String,
    git: Option<Child>,
}

impl TrackedEnv {
    /// Starts `git ls-files` when there is an env template and either the whole repository
    /// is checked or the filled-in file is among `given`.
    fn start(model: &Model, given: Option<&[PathBuf]>) -> TrackedEnv {
        let Some(template) = model.outputs.env.clone() else {
            return TrackedEnv {
                rel: String::new(),
                template: String::new(),
                git: None,
            };
        };
        let rel = filled_env_path(&template);
        let wanted = match given {
            None => true,
            Some(paths) => {
                let target = normalize(&model.root.join(&rel));
                paths.iter().any(|p| normalize(p) == target)
            }
        };
        let git = wanted
            .then(|| {
                Command::new("git")
                    .args(["ls-files", "-z", "--"])
                    .arg(&rel)
                    .current_dir(&model.root)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .ok()
            })
            .flatten();
        TrackedEnv { rel, template, git }
    }

    /// The finding, when git tracks the file (no git, or not a repository: not tracked).
    fn finish(self, cwd: &Path, root: &Path) -> Option<Finding> {
        let out = self.git?.wait_with_output().ok()?;
        if !out.status.success() || out.stdout.is_empty() {
            return None;
        }
        let display = super::display_path(cwd, &root.join(&self.rel));
        let file = Arc::new(SourceFile {
            path: display.clone(),
            text: "".into(),
        });
        let template = super::display_path(cwd, &root.join(&self.template));
        let d = Diagnostic::error_in(
            Some(&file),
            format!("{display} is tracked by git: it is the filled-in env file and holds secrets"),
        )
        .help(format!(
            "run `git rm --cached {display}`, add it to .gitignore and rotate every secret it \
             held; only the template {template} belongs in git"
        ));
        Some(Finding::new(Kind::Secret, d))
    }
}

/// `path` made absolute with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The report with every token masked in everything it prints: the safety net behind the
/// masking done where findings are made.
fn redact(report: Report) -> Report {
    let finder = TokenFinder::default();
    let text = |s: String| secrets::redact(&finder, &s).into_owned();
    let messages = report
        .messages
        .into_iter()
        .map(|m| match m {
            Message::Output(s) => Message::Output(text(s)),
            Message::Diff(s) => Message::Diff(text(s)),
            Message::Status(s) => Message::Status(text(s)),
            Message::Diagnostic(mut d) => {
                d.message = text(d.message);
                d.label = d.label.map(text);
                d.help = d.help.map(text);
                if let Some(f) = &d.file
                    && let std::borrow::Cow::Owned(masked) = secrets::redact(&finder, &f.text)
                {
                    d.file = Some(Arc::new(SourceFile {
                        path: text(f.path.clone()),
                        text: masked.into(),
                    }));
                }
                Message::Diagnostic(d)
            }
        })
        .collect();
    Report {
        messages,
        exit: report.exit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_points_at_the_changed_line() {
        let old = b"a\n  restart: always\nc\n";
        let new = b"a\n  restart: unless-stopped\nc\n";
        assert_eq!(first_difference(old, new), 4..19);
        assert_eq!(first_difference(b"a\n", b"a\nb\n"), 2..2);
        assert_eq!(first_difference(b"a\nb\n", b"a\n"), 2..3);
    }

    #[test]
    fn invalid_utf8_keeps_byte_offsets() {
        let text = lossy_same_len(b"a\xff\xfeb\xc3\xa9");
        assert_eq!(text, "a??bé");
        assert_eq!(text.len(), 6);
    }

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(
            normalize(Path::new("/r/a/../b/./c")),
            PathBuf::from("/r/b/c")
        );
    }
}
