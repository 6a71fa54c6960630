//! Hostile-input tests: tokens.
