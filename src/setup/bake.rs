//! docker buildx bake files: the HCL subset bake files use (`variable`, `group` and
//! `target` blocks; strings with `${VAR}`, lists, maps, `inherits`) and the JSON form.
//! Each target's tags (with positions), platforms, context, dockerfile, target and args.
//! Functions and anything else are skipped; nesting is bounded.

use std::collections::HashMap;
use std::ops::Range;

/// Deepest nesting of blocks, lists and maps read.
const MAX_DEPTH: usize = 32;

/// A string value and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pos {
    pub value: String,
    pub line: usize,
    pub col: usize,
    pub range: Range<usize>,
}

/// One target, its inherited fields applied.
#[derive(Debug, Clone, Default)]
pub(super) struct Target {
    pub name: String,
    pub tags: Vec<Pos>,
    pub platforms: Vec<String>,
    pub context: Option<String>,
    pub dockerfile: Option<String>,
    pub target: Option<String>,
    pub args: Vec<(String, String)>,
    pub inherits: Vec<String>,
    /// Inherits `docker-metadata-action` (the target metadata-action's bake file defines).
    pub inherits_meta: bool,
}

/// A bake file.
#[derive(Debug, Clone, Default)]
pub(super) struct Bake {
    targets: Vec<Target>,
    groups: Vec<(String, Vec<String>)>,
}

/// Parses a bake file (HCL, or JSON when `json`). Unreadable parts are skipped.
pub(super) fn parse(text: &str, json: bool) -> Bake {
    if json {
        return parse_json(text);
    }
    let toks = lex(text);
    let mut p = Hcl {
        toks,
        i: 0,
        vars: HashMap::new(),
    };
    let items = p.body(0);
    // Variables first (their defaults feed `${VAR}`), then blocks.
    for it in &items {
        if let Item::Block(kind, labels, body) = it
            && kind == "variable"
            && let (Some(name), Some(Val::Str(d))) = (labels.first(), attr(body, "default"))
        {
            p.vars.insert(name.clone(), d.value.clone());
        }
    }
    let mut bake = Bake::default();
    for it in &items {
        let Item::Block(kind, labels, body) = it else {
            continue;
        };
        let Some(name) = labels.first() else { continue };
        match kind.as_str() {
            "group" => {
                let targets = match attr(body, "targets") {
                    Some(Val::List(l)) => l
                        .iter()
                        .filter_map(|v| v.str())
                        .map(|s| p.interp(&s.value))
                        .collect(),
                    _ => Vec::new(),
                };
                bake.groups.push((name.clone(), targets));
            }
            "target" => {
                let s = |k: &str| match attr(body, k) {
                    Some(Val::Str(v)) => Some(p.interp(&v.value)),
                    _ => None,
                };
                let list = |k: &str| match attr(body, k) {
                    Some(Val::List(l)) => l.iter().filter_map(|v| v.str()).cloned().collect(),
                    _ => Vec::new(),
                };
                let tags = list("tags")
                    .into_iter()
                    .map(|mut t: Pos| {
                        t.value = p.interp(&t.value);
                        t
                    })
                    .collect();
                let args = match attr(body, "args") {
                    Some(Val::Map(m)) => m
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), p.interp(&v.str()?.value))))
                        .collect(),
                    _ => Vec::new(),
                };
                let inherits: Vec<String> = list("inherits").into_iter().map(|p| p.value).collect();
                bake.targets.push(Target {
                    name: name.clone(),
                    tags,
                    platforms: list("platforms")
                        .into_iter()
                        .map(|v| p.interp(&v.value))
                        .collect(),
                    context: s("context"),
                    dockerfile: s("dockerfile"),
                    target: s("target"),
                    args,
                    inherits_meta: inherits.iter().any(|i| i == "docker-metadata-action"),
                    inherits,
                });
            }
            _ => {}
        }
    }
    bake
}

impl Bake {
    /// The targets `wanted` names (groups expanded; none: the `default` group, else every
    /// target), with their inherited fields.
    pub(super) fn resolve(&self, wanted: &[String]) -> Vec<Target> {
        let mut names: Vec<String> = Vec::new();
        let start: Vec<String> = if wanted.is_empty() {
            if self.groups.iter().any(|(g, _)| g == "default")
                || self.targets.iter().any(|t| t.name == "default")
            {
                vec!["default".into()]
            } else {
                self.targets.iter().map(|t| t.name.clone()).collect()
            }
        } else {
            wanted.to_vec()
        };
        let mut stack: Vec<String> = start.into_iter().rev().collect();
        let mut steps = 0;
        while let Some(n) = stack.pop() {
            steps += 1;
            if steps > 10_000 {
                break;
            }
            if let Some((_, ts)) = self.groups.iter().find(|(g, _)| *g == n) {
                stack.extend(ts.iter().rev().cloned());
            } else if !names.contains(&n) {
                names.push(n);
            }
        }
        names
            .iter()
            .filter_map(|n| self.inherited(n, 0, &mut 1000))
            .collect()
    }

    /// The target with its parents' fields; `budget` bounds the targets visited.
    fn inherited(&self, name: &str, depth: usize, budget: &mut usize) -> Option<Target> {
        let t = self.targets.iter().find(|t| t.name == name)?.clone();
        if depth > MAX_DEPTH || *budget == 0 {
            return Some(t);
        }
        *budget -= 1;
        let mut out = Target::default();
        for parent in &t.inherits {
            if let Some(p) = self.inherited(parent, depth + 1, budget) {
                overlay(&mut out, p);
            }
        }
        let inherits_meta = t.inherits_meta || out.inherits_meta;
        overlay(&mut out, t);
        out.inherits_meta = inherits_meta;
        Some(out)
    }
}

fn overlay(into: &mut Target, t: Target) {
    into.name = t.name;
    if !t.tags.is_empty() {
        into.tags = t.tags;
    }
    if !t.platforms.is_empty() {
        into.platforms = t.platforms;
    }
    into.context = t.context.or(into.context.take());
    into.dockerfile = t.dockerfile.or(into.dockerfile.take());
    into.target = t.target.or(into.target.take());
    for (k, v) in t.args {
        match into.args.iter_mut().find(|(x, _)| *x == k) {
            Some(a) => a.1 = v,
            None => into.args.push((k, v)),
        }
    }
    into.inherits_meta |= t.inherits_meta;
}

#[derive(Debug, Clone)]
enum Tok {
    Ident(String),
    Str(Pos),
    Punct(char),
}

#[derive(Debug, Clone)]
enum Val {
    Str(Pos),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
    Other,
}

impl Val {
    fn str(&self) -> Option<&Pos> {
        match self {
            Val::Str(p) => Some(p),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
enum Item {
    Attr(String, Val),
    Block(String, Vec<String>, Vec<Item>),
}

fn attr<'a>(body: &'a [Item], key: &str) -> Option<&'a Val> {
    body.iter().find_map(|i| match i {
        Item::Attr(k, v) if k == key => Some(v),
        _ => None,
    })
}

fn lex(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut line_start = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
                line_start = i;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    if b[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                let start = i + 1;
                let col = text[line_start..i].chars().count() + 2;
                let mut j = start;
                let mut value = String::new();
                while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
                    if b[j] == b'\\' && j + 1 < b.len() {
                        value.push(b[j + 1] as char);
                        j += 2;
                        continue;
                    }
                    let ch = text[j..].chars().next().unwrap_or(' ');
                    value.push(ch);
                    j += ch.len_utf8();
                }
                out.push(Tok::Str(Pos {
                    value,
                    line,
                    col,
                    range: start..j.min(b.len()),
                }));
                i = j + 1;
            }
            b'{' | b'}' | b'[' | b']' | b'=' | b',' | b'(' | b')' | b':' => {
                out.push(Tok::Punct(c as char));
                i += 1;
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.'))
                {
                    i += 1;
                }
                out.push(Tok::Ident(text[start..i].to_string()));
            }
            _ => {
                let ch = text[i..].chars().next().map_or(1, char::len_utf8);
                i += ch;
            }
        }
    }
    out
}

struct Hcl {
    toks: Vec<Tok>,
    i: usize,
    vars: HashMap<String, String>,
}

impl Hcl {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }

    fn punct(&self, c: char) -> bool {
        matches!(self.peek(), Some(Tok::Punct(p)) if *p == c)
    }

    fn body(&mut self, depth: usize) -> Vec<Item> {
        let mut items = Vec::new();
        while let Some(t) = self.peek().cloned() {
            match t {
                Tok::Punct('}') => break,
                Tok::Ident(name) => {
                    self.i += 1;
                    if self.punct('=') {
                        self.i += 1;
                        let v = self.value(depth + 1);
                        items.push(Item::Attr(name, v));
                        continue;
                    }
                    let mut labels = Vec::new();
                    while let Some(Tok::Str(p)) = self.peek().cloned() {
                        labels.push(p.value);
                        self.i += 1;
                    }
                    while let Some(Tok::Ident(l)) = self.peek().cloned() {
                        labels.push(l);
                        self.i += 1;
                    }
                    if self.punct('{') && depth < MAX_DEPTH {
                        self.i += 1;
                        let body = self.body(depth + 1);
                        if self.punct('}') {
                            self.i += 1;
                        }
                        items.push(Item::Block(name, labels, body));
                    } else {
                        self.i += 1;
                    }
                }
                _ => self.i += 1,
            }
        }
        items
    }

    fn value(&mut self, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            return Val::Other;
        }
        match self.peek().cloned() {
            Some(Tok::Str(p)) => {
                self.i += 1;
                Val::Str(p)
            }
            Some(Tok::Punct('[')) => {
                self.i += 1;
                let mut items = Vec::new();
                while self.peek().is_some() && !self.punct(']') {
                    if self.punct(',') {
                        self.i += 1;
                        continue;
                    }
                    let before = self.i;
                    items.push(self.value(depth + 1));
                    if self.i == before {
                        self.i += 1;
                    }
                }
                self.i += 1;
                Val::List(items)
            }
            Some(Tok::Punct('{')) => {
                self.i += 1;
                let mut pairs = Vec::new();
                while self.peek().is_some() && !self.punct('}') {
                    let key = match self.peek().cloned() {
                        Some(Tok::Ident(k)) => k,
                        Some(Tok::Str(p)) => p.value,
                        _ => {
                            self.i += 1;
                            continue;
                        }
                    };
                    self.i += 1;
                    if self.punct('=') || self.punct(':') {
                        self.i += 1;
                        let v = self.value(depth + 1);
                        pairs.push((key, v));
                    }
                    if self.punct(',') {
                        self.i += 1;
                    }
                }
                self.i += 1;
                Val::Map(pairs)
            }
            Some(Tok::Ident(_)) => {
                self.i += 1;
                if self.punct('(') {
                    // A function call: skipped whole.
                    let mut depth = 0usize;
                    while let Some(t) = self.peek() {
                        match t {
                            Tok::Punct('(') => depth += 1,
                            Tok::Punct(')') => {
                                depth -= 1;
                                if depth == 0 {
                                    self.i += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                        self.i += 1;
                    }
                }
                Val::Other
            }
            _ => {
                self.i += 1;
                Val::Other
            }
        }
    }

    /// `${VAR}` replaced by the variable's default (unknown variables kept).
    fn interp(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            match after.find('}') {
                Some(e) => {
                    let name = after[..e].trim();
                    match self.vars.get(name) {
                        Some(v) => out.push_str(v),
                        None => out.push_str(&rest[i..i + 2 + e + 1]),
                    }
                    rest = &after[e + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

fn parse_json(text: &str) -> Bake {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Bake::default();
    };
    let mut bake = Bake::default();
    let strs = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(groups) = v.get("group").and_then(|g| g.as_object()) {
        for (name, g) in groups {
            bake.groups.push((name.clone(), strs(g.get("targets"))));
        }
    }
    if let Some(targets) = v.get("target").and_then(|t| t.as_object()) {
        for (name, t) in targets {
            let s = |k: &str| t.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let tags = strs(t.get("tags"))
                .into_iter()
                .map(|tag| locate(text, &tag))
                .collect();
            let inherits = strs(t.get("inherits"));
            bake.targets.push(Target {
                name: name.clone(),
                tags,
                platforms: strs(t.get("platforms")),
                context: s("context"),
                dockerfile: s("dockerfile"),
                target: s("target"),
                args: t
                    .get("args")
                    .and_then(|a| a.as_object())
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default(),
                inherits_meta: inherits.iter().any(|i| i == "docker-metadata-action"),
                inherits,
            });
        }
    }
    bake
}

/// Where a JSON string value is written (its first occurrence).
fn locate(text: &str, value: &str) -> Pos {
    let quoted = format!("\"{value}\"");
    let start = text.find(&quoted).map_or(0, |i| i + 1);
    let line = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    Pos {
        value: value.to_string(),
        line,
        col: text[line_start..start].chars().count() + 1,
        range: start..start + value.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HCL: &str = r#"
variable "REGISTRY" { default = "ghcr.io/acme" }
# comment
group "default" {
  targets = ["api", "worker"]
}
target "_common" {
  platforms = ["linux/amd64", "linux/arm64"]
  args = { NODE_ENV = "production" }
}
target "api" {
  inherits = ["_common", "docker-metadata-action"]
  context = "api"
  dockerfile = "Dockerfile"
  tags = ["${REGISTRY}/shop-api:latest"]
}
target "worker" {
  inherits = ["_common"]
  context = "."
  dockerfile = "worker/Dockerfile"
  target = "runtime"
  tags = ["${REGISTRY}/shop-worker:latest", "docker.io/acme/shop-worker:latest"]
}
"#;

    #[test]
    fn hcl_targets_with_groups_inherits_and_variables() {
        let bake = parse(HCL, false);
        let ts = bake.resolve(&[]);
        assert_eq!(ts.len(), 2);
        assert_eq!(ts[0].name, "api");
        assert!(ts[0].inherits_meta);
        assert_eq!(ts[0].platforms, ["linux/amd64", "linux/arm64"]);
        assert_eq!(
            ts[0].args,
            [("NODE_ENV".to_string(), "production".to_string())]
        );
        assert_eq!(ts[1].tags[0].value, "ghcr.io/acme/shop-worker:latest");
        assert_eq!(ts[1].tags[0].line, 22);
        assert_eq!(ts[1].target.as_deref(), Some("runtime"));
        let t = &ts[1].tags[1];
        assert_eq!(&HCL[t.range.clone()], "docker.io/acme/shop-worker:latest");
    }

    #[test]
    fn json_bake_file() {
        let text = r#"{"group":{"default":{"targets":["a"]}},"target":{"a":{"context":"a","tags":["ghcr.io/o/a:1"],"platforms":["linux/arm64"]}}}"#;
        let ts = parse(text, true).resolve(&[]);
        assert_eq!(ts[0].tags[0].value, "ghcr.io/o/a:1");
        assert_eq!(&text[ts[0].tags[0].range.clone()], "ghcr.io/o/a:1");
    }

    #[test]
    fn hostile_hcl_stays_bounded() {
        let deep = "target \"x\" { a = ".to_string() + &"[".repeat(10_000);
        let _ = parse(&deep, false);
        let cyc = "target \"a\" { inherits = [\"b\"] }\ntarget \"b\" { inherits = [\"a\"] }\ngroup \"default\" { targets = [\"default\"] }\n";
        let _ = parse(cyc, false).resolve(&[]);
        let _ = parse(cyc, false).resolve(&["a".into()]);
    }
}
