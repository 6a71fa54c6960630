//! Hostile-input tests: paths.
