//! Diagnostics: a message about a place in a file, rendered like a compiler error.
//!
//! The library builds [`Diagnostic`]s; only the binary renders them (with colour on a
//! terminal). Line and column are 1-based; columns count characters.

use std::ops::Range;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// A file a diagnostic points into, shared between its diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when possible).
    pub path: String,
    /// The file's text.
    pub text: Arc<str>,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem, optionally located in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One line saying what is wrong.
    pub message: String,
    /// The file it concerns.
    pub file: Option<Arc<SourceFile>>,
    /// Byte range in the file's text.
    pub span: Option<Range<usize>>,
    /// Label placed under the span.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span` of `file`.
    pub fn error(file: &Arc<SourceFile>, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: Some(file.clone()),
            span: Some(span),
            label: None,
            help: None,
        }
    }

    /// An error about a whole file, or about nothing in particular when `file` is `None`.
    pub fn error_in(file: Option<&Arc<SourceFile>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: file.cloned(),
            span: None,
            label: None,
            help: None,
        }
    }

    /// Sets the label under the span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// 1-based line and column of the span's start.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let (file, span) = (self.file.as_ref()?, self.span.as_ref()?);
        Some(line_col(&file.text, span.start))
    }

    /// `path:line:col`, `path`, or nothing.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match self.line_col() {
            Some((line, col)) => format!("{}:{line}:{col}", file.path),
            None => file.path.clone(),
        })
    }

    /// Renders the diagnostic rustc-style; `color` adds ANSI styles.
    pub fn render(&self, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let title = level.primary_title(&self.message);
        let mut groups = Vec::new();
        match (&self.file, &self.span) {
            (Some(file), Some(span)) => {
                let span = clamp(&file.text, span.clone());
                let mut annotation = AnnotationKind::Primary.span(span);
                if let Some(label) = &self.label {
                    annotation = annotation.label(label);
                }
                groups.push(
                    title.element(
                        Snippet::source(&*file.text)
                            .path(&file.path)
                            .fold(true)
                            .annotation(annotation),
                    ),
                );
            }
            (Some(file), None) => {
                groups.push(title.element(annotate_snippets::Origin::path(&file.path)));
            }
            _ => groups.push(Group::with_title(title)),
        }
        if let Some(help) = &self.help {
            groups.push(Group::with_title(Level::HELP.secondary_title(help)));
        }
        renderer.render(&groups).to_string()
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn clamp(text: &str, span: Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 5), (1, 1));
        assert_eq!(line_col("x\n", 2), (2, 1));
    }

    #[test]
    fn render_names_file_line_and_column() {
        let file = Arc::new(SourceFile {
            path: "registry.toml".into(),
            text: "owner = \"a\"\nport = 0\n".into(),
        });
        let d = Diagnostic::error(&file, 19..20, "port out of range")
            .label("must be 1-65535")
            .help("pick a port");
        let text = d.render(false);
        assert!(text.contains("registry.toml:2:8"), "{text}");
        assert!(text.contains("must be 1-65535"), "{text}");
        assert!(text.contains("help: pick a port"), "{text}");
    }
}
