//! `handlebars.compile(template)(context)`, as the action renders its expressions, against
//! [`template::render`], on templates of the subset the action's expressions use (paths,
//! literals, `{{{ }}}`/`{{& }}`, `#if`/`#unless`/`else`, comments, `~`, `\{{` escapes) and
//! their malformed variants, with a context of every JSON value kind.

use serde_json::{Value as Json, json};

use super::{assert_mix, compare, concat_of, error, generate, oracle};
use crate::TagError;
use crate::template::{self, Scope, Value};

const PIECES: &[&str] = &[
    "x",
    " ",
    "\n",
    "-",
    "{{s}}",
    "{{{s}}}",
    "{{&s}}",
    "{{n}}",
    "{{f1}}",
    "{{z}}",
    "{{l}}",
    "{{o}}",
    "{{o.k}}",
    "{{o.n}}",
    "{{l.length}}",
    "{{s.length}}",
    "{{l.[0]}}",
    "{{missing}}",
    "{{missing.x}}",
    "{{nul}}",
    "{{#if t}}",
    "{{#if f}}",
    "{{#if l}}",
    "{{#if e}}",
    "{{#if z}}",
    "{{#unless n}}",
    "{{#unless nul}}",
    "{{else}}",
    "{{/if}}",
    "{{/unless}}",
    "{{~s~}}",
    "{{~ n}}",
    "{{n ~}}",
    "{{! c }}",
    "{{!-- c --}}",
    "\\{{s}}",
    "\\\\{{s}}",
    "{{'lit'}}",
    "{{\"q\"}}",
    "{{1}}",
    "{{-2.5}}",
    "{{true}}",
    "{{null}}",
    "{{undefined}}",
    "{{foo 1}}",
    "{{",
    "}}",
    "{",
    "}",
    "{{#if}}",
    "{{this.s}}",
    "{{./s}}",
    "{{[s]}}",
    "{{ s }}",
    "{{s.}}",
    "{{a b=c}}",
    "{{#if t}}y{{/if}}",
    "{{#if f}}y{{else}}n{{/if}}",
];

fn data() -> Json {
    json!({
        "s": "a&b<c>\"'`=", "e": "", "n": 5, "f1": 1.5, "z": 0, "t": true, "f": false,
        "l": ["x", "y"], "o": { "k": "v", "n": 1 }, "nul": null,
    })
}

fn value(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => Value::List(items.iter().map(value).collect()),
        Json::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), value(v))).collect())
        }
    }
}

/// The JSON data as a template context (no functions).
struct Data(Json);

impl Scope for Data {
    fn property(&self, name: &str) -> Value {
        self.0.get(name).map_or(Value::Undefined, value)
    }

    fn call(
        &self,
        name: &'static str,
        _params: &[Value],
        _hash: Option<&[(String, Value)]>,
    ) -> Result<Value, TagError> {
        Err(TagError::new(format!("the context has no function {name}")))
    }
}

/// Calling a value that is not a function fails in node with V8's text of Handlebars'
/// compiled code (`(lookupProperty(...) || ...).call is not a function`, which changes with
/// the code's shape); the emulation says `NAME is not a function`. A deliberate limitation
/// (the action's context functions are functions): only the kind of error is compared.
fn not_a_function_message(v: &mut Json) {
    if v["error"]
        .as_str()
        .is_some_and(|e| e.ends_with(" is not a function"))
    {
        *v = error("... is not a function");
    }
}

#[test]
fn templates_render_as_handlebars() {
    let inputs = generate(concat_of(PIECES, 8), 4000);
    let cases: Vec<Json> = inputs
        .iter()
        .map(|t| json!({ "template": t, "data": data() }))
        .collect();
    let node = oracle("handlebars", &cases);
    assert_mix("handlebars", &node, "errors", |v| v.get("error").is_some());
    let scope = Data(data());
    let rust: Vec<Json> = inputs
        .iter()
        .map(|t| match template::render(t, &scope) {
            Ok(out) => json!({ "out": out }),
            Err(e) => error(&e.message),
        })
        .collect();
    let (mut node, mut rust) = (node, rust);
    for v in node.iter_mut().chain(&mut rust) {
        not_a_function_message(v);
    }
    compare("handlebars", &cases, &node, &rust);
}
