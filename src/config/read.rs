//! Reads a parsed TOML document into the raw config types, collecting every error.
//!
//! serde stops at the first error; users fixing a config want all of them at once, so
//! each table is read key by key: a wrong type or an unknown key becomes a diagnostic at
//! its span and reading goes on.

use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::raw::*;
use crate::diagnostic::{Diagnostic, SourceFile};

/// Reads the document's root table. Diagnostics are appended to `diags`.
pub(super) fn read_root(
    file: &Arc<SourceFile>,
    root: &DeTable<'_>,
    diags: &mut Vec<Diagnostic>,
) -> RawConfig {
    let mut r = Reader { file, diags };
    let mut t = Fields::new(root, "the top level");
    let mut cfg = RawConfig {
        registry: t.get("registry").and_then(|v| r.string(v)),
        owner: t.get("owner").and_then(|v| r.string(v)),
        repo: t.get("repo").and_then(|v| r.string(v)),
        suffix: t.get("suffix").and_then(|v| r.string(v)),
        image: t.get("image").and_then(|v| r.string(v)),
        default_branch: t.get("default_branch").and_then(|v| r.string(v)),
        platforms: t.get("platforms").and_then(|v| r.strings(v)),
        renamed_from: t.get("renamed_from").and_then(|v| r.strings(v)),
        also: t.get("also").and_then(|v| r.strings(v)),
        namespace: t.get("namespace").and_then(|v| r.string(v)),
        services: t.get("services").and_then(|v| {
            r.map(v, "[services]", |r, name, value| {
                let table = r.table(value, &format!("[services.{name}]"))?;
                Some(read_service(r, table, name))
            })
        }),
        outputs: t.get("outputs").and_then(|v| {
            let mut t = Fields::new(r.table(v, "[outputs]")?, "[outputs]");
            let out = RawOutputs {
                compose: t.get("compose").and_then(|v| r.output(v)),
                deploy: t.get("deploy").and_then(|v| r.output(v)),
                k8s: t.get("k8s").and_then(|v| r.output(v)),
                env: t.get("env").and_then(|v| r.output(v)),
                workflow: t.get("workflow").and_then(|v| r.output(v)),
                retention: t.get("retention").and_then(|v| r.output(v)),
            };
            t.finish(&mut r);
            Some(out)
        }),
        tags: t.get("tags").and_then(|v| {
            let mut t = Fields::new(r.table(v, "[tags]")?, "[tags]");
            let out = RawTags {
                rules: t.get("rules").and_then(|v| r.strings(v)),
                flavor: t.get("flavor").and_then(|v| r.strings(v)),
                branches: t.get("branches").and_then(|v| r.strings(v)),
                per_arch: t.get("per_arch").and_then(|v| r.boolean(v)),
                arch_tag: t.get("arch_tag").and_then(|v| r.string(v)),
            };
            t.finish(&mut r);
            Some(out)
        }),
        workflow: t.get("workflow").and_then(|v| {
            let mut t = Fields::new(r.table(v, "[workflow]")?, "[workflow]");
            let out = RawWorkflow {
                attest: t.get("attest").and_then(|v| r.boolean(v)),
                provenance: t.get("provenance").and_then(|v| r.provenance(v)),
                sbom: t.get("sbom").and_then(|v| r.boolean(v)),
                sign: t.get("sign").and_then(|v| r.boolean(v)),
                runners: t
                    .get("runners")
                    .and_then(|v| r.map(v, "[workflow.runners]", |r, _, v| r.string(v))),
                pins: t.get("pins").and_then(|v| {
                    r.map(v, "[workflow.pins]", |r, name, v| {
                        let what = format!("[workflow.pins.\"{name}\"]");
                        let mut t = Fields::new(r.table(v, &what)?, &what);
                        let pin = RawPin {
                            sha: t.get("sha").and_then(|v| r.string(v)),
                            version: t.get("version").and_then(|v| r.string(v)),
                        };
                        t.finish(r);
                        Some(pin)
                    })
                }),
            };
            t.finish(&mut r);
            Some(out)
        }),
        k8s: t.get("k8s").and_then(|v| {
            let mut t = Fields::new(r.table(v, "[k8s]")?, "[k8s]");
            let out = RawK8s {
                pull_secret: t.get("pull_secret").and_then(|v| r.string(v)),
                namespace: t.get("namespace").and_then(|v| r.string(v)),
                replicas: t.get("replicas").and_then(|v| r.integer(v)),
                tag: t.get("tag").and_then(|v| r.string(v)),
            };
            t.finish(&mut r);
            Some(out)
        }),
        retention: t.get("retention").and_then(|v| {
            let mut t = Fields::new(r.table(v, "[retention]")?, "[retention]");
            let out = RawRetention {
                keep: t.get("keep").and_then(|v| r.integer(v)),
                untagged: t.get("untagged").and_then(|v| r.boolean(v)),
                schedule: t.get("schedule").and_then(|v| r.string(v)),
                keep_tags: t.get("keep_tags").and_then(|v| r.strings(v)),
                dry_run_default: t.get("dry_run_default").and_then(|v| r.boolean(v)),
            };
            t.finish(&mut r);
            Some(out)
        }),
        templates: t.get("templates").and_then(|v| {
            let mut t = Fields::new(r.table(v, "[templates]")?, "[templates]");
            let out = RawTemplates {
                dir: t.get("dir").and_then(|v| r.string(v)),
            };
            t.finish(&mut r);
            Some(out)
        }),
        rename: t.get("rename").and_then(|v| {
            let mut t = Fields::new(r.table(v, "[rename]")?, "[rename]");
            let out = RawRename {
                exclude: t.get("exclude").and_then(|v| r.strings(v)),
            };
            t.finish(&mut r);
            Some(out)
        }),
        mistyped: Vec::new(),
    };
    // Required keys present but unreadable were reported as type errors; remember them so
    // the model does not also call them missing.
    for (key, read) in [("owner", cfg.owner.is_some()), ("repo", cfg.repo.is_some())] {
        if !read && t.table.get(key).is_some() {
            cfg.mistyped.push(key);
        }
    }
    t.finish(&mut r);
    cfg
}

fn read_service(r: &mut Reader<'_>, table: &DeTable<'_>, name: &str) -> RawService {
    let what = format!("[services.{name}]");
    let mut t = Fields::new(table, &what);
    let service = RawService {
        context: t.get("context").and_then(|v| r.string(v)),
        dockerfile: t.get("dockerfile").and_then(|v| r.string(v)),
        image: t.get("image").and_then(|v| r.string(v)),
        port: t.get("port").and_then(|v| r.integer(v)),
        env: t.get("env").and_then(|v| r.strings(v)),
        health: t.get("health").and_then(|v| r.string(v)),

        public: t.get("public").and_then(|v| r.boolean(v)),
        health_cmd: t.get("health_cmd").and_then(|v| r.string(v)),

        platforms: t.get("platforms").and_then(|v| r.strings(v)),
        renamed_from: t.get("renamed_from").and_then(|v| r.strings(v)),
        registry: t.get("registry").and_then(|v| r.string(v)),
        also: t.get("also").and_then(|v| r.strings(v)),
        kind: t.get("kind").and_then(|v| r.string(v)),
        user: t.get("user").and_then(|v| r.integer(v)),
        group: t.get("group").and_then(|v| r.integer(v)),
        read_only_root: t.get("read_only_root").and_then(|v| r.boolean(v)),
        // --- build inputs, variants and per-service tags (issue 9) ---
        target: t.get("target").and_then(|v| r.string(v)),
        build_args: t.get("build_args").and_then(|v| {
            r.map(v, &format!("[services.{name}.build_args]"), |r, _, v| {
                r.string(v)
            })
        }),
        variant: t.get("variant").and_then(|v| r.string(v)),
        tags: t
            .get("tags")
            .and_then(|v| read_service_tags(r, v, &format!("[services.{name}.tags]"))),
    };
    t.finish(r);
    service
}

/// `[services.NAME.tags]`: `rules` and `flavor`; the workflow-wide keys of the top-level
/// `[tags]` are reported as such, not as unknown.
fn read_service_tags(r: &mut Reader<'_>, v: &Value<'_>, what: &str) -> Option<RawServiceTags> {
    let table = r.table(v, what)?;
    let mut t = Fields::new(table, what);
    let out = RawServiceTags {
        rules: t.get("rules").and_then(|v| r.strings(v)),
        flavor: t.get("flavor").and_then(|v| r.strings(v)),
    };
    for key in ["branches", "per_arch", "arch_tag"] {
        if let Some((k, _)) = table.get_key_value(key) {
            t.known.push(key);
            r.diags.push(
                Diagnostic::error(
                    r.file,
                    k.span(),
                    format!("`{key}` cannot be set per service"),
                )
                .label("workflow-wide setting")
                .help(format!(
                    "publishing branches and per-arch tags apply to the whole workflow: \
                         set `{key}` in the top-level [tags]"
                )),
            );
        }
    }
    t.finish(r);
    Some(out)
}

type Value<'a> = Spanned<DeValue<'a>>;

struct Reader<'a> {
    file: &'a Arc<SourceFile>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn type_error(&mut self, v: &Value<'_>, expected: &str) {
        let found = v.get_ref().type_str();
        self.diags.push(
            Diagnostic::error(
                self.file,
                v.span(),
                format!("expected {expected}, found {found}"),
            )
            .label(format!("this is {}", article(found))),
        );
    }

    fn string(&mut self, v: &Value<'_>) -> Option<Sp<String>> {
        match v.get_ref() {
            DeValue::String(s) => Some(Sp {
                value: s.to_string(),
                span: v.span(),
            }),
            _ => {
                self.type_error(v, "a string");
                None
            }
        }
    }

    fn boolean(&mut self, v: &Value<'_>) -> Option<Sp<bool>> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Sp {
                value: *b,
                span: v.span(),
            }),
            _ => {
                self.type_error(v, "a boolean (true or false)");
                None
            }
        }
    }

    fn integer(&mut self, v: &Value<'_>) -> Option<Sp<i64>> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => {
                let digits = i.as_str().replace('_', "");
                let (sign, digits) = match digits.strip_prefix('-') {
                    Some(d) => (-1, d.to_string()),
                    None => (1, digits.trim_start_matches('+').to_string()),
                };
                let digits = match i.radix() {
                    10 => digits,
                    _ => digits.get(2..).unwrap_or_default().to_string(),
                };
                i64::from_str_radix(&digits, i.radix())
                    .ok()
                    .map(|n| n * sign)
            }
            _ => {
                self.type_error(v, "an integer");
                return None;
            }
        };
        match parsed {
            Some(value) => Some(Sp {
                value,
                span: v.span(),
            }),
            None => {
                self.diags.push(
                    Diagnostic::error(self.file, v.span(), "integer out of range")
                        .label("does not fit in 64 bits"),
                );
                None
            }
        }
    }

    fn strings(&mut self, v: &Value<'_>) -> Option<Sp<Vec<Sp<String>>>> {
        match v.get_ref() {
            DeValue::Array(items) => Some(Sp {
                value: items.iter().filter_map(|item| self.string(item)).collect(),
                span: v.span(),
            }),
            _ => {
                self.type_error(v, "an array of strings");
                None
            }
        }
    }

    fn output(&mut self, v: &Value<'_>) -> Option<Sp<OutputPath>> {
        let value = match v.get_ref() {
            DeValue::String(s) => OutputPath::Path(s.to_string()),
            DeValue::Boolean(false) => OutputPath::Off,
            _ => {
                self.type_error(v, "a path or false");
                return None;
            }
        };
        Some(Sp {
            value,
            span: v.span(),
        })
    }

    fn provenance(&mut self, v: &Value<'_>) -> Option<Sp<Provenance>> {
        let value = match v.get_ref() {
            DeValue::String(s) if s == "min" => Provenance::Min,
            DeValue::String(s) if s == "max" => Provenance::Max,
            DeValue::Boolean(false) => Provenance::Off,
            DeValue::String(s) => {
                self.diags.push(
                    Diagnostic::error(self.file, v.span(), format!("invalid provenance `{s}`"))
                        .label("\"min\", \"max\" or false"),
                );
                return None;
            }
            _ => {
                self.type_error(v, "\"min\", \"max\" or false");
                return None;
            }
        };
        Some(Sp {
            value,
            span: v.span(),
        })
    }

    fn table<'t>(&mut self, v: &'t Value<'t>, what: &str) -> Option<&'t DeTable<'t>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.type_error(v, &format!("a table for {what}"));
                None
            }
        }
    }

    /// Reads a table whose keys are names, keeping their spans and order.
    fn map<T>(
        &mut self,
        v: &Value<'_>,
        what: &str,
        mut read: impl FnMut(&mut Self, &str, &Value<'_>) -> Option<T>,
    ) -> Option<NamedTable<T>> {
        let DeValue::Table(t) = v.get_ref() else {
            self.type_error(v, &format!("a table for {what}"));
            return None;
        };
        let mut out = Vec::new();
        for (key, value) in t.iter() {
            let name = Sp {
                value: key.get_ref().to_string(),
                span: key.span(),
            };
            if let Some(item) = read(self, &name.value, value) {
                out.push((name, item));
            }
        }
        Some(Sp {
            value: out,
            span: v.span(),
        })
    }
}

/// A table being read: remembers which keys were asked for, to report the others.
struct Fields<'a> {
    table: &'a DeTable<'a>,
    what: String,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn new(table: &'a DeTable<'a>, what: &str) -> Self {
        Fields {
            table,
            what: what.to_string(),
            known: Vec::new(),
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value<'a>> {
        self.known.push(key);
        self.table.get(key)
    }

    fn finish(self, r: &mut Reader<'_>) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if self.known.contains(&name) {
                continue;
            }
            let mut d = Diagnostic::error(
                r.file,
                key.span(),
                format!("unknown key `{name}` in {}", self.what),
            )
            .label("unknown key");
            d = match closest(name, &self.known) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help(format!("{} takes: {}", self.what, self.known.join(", "))),
            };
            r.diags.push(d);
        }
    }
}

/// The known name closest to `name`, when it is close enough to be a likely typo.
pub(crate) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let within = |k: &str| 2.max(k.len() / 3);
    let chars = name.chars().count();
    known
        .iter()
        // The distance is at least the difference in length: a long name costs nothing.
        .filter(|k| chars.abs_diff(k.chars().count()) <= within(k))
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= within(k))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance of `a` and `b`, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_of_known_keys_get_a_suggestion() {
        assert_eq!(closest("ownr", &["owner", "repo"]), Some("owner"));
        assert_eq!(closest("platform", &["platforms"]), Some("platforms"));
        assert_eq!(closest("zzzzzz", &["owner", "repo"]), None);
    }
}
