//! GitHub remote URLs: which owner and repository a clone's `origin` points at.

/// Owner and repo from a GitHub remote URL: `https://github.com/O/R(.git)`,
/// `git@github.com:O/R(.git)` or `ssh://git@github.com[:port]/O/R(.git)`.
pub fn parse_remote_url(url: &str) -> Option<(String, String)> {
    let rest = if let Some(r) = url.strip_prefix("git@") {
        r.split_once(':')?.1
    } else {
        let after_scheme = url.split_once("://")?.1;
        let after_user = after_scheme
            .rsplit_once('@')
            .map_or(after_scheme, |(_, h)| h);
        after_user.split_once('/')?.1
    };
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let mut parts = rest.rsplitn(2, '/');
    let repo = parts.next()?;
    let owner = parts.next()?.rsplit('/').next()?;
    (!owner.is_empty() && !repo.is_empty()).then(|| (owner.to_string(), repo.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_in_every_form() {
        let want = Some(("Acme-Labs".to_string(), "axon-doc".to_string()));
        assert_eq!(
            parse_remote_url("https://github.com/Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(
            parse_remote_url("https://github.com/Acme-Labs/axon-doc"),
            want
        );
        assert_eq!(
            parse_remote_url("git@github.com:Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(
            parse_remote_url("ssh://git@github.com/Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(
            parse_remote_url("ssh://git@github.com:22/Acme-Labs/axon-doc"),
            want
        );
        assert_eq!(
            parse_remote_url("https://user:tok@github.com/Acme-Labs/axon-doc.git"),
            want
        );
        assert_eq!(parse_remote_url("not a url"), None);
    }
}
