//! PEP 440 versions as `@renovate/pep440` (v1) reads them: `valid`, `clean`, `explain` and
//! `major`/`minor`/`patch`, including its quirks (numbers normalised through JS `Number`,
//! local segments re-joined with commas by `clean`).

use std::sync::LazyLock;

use super::js;

/// A parsed PEP 440 version.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pep440 {
    epoch: f64,
    release: Vec<f64>,
    pre: Option<(String, f64)>,
    post: Option<(String, f64)>,
    dev: Option<(String, f64)>,
    local: Option<Vec<String>>,
}

impl Pep440 {
    /// `valid()` + `explain()`: `None` when the library rejects `s`.
    pub(crate) fn parse(s: &str) -> Option<Pep440> {
        let re = VERSION.as_ref()?;
        let lower = s.to_ascii_lowercase();
        let caps = re.find(&lower)?;
        let group = |name: &str| caps.named_group(name).map(|r| &lower[r]);
        let num = |s: &str| js::number(s);
        let letter = |l: Option<&str>, n: Option<&str>| -> Option<(String, f64)> {
            let n = n.filter(|n| !n.is_empty());
            match l {
                Some(l) => {
                    let l = match l {
                        "alpha" => "a",
                        "beta" => "b",
                        "c" | "pre" | "preview" => "rc",
                        "rev" | "r" => "post",
                        l => l,
                    };
                    Some((l.to_string(), n.map_or(0.0, num)))
                }
                None => n.map(|n| ("post".to_string(), num(n))),
            }
        };
        Some(Pep440 {
            epoch: group("epoch").map_or(0.0, num),
            release: group("release")?.split('.').map(num).collect(),
            pre: letter(group("pre_l"), group("pre_n")),
            post: letter(group("post_l"), group("post_n1").or(group("post_n2"))),
            dev: letter(group("dev_l"), group("dev_n")),
            local: group("local").map(|l| {
                l.split(['.', '_', '-'])
                    .map(|p| {
                        if js::number(p).is_nan() {
                            p.to_string()
                        } else {
                            js::number_to_string(js::number(p))
                        }
                    })
                    .collect()
            }),
        })
    }

    /// Pre-, post- or dev-release: such versions only ever get `{{version}}`/`{{raw}}`.
    pub(crate) fn is_unstable(&self) -> bool {
        self.pre.is_some() || self.post.is_some() || self.dev.is_some()
    }

    /// `clean()`: the normalised form (the library's, local parts joined by commas).
    pub(crate) fn clean(&self) -> String {
        let n = js::number_to_string;
        let mut out = String::new();
        if self.epoch != 0.0 {
            out.push_str(&format!("{}!", n(self.epoch)));
        }
        out.push_str(
            &self
                .release
                .iter()
                .map(|&r| n(r))
                .collect::<Vec<_>>()
                .join("."),
        );
        if let Some((l, v)) = &self.pre {
            out.push_str(&format!("{l}{}", n(*v)));
        }
        if let Some((l, v)) = &self.post {
            out.push_str(&format!(".{l}{}", n(*v)));
        }
        if let Some((l, v)) = &self.dev {
            out.push_str(&format!(".{l}{}", n(*v)));
        }
        if let Some(local) = &self.local {
            out.push_str(&format!("+{}", local.join(",")));
        }
        out
    }

    /// `major()`, `minor()`, `patch()`: release components, 0 when missing.
    pub(crate) fn release_part(&self, index: usize) -> f64 {
        self.release.get(index).copied().unwrap_or(0.0)
    }
}

/// The library's VERSION_PATTERN, applied to the ASCII-lowercased input (its regex is
/// case-insensitive over ASCII only, and every captured letter is lower-cased afterwards).
const PATTERN: &str = r"^v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)(?<pre>[-_\.]?(?<pre_l>(a|b|c|rc|alpha|beta|pre|preview))[-_\.]?(?<pre_n>[0-9]+)?)?(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_\.]?(?<post_l>post|rev|r)[-_\.]?(?<post_n2>[0-9]+)?))?(?<dev>[-_\.]?(?<dev_l>dev)[-_\.]?(?<dev_n>[0-9]+)?)?)(?:\+(?<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?$";

static VERSION: LazyLock<Option<regress::Regex>> =
    LazyLock::new(|| regress::Regex::new(PATTERN).ok());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_normalisation() {
        let c = |s: &str| Pep440::parse(s).map_or_else(|| "INVALID".into(), |v| v.clean());
        assert_eq!(c("v1.2.3"), "1.2.3");
        assert_eq!(c("1.2.3rc2"), "1.2.3rc2");
        assert_eq!(c("1.2.3post1"), "1.2.3.post1");
        assert_eq!(c("1.2.3beta2"), "1.2.3b2");
        assert_eq!(c("1.0dev4"), "1.0.dev4");
        assert_eq!(c("1.0-1"), "1.0.post1");
        assert_eq!(c("1!2.0.PREVIEW"), "1!2.0rc0");
        assert_eq!(c("1.0+Ubuntu.007"), "1.0+ubuntu,7");
        assert_eq!(c("1.02.3"), "1.2.3");
        assert_eq!(c("1.2.3-foo"), "INVALID");
    }

    #[test]
    fn pep440_release_parts_and_stability() {
        let v = Pep440::parse("1.2").unwrap();
        assert_eq!(
            (v.release_part(0), v.release_part(1), v.release_part(2)),
            (1.0, 2.0, 0.0)
        );
        assert!(!v.is_unstable());
        assert!(Pep440::parse("1.2a1").unwrap().is_unstable());
        assert!(Pep440::parse("1.2.post1").unwrap().is_unstable());
    }
}
