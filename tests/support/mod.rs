//! Helpers shared by the integration tests: hand-built models and the offline validators.

pub mod models;
pub mod validators;
