//! `ghcr-gen doctor`: the known causes of GHCR failures, in the vocabulary of
//! [`categories`]. [`explain`] ranks the causes of a failure's text (a pasted error or a
//! whole CI log) and gives each its fix ([`fix`]) for this repository, re-ranked by the
//! repository's [`facts`].

pub mod categories;
pub mod explain;
pub mod facts;
pub mod fix;

pub use categories::Category;
pub use explain::{Cause, Explanation, explain};
pub use facts::Facts;
pub mod checks;
