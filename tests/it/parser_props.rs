//! The small parsers outside the config loader never panic on any input, and keep their
//! promises: remote URLs, name checks and `dns_label`, relative paths, image templates,
//! platforms, tag suffixes and suggestions, and the token finder, which finds and masks
//! every token planted in random text.

use crate::hostile::tokens::crc32;
use ghcr_gen::check::{secrets, tag};
use ghcr_gen::model::paths::normalize_rel;
use ghcr_gen::model::placeholder::expand;
use ghcr_gen::model::{Platform, naming};
use ghcr_gen::remote::parse_remote_url;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn remote_urls_never_panic_and_yield_plain_names(url in "\\PC{0,60}") {
        if let Some((owner, repo)) = parse_remote_url(&url) {
            prop_assert!(!owner.is_empty() && !repo.is_empty());
            prop_assert!(!owner.contains('/') && !repo.contains('/'));
        }
    }

    #[test]
    fn remote_urls_in_every_form_yield_their_owner_and_repo(
        owner in "[A-Za-z0-9]([A-Za-z0-9]|-[A-Za-z0-9]){0,12}",
        repo in "[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}",
        host in "(github\\.com|ghe\\.example\\.org)",
        form in 0usize..5,
        port in 1u16..,
        git_suffix in any::<bool>(),
        trailing_slash in any::<bool>(),
    ) {
        prop_assume!(!repo.ends_with(".git"));
        let path = format!(
            "{owner}/{repo}{}{}",
            if git_suffix { ".git" } else { "" },
            if trailing_slash && !git_suffix { "/" } else { "" },
        );
        let url = match form {
            0 => format!("https://{host}/{path}"),
            1 => format!("https://user:tok@{host}/{path}"),
            2 => format!("git@{host}:{path}"),
            3 => format!("ssh://git@{host}/{path}"),
            _ => format!("ssh://git@{host}:{port}/{path}"),
        };
        prop_assert_eq!(parse_remote_url(&url), Some((owner, repo)), "{}", url);
    }

    #[test]
    fn name_checks_never_panic(s in "\\PC{0,120}") {
        let _ = naming::check_login(&s);
        let _ = naming::check_repo(&s);
        let _ = naming::check_oci_path(&s);
        let _ = naming::check_branch(&s);
        let _ = naming::check_env_name(&s);
        let _ = naming::check_registry(&s);
        let _ = Platform::parse(&s);
        prop_assert!(naming::check_service_name(&naming::dns_label(&s)).is_ok());
    }

    #[test]
    fn relative_paths_never_escape(s in "[a-z./\\\\:]{0,30}") {
        if let Ok(p) = normalize_rel(&s) {
            prop_assert!(!p.starts_with('/'));
            prop_assert!(!p.split('/').any(|c| c == ".."));
        }
    }

    #[test]
    fn templates_never_panic(t in "[a-z{}/-]{0,30}") {
        let _ = expand(&t, &[("repo", "r"), ("service", "s"), ("owner", "o")]);
    }

    #[test]
    fn tag_parsing_never_panics_and_suggestions_are_valid(bytes in prop::collection::vec(any::<u8>(), 0..80), end in 0usize..90) {
        let end = end.min(bytes.len());
        let _ = ghcr_gen::reference::tail_at(&bytes, end);
        if tag::tag_problem(&bytes).is_some() {
            let suggestion = tag::suggest_tag(&bytes);
            prop_assert!(tag::tag_problem(suggestion.as_bytes()).is_none(), "{suggestion}");
        }
    }

    #[test]
    fn token_finder_never_panics_on_any_text(text in "\\PC{0,200}") {
        let finder = secrets::TokenFinder::default();
        let hits = finder.find(text.as_bytes());
        let masked = secrets::mask(&text, 0, &hits);
        for h in &hits {
            prop_assert!(!masked.contains(&text[h.start..h.end]));
        }
    }

    #[test]
    fn tokens_planted_in_random_text_are_all_found_and_masked(
        pieces in prop::collection::vec((filler(), separator(), token(), separator()), 1..4),
        tail in filler(),
    ) {
        let mut text = String::new();
        let mut planted = Vec::new();
        for (before, open, token, close) in &pieces {
            text.push_str(before);
            text.push_str(open);
            planted.push((text.len(), text.len() + token.len()));
            text.push_str(token);
            text.push_str(close);
        }
        text.push_str(&tail);

        let hits = secrets::TokenFinder::default().find(text.as_bytes());
        for &(start, end) in &planted {
            prop_assert!(
                hits.iter().any(|h| (h.start, h.end) == (start, end)),
                "token at {start}..{end} missed in {text:?}: {hits:?}"
            );
        }
        let masked = secrets::mask(&text, 0, &hits);
        prop_assert_eq!(masked.len(), text.len());
        for &(start, end) in &planted {
            let token = &text[start..end];
            let prefix = secrets::PREFIXES.iter().find(|p| token.starts_with(**p)).unwrap();
            prop_assert!(!masked.contains(token), "{token} survives in {masked:?}");
            prop_assert_eq!(&masked[start..start + prefix.len()], *prefix);
            prop_assert!(masked[start + prefix.len()..end].bytes().all(|b| b == b'*'));
        }
        // Outside the hits the text is untouched.
        let mut outside = 0;
        for h in &hits {
            prop_assert_eq!(&masked[outside..h.start], &text[outside..h.start]);
            outside = h.end;
        }
        prop_assert_eq!(&masked[outside..], &text[outside..]);
    }
}

/// Random text around a token: any printable characters, including letters and `_` that
/// would glue to a token were there no separator.
fn filler() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

/// What stands between a token and its neighbours in config files, scripts and logs.
fn separator() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        " ", "\n", "\t", "=", ": ", "\"", "'", ",", "(", ")", "/", "\r\n",
    ])
    .prop_map(String::from)
}

/// A token of a random kind, assembled here so no token-shaped literal is ever committed:
/// the five classic kinds are a prefix, 30 random base62 characters and their CRC32 in 6
/// base62 digits; fine-grained ones are `github_pat_`, 22 base62, `_` and 59 base62.
fn token() -> impl Strategy<Value = String> {
    let classic = (
        prop::sample::select(&secrets::PREFIXES[..5]),
        "[0-9A-Za-z]{30}",
    )
        .prop_map(|(prefix, random)| {
            format!("{prefix}{random}{}", base62_6(crc32(random.as_bytes())))
        });
    let fine_grained = ("[0-9A-Za-z]{22}", "[0-9A-Za-z]{59}")
        .prop_map(|(a, b)| format!("{}{a}_{b}", secrets::PREFIXES[5]));
    prop_oneof![3 => classic, 1 => fine_grained]
}

/// `n` in base62 (`0-9A-Za-z`), left-padded with `0` to six digits.
fn base62_6(mut n: u32) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap()
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(base62_6(61), "00000z");
}
