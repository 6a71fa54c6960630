//! docker/metadata-action tag semantics.
