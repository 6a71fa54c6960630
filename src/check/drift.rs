//! The drift rule: a generated file that differs from what `render` would write, or is
//! missing, is an error finding carrying the diff.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::finding::{Finding, Kind};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::plan::{Plan, Status};

/// A drift finding (with its diff) for every generated file of `plan` that is missing or
/// differs. `display` shows a path as the user should see it; `fix` is the command that
/// regenerates the files.
pub(crate) fn findings(plan: &Plan, display: &dyn Fn(&Path) -> String, fix: &str) -> Vec<Finding> {
    plan.pending()
        .map(|e| {
            let display = display(&plan.root.join(&e.path));
            let old = e.original.as_deref().unwrap_or_default();
            let file = Arc::new(SourceFile {
                path: display.clone(),
                text: lossy_same_len(old).into(),
            });
            let diagnostic = if e.status() == Status::Created {
                Diagnostic::error_in(Some(&file), format!("generated file {display} is missing"))
                    .help(format!("run `{fix}` to create it"))
            } else {
                Diagnostic::error(
                    &file,
                    first_difference(old, &e.updated),
                    format!("{display} differs from what `ghcr-gen render` writes"),
                )
                .label("first difference")
                .help(format!(
                    "run `{fix}` to regenerate it (the diff shows what changes); \
                     edit registry.toml or a template override instead of the output"
                ))
            };
            Finding {
                kind: Kind::Drift,
                diagnostic,
                diff: Some(e.diff()),
            }
        })
        .collect()
}

/// `bytes` as text with every byte that is not part of valid UTF-8 replaced by `?`, so byte
/// offsets into the text stay those of the file.
pub(crate) fn lossy_same_len(bytes: &[u8]) -> String {
    // Valid UTF-8 (nearly every file) is checked a word at a time and copied.
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

/// Byte range of the first line of `old` that differs from `new` (leading blanks left
/// out), or the end of `old` when `new` only adds lines.
fn first_difference(old: &[u8], new: &[u8]) -> Range<usize> {
    let mut offset = 0;
    let mut new_lines = new.split_inclusive(|b| *b == b'\n');
    for line in old.split_inclusive(|b| *b == b'\n') {
        if new_lines.next() != Some(line) {
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            let indent = body
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            return offset + indent..offset + body.len();
        }
        offset += line.len();
    }
    old.len()..old.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_points_at_the_changed_line() {
        let old = b"a\n  restart: always\nc\n";
        let new = b"a\n  restart: unless-stopped\nc\n";
        assert_eq!(first_difference(old, new), 4..19);
        assert_eq!(first_difference(b"a\n", b"a\nb\n"), 2..2);
        assert_eq!(first_difference(b"a\nb\n", b"a\n"), 2..3);
    }

    #[test]
    fn invalid_utf8_keeps_byte_offsets() {
        let text = lossy_same_len(b"a\xff\xfeb\xc3\xa9");
        assert_eq!(text, "a??bé");
        assert_eq!(text.len(), 6);
    }
}
