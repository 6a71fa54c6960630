//! The `[tags]` section: docker/metadata-action rules and flavor, publishing branches and
//! per-arch tags.

use metadata_action::TagError;

use super::Builder;
use crate::config::raw::{RawConfig, Sp};
use crate::model::placeholder::expand;
use crate::model::{TagPolicy, naming};

/// Default tag rules: the branch name on each publishing branch and `<branch>-<short sha>`
/// (branch events only, so tag pushes never get a `-<sha>` tag), the version and
/// major.minor on `v*` tags, `pr-N` on pull requests (built, never pushed), and `latest`
/// on the default branch (with `latest=auto`, also on stable version tags).
pub(super) const DEFAULT_RULES: &[&str] = &[
    "type=ref,event=branch",
    "type=ref,event=branch,suffix=-{{sha}}",
    "type=semver,pattern={{version}}",
    "type=semver,pattern={{major}}.{{minor}}",
    "type=ref,event=pr",
    "type=raw,value=latest,enable={{is_default_branch}}",
];
/// Default flavor: metadata-action's `latest=auto`.
pub(super) const DEFAULT_FLAVOR: &[&str] = &["latest=auto"];

impl Builder<'_> {
    pub(super) fn tags(&mut self, raw: &RawConfig, default_branch: &str) -> TagPolicy {
        let t = raw.tags.clone().unwrap_or_default();
        let rules = self.tag_lines(&t.rules, DEFAULT_RULES, metadata_action::check_tag_line);
        let flavor = self.tag_lines(
            &t.flavor,
            DEFAULT_FLAVOR,
            metadata_action::check_flavor_line,
        );
        let branches = match &t.branches {
            None => vec![default_branch.to_string()],
            Some(list) => {
                if list.value.is_empty() {
                    self.error_help(
                        list.span.clone(),
                        "empty branch list",
                        "no branch would publish",
                        "list the branches whose pushes publish images",
                    );
                }
                list.value
                    .iter()
                    .filter(|b| self.check(b, "branch name", naming::check_branch_filter))
                    .map(|b| b.value.clone())
                    .collect()
            }
        };
        let arch_tag = match &t.arch_tag {
            None => "{tag}-{arch}".to_string(),
            Some(a) => {
                match expand(&a.value, &[("tag", "1.0.0"), ("arch", "amd64")]) {
                    Err(why) => self.error_help(a.span.clone(), "invalid arch_tag", why, "placeholders are {tag} and {arch}"),
                    Ok(_) if !a.value.contains("{tag}") || !a.value.contains("{arch}") => self.error(
                        a.span.clone(),
                        "invalid arch_tag",
                        "must contain both {tag} and {arch}",
                    ),
                    Ok(sample) if !naming::is_valid_tag(&sample) => self.error(
                        a.span.clone(),
                        "invalid arch_tag",
                        format!("yields `{sample}`, not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})"),
                    ),
                    Ok(_) => {}
                }
                a.value.clone()
            }
        };
        TagPolicy {
            rules,
            flavor,
            branches,
            per_arch: t.per_arch.as_ref().is_some_and(|p| p.value),
            arch_tag,
        }
    }

    /// metadata-action input lines (`tags` or `flavor`), each checked as the action parses
    /// it; `default` when the key is not set.
    pub(super) fn tag_lines(
        &mut self,
        v: &Option<Sp<Vec<Sp<String>>>>,
        default: &[&str],
        check: fn(&str) -> Result<(), TagError>,
    ) -> Vec<String> {
        match v {
            None => default.iter().map(|s| s.to_string()).collect(),
            Some(list) => list
                .value
                .iter()
                .filter(|l| match check(&l.value) {
                    Ok(()) => true,
                    Err(why) => {
                        self.error(
                            l.span.clone(),
                            why.to_string(),
                            "rejected by docker/metadata-action",
                        );
                        false
                    }
                })
                .map(|l| l.value.clone())
                .collect(),
        }
    }
}
