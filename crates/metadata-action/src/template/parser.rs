//! Parsing tokens into the template's nodes (statements, blocks, calls, paths), failing
//! with Handlebars' own parse errors.

use super::lexer::{Lexer, Open, Tok};
use super::value::Value;
use crate::TagError;

#[derive(Clone, Debug)]
pub(super) enum Node {
    Text(Text),
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
        /// What renders when the condition holds, and what renders otherwise.
        program: Vec<Node>,
        inverse: Vec<Node>,
        tags: BlockTags,
    },
}

/// Text between tags: what it renders as after whitespace control, and as written.
#[derive(Clone, Debug)]
pub(super) struct Text {
    pub(super) value: String,
    pub(super) original: String,
    /// Whether standalone stripping already took its start (`right`) or end (`left`).
    pub(super) right_stripped: bool,
    pub(super) left_stripped: bool,
}

/// A block's tags as whitespace control sees them: the `~` of the opening, of the
/// `{{else}}`/`{{else if}}` (when there is one) and of the closing tag, as (left, right).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct BlockTags {
    pub(super) open: (bool, bool),
    pub(super) inverse: Option<(bool, bool)>,
    pub(super) close: (bool, bool),
    /// The inverse is one `{{else if}}` block.
    pub(super) chained: bool,
    /// `{{^name}}`: the program and inverse were swapped.
    pub(super) inverted: bool,
}

/// A helper name (or path) with its parameters and hash.
#[derive(Clone, Debug)]
pub(super) struct Call {
    pub(super) head: Expr,
    pub(super) params: Vec<Expr>,
    pub(super) hash: Option<Vec<(String, Expr)>>,
}

#[derive(Clone, Debug)]
pub(super) enum Expr {
    Path(Path),
    Literal(Value),
    Sub(Box<Call>),
}

#[derive(Clone, Debug)]
pub(super) struct Path {
    pub(super) original: String,
    pub(super) parts: Vec<String>,
    /// `this.x`, `./x`, `../x` or `@x`: never a helper.
    pub(super) scoped: bool,
}

impl Path {
    pub(super) fn is_simple(&self) -> bool {
        self.parts.len() == 1 && !self.scoped
    }
}

pub(super) struct Parser<'a> {
    lex: Lexer<'a>,
    /// The current lookahead token and where it starts.
    tok: Tok,
    tok_start: usize,
    /// Where the last consumed token ends (Handlebars counts error lines up to there).
    prev_end: usize,
    /// Open blocks and sub-expressions (bounded to keep recursion shallow).
    depth: usize,
}

/// How deeply blocks and sub-expressions may nest.
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        let mut p = Parser {
            lex: Lexer::new(src),
            tok: Tok::Eof,
            tok_start: 0,
            prev_end: 0,
            depth: 0,
        };
        p.advance();
        p
    }

    /// Parses statements up to the end of the input (`block` None) or of a block's program;
    /// `inverse` when that program follows `{{else}}` (only the block's end may follow).
    pub(super) fn parse_program(
        &mut self,
        block: Option<&str>,
        inverse: bool,
    ) -> Result<Vec<Node>, TagError> {
        let mut nodes = Vec::new();
        loop {
            match self.tok.clone() {
                Tok::Content(t) => {
                    nodes.push(Node::Text(Text {
                        value: t.clone(),
                        original: t,
                        right_stripped: false,
                        left_stripped: false,
                    }));
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
                        _ => return Err(self.error(&self.after_call(close, &expr, false))),
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
                        return Err(self.error(&self.after_call(
                            "'CLOSE_RAW_BLOCK'",
                            &expr,
                            false,
                        )));
                    }
                    // A raw block's content runs up to the next `{{{{`; without one, no
                    // lexer rule matches.
                    let rest = &self.lex.src[self.lex.pos..];
                    if rest.is_empty() {
                        return Err(self.raw_block_end_error());
                    }
                    if !rest.contains("{{{{") {
                        return Err(self.lexical_error(self.lex.pos));
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

    fn advance(&mut self) {
        self.prev_end = self.lex.pos;
        let (tok, start) = self.lex.next_token();
        self.tok = tok;
        self.tok_start = start;
    }

    fn error(&self, expected: &str) -> TagError {
        let past = self.past(self.tok_start);
        let past = past.as_str();
        let line = self.lex.src[..self.prev_end].matches('\n').count() + 1;
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
            self.lex.src[self.tok_start..].chars().take(20).collect()
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

    /// The text before `at` as Handlebars' lexer shows it (see [`Lexer::echoes`]).
    fn past(&self, at: usize) -> String {
        let src = self.lex.src;
        let mut past = String::new();
        let mut from = 0;
        for &(pos, len) in self.lex.echoes.iter().filter(|&&(pos, _)| pos <= at) {
            past.push_str(&src[from..pos]);
            past.push_str(&src[pos..pos + len]);
            from = pos;
        }
        past.push_str(&src[from..at]);
        past
    }

    /// The lexer's error for text no rule matches at `at`.
    fn lexical_error(&self, at: usize) -> TagError {
        let src = self.lex.src;
        let pre = self.shown_past(at);
        // Nothing matched, so the upcoming text is the next 20 characters, never marked as cut.
        let upcoming: String = src[at..]
            .chars()
            .take(20)
            .collect::<String>()
            .replace('\n', "");
        TagError::new(format!(
            "Lexical error on line {}. Unrecognized text.\n{pre}{upcoming}\n{}^",
            src[..at].matches('\n').count() + 1,
            "-".repeat(pre.chars().count())
        ))
    }

    /// The parser's error when the input ends right after a raw block's opening (jison
    /// names the end token `1` there).
    fn raw_block_end_error(&self) -> TagError {
        let src = self.lex.src;
        let pre = self.shown_past(src.len());
        TagError::new(format!(
            "Parse error on line {}:\n{pre}\n{}^\nExpecting 'CONTENT', 'END_RAW_BLOCK', got '1'",
            src.matches('\n').count() + 1,
            "-".repeat(pre.chars().count())
        ))
    }

    /// The text before `at` as an error shows it: its last 20 characters (after `...` when
    /// cut), without line breaks.
    fn shown_past(&self, at: usize) -> String {
        let past: Vec<char> = self.past(at).chars().collect();
        if past.len() > 20 {
            format!("...{}", past[past.len() - 20..].iter().collect::<String>())
        } else {
            past.iter().collect()
        }
        .replace('\n', "")
    }

    fn token_text(&self) -> &str {
        &self.lex.src[self.tok_start..self.lex.pos.max(self.tok_start)]
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
        let Tok::Close(open_r) = self.tok else {
            return Err(self.error(&self.after_call("'CLOSE'", &expr, expr.hash.is_none())));
        };
        self.advance();
        let open_name = match &expr.head {
            Expr::Path(p) => p.original.clone(),
            _ => String::new(),
        };
        let mut tags = BlockTags {
            open: (strip_l, open_r),
            inverted,
            ..BlockTags::default()
        };
        let mut program = self.parse_program(Some(&open_name), false)?;
        let mut inverse = Vec::new();
        match self.tok.clone() {
            Tok::Inverse(l, r) => {
                tags.inverse = Some((l, r));
                self.advance();
                inverse = self.parse_program(Some(&open_name), true)?;
            }
            Tok::Open(Open::InverseChain, s) => {
                // `{{else if x}}...`: a nested block that shares this block's end.
                let chained = self.parse_chain(s)?;
                if let Node::Block { tags: chain, .. } = &chained {
                    tags.inverse = Some(chain.open);
                }
                tags.chained = true;
                inverse.push(chained);
                if inverted {
                    std::mem::swap(&mut program, &mut inverse);
                }
                return self.finish_block(expr, program, inverse, tags, &open_name, name_start);
            }
            _ => {}
        }
        if inverted {
            std::mem::swap(&mut program, &mut inverse);
        }
        self.finish_block(expr, program, inverse, tags, &open_name, name_start)
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
            return Err(self.error(&self.after_call("'CLOSE'", &expr, expr.hash.is_none())));
        };
        self.advance();
        let program = self.parse_program(Some(""), false)?;
        let mut inverse = Vec::new();
        let mut tags = BlockTags {
            open: (strip_l, strip_r),
            ..BlockTags::default()
        };
        match self.tok.clone() {
            Tok::Inverse(l, r) => {
                tags.inverse = Some((l, r));
                self.advance();
                inverse = self.parse_program(Some(""), true)?;
            }
            Tok::Open(Open::InverseChain, s) => {
                let mut chained = self.parse_chain(s)?;
                if let Node::Block { tags: chain, .. } = &mut chained {
                    tags.inverse = Some(chain.open);
                    // Handlebars gives a block chained in a chained block its own opening
                    // as its closing.
                    chain.close = chain.open;
                }
                tags.chained = true;
                inverse.push(chained);
            }
            _ => {}
        }
        Ok(Node::Block {
            expr,
            program,
            inverse,
            tags,
        })
    }

    fn finish_block(
        &mut self,
        expr: Call,
        program: Vec<Node>,
        mut inverse: Vec<Node>,
        mut tags: BlockTags,
        open_name: &str,
        name_start: usize,
    ) -> Result<Node, TagError> {
        let Tok::Open(Open::EndBlock, close_l) = self.tok else {
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
            return Err(self.error("'CLOSE'"));
        };
        if close != open_name {
            let line = self.lex.src[..name_start].matches('\n').count() + 1;
            let col = self.lex.src[..name_start]
                .rsplit('\n')
                .next()
                .map_or(0, |l| l.chars().count());
            return Err(TagError::new(format!(
                "{open_name} doesn't match {close} - {line}:{col}"
            )));
        }
        self.advance();
        tags.close = (close_l, strip_r);
        if tags.chained
            && let Some(Node::Block { tags: chain, .. }) = inverse.first_mut()
        {
            chain.close = tags.close;
        }
        Ok(Node::Block {
            expr,
            program,
            inverse,
            tags,
        })
    }

    fn after_name(&self, close: &str) -> String {
        format!(
            "{close}, 'OPEN_SEXPR', 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA'"
        )
    }

    /// What the parser expects after `call` when a token ends it that is not `close`: once
    /// a hash ended, only `close` (the parser has reduced the hash); else another parameter,
    /// and in a block's opening also block parameters.
    fn after_call(&self, close: &str, call: &Call, block: bool) -> String {
        match (&call.hash, block) {
            (Some(_), _) => close.to_string(),
            (None, false) => self.after_name(close),
            (None, true) => format!(
                "{close}, 'OPEN_SEXPR', 'ID', 'OPEN_BLOCK_PARAMS', 'STRING', 'NUMBER', 'BOOLEAN', \
                 'UNDEFINED', 'NULL', 'DATA'"
            ),
        }
    }

    /// `helperName param* hash?` (the caller checks the closing token).
    fn parse_call(&mut self, close: &str) -> Result<Call, TagError> {
        let head = self.parse_name(false)?;
        let mut params = Vec::new();
        let mut hash: Option<Vec<(String, Expr)>> = None;
        loop {
            if let Tok::Id(key) = self.tok.clone() {
                // `key=` starts (or continues) the hash.
                let save = (
                    self.lex.clone(),
                    self.tok.clone(),
                    self.tok_start,
                    self.prev_end,
                );
                self.advance();
                if self.tok == Tok::Equals {
                    self.advance();
                    let value = self.parse_param()?;
                    hash.get_or_insert_with(Vec::new).push((key, value));
                    continue;
                }
                (self.lex, self.tok, self.tok_start, self.prev_end) = save;
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
                return Err(self.error(&self.after_call("'CLOSE_SEXPR'", &call, false)));
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
            let sep = &self.lex.src[self.tok_start..self.lex.pos];
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
