//! The reader's walk: [`Reader`] takes files one at a time from any parallel walk (its
//! own in [`read`], or the rename scan's, so a rename reads the tree once) and keeps
//! only workflows and files that can consume images; a consumer file is parsed only when
//! it holds `image` or a registry host. [`read`] is the reader's own walk: `.gitignore`
//! respected, `.git` skipped, symbolic links not followed, files opened through
//! [`crate::fsafe`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use super::{ConsumerKind, ConsumerRef, RepoContext, Setup, SetupError, Unexpressed, WorkflowRead};
use crate::fsafe;

/// What the reader gathers from the files a walk hands it, in any order, from any thread.
#[derive(Debug)]
pub struct Reader<'a> {
    /// The repository's canonical root (bake files are read under it).
    real: PathBuf,
    ctx: &'a RepoContext,
    /// The consumer kinds read (`None`: all).
    kinds: Option<&'static [ConsumerKind]>,
    workflows: Mutex<Vec<WorkflowRead>>,
    consumers: Mutex<Vec<ConsumerRef>>,
    problems: Mutex<Vec<Unexpressed>>,
}

impl<'a> Reader<'a> {
    /// A reader of the repository at `root`.
    pub fn new(root: &Path, ctx: &'a RepoContext) -> Result<Reader<'a>, SetupError> {
        Ok(Reader {
            real: fsafe::canonical_root(root).map_err(SetupError::Fs)?,
            ctx,
            kinds: None,
            workflows: Mutex::new(Vec::new()),
            consumers: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
        })
    }

    /// A reader of what defines the images' names only: the workflows and Helm values
    /// (what `rename` edits), no other consumer.
    pub fn definitions(root: &Path, ctx: &'a RepoContext) -> Result<Reader<'a>, SetupError> {
        Ok(Reader {
            kinds: Some(&[ConsumerKind::Helm]),
            ..Reader::new(root, ctx)?
        })
    }

    /// Whether the reader looks at the file at `rel` (relative to the root) at all: a
    /// workflow, or a file kind that can consume images (of the kinds it reads).
    fn wants(&self, rel: &Path) -> bool {
        is_workflow(rel) || self.consumer_kind(rel).is_some()
    }

    fn consumer_kind(&self, rel: &Path) -> Option<ConsumerKind> {
        super::consumers::kind_of(rel).filter(|k| self.kinds.is_none_or(|ks| ks.contains(k)))
    }

    /// Reads the file at `rel` from its bytes. Files the reader does not want, and text
    /// that is not UTF-8, are passed over; a workflow that cannot be read is recorded as
    /// not expressed.
    pub fn visit(&self, rel: &Path, bytes: &[u8]) {
        if is_workflow(rel) {
            if bytes.len() > super::yaml::MAX_TEXT {
                let what = format!("larger than {} MiB, not read", super::yaml::MAX_TEXT >> 20);
                lock(&self.problems).push(problem(rel, &what));
                return;
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                return;
            };
            match super::find::read_workflow(Some(&self.real), rel, text, self.ctx) {
                Ok(w) => lock(&self.workflows).push(w),
                Err(SetupError::Yaml {
                    file,
                    line,
                    col,
                    message,
                }) => lock(&self.problems).push(Unexpressed {
                    file,
                    line,
                    col,
                    what: format!("workflow not read: {message}"),
                }),
                Err(e) => lock(&self.problems).push(problem(rel, &e.to_string())),
            }
        } else if let Some(kind) = self.consumer_kind(rel)
            && bytes.len() <= super::yaml::MAX_TEXT
            && may_consume(bytes, kind)
            && let Ok(text) = std::str::from_utf8(bytes)
        {
            let found = super::consumers::read(rel, text, kind);
            if !found.is_empty() {
                lock(&self.consumers).extend(found);
            }
        }
    }

    /// Everything read: images merged across workflows (sorted by workflow path),
    /// consumers and what could not be expressed sorted by place.
    pub fn finish(self) -> Setup {
        let mut workflows = into_inner(self.workflows);
        workflows.sort_by(|a, b| a.workflow.file.cmp(&b.workflow.file));
        let mut setup = Setup::default();
        let mut unexpressed = into_inner(self.problems);
        for w in workflows {
            for img in w.images {
                match setup.images.iter_mut().find(|i| {
                    i.registry == img.registry && i.path == img.path && i.variant == img.variant
                }) {
                    Some(i) => merge(i, img),
                    None => setup.images.push(img),
                }
            }
            unexpressed.extend(w.unexpressed);
            setup.workflows.push(w.workflow);
        }
        let mut consumers = into_inner(self.consumers);
        consumers.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
        unexpressed.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
        setup.consumers = consumers;
        setup.unexpressed = unexpressed;
        setup
    }
}

/// Reads the repository at `root` in its own parallel walk, opening only the files the
/// [`Reader`] wants.
pub(super) fn read(root: &Path, ctx: &RepoContext) -> Result<Setup, SetupError> {
    let reader = Reader::new(root, ctx)?;
    let real = reader.real.clone();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let mut builder = WalkBuilder::new(&real);
    builder
        .hidden(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .parents(false)
        .require_git(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git");
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let rel = entry.path().strip_prefix(&real).unwrap_or(entry.path());
            if !reader.wants(rel) {
                return WalkState::Continue;
            }
            // The walk follows no symbolic link, and the open refuses a link swapped in.
            match fsafe::read_regular(entry.path(), rel) {
                Ok(bytes) => reader.visit(rel, &bytes),
                Err(e) if is_workflow(rel) => {
                    lock(&reader.problems).push(problem(rel, &e.to_string()))
                }
                Err(_) => {}
            }
            WalkState::Continue
        })
    });
    Ok(reader.finish())
}

/// Whether `rel` is a GitHub workflow.
pub fn is_workflow(rel: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    // Byte comparisons, no allocation: every file of a walk is asked.
    let Some(name) = rel
        .as_os_str()
        .as_bytes()
        .strip_prefix(b".github/workflows/")
    else {
        return false;
    };
    let ext_ok = |ext: &[u8]| {
        name.len() > ext.len() && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
    };
    !name.contains(&b'/') && (ext_ok(b".yml") || ext_ok(b".yaml"))
}

fn merge(into: &mut super::PublishedImage, img: super::PublishedImage) {
    for p in img.platforms {
        if !into.platforms.contains(&p) {
            into.platforms.push(p);
        }
    }
    into.context = into.context.take().or(img.context);
    into.dockerfile = into.dockerfile.take().or(img.dockerfile);
    into.target = into.target.take().or(img.target);
    for a in img.build_args {
        if !into.build_args.iter().any(|(k, _)| *k == a.0) {
            into.build_args.push(a);
        }
    }
    for r in img.tag_rules {
        if !into.tag_rules.contains(&r) {
            into.tag_rules.push(r);
        }
    }
    for a in img.also {
        if !into.also.contains(&a) {
            into.also.push(a);
        }
    }
    into.definitions.extend(img.definitions);
    into.may_be_uppercase |= img.may_be_uppercase;
}

/// Whether a text may name an image at all (a literal prefilter before any parsing): a
/// YAML consumer needs an `image:`, `repository:` or `newName:` key, a text consumer a
/// registry host.
fn may_consume(b: &[u8], kind: ConsumerKind) -> bool {
    let has = |needle: &[u8]| memchr::memmem::find(b, needle).is_some();
    match kind {
        ConsumerKind::Makefile | ConsumerKind::Shell | ConsumerKind::Docs => {
            has(b"ghcr.io/")
                || has(b"docker.io/")
                || has(b"quay.io/")
                || has(b"registry.gitlab.com/")
        }
        _ => has(b"image:") || has(b"repository:") || has(b"newName:"),
    }
}

fn problem(rel: &Path, what: &str) -> Unexpressed {
    Unexpressed {
        file: PathBuf::from(rel),
        line: 1,
        col: 1,
        what: what.to_string(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_workflow_takes_only_yaml_files_directly_in_the_workflows_directory() {
        for yes in [".github/workflows/ci.yml", ".github/workflows/Publish.YAML"] {
            assert!(is_workflow(Path::new(yes)), "{yes}");
        }
        for no in [
            ".github/workflows/.yml",
            ".github/workflows/sub/ci.yml",
            ".github/workflows/ci.json",
            ".github/ci.yml",
            "x/.github/workflows/ci.yml",
            "github/workflows/ci.yml",
        ] {
            assert!(!is_workflow(Path::new(no)), "{no}");
        }
    }
}
