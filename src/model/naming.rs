//! Name rules: GitHub logins and repositories, OCI repository paths, git refs, env names.
//!
//! Each check returns a [`NameError`] whose text says what is wrong; it becomes the
//! diagnostic's label. The wording of every name rule lives in its one `Display`.

use std::fmt;

/// Longest OCI repository name (the path after the host) the distribution spec allows.
pub const MAX_OCI_NAME: usize = 255;

/// Longest tag the distribution spec allows.
pub const MAX_TAG: usize = 128;

/// Why a name breaks its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    LoginEmpty,
    /// The login's length.
    LoginTooLong(usize),
    LoginChar(char),
    LoginHyphenAtEnd,
    LoginDoubleHyphen,
    RepoEmpty,
    /// The repository name's length.
    RepoTooLong(usize),
    RepoChar(char),
    RepoDots,
    /// The image path's length.
    OciTooLong(usize),
    OciEmptySegment,
    OciUppercase(char),
    /// The segment that starts or ends with a separator.
    OciSegmentEnds(String),
    OciSeparator {
        separator: String,
        segment: String,
    },
    Branch(BranchProblem),
    EnvEmpty,
    EnvStart(char),
    EnvChar(char),
    ServiceLength,
    ServiceChars,
    /// The text after the host's last `:`.
    RegistryPort(String),
    RegistryHost,
    RegistryUppercase,
    NotImageRef,
    NegativeBranchPattern,
    DnsLabel,
    DnsSubdomain,
    /// Not a tag nor a digest.
    DeployTag,
}

/// Why a branch name is not one git accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchProblem {
    Empty,
    At,
    LeadingDash,
    EmptyComponent,
    TrailingDot,
    DoubleDot,
    AtBrace,
    Char(char),
    ComponentDot,
    ComponentLock,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::LoginEmpty => f.write_str("the owner is empty"),
            NameError::LoginTooLong(n) => {
                write!(f, "{n} characters; GitHub logins have at most 39")
            }
            NameError::LoginChar(c) => write!(
                f,
                "{c:?} is not allowed; GitHub logins use letters, digits and hyphens"
            ),
            NameError::LoginHyphenAtEnd => {
                f.write_str("a GitHub login cannot start or end with a hyphen")
            }
            NameError::LoginDoubleHyphen => {
                f.write_str("a GitHub login cannot contain two hyphens in a row")
            }
            NameError::RepoEmpty => f.write_str("the repository name is empty"),
            NameError::RepoTooLong(n) => {
                write!(f, "{n} characters; repository names have at most 100")
            }
            NameError::RepoChar(c) => write!(
                f,
                "{c:?} is not allowed; repository names use letters, digits, '.', '_' and '-'"
            ),
            NameError::RepoDots => f.write_str("'.' and '..' are not repository names"),
            NameError::OciTooLong(n) => write!(
                f,
                "the image path has {n} characters; registries allow at most {MAX_OCI_NAME}"
            ),
            NameError::OciEmptySegment => {
                f.write_str("an image path cannot have an empty segment (`//`, or `/` at an end)")
            }
            NameError::OciUppercase(c) => {
                write!(f, "{c:?} is uppercase; image paths must be lowercase")
            }
            NameError::OciSegmentEnds(segment) => write!(
                f,
                "segment {segment:?} must start and end with a lowercase letter or digit"
            ),
            NameError::OciSeparator { separator, segment } => write!(
                f,
                "{separator:?} in {segment:?} is not a valid separator; use '.', '_', '__' or '-'"
            ),
            NameError::Branch(why) => write!(f, "not a valid git branch name: {why}"),
            NameError::EnvEmpty => f.write_str("the variable name is empty"),
            NameError::EnvStart(c) => write!(f, "{c:?} cannot start a variable name"),
            NameError::EnvChar(c) => write!(
                f,
                "{c:?} is not allowed; variable names use letters, digits and '_'"
            ),
            NameError::ServiceLength => f.write_str("service names have 1 to 63 characters"),
            NameError::ServiceChars => f.write_str(
                "service names are lowercase letters, digits and inner '-', starting with a \
                 letter (they become Kubernetes names)",
            ),
            NameError::RegistryPort(port) => write!(f, "{port:?} is not a port number"),
            NameError::RegistryHost => {
                f.write_str("a registry is a host name such as ghcr.io, without scheme or path")
            }
            NameError::RegistryUppercase => {
                f.write_str("registry host names are written in lowercase")
            }
            NameError::NotImageRef => {
                f.write_str("a full image reference such as ghcr.io/owner/name")
            }
            NameError::NegativeBranchPattern => {
                f.write_str("negative patterns are not supported; list the branches that publish")
            }
            NameError::DnsLabel => {
                f.write_str("a DNS label: lowercase letters, digits and inner '-', at most 63")
            }
            NameError::DeployTag => f.write_str(
                "a tag ([A-Za-z0-9_] then [A-Za-z0-9_.-], at most 128) or a digest (sha256: and 64 hex digits)",
            ),
            NameError::DnsSubdomain => {
                f.write_str("a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253")
            }
        }
    }
}

impl fmt::Display for BranchProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BranchProblem::Empty => f.write_str("it is empty"),
            BranchProblem::At => f.write_str("'@' alone is reserved"),
            BranchProblem::LeadingDash => f.write_str("it starts with '-'"),
            BranchProblem::EmptyComponent => f.write_str("empty path component"),
            BranchProblem::TrailingDot => f.write_str("it ends with '.'"),
            BranchProblem::DoubleDot => f.write_str("it contains '..'"),
            BranchProblem::AtBrace => f.write_str("it contains '@{'"),
            BranchProblem::Char(c) => write!(f, "{c:?} is not allowed"),
            BranchProblem::ComponentDot => f.write_str("a component starts with '.'"),
            BranchProblem::ComponentLock => f.write_str("a component ends with '.lock'"),
        }
    }
}

impl std::error::Error for NameError {}

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

/// A digest reference: `sha256:` and 64 lowercase hex digits.
pub fn is_digest(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A full semver version, `v` allowed: `MAJOR.MINOR.PATCH` with an optional `-prerelease`
/// and `+build` (`+` is not a tag character, so only the prerelease matters here).
pub fn is_full_semver(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    let (core, pre) = match s.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (s, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let number = |n: &&str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && (n.len() == 1 || !n.starts_with('0'))
    };
    numbers.len() == 3
        && numbers.iter().all(number)
        && pre.is_none_or(|p| {
            p.split('.').all(|id| {
                !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        })
}

/// The tag a kustomization deploys: a tag or a digest.
pub fn check_deploy_tag(s: &str) -> Result<(), NameError> {
    if is_valid_tag(s) || is_digest(s) {
        Ok(())
    } else {
        Err(NameError::DeployTag)
    }
}

/// A GitHub user or organisation name: alphanumerics and single inner hyphens, at most 39.
pub fn check_login(s: &str) -> Result<(), NameError> {
    if s.is_empty() {
        return Err(NameError::LoginEmpty);
    }
    if s.len() > 39 {
        return Err(NameError::LoginTooLong(s.len()));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric() && *c != '-') {
        return Err(NameError::LoginChar(c));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err(NameError::LoginHyphenAtEnd);
    }
    if s.contains("--") {
        return Err(NameError::LoginDoubleHyphen);
    }
    Ok(())
}

/// A GitHub repository name: at most 100 of `A-Za-z0-9._-`, not `.` or `..`.
pub fn check_repo(s: &str) -> Result<(), NameError> {
    if s.is_empty() {
        return Err(NameError::RepoEmpty);
    }
    if s.len() > 100 {
        return Err(NameError::RepoTooLong(s.len()));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '_' | '-'))
    {
        return Err(NameError::RepoChar(c));
    }
    if s == "." || s == ".." {
        return Err(NameError::RepoDots);
    }
    Ok(())
}

/// An OCI repository path (`component(/component)*`, after the host), per the
/// distribution reference grammar: each component is lowercase alphanumeric runs joined
/// by `.`, `_`, `__` or runs of `-`.
pub fn check_oci_path(s: &str) -> Result<(), NameError> {
    if s.len() > MAX_OCI_NAME {
        return Err(NameError::OciTooLong(s.len()));
    }
    for component in s.split('/') {
        check_oci_component(component)?;
    }
    Ok(())
}

/// A branch name git accepts (`git check-ref-format --branch`).
pub fn check_branch(s: &str) -> Result<(), NameError> {
    let bad = |why| Err(NameError::Branch(why));
    if s.is_empty() {
        return bad(BranchProblem::Empty);
    }
    if s == "@" {
        return bad(BranchProblem::At);
    }
    if s.starts_with('-') {
        return bad(BranchProblem::LeadingDash);
    }
    if s.starts_with('/') || s.ends_with('/') || s.contains("//") {
        return bad(BranchProblem::EmptyComponent);
    }
    if s.ends_with('.') {
        return bad(BranchProblem::TrailingDot);
    }
    if s.contains("..") {
        return bad(BranchProblem::DoubleDot);
    }
    if s.contains("@{") {
        return bad(BranchProblem::AtBrace);
    }
    if let Some(c) = s.chars().find(|c| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return bad(BranchProblem::Char(c));
    }
    for part in s.split('/') {
        if part.starts_with('.') {
            return bad(BranchProblem::ComponentDot);
        }
        if part.ends_with(".lock") {
            return bad(BranchProblem::ComponentLock);
        }
    }
    Ok(())
}

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn check_env_name(s: &str) -> Result<(), NameError> {
    let mut chars = s.chars();
    match chars.next() {
        None => return Err(NameError::EnvEmpty),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
            return Err(NameError::EnvStart(c));
        }
        _ => {}
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Err(NameError::EnvChar(c));
    }
    Ok(())
}

/// A service name: used as a compose service key, a Kubernetes object name and a job id,
/// so it must be a DNS label: lowercase alphanumerics and inner `-`, at most 63.
pub fn check_service_name(s: &str) -> Result<(), NameError> {
    if s.is_empty() || s.len() > 63 {
        return Err(NameError::ServiceLength);
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || s.starts_with('-')
        || s.ends_with('-')
        || s.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(NameError::ServiceChars);
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
pub fn check_registry(s: &str) -> Result<(), NameError> {
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    if let Some(p) = port
        && !(p.bytes().all(|b| b.is_ascii_digit()) && p.parse().is_ok_and(|n: u16| n > 0))
    {
        return Err(NameError::RegistryPort(p.to_string()));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.is_empty() || !host.split('.').all(label_ok) {
        return Err(NameError::RegistryHost);
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(NameError::RegistryUppercase);
    }
    Ok(())
}

/// A full image reference without tag: `host/path`, lowercase path.
pub fn check_image_ref(s: &str) -> Result<(), NameError> {
    let Some((host, path)) = s.split_once('/') else {
        return Err(NameError::NotImageRef);
    };
    check_registry(host)?;
    check_oci_path(path)
}

/// A branch name or a GitHub Actions branch filter pattern (`release/*`, `v[0-9]**`).
pub fn check_branch_filter(s: &str) -> Result<(), NameError> {
    let literal: String = s
        .chars()
        .map(|c| {
            if matches!(c, '*' | '?' | '[' | ']' | '+') {
                'x'
            } else {
                c
            }
        })
        .collect();
    if s.starts_with('!') {
        return Err(NameError::NegativeBranchPattern);
    }
    check_branch(&literal)
}

/// A DNS label (RFC 1123), as Kubernetes namespaces are.
pub fn check_dns_label(s: &str) -> Result<(), NameError> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok { Ok(()) } else { Err(NameError::DnsLabel) }
}

/// A DNS subdomain (RFC 1123), as Kubernetes object names are.
pub fn check_dns_subdomain(s: &str) -> Result<(), NameError> {
    if s.len() <= 253 && s.split('.').all(|l| check_dns_label(l).is_ok()) {
        Ok(())
    } else {
        Err(NameError::DnsSubdomain)
    }
}

fn check_oci_component(c: &str) -> Result<(), NameError> {
    if c.is_empty() {
        return Err(NameError::OciEmptySegment);
    }
    if let Some(ch) = c.chars().find(|ch| ch.is_ascii_uppercase()) {
        return Err(NameError::OciUppercase(ch));
    }
    let bytes = c.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Err(NameError::OciSegmentEnds(c.to_string()));
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
            return Err(NameError::OciSeparator {
                separator: sep.to_string(),
                segment: c.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_full_versions_and_digests_are_immutable_deploy_tags() {
        for tag in ["1.2.3", "v1.2.3", "v10.0.1-rc.1", "0.0.0-alpha-2"] {
            assert!(is_full_semver(tag), "{tag}");
        }
        for tag in [
            "latest",
            "main",
            "1.2",
            "v1",
            "1.2.3.4",
            "01.2.3",
            "1.2.3-",
            "1.2.3-a..b",
            "v",
        ] {
            assert!(!is_full_semver(tag), "{tag}");
        }
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert!(is_digest(&digest));
        assert!(check_deploy_tag(&digest).is_ok());
        assert!(!is_digest(&digest.to_uppercase()));
        assert!(!is_digest("sha256:abc"));
        assert!(check_deploy_tag("v1.0.0+build").is_err());
        assert!(check_deploy_tag("main-9f8e7d6").is_ok());
    }

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
