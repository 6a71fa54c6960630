//! Who publishes: the rendered workflow's `if:` conditions and `${{ }}` inputs evaluated for
//! concrete events, with a small evaluator of the GitHub Actions expression language (the
//! operators, literals and functions the templates use).
//!
//! For every shape and fixture, a manual run (`workflow_dispatch`) on a branch outside
//! `[tags] branches` and a pull request push nothing: no login, `push=false` on every
//! build, no digest upload, no imagetools, no attestation, no signature, no merge job. A
//! push, and a manual run on a publishing branch or a `v*` tag, do publish.

use std::collections::BTreeMap;

use crate::support::shapes;
use ghcr_gen::model::Model;
use ghcr_gen::render::{Templates, workflow};
use yaml_serde::Value;

/// A value of the expression language.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Str(String),
}

impl V {
    fn truthy(&self) -> bool {
        match self {
            V::Null => false,
            V::Bool(b) => *b,
            V::Str(s) => !s.is_empty(),
        }
    }

    /// The value interpolated into a string (`${{ }}` in an input).
    fn text(&self) -> String {
        match self {
            V::Null => String::new(),
            V::Bool(b) => b.to_string(),
            V::Str(s) => s.clone(),
        }
    }
}

/// The values contexts give: `github.event_name`, `matrix.by-digest`, `env.PUBLISH`, ...
/// Anything absent is null, as in GitHub (`steps.*` outputs are unknown before a run).
type Contexts = BTreeMap<String, V>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Op(&'static str),
}

fn tokens(expr: &str) -> Vec<Tok> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated string in {expr}");
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Str(s));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '-' | '.'))
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["&&", "||", "==", "!="]
                .into_iter()
                .find(|o| *o == two)
                .or_else(|| ["!", "(", ")", ","].into_iter().find(|o| o.starts_with(c)))
                .unwrap_or_else(|| panic!("unsupported character {c:?} in {expr}"));
            i += op.len();
            out.push(Tok::Op(op));
        }
    }
    out
}

/// Recursive descent over `||` < `&&` < `==`/`!=` < `!` < primary, as GitHub orders them.
struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    ctx: &'a Contexts,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, op: &'static str) -> bool {
        if self.peek() == Some(&Tok::Op(op)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> V {
        let mut left = self.and();
        while self.eat("||") {
            let right = self.and();
            left = if left.truthy() { left } else { right };
        }
        left
    }

    fn and(&mut self) -> V {
        let mut left = self.cmp();
        while self.eat("&&") {
            let right = self.cmp();
            left = if left.truthy() { right } else { left };
        }
        left
    }

    fn cmp(&mut self) -> V {
        let left = self.not();
        if self.eat("==") {
            let right = self.not();
            return V::Bool(loose_eq(&left, &right));
        }
        if self.eat("!=") {
            let right = self.not();
            return V::Bool(!loose_eq(&left, &right));
        }
        left
    }

    fn not(&mut self) -> V {
        if self.eat("!") {
            return V::Bool(!self.not().truthy());
        }
        self.primary()
    }

    fn primary(&mut self) -> V {
        if self.eat("(") {
            let v = self.or();
            assert!(self.eat(")"), "missing )");
            return v;
        }
        let tok = self.toks[self.pos].clone();
        self.pos += 1;
        match tok {
            Tok::Str(s) => V::Str(s),
            Tok::Ident(name) if name == "true" => V::Bool(true),
            Tok::Ident(name) if name == "false" => V::Bool(false),
            Tok::Ident(name) if name == "null" => V::Null,
            Tok::Ident(name) if self.eat("(") => {
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.or());
                        if self.eat(")") {
                            break;
                        }
                        assert!(self.eat(","), "expected , in call of {name}");
                    }
                }
                call(&name, &args)
            }
            Tok::Ident(name) => self.ctx.get(&name).cloned().unwrap_or(V::Null),
            Tok::Op(op) => panic!("unexpected {op}"),
        }
    }
}

/// `==` as GitHub compares: case-insensitive strings, booleans against their text.
fn loose_eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Str(x), V::Str(y)) => x.eq_ignore_ascii_case(y),
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Null, V::Null) => true,
        _ => false,
    }
}

fn call(name: &str, args: &[V]) -> V {
    match name {
        "startsWith" => V::Bool(
            args[0]
                .text()
                .to_ascii_lowercase()
                .starts_with(&args[1].text().to_ascii_lowercase()),
        ),
        "format" => {
            let mut s = args[0].text();
            for (i, a) in args[1..].iter().enumerate() {
                s = s.replace(&format!("{{{i}}}"), &a.text());
            }
            V::Str(s)
        }
        "cancelled" | "failure" => V::Bool(false),
        "success" | "always" => V::Bool(true),
        other => panic!("function {other} not supported by the test evaluator"),
    }
}

/// Evaluates a bare expression (an `if:` without `${{ }}`).
fn eval(expr: &str, ctx: &Contexts) -> V {
    let mut p = Parser {
        toks: tokens(expr),
        pos: 0,
        ctx,
    };
    let v = p.or();
    assert_eq!(p.pos, p.toks.len(), "trailing tokens in {expr}");
    v
}

/// Interpolates every `${{ }}` of a value as GitHub does for `with:` and `env:` inputs.
fn interpolate(text: &str, ctx: &Contexts) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        out.push_str(&eval(&rest[start + 3..end], ctx).text());
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// An `if:` value: a bare expression, or one wrapped in `${{ }}` (whole value).
fn condition(value: &Value, ctx: &Contexts) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => *b,
        Value::String(s) => {
            let s = s.trim();
            match s.strip_prefix("${{").and_then(|s| s.strip_suffix("}}")) {
                Some(inner) => eval(inner, ctx).truthy(),
                None => eval(s, ctx).truthy(),
            }
        }
        other => panic!("unexpected if: {other:?}"),
    }
}

fn yaml_value(v: &Value) -> V {
    match v {
        Value::Bool(b) => V::Bool(*b),
        Value::String(s) => V::Str(s.clone()),
        Value::Number(n) => V::Str(n.to_string()),
        _ => V::Null,
    }
}

/// What one run would push: each step that would talk to the registry, as text.
fn pushes(doc: &Value, event: &str, git_ref: &str) -> Vec<String> {
    let mut github = Contexts::new();
    github.insert("github.event_name".into(), V::Str(event.into()));
    github.insert("github.ref".into(), V::Str(git_ref.into()));
    let mut out = Vec::new();
    for (job_name, job) in doc["jobs"].as_mapping().unwrap() {
        let job_name = job_name.as_str().unwrap();
        if !condition(&job["if"], &github) {
            continue;
        }
        let legs: Vec<&Value> = job["strategy"]["matrix"]["include"]
            .as_sequence()
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        for leg in legs {
            let mut ctx = github.clone();
            for (k, v) in leg.as_mapping().unwrap() {
                ctx.insert(format!("matrix.{}", k.as_str().unwrap()), yaml_value(v));
            }
            if let Some(env) = job["env"].as_mapping() {
                for (k, v) in env {
                    let value = interpolate(v.as_str().unwrap(), &ctx);
                    ctx.insert(format!("env.{}", k.as_str().unwrap()), V::Str(value));
                }
            }
            for step in job["steps"].as_sequence().unwrap() {
                if !condition(&step["if"], &ctx) {
                    continue;
                }
                let name = step["name"].as_str().unwrap_or_default();
                let uses = step["uses"].as_str().unwrap_or_default();
                let run = step["run"].as_str().unwrap_or_default();
                let what = format!("{job_name}: {name}");
                let registry_action = [
                    "docker/login-action@",
                    "actions/upload-artifact@",
                    "actions/attest@",
                    "sigstore/cosign-installer@",
                ]
                .iter()
                .any(|a| uses.starts_with(a));
                if registry_action
                    || run.contains("imagetools create")
                    || run.contains("cosign sign")
                {
                    out.push(what);
                } else if uses.starts_with("docker/build-push-action@") {
                    assert!(step["with"]["push"].is_null(), "{what}: push input set");
                    let outputs = interpolate(step["with"]["outputs"].as_str().unwrap(), &ctx);
                    if !outputs.contains("push=false") {
                        assert!(outputs.contains("push=true"), "{what}: {outputs}");
                        out.push(format!("{what} ({outputs})"));
                    }
                }
            }
        }
    }
    out
}

fn rendered() -> Vec<(&'static str, Model, Value)> {
    let templates = Templates::load(None).unwrap();
    shapes::all()
        .into_iter()
        .chain(shapes::FIXTURES.iter().map(|n| (*n, shapes::fixture(n))))
        .map(|(name, model)| {
            let file = workflow::render(&model, &templates).unwrap().unwrap();
            let doc = yaml_serde::from_str(&file.contents).unwrap();
            (name, model, doc)
        })
        .collect()
}

#[test]
fn a_manual_run_on_a_branch_that_does_not_publish_pushes_nothing() {
    for (name, model, doc) in rendered() {
        for branch in ["feature/login", "mainline", "develop-x", "release"] {
            if model.tags.branches.iter().any(|b| b == branch) {
                continue;
            }
            let git_ref = format!("refs/heads/{branch}");
            let pushed = pushes(&doc, "workflow_dispatch", &git_ref);
            assert!(
                pushed.is_empty(),
                "{name}: dispatch on {git_ref} pushes {pushed:#?}"
            );
        }
    }
}

#[test]
fn a_pull_request_pushes_nothing() {
    for (name, _, doc) in rendered() {
        let pushed = pushes(&doc, "pull_request", "refs/pull/7/merge");
        assert!(
            pushed.is_empty(),
            "{name}: a pull request pushes {pushed:#?}"
        );
    }
}

#[test]
fn pushes_and_manual_runs_on_publishing_refs_publish() {
    for (name, model, doc) in rendered() {
        let branch = format!("refs/heads/{}", model.tags.branches[0]);
        for (event, git_ref) in [
            ("push", branch.as_str()),
            ("push", "refs/tags/v1.2.3"),
            ("workflow_dispatch", branch.as_str()),
            ("workflow_dispatch", "refs/tags/v1.2.3"),
        ] {
            let pushed = pushes(&doc, event, git_ref);
            assert!(
                pushed.iter().any(|p| p.contains("Log in")),
                "{name}: {event} on {git_ref} does not log in: {pushed:#?}"
            );
            assert!(
                pushed.iter().any(|p| p.contains("push=true")),
                "{name}: {event} on {git_ref} pushes no image: {pushed:#?}"
            );
        }
    }
}

#[test]
fn a_manual_run_matches_branch_patterns_only_when_an_expression_can() {
    // five_services publishes `release/*`: a pattern an expression cannot match exactly,
    // so a manual run there builds only; supply-chain's `release/**` is a plain prefix.
    let docs: BTreeMap<&str, Value> = rendered().into_iter().map(|(n, _, d)| (n, d)).collect();
    assert!(
        pushes(
            &docs["five_services"],
            "workflow_dispatch",
            "refs/heads/release/1.0"
        )
        .is_empty()
    );
    assert!(
        !pushes(
            &docs["supply-chain"],
            "workflow_dispatch",
            "refs/heads/release/1.0/rc"
        )
        .is_empty()
    );
    assert!(
        pushes(
            &docs["supply-chain"],
            "workflow_dispatch",
            "refs/heads/releases"
        )
        .is_empty()
    );
}

#[test]
fn the_test_evaluator_follows_github_operator_semantics() {
    let mut ctx = Contexts::new();
    ctx.insert("matrix.by-digest".into(), V::Bool(false));
    ctx.insert("github.ref".into(), V::Str("refs/heads/Main".into()));
    assert_eq!(
        eval("matrix.by-digest && 'a' || 'b'", &ctx),
        V::Str("b".into())
    );
    assert_eq!(eval("true || false && false", &ctx), V::Bool(true));
    assert_eq!(eval("!(true && false)", &ctx), V::Bool(true));
    assert_eq!(eval("github.ref == 'refs/heads/main'", &ctx), V::Bool(true));
    assert_eq!(
        eval("startsWith(github.ref, 'refs/heads/')", &ctx),
        V::Bool(true)
    );
    assert_eq!(
        interpolate("x=${{ format('{0}-{1}', 'a', github.nothing) }}", &ctx),
        "x=a-"
    );
}
