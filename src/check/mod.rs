//! `ghcr-gen check`: drift, stale names, unpullable references and leaked tokens.
//!
//! [`inspect`] holds the per-file rules (one literal gate, then the reference matcher of
//! `rename`, the owner-path rules and the token finder), [`tag`] the tag grammar,
//! [`secrets`] the token finder and masking, [`finding`] what is reported. The command
//! itself (drift, the parallel walk, git, output) is [`crate::cmd::check`].

pub mod finding;
pub mod inspect;
pub mod secrets;
pub mod tag;
