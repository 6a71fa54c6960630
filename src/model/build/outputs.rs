//! The `[outputs]` section: where each generated file goes, or `false` for none.

use std::collections::BTreeMap;
use std::ops::Range;

use super::Builder;
use crate::config::raw::{OutputPath, RawConfig, Sp};
use crate::model::Outputs;

impl Builder<'_> {
    pub(super) fn outputs(&mut self, raw: &RawConfig) -> Outputs {
        let o = raw.outputs.clone().unwrap_or_default();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        let mut one = |b: &mut Self, v: &Option<Sp<OutputPath>>, default: &str| match v {
            None => Some(default.to_string()),
            Some(Sp {
                value: OutputPath::Off,
                ..
            }) => None,
            Some(Sp {
                value: OutputPath::Path(p),
                span,
            }) => {
                let sp = Sp {
                    value: p.clone(),
                    span: span.clone(),
                };
                let path = b.rel_path(&sp, "output path")?;
                if path == "." {
                    b.error(
                        span.clone(),
                        "invalid output path",
                        "an output cannot be the repository root",
                    );
                    return None;
                }
                if seen.insert(path.clone(), span.clone()).is_some() {
                    b.error(
                        span.clone(),
                        format!("two outputs write `{path}`"),
                        "already used by another output",
                    );
                }
                Some(path)
            }
        };
        Outputs {
            compose: one(self, &o.compose, "deploy/compose.yaml"),
            k8s: one(self, &o.k8s, "deploy/k8s"),
            env: one(self, &o.env, "deploy/.env.example"),
            workflow: one(self, &o.workflow, ".github/workflows/ghcr-publish.yml"),
            // Only planned with [retention]: its default path must not clash otherwise.
            retention: raw
                .retention
                .as_ref()
                .and_then(|_| one(self, &o.retention, ".github/workflows/ghcr-retention.yml")),
        }
    }
}
