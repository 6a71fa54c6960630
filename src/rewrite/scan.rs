//! [`scan`]: walks a repository in parallel and plans every edit, writing nothing.
//! [`for_each_file`] is the walk on its own, handing each file's bytes to a callback
//! (`check` uses it).
//!
//! The walk respects `.gitignore` (also outside a git checkout) and `.git/info/exclude`,
//! skips version-control directories, symbolic links (never followed, so nothing outside
//! the root is reached), non-regular files and the caller's excludes. Each file costs one
//! read and one literal search; binary files (a NUL byte in the first 8 KiB) stop after the
//! read. Only files with a candidate are parsed.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};

use super::error::RewriteError;
use super::matcher::{Matcher, Reference};
use super::plan::{
    FilePreview, FileRewrite, Plan, Preview, Warning, WarningKind, reference_diff, warnings_for,
};

/// Bytes looked at for a NUL to call a file binary.
pub const BINARY_PROBE: usize = 8 * 1024;

/// Directory names never entered.
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// What to scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// Gitignore-style globs (relative to the root) never looked at.
    pub excludes: Vec<String>,
    /// Only these files or directories (relative to the root, or absolute inside it), as
    /// pre-commit passes them; `None` scans the whole tree. Named files are scanned even if
    /// `.gitignore` lists them; excludes still apply.
    pub paths: Option<Vec<PathBuf>>,
    /// Worker threads; 0 chooses from the number of cores.
    pub threads: usize,
}

/// Plans the edits `matcher` finds under `root`. Nothing is written; any error (an
/// unreadable file or directory, a path outside the root) fails the whole scan.
pub fn scan(root: &Path, matcher: &Matcher, opts: &ScanOptions) -> Result<Plan, RewriteError> {
    scan_with(root, matcher, opts, &|_, _, _| ())
}

/// [`scan`], handing every file read to `also` as well (path relative to the root, bytes,
/// and whether the matcher's literals occur in them), so a caller needing more from the
/// tree reads it in the same walk.
pub fn scan_with(
    root: &Path,
    matcher: &Matcher,
    opts: &ScanOptions,
    also: &(dyn Fn(&Path, &[u8], bool) + Sync),
) -> Result<Plan, RewriteError> {
    let (files, warnings) = collect(root, matcher, opts, also, |rel, bytes, references| {
        FileRewrite::new(rel.to_path_buf(), bytes.to_vec(), references)
    })?;
    Ok(Plan { files, warnings })
}

/// Plans what [`scan`] does for a dry run: each file's references and its diff (built
/// from them while the file is in the reading thread's buffer), not its contents, so the
/// memory is that of the output.
pub fn preview(
    root: &Path,
    matcher: &Matcher,
    opts: &ScanOptions,
) -> Result<Preview, RewriteError> {
    preview_with(root, matcher, opts, &|_, _, _| ())
}

/// [`preview`], handing every file read to `also` as well, like [`scan_with`].
pub fn preview_with(
    root: &Path,
    matcher: &Matcher,
    opts: &ScanOptions,
    also: &(dyn Fn(&Path, &[u8], bool) + Sync),
) -> Result<Preview, RewriteError> {
    let (files, warnings) = collect(root, matcher, opts, also, |rel, bytes, references| {
        let diff = reference_diff(rel, bytes, &references);
        Ok(FilePreview {
            path: rel.to_path_buf(),
            references,
            diff,
        })
    })?;
    Ok(Preview { files, warnings })
}

/// Files at least this large with a candidate have `also` run on a thread of its own.
const SPLIT_AT: usize = 4 * 1024 * 1024;

/// A planned file, sorted and deduplicated by its path.
trait Planned {
    fn path(&self) -> &Path;
}

impl Planned for FileRewrite {
    fn path(&self) -> &Path {
        &self.edit.path
    }
}

impl Planned for FilePreview {
    fn path(&self) -> &Path {
        &self.path
    }
}

/// Walks `root`, turns each file with references into a `T` with `make`, and returns them
/// sorted by path (each once), with the warnings, sorted.
fn collect<T, M>(
    root: &Path,
    matcher: &Matcher,
    opts: &ScanOptions,
    also: &(dyn Fn(&Path, &[u8], bool) + Sync),
    make: M,
) -> Result<(Vec<T>, Vec<Warning>), RewriteError>
where
    T: Planned + Send,
    M: Fn(&Path, &[u8], Vec<Reference>) -> Result<T, RewriteError> + Sync,
{
    let files = Mutex::new(Vec::new());
    let file_warnings = Mutex::new(Vec::new());
    let mut warnings = for_each_file(root, opts, |rel, bytes| {
        let candidate = matcher.has_candidate(bytes);
        let plan = || {
            if let Some(references) = candidate
                .then(|| matcher.find_bytes(bytes))
                .filter(|r| !r.is_empty())
            {
                let w = warnings_for(rel, &references, matcher.renames());
                let planned = make(rel, bytes, references)?;
                lock(&files).push(planned);
                lock(&file_warnings).extend(w);
            }
            Ok(())
        };
        if candidate && bytes.len() >= SPLIT_AT {
            // A large file: what `also` reads of it runs beside the plan, not after it.
            std::thread::scope(|scope| {
                scope.spawn(|| also(rel, bytes, candidate));
                plan()
            })
        } else {
            also(rel, bytes, candidate);
            plan()
        }
    })?;
    // Named paths may overlap (`dir` and `dir/file`): each file is planned once.
    let mut files = into_inner(files);
    files.sort_by(|a, b| a.path().cmp(b.path()));
    files.dedup_by(|a, b| a.path() == b.path());
    warnings.extend(into_inner(file_warnings));
    warnings.sort();
    warnings.dedup();
    Ok((files, warnings))
}

/// Reads every file `opts` selects under `root`, in parallel, and hands `visit` its path
/// relative to the root and its bytes. Binary files (a NUL byte in the first
/// [`BINARY_PROBE`] bytes) and files that vanish during the walk are skipped; a file named
/// twice (`dir` and `dir/file`) is handed over once. Returns the
/// warnings about named paths that were skipped (missing, outside the root, symbolic
/// links), sorted. Any error, the first one `visit` returns included, stops the walk and
/// fails it (the error with the smallest path is returned).
pub fn for_each_file<F>(
    root: &Path,
    opts: &ScanOptions,
    visit: F,
) -> Result<Vec<Warning>, RewriteError>
where
    F: Fn(&Path, &[u8]) -> Result<(), RewriteError> + Sync,
{
    let root_error = |source| RewriteError::Root {
        path: root.to_path_buf(),
        source,
    };
    let meta = fs::metadata(root).map_err(root_error)?;
    if !meta.is_dir() {
        return Err(root_error(io::Error::from(io::ErrorKind::NotADirectory)));
    }
    let excludes = Excludes::new(&opts.excludes)?;
    let sink = Sink::default();
    // Named paths may overlap (`dir` and `dir/file`): each file is handed over once.
    let seen = opts.paths.as_ref().map(|_| Mutex::new(HashSet::new()));
    let visit = |rel: &Path, bytes: &[u8]| {
        if let Some(seen) = &seen
            && !lock(seen).insert(rel.to_path_buf())
        {
            return Ok(());
        }
        visit(rel, bytes)
    };
    match &opts.paths {
        None => walk(
            root,
            &[root.to_path_buf()],
            &visit,
            &excludes,
            opts.threads,
            &sink,
        ),
        Some(paths) => scan_paths(root, paths, &visit, &excludes, opts.threads, &sink)?,
    }
    sink.finish()
}

/// Gitignore-style exclude globs, matched against paths relative to the root.
#[derive(Debug, Clone)]
enum Excludes {
    None,
    /// Every glob is an anchored path without wildcards (`/registry.toml`, the generated
    /// files rename leaves to the renderer): compared as bytes, which is what the
    /// gitignore matcher would answer, at a fraction of its cost per entry.
    Paths(Arc<Vec<Vec<u8>>>),
    Globs(Arc<Gitignore>),
}

impl Excludes {
    fn new(globs: &[String]) -> Result<Excludes, RewriteError> {
        if globs.is_empty() {
            return Ok(Excludes::None);
        }
        let literal = |g: &String| {
            g.len() > 1
                && g.starts_with('/')
                && !g.ends_with('/')
                && !g.ends_with(' ')
                && !g.contains(['*', '?', '[', '\\', '!'])
                && !g.contains("//")
        };
        if globs.iter().all(literal) {
            let paths = globs.iter().map(|g| g.as_bytes()[1..].to_vec()).collect();
            return Ok(Excludes::Paths(Arc::new(paths)));
        }
        Ok(Excludes::Globs(Arc::new(gitignore(globs)?)))
    }

    /// Whether `rel` (relative to the root) is excluded, itself or through a parent.
    fn excluded(&self, rel: &Path, is_dir: bool) -> bool {
        if rel.as_os_str().is_empty() {
            return false;
        }
        match self {
            Excludes::None => false,
            Excludes::Paths(paths) => {
                let rel = rel.as_os_str().as_bytes();
                paths
                    .iter()
                    .any(|p| rel.starts_with(p) && (rel.len() == p.len() || rel[p.len()] == b'/'))
            }
            Excludes::Globs(gi) => gi.matched_path_or_any_parents(rel, is_dir).is_ignore(),
        }
    }

    /// Whether `rel` itself (its parents already judged) is excluded.
    fn matched(&self, rel: &Path, is_dir: bool) -> bool {
        match self {
            Excludes::None => false,
            Excludes::Paths(paths) => {
                let rel = rel.as_os_str().as_bytes();
                paths.iter().any(|p| p.as_slice() == rel)
            }
            Excludes::Globs(gi) => gi.matched(rel, is_dir).is_ignore(),
        }
    }
}

/// The gitignore matcher of `globs`. Paths are matched relative to the root, so it is
/// rooted at `.`: it then compares no path with the root (about 300 instructions per
/// entry).
fn gitignore(globs: &[String]) -> Result<Gitignore, RewriteError> {
    let mut builder = GitignoreBuilder::new(".");
    for glob in globs {
        builder
            .add_line(None, glob)
            .map_err(|e| RewriteError::Exclude {
                glob: glob.clone(),
                message: e.to_string(),
            })?;
    }
    builder.build().map_err(|e| RewriteError::Exclude {
        glob: globs.join(", "),
        message: e.to_string(),
    })
}

/// Warnings and errors gathered from the worker threads.
#[derive(Default)]
struct Sink {
    warnings: Mutex<Vec<Warning>>,
    errors: Mutex<Vec<RewriteError>>,
    failed: AtomicBool,
}

impl Sink {
    fn warning(&self, w: Warning) {
        lock(&self.warnings).push(w);
    }

    fn error(&self, e: RewriteError) {
        self.failed.store(true, Ordering::Relaxed);
        lock(&self.errors).push(e);
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    fn finish(self) -> Result<Vec<Warning>, RewriteError> {
        let mut errors = into_inner(self.errors);
        if !errors.is_empty() {
            errors.sort_by_key(RewriteError::path);
            return Err(errors.swap_remove(0));
        }
        let mut warnings = into_inner(self.warnings);
        warnings.sort();
        warnings.dedup();
        Ok(warnings)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Walks `starts` (inside `root`) in parallel.
fn walk<F>(
    root: &Path,
    starts: &[PathBuf],
    visit: &F,
    excludes: &Excludes,
    threads: usize,
    sink: &Sink,
) where
    F: Fn(&Path, &[u8]) -> Result<(), RewriteError> + Sync,
{
    let mut builder = WalkBuilder::new(&starts[0]);
    for start in &starts[1..] {
        builder.add(start);
    }
    let filter_root = root.to_path_buf();
    let filter_excludes = excludes.clone();
    builder
        .hidden(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(move |e| keep_entry(&filter_root, &filter_excludes, e));
    builder.build_parallel().run(|| {
        let mut buf = Vec::new();
        Box::new(move |result| {
            if sink.failed() {
                return WalkState::Quit;
            }
            let entry = match result {
                Ok(entry) => entry,
                Err(err) => {
                    return match walk_error(root, err) {
                        Some(e) => {
                            sink.error(e);
                            WalkState::Quit
                        }
                        None => WalkState::Continue,
                    };
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let rel = relative(root, entry.path());
            match visit_file(rel, entry.path(), visit, &mut buf) {
                Ok(()) => {}
                Err(e) => {
                    sink.error(e);
                    return WalkState::Quit;
                }
            }
            WalkState::Continue
        })
    });
}

/// Whether the walk enters or yields this entry. Its parents were judged when the walk
/// entered them (the starts by the caller), so only the entry itself is matched.
fn keep_entry(root: &Path, excludes: &Excludes, e: &DirEntry) -> bool {
    if e.depth() == 0 {
        return true;
    }
    let path = e.path().as_os_str().as_bytes();
    let vcs = VCS_DIRS.iter().any(|d| {
        path.len() > d.len()
            && path.ends_with(d.as_bytes())
            && path[path.len() - d.len() - 1] == b'/'
    });
    if vcs {
        return false;
    }
    if matches!(excludes, Excludes::None) {
        return true;
    }
    let is_dir = e.file_type().is_some_and(|t| t.is_dir());
    !excludes.matched(relative(root, e.path()), is_dir)
}

/// `path` (found by walking `root`, so it starts with it) relative to `root`, compared
/// as bytes: `Path::strip_prefix` parses both paths into components for every file.
fn relative<'a>(root: &Path, path: &'a Path) -> &'a Path {
    let (r, p) = (root.as_os_str().as_bytes(), path.as_os_str().as_bytes());
    match p.strip_prefix(r) {
        Some(rest) if r.ends_with(b"/") => Path::new(OsStr::from_bytes(rest)),
        Some([]) => Path::new(""),
        Some([b'/', rest @ ..]) => Path::new(OsStr::from_bytes(rest)),
        _ => path.strip_prefix(root).unwrap_or(path),
    }
}

/// The scan error for a walk error, or `None` for one to skip (an entry that vanished).
fn walk_error(root: &Path, err: ignore::Error) -> Option<RewriteError> {
    if err
        .io_error()
        .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
    {
        return None;
    }
    let path = error_path(&err).map_or_else(|| root.to_path_buf(), |p| p.to_path_buf());
    let path = path
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or(path);
    Some(RewriteError::Walk {
        path,
        message: err.to_string(),
    })
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// Scans the files and directories the caller named.
fn scan_paths<F>(
    root: &Path,
    paths: &[PathBuf],
    visit: &F,
    excludes: &Excludes,
    threads: usize,
    sink: &Sink,
) -> Result<(), RewriteError>
where
    F: Fn(&Path, &[u8]) -> Result<(), RewriteError> + Sync,
{
    let canon_root = root.canonicalize().map_err(|source| RewriteError::Root {
        path: root.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for given in paths {
        let abs = if given.is_absolute() {
            given.clone()
        } else {
            root.join(given)
        };
        let meta = match fs::symlink_metadata(&abs) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                sink.warning(path_warning(
                    given,
                    WarningKind::Missing,
                    "does not exist; skipped",
                ));
                continue;
            }
            Err(source) => {
                return Err(RewriteError::Read {
                    path: given.clone(),
                    source,
                });
            }
        };
        let Some(rel) = relative_inside(&canon_root, &abs) else {
            sink.warning(path_warning(
                given,
                WarningKind::OutsideRoot,
                "is outside the repository root; skipped",
            ));
            continue;
        };
        if meta.file_type().is_symlink() {
            sink.warning(path_warning(
                &rel,
                WarningKind::Symlink,
                "is a symbolic link; not followed",
            ));
            continue;
        }
        let in_vcs = rel
            .components()
            .any(|c| VCS_DIRS.iter().any(|d| c.as_os_str() == *d));
        if in_vcs || excludes.excluded(&rel, meta.is_dir()) {
            continue;
        }
        if meta.is_dir() {
            dirs.push(root.join(&rel));
        } else if meta.is_file() {
            files.push(rel);
        }
    }
    files.sort();
    files.dedup();
    let mut buf = Vec::new();
    for rel in files {
        visit_file(&rel, &root.join(&rel), visit, &mut buf)?;
    }
    if !dirs.is_empty() {
        walk(root, &dirs, visit, excludes, threads, sink);
    }
    Ok(())
}

/// `abs` relative to `canon_root`, resolving symbolic links in its parent directories;
/// `None` when it lies outside.
fn relative_inside(canon_root: &Path, abs: &Path) -> Option<PathBuf> {
    let canon = match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => {
            parent.canonicalize().ok()?.join(name)
        }
        _ => abs.canonicalize().ok()?,
    };
    let rel = canon.strip_prefix(canon_root).ok()?;
    let clean = rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    clean.then(|| rel.to_path_buf())
}

fn path_warning(path: &Path, kind: WarningKind, what: &str) -> Warning {
    Warning {
        path: path.to_path_buf(),
        line: None,
        column: None,
        kind,
        message: format!("{} {what}", path.display()),
    }
}

/// Reads one file into `buf` and hands it to `visit`, unless it vanished or is binary.
fn visit_file<F>(rel: &Path, abs: &Path, visit: &F, buf: &mut Vec<u8>) -> Result<(), RewriteError>
where
    F: Fn(&Path, &[u8]) -> Result<(), RewriteError>,
{
    match read_text(abs, buf) {
        Ok(Some(Text::Read(len))) => visit(rel, &buf[..len]),
        Ok(Some(Text::Mapped(map))) => visit(rel, &map),
        Ok(None) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(RewriteError::Read {
            path: rel.to_path_buf(),
            source,
        }),
    }
}

/// Smallest size of a thread's read buffer: most files fit in one read.
const READ_BUFFER: usize = 64 * 1024;

/// Files at least this large are mapped rather than read: no copy out of the page cache,
/// no thread buffer the size of the file kept for the rest of the walk.
const MAP_AT: u64 = 16 * 1024 * 1024;

/// Where a file's text is: the first bytes of the thread's buffer, or a map of the file.
enum Text {
    Read(usize),
    Mapped(memmap2::Mmap),
}

/// Reads the file at `abs` into `buf` (the thread's buffer, reused from file to file and
/// grown, never shrunk) and returns its length, or `None` when it is binary (a NUL byte in
/// the first [`BINARY_PROBE`] bytes; UTF-16 text, NULs in every other byte, is text:
/// `check` decodes it for the token search).
///
/// The system calls are exactly `open`, `read` until one returns 0, `close`: no `statx`
/// or `lseek` for a size hint (`read_to_end` makes both), so a file smaller than the
/// buffer costs two reads (a larger one adds one `fstat` to size the buffer, and one of
/// [`MAP_AT`] bytes or more is mapped instead). The probe is judged as soon as it is in: a
/// binary file costs at most one buffer's worth, not its size. The buffer is kept
/// initialised (zeroed when it grows), so no byte is read before it is written.
fn read_text(abs: &Path, buf: &mut Vec<u8>) -> io::Result<Option<Text>> {
    if buf.len() < READ_BUFFER {
        buf.resize(READ_BUFFER, 0);
    }
    let mut file = File::open(abs)?;
    let mut len = 0;
    let mut probed = false;
    loop {
        if len == buf.len() {
            // Larger than the buffer (rare): one `fstat` sizes it for the rest, plus a
            // byte so the read that returns 0 needs no further growth.
            let size = file.metadata().map_or(0, |m| m.len());
            if size >= MAP_AT {
                // SAFETY: the map is only read, and only while this file is looked at. A
                // file another process truncates meanwhile makes reading past its new end
                // raise SIGBUS: the risk ripgrep takes for large files too; anything
                // planned from it is verified against the disk before a write.
                let map = unsafe { memmap2::Mmap::map(&file)? };
                return Ok(Some(Text::Mapped(map)));
            }
            let want = usize::try_from(size)
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            buf.resize(if want > len { want } else { len * 2 }, 0);
        }
        let n = match file.read(&mut buf[len..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        len += n;
        if !probed && (n == 0 || len >= BINARY_PROBE) {
            probed = true;
            let probe = &buf[..len.min(BINARY_PROBE)];
            if memchr::memchr(0, probe).is_some()
                && crate::check::secrets::utf16_order(probe).is_none()
            {
                return Ok(None);
            }
        }
        if n == 0 {
            return Ok(Some(Text::Read(len)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gitignore matcher over `globs`, as used when some glob is not a plain path.
    fn globs(globs: &[String]) -> Excludes {
        Excludes::Globs(Arc::new(gitignore(globs).unwrap()))
    }

    #[test]
    fn plain_path_excludes_answer_as_the_gitignore_matcher_does() {
        let list = ["/registry.toml", "/deploy/compose.yaml", "/deploy/k8s"];
        let owned: Vec<String> = list.iter().map(ToString::to_string).collect();
        let fast = Excludes::new(&owned).unwrap();
        assert!(matches!(fast, Excludes::Paths(_)));
        let slow = globs(&owned);
        for (path, is_dir) in [
            ("registry.toml", false),
            ("registry.toml.bak", false),
            ("sub/registry.toml", false),
            ("deploy", true),
            ("deploy/compose.yaml", false),
            ("deploy/compose.yaml.orig", false),
            ("deploy/k8s", true),
            ("deploy/k8s/web.yaml", false),
            ("deploy/k8s2/web.yaml", false),
            ("other/deploy/k8s/web.yaml", false),
        ] {
            let rel = Path::new(path);
            assert_eq!(
                fast.excluded(rel, is_dir),
                slow.excluded(rel, is_dir),
                "{path}"
            );
            assert_eq!(
                fast.matched(rel, is_dir),
                slow.matched(rel, is_dir),
                "{path}"
            );
        }
    }

    #[test]
    fn any_wildcard_negation_or_unanchored_glob_uses_the_gitignore_matcher() {
        for g in [
            "*.log",
            "/docs/",
            "!/keep",
            "generated",
            "/a/*/b",
            "/a\\ b",
            "/x ",
        ] {
            let list = vec!["/registry.toml".to_string(), g.to_string()];
            assert!(
                matches!(Excludes::new(&list).unwrap(), Excludes::Globs(_)),
                "{g}"
            );
        }
    }
}
