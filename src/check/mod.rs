//! `ghcr-gen check`: drift, stale names, unpullable references and leaked tokens.
pub mod secrets;
