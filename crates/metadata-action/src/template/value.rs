//! Values as a template sees them (JavaScript's, with `String()`, truthiness, `typeof` and
//! property access) and the [`Scope`] a template is rendered against.

use crate::TagError;
use crate::js;

/// A JavaScript value as seen by a template.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Value>),
    Object(Vec<(String, Value)>),
    /// A function-valued property of the context, called by name through [`Scope::call`].
    Func(&'static str),
}

/// The context object a template is rendered against.
pub(crate) trait Scope {
    /// A top-level property of the context (functions as [`Value::Func`]).
    fn property(&self, name: &str) -> Value;
    /// Calls the context function `name`. `hash` is `None` when Handlebars calls it without
    /// an options argument (as a plain path lookup), else the `key=value` pairs in source order.
    fn call(
        &self,
        name: &'static str,
        params: &[Value],
        hash: Option<&[(String, Value)]>,
    ) -> Result<Value, TagError>;
}

impl Value {
    /// `String(value)`.
    pub(crate) fn to_js_string(&self) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => js::number_to_string(*n),
            Value::Str(s) => s.clone(),
            Value::List(items) => items
                .iter()
                .map(|v| {
                    if matches!(v, Value::Undefined | Value::Null) {
                        String::new()
                    } else {
                        v.to_js_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::Object(_) => "[object Object]".into(),
            Value::Func(name) => format!("function {name}() {{ [native code] }}"),
        }
    }

    /// JavaScript truthiness.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// `typeof value`.
    pub(crate) fn type_of(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Func(_) => "function",
            Value::Null | Value::List(_) | Value::Object(_) => "object",
        }
    }

    /// An own property (`parent[key]`), as Handlebars' `lookupProperty` allows it.
    pub(super) fn property(&self, key: &str) -> Value {
        match self {
            Value::Str(s) if key == "length" => Value::Num(js::len16(s) as f64),
            Value::Str(s) => js::array_index(key)
                .and_then(|i| s.encode_utf16().nth(i))
                .map_or(Value::Undefined, |u| {
                    Value::Str(String::from_utf16_lossy(&[u]))
                }),
            Value::List(items) if key == "length" => Value::Num(items.len() as f64),
            Value::List(items) => js::array_index(key)
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Value::Undefined),
            Value::Object(fields) => fields
                .iter()
                .find(|(k, _)| k == key)
                .map_or(Value::Undefined, |(_, v)| v.clone()),
            Value::Func(name) if key == "name" => Value::Str((*name).into()),
            Value::Func(_) if key == "length" => Value::Num(0.0),
            _ => Value::Undefined,
        }
    }
}
