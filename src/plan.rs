//! The one writer: planned file edits and the three ways to finish them (write, diff,
//! check).
//!
//! Every command that changes files (`render`, `rename`, and `init`'s single file) plans a
//! [`FileEdit`] per file: its path, what was read when planning (`None` for a new file) and
//! the content wanted. A [`Plan`] holds the edits of one root. [`write()`] first checks that
//! every file still holds what was read ([`verify`]), so a file changed since planning is
//! refused and nothing is written; then writes each file atomically ([`write_atomic`]:
//! temporary file in the same directory, fsync, rename, mode kept). [`unified_diff`]
//! renders an edit as a git-style diff.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};

use atomic_write_file::AtomicWriteFile;
use similar::TextDiff;

use crate::fsafe::{self, FsError};

/// What an edit does to its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Modified,
    Unchanged,
}

/// One file's planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Path relative to the root.
    pub path: PathBuf,
    /// The bytes read when planning; `None` when the file did not exist.
    pub original: Option<Vec<u8>>,
    /// The bytes wanted.
    pub updated: Vec<u8>,
}

/// Every file a command wants on disk under one root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub root: PathBuf,
    pub edits: Vec<FileEdit>,
}

/// Why a planned file could not be read or written. The path is as the edit names it
/// (relative to the root), or as given to [`write_atomic`].
#[derive(Debug)]
pub enum EditError {
    /// The file could not be read.
    Read { path: PathBuf, source: io::Error },
    /// The path is refused: a symbolic link leading out of the repository, not a regular
    /// file, or too large ([`fsafe`]).
    Unsafe(FsError),
    /// The file no longer holds what was read when planning (or a new file appeared, or it
    /// became a symbolic link leading outside the root); nothing was written over it.
    Changed { path: PathBuf },
    /// The file is read-only (no write permission for its owner), so it is not replaced
    /// even by a user who could.
    ReadOnly { path: PathBuf },
    /// Another ghcr-gen holds the repository's write lock.
    Locked { lock: PathBuf },
    /// Writing the file (its directory, its temporary file, or the final rename) failed.
    Write { path: PathBuf, source: io::Error },
    /// Writing failed after other files were already written: `written` lists them (paths
    /// relative to the root), `source` is the failure.
    Partial {
        written: Vec<PathBuf>,
        source: Box<EditError>,
    },
}

impl FileEdit {
    /// The edit of `path` (relative to `root`) to `updated`, with the file's current bytes
    /// (read through a symbolic link) as the original.
    pub fn read(
        root: &Path,
        path: impl Into<PathBuf>,
        updated: Vec<u8>,
    ) -> Result<FileEdit, EditError> {
        let path = path.into();
        let real_root = fsafe::canonical_root(root).map_err(EditError::Unsafe)?;
        let original = fsafe::read(&real_root, &path).map_err(EditError::Unsafe)?;
        Ok(FileEdit {
            path,
            original,
            updated,
        })
    }

    /// Whether the edit creates, modifies or leaves the file.
    pub fn status(&self) -> Status {
        match &self.original {
            None => Status::Created,
            Some(o) if *o == self.updated => Status::Unchanged,
            Some(_) => Status::Modified,
        }
    }

    /// Whether writing the edit would change the disk.
    pub fn is_change(&self) -> bool {
        self.status() != Status::Unchanged
    }

    /// The path, `/`-separated, as diffs and messages show it.
    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    /// The edit as a unified diff with git-style headers (`git apply` takes it).
    pub fn diff(&self) -> String {
        unified_diff(self)
    }
}

impl Plan {
    /// An empty plan under `root`.
    pub fn new(root: &Path) -> Plan {
        Plan {
            root: root.to_path_buf(),
            edits: Vec::new(),
        }
    }

    /// Compares the wanted files (`path` relative to `root`, content) with the disk.
    pub fn read<P: Into<PathBuf>>(
        root: &Path,
        files: impl IntoIterator<Item = (P, Vec<u8>)>,
    ) -> Result<Plan, EditError> {
        let mut plan = Plan::new(root);
        let real_root = fsafe::canonical_root(root).map_err(EditError::Unsafe)?;
        for (path, updated) in files {
            let path = path.into();
            let original = fsafe::read(&real_root, &path).map_err(EditError::Unsafe)?;
            plan.edits.push(FileEdit {
                path,
                original,
                updated,
            });
        }
        Ok(plan)
    }

    /// The edits that would change the disk.
    pub fn pending(&self) -> impl Iterator<Item = &FileEdit> {
        self.edits.iter().filter(|e| e.is_change())
    }

    /// Whether the disk already matches.
    pub fn is_clean(&self) -> bool {
        self.pending().next().is_none()
    }

    /// [`verify`] for this plan.
    pub fn verify(&self) -> Result<(), EditError> {
        verify(&self.root, self.pending())
    }

    /// [`write()`] for this plan; returns the edits written.
    pub fn write(&self) -> Result<Vec<&FileEdit>, EditError> {
        write(&self.root, self.pending())
    }
}

/// Checks that every edit's file still holds what was read when planning (or is still
/// absent), so a file changed since planning is never overwritten. A file that became a
/// symbolic link leading outside `root`, or anything but a regular file, counts as changed.
pub fn verify<'a>(
    root: &Path,
    edits: impl IntoIterator<Item = &'a FileEdit>,
) -> Result<(), EditError> {
    let real_root = fsafe::canonical_root(root).map_err(EditError::Unsafe)?;
    edits
        .into_iter()
        .try_for_each(|e| unchanged(&real_root, e).map(drop))
}

/// Writes every edit that changes its file, each atomically, and returns them: one phase
/// of [`write_phases`].
pub fn write<'a>(
    root: &Path,
    edits: impl IntoIterator<Item = &'a FileEdit>,
) -> Result<Vec<&'a FileEdit>, EditError> {
    write_phases(root, vec![edits.into_iter().collect()])
}

/// Writes the edits that change their file, phase after phase (the files of one phase in
/// parallel), and returns them. The whole write holds the repository's lock
/// ([`lock_path`]), so two ghcr-gen processes never write the same tree at once. Under
/// the lock every file is checked against what was read when planning ([`verify`]) and
/// nothing is written when any changed ([`EditError::Changed`]); each file is checked once
/// more right before its rename. Should writing one fail, the files already written stay
/// written and the error ([`EditError::Partial`]) lists them; a later phase is not
/// started.
pub fn write_phases<'a>(
    root: &Path,
    phases: Vec<Vec<&'a FileEdit>>,
) -> Result<Vec<&'a FileEdit>, EditError> {
    ignore_file_size_signal();
    let phases: Vec<Vec<&FileEdit>> = phases
        .into_iter()
        .map(|p| p.into_iter().filter(|e| e.is_change()).collect())
        .collect();
    if phases.iter().all(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let real_root = fsafe::canonical_root(root).map_err(EditError::Unsafe)?;
    let _lock = RepoLock::acquire(&real_root)?;
    // Every file of every phase checked (in parallel) before anything is written; where
    // each resolved to is where it is staged. The first phase's files are checked in
    // full just before their renames (`write_phase`), so here they are only resolved.
    let first = phases.first().map_or(0, Vec::len);
    let all: Vec<(usize, &FileEdit)> = phases.iter().flatten().copied().enumerate().collect();
    let mut targets = parallel(&all, Work::Cpu, |&(i, e)| {
        if i < first {
            target(&real_root, e)
        } else {
            unchanged(&real_root, e)
        }
    })?
    .into_iter();
    let written = Mutex::new(Vec::new());
    for phase in &phases {
        let phase_targets: Vec<fsafe::Resolved> = targets.by_ref().take(phase.len()).collect();
        if let Err(err) = write_phase(&real_root, phase, &phase_targets, &written) {
            let mut written: Vec<PathBuf> = written
                .into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .into_iter()
                .map(|e: &FileEdit| e.path.clone())
                .collect();
            written.sort();
            return Err(if written.is_empty() {
                err
            } else {
                EditError::Partial {
                    written,
                    source: Box::new(err),
                }
            });
        }
    }
    Ok(phases.into_iter().flatten().collect())
}

/// Writes one phase's edits (each checked unchanged and resolved to `targets`, in order),
/// recording each written edit in `written`, in four steps so that no file waits on
/// another's `fsync`: every file is written to a temporary file in its directory (in
/// parallel); the temporary files are flushed to disk (`fsync`, in parallel); each file
/// is checked once more (in parallel) and the temporary files are renamed over them; then
/// each directory that got a file is flushed once (`fsync`, in parallel), which makes the
/// renames durable. A failure before the renames writes nothing (the temporary files are
/// discarded); a failure during them leaves the files renamed so far written.
fn write_phase<'a>(
    real_root: &Path,
    edits: &[&'a FileEdit],
    targets: &[fsafe::Resolved],
    written: &Mutex<Vec<&'a FileEdit>>,
) -> Result<(), EditError> {
    let items: Vec<(&'a FileEdit, &fsafe::Resolved)> = edits.iter().copied().zip(targets).collect();
    let staged = parallel(&items, Work::Cpu, |(e, target)| Staged::create(e, target))?;
    parallel(&staged, Work::Flush, |s| s.sync())?;
    parallel(&staged, Work::Cpu, |s| {
        unchanged(real_root, s.edit).map(drop)
    })?;
    let mut dirs: Vec<(&Path, &std::fs::File, &Path)> = Vec::new();
    for s in &staged {
        s.commit()?;
        written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(s.edit);
        if !dirs.iter().any(|(d, _, _)| *d == s.dir_path.as_path()) {
            dirs.push((&s.dir_path, &s.dir, &s.edit.path));
        }
    }
    parallel(&dirs, Work::Flush, |(_, dir, shown)| {
        dir.sync_all().map_err(|source| EditError::Write {
            path: shown.to_path_buf(),
            source,
        })
    })?;
    Ok(())
}

/// What a parallel step waits on, which sets its number of threads.
#[derive(Clone, Copy)]
enum Work {
    /// Reading, comparing, writing to the page cache: one thread per core.
    Cpu,
    /// `fsync`: waits on the disk, so up to [`MAX_WRITERS`] overlap.
    Flush,
}

/// Runs `work` on every item, on one thread per core or up to [`MAX_WRITERS`] threads
/// (`kind`), and returns the results in order; on failure the other items are not started
/// and the error with the smallest path is returned.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    kind: Work,
    work: impl Fn(&T) -> Result<R, EditError> + Sync,
) -> Result<Vec<R>, EditError> {
    let most = match kind {
        Work::Cpu => std::thread::available_parallelism().map_or(2, |n| n.get()),
        Work::Flush => MAX_WRITERS,
    };
    let workers = items.len().min(most);
    if workers <= 1 {
        return items.iter().map(&work).collect();
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(items.len()));
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    match work(item) {
                        Ok(r) => results
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((i, r)),
                        Err(err) => {
                            errors.lock().unwrap_or_else(|p| p.into_inner()).push(err);
                            next.store(items.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    errors.sort_by(|a, b| a.path().cmp(b.path()));
    if let Some(err) = errors.into_iter().next() {
        return Err(err);
    }
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// A file's new content, written to a temporary file in its directory and not yet in
/// place. Dropped before [`Staged::commit`], the temporary file is discarded.
struct Staged<'a> {
    edit: &'a FileEdit,
    /// The real directory of the file, open (for `openat`, `renameat` and its `fsync`).
    dir: std::fs::File,
    dir_path: PathBuf,
    /// The file's name in `dir`.
    name: std::ffi::CString,
    /// The temporary file.
    file: std::fs::File,
    /// Its name in `dir`; `None` while it is unnamed (`O_TMPFILE`) or once renamed.
    temp: Mutex<Option<std::ffi::CString>>,
}

impl<'a> Staged<'a> {
    /// Writes `edit`'s content to a temporary file beside the real path `target`, with the
    /// existing file's mode, owner (where allowed) and extended attributes. The file is
    /// unnamed (`O_TMPFILE`) where the filesystem allows, so a killed write leaves nothing
    /// behind.
    fn create(edit: &'a FileEdit, resolved: &fsafe::Resolved) -> Result<Staged<'a>, EditError> {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::io::{AsRawFd, FromRawFd};
        let failed = |source| EditError::Write {
            path: edit.path.clone(),
            source,
        };
        let target = resolved.path();
        let (Some(dir_path), Some(name)) = (target.parent(), target.file_name()) else {
            return Err(EditError::Unsafe(FsError::Invalid {
                path: edit.path.clone(),
            }));
        };
        // An existing file's directory exists.
        if matches!(resolved, fsafe::Resolved::Missing(_)) {
            std::fs::create_dir_all(dir_path).map_err(failed)?;
        }
        let dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY)
            .open(dir_path)
            .map_err(failed)?;
        let name = std::ffi::CString::new(name.as_bytes()).map_err(|e| failed(e.into()))?;
        let existing = std::fs::metadata(target).ok();
        let flags = libc::O_WRONLY | libc::O_CLOEXEC;
        // SAFETY: `openat` on a directory descriptor this function owns, with a valid
        // NUL-terminated path; the returned descriptor is owned by the `File` made below.
        let fd = unsafe {
            libc::openat(
                dir.as_raw_fd(),
                c".".as_ptr(),
                flags | libc::O_TMPFILE,
                0o666,
            )
        };
        let (fd, temp) = if fd >= 0 {
            (fd, None)
        } else {
            let err = io::Error::last_os_error();
            if !matches!(
                err.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
            ) {
                return Err(failed(err));
            }
            let (fd, temp) = open_named_temp(&dir, name.as_bytes()).map_err(failed)?;
            (fd, Some(temp))
        };
        // SAFETY: `fd` is a new descriptor nothing else owns.
        let file = unsafe { std::fs::File::from_raw_fd(fd) };
        let staged = Staged {
            edit,
            dir,
            dir_path: dir_path.to_path_buf(),
            name,
            file,
            temp: Mutex::new(temp),
        };
        if let Some(meta) = &existing {
            let made = staged.file.metadata().map_err(failed)?;
            if made.mode() & 0o7777 != meta.mode() & 0o7777 {
                staged
                    .file
                    .set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777))
                    .map_err(failed)?;
            }
            if meta.uid() != made.uid() || meta.gid() != made.gid() {
                // Best effort, as for any user but root: the content matters more.
                let _ = std::os::unix::fs::fchown(&staged.file, Some(meta.uid()), Some(meta.gid()));
            }
            copy_xattrs(target, &staged.file);
        }
        (&staged.file).write_all(&edit.updated).map_err(failed)?;
        Ok(staged)
    }

    /// Flushes the temporary file to disk.
    fn sync(&self) -> Result<(), EditError> {
        self.file.sync_all().map_err(|source| EditError::Write {
            path: self.edit.path.clone(),
            source,
        })
    }

    /// Puts the temporary file in place of the file (an unnamed one gets a name first,
    /// flushed again for filesystems that ignore the flush of unnamed files).
    fn commit(&self) -> Result<(), EditError> {
        use std::os::unix::io::AsRawFd;
        let failed = |source| EditError::Write {
            path: self.edit.path.clone(),
            source,
        };
        let mut temp = self.temp.lock().unwrap_or_else(|p| p.into_inner());
        if temp.is_none() {
            let proc = std::ffi::CString::new(format!("/proc/self/fd/{}", self.file.as_raw_fd()))
                .map_err(|e| failed(e.into()))?;
            let named = loop {
                let candidate = temp_name(self.name.as_bytes());
                // SAFETY: valid descriptors and NUL-terminated paths; no memory is kept.
                let rc = unsafe {
                    libc::linkat(
                        libc::AT_FDCWD,
                        proc.as_ptr(),
                        self.dir.as_raw_fd(),
                        candidate.as_ptr(),
                        libc::AT_SYMLINK_FOLLOW,
                    )
                };
                if rc == 0 {
                    break candidate;
                }
                let err = io::Error::last_os_error();
                if err.raw_os_error() != Some(libc::EEXIST) {
                    return Err(failed(err));
                }
            };
            *temp = Some(named);
            self.file.sync_data().map_err(failed)?;
        }
        let Some(from) = temp.as_ref() else {
            return Ok(());
        };
        let fd = self.dir.as_raw_fd();
        // SAFETY: a directory descriptor this value owns and NUL-terminated names.
        if unsafe { libc::renameat(fd, from.as_ptr(), fd, self.name.as_ptr()) } != 0 {
            return Err(failed(io::Error::last_os_error()));
        }
        *temp = None;
        Ok(())
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        use std::os::unix::io::AsRawFd;
        let temp = self.temp.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(name) = temp.take() {
            // SAFETY: a directory descriptor this value owns and a NUL-terminated name.
            unsafe {
                libc::unlinkat(self.dir.as_raw_fd(), name.as_ptr(), 0);
            }
        }
    }
}

/// A fresh temporary name for the file `name`: `.NAME.PID-N.tmp`.
fn temp_name(name: &[u8]) -> std::ffi::CString {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut out = b".".to_vec();
    out.extend_from_slice(name);
    out.extend_from_slice(format!(".{}-{n}.tmp", std::process::id()).as_bytes());
    std::ffi::CString::new(out).unwrap_or_else(|_| c".ghcr-gen.tmp".to_owned())
}

/// Creates a named temporary file in `dir` (where `O_TMPFILE` is not supported).
fn open_named_temp(
    dir: &std::fs::File,
    name: &[u8],
) -> io::Result<(std::os::unix::io::RawFd, std::ffi::CString)> {
    use std::os::unix::io::AsRawFd;
    loop {
        let temp = temp_name(name);
        let flags = libc::O_WRONLY | libc::O_CLOEXEC | libc::O_CREAT | libc::O_EXCL;
        // SAFETY: a directory descriptor the caller owns and a NUL-terminated name.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), temp.as_ptr(), flags, 0o666) };
        if fd >= 0 {
            return Ok((fd, temp));
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EEXIST) {
            return Err(err);
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, fsync,
/// rename), creating parent directories and keeping an existing file's mode. The path is
/// resolved inside its own directory: a symbolic link is written through when it stays
/// there, anything but a regular file is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EditError> {
    ignore_file_size_signal();
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => (
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            },
            name,
        ),
        _ => {
            return Err(EditError::Unsafe(FsError::Invalid {
                path: path.to_path_buf(),
            }));
        }
    };
    std::fs::create_dir_all(dir).map_err(|source| EditError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    let real_dir = fsafe::canonical_root(dir).map_err(EditError::Unsafe)?;
    let target = fsafe::resolve(&real_dir, Path::new(name)).map_err(|e| {
        EditError::Unsafe(match e {
            FsError::NotRegular { found, .. } => FsError::NotRegular {
                path: path.to_path_buf(),
                found,
            },
            other => other,
        })
    })?;
    write_checked(target.path(), path, bytes, || Ok(()))
}

/// Removes the file at `path` (relative to `root`, resolved inside it) when it still holds
/// exactly `expected`, under the repository's write lock; a file changed since it was
/// read is refused ([`EditError::Changed`]) and kept.
pub fn remove_unchanged(root: &Path, path: &Path, expected: &[u8]) -> Result<(), EditError> {
    let real_root = fsafe::canonical_root(root).map_err(EditError::Unsafe)?;
    let _lock = RepoLock::acquire(&real_root)?;
    let changed = || EditError::Changed {
        path: path.to_path_buf(),
    };
    let fsafe::Resolved::File(real) =
        fsafe::resolve(&real_root, path).map_err(EditError::Unsafe)?
    else {
        return Err(changed());
    };
    let current = fsafe::read_regular(&real, path).map_err(EditError::Unsafe)?;
    if current != expected {
        return Err(changed());
    }
    std::fs::remove_file(&real).map_err(|source| EditError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Whether the file at `path` (relative to `root`, resolved inside it) exists without
/// every bit of `0o755`; `false` for a missing file.
pub fn lacks_exec(root: &Path, path: &Path) -> Result<bool, EditError> {
    let real_root = fsafe::canonical_root(root).map_err(EditError::Unsafe)?;
    match fsafe::resolve(&real_root, path).map_err(EditError::Unsafe)? {
        fsafe::Resolved::File(real) => {
            let meta = std::fs::metadata(&real).map_err(|source| EditError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            Ok(meta.permissions().mode() & 0o755 != 0o755)
        }
        _ => Ok(false),
    }
}

/// Adds the bits of `0o755` to the file at `path` (relative to `root`, resolved
/// inside it), keeping its other bits; returns whether the mode changed. A generated
/// script is written through the plan first and made executable right after.
pub fn make_executable(root: &Path, path: &Path) -> Result<bool, EditError> {
    let real_root = fsafe::canonical_root(root).map_err(EditError::Unsafe)?;
    let fsafe::Resolved::File(real) =
        fsafe::resolve(&real_root, path).map_err(EditError::Unsafe)?
    else {
        return Ok(false);
    };
    let failed = |source| EditError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mode = std::fs::metadata(&real)
        .map_err(failed)?
        .permissions()
        .mode();
    let wanted = (mode | 0o755) & 0o7777;
    if mode & 0o7777 == wanted {
        return Ok(false);
    }
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(wanted)).map_err(failed)?;
    Ok(true)
}

/// A unified diff of one edit with git-style headers (`git apply` takes it).
pub fn unified_diff(edit: &FileEdit) -> String {
    let path = edit.display_path();
    let old = edit
        .original
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let new = String::from_utf8_lossy(&edit.updated);
    let created = edit.original.is_none();
    let from = if created {
        "/dev/null".to_string()
    } else {
        format!("a/{path}")
    };
    let mut out = format!("diff --git a/{path} b/{path}\n");
    if created {
        out.push_str("new file mode 100644\n");
    }
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{path}"))
        .missing_newline_hint(true)
        .to_string();
    out.push_str(&body);
    out
}

/// One replacement in a file: the bytes `range` of the original become `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice<'a> {
    pub range: std::ops::Range<usize>,
    pub with: &'a [u8],
}

/// The unified diff of the file `path` (shown `/`-separated) whose `original` gets the
/// `splices` (in order, not overlapping), built from the splices alone: only the lines
/// they touch and three lines of context around them are looked at, so the cost is the
/// size of the diff (plus one scan for line terminators up to the last splice), not a
/// diff of the whole file, and the memory is that of the output.
///
/// The output is the same as [`unified_diff`] of the edit (same headers, hunks, context,
/// `\ No newline at end of file` hints, lossy UTF-8): lines end at `\n`, `\r\n` or
/// `\r`; consecutive changed lines show their removals, then their additions; hunks closer
/// than seven unchanged lines merge. Where the whole-file diff could pair lines
/// differently (a replacement text already in the original, or a splice touching a line
/// terminator) or the splices are out of order, it falls back to [`unified_diff`].
pub fn splice_diff(path: &str, original: &[u8], splices: &[Splice<'_>]) -> String {
    hunks_of_splices(original, splices)
        .map(|body| {
            if body.is_empty() {
                return format!("diff --git a/{path} b/{path}\n");
            }
            format!("diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{body}")
        })
        .unwrap_or_else(|| {
            unified_diff(&FileEdit {
                path: PathBuf::from(path),
                original: Some(original.to_vec()),
                updated: apply_splices(original, splices),
            })
        })
}

/// `original` with `splices` applied (out-of-range or overlapping splices are skipped).
fn apply_splices(original: &[u8], splices: &[Splice<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(original.len());
    let mut pos = 0;
    for s in splices {
        if s.range.start < pos || s.range.end < s.range.start || s.range.end > original.len() {
            continue;
        }
        out.extend_from_slice(&original[pos..s.range.start]);
        out.extend_from_slice(s.with);
        pos = s.range.end;
    }
    out.extend_from_slice(&original[pos..]);
    out
}

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// A changed line: 0-based number, its byte range in the original (terminator included)
/// and the splices on it (indices into the splice list).
struct ChangedLine {
    number: usize,
    range: std::ops::Range<usize>,
    splices: std::ops::Range<usize>,
}

/// The hunks of [`splice_diff`], or `None` when only the whole-file diff is sure to match.
fn hunks_of_splices(original: &[u8], splices: &[Splice<'_>]) -> Option<String> {
    let is_eol = |b: &u8| *b == b'\n' || *b == b'\r';
    let mut pos = 0;
    for s in splices {
        let r = &s.range;
        if r.start < pos || r.end < r.start || r.end > original.len() {
            return None;
        }
        // A splice touching a terminator would join or split lines.
        if original[r.clone()].iter().any(is_eol) || s.with.iter().any(is_eol) {
            return None;
        }
        // Inside a `\r\n`, or no change at all: left to the whole-file diff.
        let in_crlf =
            r.start > 0 && original[r.start - 1] == b'\r' && original.get(r.start) == Some(&b'\n');
        if in_crlf || original[r.clone()] == *s.with {
            return None;
        }
        pos = r.end;
    }
    // A replacement already in the original: the whole-file diff might pair a changed
    // line with an unchanged one.
    let mut seen: Vec<&[u8]> = Vec::new();
    for s in splices {
        if s.with.is_empty() || seen.contains(&s.with) {
            continue;
        }
        seen.push(s.with);
        if memchr::memmem::find(original, s.with).is_some() {
            return None;
        }
    }
    let lines = changed_lines(original, splices);
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        // A hunk: changed lines whose gaps are at most 2 * CONTEXT unchanged lines.
        let mut j = i + 1;
        while j < lines.len() && lines[j].number - lines[j - 1].number - 1 <= 2 * CONTEXT {
            j += 1;
        }
        write_hunk(&mut out, original, splices, &lines[i..j]);
        i = j;
    }
    Some(out)
}

/// The changed lines, in order, with their numbers (one forward scan for terminators).
fn changed_lines(original: &[u8], splices: &[Splice<'_>]) -> Vec<ChangedLine> {
    let mut lines: Vec<ChangedLine> = Vec::new();
    // Line number and start of the line that holds `counted`.
    let (mut number, mut line_start, mut counted) = (0usize, 0usize, 0usize);
    for (k, s) in splices.iter().enumerate() {
        if let Some(last) = lines.last_mut()
            && s.range.start < last.range.end
        {
            last.splices.end = k + 1;
            continue;
        }
        // Count terminators between `counted` and the splice: without a `\r` there,
        // one vectorised count of `\n`s.
        let mut at = counted;
        let gap = &original[counted..s.range.start];
        if memchr::memchr(b'\r', gap).is_none()
            && let Some(last) = memchr::memrchr(b'\n', gap)
        {
            number += memchr::memchr_iter(b'\n', gap).count();
            line_start = counted + last + 1;
            at = line_start;
        }
        while let Some(off) = memchr::memchr2(b'\n', b'\r', &original[at..s.range.start]) {
            let t = at + off;
            let end = terminator_end(original, t);
            if end > s.range.start {
                break; // a splice inside `\r\n`: refused by the caller
            }
            number += 1;
            line_start = end;
            at = end;
        }
        counted = s.range.start;
        let end = line_end(original, s.range.end);
        lines.push(ChangedLine {
            number,
            range: line_start..end,
            splices: k..k + 1,
        });
    }
    lines
}

/// The end of the terminator starting at `t` (`\r\n` is one).
fn terminator_end(text: &[u8], t: usize) -> usize {
    if text[t] == b'\r' && text.get(t + 1) == Some(&b'\n') {
        t + 2
    } else {
        t + 1
    }
}

/// The end of the line holding `from` (after its terminator, or the end of the text).
fn line_end(text: &[u8], from: usize) -> usize {
    match memchr::memchr2(b'\n', b'\r', &text[from..]) {
        Some(off) => terminator_end(text, from + off),
        None => text.len(),
    }
}

/// The start of the line before the one starting at `start` (`start` > 0).
fn previous_line_start(text: &[u8], start: usize) -> usize {
    // `start` follows a terminator: step over it (`\r\n` as one), then find the one before.
    let mut t = start - 1;
    if text[t] == b'\n' && t > 0 && text[t - 1] == b'\r' {
        t -= 1;
    }
    match memchr::memrchr2(b'\n', b'\r', &text[..t]) {
        Some(p) => p + 1,
        None => 0,
    }
}

/// Writes one hunk: its header, context, and each run of changed lines as removals then
/// additions.
fn write_hunk(out: &mut String, original: &[u8], splices: &[Splice<'_>], lines: &[ChangedLine]) {
    use std::fmt::Write as _;
    let first = &lines[0];
    let last = &lines[lines.len() - 1];
    let mut before = Vec::new();
    let mut start = first.range.start;
    while before.len() < CONTEXT && start > 0 {
        let prev = previous_line_start(original, start);
        before.push(prev..start);
        start = prev;
    }
    before.reverse();
    let mut after = Vec::new();
    let mut end = last.range.end;
    while after.len() < CONTEXT && end < original.len() {
        let next = line_end(original, end);
        after.push(end..next);
        end = next;
    }
    let count = last.number - first.number + 1 + before.len() + after.len();
    let from = first.number - before.len() + 1;
    let range = |n: usize| {
        if n == 1 {
            from.to_string()
        } else {
            format!("{from},{n}")
        }
    };
    let _ = writeln!(out, "@@ -{} +{} @@", range(count), range(count));
    for r in &before {
        push_line(out, ' ', &original[r.clone()]);
    }
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        while j < lines.len() && lines[j].number == lines[j - 1].number + 1 {
            j += 1;
        }
        for l in &lines[i..j] {
            push_line(out, '-', &original[l.range.clone()]);
        }
        for l in &lines[i..j] {
            let mut new = Vec::with_capacity(l.range.len());
            let mut pos = l.range.start;
            for s in &splices[l.splices.clone()] {
                new.extend_from_slice(&original[pos..s.range.start]);
                new.extend_from_slice(s.with);
                pos = s.range.end;
            }
            new.extend_from_slice(&original[pos..l.range.end]);
            push_line(out, '+', &new);
        }
        if j < lines.len() {
            // Unchanged lines between two runs of the hunk.
            let mut at = lines[j - 1].range.end;
            while at < lines[j].range.start {
                let next = line_end(original, at);
                push_line(out, ' ', &original[at..next]);
                at = next;
            }
        }
        i = j;
    }
    for r in &after {
        push_line(out, ' ', &original[r.clone()]);
    }
}

/// One diff line: the tag, the line (lossy UTF-8), and the missing-newline hint when it
/// has no terminator.
fn push_line(out: &mut String, tag: char, line: &[u8]) {
    out.push(tag);
    out.push_str(&String::from_utf8_lossy(line));
    if !line.ends_with(b"\n") && !line.ends_with(b"\r") {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// Colours a unified diff for a terminal: headers bold, removals red, additions green.
pub fn colorize_diff(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("diff --git")
            || line.starts_with("--- ")
            || line.starts_with("+++ ")
            || line.starts_with("new file")
        {
            "\x1b[1m"
        } else if line.starts_with("@@") {
            "\x1b[36m"
        } else if line.starts_with('-') {
            "\x1b[31m"
        } else if line.starts_with('+') {
            "\x1b[32m"
        } else {
            ""
        };
        if style.is_empty() {
            out.push_str(line);
        } else {
            let (text, nl) = match line.strip_suffix('\n') {
                Some(t) => (t, "\n"),
                None => (line, ""),
            };
            out.push_str(style);
            out.push_str(text);
            out.push_str("\x1b[0m");
            out.push_str(nl);
        }
    }
    out
}

impl EditError {
    /// The path the error concerns.
    pub fn path(&self) -> &Path {
        match self {
            EditError::Read { path, .. }
            | EditError::Changed { path }
            | EditError::ReadOnly { path }
            | EditError::Write { path, .. } => path,
            EditError::Locked { lock } => lock,
            EditError::Unsafe(e) => e.path(),
            EditError::Partial { source, .. } => source.path(),
        }
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Read { path, source } => {
                write!(f, "{}: cannot read this file: {source}", path.display())
            }
            EditError::Unsafe(e) => e.fmt(f),
            EditError::Changed { path } => write!(
                f,
                "{}: the file changed on disk since it was read, so it was not overwritten; \
                 run the command again",
                path.display()
            ),
            EditError::ReadOnly { path } => write!(
                f,
                "{}: the file is read-only, so it was not replaced; make it writable \
                 (chmod u+w) and run the command again",
                path.display()
            ),
            EditError::Locked { lock } => write!(
                f,
                "another ghcr-gen is writing in this repository (lock {}); \
                 run the command again when it has finished",
                lock.display()
            ),
            EditError::Write { path, source } => {
                write!(f, "{}: cannot write this file: {source}", path.display())
            }
            EditError::Partial { written, source } => {
                let list: Vec<String> = written
                    .iter()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .collect();
                write!(
                    f,
                    "{source}; {} file(s) were already written before this failure: {}; \
                     fix the cause and run the command again to finish",
                    list.len(),
                    list.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for EditError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EditError::Read { source, .. } | EditError::Write { source, .. } => Some(source),
            EditError::Unsafe(e) => Some(e),
            EditError::Partial { source, .. } => Some(source.as_ref()),
            EditError::Changed { .. } | EditError::ReadOnly { .. } | EditError::Locked { .. } => {
                None
            }
        }
    }
}

/// Most files written at once: the cost is dominated by `fsync`, which overlaps well.
const MAX_WRITERS: usize = 16;

/// How long a writer waits for another one's lock before giving up.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The repository's write lock file: `.git/ghcr-gen.lock` when `real_root` holds a `.git`
/// directory (never seen by git), else `.ghcr-gen.lock` in the root (removed again after
/// the write).
pub fn lock_path(real_root: &Path) -> PathBuf {
    let git = real_root.join(".git");
    if std::fs::symlink_metadata(&git).is_ok_and(|m| m.is_dir()) {
        git.join("ghcr-gen.lock")
    } else {
        real_root.join(".ghcr-gen.lock")
    }
}

/// An advisory `flock` on the repository's lock file, held for a whole write phase.
struct RepoLock {
    /// Held open: closing it releases the lock.
    _file: std::fs::File,
    path: PathBuf,
    remove: bool,
}

impl RepoLock {
    /// Takes the lock, waiting up to [`LOCK_WAIT`] for another holder.
    fn acquire(real_root: &Path) -> Result<RepoLock, EditError> {
        let path = lock_path(real_root);
        let remove = !path.parent().is_some_and(|p| p.ends_with(".git"));
        let failed = |source| EditError::Write {
            path: path.strip_prefix(real_root).unwrap_or(&path).to_path_buf(),
            source,
        };
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&path)
                .map_err(failed)?;
            match try_flock(&file) {
                Ok(true) => {
                    // A holder that removed the file after unlocking leaves us a lock on a
                    // file nobody else can open: take the lock again on the current file.
                    let same = match (file.metadata(), std::fs::symlink_metadata(&path)) {
                        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                        _ => false,
                    };
                    if same {
                        return Ok(RepoLock {
                            _file: file,
                            path,
                            remove,
                        });
                    }
                }
                Ok(false) => {
                    if std::time::Instant::now() >= deadline {
                        return Err(EditError::Locked { lock: path });
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(failed(e)),
            }
        }
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        if self.remove {
            // Removed while still locked, so a waiter sees a new file and locks again.
            let _ = std::fs::remove_file(&self.path);
        }
        // Closing the file (after this) releases the lock.
    }
}

/// Takes an exclusive `flock` on `file` without waiting: `Ok(false)` when another
/// process holds it.
fn try_flock(file: &std::fs::File) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this function borrows; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

/// A write over the file-size limit (`ulimit -f`) fails with `EFBIG` instead of killing
/// the process with `SIGXFSZ`, so the failure is reported and temporary files cleaned.
fn ignore_file_size_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
    });
}

/// Where `edit` is written: its path resolved inside the root, symbolic links checked.
fn target(real_root: &Path, edit: &FileEdit) -> Result<fsafe::Resolved, EditError> {
    match fsafe::resolve(real_root, &edit.path) {
        Ok(r) => Ok(r),
        Err(FsError::Io { source, .. }) => Err(EditError::Read {
            path: edit.path.clone(),
            source,
        }),
        // Checked at planning: what leads outside or is no regular file now became so.
        Err(FsError::Outside { .. } | FsError::NotRegular { .. }) => Err(EditError::Changed {
            path: edit.path.clone(),
        }),
        Err(e) => Err(EditError::Unsafe(e)),
    }
}

/// Checks that the file of `edit` still holds its original: same bytes (or still absent),
/// a regular file reached without leaving `real_root`, and writable by its owner. Returns
/// where the file is (or would be created).
fn unchanged(real_root: &Path, edit: &FileEdit) -> Result<fsafe::Resolved, EditError> {
    let changed = || EditError::Changed {
        path: edit.path.clone(),
    };
    let resolved = target(real_root, edit)?;
    let read_only = || EditError::ReadOnly {
        path: edit.path.clone(),
    };
    if directory_read_only(resolved.path()) {
        return Err(read_only());
    }
    match (&resolved, &edit.original) {
        (fsafe::Resolved::Missing(_), None) => Ok(resolved),
        (fsafe::Resolved::File(real), Some(original)) => {
            let meta = std::fs::metadata(real).map_err(|source| EditError::Read {
                path: edit.path.clone(),
                source,
            })?;
            if meta.len() != original.len() as u64 {
                return Err(changed());
            }
            let current = fsafe::read_regular(real, &edit.path).map_err(EditError::Unsafe)?;
            if current != *original {
                return Err(changed());
            }
            if meta.permissions().mode() & 0o200 == 0 {
                return Err(read_only());
            }
            Ok(resolved)
        }
        // Gone since it was read, or there now when it was not.
        _ => Err(changed()),
    }
}

/// Whether the nearest existing directory above `real` lacks write permission for its
/// owner: the file would be created or replaced in a directory meant to stay as it is.
/// Checked explicitly because root may write anywhere.
fn directory_read_only(real: &Path) -> bool {
    real.ancestors()
        .skip(1)
        .find_map(|dir| std::fs::metadata(dir).ok())
        .is_some_and(|meta| meta.is_dir() && meta.permissions().mode() & 0o200 == 0)
}

/// Writes `bytes` atomically over the real path `target` (shown as `shown`), creating its
/// directories, keeping an existing file's mode and extended attributes, calling `check`
/// after the temporary file is written and before it replaces the target; when `check`
/// or any step fails the temporary file is discarded. The temporary file is unnamed
/// (`O_TMPFILE`) where the filesystem allows, so a killed write leaves nothing behind.
fn write_checked(
    target: &Path,
    shown: &Path,
    bytes: &[u8],
    check: impl FnOnce() -> Result<(), EditError>,
) -> Result<(), EditError> {
    let failed = |source| EditError::Write {
        path: shown.to_path_buf(),
        source,
    };
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut file = AtomicWriteFile::open(target).map_err(failed)?;
    copy_xattrs(target, file.as_file());
    file.write_all(bytes).map_err(failed)?;
    // The temporary file is discarded when `file` drops without a commit.
    check()?;
    file.commit().map_err(failed)
}

/// Copies the extended attributes of the existing file `from` to `to`, where the platform
/// and filesystem allow (best effort: attributes that cannot be set are left out).
fn copy_xattrs(from: &Path, to: &std::fs::File) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let Ok(c_path) = std::ffi::CString::new(from.as_os_str().as_bytes()) else {
        return;
    };
    // SAFETY: every buffer passed is valid for the length given; the calls only read
    // `c_path` and write into the buffers.
    unsafe {
        let len = libc::llistxattr(c_path.as_ptr(), std::ptr::null_mut(), 0);
        if len <= 0 {
            return;
        }
        let mut names = vec![0u8; len as usize];
        let len = libc::llistxattr(c_path.as_ptr(), names.as_mut_ptr().cast(), names.len());
        if len <= 0 {
            return;
        }
        names.truncate(len as usize);
        for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            let Ok(c_name) = std::ffi::CString::new(name) else {
                continue;
            };
            let size = libc::lgetxattr(c_path.as_ptr(), c_name.as_ptr(), std::ptr::null_mut(), 0);
            if size < 0 {
                continue;
            }
            let mut value = vec![0u8; size as usize];
            let size = libc::lgetxattr(
                c_path.as_ptr(),
                c_name.as_ptr(),
                value.as_mut_ptr().cast(),
                value.len(),
            );
            if size < 0 {
                continue;
            }
            libc::fsetxattr(
                to.as_raw_fd(),
                c_name.as_ptr(),
                value.as_ptr().cast(),
                size as usize,
                0,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(root: &Path, files: &[(&str, &str)]) -> Plan {
        Plan::read(
            root,
            files
                .iter()
                .map(|(p, c)| (PathBuf::from(p), c.as_bytes().to_vec())),
        )
        .unwrap()
    }

    #[test]
    fn plan_classifies_created_modified_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("same"), "x\n").unwrap();
        std::fs::write(dir.path().join("old"), "a\n").unwrap();
        let plan = plan(
            dir.path(),
            &[("same", "x\n"), ("old", "b\n"), ("d/new", "n\n")],
        );
        let statuses: Vec<_> = plan.edits.iter().map(FileEdit::status).collect();
        assert_eq!(
            statuses,
            [Status::Unchanged, Status::Modified, Status::Created]
        );
        assert!(!plan.is_clean());
    }

    #[test]
    fn write_keeps_mode_and_skips_unchanged_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("run.sh");
        std::fs::write(&script, "old\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let p = plan(dir.path(), &[("run.sh", "new\n"), ("a/b/c", "c\n")]);
        assert_eq!(p.write().unwrap().len(), 2);
        assert_eq!(std::fs::read_to_string(&script).unwrap(), "new\n");
        let mode = std::fs::metadata(&script).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        assert!(plan(dir.path(), &[("run.sh", "new\n")]).is_clean());
    }

    #[test]
    fn a_write_in_several_directories_leaves_only_the_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/one"), "1\n").unwrap();
        std::fs::write(dir.path().join("a/b/two"), "2\n").unwrap();
        let p = plan(
            dir.path(),
            &[
                ("a/one", "one\n"),
                ("a/b/two", "two\n"),
                ("a/b/three", "3\n"),
                ("top", "t\n"),
            ],
        );
        assert_eq!(p.write().unwrap().len(), 4);
        let names = |d: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir.path().join(d))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names("a"), ["b", "one"]);
        assert_eq!(names("a/b"), ["three", "two"]);
        assert_eq!(names("."), ["a", "top"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b/two")).unwrap(),
            "two\n"
        );
    }

    #[test]
    fn staged_files_not_committed_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "old\n").unwrap();
        let p = plan(dir.path(), &[("f", "new\n")]);
        let real = dir.path().canonicalize().unwrap();
        let staged = Staged::create(&p.edits[0], &fsafe::Resolved::File(real.join("f"))).unwrap();
        staged.sync().unwrap();
        drop(staged);
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f")).unwrap(),
            "old\n"
        );
    }

    #[test]
    fn write_refuses_files_changed_since_planning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "old\n").unwrap();
        let p = plan(dir.path(), &[("a", "new\n"), ("b", "b\n")]);
        std::fs::write(dir.path().join("a"), "edited meanwhile\n").unwrap();
        let err = p.write().unwrap_err();
        assert!(err.to_string().contains("changed on disk"), "{err}");
        assert!(matches!(&err, EditError::Changed { path } if path == Path::new("a")));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a")).unwrap(),
            "edited meanwhile\n"
        );
        assert!(
            !dir.path().join("b").exists(),
            "nothing is written when one file changed"
        );
    }

    #[test]
    fn write_refuses_a_new_file_that_appeared_since_planning() {
        let dir = tempfile::tempdir().unwrap();
        let p = plan(dir.path(), &[("new", "ours\n")]);
        std::fs::write(dir.path().join("new"), "theirs\n").unwrap();
        assert!(matches!(p.write(), Err(EditError::Changed { .. })));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("new")).unwrap(),
            "theirs\n"
        );
    }

    #[test]
    fn write_goes_through_a_symlink_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.yaml"), "old\n").unwrap();
        std::os::unix::fs::symlink("real.yaml", dir.path().join("link.yaml")).unwrap();
        let p = plan(dir.path(), &[("link.yaml", "new\n")]);
        p.write().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real.yaml")).unwrap(),
            "new\n"
        );
        assert!(
            std::fs::symlink_metadata(dir.path().join("link.yaml"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn a_failure_after_written_files_lists_them() {
        let dir = tempfile::tempdir().unwrap();
        // Valid at planning; once `a` is written, `a/b` can no longer be created.
        let p = plan(dir.path(), &[("a", "a\n"), ("a/b", "b\n")]);
        let err = write_phases(dir.path(), vec![vec![&p.edits[0]], vec![&p.edits[1]]]).unwrap_err();
        match &err {
            EditError::Partial { written, .. } => assert_eq!(written, &[PathBuf::from("a")]),
            other => panic!("{other:?}"),
        }
        let message = err.to_string();
        assert!(
            message.contains("1 file(s) were already written before this failure: a;"),
            "{message}"
        );
    }

    #[test]
    fn a_second_writer_waits_for_the_lock_and_then_sees_the_change() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("f"), "old\n").unwrap();
        let first = plan(dir.path(), &[("f", "first\n")]);
        let second = plan(dir.path(), &[("f", "second\n")]);
        let real_root = dir.path().canonicalize().unwrap();
        let held = RepoLock::acquire(&real_root).unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| second.write().map(|w| w.len()));
            std::thread::sleep(std::time::Duration::from_millis(100));
            // The first writer writes while the second waits for the lock.
            for e in &first.edits {
                write_checked(&real_root.join(&e.path), &e.path, &e.updated, || Ok(())).unwrap();
            }
            drop(held);
            assert!(matches!(
                waiter.join().unwrap(),
                Err(EditError::Changed { .. })
            ));
        });
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f")).unwrap(),
            "first\n"
        );
        assert!(dir.path().join(".git/ghcr-gen.lock").exists());
    }

    #[test]
    fn the_lock_beside_the_config_is_removed_after_writing() {
        let dir = tempfile::tempdir().unwrap();
        plan(dir.path(), &[("f", "x\n")]).write().unwrap();
        assert!(!dir.path().join(".ghcr-gen.lock").exists());
    }

    #[test]
    fn read_only_files_and_directories_are_not_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ro")).unwrap();
        std::fs::write(dir.path().join("f"), "old\n").unwrap();
        let p = plan(dir.path(), &[("f", "new\n"), ("ro/new", "n\n")]);
        std::fs::set_permissions(dir.path().join("f"), std::fs::Permissions::from_mode(0o444))
            .unwrap();
        let err = p.write().unwrap_err();
        assert!(matches!(&err, EditError::ReadOnly { path } if path == Path::new("f")));
        assert!(err.to_string().contains("read-only"), "{err}");
        std::fs::set_permissions(dir.path().join("f"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        std::fs::set_permissions(
            dir.path().join("ro"),
            std::fs::Permissions::from_mode(0o555),
        )
        .unwrap();
        let err = p.write().unwrap_err();
        assert!(matches!(&err, EditError::ReadOnly { path } if path == Path::new("ro/new")));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f")).unwrap(),
            "old\n"
        );
        std::fs::set_permissions(
            dir.path().join("ro"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }

    /// The splice diff of `text` where each `OLD` becomes `NEW-NAME`, and the whole-file
    /// diff of the same edit.
    fn both_diffs(text: &str) -> (String, String) {
        let ranges: Vec<_> = text
            .match_indices("OLD")
            .map(|(i, m)| i..i + m.len())
            .collect();
        let splices: Vec<Splice<'_>> = ranges
            .iter()
            .map(|r| Splice {
                range: r.clone(),
                with: b"NEW-NAME",
            })
            .collect();
        let fast = splice_diff("f.txt", text.as_bytes(), &splices);
        let slow = unified_diff(&FileEdit {
            path: "f.txt".into(),
            original: Some(text.as_bytes().to_vec()),
            updated: text.replace("OLD", "NEW-NAME").into_bytes(),
        });
        (fast, slow)
    }

    #[test]
    fn splice_diff_matches_the_whole_file_diff_on_edge_cases() {
        for text in [
            "OLD",
            "OLD\n",
            "a\nOLD",
            "OLD\nOLD\nOLD\n",
            "x OLD y OLD\n",
            "a\r\nOLD\r\nb\r\n",
            "a\rOLD\rb",
            "1\n2\n3\n4\nOLD\n5\n6\n7\n8\n9\n10\nOLD\n11\n12\n13\n14\n",
            "1\n2\n3\n4\nOLD\n5\n6\n7\n8\n9\n10\n11\nOLD\n11\n12\n13\n14\n",
            "\u{feff}OLD \u{e9}\n\n\nb",
            "a\n\n\n\nOLD\n\n\n\n",
            "no reference here\n",
        ] {
            let (fast, slow) = both_diffs(text);
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    #[test]
    fn splice_diff_keeps_invalid_utf8_lossy_like_the_whole_file_diff() {
        let text = b"\xff\xfe OLD\n\xc3\n".to_vec();
        let splices = [Splice {
            range: 3..6,
            with: b"NEW",
        }];
        let fast = splice_diff("f", &text, &splices);
        let slow = unified_diff(&FileEdit {
            path: "f".into(),
            original: Some(text.clone()),
            updated: b"\xff\xfe NEW\n\xc3\n".to_vec(),
        });
        assert_eq!(fast, slow);
    }

    proptest::proptest! {
        #[test]
        fn splice_diff_matches_the_whole_file_diff(
            lines in proptest::collection::vec(
                proptest::sample::select(vec![
                    "plain\n", "OLD\n", "a OLD b OLD\n", "\n", "x\r\n", "OLD\r\n",
                    "same\n", "same\n", "tail", "OLD", "c\r", "\u{e9}OLD\n",
                ]),
                0..60,
            )
        ) {
            let text = lines.concat();
            let (fast, slow) = both_diffs(&text);
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn diff_has_git_headers() {
        let edit = FileEdit {
            path: "deploy/compose.yaml".into(),
            original: Some(b"a\nb\n".to_vec()),
            updated: b"a\nc\n".to_vec(),
        };
        let d = unified_diff(&edit);
        assert!(d.starts_with("diff --git a/deploy/compose.yaml b/deploy/compose.yaml\n--- a/deploy/compose.yaml\n+++ b/deploy/compose.yaml\n"), "{d}");
        assert!(d.contains("-b\n+c\n"), "{d}");
    }

    #[test]
    fn diff_of_a_new_file_comes_from_dev_null() {
        let edit = FileEdit {
            path: "deploy/.env.example".into(),
            original: None,
            updated: b"A=1\n".to_vec(),
        };
        let d = edit.diff();
        assert!(
            d.starts_with("diff --git a/deploy/.env.example b/deploy/.env.example\nnew file mode 100644\n--- /dev/null\n+++ b/deploy/.env.example\n"),
            "{d}"
        );
    }
}
