//! Typed messages commands produce. Only the binary's printer prints them, choosing streams
//! and colour.

use crate::diagnostic::Diagnostic;
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

    /// A failed command: the diagnostics and exit 2.
    pub fn errors(diags: Vec<Diagnostic>) -> Report {
        Report {
            messages: diags.into_iter().map(Message::Diagnostic).collect(),
            exit: Exit::Error,
        }
    }

    /// A failed command with one message.
    pub fn error(message: impl Into<String>) -> Report {
        Report::errors(vec![Diagnostic::error_in(None, message)])
    }

    pub fn push(&mut self, message: Message) {
        self.messages.push(message);
    }

    pub fn status(&mut self, line: impl Into<String>) {
        self.messages.push(Message::Status(line.into()));
    }

    pub fn output(&mut self, text: impl Into<String>) {
        self.messages.push(Message::Output(text.into()));
    }
}
