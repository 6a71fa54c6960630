//! A small evaluator of GitHub Actions expressions, enough to spell image names:
//! `github.repository`, `github.repository_owner`, `github.event.repository.name`,
//! `env.*`, `matrix.*`, `steps.*.outputs.*`, `inputs.*` and `vars.*` (their defaults),
//! `format()`, `||` / `&&` / `!` / `==` / `!=`, string, number and boolean literals, and
//! `${{ }}` interpolation in a string. (GitHub has no lowercasing function: workflows
//! lowercase in shell, see [`super::shell`].)
//!
//! What cannot be known before the run (`github.sha`, `fromJSON(...)`, a secret) evaluates
//! to [`Value::Unknown`] carrying the expression, so a name built from it is reported as
//! unexpressed rather than guessed. Every value carries the definitions it came from.
//! Parsing is bounded: at most [`MAX_DEPTH`] nested sub-expressions, and lookups through
//! env chains at most [`MAX_DEPTH`] deep.

use super::Definition;

/// Deepest nesting of sub-expressions (and of env lookups through other env values).
pub const MAX_DEPTH: usize = 64;

/// Marks the place of an unknown part in an interpolated text.
pub const UNKNOWN: char = '\u{1}';

/// A string as evaluated, with where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    /// The value; unknown parts are [`UNKNOWN`] characters.
    pub text: String,
    /// The texts that defined it (env entries, matrix values, step outputs), outermost
    /// first, each with the value it evaluated to.
    pub defs: Vec<(Definition, String)>,
    /// Built from `github.repository*` or `github.event.repository.name`.
    pub github: bool,
    /// A `github.*` part is in it as spelled on GitHub (not lowercased since): pushing it
    /// fails when the owner or repository has capitals.
    pub raw_github: bool,
    /// Lowercased by a shell idiom.
    pub lowered: bool,
    /// The unknown parts, as written (`github.sha`).
    pub unknown: Vec<String>,
}

impl Text {
    /// A literal.
    pub fn lit(s: &str) -> Text {
        Text {
            text: s.to_string(),
            ..Text::default()
        }
    }

    /// Appends `other`.
    pub fn push(&mut self, other: Text) {
        self.text.push_str(&other.text);
        self.defs.extend(other.defs);
        self.github |= other.github;
        self.raw_github |= other.raw_github;
        self.lowered |= other.lowered;
        self.unknown.extend(other.unknown);
    }

    /// The text lowercased (by a shell idiom).
    pub fn lowercased(mut self) -> Text {
        self.text = self.text.to_lowercase();
        self.lowered = true;
        self.raw_github = false;
        self
    }

    /// Whether no part is unknown.
    pub fn is_known(&self) -> bool {
        !self.text.contains(UNKNOWN)
    }
}

/// An evaluated expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(Text),
    Bool(bool),
    Null,
    /// Not knowable before the run; the expression text.
    Unknown(String),
}

impl Value {
    /// Known truthiness: `None` when unknown.
    fn truthy(&self) -> Option<bool> {
        match self {
            Value::Str(t) => t.is_known().then_some(!t.text.is_empty()),
            Value::Bool(b) => Some(*b),
            Value::Null => Some(false),
            Value::Unknown(_) => None,
        }
    }

    /// The value as text for interpolation.
    pub fn into_text(self) -> Text {
        match self {
            Value::Str(t) => t,
            Value::Bool(b) => Text::lit(if b { "true" } else { "false" }),
            Value::Null => Text::default(),
            Value::Unknown(e) => Text {
                text: UNKNOWN.to_string(),
                unknown: vec![e],
                ..Text::default()
            },
        }
    }
}

/// Where names are looked up.
pub trait Scope {
    /// The value of a context path (`["env", "IMAGE"]`, `["matrix", "service"]`,
    /// `["steps", "meta", "outputs", "tags"]`, `["github", "repository"]`); `None` when the
    /// scope does not know it (evaluated as unknown).
    fn lookup(&self, path: &[String], depth: usize) -> Option<Value>;
}

/// Evaluates the expression `src` (the text inside `${{ }}`).
pub fn eval(src: &str, scope: &dyn Scope, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Unknown(src.trim().to_string());
    }
    let mut p = P {
        s: src.as_bytes(),
        src,
        i: 0,
        scope,
        depth,
        nest: 0,
    };
    match p.or() {
        Some(v) => {
            p.ws();
            if p.i < p.s.len() {
                Value::Unknown(src.trim().to_string())
            } else {
                v
            }
        }
        None => Value::Unknown(src.trim().to_string()),
    }
}

/// Interpolates every `${{ … }}` of `s`.
pub fn interpolate(s: &str, scope: &dyn Scope, depth: usize) -> Text {
    let mut out = Text::default();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        out.push(Text::lit(&rest[..start]));
        let after = &rest[start + 3..];
        let Some(end) = find_close(after) else {
            out.push(Text::lit(&rest[start..]));
            return out;
        };
        out.push(eval(&after[..end], scope, depth + 1).into_text());
        rest = &after[end + 2..];
    }
    out.push(Text::lit(rest));
    out
}

/// The byte index of the `}}` closing an expression (skipping string literals).
pub fn find_close(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\'' {
                        if b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Applies `format('{0}/{1}', a, b)`.
pub fn format(fmt: &str, args: &[Text]) -> Option<Text> {
    let mut out = Text::default();
    let mut lit = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut n = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    n.push(d);
                }
                let arg = args.get(n.parse::<usize>().ok()?)?;
                out.push(Text::lit(&std::mem::take(&mut lit)));
                out.push(arg.clone());
            }
            c => lit.push(c),
        }
    }
    out.push(Text::lit(&lit));
    Some(out)
}

struct P<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    scope: &'a dyn Scope,
    depth: usize,
    nest: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok.as_bytes()) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Option<Value> {
        self.nest += 1;
        if self.nest > MAX_DEPTH {
            return None;
        }
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = match left.truthy() {
                Some(true) => left,
                Some(false) => right,
                None => Value::Unknown(self.src.trim().to_string()),
            };
        }
        self.nest -= 1;
        Some(left)
    }

    fn and(&mut self) -> Option<Value> {
        let mut left = self.cmp()?;
        while self.eat("&&") {
            let right = self.cmp()?;
            left = match left.truthy() {
                Some(true) => right,
                Some(false) => left,
                None => Value::Unknown(self.src.trim().to_string()),
            };
        }
        Some(left)
    }

    fn cmp(&mut self) -> Option<Value> {
        let left = self.unary()?;
        for (op, eq) in [("==", true), ("!=", false)] {
            if self.eat(op) {
                let right = self.unary()?;
                return Some(match (&left, &right) {
                    (Value::Str(a), Value::Str(b)) if a.is_known() && b.is_known() => {
                        Value::Bool((a.text.eq_ignore_ascii_case(&b.text)) == eq)
                    }
                    (Value::Bool(a), Value::Bool(b)) => Value::Bool((a == b) == eq),
                    (Value::Null, Value::Null) => Value::Bool(eq),
                    _ => Value::Unknown(self.src.trim().to_string()),
                });
            }
        }
        for op in ["<=", ">=", "<", ">"] {
            if self.eat(op) {
                self.unary()?;
                return Some(Value::Unknown(self.src.trim().to_string()));
            }
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Value> {
        if self.eat("!") {
            let v = self.unary()?;
            return Some(match v.truthy() {
                Some(b) => Value::Bool(!b),
                None => Value::Unknown(self.src.trim().to_string()),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Option<Value> {
        self.ws();
        let c = *self.s.get(self.i)?;
        if c == b'(' {
            self.i += 1;
            let v = self.or()?;
            return self.eat(")").then_some(v);
        }
        if c == b'\'' {
            return self.string().map(|s| Value::Str(Text::lit(&s)));
        }
        if c.is_ascii_digit() || c == b'-' {
            let start = self.i;
            self.i += 1;
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'.')
            {
                self.i += 1;
            }
            return Some(Value::Str(Text::lit(&self.src[start..self.i])));
        }
        let ident = self.ident()?;
        self.ws();
        if self.s.get(self.i) == Some(&b'(') {
            self.i += 1;
            let mut args = Vec::new();
            if !self.eat(")") {
                loop {
                    args.push(self.or()?);
                    if self.eat(")") {
                        break;
                    }
                    if !self.eat(",") {
                        return None;
                    }
                }
            }
            return Some(self.call(&ident, args));
        }
        match ident.as_str() {
            "true" => return Some(Value::Bool(true)),
            "false" => return Some(Value::Bool(false)),
            "null" => return Some(Value::Null),
            _ => {}
        }
        let mut path = vec![ident];
        loop {
            if self.eat(".") {
                if self.eat("*") {
                    path.push("*".into());
                } else {
                    path.push(self.ident()?);
                }
            } else if self.s.get(self.i) == Some(&b'[') {
                self.i += 1;
                let key = self.or()?;
                if !self.eat("]") {
                    return None;
                }
                match key {
                    Value::Str(t) if t.is_known() => path.push(t.text),
                    _ => return Some(Value::Unknown(self.src.trim().to_string())),
                }
            } else {
                break;
            }
        }
        let shown = path.join(".");
        Some(
            self.scope
                .lookup(&path, self.depth + 1)
                .unwrap_or(Value::Unknown(shown)),
        )
    }

    fn call(&self, name: &str, args: Vec<Value>) -> Value {
        let unknown = || Value::Unknown(self.src.trim().to_string());
        match name.to_ascii_lowercase().as_str() {
            "format" => {
                let mut it = args.into_iter();
                let Some(Value::Str(fmt)) = it.next() else {
                    return unknown();
                };
                let texts: Vec<Text> = it.map(Value::into_text).collect();
                match format(&fmt.text, &texts) {
                    Some(t) => Value::Str(t),
                    None => unknown(),
                }
            }
            "startswith" | "endswith" | "contains" => {
                let (Some(Value::Str(a)), Some(Value::Str(b))) = (args.first(), args.get(1)) else {
                    return unknown();
                };
                if !a.is_known() || !b.is_known() {
                    return unknown();
                }
                let (a, b) = (a.text.to_lowercase(), b.text.to_lowercase());
                Value::Bool(match name.to_ascii_lowercase().as_str() {
                    "startswith" => a.starts_with(&b),
                    "endswith" => a.ends_with(&b),
                    _ => a.contains(&b),
                })
            }
            "always" | "success" => Value::Bool(true),
            _ => unknown(),
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], b'_' | b'-'))
        {
            self.i += 1;
        }
        (self.i > start).then(|| self.src[start..self.i].to_string())
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = Vec::new();
        while self.i < self.s.len() {
            if self.s[self.i] == b'\'' {
                if self.s.get(self.i + 1) == Some(&b'\'') {
                    out.push(b'\'');
                    self.i += 2;
                    continue;
                }
                self.i += 1;
                return String::from_utf8(out).ok();
            }
            out.push(self.s[self.i]);
            self.i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S;
    impl Scope for S {
        fn lookup(&self, path: &[String], _: usize) -> Option<Value> {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            let t = |s: &str, github: bool| {
                Some(Value::Str(Text {
                    github,
                    raw_github: github,
                    ..Text::lit(s)
                }))
            };
            match p.as_slice() {
                ["github", "repository"] => t("Acme/App", true),
                ["github", "repository_owner"] => t("Acme", true),
                ["env", "SUFFIX"] => t("-svc", false),
                ["inputs", "name"] => t("", false),
                ["vars", _] => Some(Value::Null),
                _ => None,
            }
        }
    }

    fn text(s: &str) -> String {
        interpolate(s, &S, 0).text.replace(UNKNOWN, "?")
    }

    #[test]
    fn interpolation_of_context_values() {
        assert_eq!(
            text("ghcr.io/${{ github.repository }}${{ env.SUFFIX }}"),
            "ghcr.io/Acme/App-svc"
        );
        assert!(interpolate("${{ github.repository }}", &S, 0).github);
        assert_eq!(text("x:${{ github.sha }}"), "x:?");
    }

    #[test]
    fn format_and_defaults() {
        assert_eq!(
            text("${{ format('ghcr.io/{0}/{1}', github.repository_owner, 'api') }}"),
            "ghcr.io/Acme/api"
        );
        assert_eq!(text("${{ format('{{{0}}}', 'x') }}"), "{x}");
        assert_eq!(text("${{ inputs.name || 'web' }}"), "web");
        assert_eq!(
            text("${{ vars.IMAGE || format('{0}-x', github.repository) }}"),
            "Acme/App-x"
        );
        assert_eq!(text("${{ github.sha || 'x' }}"), "?");
        assert_eq!(text("${{ true && 'a' || 'b' }}"), "a");
        assert_eq!(text("${{ 'it''s' }}"), "it's");
    }

    #[test]
    fn comparisons_and_calls() {
        assert_eq!(text("${{ 'A' == 'a' }}"), "true");
        assert_eq!(text("${{ !startsWith('abc', 'ab') }}"), "false");
        assert_eq!(text("${{ fromJSON('[1]') }}"), "?");
    }

    #[test]
    fn hostile_expressions_stay_bounded() {
        let deep = format!("${{{{ {}'x'{} }}}}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(text(&deep), "?");
        assert_eq!(text("${{ 'unterminated }}"), "${{ 'unterminated }}");
        assert_eq!(text("${{ a ||"), "${{ a ||");
    }
}
