//! `doctor --explain`: from the text of a GHCR failure (a whole noisy CI log is fine) to
//! ranked causes of the vocabulary ([`Category`]).
//!
//! The log is normalised line by line (ANSI escapes, `\r` progress overwrites, leading
//! timestamps and buildx `#12 0.345` prefixes removed), then one ASCII-case-insensitive
//! aho-corasick pass finds every signal and context marker. Each signal weighs the causes
//! it points at, in its context: the direction of the line (push, pull or login, from
//! markers on the same or the few lines before), the tools the log shows (kubelet, helm,
//! podman, crane, containerd) and the image references it names (uppercase letters, no
//! registry host, a tag the tag policy never publishes). A signal counts once per cause
//! however often the log repeats it. The repository's facts ([`Facts`]) then re-rank the
//! causes, and each gets its fix ([`super::fix`]). Linear in the log's size.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::categories::Category;
use super::facts::{Facts, TokenSource};
use super::fix;

/// One ranked cause.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cause {
    /// The vocabulary slug.
    #[serde(serialize_with = "slug")]
    pub category: Category,
    /// Share of the evidence pointing at this cause, 0.0-1.0 (two decimals).
    pub confidence: f64,
    /// One line saying what the cause is.
    pub why: String,
    /// The fact that confirms it against its look-alikes.
    pub confirm: String,
    /// What to change, for this repository when its facts are known.
    pub fix: String,
    /// The log line (1-based) and its normalised text that points at it most.
    #[serde(skip)]
    pub evidence: Option<(usize, String)>,
}

/// An image reference the log names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRef {
    /// Registry host, when the reference has one.
    pub host: Option<String>,
    /// Repository path (`owner/name`), as written.
    pub path: String,
    /// Tag, when given.
    pub tag: Option<String>,
    /// 1-based log line.
    pub line: usize,
}

/// The causes of a log, best first, and what the fixes were built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub causes: Vec<Cause>,
    /// ghcr.io references the log names (first few, in order).
    pub references: Vec<LogRef>,
}

/// Causes with a smaller share than this are left out.
const MIN_CONFIDENCE: f64 = 0.04;
/// At most this many causes are shown.
const MAX_CAUSES: usize = 6;
/// Lines before a signal searched for its direction.
const DIRECTION_LINES: usize = 6;
/// Bytes around a signal searched for qualifying words.
const WINDOW: usize = 240;
/// Weight of the causes of the last error line against earlier ones.
const LAST_ERROR: f64 = 1.4;
/// Distinct references kept.
const MAX_REFS: usize = 32;

/// Explains `log` with the repository's `facts` (empty without a repository).
pub fn explain(log: &str, facts: &Facts) -> Explanation {
    let norm = normalise(log);
    let scan = Scan::run(&norm);
    let mut board = Board::default();
    scan.weigh(&norm, &mut board);
    board.favour_the_last_error();
    scan.weigh_references(&mut board, facts);
    let before = board.score;
    rerank(&mut board, facts, &scan);
    board.keep_line_totals(&before);
    let total: f64 = board.score.iter().sum();
    let mut ranked: Vec<(Category, f64)> = Category::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| board.score[*i] > 0.0)
        .map(|(i, c)| (*c, board.score[i]))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let ctx = fix::Context::new(
        facts,
        &scan.refs,
        scan.platform.as_deref(),
        scan.hostless_pushes.first().map(|(_, r)| r.as_str()),
    );
    let causes = ranked
        .into_iter()
        .map(|(c, s)| (c, s / total))
        .filter(|(_, share)| *share >= MIN_CONFIDENCE)
        .take(MAX_CAUSES)
        .map(|(category, share)| {
            let evidence = board.evidence[category as usize].map(|line| {
                let text = norm.line(line).trim();
                (line + 1, clip(text, 200).to_string())
            });
            Cause {
                category,
                confidence: (share * 100.0).round() / 100.0,
                why: category.why().to_string(),
                confirm: category.confirm().to_string(),
                fix: fix::fix(category, &ctx),
                evidence,
            }
        })
        .collect();
    Explanation {
        causes,
        references: scan.refs,
    }
}

fn slug<S: serde::Serializer>(c: &Category, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.slug())
}

/// The log with noise removed, one output line per input line.
pub struct Normalised {
    text: String,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl Normalised {
    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The text of 0-based line `i`, without its newline.
    pub fn line(&self, i: usize) -> &str {
        // Every line, the last included, ends with the newline `normalise` adds.
        let end = self.starts.get(i + 1).map_or(self.text.len(), |e| *e) - 1;
        &self.text[self.starts[i]..end]
    }

    /// Up to [`WINDOW`] bytes on each side of `range`, within its line.
    fn window(&self, start: usize, end: usize) -> &str {
        let line = self.line_of(start);
        let ls = self.starts[line];
        let le = (self.starts.get(line + 1).map_or(self.text.len(), |e| *e) - 1).max(end);
        let from = floor(&self.text, start.saturating_sub(WINDOW).max(ls));
        let to = floor(&self.text, (end + WINDOW).min(le));
        &self.text[from..to]
    }
}

/// Strips ANSI escapes, `\r` progress overwrites, leading timestamps and buildx step
/// prefixes from every line.
pub fn normalise(log: &str) -> Normalised {
    let mut text = String::with_capacity(log.len());
    let mut starts = Vec::new();
    for raw in log.split('\n') {
        starts.push(text.len());
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        // A terminal progress line overwritten with `\r`: its last state counts.
        let raw = raw.rsplit('\r').next().unwrap_or(raw);
        let clean = strip_ansi(raw);
        text.push_str(strip_prefixes(&clean));
        text.push('\n');
    }
    Normalised { text, starts }
}

/// `line` without ANSI CSI and OSC sequences.
fn strip_ansi(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\x1b') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                // Up to BEL or ESC \.
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' {
                        chars.next();
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    out.into()
}

/// `line` without leading timestamps (`2024-05-06T09:08:09.1234567Z`, `[09:08:09]`,
/// `time="..."`-free forms stay) and buildx step prefixes (`#12 0.345 `, `#12 `).
fn strip_prefixes(mut line: &str) -> &str {
    loop {
        let trimmed = line.trim_start();
        let next = strip_timestamp(trimmed)
            .or_else(|| strip_buildx(trimmed))
            .or_else(|| strip_bracketed_time(trimmed));
        match next {
            Some(rest) if rest.len() < line.len() => line = rest,
            _ => return trimmed,
        }
    }
}

/// After an ISO 8601 date-time at the start (`2024-05-06T09:08:09.123Z`, `2024/05/06 09:08:09`).
fn strip_timestamp(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && matches!(b.get(4), Some(b'-' | b'/'))
        && digits(5..7)
        && matches!(b.get(7), Some(b'-' | b'/'))
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':'))
    {
        return None;
    }
    let end = b[11..]
        .iter()
        .position(|c| !(c.is_ascii_digit() || matches!(c, b':' | b'.' | b',' | b'Z' | b'+' | b'-')))
        .map_or(b.len(), |i| 11 + i);
    Some(&s[end..])
}

/// After a buildx progress prefix: `#12 ` optionally followed by seconds `0.345 `.
fn strip_buildx(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('#')?;
    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || !rest[n..].starts_with(' ') {
        return None;
    }
    let rest = &rest[n + 1..];
    let secs = rest
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b'.')
        .count();
    if secs > 0 && rest[..secs].contains('.') && rest[secs..].starts_with(' ') {
        Some(&rest[secs + 1..])
    } else {
        Some(rest)
    }
}

/// After `[09:08:09]` or `[2024-05-06 09:08:09]`.
fn strip_bracketed_time(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find(']')?;
    let inner = &rest[..close];
    (close <= 32
        && inner.contains(':')
        && inner
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b'-' | b' ' | b'T' | b'Z')))
    .then(|| &rest[close + 1..])
}

/// What a pattern found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sig {
    // Errors.
    WritePackage,
    ReadPackage,
    InstallCreate,
    InstallWrite,
    Unauthenticated,
    DeniedDenied,
    DaemonDenied,
    Forbidden,
    Unauthorized,
    Status401,
    AnonToken,
    OauthToken,
    TokenScope,
    AuthRequired,
    AuthFailed,
    Lowercase,
    InsufficientScope,
    DockerHub,
    AccessDenied,
    PullAccessDenied,
    NotLocal,
    ManifestUnknown,
    ReadingManifestSha,
    ManifestsSha,
    ResolveRef,
    NoMatchingManifest,
    PlatformWarning,
    ExecFormat,
    UnknownUnknown,
    AttestationManifest,
    TooMany,
    ServerError,
    // Markers.
    Push,
    Pull,
    Login,
    Kubelet,
    Helm,
    Podman,
    Crane,
    Containerd,
    SecondLogin,
    AppToken,
    PrEvent,
    GhcrRef,
    FailedPush,
    PushRefers,
}

impl Sig {
    /// Whether the signal says little on its own and yields to a specific one on its line.
    fn generic(self) -> bool {
        matches!(self, Sig::Unauthorized | Sig::Status401 | Sig::Forbidden)
    }
}

const PATTERNS: &[(&str, Sig)] = &[
    ("permission_denied: write_package", Sig::WritePackage),
    ("permission_denied: read_package", Sig::ReadPackage),
    (
        "installation not allowed to create organization package",
        Sig::InstallCreate,
    ),
    (
        "installation not allowed to write organization package",
        Sig::InstallWrite,
    ),
    (
        "user cannot be authenticated with the token provided",
        Sig::Unauthenticated,
    ),
    ("denied: denied", Sig::DeniedDenied),
    ("error response from daemon: denied", Sig::DaemonDenied),
    ("403 forbidden", Sig::Forbidden),
    ("403 (forbidden)", Sig::Forbidden),
    ("403: denied", Sig::Forbidden),
    ("status: 403", Sig::Forbidden),
    ("status code 403", Sig::Forbidden),
    ("unauthorized", Sig::Unauthorized),
    ("401 unauthorized", Sig::Status401),
    ("401 (unauthorized)", Sig::Status401),
    ("status: 401", Sig::Status401),
    ("status code 401", Sig::Status401),
    ("failed to fetch anonymous token", Sig::AnonToken),
    ("failed to fetch oauth token", Sig::OauthToken),
    ("ghcr.io/token?scope=repository:", Sig::TokenScope),
    ("authentication required", Sig::AuthRequired),
    ("authentication failed", Sig::AuthFailed),
    ("incorrect username or password", Sig::AuthFailed),
    ("bad credentials", Sig::AuthFailed),
    ("invalid username/password", Sig::AuthFailed),
    ("must be lowercase", Sig::Lowercase),
    ("invalid reference format", Sig::Lowercase),
    ("insufficient_scope", Sig::InsufficientScope),
    ("auth.docker.io", Sig::DockerHub),
    ("registry-1.docker.io", Sig::DockerHub),
    ("index.docker.io", Sig::DockerHub),
    ("[docker.io/", Sig::DockerHub),
    (
        "requested access to the resource is denied",
        Sig::AccessDenied,
    ),
    ("pull access denied for", Sig::PullAccessDenied),
    ("does not exist locally with the tag", Sig::NotLocal),
    ("no such image:", Sig::NotLocal),
    ("manifest unknown", Sig::ManifestUnknown),
    ("reading manifest sha256:", Sig::ReadingManifestSha),
    ("manifests/sha256:", Sig::ManifestsSha),
    ("failed to resolve reference", Sig::ResolveRef),
    ("no matching manifest for", Sig::NoMatchingManifest),
    ("no match for platform in manifest", Sig::NoMatchingManifest),
    (
        "no image found in manifest list for architecture",
        Sig::NoMatchingManifest,
    ),
    (
        "does not match the specified platform",
        Sig::NoMatchingManifest,
    ),
    (
        "does not match the detected host platform",
        Sig::PlatformWarning,
    ),
    ("exec format error", Sig::ExecFormat),
    ("unknown/unknown", Sig::UnknownUnknown),
    ("attestation-manifest", Sig::AttestationManifest),
    ("toomanyrequests", Sig::TooMany),
    ("too many requests", Sig::TooMany),
    ("rate limit exceeded", Sig::TooMany),
    ("retry-after:", Sig::TooMany),
    ("status: 429", Sig::TooMany),
    ("status code 429", Sig::TooMany),
    ("503 service unavailable", Sig::ServerError),
    ("502 bad gateway", Sig::ServerError),
    ("500 internal server error", Sig::ServerError),
    ("504 gateway timeout", Sig::ServerError),
    ("githubstatus.com", Sig::ServerError),
    // Direction.
    ("pushing", Sig::Push),
    ("docker push", Sig::Push),
    ("podman push", Sig::Push),
    ("crane push", Sig::Push),
    ("helm push", Sig::Push),
    ("oras push", Sig::Push),
    ("failed to push", Sig::Push),
    ("error pushing", Sig::Push),
    ("the push refers to", Sig::Push),
    ("failed to put", Sig::Push),
    ("blobs/uploads", Sig::Push),
    ("exporting to image", Sig::Push),
    ("imagetools create", Sig::Push),
    ("writing manifest", Sig::Push),
    ("push=true", Sig::Push),
    ("--push", Sig::Push),
    ("pulling", Sig::Pull),
    ("docker pull", Sig::Pull),
    ("podman pull", Sig::Pull),
    ("crane pull", Sig::Pull),
    ("helm pull", Sig::Pull),
    ("oras pull", Sig::Pull),
    ("failed to pull", Sig::Pull),
    ("error pulling", Sig::Pull),
    ("trying to pull", Sig::Pull),
    ("errimagepull", Sig::Pull),
    ("imagepullbackoff", Sig::Pull),
    ("head \"https://", Sig::Pull),
    ("unable to find image", Sig::Pull),
    ("docker run", Sig::Pull),
    ("compose up", Sig::Pull),
    ("helm install", Sig::Pull),
    ("helm upgrade", Sig::Pull),
    ("docker login", Sig::Login),
    ("podman login", Sig::Login),
    ("helm registry login", Sig::Login),
    ("login succeeded", Sig::Login),
    ("logging into", Sig::Login),
    ("ghcr.io/v2/\":", Sig::Login),
    ("ghcr.io/v2/\": ", Sig::Login),
    // Tools and facts.
    ("kubelet", Sig::Kubelet),
    ("errimagepull", Sig::Kubelet),
    ("imagepullbackoff", Sig::Kubelet),
    ("failed to pull image", Sig::Kubelet),
    ("helm ", Sig::Helm),
    ("podman", Sig::Podman),
    ("skopeo", Sig::Podman),
    ("crane", Sig::Crane),
    ("oras ", Sig::Crane),
    ("containerd", Sig::Containerd),
    ("nerdctl", Sig::Containerd),
    ("ctr: ", Sig::Containerd),
    ("crane auth login", Sig::SecondLogin),
    ("oras login ghcr.io", Sig::SecondLogin),
    ("create-github-app-token", Sig::AppToken),
    ("app installation token", Sig::AppToken),
    ("pull_request", Sig::PrEvent),
    (":pr-", Sig::PrEvent),
    ("refs/pull/", Sig::PrEvent),
    ("ghcr.io/", Sig::GhcrRef),
    ("failed to push ", Sig::FailedPush),
    ("the push refers to repository [", Sig::PushRefers),
];

static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(PATTERNS.iter().map(|(p, _)| p))
        .expect("doctor patterns build")
});

/// Which way a line moves an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Push,
    Pull,
    Login,
    Unknown,
}

/// Every hit of one pass over the normalised log.
struct Scan {
    /// Error signals: (signal, start, end, line), in order.
    hits: Vec<(Sig, usize, usize, usize)>,
    /// Direction markers: (line, direction), in order.
    directions: Vec<(usize, Dir)>,
    kubelet: bool,
    helm: bool,
    podman: bool,
    crane: bool,
    containerd: bool,
    second_login: bool,
    app_token: bool,
    pr_event: bool,
    /// Lines of the platform warning.
    platform_warning: bool,
    /// References to ghcr.io images.
    refs: Vec<LogRef>,
    /// References pushed without a ghcr.io host: (line, reference).
    hostless_pushes: Vec<(usize, String)>,
    /// The platform a `no matching manifest for PLATFORM` names.
    platform: Option<String>,
    /// Push / pull marker counts over the whole log.
    pushes: usize,
    pulls: usize,
}

/// Hits kept at most (a log of millions of `unauthorized` lines needs only a few).
const MAX_HITS: usize = 20_000;

impl Scan {
    fn run(norm: &Normalised) -> Scan {
        let mut scan = Scan {
            hits: Vec::new(),
            directions: Vec::new(),
            kubelet: false,
            helm: false,
            podman: false,
            crane: false,
            containerd: false,
            second_login: false,
            app_token: false,
            pr_event: false,
            platform_warning: false,
            refs: Vec::new(),
            hostless_pushes: Vec::new(),
            platform: None,
            pushes: 0,
            pulls: 0,
        };
        let text = norm.text();
        // Line lookups walk forward with the matches (they come in order of end).
        let mut line = 0;
        let mut line_of = |offset: usize| {
            while line + 1 < norm.starts.len() && norm.starts[line + 1] <= offset {
                line += 1;
            }
            line
        };
        let mut per_sig = [0usize; 64];
        let mut ref_attempts = 0;
        for m in MATCHER.find_overlapping_iter(text) {
            let sig = PATTERNS[m.pattern().as_usize()].1;
            let at = line_of(m.start());
            match sig {
                Sig::Push => {
                    scan.pushes += 1;
                    push_dir(&mut scan.directions, at, Dir::Push);
                }
                Sig::Pull => {
                    scan.pulls += 1;
                    push_dir(&mut scan.directions, at, Dir::Pull);
                }
                Sig::Login => push_dir(&mut scan.directions, at, Dir::Login),
                Sig::Kubelet => scan.kubelet = true,
                Sig::Helm => scan.helm = true,
                Sig::Podman => scan.podman = true,
                Sig::Crane => scan.crane = true,
                Sig::Containerd => scan.containerd = true,
                Sig::SecondLogin => scan.second_login = true,
                Sig::AppToken => scan.app_token = true,
                Sig::PrEvent => scan.pr_event = true,
                Sig::GhcrRef => {
                    ref_attempts += 1;
                    if ref_attempts <= MAX_HITS
                        && scan.refs.len() < MAX_REFS
                        && let Some(r) = reference_at(text, m.start(), at)
                        && !scan.refs.iter().any(|x| x.path == r.path && x.tag == r.tag)
                    {
                        scan.refs.push(r);
                    }
                }
                Sig::FailedPush | Sig::PushRefers => {
                    let r = reference_text(text, m.end());
                    let r = r.trim_start_matches("docker.io/");
                    if !r.is_empty()
                        && host_of(r).is_none()
                        && scan.hostless_pushes.len() < MAX_REFS
                    {
                        scan.hostless_pushes.push((at, r.to_string()));
                    }
                }
                _ => {
                    if sig == Sig::PlatformWarning {
                        scan.platform_warning = true;
                    }
                    if sig == Sig::NoMatchingManifest && scan.platform.is_none() {
                        scan.platform = platform_named(norm.window(m.start(), m.end()));
                    }
                    let n = &mut per_sig[sig as usize];
                    if *n < MAX_HITS / 16 && scan.hits.len() < MAX_HITS {
                        *n += 1;
                        scan.hits.push((sig, m.start(), m.end(), at));
                    }
                }
            }
        }
        scan
    }

    /// The direction of line `at`: a marker on it, else the nearest on the lines before,
    /// else the log's majority.
    fn direction(&self, at: usize) -> Dir {
        let end = self.directions.partition_point(|(l, _)| *l <= at);
        let from = at.saturating_sub(DIRECTION_LINES);
        let near = self.directions[..end]
            .iter()
            .rev()
            .take_while(|(l, _)| *l >= from)
            .collect::<Vec<_>>();
        // On the same line a push or pull outranks a login probe (a push's `GET /v2/`).
        if let Some((_, d)) = near
            .iter()
            .find(|(l, d)| *l == at && *d != Dir::Login)
            .or_else(|| near.iter().find(|(l, _)| *l == at))
        {
            return *d;
        }
        if let Some((_, d)) = near.first() {
            return *d;
        }
        match self.pushes.cmp(&self.pulls) {
            std::cmp::Ordering::Greater => Dir::Push,
            std::cmp::Ordering::Less => Dir::Pull,
            std::cmp::Ordering::Equal => Dir::Unknown,
        }
    }

    /// Weighs every error signal into `board`.
    fn weigh(&self, norm: &Normalised, board: &mut Board) {
        use Category as C;
        let mut i = 0;
        while i < self.hits.len() {
            // One line's hits together: a specific signal silences generic ones there.
            let line = self.hits[i].3;
            let j = i + self.hits[i..].iter().take_while(|h| h.3 == line).count();
            let specific = self.hits[i..j].iter().any(|h| !h.0.generic());
            for &(sig, start, end, at) in &self.hits[i..j] {
                if specific && sig.generic() {
                    continue;
                }
                let dir = self.direction(at);
                let window = norm.window(start, end);
                let has = |w: &str| contains_ci(window, w);
                let mut add = |c: Category, w: f64| board.add(sig, c, w, at);
                match sig {
                    Sig::WritePackage => {
                        add(C::PackageNotLinked, 5.0);
                        add(C::PackageCreatedElsewhere, 3.0);
                        add(C::PackageOwnedByOtherRepo, 2.5);
                        add(C::CredentialsOverwritten, 1.2);
                    }
                    Sig::ReadPackage => match dir {
                        Dir::Push => {
                            add(C::PackageOwnedByOtherRepo, 5.0);
                            add(C::PackageNotLinked, 1.5);
                        }
                        _ => {
                            add(C::PrivatePackage, 4.5);
                            add(C::StaleLocalCredentials, 1.0);
                            if self.kubelet {
                                add(C::K8sMissingPullSecret, 3.0);
                            }
                        }
                    },
                    Sig::InstallCreate => {
                        add(C::MissingPackagesWrite, 5.0);
                        add(C::ForkPrReadonlyToken, 3.0);
                        add(C::OrgPolicyRestriction, 2.0);
                        add(C::GithubAppToken, 2.0);
                    }
                    Sig::InstallWrite => {
                        add(C::MissingPackagesWrite, 5.0);
                        add(C::ForkPrReadonlyToken, 3.0);
                        add(C::OrgPolicyRestriction, 2.5);
                        add(C::GithubAppToken, 1.5);
                    }
                    Sig::Unauthenticated => match dir {
                        Dir::Push => {
                            add(C::NoRegistryLogin, 5.0);
                            add(C::ExpiredToken, 2.5);
                            add(C::CredentialsOverwritten, 0.8);
                        }
                        Dir::Login => add(C::ExpiredToken, 5.0),
                        Dir::Pull => {
                            add(C::GhcrIncident, 4.0);
                            add(C::PrivatePackage, 1.5);
                            add(C::StaleLocalCredentials, 1.0);
                        }
                        Dir::Unknown => {
                            add(C::NoRegistryLogin, 3.0);
                            add(C::ExpiredToken, 2.0);
                            add(C::GhcrIncident, 2.0);
                        }
                    },
                    Sig::DeniedDenied => match dir {
                        Dir::Login => add(C::ExpiredToken, 5.0),
                        Dir::Pull => {
                            add(C::StaleLocalCredentials, 4.0);
                            add(C::PrivatePackage, 2.0);
                        }
                        Dir::Push => {
                            add(C::ExpiredToken, 3.0);
                            add(C::NoRegistryLogin, 1.5);
                        }
                        Dir::Unknown => {
                            add(C::ExpiredToken, 3.0);
                            add(C::StaleLocalCredentials, 2.0);
                        }
                    },
                    Sig::DaemonDenied => match dir {
                        Dir::Push => {
                            add(C::PackageNotLinked, 2.0);
                            add(C::ExpiredToken, 1.0);
                        }
                        Dir::Login => add(C::ExpiredToken, 4.0),
                        _ => {
                            add(C::PrivatePackage, 3.5);
                            add(C::StaleLocalCredentials, 2.5);
                            if self.kubelet {
                                add(C::K8sMissingPullSecret, 2.0);
                            }
                        }
                    },
                    Sig::Forbidden => match dir {
                        Dir::Push => {
                            add(C::PackageNotLinked, 4.0);
                            add(C::PackageCreatedElsewhere, 2.4);
                            add(C::PackageOwnedByOtherRepo, 2.0);
                            add(C::CredentialsOverwritten, 1.0);
                        }
                        Dir::Login => add(C::ExpiredToken, 3.0),
                        _ => {
                            add(C::PrivatePackage, 3.5);
                            add(C::StaleLocalCredentials, 2.0);
                            if self.kubelet {
                                add(C::K8sMissingPullSecret, 1.5);
                            }
                        }
                    },
                    Sig::OauthToken => {
                        if has("403") || has("forbidden") {
                            add(C::StaleLocalCredentials, 5.0);
                            add(C::PrivatePackage, 1.5);
                        } else {
                            add(C::PrivatePackage, 3.0);
                            add(C::WrongImagePath, 2.5);
                            add(C::StaleLocalCredentials, 1.0);
                        }
                    }
                    Sig::Unauthorized | Sig::Status401 | Sig::AuthRequired => match dir {
                        Dir::Push => {
                            add(C::NoRegistryLogin, 3.0);
                            add(C::ExpiredToken, 1.5);
                        }
                        Dir::Login => add(C::ExpiredToken, 3.0),
                        _ => {
                            add(C::PrivatePackage, 3.0);
                            add(C::WrongImagePath, 2.2);
                            if self.kubelet {
                                add(C::K8sMissingPullSecret, 3.5);
                            }
                        }
                    },
                    Sig::AnonToken | Sig::TokenScope => {
                        if dir == Dir::Push {
                            add(C::NoRegistryLogin, 4.0);
                        } else {
                            add(C::PrivatePackage, 3.5);
                            add(C::WrongImagePath, 3.0);
                            if self.kubelet {
                                add(C::K8sMissingPullSecret, 4.0);
                            }
                        }
                    }
                    Sig::AuthFailed => {
                        add(C::ExpiredToken, 4.0);
                        add(C::NoRegistryLogin, 1.0);
                    }
                    Sig::Lowercase => add(C::UppercaseName, 6.0),
                    Sig::InsufficientScope => {
                        add(C::TagMissingRegistryPrefix, 4.5);
                        add(C::MissingPackagesWrite, 1.0);
                    }
                    Sig::DockerHub => {
                        let w = if dir == Dir::Pull { 1.5 } else { 3.5 };
                        add(C::TagMissingRegistryPrefix, w);
                    }
                    Sig::AccessDenied => {
                        add(C::TagMissingRegistryPrefix, 4.5);
                    }
                    Sig::PullAccessDenied => {
                        if has("ghcr.io") {
                            add(C::PrivatePackage, 3.0);
                            add(C::WrongImagePath, 2.0);
                        } else {
                            add(C::TagMissingRegistryPrefix, 4.0);
                        }
                    }
                    Sig::NotLocal => {
                        add(C::TagMissingRegistryPrefix, 4.0);
                        add(C::UppercaseName, 1.0);
                    }
                    Sig::ManifestUnknown => {
                        if has("sha256:") {
                            add(C::ChildManifestDeleted, 4.0);
                            add(C::TagMissing, 1.0);
                        } else {
                            add(C::TagMissing, 4.0);
                            add(C::WrongTag, 2.5);
                            add(C::ChildManifestDeleted, 1.5);
                        }
                    }
                    Sig::ReadingManifestSha => add(C::ChildManifestDeleted, 5.0),
                    Sig::ManifestsSha if has("not found") || has("manifest unknown") => {
                        add(C::ChildManifestDeleted, 5.0);
                    }
                    Sig::ResolveRef if has("not found") && !has("sha256:") => {
                        add(C::TagMissing, 3.5);
                        add(C::WrongTag, 2.0);
                    }
                    Sig::NoMatchingManifest => add(C::PlatformMissing, 6.0),
                    Sig::PlatformWarning => add(C::PlatformMissing, 5.0),
                    Sig::ExecFormat => {
                        if self.platform_warning {
                            add(C::PlatformMissing, 1.5);
                            add(C::PlatformMislabeled, 0.8);
                        } else {
                            add(C::PlatformMislabeled, 4.0);
                            add(C::PlatformMissing, 1.5);
                        }
                    }
                    Sig::UnknownUnknown => add(C::AttestationUnknownPlatform, 5.0),
                    Sig::AttestationManifest => add(C::AttestationUnknownPlatform, 3.0),
                    Sig::TooMany => add(C::RateLimit, 6.0),
                    Sig::ServerError => {
                        add(C::GhcrIncident, 4.0);
                        add(C::RateLimit, 0.5);
                    }
                    _ => {}
                }
            }
            i = j;
        }
        // Several signals of the `installation not allowed` family: crane prints the
        // GitHub App case in capitals (`DENIED: permission_denied: installation ...`).
        for &(sig, start, end, at) in &self.hits {
            if matches!(sig, Sig::InstallCreate | Sig::InstallWrite)
                && norm
                    .window(start, end)
                    .contains("DENIED: permission_denied: installation")
            {
                board.add(sig, Category::GithubAppToken, 5.5, at);
            }
        }
        let has_sig = |s: Sig| self.hits.iter().any(|h| h.0 == s);
        let install = has_sig(Sig::InstallCreate) || has_sig(Sig::InstallWrite);
        if install && self.app_token {
            board.bump(Category::GithubAppToken, 5.0);
        }
        if install && self.pr_event {
            board.bump(Category::ForkPrReadonlyToken, 3.5);
        }
        if self.second_login && (has_sig(Sig::WritePackage) || has_sig(Sig::Forbidden)) {
            board.bump(Category::CredentialsOverwritten, 5.0);
        }
    }

    /// Weighs what the references say: uppercase paths, pushes without a host, tags the
    /// policy never publishes, paths CI does not publish.
    fn weigh_references(&self, board: &mut Board, facts: &Facts) {
        use Category as C;
        for r in &self.refs {
            if r.path.bytes().any(|b| b.is_ascii_uppercase()) {
                board.add(Sig::GhcrRef, C::UppercaseName, 5.0, r.line - 1);
            }
        }
        for (line, _) in &self.hostless_pushes {
            board.add(Sig::FailedPush, C::TagMissingRegistryPrefix, 4.0, *line);
        }
        let Some(known) = facts.images.as_ref() else {
            return;
        };
        let manifest_trouble = board.score[C::TagMissing as usize] > 0.0;
        let write_trouble = board.score[C::PackageNotLinked as usize] > 0.0;
        let auth_trouble = board.score[C::PrivatePackage as usize] > 0.0
            || board.score[C::WrongImagePath as usize] > 0.0;
        for r in self
            .refs
            .iter()
            .filter(|r| r.host.as_deref() == Some("ghcr.io"))
        {
            let path = r.path.to_ascii_lowercase();
            let published = known.iter().any(|i| i.path == path);
            let own = facts
                .owner_lc
                .as_deref()
                .is_some_and(|o| path.starts_with(&format!("{o}/")));
            // A push to a package of the owner that this repository does not publish.
            if write_trouble && own && !published {
                board.add(Sig::GhcrRef, C::PackageOwnedByOtherRepo, 7.0, r.line - 1);
            }
            if auth_trouble {
                if facts.renamed_from.contains(&path) {
                    board.add(Sig::GhcrRef, C::WrongImagePath, 6.0, r.line - 1);
                } else if !published
                    && facts
                        .owner_lc
                        .as_deref()
                        .is_some_and(|o| path.starts_with(&format!("{o}/")))
                {
                    board.add(Sig::GhcrRef, C::WrongImagePath, 3.0, r.line - 1);
                } else if published {
                    board.scale(C::WrongImagePath, 0.4);
                }
            }
            if manifest_trouble
                && published
                && let Some(tag) = &r.tag
            {
                match fix::nearest(facts, tag) {
                    Some(near) if near != *tag => {
                        board.add(Sig::GhcrRef, C::WrongTag, 6.0, r.line - 1);
                    }
                    Some(_) => board.scale(C::WrongTag, 0.4),
                    None if facts.tags.is_some() => {
                        board.add(Sig::GhcrRef, C::TagMissing, 2.0, r.line - 1);
                    }
                    None => {}
                }
            }
        }
    }
}

/// Records a direction marker, once per line and direction (a line of a million markers
/// costs no more than one).
fn push_dir(dirs: &mut Vec<(usize, Dir)>, line: usize, dir: Dir) {
    let same_line = dirs.iter().rev().take_while(|(l, _)| *l == line);
    if !same_line.clone().any(|(_, d)| *d == dir) {
        dirs.push((line, dir));
    }
}

/// Scores per cause, with the per-signal maxima they are summed from.
struct Board {
    score: [f64; Category::ALL.len()],
    /// Best single contribution per (signal, cause): a repeated signal counts once.
    best: std::collections::HashMap<(u8, Category), f64>,
    /// The line of each cause's strongest contribution, and that contribution.
    evidence: [Option<usize>; Category::ALL.len()],
    strongest: [f64; Category::ALL.len()],
    /// The last line pointing at each cause.
    last: [Option<usize>; Category::ALL.len()],
}

impl Default for Board {
    fn default() -> Board {
        Board {
            score: [0.0; Category::ALL.len()],
            best: std::collections::HashMap::new(),
            evidence: [None; Category::ALL.len()],
            strongest: [0.0; Category::ALL.len()],
            last: [None; Category::ALL.len()],
        }
    }
}

impl Board {
    fn add(&mut self, sig: Sig, c: Category, w: f64, line: usize) {
        let last = &mut self.last[c as usize];
        *last = Some(last.map_or(line, |l: usize| l.max(line)));
        let best = self.best.entry((sig as u8, c)).or_insert(0.0);
        if w > *best {
            self.score[c as usize] += w - *best;
            *best = w;
        }
        if w > self.strongest[c as usize] {
            self.strongest[c as usize] = w;
            self.evidence[c as usize] = Some(line);
        }
    }

    /// Adds to a cause that already has evidence.
    fn bump(&mut self, c: Category, w: f64) {
        if self.score[c as usize] > 0.0 {
            self.score[c as usize] += w;
        }
    }

    fn scale(&mut self, c: Category, f: f64) {
        self.score[c as usize] *= f;
    }

    /// Facts tell look-alike causes of one error apart; they do not move weight from one
    /// error of the log to another: the causes whose last evidence is the same line keep
    /// their total from `before`, shared out as the facts say.
    fn keep_line_totals(&mut self, before: &[f64; Category::ALL.len()]) {
        let mut totals: std::collections::HashMap<usize, (f64, f64)> = Default::default();
        for (i, last) in self.last.iter().enumerate() {
            if let Some(l) = last {
                let t = totals.entry(*l).or_default();
                t.0 += before[i];
                t.1 += self.score[i];
            }
        }
        for (i, last) in self.last.iter().enumerate() {
            if let Some((was, now)) = last.and_then(|l| totals.get(&l))
                && *now > 0.0
            {
                self.score[i] *= was / now;
            }
        }
    }

    /// The causes of the log's last error weigh more: earlier errors were often retried
    /// or only led up to it.
    fn favour_the_last_error(&mut self) {
        let Some(last) = self.last.iter().flatten().max().copied() else {
            return;
        };
        for (i, l) in self.last.iter().enumerate() {
            if *l == Some(last) {
                self.score[i] *= LAST_ERROR;
            }
        }
    }
}

/// The repository's facts re-rank causes the text alone cannot tell apart.
fn rerank(board: &mut Board, facts: &Facts, scan: &Scan) {
    use Category as C;
    if let Some(write) = facts.packages_write {
        if write {
            board.scale(C::MissingPackagesWrite, 0.3);
            board.scale(C::PackageNotLinked, 1.3);
            board.scale(C::OrgPolicyRestriction, 1.5);
        } else {
            board.scale(C::MissingPackagesWrite, 2.0);
        }
    }
    if let Some(login) = facts.login_before_push {
        board.scale(C::NoRegistryLogin, if login { 0.4 } else { 2.0 });
    }
    match facts.token {
        Some(TokenSource::GithubToken) => {
            board.scale(C::ExpiredToken, 0.3);
            board.scale(C::GithubAppToken, 0.3);
        }
        Some(TokenSource::Pat) => {
            board.scale(C::ExpiredToken, 2.0);
            board.scale(C::PackageCreatedElsewhere, 1.3);
            board.scale(C::GithubAppToken, 0.3);
        }
        Some(TokenSource::App) => board.scale(C::GithubAppToken, 3.0),
        None => {}
    }
    if let Some(pr_pushes) = facts.pr_pushes {
        board.scale(C::ForkPrReadonlyToken, if pr_pushes { 1.8 } else { 0.3 });
    }
    if facts.may_be_uppercase == Some(true) {
        board.scale(C::UppercaseName, 1.5);
    }
    if let Some(untagged) = facts.untagged_cleanup {
        board.scale(C::ChildManifestDeleted, if untagged { 3.0 } else { 0.6 });
    }
    if facts.attestations == Some(true) {
        board.scale(C::AttestationUnknownPlatform, 1.2);
    }
    if facts.second_login == Some(true) {
        board.scale(C::CredentialsOverwritten, 6.0);
    }
    if facts.manual_pushes == Some(true) {
        board.scale(C::PackageCreatedElsewhere, 2.5);
    }
    if let (Some(platform), Some(images)) = (&scan.platform, &facts.images)
        && images
            .iter()
            .all(|i| !i.platforms.iter().any(|p| platform.starts_with(p.as_str())))
    {
        board.scale(C::PlatformMissing, 1.3);
    }
}

/// The `os/arch[/variant]` right after `no matching manifest for` and friends.
fn platform_named(window: &str) -> Option<String> {
    let lower = window.to_ascii_lowercase();
    let at = lower.find("linux/")?;
    let p: String = lower[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
        .collect();
    Some(p.trim_end_matches('/').to_string())
}

/// The reference starting at `start` (`ghcr.io/...`), 0-based `line`.
fn reference_at(text: &str, start: usize, line: usize) -> Option<LogRef> {
    let r = reference_text(text, start);
    let rest = r.get("ghcr.io/".len()..)?;
    let (path, tag) = split_tag(rest);
    // `ghcr.io/v2/...` and `ghcr.io/token?...` are API URLs; the path inside counts.
    let path = path.strip_prefix("v2/").unwrap_or(path);
    let path = path
        .split_once("/manifests/")
        .or_else(|| path.split_once("/blobs/"))
        .or_else(|| path.split_once("/tags/"))
        .map_or(path, |(p, _)| p);
    if path.is_empty() || path == "v2" || path.starts_with("token") || !path.contains('/') {
        return None;
    }
    Some(LogRef {
        host: Some("ghcr.io".into()),
        path: path.to_string(),
        tag: tag.map(str::to_string),
        line: line + 1,
    })
}

/// The run of reference characters at `start`, without trailing punctuation.
fn reference_text(text: &str, start: usize) -> &str {
    let bytes = &text.as_bytes()[start..];
    let n = bytes
        .iter()
        .take(512)
        .take_while(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@')
        })
        .count();
    text[start..start + n].trim_end_matches(['.', ':', '/', '-'])
}

/// `path[:tag][@digest]` → (path, tag).
fn split_tag(r: &str) -> (&str, Option<&str>) {
    let r = r.split_once('@').map_or(r, |(p, _)| p);
    match r.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') && !t.is_empty() => (p, Some(t)),
        _ => (r, None),
    }
}

/// The registry host of a reference, when its first component is one.
fn host_of(r: &str) -> Option<&str> {
    let (first, _) = r.split_once('/')?;
    (first.contains('.') || first.contains(':') || first == "localhost").then_some(first)
}

/// Whether `hay` contains `needle` (lowercase ASCII) in any case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn floor(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn clip(s: &str, max: usize) -> &str {
    &s[..floor(s, max.min(s.len()))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_strips_timestamps_ansi_and_buildx_prefixes() {
        let log = "2024-05-06T09:08:09.1234567Z \x1b[31merror\x1b[0m: x\r\n#12 0.345 denied: y\n#7 DONE 0.1s\n[09:08:09] z\nprogress 10%\rprogress 100%";
        let n = normalise(log);
        assert_eq!(n.line(0), "error: x");
        assert_eq!(n.line(1), "denied: y");
        assert_eq!(n.line(2), "DONE 0.1s");
        assert_eq!(n.line(3), "z");
        assert_eq!(n.line(4), "progress 100%");
    }

    #[test]
    fn a_hostile_line_is_explained_in_linear_time() {
        let line = "pushing pulling docker login ghcr.io/a/b:c unauthorized manifest unknown "
            .repeat(50_000);
        let start = std::time::Instant::now();
        let e = explain(&line, &Facts::default());
        assert!(!e.causes.is_empty());
        assert!(e.references.len() <= MAX_REFS);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn references_are_read_from_api_urls_too() {
        let text = "Head \"https://ghcr.io/v2/acme/app/manifests/v1.2.3\": unauthorized";
        let at = text.find("ghcr.io/").unwrap();
        let r = reference_at(text, at, 0).unwrap();
        assert_eq!(r.path, "acme/app");
        let text = "pull ghcr.io/Acme/App:v1.2.3.";
        let r = reference_at(text, text.find("ghcr.io/").unwrap(), 0).unwrap();
        assert_eq!(
            (r.path.as_str(), r.tag.as_deref()),
            ("Acme/App", Some("v1.2.3"))
        );
    }
}
