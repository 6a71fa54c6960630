//! The one parallel walk reading a repository's setup: `.gitignore` respected, `.git`
//! skipped, symbolic links not followed; only workflows and files that can consume images
//! are opened (through [`crate::fsafe`]), and a consumer file is parsed only when it
//! holds `image` or a registry host.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use super::{ConsumerKind, ConsumerRef, RepoContext, Setup, SetupError, Unexpressed, WorkflowRead};
use crate::fsafe;

/// Reads the repository at `root`.
pub(super) fn read(root: &Path, ctx: &RepoContext) -> Result<Setup, SetupError> {
    let real = fsafe::canonical_root(root).map_err(SetupError::Fs)?;
    let workflows: Mutex<Vec<WorkflowRead>> = Mutex::new(Vec::new());
    let consumers: Mutex<Vec<ConsumerRef>> = Mutex::new(Vec::new());
    let problems: Mutex<Vec<Unexpressed>> = Mutex::new(Vec::new());
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
            let rel = entry
                .path()
                .strip_prefix(&real)
                .unwrap_or(entry.path())
                .to_path_buf();
            if is_workflow(&rel) {
                match read_text(entry.path(), &rel) {
                    Ok(Some(text)) => {
                        match super::find::read_workflow(Some(&real), &rel, &text, ctx) {
                            Ok(w) => lock(&workflows).push(w),
                            Err(SetupError::Yaml {
                                file,
                                line,
                                col,
                                message,
                            }) => lock(&problems).push(Unexpressed {
                                file,
                                line,
                                col,
                                what: format!("workflow not read: {message}"),
                            }),
                            Err(e) => lock(&problems).push(problem(&rel, &e.to_string())),
                        }
                    }
                    Ok(None) => {}
                    Err(e) => lock(&problems).push(problem(&rel, &e)),
                }
            } else if let Some(kind) = super::consumers::kind_of(&rel)
                && let Ok(Some(text)) = read_text(entry.path(), &rel)
                && may_consume(&text, kind)
            {
                let found = super::consumers::read(&rel, &text, kind);
                if !found.is_empty() {
                    lock(&consumers).extend(found);
                }
            }
            WalkState::Continue
        })
    });
    let mut workflows = into_inner(workflows);
    workflows.sort_by(|a, b| a.workflow.file.cmp(&b.workflow.file));
    let mut setup = Setup::default();
    let mut unexpressed = into_inner(problems);
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
    let mut consumers = into_inner(consumers);
    consumers.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    unexpressed.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    setup.consumers = consumers;
    setup.unexpressed = unexpressed;
    Ok(setup)
}

/// Whether `rel` is a GitHub workflow.
pub(super) fn is_workflow(rel: &Path) -> bool {
    let mut c = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let ext_ok = rel
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
    ext_ok
        && c.next().as_deref() == Some(".github")
        && c.next().as_deref() == Some("workflows")
        && rel.components().count() == 3
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
fn may_consume(text: &str, kind: ConsumerKind) -> bool {
    let b = text.as_bytes();
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

/// Reads the file the walk found at `abs` (no symbolic link: the walk follows none, and
/// the open refuses a link swapped in), bounded like every read.
fn read_text(abs: &Path, rel: &Path) -> Result<Option<String>, String> {
    match fsafe::read_regular(abs, rel) {
        Ok(bytes) if bytes.len() <= super::yaml::MAX_TEXT => Ok(String::from_utf8(bytes).ok()),
        Ok(_) => Err(format!(
            "larger than {} MiB, not read",
            super::yaml::MAX_TEXT >> 20
        )),
        Err(e) => Err(e.to_string()),
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
