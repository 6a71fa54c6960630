//! GitHub remote URLs: which owner and repository a clone's `origin` points at, and
//! whether it is on github.com at all.

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

/// The host of a remote URL (`git@HOST:...`, `SCHEME://[USER@]HOST[:PORT]/...`), without
/// user or port, lowercased; "" for a `file://` URL, `None` for a local path.
pub fn remote_host(url: &str) -> Option<String> {
    let host = if let Some(r) = url.strip_prefix("git@") {
        r.split_once(':')?.0
    } else {
        let after_scheme = url.split_once("://")?.1;
        let authority = after_scheme.split('/').next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        host.split(':').next().unwrap_or_default()
    };
    Some(host.to_ascii_lowercase())
}

/// Whether a remote host is github.com (`ssh.github.com` is its SSH-over-443 name).
pub fn is_github_host(host: &str) -> bool {
    matches!(host, "github.com" | "www.github.com" | "ssh.github.com")
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

    #[test]
    fn remote_hosts_drop_user_and_port_and_only_github_com_counts() {
        for (url, host) in [
            ("git@github.com:Acme/app.git", "github.com"),
            ("https://user:tok@GitHub.com/Acme/app", "github.com"),
            (
                "ssh://git@ssh.github.com:443/Acme/app.git",
                "ssh.github.com",
            ),
            ("git@gitlab.com:acme/app.git", "gitlab.com"),
            (
                "https://gitlab.example.org/group/sub/app.git",
                "gitlab.example.org",
            ),
            ("file:///srv/git/acme/app.git", ""),
        ] {
            assert_eq!(remote_host(url).as_deref(), Some(host), "{url}");
        }
        assert_eq!(remote_host("/srv/git/app.git"), None);
        assert!(is_github_host("github.com") && is_github_host("ssh.github.com"));
        assert!(!is_github_host("gitlab.com") && !is_github_host("github.com.evil.org"));
    }
}
