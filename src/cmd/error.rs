//! Why a command failed (exit 2): one enum over every command's typed error, and the one
//! place that turns an error into the messages the binary prints.

use std::fmt;

use super::adopt::AdoptError;
use super::init::InitError;
use super::tags::TagsError;
use crate::diagnostic::Diagnostic;
use crate::generated::GeneratedError;
use crate::plan::EditError;
use crate::rename::RenameError;
use crate::report::Message;

/// A command that could not do its job; nothing was written.
#[derive(Debug)]
pub enum Error {
    /// The current directory cannot be read.
    Cwd(std::io::Error),
    /// registry.toml cannot be found or is invalid: located diagnostics.
    Config(Vec<Diagnostic>),
    /// The generated files cannot be planned (a template failed, a file is unreadable).
    Generated(GeneratedError),
    /// A planned file cannot be written, or changed since planning.
    Write(EditError),
    /// `ghcr-gen init` wrote nothing.
    Init(InitError),
    /// `ghcr-gen rename` could not plan the rename.
    Rename(RenameError),
    /// `ghcr-gen tags` cannot compute the tags.
    Tags(TagsError),
    /// `ghcr-gen adopt` wrote nothing.
    Adopt(AdoptError),
}

impl Error {
    /// The messages that explain the error: located diagnostics where the error has them,
    /// else one diagnostic with the error's message and its help.
    pub fn into_messages(self) -> Vec<Message> {
        let diagnostics = |diags: Vec<Diagnostic>| diags.into_iter().map(Message::Diagnostic);
        match self {
            Error::Config(diags) | Error::Init(InitError::Invalid(diags)) => {
                diagnostics(diags).collect()
            }
            Error::Rename(RenameError::InvalidResult(diags)) => {
                let summary = RenameError::InvalidResult(Vec::new()).to_string();
                diagnostics(diags)
                    .chain([Message::Status(summary)])
                    .collect()
            }
            other => {
                let mut d = Diagnostic::error_in(None, other.to_string());
                if let Error::Init(e) = &other
                    && let Some(help) = e.help()
                {
                    d = d.help(help);
                }
                if let Error::Adopt(e) = &other
                    && let Some(help) = e.help()
                {
                    d = d.help(help);
                }
                vec![Message::Diagnostic(d)]
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Cwd(e) => write!(f, "cannot read the current directory: {e}"),
            Error::Config(diags) => match diags.first() {
                Some(d) => f.write_str(&d.message),
                None => f.write_str("invalid configuration"),
            },
            Error::Generated(e) => e.fmt(f),
            Error::Write(e) => e.fmt(f),
            Error::Init(e) => e.fmt(f),
            Error::Rename(e) => e.fmt(f),
            Error::Tags(e) => e.fmt(f),
            Error::Adopt(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<Vec<Diagnostic>> for Error {
    fn from(diags: Vec<Diagnostic>) -> Error {
        Error::Config(diags)
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error::Config(vec![d])
    }
}

impl From<GeneratedError> for Error {
    fn from(e: GeneratedError) -> Error {
        Error::Generated(e)
    }
}

impl From<EditError> for Error {
    fn from(e: EditError) -> Error {
        Error::Write(e)
    }
}

impl From<InitError> for Error {
    fn from(e: InitError) -> Error {
        Error::Init(e)
    }
}

impl From<RenameError> for Error {
    fn from(e: RenameError) -> Error {
        Error::Rename(e)
    }
}

impl From<TagsError> for Error {
    fn from(e: TagsError) -> Error {
        Error::Tags(e)
    }
}

impl From<AdoptError> for Error {
    fn from(e: AdoptError) -> Error {
        Error::Adopt(e)
    }
}
