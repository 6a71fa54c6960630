//! The integration tests: one binary (one link, one run), one module per concern.

mod support;

mod adopt_fixtures;
mod check_flow;
mod cli;
mod config_errors;
mod config_variants;
mod fixtures_validators;
mod hostile;
mod init_flow;
mod k8s_manifests;
mod loader_props;
mod parser_props;
mod pre_commit_hook;
mod rename_cli;
mod render_flow;
mod render_snapshots;
mod retention_render;
mod rewrite_apply;
mod rewrite_fixtures;
mod rewrite_props;
mod rewrite_rules;
mod rewrite_scan;
mod schema;
mod setup_reader;
mod tags_checkout;
mod tags_cli;
mod validators_selftest;
mod workflow_conditions;
mod workflow_render;
mod workflow_scripts;
mod workflow_validators;
