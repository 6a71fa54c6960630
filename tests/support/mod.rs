//! Helpers shared by the integration tests: hand-built models, the offline validators, file
//! trees, running the binary and git, and the renames of the rewrite tests.

pub mod models;
pub mod renames;
pub mod run;
pub mod tree;
pub mod validators;
