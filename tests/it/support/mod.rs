//! Helpers shared by the integration tests: hand-built models, the offline validators, file
//! trees, running the binary and git, and the renames of the rewrite tests.

pub(crate) mod models;
pub(crate) mod renames;
pub(crate) mod run;
pub(crate) mod tree;
pub(crate) mod validators;
