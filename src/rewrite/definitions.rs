//! Definitions of image names that the text rules cannot tell from other uses of the
//! repository name, found by the workflow reader ([`crate::setup`]): the reader knows that
//! `REPOSITORY=$(echo ${{ github.repository }} | tr …)`, `repo_name="${{ github.repository }}"`
//! feeding `${repo_name,,}`, or `format('ghcr.io/{0}/{1}', …)` becomes a pushed image's
//! name, and where. Each becomes a [`Reference`] that rewrites only the text written right
//! after the repository name (`…)-api`, `${repo_name,,}-api`, `{1}-api`), so the workflow
//! pushes the new name. Helm values naming the image as `repository: owner/name` beside a
//! separate `registry:` are rewritten at the value.
//!
//! Pure: the setup and the file texts go in, references come out.

use std::path::{Path, PathBuf};

use super::matcher::{Form, Reference, Rename};
use crate::reference::text::{LineCounter, char_count};
use crate::setup::{ConsumerKind, DefinitionForm, Setup};

/// One edit the reader's knowledge adds: the file (relative to the root) and the
/// reference in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionEdit {
    pub file: PathBuf,
    /// Byte range of the whole definition: a text rule's reference inside it already
    /// renames it.
    pub definition: std::ops::Range<usize>,
    pub reference: Reference,
}

/// The edits that make every definition the reader found for an old image name the new
/// one. `read` gives a file's bytes (for Helm values). Definitions written out literally
/// are left to the text rules.
pub fn definition_edits(
    setup: &Setup,
    renames: &[Rename],
    read: &dyn Fn(&Path) -> Option<Vec<u8>>,
) -> Vec<DefinitionEdit> {
    let mut out: Vec<DefinitionEdit> = Vec::new();
    // Per definition (file, start): the edit every image it names agrees on, or `None`
    // when one of them is not renamed or renamed differently (one text cannot say both).
    let mut per_definition: Vec<((PathBuf, usize), Option<DefinitionEdit>)> = Vec::new();
    for image in &setup.images {
        let index = rename_of(renames, &image.registry, &image.path);
        // The script or `format()` that builds the name is edited, not the
        // `${{ github.repository }}` it starts from.
        let outer = image.definitions.iter().any(|d| {
            matches!(
                d.form,
                DefinitionForm::ShellLowercase | DefinitionForm::FormatCall
            )
        });
        // A variable holding host and owner (`${REGISTRY}/shop-worker` with `REGISTRY =
        // "ghcr.io/acme"`) is edited after the variable, unless another form above
        // already names the image.
        let by_repository = outer
            || image
                .definitions
                .iter()
                .any(|d| d.form == DefinitionForm::GithubRepository);
        for d in &image.definitions {
            let edited = match d.form {
                DefinitionForm::ShellLowercase | DefinitionForm::FormatCall => true,
                DefinitionForm::GithubRepository => !outer,
                DefinitionForm::EnvVar => !by_repository,
                _ => false,
            };
            if !edited {
                continue;
            }
            let edit = index.and_then(|index| {
                let text = d.text.as_bytes();
                let end = name_end(text, &d.form)?;
                let r = suffix_edit(text, end, &image.path, &renames[index], index)?;
                let (line, column) = position(text, r.start, d.line, d.col);
                Some(DefinitionEdit {
                    file: d.file.clone(),
                    definition: d.range.clone(),
                    reference: Reference {
                        start: d.range.start + r.start,
                        end: d.range.start + r.end,
                        line,
                        column,
                        ..r
                    },
                })
            });
            let key = (d.file.clone(), d.range.start);
            match per_definition.iter_mut().find(|(k, _)| *k == key) {
                Some((_, agreed)) => {
                    let same = match (&*agreed, &edit) {
                        (Some(a), Some(b)) => {
                            a.reference.start == b.reference.start
                                && a.reference.replacement == b.reference.replacement
                        }
                        _ => false,
                    };
                    if !same {
                        *agreed = None;
                    }
                }
                None => per_definition.push((key, edit)),
            }
        }
    }
    out.extend(per_definition.into_iter().filter_map(|(_, e)| e));
    for c in &setup.consumers {
        if c.kind != ConsumerKind::Helm {
            continue;
        }
        let Some(index) = rename_of(renames, &c.registry, &c.path) else {
            continue;
        };
        let Some(bytes) = read(&c.file) else { continue };
        if let Some(reference) = helm_edit(&bytes, c.line, c.col, &c.path, &renames[index], index) {
            out.push(DefinitionEdit {
                file: c.file.clone(),
                definition: reference.start..reference.end,
                reference,
            });
        }
    }
    out.sort_by(|a, b| (&a.file, a.reference.start).cmp(&(&b.file, b.reference.start)));
    out
}

/// The rename whose old image is `registry/path` (any case).
fn rename_of(renames: &[Rename], registry: &str, path: &str) -> Option<usize> {
    renames.iter().position(|r| {
        r.host.eq_ignore_ascii_case(registry)
            && path.eq_ignore_ascii_case(&format!("{}/{}", r.owner, r.path))
    })
}

/// Where the repository name ends in a definition's text: after the last expression from
/// `${{ github.repository }}` (or `event.repository.name`) on, the `$( … )` that lowercases
/// it, the `${x,,}` expansion, or the last `{N}` of a `format()` string.
fn name_end(text: &[u8], form: &DefinitionForm) -> Option<usize> {
    match form {
        DefinitionForm::GithubRepository => {
            // After the last expression: `${{ github.repository }}-${{ matrix.service }}`
            // names every matrix image.
            let at = rfind(text, b"github.repository")
                .or_else(|| rfind(text, b"github.event.repository.name"))?;
            let first = find_from(text, at, b"}}")? + 2;
            Some(rfind(&text[first..], b"}}").map_or(first, |i| first + i + 2))
        }
        DefinitionForm::ShellLowercase => {
            if let Some(open) = rfind(text, b"$(") {
                closing_paren(text, open + 2)
            } else {
                rfind(text, b",,}").map(|i| i + 3)
            }
        }
        DefinitionForm::FormatCall => {
            let open = find_from(text, 0, b"format(")?;
            let quote_at = open + 7 + text[open + 7..].iter().position(|&b| b == b'\'')?;
            let close = quote_at + 1 + text[quote_at + 1..].iter().position(|&b| b == b'\'')?;
            let fmt = &text[quote_at + 1..close];
            let last = rfind(fmt, b"}")?;
            Some(quote_at + 1 + last + 1)
        }
        DefinitionForm::EnvVar => {
            // After the last expansion (`${VAR}`, `${{ env.VAR }}`, `$VAR`) that the rest
            // of the path follows: `${REGISTRY}/shop-worker[:${TAG}]`.
            let mut found = None;
            for at in memchr::memchr_iter(b'$', text) {
                if let Some(end) = expansion_end(text, at)
                    && text.get(end) == Some(&b'/')
                {
                    found = Some(end);
                }
            }
            found
        }
        _ => None,
    }
}

/// The offset after the variable expansion starting at `at` in `text`: `${{ … }}`,
/// `${…}` or `$NAME`.
fn expansion_end(text: &[u8], at: usize) -> Option<usize> {
    let rest = &text[at + 1..];
    if rest.starts_with(b"{{") {
        find_from(text, at, b"}}").map(|i| i + 2)
    } else if rest.starts_with(b"{") {
        find_from(text, at, b"}").map(|i| i + 1)
    } else {
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        (name > 0).then_some(at + 1 + name)
    }
}

/// The reference replacing the path suffix written at `end` (maybe empty) so the name
/// becomes the rename's new one; `None` when nothing changes or a text suffix cannot say
/// it (another owner, a name that does not keep the repository part).
fn suffix_edit(
    text: &[u8],
    end: usize,
    old_full: &str,
    rename: &Rename,
    index: usize,
) -> Option<Reference> {
    let written = text[end..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        .count();
    let suffix = std::str::from_utf8(&text[end..end + written]).ok()?;
    if !rename.owner.eq_ignore_ascii_case(&rename.new_owner)
        || !rename.host.eq_ignore_ascii_case(&rename.new_host)
    {
        return None;
    }
    let stem_len = old_full.len().checked_sub(suffix.len())?;
    if !old_full.get(stem_len..)?.eq_ignore_ascii_case(suffix) {
        return None;
    }
    let new_full = format!("{}/{}", rename.owner, rename.new_path);
    let stem = old_full.get(..stem_len)?;
    if new_full.len() < stem_len || !new_full.get(..stem_len)?.eq_ignore_ascii_case(stem) {
        return None;
    }
    let new_suffix = new_full.get(stem_len..)?.to_string();
    if new_suffix == suffix {
        return None;
    }
    Some(Reference {
        start: end,
        end: end + written,
        rename: index,
        old: suffix.to_string(),
        replacement: new_suffix,
        line: 0,
        column: 0,
        digest_pinned: false,
        uppercase: false,
        form: Form::Definition,
        kept_variable: false,
        placeholder: false,
        version_tag: None,
    })
}

/// The Helm value `owner/name` at `line:col` of `bytes`, renamed.
fn helm_edit(
    bytes: &[u8],
    line: usize,
    col: usize,
    path: &str,
    rename: &Rename,
    index: usize,
) -> Option<Reference> {
    let start = offset_of(bytes, line, col)?;
    let end = start + path.len();
    let written = bytes.get(start..end)?;
    if !written.eq_ignore_ascii_case(path.as_bytes())
        || !crate::reference::syntax::value_ends(bytes, end)
    {
        return None;
    }
    let owner_len = path.find('/')?;
    let owner = if rename.owner.eq_ignore_ascii_case(&rename.new_owner) {
        String::from_utf8_lossy(&written[..owner_len]).into_owned()
    } else {
        rename.new_owner.to_ascii_lowercase()
    };
    Some(Reference {
        start,
        end,
        rename: index,
        old: String::from_utf8_lossy(written).into_owned(),
        replacement: format!("{owner}/{}", rename.new_path),
        line,
        column: col,
        digest_pinned: false,
        uppercase: written.iter().any(u8::is_ascii_uppercase),
        form: Form::Definition,
        kept_variable: false,
        placeholder: false,
        version_tag: None,
    })
}

/// Byte offset of 1-based `line` and character `col` in `bytes`.
fn offset_of(bytes: &[u8], line: usize, col: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += memchr::memchr(b'\n', &bytes[start..])? + 1;
    }
    let mut chars = 1;
    let mut i = start;
    while chars < col {
        i += 1;
        while bytes.get(i).is_some_and(|b| b & 0xC0 == 0x80) {
            i += 1;
        }
        chars += 1;
    }
    (i <= bytes.len()).then_some(i)
}

/// Line and column of `rel` in a definition's text that starts at `line:col`.
fn position(text: &[u8], rel: usize, line: usize, col: usize) -> (usize, usize) {
    let before = &text[..rel];
    match memchr::memrchr(b'\n', before) {
        Some(nl) => {
            let mut counter = LineCounter::new(before);
            let (l, _) = counter.locate(rel);
            (line + l - 1, char_count(&before[nl + 1..]) + 1)
        }
        None => (line, col + char_count(before)),
    }
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(hay, needle)
}

fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&hay[from..], needle).map(|i| from + i)
}

/// The offset after the `)` closing a `$(` whose inside starts at `start`.
fn closing_paren(text: &[u8], start: usize) -> Option<usize> {
    let mut depth = 1usize;
    for (i, &b) in text[start..].iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(start + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}
