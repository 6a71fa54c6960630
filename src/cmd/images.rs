//! `ghcr-gen images`: what the config publishes, one entry per service — its full image
//! reference, platforms, build inputs, mirrors and variant — as a table or as JSON for
//! tools.

use std::path::Path;

use serde::Serialize;

use crate::exit::Exit;
use crate::model::{Model, Service};
use crate::report::Report;

/// Options of `ghcr-gen images`.
#[derive(Debug)]
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    /// Print a JSON array instead of the table.
    pub json: bool,
}

/// One published image, as `--format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageEntry {
    /// The service's name in registry.toml.
    pub service: String,
    /// Full image reference without tag, e.g. `ghcr.io/acme/shop-api`.
    pub image: String,
    /// buildx platforms, normalised (`linux/arm` is `linux/arm/v7`).
    pub platforms: Vec<String>,
    /// Build context relative to registry.toml.
    pub context: String,
    /// Dockerfile relative to registry.toml.
    pub dockerfile: String,
    /// Multi-stage build target; `null` for the last stage.
    pub target: Option<String>,
    /// Mirror references pushed with the same tags.
    pub also: Vec<String>,
    /// Tag suffix of a variant; `null` when the service has none.
    pub variant: Option<String>,
}

impl ImageEntry {
    /// The entry of one service.
    pub fn of(service: &Service) -> ImageEntry {
        ImageEntry {
            service: service.name.clone(),
            image: service.image.clone(),
            platforms: service.platforms.iter().map(ToString::to_string).collect(),
            context: service.context.clone(),
            dockerfile: service.dockerfile.clone(),
            target: service.target.clone(),
            also: service.mirrors.iter().map(|m| m.image.clone()).collect(),
            variant: service.variant.clone(),
        }
    }
}

/// The entries of every service, in config order.
pub fn entries(model: &Model) -> Vec<ImageEntry> {
    model.services.iter().map(ImageEntry::of).collect()
}

/// Runs `ghcr-gen images`.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, super::Error> {
    let model = super::load_model(opts.cwd, opts.config)?;
    let entries = entries(&model);
    if opts.json {
        let text = serde_json::to_string_pretty(&entries).expect("json serializes");
        report.output(text + "\n");
    } else {
        report.output(table(&entries));
    }
    Ok(Exit::Ok)
}

/// The human table: one row per service, columns padded to their widest cell; empty
/// values show as `-`, lists are comma-separated.
pub fn table(entries: &[ImageEntry]) -> String {
    const HEADER: [&str; 8] = [
        "SERVICE",
        "IMAGE",
        "VARIANT",
        "PLATFORMS",
        "CONTEXT",
        "DOCKERFILE",
        "TARGET",
        "ALSO",
    ];
    let dash = |s: Option<&String>| s.map_or("-".to_string(), Clone::clone);
    let list = |l: &[String]| {
        if l.is_empty() {
            "-".to_string()
        } else {
            l.join(",")
        }
    };
    let mut rows: Vec<[String; 8]> = vec![HEADER.map(str::to_string)];
    for e in entries {
        rows.push([
            e.service.clone(),
            e.image.clone(),
            dash(e.variant.as_ref()),
            list(&e.platforms),
            e.context.clone(),
            e.dockerfile.clone(),
            dash(e.target.as_ref()),
            list(&e.also),
        ]);
    }
    let mut widths = [0usize; 8];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_columns_and_dashes_empty_values() {
        let entries = [ImageEntry {
            service: "api".into(),
            image: "ghcr.io/acme/shop-api".into(),
            platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
            context: ".".into(),
            dockerfile: "Dockerfile".into(),
            target: None,
            also: vec![],
            variant: Some("web".into()),
        }];
        let text = table(&entries);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("SERVICE  IMAGE                  VARIANT"));
        assert!(lines[1].starts_with("api      ghcr.io/acme/shop-api  web"));
        assert!(lines[1].ends_with("Dockerfile  -       -"), "{text}");
    }
}
