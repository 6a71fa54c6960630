//! Safe filesystem access inside the repository root.
//!
//! Every file the tool reads or writes at a planned path (generated files, references,
//! registry.toml, template overrides) goes through here. A path relative to the root is
//! resolved component by component with `symlink_metadata`: a symbolic link is followed
//! only when it leads to a place inside the root, every directory on the way must be a
//! directory, and the file itself must be a regular file (no FIFO, device, socket or
//! directory). Reads open the resolved file with `O_NOFOLLOW | O_NONBLOCK`, check it again
//! on the open descriptor and read at most [`MAX_FILE`] bytes, so a FIFO cannot hang the
//! tool and `/dev/zero` cannot exhaust memory. The checks run at planning and again in
//! the writer ([`crate::plan`]) right before a file is replaced.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// The largest file read: generated files, registry.toml and template overrides are far
/// smaller; anything bigger is refused rather than read whole.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Why a path inside the root cannot be used. `path` is relative to the root.
#[derive(Debug)]
pub enum FsError {
    /// A component of the path is a symbolic link leading outside the repository (or to
    /// nothing: a dangling link could create a file anywhere).
    Outside {
        path: PathBuf,
        link: PathBuf,
        target: Option<PathBuf>,
    },
    /// The path (or a directory on the way) is not what is expected: a FIFO, device,
    /// socket or directory where a regular file is expected, or a file where a directory
    /// is expected.
    NotRegular { path: PathBuf, found: &'static str },
    /// The file is larger than [`MAX_FILE`].
    TooLarge { path: PathBuf, limit: u64 },
    /// The path is not a plain relative path.
    Invalid { path: PathBuf },
    /// The filesystem failed.
    Io { path: PathBuf, source: io::Error },
}

impl FsError {
    /// The path the error concerns, relative to the root.
    pub fn path(&self) -> &Path {
        match self {
            FsError::Outside { path, .. }
            | FsError::NotRegular { path, .. }
            | FsError::TooLarge { path, .. }
            | FsError::Invalid { path }
            | FsError::Io { path, .. } => path,
        }
    }
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsError::Outside { path, link, target } => {
                write!(
                    f,
                    "{}: refused: {} is a symbolic link ",
                    path.display(),
                    link.display()
                )?;
                match target {
                    Some(t) => write!(f, "to {}, outside the repository", t.display()),
                    None => f.write_str("to a missing target"),
                }
            }
            FsError::NotRegular { path, found } => write!(
                f,
                "{}: refused: it is {found}, not a regular file",
                path.display()
            ),
            FsError::TooLarge { path, limit } => write!(
                f,
                "{}: refused: larger than {} MiB",
                path.display(),
                limit / (1024 * 1024)
            ),
            FsError::Invalid { path } => write!(
                f,
                "{}: refused: not a relative path inside the repository",
                path.display()
            ),
            FsError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for FsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FsError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Where a relative path leads, symbolic links inside the root resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A regular file at this real path.
    File(PathBuf),
    /// Nothing there yet; this is where it would be created (its existing directories
    /// all inside the root).
    Missing(PathBuf),
}

impl Resolved {
    /// The real path.
    pub fn path(&self) -> &Path {
        match self {
            Resolved::File(p) | Resolved::Missing(p) => p,
        }
    }
}

/// The canonical root, or the error naming it.
pub fn canonical_root(root: &Path) -> Result<PathBuf, FsError> {
    root.canonicalize().map_err(|source| FsError::Io {
        path: PathBuf::from("."),
        source,
    })
}

/// Resolves `rel` under `root` (already canonical) component by component: links inside
/// the root are followed, links leading out (or nowhere) refused, every existing directory
/// on the way must be a directory and an existing file a regular file.
pub fn resolve(real_root: &Path, rel: &Path) -> Result<Resolved, FsError> {
    let err_path = || rel.to_path_buf();
    let parts: Vec<&std::ffi::OsStr> = rel
        .components()
        .filter_map(|c| match c {
            Component::CurDir => None,
            Component::Normal(s) => Some(Ok(s)),
            _ => Some(Err(())),
        })
        .collect::<Result<_, ()>>()
        .map_err(|()| FsError::Invalid { path: err_path() })?;
    if parts.is_empty() {
        return Err(FsError::NotRegular {
            path: err_path(),
            found: "the repository root",
        });
    }
    let mut cur = real_root.to_path_buf();
    let mut shown = PathBuf::new();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let next = cur.join(part);
        shown.push(part);
        let meta = match std::fs::symlink_metadata(&next) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut missing = next;
                missing.extend(&parts[i + 1..]);
                return Ok(Resolved::Missing(missing));
            }
            Err(source) => {
                return Err(FsError::Io {
                    path: err_path(),
                    source,
                });
            }
        };
        let (real, meta) = if meta.file_type().is_symlink() {
            let outside = |target| FsError::Outside {
                path: err_path(),
                link: shown.clone(),
                target,
            };
            let real = next.canonicalize().map_err(|_| outside(None))?;
            if !real.starts_with(real_root) {
                return Err(outside(Some(real)));
            }
            let meta = std::fs::symlink_metadata(&real).map_err(|source| FsError::Io {
                path: err_path(),
                source,
            })?;
            (real, meta)
        } else {
            (next, meta)
        };
        if last {
            if !meta.is_file() {
                return Err(FsError::NotRegular {
                    path: err_path(),
                    found: kind(&meta),
                });
            }
            return Ok(Resolved::File(real));
        }
        if !meta.is_dir() {
            return Err(FsError::NotRegular {
                path: shown,
                found: kind(&meta),
            });
        }
        cur = real;
    }
    unreachable!("the loop returns at the last component")
}

/// Reads the regular file at `rel` under `real_root`, `None` when it does not exist;
/// refuses whatever [`resolve`] refuses and files larger than [`MAX_FILE`].
pub fn read(real_root: &Path, rel: &Path) -> Result<Option<Vec<u8>>, FsError> {
    match resolve(real_root, rel)? {
        Resolved::Missing(_) => Ok(None),
        Resolved::File(real) => read_regular(&real, rel).map(Some),
    }
}

/// Reads the file at the real path `real` (shown as `rel`) without following a final
/// symbolic link and without blocking on a FIFO swapped in since it was resolved.
pub fn read_regular(real: &Path, rel: &Path) -> Result<Vec<u8>, FsError> {
    let io_err = |source| FsError::Io {
        path: rel.to_path_buf(),
        source,
    };
    let file = open_nofollow(real).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            io_err(e)
        } else {
            // ELOOP: the file became a symbolic link since it was resolved.
            match std::fs::symlink_metadata(real) {
                Ok(meta) if !meta.is_file() => FsError::NotRegular {
                    path: rel.to_path_buf(),
                    found: kind(&meta),
                },
                _ => io_err(e),
            }
        }
    })?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(FsError::NotRegular {
            path: rel.to_path_buf(),
            found: kind(&meta),
        });
    }
    let too_large = || FsError::TooLarge {
        path: rel.to_path_buf(),
        limit: MAX_FILE,
    };
    if meta.len() > MAX_FILE {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_large());
    }
    Ok(bytes)
}

fn open_nofollow(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

/// What a file is, as messages name it.
pub fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_refuse_fifos_and_files_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status()
            .unwrap();
        assert!(status.success());
        let err = read(&root, Path::new("fifo")).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        let big = std::fs::File::create(root.join("big")).unwrap();
        big.set_len(MAX_FILE + 1).unwrap();
        let err = read(&root, Path::new("big")).unwrap_err();
        assert!(matches!(err, FsError::TooLarge { .. }), "{err}");
        assert_eq!(read(&root, Path::new("missing")).unwrap(), None);
    }

    #[test]
    fn resolve_follows_links_inside_and_refuses_links_out() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("real")).unwrap();
        std::fs::write(root.join("real/f"), "x").unwrap();
        std::os::unix::fs::symlink("real", root.join("in")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("out")).unwrap();
        assert_eq!(
            resolve(&root, Path::new("in/f")).unwrap(),
            Resolved::File(root.join("real/f"))
        );
        assert!(matches!(
            resolve(&root, Path::new("out/f")),
            Err(FsError::Outside { .. })
        ));
        assert_eq!(
            resolve(&root, Path::new("in/new/g")).unwrap(),
            Resolved::Missing(root.join("real/new/g"))
        );
        assert!(matches!(
            resolve(&root, Path::new("real")),
            Err(FsError::NotRegular { .. })
        ));
        assert!(matches!(
            resolve(&root, Path::new("real/f/g")),
            Err(FsError::NotRegular { .. })
        ));
    }
}
