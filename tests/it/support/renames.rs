//! The renames the rewrite tests share, and applying them to text and to trees.

use std::path::{Path, PathBuf};

use ghcr_gen::rewrite::{Matcher, Plan, Rename, ScanOptions, scan};

use super::tree::crate_path;

/// The nextjs image of [`axon_doc_api`] before the rename.
pub(crate) const REF: &str = "ghcr.io/acme-labs/axon-doc-nextjs";
/// The nextjs image of [`axon_doc_api`] after the rename.
pub(crate) const NEW: &str = "ghcr.io/acme-labs/axon-doc-nextjs-api";

/// acme-labs/axon-doc: `axon-doc-nextjs` and `axon-doc-crawler` gain `-api`.
pub(crate) fn axon_doc_api() -> Vec<Rename> {
    ["axon-doc-nextjs", "axon-doc-crawler"]
        .iter()
        .map(|p| Rename::with_suffix("ghcr.io", "acme-labs", "axon-doc", p, "-api"))
        .collect()
}

/// `text` with every reference `m` finds replaced.
pub(crate) fn rewrite(m: &Matcher, text: &str) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for r in m.find(text) {
        out.push_str(&text[pos..r.start]);
        out.push_str(&r.replacement);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The plan of `renames` in `root`, scanned with the default options.
pub(crate) fn scan_tree(root: &Path, renames: &[Rename]) -> Plan {
    scan(root, &Matcher::new(renames), &ScanOptions::default()).unwrap()
}

/// Scans `root` for `renames` with the default options and writes the plan.
pub(crate) fn rename_tree(root: &Path, renames: &[Rename]) -> Plan {
    let plan = scan_tree(root, renames);
    plan.write(root).unwrap();
    plan
}

/// `fixtures/rename/axon-doc/<which>`: the tree `before` and `after` [`axon_doc_api`].
pub(crate) fn axon_doc_fixture(which: &str) -> PathBuf {
    crate_path(&format!("fixtures/rename/axon-doc/{which}"))
}
