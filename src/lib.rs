//! ghcr-gen: one `registry.toml` describes the container images a repository publishes to
//! GitHub Container Registry; this library renders, previews, renames and checks every file
//! that names them.
//!
//! Data flows one way: `config` (raw TOML with spans) → [`model`] (validated), chained
//! by [`load`] → [`render`] (model → planned files) or [`rewrite`] (repository scan →
//! planned edits) → [`plan`] (diff, check or atomic write) → [`report`] (typed messages the
//! binary prints). [`cmd`] holds one function per command tying these together.
//!
//! [`plan`] is the one writer (`FileEdit`, verify, atomic write, diff);
//! [`reference`](mod@reference) is the one grammar of image references that [`rewrite`]
//! maps and [`check`] inspects; `generated` plans the generated files, `rename` plans
//! a rename. Reading the repository outside the config: [`git`] (every `git` run),
//! [`remote`] (GitHub remote URLs) and `dockerfile` (Dockerfile discovery).
//!
//! This library API is unstable: it exists for the `ghcr-gen` binary and its tests, and may
//! change in any release. Modules the tests do not reach are `pub(crate)`.

pub mod adopt;
pub mod check;
pub mod cmd;
pub mod config;
pub mod diagnostic;
pub(crate) mod dockerfile;
pub mod exit;
pub mod fsafe;
pub mod generated;
pub mod git;
pub mod load;
pub mod model;
pub mod plan;
pub mod reference;
pub mod remote;
pub mod rename;
pub mod render;
pub mod report;
pub mod rewrite;
pub mod setup;

pub use exit::Exit;
