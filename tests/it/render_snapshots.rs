//! Snapshots of every file rendered for each fixture under `fixtures/`: a change to any
//! template or default shows up here as a reviewable diff (`cargo insta review`).

use std::path::Path;

const FIXTURES: &[&str] = &["single", "two-services", "five-services", "per-arch"];

fn render(fixture: &str) -> Vec<ghcr_gen::render::PlannedFile> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(fixture)
        .join("registry.toml");
    let model = ghcr_gen::load::load(&path, "registry.toml")
        .unwrap_or_else(|d| panic!("{fixture}: {}", d[0].render(false)));
    ghcr_gen::render::render(&model).unwrap()
}

#[test]
fn rendered_files_match_snapshots() {
    for fixture in FIXTURES {
        for file in render(fixture) {
            let name = format!("{fixture}__{}", file.path.replace('/', "__"));
            insta::assert_snapshot!(name, file.contents);
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    for fixture in FIXTURES {
        assert_eq!(render(fixture), render(fixture), "{fixture}");
    }
}

#[test]
fn every_file_starts_with_the_generated_header() {
    for fixture in FIXTURES {
        for file in render(fixture) {
            assert!(
                ghcr_gen::render::has_header(&file.contents),
                "{fixture}: {}",
                file.path
            );
            assert!(
                file.contents.contains("ghcr-gen render"),
                "{fixture}: {}",
                file.path
            );
        }
    }
}
