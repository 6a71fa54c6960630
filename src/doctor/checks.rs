//! `ghcr-gen doctor` without flags: the repository checked for the known causes of GHCR
//! failures before they bite. Workflows are read with positions through the setup reader
//! ([`crate::setup::read_workflow`]); Kubernetes manifests are read as text, one YAML
//! document at a time. Every finding names file:line:col, the cause's slug, why it breaks
//! and the fix.
//!
//! The checks: publishing jobs without `packages: write` or with broader grants than
//! needed; a push without a ghcr.io login before it in its job; pushes that run on pull
//! requests (from forks: read-only token); image names that can be uppercase at run time;
//! no `org.opencontainers.image.source` label; tags without a registry host; cleanups
//! deleting untagged versions of multi-arch images; provenance/SBOM attestations without a
//! note about `unknown/unknown`; Kubernetes pods pulling from ghcr.io without
//! `imagePullSecrets`; a PAT where `GITHUB_TOKEN` would do.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::doctor::facts::TokenSource;
use crate::fsafe;
use crate::setup::{self, Entry, Job, RepoContext, Step, Workflow};

/// One finding of the offline check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check's slug (a vocabulary slug, or `over-broad-permissions`).
    pub kind: &'static str,
    pub diagnostic: Diagnostic,
}

/// What the offline check read and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Workflows read.
    pub workflows: usize,
    /// Kubernetes manifests read.
    pub manifests: usize,
    /// Files that could not be read, with why.
    pub notes: Vec<String>,
    /// What the workflows say, for `--explain`'s ranking.
    pub facts: WorkflowFacts,
}

/// Facts of the workflows that re-rank `--explain`'s causes (`None` = not seen).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkflowFacts {
    pub packages_write: Option<bool>,
    pub login_before_push: Option<bool>,
    pub token: Option<TokenSource>,
    pub pr_pushes: Option<bool>,
    pub may_be_uppercase: Option<bool>,
    pub untagged_cleanup: Option<bool>,
    pub attestations: Option<bool>,
    pub second_login: Option<bool>,
}

/// What the checks know beyond the files.
pub struct Inputs<'a> {
    /// Repository root (the directory of `registry.toml`, or the current directory).
    pub root: &'a Path,
    /// Owner and repository as spelled on GitHub.
    pub ctx: &'a RepoContext,
    /// Some image is built for several platforms (from registry.toml).
    pub multi_arch: bool,
    /// Paths (relative to the root) to leave out: ghcr-gen's own outputs are checked like
    /// any file, so this is for `[rename] exclude`.
    pub exclude: &'a [String],
}

/// Runs every offline check under `inputs.root`.
pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let mut out = Outcome::default();
    let real_root = match fsafe::canonical_root(inputs.root) {
        Ok(r) => r,
        Err(e) => {
            out.notes.push(e.to_string());
            return out;
        }
    };
    let readme_notes = readme_mentions_unknown(&real_root);
    let excluded = excludes(inputs.root, inputs.exclude, &mut out.notes);
    let excluded = |rel: &Path| {
        excluded
            .as_ref()
            .is_some_and(|gi| gi.matched_path_or_any_parents(rel, false).is_ignore())
    };
    for rel in workflow_files(&real_root)
        .into_iter()
        .filter(|r| !excluded(r))
    {
        let Some(text) = read_text(&real_root, &rel, &mut out.notes) else {
            continue;
        };
        match setup::read_workflow(&rel, &text, inputs.ctx) {
            Ok(read) => {
                out.workflows += 1;
                let file = Arc::new(SourceFile {
                    path: rel.display().to_string(),
                    text: text.into(),
                });
                let wf = WorkflowCheck {
                    wf: &read.workflow,
                    file: &file,
                    inputs,
                    real_root: &real_root,
                    readme_notes,
                };
                wf.run(&mut out);
            }
            Err(e) => out
                .notes
                .push(format!("cannot read {}: {e}", rel.display())),
        }
    }
    for rel in manifest_files(inputs.root)
        .into_iter()
        .filter(|r| !excluded(r))
    {
        let Some(text) = read_text(&real_root, &rel, &mut out.notes) else {
            continue;
        };
        if k8s_pull_secrets(&rel, &text, &mut out.findings) {
            out.manifests += 1;
        }
    }
    out
}

/// The `[rename] exclude` globs as one matcher (`None` without globs).
fn excludes(
    root: &Path,
    globs: &[String],
    notes: &mut Vec<String>,
) -> Option<ignore::gitignore::Gitignore> {
    if globs.is_empty() {
        return None;
    }
    let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
    for glob in globs {
        if let Err(e) = builder.add_line(None, glob) {
            notes.push(format!("exclude `{glob}` ignored: {e}"));
        }
    }
    builder.build().ok()
}

/// The token a password expression names.
pub fn token_source(password: &str) -> TokenSource {
    if password.contains("secrets.GITHUB_TOKEN") || password.contains("github.token") {
        TokenSource::GithubToken
    } else if password.contains("steps.") && password.contains("token") {
        TokenSource::App
    } else {
        TokenSource::Pat
    }
}

fn read_text(real_root: &Path, rel: &Path, notes: &mut Vec<String>) -> Option<String> {
    match fsafe::read(real_root, rel) {
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(t) => Some(t),
            Err(_) => {
                notes.push(format!("{} is not UTF-8; not checked", rel.display()));
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            notes.push(e.to_string());
            None
        }
    }
}

/// `.github/workflows/*.yml` and `*.yaml`, sorted.
fn workflow_files(real_root: &Path) -> Vec<PathBuf> {
    let dir = Path::new(".github/workflows");
    // The directory must lead inside the root (a symbolic link out is not followed).
    let Ok(real) = std::fs::canonicalize(real_root.join(dir)) else {
        return Vec::new();
    };
    if !real.starts_with(real_root) || !real.is_dir() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(real) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .map(|n| dir.join(n))
        .collect();
    files.sort();
    files
}

/// YAML files outside `.github/` that may hold Kubernetes objects (gitignore honoured).
fn manifest_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .filter(|p| {
            !p.starts_with(".github") && p.extension().is_some_and(|x| x == "yaml" || x == "yml")
        })
        .collect();
    files.sort();
    files
}

fn readme_mentions_unknown(real_root: &Path) -> bool {
    ["README.md", "docs/README.md", "README"].iter().any(|r| {
        fsafe::read(real_root, Path::new(r))
            .ok()
            .flatten()
            .is_some_and(|b| String::from_utf8_lossy(&b).contains("unknown/unknown"))
    })
}

/// A push found in a job.
struct Push<'a> {
    step: &'a Step,
    /// Where it says so: the `push`/`outputs` entry or the `run` script.
    at: &'a Entry,
    /// Its value or condition depends on the event or ref.
    guarded: bool,
}

/// A login found in a job.
struct Login<'a> {
    step: &'a Step,
    ghcr: bool,
    /// The password entry (docker/login-action) or the script.
    password: Option<&'a Entry>,
    token: Option<TokenSource>,
}

struct WorkflowCheck<'a> {
    wf: &'a Workflow,
    file: &'a Arc<SourceFile>,
    inputs: &'a Inputs<'a>,
    real_root: &'a Path,
    readme_notes: bool,
}

const BUILD_PUSH: &str = "docker/build-push-action";

impl WorkflowCheck<'_> {
    fn run(&self, out: &mut Outcome) {
        let text = &*self.file.text;
        let generated = text.starts_with("# Generated by ghcr-gen");
        let on_pr = self
            .wf
            .on
            .iter()
            .any(|t| t.event == "pull_request" || t.event == "pull_request_target");
        let mut ghcr_pushers = Vec::new();
        for job in &self.wf.jobs {
            if !self.mentions_ghcr(job) {
                continue;
            }
            let pushes = self.pushes(job);
            let logins = self.logins(job);
            if pushes.is_empty() {
                continue;
            }
            ghcr_pushers.push(job.id.as_str());
            self.permissions(job, out);
            self.login_before_push(job, &pushes, &logins, out);
            if on_pr {
                self.pull_request_pushes(job, &pushes, out);
            }
            self.uppercase(job, out);
            self.registry_host(job, out);
            if !generated {
                self.attestations(job, &pushes, out);
            }
            self.pat(job, &logins, out);
            let f = &mut out.facts;
            f.login_before_push = Some(
                f.login_before_push.unwrap_or(true)
                    && pushes
                        .iter()
                        .all(|p| logins.iter().any(|l| l.ghcr && l.step.index < p.step.index)),
            );
            if let Some(t) = logins.iter().find(|l| l.ghcr).and_then(|l| l.token) {
                f.token = Some(t);
            }
            if logins.iter().filter(|l| l.ghcr).count() > 1 {
                f.second_login = Some(true);
            }
            f.pr_pushes =
                Some(f.pr_pushes.unwrap_or(false) || on_pr && pushes.iter().any(|p| !p.guarded));
        }
        if !ghcr_pushers.is_empty() {
            self.over_broad(&ghcr_pushers, out);
            self.source_label(out);
        }
        self.cleanup(out);
    }

    /// Whether the job's values name ghcr.io (or `REGISTRY`-style env naming it).
    fn mentions_ghcr(&self, job: &Job) -> bool {
        let in_entries = |es: &[Entry]| es.iter().any(|e| e.value.contains("ghcr.io"));
        in_entries(&self.wf.env)
            || in_entries(&job.env)
            || job
                .matrix
                .iter()
                .any(|combo| combo.iter().any(|(_, v)| v.contains("ghcr.io")))
            || job.steps.iter().any(|s| {
                in_entries(&s.with)
                    || in_entries(&s.env)
                    || s.run.as_ref().is_some_and(|r| r.value.contains("ghcr.io"))
            })
    }

    /// Whether `cond` depends on the event or the ref, directly or through an `env.X`
    /// whose value does.
    fn guarded(&self, job: &Job, cond: &str) -> bool {
        const WORDS: [&str; 5] = [
            "event_name",
            "pull_request",
            "github.ref",
            "head.repo",
            "fork",
        ];
        let direct = |s: &str| WORDS.iter().any(|w| s.contains(w));
        if direct(cond) {
            return true;
        }
        self.wf
            .env
            .iter()
            .chain(&job.env)
            .any(|e| cond.contains(&format!("env.{}", e.key)) && direct(&e.value))
    }

    fn pushes<'a>(&self, job: &'a Job) -> Vec<Push<'a>> {
        let mut out = Vec::new();
        let step_guard = |s: &Step| {
            job.if_cond.as_deref().is_some_and(|c| self.guarded(job, c))
                || s.if_cond.as_deref().is_some_and(|c| self.guarded(job, c))
        };
        for s in &job.steps {
            let with = |k: &str| s.with.iter().find(|e| e.key == k);
            let uses = s.uses.as_deref().unwrap_or("");
            if uses.starts_with(BUILD_PUSH) || uses.starts_with("docker/bake-action") {
                let push = with("push").filter(|e| e.value.trim() != "false");
                let outputs = with("outputs")
                    .filter(|e| e.value.contains("push=") && !e.value.contains("push=false"));
                if let Some(at) = push.or(outputs) {
                    let guarded = step_guard(s) || self.guarded(job, &at.value);
                    out.push(Push {
                        step: s,
                        at,
                        guarded,
                    });
                }
            } else if let Some(run) = &s.run
                && script_pushes(&run.value)
            {
                out.push(Push {
                    step: s,
                    at: run,
                    guarded: step_guard(s),
                });
            }
        }
        out
    }

    fn logins<'a>(&self, job: &'a Job) -> Vec<Login<'a>> {
        let mut out = Vec::new();
        for s in &job.steps {
            let uses = s.uses.as_deref().unwrap_or("");
            let with = |k: &str| s.with.iter().find(|e| e.key == k);
            if uses.starts_with("docker/login-action")
                || uses.starts_with("redhat-actions/podman-login")
            {
                let registry = with("registry").map(|e| self.resolve(job, &e.value));
                let password = with("password");
                out.push(Login {
                    step: s,
                    ghcr: registry.is_some_and(|r| r.contains("ghcr.io")),
                    password,
                    token: password.map(|p| token_source(&p.value)),
                });
            } else if let Some(run) = &s.run {
                for line in run.value.lines() {
                    if line.contains("login") && self.resolve(job, line).contains("ghcr.io") {
                        let token = if line.contains("secrets.")
                            || line.contains("TOKEN")
                            || line.contains("PAT")
                        {
                            Some(
                                if line.contains("GITHUB_TOKEN") || line.contains("github.token") {
                                    TokenSource::GithubToken
                                } else {
                                    token_source(&self.env_value(job, s, line))
                                },
                            )
                        } else {
                            None
                        };
                        out.push(Login {
                            step: s,
                            ghcr: true,
                            password: Some(run),
                            token,
                        });
                        break;
                    }
                }
            }
        }
        out
    }

    /// `value` with `${{ env.X }}` / `$X` of workflow and job env appended (enough to see
    /// whether it names ghcr.io).
    fn resolve(&self, job: &Job, value: &str) -> String {
        let mut s = value.to_string();
        for e in self.wf.env.iter().chain(&job.env) {
            if value.contains(&format!("env.{}", e.key))
                || value.contains(&format!("${}", e.key))
                || value.contains(&format!("${{{}}}", e.key))
            {
                s.push(' ');
                s.push_str(&e.value);
            }
        }
        s
    }

    /// The values of the step's env entries a script line names.
    fn env_value(&self, job: &Job, step: &Step, line: &str) -> String {
        let mut s = line.to_string();
        for e in self.wf.env.iter().chain(&job.env).chain(&step.env) {
            if line.contains(&format!("${}", e.key)) || line.contains(&format!("${{{}}}", e.key)) {
                s.push(' ');
                s.push_str(&e.value);
            }
        }
        s
    }

    fn finding(
        &self,
        out: &mut Outcome,
        (kind, severity): (&'static str, Severity),
        span: std::ops::Range<usize>,
        message: String,
        label: &str,
        help: String,
    ) {
        let mut d = Diagnostic::error(self.file, span, message)
            .label(label)
            .help(help);
        d.severity = severity;
        out.findings.push(Finding {
            kind,
            diagnostic: d,
        });
    }

    fn permissions(&self, job: &Job, out: &mut Outcome) {
        let text = &self.file.text;
        let effective = job.permissions.as_ref().or(self.wf.permissions.as_ref());
        let fix = "give the job that pushes:\n    permissions:\n      contents: read\n      packages: write".to_string();
        let write = match effective {
            None => {
                self.finding(
                    out,
                    ("missing-packages-write", Severity::Warning),
                    span_at(text, job.line, job.col),
                    format!("job `{}` pushes to ghcr.io without a `permissions:` block", job.id),
                    "GITHUB_TOKEN gets the repository's default permissions: read-only in new repositories and organisations",
                    fix,
                );
                None
            }
            Some(p) => {
                let ok = p.all.as_deref() == Some("write-all")
                    || p.scopes
                        .iter()
                        .any(|(k, v)| k == "packages" && v == "write");
                if !ok {
                    self.finding(
                        out,
                        ("missing-packages-write", Severity::Error),
                        span_at(text, p.line, p.col),
                        format!("job `{}` pushes to ghcr.io but its token has no `packages: write`", job.id),
                        "no `packages: write` here",
                        format!("{fix}\n(the push fails with `installation not allowed to Create organization package`)"),
                    );
                }
                if let Some(jp) = &job.permissions
                    && jp.all.as_deref() == Some("write-all")
                {
                    self.finding(
                        out,
                        ("over-broad-permissions", Severity::Warning),
                        span_at(text, jp.line, jp.col),
                        format!("job `{}` grants every permission to push images", job.id),
                        "`write-all`",
                        fix.clone(),
                    );
                }
                Some(ok)
            }
        };
        let f = &mut out.facts.packages_write;
        *f = match (*f, write) {
            (Some(a), Some(b)) => Some(a && b),
            (a, b) => a.or(b),
        };
    }

    /// Workflow-level write grants that every job inherits.
    fn over_broad(&self, pushers: &[&str], out: &mut Outcome) {
        let Some(p) = &self.wf.permissions else {
            return;
        };
        let text = &self.file.text;
        let grants_write = p.all.as_deref() == Some("write-all")
            || p.scopes
                .iter()
                .any(|(k, v)| k == "packages" && v == "write");
        let inheritors: Vec<&str> = self
            .wf
            .jobs
            .iter()
            .filter(|j| j.permissions.is_none() && !pushers.contains(&j.id.as_str()))
            .map(|j| j.id.as_str())
            .collect();
        if p.all.as_deref() == Some("write-all") || grants_write && !inheritors.is_empty() {
            let what = if p.all.as_deref() == Some("write-all") {
                "`write-all`".to_string()
            } else {
                format!(
                    "`packages: write` for jobs that do not push ({})",
                    inheritors.join(", ")
                )
            };
            self.finding(
                out,
                ("over-broad-permissions", Severity::Warning),
                span_at(text, p.line, p.col),
                format!("the workflow grants {what}"),
                "every job inherits this",
                "set `permissions: {}` at the top and grant `packages: write` (with `contents: read`) only in the jobs that push".into(),
            );
        }
    }

    fn login_before_push(
        &self,
        job: &Job,
        pushes: &[Push<'_>],
        logins: &[Login<'_>],
        out: &mut Outcome,
    ) {
        let text = &self.file.text;
        for p in pushes {
            if !logins.iter().any(|l| l.ghcr && l.step.index < p.step.index) {
                self.finding(
                    out,
                    ("no-registry-login", Severity::Error),
                    span_at(text, p.step.line, p.step.col),
                    format!("job `{}` pushes to ghcr.io without logging in to it first", job.id),
                    "this step pushes",
                    "add before it:\n      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n(the push fails with `unauthorized: unauthenticated`)".into(),
                );
            }
        }
    }

    fn pull_request_pushes(&self, job: &Job, pushes: &[Push<'_>], out: &mut Outcome) {
        for p in pushes.iter().filter(|p| !p.guarded) {
            self.finding(
                out,
                ("fork-pr-readonly-token", Severity::Error),
                entry_span(&self.file.text, p.at),
                format!("job `{}` pushes on `pull_request` events too", job.id),
                "pushes whatever the event",
                "pull requests from forks get a read-only token (`installation not allowed to Write organization package`): push only on other events, e.g. `push: ${{ github.event_name != 'pull_request' }}` and `if: github.event_name != 'pull_request'` on the login".into(),
            );
        }
    }

    /// Image names built from `github.repository*` without lowercasing, where they reach
    /// a push (metadata-action's `images` lowercases, so it is fine).
    fn uppercase(&self, job: &Job, out: &mut Outcome) {
        const SOURCES: [&str; 4] = [
            "github.repository",
            "GITHUB_REPOSITORY",
            "github.actor",
            "GITHUB_ACTOR",
        ];
        let lowers = |s: &str| {
            s.contains(",,") || s.contains("tr ") || s.contains("lower") || s.contains("Lower")
        };
        let risky = |s: &str| SOURCES.iter().any(|w| s.contains(w)) && !lowers(s);
        // Env variables holding such a name.
        let vars: Vec<&Entry> = self
            .wf
            .env
            .iter()
            .chain(&job.env)
            .filter(|e| {
                risky(&e.value)
                    && (e.key.to_ascii_uppercase().contains("IMAGE") || e.value.contains("ghcr.io"))
            })
            .collect();
        let mut seen = Vec::new();
        for s in &job.steps {
            let uses = s.uses.as_deref().unwrap_or("");
            let mut sites: Vec<&Entry> = Vec::new();
            if uses.starts_with(BUILD_PUSH) {
                sites.extend(s.with.iter().filter(|e| e.key == "tags"));
            }
            if let Some(run) = &s.run {
                sites.push(run);
            }
            for site in sites {
                let lines: Vec<&str> = site
                    .value
                    .lines()
                    .filter(|l| {
                        site.key != "run"
                            || ["docker", "podman", "crane", "buildah"]
                                .iter()
                                .any(|t| l.contains(t))
                    })
                    .collect();
                for l in lines {
                    if lowers(l) {
                        continue;
                    }
                    let culprit: Option<&Entry> = if SOURCES.iter().any(|w| l.contains(w)) {
                        Some(site)
                    } else {
                        vars.iter().copied().find(|v| {
                            l.contains(&format!("env.{}", v.key))
                                || l.contains(&format!("${}", v.key))
                                || l.contains(&format!("${{{}}}", v.key))
                        })
                    };
                    if let Some(c) = culprit
                        && !seen.contains(&c.range.start)
                    {
                        seen.push(c.range.start);
                        let span = expr_span(&self.file.text, c, &SOURCES);
                        self.finding(
                            out,
                            ("uppercase-name", Severity::Error),
                            span,
                            "this image name can be uppercase at run time".into(),
                            "`github.repository*` keeps the owner's capitals",
                            format!(
                                "registry paths must be lowercase (`repository name must be lowercase` once the owner or repository has a capital, as `{}/{}` does): lowercase it in a script (`${{GITHUB_REPOSITORY,,}}`) or let docker/metadata-action name the image",
                                self.inputs.ctx.owner, self.inputs.ctx.repo
                            ),
                        );
                        out.facts.may_be_uppercase = Some(true);
                    }
                }
            }
        }
    }

    /// Literal tags without a registry host in a job that pushes to ghcr.io.
    fn registry_host(&self, job: &Job, out: &mut Outcome) {
        let text = &self.file.text;
        for s in &job.steps {
            if !s.uses.as_deref().unwrap_or("").starts_with(BUILD_PUSH) {
                continue;
            }
            for e in s.with.iter().filter(|e| e.key == "tags") {
                for item in e.value.split(['\n', ',']).map(str::trim) {
                    if item.is_empty()
                        || item.contains("${{")
                        || item.starts_with('$')
                        || item.starts_with('#')
                    {
                        continue;
                    }
                    if host(item).is_none() {
                        let span =
                            find_in(text, &e.range, item).unwrap_or_else(|| entry_span(text, e));
                        self.finding(
                            out,
                            ("tag-missing-registry-prefix", Severity::Error),
                            span,
                            format!("`{item}` has no registry host: it is pushed to Docker Hub"),
                            "no `ghcr.io/`",
                            format!(
                                "write `ghcr.io/{}/{}` (the push fails with `insufficient_scope` or `requested access to the resource is denied`)",
                                self.inputs.ctx.owner.to_ascii_lowercase(),
                                item.split_once('/').map_or(item, |(_, rest)| rest)
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Provenance or SBOM attestations with no word about `unknown/unknown` anywhere.
    fn attestations(&self, job: &Job, pushes: &[Push<'_>], out: &mut Outcome) {
        let text = &self.file.text;
        for p in pushes {
            if !p.step.uses.as_deref().unwrap_or("").starts_with(BUILD_PUSH) {
                continue;
            }
            let with = |k: &str| p.step.with.iter().find(|e| e.key == k);
            let provenance = with("provenance").is_none_or(|e| e.value.trim() != "false");
            let sbom = with("sbom").is_some_and(|e| e.value.trim() == "true");
            if !(provenance || sbom) {
                continue;
            }
            out.facts.attestations = Some(true);
            if text.contains("unknown/unknown") || self.readme_notes {
                continue;
            }
            let span = with("provenance").or(with("sbom")).map_or_else(
                || span_at(text, p.step.line, p.step.col),
                |e| entry_span(text, e),
            );
            self.finding(
                out,
                ("attestation-unknown-platform", Severity::Warning),
                span,
                format!("job `{}` pushes provenance/SBOM attestations without a note about `unknown/unknown`", job.id),
                match (with("provenance"), sbom) {
                    (Some(_), _) => "provenance attestation on",
                    (None, true) => "SBOM attestation on (and provenance, on by default)",
                    (None, false) => "provenance is on by default",
                },
                "GHCR lists each attestation as an `unknown/unknown` platform; say so in a comment here or in the README (`# unknown/unknown entries are attestations`), or set `provenance: false`".into(),
            );
        }
    }

    fn pat(&self, job: &Job, logins: &[Login<'_>], out: &mut Outcome) {
        let owner = self.inputs.ctx.owner.to_ascii_lowercase();
        let own = |s: &str| {
            s.contains("github.repository")
                || s.to_ascii_lowercase()
                    .contains(&format!("ghcr.io/{owner}/"))
        };
        let pushes_own = self.wf.env.iter().chain(&job.env).any(|e| own(&e.value))
            || job.matrix.iter().any(|c| c.iter().any(|(_, v)| own(v)))
            || job.steps.iter().any(|s| {
                s.with.iter().chain(&s.env).any(|e| own(&e.value))
                    || s.run.as_ref().is_some_and(|r| own(&r.value))
            });
        if !pushes_own {
            return;
        }
        for l in logins
            .iter()
            .filter(|l| l.ghcr && l.token == Some(TokenSource::Pat))
        {
            let Some(p) = l.password else { continue };
            self.finding(
                out,
                ("pat-where-github-token-would-do", Severity::Warning),
                expr_span(&self.file.text, p, &["secrets."]),
                format!("job `{}` logs in to ghcr.io with a personal access token", job.id),
                "a PAT expires and is tied to one person",
                format!(
                    "pushing to {owner}'s packages from this repository needs no PAT: use `password: ${{{{ secrets.GITHUB_TOKEN }}}}` with `permissions: packages: write`, and link the package to the repository (Manage Actions access)"
                ),
            );
        }
    }

    fn source_label(&self, out: &mut Outcome) {
        let text = &self.file.text;
        if text.contains("org.opencontainers.image.source") || text.contains("outputs.labels") {
            return;
        }
        // A Dockerfile may set it.
        if dockerfiles_label(self.real_root) {
            return;
        }
        let Some((job, step)) = self.wf.jobs.iter().find_map(|j| {
            j.steps
                .iter()
                .find(|s| {
                    s.uses.as_deref().unwrap_or("").starts_with(BUILD_PUSH)
                        || s.run.as_ref().is_some_and(|r| script_pushes(&r.value))
                })
                .map(|s| (j, s))
        }) else {
            return;
        };
        self.finding(
            out,
            ("package-not-linked", Severity::Warning),
            span_at(text, step.line, step.col),
            format!("job `{}` pushes images without an `org.opencontainers.image.source` label", job.id),
            "no source label",
            format!(
                "a new package is linked to its repository by this label; without it pushes may fail with `permission_denied: write_package`: pass `labels: ${{{{ steps.meta.outputs.labels }}}}` from docker/metadata-action, or `org.opencontainers.image.source=https://github.com/{}/{}`",
                self.inputs.ctx.owner, self.inputs.ctx.repo
            ),
        );
    }

    /// Cleanups deleting untagged versions while images are multi-arch.
    fn cleanup(&self, out: &mut Outcome) {
        let text = &self.file.text;
        let multi = self.inputs.multi_arch
            || self.wf.jobs.iter().any(|j| {
                j.steps.iter().any(|s| {
                    s.with
                        .iter()
                        .any(|e| e.key == "platforms" && e.value.contains(','))
                        || s.run.as_ref().is_some_and(|r| {
                            r.value.contains("--platform") && r.value.contains(',')
                        })
                })
            });
        for j in &self.wf.jobs {
            for s in &j.steps {
                let uses = s.uses.as_deref().unwrap_or("");
                let with = |k: &str| s.with.iter().find(|e| e.key == k);
                let hit = if uses.starts_with("actions/delete-package-versions") {
                    with("delete-only-untagged-versions").filter(|e| e.value.trim() == "true")
                } else if uses.starts_with("snok/container-retention-policy") {
                    with("tag-selection")
                        .filter(|e| matches!(e.value.trim(), "untagged" | "both"))
                        .or(with("untagged-only").filter(|e| e.value.trim() == "true"))
                } else {
                    None
                };
                if let Some(e) = hit {
                    out.facts.untagged_cleanup = Some(true);
                    if !multi {
                        continue;
                    }
                    self.finding(
                        out,
                        ("child-manifest-deleted", Severity::Error),
                        entry_span(text, e),
                        "this cleanup deletes untagged versions of multi-arch images".into(),
                        "the platform manifests under a multi-arch tag are untagged versions",
                        "their tags then answer `manifest unknown`: keep what every kept index refers to (ghcr-gen's `[retention]`, dataaxiom/ghcr-cleanup-action), or stop deleting untagged versions".into(),
                    );
                }
            }
        }
    }
}

/// Whether a script pushes images.
fn script_pushes(script: &str) -> bool {
    [
        "docker push",
        "docker image push",
        "podman push",
        "crane push",
        "imagetools create",
        "buildah push",
    ]
    .iter()
    .any(|p| script.contains(p))
        || (script.contains("buildx") && script.contains("--push"))
}

/// Whether a Dockerfile under the root sets the source label (the first few found).
fn dockerfiles_label(real_root: &Path) -> bool {
    ignore::WalkBuilder::new(real_root)
        .follow_links(false)
        .require_git(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with("Dockerfile")
                || e.file_name().to_string_lossy().ends_with(".Dockerfile")
        })
        .take(64)
        .filter_map(|e| {
            let rel = e.path().strip_prefix(real_root).ok()?.to_path_buf();
            fsafe::read(real_root, &rel).ok().flatten()
        })
        .any(|b| String::from_utf8_lossy(&b).contains("org.opencontainers.image.source"))
}

/// Pods (Deployment, Job, ...) pulling from ghcr.io without `imagePullSecrets`, per YAML
/// document. Returns whether the file holds Kubernetes objects.
fn k8s_pull_secrets(rel: &Path, text: &str, findings: &mut Vec<Finding>) -> bool {
    const KINDS: [&str; 7] = [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Pod",
        "ReplicaSet",
    ];
    let mut any = false;
    let file = Arc::new(SourceFile {
        path: rel.display().to_string(),
        text: text.into(),
    });
    let mut start = 0;
    for doc in text
        .split_inclusive('\n')
        .collect::<Vec<_>>()
        .split(|l| l.trim_end() == "---")
    {
        let len: usize = doc.iter().map(|l| l.len()).sum();
        let body = &text[start..start + len];
        let is_pod = body.lines().any(|l| {
            l.strip_prefix("kind:")
                .is_some_and(|k| KINDS.contains(&k.trim().trim_matches(['"', '\''])))
        });
        if is_pod {
            any = true;
            if !body.contains("imagePullSecrets") {
                let mut at = start;
                for l in doc {
                    let t = l.trim_start();
                    let t = t.strip_prefix("- ").unwrap_or(t);
                    if let Some(v) = t.strip_prefix("image:") {
                        let v = v.trim().trim_matches(['"', '\'']);
                        if v.starts_with("ghcr.io/") {
                            let off = at + l.find(v).unwrap_or(0);
                            let d = Diagnostic::error(&file, off..off + v.len(), format!("this pod pulls {v} without `imagePullSecrets`"))
                                .label("no pull secret in this pod spec")
                                .help("a private package answers `401 Unauthorized` (ImagePullBackOff): `kubectl create secret docker-registry ghcr-pull --docker-server=ghcr.io --docker-username=<user> --docker-password=<token>` (a classic PAT with read:packages), then `imagePullSecrets: [{name: ghcr-pull}]` in the pod spec (or on its ServiceAccount); a public package needs none");
                            let mut d = d;
                            d.severity = Severity::Warning;
                            findings.push(Finding {
                                kind: "k8s-missing-pull-secret",
                                diagnostic: d,
                            });
                        }
                    }
                    at += l.len();
                }
            }
        }
        // The `---` line between documents.
        start += len;
        if start < text.len() {
            start += text[start..]
                .find('\n')
                .map_or(text.len() - start, |i| i + 1);
        }
    }
    any
}

/// The registry host of a reference, when its first component is one.
fn host(r: &str) -> Option<&str> {
    let (first, _) = r.split_once('/')?;
    (first.contains('.') || first.contains(':') || first == "localhost").then_some(first)
}

/// Byte offset of 1-based `line`, `col` (characters) in `text`.
fn offset(text: &str, line: usize, col: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    text[start..]
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(text.len(), |(i, _)| start + i)
}

/// The rest of the line at `line`:`col` (its key or value), trimmed.
fn span_at(text: &str, line: usize, col: usize) -> std::ops::Range<usize> {
    let start = offset(text, line, col);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = start + text[start..end].trim_end().len();
    start..end.max(start)
}

/// An entry's value, on its first line.
fn entry_span(text: &str, e: &Entry) -> std::ops::Range<usize> {
    let r = e.range.start.min(text.len())..e.range.end.min(text.len());
    let end = text[r.clone()].find('\n').map_or(r.end, |i| r.start + i);
    if end > r.start {
        r.start..end
    } else {
        span_at(text, e.line, e.col)
    }
}

/// The first `${{ … }}` of an entry naming one of `words`, else the entry.
fn expr_span(text: &str, e: &Entry, words: &[&str]) -> std::ops::Range<usize> {
    let r = e.range.start.min(text.len())..e.range.end.min(text.len());
    let value = &text[r.clone()];
    for w in words {
        if let Some(i) = value.find(w) {
            let open = value[..i]
                .rfind("${{")
                .filter(|o| !value[*o..i].contains("}}"));
            let (s, e2) = match open {
                Some(o) => (o, value[i..].find("}}").map_or(value.len(), |c| i + c + 2)),
                None => (i, i + w.len()),
            };
            return r.start + s..r.start + e2;
        }
    }
    entry_span(text, e)
}

/// `needle` inside `range` of `text`.
fn find_in(
    text: &str,
    range: &std::ops::Range<usize>,
    needle: &str,
) -> Option<std::ops::Range<usize>> {
    let r = range.start.min(text.len())..range.end.min(text.len());
    let i = text.get(r.clone())?.find(needle)?;
    Some(r.start + i..r.start + i + needle.len())
}
