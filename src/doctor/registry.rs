//! A small blocking client for the OCI distribution API, for `ghcr-gen doctor --online`:
//! manifest HEAD/GET and tag lists, nothing that writes.
//!
//! It follows the registry's `WWW-Authenticate` challenge the way docker does: `Bearer
//! realm=...,service=...,scope=...` asks the realm for a pull token (anonymously, or with
//! Basic credentials), `Basic` sends the credentials themselves. Every request is bounded
//! (connect timeout, a total timeout per call, response size limits, at most a few
//! redirects, never from https to http); 429 and 5xx answers are retried a few times with
//! backoff, honouring a short `Retry-After`. Plain `http://` is accepted only for loopback
//! hosts (tests, a local mirror). Secrets live in [`Secret`], whose `Debug` prints nothing
//! of them; they only ever go into an `Authorization` header.
//!
//! Statuses a doctor check interprets (found, 404, 401, 403, 429) come back as an
//! [`Answer`]; everything that means "could not ask" is a [`RegistryError`] (exit 2).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use base64::Engine as _;

pub use super::registry_creds::{CredentialSource, Credentials, find_credentials};

/// A secret (token or password). Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for an `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where the registry API is: scheme and `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or (loopback only) `http`.
    pub scheme: &'static str,
    /// `host[:port]` as written.
    pub authority: String,
}

impl Endpoint {
    /// `https://HOST`.
    pub fn https(host: &str) -> Endpoint {
        Endpoint {
            scheme: "https",
            authority: host.to_ascii_lowercase(),
        }
    }

    /// Parses `https://host[:port][/]` or, for a loopback host, `http://...`.
    pub fn parse(url: &str) -> Result<Endpoint, RegistryError> {
        let bad = |why: &str| RegistryError::Url {
            url: url.to_string(),
            why: why.to_string(),
        };
        let (scheme, rest) = if let Some(r) = url.strip_prefix("https://") {
            ("https", r)
        } else if let Some(r) = url.strip_prefix("http://") {
            ("http", r)
        } else {
            return Err(bad(
                "it must start with https:// (http:// only for a loopback address)",
            ));
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let authority = authority.strip_suffix("/v2").unwrap_or(authority);
        if authority.is_empty()
            || authority.contains(['/', '?', '#', '@', ' '])
            || authority.chars().any(|c| c.is_control())
        {
            return Err(bad("expected scheme://host[:port] with no path or user"));
        }
        let endpoint = Endpoint {
            scheme,
            authority: authority.to_ascii_lowercase(),
        };
        if scheme == "http" && !endpoint.is_loopback() {
            return Err(bad(
                "plain http:// is only accepted for loopback addresses (127.0.0.1, ::1, localhost); use https://",
            ));
        }
        Ok(endpoint)
    }

    /// The host without the port.
    pub fn host(&self) -> &str {
        host_of(&self.authority)
    }

    /// Whether the host is a loopback address.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }

    /// The URL of `path` (starting with `/`) on this endpoint.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.authority, path)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

/// Bounds on every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connecting (TCP and TLS).
    pub connect: Duration,
    /// One whole call, body included.
    pub call: Duration,
    /// Largest response body read.
    pub max_body: u64,
    /// Retries of a 429 or 5xx answer.
    pub retries: u32,
    /// First backoff; doubled per retry.
    pub backoff: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the retries.
    pub max_wait: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connect: Duration::from_secs(10),
            call: Duration::from_secs(30),
            max_body: 4 << 20,
            retries: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(20),
        }
    }
}

/// Whose rights a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// No credentials: an anonymous token, or nothing.
    Anonymous,
    /// The credentials found ([`find_credentials`]).
    Credentials,
}

/// What the registry answered, for the checks to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx.
    Found(Found),
    /// 404, with the error code (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, ...).
    NotFound { code: String },
    /// 401 after the challenge was followed: no token for this access, or no credentials.
    /// `token_endpoint` says the token request itself was refused.
    Unauthorized {
        message: String,
        token_endpoint: bool,
    },
    /// 403: authenticated but not allowed (`denied`).
    Denied {
        message: String,
        token_endpoint: bool,
    },
    /// 429 after the retries.
    RateLimited { retry_after: Option<u64> },
}

/// A 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found {
    pub content_type: Option<String>,
    /// `Docker-Content-Digest`.
    pub digest: Option<String>,
    /// `Link` (tag-list pagination).
    pub link: Option<String>,
    /// The body (empty for HEAD).
    pub body: Vec<u8>,
}

/// Why the registry could not be asked (exit 2). Never holds a secret.
#[derive(Debug)]
pub enum RegistryError {
    /// `--registry-url` or a token realm is not a URL doctor accepts.
    Url { url: String, why: String },
    /// Connection refused, unknown host, reset.
    Connect { url: String, detail: String },
    /// No complete answer within the call timeout.
    Timeout { url: String, after: Duration },
    /// A body larger than the limit.
    TooLarge { url: String, limit: u64 },
    /// More redirects than allowed (a loop), or a redirect to plain http.
    Redirects { url: String },
    /// An answer that is not what the API specifies (bad JSON, no token).
    Malformed { url: String, detail: String },
    /// The credentials were refused (401 with credentials).
    CredentialsRejected { url: String, source: String },
    /// A 5xx (after retries) or an unexpected status.
    Status { url: String, status: u16 },
    /// The credentials could not be read (Docker config, credential helper).
    Credentials(String),
    /// Any other transport failure (TLS, protocol).
    Transport { url: String, detail: String },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Url { url, why } => write!(f, "invalid registry URL `{url}`: {why}"),
            RegistryError::Connect { url, detail } => {
                write!(f, "cannot reach the registry at {url}: {detail}")
            }
            RegistryError::Timeout { url, after } => write!(
                f,
                "the registry did not answer {url} within {}s",
                after.as_secs_f32()
            ),
            RegistryError::TooLarge { url, limit } => write!(
                f,
                "the registry's answer to {url} is larger than {} KiB; doctor reads no more",
                limit / 1024
            ),
            RegistryError::Redirects { url } => write!(
                f,
                "too many redirects (a redirect loop?) or a redirect to plain http, from {url}"
            ),
            RegistryError::Malformed { url, detail } => {
                write!(f, "the registry's answer to {url} is malformed: {detail}")
            }
            RegistryError::CredentialsRejected { url, source } => write!(
                f,
                "the registry refused the credentials from {source} ({url} answered 401): expired-token: the token expired, was revoked or lacks read:packages"
            ),
            RegistryError::Status { url, status } => {
                write!(f, "the registry answered {url} with HTTP {status}")
            }
            RegistryError::Credentials(why) => write!(f, "cannot read the credentials: {why}"),
            RegistryError::Transport { url, detail } => {
                write!(f, "request to {url} failed: {detail}")
            }
        }
    }
}

impl std::error::Error for RegistryError {}

impl RegistryError {
    /// How to fix it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            RegistryError::CredentialsRejected { source, .. } => Some(format!(
                "create a new classic PAT with read:packages (fine-grained PATs do not work with GHCR) and put it in {source}; or unset it to check anonymously"
            )),
            RegistryError::Connect { .. } | RegistryError::Timeout { .. } => {
                Some("check the network, the registry's status page, or --registry-url".to_string())
            }
            _ => None,
        }
    }
}

/// A client for one registry endpoint.
pub struct Client {
    agent: ureq::Agent,
    endpoint: Endpoint,
    creds: Option<Credentials>,
    limits: Limits,
    /// Pull tokens by access and repository.
    tokens: HashMap<(Access, String), Secret>,
    /// The registry asked for Basic credentials.
    basic: bool,
}

/// `application/vnd.oci.image.index.v1+json` and the others a manifest request accepts.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

impl Client {
    /// A client for `endpoint` with optional credentials.
    pub fn new(endpoint: Endpoint, creds: Option<Credentials>, limits: Limits) -> Client {
        let mut config = ureq::Agent::config_builder()
            .timeout_connect(Some(limits.connect))
            .timeout_global(Some(limits.call))
            .http_status_as_error(false)
            .max_redirects(5)
            .max_redirects_will_error(true)
            .user_agent(concat!("ghcr-gen/", env!("CARGO_PKG_VERSION")));
        if endpoint.is_loopback() {
            // A proxy from the environment must not see a loopback registry's traffic.
            config = config.proxy(None);
        } else {
            config = config.https_only(true);
        }
        Client {
            agent: config.build().into(),
            endpoint,
            creds,
            limits,
            tokens: HashMap::new(),
            basic: false,
        }
    }

    /// The endpoint asked.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Whether credentials were found.
    pub fn has_credentials(&self) -> bool {
        self.creds.is_some()
    }

    /// Where the credentials came from.
    pub fn credential_source(&self) -> Option<String> {
        self.creds.as_ref().map(|c| c.source.to_string())
    }

    /// HEAD (`body = false`) or GET of the manifest `reference` (tag or digest) of `repo`.
    pub fn manifest(
        &mut self,
        repo: &str,
        reference: &str,
        access: Access,
        body: bool,
    ) -> Result<Answer, RegistryError> {
        let path = format!("/v2/{repo}/manifests/{reference}");
        self.call(&path, repo, access, body, Some(MANIFEST_ACCEPT))
    }

    /// Every tag of `repo` (following `Link` pagination, at most `max_pages` pages), or the
    /// answer that refused them.
    pub fn tags(
        &mut self,
        repo: &str,
        access: Access,
        max_pages: usize,
    ) -> Result<Result<Vec<String>, Answer>, RegistryError> {
        let mut tags = Vec::new();
        let mut path = format!("/v2/{repo}/tags/list?n=1000");
        for _ in 0..max_pages {
            let found = match self.call(&path, repo, access, true, Some("application/json"))? {
                Answer::Found(f) => f,
                other => return Ok(Err(other)),
            };
            let url = self.endpoint.url(&path);
            let list: TagList =
                serde_json::from_slice(&found.body).map_err(|e| RegistryError::Malformed {
                    url: url.clone(),
                    detail: format!("not a tag list: {e}"),
                })?;
            tags.extend(list.tags.unwrap_or_default());
            match found.link.as_deref().and_then(next_link) {
                Some(next) if next.starts_with(&format!("/v2/{repo}/tags/list")) => path = next,
                _ => return Ok(Ok(tags)),
            }
        }
        Ok(Ok(tags))
    }

    /// One API call with the challenge followed: the first try uses a cached token (or
    /// none); a 401 with a challenge gets a token (or sends Basic credentials) and tries
    /// once more.
    fn call(
        &mut self,
        path: &str,
        repo: &str,
        access: Access,
        get: bool,
        accept: Option<&str>,
    ) -> Result<Answer, RegistryError> {
        let url = self.endpoint.url(path);
        let mut retried = false;
        loop {
            let auth = self.authorization(access, repo);
            let mut resp = self.send(&url, get, accept, auth.as_ref())?;
            let status = resp.status().as_u16();
            if status == 401 && !retried {
                retried = true;
                let challenge = header(&resp, "www-authenticate").map(|h| Challenge::parse(&h));
                match challenge {
                    Some(Challenge::Bearer {
                        realm,
                        service,
                        scope,
                    }) => {
                        let scope = scope.unwrap_or_else(|| format!("repository:{repo}:pull"));
                        match self.fetch_token(&realm, service.as_deref(), &scope, access)? {
                            Ok(token) => {
                                self.tokens.insert((access, repo.to_string()), token);
                                continue;
                            }
                            Err(answer) => return Ok(answer),
                        }
                    }
                    Some(Challenge::Basic)
                        if access == Access::Credentials && self.creds.is_some() =>
                    {
                        self.basic = true;
                        continue;
                    }
                    _ => {}
                }
            }
            let body = if get || status >= 400 {
                read_body(&mut resp, &url, &self.limits)?
            } else {
                Vec::new()
            };
            if status == 401 && access == Access::Credentials && self.basic {
                return Err(self.rejected(&url));
            }
            return classify(&url, status, &resp, body, false);
        }
    }

    /// The `Authorization` header for `access` to `repo`, when there is one to send.
    fn authorization(&self, access: Access, repo: &str) -> Option<Secret> {
        if let Some(token) = self.tokens.get(&(access, repo.to_string())) {
            return Some(Secret(format!("Bearer {}", token.expose())));
        }
        match (&self.creds, access) {
            (Some(c), Access::Credentials) if self.basic => Some(basic_header(c)),
            _ => None,
        }
    }

    /// Asks the token realm for a pull token: `Ok(Err(answer))` when it refuses.
    fn fetch_token(
        &mut self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        access: Access,
    ) -> Result<Result<Secret, Answer>, RegistryError> {
        // Credentials go to https realms only (or loopback http): never in clear text.
        check_realm(realm)?;
        let mut url = realm.to_string();
        url.push(if realm.contains('?') { '&' } else { '?' });
        if let Some(s) = service {
            url.push_str(&format!("service={}&", percent(s)));
        }
        url.push_str(&format!("scope={}", percent(scope)));
        let auth = match (&self.creds, access) {
            (Some(c), Access::Credentials) => Some(basic_header(c)),
            _ => None,
        };
        let mut resp = self.send(&url, true, Some("application/json"), auth.as_ref())?;
        let status = resp.status().as_u16();
        let body = read_body(&mut resp, realm, &self.limits)?;
        if status == 200 {
            let token: TokenAnswer =
                serde_json::from_slice(&body).map_err(|e| RegistryError::Malformed {
                    url: realm.to_string(),
                    detail: format!("not a token answer: {e}"),
                })?;
            return match token.token.or(token.access_token) {
                Some(t) if !t.is_empty() => Ok(Ok(Secret(t))),
                _ => Err(RegistryError::Malformed {
                    url: realm.to_string(),
                    detail: "the token answer holds no token".to_string(),
                }),
            };
        }
        if status == 401 && access == Access::Credentials && self.creds.is_some() {
            return Err(self.rejected(realm));
        }
        classify(realm, status, &resp, body, true).map(Err)
    }

    fn rejected(&self, url: &str) -> RegistryError {
        RegistryError::CredentialsRejected {
            url: url.to_string(),
            source: self.credential_source().unwrap_or_default(),
        }
    }

    /// Sends one request, retrying 429 and 5xx with backoff.
    fn send(
        &self,
        url: &str,
        get: bool,
        accept: Option<&str>,
        auth: Option<&Secret>,
    ) -> Result<ureq::http::Response<ureq::Body>, RegistryError> {
        let mut attempt = 0;
        loop {
            let mut req = if get {
                ureq::http::Request::get(url)
            } else {
                ureq::http::Request::head(url)
            };
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(a) = auth {
                req = req.header("Authorization", a.expose());
            }
            let req = req.body(()).map_err(|e| RegistryError::Url {
                url: url.to_string(),
                why: e.to_string(),
            })?;
            let resp = self
                .agent
                .run(req)
                .map_err(|e| transport_error(url, e, &self.limits))?;
            let status = resp.status().as_u16();
            if (status == 429 || status >= 500) && attempt < self.limits.retries {
                let wait = match retry_after(&resp) {
                    Some(s) => Duration::from_secs(s),
                    None => self.limits.backoff * 2u32.pow(attempt),
                };
                if wait <= self.limits.max_wait {
                    attempt += 1;
                    std::thread::sleep(wait);
                    continue;
                }
            }
            return Ok(resp);
        }
    }
}

/// Turns a final status into an [`Answer`], or an error for what no check interprets.
fn classify(
    url: &str,
    status: u16,
    resp: &ureq::http::Response<ureq::Body>,
    body: Vec<u8>,
    token_endpoint: bool,
) -> Result<Answer, RegistryError> {
    let message = || error_message(&body).unwrap_or_else(|| format!("HTTP {status}"));
    Ok(match status {
        200..=299 => Answer::Found(Found {
            content_type: header(resp, "content-type"),
            digest: header(resp, "docker-content-digest"),
            link: header(resp, "link"),
            body,
        }),
        404 => Answer::NotFound {
            code: error_code(&body).unwrap_or_else(|| "NOT_FOUND".to_string()),
        },
        401 => Answer::Unauthorized {
            message: message(),
            token_endpoint,
        },
        403 => Answer::Denied {
            message: message(),
            token_endpoint,
        },
        429 => Answer::RateLimited {
            retry_after: retry_after(resp),
        },
        _ => {
            return Err(RegistryError::Status {
                url: url.to_string(),
                status,
            });
        }
    })
}

fn transport_error(url: &str, e: ureq::Error, limits: &Limits) -> RegistryError {
    let url = url.to_string();
    match e {
        ureq::Error::Timeout(_) => RegistryError::Timeout {
            url,
            after: limits.call,
        },
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            RegistryError::Redirects { url }
        }
        ureq::Error::RequireHttpsOnly(_) => RegistryError::Redirects { url },
        ureq::Error::BodyExceedsLimit(limit) => RegistryError::TooLarge { url, limit },
        ureq::Error::HostNotFound => RegistryError::Connect {
            url,
            detail: "unknown host".to_string(),
        },
        ureq::Error::ConnectionFailed => RegistryError::Connect {
            url,
            detail: "connection failed".to_string(),
        },
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                RegistryError::Timeout {
                    url,
                    after: limits.call,
                }
            }
            _ => RegistryError::Connect {
                url,
                detail: io.to_string(),
            },
        },
        other => RegistryError::Transport {
            url,
            detail: other.to_string(),
        },
    }
}

fn read_body(
    resp: &mut ureq::http::Response<ureq::Body>,
    url: &str,
    limits: &Limits,
) -> Result<Vec<u8>, RegistryError> {
    resp.body_mut()
        .with_config()
        .limit(limits.max_body)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => RegistryError::TooLarge {
                url: url.to_string(),
                limit: limits.max_body,
            },
            other => transport_error(url, other, limits),
        })
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` in seconds (the delta form; an HTTP date counts as absent).
fn retry_after(resp: &ureq::http::Response<ureq::Body>) -> Option<u64> {
    header(resp, "retry-after").and_then(|v| parse_retry_after(&v))
}

/// The seconds of a `Retry-After` value, when it is a number.
pub fn parse_retry_after(v: &str) -> Option<u64> {
    v.trim().parse::<u64>().ok()
}

fn basic_header(c: &Credentials) -> Secret {
    let raw = format!("{}:{}", c.user, c.secret.expose());
    Secret(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    ))
}

/// A token realm URL must be https (or loopback http).
fn check_realm(realm: &str) -> Result<Endpoint, RegistryError> {
    let base = match realm.find("://") {
        Some(i) => {
            let after = &realm[i + 3..];
            let end = after.find(['/', '?']).unwrap_or(after.len());
            &realm[..i + 3 + end]
        }
        None => realm,
    };
    Endpoint::parse(base).map_err(|_| RegistryError::Url {
        url: realm.to_string(),
        why: "the token realm must be https:// (http:// only on a loopback address)".to_string(),
    })
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    Basic,
    Other,
}

impl Challenge {
    /// Parses `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`.
    pub fn parse(h: &str) -> Challenge {
        let h = h.trim();
        let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return Challenge::Basic;
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Challenge::Other;
        }
        let params = auth_params(rest);
        let get = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        match get("realm") {
            Some(realm) => Challenge::Bearer {
                realm,
                service: get("service"),
                scope: get("scope"),
            },
            None => Challenge::Other,
        }
    }
}

/// `k="v",k2=v2` pairs; quoted values may hold commas and `\"`.
fn auth_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next().is_none() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_string(), value.trim().to_string()));
    }
}

/// The path and query of the next page in a `Link: </v2/...>; rel="next"` header.
fn next_link(link: &str) -> Option<String> {
    let start = link.find('<')? + 1;
    let end = start + link[start..].find('>')?;
    let target = &link[start..end];
    if !link[end..].contains("next") {
        return None;
    }
    // Absolute links are accepted only as paths on the same registry.
    let path = match target.find("://") {
        Some(i) => &target[i + 3 + target[i + 3..].find('/')?..],
        None => target,
    };
    path.starts_with("/v2/").then(|| path.to_string())
}

/// Percent-encodes everything but unreserved characters.
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Whether `host` is `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(serde::Deserialize)]
struct TagList {
    tags: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
}

#[derive(serde::Deserialize)]
struct ErrorList {
    errors: Vec<ApiError>,
}

#[derive(serde::Deserialize)]
struct ApiError {
    code: Option<String>,
    message: Option<String>,
}

/// The first `code` of a distribution error body.
fn error_code(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<ErrorList>(body)
        .ok()?
        .errors
        .into_iter()
        .find_map(|e| e.code)
}

/// `code: message` of the first error of a distribution error body.
fn error_message(body: &[u8]) -> Option<String> {
    let e = serde_json::from_slice::<ErrorList>(body)
        .ok()?
        .errors
        .into_iter()
        .next()?;
    let text = match (e.code, e.message) {
        (Some(c), Some(m)) => format!("{}: {m}", c.to_ascii_lowercase()),
        (Some(c), None) => c.to_ascii_lowercase(),
        (None, Some(m)) => m,
        (None, None) => return None,
    };
    Some(text.chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge_with_quoted_commas() {
        let c = Challenge::parse(
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/n:pull,push""#,
        );
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "https://ghcr.io/token".into(),
                service: Some("ghcr.io".into()),
                scope: Some("repository:o/n:pull,push".into()),
            }
        );
        assert_eq!(Challenge::parse("Basic realm=\"x\""), Challenge::Basic);
        assert_eq!(Challenge::parse("Bearer"), Challenge::Other);
    }

    #[test]
    fn plain_http_only_for_loopback() {
        assert!(Endpoint::parse("http://127.0.0.1:5000").is_ok());
        assert!(Endpoint::parse("http://[::1]:5000/").is_ok());
        assert!(Endpoint::parse("http://localhost:5000/v2/").is_ok());
        assert!(Endpoint::parse("http://ghcr.io").is_err());
        assert!(Endpoint::parse("http://127.0.0.1.example.com").is_err());
        assert!(Endpoint::parse("https://user@ghcr.io").is_err());
        assert!(Endpoint::parse("ftp://x").is_err());
        assert_eq!(
            Endpoint::parse("https://GHCR.io/").unwrap().url("/v2/"),
            "https://ghcr.io/v2/"
        );
    }

    #[test]
    fn credentials_go_to_https_realms_only() {
        assert!(check_realm("https://ghcr.io/token").is_ok());
        assert!(check_realm("http://127.0.0.1:5001/token?x=1").is_ok());
        assert!(check_realm("http://auth.example.com/token").is_err());
        assert!(check_realm("/token").is_err());
    }

    #[test]
    fn secrets_are_not_debug_printed() {
        let s = Secret::new("s3cr3t-value");
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    #[test]
    fn next_link_stays_on_the_registry() {
        assert_eq!(
            next_link(r#"</v2/o/n/tags/list?last=a&n=2>; rel="next""#).as_deref(),
            Some("/v2/o/n/tags/list?last=a&n=2")
        );
        assert_eq!(next_link("<ftp://x>; rel=\"next\""), None);
        assert_eq!(next_link("</v2/o/n/tags/list>; rel=\"prev\""), None);
    }

    #[test]
    fn retry_after_takes_seconds_only() {
        assert_eq!(parse_retry_after(" 3 "), Some(3));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn scope_is_percent_encoded() {
        assert_eq!(percent("repository:o/n:pull"), "repository%3Ao%2Fn%3Apull");
    }
}
