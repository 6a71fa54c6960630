//! A small evaluator of GitHub Actions expressions (`${{ … }}`).
