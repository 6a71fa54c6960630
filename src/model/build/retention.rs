//! The `[retention]` section: how many tagged versions the generated cleanup workflow keeps,
//! which tags it never deletes, and when it runs.

use super::Builder;
use crate::config::raw::RawConfig;
use crate::model::{Retention, Schedule, naming};

/// Tagged versions kept when `keep` is not set.
const DEFAULT_KEEP: u32 = 10;

impl Builder<'_> {
    pub(super) fn retention(&mut self, raw: &RawConfig, registry: &str) -> Option<Retention> {
        let r = raw.retention.as_ref()?;
        if registry != super::DEFAULT_REGISTRY {
            let span = raw.registry.as_ref().map_or(0..0, |r| r.span.clone());
            self.error_help(
                span,
                "[retention] needs ghcr.io",
                format!(
                    "the cleanup workflow deletes GHCR package versions, not `{registry}` ones"
                ),
                "remove [retention] or publish to ghcr.io",
            );
        }
        // A service published elsewhere has no GHCR package to clean up.
        let elsewhere = raw
            .services
            .iter()
            .flat_map(|s| &s.value)
            .filter_map(|(_, svc)| {
                svc.registry
                    .as_ref()
                    .filter(|r| r.value != super::DEFAULT_REGISTRY)
            });
        for r in elsewhere.collect::<Vec<_>>() {
            self.error_help(
                r.span.clone(),
                "[retention] needs ghcr.io",
                format!(
                    "the cleanup workflow deletes GHCR package versions, not `{}` ones",
                    r.value
                ),
                "remove [retention] or publish every service to ghcr.io",
            );
        }
        let keep = match &r.keep {
            Some(k) if (1..=1000).contains(&k.value) => k.value as u32,
            Some(k) => {
                self.error_help(
                    k.span.clone(),
                    format!("keep = {} is out of range", k.value),
                    "1-1000",
                    "to delete every tagged version, delete the package instead",
                );
                DEFAULT_KEEP
            }
            None => DEFAULT_KEEP,
        };
        let schedule = match &r.schedule {
            Some(s) => Schedule::parse(&s.value).unwrap_or_else(|| {
                self.error(
                    s.span.clone(),
                    format!("unknown schedule `{}`", s.value),
                    format!("one of {}", Schedule::NAMES.join(", ")),
                );
                Schedule::Weekly
            }),
            None => Schedule::Weekly,
        };
        let keep_tags = match &r.keep_tags {
            Some(list) => list
                .value
                .iter()
                .filter(|t| self.check(t, "tag pattern", check_tag_pattern))
                .map(|t| t.value.clone())
                .collect(),
            None => vec!["latest".to_string()],
        };
        Some(Retention {
            keep,
            untagged: r.untagged.as_ref().is_none_or(|u| u.value),
            schedule,
            keep_tags,
            dry_run_default: r.dry_run_default.as_ref().is_none_or(|d| d.value),
        })
    }
}

/// A tag, or a tag pattern with `*` and `?` wildcards (ghcr-cleanup-action's syntax).
fn check_tag_pattern(s: &str) -> Result<(), &'static str> {
    let literal: String = s
        .chars()
        .map(|c| if matches!(c, '*' | '?') { 'x' } else { c })
        .collect();
    if naming::is_valid_tag(&literal) {
        Ok(())
    } else {
        Err("a tag, or a tag pattern with * and ? wildcards")
    }
}
