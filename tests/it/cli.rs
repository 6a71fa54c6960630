//! CLI transcripts: each `tests/cmd/*.toml` runs ghcr-gen in a sandboxed copy of its `.in`
//! tree and compares exit code, stdout, stderr and (with `.out`) the resulting tree.
//! `TRYCMD=overwrite cargo test --test cli` updates them.

#[test]
fn cli_transcripts() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}
