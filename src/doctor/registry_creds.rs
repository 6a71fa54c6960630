//! Where `doctor --online` finds registry credentials: `GHCR_TOKEN`, else `GITHUB_TOKEN`
//! (user `GITHUB_USER`), else the Docker config (`$DOCKER_CONFIG/config.json` or
//! `~/.docker/config.json`): a `credHelpers` entry or the `credsStore` through
//! `docker-credential-<helper> get` (the server on standard input, never on the command
//! line), else an `auths` entry's base64 `user:password`.
//!
//! The secret is kept in a [`Secret`]; nothing here prints, logs or passes it as an
//! argument.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::registry::{RegistryError, Secret};

/// A user and a secret, and where they came from.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: String,
    pub secret: Secret,
    pub source: CredentialSource,
}

/// Where credentials came from, as said in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// An environment variable (`GHCR_TOKEN`, `GITHUB_TOKEN`).
    Env(&'static str),
    /// An `auths` entry of this Docker config file.
    DockerConfig(PathBuf),
    /// `docker-credential-<helper>`.
    Helper(String),
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Env(name) => write!(f, "${name}"),
            CredentialSource::DockerConfig(p) => write!(f, "the Docker config {}", p.display()),
            CredentialSource::Helper(h) => write!(f, "docker-credential-{h}"),
        }
    }
}

/// The environment credentials are looked up in (the process environment in the binary,
/// a fixed one in tests).
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

/// The credentials for the registry `server` (`host[:port]`), if any.
pub fn find_credentials(
    env: &dyn Environment,
    server: &str,
) -> Result<Option<Credentials>, RegistryError> {
    for name in ["GHCR_TOKEN", "GITHUB_TOKEN"] {
        if let Some(token) = env.var(name) {
            let user = env
                .var("GITHUB_USER")
                .unwrap_or_else(|| "token".to_string());
            return Ok(Some(Credentials {
                user,
                secret: Secret::new(token.trim()),
                source: CredentialSource::Env(name),
            }));
        }
    }
    let dir = match env.var("DOCKER_CONFIG") {
        Some(d) => PathBuf::from(d),
        None => match env.var("HOME") {
            Some(h) => Path::new(&h).join(".docker"),
            None => return Ok(None),
        },
    };
    docker_config(&dir.join("config.json"), server)
}

/// Largest Docker config read.
const MAX_CONFIG: u64 = 1 << 20;

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: std::collections::BTreeMap<String, String>,
    creds_store: Option<String>,
}

#[derive(serde::Deserialize)]
struct AuthEntry {
    auth: Option<String>,
}

/// Credentials for `server` from the Docker config at `path` (none when it is missing).
fn docker_config(path: &Path, server: &str) -> Result<Option<Credentials>, RegistryError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(RegistryError::Credentials(format!(
                "{}: {e}",
                path.display()
            )));
        }
    };
    let mut text = Vec::new();
    file.take(MAX_CONFIG)
        .read_to_end(&mut text)
        .map_err(|e| RegistryError::Credentials(format!("{}: {e}", path.display())))?;
    let config: DockerConfig = serde_json::from_slice(&text).map_err(|e| {
        RegistryError::Credentials(format!("{} is not valid JSON: {e}", path.display()))
    })?;
    let matches = |key: &str| server_key(key).eq_ignore_ascii_case(server);
    let helper = config
        .cred_helpers
        .iter()
        .find(|(k, _)| matches(k))
        .map(|(_, h)| h.clone())
        .or(config.creds_store.clone());
    if let Some(helper) = helper
        && let Some(c) = from_helper(&helper, server)?
    {
        return Ok(Some(c));
    }
    for (key, entry) in &config.auths {
        if !matches(key) {
            continue;
        }
        let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) else {
            continue;
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                RegistryError::Credentials(format!(
                    "{}: the auths entry for {key} is not base64 user:password",
                    path.display()
                ))
            })?;
        let Some((user, secret)) = decoded.split_once(':') else {
            return Err(RegistryError::Credentials(format!(
                "{}: the auths entry for {key} is not user:password",
                path.display()
            )));
        };
        return Ok(Some(Credentials {
            user: user.to_string(),
            secret: Secret::new(secret),
            source: CredentialSource::DockerConfig(path.to_path_buf()),
        }));
    }
    Ok(None)
}

/// `host[:port]` of an `auths`/`credHelpers` key (`https://ghcr.io/v1/` → `ghcr.io`).
fn server_key(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// How long a credential helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: Option<String>,
    secret: Option<String>,
}

/// Runs `docker-credential-<helper> get` with `server` on standard input.
fn from_helper(helper: &str, server: &str) -> Result<Option<Credentials>, RegistryError> {
    if helper.is_empty()
        || !helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(RegistryError::Credentials(format!(
            "credential helper name `{helper}` is not a plain name"
        )));
    }
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| RegistryError::Credentials(format!("cannot run {program}: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading gives a broken pipe: its answer says why.
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(MAX_CONFIG).read_to_end(&mut out);
        out
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < HELPER_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RegistryError::Credentials(format!(
                    "{program} get did not answer within {}s",
                    HELPER_TIMEOUT.as_secs()
                )));
            }
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        // "credentials not found in native keychain": nothing stored for this server.
        return Ok(None);
    }
    let answer: HelperAnswer = serde_json::from_slice(&out)
        .map_err(|_| RegistryError::Credentials(format!("{program} get answered no JSON")))?;
    match (answer.username, answer.secret) {
        (Some(user), Some(secret)) if !secret.is_empty() => Ok(Some(Credentials {
            user,
            secret: Secret::new(secret),
            source: CredentialSource::Helper(helper.to_string()),
        })),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Env(Vec<(&'static str, String)>);
    impl Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn ghcr_token_wins_over_github_token() {
        let env = Env(vec![
            ("GITHUB_TOKEN", "b".into()),
            ("GHCR_TOKEN", "a".into()),
            ("GITHUB_USER", "me".into()),
        ]);
        let c = find_credentials(&env, "ghcr.io").unwrap().unwrap();
        assert_eq!((c.user.as_str(), c.secret.expose()), ("me", "a"));
        assert_eq!(c.source, CredentialSource::Env("GHCR_TOKEN"));
    }

    #[test]
    fn docker_config_auths_entry_for_the_server() {
        let dir = std::env::temp_dir().join(format!("ghcr-gen-creds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("u:p4ss");
        std::fs::write(
            dir.join("config.json"),
            format!(r#"{{"auths":{{"https://other.io":{{"auth":"eDp5"}},"https://ghcr.io/v1/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let env = Env(vec![("DOCKER_CONFIG", dir.display().to_string())]);
        let c = find_credentials(&env, "ghcr.io").unwrap().unwrap();
        assert_eq!((c.user.as_str(), c.secret.expose()), ("u", "p4ss"));
        assert!(find_credentials(&env, "quay.io").unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn helper_names_are_plain() {
        assert!(from_helper("../evil", "ghcr.io").is_err());
    }
}
