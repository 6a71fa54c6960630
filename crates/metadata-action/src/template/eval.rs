//! Rendering a parsed template: Handlebars' whitespace control, `{{#if}}`/`{{#unless}}`,
//! mustache lookups and helper calls against a [`Scope`], and HTML escaping.

use super::parser::{BlockTags, Call, Expr, Node, Path};
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
            Node::Text(t) => out.push_str(&t.value),
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

/// Handlebars' whitespace control on a program (`is_root` for the template itself): `~`
/// strips the blanks next to a tag, and a block tag or comment alone on its line takes the
/// line with it ("standalone").
pub(super) fn strip_whitespace(body: &mut [Node], is_root: bool) {
    for i in 0..body.len() {
        let strip = match &mut body[i] {
            Node::Text(_) => continue,
            Node::Mustache { strip, .. } => Strip {
                open: strip.0,
                close: strip.1,
                ..Strip::default()
            },
            Node::Comment { strip } => Strip {
                open: strip.0,
                close: strip.1,
                inline_standalone: true,
                ..Strip::default()
            },
            Node::Block {
                program,
                inverse,
                tags,
                ..
            } => block_whitespace(program, inverse, tags),
        };
        let prev_blank = prev_is_line_end(body, Some(i), is_root);
        let next_blank = next_is_line_start(body, Some(i), is_root);
        if strip.close {
            omit_right(body, Some(i), true);
        }
        if strip.open {
            omit_left(body, Some(i), true);
        }
        if strip.inline_standalone && prev_blank && next_blank {
            omit_right(body, Some(i), false);
            omit_left(body, Some(i), false);
        }
        if strip.open_standalone && prev_blank {
            if let Node::Block {
                program,
                inverse,
                tags,
                ..
            } = &mut body[i]
            {
                omit_right(program_or_inverse(program, inverse, tags), None, false);
            }
            omit_left(body, Some(i), false);
        }
        if strip.close_standalone && next_blank {
            omit_right(body, Some(i), false);
            if let Node::Block {
                program,
                inverse,
                tags,
                ..
            } = &mut body[i]
            {
                let last = if tags.inverse.is_none() && !tags.inverted {
                    program
                } else {
                    inverse
                };
                omit_left(last, None, false);
            }
        }
    }
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

/// What a statement asks of whitespace control.
#[derive(Default)]
struct Strip {
    /// `~` on its left and right.
    open: bool,
    close: bool,
    /// A comment: standalone when alone on its line.
    inline_standalone: bool,
    /// A block whose opening (closing) tag may stand alone on its line.
    open_standalone: bool,
    close_standalone: bool,
}

/// Handlebars' `BlockStatement` whitespace pass: the inner programs first, then the `~` and
/// standalone `{{else}}` at the programs' edges; returns the block's [`Strip`].
fn block_whitespace(program: &mut [Node], inverse: &mut [Node], tags: &BlockTags) -> Strip {
    strip_whitespace(program, false);
    strip_whitespace(inverse, false);
    let with_else = tags.inverse.is_some();
    let (prog, inv) = if !with_else && tags.inverted {
        (inverse, None)
    } else if with_else {
        (program, Some(inverse))
    } else {
        (program, None)
    };
    let mut strip = Strip {
        open: tags.open.0,
        close: tags.close.1,
        open_standalone: next_is_line_start(prog, None, false),
        ..Strip::default()
    };
    if tags.open.1 {
        omit_right(prog, None, true);
    }
    match (inv, tags.inverse) {
        (Some(inv), Some(inverse_strip)) => {
            // The program after the `{{else}}` (in a chain, the chained block's own).
            strip.close_standalone = match inv.first_mut() {
                Some(Node::Block { program: first, .. }) if tags.chained => {
                    else_edges(prog, first, inverse_strip, tags.close.0)
                }
                _ => else_edges(prog, inv, inverse_strip, tags.close.0),
            };
        }
        _ => {
            strip.close_standalone = prev_is_line_end(prog, None, false);
            if tags.close.0 {
                omit_left(prog, None, true);
            }
        }
    }
    strip
}

/// The `~` and standalone rule around a block's `{{else}}`, between the program `prog` and
/// the program after it, `first`; returns whether the block's closing may stand alone.
fn else_edges(
    prog: &mut [Node],
    first: &mut [Node],
    inverse_strip: (bool, bool),
    close_left: bool,
) -> bool {
    let close_standalone = prev_is_line_end(first, None, false);
    if inverse_strip.0 {
        omit_left(prog, None, true);
    }
    if inverse_strip.1 {
        omit_right(first, None, true);
    }
    if close_left {
        omit_left(first, None, true);
    }
    if prev_is_line_end(prog, None, false) && next_is_line_start(first, None, false) {
        omit_left(prog, None, false);
        omit_right(first, None, false);
    }
    close_standalone
}

/// Handlebars' `program || inverse`: the body right after the opening tag.
fn program_or_inverse<'a>(
    program: &'a mut [Node],
    inverse: &'a mut [Node],
    tags: &BlockTags,
) -> &'a mut [Node] {
    if tags.inverse.is_none() && tags.inverted {
        inverse
    } else {
        program
    }
}

/// Handlebars' `isPrevWhitespace`: the statement before `i` (before the end when `None`) is
/// text that, as written, ends in a line break and blanks (or, at the start of the template,
/// nothing or only blanks).
fn prev_is_line_end(body: &[Node], i: Option<usize>, is_root: bool) -> bool {
    let i = i.unwrap_or(body.len());
    let Some(prev) = i.checked_sub(1) else {
        return is_root;
    };
    let Node::Text(t) = &body[prev] else {
        return false;
    };
    let text = &t.original;
    let blank_tail = &text[text.trim_end_matches(js::is_space).len()..];
    blank_tail.contains('\n') || (is_root && prev == 0 && blank_tail.len() == text.len())
}

/// Handlebars' `isNextWhitespace`: the statement after `i` (the first when `None`) is text
/// that, as written, starts with blanks and a line break (or, at the end of the template,
/// nothing or only blanks).
fn next_is_line_start(body: &[Node], i: Option<usize>, is_root: bool) -> bool {
    let next = i.map_or(0, |i| i + 1);
    let Some(node) = body.get(next) else {
        return is_root;
    };
    let Node::Text(t) = node else {
        return false;
    };
    let text = &t.original;
    let blank_head = &text[..text.len() - text.trim_start_matches(js::is_space).len()];
    let last = next + 1 == body.len();
    blank_head.contains('\n') || (is_root && last && blank_head.len() == text.len())
}

/// Handlebars' `omitRight`: strips the start of the text after `i` (the first statement
/// when `None`): all blanks when `multiple`, else blanks and one line break, once.
fn omit_right(body: &mut [Node], i: Option<usize>, multiple: bool) {
    let Some(Node::Text(t)) = body.get_mut(i.map_or(0, |i| i + 1)) else {
        return;
    };
    if !multiple && t.right_stripped {
        return;
    }
    let kept = if multiple {
        t.value.trim_start_matches(js::is_space)
    } else {
        let s = t.value.trim_start_matches([' ', '\t']);
        let s = s
            .strip_prefix('\r')
            .filter(|s| s.starts_with('\n'))
            .unwrap_or(s);
        s.strip_prefix('\n').unwrap_or(s)
    }
    .to_string();
    t.right_stripped = kept != t.value;
    t.value = kept;
}

/// Handlebars' `omitLeft`: strips the end of the text before `i` (the last statement when
/// `None`): all blanks when `multiple`, else spaces and tabs, once.
fn omit_left(body: &mut [Node], i: Option<usize>, multiple: bool) {
    let target = match i {
        Some(i) => i.checked_sub(1),
        None => body.len().checked_sub(1),
    };
    let Some(Node::Text(t)) = target.and_then(|j| body.get_mut(j)) else {
        return;
    };
    if !multiple && t.left_stripped {
        return;
    }
    let kept = if multiple {
        t.value.trim_end_matches(js::is_space)
    } else {
        t.value.trim_end_matches([' ', '\t'])
    }
    .to_string();
    t.left_stripped = kept != t.value;
    t.value = kept;
}
