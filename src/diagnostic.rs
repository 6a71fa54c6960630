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
    /// Other places in the same file that explain the problem, each with its label
    /// (boxed: most diagnostics have none, and a diagnostic is passed by value).
    pub secondary: Option<Box<Secondary>>,
}

/// Secondary labels of a [`Diagnostic`]: byte ranges of its file, each with a label.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Secondary(pub Vec<(Range<usize>, String)>);

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
            secondary: None,
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
            secondary: None,
        }
    }

    /// Sets the label under the span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a secondary label at `span` of the same file.
    pub fn secondary(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.secondary
            .get_or_insert_with(Box::default)
            .0
            .push((span, label.into()));
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
        let place = locate(file, span.start);
        Some((place.line, place.column))
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
                // Only the lines the span covers go to the renderer, and of a very long
                // line only the part around the span (its place is then given explicitly):
                // a file with thousands of diagnostics is not processed whole for each.
                let span = clamp(&file.text, span.clone());
                let secondary: Vec<(Range<usize>, &str)> = self
                    .secondary
                    .iter()
                    .flat_map(|b| b.0.iter())
                    .map(|(s, l)| (clamp(&file.text, s.clone()), l.as_str()))
                    .collect();
                let whole = secondary.iter().fold(span.clone(), |w, (s, _)| {
                    w.start.min(s.start)..w.end.max(s.end)
                });
                let place = locate(file, whole.start);
                let first_line = place.line;
                let end = if file.text[whole.clone()].contains('\n') {
                    let bytes = file.text.as_bytes();
                    memchr::memchr(b'\n', &bytes[whole.end..])
                        .map_or(bytes.len(), |i| whole.end + i + 1)
                } else {
                    place.line_end
                };
                let mut window = place.line_start..end;
                let mut origin = None;
                if window.len() > LONG_LINE
                    && secondary.is_empty()
                    && !file.text[span.clone()].contains('\n')
                {
                    let column = place.column;
                    origin = Some(
                        annotate_snippets::Origin::path(&file.path)
                            .line(first_line)
                            .char_column(column),
                    );
                    window = floor_char_boundary(
                        &file.text,
                        span.start.saturating_sub(CONTEXT).max(window.start),
                    )
                        ..floor_char_boundary(&file.text, (span.end + CONTEXT).min(window.end));
                }
                let local = span.start - window.start..span.end - window.start;
                let mut annotation = AnnotationKind::Primary.span(local);
                if let Some(label) = &self.label {
                    annotation = annotation.label(label);
                }
                let context = secondary.into_iter().map(|(s, l)| {
                    AnnotationKind::Context
                        .span(s.start - window.start..s.end - window.start)
                        .label(l)
                });
                let mut snippet = Snippet::source(&file.text[window.clone()])
                    .line_start(first_line)
                    .fold(true)
                    .annotation(annotation)
                    .annotations(context);
                groups.push(match origin {
                    Some(origin) => title.element(origin).element(snippet),
                    None => {
                        snippet = snippet.path(&file.path);
                        title.element(snippet)
                    }
                });
            }
            (Some(file), None) => {
                groups.push(title.element(annotate_snippets::Origin::path(&file.path)));
            }
            _ => {
                // Nothing to point at: the help follows on the next line, without the
                // gutter line annotate-snippets puts between groups.
                let text = renderer.render(&[Group::with_title(title)]).to_string();
                return match &self.help {
                    Some(help) => {
                        let help = [Group::with_title(Level::HELP.primary_title(help))];
                        format!("{text}\n{}", renderer.render(&help))
                    }
                    None => text,
                };
            }
        }
        if let Some(help) = &self.help {
            groups.push(Group::with_title(Level::HELP.secondary_title(help)));
        }
        renderer.render(&groups).to_string()
    }
}

/// A line longer than this (bytes) is shown only around the span.
const LONG_LINE: usize = 4096;
/// Bytes of a long line shown on each side of the span.
const CONTEXT: usize = 256;

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text.as_bytes()[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Where an offset is in a file.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// 1-based line.
    line: usize,
    /// 1-based column, in characters.
    column: usize,
    /// Byte offset where the line starts.
    line_start: usize,
    /// Byte offset just past the line's newline (the end of the text on the last line).
    line_end: usize,
}

/// The place of byte `offset` in `file`. Diagnostics of one file are rendered in order of
/// position: the search resumes from the previous offset asked about in the same file
/// (held by a weak reference, so its address cannot be reused meanwhile) and the line's
/// end is found once per line, so thousands of diagnostics in one file, even on one long
/// line, cost one pass over it rather than one each.
fn locate(file: &Arc<SourceFile>, offset: usize) -> Place {
    use std::cell::RefCell;
    use std::sync::Weak;
    thread_local! {
        static LAST: RefCell<Option<(Weak<SourceFile>, usize, Place)>> = const { RefCell::new(None) };
    }
    let text = &*file.text;
    let bytes = text.as_bytes();
    let offset = floor_char_boundary(text, offset.min(bytes.len()));
    LAST.with_borrow_mut(|last| {
        let (from, at) = match last {
            Some((w, o, place)) if std::ptr::eq(w.as_ptr(), Arc::as_ptr(file)) && *o <= offset => {
                (*o, Some(*place))
            }
            _ => (0, None),
        };
        let between = &bytes[from..offset];
        let place = match (at, memchr::memrchr(b'\n', between)) {
            (Some(p), None) => Place {
                column: p.column + text[from..offset].chars().count(),
                ..p
            },
            (at, newline) => {
                let line_start = newline.map_or(0, |i| from + i + 1);
                let line_end =
                    memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i + 1);
                Place {
                    line: at.map_or(1, |p| p.line) + memchr::memchr_iter(b'\n', between).count(),
                    column: text[line_start..offset].chars().count() + 1,
                    line_start,
                    line_end,
                }
            }
        };
        *last = Some((Arc::downgrade(file), offset, place));
        place
    })
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
    fn errors_without_a_location_print_no_gutter_line() {
        let d = Diagnostic::error_in(None, "config file x not found").help("pass --config");
        assert_eq!(
            d.render(false),
            "error: config file x not found\nhelp: pass --config"
        );
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
