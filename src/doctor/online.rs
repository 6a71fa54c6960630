//! `ghcr-gen doctor --online`: asks the registry, over the OCI distribution API, about
//! every image of `registry.toml` and every image reference its consumers pull (compose and
//! Kubernetes files, found with the one reference grammar), and answers with the slugs of
//! the cause vocabulary.
//!
//! Per repository: does it exist, is it public (an anonymous pull token works) or private;
//! per referenced tag (or digest): does the manifest exist (HEAD), and if not, which
//! published tag is nearest (`v1.2.3` vs `1.2.3`); for an index: does it list every
//! configured platform, does every child manifest still resolve, which entries are
//! attestations (`unknown/unknown`); per old name in `renamed_from`: does it still carry
//! tags. The client is [`super::registry`]; a registry that cannot be asked ends the run
//! with exit 2, findings with exit 1.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use super::registry::{Access, Answer, Client, Endpoint, Limits, RegistryError};
use super::registry_creds::{Environment, find_credentials};
use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::exit::Exit;
use crate::model::{Model, Platform};
use crate::reference::{Finder, Form, Image};
use crate::report::{Message, Report, masked_diagnostics};
use crate::rewrite::{ScanOptions, for_each_file};

/// How the findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Compiler-style diagnostics and notes on stderr, a summary line.
    Text,
    /// One JSON array of findings on stdout.
    Json,
}

/// Options of `ghcr-gen doctor --online`.
pub struct OnlineOptions<'a> {
    pub cwd: &'a Path,
    /// `--config`.
    pub config: Option<&'a Path>,
    /// `--registry-url`: where the config's registry is asked instead of `https://HOST`.
    pub registry_url: Option<&'a str>,
    pub format: Format,
    /// Total time one request may take (default 30 s).
    pub timeout: Option<Duration>,
    /// Where credentials are looked up.
    pub env: &'a dyn Environment,
}

/// Why `doctor --online` could not start (the registry's own failures are findings).
#[derive(Debug)]
pub enum OnlineError {
    /// registry.toml is missing or invalid.
    Config(Vec<Diagnostic>),
}

/// One thing doctor found, with its slug.
#[derive(Debug, Clone)]
pub struct OnlineFinding {
    /// The vocabulary's slug (`tag-missing`, `private-package`, ...), or `error` when the
    /// registry could not be asked.
    pub category: &'static str,
    pub level: Level,
    /// The image concerned, `host/owner/name[:tag]`.
    pub image: String,
    pub diagnostic: Diagnostic,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A fact worth knowing (attestation entries).
    Info,
    Warning,
    /// Consumers will fail (exit 1).
    Error,
    /// The registry could not be asked (exit 2).
    Failure,
}

/// A finding as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct JsonFinding {
    pub category: &'static str,
    pub severity: Level,
    pub image: String,
    pub path: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub fix: Option<String>,
}

/// Runs `ghcr-gen doctor --online`: exit 0 when every reference resolves, 1 with
/// findings, 2 when the registry cannot be asked.
pub fn run_online(opts: &OnlineOptions<'_>, report: &mut Report) -> Result<Exit, OnlineError> {
    let model = crate::load::load_model(opts.cwd, opts.config).map_err(OnlineError::Config)?;
    let mut doctor = Doctor {
        clients: HashMap::new(),
        findings: Vec::new(),
        notes: Vec::new(),
        model: &model,
        opts,
        asked: 0,
    };
    let targets = match targets(&model, opts.cwd) {
        Ok(t) => t,
        Err(e) => {
            doctor.failure(String::new(), e);
            Vec::new()
        }
    };
    if let Err((image, e)) = doctor.check_all(&targets) {
        doctor.failure(image, e.to_string());
    }
    Ok(doctor.emit(report))
}

/// A repository to ask about, with the references pulling it.
struct Target {
    host: String,
    /// Path after the host: `owner/name`.
    repo: String,
    /// Platforms the config builds it for (empty for names the config does not build).
    platforms: Vec<Platform>,
    /// Package name, for the settings URL.
    package: String,
    refs: Vec<Ref>,
    /// Old name (`renamed_from`) of this image.
    renamed_to: Option<String>,
}

/// One pulled reference: a tag or digest, and where it is written.
struct Ref {
    reference: String,
    place: Option<Place>,
}

/// Where a reference is written: its file and byte range.
type Place = (Arc<SourceFile>, Range<usize>);

impl Target {
    fn image(&self) -> String {
        format!("{}/{}", self.host, self.repo)
    }
}

struct Doctor<'a> {
    clients: HashMap<String, Client>,
    findings: Vec<OnlineFinding>,
    notes: Vec<String>,
    model: &'a Model,
    opts: &'a OnlineOptions<'a>,
    asked: usize,
}

/// Most pages of 1000 tags read per repository.
const MAX_TAG_PAGES: usize = 20;
/// Most entries of one index whose manifests are resolved (a hostile index may list
/// thousands).
const MAX_CHILDREN: usize = 64;

impl Doctor<'_> {
    fn check_all(&mut self, targets: &[Target]) -> Result<(), (String, RegistryError)> {
        for t in targets {
            let image = t.image();
            let result = if t.renamed_to.is_some() {
                self.check_old_name(t)
            } else {
                self.check_repo(t)
            };
            result.map_err(|e| (image, e))?;
        }
        Ok(())
    }

    /// The client for `host`, created on first use with its credentials.
    fn client(&mut self, host: &str) -> Result<&mut Client, RegistryError> {
        if !self.clients.contains_key(host) {
            let endpoint = match self.opts.registry_url {
                Some(url) if host.eq_ignore_ascii_case(&self.model.registry) => {
                    Endpoint::parse(url)?
                }
                // Docker Hub's API is not on its image host.
                _ if host.eq_ignore_ascii_case("docker.io") => {
                    Endpoint::https("registry-1.docker.io")
                }
                _ => Endpoint::https(host),
            };
            let creds = find_credentials(self.opts.env, &endpoint.authority)?;
            let mut limits = Limits::default();
            if let Some(t) = self.opts.timeout {
                limits.call = t;
                limits.connect = limits.connect.min(t);
            }
            self.clients
                .insert(host.to_string(), Client::new(endpoint, creds, limits));
        }
        Ok(self.clients.get_mut(host).expect("inserted"))
    }

    /// Tags of the repository with the access that works, or `None` after a finding.
    fn access(&mut self, t: &Target) -> Result<Option<(Access, Vec<String>)>, RegistryError> {
        let image = t.image();
        let settings = settings_url(&self.model.owner, &t.package);
        let client = self.client(&t.host)?;
        let endpoint = client.endpoint().to_string();
        let has_creds = client.has_credentials();
        let source = client.credential_source().unwrap_or_default();
        let anon = client.tags(&t.repo, Access::Anonymous, MAX_TAG_PAGES)?;
        let (access, tags) = match anon {
            Ok(tags) => {
                if has_creds {
                    // A public image refused with the local credentials: stale credentials.
                    if let Err(
                        Answer::Denied { message, .. } | Answer::Unauthorized { message, .. },
                    ) = client.tags(&t.repo, Access::Credentials, 1)?
                    {
                        self.add(t, None, "stale-local-credentials", Level::Error,
                            format!("{image} is public, but the credentials from {source} are refused ({message}): pulls using them fail with `denied`"),
                            format!("`docker logout {}` (or replace the stored credential) and retry; anonymous pulls work", t.host));
                        return Ok(None);
                    }
                }
                self.notes.push(format!(
                    "{image}: public (an anonymous pull token works), {} tag(s)",
                    tags.len()
                ));
                (Access::Anonymous, tags)
            }
            Err(Answer::NotFound { .. }) => {
                self.missing_repo(t, &endpoint);
                return Ok(None);
            }
            Err(Answer::RateLimited { retry_after }) => {
                return Err(rate_limited(&endpoint, retry_after));
            }
            Err(_) if has_creds => {
                match client.tags(&t.repo, Access::Credentials, MAX_TAG_PAGES)? {
                    Ok(tags) => {
                        self.add(t, None, "private-package", Level::Warning,
                        format!("{image} is private: anonymous pulls fail with `unauthorized`; {} tag(s) visible with the credentials from {source}", tags.len()),
                        format!("every consumer needs credentials: `docker login {} -u USER --password-stdin` with a classic PAT (read:packages), imagePullSecrets in Kubernetes; or make it public at {settings}", t.host));
                        self.pull_secrets(t);
                        (Access::Credentials, tags)
                    }
                    Err(Answer::NotFound { .. }) => {
                        self.missing_repo(t, &endpoint);
                        return Ok(None);
                    }
                    Err(Answer::RateLimited { retry_after }) => {
                        return Err(rate_limited(&endpoint, retry_after));
                    }
                    Err(refused) => {
                        let message = match refused {
                            Answer::Denied { message, .. }
                            | Answer::Unauthorized { message, .. } => message,
                            _ => "refused".to_string(),
                        };
                        self.add(t, None, "private-package", Level::Error,
                        format!("{image} is private (or does not exist) and the credentials from {source} have no access to it: {message}"),
                        format!("grant the user access at {settings} (or use a token of a user who has it, with read:packages); if the name is wrong (GHCR answers the same for unknown names), compare it with what CI publishes"));
                        return Ok(None);
                    }
                }
            }
            Err(_) => {
                self.add(t, None, "private-package", Level::Error,
                    format!("{image} cannot be pulled anonymously: it is private, or it does not exist (wrong-image-path: GHCR answers 401 for both)"),
                    format!("set GHCR_TOKEN (a classic PAT with read:packages) and rerun to tell them apart; if private, consumers need `docker login {}` or imagePullSecrets, or make it public at {settings}", t.host));
                self.pull_secrets(t);
                return Ok(None);
            }
        };
        Ok(Some((access, tags)))
    }

    /// Kubernetes manifests pulling a private image without `imagePullSecrets`.
    fn pull_secrets(&mut self, t: &Target) {
        let image = t.image();
        for r in &t.refs {
            let Some((file, span)) = &r.place else {
                continue;
            };
            let text = &file.text;
            if text.contains("apiVersion:") && !text.contains("imagePullSecrets") {
                self.add(t, Some(&(file.clone(), span.clone())), "k8s-missing-pull-secret", Level::Error,
                    format!("{image} is not pullable anonymously and this Kubernetes manifest has no imagePullSecrets: pods fail with ImagePullBackOff"),
                    format!("after `docker login {}` (a classic PAT with read:packages, given with --password-stdin): `kubectl create secret generic ghcr --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=$HOME/.docker/config.json`, and `imagePullSecrets: [{{name: ghcr}}]` in the pod spec (or on its service account)", t.host));
            }
        }
    }

    fn missing_repo(&mut self, t: &Target, endpoint: &str) {
        let image = t.image();
        self.add(t, None, "wrong-image-path", Level::Error,
            format!("{image} does not exist on {endpoint} (NAME_UNKNOWN)"),
            "compare the path with what CI publishes (owner lowercased, package name and suffix); or run the publishing workflow once".to_string());
        for r in &t.refs {
            if let Some(place) = &r.place {
                self.add(
                    t,
                    Some(place),
                    "wrong-image-path",
                    Level::Error,
                    format!(
                        "{image}:{} is pulled here but {image} does not exist",
                        r.reference
                    ),
                    "fix the image path or publish the image".to_string(),
                );
            }
        }
    }

    fn check_repo(&mut self, t: &Target) -> Result<(), RegistryError> {
        let Some((access, tags)) = self.access(t)? else {
            return Ok(());
        };
        let image = t.image();
        let mut refs: Vec<(&str, Option<&Place>)> = t
            .refs
            .iter()
            .map(|r| (r.reference.as_str(), r.place.as_ref()))
            .collect();
        if refs.is_empty() {
            if tags.iter().any(|t| t == "latest") {
                refs.push(("latest", None));
            } else if let Some(first) = tags.first() {
                refs.push((first.as_str(), None));
            } else {
                self.add(
                    t,
                    None,
                    "tag-missing",
                    Level::Warning,
                    format!("{image} exists but has no tags"),
                    "run the publishing workflow (a push to the default branch or a version tag)"
                        .to_string(),
                );
                return Ok(());
            }
        }
        // One request per distinct reference; findings for every place.
        let mut manifests: BTreeMap<&str, Option<Manifest>> = BTreeMap::new();
        for (reference, _) in &refs {
            if manifests.contains_key(reference) {
                continue;
            }
            let m = self.fetch_manifest(t, access, reference)?;
            manifests.insert(reference, m);
        }
        let mut children: HashMap<String, bool> = HashMap::new();
        let mut attestation_noted = false;
        let mut checked_platforms = std::collections::HashSet::new();
        for (reference, place) in refs {
            let shown = show_ref(&image, reference);
            match &manifests[reference] {
                None => {
                    let (category, message, fix) = missing_tag(&shown, reference, &tags);
                    self.add(t, place, category, Level::Error, message, fix);
                }
                Some(Manifest::Single) => {
                    if t.platforms.len() > 1 && checked_platforms.insert(reference) {
                        let list = join(t.platforms.iter().map(Platform::to_string));
                        self.add(t, place, "platform-missing", Level::Error,
                            format!("{shown} is a single-platform manifest, but registry.toml builds {list}"),
                            "publish a multi-platform index (docker/build-push-action with `platforms:`); consumers on the other platforms get `no matching manifest`".to_string());
                    }
                }
                Some(Manifest::Index(entries)) => {
                    if checked_platforms.insert(reference) {
                        for p in &t.platforms {
                            if !entries
                                .iter()
                                .any(|e| !e.attestation && e.platform == p.to_string())
                            {
                                let listed = join(
                                    entries
                                        .iter()
                                        .filter(|e| !e.attestation)
                                        .map(|e| e.platform.clone()),
                                );
                                self.add(t, place, "platform-missing", Level::Error,
                                    format!("{shown} lists no {p} manifest (it lists {listed})"),
                                    format!("build {p} in the publishing workflow (`platforms:`), or pull with `--platform` one it lists"));
                            }
                        }
                    }
                    for (n, e) in entries.iter().enumerate() {
                        if n == MAX_CHILDREN {
                            self.notes.push(format!("{shown}: only the first {MAX_CHILDREN} of its {} entries were resolved", entries.len()));
                            break;
                        }
                        if e.attestation {
                            if !attestation_noted {
                                attestation_noted = true;
                                self.add(t, None, "attestation-unknown-platform", Level::Info,
                                    format!("{shown} holds attestation manifests (provenance/SBOM), shown as unknown/unknown platforms; not an error"),
                                    "nothing to fix; `provenance: false` and `sbom: false` on the build step remove them".to_string());
                            }
                            continue;
                        }
                        let resolves = match children.get(&e.digest) {
                            Some(r) => *r,
                            None => {
                                let r = self.child_resolves(t, access, &e.digest)?;
                                children.insert(e.digest.clone(), r);
                                r
                            }
                        };
                        if !resolves {
                            self.add(t, place, "child-manifest-deleted", Level::Error,
                                format!("{shown} lists the {} manifest {}, which no longer exists: pulls on {} fail with `manifest unknown`", e.platform, e.digest, e.platform),
                                "a cleanup deleted untagged versions of a multi-arch image: exclude them from the cleanup (untagged platform manifests belong to tagged indexes) and publish the tag again".to_string());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The manifest of `reference` (HEAD first, then GET), `None` when it does not exist.
    fn fetch_manifest(
        &mut self,
        t: &Target,
        access: Access,
        reference: &str,
    ) -> Result<Option<Manifest>, RegistryError> {
        self.asked += 1;
        let client = self.client(&t.host)?;
        let endpoint = client.endpoint().clone();
        let url = endpoint.url(&format!("/v2/{}/manifests/{reference}", t.repo));
        match client.manifest(&t.repo, reference, access, false)? {
            Answer::Found(_) => {}
            Answer::NotFound { .. } => return Ok(None),
            other => return Err(unexpected(&url, other)),
        }
        match client.manifest(&t.repo, reference, access, true)? {
            Answer::Found(f) => Manifest::parse(&f.body, f.content_type.as_deref())
                .map(Some)
                .map_err(|detail| RegistryError::Malformed { url, detail }),
            Answer::NotFound { .. } => Ok(None),
            other => Err(unexpected(&url, other)),
        }
    }

    fn child_resolves(
        &mut self,
        t: &Target,
        access: Access,
        digest: &str,
    ) -> Result<bool, RegistryError> {
        let client = self.client(&t.host)?;
        let url = client
            .endpoint()
            .url(&format!("/v2/{}/manifests/{digest}", t.repo));
        match client.manifest(&t.repo, digest, access, false)? {
            Answer::Found(_) => Ok(true),
            Answer::NotFound { .. } => Ok(false),
            other => Err(unexpected(&url, other)),
        }
    }

    /// An old name (`renamed_from`) still carrying tags.
    fn check_old_name(&mut self, t: &Target) -> Result<(), RegistryError> {
        let image = t.image();
        let client = self.client(&t.host)?;
        let mut answer = client.tags(&t.repo, Access::Anonymous, 1)?;
        if matches!(
            answer,
            Err(Answer::Unauthorized { .. } | Answer::Denied { .. })
        ) && client.has_credentials()
        {
            answer = client.tags(&t.repo, Access::Credentials, 1)?;
        }
        match answer {
            Ok(tags) if !tags.is_empty() => {
                let new = t.renamed_to.as_deref().unwrap_or_default();
                let shown = join(tags.iter().take(5).cloned());
                self.add(t, None, "stale-name", Level::Warning,
                    format!("the old name {image} (renamed_from) still carries {} tag(s) ({shown}{}): consumers elsewhere may still pull stale images", tags.len(), if tags.len() > 5 { ", ..." } else { "" }),
                    format!("point every consumer at {new}; then delete the old package (or its versions) in its package settings"));
            }
            Err(Answer::RateLimited { retry_after }) => {
                return Err(rate_limited(&client.endpoint().to_string(), retry_after));
            }
            _ => self.notes.push(format!("{image} (old name): no tags")),
        }
        Ok(())
    }

    fn add(
        &mut self,
        t: &Target,
        place: Option<&Place>,
        category: &'static str,
        level: Level,
        message: String,
        fix: String,
    ) {
        let text = format!("{category}: {message}");
        let mut d = match place {
            Some((file, span)) => Diagnostic::error(file, span.clone(), text).label("pulled here"),
            None => Diagnostic::error_in(None, text),
        };
        if level < Level::Error {
            d.severity = Severity::Warning;
        }
        self.findings.push(OnlineFinding {
            category,
            level,
            image: t.image(),
            diagnostic: d.help(fix),
        });
    }

    fn failure(&mut self, image: String, message: String) {
        let category = if message.contains("rate-limit") {
            "rate-limit"
        } else {
            "error"
        };
        self.findings.push(OnlineFinding {
            category,
            level: Level::Failure,
            image,
            diagnostic: Diagnostic::error_in(None, message),
        });
    }

    /// Prints the findings in the chosen format; the exit code.
    fn emit(self, report: &mut Report) -> Exit {
        let exit = match self.findings.iter().map(|f| f.level).max() {
            Some(Level::Failure) => Exit::Error,
            Some(Level::Error) => Exit::Findings,
            _ => Exit::Ok,
        };
        let diagnostics = masked_diagnostics(self.findings.iter().map(|f| &f.diagnostic));
        match self.opts.format {
            Format::Json => {
                let list: Vec<JsonFinding> = self
                    .findings
                    .iter()
                    .zip(&diagnostics)
                    .map(|(f, d)| {
                        let (line, column) = d.line_col().unzip();
                        JsonFinding {
                            category: f.category,
                            severity: f.level,
                            image: f.image.clone(),
                            path: d.file.as_ref().map(|f| f.path.clone()),
                            line,
                            column,
                            message: d
                                .message
                                .strip_prefix(&format!("{}: ", f.category))
                                .unwrap_or(&d.message)
                                .to_string(),
                            fix: d.help.clone(),
                        }
                    })
                    .collect();
                let json = serde_json::to_string_pretty(&list).expect("findings serialize");
                report.output(format!("{json}\n"));
            }
            Format::Text => {
                for note in &self.notes {
                    report.status(format!("note: {note}"));
                }
                for (f, d) in self.findings.iter().zip(diagnostics) {
                    if f.level == Level::Info {
                        let help = d
                            .help
                            .as_deref()
                            .map(|h| format!(" ({h})"))
                            .unwrap_or_default();
                        report.status(format!("note: {}{help}", d.message));
                    } else {
                        report.push(Message::Diagnostic(d));
                    }
                }
                let count = |l: Level| self.findings.iter().filter(|f| f.level == l).count();
                if exit != Exit::Error {
                    let endpoints = join(self.clients.values().map(|c| c.endpoint().to_string()));
                    report.status(format!(
                        "asked {endpoints} about {} manifest(s): {} error(s), {} warning(s)",
                        self.asked,
                        count(Level::Error),
                        count(Level::Warning)
                    ));
                }
            }
        }
        exit
    }
}

/// What the registry said about a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Manifest {
    /// An image manifest.
    Single,
    /// An index: its entries.
    Index(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    digest: String,
    /// `os/arch[/variant]`, `unknown/unknown` for attestations.
    platform: String,
    attestation: bool,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    media_type: Option<String>,
    manifests: Option<Vec<RawEntry>>,
}

#[derive(serde::Deserialize)]
struct RawEntry {
    digest: String,
    platform: Option<RawPlatform>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
struct RawPlatform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

impl Manifest {
    fn parse(body: &[u8], content_type: Option<&str>) -> Result<Manifest, String> {
        let raw: RawManifest =
            serde_json::from_slice(body).map_err(|e| format!("not a manifest: {e}"))?;
        let media = raw.media_type.as_deref().or(content_type).unwrap_or("");
        let is_index = raw.manifests.is_some() || media.contains("index") || media.contains("list");
        if !is_index {
            return Ok(Manifest::Single);
        }
        let entries = raw
            .manifests
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let platform = e.platform.map_or_else(
                    || "unknown/unknown".to_string(),
                    |p| match p.variant {
                        Some(v) if !v.is_empty() => format!("{}/{}/{v}", p.os, p.architecture),
                        _ => format!("{}/{}", p.os, p.architecture),
                    },
                );
                let attestation = platform == "unknown/unknown"
                    || e.annotations
                        .get("vnd.docker.reference.type")
                        .map(String::as_str)
                        == Some("attestation-manifest");
                Entry {
                    digest: e.digest,
                    platform,
                    attestation,
                }
            })
            .collect();
        Ok(Manifest::Index(entries))
    }
}

/// Category, message and fix for a reference whose manifest does not exist.
fn missing_tag(shown: &str, reference: &str, tags: &[String]) -> (&'static str, String, String) {
    if reference.contains(':') {
        return (
            "tag-missing",
            format!("{shown}: no manifest with this digest (manifest unknown)"),
            "pin a digest the registry still has (a cleanup may have deleted this one)".to_string(),
        );
    }
    if let Some(near) = nearest_tag(reference, tags) {
        return (
            "wrong-tag",
            format!(
                "{shown} is not published (manifest unknown); the nearest published tag is `{near}`"
            ),
            format!("use `:{near}`, or change the tag rules so `{reference}` is published"),
        );
    }
    let some = join(tags.iter().rev().take(5).cloned());
    (
        "tag-missing",
        format!("{shown} is not published (manifest unknown)"),
        if tags.is_empty() {
            "publish it: run the publishing workflow".to_string()
        } else {
            format!(
                "use a published tag ({some}), or change the tag rules to publish `{reference}`"
            )
        },
    )
}

/// The published tag nearest to `wanted`: the same but for a `v` prefix or letter case,
/// else within an edit distance of 2 (the smallest wins; ties: the first).
pub fn nearest_tag<'a>(wanted: &str, tags: &'a [String]) -> Option<&'a str> {
    let norm = |s: &str| s.trim_start_matches(['v', 'V']).to_ascii_lowercase();
    let w = norm(wanted);
    if let Some(t) = tags.iter().find(|t| norm(t) == w) {
        return Some(t);
    }
    if wanted.len() > 64 {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for t in tags {
        if t.len() > 64 || t.len().abs_diff(wanted.len()) > 2 {
            continue;
        }
        let d = crate::config::edit_distance(wanted, t);
        if d <= 2 && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, t));
        }
    }
    best.map(|(_, t)| t)
}

/// The repositories to ask about: each service's image (primary and mirrors), with the
/// references to them in the repository's files; then the old names.
fn targets(model: &Model, cwd: &Path) -> Result<Vec<Target>, String> {
    let mut targets: Vec<Target> = Vec::new();
    let mut images = Vec::new();
    // Per image of the finder: its target.
    let mut image_target = Vec::new();
    for s in &model.services {
        for full in s.images() {
            let Some((host, repo)) = full.split_once('/') else {
                continue;
            };
            // A flat name (no owner segment) is asked about, but not looked for.
            if let Some((owner, path)) = repo.split_once('/') {
                images.push(Image {
                    host: host.to_string(),
                    owner: owner.to_string(),
                    path: path.to_string(),
                    repo: String::new(),
                });
                image_target.push(targets.len());
            }
            targets.push(Target {
                host: host.to_ascii_lowercase(),
                repo: repo.to_ascii_lowercase(),
                platforms: s.platforms.clone(),
                package: s.package.clone(),
                refs: Vec::new(),
                renamed_to: None,
            });
        }
    }
    let finder = Finder::new(&images);
    let found: Mutex<Vec<(usize, Ref)>> = Mutex::new(Vec::new());
    let scan = ScanOptions {
        excludes: model.exclude.clone(),
        paths: None,
        threads: 0,
    };
    for_each_file(&model.root, &scan, |rel, bytes| {
        if !is_consumer(rel) || !finder.has_candidate(bytes) {
            return Ok(());
        }
        let hits = finder.find(bytes);
        if hits.is_empty() {
            return Ok(());
        }
        let display = crate::load::display_path(cwd, &model.root.join(rel));
        let file = Arc::new(SourceFile {
            path: display,
            text: String::from_utf8_lossy(bytes).into(),
        });
        let mut refs = Vec::new();
        for f in hits {
            if f.form != Form::Image || bytes[f.start..f.end].contains(&b'$') {
                continue;
            }
            let slice = |r: &Range<usize>| String::from_utf8_lossy(&bytes[r.clone()]).into_owned();
            let reference = match (&f.tail.digest, &f.tail.tag) {
                (Some(d), _) => slice(d).trim_start_matches('@').to_string(),
                (None, Some(t)) => match resolve_default(&slice(t)) {
                    Some(tag) => tag,
                    None => continue,
                },
                (None, None) => "latest".to_string(),
            };
            // `check` reports references that are not valid; doctor asks only about valid ones.
            if !valid_reference(&reference) {
                continue;
            }
            let end = f.tail.range(f.end).end;
            refs.push((
                f.image,
                Ref {
                    reference,
                    place: Some((file.clone(), f.start..end)),
                },
            ));
        }
        found.lock().unwrap_or_else(|p| p.into_inner()).extend(refs);
        Ok(())
    })
    .map_err(|e| format!("cannot read the repository: {e}"))?;
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    found.sort_by(|a, b| {
        let key = |r: &Ref| r.place.as_ref().map(|(f, s)| (f.path.clone(), s.start));
        key(&a.1).cmp(&key(&b.1))
    });
    for (i, r) in found {
        targets[image_target[i]].refs.push(r);
    }
    for s in &model.services {
        for old in &s.renamed_from {
            if let Some((host, repo)) = old.split_once('/') {
                targets.push(Target {
                    host: host.to_ascii_lowercase(),
                    repo: repo.to_ascii_lowercase(),
                    platforms: Vec::new(),
                    package: repo.split_once('/').map_or(repo, |(_, p)| p).to_string(),
                    refs: Vec::new(),
                    renamed_to: Some(s.image.clone()),
                });
            }
        }
    }
    Ok(targets)
}

/// Files consumers pull from: YAML outside `.github/` (compose, Kubernetes, kustomize).
fn is_consumer(rel: &Path) -> bool {
    let in_github = rel
        .components()
        .any(|c| matches!(c, Component::Normal(n) if n == ".github"));
    let yaml = rel
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    yaml && !in_github
}

/// A tag as pulled: literal, or the default of `${VAR:-default}`; `None` when it depends on
/// a variable without a default.
fn resolve_default(tag: &str) -> Option<String> {
    if !tag.contains('$') {
        return Some(tag.to_string());
    }
    let inner = tag.strip_prefix("${")?.strip_suffix('}')?;
    let (_, default) = inner.split_once(":-").or_else(|| inner.split_once('-'))?;
    (!default.is_empty() && !default.contains(['$', '{', '}'])).then(|| default.to_string())
}

/// A tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) or a digest (`algorithm:hex`).
fn valid_reference(r: &str) -> bool {
    if let Some((alg, hex)) = r.split_once(':') {
        return !alg.is_empty()
            && alg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b))
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let b = r.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c))
}

fn show_ref(image: &str, reference: &str) -> String {
    if reference.contains(':') {
        format!("{image}@{reference}")
    } else {
        format!("{image}:{reference}")
    }
}

fn settings_url(owner: &str, package: &str) -> String {
    format!(
        "https://github.com/orgs/{owner}/packages/container/{}/settings (users/{owner}/... for a personal account)",
        package.replace('/', "%2F")
    )
}

fn rate_limited(endpoint: &str, retry_after: Option<u64>) -> RegistryError {
    RegistryError::Malformed {
        url: endpoint.to_string(),
        detail: format!(
            "rate-limit: too many requests (HTTP 429){}; wait and retry, or authenticate (authenticated pulls have higher limits)",
            retry_after
                .map(|s| format!(", retry after {s}s"))
                .unwrap_or_default()
        ),
    }
}

fn unexpected(url: &str, answer: Answer) -> RegistryError {
    match answer {
        Answer::RateLimited { retry_after } => rate_limited(url, retry_after),
        Answer::Unauthorized { message, .. } | Answer::Denied { message, .. } => {
            RegistryError::Malformed {
                url: url.to_string(),
                detail: format!("access refused after the tag list was readable: {message}"),
            }
        }
        other => RegistryError::Malformed {
            url: url.to_string(),
            detail: format!("unexpected answer {other:?}"),
        },
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nearest_tag_prefers_the_v_prefix_twin() {
        let published = tags(&["latest", "1.2.3", "1.2.4", "v2.0.0"]);
        assert_eq!(nearest_tag("v1.2.3", &published), Some("1.2.3"));
        assert_eq!(nearest_tag("2.0.0", &published), Some("v2.0.0"));
        assert_eq!(nearest_tag("1.2.33", &published), Some("1.2.3"));
        assert_eq!(nearest_tag("nightly", &published), None);
    }

    #[test]
    fn index_entries_and_attestations() {
        let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"digest":"sha256:a","platform":{"os":"linux","architecture":"arm","variant":"v7"}},
            {"digest":"sha256:b","platform":{"os":"unknown","architecture":"unknown"},
             "annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]}"#;
        let Manifest::Index(e) = Manifest::parse(body, None).unwrap() else {
            panic!("an index")
        };
        assert_eq!(e[0].platform, "linux/arm/v7");
        assert!(!e[0].attestation && e[1].attestation);
        assert_eq!(
            Manifest::parse(b"{\"config\":{}}", None).unwrap(),
            Manifest::Single
        );
        assert!(Manifest::parse(b"<html>", None).is_err());
    }

    #[test]
    fn only_valid_tags_and_digests_are_asked_about() {
        assert!(valid_reference("v1.2.3") && valid_reference("latest"));
        assert!(valid_reference(&format!("sha256:{}", "a".repeat(64))));
        assert!(!valid_reference("a?b") && !valid_reference(".x") && !valid_reference(""));
        assert!(!valid_reference(&"x".repeat(129)));
    }

    #[test]
    fn compose_default_tags_are_resolved() {
        assert_eq!(
            resolve_default("${IMAGE_TAG:-latest}").as_deref(),
            Some("latest")
        );
        assert_eq!(resolve_default("1.0").as_deref(), Some("1.0"));
        assert_eq!(resolve_default("${IMAGE_TAG}"), None);
    }
}
