//! The JSON Schema is generated from the config types; the checked-in copy must be current,
//! and the loader must read every key the schema documents.

use std::path::Path;

use ghcr_gen::cmd::schema::schema_json;

#[test]
fn checked_in_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/registry.schema.json");
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(
        on_disk == schema_json(),
        "schema/registry.schema.json is stale: run `cargo run -- schema > schema/registry.schema.json`"
    );
}

/// Every property path of the schema, e.g. `services.*.port`, `workflow.pins.*.sha`.
fn schema_paths(schema: &serde_json::Value) -> Vec<String> {
    fn walk(
        node: &serde_json::Value,
        defs: &serde_json::Value,
        prefix: &str,
        out: &mut Vec<String>,
    ) {
        let node = match node.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => &defs[r.trim_start_matches("#/definitions/")],
            None => node,
        };
        if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
            for (key, child) in props {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.push(path.clone());
                walk(child, defs, &path, out);
            }
        }
        if let Some(extra) = node.get("additionalProperties").filter(|a| a.is_object()) {
            out.push(format!("{prefix}.*"));
            walk(extra, defs, &format!("{prefix}.*"), out);
        }
    }
    let mut out = Vec::new();
    walk(schema, &schema["definitions"], "", &mut out);
    out
}

/// Every key path of a TOML table, with map keys (service names, platforms) as `*`.
fn toml_paths(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    const MAPS: &[&str] = &[
        "services",
        "workflow.runners",
        "workflow.pins",
        "services.*.build_args",
    ];
    for (key, value) in table {
        let key = if MAPS.contains(&prefix) {
            "*"
        } else {
            key.as_str()
        };
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        out.push(path.clone());
        if let toml::Value::Table(t) = value {
            toml_paths(t, &path, out);
        }
    }
}

#[test]
fn full_fixture_sets_every_schema_key_and_loads() {
    let schema: serde_json::Value = serde_json::from_str(&schema_json()).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/full/registry.toml");
    let text = std::fs::read_to_string(&fixture).unwrap();
    let mut used = Vec::new();
    toml_paths(&text.parse::<toml::Table>().unwrap(), "", &mut used);
    let mut schema_keys = schema_paths(&schema);
    // `renamed_from` at the top level is only for the implicit single image; the fixture has services.
    schema_keys.retain(|k| k != "renamed_from");
    for key in &schema_keys {
        assert!(
            used.contains(key),
            "fixtures/full/registry.toml does not set `{key}`"
        );
    }
    for key in &used {
        assert!(
            schema_keys.contains(key) || key == "renamed_from",
            "`{key}` is not in the schema"
        );
    }
    let model = ghcr_gen::load::load(&fixture, "registry.toml").unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(
        model.services[0].image,
        "ghcr.io/acme-labs/axon-doc-web-api"
    );
    assert_eq!(
        model.services[1].image,
        "ghcr.io/acme-labs/axon-doc-crawler-api"
    );
}
