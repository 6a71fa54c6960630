//! Snapshots of every file rendered for each fixture under `fixtures/`: a change to any
//! template or default shows up here as a reviewable diff (`cargo insta review`).

use crate::support::shapes::{FIXTURES, fixture};

fn render(name: &str) -> Vec<ghcr_gen::render::PlannedFile> {
    ghcr_gen::render::render(&fixture(name)).unwrap()
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
