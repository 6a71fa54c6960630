//! The loader never panics: arbitrary bytes, arbitrary TOML documents, and arbitrary values
//! under every known key all end in a model or in diagnostics with a location.

use std::path::Path;

use proptest::prelude::*;

fn load(bytes: &[u8]) -> Result<ghcr_gen::model::Model, Vec<ghcr_gen::diagnostic::Diagnostic>> {
    ghcr_gen::load::parse(
        bytes,
        "registry.toml",
        Path::new("/nonexistent-root"),
        "registry.toml",
    )
}

/// Arbitrary TOML values, nested a little.
fn toml_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        "[ -~]{0,12}".prop_map(|s| toml_edit::Value::from(s).to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("3.5".to_string()),
        Just("\"linux/arm64\"".to_string()),
        Just("\"{repo}-{service}\"".to_string()),
        Just("\"../x\"".to_string()),
        Just("false".to_string()),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-z_]{1,8}", inner), 0..3).prop_map(|kv| {
                let body: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", body.join(", "))
            }),
        ]
    })
}

const KEYS: &[&str] = &[
    "registry",
    "also",
    "namespace",
    "owner",
    "repo",
    "suffix",
    "image",
    "default_branch",
    "platforms",
    "renamed_from",
    "services",
    "outputs",
    "tags",
    "workflow",
    "k8s",
    "templates",
    "rename",
    "services.web",
    "services.web.port",
    "services.web.env",
    "services.web.context",
    "services.web.registry",
    "services.web.also",
    "services.web.platforms",
    "services.web.image",
    "services.web.target",
    "services.web.build_args",
    "services.web.variant",
    "services.web.tags",
    "services.web.tags.rules",
    "services.web.tags.flavor",
    "services.api.image",
    "services.api.variant",
    "outputs.compose",
    "outputs.k8s",
    "tags.rules",
    "tags.per_arch",
    "tags.arch_tag",
    "workflow.runners",
    "workflow.pins",
    "k8s.replicas",
    "rename.exclude",
];

fn check(result: Result<ghcr_gen::model::Model, Vec<ghcr_gen::diagnostic::Diagnostic>>) {
    if let Err(diags) = result {
        assert!(!diags.is_empty());
        for d in diags {
            // Every diagnostic renders, and names the file.
            let text = d.render(false);
            assert!(text.contains("registry.toml") || d.file.is_none(), "{text}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(load(&bytes));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        check(load(text.as_bytes()));
    }

    #[test]
    fn arbitrary_values_under_known_keys_never_panic(
        entries in prop::collection::vec((prop::sample::select(KEYS), toml_value()), 0..8),
        with_identity in any::<bool>(),
    ) {
        let mut doc = String::new();
        if with_identity {
            doc.push_str("owner = \"acme\"\nrepo = \"app\"\n");
        }
        for (key, value) in entries {
            doc.push_str(&format!("{key} = {value}\n"));
        }
        check(load(doc.as_bytes()));
    }

    #[test]
    fn arbitrary_strings_as_names_never_panic(
        owner in "\\PC{0,45}", repo in "\\PC{0,20}", suffix in "\\PC{0,10}",
        image in "\\PC{0,20}", service in "[a-z{}/.-]{1,12}", branch in "\\PC{0,12}",
    ) {
        let q = |s: &str| toml_edit::Value::from(s).to_string();
        let doc = format!(
            "owner = {}\nrepo = {}\nsuffix = {}\nimage = {}\ndefault_branch = {}\n[services.{}]\n",
            q(&owner), q(&repo), q(&suffix), q(&image), q(&branch), q(&service)
        );
        let result = load(doc.as_bytes());
        if let Ok(model) = &result {
            // A model that loads names only valid images.
            for s in &model.services {
                let path = format!("{}/{}", model.owner_lc, s.package);
                prop_assert!(ghcr_gen::model::naming::check_oci_path(&path).is_ok(), "{}", path);
            }
        }
        check(result);
    }
}
