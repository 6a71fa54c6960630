//! docker/metadata-action tag semantics (placeholder until the engine lands).

/// A rejected metadata-action input line.
#[derive(Debug)]
pub struct TagError {
    pub message: String,
}

impl std::fmt::Display for TagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Placeholder.
pub fn check_tag_line(_line: &str) -> Result<(), TagError> {
    Ok(())
}

/// Placeholder.
pub fn check_flavor_line(_line: &str) -> Result<(), TagError> {
    Ok(())
}
