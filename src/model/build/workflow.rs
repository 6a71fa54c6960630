//! The `[workflow]` section: runners per platform, supply-chain options (attestations,
//! provenance, SBOM, signing) and action pins.

use std::collections::BTreeMap;

use super::Builder;
use crate::config::raw::{self, RawConfig};
use crate::model::{ActionPin, ActionPins, Platform, Provenance, Runner, Service, Workflow, pins};

impl Builder<'_> {
    pub(super) fn workflow(&mut self, raw: &RawConfig, services: &[Service]) -> Workflow {
        let w = raw.workflow.clone().unwrap_or_default();
        let mut runners = BTreeMap::new();
        for s in services {
            for p in &s.platforms {
                runners
                    .entry(p.to_string())
                    .or_insert_with(|| default_runner(p));
            }
        }
        if let Some(list) = &w.runners {
            let mut named: Vec<Platform> = Vec::new();
            for (platform, label) in &list.value {
                let Some(p) = Platform::parse(&platform.value) else {
                    self.error(
                        platform.span.clone(),
                        format!("unknown platform `{}`", platform.value),
                        "not an os/arch[/variant] buildx supports",
                    );
                    continue;
                };
                if named.contains(&p) {
                    // `linux/arm` and `linux/arm/v7` are one platform.
                    self.error(
                        platform.span.clone(),
                        format!("duplicate platform `{}`", platform.value),
                        format!("`{p}` has a runner already"),
                    );
                    continue;
                }
                named.push(p.clone());
                let runner = match label.value.as_str() {
                    "qemu" => Runner::Qemu("ubuntu-24.04".to_string()),
                    l if l.is_empty()
                        || l.chars().any(|c| {
                            c.is_whitespace() || c.is_control() || "'\"$`{}".contains(c)
                        }) =>
                    {
                        self.error(
                            label.span.clone(),
                            "invalid runner label",
                            "a runs-on label such as ubuntu-24.04-arm, or \"qemu\"",
                        );
                        continue;
                    }
                    l => Runner::Native(l.to_string()),
                };
                runners.insert(p.to_string(), runner);
            }
        }
        let mut pins = ActionPins::builtin();
        if let Some(list) = &w.pins {
            for (name, pin) in &list.value {
                let valid_name = name.value.split('/').count() >= 2
                    && name.value.split('/').all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    });
                if !valid_name {
                    self.error(
                        name.span.clone(),
                        format!("invalid action name `{}`", name.value),
                        "an action is owner/repo[/path]",
                    );
                }
                let sha = match &pin.sha {
                    Some(s) if pins::is_full_sha(&s.value) => Some(s.value.clone()),
                    Some(s) => {
                        self.error(
                            s.span.clone(),
                            "invalid pin",
                            "a full 40-character lowercase commit SHA",
                        );
                        None
                    }
                    None => {
                        self.error(
                            name.span.clone(),
                            "pin without `sha`",
                            "add sha = \"<40 hex digits>\"",
                        );
                        None
                    }
                };
                let version = match &pin.version {
                    Some(v) if !v.value.is_empty() && !v.value.contains(char::is_whitespace) => {
                        Some(v.value.clone())
                    }
                    Some(v) => {
                        self.error(
                            v.span.clone(),
                            "invalid pin version",
                            "a release name such as v7.0.1",
                        );
                        None
                    }
                    None => {
                        self.error(
                            name.span.clone(),
                            "pin without `version`",
                            "add version = \"vX.Y.Z\" (written as a comment)",
                        );
                        None
                    }
                };
                if let (Some(sha), Some(version), true) = (sha, version, valid_name) {
                    pins.0
                        .insert(name.value.clone(), ActionPin { sha, version });
                }
            }
        }
        Workflow {
            runners,
            attest: w.attest.as_ref().is_some_and(|a| a.value),
            provenance: match w.provenance.as_ref().map(|p| p.value) {
                Some(raw::Provenance::Min) => Provenance::Min,
                Some(raw::Provenance::Off) => Provenance::Off,
                Some(raw::Provenance::Max) | None => Provenance::Max,
            },
            sbom: w.sbom.as_ref().is_some_and(|s| s.value),
            sign: w.sign.as_ref().is_some_and(|s| s.value),
            pins,
        }
    }
}

/// The runner of a platform `[workflow.runners]` does not name: amd64 and 386 (which an
/// x86-64 kernel runs natively) on `ubuntu-24.04`, arm64 on `ubuntu-24.04-arm`, Windows on
/// `windows-2025`; everything else (32-bit arm, which GitHub's arm64 runners cannot execute,
/// ppc64le, s390x, riscv64, ...) under QEMU on `ubuntu-24.04`.
fn default_runner(p: &Platform) -> Runner {
    match (p.os.as_str(), p.arch.as_str()) {
        ("linux", "amd64" | "386") => Runner::Native("ubuntu-24.04".into()),
        ("linux", "arm64") => Runner::Native("ubuntu-24.04-arm".into()),
        ("windows", _) => Runner::Native("windows-2025".into()),
        _ => Runner::Qemu("ubuntu-24.04".into()),
    }
}
