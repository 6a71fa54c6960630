//! `ghcr-gen check`'s rules: drift, stale names, unpullable references and leaked tokens.
//!
//! [`repo`] runs one pass over a repository (the parallel walk, git) into an
//! [`repo::Outcome`]; [`drift`] compares the generated files; [`inspect`] holds the
//! per-file rules (one literal gate, then the references the one grammar finds, the
//! owner-path rules and the token finder); [`tag`] judges tags; [`secrets`] finds and
//! masks tokens; [`finding`] is what is reported. The command itself only loads the config
//! and prints ([`crate::cmd::check`]).

pub(crate) mod consumer;
pub(crate) mod drift;
pub(crate) mod finding;
pub(crate) mod inspect;
pub(crate) mod repo;
pub mod secrets;
pub mod tag;
