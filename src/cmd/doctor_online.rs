//! `ghcr-gen doctor --online`: the command around [`crate::doctor::online`]; the registry
//! checks themselves live there.

use std::path::Path;
use std::time::Duration;

use crate::doctor::online::{self, OnlineError, OnlineOptions};
use crate::doctor::registry_creds::ProcessEnv;
use crate::exit::Exit;
use crate::report::Report;

pub use crate::doctor::online::Format;

/// Options of `ghcr-gen doctor --online`, from the flags.
pub struct Options<'a> {
    pub cwd: &'a Path,
    pub config: Option<&'a Path>,
    pub registry_url: Option<&'a str>,
    pub format: Format,
    /// `--timeout SECONDS` per request.
    pub timeout: Option<u64>,
}

/// Runs `ghcr-gen doctor --online` with credentials from the process environment.
pub fn run(opts: &Options<'_>, report: &mut Report) -> Result<Exit, super::Error> {
    let online = OnlineOptions {
        cwd: opts.cwd,
        config: opts.config,
        registry_url: opts.registry_url,
        format: opts.format,
        timeout: opts.timeout.map(Duration::from_secs),
        env: &ProcessEnv,
    };
    online::run_online(&online, report).map_err(|e| match e {
        OnlineError::Config(diags) => super::Error::Config(diags),
    })
}
