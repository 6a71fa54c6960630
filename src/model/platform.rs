//! Build platforms (`os/arch[/variant]`) as buildx understands them.

use std::fmt;

/// A platform buildx can build for, e.g. `linux/arm64` or `linux/arm/v7`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

/// Every `os/arch[/variant]` buildx accepts for Linux images.
pub(crate) const KNOWN: &[&str] = &[
    "linux/amd64",
    "linux/amd64/v2",
    "linux/amd64/v3",
    "linux/amd64/v4",
    "linux/arm64",
    "linux/arm64/v8",
    "linux/arm/v5",
    "linux/arm/v6",
    "linux/arm/v7",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
    "linux/mips64le",
    "linux/mips64",
    "linux/loong64",
    "windows/amd64",
    "windows/arm64",
];

/// Platform spellings buildx accepts for another platform, with their canonical form.
pub(crate) const ALIASES: &[(&str, &str)] = &[("linux/arm", "linux/arm/v7")];

impl Platform {
    /// Parses a platform string; `None` unless buildx knows it. Aliases buildx accepts are
    /// normalised: `linux/arm` is `linux/arm/v7`.
    pub fn parse(s: &str) -> Option<Platform> {
        let s = ALIASES
            .iter()
            .find(|(alias, _)| *alias == s)
            .map_or(s, |(_, canonical)| *canonical);
        if !KNOWN.contains(&s) {
            return None;
        }
        let mut parts = s.split('/');
        let os = parts.next()?.to_string();
        let arch = parts.next()?.to_string();
        let variant = parts.next().map(str::to_string);
        Some(Platform { os, arch, variant })
    }

    /// A name safe in tags, artifact names and cache scopes: `amd64`, `arm64`, `arm-v7`.
    pub fn slug(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}-{}", self.arch, v),
            None => self.arch.clone(),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_platforms_and_rejects_others() {
        assert_eq!(Platform::parse("linux/arm/v7").unwrap().slug(), "arm-v7");
        assert_eq!(
            Platform::parse("linux/arm64").unwrap().to_string(),
            "linux/arm64"
        );
        assert!(Platform::parse("linux/arm65").is_none());
        assert_eq!(
            Platform::parse("linux/arm").unwrap().to_string(),
            "linux/arm/v7"
        );
        for p in [
            "linux/arm/v6",
            "linux/386",
            "linux/ppc64le",
            "linux/s390x",
            "linux/riscv64",
        ] {
            assert_eq!(Platform::parse(p).unwrap().to_string(), p);
        }
        assert!(Platform::parse("Linux/amd64").is_none());
    }
}
