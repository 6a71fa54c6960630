//! Process exit status as a type: every command ends in exactly one of these.

/// How a command ended. The binary turns it into the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Nothing to report: files up to date, no findings.
    Ok = 0,
    /// The command worked and found something: drift, stale names, leaked tokens.
    Findings = 1,
    /// The command could not do its job: bad config, bad flags, I/O failure.
    Error = 2,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}
