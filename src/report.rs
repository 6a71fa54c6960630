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
