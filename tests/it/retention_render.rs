//! The generated cleanup workflow (`[retention]`): rendered only with the table, multi-arch
//! safe settings of dataaxiom/ghcr-cleanup-action, least privilege, and a dry-run input
//! whose default is what scheduled runs do.

use crate::support::shapes;
use ghcr_gen::model::Model;
use ghcr_gen::render::{Target, Templates, retention};
use yaml_serde::Value;

const BASE: &str = "owner = \"Acme-Labs\"\nrepo = \"shop\"\n[services.api]\n[services.web]\n";

fn render(model: &Model) -> Option<(String, Value)> {
    let templates = Templates::load(None).unwrap();
    retention::render(model, &templates).unwrap().map(|file| {
        assert_eq!(file.target, Target::Retention);
        assert_eq!(Some(&file.path), model.outputs.retention.as_ref());
        let doc = yaml_serde::from_str(&file.contents).unwrap();
        (file.contents, doc)
    })
}

fn cleanup_inputs(doc: &Value) -> &Value {
    let steps = doc["jobs"]["clean"]["steps"].as_sequence().unwrap();
    assert_eq!(steps.len(), 1);
    assert!(
        steps[0]["uses"]
            .as_str()
            .unwrap()
            .starts_with("dataaxiom/ghcr-cleanup-action@")
    );
    &steps[0]["with"]
}

#[test]
fn no_retention_table_no_cleanup_workflow() {
    assert!(render(&shapes::from_toml(BASE)).is_none());
    let off = format!("{BASE}[retention]\n[outputs]\nretention = false\n");
    assert!(render(&shapes::from_toml(&off)).is_none());
}

#[test]
fn cleanup_keeps_n_tagged_versions_of_every_package_and_validates_multi_arch_images() {
    let model = shapes::fixture("supply-chain");
    let (text, doc) = render(&model).expect("cleanup workflow");
    assert!(ghcr_gen::render::has_header(&text));
    let with = cleanup_inputs(&doc);
    assert_eq!(with["owner"].as_str(), Some("acme-labs"));
    assert_eq!(with["packages"].as_str(), Some("ledger-api,ledger-migrate"));
    assert_eq!(with["keep-n-tagged"].as_u64(), Some(5));
    assert_eq!(with["exclude-tags"].as_str(), Some("latest,v*"));
    assert_eq!(with["delete-untagged"].as_bool(), Some(true));
    assert_eq!(with["validate"].as_bool(), Some(true));
    assert_eq!(
        doc["on"]["schedule"][0]["cron"].as_str(),
        Some("17 3 * * 1")
    );
}

#[test]
fn cleanup_job_alone_may_write_packages() {
    let (_, doc) = render(&shapes::fixture("supply-chain")).unwrap();
    assert!(doc["permissions"].as_mapping().unwrap().is_empty());
    let perms = doc["jobs"]["clean"]["permissions"].as_mapping().unwrap();
    let perms: Vec<(&str, &str)> = perms
        .iter()
        .map(|(k, v)| (k.as_str().unwrap(), v.as_str().unwrap()))
        .collect();
    assert_eq!(perms, [("contents", "read"), ("packages", "write")]);
    assert!(doc["jobs"]["clean"]["timeout-minutes"].as_u64().is_some());
}

#[test]
fn scheduled_runs_follow_dry_run_default_and_a_manual_run_can_override_it() {
    for (default, expr) in [
        (
            true,
            "${{ github.event_name != 'workflow_dispatch' || inputs.dry_run }}",
        ),
        (
            false,
            "${{ github.event_name == 'workflow_dispatch' && inputs.dry_run }}",
        ),
    ] {
        let text = format!("{BASE}[retention]\ndry_run_default = {default}\n");
        let (_, doc) = render(&shapes::from_toml(&text)).unwrap();
        let input = &doc["on"]["workflow_dispatch"]["inputs"]["dry_run"];
        assert_eq!(input["type"].as_str(), Some("boolean"));
        assert_eq!(input["default"].as_bool(), Some(default));
        assert_eq!(cleanup_inputs(&doc)["dry-run"].as_str(), Some(expr));
    }
}

#[test]
fn retention_defaults_keep_ten_tagged_versions_and_latest_weekly_as_dry_runs() {
    let (_, doc) = render(&shapes::from_toml(&format!("{BASE}[retention]\n"))).unwrap();
    let with = cleanup_inputs(&doc);
    assert_eq!(with["keep-n-tagged"].as_u64(), Some(10));
    assert_eq!(with["exclude-tags"].as_str(), Some("latest"));
    assert_eq!(with["delete-untagged"].as_bool(), Some(true));
    assert_eq!(
        doc["on"]["workflow_dispatch"]["inputs"]["dry_run"]["default"].as_bool(),
        Some(true)
    );
    assert_eq!(
        doc["on"]["schedule"][0]["cron"].as_str(),
        Some("17 3 * * 1")
    );
}

#[test]
fn without_retention_its_default_path_is_free_for_another_output() {
    let text = format!("{BASE}[outputs]\nworkflow = \".github/workflows/ghcr-retention.yml\"\n");
    let model = shapes::from_toml(&text);
    assert_eq!(model.outputs.retention, None);
    assert!(render(&model).is_none());
}
