//! Reading `run:` scripts statically: variable assignments, values written to
//! `$GITHUB_ENV` and `$GITHUB_OUTPUT` (and `::set-output`), `docker build|push|tag`,
//! `docker buildx build` and `docker buildx imagetools create`, `for` loops over literal
//! words, and the usual lowercasing idioms: `$(echo X | tr '[:upper:]' '[:lower:]')`,
//! `tr A-Z a-z`, `${x,,}`, `awk '{print tolower($0)}'`.
//!
//! This is not a shell: both branches of an `if` run in order, and whatever cannot be
//! known statically (a command's output other than those idioms) becomes an unknown part
//! ([`super::expr::UNKNOWN`]). The script is read once, left to right; loops expand at
//! most [`MAX_LOOP`] values and nest at most [`MAX_NEST`] deep.

use std::collections::HashMap;
use std::ops::Range;

use super::expr::{Text, UNKNOWN};

/// Most values one `for` loop expands.
pub const MAX_LOOP: usize = 64;
/// Deepest nesting of loops and command substitutions.
pub const MAX_NEST: usize = 8;
/// Most commands read per script, loop iterations included.
pub const MAX_COMMANDS: usize = 20_000;

/// What the script's environment provides.
pub trait Env {
    /// A variable not assigned in the script (the step's `env`, earlier `$GITHUB_ENV`).
    fn var(&self, name: &str) -> Option<Text>;
    /// A `${{ … }}` expression (GitHub substitutes them before the shell runs).
    fn expr(&self, src: &str) -> Text;
    /// Records a definition of a value: `range` (bytes in the script) holds `raw`.
    fn define(&self, range: Range<usize>, raw: &str, value: &Text) -> Text;
}

/// What a script does that matters for images.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    /// `NAME=value` written to `$GITHUB_ENV`.
    pub env: Vec<(String, Text)>,
    /// `name=value` written to `$GITHUB_OUTPUT`.
    pub outputs: Vec<(String, Text)>,
    /// docker commands, in order.
    pub docker: Vec<Docker>,
}

/// One docker command and the byte offset of its first word in the script.
#[derive(Debug, Clone)]
pub struct Docker {
    pub offset: usize,
    pub kind: DockerKind,
}

/// The docker commands read.
#[derive(Debug, Clone)]
pub enum DockerKind {
    /// `docker build` / `docker buildx build`.
    Build {
        tags: Vec<Text>,
        platforms: Vec<String>,
        context: Option<String>,
        file: Option<String>,
        target: Option<String>,
        build_args: Vec<(String, String)>,
        /// `--push` or `--output type=image,push=true`.
        push: bool,
    },
    /// `docker push REF`.
    Push(Text),
    /// `docker tag SRC DST`.
    Tag(Text, Text),
    /// `docker buildx imagetools create -t T... SRC...`.
    Imagetools { tags: Vec<Text>, sources: Vec<Text> },
}

/// Reads `script`.
pub fn read(script: &str, env: &dyn Env) -> Effects {
    let tokens = tokenize(script);
    let commands = split(&tokens);
    let mut st = State {
        src: script,
        env,
        vars: HashMap::new(),
        fx: Effects::default(),
        budget: MAX_COMMANDS,
    };
    st.run(&commands, 0);
    st.fx
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(Range<usize>),
    /// `;`, `&&`, `||`, `&`, newline: ends a command.
    Sep,
    /// `|`.
    Pipe,
    /// `>`, `>>`, `<`, `2>`, `&>`... followed by its target word.
    Redir(String),
}

/// One simple command of a pipeline: words and redirections.
#[derive(Debug, Clone, Default)]
struct Cmd {
    words: Vec<Range<usize>>,
    redirs: Vec<(String, Range<usize>)>,
    /// Later commands of the same pipeline.
    piped: Vec<Cmd>,
}

fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut heredocs: Vec<String> = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                out.push(Tok::Sep);
                i += 1;
                for delim in heredocs.drain(..) {
                    while i < b.len() {
                        let end = s[i..].find('\n').map_or(b.len(), |e| i + e);
                        let line = s[i..end].trim();
                        i = (end + 1).min(b.len());
                        if line == delim {
                            break;
                        }
                    }
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b';' | b'(' | b')' => {
                out.push(Tok::Sep);
                i += 1;
            }
            b'&' if b.get(i + 1) == Some(&b'&') => {
                out.push(Tok::Sep);
                i += 2;
            }
            b'&' if b.get(i + 1) == Some(&b'>') => {
                let n = if b.get(i + 2) == Some(&b'>') { 3 } else { 2 };
                out.push(Tok::Redir(s[i..i + n].to_string()));
                i += n;
            }
            b'&' => {
                out.push(Tok::Sep);
                i += 1;
            }
            b'|' if b.get(i + 1) == Some(&b'|') => {
                out.push(Tok::Sep);
                i += 2;
            }
            b'|' => {
                out.push(Tok::Pipe);
                i += 1;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                // Heredoc: its body (from the next line to the delimiter) is skipped.
                i += 2;
                if b.get(i) == Some(&b'-') {
                    i += 1;
                }
                while i < b.len() && b[i] == b' ' {
                    i += 1;
                }
                let start = i;
                i = word_end(b, i);
                let delim: String = s[start..i]
                    .chars()
                    .filter(|c| !matches!(c, '\'' | '"'))
                    .collect();
                if !delim.is_empty() {
                    heredocs.push(delim);
                }
            }
            b'>' | b'<' => {
                let mut n = 1;
                if matches!(b.get(i + 1), Some(b'>') | Some(b'&')) {
                    n = 2;
                }
                out.push(Tok::Redir(s[i..i + n].to_string()));
                i += n;
            }
            b'0'..=b'9' if b.get(i + 1) == Some(&b'>') => {
                let n = if b.get(i + 2) == Some(&b'>') || b.get(i + 2) == Some(&b'&') {
                    3
                } else {
                    2
                };
                out.push(Tok::Redir(s[i..i + n].to_string()));
                i += n;
            }
            _ => {
                let start = i;
                i = word_end(b, i).max(i + 1);
                out.push(Tok::Word(start..i));
            }
        }
    }
    out
}

/// The end of the word starting at `i`: quotes, `$( )`, `${ }`, `${{ }}` and backticks
/// are kept whole.
fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => {
                return i;
            }
            b'\\' => i += 2,
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if b[i] == b'$' && matches!(b.get(i + 1), Some(b'(') | Some(b'{')) {
                        i = dollar_end(b, i);
                        continue;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
                i += 1;
            }
            b'$' if matches!(b.get(i + 1), Some(b'(') | Some(b'{')) => i = dollar_end(b, i),
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of `$(…)`, `${…}` or `${{ … }}` starting at `i` (nesting and quotes followed).
fn dollar_end(b: &[u8], i: usize) -> usize {
    let (open, close) = if b.get(i + 1) == Some(&b'(') {
        (b'(', b')')
    } else {
        (b'{', b'}')
    };
    let mut depth = 0usize;
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            b'\'' if open == b'(' => {
                j += 1;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
            }
            b'\\' => j += 1,
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// Groups tokens into commands (pipelines kept together).
fn split(tokens: &[Tok]) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut pipeline: Vec<Cmd> = Vec::new();
    let mut cur = Cmd::default();
    let mut it = tokens.iter().peekable();
    let flush = |pipeline: &mut Vec<Cmd>, cur: &mut Cmd, out: &mut Vec<Cmd>| {
        pipeline.push(std::mem::take(cur));
        let mut first = pipeline.remove(0);
        first.piped = std::mem::take(pipeline);
        if !first.words.is_empty() || !first.redirs.is_empty() {
            out.push(first);
        }
    };
    while let Some(t) = it.next() {
        match t {
            Tok::Word(r) => cur.words.push(r.clone()),
            Tok::Redir(op) => {
                if let Some(Tok::Word(r)) = it.peek() {
                    cur.redirs.push((op.clone(), r.clone()));
                    it.next();
                }
            }
            Tok::Pipe => pipeline.push(std::mem::take(&mut cur)),
            Tok::Sep => flush(&mut pipeline, &mut cur, &mut out),
        }
    }
    flush(&mut pipeline, &mut cur, &mut out);
    out
}

struct State<'a> {
    src: &'a str,
    env: &'a dyn Env,
    vars: HashMap<String, Text>,
    fx: Effects,
    /// Commands left to run (loops multiply them).
    budget: usize,
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "{", "}", "!", "while", "until", "time",
];

impl State<'_> {
    fn raw(&self, r: &Range<usize>) -> &str {
        &self.src[r.clone()]
    }

    fn run(&mut self, cmds: &[Cmd], nest: usize) {
        let mut i = 0;
        while i < cmds.len() {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            let cmd = &cmds[i];
            let mut words: &[Range<usize>] = &cmd.words;
            while let Some(w) = words.first() {
                if KEYWORDS.contains(&self.raw(w)) {
                    words = &words[1..];
                } else {
                    break;
                }
            }
            if words.first().map(|w| self.raw(w)) == Some("for") {
                i = self.for_loop(cmds, i, words, nest);
                continue;
            }
            self.command(cmd, words, nest);
            i += 1;
        }
    }

    /// Runs the loop starting at command `i` (`for VAR in WORDS`), returns the index after
    /// its `done`.
    fn for_loop(&mut self, cmds: &[Cmd], i: usize, words: &[Range<usize>], nest: usize) -> usize {
        let var = words.get(1).map(|w| self.raw(w).to_string());
        let values: Vec<Text> = if words.get(2).map(|w| self.raw(w)) == Some("in") {
            words[3..]
                .iter()
                .take(MAX_LOOP)
                .map(|w| self.word(w, nest))
                .collect()
        } else {
            Vec::new()
        };
        // The body: from the command after the header to the matching `done`.
        let mut depth = 1usize;
        let mut end = i + 1;
        while end < cmds.len() {
            let first = cmds[end].words.first().map(|w| self.raw(w));
            let last = cmds[end].words.last().map(|w| self.raw(w));
            if first == Some("for") || first == Some("while") || first == Some("until") {
                depth += 1;
            }
            if first == Some("done") || last == Some("done") {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            end += 1;
        }
        let body: Vec<Cmd> = cmds[(i + 1).min(cmds.len())..end.min(cmds.len())].to_vec();
        if let Some(var) = var.filter(|_| nest < MAX_NEST) {
            for v in values {
                // Each value splits into words as the shell would.
                let parts: Vec<String> = v.text.split_whitespace().map(str::to_string).collect();
                for p in parts {
                    let mut t = v.clone();
                    t.text = p;
                    self.vars.insert(var.clone(), t);
                    self.run(&body, nest + 1);
                }
            }
        }
        end + 1
    }

    fn command(&mut self, cmd: &Cmd, words: &[Range<usize>], nest: usize) {
        let mut words = words;
        // Assignments (`X=v`, `export X=v`, `local X=v`).
        while let Some(first) = words.first() {
            let raw = self.raw(first);
            if matches!(raw, "export" | "local" | "declare" | "readonly" | "typeset") {
                words = &words[1..];
                for w in words {
                    self.assign(w, nest);
                }
                return;
            }
            if is_assignment(raw) {
                self.assign(first, nest);
                words = &words[1..];
            } else {
                break;
            }
        }
        let Some(first) = words.first() else { return };
        let name = self.raw(first).to_string();
        match name.as_str() {
            "echo" | "printf" => self.echo(cmd, words, nest),
            "docker" => self.docker(words, nest),
            _ => {}
        }
    }

    fn assign(&mut self, w: &Range<usize>, nest: usize) {
        let raw = self.raw(w);
        let Some(eq) = raw.find('=') else { return };
        let name = raw[..eq].trim_end_matches('+').to_string();
        if !is_name(&name) {
            return;
        }
        let vr = w.start + eq + 1..w.end;
        let value = self.word(&vr, nest);
        let value = self.env.define(vr.clone(), self.raw(&vr), &value);
        self.vars.insert(name, value);
    }

    /// `echo "X=v" >> $GITHUB_ENV`, `echo "x=v" >> "$GITHUB_OUTPUT"`,
    /// `echo "::set-output name=x::v"`.
    fn echo(&mut self, cmd: &Cmd, words: &[Range<usize>], nest: usize) {
        let args: Vec<&Range<usize>> = words[1..]
            .iter()
            .filter(|w| !self.raw(w).starts_with('-'))
            .collect();
        let mut target = cmd
            .redirs
            .iter()
            .find(|(op, _)| op == ">>" || op == ">")
            .map(|(_, r)| self.raw(r).to_string());
        for p in &cmd.piped {
            if p.words.first().map(|w| self.raw(w)) == Some("tee") {
                target = p.words.last().map(|w| self.raw(w).to_string());
            }
        }
        let which = target
            .as_deref()
            .map(|t| t.trim_matches(['"', '{', '}', '$']));
        let which = match which {
            Some("GITHUB_ENV") => Some(true),
            Some("GITHUB_OUTPUT") => Some(false),
            _ => None,
        };
        // printf 'X=%s\n' "$v": the format's `%s` take the arguments.
        let is_printf = self.raw(&words[0]) == "printf";
        let (span, text) = if is_printf && args.len() > 1 {
            let fmt = self.word(args[0], nest);
            let rest: Vec<Text> = args[1..].iter().map(|a| self.word(a, nest)).collect();
            let mut out = Text::default();
            let mut pieces = fmt.text.split("%s");
            out.push(Text::lit(pieces.next().unwrap_or_default()));
            for (i, p) in pieces.enumerate() {
                if let Some(a) = rest.get(i) {
                    out.push(a.clone());
                }
                out.push(Text::lit(p));
            }
            out.text = out.text.replace("\\n", "");
            (args[0].start..args[args.len() - 1].end, out)
        } else if let (Some(a), Some(b)) = (args.first(), args.last()) {
            let mut out = Text::default();
            for (i, w) in args.iter().enumerate() {
                if i > 0 {
                    out.push(Text::lit(" "));
                }
                out.push(self.word(w, nest));
            }
            (a.start..b.end, out)
        } else {
            return;
        };
        if let Some(rest) = text.text.strip_prefix("::set-output name=") {
            if let Some((k, v)) = rest.split_once("::") {
                let mut value = text.clone();
                value.text = v.to_string();
                let value = self.env.define(span.clone(), self.raw(&span), &value);
                self.fx.outputs.push((k.to_string(), value));
            }
            return;
        }
        let Some(is_env) = which else { return };
        let Some((k, v)) = text.text.split_once('=') else {
            return;
        };
        if !is_name(k) {
            return;
        }
        let mut value = text.clone();
        value.text = v.trim_end_matches('\n').to_string();
        let value = self.env.define(span.clone(), self.raw(&span), &value);
        if is_env {
            self.vars.insert(k.to_string(), value.clone());
            self.fx.env.push((k.to_string(), value));
        } else {
            self.fx.outputs.push((k.to_string(), value));
        }
    }

    fn docker(&mut self, words: &[Range<usize>], nest: usize) {
        let offset = words[0].start;
        let raw: Vec<&str> = words.iter().map(|w| self.raw(w)).collect();
        let sub: Vec<&str> = raw[1..]
            .iter()
            .copied()
            .take_while(|w| !w.starts_with('-'))
            .take(3)
            .collect();
        let (kind, rest) = match sub.as_slice() {
            ["buildx", "imagetools", "create", ..] => ("imagetools", 4),
            ["buildx", "build", ..] | ["image", "build", ..] => ("build", 3),
            ["build", ..] => ("build", 2),
            ["push", ..] | ["image", "push", ..] => ("push", if sub[0] == "image" { 3 } else { 2 }),
            ["tag", ..] | ["image", "tag", ..] => ("tag", if sub[0] == "image" { 3 } else { 2 }),
            _ => return,
        };
        let args = &words[rest.min(words.len())..];
        let kind = match kind {
            "build" => self.build(args, nest),
            "imagetools" => {
                let (opts, pos) = self.options(args, nest, IMAGETOOLS_VALUE_FLAGS);
                let tags = opts
                    .iter()
                    .filter(|(f, _)| f == "-t" || f == "--tag")
                    .map(|(_, v)| v.clone())
                    .collect();
                DockerKind::Imagetools { tags, sources: pos }
            }
            "push" => {
                let (_, pos) = self.options(args, nest, &[]);
                match pos.into_iter().next() {
                    Some(r) => DockerKind::Push(r),
                    None => return,
                }
            }
            _ => {
                let (_, pos) = self.options(args, nest, &[]);
                let mut it = pos.into_iter();
                match (it.next(), it.next()) {
                    (Some(a), Some(b)) => DockerKind::Tag(a, b),
                    _ => return,
                }
            }
        };
        self.fx.docker.push(Docker { offset, kind });
    }

    fn build(&mut self, args: &[Range<usize>], nest: usize) -> DockerKind {
        let (opts, pos) = self.options(args, nest, BUILD_VALUE_FLAGS);
        let mut tags = Vec::new();
        let mut platforms = Vec::new();
        let mut file = None;
        let mut target = None;
        let mut build_args = Vec::new();
        let mut push = false;
        for (flag, v) in opts {
            match flag.as_str() {
                "-t" | "--tag" => tags.push(v),
                "--platform" => platforms.extend(
                    v.text
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string),
                ),
                "-f" | "--file" => file = Some(v.text),
                "--target" => target = Some(v.text),
                "--build-arg" => {
                    if let Some((k, val)) = v.text.split_once('=') {
                        build_args.push((k.to_string(), val.to_string()));
                    }
                }
                "--push" => push = true,
                "-o" | "--output" => {
                    push |= v.text.contains("push=true") || v.text.starts_with("type=registry")
                }
                _ => {}
            }
        }
        DockerKind::Build {
            tags,
            platforms,
            context: pos.first().map(|t| t.text.clone()),
            file,
            target,
            build_args,
            push,
        }
    }

    /// Splits arguments into `(flag, value)` pairs (flags in `with_value` take the next
    /// word unless written `--flag=value`) and positional words.
    fn options(
        &mut self,
        args: &[Range<usize>],
        nest: usize,
        with_value: &[&str],
    ) -> (Vec<(String, Text)>, Vec<Text>) {
        let mut opts = Vec::new();
        let mut pos = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let raw = self.raw(&args[i]).to_string();
            if raw.starts_with('-') && raw.len() > 1 {
                if let Some((f, _)) = raw.split_once('=') {
                    let start = args[i].start + f.len() + 1;
                    let v = self.defined(&(start..args[i].end), nest);
                    opts.push((f.to_string(), v));
                } else if with_value.contains(&raw.as_str()) {
                    let v = args
                        .get(i + 1)
                        .map(|w| self.defined(w, nest))
                        .unwrap_or_default();
                    opts.push((raw, v));
                    i += 1;
                } else {
                    opts.push((raw, Text::default()));
                }
            } else {
                let t = self.defined(&args[i], nest);
                // An unquoted `$(…)` or `$VAR` holding several words splits.
                if t.is_known() && t.text.contains(' ') && !raw.starts_with('"') {
                    for part in t.text.split_whitespace() {
                        let mut p = t.clone();
                        p.text = part.to_string();
                        pos.push(p);
                    }
                } else {
                    pos.push(t);
                }
            }
            i += 1;
        }
        (opts, pos)
    }

    /// Evaluates one word and records it as a definition (a docker argument).
    fn defined(&self, r: &Range<usize>, nest: usize) -> Text {
        let v = self.word(r, nest);
        self.env.define(r.clone(), self.raw(r), &v)
    }

    /// Evaluates one word.
    fn word(&self, r: &Range<usize>, nest: usize) -> Text {
        let s = &self.src[r.clone()];
        let b = s.as_bytes();
        let mut out = Text::default();
        let mut lit = String::new();
        let mut i = 0;
        let mut dq = false;
        let flush = |lit: &mut String, out: &mut Text| {
            if !lit.is_empty() {
                out.push(Text::lit(lit));
                lit.clear();
            }
        };
        while i < b.len() {
            let c = b[i];
            match c {
                b'"' => {
                    dq = !dq;
                    i += 1;
                }
                b'\'' if !dq => {
                    let end = s[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e);
                    lit.push_str(&s[i + 1..end]);
                    i = end + 1;
                }
                b'\\' => {
                    if let Some(ch) = s[i + 1..].chars().next() {
                        lit.push(ch);
                        i += 1 + ch.len_utf8();
                    } else {
                        i += 1;
                    }
                }
                b'$' if s[i..].starts_with("${{") => {
                    flush(&mut lit, &mut out);
                    let inner = &s[i + 3..];
                    match super::expr::find_close(inner) {
                        Some(e) => {
                            out.push(self.env.expr(&inner[..e]));
                            i += 3 + e + 2;
                        }
                        None => {
                            lit.push_str(&s[i..]);
                            i = b.len();
                        }
                    }
                }
                b'$' if b.get(i + 1) == Some(&b'(') => {
                    flush(&mut lit, &mut out);
                    let end = dollar_end(b, i).min(b.len());
                    let inner_start = r.start + i + 2;
                    let inner_end = (r.start + end).saturating_sub(1).max(inner_start);
                    out.push(self.substitute(inner_start..inner_end, nest));
                    i = end;
                }
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    flush(&mut lit, &mut out);
                    let end = dollar_end(b, i).min(b.len());
                    let inner = &s[i + 2..end.saturating_sub(1).max(i + 2)];
                    out.push(self.param(inner));
                    i = end;
                }
                b'$' if b
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') =>
                {
                    flush(&mut lit, &mut out);
                    let start = i + 1;
                    let mut j = start;
                    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                        j += 1;
                    }
                    out.push(self.var(&s[start..j]));
                    i = j;
                }
                b'`' => {
                    flush(&mut lit, &mut out);
                    let end = s[i + 1..].find('`').map_or(b.len(), |e| i + 1 + e);
                    out.push(self.substitute(r.start + i + 1..r.start + end, nest));
                    i = end + 1;
                }
                _ => {
                    let ch = s[i..].chars().next().unwrap_or(' ');
                    lit.push(ch);
                    i += ch.len_utf8();
                }
            }
        }
        flush(&mut lit, &mut out);
        out
    }

    fn var(&self, name: &str) -> Text {
        self.vars
            .get(name)
            .cloned()
            .or_else(|| self.env.var(name))
            .unwrap_or_else(|| unknown(&format!("${name}")))
    }

    /// `${X}`, `${X,,}`, `${X^^}`, `${X:-default}`, `${X//a/b}` (unknown).
    fn param(&self, inner: &str) -> Text {
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, op) = inner.split_at(name_end);
        match op {
            "" => self.var(name),
            ",," => self.var(name).lowercased(),
            "^^" => {
                let mut t = self.var(name);
                t.text = t.text.to_uppercase();
                t
            }
            _ if op.starts_with(":-") || op.starts_with('-') => {
                let default = op.trim_start_matches(':').trim_start_matches('-');
                let v = self.vars.get(name).cloned().or_else(|| self.env.var(name));
                match v {
                    Some(v) if !v.text.is_empty() => v,
                    _ => Text::lit(default),
                }
            }
            _ => unknown(&format!("${{{inner}}}")),
        }
    }

    /// `$( … )`: `echo X | tr '[:upper:]' '[:lower:]'`, `tr A-Z a-z`,
    /// `awk '{print tolower($0)}'`; anything else is unknown.
    fn substitute(&self, r: Range<usize>, nest: usize) -> Text {
        let src = &self.src[r.clone()];
        if nest >= MAX_NEST {
            return unknown(src);
        }
        let tokens: Vec<Tok> = tokenize(src)
            .into_iter()
            .map(|t| match t {
                Tok::Word(w) => Tok::Word(w.start + r.start..w.end + r.start),
                Tok::Redir(o) => Tok::Redir(o),
                other => other,
            })
            .collect();
        let cmds = split(&tokens);
        let [cmd] = cmds.as_slice() else {
            return unknown(src);
        };
        let head = cmd.words.first().map(|w| self.raw(w));
        let mut value = match head {
            Some("echo") | Some("printf") => {
                let args: Vec<&Range<usize>> = cmd.words[1..]
                    .iter()
                    .filter(|w| !self.raw(w).starts_with('-'))
                    .collect();
                let mut t = Text::default();
                for (i, w) in args.iter().enumerate() {
                    if i > 0 {
                        t.push(Text::lit(" "));
                    }
                    t.push(self.word(w, nest + 1));
                }
                if head == Some("printf") {
                    t.text = t.text.replace("%s", "").replace("\\n", "");
                }
                t
            }
            _ => return unknown(src),
        };
        for p in &cmd.piped {
            let words: Vec<String> = p
                .words
                .iter()
                .map(|w| self.word(w, nest + 1).text)
                .collect();
            let w: Vec<&str> = words.iter().map(String::as_str).collect();
            value = match w.as_slice() {
                ["tr", from, to] if is_upper_set(from) && is_lower_set(to) => value.lowercased(),
                ["awk", prog] | ["awk", "-F", _, prog] if prog.contains("tolower(") => {
                    value.lowercased()
                }
                ["sed", .., prog] if prog.contains("\\L") => value.lowercased(),
                ["tr", "-d", set] if set.contains("\\n") || *set == "\n" => value,
                _ => return unknown(src),
            };
        }
        value
    }
}

/// Flags of `docker build` / `buildx build` taking a value.
const BUILD_VALUE_FLAGS: &[&str] = &[
    "-t",
    "--tag",
    "--platform",
    "-f",
    "--file",
    "--target",
    "--build-arg",
    "-o",
    "--output",
    "--cache-from",
    "--cache-to",
    "--label",
    "--secret",
    "--ssh",
    "--progress",
    "--metadata-file",
    "--iidfile",
    "--build-context",
    "--network",
    "--builder",
    "--annotation",
    "--attest",
    "--add-host",
    "--shm-size",
    "--ulimit",
    "--allow",
    "--call",
];

/// Flags of `imagetools create` taking a value.
const IMAGETOOLS_VALUE_FLAGS: &[&str] =
    &["-t", "--tag", "-f", "--file", "--annotation", "--builder"];

fn unknown(what: &str) -> Text {
    Text {
        text: UNKNOWN.to_string(),
        unknown: vec![what.to_string()],
        ..Text::default()
    }
}

fn is_upper_set(s: &str) -> bool {
    matches!(s, "[:upper:]" | "A-Z" | "[A-Z]" | "'[:upper:]'")
}

fn is_lower_set(s: &str) -> bool {
    matches!(s, "[:lower:]" | "a-z" | "[a-z]")
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|f| f.is_ascii_alphanumeric() || f == '_')
}

fn is_assignment(raw: &str) -> bool {
    raw.find('=')
        .is_some_and(|eq| eq > 0 && is_name(raw[..eq].trim_end_matches('+')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct E {
        defs: RefCell<Vec<String>>,
    }
    impl Env for E {
        fn var(&self, name: &str) -> Option<Text> {
            (name == "OWNER").then(|| Text {
                github: true,
                raw_github: true,
                ..Text::lit("Acme")
            })
        }
        fn expr(&self, src: &str) -> Text {
            match src.trim() {
                "github.repository" => Text {
                    github: true,
                    raw_github: true,
                    ..Text::lit("Acme/App")
                },
                other => unknown(other),
            }
        }
        fn define(&self, _: Range<usize>, raw: &str, value: &Text) -> Text {
            self.defs.borrow_mut().push(raw.to_string());
            value.clone()
        }
    }

    fn run(s: &str) -> (Effects, Vec<String>) {
        let e = E {
            defs: RefCell::new(Vec::new()),
        };
        let fx = read(s, &e);
        (fx, e.defs.into_inner())
    }

    #[test]
    fn tr_lowercasing_into_github_env() {
        let (fx, defs) = run(
            "echo \"IMAGE=$(echo ghcr.io/${{ github.repository }} | tr '[:upper:]' '[:lower:]')\" >> $GITHUB_ENV\n",
        );
        assert_eq!(fx.env[0].0, "IMAGE");
        assert_eq!(fx.env[0].1.text, "ghcr.io/acme/app");
        assert!(!fx.env[0].1.raw_github);
        assert_eq!(defs.len(), 1);
    }

    #[test]
    fn parameter_lowercasing_into_step_output() {
        let (fx, _) = run(
            "repo_name=\"${{ github.repository }}\"\necho \"name=${repo_name,,}\" >> \"$GITHUB_OUTPUT\"\n",
        );
        assert_eq!(fx.outputs[0], ("name".to_string(), fx.outputs[0].1.clone()));
        assert_eq!(fx.outputs[0].1.text, "acme/app");
    }

    #[test]
    fn awk_and_tr_ranges_lowercase() {
        let (fx, _) = run(
            "X=$(echo \"$OWNER\" | awk '{print tolower($0)}')\nY=`echo $OWNER | tr A-Z a-z`\necho \"X=$X-$Y\" >> $GITHUB_ENV",
        );
        assert_eq!(fx.env[0].1.text, "acme-acme");
    }

    #[test]
    fn docker_commands_with_continuations() {
        let (fx, _) = run(
            "docker buildx build \\\n  --platform linux/amd64,linux/arm64 \\\n  -t ghcr.io/acme/app:latest --target=runtime \\\n  --build-arg A=1 -f api/Dockerfile --push api\ndocker tag a ghcr.io/acme/b:1\ndocker push ghcr.io/acme/b:1\ndocker buildx imagetools create -t ghcr.io/acme/c:1 ghcr.io/acme/c@sha256:aa ghcr.io/acme/c@sha256:bb\n",
        );
        assert_eq!(fx.docker.len(), 4);
        let DockerKind::Build {
            tags,
            platforms,
            context,
            file,
            target,
            build_args,
            push,
        } = &fx.docker[0].kind
        else {
            panic!()
        };
        assert_eq!(tags[0].text, "ghcr.io/acme/app:latest");
        assert_eq!(platforms, &["linux/amd64", "linux/arm64"]);
        assert_eq!(context.as_deref(), Some("api"));
        assert_eq!(file.as_deref(), Some("api/Dockerfile"));
        assert_eq!(target.as_deref(), Some("runtime"));
        assert_eq!(build_args, &[("A".to_string(), "1".to_string())]);
        assert!(push);
        assert!(
            matches!(&fx.docker[3].kind, DockerKind::Imagetools { tags, sources } if tags.len() == 1 && sources.len() == 2)
        );
    }

    #[test]
    fn for_loop_over_literal_words() {
        let (fx, _) = run("for img in api web; do\n  docker push ghcr.io/acme/$img-dev:1\ndone\n");
        let pushed: Vec<String> = fx
            .docker
            .iter()
            .filter_map(|d| match &d.kind {
                DockerKind::Push(t) => Some(t.text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(pushed, ["ghcr.io/acme/api-dev:1", "ghcr.io/acme/web-dev:1"]);
    }

    #[test]
    fn heredocs_and_comments_are_skipped_and_unknown_commands_stay_unknown() {
        let (fx, _) = run(
            "cat <<EOF\ndocker push x\nEOF\n# docker push y\nX=$(curl -s z)\necho \"I=$X\" >> $GITHUB_ENV\n",
        );
        assert!(fx.docker.is_empty());
        assert!(!fx.env[0].1.is_known());
    }

    #[test]
    fn hostile_scripts_stay_bounded() {
        let s = "$(".repeat(5000) + &")".repeat(5000);
        let _ = run(&format!("X={s}\n"));
        let s =
            "for a in 1 2 3 4 5 6 7 8; do ".repeat(20) + "docker push x:$a;" + &" done;".repeat(20);
        let _ = run(&s);
    }
}
