//! Strict semantic versions as node-semver's `valid`/`parse` read them (an optional leading
//! `v`, no leading zeros, at most 256 characters, components up to 2^53-1), and the object a
//! `type=semver` pattern is rendered against (`{{raw}}`, `{{version}}`, `{{major}}`, ...).

use super::js;
use super::template::Value;

const MAX_LENGTH: usize = 256;
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A version that node-semver's `valid()` accepts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SemVer {
    /// The string as given (before trimming).
    pub raw: String,
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub prerelease: Vec<String>,
    pub build: Vec<String>,
}

impl SemVer {
    /// Parses `s` strictly; `None` when node-semver's `valid(s)` is null.
    pub(crate) fn parse(s: &str) -> Option<SemVer> {
        if js::len16(s) > MAX_LENGTH {
            return None;
        }
        let t = js::trim(s);
        let t = t.strip_prefix('v').unwrap_or(t);
        let (t, build) = match t.split_once('+') {
            Some((head, b)) => (head, Some(b)),
            None => (t, None),
        };
        let (core, pre) = match t.split_once('-') {
            Some((head, p)) => (head, Some(p)),
            None => (t, None),
        };
        let nums: Vec<&str> = core.split('.').collect();
        let [major, minor, patch] = nums[..] else {
            return None;
        };
        let num = |n: &str| {
            if is_numeric_id(n) {
                n.parse::<u64>().ok().filter(|&v| v <= MAX_SAFE_INTEGER)
            } else {
                None
            }
        };
        let prerelease = match pre {
            None => Vec::new(),
            Some(p) => {
                let ids: Vec<String> = p.split('.').map(str::to_string).collect();
                if !ids.iter().all(|id| {
                    is_numeric_id(id) || is_alnum_id(id) && !id.bytes().all(|b| b.is_ascii_digit())
                }) {
                    return None;
                }
                ids
            }
        };
        let build = match build {
            None => Vec::new(),
            Some(b) => {
                let ids: Vec<String> = b.split('.').map(str::to_string).collect();
                if !ids.iter().all(|id| is_alnum_id(id)) {
                    return None;
                }
                ids
            }
        };
        Some(SemVer {
            raw: s.to_string(),
            major: num(major)?,
            minor: num(minor)?,
            patch: num(patch)?,
            prerelease,
            build,
        })
    }

    /// `major.minor.patch[-prerelease]` (build metadata dropped).
    pub(crate) fn version(&self) -> String {
        let mut v = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.prerelease.is_empty() {
            v.push('-');
            v.push_str(&self.prerelease.join("."));
        }
        v
    }

    /// The own properties of node-semver's SemVer object (parsed with `{loose: true}`).
    pub(crate) fn property(&self, name: &str) -> Value {
        let ids = |ids: &[String]| Value::List(ids.iter().map(|id| prerelease_value(id)).collect());
        match name {
            "options" => Value::Object(vec![("loose".into(), Value::Bool(true))]),
            "loose" => Value::Bool(true),
            "includePrerelease" => Value::Bool(false),
            "raw" => Value::Str(self.raw.clone()),
            "major" => Value::Num(self.major as f64),
            "minor" => Value::Num(self.minor as f64),
            "patch" => Value::Num(self.patch as f64),
            "prerelease" => ids(&self.prerelease),
            "build" => Value::List(self.build.iter().map(|b| Value::Str(b.clone())).collect()),
            "version" => Value::Str(self.version()),
            _ => Value::Undefined,
        }
    }
}

/// Numeric prerelease identifiers become numbers (when they are safe integers).
fn prerelease_value(id: &str) -> Value {
    match id.parse::<u64>() {
        Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) && n < MAX_SAFE_INTEGER => {
            Value::Num(n as f64)
        }
        _ => Value::Str(id.to_string()),
    }
}

/// `0|[1-9]\d*`
fn is_numeric_id(s: &str) -> bool {
    s == "0" || (!s.is_empty() && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
}

/// `[a-zA-Z0-9-]+`
fn is_alnum_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_semver_validity() {
        for ok in [
            "1.2.3",
            "v1.2.3",
            " 1.2.3 ",
            "0.0.0-alpha.1",
            "1.0.0-0a.1-b",
            "2.0.0-beta+build.7",
            "1.2.3+001",
        ] {
            assert!(SemVer::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "V1.2.3",
            "1.0",
            "01.2.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "=1.2.3",
            "1.2.3-a..b",
            "9007199254740992.0.0",
        ] {
            assert!(SemVer::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn version_drops_build_metadata_and_keeps_raw() {
        let v = SemVer::parse("v2.0.0-beta.67+sha.1").unwrap();
        assert_eq!(v.version(), "2.0.0-beta.67");
        assert_eq!(v.raw, "v2.0.0-beta.67+sha.1");
        assert_eq!(v.property("prerelease").to_js_string(), "beta,67");
    }
}
