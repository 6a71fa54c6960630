//! The Handlebars subset the action's expressions use: `{{path}}`, `{{{path}}}`/`{{&path}}`,
//! helper calls with literal/path/sub-expression parameters and `key=value` hashes,
//! `{{#if}}`/`{{#unless}}`/`{{else}}`, comments, `~` whitespace control and `\{{` escapes.
//! Output is HTML-escaped as Handlebars does (which is why `&` in a branch becomes `-amp-`
//! after sanitising). Parse errors carry Handlebars' own messages for the common cases.

use super::TagError;
use super::js;

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
    fn property(&self, key: &str) -> Value {
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

/// `handlebars.compile(template)(scope)`.
pub(crate) fn render(template: &str, scope: &dyn Scope) -> Result<String, TagError> {
    let nodes = Parser::new(template).parse_program(None, false)?;
    let mut out = String::new();
    render_nodes(&strip_whitespace(nodes), scope, &mut out)?;
    Ok(out)
}

/// Whether the template is exactly one `{{raw}}` mustache (the action's `isRawStatement`).
pub(crate) fn is_raw_statement(template: &str) -> bool {
    match Parser::new(template).parse_program(None, false).as_deref() {
        Ok([Node::Mustache { expr, .. }]) => {
            matches!(&expr.head, Expr::Path(p) if p.parts == ["raw"])
        }
        _ => false,
    }
}

#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Comment {
        strip: (bool, bool),
    },
    Mustache {
        expr: Call,
        escaped: bool,
        strip: (bool, bool),
    },
    Block {
        expr: Call,
        program: Vec<Node>,
        inverse: Vec<Node>,
        strip: (bool, bool),
    },
}

/// A helper name (or path) with its parameters and hash.
#[derive(Clone, Debug)]
struct Call {
    head: Expr,
    params: Vec<Expr>,
    hash: Option<Vec<(String, Expr)>>,
}

#[derive(Clone, Debug)]
enum Expr {
    Path(Path),
    Literal(Value),
    Sub(Box<Call>),
}

#[derive(Clone, Debug)]
struct Path {
    original: String,
    parts: Vec<String>,
    /// `this.x`, `./x`, `../x` or `@x`: never a helper.
    scoped: bool,
}

impl Path {
    fn is_simple(&self) -> bool {
        self.parts.len() == 1 && !self.scoped
    }
}

// ---------------------------------------------------------------------------------------
// Rendering

fn render_nodes(nodes: &[Node], scope: &dyn Scope, out: &mut String) -> Result<(), TagError> {
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

/// Applies `~` whitespace control to the text next to each stripping tag.
fn strip_whitespace(mut nodes: Vec<Node>) -> Vec<Node> {
    for i in 0..nodes.len() {
        let strip = match &mut nodes[i] {
            Node::Comment { strip } | Node::Mustache { strip, .. } => *strip,
            Node::Block {
                strip,
                program,
                inverse,
                ..
            } => {
                *program = strip_whitespace(std::mem::take(program));
                *inverse = strip_whitespace(std::mem::take(inverse));
                *strip
            }
            Node::Text(_) => continue,
        };
        if strip.0
            && let Some(Node::Text(t)) = i.checked_sub(1).and_then(|j| nodes.get_mut(j))
        {
            *t = t.trim_end_matches(js::is_space).to_string();
        }
        if strip.1
            && let Some(Node::Text(t)) = nodes.get_mut(i + 1)
        {
            *t = t.trim_start_matches(js::is_space).to_string();
        }
    }
    nodes
}

// ---------------------------------------------------------------------------------------
// Lexing and parsing

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Content(String),
    Comment {
        strip: (bool, bool),
    },
    /// `{{`, `{{&`, `{{{`, `{{#`, `{{/`, `{{^`, `{{else`, `{{>`: kind and left strip.
    Open(Open, bool),
    /// `{{else}}` / `{{^}}` standing alone.
    Inverse(bool, bool),
    Close(bool),
    CloseUnescaped(bool),
    OpenSexpr,
    CloseSexpr,
    Id(String),
    Sep,
    Equals,
    Data,
    Str(String),
    Num(f64),
    Bool(bool),
    Undefined,
    Null,
    BlockParams,
    CloseBlockParams,
    CloseRawBlock,
    Invalid,
    Eof,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Open {
    /// `{{{{`: a raw block (not supported beyond its syntax).
    RawBlock,
    Mustache,
    /// `{{&`: unescaped output closed by `}}`.
    Ampersand,
    Unescaped,
    Block,
    EndBlock,
    Inverse,
    InverseChain,
    Partial,
}

impl Tok {
    fn name(&self) -> &'static str {
        match self {
            Tok::Content(_) => "CONTENT",
            Tok::Comment { .. } => "COMMENT",
            Tok::Open(Open::Mustache | Open::Ampersand, _) => "OPEN",
            Tok::Open(Open::Unescaped, _) => "OPEN_UNESCAPED",
            Tok::Open(Open::Block, _) => "OPEN_BLOCK",
            Tok::Open(Open::EndBlock, _) => "OPEN_ENDBLOCK",
            Tok::Open(Open::Inverse, _) => "OPEN_INVERSE",
            Tok::Open(Open::InverseChain, _) => "OPEN_INVERSE_CHAIN",
            Tok::Open(Open::Partial, _) => "OPEN_PARTIAL",
            Tok::Inverse(..) => "INVERSE",
            Tok::Close(_) => "CLOSE",
            Tok::CloseUnescaped(_) => "CLOSE_UNESCAPED",
            Tok::OpenSexpr => "OPEN_SEXPR",
            Tok::CloseSexpr => "CLOSE_SEXPR",
            Tok::Id(_) => "ID",
            Tok::Sep => "SEP",
            Tok::Equals => "EQUALS",
            Tok::Data => "DATA",
            Tok::Str(_) => "STRING",
            Tok::Num(_) => "NUMBER",
            Tok::Bool(_) => "BOOLEAN",
            Tok::Undefined => "UNDEFINED",
            Tok::Null => "NULL",
            Tok::BlockParams => "OPEN_BLOCK_PARAMS",
            Tok::CloseBlockParams => "CLOSE_BLOCK_PARAMS",
            Tok::CloseRawBlock => "CLOSE_RAW_BLOCK",
            Tok::Open(Open::RawBlock, _) => "OPEN_RAW_BLOCK",
            Tok::Invalid => "INVALID",
            Tok::Eof => "EOF",
        }
    }
}

const EXPECT_TOP: &str = "'EOF', 'COMMENT', 'CONTENT', 'OPEN_RAW_BLOCK', 'OPEN_BLOCK', 'OPEN_INVERSE', 'OPEN', \
                          'OPEN_UNESCAPED', 'OPEN_PARTIAL', 'OPEN_PARTIAL_BLOCK'";
const EXPECT_BLOCK_END: &str = "'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK'";
const EXPECT_BLOCK_PROGRAM: &str = "'COMMENT', 'CONTENT', 'OPEN_RAW_BLOCK', 'OPEN_BLOCK', 'OPEN_INVERSE', \
                                    'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', 'OPEN', 'OPEN_UNESCAPED', \
                                    'OPEN_PARTIAL', 'OPEN_PARTIAL_BLOCK'";
const EXPECT_INVERSE_PROGRAM: &str = "'COMMENT', 'CONTENT', 'OPEN_RAW_BLOCK', 'OPEN_BLOCK', 'OPEN_INVERSE', \
                                      'OPEN_ENDBLOCK', 'OPEN', 'OPEN_UNESCAPED', 'OPEN_PARTIAL', 'OPEN_PARTIAL_BLOCK'";
const EXPECT_NAME: &str = "'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA'";
const EXPECT_PARAM: &str =
    "'OPEN_SEXPR', 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA'";
const EXPECT_AFTER_ID: &str = "'CLOSE_RAW_BLOCK', 'CLOSE', 'CLOSE_UNESCAPED', 'OPEN_SEXPR', 'CLOSE_SEXPR', 'ID', \
                               'OPEN_BLOCK_PARAMS', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', 'SEP'";
const EXPECT_AFTER_PARAM_ID: &str = "'CLOSE_RAW_BLOCK', 'CLOSE', 'CLOSE_UNESCAPED', 'OPEN_SEXPR', 'CLOSE_SEXPR', 'ID', \
                                     'EQUALS', 'OPEN_BLOCK_PARAMS', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', \
                                     'DATA', 'SEP'";
const EXPECT_AFTER_LITERAL: &str = "'CLOSE_RAW_BLOCK', 'CLOSE', 'CLOSE_UNESCAPED', 'OPEN_SEXPR', 'CLOSE_SEXPR', 'ID', \
                                    'OPEN_BLOCK_PARAMS', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA'";

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    in_mustache: bool,
    /// Text after a `\{{` escape runs up to the next `{{` as plain content.
    escaped_content: bool,
    /// The current lookahead token and where it starts.
    tok: Tok,
    tok_start: usize,
    /// Open blocks and sub-expressions (bounded to keep recursion shallow).
    depth: usize,
}

/// How deeply blocks and sub-expressions may nest.
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        let mut p = Parser {
            src,
            pos: 0,
            in_mustache: false,
            escaped_content: false,
            tok: Tok::Eof,
            tok_start: 0,
            depth: 0,
        };
        p.advance();
        p
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn advance(&mut self) {
        let (tok, start) = if self.in_mustache {
            self.lex_mustache()
        } else {
            self.lex_content()
        };
        self.tok = tok;
        self.tok_start = start;
    }

    fn lex_content(&mut self) -> (Tok, usize) {
        let start = self.pos;
        if self.pos >= self.src.len() {
            return (Tok::Eof, start);
        }
        if self.escaped_content {
            // At least two characters, up to the next `{{`, `\{{` or the end.
            self.escaped_content = false;
            let body = self.rest();
            let skip = body.char_indices().nth(2).map_or(body.len(), |(i, _)| i);
            let end = body[skip..].find("{{").map_or(body.len(), |i| {
                let at = skip + i;
                let bs = body[skip..at]
                    .bytes()
                    .rev()
                    .take_while(|&b| b == b'\\')
                    .count()
                    .min(2);
                at - bs
            });
            self.pos += end;
            return (Tok::Content(body[..end].to_string()), start);
        }
        let body = self.rest();
        match body.find("{{") {
            None => {
                self.pos = self.src.len();
                (Tok::Content(body.to_string()), start)
            }
            Some(at) => {
                let mut text = &body[..at];
                self.pos += at;
                if text.ends_with("\\\\") {
                    text = &text[..text.len() - 1];
                    self.in_mustache = true;
                } else if let Some(t) = text.strip_suffix('\\') {
                    text = t;
                    self.escaped_content = true;
                } else {
                    self.in_mustache = true;
                }
                if text.is_empty() {
                    self.advance_inner(start)
                } else {
                    (Tok::Content(text.to_string()), start)
                }
            }
        }
    }

    fn advance_inner(&mut self, _start: usize) -> (Tok, usize) {
        if self.in_mustache {
            self.lex_mustache()
        } else {
            self.lex_content()
        }
    }

    fn lex_mustache(&mut self) -> (Tok, usize) {
        let ws = self.rest().len() - self.rest().trim_start_matches(js::is_space).len();
        self.pos += ws;
        let rest = self.rest();
        let start = self.pos;
        if rest.starts_with("{{{{") {
            self.pos += 4;
            return (Tok::Open(Open::RawBlock, false), start);
        }
        if rest.starts_with("}}}}") {
            self.pos += 4;
            self.in_mustache = false;
            return (Tok::CloseRawBlock, start);
        }
        if let Some(after) = rest.strip_prefix("{{") {
            let (strip, after) = match after.strip_prefix('~') {
                Some(a) => (true, a),
                None => (false, after),
            };
            let consumed = |a: &str| rest.len() - a.len();
            if let Some(body) = after.strip_prefix("!--") {
                let (end, strip_r) = match body
                    .find("--}}")
                    .into_iter()
                    .chain(body.find("--~}}"))
                    .min()
                {
                    Some(i) => (i, body[i..].starts_with("--~")),
                    None => return self.invalid(start),
                };
                self.pos += consumed(body) + end + if strip_r { 5 } else { 4 };
                self.in_mustache = false;
                return (
                    Tok::Comment {
                        strip: (strip, strip_r),
                    },
                    start,
                );
            }
            if let Some(body) = after.strip_prefix('!') {
                let Some(end) = body.find("}}") else {
                    return self.invalid(start);
                };
                self.pos += consumed(body) + end + 2;
                self.in_mustache = false;
                return (
                    Tok::Comment {
                        strip: (strip, body[..end].ends_with('~')),
                    },
                    start,
                );
            }
            let trimmed = after.trim_start_matches(js::is_space);
            for (kw, inverse) in [("else", true), ("^", false)] {
                let Some(t) = (if inverse {
                    trimmed.strip_prefix(kw)
                } else {
                    after.strip_prefix(kw)
                }) else {
                    continue;
                };
                let t2 = t.trim_start_matches(js::is_space);
                let (strip_r, t3) = match t2.strip_prefix('~') {
                    Some(x) => (true, x),
                    None => (false, t2),
                };
                if let Some(t4) = t3.strip_prefix("}}") {
                    self.pos += consumed(t4);
                    self.in_mustache = false;
                    return (Tok::Inverse(strip, strip_r), start);
                }
                if inverse {
                    self.pos += consumed(t);
                    return (Tok::Open(Open::InverseChain, strip), start);
                }
            }
            let (kind, len) = match after.chars().next() {
                Some('>') => (Open::Partial, 1),
                Some('#') => (Open::Block, if after[1..].starts_with('*') { 2 } else { 1 }),
                Some('/') => (Open::EndBlock, 1),
                Some('^') => (Open::Inverse, 1),
                Some('{') => (Open::Unescaped, 1),
                Some('&') => (Open::Ampersand, 1),
                Some('*') => (Open::Mustache, 1),
                _ => (Open::Mustache, 0),
            };
            self.pos += consumed(&after[len..]);
            return (Tok::Open(kind, strip), start);
        }
        let lookahead = |s: &str, lit: bool| match s.chars().next() {
            None => false,
            Some(c) => {
                js::is_space(c)
                    || if lit {
                        "~})".contains(c)
                    } else {
                        "=~}/.)|".contains(c)
                    }
            }
        };
        for (close, unescaped) in [("}}}", true), ("}~}}", true), ("}}", false), ("~}}", false)] {
            if let Some(after) = rest.strip_prefix(close) {
                let strip = close.contains('~');
                self.pos += rest.len() - after.len();
                self.in_mustache = false;
                return (
                    if unescaped {
                        Tok::CloseUnescaped(strip)
                    } else {
                        Tok::Close(strip)
                    },
                    start,
                );
            }
        }
        let Some(c) = rest.chars().next() else {
            return (Tok::Eof, start);
        };
        let bump = |p: &mut Self, n: usize, t: Tok| {
            p.pos += n;
            (t, start)
        };
        match c {
            '(' => return bump(self, 1, Tok::OpenSexpr),
            ')' => return bump(self, 1, Tok::CloseSexpr),
            '"' | '\'' => {
                let mut out = String::new();
                let mut it = rest.char_indices().skip(1);
                while let Some((i, ch)) = it.next() {
                    if ch == '\\' && rest[i + 1..].starts_with(c) {
                        out.push(c);
                        it.next();
                    } else if ch == c {
                        return bump(self, i + 1, Tok::Str(out));
                    } else {
                        out.push(ch);
                    }
                }
                return bump(self, c.len_utf8(), Tok::Invalid);
            }
            '@' => return bump(self, 1, Tok::Data),
            '=' => return bump(self, 1, Tok::Equals),
            _ => {}
        }
        for (word, tok) in [
            ("true", Tok::Bool(true)),
            ("false", Tok::Bool(false)),
            ("undefined", Tok::Undefined),
            ("null", Tok::Null),
        ] {
            if let Some(after) = rest.strip_prefix(word)
                && lookahead(after, true)
            {
                return bump(self, word.len(), tok);
            }
        }
        let num_len = {
            let b = rest.as_bytes();
            let mut i = usize::from(b.first() == Some(&b'-'));
            let d = count_digits(&b[i..]);
            if d == 0 {
                0
            } else {
                i += d;
                if b.get(i) == Some(&b'.') && count_digits(&b[i + 1..]) > 0 {
                    i += 1 + count_digits(&b[i + 1..]);
                }
                i
            }
        };
        if num_len > 0 && lookahead(&rest[num_len..], true) {
            return bump(
                self,
                num_len,
                Tok::Num(rest[..num_len].parse().unwrap_or(f64::NAN)),
            );
        }
        if let Some(after) = rest.strip_prefix("as")
            && after.starts_with(js::is_space)
            && after.trim_start_matches(js::is_space).starts_with('|')
        {
            return bump(
                self,
                rest.len() - after.trim_start_matches(js::is_space).len() + 1,
                Tok::BlockParams,
            );
        }
        if c == '|' {
            return bump(self, 1, Tok::CloseBlockParams);
        }
        let id_len = rest
            .find(|c: char| js::is_space(c) || "!\"#%&'()*+,./;<=>@[\\]^`{|}~".contains(c))
            .unwrap_or(rest.len());
        if id_len > 0 && lookahead(&rest[id_len..], false) {
            return bump(self, id_len, Tok::Id(rest[..id_len].to_string()));
        }
        if c == '['
            && let Some(end) = rest[1..].find(']')
        {
            return bump(self, end + 2, Tok::Id(rest[1..=end].to_string()));
        }
        if c == '.' && rest[1..].starts_with('.') {
            return bump(self, 2, Tok::Id("..".into()));
        }
        if c == '.' && lookahead(&rest[1..], false) {
            return bump(self, 1, Tok::Id(".".into()));
        }
        if c == '.' || c == '/' {
            return bump(self, 1, Tok::Sep);
        }
        bump(self, c.len_utf8(), Tok::Invalid)
    }

    fn invalid(&mut self, start: usize) -> (Tok, usize) {
        self.pos = start + 1;
        (Tok::Invalid, start)
    }

    fn error(&self, expected: &str) -> TagError {
        let past = &self.src[..self.tok_start];
        let line = past.matches('\n').count() + 1 + self.token_text().matches('\n').count();
        let past_chars: Vec<char> = past.chars().collect();
        let pre = if past_chars.len() > 20 {
            format!(
                "...{}",
                past_chars[past_chars.len() - 20..]
                    .iter()
                    .collect::<String>()
            )
        } else {
            past.to_string()
        }
        .replace('\n', "");
        let matched = self.token_text();
        let next: String = if matched.chars().count() < 20 {
            self.src[self.tok_start..].chars().take(20).collect()
        } else {
            matched.to_string()
        };
        let dots = if next.chars().count() > 20 { "..." } else { "" };
        let upcoming =
            format!("{}{dots}", next.chars().take(20).collect::<String>()).replace('\n', "");
        TagError::new(format!(
            "Parse error on line {line}:\n{pre}{upcoming}\n{}^\nExpecting {expected}, got '{}'",
            "-".repeat(pre.chars().count()),
            self.tok.name()
        ))
    }

    fn token_text(&self) -> &str {
        &self.src[self.tok_start..self.pos.max(self.tok_start)]
    }

    /// Statements up to the end (`block` None) or up to the `{{else}}`/`{{/name}}` of a block.
    /// Parses statements up to the end of the input (`block` None) or of a block's program;
    /// `inverse` when that program follows `{{else}}` (only the block's end may follow).
    fn parse_program(&mut self, block: Option<&str>, inverse: bool) -> Result<Vec<Node>, TagError> {
        let mut nodes = Vec::new();
        loop {
            match self.tok.clone() {
                Tok::Content(t) => {
                    nodes.push(Node::Text(t));
                    self.advance();
                }
                Tok::Comment { strip } => {
                    nodes.push(Node::Comment { strip });
                    self.advance();
                }
                Tok::Open(kind @ (Open::Mustache | Open::Ampersand | Open::Unescaped), strip_l) => {
                    let triple = kind == Open::Unescaped;
                    self.advance();
                    let close = if triple {
                        "'CLOSE_UNESCAPED'"
                    } else {
                        "'CLOSE'"
                    };
                    let expr = self.parse_call(close)?;
                    let strip_r = match (&self.tok, triple) {
                        (Tok::Close(s), false) | (Tok::CloseUnescaped(s), true) => *s,
                        _ => return Err(self.error(&self.after_name(close))),
                    };
                    self.advance();
                    nodes.push(Node::Mustache {
                        expr,
                        escaped: kind == Open::Mustache,
                        strip: (strip_l, strip_r),
                    });
                }
                Tok::Open(Open::Block | Open::Inverse, strip_l) => {
                    let inverted = matches!(self.tok, Tok::Open(Open::Inverse, _));
                    nodes.push(self.parse_block(strip_l, inverted)?);
                }
                Tok::Open(Open::RawBlock, _) => {
                    self.advance();
                    let expr = self.parse_call("'CLOSE_RAW_BLOCK'")?;
                    if self.tok != Tok::CloseRawBlock {
                        return Err(self.error(&self.after_name("'CLOSE_RAW_BLOCK'")));
                    }
                    let name = match expr.head {
                        Expr::Path(p) => p.original,
                        Expr::Literal(v) => v.to_js_string(),
                        Expr::Sub(_) => String::new(),
                    };
                    return Err(TagError::new(format!("Missing helper: \"{name}\"")));
                }
                Tok::Open(Open::Partial, _) => {
                    self.advance();
                    let name = match &self.tok {
                        Tok::Id(n) | Tok::Str(n) => n.clone(),
                        _ => return Err(self.error(EXPECT_PARAM)),
                    };
                    return Err(TagError::new(format!(
                        "The partial {name} could not be found"
                    )));
                }
                Tok::Eof if block.is_none() => return Ok(nodes),
                Tok::Open(Open::EndBlock, _) if block.is_some() => return Ok(nodes),
                Tok::Open(Open::InverseChain, _) | Tok::Inverse(..)
                    if block.is_some() && !inverse =>
                {
                    return Ok(nodes);
                }
                _ => {
                    // The parser's expectations: statements only while the program is
                    // empty, then what may end it.
                    return Err(self.error(match (block, inverse, nodes.is_empty()) {
                        (None, _, true) => EXPECT_TOP,
                        (None, _, false) => "'EOF'",
                        (Some(_), false, true) => EXPECT_BLOCK_PROGRAM,
                        (Some(_), false, false) => EXPECT_BLOCK_END,
                        (Some(_), true, true) => EXPECT_INVERSE_PROGRAM,
                        (Some(_), true, false) => "'OPEN_ENDBLOCK'",
                    }));
                }
            }
        }
    }

    fn parse_block(&mut self, strip_l: bool, inverted: bool) -> Result<Node, TagError> {
        self.enter()?;
        let node = self.parse_block_inner(strip_l, inverted);
        self.depth -= 1;
        node
    }

    fn enter(&mut self) -> Result<(), TagError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(TagError::new("Template nesting is too deep"));
        }
        Ok(())
    }

    fn parse_block_inner(&mut self, strip_l: bool, inverted: bool) -> Result<Node, TagError> {
        let name_start = {
            self.advance();
            self.tok_start
        };
        let expr = self.parse_call("'CLOSE'")?;
        let Tok::Close(_) = self.tok else {
            return Err(self.error(&self.after_name("'CLOSE'")));
        };
        self.advance();
        let open_name = match &expr.head {
            Expr::Path(p) => p.original.clone(),
            _ => String::new(),
        };
        let mut program = self.parse_program(Some(&open_name), false)?;
        let mut inverse = Vec::new();
        match self.tok.clone() {
            Tok::Inverse(..) => {
                self.advance();
                inverse = self.parse_program(Some(&open_name), true)?;
            }
            Tok::Open(Open::InverseChain, s) => {
                // `{{else if x}}...`: a nested block that shares this block's end.
                let chained = self.parse_chain(s)?;
                inverse.push(chained);
                return self.finish_block(
                    expr, program, inverse, strip_l, inverted, &open_name, name_start,
                );
            }
            _ => {}
        }
        if inverted {
            std::mem::swap(&mut program, &mut inverse);
        }
        self.finish_block(
            expr, program, inverse, strip_l, false, &open_name, name_start,
        )
    }

    fn parse_chain(&mut self, strip_l: bool) -> Result<Node, TagError> {
        self.enter()?;
        let node = self.parse_chain_inner(strip_l);
        self.depth -= 1;
        node
    }

    fn parse_chain_inner(&mut self, strip_l: bool) -> Result<Node, TagError> {
        self.advance();
        let expr = self.parse_call("'CLOSE'")?;
        let Tok::Close(strip_r) = self.tok else {
            return Err(self.error(&self.after_name("'CLOSE'")));
        };
        self.advance();
        let program = self.parse_program(Some(""), false)?;
        let mut inverse = Vec::new();
        match self.tok.clone() {
            Tok::Inverse(..) => {
                self.advance();
                inverse = self.parse_program(Some(""), true)?;
            }
            Tok::Open(Open::InverseChain, s) => inverse.push(self.parse_chain(s)?),
            _ => {}
        }
        Ok(Node::Block {
            expr,
            program,
            inverse,
            strip: (strip_l, strip_r),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_block(
        &mut self,
        expr: Call,
        program: Vec<Node>,
        inverse: Vec<Node>,
        strip_l: bool,
        inverted: bool,
        open_name: &str,
        name_start: usize,
    ) -> Result<Node, TagError> {
        let Tok::Open(Open::EndBlock, _) = self.tok else {
            return Err(self.error(EXPECT_BLOCK_END));
        };
        self.advance();
        let close = match &self.tok {
            Tok::Id(_) => match self.parse_call("'CLOSE'")?.head {
                Expr::Path(p) => p.original,
                _ => String::new(),
            },
            _ => return Err(self.error(EXPECT_NAME)),
        };
        let Tok::Close(strip_r) = self.tok else {
            return Err(self.error(&self.after_name("'CLOSE'")));
        };
        if close != open_name {
            let line = self.src[..name_start].matches('\n').count() + 1;
            let col = self.src[..name_start]
                .rsplit('\n')
                .next()
                .map_or(0, |l| l.chars().count());
            return Err(TagError::new(format!(
                "{open_name} doesn't match {close} - {line}:{col}"
            )));
        }
        self.advance();
        let (program, inverse) = if inverted {
            (inverse, program)
        } else {
            (program, inverse)
        };
        Ok(Node::Block {
            expr,
            program,
            inverse,
            strip: (strip_l, strip_r),
        })
    }

    fn after_name(&self, close: &str) -> String {
        format!(
            "{close}, 'OPEN_SEXPR', 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA'"
        )
    }

    /// `helperName param* hash?` (the caller checks the closing token).
    fn parse_call(&mut self, close: &str) -> Result<Call, TagError> {
        let head = self.parse_name(false)?;
        let mut params = Vec::new();
        let mut hash: Option<Vec<(String, Expr)>> = None;
        loop {
            if let Tok::Id(key) = self.tok.clone() {
                // `key=` starts (or continues) the hash.
                let save = (self.pos, self.tok.clone(), self.tok_start, self.in_mustache);
                self.advance();
                if self.tok == Tok::Equals {
                    self.advance();
                    let value = self.parse_param()?;
                    hash.get_or_insert_with(Vec::new).push((key, value));
                    continue;
                }
                (self.pos, self.tok, self.tok_start, self.in_mustache) = save;
                if hash.is_some() {
                    self.advance();
                    return Err(self.error("'EQUALS'"));
                }
            }
            match self.tok {
                Tok::Id(_)
                | Tok::Str(_)
                | Tok::Num(_)
                | Tok::Bool(_)
                | Tok::Undefined
                | Tok::Null
                | Tok::Data
                | Tok::OpenSexpr
                    if hash.is_none() =>
                {
                    params.push(self.parse_param()?)
                }
                Tok::Close(_)
                | Tok::CloseUnescaped(_)
                | Tok::CloseSexpr
                | Tok::BlockParams
                | Tok::CloseRawBlock => {
                    break;
                }
                _ if hash.is_some() => return Err(self.error(&format!("{close}, 'ID'"))),
                _ => return Err(self.error(&self.after_name(close))),
            }
        }
        Ok(Call { head, params, hash })
    }

    fn parse_param(&mut self) -> Result<Expr, TagError> {
        if self.tok == Tok::OpenSexpr {
            self.advance();
            self.enter()?;
            let call = self.parse_call("'CLOSE_SEXPR'");
            self.depth -= 1;
            let call = call?;
            if self.tok != Tok::CloseSexpr {
                return Err(self.error(&self.after_name("'CLOSE_SEXPR'")));
            }
            self.advance();
            return Ok(Expr::Sub(Box::new(call)));
        }
        match self.tok {
            Tok::Id(_)
            | Tok::Str(_)
            | Tok::Num(_)
            | Tok::Bool(_)
            | Tok::Undefined
            | Tok::Null
            | Tok::Data => self.parse_name(true),
            _ => Err(self.error(EXPECT_PARAM)),
        }
    }

    /// A path, `@data` path or literal; `param` when it is a parameter (which, as a single
    /// id, could also have been a hash key).
    fn parse_name(&mut self, param: bool) -> Result<Expr, TagError> {
        let literal = match &self.tok {
            Tok::Str(s) => Some(Value::Str(s.clone())),
            Tok::Num(n) => Some(Value::Num(*n)),
            Tok::Bool(b) => Some(Value::Bool(*b)),
            Tok::Undefined => Some(Value::Undefined),
            Tok::Null => Some(Value::Null),
            _ => None,
        };
        if let Some(v) = literal {
            self.advance();
            if !self.follows_name() {
                return Err(self.error(EXPECT_AFTER_LITERAL));
            }
            return Ok(Expr::Literal(v));
        }
        let data = self.tok == Tok::Data;
        if data {
            self.advance();
        }
        let Tok::Id(first) = self.tok.clone() else {
            return Err(self.error(if data { "'ID'" } else { EXPECT_NAME }));
        };
        let mut segments = vec![first];
        let mut original = if data { "@".to_string() } else { String::new() };
        original.push_str(&segments[0]);
        self.advance();
        while self.tok == Tok::Sep {
            let sep = &self.src[self.tok_start..self.pos];
            original.push_str(sep);
            self.advance();
            let Tok::Id(seg) = self.tok.clone() else {
                return Err(self.error("'ID'"));
            };
            original.push_str(&seg);
            segments.push(seg);
            self.advance();
        }
        let maybe_key = param && !data && segments.len() == 1;
        if !(self.follows_name() || (maybe_key && self.tok == Tok::Equals)) {
            return Err(self.error(if maybe_key {
                EXPECT_AFTER_PARAM_ID
            } else {
                EXPECT_AFTER_ID
            }));
        }
        let mut parts = Vec::new();
        let mut scoped = data;
        for seg in segments {
            match seg.as_str() {
                ".." => scoped = true,
                "." | "this" if parts.is_empty() => scoped = true,
                "." | "this" => return Err(TagError::new(format!("Invalid path: {original}"))),
                _ => parts.push(seg),
            }
        }
        Ok(Expr::Path(Path {
            original,
            parts,
            scoped,
        }))
    }
}

impl Parser<'_> {
    /// Whether the lookahead may follow a complete name or parameter.
    fn follows_name(&self) -> bool {
        matches!(
            self.tok,
            Tok::Close(_)
                | Tok::CloseUnescaped(_)
                | Tok::CloseRawBlock
                | Tok::OpenSexpr
                | Tok::CloseSexpr
                | Tok::Id(_)
                | Tok::BlockParams
                | Tok::Str(_)
                | Tok::Num(_)
                | Tok::Bool(_)
                | Tok::Undefined
                | Tok::Null
                | Tok::Data
        )
    }
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx;
    impl Scope for Ctx {
        fn property(&self, name: &str) -> Value {
            match name {
                "branch" => Value::Func("branch"),
                "n" => Value::Num(5.0),
                "arr" => Value::List(vec![Value::Num(1.0), Value::Str("x".into())]),
                "date" => Value::Func("date"),
                _ => Value::Undefined,
            }
        }
        fn call(
            &self,
            name: &'static str,
            params: &[Value],
            hash: Option<&[(String, Value)]>,
        ) -> Result<Value, TagError> {
            Ok(Value::Str(match name {
                "branch" => "a&b".into(),
                _ => format!("D:{}:{}", params.len(), hash.map_or(0, <[_]>::len)),
            }))
        }
    }

    fn r(t: &str) -> String {
        render(t, &Ctx).unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn mustaches_escape_html_and_triple_stash_does_not() {
        assert_eq!(r("{{branch}}"), "a&amp;b");
        assert_eq!(r("{{{branch}}}"), "a&b");
        assert_eq!(r("{{&branch}}"), "a&b");
        assert_eq!(r("{{arr}}|{{n}}|{{missing}}|{{branch.length}}"), "1,x|5||0");
    }

    #[test]
    fn escaped_mustache_and_comments() {
        assert_eq!(r("\\{{branch}} {{branch}}"), "{{branch}} a&amp;b");
        assert_eq!(r("\\\\{{branch}}"), "\\a&amp;b");
        assert_eq!(r("{{!c}}x{{!-- y --}}"), "x");
        assert_eq!(r("a {{~ n ~}} b"), "a5b");
    }

    #[test]
    fn helper_calls_and_blocks() {
        assert_eq!(r("{{date 'YYYY' tz=\"x\"}}"), "D:1:1");
        assert_eq!(r("{{date (branch)}}"), "D:1:0");
        assert_eq!(
            r("{{#if branch}}y{{else}}n{{/if}}{{#unless n}}y{{else}}n{{/unless}}"),
            "yn"
        );
        assert_eq!(r("{{foo 'x'}}"), "ERR Missing helper: \"foo\"");
        assert_eq!(
            r("{{#if}}a{{/if}}"),
            "ERR #if requires exactly one argument"
        );
        assert_eq!(r("{{#if a}}x{{/else}}"), "ERR if doesn't match else - 1:3");
    }

    #[test]
    fn parse_errors_match_handlebars() {
        assert_eq!(
            r("{{version"),
            "ERR Parse error on line 1:\n{{version\n--^\nExpecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'INVALID'"
        );
        assert_eq!(
            r("{{ }}"),
            "ERR Parse error on line 1:\n{{ }}\n---^\nExpecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'CLOSE'"
        );
        assert_eq!(
            r("{{a b=c d}}"),
            "ERR Parse error on line 1:\n{{a b=c d}}\n---------^\nExpecting 'EQUALS', got 'CLOSE'"
        );
        assert_eq!(
            r("{{#if x}}a"),
            "ERR Parse error on line 1:\n{{#if x}}a\n----------^\nExpecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'"
        );
        assert_eq!(
            r("{{a}}\n{{"),
            "ERR Parse error on line 2:\n{{a}}{{\n-------^\nExpecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'EOF'"
        );
    }

    #[test]
    fn raw_statement_is_a_single_raw_mustache() {
        assert!(is_raw_statement("{{raw}}"));
        assert!(is_raw_statement("{{ raw }}"));
        assert!(is_raw_statement("{{{raw}}}"));
        assert!(!is_raw_statement("v{{raw}}"));
        assert!(!is_raw_statement("{{version}}"));
        assert!(!is_raw_statement("{{raw"));
    }
}
