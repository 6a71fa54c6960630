//! `ghcr-gen doctor`: the known causes of GHCR failures, in the vocabulary of
//! [`categories`]. [`explain`] ranks the causes of a failure's text (a pasted error or a
//! whole CI log) and gives each its fix ([`fix`]) for this repository, re-ranked by the
//! repository's [`facts`]; [`checks`] finds the causes in the repository before they bite.
//! [`online`] asks the registry itself (`--online`) through [`registry`], the small OCI
//! distribution client, with the credentials [`registry_creds`] finds.

pub mod categories;
pub mod checks;
pub mod explain;
pub mod facts;
pub mod fix;
pub mod online;
pub mod registry;
pub mod registry_creds;

pub use categories::Category;
pub use explain::{Cause, Explanation, explain};
pub use facts::Facts;
