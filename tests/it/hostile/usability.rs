//! Hostile-input tests: usability.
