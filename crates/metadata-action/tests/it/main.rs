//! The integration tests of the metadata-action crate: one binary, one module per concern.

mod cases;
mod semantics;
