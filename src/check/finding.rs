//! [`Finding`]: one thing `check` reports, as a compiler-style [`Diagnostic`] for people
//! and as a [`JsonFinding`] for tools.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};

/// What kind of problem a finding is. Serialized in kebab-case (`stale-name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `registry.toml` is invalid (exit 2).
    Config,
    /// A generated file differs from what `render` would write, or is missing.
    Drift,
    /// A reference to a name listed in some service's `renamed_from`.
    StaleName,
    /// A reference that cannot be pulled (uppercase path, invalid tag), or, as a warning, a
    /// package under the configured owner that `registry.toml` does not describe.
    Unpullable,
    /// A GitHub token, or a filled-in env file tracked by git.
    Secret,
    /// A manifest pulls what CI does not publish: the package from another owner or
    /// registry, or a tag no rule of the tag policy produces.
    Consumer,
    /// The check itself failed: an unreadable file, a template error (exit 2).
    Error,
}

impl Kind {
    /// Whether this kind means the check could not do its job (exit 2).
    pub fn is_failure(self) -> bool {
        matches!(self, Kind::Config | Kind::Error)
    }
}

/// One finding: its kind, the diagnostic saying where and what, and for drift the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub diagnostic: Diagnostic,
    /// Unified diff of a drifted generated file.
    pub diff: Option<String>,
}

/// A finding as `--format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonFinding {
    pub kind: Kind,
    pub severity: Severity,
    /// The file concerned, relative to the working directory; `null` when none.
    pub path: Option<String>,
    /// 1-based line; `null` for a finding about a whole file.
    pub line: Option<usize>,
    /// 1-based column in characters; `null` for a finding about a whole file.
    pub column: Option<usize>,
    pub message: String,
    /// What the text at the location is, said in a few words (the caret label in text).
    pub label: Option<String>,
    /// How to fix it.
    pub fix: Option<String>,
    /// For drift: the unified diff from the file on disk to what `render` writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Finding {
    /// A finding without a diff.
    pub fn new(kind: Kind, diagnostic: Diagnostic) -> Finding {
        Finding {
            kind,
            diagnostic,
            diff: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.diagnostic.severity
    }

    /// The JSON view.
    pub fn to_json(&self) -> JsonFinding {
        let d = &self.diagnostic;
        let (line, column) = d.line_col().unzip();
        JsonFinding {
            kind: self.kind,
            severity: d.severity,
            path: d.file.as_ref().map(|f| f.path.clone()),
            line,
            column,
            message: d.message.clone(),
            label: d.label.clone(),
            fix: d.help.clone(),
            diff: self.diff.clone(),
        }
    }

    /// Sort key: failures first, then by path, line and column, then kind.
    pub fn sort_key(&self) -> (bool, Option<String>, usize, Kind) {
        let d = &self.diagnostic;
        (
            !self.kind.is_failure(),
            d.file.as_ref().map(|f| f.path.clone()),
            d.span.as_ref().map_or(0, |s| s.start),
            self.kind,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diagnostic::SourceFile;

    #[test]
    fn json_names_kind_severity_place_message_and_fix() {
        let file = Arc::new(SourceFile {
            path: "deploy/compose.yaml".into(),
            text: "a\n  image: x\n".into(),
        });
        let d = Diagnostic::error(&file, 11..12, "bad")
            .label("here")
            .help("fix it");
        let json = serde_json::to_value(Finding::new(Kind::StaleName, d).to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "stale-name", "severity": "error", "path": "deploy/compose.yaml",
                "line": 2, "column": 10, "message": "bad", "label": "here", "fix": "fix it"
            })
        );
    }

    #[test]
    fn whole_file_findings_have_no_line() {
        let file = Arc::new(SourceFile {
            path: "deploy/.env".into(),
            text: "".into(),
        });
        let j = Finding::new(Kind::Secret, Diagnostic::error_in(Some(&file), "tracked")).to_json();
        assert_eq!((j.line, j.column), (None, None));
        assert_eq!(j.path.as_deref(), Some("deploy/.env"));
    }
}
