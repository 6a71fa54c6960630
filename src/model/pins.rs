//! Action pins: which commit of each GitHub Action the generated workflow uses.
//!
//! The built-in list lives in `data/action-pins.toml`; `[workflow.pins]` in registry.toml
//! overrides single entries.

use std::collections::BTreeMap;

/// The built-in pin list, embedded at compile time.
pub(crate) const BUILTIN_PINS: &str = include_str!("../../data/action-pins.toml");

/// One action pinned to a full commit SHA.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActionPin {
    /// 40 hexadecimal digits.
    pub sha: String,
    /// The release the commit belongs to, e.g. `v7.0.1`.
    pub version: String,
}

/// Pins by action name (`owner/repo`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionPins(pub BTreeMap<String, ActionPin>);

impl ActionPins {
    /// The built-in pins.
    pub fn builtin() -> ActionPins {
        #[derive(serde::Deserialize)]
        struct File {
            actions: BTreeMap<String, Pin>,
        }
        #[derive(serde::Deserialize)]
        struct Pin {
            sha: String,
            version: String,
        }
        let file: File = toml::from_str(BUILTIN_PINS).expect("embedded action pins parse");
        ActionPins(
            file.actions
                .into_iter()
                .map(|(name, p)| {
                    (
                        name,
                        ActionPin {
                            sha: p.sha,
                            version: p.version,
                        },
                    )
                })
                .collect(),
        )
    }

    /// The `uses:` value for an action: `name@sha # version`.
    ///
    /// Panics when the action has no pin: the templates only use actions the built-in
    /// list holds, and a test renders every template.
    pub fn uses(&self, action: &str) -> String {
        let pin = self
            .0
            .get(action)
            .unwrap_or_else(|| panic!("no pin for action {action}"));
        format!("{action}@{} # {}", pin.sha, pin.version)
    }
}

/// A container image the workflow runs, pinned by digest: `name:version@digest` for the
/// built-in image `name` (`moby/buildkit`, `tonistiigi/binfmt`).
///
/// Panics when the image has no pin: the templates only use images the built-in list
/// holds, and a test renders every template.
pub(crate) fn image(name: &str) -> String {
    #[derive(serde::Deserialize)]
    struct File {
        images: BTreeMap<String, Image>,
    }
    #[derive(serde::Deserialize)]
    struct Image {
        version: String,
        digest: String,
    }
    // Parsed once per process: every rendering asks for several images.
    static IMAGES: std::sync::LazyLock<BTreeMap<String, Image>> = std::sync::LazyLock::new(|| {
        toml::from_str::<File>(BUILTIN_PINS)
            .expect("embedded image pins parse")
            .images
    });
    let pin = IMAGES
        .get(name)
        .unwrap_or_else(|| panic!("no pin for image {name}"));
    format!("{name}:{}@{}", pin.version, pin.digest)
}

/// Whether `sha` is a full 40-digit lowercase hexadecimal commit id.
pub(crate) fn is_full_sha(sha: &str) -> bool {
    sha.len() == 40
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
