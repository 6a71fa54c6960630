//! Properties of the matcher on generated text: renaming is idempotent, renaming back is
//! the identity, nothing outside a reference changes, and no input makes it panic.

use crate::support::renames::rewrite;
use ghcr_gen::rewrite::{Matcher, Placeholders, Rename};
use proptest::prelude::*;

fn renames() -> Vec<Rename> {
    vec![
        Rename::with_suffix(
            "ghcr.io",
            "Acme-Labs",
            "axon-doc",
            "axon-doc-nextjs",
            "-api",
        ),
        Rename::with_suffix(
            "ghcr.io",
            "Acme-Labs",
            "axon-doc",
            "axon-doc-crawler",
            "-api",
        ),
        Rename::with_suffix("ghcr.io", "Acme-Labs", "grok2api", "grok2api", "-api"),
        Rename::with_suffix("ghcr.io", "Acme-Labs", "mono", "team/api", "-v2"),
        Rename {
            host: "docker.io".into(),
            owner: "acme".into(),
            path: "old".into(),
            new_host: "ghcr.io".into(),
            new_owner: "New-Org".into(),
            new_path: "new".into(),
            repo: String::new(),
        },
    ]
}

fn reversed() -> Vec<Rename> {
    renames().iter().map(Rename::reversed).collect()
}

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop::sample::select(items).prop_map(str::to_owned)
}

/// A reference-shaped piece: host, owner and path each right, wrong or a variable.
fn image() -> impl Strategy<Value = String> {
    let host = pick(&[
        "ghcr.io/",
        "GHCR.io/",
        "docker.io/",
        "quay.io/",
        "${{ env.REGISTRY }}/",
        "$REGISTRY/",
        "ghcr.io\\/",
        "ghcr\\.io\\/",
        "https://ghcr.io/v2/",
        "",
    ]);
    let owner = pick(&[
        "acme-labs/",
        "Acme-Labs/",
        "ACME-LABS/",
        "acme/",
        "other/",
        "${OWNER}/",
        "$OWNER/",
        "${{ github.repository_owner }}/",
        "acme-labs\\/",
        "<owner>/",
        "your-username/",
        "OWNER\\/",
        "",
    ]);
    let path = pick(&[
        "axon-doc-nextjs",
        "axon-doc-crawler",
        "grok2api",
        "team/api",
        "old",
        "new",
        "axon-doc-nextjs-api",
        "axon-doc-nextjs2",
        "grok2api-api",
        "team/api-v2",
        "api",
    ]);
    let lead = pick(&["", " ", "\n", "\"", "x"]);
    let tail = pick(&[
        "",
        " ",
        ":latest",
        "@sha256:abab",
        ".",
        "\n",
        "-legacy",
        "2",
        "/",
        "\\/",
        "/manifests/latest",
        "/tags/list",
    ]);
    (lead, host, owner, path, tail).prop_map(|(l, h, o, p, t)| format!("{l}{h}{o}{p}{t}"))
}

/// `${{ github.repository }}`-shaped pieces, used as image names or not.
fn expression() -> impl Strategy<Value = String> {
    let before = pick(&[
        "IMAGE_NAME: ",
        "IMAGE_NAME: acme-labs/axon-doc-nextjs\n$REGISTRY/$IMAGE_NAME ",
        "image=\"",
        "ghcr.io/",
        "$REGISTRY/",
        "repository: ",
        "--repo ",
        "",
    ]);
    let expr = pick(&[
        "${{ github.repository }}",
        "${GITHUB_REPOSITORY,,}",
        "$GITHUB_REPOSITORY",
        "${{ github.repository_owner }}",
    ]);
    let after = pick(&[
        "",
        "-nextjs",
        "-crawler",
        "-api",
        "-nextjs-api",
        "-other",
        "/sub",
    ]);
    (before, expr, after).prop_map(|(b, e, a)| format!("{b}{e}{a}"))
}

/// Package-page link pieces.
fn link() -> impl Strategy<Value = String> {
    let site = pick(&[
        "https://github.com/acme-labs/axon-doc/pkgs/container/",
        "github.com/orgs/Acme-Labs/packages/container/package/",
        "github.com/users/acme-labs/packages/container/",
        "github.com/orgs/other/packages/container/",
        "github.com/orgs/acme/packages/container/",
        "gh api /orgs/acme-labs/packages/container/",
        "gh api users/${OWNER}/packages/container/",
        "curl https://api.github.com/user/packages/container/",
    ]);
    let name = pick(&[
        "axon-doc-nextjs",
        "axon-doc-crawler-api",
        "team%2Fapi",
        "team/api",
        "old",
        "grok2api",
    ]);
    (site, name).prop_map(|(s, n)| format!("{s}{n}"))
}

/// Text built from references, near-references, separators and noise, so that
/// references and their neighbours meet in every order.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => image(),
        2 => expression(),
        2 => link(),
        4 => pick(&[
            ":latest", "@sha256:abab", ":v1@sha256:ab12", ".", ". ", ",", "\"", "'", "`", ")",
            "]", " ", "\t", "\n", "\r\n", "# ghcr-gen: ignore", "\u{feff}", "é", "日本", "{",
            "}}", "$", "%2F", "-", "/", "_", "2", "-api", "-v2", "axon-doc-nextjs", "acme-labs/",
            "for p in axon-doc-nextjs axon-doc-crawler; do\n", "ghcr.io/acme-labs/$p", "ghcr.io/acme-labs/${p}-api",
            "for p in axon-doc-nextjs-api axon-doc-crawler-api\n",
        ]),
        1 => "[ -~]{0,6}",
        1 => "\\PC{0,3}",
    ];
    prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
        max_global_rejects: u32::MAX,
        // Failures print their minimal input; no seed files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn renaming_twice_is_renaming_once(t in text()) {
        let m = Matcher::new(&renames());
        let once = rewrite(&m, &t);
        prop_assert!(m.find(&once).is_empty(), "second run finds {:?} in {:?}", m.find(&once), once);
    }

    #[test]
    fn renaming_placeholders_twice_is_renaming_once(t in text()) {
        let m = Matcher::with_placeholders(&renames(), Placeholders::Include);
        let once = rewrite(&m, &t);
        prop_assert!(m.find(&once).is_empty(), "second run finds {:?} in {:?}", m.find(&once), once);
    }

    #[test]
    fn renaming_back_restores_the_text(t in text()) {
        let back = Matcher::new(&reversed());
        // Only when the new names did not appear before.
        prop_assume!(back.find(&t).is_empty());
        let m = Matcher::new(&renames());
        let there = rewrite(&m, &t);
        prop_assert_eq!(rewrite(&back, &there), t);
    }

    #[test]
    fn nothing_outside_a_reference_changes(t in text()) {
        let m = Matcher::new(&renames());
        let refs = m.find(&t);
        let mut pos = 0;
        for r in &refs {
            prop_assert!(r.start >= pos && r.start < r.end && r.end <= t.len());
            prop_assert_eq!(&t[r.start..r.end], r.old.as_str());
            prop_assert_ne!(&r.old, &r.replacement);
            prop_assert!(r.rename < renames().len());
            pos = r.end;
        }
        // The text between references is carried over as is.
        let out = rewrite(&m, &t);
        let mut kept = String::new();
        let mut last = 0;
        for r in &refs {
            kept.push_str(&t[last..r.start]);
            last = r.end;
        }
        kept.push_str(&t[last..]);
        let mut from_out = String::new();
        let mut o = 0;
        let mut last = 0;
        for r in &refs {
            let gap = r.start - last;
            from_out.push_str(&out[o..o + gap]);
            o += gap + r.replacement.len();
            last = r.end;
        }
        from_out.push_str(&out[o..]);
        prop_assert_eq!(kept, from_out);
    }

    #[test]
    fn lines_and_columns_match_a_naive_count(t in text()) {
        let m = Matcher::new(&renames());
        for r in m.find(&t) {
            let before = &t[..r.start];
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let mut column_text = &before[line_start..];
            if line_start == 0 {
                column_text = column_text.strip_prefix('\u{feff}').unwrap_or(column_text);
            }
            prop_assert_eq!((r.line, r.column), (line, column_text.chars().count() + 1));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), seed in text()) {
        let m = Matcher::new(&renames());
        let mut input = seed.into_bytes();
        input.extend_from_slice(&bytes);
        for r in m.find_bytes(&input) {
            prop_assert!(r.start < r.end && r.end <= input.len());
        }
        let _ = m.find_bytes(&bytes);
    }

    #[test]
    fn arbitrary_renames_never_panic(
        paths in prop::collection::vec("[a-z0-9/%._-]{0,12}", 0..4),
        owner in "[A-Za-z0-9-]{0,8}",
        repo in "[A-Za-z0-9._-]{0,8}",
        t in text(),
    ) {
        let renames: Vec<Rename> = paths
            .iter()
            .map(|p| Rename::with_suffix("ghcr.io", &owner, &repo, p, "-x"))
            .collect();
        let m = Matcher::new(&renames);
        let _ = m.find(&t);
    }
}
