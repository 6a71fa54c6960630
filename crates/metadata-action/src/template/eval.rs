//! Rendering a parsed template: Handlebars' whitespace control, `{{#if}}`/`{{#unless}}`,
//! mustache lookups and helper calls against a [`Scope`], and HTML escaping.

use super::parser::{Call, Expr, Node, Path};
use super::value::{Scope, Value};
use crate::TagError;
use crate::js;

pub(super) fn render_nodes(
    nodes: &[Node],
    scope: &dyn Scope,
    out: &mut String,
) -> Result<(), TagError> {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Comment { .. } => {}
            Node::Mustache { expr, escaped, .. } => {
                let v = eval_mustache(expr, scope)?;
                let s = match v {
                    Value::Undefined | Value::Null => String::new(),
                    v => v.to_js_string(),
                };
                if *escaped {
                    escape_html(&s, out);
                } else {
                    out.push_str(&s);
                }
            }
            Node::Block {
                expr,
                program,
                inverse,
                ..
            } => {
                let name = match &expr.head {
                    Expr::Path(p) if p.is_simple() => p.parts[0].as_str(),
                    _ => "",
                };
                if (name == "if" || name == "unless") && expr.params.len() != 1 {
                    return Err(TagError::new(format!(
                        "#{name} requires exactly one argument"
                    )));
                }
                let cond = match name {
                    "if" | "unless" => {
                        let v = eval(&expr.params[0], scope)?;
                        let v = match v {
                            Value::Func(f) => scope.call(f, &[], None)?,
                            v => v,
                        };
                        let truthy = v.truthy() && !matches!(&v, Value::List(l) if l.is_empty());
                        truthy == (name == "if")
                    }
                    _ => {
                        let v = eval_mustache(expr, scope)?;
                        v.truthy() && !matches!(&v, Value::List(l) if l.is_empty())
                    }
                };
                render_nodes(if cond { program } else { inverse }, scope, out)?;
            }
        }
    }
    Ok(())
}

/// Applies `~` whitespace control to the text next to each stripping tag, and removes the
/// line of a comment that stands alone on it (Handlebars' standalone rule for comments).
pub(super) fn strip_whitespace(nodes: Vec<Node>, is_root: bool) -> Vec<Node> {
    let mut nodes = nodes;
    // Standalone checks look at the text as written, before any stripping.
    let original: Vec<Option<String>> = nodes
        .iter()
        .map(|n| match n {
            Node::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    // Whether a text already lost its start (`right`) or end (`left`) to a neighbour.
    let mut right_stripped = vec![false; nodes.len()];
    let mut left_stripped = vec![false; nodes.len()];
    for i in 0..nodes.len() {
        let (strip, standalone) = match &mut nodes[i] {
            Node::Comment { strip } => (*strip, true),
            Node::Mustache { strip, .. } => (*strip, false),
            Node::Block {
                strip,
                program,
                inverse,
                ..
            } => {
                *program = strip_whitespace(std::mem::take(program), false);
                *inverse = strip_whitespace(std::mem::take(inverse), false);
                (*strip, false)
            }
            Node::Text(_) => continue,
        };
        if strip.1 {
            omit_right(&mut nodes, i, true, &mut right_stripped);
        }
        if strip.0 {
            omit_left(&mut nodes, i, true, &mut left_stripped);
        }
        // A comment alone on its line takes the line with it.
        if standalone
            && prev_is_line_end(&original, i, is_root)
            && next_is_line_start(&original, i, is_root)
        {
            omit_right(&mut nodes, i, false, &mut right_stripped);
            omit_left(&mut nodes, i, false, &mut left_stripped);
        }
    }
    nodes
}

/// A mustache's value: helper call when it has parameters or a hash, else a lookup
/// (calling the value when it is a function).
fn eval_mustache(call: &Call, scope: &dyn Scope) -> Result<Value, TagError> {
    let path = match &call.head {
        Expr::Path(p) => p,
        Expr::Literal(v) => return Ok(scope.property(&v.to_js_string())),
        Expr::Sub(sub) => return eval_call(sub, scope),
    };
    if !call.params.is_empty() || call.hash.is_some() {
        return eval_call(call, scope);
    }
    match resolve(path, scope) {
        Value::Func(f) if path.is_simple() => scope.call(f, &[], Some(&[])),
        Value::Func(f) => scope.call(f, &[], None),
        v => Ok(v),
    }
}

/// A helper call (`{{name a b k=v}}` or `(name a b)`).
fn eval_call(call: &Call, scope: &dyn Scope) -> Result<Value, TagError> {
    let (name, target) = match &call.head {
        Expr::Path(p) => (p.original.clone(), resolve(p, scope)),
        Expr::Literal(v) => (v.to_js_string(), scope.property(&v.to_js_string())),
        Expr::Sub(sub) => ("(intermediate value)".into(), eval_call(sub, scope)?),
    };
    let params = call
        .params
        .iter()
        .map(|p| eval(p, scope))
        .collect::<Result<Vec<_>, _>>()?;
    let mut hash = Vec::new();
    for (k, v) in call.hash.iter().flatten() {
        hash.push((k.clone(), eval(v, scope)?));
    }
    match target {
        Value::Func(f) => scope.call(f, &params, Some(&hash)),
        // Handlebars' helperMissing returns undefined when it gets no parameter but the
        // options (a hash alone), and throws otherwise.
        Value::Undefined | Value::Null if params.is_empty() => Ok(Value::Undefined),
        Value::Undefined | Value::Null => Err(TagError::new(format!("Missing helper: \"{name}\""))),
        _ => Err(TagError::new(format!("{name} is not a function"))),
    }
}

fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Value, TagError> {
    match expr {
        Expr::Literal(v) => Ok(v.clone()),
        Expr::Path(p) => Ok(resolve(p, scope)),
        Expr::Sub(call) => eval_call(call, scope),
    }
}

fn resolve(path: &Path, scope: &dyn Scope) -> Value {
    if path.original.starts_with('@') {
        return Value::Undefined;
    }
    let Some((first, rest)) = path.parts.split_first() else {
        return Value::Object(Vec::new()); // `this`
    };
    rest.iter()
        .fold(scope.property(first), |v, key| v.property(key))
}

fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
}

/// Handlebars' `isPrevWhitespace`: the statement before `i` is text ending in a line break
/// and blanks (or, at the start of the template, nothing or only blanks).
fn prev_is_line_end(original: &[Option<String>], i: usize, is_root: bool) -> bool {
    let Some(prev) = i.checked_sub(1) else {
        return is_root;
    };
    let Some(text) = &original[prev] else {
        return false;
    };
    let blank_tail = &text[text.trim_end_matches(js::is_space).len()..];
    blank_tail.contains('\n') || (is_root && prev == 0 && blank_tail.len() == text.len())
}

/// Handlebars' `isNextWhitespace`: the statement after `i` is text starting with blanks and
/// a line break (or, at the end of the template, nothing or only blanks).
fn next_is_line_start(original: &[Option<String>], i: usize, is_root: bool) -> bool {
    let Some(next) = original.get(i + 1) else {
        return is_root;
    };
    let Some(text) = next else {
        return false;
    };
    let blank_head = &text[..text.len() - text.trim_start_matches(js::is_space).len()];
    blank_head.contains('\n')
        || (is_root && i + 2 == original.len() && blank_head.len() == text.len())
}

/// Handlebars' `omitRight`: strips the start of the text after `i` (all blanks when
/// `multiple`, else blanks and one line break, once).
fn omit_right(nodes: &mut [Node], i: usize, multiple: bool, stripped: &mut [bool]) {
    let Some(Node::Text(t)) = nodes.get_mut(i + 1) else {
        return;
    };
    if !multiple && stripped[i + 1] {
        return;
    }
    let kept = if multiple {
        t.trim_start_matches(js::is_space)
    } else {
        let s = t.trim_start_matches([' ', '\t']);
        let s = s
            .strip_prefix('\r')
            .filter(|s| s.starts_with('\n'))
            .unwrap_or(s);
        s.strip_prefix('\n').unwrap_or(s)
    };
    let kept = kept.to_string();
    stripped[i + 1] = kept != *t;
    *t = kept;
}

/// Handlebars' `omitLeft`: strips the end of the text before `i` (all blanks when
/// `multiple`, else spaces and tabs, once).
fn omit_left(nodes: &mut [Node], i: usize, multiple: bool, stripped: &mut [bool]) {
    let Some(prev) = i.checked_sub(1) else {
        return;
    };
    let Some(Node::Text(t)) = nodes.get_mut(prev) else {
        return;
    };
    if !multiple && stripped[prev] {
        return;
    }
    let kept = if multiple {
        t.trim_end_matches(js::is_space)
    } else {
        t.trim_end_matches([' ', '\t'])
    }
    .to_string();
    stripped[prev] = kept != *t;
    *t = kept;
}
