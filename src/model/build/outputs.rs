//! The `[outputs]` section: where each generated file goes, or `false` for none.
//!
//! Every output path follows the path rules ([`paths`]) and may not be registry.toml,
//! lie inside a version-control directory, hold a NUL or a line break, name an existing
//! directory (a file output) or an existing file (the Kubernetes directory), or overlap
//! another output; each problem is reported at the offending key's value.

use std::ops::Range;

use super::Builder;
use crate::config::raw::{OutputPath, RawConfig, Sp};
use crate::model::Outputs;
use crate::model::paths;

impl Builder<'_> {
    pub(super) fn outputs(&mut self, raw: &RawConfig, config_name: &str) -> Outputs {
        let o = raw.outputs.clone().unwrap_or_default();
        // Every output so far: its path, whether it is a directory, its span.
        let mut seen: Vec<(String, bool, Range<usize>)> = Vec::new();
        let mut one = |b: &mut Self, v: &Option<Sp<OutputPath>>, default: &str, dir: bool| {
            let (path, span) = match v {
                None => (default.to_string(), None),
                Some(Sp {
                    value: OutputPath::Off,
                    ..
                }) => return None,
                Some(Sp {
                    value: OutputPath::Path(p),
                    span,
                }) => {
                    let sp = Sp {
                        value: p.clone(),
                        span: span.clone(),
                    };
                    let path = b.rel_path(&sp, "output path")?;
                    (path, Some(span.clone()))
                }
            };
            // Defaults are checked too (a default may collide with a configured output),
            // but only configured paths have a place to report.
            let Some(span) = span else {
                seen.push((path.clone(), dir, 0..0));
                return Some(path);
            };
            if path == "." {
                b.error(
                    span,
                    "invalid output path",
                    "an output cannot be the repository root",
                );
                return None;
            }
            if let Some(problem) = paths::output_problem(&path, config_name) {
                b.error(
                    span,
                    format!("invalid output path `{}`", path.escape_debug()),
                    problem,
                );
                return None;
            }
            if let Ok(meta) = std::fs::metadata(b.root.join(&path)) {
                let wrong = if dir && !meta.is_dir() {
                    Some("a directory is expected here, but it is a file")
                } else if !dir && meta.is_dir() {
                    Some("a file is expected here, but it is a directory")
                } else {
                    None
                };
                if let Some(why) = wrong {
                    b.error(span, format!("invalid output path `{path}`"), why);
                    return None;
                }
            }
            seen.push((path.clone(), dir, span));
            Some(path)
        };
        let compose = one(self, &o.compose, "deploy/compose.yaml", false);
        // Only planned with the compose file it deploys; by default next to it
        // (`deploy/deploy.sh` for the default compose file).
        let deploy = compose.as_deref().and_then(|c| {
            let default = match c.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/deploy.sh"),
                None => "deploy.sh".to_string(),
            };
            one(self, &o.deploy, &default, false)
        });
        let outputs = Outputs {
            compose,
            deploy,
            k8s: one(self, &o.k8s, "deploy/k8s", true),
            env: one(self, &o.env, "deploy/.env.example", false),
            workflow: one(
                self,
                &o.workflow,
                ".github/workflows/ghcr-publish.yml",
                false,
            ),
            // Only planned with [retention]: its default path must not clash otherwise.
            retention: raw.retention.as_ref().and_then(|_| {
                one(
                    self,
                    &o.retention,
                    ".github/workflows/ghcr-retention.yml",
                    false,
                )
            }),
        };
        // Reported at the later key that has a place in registry.toml.
        for (i, (path, dir, span)) in seen.iter().enumerate() {
            if *span == (0..0) {
                continue;
            }
            let clash = seen
                .iter()
                .enumerate()
                .find(|(j, (other, other_dir, other_span))| {
                    *j != i
                        && (*j < i || *other_span == (0..0))
                        && overlap((path, *dir), (other, *other_dir))
                });
            if let Some((_, (other, _, _))) = clash {
                let (message, label) = if path == other {
                    (
                        format!("two outputs write `{path}`"),
                        "already used by another output".to_string(),
                    )
                } else {
                    (
                        format!("outputs `{path}` and `{other}` write the same file"),
                        format!("`{other}` already writes it or lies on its path"),
                    )
                };
                self.error(span.clone(), message, label);
            }
        }
        outputs
    }
}

/// Whether two outputs (path, is the Kubernetes directory) would write the same file: the
/// same path, a file output named like a Kubernetes file inside the Kubernetes directory,
/// or one output's file standing where the other needs a directory.
fn overlap(a: (&str, bool), b: (&str, bool)) -> bool {
    let k8s_file = |file: &str, dir: &str| {
        file.rsplit_once('/').map_or((".", file), |(d, n)| (d, n)).0 == dir
            && file.rsplit('/').next().is_some_and(|name| {
                name == "kustomization.yaml"
                    || name.ends_with("-deployment.yaml")
                    || name.ends_with("-service.yaml")
            })
    };
    match (a, b) {
        ((p, _), (q, _)) if p == q => true,
        ((file, false), (dir, true)) | ((dir, true), (file, false)) => {
            k8s_file(file, dir) || paths::is_within(dir, file)
        }
        ((p, false), (q, false)) => paths::is_within(p, q) || paths::is_within(q, p),
        _ => false,
    }
}
