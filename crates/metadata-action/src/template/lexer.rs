//! Lexing a template into Handlebars' tokens (with the token names its parse errors use).

use crate::js;

/// The lexer: Handlebars' two modes (content, and inside a mustache), with `\{{` escapes.
#[derive(Clone)]
pub(super) struct Lexer<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
    pub(super) in_mustache: bool,
    /// Where each `{{!--` comment starts and the length of its opening but one character:
    /// Handlebars' lexer puts the opening back with jison's `unput`, which takes only one
    /// character off the text it shows as already read, so parse errors show that text twice.
    pub(super) echoes: Vec<(usize, usize)>,
    /// Text after a `\{{` escape runs up to the next `{{` as plain content.
    escaped_content: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
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
pub(super) enum Open {
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
    pub(super) fn name(&self) -> &'static str {
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

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            in_mustache: false,
            echoes: Vec::new(),
            escaped_content: false,
        }
    }

    /// The next token and where it starts.
    pub(super) fn next_token(&mut self) -> (Tok, usize) {
        if self.in_mustache {
            self.lex_mustache()
        } else {
            self.lex_content()
        }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
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
                self.echoes.push((start, consumed(body) - 1));
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
}

pub(super) fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}
