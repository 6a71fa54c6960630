//! Typed messages commands produce. Only the binary's printer prints them, choosing streams
//! and colour, and it masks every GitHub token in them first ([`Report::masked`]): one
//! masking function for everything any command prints.

use std::borrow::Cow;
use std::sync::Arc;

use crate::check::secrets::mask_text;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::exit::Exit;

/// One thing a command has to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Program output for stdout, printed as is (schema, tags, JSON).
    Output(String),
    /// A unified diff, for stdout; the printer colours it when colour is on.
    Diff(String),
    /// A problem or warning, for stderr.
    Diagnostic(Diagnostic),
    /// A progress or summary line for stderr, e.g. `wrote deploy/compose.yaml`.
    Status(String),
}

/// What a command produced and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub messages: Vec<Message>,
    pub exit: Exit,
}

impl Report {
    /// An empty report ending in `exit`.
    pub fn new(exit: Exit) -> Report {
        Report {
            messages: Vec::new(),
            exit,
        }
    }

    /// Adds a message.
    pub fn push(&mut self, message: Message) {
        self.messages.push(message);
    }

    /// Adds a status line for stderr.
    pub fn status(&mut self, line: impl Into<String>) {
        self.messages.push(Message::Status(line.into()));
    }

    /// Adds program output for stdout.
    pub fn output(&mut self, text: impl Into<String>) {
        self.messages.push(Message::Output(text.into()));
    }
}

impl Report {
    /// The report with every GitHub token masked in all it prints (output, diffs, status
    /// lines, diagnostics);
    /// a source file shared by many diagnostics is masked once.
    pub fn masked(&self) -> Report {
        let mut files = Masked::default();
        Report {
            messages: self
                .messages
                .iter()
                .map(|m| m.masked_with(&mut files))
                .collect(),
            exit: self.exit,
        }
    }
}

impl Report {
    /// The messages with every GitHub token masked (as [`Report::masked`]), one at a time:
    /// only the message being printed is copied, so printing a report of many diffs does
    /// not hold a second copy of all of them.
    pub fn masked_messages(&self) -> impl Iterator<Item = Message> + '_ {
        let mut files = Masked::default();
        self.messages.iter().map(move |m| m.masked_with(&mut files))
    }
}

/// Source files already masked, by the address of the original.
#[derive(Default)]
struct Masked(std::collections::HashMap<*const SourceFile, Arc<SourceFile>>);

impl Masked {
    fn file(&mut self, f: &Arc<SourceFile>) -> Arc<SourceFile> {
        self.0
            .entry(Arc::as_ptr(f))
            .or_insert_with(|| {
                let path = mask_text(&f.path);
                let text = mask_text(&f.text);
                if matches!(path, Cow::Borrowed(_)) && matches!(text, Cow::Borrowed(_)) {
                    f.clone()
                } else {
                    Arc::new(SourceFile {
                        path: path.into_owned(),
                        text: text.into_owned().into(),
                    })
                }
            })
            .clone()
    }
}

impl Message {
    /// The message with every GitHub token masked in all it prints: output, diffs, status
    /// lines, and a diagnostic's message, label, help, path and source text.
    fn masked_with(&self, files: &mut Masked) -> Message {
        let text = |s: &str| mask_text(s).into_owned();
        match self {
            Message::Output(s) => Message::Output(text(s)),
            Message::Diff(s) => Message::Diff(text(s)),
            Message::Status(s) => Message::Status(text(s)),
            Message::Diagnostic(d) => Message::Diagnostic(masked_with(d, files)),
        }
    }
}

/// `diagnostics` with every GitHub token masked in their message, label, help, path and
/// source text (same length, so spans stay valid); a source file they share is masked once.
pub fn masked_diagnostics<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
) -> Vec<Diagnostic> {
    let mut files = Masked::default();
    diagnostics
        .into_iter()
        .map(|d| masked_with(d, &mut files))
        .collect()
}

fn masked_with(d: &Diagnostic, files: &mut Masked) -> Diagnostic {
    let text = |s: &str| mask_text(s).into_owned();
    let mut d = d.clone();
    d.message = text(&d.message);
    d.label = d.label.as_deref().map(text);
    d.help = d.help.as_deref().map(text);
    d.file = d.file.as_ref().map(|f| files.file(f));
    d
}
