//! The small parsers outside the config loader never panic on any input, and keep their
//! promises: remote URLs, name checks and `dns_label`, relative paths, image templates,
//! platforms, tag suffixes and suggestions, and the token finder.

use ghcr_gen::check::{secrets, tag};
use ghcr_gen::cmd::init::parse_remote_url;
use ghcr_gen::model::build::{expand, normalize_rel};
use ghcr_gen::model::{Platform, naming};
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
    fn token_finder_never_panics_and_masking_hides_tokens(text in "\\PC{0,200}") {
        let finder = secrets::TokenFinder::default();
        let hits = finder.find(text.as_bytes());
        let masked = secrets::mask(&text, 0, &hits);
        for h in &hits {
            prop_assert!(!masked.contains(&text[h.start..h.end]));
        }
    }
}
