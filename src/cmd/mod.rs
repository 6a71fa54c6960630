//! The commands, as library functions from plain options to a [`Report`](crate::report::Report).
//!
//! Flags are parsed in the binary; each command here resolves its inputs (config discovery,
//! defaults), runs the pipeline and returns typed messages.

mod error;

pub mod adopt;
pub mod check;
pub mod images;
pub mod init;
pub mod rename;
pub mod render;
pub mod schema;
pub mod tags;

pub use crate::load::{display_path, load_at, load_model};
pub use error::Error;
