//! `ghcr-gen schema`: the JSON Schema of registry.toml, generated from the config types.

use crate::config::RawConfig;
use crate::exit::Exit;
use crate::report::Report;

/// The schema as pretty-printed JSON (draft-07) with a final newline.
pub fn schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<RawConfig>();
    let mut text = serde_json::to_string_pretty(&schema).expect("schema serializes");
    text.push('\n');
    text
}

/// Runs `ghcr-gen schema`.
pub fn run() -> Report {
    let mut report = Report::new(Exit::Ok);
    report.output(schema_json());
    report
}
