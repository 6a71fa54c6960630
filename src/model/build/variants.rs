//! A service's build inputs (`target`, `build_args`), its `variant` and its own tag policy
//! (`[services.X.tags]`), and the rule that services sharing one image are variants told
//! apart by distinct tags: each has a distinct variant, and no sample event gives two of
//! them the same tag (computed with the metadata-action engine).

use std::collections::BTreeMap;

use metadata_action::{GitContext, Inputs};

use super::Builder;
use super::tags::{DEFAULT_FLAVOR, DEFAULT_RULES};
use crate::config::raw::{RawConfig, RawService, Sp};
use crate::diagnostic::Diagnostic;
use crate::model::{Service, ServiceTags, TagPolicy, naming};

/// Longest variant accepted: the suffix must leave room for the tag in 128 characters.
pub(crate) const MAX_VARIANT: usize = 48;

/// The default rule whose own `suffix=` would replace a variant's; for a variant service
/// the variant is appended to it (`main-0123abc-web`).
const SHA_SUFFIX: &str = "suffix=-{{sha}}";

/// Where a service came from in the file: its name, variant and image template.
pub(super) struct Origin {
    pub name: Sp<String>,
    pub variant: Option<Sp<String>>,
    pub template: Option<Sp<String>>,
}

/// The build inputs, variant and tag inputs of one service, validated.
pub(super) struct Extras {
    pub target: Option<String>,
    pub build_args: Vec<(String, String)>,
    pub variant: Option<String>,
    pub tags: ServiceTags,
}

impl Builder<'_> {
    /// Reads `target`, `build_args`, `variant` and `[services.X.tags]` of `svc`.
    pub(super) fn service_extras(
        &mut self,
        raw: &RawConfig,
        svc: &RawService,
        global: &TagPolicy,
    ) -> Extras {
        let target = svc.target.as_ref().and_then(|t| {
            let ok = !t.value.is_empty()
                && t.value.len() <= 128
                && t.value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if ok {
                Some(t.value.clone())
            } else {
                self.error_help(
                    t.span.clone(),
                    format!("invalid build target `{}`", t.value),
                    "a Dockerfile stage name: letters, digits, '-', '_' and '.'",
                    "set `target` to the name after `AS` in a `FROM ... AS NAME` line",
                );
                None
            }
        });
        let mut build_args = Vec::new();
        if let Some(table) = &svc.build_args {
            for (name, value) in &table.value {
                let name_ok = self.check(name, "build argument name", check_arg_name);
                let value_ok = !value.value.chars().any(char::is_control);
                if !value_ok {
                    self.error_help(
                        value.span.clone(),
                        format!("invalid value of build argument `{}`", name.value),
                        "contains a line break or control character",
                        "build-push-action reads one NAME=VALUE per line; keep the value on one line",
                    );
                }
                if name_ok && value_ok {
                    build_args.push((name.value.clone(), value.value.clone()));
                }
            }
        }
        let variant = svc
            .variant
            .as_ref()
            .filter(|v| self.check(v, "variant", check_variant))
            .map(|v| v.value.clone());
        let own = svc.tags.as_ref();
        let rules_set = own.and_then(|t| t.rules.as_ref()).is_some()
            || raw.tags.as_ref().and_then(|t| t.rules.as_ref()).is_some();
        let mut rules = match own.and_then(|t| t.rules.as_ref()) {
            Some(_) => self.tag_lines(
                &own.and_then(|t| t.rules.clone()),
                DEFAULT_RULES,
                metadata_action::check_tag_line,
            ),
            None => global.rules.clone(),
        };
        let mut flavor = match own.and_then(|t| t.flavor.as_ref()) {
            Some(_) => self.tag_lines(
                &own.and_then(|t| t.flavor.clone()),
                DEFAULT_FLAVOR,
                metadata_action::check_flavor_line,
            ),
            None => global.flavor.clone(),
        };
        if let (Some(v), Some(span)) = (&variant, svc.variant.as_ref().map(|s| s.span.clone())) {
            if let Some(line) = flavor.iter().find(|l| sets_suffix(l)) {
                self.error_help(
                    span,
                    format!("variant `{v}` and a flavor suffix"),
                    format!("the flavor line `{line}` sets the suffix the variant sets"),
                    "remove `suffix=` from the flavor, or remove `variant`",
                );
            } else {
                flavor.push(format!("suffix=-{v},onlatest=true"));
            }
            if !rules_set {
                // The default `<branch>-<sha>` rule carries its own suffix, which would
                // replace the variant's: end it with the variant.
                for rule in &mut rules {
                    *rule = rule.replace(SHA_SUFFIX, &format!("{SHA_SUFFIX}-{v}"));
                }
            }
        }
        Extras {
            target,
            build_args,
            variant,
            tags: ServiceTags { rules, flavor },
        }
    }

    /// Services publishing one image must be variants: each with a distinct variant, and
    /// no two of them pushing the same tag for a push to a publishing branch, a `v1.2.3`
    /// tag or a pull request. `spans` holds each service's (name, variant) spans.
    pub(super) fn check_variants(
        &mut self,
        services: &[Service],
        spans: &[Origin],
        default_branch: &str,
        branches: &[String],
    ) {
        let mut by_image: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, s) in services.iter().enumerate() {
            if !s.image.is_empty() {
                by_image.entry(&s.image).or_default().push(i);
            }
        }
        for (image, members) in by_image {
            if members.len() < 2 {
                continue;
            }
            let first = members[0];
            let mut ok = true;
            for &i in &members[1..] {
                let (name, variant) = (&spans[i].name, &spans[i].variant);
                let (first_name, first_variant) = (&spans[first].name, &spans[first].variant);
                match (&services[first].variant, &services[i].variant) {
                    (Some(a), Some(b)) if a == b => {
                        ok = false;
                        let here = variant
                            .as_ref()
                            .map_or(name.span.clone(), |v| v.span.clone());
                        let mut d = Diagnostic::error(
                            self.file,
                            here,
                            format!(
                                "services `{}` and `{}` publish {image} with the same variant `{b}`",
                                first_name.value, name.value
                            ),
                        )
                        .label("same variant as another service of this image")
                        .help("give each service publishing this image a distinct `variant`");
                        if let Some(fv) = first_variant {
                            d = d.secondary(
                                fv.span.clone(),
                                format!("`{}` uses it", first_name.value),
                            );
                        }
                        self.diags.push(d);
                    }
                    (Some(_), Some(_)) => {}
                    _ => {
                        ok = false;
                        let mut d = Diagnostic::error(
                            self.file,
                            name.span.clone(),
                            format!(
                                "services `{}` and `{}` both publish {image}",
                                first_name.value, name.value
                            ),
                        )
                        .label("same image as another service")
                        .help(
                            "give the image template a {service} placeholder, set `image` in one service, \
                             or give each service a distinct `variant` (a tag suffix)",
                        )
                        .secondary(
                            first_name.span.clone(),
                            format!("`{}` publishes it too", first_name.value),
                        );
                        let mut templates: Vec<&Sp<String>> = Vec::new();
                        for t in [&spans[first].template, &spans[i].template]
                            .into_iter()
                            .flatten()
                        {
                            if !templates.iter().any(|u| u.span == t.span) {
                                templates.push(t);
                            }
                        }
                        for t in templates {
                            d = d.secondary(
                                t.span.clone(),
                                format!("this template gives `{}`", services[i].package),
                            );
                        }
                        self.diags.push(d);
                    }
                }
            }
            if ok {
                self.check_distinct_tags(services, spans, &members, default_branch, branches);
            }
        }
    }

    /// Computes the tags of every variant of one image for sample events and reports the
    /// first tag two of them would both push.
    fn check_distinct_tags(
        &mut self,
        services: &[Service],
        spans: &[Origin],
        members: &[usize],
        default_branch: &str,
        branches: &[String],
    ) {
        let now: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("valid time");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let mut events: Vec<(&str, String)> = vec![
            ("push", format!("refs/heads/{default_branch}")),
            ("push", "refs/tags/v1.2.3".to_string()),
            ("pull_request", "refs/pull/1/merge".to_string()),
        ];
        for b in branches {
            if b != default_branch && !b.contains(['*', '?', '[', '!']) {
                events.push(("push", format!("refs/heads/{b}")));
            }
        }
        for (event, git_ref) in events {
            let ctx = GitContext::event(event, git_ref.clone(), sha, default_branch, now);
            let mut pushed: BTreeMap<String, usize> = BTreeMap::new();
            for &i in members {
                let s = &services[i];
                let inputs = Inputs {
                    images: vec![s.image.clone()],
                    tags: Some(s.tags.rules.clone()),
                    flavor: s.tags.flavor.clone(),
                };
                let Ok(meta) = metadata_action::compute(&inputs, &ctx) else {
                    continue;
                };
                for tag in meta.tags {
                    if let Some(&other) = pushed.get(&tag) {
                        let (name, variant) = (&spans[i].name, &spans[i].variant);
                        let here = variant
                            .as_ref()
                            .map_or(name.span.clone(), |v| v.span.clone());
                        self.diags.push(
                            Diagnostic::error(
                                self.file,
                                here,
                                format!(
                                    "variants `{}` and `{}` would both push {tag}",
                                    spans[other].name.value, name.value
                                ),
                            )
                            .label(format!("on {event} of {git_ref}"))
                            .help(
                                "a tag rule with its own `suffix=` replaces the variant's suffix: \
                                 end that suffix with the variant (e.g. suffix=-{{sha}}-VARIANT), \
                                 or give the services their own [services.NAME.tags] rules",
                            ),
                        );
                        return;
                    }
                    pushed.insert(tag, i);
                }
            }
        }
    }
}

/// Build argument names: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn check_arg_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a build argument name ([A-Za-z_][A-Za-z0-9_]*)"
        ))
    }
}

/// Variants: what may follow `-` in a tag, `[A-Za-z0-9_.-]`, starting with a letter or
/// digit, at most [`MAX_VARIANT`] characters.
pub(crate) fn check_variant(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("empty: a variant is the tag suffix after '-', e.g. \"web\"".into());
    }
    if v.len() > MAX_VARIANT {
        return Err(format!("longer than {MAX_VARIANT} characters"));
    }
    if !v.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("must start with a letter or digit".into());
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c)))
    {
        return Err(format!("{c:?} cannot be in a tag"));
    }
    debug_assert!(naming::is_valid_tag(&format!("latest-{v}")));
    Ok(())
}

/// Whether a flavor line sets `suffix` (metadata-action flavor entries are comma-separated
/// `key=value`).
fn sets_suffix(line: &str) -> bool {
    line.split([',', '\n']).any(|entry| {
        entry
            .split('=')
            .next()
            .is_some_and(|k| k.trim() == "suffix")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_argument_names_follow_shell_variable_syntax() {
        assert!(check_arg_name("NODE_ENV").is_ok());
        assert!(check_arg_name("_x1").is_ok());
        assert!(check_arg_name("1X").is_err());
        assert!(check_arg_name("A-B").is_err());
        assert!(check_arg_name("").is_err());
    }

    #[test]
    fn variants_are_tag_suffixes() {
        assert!(check_variant("web").is_ok());
        assert!(check_variant("v2.collector_x").is_ok());
        assert!(check_variant("").is_err());
        assert!(check_variant("-web").is_err());
        assert!(check_variant("a/b").is_err());
        assert!(check_variant(&"a".repeat(MAX_VARIANT + 1)).is_err());
    }

    #[test]
    fn flavor_suffix_is_found_among_entries() {
        assert!(sets_suffix("suffix=-x"));
        assert!(sets_suffix("latest=auto, suffix=-x"));
        assert!(!sets_suffix("latest=auto"));
        assert!(!sets_suffix("prefix=suffix-"));
    }
}
