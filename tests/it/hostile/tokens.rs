//! Hostile-input tests: tokens. No command ever prints a GitHub token (check in either
//! format, render --check/--diff, the rename dry run, config errors, paths); every format
//! is detected (Docker `auth` blobs, UTF-16, glued after `_`, installation JWTs) and
//! placeholders are not. Tokens are built at run time: no token-shaped literal is
//! committed.
//!
//! Also the time bounds of `check` and the loader on hostile sizes (item 11): each case
//! runs at `n` and `4n` and the larger may take at most 8 times as long (linear, with
//! room for noise; the quadratic code took 16 times), and the template fuel limit.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::run::ghcr_gen;
use crate::support::tree::temp_tree;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Random-looking base62 from `seed`.
fn random(seed: u32, n: usize) -> String {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(99);
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            BASE62[(state >> 16) as usize % 62] as char
        })
        .collect()
}

/// CRC-32 (IEEE, reflected, the checksum of zip and PNG), bit by bit: the checksum the
/// last six characters of a classic GitHub token encode.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A token of `prefix`'s format that passes GitHub's checks (checksum; random-looking
/// where there is none), derived from `seed`: never a real token.
pub(crate) fn github_token(prefix: &str, seed: u32) -> String {
    if prefix.starts_with("github_") {
        return format!("{prefix}{}_{}", random(seed, 22), random(seed + 1, 59));
    }
    let body = random(seed, 30);
    let mut n = crc32(body.as_bytes());
    let mut sum = [b'0'; 6];
    for slot in sum.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    format!("{prefix}{body}{}", String::from_utf8(sum.to_vec()).unwrap())
}

/// A classic personal access token (prefix spelled in pieces).
fn pat(seed: u32) -> String {
    github_token(&format!("gh{}_", "p"), seed)
}

/// A GitHub App installation token of the 2026 format: `ghs_<APPID>_<JWT>`.
fn installation_token(seed: u32) -> String {
    let part = |s: u32, n: usize| random(s, n).replace('7', "-").replace('Q', "_");
    format!(
        "gh{}_{}_eyJ{}.{}.{}",
        "s",
        1_234_567,
        part(seed, 33),
        part(seed + 1, 310),
        part(seed + 2, 170)
    )
}

fn base64(bytes: &[u8]) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, &b)| a | u32::from(b) << (16 - 8 * i));
        for i in 0..=c.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// Both streams of `out`.
fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Neither stream holds `secret` past its first 4 characters.
fn assert_not_printed(out: &Output, secret: &str) {
    let all = both(out);
    assert!(!all.contains(&secret[4..]), "a token was printed:\n{all}");
}

// One service with an earlier name, no outputs: only the files planted are checked.
use crate::check_flow::NO_OUTPUTS as CONFIG;

const WITH_OUTPUTS: &str = "owner = \"acme-labs\"\nrepo = \"axon-doc\"\n";

#[test]
fn check_json_masks_a_token_after_a_tab_in_a_drifted_generated_file() {
    let dir = temp_tree(&[("registry.toml", WITH_OUTPUTS)]);
    assert!(ghcr_gen(dir.path(), &["render"]).status.success());
    let t = pat(1);
    let env = dir.path().join("deploy/.env.example");
    let mut text = std::fs::read_to_string(&env).unwrap();
    text.push_str(&format!("GH_TOKEN=\t{t}\n"));
    std::fs::write(&env, text).unwrap();
    let out = ghcr_gen(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_not_printed(&out, &t);
}

#[test]
fn render_check_and_diff_mask_tokens_on_diff_lines() {
    let dir = temp_tree(&[("registry.toml", WITH_OUTPUTS)]);
    assert!(ghcr_gen(dir.path(), &["render"]).status.success());
    let t = pat(2);
    let compose = dir.path().join("deploy/compose.yaml");
    let mut text = std::fs::read_to_string(&compose).unwrap();
    text.push_str(&format!("# GH_TOKEN={t}\n"));
    std::fs::write(&compose, text).unwrap();
    for mode in ["--check", "--diff"] {
        let out = ghcr_gen(dir.path(), &["render", mode]);
        assert_not_printed(&out, &t);
        assert!(
            both(&out).contains("-# GH_TOKEN=ghp_****"),
            "{}",
            both(&out)
        );
    }
}

#[test]
fn rename_dry_run_masks_a_token_on_a_changed_line() {
    let t = pat(3);
    let script = format!("docker login -p {t} && docker pull ghcr.io/acme-labs/axon-doc:v1\n");
    let dir = temp_tree(&[("registry.toml", CONFIG), ("deploy.sh", &script)]);
    for format in ["diff", "json"] {
        let out = ghcr_gen(
            dir.path(),
            &["rename", "--suffix", "-api", "--format", format],
        );
        assert!(out.status.success(), "{out:?}");
        assert_not_printed(&out, &t);
        if format == "diff" {
            assert!(both(&out).contains("ghp_****"), "{}", both(&out));
        }
    }
}

#[test]
fn config_errors_of_render_rename_and_tags_mask_a_pasted_token() {
    let t = pat(4);
    let config = format!("owner = \"{t}\"\nrepo = \"axon-doc\"\n");
    let dir = temp_tree(&[("registry.toml", &config)]);
    for args in [
        &["render"][..],
        &["render", "--check"],
        &["rename", "--suffix", "-x"],
        &["tags", "--event", "push", "--ref", "refs/heads/main"],
        &["check"],
    ] {
        let out = ghcr_gen(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert_not_printed(&out, &t);
        assert!(both(&out).contains("ghp_****"), "{}", both(&out));
    }
}

#[test]
fn a_token_used_as_a_directory_name_is_masked_by_check() {
    let t = pat(5);
    let file = format!("{t}/notes.md");
    let dir = temp_tree(&[
        ("registry.toml", CONFIG),
        (&file, "docker pull ghcr.io/acme-labs/axon-doc-web\n"),
    ]);
    for format in ["text", "json"] {
        let out = ghcr_gen(dir.path(), &["check", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert_not_printed(&out, &t);
    }
}

#[test]
fn a_docker_config_auth_blob_is_found_and_masked_whole() {
    let blob = base64(format!("ci-bot:{}", pat(6)).as_bytes());
    let json =
        format!("{{\n  \"auths\": {{\n    \"ghcr.io\": {{ \"auth\": \"{blob}\" }}\n  }}\n}}\n");
    let dir = temp_tree(&[("registry.toml", CONFIG), ("docker/config.json", &json)]);
    let out = ghcr_gen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let all = both(&out);
    assert!(!all.contains(&blob[4..]), "{all}");
    assert!(all.contains("docker/config.json:3:27"), "{all}");
    assert!(
        all.contains("GitHub personal access token (classic) in plain text"),
        "{all}"
    );
}

#[test]
fn utf16_files_are_decoded_for_the_token_search() {
    let t = pat(7);
    let text = format!("$env:GH_TOKEN = \"{t}\"\r\n");
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le.iter().copied()).collect();
    for (name, bytes) in [("le.ps1", le), ("be.ps1", be), ("bom.ps1", bom)] {
        let dir = temp_tree(&[("registry.toml", CONFIG)]);
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let out = ghcr_gen(dir.path(), &["check", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", both(&out));
        assert!(both(&out).contains("\"kind\": \"secret\""), "{name}");
        assert_not_printed(&out, &t);
    }
}

#[test]
fn a_token_glued_after_an_underscore_is_found() {
    let t = pat(8);
    let dir = temp_tree(&[
        ("registry.toml", CONFIG),
        ("ci.env", &format!("TOKEN_{t}\n")),
    ]);
    let out = ghcr_gen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(both(&out).contains("ci.env:1:7"), "{}", both(&out));
    assert_not_printed(&out, &t);
}

#[test]
fn an_installation_token_with_a_jwt_is_found_and_masked_whole() {
    let t = installation_token(9);
    assert!(t.len() > 500);
    let dir = temp_tree(&[
        ("registry.toml", CONFIG),
        ("ci.sh", &format!("export GH_TOKEN={t}\n")),
    ]);
    let out = ghcr_gen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        both(&out).contains("GitHub App installation token"),
        "{}",
        both(&out)
    );
    assert_not_printed(&out, &t);
    // Not even the JWT's last part survives.
    assert!(!both(&out).contains(&t[t.len() - 40..]));
}

#[test]
fn documentation_placeholders_and_test_fakes_are_not_leaks() {
    let fake_checksum = {
        let mut t = pat(10);
        let last = if t.ends_with('A') { "B" } else { "A" };
        t.replace_range(t.len() - 1.., last);
        t
    };
    let jwt = format!("{}.{}.{}", "a".repeat(40), "b".repeat(200), "c".repeat(80));
    let docs = format!(
        "Set GH_TOKEN=gh{p}_{x}\nor gh{p}_{digits}\nsanitizer test: {fake_checksum}\n\
         fine-grained: github_{pat}_{a}_{b}\nghs_1_{jwt}\n",
        p = "p",
        pat = "pat",
        x = "x".repeat(36),
        digits = &"1234567890abcdef".repeat(3)[..36],
        a = "11AAAAAAAAAAAAAAAAAAAA",
        b = "x".repeat(59),
    );
    let dir = temp_tree(&[("registry.toml", CONFIG), ("README.md", &docs)]);
    let out = ghcr_gen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
}

// --- item 11: linear time ------------------------------------------------------------

/// Wall time of `ghcr-gen args` in `dir`, with its output.
fn timed(dir: &Path, args: &[&str]) -> (Duration, Output) {
    let start = Instant::now();
    let out = ghcr_gen(dir, args);
    (start.elapsed(), out)
}

/// Runs `make(n)` then `make(4n)` and asserts the second took at most 8 times as long
/// (plus a floor for process start) and under `bound`.
fn assert_linear(what: &str, n: usize, bound: Duration, run: impl Fn(usize) -> Duration) {
    // The faster of two runs: the machine may be busy with other work.
    let small = run(n).min(run(n));
    let large = run(4 * n).min(run(4 * n));
    let floor = Duration::from_millis(150);
    assert!(
        large <= (small + floor) * 8,
        "{what}: {n} took {small:?}, {} took {large:?} (more than 8 times: not linear)",
        4 * n
    );
    assert!(large < bound, "{what}: {} took {large:?}", 4 * n);
}

#[test]
fn check_is_linear_in_the_references_of_one_file() {
    assert_linear(
        "references, one per line",
        20_000,
        Duration::from_secs(20),
        |n| {
            let body = "image: ghcr.io/acme-labs/axon-doc-nextjs:v1\n".repeat(n);
            let dir = temp_tree(&[("registry.toml", CONFIG), ("many.yaml", &body)]);
            let (t, out) = timed(dir.path(), &["check"]);
            assert_eq!(out.status.code(), Some(0), "{}", both(&out));
            t
        },
    );
}

#[test]
fn check_is_linear_in_the_references_of_one_long_line() {
    assert_linear(
        "references on one line",
        5_000,
        Duration::from_secs(20),
        |n| {
            let mut body = "x".repeat(1000).repeat(n / 5);
            body.push_str(&" ghcr.io/acme-labs/axon-doc-nextjs:v1".repeat(n));
            let dir = temp_tree(&[("registry.toml", CONFIG), ("one-line.txt", &body)]);
            let (t, out) = timed(dir.path(), &["check"]);
            assert_eq!(out.status.code(), Some(0), "{}", both(&out));
            t
        },
    );
}

#[test]
fn check_is_linear_in_the_findings_on_one_long_line() {
    assert_linear(
        "stale names on one line",
        1_000,
        Duration::from_secs(20),
        |n| {
            let mut body = "x".repeat(1000).repeat(n);
            body.push_str(&" ghcr.io/acme-labs/axon-doc-web:v1".repeat(n));
            let dir = temp_tree(&[("registry.toml", CONFIG), ("one-line.txt", &body)]);
            let (text, out) = timed(dir.path(), &["check"]);
            assert_eq!(out.status.code(), Some(1));
            let (json, out) = timed(dir.path(), &["check", "--format", "json"]);
            assert_eq!(out.status.code(), Some(1));
            text + json
        },
    );
}

#[test]
fn config_errors_are_linear_in_duplicate_platforms() {
    assert_linear("duplicate platforms", 500, Duration::from_secs(20), |n| {
        let list = vec!["\"linux/amd64\""; n].join(", ");
        let config = format!("{WITH_OUTPUTS}platforms = [{list}]\n");
        let dir = temp_tree(&[("registry.toml", &config)]);
        let (t, out) = timed(dir.path(), &["render", "--check"]);
        assert_eq!(out.status.code(), Some(2));
        t
    });
}

#[test]
fn config_errors_are_linear_in_unknown_keys() {
    assert_linear("unknown keys", 1_000, Duration::from_secs(20), |n| {
        let mut config = String::from(WITH_OUTPUTS);
        for i in 0..n {
            config.push_str(&format!("unknown_key_{i} = 1\n"));
        }
        let dir = temp_tree(&[("registry.toml", &config)]);
        let (t, out) = timed(dir.path(), &["render", "--check"]);
        assert_eq!(out.status.code(), Some(2));
        t
    });
}

#[test]
fn binary_files_cost_the_probe_not_their_size() {
    // Sparse 1 GB files: reading one whole would take seconds and a gigabyte of memory.
    let dir = temp_tree(&[("registry.toml", CONFIG)]);
    for i in 0..4 {
        let f = std::fs::File::create(dir.path().join(format!("blob{i}.bin"))).unwrap();
        f.set_len(1 << 30).unwrap();
    }
    let (t, out) = timed(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(
        t < Duration::from_secs(3),
        "check took {t:?} over four 1 GB binary files"
    );
}

#[test]
fn a_runaway_template_loop_stops_with_a_clear_error() {
    let config = format!("{WITH_OUTPUTS}\n[templates]\ndir = \"tpl\"\n");
    let template =
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n";
    let dir = temp_tree(&[("registry.toml", &config), ("tpl/env.j2", template)]);
    let (t, out) = timed(dir.path(), &["render"]);
    assert_eq!(out.status.code(), Some(2), "{}", both(&out));
    let all = both(&out);
    assert!(
        all.contains("template env.j2") && all.contains("loops too long"),
        "{all}"
    );
    assert!(t < Duration::from_secs(30), "{t:?}");
}
