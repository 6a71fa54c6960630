//! Helpers shared by the integration tests: models built from registry.toml text through
//! the real loader, the offline validators, file trees, running the binary and git, and the
//! renames of the rewrite tests.

pub(crate) mod engine;
pub(crate) mod registry;
pub(crate) mod renames;
pub(crate) mod run;
pub(crate) mod shapes;
pub(crate) mod tree;
pub(crate) mod validators;
