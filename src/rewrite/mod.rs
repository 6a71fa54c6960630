//! Repository-wide reference rewriting for `rename` (and the walk `check` shares).
//!
//! A [`Rename`] moves one image from an old name to a new one. A [`Matcher`] finds the
//! [`Reference`]s to the old names in a text; [`scan`] walks a repository in parallel and
//! turns them into a [`Plan`] of per-file edits and [`Warning`]s, writing nothing;
//! [`preview`] plans the same without keeping the files' contents, for a dry run;
//! [`Plan::write`] hands the edits to the one writer ([`crate::plan::write`]), which
//! refuses files that changed since the scan.
//!
//! What counts as a reference is the one grammar's ([`crate::reference`]): host and owner
//! literal or variables (kept as written), `${{ github.repository }}` plus the rest of the
//! path, package-page links. The walk never reads ignored, binary or excluded files, nor
//! anything through a symbolic link.

mod definitions;
mod error;
mod matcher;
mod plan;
mod scan;
pub use crate::reference::text;

pub use definitions::{DefinitionEdit, definition_edits};
pub use error::RewriteError;
pub use matcher::{Form, IGNORE_MARKER, Matcher, Placeholders, Reference, Rename};
pub use plan::{
    Edit, FilePreview, FileRewrite, Plan, Preview, Warning, WarningKind, reference_diff,
};
pub use scan::{BINARY_PROBE, ScanOptions, for_each_file, preview, preview_with, scan, scan_with};
