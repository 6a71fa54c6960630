//! The GitHub Actions cleanup workflow (`[retention]`): deletes old versions of every
//! service's GHCR package with dataaxiom/ghcr-cleanup-action, safely for multi-arch images.
//!
//! The action counts tagged images (a multi-platform index is one), keeps every platform
//! manifest and attestation a kept index refers to, and deletes untagged versions only when
//! nothing kept refers to them; its `validate` option checks the remaining indexes
//! afterwards. Scheduled runs are dry runs unless `dry_run_default = false`; a manual run
//! chooses with its `dry_run` input. Least privilege: `packages: write` in the one job.

use serde::Serialize;

use crate::model::{Model, Retention};
use crate::render::{PlannedFile, Target, TemplateError, Templates, header};

/// The template rendering the cleanup workflow.
pub const TEMPLATE: &str = "retention.yml.j2";

/// `timeout-minutes` of the cleanup job.
pub const TIMEOUT_MINUTES: u32 = 30;

/// Everything the cleanup template needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionContext {
    /// Registry host (always `ghcr.io`: the model rejects `[retention]` elsewhere).
    pub registry: String,
    /// Package owner, lowercase.
    pub owner: String,
    /// Comma-separated package names, one per service, in model order.
    pub packages: String,
    /// Tagged versions kept per package.
    pub keep: u32,
    /// Comma-separated tag patterns never deleted; empty for none.
    pub exclude_tags: String,
    /// Whether untagged versions nothing kept refers to are deleted.
    pub untagged: bool,
    /// The schedule's name (`weekly`), for the comment.
    pub schedule: String,
    /// The cron expression.
    pub cron: &'static str,
    /// Default of the manual run's `dry_run` input, and what scheduled runs do.
    pub dry_run_default: bool,
    /// The expression giving the action's `dry-run` input (without `${{ }}`).
    pub dry_run_expr: &'static str,
    /// [`TIMEOUT_MINUTES`].
    pub timeout: u32,
    /// Pinned `uses:` values.
    pub uses: RetentionUses,
}

/// Pinned `uses:` values of the cleanup workflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionUses {
    /// dataaxiom/ghcr-cleanup-action.
    pub cleanup: String,
}

impl RetentionContext {
    /// The context for `retention` over `model`'s services.
    pub fn new(model: &Model, retention: &Retention) -> RetentionContext {
        RetentionContext {
            registry: model.registry.clone(),
            owner: model.owner_lc.clone(),
            // Variants share one package: named once.
            packages: model
                .services
                .iter()
                .map(|s| s.package.as_str())
                .fold(Vec::new(), |mut out: Vec<&str>, p| {
                    if !out.contains(&p) {
                        out.push(p);
                    }
                    out
                })
                .join(","),
            keep: retention.keep,
            exclude_tags: retention.keep_tags.join(","),
            untagged: retention.untagged,
            schedule: retention.schedule.name().to_string(),
            cron: retention.schedule.cron(),
            dry_run_default: retention.dry_run_default,
            // A scheduled run has no inputs: it takes the default. `a && b || c` would turn
            // a manual `false` into the default, hence one form per default.
            dry_run_expr: if retention.dry_run_default {
                "github.event_name != 'workflow_dispatch' || inputs.dry_run"
            } else {
                "github.event_name == 'workflow_dispatch' && inputs.dry_run"
            },
            timeout: TIMEOUT_MINUTES,
            uses: RetentionUses {
                cleanup: model.workflow.pins.uses("dataaxiom/ghcr-cleanup-action"),
            },
        }
    }
}

/// Renders the cleanup workflow to `model.outputs.retention`, header first; `Ok(None)`
/// without `[retention]` or with the output turned off (the model has no path then).
pub fn render(model: &Model, templates: &Templates) -> Result<Option<PlannedFile>, TemplateError> {
    let (Some(retention), Some(path)) = (&model.retention, &model.outputs.retention) else {
        return Ok(None);
    };
    let body = templates.render(TEMPLATE, &RetentionContext::new(model, retention))?;
    Ok(Some(PlannedFile {
        path: path.clone(),
        contents: format!("{}{body}", header(model)),
        target: Target::Retention,
    }))
}
