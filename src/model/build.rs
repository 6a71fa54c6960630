//! Builds the [`Model`](super::Model) from raw configuration, reporting every problem.

/// Placeholder until the config layer lands.
pub fn build() {}
