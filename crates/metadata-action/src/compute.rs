//! The tag computation itself: each enabled rule, in priority order, may contribute a
//! version (the first one becomes `main`, the others `partial`, deduplicated) and decide
//! `latest`; then every enabled image gets `main`, the partials and `latest`.

use jiff::Timestamp;

use super::date::{self, Zone};
use super::flavor::Flavor;
use super::jsregex::JsRegex;
use super::pep440::Pep440;
use super::rule::{Kind, Rule};
use super::semver::SemVer;
use super::template::{self, Scope, Value};
use super::{GitContext, Inputs, Meta, TagError, Version, image, input, js};

/// Runs the action's computation on parsed-from-raw inputs.
pub(crate) fn compute(inputs: &Inputs, ctx: &GitContext) -> Result<Meta, TagError> {
    let images = input::entries(&inputs.images.join("\n"))?;
    let tags = input::entries(&inputs.tags.as_deref().unwrap_or_default().join("\n"))?;
    let flavor = input::entries(&inputs.flavor.join("\n"))?;
    let images = image::parse(&images)?;
    let rules = super::rule::parse_all(&tags)?;
    let flavor = Flavor::parse(&flavor)?;
    let mut run = Run::new(ctx, flavor);
    for rule in &rules {
        run.apply(rule)?;
    }
    let mut version = run.version;
    let mut seen = std::collections::HashSet::new();
    version.partial.retain(|p| seen.insert(p.clone()));
    let generate = |image: &str| -> Vec<String> {
        let Some(main) = &version.main else {
            return Vec::new();
        };
        let prefix = if image.is_empty() {
            String::new()
        } else {
            format!("{image}:")
        };
        let mut tags = vec![format!("{prefix}{main}")];
        tags.extend(version.partial.iter().map(|p| format!("{prefix}{p}")));
        if version.latest {
            tags.push(format!("{prefix}{}", sanitize(&run.flavor.latest_tag())));
        }
        tags
    };
    let names = image::enabled_names(&images);
    let tag_names = generate("");
    let tags = if names.is_empty() {
        tag_names.clone()
    } else {
        names.iter().flat_map(|n| generate(n)).collect()
    };
    Ok(Meta {
        tags,
        tag_names,
        version,
        warnings: run.warnings,
    })
}

/// Tag sanitising: every run of characters outside `[a-zA-Z0-9._-]` becomes one `-`.
pub(crate) fn sanitize(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    let mut in_run = false;
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    out
}

/// The state of one computation.
struct Run<'a> {
    ctx: &'a GitContext,
    /// The ref and sha the action sees (after its pull_request_target / PR head rewrites).
    git_ref: String,
    sha: String,
    flavor: Flavor,
    version: Version,
    latest: Option<bool>,
    warnings: Vec<String>,
}

impl<'a> Run<'a> {
    fn new(ctx: &'a GitContext, flavor: Flavor) -> Self {
        let mut git_ref = ctx.git_ref.clone();
        if ctx.event_name.contains("pull_request_target") {
            let number = git_ref
                .strip_prefix("refs/pull/")
                .and_then(|r| r.split('/').next())
                .filter(|n| !n.is_empty());
            git_ref = format!("refs/pull/{}/merge", number.unwrap_or("undefined"));
        }
        let mut sha = ctx.sha.clone();
        if ctx.use_pr_head_sha
            && ctx.event_name.contains("pull_request")
            && let Some(head) = &ctx.pr_head_sha
        {
            sha = head.clone();
        }
        Run {
            ctx,
            git_ref,
            sha,
            flavor,
            version: Version {
                main: None,
                partial: Vec::new(),
                latest: false,
            },
            latest: None,
            warnings: Vec::new(),
        }
    }

    fn apply(&mut self, rule: &Rule) -> Result<(), TagError> {
        let enabled = self.global(rule.attr("enable"))?;
        if enabled != "true" && enabled != "false" {
            return Err(TagError::new(format!(
                "Invalid value for enable attribute: {enabled}"
            )));
        }
        if enabled == "false" {
            return Ok(());
        }
        let git_ref = self.git_ref.clone();
        let tag = git_ref.strip_prefix("refs/tags/");
        let branch = git_ref.strip_prefix("refs/heads/");
        match rule.kind {
            Kind::Schedule => {
                if self.ctx.event_name.contains("schedule") {
                    let scope = DateScope {
                        now: self.ctx.now,
                        commit_date: self.ctx.commit_date,
                    };
                    let v = template::render(rule.attr("pattern"), &scope)?;
                    let v = self.with_affixes(v, rule)?;
                    self.set_version(v, self.flavor.latest_for(false));
                }
            }
            Kind::Semver | Kind::Pep440 => {
                if tag.is_none() && rule.attr("value").is_empty() {
                    return Ok(());
                }
                let Some(vraw) = self.version_source(rule, tag)? else {
                    return Ok(());
                };
                if rule.kind == Kind::Semver {
                    self.semver(rule, vraw)?;
                } else {
                    self.pep440(rule, vraw)?;
                }
            }
            Kind::Match => {
                if tag.is_none() && rule.attr("value").is_empty() {
                    return Ok(());
                }
                let value = rule.attr("value");
                let vraw = if value.is_empty() {
                    tag.unwrap_or_default().to_string()
                } else {
                    self.global(value)?
                };
                let pattern = rule.attr("pattern");
                let re = match delimited_regex(pattern) {
                    Some((body, flags)) => JsRegex::new(body, flags)?,
                    None => JsRegex::new(pattern, "")?,
                };
                let Some(groups) = re.match_str(&vraw)? else {
                    self.warnings
                        .push(format!("{pattern} does not match {vraw}."));
                    return Ok(());
                };
                let group = rule.attr("group");
                let Some(Some(value)) = js::array_index(group).and_then(|i| groups.get(i)) else {
                    self.warnings.push(format!(
                        "Group {group} does not exist for {pattern} pattern."
                    ));
                    return Ok(());
                };
                let v = self.with_affixes(value.clone(), rule)?;
                self.set_version(v, self.flavor.latest_for(true));
            }
            Kind::Ref => {
                let (source, auto) = match rule.attr("event") {
                    "branch" => (branch.map(str::to_string), false),
                    "tag" => (tag.map(str::to_string), true),
                    _ => (
                        git_ref
                            .strip_prefix("refs/pull/")
                            .map(|pr| pr.strip_suffix("/merge").unwrap_or(pr).to_string()),
                        false,
                    ),
                };
                if let Some(source) = source {
                    let v = self.with_affixes(source, rule)?;
                    self.set_version(v, self.flavor.latest_for(auto));
                }
            }
            Kind::Edge => {
                let wanted = match rule.attr("branch") {
                    "" => self.ctx.default_branch.as_str(),
                    b => b,
                };
                if branch.is_some_and(|b| b == wanted) {
                    let v = self.with_affixes("edge".into(), rule)?;
                    self.set_version(v, self.flavor.latest_for(false));
                }
            }
            Kind::Raw => {
                let v = self.global(rule.attr("value"))?;
                let v = self.with_affixes(v, rule)?;
                self.set_version(v, self.flavor.latest_for(false));
            }
            Kind::Sha => {
                if !self.sha.is_empty() {
                    let sha = self.sha.clone();
                    let v = if rule.attr("format") == "short" {
                        self.short_sha(&sha)?
                    } else {
                        sha
                    };
                    let v = self.with_affixes(v, rule)?;
                    self.set_version(v, self.flavor.latest_for(false));
                }
            }
        }
        Ok(())
    }

    /// The version string a semver/pep440 rule reads: `value` (rendered) or the tag, cut
    /// down by `match` (its first group), with `/` replaced by `-`.
    fn version_source(
        &mut self,
        rule: &Rule,
        tag: Option<&str>,
    ) -> Result<Option<String>, TagError> {
        let value = rule.attr("value");
        let mut vraw = if value.is_empty() {
            tag.unwrap_or_default().to_string()
        } else {
            self.global(value)?
        };
        let pattern = rule.attr("match");
        if !pattern.is_empty() {
            match JsRegex::new(pattern, "")?.match_str(&vraw)? {
                None => self
                    .warnings
                    .push(format!("{pattern} does not match {vraw}.")),
                Some(groups) => match groups.get(1) {
                    Some(Some(g)) => vraw = g.clone(),
                    _ => {
                        return Err(TagError::new(
                            "Cannot read properties of undefined (reading 'replace')",
                        ));
                    }
                },
            }
        }
        Ok(Some(vraw.replace('/', "-")))
    }

    fn semver(&mut self, rule: &Rule, vraw: String) -> Result<(), TagError> {
        let Some(sver) = SemVer::parse(&vraw) else {
            self.warnings.push(format!(
                "{vraw} is not a valid semver. More info: https://semver.org/"
            ));
            return Ok(());
        };
        let pattern = rule.attr("pattern");
        let stable = sver.prerelease.is_empty();
        let rendered = if stable || template::is_raw_statement(pattern) {
            template::render(pattern, &sver)?
        } else {
            template::render("{{version}}", &sver)?
        };
        let v = self.with_affixes(rendered, rule)?;
        self.set_version(v, self.flavor.latest_for(stable));
        Ok(())
    }

    fn pep440(&mut self, rule: &Rule, vraw: String) -> Result<(), TagError> {
        let Some(pver) = Pep440::parse(&vraw) else {
            self.warnings.push(format!("{vraw} does not conform to PEP 440. More info: https://www.python.org/dev/peps/pep-0440"));
            return Ok(());
        };
        let pattern = rule.attr("pattern");
        let stable = !pver.is_unstable();
        let rendered = if stable {
            template::render(
                pattern,
                &Pep440Scope {
                    raw: &vraw,
                    version: &pver,
                },
            )?
        } else if template::is_raw_statement(pattern) {
            vraw.clone()
        } else {
            pver.clean()
        };
        let v = self.with_affixes(rendered, rule)?;
        self.set_version(v, self.flavor.latest_for(stable));
        Ok(())
    }

    /// `setValue`: the rule's own prefix/suffix when set (even empty), else the flavor's.
    fn with_affixes(&self, value: String, rule: &Rule) -> Result<String, TagError> {
        let prefix = match rule.get("prefix") {
            Some(p) => self.global(p)?,
            None if !self.flavor.prefix.is_empty() => self.global(&self.flavor.prefix)?,
            None => String::new(),
        };
        let suffix = match rule.get("suffix") {
            Some(s) => self.global(s)?,
            None if !self.flavor.suffix.is_empty() => self.global(&self.flavor.suffix)?,
            None => String::new(),
        };
        Ok(format!("{prefix}{value}{suffix}"))
    }

    fn set_version(&mut self, value: String, latest: bool) {
        if value.is_empty() {
            return;
        }
        let value = sanitize(&value);
        match &self.version.main {
            None => self.version.main = Some(value),
            Some(main) if *main != value => self.version.partial.push(value),
            Some(_) => {}
        }
        if self.latest.is_none() {
            self.latest = Some(latest);
            self.version.latest = latest;
        }
    }

    /// Renders a `value`/`prefix`/`suffix`/`enable` expression.
    fn global(&self, template: &str) -> Result<String, TagError> {
        template::render(template, self)
    }

    /// `{{sha}}` and `type=sha,format=short`: DOCKER_METADATA_SHORT_SHA_LENGTH characters (7).
    fn short_sha(&self, sha: &str) -> Result<String, TagError> {
        let mut len = 7.0;
        if let Some(raw) = self
            .ctx
            .short_sha_length
            .as_deref()
            .filter(|r| !r.is_empty())
        {
            len = js::number(raw);
            if len.is_nan() {
                return Err(TagError::new(format!(
                    "DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: {raw}"
                )));
            }
        }
        let units: Vec<u16> = sha.encode_utf16().collect();
        if len >= units.len() as f64 {
            return Ok(sha.to_string());
        }
        let end = if len > 0.0 { len.trunc() as usize } else { 0 };
        Ok(String::from_utf16_lossy(&units[..end]))
    }

    /// `{{base_ref}}`: the payload's base, on a tag push without `refs/heads/`, on a pull
    /// request as it is, on any other ref empty.
    fn base_ref(&self) -> String {
        let Some(base) = &self.ctx.base_ref else {
            return String::new();
        };
        if self.git_ref.starts_with("refs/tags/") {
            base.strip_prefix("refs/heads/").unwrap_or(base).to_string()
        } else if self.git_ref.starts_with("refs/pull/") {
            base.clone()
        } else {
            String::new()
        }
    }

    fn is_default_branch(&self) -> bool {
        let r = &self.git_ref;
        let branch = r.strip_prefix("refs/heads/").unwrap_or(r);
        if branch.is_empty() {
            return false;
        }
        let e = &self.ctx.event_name;
        branch == self.ctx.default_branch
            || ["create", "discussion", "issues", "schedule"]
                .iter()
                .any(|k| e.contains(k))
    }
}

/// `/body/flags` (the `type=match` pattern form that carries flags).
fn delimited_regex(pattern: &str) -> Option<(&str, &str)> {
    let body = pattern.strip_prefix('/')?;
    if body.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return None;
    }
    let last = body.rfind('/').filter(|&i| i > 0)?;
    Some((&body[..last], &body[last + 1..]))
}

/// The global expressions of `value`, `prefix`, `suffix` and `enable`.
impl Scope for Run<'_> {
    fn property(&self, name: &str) -> Value {
        const NAMES: [&str; 8] = [
            "branch",
            "tag",
            "sha",
            "base_ref",
            "commit_date",
            "is_default_branch",
            "is_not_default_branch",
            "date",
        ];
        NAMES
            .iter()
            .find(|n| **n == name)
            .map_or(Value::Undefined, |n| Value::Func(n))
    }

    fn call(
        &self,
        name: &'static str,
        params: &[Value],
        hash: Option<&[(String, Value)]>,
    ) -> Result<Value, TagError> {
        let r = &self.git_ref;
        Ok(Value::Str(match name {
            "branch" => r
                .strip_prefix("refs/heads/")
                .unwrap_or_default()
                .to_string(),
            "tag" => r.strip_prefix("refs/tags/").unwrap_or_default().to_string(),
            "sha" => self.short_sha(&self.sha)?,
            "is_default_branch" => self.is_default_branch().to_string(),
            "is_not_default_branch" => (!self.is_default_branch()).to_string(),
            "date" => return date_helper(self.ctx.now, params, hash),
            "commit_date" => return date_helper(self.ctx.commit_date, params, hash),
            _ => self.base_ref(), // base_ref
        }))
    }
}

/// A schedule `pattern` sees only `date` and `commit_date`.
struct DateScope {
    now: Timestamp,
    commit_date: Timestamp,
}

impl Scope for DateScope {
    fn property(&self, name: &str) -> Value {
        match name {
            "date" => Value::Func("date"),
            "commit_date" => Value::Func("commit_date"),
            _ => Value::Undefined,
        }
    }

    fn call(
        &self,
        name: &'static str,
        params: &[Value],
        hash: Option<&[(String, Value)]>,
    ) -> Result<Value, TagError> {
        date_helper(
            if name == "date" {
                self.now
            } else {
                self.commit_date
            },
            params,
            hash,
        )
    }
}

impl Scope for SemVer {
    fn property(&self, name: &str) -> Value {
        SemVer::property(self, name)
    }

    fn call(
        &self,
        name: &'static str,
        _: &[Value],
        _: Option<&[(String, Value)]>,
    ) -> Result<Value, TagError> {
        Err(TagError::new(format!("{name} is not a function")))
    }
}

/// A stable pep440 `pattern` sees `raw`, `version`, `major`, `minor`, `patch`.
struct Pep440Scope<'a> {
    raw: &'a str,
    version: &'a Pep440,
}

impl Scope for Pep440Scope<'_> {
    fn property(&self, name: &str) -> Value {
        match name {
            "raw" => Value::Func("raw"),
            "version" => Value::Func("version"),
            "major" => Value::Func("major"),
            "minor" => Value::Func("minor"),
            "patch" => Value::Func("patch"),
            _ => Value::Undefined,
        }
    }

    fn call(
        &self,
        name: &'static str,
        _: &[Value],
        _: Option<&[(String, Value)]>,
    ) -> Result<Value, TagError> {
        Ok(match name {
            "raw" => Value::Str(self.raw.to_string()),
            "version" => Value::Str(self.version.clean()),
            "major" => Value::Num(self.version.release_part(0)),
            "minor" => Value::Num(self.version.release_part(1)),
            _ => Value::Num(self.version.release_part(2)),
        })
    }
}

/// The `date`/`commit_date` helper: `moment(instant).tz(tz).format(format)` with the
/// action's `tz=` hash handling and the errors JavaScript raises on odd calls.
fn date_helper(
    instant: Timestamp,
    params: &[Value],
    hash: Option<&[(String, Value)]>,
) -> Result<Value, TagError> {
    let read_hash =
        |of: &str| TagError::new(format!("Cannot read properties of {of} (reading 'hash')"));
    let hash = match (hash, params) {
        (None, _) | (Some(_), []) => return Err(read_hash("undefined")),
        (Some(h), [_]) => h,
        (Some(_), [_, Value::Undefined, ..]) => return Err(read_hash("undefined")),
        (Some(_), [_, Value::Null, ..]) => return Err(read_hash("null")),
        (Some(_), _) => return Err(TagError::new("Cannot convert undefined or null to object")),
    };
    // Handlebars builds the hash object from the last pair to the first.
    let mut keys: Vec<(&str, &Value)> = Vec::new();
    for (k, v) in hash.iter().rev() {
        match keys.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v,
            None => keys.push((k, v)),
        }
    }
    let mut tz = Value::Str("UTC".into());
    for (k, v) in keys {
        if k != "tz" {
            return Err(TagError::new(format!("Unknown {k} attribute")));
        }
        tz = v.clone();
    }
    let zone = match &tz {
        Value::Str(name) if !name.is_empty() => Zone::lookup(name),
        v if !v.truthy() => {
            return Err(TagError::new(
                "Cannot read properties of undefined (reading 'format')",
            ));
        }
        v => {
            return Err(TagError::new(format!(
                "Time zone name must be a string, got {} [{}]",
                v.to_js_string(),
                v.type_of()
            )));
        }
    };
    let format = match &params[0] {
        Value::Str(s) => Some(s.clone()),
        v if !v.truthy() => None,
        v => Some(v.to_js_string()),
    };
    Ok(Value::Str(date::format(instant, &zone, format.as_deref())))
}
