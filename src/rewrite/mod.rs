//! Repository-wide reference rewriting for `rename` and `check`.
//!
//! A [`Rename`] moves one image from an old name to a new one. A [`Matcher`] finds the
//! [`Reference`]s to the old names in a text; [`scan`] walks a repository in parallel and
//! turns them into a [`Plan`] of per-file edits and [`Warning`]s, writing nothing;
//! [`Plan::write`] hands the edits to the one writer ([`crate::plan::write`]), which
//! refuses files that changed since the scan.
//!
//! What counts as a reference to `HOST/OWNER/OLD`:
//! - `HOST/OWNER/OLD` followed by a boundary (end, `:` tag, `@` digest, or a byte that cannot
//!   continue an image path), owner in any case; host and owner may be variables
//!   (`$VAR`, `${VAR}`, `${VAR:-x}`, `$(VAR)`, `${{ expr }}`), kept as written;
//! - `${{ github.repository }}` (or `$GITHUB_REPOSITORY`, `${GITHUB_REPOSITORY,,}`) plus the
//!   rest of the path, when `OLD` is the repository name plus that rest and the expression is
//!   used as an image name: after `HOST/` or as the value of a key whose name contains
//!   `image`;
//! - package pages: `github.com/OWNER/REPO/pkgs/container/OLD`,
//!   `github.com/{users,orgs}/OWNER/packages/container/[package/]OLD`.
//!
//! Never: the bare words, other owners or registries, lines marked `ghcr-gen: ignore`,
//! ignored, binary or excluded files, or anything through a symbolic link.

mod error;
mod matcher;
mod plan;
mod scan;
pub use crate::reference::text;

pub use error::RewriteError;
pub use matcher::{Form, IGNORE_MARKER, Matcher, Reference, Rename};
pub use plan::{Edit, FileRewrite, Plan, Warning, WarningKind};
pub use scan::{BINARY_PROBE, ScanOptions, for_each_file, scan};
