//! Reading `run:` scripts: docker commands, `$GITHUB_ENV`/`$GITHUB_OUTPUT` writes and
//! lowercasing idioms.
