//! `ghcr-gen doctor`: explains GHCR failures with the slugs of the cause vocabulary.
//!
//! [`online`] asks the registry itself (`--online`) through [`registry`], the small OCI
//! distribution client, with the credentials [`registry_creds`] finds.

pub mod online;
pub mod registry;
pub mod registry_creds;
