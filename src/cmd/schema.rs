//! `ghcr-gen schema`: the JSON Schema of registry.toml, generated from the config types.

use crate::config::RawConfig;
use crate::exit::Exit;
use crate::report::Report;

/// The schema as pretty-printed JSON (draft-07) with a final newline.
pub fn schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<RawConfig>();
    let mut value = serde_json::to_value(&schema).expect("schema serializes");
    drop_null(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("schema serializes");
    text.push('\n');
    text
}

/// Runs `ghcr-gen schema`.
pub fn run(report: &mut Report) -> Result<Exit, super::Error> {
    report.output(schema_json());
    Ok(Exit::Ok)
}

/// TOML has no null: an optional key is simply absent, so `"type": ["string", "null"]`
/// becomes `"type": "string"` and `{"type": "null"}` alternatives disappear.
fn drop_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(alts)) = map.get_mut(key) {
                    alts.retain(|a| a.get("type").is_none_or(|t| t != "null"));
                    if alts.len() == 1 {
                        let only = alts.remove(0);
                        map.remove(key);
                        if let Value::Object(inner) = only {
                            for (k, v) in inner {
                                map.entry(k).or_insert(v);
                            }
                        }
                    }
                }
            }
            if map.get("default").is_some_and(Value::is_null) {
                map.remove("default");
            }
            map.values_mut().for_each(drop_null);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}
