//! Positioned YAML: a small tree of mappings, sequences and scalars built from
//! saphyr-parser's events, every node with its 1-based line and column and its byte range
//! in the text.
//!
//! The tree is bounded so hostile input cannot hang the reader or exhaust memory: at most
//! [`MAX_DEPTH`] nested collections and [`MAX_NODES`] nodes per file, aliases included (an
//! alias is expanded into a copy of its anchor's node, and the copies count: a
//! "billion laughs" file fails at the budget instead of growing). Callers bound the text
//! size ([`MAX_TEXT`]).

use std::fmt;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 200;
/// Most nodes one file may expand to, aliases counted at every use.
pub const MAX_NODES: usize = 500_000;
/// Largest YAML text read, in bytes.
pub const MAX_TEXT: usize = 4 * 1024 * 1024;

/// One YAML node with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    /// 1-based line of the node's first character.
    pub line: usize,
    /// 1-based column (in characters) of the node's first character (a quoted scalar's
    /// first character inside the quotes).
    pub col: usize,
    /// Byte range in the text: a quoted scalar's range is the text between the quotes, a
    /// block scalar's its content lines; a collection's starts at its first character.
    pub range: Range<usize>,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Any scalar, as its string value (`true`, `1`, `null` and `~` stay strings).
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, pairs in file order.
    Map(Vec<(Node, Node)>),
}

/// Why a text is not usable YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for YamlError {}

/// Parses every document of `text`.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    if text.len() > MAX_TEXT {
        return Err(YamlError {
            line: 1,
            col: 1,
            message: format!("larger than {} MiB", MAX_TEXT / (1024 * 1024)),
        });
    }
    Builder::new(text).run()
}

/// Parses the first document of `text` (`None` for an empty text).
pub fn parse_one(text: &str) -> Result<Option<Node>, YamlError> {
    Ok(parse(text)?.into_iter().next())
}

impl Node {
    /// The scalar's value, `None` for a collection.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping's pairs, `None` for anything else.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The sequence's items, `None` for anything else.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under key `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and value under key `key` of a mapping.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Whether the node is a null scalar (`~`, `null`, or nothing).
    pub fn is_null(&self) -> bool {
        matches!(self.as_str(), Some("" | "~" | "null" | "Null" | "NULL"))
    }
}

/// Turns parser events into nodes.
struct Builder<'a> {
    text: &'a str,
    /// Byte offset of each character, when the text is not ASCII (else the identity).
    offsets: Option<Vec<usize>>,
    /// Anchored nodes by anchor id.
    anchors: Vec<Option<Node>>,
    nodes: usize,
}

/// An open collection while building.
enum Open {
    Seq(Node, Vec<Node>, usize),
    Map(Node, Vec<(Node, Node)>, Option<Node>, usize),
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Builder<'a> {
        let offsets = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        Builder {
            text,
            offsets,
            anchors: Vec::new(),
            nodes: 0,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.text.len()),
            Some(o) => o.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    fn node(&self, kind: Kind, span: &Span, quoted: bool) -> Node {
        let mut start = self.byte(span.start.index());
        let mut end = self.byte(span.end.index()).max(start);
        let mut col = span.start.col() + 1;
        if quoted && end >= start + 2 {
            start += 1;
            end -= 1;
            col += 1;
        }
        Node {
            kind,
            line: span.start.line(),
            col,
            range: start..end,
        }
    }

    fn count(&mut self, n: usize, span: &Span) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(err(
                span,
                format!("more than {MAX_NODES} nodes (alias bomb?)"),
            ));
        }
        Ok(())
    }

    fn anchor(&mut self, id: usize, node: &Node) {
        if id == 0 {
            return;
        }
        if self.anchors.len() <= id {
            self.anchors.resize(id + 1, None);
        }
        self.anchors[id] = Some(node.clone());
    }

    fn run(mut self) -> Result<Vec<Node>, YamlError> {
        let mut parser = Parser::new_from_str(self.text);
        let mut docs = Vec::new();
        let mut stack: Vec<Open> = Vec::new();
        while let Some(ev) = parser.next_event() {
            let (event, span) = ev.map_err(|e| YamlError {
                line: e.marker().line(),
                col: e.marker().col() + 1,
                message: e.info().to_string(),
            })?;
            let done = match event {
                Event::Scalar(value, style, anchor, _) => {
                    self.count(1, &span)?;
                    let quoted =
                        matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
                    let node = self.node(Kind::Scalar(value.into_owned()), &span, quoted);
                    self.anchor(anchor, &node);
                    Some(node)
                }
                Event::Alias(id) => {
                    let Some(node) = self.anchors.get(id).cloned().flatten() else {
                        return Err(err(&span, "alias to an unknown anchor".into()));
                    };
                    self.count(size(&node), &span)?;
                    Some(node)
                }
                Event::SequenceStart(anchor, _) => {
                    self.count(1, &span)?;
                    if stack.len() >= MAX_DEPTH {
                        return Err(err(&span, format!("nested deeper than {MAX_DEPTH}")));
                    }
                    let node = self.node(Kind::Seq(Vec::new()), &span, false);
                    stack.push(Open::Seq(node, Vec::new(), anchor));
                    None
                }
                Event::MappingStart(anchor, _) => {
                    self.count(1, &span)?;
                    if stack.len() >= MAX_DEPTH {
                        return Err(err(&span, format!("nested deeper than {MAX_DEPTH}")));
                    }
                    let node = self.node(Kind::Map(Vec::new()), &span, false);
                    stack.push(Open::Map(node, Vec::new(), None, anchor));
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                    Some(Open::Seq(mut node, items, anchor)) => {
                        node.range.end = self.byte(span.end.index()).max(node.range.start);
                        node.kind = Kind::Seq(items);
                        self.anchor(anchor, &node);
                        Some(node)
                    }
                    Some(Open::Map(mut node, pairs, _, anchor)) => {
                        node.range.end = self.byte(span.end.index()).max(node.range.start);
                        node.kind = Kind::Map(merge_keys(pairs));
                        self.anchor(anchor, &node);
                        Some(node)
                    }
                    None => None,
                },
                _ => None,
            };
            if let Some(node) = done {
                match stack.last_mut() {
                    Some(Open::Seq(_, items, _)) => items.push(node),
                    Some(Open::Map(_, pairs, key, _)) => match key.take() {
                        Some(k) => pairs.push((k, node)),
                        None => *key = Some(node),
                    },
                    None => docs.push(node),
                }
            }
        }
        Ok(docs)
    }
}

/// Applies YAML merge keys (`<<: *base`): the merged mapping's pairs come first unless
/// the mapping sets the same key itself.
fn merge_keys(pairs: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !pairs.iter().any(|(k, _)| k.as_str() == Some("<<")) {
        return pairs;
    }
    let mut own = Vec::new();
    let mut merged = Vec::new();
    for (k, v) in pairs {
        if k.as_str() == Some("<<") {
            let maps: Vec<Node> = match v.kind {
                Kind::Seq(items) => items,
                _ => vec![v],
            };
            for m in maps {
                if let Kind::Map(p) = m.kind {
                    merged.extend(p);
                }
            }
        } else {
            own.push((k, v));
        }
    }
    let mut out: Vec<(Node, Node)> = Vec::new();
    for (k, v) in merged {
        let key = k.as_str().map(str::to_string);
        let shadowed = own
            .iter()
            .any(|(o, _)| o.as_str().map(str::to_string) == key)
            || out
                .iter()
                .any(|(o, _)| o.as_str().map(str::to_string) == key);
        if !shadowed {
            out.push((k, v));
        }
    }
    out.extend(own);
    out
}

/// Nodes in a tree.
fn size(node: &Node) -> usize {
    match &node.kind {
        Kind::Scalar(_) => 1,
        Kind::Seq(items) => 1 + items.iter().map(size).sum::<usize>(),
        Kind::Map(pairs) => 1 + pairs.iter().map(|(k, v)| size(k) + size(v)).sum::<usize>(),
    }
}

fn err(span: &Span, message: String) -> YamlError {
    YamlError {
        line: span.start.line(),
        col: span.start.col() + 1,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_carry_line_column_and_byte_range() {
        let text = "env:\n  A: \"q x\"\n  B: plain\nrun: |\n  echo é\n  done\n";
        let doc = parse_one(text).unwrap().unwrap();
        let a = doc.get("env").unwrap().get("A").unwrap();
        assert_eq!((a.line, a.col), (2, 7));
        assert_eq!(&text[a.range.clone()], "q x");
        let b = doc.get("env").unwrap().get("B").unwrap();
        assert_eq!(&text[b.range.clone()], "plain");
        let run = doc.get("run").unwrap();
        assert_eq!(run.as_str(), Some("echo é\ndone\n"));
        assert_eq!(&text[run.range.clone()], "echo é\n  done\n");
    }

    #[test]
    fn non_ascii_text_maps_characters_to_bytes() {
        let text = "name: ünïcode\nx: \"ghcr.io/o/n\"\n";
        let doc = parse_one(text).unwrap().unwrap();
        let x = doc.get("x").unwrap();
        assert_eq!(&text[x.range.clone()], "ghcr.io/o/n");
        assert_eq!((x.line, x.col), (2, 5));
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let text = "base: &b {a: 1, b: 2}\nuse:\n  <<: *b\n  b: 3\nlist: *b\n";
        let doc = parse_one(text).unwrap().unwrap();
        let u = doc.get("use").unwrap();
        assert_eq!(u.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(u.get("b").unwrap().as_str(), Some("3"));
        assert_eq!(
            doc.get("list").unwrap().get("a").unwrap().as_str(),
            Some("1")
        );
    }

    #[test]
    fn alias_bomb_fails_at_the_node_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("nodes"), "{e}");
    }

    #[test]
    fn deep_nesting_fails_without_overflowing_the_stack() {
        let text = "[".repeat(100_000);
        assert!(parse(&text).is_err());
        let text = format!(
            "{}x{}",
            "[".repeat(MAX_DEPTH + 5),
            "]".repeat(MAX_DEPTH + 5)
        );
        let e = parse(&text).unwrap_err();
        assert!(
            e.message.contains("deeper") || e.message.contains("recursion"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1 && e.col >= 1);
    }
}
