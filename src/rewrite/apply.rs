//! [`apply`]: writes a [`Plan`], each file atomically.
//!
//! First every file is read back and compared with the content the plan was computed
//! from; if any differs nothing is written. Then each file is written to a temporary file
//! in its own directory (mode and, where permitted, owner kept) and renamed over the
//! original, after one more comparison right before the rename. Files are written in
//! parallel: the cost is dominated by `fsync`, which overlaps well.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use atomic_write_file::AtomicWriteFile;

use super::error::RewriteError;
use super::plan::{FileEdit, Plan};

/// Most files written at once.
const MAX_WRITERS: usize = 16;

/// Writes every edit of `plan` under `root`. A file that changed on disk since the scan is
/// never overwritten ([`RewriteError::ChangedOnDisk`]); if that is found before writing
/// starts, nothing is written. Each file is replaced atomically; should writing one fail,
/// the files written before it stay written and the error names the one that failed.
pub fn apply(root: &Path, plan: &Plan) -> Result<(), RewriteError> {
    let files: Vec<&FileEdit> = plan
        .files
        .iter()
        .filter(|f| f.updated != f.original)
        .collect();
    for f in &files {
        unchanged(root, f)?;
    }
    let workers = files.len().min(MAX_WRITERS);
    if workers <= 1 {
        return files.iter().try_for_each(|f| write(root, f));
    }
    let next = AtomicUsize::new(0);
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    if let Err(e) = write(root, f) {
                        let mut errors = errors.lock().unwrap_or_else(|p| p.into_inner());
                        errors.push(e);
                        next.store(files.len(), Ordering::Relaxed);
                        break;
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    errors.sort_by_key(RewriteError::path);
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Checks that the file on disk is still a regular file holding the plan's original.
fn unchanged(root: &Path, f: &FileEdit) -> Result<(), RewriteError> {
    let abs = root.join(&f.path);
    let changed = || RewriteError::ChangedOnDisk {
        path: f.path.clone(),
    };
    let meta = std::fs::symlink_metadata(&abs).map_err(|_| changed())?;
    if !meta.is_file() || meta.len() != f.original.len() as u64 {
        return Err(changed());
    }
    let current = std::fs::read(&abs).map_err(|source| RewriteError::Read {
        path: f.path.clone(),
        source,
    })?;
    if current != f.original {
        return Err(changed());
    }
    Ok(())
}

/// Writes one file atomically (temporary file in the same directory, then rename).
fn write(root: &Path, f: &FileEdit) -> Result<(), RewriteError> {
    let abs = root.join(&f.path);
    let failed = |source| RewriteError::Write {
        path: f.path.clone(),
        source,
    };
    let mut file = AtomicWriteFile::options().open(&abs).map_err(failed)?;
    file.write_all(&f.updated).map_err(failed)?;
    // The temporary file is discarded when `file` drops without a commit.
    unchanged(root, f)?;
    file.commit().map_err(failed)
}
