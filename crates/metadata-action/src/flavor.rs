//! The `flavor` input: `latest=auto|true|false` and a global `prefix`/`suffix`, each with an
//! optional `onlatest=true|false` saying whether it also decorates the `latest` tag.

use super::TagError;
use super::input;

/// When the `latest` tag is generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Latest {
    /// For `type=ref,event=tag`, `type=match` and non-prerelease semver/pep440 rules.
    Auto,
    Always,
    Never,
}

/// The parsed `flavor` input.
#[derive(Clone, Debug)]
pub(crate) struct Flavor {
    pub latest: Latest,
    pub prefix: String,
    pub prefix_latest: bool,
    pub suffix: String,
    pub suffix_latest: bool,
}

impl Flavor {
    /// Parses every flavor entry in order, later entries overriding earlier ones.
    pub(crate) fn parse(entries: &[String]) -> Result<Flavor, TagError> {
        let mut flavor = Flavor {
            latest: Latest::Auto,
            prefix: String::new(),
            prefix_latest: false,
            suffix: String::new(),
            suffix_latest: false,
        };
        for entry in entries {
            flavor.apply(entry)?;
        }
        Ok(flavor)
    }

    /// Applies one entry (`key=value` fields; every `=` splits, the second part is the value).
    pub(crate) fn apply(&mut self, entry: &str) -> Result<(), TagError> {
        let fields = input::fields(entry)?.ok_or_else(|| TagError::new("s is not iterable"))?;
        let mut onlatest_for = "";
        for field in &fields {
            let parts: Vec<&str> = field.split('=').map(super::js::trim).collect();
            let [key, value, ..] = parts[..] else {
                return Err(TagError::new(format!("Invalid flavor entry: {entry}")));
            };
            match key.to_lowercase().as_str() {
                "latest" => {
                    self.latest = match value {
                        "auto" => Latest::Auto,
                        "true" => Latest::Always,
                        "false" => Latest::Never,
                        _ => {
                            return Err(TagError::new(format!(
                                "Invalid latest flavor entry: {entry}"
                            )));
                        }
                    }
                }
                "prefix" => {
                    self.prefix = value.to_string();
                    onlatest_for = "prefix";
                }
                "suffix" => {
                    self.suffix = value.to_string();
                    onlatest_for = "suffix";
                }
                "onlatest" => {
                    let on = match value {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(TagError::new(format!(
                                "Invalid value for onlatest attribute: {value}"
                            )));
                        }
                    };
                    match onlatest_for {
                        "prefix" => self.prefix_latest = on,
                        "suffix" => self.suffix_latest = on,
                        _ => {}
                    }
                }
                _ => return Err(TagError::new(format!("Unknown flavor entry: {entry}"))),
            }
        }
        Ok(())
    }

    /// The `latest` tag with the prefix/suffix that apply to it (before sanitising).
    pub(crate) fn latest_tag(&self) -> String {
        let prefix = if self.prefix_latest {
            self.prefix.as_str()
        } else {
            ""
        };
        let suffix = if self.suffix_latest {
            self.suffix.as_str()
        } else {
            ""
        };
        format!("{prefix}latest{suffix}")
    }

    /// The `latest` value for a rule: `auto` yields the rule's own answer.
    pub(crate) fn latest_for(&self, auto: bool) -> bool {
        match self.latest {
            Latest::Auto => auto,
            Latest::Always => true,
            Latest::Never => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(entry: &str) -> String {
        Flavor::parse(&[entry.to_string()]).unwrap_err().message
    }

    #[test]
    fn onlatest_applies_to_the_preceding_prefix_or_suffix() {
        let f = Flavor::parse(&["prefix=p-,onlatest=true".into(), "suffix=-s".into()]).unwrap();
        assert_eq!(f.latest_tag(), "p-latest");
        let f = Flavor::parse(&["onlatest=true,suffix=-s".into()]).unwrap();
        assert_eq!(f.latest_tag(), "latest");
    }

    #[test]
    fn flavor_keys_are_case_insensitive_and_values_cut_at_the_second_equals() {
        let f = Flavor::parse(&["PREFIX=a=b".into()]).unwrap();
        assert_eq!(f.prefix, "a");
    }

    #[test]
    fn flavor_errors_use_the_actions_messages() {
        assert_eq!(err("latest=yes"), "Invalid latest flavor entry: latest=yes");
        assert_eq!(
            err("latest=True"),
            "Invalid latest flavor entry: latest=True"
        );
        assert_eq!(
            err("suffix=-x,onlatest=yes"),
            "Invalid value for onlatest attribute: yes"
        );
        assert_eq!(err("nightly"), "Invalid flavor entry: nightly");
        assert_eq!(err("foo=bar"), "Unknown flavor entry: foo=bar");
    }
}
