//! Placeholder templates such as `{repo}-{service}` (image names) and `{tag}-{arch}`
//! (per-arch tags).

use std::fmt;

/// Why a placeholder template cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderError {
    UnmatchedClose,
    Unclosed,
    /// The name between the braces.
    Unknown(String),
}

impl fmt::Display for PlaceholderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceholderError::UnmatchedClose => f.write_str("unmatched '}'"),
            PlaceholderError::Unclosed => f.write_str("unclosed '{'"),
            PlaceholderError::Unknown(name) => write!(f, "unknown placeholder {{{name}}}"),
        }
    }
}

impl std::error::Error for PlaceholderError {}

/// Replaces `{name}` placeholders; unknown placeholders and stray braces are errors.
pub fn expand(template: &str, vars: &[(&str, &str)]) -> Result<String, PlaceholderError> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        if rest[open..].starts_with('}') {
            return Err(PlaceholderError::UnmatchedClose);
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(PlaceholderError::Unclosed);
        };
        let name = &rest[open + 1..open + close];
        match vars.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => return Err(PlaceholderError::Unknown(name.to_string())),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_rejects_unknown_placeholders() {
        let vars = [("repo", "r"), ("service", "s")];
        assert_eq!(expand("{repo}-{service}", &vars).unwrap(), "r-s");
        assert!(
            expand("{repo}-{svc}", &vars)
                .unwrap_err()
                .to_string()
                .contains("{svc}")
        );
        assert!(expand("{repo", &vars).is_err());
        assert!(expand("repo}", &vars).is_err());
    }
}
