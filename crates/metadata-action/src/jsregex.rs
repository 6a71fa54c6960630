//! JavaScript regular expressions (`new RegExp(source, flags)` and `String.prototype.match`)
//! on the `regress` ECMAScript engine, matched over UTF-16 code units as V8 does.
//!
//! regress runs the pattern; this module adds what V8 does differently: a syntax pass
//! ([`check_and_rewrite`]) that rejects what V8 rejects with V8's own message, V8's
//! non-Unicode case folding (`Canonicalize`: upper-casing that never maps a non-ASCII
//! character to ASCII; regress folds `ſ` to `s`), and a time limit on a match, so that
//! catastrophic backtracking is an error instead of a hang.
//!
//! Known limitations: with `u`/`v`, invalid patterns fail with V8's reason only for the
//! errors the Annex B pass finds (others get a close one); a capture that splits a surrogate
//! pair shows U+FFFD (Rust strings cannot hold a lone surrogate); the grammar is node 20's,
//! so modifiers (`(?i:...)`) and a group name repeated across alternatives are errors, as they
//! were before this engine (node 24, the action's runtime, accepts both).

use std::sync::{Arc, mpsc};
use std::time::Duration;

use super::TagError;

/// A compiled JS regex.
pub(crate) struct JsRegex {
    re: Arc<regress::Regex>,
    source: String,
    flags: String,
    global: bool,
    sticky: bool,
    /// `u` or `v`: the subject is matched by code points, not code units.
    unicode: bool,
    /// `i` without `u`/`v`: the pattern was canonicalized and the subject must be too.
    canonicalize: bool,
}

/// What `str.match(re)` returns: the groups of the first match, or every match when global.
pub(crate) type MatchArray = Vec<Option<String>>;

/// How long one match may run before it is an error (V8 itself would hang).
pub(crate) const MATCH_TIME_LIMIT: Duration = Duration::from_secs(2);

impl JsRegex {
    /// `new RegExp(source, flags)`.
    pub(crate) fn new(source: &str, flags: &str) -> Result<JsRegex, TagError> {
        let mut seen = String::new();
        for c in flags.chars() {
            if !"dgimsuvy".contains(c)
                || seen.contains(c)
                || (c == 'u' && seen.contains('v'))
                || (c == 'v' && seen.contains('u'))
            {
                return Err(TagError::new(format!(
                    "Invalid flags supplied to RegExp constructor '{flags}'"
                )));
            }
            seen.push(c);
        }
        let has = |c| flags.contains(c);
        let syntax_error = |reason: &str| {
            TagError::new(format!(
                "Invalid regular expression: /{source}/{flags}: {reason}"
            ))
        };
        let unicode = has('u') || has('v');
        let canonicalize = has('i') && !unicode;
        // With `u`/`v` the pass only finds errors (its Annex B grammar is looser), and
        // regress gets the source.
        let rewritten = check_and_rewrite(source, canonicalize).map_err(syntax_error)?;
        let pattern = if unicode {
            source.to_string()
        } else {
            rewritten
        };
        let re_flags = regress::Flags {
            icase: has('i') && unicode,
            multiline: has('m'),
            dot_all: has('s'),
            unicode,
            unicode_sets: has('v'),
            ..regress::Flags::default()
        };
        let re = regress::Regex::from_unicode(pattern.chars().map(u32::from), re_flags)
            .map_err(|e| syntax_error(v8_reason(&e.text, source)))?;
        Ok(JsRegex {
            re: Arc::new(re),
            source: source.to_string(),
            flags: flags.to_string(),
            global: has('g'),
            sticky: has('y'),
            unicode,
            canonicalize,
        })
    }

    /// `s.match(re)`: `None` when nothing matches; an error when the match runs longer than
    /// [`MATCH_TIME_LIMIT`].
    pub(crate) fn match_str(&self, s: &str) -> Result<Option<MatchArray>, TagError> {
        self.match_within(s, MATCH_TIME_LIMIT)
    }

    /// [`JsRegex::match_str`] with an explicit time limit.
    pub(crate) fn match_within(
        &self,
        s: &str,
        limit: Duration,
    ) -> Result<Option<MatchArray>, TagError> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let job = Job {
            re: Arc::clone(&self.re),
            searched: if self.canonicalize {
                units.iter().map(|&u| canonicalize(u)).collect()
            } else {
                units.clone()
            },
            global: self.global,
            sticky: self.sticky,
            unicode: self.unicode,
        };
        let (tx, rx) = mpsc::channel();
        // The matcher has no step limit of its own: a runaway match is abandoned (it keeps
        // its thread until it ends, which a CLI run does not wait for).
        std::thread::spawn(move || {
            let _ = tx.send(job.run());
        });
        let ranges = rx.recv_timeout(limit).map_err(|e| {
            let regex = format!("Regular expression /{}/{}", self.source, self.flags);
            TagError::new(match e {
                mpsc::RecvTimeoutError::Timeout => format!(
                    "{regex} takes longer than {}s to match {s:?} (catastrophic backtracking)",
                    limit.as_secs_f64()
                ),
                mpsc::RecvTimeoutError::Disconnected => {
                    format!("{regex} could not be matched against {s:?}")
                }
            })
        })?;
        Ok(ranges.map(|groups| {
            groups
                .into_iter()
                .map(|r| r.map(|r| String::from_utf16_lossy(&units[r])))
                .collect()
        }))
    }
}

/// One match run, owned so that it can run on its own thread.
struct Job {
    re: Arc<regress::Regex>,
    searched: Vec<u16>,
    global: bool,
    sticky: bool,
    unicode: bool,
}

type Ranges = Vec<Option<std::ops::Range<usize>>>;

impl Job {
    fn run(&self) -> Option<Ranges> {
        let text = &self.searched[..];
        let matches: Box<dyn Iterator<Item = regress::Match> + '_> = if self.unicode {
            Box::new(self.re.find_from_utf16(text, 0))
        } else {
            Box::new(self.re.find_from_ucs2(text, 0))
        };
        if self.global {
            let mut all = Vec::new();
            let mut next = 0;
            for m in matches {
                // Sticky: every match must start where the previous one ended (one
                // character further after an empty match).
                if self.sticky && m.start() != next {
                    break;
                }
                next = m.end();
                if m.start() == m.end() {
                    let pair = self.unicode
                        && text.get(next).is_some_and(|u| (0xd800..0xdc00).contains(u))
                        && text
                            .get(next + 1)
                            .is_some_and(|u| (0xdc00..0xe000).contains(u));
                    next += if pair { 2 } else { 1 };
                }
                all.push(Some(m.range()));
            }
            return if all.is_empty() { None } else { Some(all) };
        }
        let mut matches = matches;
        let m = matches.next()?;
        // The leftmost match starts at 0 whenever a match at 0 exists.
        if self.sticky && m.start() != 0 {
            return None;
        }
        Some(m.groups().collect())
    }
}

/// V8's `Canonicalize` without `u`: the upper case of a code unit, unless that is several
/// units or maps a non-ASCII character to ASCII.
fn canonicalize(unit: u16) -> u16 {
    let Some(c) = char::from_u32(u32::from(unit)) else {
        return unit; // a surrogate
    };
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) if !(unit >= 128 && u32::from(u) < 128) => {
            u16::try_from(u32::from(u)).unwrap_or(unit)
        }
        _ => unit,
    }
}

/// V8's reason for an error regress found but [`check_and_rewrite`] did not (mostly `u`/`v`
/// patterns, whose stricter grammar that pass does not cover).
fn v8_reason(regress_text: &str, source: &str) -> &'static str {
    match regress_text {
        "Unbalanced parenthesis" => {
            if source.contains(')') {
                "Unmatched ')'"
            } else {
                "Unterminated group"
            }
        }
        "Unbalanced bracket" => "Unterminated character class",
        "Invalid atom character" | "Quantifier not allowed here" | "Invalid braced quantifier" => {
            "Nothing to repeat"
        }
        "Invalid quantifier" => "numbers out of order in {} quantifier",
        "Duplicate capture group name" => "Duplicate capture group name",
        "Invalid token at named capture group identifier" => "Invalid capture group name",
        "Invalid named backreference syntax" => "Invalid named reference",
        "Invalid group modifier" => "Invalid group",
        "Incomplete escape" => "\\ at end of pattern",
        "Invalid unicode escape" => "Invalid Unicode escape",
        "Invalid property name" | "Invalid character at property escape start" => {
            "Invalid property name"
        }
        "Invalid character range" => "Invalid character class",
        "Regular expression is too deeply nested" => "Regular expression too large",
        t if t.starts_with("Range values reversed") => "Range out of order in character class",
        t if t.starts_with("Backreference to invalid named capture group") => {
            "Invalid named capture referenced"
        }
        t if t.contains("class set") => "Invalid set operation in character class",
        _ => "Invalid escape",
    }
}

const WORD_CLASS_ESCAPES: &str = "dDwWsS";

/// Checks a pattern without `u`/`v` (with Annex B's extensions: literal braces, octal and
/// identity escapes, quantified lookahead) as V8 parses it: `Err(reason)` with V8's reason.
/// Returns the pattern rewritten for regress: every literal character as `\uXXXX` code
/// units (an astral character is two, as V8 sees it without `u`), and, when `canonicalize`,
/// every literal character and class member mapped through [`canonicalize`] so that a
/// canonicalized subject matches case-sensitively.
fn check_and_rewrite(src: &str, canonicalize: bool) -> Result<String, &'static str> {
    let chars: Vec<char> = src.chars().collect();
    let (groups, names) = count_groups(&chars);
    let mut out = String::new();
    // Open groups: (lookbehind, name).
    let mut open: Vec<(bool, Option<String>)> = Vec::new();
    let mut closed_names: Vec<String> = Vec::new();
    // V8 checks named references once the whole pattern parsed.
    let mut unknown_reference = false;
    let mut i = 0;
    let mut prev = Prev::Nothing;
    let literal = |out: &mut String, unit: u32| {
        let unit = match u16::try_from(unit) {
            Ok(u) if canonicalize => u32::from(self::canonicalize(u)),
            _ => unit,
        };
        push_unit(out, unit);
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err("\\ at end of pattern");
                };
                let start = i;
                i += 2;
                prev = Prev::Atom;
                match e {
                    _ if WORD_CLASS_ESCAPES.contains(e) => out.push_str(&src_of(&chars[start..i])),
                    'b' | 'B' => {
                        out.push_str(&src_of(&chars[start..i]));
                        prev = Prev::Nothing;
                    }
                    '1'..='9' => {
                        let digits: String = std::iter::once(e)
                            .chain(
                                chars[i..]
                                    .iter()
                                    .take_while(|c| c.is_ascii_digit())
                                    .copied(),
                            )
                            .collect();
                        match digits.parse::<usize>() {
                            Ok(n) if n <= groups => {
                                i += digits.len() - 1;
                                out.push_str(&format!("\\{n}"));
                            }
                            _ => {
                                let (v, used) = octal(&chars[i - 1..]);
                                i += used - 1;
                                literal(&mut out, v);
                            }
                        }
                    }
                    'k' if !names.is_empty() => {
                        if chars.get(i) != Some(&'<') {
                            return Err("Invalid named reference");
                        }
                        let end = chars[i..]
                            .iter()
                            .position(|&c| c == '>')
                            .ok_or("Invalid capture group name")?;
                        let name: String = chars[i + 1..i + end].iter().collect();
                        if !valid_name(&name) {
                            return Err("Invalid capture group name");
                        }
                        if !names.contains(&name) {
                            unknown_reference = true;
                        }
                        out.push_str(&format!("\\k<{name}>"));
                        i += end + 1;
                    }
                    _ => {
                        let v = escape_char(e, &chars, &mut i);
                        literal(&mut out, v);
                    }
                }
            }
            '[' => {
                let (class, used) = check_class(&chars[i..], canonicalize)?;
                out.push_str(&class);
                i += used;
                prev = Prev::Atom;
            }
            '(' => {
                if open.len() >= 200 {
                    return Err("Regular expression too large");
                }
                i += 1;
                let rest: String = chars[i..].iter().take(3).collect();
                let mut lookbehind = false;
                let mut name = None;
                if rest.starts_with('?') {
                    if rest.starts_with("?:") || rest.starts_with("?=") || rest.starts_with("?!") {
                        out.push('(');
                        out.extend(&chars[i..i + 2]);
                        i += 2;
                    } else if rest.starts_with("?<=") || rest.starts_with("?<!") {
                        out.push('(');
                        out.extend(&chars[i..i + 3]);
                        i += 3;
                        lookbehind = true;
                    } else if rest.starts_with("?<") {
                        let end = chars[i..]
                            .iter()
                            .position(|&c| c == '>')
                            .ok_or("Invalid capture group name")?;
                        let n: String = chars[i + 2..i + end].iter().collect();
                        if !valid_name(&n) {
                            return Err("Invalid capture group name");
                        }
                        out.push_str(&format!("(?<{n}>"));
                        i += end + 1;
                        name = Some(n);
                    } else {
                        return Err("Invalid group");
                    }
                } else {
                    out.push('(');
                }
                open.push((lookbehind, name));
                prev = Prev::Nothing;
            }
            ')' => {
                let Some((lookbehind, name)) = open.pop() else {
                    return Err("Unmatched ')'");
                };
                if let Some(name) = name {
                    if closed_names.contains(&name) {
                        return Err("Duplicate capture group name");
                    }
                    closed_names.push(name);
                }
                out.push(')');
                prev = if lookbehind {
                    Prev::Lookbehind
                } else {
                    Prev::Atom
                };
                i += 1;
            }
            '*' | '+' | '?' => {
                quantify(&mut prev)?;
                out.push(c);
                i += 1;
                if chars.get(i) == Some(&'?') {
                    out.push('?');
                    i += 1;
                }
            }
            '{' => match quantifier(&chars[i..]) {
                Some((min, max, used)) => {
                    quantify(&mut prev)?;
                    if max.is_some_and(|m| m < min) {
                        return Err("numbers out of order in {} quantifier");
                    }
                    out.extend(&chars[i..i + used]);
                    i += used;
                    if chars.get(i) == Some(&'?') {
                        out.push('?');
                        i += 1;
                    }
                }
                None => {
                    literal(&mut out, u32::from('{'));
                    i += 1;
                    prev = Prev::Atom;
                }
            },
            '.' => {
                out.push('.');
                i += 1;
                prev = Prev::Atom;
            }
            '^' | '$' | '|' => {
                out.push(c);
                i += 1;
                prev = Prev::Nothing;
            }
            _ => {
                literal(&mut out, u32::from(c));
                i += 1;
                prev = Prev::Atom;
            }
        }
    }
    if !open.is_empty() {
        return Err("Unterminated group");
    }
    if unknown_reference {
        return Err("Invalid named capture referenced");
    }
    Ok(out)
}

/// What precedes a quantifier.
#[derive(Clone, Copy, PartialEq)]
enum Prev {
    /// An atom or a lookahead (Annex B lets lookaheads repeat).
    Atom,
    Lookbehind,
    /// The start, `(`, `|`, an assertion or another quantifier.
    Nothing,
}

/// A quantifier applied to `prev`, which cannot take another one.
fn quantify(prev: &mut Prev) -> Result<(), &'static str> {
    match std::mem::replace(prev, Prev::Nothing) {
        Prev::Atom => Ok(()),
        Prev::Lookbehind => Err("Invalid quantifier"),
        Prev::Nothing => Err("Nothing to repeat"),
    }
}

fn src_of(chars: &[char]) -> String {
    chars.iter().collect()
}

/// A code point as `\uXXXX` code units (two for an astral one).
fn push_unit(out: &mut String, unit: u32) {
    let mut buf = [0u16; 2];
    let units: &[u16] = match (u16::try_from(unit), char::from_u32(unit)) {
        (Ok(u), _) => {
            buf[0] = u;
            &buf[..1]
        }
        (Err(_), Some(c)) => c.encode_utf16(&mut buf),
        (Err(_), None) => &[0xfffd],
    };
    for &u in units {
        if is_high_surrogate(u32::from(u)) {
            // regress would read a high and a low surrogate escape as one code point.
            out.push_str(&format!("(?:\\u{u:04x})"));
        } else {
            out.push_str(&format!("\\u{u:04x}"));
        }
    }
}

fn is_high_surrogate(unit: u32) -> bool {
    (0xd800..0xdc00).contains(&unit)
}

/// A code unit in a class (where a group cannot keep surrogates apart: callers put ranges
/// ending in a high surrogate last).
fn push_class_unit(out: &mut String, unit: u32) {
    out.push_str(&format!("\\u{unit:04x}"));
}

/// A group name V8 accepts (an identifier).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '$' || c == '_')
        && chars.all(|c| {
            c.is_alphanumeric() || c == '$' || c == '_' || c == '\u{200c}' || c == '\u{200d}'
        })
}

/// A character escape (`\n`, `\x41`, `\u0041`, `\cJ`, `\0`, identity escapes) as a code
/// point; `i` is just past the escaped character and moves past any digits it consumes.
fn escape_char(e: char, chars: &[char], i: &mut usize) -> u32 {
    let hex = |n: usize, i: &mut usize| -> Option<u32> {
        let s: String = chars.get(*i..*i + n)?.iter().collect();
        let v = u32::from_str_radix(&s, 16)
            .ok()
            .filter(|_| s.chars().all(|c| c.is_ascii_hexdigit()))?;
        *i += n;
        Some(v)
    };
    match e {
        't' => 0x9,
        'n' => 0xa,
        'v' => 0xb,
        'f' => 0xc,
        'r' => 0xd,
        '0' if !chars.get(*i).is_some_and(char::is_ascii_digit) => 0,
        '0' => {
            let (v, used) = octal(&chars[*i - 1..]);
            *i += used - 1;
            v
        }
        'x' => hex(2, i).unwrap_or(u32::from('x')),
        'u' => hex(4, i).unwrap_or(u32::from('u')),
        'c' => match chars.get(*i) {
            Some(&l) if l.is_ascii_alphabetic() => {
                *i += 1;
                u32::from(l) % 32
            }
            _ => {
                *i -= 1; // `\c` not followed by a letter is a literal backslash, then `c`
                u32::from('\\')
            }
        },
        other => u32::from(other),
    }
}

/// A legacy octal escape: up to three octal digits (value ≤ 0o377); `8`/`9` are literal.
fn octal(s: &[char]) -> (u32, usize) {
    if !matches!(s.first(), Some('0'..='7')) {
        return (s.first().map_or(0, |&c| u32::from(c)), 1);
    }
    let mut v = 0u32;
    let mut used = 0;
    for &c in s.iter().take(3) {
        let Some(d) = c.to_digit(8) else { break };
        if v * 8 + d > 0o377 {
            break;
        }
        v = v * 8 + d;
        used += 1;
    }
    (v, used)
}

/// `{n}`, `{n,}` or `{n,m}` at the start of `s`: (min, max, length).
fn quantifier(s: &[char]) -> Option<(u64, Option<u64>, usize)> {
    let close = s.iter().position(|&c| c == '}')?;
    let body: String = s[1..close].iter().collect();
    let (min, max) = match body.split_once(',') {
        None => (body.as_str(), Some(body.as_str())),
        Some((a, "")) => (a, None),
        Some((a, b)) => (a, Some(b)),
    };
    let num = |s: &str| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            Some(s.parse::<u64>().unwrap_or(u64::MAX))
        } else {
            None
        }
    };
    let min = num(min)?;
    let max = match max {
        Some(m) => Some(num(m)?),
        None => None,
    };
    Some((min, max, close + 1))
}

/// A `[...]` class at the start of `s`: (the class for regress, as code-unit ranges and
/// class escapes; its length in `s`). When `canonicalize`, its members are replaced by
/// their canonical images.
fn check_class(s: &[char], canonicalize: bool) -> Result<(String, usize), &'static str> {
    let mut i = 1;
    let negated = s.get(1) == Some(&'^');
    if negated {
        i += 1;
    }
    enum Item {
        /// One UTF-16 code unit.
        Unit(u32),
        /// An unescaped `-` (only this one makes a range).
        Dash,
        /// A class escape (`\d`, ...).
        Set(char),
    }
    let mut items = Vec::new();
    let push = |items: &mut Vec<Item>, cp: u32| {
        let mut buf = [0u16; 2];
        match char::from_u32(cp).filter(|_| cp > 0xffff) {
            Some(c) => items.extend(
                c.encode_utf16(&mut buf)
                    .iter()
                    .map(|&u| Item::Unit(u32::from(u))),
            ),
            None => items.push(Item::Unit(cp)),
        }
    };
    loop {
        let Some(&c) = s.get(i) else {
            return Err("Unterminated character class");
        };
        i += 1;
        match c {
            ']' => break,
            '\\' => {
                let Some(&e) = s.get(i) else {
                    return Err("\\ at end of pattern");
                };
                i += 1;
                if WORD_CLASS_ESCAPES.contains(e) {
                    items.push(Item::Set(e));
                } else if e == 'b' {
                    push(&mut items, 8);
                } else if e == 'c' && s.get(i).is_some_and(|&c| c.is_ascii_digit() || c == '_') {
                    // Annex B: `\c` + digit or `_` in a class is that control character.
                    push(&mut items, u32::from(s[i]) % 32);
                    i += 1;
                } else if e.is_ascii_digit() && e != '0'
                    || (e == '0' && s.get(i).is_some_and(char::is_ascii_digit))
                {
                    let (v, used) = octal(&s[i - 1..]);
                    i += used - 1;
                    push(&mut items, v);
                } else {
                    let v = escape_char(e, s, &mut i);
                    push(&mut items, v);
                }
            }
            '-' => items.push(Item::Dash),
            c => push(&mut items, u32::from(c)),
        }
    }
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let mut sets = String::new();
    let mut k = 0;
    while k < items.len() {
        match (&items[k], items.get(k + 1), items.get(k + 2)) {
            (Item::Unit(a), Some(Item::Dash), Some(Item::Unit(b))) => {
                if a > b {
                    return Err("Range out of order in character class");
                }
                ranges.push((*a, *b));
                k += 3;
            }
            (Item::Unit(a), ..) => {
                ranges.push((*a, *a));
                k += 1;
            }
            (Item::Dash, ..) => {
                ranges.push((u32::from('-'), u32::from('-')));
                k += 1;
            }
            (Item::Set(e), ..) => {
                sets.push('\\');
                sets.push(*e);
                k += 1;
            }
        }
    }
    if ranges.is_empty() && sets.is_empty() {
        return Ok((src_of(&s[..i]), i)); // `[]` or `[^]`
    }
    if canonicalize {
        let mut image: Vec<u32> = ranges
            .iter()
            .flat_map(|&(a, b)| a..=b)
            .map(|u| u16::try_from(u).map_or(u, |u| u32::from(self::canonicalize(u))))
            .collect();
        image.sort_unstable();
        image.dedup();
        ranges.clear();
        for u in image {
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == u => *end = u,
                _ => ranges.push((u, u)),
            }
        }
    }
    let mut out = String::from("[");
    if negated {
        out.push('^');
    }
    // A range ending in a high surrogate goes last, so that no low surrogate follows it.
    ranges.sort_by_key(|&(_, b)| is_high_surrogate(b));
    out.push_str(&sets);
    for (a, b) in ranges {
        push_class_unit(&mut out, a);
        if a != b || is_high_surrogate(b) {
            out.push('-');
            push_class_unit(&mut out, b);
        }
    }
    out.push(']');
    Ok((out, i))
}

/// The number of capturing groups (for telling backreferences from octal escapes) and the
/// group names, as V8 counts them before parsing.
fn count_groups(chars: &[char]) -> (usize, Vec<String>) {
    let mut n = 0;
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => {
                let next: String = chars[i + 1..].iter().take(3).collect();
                if !next.starts_with('?') {
                    n += 1;
                } else if next.starts_with("?<")
                    && !next.starts_with("?<=")
                    && !next.starts_with("?<!")
                {
                    n += 1;
                    if let Some(end) = chars[i..].iter().position(|&c| c == '>') {
                        names.push(chars[i + 3..i + end].iter().collect());
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    (n, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(src: &str, flags: &str, s: &str) -> Option<MatchArray> {
        JsRegex::new(src, flags).unwrap().match_str(s).unwrap()
    }

    fn some(v: &[&str]) -> Option<MatchArray> {
        Some(v.iter().map(|s| Some(s.to_string())).collect())
    }

    #[test]
    fn js_classes_and_groups() {
        assert_eq!(m(r"v(\d+\.\d+)", "", "v1.2.3"), some(&["v1.2", "1.2"]));
        assert_eq!(
            m(r"^release\d{1,2}", "", "release123"),
            some(&["release12"])
        );
        assert_eq!(
            m(r"p1/v(\d.\d.\d)", "", "p1/v1.2.3"),
            some(&["p1/v1.2.3", "1.2.3"])
        );
        assert_eq!(m(r"\d", "", "٣"), None);
        assert_eq!(
            m(r"(a)|(b)", "", "b"),
            Some(vec![Some("b".into()), None, Some("b".into())])
        );
    }

    #[test]
    fn js_flags_lookaround_and_literal_braces() {
        assert_eq!(m("V(.*)", "i", "v1"), some(&["v1", "1"]));
        assert_eq!(m(r"\d+", "g", "a1b22"), some(&["1", "22"]));
        assert_eq!(m(r"\d+(?=-rc)", "", "10-rc"), some(&["10"]));
        assert_eq!(m(r"(\w)\1", "", "abba"), some(&["bb", "b"]));
        assert_eq!(m("a{,2}", "", "a{,2}"), some(&["a{,2}"]));
        assert_eq!(m(r"\bv\B", "", "a v1"), some(&["v"]));
        assert_eq!(m("a.b", "", "a\nb"), None);
        assert_eq!(m("[^]", "", "\n"), some(&["\n"]));
    }

    /// The probes on which the former translation to another engine disagreed with V8;
    /// the expected values are node's (`'b'.match(/(a)?\1b/)` and so on).
    #[test]
    fn v8_semantics_probes() {
        // A backreference to a group that did not participate matches the empty string.
        assert_eq!(m(r"(a)?\1b", "", "b"), Some(vec![Some("b".into()), None]));
        // A forward reference matches the empty string.
        assert_eq!(m(r"\1(a)", "", "a"), some(&["a", "a"]));
        // Without `u`, case folding never maps a non-ASCII character to ASCII.
        assert_eq!(m("ſ", "i", "s"), None);
        assert_eq!(m("s", "i", "ſ"), None);
        assert_eq!(m("k", "i", "\u{212a}"), None);
        assert_eq!(m("[a-z]", "i", "\u{212a}"), None);
        assert_eq!(m("[a-z]+", "i", "aBc"), some(&["aBc"]));
        // U+2028 is a line terminator for `^` under `m`.
        assert_eq!(m("^b", "m", "a\u{2028}b"), some(&["b"]));
        // Without `u`, `.` matches one UTF-16 code unit: an astral character is two.
        assert_eq!(m("^.$", "", "😀"), None);
        assert_eq!(m("^.$", "u", "😀"), some(&["😀"]));
        // Annex B lets a lookahead take a quantifier.
        assert_eq!(m("(?=a)*a", "", "a"), some(&["a"]));
        // Captures inside a repeated group are reset on each iteration.
        assert_eq!(
            m("((a)|b)+", "", "ab"),
            Some(vec![Some("ab".into()), Some("b".into()), None])
        );
    }

    #[test]
    fn sticky_and_global_sticky() {
        assert_eq!(m("a", "y", "ba"), None);
        assert_eq!(m("a", "y", "ab"), some(&["a"]));
        assert_eq!(m("a", "gy", "aaba"), some(&["a", "a"]));
        assert_eq!(m("", "g", "ab"), some(&["", "", ""]));
    }

    #[test]
    fn catastrophic_backtracking_is_an_error() {
        // 2^21 backtracking steps: over a second in a debug build, a tenth in a release one,
        // so it outlasts the limit and its abandoned thread does not run for long.
        let re = JsRegex::new("^(a+)+$", "").unwrap();
        let subject = format!("{}b", "a".repeat(21));
        let started = std::time::Instant::now();
        let err = re
            .match_within(&subject, Duration::from_millis(20))
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(
            err.message.contains("catastrophic backtracking"),
            "{}",
            err.message
        );
    }

    #[test]
    fn invalid_patterns_and_flags_use_v8_messages() {
        let err = |s: &str, f: &str| {
            JsRegex::new(s, f)
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
        };
        assert_eq!(
            err("(", ""),
            "Invalid regular expression: /(/: Unterminated group"
        );
        assert_eq!(
            err("a)", ""),
            "Invalid regular expression: /a)/: Unmatched ')'"
        );
        assert_eq!(
            err("*a", ""),
            "Invalid regular expression: /*a/: Nothing to repeat"
        );
        assert_eq!(
            err("[a", ""),
            "Invalid regular expression: /[a/: Unterminated character class"
        );
        assert_eq!(
            err("a", "x"),
            "Invalid flags supplied to RegExp constructor 'x'"
        );
        assert_eq!(
            err(r"\b+", ""),
            "Invalid regular expression: /\\b+/: Nothing to repeat"
        );
        assert_eq!(
            err("(?<=a)+", ""),
            "Invalid regular expression: /(?<=a)+/: Invalid quantifier"
        );
        assert_eq!(
            err("(?i:a)", ""),
            "Invalid regular expression: /(?i:a)/: Invalid group"
        );
        assert_eq!(
            err(r"(?<a>.)\k<b>", ""),
            "Invalid regular expression: /(?<a>.)\\k<b>/: Invalid named capture referenced"
        );
    }
}
