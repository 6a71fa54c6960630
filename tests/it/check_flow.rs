//! End-to-end `ghcr-gen check` flows that transcripts cannot hold: GitHub tokens (built at
//! run time, so no token-shaped string is ever committed) that must never reach stdout or
//! stderr in either format, filled-in env files tracked by git, the JSON shape of drift,
//! and config errors reported exactly as `render` reports them.

use std::process::Output;

use crate::support::run::{ghcr_gen, ghcr_gen_command, git};
use crate::support::tree::temp_tree;
use snapbox::cmd::Command as SnapCommand;
use snapbox::str;

/// A token of `prefix`'s format with a body derived from `seed` (never a real token; with
/// a valid checksum, or random-looking where there is none).
fn token(prefix: &str, seed: u32) -> String {
    crate::hostile::tokens::github_token(prefix, seed)
}

/// Every token prefix, spelled in pieces so this file holds no token-shaped literal.
fn prefixes() -> Vec<String> {
    ["p", "o", "u", "s", "r"]
        .iter()
        .map(|k| format!("gh{k}_"))
        .chain([format!("github_{}_", "pat")])
        .collect()
}

/// Neither stream holds any of `secrets` (nor their bodies after the prefix).
fn assert_never_printed(out: &Output, secrets: &[String]) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for s in secrets {
        let body = &s[s.find('_').unwrap() + 1..];
        for (name, stream) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert!(!stream.contains(body), "a token reached {name}:\n{stream}");
        }
    }
}

fn json(out: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub(crate) const NO_OUTPUTS: &str = r#"owner = "acme-labs"
repo = "axon-doc"

[services.nextjs]
renamed_from = ["ghcr.io/acme-labs/axon-doc-web"]

[outputs]
compose = false
k8s = false
env = false
workflow = false
"#;

const WITH_OUTPUTS: &str = r#"owner = "Acme-Labs"
repo = "axon-doc"

[services.nextjs]
port = 3000
env = ["DATABASE_URL"]

[services.crawler]
context = "crawler"
"#;

#[test]
fn every_token_format_is_found_and_never_printed_in_either_format() {
    let dir = temp_tree(&[("registry.toml", NO_OUTPUTS)]);
    let tokens: Vec<String> = prefixes()
        .iter()
        .enumerate()
        .map(|(i, p)| token(p, i as u32))
        .collect();
    let mut notes = String::from("# credentials someone pasted\n");
    for (i, t) in tokens.iter().enumerate() {
        notes.push_str(&format!("TOKEN_{i}={t}\n"));
    }
    std::fs::write(dir.path().join("notes.env"), notes).unwrap();
    // A token on the same line as another finding: the snippet shows the line, masked.
    let stale_and_token = token(&prefixes()[0], 99);
    std::fs::write(
        dir.path().join("deploy.sh"),
        format!(
            "docker login -u ci -p {stale_and_token} && docker pull ghcr.io/acme-labs/axon-doc-web\n"
        ),
    )
    .unwrap();
    let mut all = tokens.clone();
    all.push(stale_and_token);

    let text = ghcr_gen(dir.path(), &["check"]);
    assert_eq!(text.status.code(), Some(1), "{text:?}");
    assert_never_printed(&text, &all);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains(&format!("TOKEN_0=gh{}_{}", "p", "*".repeat(36))),
        "{stderr}"
    );
    assert!(stderr.contains("-p ghp_****"), "{stderr}");

    let out = ghcr_gen(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_never_printed(&out, &all);
    let findings = json(&out);
    let secrets: Vec<_> = findings.iter().filter(|f| f["kind"] == "secret").collect();
    assert_eq!(secrets.len(), 7, "{findings:#?}");
    let kinds: Vec<&str> = secrets
        .iter()
        .filter(|f| f["path"] == "notes.env")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "GitHub personal access token (classic) in plain text",
            "GitHub OAuth access token in plain text",
            "GitHub user-to-server token in plain text",
            "GitHub server-to-server token in plain text",
            "GitHub refresh token in plain text",
            "GitHub fine-grained personal access token in plain text",
        ]
    );
    assert_eq!(
        (secrets[0]["line"].as_u64(), secrets[0]["column"].as_u64()),
        (Some(1), Some(23))
    );
    assert!(findings.iter().any(|f| f["kind"] == "stale-name"));
}

#[test]
fn secret_finding_reads_like_a_compiler_error_with_the_value_masked() {
    let dir = temp_tree(&[
        ("registry.toml", NO_OUTPUTS),
        (
            "ci.sh",
            &format!("export GH_TOKEN={}\n", token(&prefixes()[0], 7)),
        ),
    ]);
    SnapCommand::from_std(ghcr_gen_command(dir.path(), &["check"]))
        .assert()
        .code(1)
        .stdout_eq(str![""])
        .stderr_eq(str![[r#"
error: GitHub personal access token (classic) in plain text
 --> ci.sh:1:17
  |
1 | export GH_TOKEN=ghp_************************************
  |                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ `ghp_…` token (value hidden)
  |
help: revoke it now (GitHub → Settings → Developer settings), remove it from the file and its history, and read it from the environment or a secret store instead
checked 2 file(s) and 0 generated file(s): 1 error(s)

"#]]);
}

#[test]
fn a_token_in_a_drifted_generated_file_is_masked_in_the_diff() {
    let dir = temp_tree(&[("registry.toml", WITH_OUTPUTS)]);
    assert!(ghcr_gen(dir.path(), &["render"]).status.success());
    let t = token(&prefixes()[1], 3);
    let compose = dir.path().join("deploy/compose.yaml");
    let mut text = std::fs::read_to_string(&compose).unwrap();
    text.push_str(&format!("# GH_TOKEN={t}\n"));
    std::fs::write(&compose, text).unwrap();
    for format in ["text", "json"] {
        let out = ghcr_gen(dir.path(), &["check", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert_never_printed(&out, std::slice::from_ref(&t));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("GH_TOKEN=gho_****"), "{all}");
    }
}

#[test]
fn config_errors_are_reported_exactly_as_render_reports_them() {
    let dir = temp_tree(&[(
        "registry.toml",
        "owner = \"acme labs\"\nrepo = \"axon-doc\"\nplatforms = [\"linux/amd65\"]\n",
    )]);
    let render = ghcr_gen(dir.path(), &["render"]);
    let check = ghcr_gen(dir.path(), &["check"]);
    assert_eq!(check.status.code(), Some(2));
    assert_eq!(render.status.code(), Some(2));
    assert_eq!(check.stderr, render.stderr);
    assert!(check.stdout.is_empty());
}

#[test]
fn config_errors_never_echo_a_token() {
    let t = token(&prefixes()[0], 11);
    let config = format!("owner = \"{t}\"\nrepo = \"axon-doc\"\n");
    let dir = temp_tree(&[("registry.toml", &config)]);
    for format in ["text", "json"] {
        let out = ghcr_gen(dir.path(), &["check", "--format", format]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert_never_printed(&out, std::slice::from_ref(&t));
    }
}

#[test]
fn a_filled_in_env_file_tracked_by_git_is_a_secret_finding() {
    let dir = temp_tree(&[
        ("registry.toml", WITH_OUTPUTS),
        (".gitignore", "deploy/.env\n"),
    ]);
    let root = dir.path();
    git(root, &["init", "-q"]);
    assert!(ghcr_gen(root, &["render"]).status.success());
    std::fs::write(
        root.join("deploy/.env"),
        "DATABASE_URL=postgres://app:hunter2@db/app\n",
    )
    .unwrap();
    git(root, &["add", "."]);

    // Present but ignored and untracked: fine.
    let out = ghcr_gen(root, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    git(root, &["add", "-f", "deploy/.env"]);
    SnapCommand::from_std(ghcr_gen_command(root, &["check"]))
        .assert()
        .code(1)
        .stdout_eq(str![""])
        .stderr_eq(str![[r#"
error: deploy/.env is tracked by git: it is the filled-in env file and holds secrets
--> deploy/.env
 |
help: run `git rm --cached deploy/.env`, add it to .gitignore and rotate every secret it held; only the template deploy/.env.example belongs in git
checked 10 file(s) and 8 generated file(s): 1 error(s)

"#]]);
    let out = ghcr_gen(root, &["check", "--format", "json"]);
    let findings = json(&out);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["kind"], "secret");
    assert_eq!(findings[0]["path"], "deploy/.env");
    assert!(findings[0]["line"].is_null());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));

    // With paths, as pre-commit passes them: only when the env file is among them.
    assert_eq!(
        ghcr_gen(root, &["check", "deploy/.env"]).status.code(),
        Some(1)
    );
    assert_eq!(
        ghcr_gen(root, &["check", "./deploy/../deploy/.env"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ghcr_gen(root, &["check", "registry.toml"]).status.code(),
        Some(0)
    );
    // From a subdirectory the path is relative to it.
    assert_eq!(
        ghcr_gen(&root.join("deploy"), &["check", ".env"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn json_drift_findings_carry_the_diff() {
    let dir = temp_tree(&[("registry.toml", WITH_OUTPUTS)]);
    assert!(ghcr_gen(dir.path(), &["render"]).status.success());
    let compose = dir.path().join("deploy/compose.yaml");
    let text = std::fs::read_to_string(&compose).unwrap();
    std::fs::write(&compose, text.replace("unless-stopped", "always")).unwrap();
    std::fs::remove_file(dir.path().join("deploy/k8s/kustomization.yaml")).unwrap();
    let out = ghcr_gen(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty(), "{out:?}");
    let findings = json(&out);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let compose = &findings[0];
    assert_eq!(compose["kind"], "drift");
    assert_eq!(compose["path"], "deploy/compose.yaml");
    assert_eq!(compose["line"], 9);
    assert!(
        compose["diff"]
            .as_str()
            .unwrap()
            .contains("-    restart: always\n+    restart: unless-stopped\n")
    );
    let missing = &findings[1];
    assert_eq!(missing["path"], "deploy/k8s/kustomization.yaml");
    assert_eq!(
        missing["message"],
        "generated file deploy/k8s/kustomization.yaml is missing"
    );
    assert!(missing["line"].is_null());
    assert!(missing["diff"].as_str().unwrap().contains("new file mode"));
}

#[test]
fn paths_that_do_not_exist_are_noted_not_failed() {
    let dir = temp_tree(&[("registry.toml", NO_OUTPUTS)]);
    let out = ghcr_gen(dir.path(), &["check", "gone.md"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "note: gone.md does not exist; skipped\nchecked 0 file(s) and 0 generated file(s): no findings\n"
    );
}

#[test]
fn a_file_named_twice_is_reported_once() {
    let dir = temp_tree(&[
        ("registry.toml", NO_OUTPUTS),
        ("docs/a.md", "ghcr.io/acme-labs/axon-doc-web\n"),
    ]);
    let out = ghcr_gen(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "docs",
            "docs/a.md",
            "./docs/a.md",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out).len(), 1, "{out:?}");
}

/// The release-tag-without-tag-trigger finding (`tests/cmd/check-no-tag-trigger.toml`)
/// fires on none of the project's own fixtures: every `fixtures/adopt/*` repository once
/// adopted (the triggers then come from its hand-written workflow), and every fixture
/// holding a `registry.toml` (the generated workflow always runs for `v*` tags).
#[test]
fn no_tag_trigger_finding_fires_on_no_project_fixture() {
    use crate::support::run::ghcr_gen_text;
    use crate::support::tree::{crate_path, temp_copy};
    let mut roots = Vec::new();
    for (name, owner, repo) in crate::support::shapes::ADOPT_FIXTURES {
        let work = temp_copy(&crate_path(&format!("fixtures/adopt/{name}")));
        let args = ["adopt", "--write", "--owner", owner, "--repo", repo];
        let (code, _, err) = ghcr_gen_text(work.path(), &args);
        assert_eq!(code, 0, "{name}: {err}");
        roots.push((name.to_string(), work));
    }
    for entry in std::fs::read_dir(crate_path("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        if path.join("registry.toml").is_file() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            roots.push((name, temp_copy(&path)));
        }
    }
    assert!(
        roots.len() > 12,
        "no fixture with a registry.toml was found"
    );
    for (name, work) in &roots {
        let (code, _, err) = ghcr_gen_text(work.path(), &["check"]);
        assert!(code < 2, "{name}: {err}");
        assert!(!err.contains("never runs for a git tag"), "{name}: {err}");
    }
}

/// Test fixtures hold fake tokens on purpose: there only a token passing the real
/// checksum (the classic formats) is a leaked secret; the same fakes elsewhere are
/// reported. Documentation placeholders are never tokens.
#[test]
fn test_fixtures_report_only_checksummed_tokens_and_placeholders_never() {
    let dir = temp_tree(&[("registry.toml", NO_OUTPUTS)]);
    let fine = token(&prefixes()[5], 7);
    let classic = token(&prefixes()[0], 8);
    let fakes = format!("FINE={fine}\nCLASSIC={classic}\n");
    let placeholders = format!(
        "export GH_TOKEN={p}<your-token>\nexport GH_TOKEN={p}...\nexport GH_TOKEN={p}{x}\nexport GH_TOKEN={f}{X}\n",
        p = prefixes()[0],
        x = "x".repeat(36),
        f = prefixes()[5],
        X = "X".repeat(82),
    );
    for (rel, text) in [
        ("tests/fixtures/login.env", fakes.as_str()),
        ("internal/auth/login_test.go", fakes.as_str()),
        ("web/login.test.ts", fakes.as_str()),
        ("deploy/login.env", fakes.as_str()),
        ("docs/setup.md", placeholders.as_str()),
    ] {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = ghcr_gen(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_never_printed(&out, &[fine, classic]);
    let mut secrets: Vec<(String, u64)> = json(&out)
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    secrets.sort();
    let want: Vec<(String, u64)> = [
        ("deploy/login.env", 1),
        ("deploy/login.env", 2),
        ("internal/auth/login_test.go", 2),
        ("tests/fixtures/login.env", 2),
        ("web/login.test.ts", 2),
    ]
    .iter()
    .map(|(p, l)| ((*p).to_string(), *l))
    .collect();
    assert_eq!(secrets, want);
}
