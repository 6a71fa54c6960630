//! Edits of `registry.toml` that keep everything else byte-for-byte: comments, layout,
//! key order. Used by `rename` to change names and record the old ones.

use std::fmt;

use toml_edit::{Array, DocumentMut, Item, Value, value};

/// A registry.toml being edited. The text's shape (byte-order mark, CRLF line endings,
/// whether it ends with a newline) is kept: the document is edited with `\n` line
/// endings and given its shape back by [`finish`](Self::finish).
pub(crate) struct ConfigEdit {
    doc: DocumentMut,
    bom: bool,
    crlf: bool,
    final_newline: bool,
}

/// The comment on a key `rename` added, so renaming back can remove it.
pub(crate) const ADDED_MARK: &str = "added by `ghcr-gen rename`; renaming back removes it";

/// The text could not be parsed for editing (toml_edit's message).
#[derive(Debug, Clone)]
pub struct EditError(toml_edit::TomlError);

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for EditError {}

/// Where a key lives: the top level, or a service's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope<'a> {
    Top,
    Service(&'a str),
}

impl ConfigEdit {
    /// Parses `text`; it has already loaded once, so errors here are unexpected.
    pub(crate) fn parse(text: &str) -> Result<ConfigEdit, EditError> {
        let (bom, text) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let crlf = text.contains("\r\n");
        let final_newline = text.is_empty() || text.ends_with('\n');
        let lf;
        let text = if crlf {
            lf = text.replace("\r\n", "\n");
            lf.as_str()
        } else {
            text
        };
        text.parse::<DocumentMut>()
            .map(|doc| ConfigEdit {
                doc,
                bom,
                crlf,
                final_newline,
            })
            .map_err(EditError)
    }

    /// Whether the file has a top-level table or key `name` (e.g. `[services]`).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.doc.contains_key(name)
    }

    /// The edited text.
    pub(crate) fn finish(self) -> String {
        let mut text = self.doc.to_string();
        if self.final_newline {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
        } else {
            while text.ends_with('\n') {
                text.pop();
            }
        }
        if self.crlf {
            text = text.replace('\n', "\r\n");
        }
        if self.bom {
            text.insert(0, '\u{feff}');
        }
        text
    }

    /// Sets a string key, keeping its decor (comments around it) when it exists. A key the
    /// file does not have yet is added after the last top-level key / in the service table.
    pub(crate) fn set_str(&mut self, scope: Scope<'_>, key: &str, new: &str) {
        let Some(table) = self.table(scope) else {
            return;
        };
        match table.get_mut(key) {
            Some(Item::Value(v)) => {
                let decor = v.decor().clone();
                *v = Value::from(new);
                *v.decor_mut() = decor;
            }
            _ => {
                table.insert(key, value(new));
            }
        }
    }

    /// Like [`set_str`](Self::set_str), for a key with a default. An absent key is not added
    /// to say what its absence already means; a key `rename` has to add carries the comment
    /// [`ADDED_MARK`], and setting it back to its default removes it again, so a rename
    /// followed by its reverse restores every byte.
    pub(crate) fn set_str_or_default(
        &mut self,
        scope: Scope<'_>,
        key: &str,
        new: &str,
        default: &str,
    ) {
        let Some(table) = self.table(scope) else {
            return;
        };
        match table.get(key).and_then(Item::as_value) {
            None if new == default => {}
            None => {
                let mut v = Value::from(new);
                v.decor_mut().set_suffix(format!("  # {ADDED_MARK}"));
                table.insert(key, Item::Value(v));
            }
            Some(v) => {
                let added = v
                    .decor()
                    .suffix()
                    .and_then(|r| r.as_str())
                    .is_some_and(|c| c.contains(ADDED_MARK));
                if added && new == default {
                    table.remove(key);
                } else {
                    self.set_str(scope, key, new);
                }
            }
        }
    }

    /// Records that `scope`'s image moved from `names` to `current`: appends `names` to its
    /// `renamed_from` array (creating it), skipping ones already listed. Moving back to a
    /// name the array lists undoes that rename instead: the name leaves the array and
    /// nothing is added, so a rename followed by its reverse restores every byte.
    pub(crate) fn record_renamed_from(
        &mut self,
        scope: Scope<'_>,
        names: &[String],
        current: &str,
    ) {
        let Some(table) = self.table(scope) else {
            return;
        };
        let listed = |t: &toml_edit::Table| {
            t.get("renamed_from")
                .and_then(Item::as_array)
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(current)))
        };
        if listed(table) {
            let array = table
                .get_mut("renamed_from")
                .and_then(Item::as_array_mut)
                .expect("checked above");
            array.retain(|v| v.as_str() != Some(current));
            if array.is_empty() {
                table.remove("renamed_from");
            }
            return;
        }
        if table.get("renamed_from").and_then(Item::as_array).is_none() {
            if names.iter().all(|n| n == current) {
                return;
            }
            table.insert("renamed_from", value(Array::new()));
        }
        let Some(array) = table.get_mut("renamed_from").and_then(Item::as_array_mut) else {
            return;
        };
        for name in names {
            if name != current && !array.iter().any(|v| v.as_str() == Some(name.as_str())) {
                array.push(name.as_str());
            }
        }
    }

    fn table(&mut self, scope: Scope<'_>) -> Option<&mut toml_edit::Table> {
        match scope {
            Scope::Top => Some(self.doc.as_table_mut()),
            Scope::Service(name) => self
                .doc
                .get_mut("services")?
                .as_table_like_mut()?
                .get_mut(name)?
                .as_table_mut(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# top comment\nowner = \"Acme\" # who\nrepo = \"app\"\nsuffix = \"\"   # package suffix\n\n[services.web]\n# web comment\nport = 80\n";

    #[test]
    fn edits_keep_bom_crlf_and_a_missing_final_newline() {
        let text = "\u{feff}owner = \"a\"\r\nrepo = \"b\"";
        let mut e = ConfigEdit::parse(text).unwrap();
        e.set_str(Scope::Top, "repo", "c");
        let out = e.finish();
        assert_eq!(out, "\u{feff}owner = \"a\"\r\nrepo = \"c\"");
        let mut back = ConfigEdit::parse(&out).unwrap();
        back.set_str(Scope::Top, "repo", "b");
        assert_eq!(back.finish(), text);
    }

    #[test]
    fn set_keeps_comments_and_layout() {
        let mut e = ConfigEdit::parse(TEXT).unwrap();
        e.set_str(Scope::Top, "suffix", "-api");
        let out = e.finish();
        assert_eq!(out, TEXT.replace("suffix = \"\"", "suffix = \"-api\""));
    }

    #[test]
    fn renamed_from_is_recorded_once_and_dropped_when_current_again() {
        let mut e = ConfigEdit::parse(TEXT).unwrap();
        let old = vec!["ghcr.io/acme/app-web".to_string()];
        e.record_renamed_from(Scope::Service("web"), &old, "ghcr.io/acme/app-web-api");
        e.record_renamed_from(Scope::Service("web"), &old, "ghcr.io/acme/app-web-api");
        let out = e.finish();
        assert_eq!(out.matches("ghcr.io/acme/app-web\"").count(), 1, "{out}");
        assert!(
            out.contains("# web comment\nport = 80\nrenamed_from = [\"ghcr.io/acme/app-web\"]\n"),
            "{out}"
        );
        let mut back = ConfigEdit::parse(&out).unwrap();
        back.record_renamed_from(
            Scope::Service("web"),
            &["ghcr.io/acme/app-web-api".to_string()],
            "ghcr.io/acme/app-web",
        );
        assert_eq!(back.finish(), TEXT, "renaming back restores every byte");
    }

    #[test]
    fn default_values_are_not_added_to_a_file_without_the_key() {
        let mut e = ConfigEdit::parse("owner = \"a\"\n").unwrap();
        e.set_str_or_default(Scope::Top, "suffix", "", "");
        assert_eq!(e.finish(), "owner = \"a\"\n");
    }

    #[test]
    fn a_key_rename_added_is_removed_when_set_back_to_its_default() {
        let text = "owner = \"a\"\n";
        let mut e = ConfigEdit::parse(text).unwrap();
        e.set_str_or_default(Scope::Top, "suffix", "-api", "");
        let renamed = e.finish();
        assert!(renamed.contains(ADDED_MARK), "{renamed}");
        let mut back = ConfigEdit::parse(&renamed).unwrap();
        back.set_str_or_default(Scope::Top, "suffix", "", "");
        assert_eq!(back.finish(), text);
        let written = "owner = \"a\"\nsuffix = \"-api\"\n";
        let mut e = ConfigEdit::parse(written).unwrap();
        e.set_str_or_default(Scope::Top, "suffix", "", "");
        assert_eq!(e.finish(), "owner = \"a\"\nsuffix = \"\"\n");
    }

    #[test]
    fn a_missing_key_is_added() {
        let mut e = ConfigEdit::parse("owner = \"a\"\nrepo = \"b\"\n").unwrap();
        e.set_str(Scope::Top, "suffix", "-x");
        assert_eq!(e.finish(), "owner = \"a\"\nrepo = \"b\"\nsuffix = \"-x\"\n");
    }
}
