//! One `check` pass over a repository: the drift rule over every generated file, the
//! per-file rules over the files walked in parallel, and the tracked-env-file rule (`git
//! ls-files` runs while the walk does), gathered into an [`Outcome`].

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::drift::{self, lossy_same_len};
use super::finding::{Finding, Kind};
use super::inspect::{Hit, Inspector};
use super::secrets::{self, TokenFinder};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::git::LsFiles;
use crate::model::Model;
use crate::plan::Plan;
use crate::render::compose::filled_env_path;
use crate::rewrite::{RewriteError, ScanOptions, WarningKind, for_each_file};

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

/// Why a pass could not read the repository (reported as an [`Kind::Error`] finding).
#[derive(Debug)]
pub(crate) enum CheckError {
    /// The walk failed: an unreadable file or directory, an invalid exclude.
    Walk { root: PathBuf, source: RewriteError },
}

/// Where a pass runs and how it shows paths.
pub(crate) struct Pass<'a> {
    /// Renders the generated files compared with the disk (on its own thread, while the
    /// walk runs); `Err` is why they cannot be rendered.
    pub generated: &'a (dyn Fn() -> Result<Plan, String> + Sync),
    /// The command that regenerates them, for the drift fix.
    pub fix: &'a str,
    /// Files or directories to check (absolute or relative to the process's directory);
    /// `None` checks the whole tree under the model's root.
    pub paths: Option<Vec<PathBuf>>,
    /// A path as the user should see it.
    pub display: &'a (dyn Fn(&Path) -> String + Sync),
}

/// Runs every rule over the repository of `model` and gathers the findings, sorted.
pub(crate) fn check(model: &Model, pass: &Pass<'_>) -> Outcome {
    std::thread::scope(|scope| {
        let rendered = scope.spawn(pass.generated);
        let walked = walk(model, pass);
        let plan = rendered
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let plan = match plan {
            Ok(plan) => plan,
            Err(message) => {
                return Outcome::failed(Kind::Error, vec![Diagnostic::error_in(None, message)]);
            }
        };
        let mut outcome = walked;
        outcome.generated = plan.edits.len();
        let display = pass.display;
        outcome
            .findings
            .extend(drift::findings(&plan, &|p| display(p), pass.fix));
        outcome.findings.sort_by_cached_key(Finding::sort_key);
        outcome
    })
}

/// The per-file rules over the files walked, and the tracked-env-file rule.
fn walk(model: &Model, pass: &Pass<'_>) -> Outcome {
    let display = pass.display;
    let mut outcome = Outcome::default();
    let root = &model.root;
    let tracked_env = TrackedEnv::start(model, pass.paths.as_deref());
    let inspector = Inspector::new(model);
    let finder = TokenFinder::default();
    let files = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    let scan = ScanOptions {
        excludes: model.exclude.clone(),
        paths: pass.paths.clone(),
        threads: 0,
    };
    let walked = for_each_file(root, &scan, |rel, bytes| {
        files.fetch_add(1, Ordering::Relaxed);
        let hits = inspector.inspect(rel, bytes);
        if !hits.is_empty() {
            let file = source_file(&display(&root.join(rel)), bytes, &finder);
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
                let path = display(&root.join(&w.path));
                outcome.notes.push(format!("{path} {what}"));
            }
        }
        Err(source) => {
            let e = CheckError::Walk {
                root: root.clone(),
                source,
            };
            outcome.findings.push(Finding::new(
                Kind::Error,
                Diagnostic::error_in(None, e.to_string()),
            ));
        }
    }
    if let Some(f) = tracked_env.finish(root, display) {
        outcome.findings.push(f);
    }
    outcome
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Walk { root, source } => {
                write!(f, "cannot check {}: {source}", root.display())
            }
        }
    }
}

impl std::error::Error for CheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckError::Walk { source, .. } => Some(source),
        }
    }
}

impl Outcome {
    /// The outcome of a check that could not run: `diags` as findings of `kind`.
    pub fn failed(kind: Kind, diags: Vec<Diagnostic>) -> Outcome {
        Outcome {
            findings: diags.into_iter().map(|d| Finding::new(kind, d)).collect(),
            ..Outcome::default()
        }
    }
}

/// The diagnostic file of a scanned file: its display path and its text, tokens masked.
fn source_file(display: &str, bytes: &[u8], finder: &TokenFinder) -> Arc<SourceFile> {
    let text = lossy_same_len(bytes);
    let text = secrets::redact(finder, &text).into_owned();
    Arc::new(SourceFile {
        path: display.to_string(),
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

/// The rule that the filled-in env file (`deploy/.env` for `deploy/.env.example`) is not
/// tracked by git; `git ls-files` runs while the walk does.
struct TrackedEnv {
    /// The filled-in file, relative to the root.
    rel: String,
    /// The template it is filled from.
    template: String,
    git: Option<LsFiles>,
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
        let git = wanted.then(|| LsFiles::start(&model.root, &rel)).flatten();
        TrackedEnv { rel, template, git }
    }

    /// The finding, when git tracks the file (no git, or not a repository: not tracked).
    fn finish(self, root: &Path, display: &dyn Fn(&Path) -> String) -> Option<Finding> {
        if !self.git?.is_tracked() {
            return None;
        }
        let shown = display(&root.join(&self.rel));
        let file = Arc::new(SourceFile {
            path: shown.clone(),
            text: "".into(),
        });
        let template = display(&root.join(&self.template));
        let d = Diagnostic::error_in(
            Some(&file),
            format!("{shown} is tracked by git: it is the filled-in env file and holds secrets"),
        )
        .help(format!(
            "run `git rm --cached {shown}`, add it to .gitignore and rotate every secret it \
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(
            normalize(Path::new("/r/a/../b/./c")),
            PathBuf::from("/r/b/c")
        );
    }
}
