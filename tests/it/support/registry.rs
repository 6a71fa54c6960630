//! A real OCI registry for the `doctor --online` tests: Debian's `docker-registry` (CNCF
//! distribution 2.8) on a free 127.0.0.1 port, with no auth, htpasswd Basic auth, or token
//! auth through [`TokenServer`], a small token service behaving like ghcr.io's; content is
//! put in through the registry API ([`Pusher`]). Also [`FakeServer`], a loopback HTTP
//! server misbehaving on purpose (silent, malformed, huge, redirecting).
//!
//! The tools are installed by scripts/e2e/install.sh when missing; a test fails (never skips) when they
//! cannot be.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use tempfile::TempDir;

/// Installs `docker-registry` and `apache2-utils` (htpasswd) once, when missing; panics
/// when that fails.
pub(crate) fn ensure_tools() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let have = |t: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if have("docker-registry") && have("htpasswd") {
            return;
        }
        // The project's one installer (also used by the engine tests): it serialises
        // concurrent installs with a lock, so two test threads never race apt.
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/e2e/install.sh");
        let ok = Command::new("bash")
            .arg(script)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "scripts/e2e/install.sh failed: cannot install docker-registry and apache2-utils"
        );
        assert!(
            have("docker-registry") && have("htpasswd"),
            "docker-registry or htpasswd missing after apt-get install"
        );
    });
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How the registry authenticates.
pub(crate) enum Auth {
    None,
    /// Basic auth with this user and password.
    Htpasswd(String, String),
    /// Bearer tokens from this token server.
    Token(TokenServer),
}

/// A running `docker-registry`, stopped on drop.
pub(crate) struct Registry {
    pub(crate) port: u16,
    pub(crate) dir: TempDir,
    child: Child,
    pub(crate) auth: Auth,
}

impl Registry {
    /// Starts a registry with `auth` and waits until it answers (on another free port
    /// when another process took the first one meanwhile).
    pub(crate) fn start(auth: Auth) -> Registry {
        ensure_tools();
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("config.yml");
        let auth_config = auth_config(&auth, dir.path());
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port();
            let config = format!(
                "version: 0.1\nlog: {{level: info}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp: {{addr: 127.0.0.1:{port}}}\n{auth_config}",
                dir.path().join("data").display()
            );
            std::fs::write(&config_path, config).unwrap();
            let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
            let mut child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config_path)
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("docker-registry starts");
            if wait_ready(&mut child, port) {
                return Registry {
                    port,
                    dir,
                    child,
                    auth,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(dir.path().join("registry.log")).unwrap_or_default();
        }
        panic!("docker-registry did not start:\n{last_log}");
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The registry's log so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// A pusher with full rights.
    pub(crate) fn pusher(&self) -> Pusher<'_> {
        Pusher {
            registry: self,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .proxy(None)
                .max_redirects(0)
                .build()
                .into(),
        }
    }
}

/// The `auth:` section of the registry's config for `auth` (files it needs written in
/// `dir`).
fn auth_config(auth: &Auth, dir: &Path) -> String {
    match auth {
        Auth::None => String::new(),
        Auth::Htpasswd(user, pass) => {
            let file = dir.join("htpasswd");
            // The password goes in on stdin (-i), never on a command line.
            let mut child = Command::new("htpasswd")
                .args(["-B", "-i", "-n", user])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("htpasswd runs");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(pass.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "htpasswd failed");
            std::fs::write(&file, out.stdout).unwrap();
            format!(
                "auth:\n  htpasswd: {{realm: test, path: {}}}\n",
                file.display()
            )
        }
        Auth::Token(t) => {
            let bundle = dir.join("bundle.pem");
            std::fs::write(&bundle, t.cert_pem()).unwrap();
            format!(
                "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                t.port,
                bundle.display()
            )
        }
    }
}

/// Waits until the registry answers on `port`; false when it exited or never answered.
fn wait_ready(child: &mut Child, port: u16) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
            let mut head = [0u8; 12];
            if s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `service` the registry and the token server agree on.
pub(crate) const SERVICE: &str = "test-registry";
/// The token issuer the registry trusts.
const ISSUER: &str = "test-token-issuer";

/// Puts content into a registry through the API: blobs, manifests, indexes, deletes.
pub(crate) struct Pusher<'a> {
    registry: &'a Registry,
    agent: ureq::Agent,
}

/// A pushed manifest: digest, size, media type.
#[derive(Clone)]
pub(crate) struct Pushed {
    pub(crate) digest: String,
    pub(crate) size: usize,
    pub(crate) media_type: &'static str,
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

impl Pusher<'_> {
    fn auth(&self, repo: &str) -> Option<String> {
        match &self.registry.auth {
            Auth::None => None,
            Auth::Htpasswd(u, p) => Some(format!("Basic {}", STANDARD.encode(format!("{u}:{p}")))),
            Auth::Token(t) => Some(format!(
                "Bearer {}",
                t.mint("admin", Some((repo, &["pull", "push", "delete"])))
            )),
        }
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        repo: &str,
        ctype: Option<&str>,
        body: &[u8],
    ) -> (u16, Option<String>) {
        let mut req = ureq::http::Request::builder().method(method).uri(url);
        if let Some(a) = self.auth(repo) {
            req = req.header("Authorization", a);
        }
        if let Some(c) = ctype {
            req = req.header("Content-Type", c);
        }
        let resp = self.agent.run(req.body(body.to_vec()).unwrap()).unwrap();
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        (status, location)
    }

    /// Uploads a blob (monolithic), returns its digest.
    pub(crate) fn blob(&self, repo: &str, data: &[u8]) -> String {
        let digest = sha256(data);
        let base = self.registry.url();
        let (status, location) = self.send(
            "POST",
            &format!("{base}/v2/{repo}/blobs/uploads/"),
            repo,
            None,
            b"",
        );
        assert_eq!(status, 202, "blob upload start for {repo}");
        let location = location.unwrap();
        let location = if location.starts_with('/') {
            format!("{base}{location}")
        } else {
            location
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let (status, _) = self.send(
            "PUT",
            &format!("{location}{sep}digest={digest}"),
            repo,
            Some("application/octet-stream"),
            data,
        );
        assert_eq!(status, 201, "blob upload for {repo}");
        digest
    }

    /// PUTs a manifest under `reference` (a tag, or its digest when `None`).
    pub(crate) fn manifest(
        &self,
        repo: &str,
        reference: Option<&str>,
        media_type: &'static str,
        body: &str,
    ) -> Pushed {
        let digest = sha256(body.as_bytes());
        let reference = reference.unwrap_or(&digest);
        let (status, _) = self.send(
            "PUT",
            &format!("{}/v2/{repo}/manifests/{reference}", self.registry.url()),
            repo,
            Some(media_type),
            body.as_bytes(),
        );
        assert_eq!(status, 201, "manifest PUT {repo}:{reference}");
        Pushed {
            digest,
            size: body.len(),
            media_type,
        }
    }

    /// A single-platform image manifest for `os/arch`, pushed by digest or under `tag`.
    pub(crate) fn image(&self, repo: &str, tag: Option<&str>, os: &str, arch: &str) -> Pushed {
        let config = format!(
            r#"{{"architecture":"{arch}","os":"{os}","rootfs":{{"type":"layers","diff_ids":[]}}}}"#
        );
        let layer = format!("layer of {repo} for {os}/{arch}");
        let body = self.manifest_body(
            repo,
            &config,
            layer.as_bytes(),
            "application/vnd.oci.image.layer.v1.tar",
        );
        self.manifest(repo, tag, OCI_MANIFEST, &body)
    }

    fn manifest_body(&self, repo: &str, config: &str, layer: &[u8], layer_type: &str) -> String {
        let c = self.blob(repo, config.as_bytes());
        let l = self.blob(repo, layer);
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{c}","size":{}}},"layers":[{{"mediaType":"{layer_type}","digest":"{l}","size":{}}}]}}"#,
            config.len(),
            layer.len()
        )
    }

    /// An attestation manifest (in-toto layer) for the image `subject`.
    pub(crate) fn attestation(&self, repo: &str) -> Pushed {
        let body = self.manifest_body(
            repo,
            r#"{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}"#,
            br#"{"_type":"https://in-toto.io/Statement/v0.1"}"#,
            "application/vnd.in-toto+json",
        );
        self.manifest(repo, None, OCI_MANIFEST, &body)
    }

    /// An index of `entries` (manifest, platform `os/arch` or `None` for an attestation of
    /// the first entry) under `tag`.
    pub(crate) fn index(
        &self,
        repo: &str,
        tag: &str,
        entries: &[(&Pushed, Option<&str>)],
    ) -> Pushed {
        let subject = entries
            .first()
            .map(|(p, _)| p.digest.clone())
            .unwrap_or_default();
        let list: Vec<String> = entries
            .iter()
            .map(|(p, platform)| {
                let (platform, annotations) = match platform {
                    Some(pl) => {
                        let (os, arch) = pl.split_once('/').unwrap();
                        (format!(r#"{{"architecture":"{arch}","os":"{os}"}}"#), String::new())
                    }
                    None => (
                        r#"{"architecture":"unknown","os":"unknown"}"#.to_string(),
                        format!(
                            r#","annotations":{{"vnd.docker.reference.digest":"{subject}","vnd.docker.reference.type":"attestation-manifest"}}"#
                        ),
                    ),
                };
                format!(
                    r#"{{"mediaType":"{}","digest":"{}","size":{},"platform":{platform}{annotations}}}"#,
                    p.media_type, p.digest, p.size
                )
            })
            .collect();
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
            list.join(",")
        );
        self.manifest(repo, Some(tag), OCI_INDEX, &body)
    }

    /// Deletes the manifest `digest` (DELETE API).
    pub(crate) fn delete(&self, repo: &str, digest: &str) {
        let (status, _) = self.send(
            "DELETE",
            &format!("{}/v2/{repo}/manifests/{digest}", self.registry.url()),
            repo,
            None,
            b"",
        );
        assert_eq!(status, 202, "DELETE {repo}@{digest}");
    }
}

/// `sha256:HEX` of `data`.
pub(crate) fn sha256(data: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Who may pull what from the [`TokenServer`], like ghcr.io: anonymous tokens only for
/// public repositories; a known user gets a token for the repositories it may read (and for
/// names that do not exist, whose 404 the registry then gives), `denied` (403) for the
/// others; a wrong password is 401.
#[derive(Default, Clone)]
pub(crate) struct Policy {
    /// Repositories anyone may pull.
    pub(crate) public: Vec<String>,
    /// user → password.
    pub(crate) users: BTreeMap<String, String>,
    /// user → private repositories it may not read.
    pub(crate) denied: BTreeMap<String, Vec<String>>,
    /// Users whose token was revoked: `denied` for everything (as ghcr.io answers an
    /// expired PAT).
    pub(crate) revoked: Vec<String>,
    /// Delay before each answer (to watch the client's process while it waits).
    pub(crate) delay: Duration,
}

/// A token server on 127.0.0.1 (a thread with a `TcpListener`) signing ES256 JWTs with a
/// self-signed certificate, carried in the `x5c` header, that the registry trusts.
pub(crate) struct TokenServer {
    pub(crate) port: u16,
    key: Arc<EcdsaKeyPair>,
    cert_der: Vec<u8>,
    cert_pem: String,
    stop: Arc<AtomicBool>,
    /// Every request line received (path and query), for the tests to look at.
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
}

impl TokenServer {
    pub(crate) fn start(policy: Policy) -> TokenServer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key = Arc::new(
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap(),
        );
        let key_pair = rcgen::KeyPair::try_from(pkcs8.as_ref()).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["token-issuer".to_string()])
            .unwrap()
            .self_signed(&key_pair)
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let server = TokenServer {
            port,
            key,
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            stop: Arc::new(AtomicBool::new(false)),
            requests: Arc::new(Mutex::new(Vec::new())),
        };
        let signer = server.signer();
        let stop = server.stop.clone();
        let requests = server.requests.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let signer = signer.clone();
                        let policy = policy.clone();
                        let requests = requests.clone();
                        std::thread::spawn(move || {
                            serve_token(stream, &signer, &policy, &requests)
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        server
    }

    fn signer(&self) -> Signer {
        Signer {
            key: self.key.clone(),
            x5c: STANDARD.encode(&self.cert_der),
        }
    }

    /// The PEM certificate the registry's `rootcertbundle` holds.
    pub(crate) fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }

    /// A token for `subject` granting `actions` on a repository.
    pub(crate) fn mint(&self, subject: &str, access: Option<(&str, &[&str])>) -> String {
        self.signer().token(subject, access)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[derive(Clone)]
struct Signer {
    key: Arc<EcdsaKeyPair>,
    x5c: String,
}

impl Signer {
    fn token(&self, subject: &str, access: Option<(&str, &[&str])>) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": [self.x5c]});
        let access: Vec<serde_json::Value> = access
            .map(|(name, actions)| serde_json::json!({"type": "repository", "name": name, "actions": actions}))
            .into_iter()
            .collect();
        let claims = serde_json::json!({
            "iss": ISSUER, "sub": subject, "aud": SERVICE,
            "exp": now + 600, "nbf": now - 60, "iat": now,
            "jti": format!("{now}-{}", rand_u64()), "access": access,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .unwrap();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut b).unwrap();
    u64::from_le_bytes(b)
}

/// Answers one token request per the policy.
fn serve_token(stream: TcpStream, signer: &Signer, policy: &Policy, requests: &Mutex<Vec<String>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((target, headers)) = read_request(&stream) else {
        return;
    };
    requests.lock().unwrap().push(target.clone());
    std::thread::sleep(policy.delay);
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let param = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .map(percent_decode)
    };
    let repo = param("scope").and_then(|s| {
        let rest = s.strip_prefix("repository:")?;
        let (name, _actions) = rest.rsplit_once(':')?;
        Some(name.to_string())
    });
    let user = headers.get("authorization").and_then(|a| {
        let raw = STANDARD.decode(a.strip_prefix("Basic ")?).ok()?;
        let (u, p) = String::from_utf8(raw)
            .ok()?
            .split_once(':')
            .map(|(u, p)| (u.to_string(), p.to_string()))?;
        Some((u, p))
    });
    let error = |status: &str, code: &str, message: &str| {
        (
            status.to_string(),
            format!(r#"{{"errors":[{{"code":"{code}","message":"{message}"}}]}}"#),
        )
    };
    let (status, body) = match (&user, &repo) {
        (Some((u, p)), _) if policy.users.get(u) != Some(p) => error(
            "401 Unauthorized",
            "UNAUTHORIZED",
            "authentication required",
        ),
        (Some((u, _)), _) if policy.revoked.contains(u) => {
            error("403 Forbidden", "DENIED", "denied")
        }
        (Some((u, _)), Some(r))
            if !policy.public.contains(r)
                && policy.denied.get(u).is_some_and(|d| d.contains(r)) =>
        {
            error(
                "403 Forbidden",
                "DENIED",
                "requested access to the resource is denied",
            )
        }
        (None, Some(r)) if !policy.public.contains(r) => error(
            "401 Unauthorized",
            "UNAUTHORIZED",
            "authentication required",
        ),
        (who, repo) => {
            let subject = who.as_ref().map_or("", |(u, _)| u.as_str());
            let token = signer.token(subject, repo.as_deref().map(|r| (r, &["pull"][..])));
            (
                "200 OK".to_string(),
                format!(r#"{{"token":"{token}","expires_in":600}}"#),
            )
        }
    };
    respond(stream, &status, "application/json", &[], body.as_bytes());
}

/// The request target and lowercased headers of one HTTP request.
fn read_request(stream: &TcpStream) -> Option<(String, BTreeMap<String, String>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1)?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    Some((target, headers))
}

fn respond(
    mut stream: TcpStream,
    status: &str,
    ctype: &str,
    extra: &[(&str, String)],
    body: &[u8],
) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How a [`FakeServer`] misbehaves.
#[derive(Clone, Copy)]
pub(crate) enum Misbehaviour {
    /// Accepts connections and never answers.
    Silent,
    /// Answers every request 200 with a body that is not JSON.
    MalformedJson,
    /// Answers 200 with an endless body.
    Huge,
    /// Redirects every request to itself.
    RedirectLoop,
    /// Answers 200 and then a byte every 200 ms, for ever.
    Drip,
    /// Answers 429 with `Retry-After: 1`.
    RateLimited,
    /// Answers 503.
    Unavailable,
}

/// A loopback HTTP server that misbehaves; stops on drop.
pub(crate) struct FakeServer {
    pub(crate) port: u16,
    stop: Arc<AtomicBool>,
    /// Requests received.
    pub(crate) hits: Arc<AtomicUsize>,
}

impl FakeServer {
    pub(crate) fn start(how: Misbehaviour) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(AtomicUsize::new(0));
        let flag = stop.clone();
        let counter = hits.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                counter.fetch_add(1, Ordering::Relaxed);
                match how {
                    Misbehaviour::Silent => held.push(stream),
                    _ => {
                        let flag = flag.clone();
                        std::thread::spawn(move || misbehave(stream, how, &flag));
                    }
                }
            }
        });
        FakeServer { port, stop, hits }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn misbehave(stream: TcpStream, how: Misbehaviour, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((target, _)) = read_request(&stream) else {
        return;
    };
    match how {
        Misbehaviour::Silent => {}
        Misbehaviour::MalformedJson => {
            respond(
                stream,
                "200 OK",
                "application/json",
                &[],
                b"{\"tags\": [\"1.0\", oops",
            );
        }
        Misbehaviour::RateLimited => {
            let body = br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 1s"}]}"#;
            let extra = [("Retry-After", "1".to_string())];
            respond(
                stream,
                "429 Too Many Requests",
                "application/json",
                &extra,
                body,
            );
        }
        Misbehaviour::Drip => {
            let mut stream = stream;
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
            );
            while !stop.load(Ordering::Relaxed) && stream.write_all(b" ").is_ok() {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        Misbehaviour::Unavailable => {
            respond(
                stream,
                "503 Service Unavailable",
                "text/plain",
                &[],
                b"down",
            );
        }
        Misbehaviour::RedirectLoop => {
            respond(
                stream,
                "302 Found",
                "text/plain",
                &[("Location", target)],
                b"",
            );
        }
        Misbehaviour::Huge => {
            let mut stream = stream;
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"tags\":[",
            );
            let chunk = "\"x\",".repeat(16 * 1024);
            // Up to 1 GiB, until the client hangs up.
            for _ in 0..16 * 1024 {
                if stop.load(Ordering::Relaxed) || stream.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
        }
    }
}

/// Every process's command line (NUL-separated arguments joined with spaces).
pub(crate) fn all_command_lines() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        e.file_name().to_str()?.parse::<u32>().ok()?;
        let raw = std::fs::read(e.path().join("cmdline")).ok()?;
        Some(String::from_utf8_lossy(&raw).replace('\0', " "))
    })
    .collect()
}
