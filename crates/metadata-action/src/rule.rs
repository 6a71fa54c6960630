//! One `tags` entry (`type=semver,pattern={{version}}`, ...) parsed into a [`Rule`] with the
//! action's defaults filled in, and the priority ordering of a whole `tags` input.

use super::TagError;
use super::input;
use super::js;

/// The entries used when the `tags` input is empty.
pub(crate) const DEFAULT_TAGS: [&str; 4] = [
    "type=schedule",
    "type=ref,event=branch",
    "type=ref,event=tag",
    "type=ref,event=pr",
];

/// The `type=` of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Schedule,
    Semver,
    Pep440,
    Match,
    Edge,
    Ref,
    Raw,
    Sha,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "schedule" => Kind::Schedule,
            "semver" => Kind::Semver,
            "pep440" => Kind::Pep440,
            "match" => Kind::Match,
            "edge" => Kind::Edge,
            "ref" => Kind::Ref,
            "raw" => Kind::Raw,
            "sha" => Kind::Sha,
            _ => return None,
        })
    }

    fn default_priority(self) -> &'static str {
        match self {
            Kind::Schedule => "1000",
            Kind::Semver | Kind::Pep440 => "900",
            Kind::Match => "800",
            Kind::Edge => "700",
            Kind::Ref => "600",
            Kind::Raw => "200",
            Kind::Sha => "100",
        }
    }
}

/// A parsed `tags` entry: its type and its attributes (lower-cased keys, raw values),
/// defaults included.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub kind: Kind,
    attrs: Vec<(String, String)>,
}

impl Rule {
    /// Parses one entry as the action does, failing with its messages.
    pub(crate) fn parse(entry: &str) -> Result<Rule, TagError> {
        let fields = input::fields(entry)?.ok_or_else(|| TagError::new("e is not iterable"))?;
        let mut kind = None;
        let mut rule = Rule {
            kind: Kind::Raw,
            attrs: Vec::new(),
        };
        for field in &fields {
            match split_first_eq(field) {
                None => rule.set("value", js::trim(field)),
                Some((key, value)) => {
                    let (key, value) = (js::trim(key).to_lowercase(), js::trim(value));
                    if key == "type" {
                        kind = Some(Kind::parse(value).ok_or_else(|| {
                            TagError::new(format!("Unknown tag type attribute: {value}"))
                        })?);
                    } else {
                        rule.set(&key, value);
                    }
                }
            }
        }
        rule.kind = kind.unwrap_or(Kind::Raw);
        let missing = |attr: &str| TagError::new(format!("Missing {attr} attribute for {entry}"));
        match rule.kind {
            Kind::Schedule => rule.default("pattern", "nightly"),
            Kind::Semver | Kind::Pep440 => {
                rule.get("pattern").ok_or_else(|| missing("pattern"))?;
                rule.default("value", "");
                rule.default("match", "");
            }
            Kind::Match => {
                rule.get("pattern").ok_or_else(|| missing("pattern"))?;
                rule.default("group", "0");
                if js::number(rule.get("group").unwrap_or_default()).is_nan() {
                    return Err(TagError::new(format!("Invalid match group for {entry}")));
                }
                rule.default("value", "");
            }
            Kind::Edge => rule.default("branch", ""),
            Kind::Ref => {
                let event = rule.get("event").ok_or_else(|| missing("event"))?;
                if !matches!(event, "branch" | "tag" | "pr") {
                    return Err(TagError::new(format!("Invalid event for {entry}")));
                }
                if event == "pr" {
                    rule.default("prefix", "pr-");
                }
            }
            Kind::Raw => {
                rule.get("value").ok_or_else(|| missing("value"))?;
            }
            Kind::Sha => {
                rule.default("prefix", "sha-");
                rule.default("format", "short");
                if !matches!(rule.get("format"), Some("short" | "long")) {
                    return Err(TagError::new(format!("Invalid format for {entry}")));
                }
            }
        }
        rule.default("enable", "true");
        rule.default("priority", rule.kind.default_priority());
        Ok(rule)
    }

    /// The attribute `key`, if the entry (or a default) set it.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The attribute `key`, or "" (for attributes that always have a default).
    pub(crate) fn attr(&self, key: &str) -> &str {
        self.get(key).unwrap_or_default()
    }

    fn set(&mut self, key: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_string(),
            None => self.attrs.push((key.to_string(), value.to_string())),
        }
    }

    fn default(&mut self, key: &str, value: &str) {
        if self.get(key).is_none() {
            self.set(key, value);
        }
    }

    fn priority(&self) -> f64 {
        js::number(self.attr("priority"))
    }
}

/// Parses every entry (or the default set when there is none) and orders them by
/// descending priority, keeping input order for equal priorities.
pub(crate) fn parse_all(entries: &[String]) -> Result<Vec<Rule>, TagError> {
    let mut rules = if entries.is_empty() {
        DEFAULT_TAGS
            .iter()
            .map(|e| Rule::parse(e))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        entries
            .iter()
            .map(|e| Rule::parse(e))
            .collect::<Result<Vec<_>, _>>()?
    };
    sort_by_priority(&mut rules);
    Ok(rules)
}

/// `field.split(/(?<=^[^=]+?)=/)`: a split at the first `=` unless it opens the field.
fn split_first_eq(field: &str) -> Option<(&str, &str)> {
    field
        .find('=')
        .filter(|&i| i > 0)
        .map(|i| (&field[..i], &field[i + 1..]))
}

/// The comparator the action hands to `Array.prototype.sort`: higher priority first; NaN
/// priorities compare equal to everything.
fn compare(a: &Rule, b: &Rule) -> i8 {
    let (pa, pb) = (a.priority(), b.priority());
    if pa < pb {
        1
    } else if pa > pb {
        -1
    } else {
        0
    }
}

/// V8's sort for short arrays (one natural run, then binary insertion), so that even an
/// inconsistent comparator (NaN priorities) orders entries the way Node does.
fn sort_by_priority(v: &mut [Rule]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let descending = compare(&v[1], &v[0]) < 0;
    let mut run = 2;
    while run < n {
        let order = compare(&v[run], &v[run - 1]);
        if (descending && order >= 0) || (!descending && order < 0) {
            break;
        }
        run += 1;
    }
    if descending {
        v[..run].reverse();
    }
    for start in run..n {
        let (mut left, mut right) = (0, start);
        while left < right {
            let mid = left + ((right - left) >> 1);
            if compare(&v[start], &v[mid]) < 0 {
                right = mid;
            } else {
                left = mid + 1;
            }
        }
        v[left..=start].rotate_right(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(entries: &[&str]) -> Vec<String> {
        let entries: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        parse_all(&entries)
            .unwrap()
            .iter()
            .map(|r| format!("{:?}:{}", r.kind, r.attr("value")))
            .collect()
    }

    #[test]
    fn default_priorities_order_types_and_keep_ties_stable() {
        assert_eq!(
            kinds(&[
                "type=sha",
                "b",
                "type=schedule",
                "a",
                "type=semver,pattern=x"
            ]),
            ["Schedule:", "Semver:", "Raw:b", "Raw:a", "Sha:"]
        );
    }

    #[test]
    fn explicit_priority_reorders_and_nan_priority_sorts_like_node() {
        assert_eq!(
            kinds(&["a", "b,priority=1000", "c,priority=1"]),
            ["Raw:b", "Raw:a", "Raw:c"]
        );
        // Node's binary insertion with a NaN-priority element that compares equal to all.
        assert_eq!(
            kinds(&["a,priority=x", "b,priority=5", "c,priority=9"]),
            ["Raw:a", "Raw:c", "Raw:b"]
        );
    }

    #[test]
    fn parse_errors_use_the_actions_messages() {
        let err = |e: &str| Rule::parse(e).unwrap_err().message;
        assert_eq!(err("type=foo"), "Unknown tag type attribute: foo");
        assert_eq!(
            err("type=semver"),
            "Missing pattern attribute for type=semver"
        );
        assert_eq!(
            err("type=match,pattern=x,group=a"),
            "Invalid match group for type=match,pattern=x,group=a"
        );
        assert_eq!(err("type=ref"), "Missing event attribute for type=ref");
        assert_eq!(
            err("type=ref,event=push"),
            "Invalid event for type=ref,event=push"
        );
        assert_eq!(
            err("type=sha,format=medium"),
            "Invalid format for type=sha,format=medium"
        );
    }

    #[test]
    fn value_without_key_and_value_with_equals_signs() {
        let r = Rule::parse("type=raw,value=a=b").unwrap();
        assert_eq!(r.attr("value"), "a=b");
        let r = Rule::parse("=x").unwrap();
        assert_eq!(r.attr("value"), "=x");
        assert_eq!(
            Rule::parse("type=ref,event=pr").unwrap().attr("prefix"),
            "pr-"
        );
    }
}
