//! Name rules: GitHub logins and repositories, OCI repository paths, git refs, env names.
//!
//! Each check returns `Err(reason)` with a sentence saying what is wrong, used as the
//! diagnostic's label.

/// Longest OCI repository name (the path after the host) the distribution spec allows.
pub const MAX_OCI_NAME: usize = 255;

/// Longest tag the distribution spec allows.
pub const MAX_TAG: usize = 128;

/// Whether `c` may appear in a tag (`[A-Za-z0-9_.-]`).
pub fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// A tag as the distribution spec allows it: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    tag.len() <= MAX_TAG
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag.chars().all(is_tag_char)
}

/// A GitHub user or organisation name: alphanumerics and single inner hyphens, at most 39.
pub fn check_login(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the owner is empty".into());
    }
    if s.len() > 39 {
        return Err(format!(
            "{} characters; GitHub logins have at most 39",
            s.len()
        ));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric() && *c != '-') {
        return Err(format!(
            "{c:?} is not allowed; GitHub logins use letters, digits and hyphens"
        ));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err("a GitHub login cannot start or end with a hyphen".into());
    }
    if s.contains("--") {
        return Err("a GitHub login cannot contain two hyphens in a row".into());
    }
    Ok(())
}

/// A GitHub repository name: at most 100 of `A-Za-z0-9._-`, not `.` or `..`.
pub fn check_repo(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the repository name is empty".into());
    }
    if s.len() > 100 {
        return Err(format!(
            "{} characters; repository names have at most 100",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '_' | '-'))
    {
        return Err(format!(
            "{c:?} is not allowed; repository names use letters, digits, '.', '_' and '-'"
        ));
    }
    if s == "." || s == ".." {
        return Err("'.' and '..' are not repository names".into());
    }
    Ok(())
}

/// An OCI repository path (`component(/component)*`, after the host), per the
/// distribution reference grammar: each component is lowercase alphanumeric runs joined
/// by `.`, `_`, `__` or runs of `-`.
pub fn check_oci_path(s: &str) -> Result<(), String> {
    if s.len() > MAX_OCI_NAME {
        return Err(format!(
            "the image path has {} characters; registries allow at most {MAX_OCI_NAME}",
            s.len()
        ));
    }
    for component in s.split('/') {
        check_oci_component(component)?;
    }
    Ok(())
}

fn check_oci_component(c: &str) -> Result<(), String> {
    if c.is_empty() {
        return Err("an image path cannot have an empty segment (`//`, or `/` at an end)".into());
    }
    if let Some(ch) = c.chars().find(|ch| ch.is_ascii_uppercase()) {
        return Err(format!(
            "{ch:?} is uppercase; image paths must be lowercase"
        ));
    }
    let bytes = c.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Err(format!(
            "segment {c:?} must start and end with a lowercase letter or digit"
        ));
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__`, or one or more `-`.
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return Err(format!(
                "{sep:?} in {c:?} is not a valid separator; use '.', '_', '__' or '-'"
            ));
        }
    }
    Ok(())
}

/// A branch name git accepts (`git check-ref-format --branch`).
pub fn check_branch(s: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("not a valid git branch name: {why}"));
    if s.is_empty() {
        return bad("it is empty");
    }
    if s == "@" {
        return bad("'@' alone is reserved");
    }
    if s.starts_with('-') {
        return bad("it starts with '-'");
    }
    if s.starts_with('/') || s.ends_with('/') || s.contains("//") {
        return bad("empty path component");
    }
    if s.ends_with('.') {
        return bad("it ends with '.'");
    }
    if s.contains("..") {
        return bad("it contains '..'");
    }
    if s.contains("@{") {
        return bad("it contains '@{'");
    }
    if let Some(c) = s.chars().find(|c| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return bad(&format!("{c:?} is not allowed"));
    }
    for part in s.split('/') {
        if part.starts_with('.') {
            return bad("a component starts with '.'");
        }
        if part.ends_with(".lock") {
            return bad("a component ends with '.lock'");
        }
    }
    Ok(())
}

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn check_env_name(s: &str) -> Result<(), String> {
    let mut chars = s.chars();
    match chars.next() {
        None => return Err("the variable name is empty".into()),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
            return Err(format!("{c:?} cannot start a variable name"));
        }
        _ => {}
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Err(format!(
            "{c:?} is not allowed; variable names use letters, digits and '_'"
        ));
    }
    Ok(())
}

/// A service name: used as a compose service key, a Kubernetes object name and a job id,
/// so it must be a DNS label: lowercase alphanumerics and inner `-`, at most 63.
pub fn check_service_name(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 63 {
        return Err("service names have 1 to 63 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || s.starts_with('-')
        || s.ends_with('-')
        || s.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(
            "service names are lowercase letters, digits and inner '-', starting with a letter (they become Kubernetes names)"
                .into(),
        );
    }
    Ok(())
}

/// `s` made into a name usable as a service name, a Kubernetes label and a compose project:
/// lowercase, runs of other characters as one `-`, starting with a letter, at most 63
/// characters; `"app"` when nothing is left.
pub fn dns_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    let mut label: String = trimmed.chars().take(63).collect();
    while label.ends_with('-') {
        label.pop();
    }
    if label.is_empty() {
        "app".to_string()
    } else {
        label
    }
}

/// A registry host: a DNS name with an optional port, e.g. `ghcr.io` or `registry.local:5000`.
pub fn check_registry(s: &str) -> Result<(), String> {
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("{p:?} is not a port number"));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.is_empty() || !host.split('.').all(label_ok) {
        return Err("a registry is a host name such as ghcr.io, without scheme or path".into());
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("registry host names are written in lowercase".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_allow_single_inner_hyphens_only() {
        assert!(check_login("Acme-Labs").is_ok());
        assert!(check_login("a").is_ok());
        assert!(check_login("-acme").is_err());
        assert!(check_login("acme-").is_err());
        assert!(check_login("ac--me").is_err());
        assert!(check_login("ac_me").is_err());
        assert!(check_login(&"a".repeat(39)).is_ok());
        assert!(check_login(&"a".repeat(40)).is_err());
    }

    #[test]
    fn repo_names_follow_github_rules() {
        assert!(check_repo("axon-doc").is_ok());
        assert!(check_repo("my.repo_1").is_ok());
        assert!(check_repo("..").is_err());
        assert!(check_repo("a b").is_err());
        assert!(check_repo(&"r".repeat(101)).is_err());
    }

    #[test]
    fn oci_paths_follow_the_distribution_grammar() {
        for ok in [
            "a",
            "axon-doc-nextjs",
            "a__b",
            "a_b.c",
            "a---b",
            "team/api",
            "x1/y2/z3",
        ] {
            assert!(check_oci_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "A", "a..b", "a___b", "-a", "a-", "a_", ".a", "a//b", "a/", "/a", "a-.b", "a b",
        ] {
            assert!(check_oci_path(bad).is_err(), "{bad}");
        }
        assert!(check_oci_path(&"a".repeat(256)).is_err());
        assert!(check_oci_path(&"a".repeat(255)).is_ok());
    }

    #[test]
    fn branch_names_follow_check_ref_format() {
        for ok in ["main", "release/1.x", "feature/foo-bar", "v1.0"] {
            assert!(check_branch(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "-x", "a..b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "a/", "/a",
            "a//b", "a.", ".a", "a/.b", "a.lock", "a@{b", "@",
        ] {
            assert!(check_branch(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_follow_the_distribution_grammar() {
        assert!(is_valid_tag("v1.0.0-rc.1"));
        assert!(is_valid_tag("_x"));
        assert!(!is_valid_tag(""));
        assert!(!is_valid_tag("-x"));
        assert!(!is_valid_tag("a/b"));
        assert!(!is_valid_tag(&"a".repeat(129)));
    }

    #[test]
    fn env_names_are_shell_identifiers() {
        assert!(check_env_name("DATABASE_URL").is_ok());
        assert!(check_env_name("_x1").is_ok());
        assert!(check_env_name("1X").is_err());
        assert!(check_env_name("A-B").is_err());
        assert!(check_env_name("").is_err());
    }

    #[test]
    fn dns_labels_from_arbitrary_names() {
        assert_eq!(dns_label("axon-doc"), "axon-doc");
        assert_eq!(dns_label("My.Repo_x"), "my-repo-x");
        assert_eq!(dns_label("123"), "app");
        assert_eq!(dns_label("--a..b--"), "a-b");
        assert!(check_service_name(&dns_label(&"x.".repeat(80))).is_ok());
    }

    #[test]
    fn registries_are_bare_host_names() {
        assert!(check_registry("ghcr.io").is_ok());
        assert!(check_registry("registry.local:5000").is_ok());
        assert!(check_registry("https://ghcr.io").is_err());
        assert!(check_registry("ghcr.io/x").is_err());
        assert!(check_registry("GHCR.io").is_err());
    }
}
