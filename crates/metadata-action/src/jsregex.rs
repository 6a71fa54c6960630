//! JavaScript regular expressions (`new RegExp(source, flags)` and `String.prototype.match`)
//! on top of fancy-regex: the source is translated so that JS meanings survive (`\d`, `\w`,
//! `\s`, `\b` are ASCII/JS classes, `.` stops at any line terminator, Annex B literal braces
//! and identity escapes, `[^]`), lookaround and backreferences run as in JS, and invalid
//! sources or flags fail with V8's message.

use fancy_regex::{Regex, RegexBuilder};

use super::TagError;

/// A compiled JS regex.
pub(crate) struct JsRegex {
    re: Regex,
    global: bool,
}

/// What `str.match(re)` returns: the groups of the first match, or every match when global.
pub(crate) type MatchArray = Vec<Option<String>>;

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
        let translated = translate(source, has('s')).map_err(&syntax_error)?;
        let mut pattern = String::new();
        if has('i') {
            pattern.push_str("(?i)");
        }
        if has('m') {
            pattern.push_str("(?m)");
        }
        if has('y') {
            pattern.push_str(&format!("\\A(?:{translated})"));
        } else {
            pattern.push_str(&translated);
        }
        let re = RegexBuilder::new(&pattern)
            .build()
            .map_err(|_| syntax_error("Invalid regular expression"))?;
        Ok(JsRegex {
            re,
            global: has('g'),
        })
    }

    /// `s.match(re)`: `None` when nothing matches.
    pub(crate) fn match_str(&self, s: &str) -> Option<MatchArray> {
        if self.global {
            let all: MatchArray = self
                .re
                .find_iter(s)
                .filter_map(Result::ok)
                .map(|m| Some(m.as_str().to_string()))
                .collect();
            return if all.is_empty() { None } else { Some(all) };
        }
        let caps = self.re.captures(s).ok()??;
        Some(
            caps.iter()
                .map(|m| m.map(|m| m.as_str().to_string()))
                .collect(),
        )
    }
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
const SPACE: &[(char, char)] = &[
    ('\t', '\r'),
    (' ', ' '),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{feff}', '\u{feff}'),
];
const LINE_TERMINATORS: &[(char, char)] = &[('\n', '\n'), ('\r', '\r'), ('\u{2028}', '\u{2029}')];

/// Ranges of a class escape (`\d`, `\D`, ...) as (ranges, negated).
fn class_escape(c: char) -> Option<(&'static [(char, char)], bool)> {
    Some(match c {
        'd' => (DIGIT, false),
        'D' => (DIGIT, true),
        'w' => (WORD, false),
        'W' => (WORD, true),
        's' => (SPACE, false),
        'S' => (SPACE, true),
        _ => return None,
    })
}

fn push_char(out: &mut String, c: char) {
    out.push_str(&format!("\\x{{{:x}}}", u32::from(c)));
}

fn push_ranges(out: &mut String, ranges: &[(char, char)], negated: bool) {
    out.push('[');
    if negated {
        out.push('^');
    }
    for &(a, b) in ranges {
        push_char(out, a);
        if a != b {
            out.push('-');
            push_char(out, b);
        }
    }
    out.push(']');
}

/// Translates a JS (Annex B) pattern into fancy-regex syntax; `Err(reason)` with V8's
/// reason for the syntax errors that matter.
fn translate(src: &str, dot_all: bool) -> Result<String, &'static str> {
    let chars: Vec<char> = src.chars().collect();
    let groups = count_groups(&chars);
    let mut out = String::new();
    let mut depth = 0usize;
    let mut i = 0;
    // Whether the previous item can take a quantifier.
    let mut atom = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err("\\ at end of pattern");
                };
                i += 2;
                atom = true;
                if let Some((ranges, neg)) = class_escape(e) {
                    push_ranges(&mut out, ranges, neg);
                    continue;
                }
                match e {
                    'b' => out.push_str(
                        "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))",
                    ),
                    'B' => out.push_str(
                        "(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))",
                    ),
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
                                push_char(&mut out, v);
                            }
                        }
                    }
                    'k' if chars.get(i) == Some(&'<') => {
                        let end = chars[i..]
                            .iter()
                            .position(|&c| c == '>')
                            .ok_or("Invalid named reference")?;
                        let name: String = chars[i + 1..i + end].iter().collect();
                        out.push_str(&format!("\\k<{name}>"));
                        i += end + 1;
                    }
                    _ => push_char(&mut out, escape_char(e, &chars, &mut i)),
                }
            }
            '[' => {
                let (class, used) = translate_class(&chars[i..])?;
                out.push_str(&class);
                i += used;
                atom = true;
            }
            '(' => {
                depth += 1;
                if depth > 200 {
                    return Err("Regular expression too large");
                }
                atom = false;
                i += 1;
                if chars.get(i) == Some(&'?') {
                    let rest: String = chars[i..].iter().take(3).collect();
                    if rest.starts_with("?:") || rest.starts_with("?=") || rest.starts_with("?!") {
                        out.push('(');
                        out.extend(&chars[i..i + 2]);
                        i += 2;
                    } else if rest.starts_with("?<=") || rest.starts_with("?<!") {
                        out.push('(');
                        out.extend(&chars[i..i + 3]);
                        i += 3;
                    } else if rest.starts_with("?<") {
                        let end = chars[i..]
                            .iter()
                            .position(|&c| c == '>')
                            .ok_or("Invalid capture group name")?;
                        let name: String = chars[i + 2..i + end].iter().collect();
                        if name.is_empty() {
                            return Err("Invalid capture group name");
                        }
                        out.push_str(&format!("(?P<{name}>"));
                        i += end + 1;
                    } else {
                        return Err("Invalid group");
                    }
                } else {
                    out.push('(');
                }
            }
            ')' => {
                if depth == 0 {
                    return Err("Unmatched ')'");
                }
                depth -= 1;
                out.push(')');
                atom = true;
                i += 1;
            }
            '*' | '+' | '?' => {
                if !atom {
                    return Err("Nothing to repeat");
                }
                out.push(c);
                i += 1;
                if chars.get(i) == Some(&'?') {
                    out.push('?');
                    i += 1;
                }
                atom = false;
            }
            '{' => match quantifier(&chars[i..]) {
                Some((min, max, used)) => {
                    if !atom {
                        return Err("Nothing to repeat");
                    }
                    if max.is_some_and(|m| m < min) {
                        return Err("numbers out of order in {} quantifier");
                    }
                    out.extend(&chars[i..i + used]);
                    i += used;
                    if chars.get(i) == Some(&'?') {
                        out.push('?');
                        i += 1;
                    }
                    atom = false;
                }
                None => {
                    push_char(&mut out, '{');
                    i += 1;
                    atom = true;
                }
            },
            '.' => {
                if dot_all {
                    out.push_str("(?s:.)");
                } else {
                    push_ranges(&mut out, LINE_TERMINATORS, true);
                }
                i += 1;
                atom = true;
            }
            '^' | '$' | '|' => {
                out.push(c);
                i += 1;
                atom = false;
            }
            _ => {
                push_char(&mut out, c);
                i += 1;
                atom = true;
            }
        }
    }
    if depth > 0 {
        return Err("Unterminated group");
    }
    Ok(out)
}

/// A character escape (`\n`, `\x41`, `\u0041`, `\cJ`, `\0`, identity escapes); `i` is
/// just past the escaped character and moves past any digits it consumes.
fn escape_char(e: char, chars: &[char], i: &mut usize) -> char {
    let hex = |n: usize, i: &mut usize| -> Option<char> {
        let s: String = chars.get(*i..*i + n)?.iter().collect();
        let v = u32::from_str_radix(&s, 16)
            .ok()
            .filter(|_| s.chars().all(|c| c.is_ascii_hexdigit()))?;
        *i += n;
        char::from_u32(v)
    };
    match e {
        't' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        '0' if !chars.get(*i).is_some_and(char::is_ascii_digit) => '\0',
        '0' => {
            let (v, used) = octal(&chars[*i - 1..]);
            *i += used - 1;
            v
        }
        'x' => hex(2, i).unwrap_or('x'),
        'u' => hex(4, i).unwrap_or('u'),
        'c' => match chars.get(*i) {
            Some(&l) if l.is_ascii_alphabetic() => {
                *i += 1;
                char::from(l as u8 % 32)
            }
            _ => {
                *i -= 1; // `\c` not followed by a letter is a literal backslash, then `c`
                '\\'
            }
        },
        other => other,
    }
}

/// A legacy octal escape: up to three octal digits (value ≤ 0o377); `8`/`9` are literal.
fn octal(s: &[char]) -> (char, usize) {
    if !matches!(s.first(), Some('0'..='7')) {
        return (s.first().copied().unwrap_or('\0'), 1);
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
    (char::from_u32(v).unwrap_or('\0'), used)
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
            s.parse::<u64>().ok()
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

/// A `[...]` class at the start of `s`, rebuilt from explicit ranges: (class, length).
fn translate_class(s: &[char]) -> Result<(String, usize), &'static str> {
    let mut i = 1;
    let negated = s.get(1) == Some(&'^');
    if negated {
        i += 1;
    }
    // Items: single characters or whole sets (class escapes).
    enum Item {
        Char(char),
        /// An unescaped `-` (only this one makes a range).
        Dash,
        Set(&'static [(char, char)], bool),
    }
    let mut items = Vec::new();
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
                if let Some((ranges, neg)) = class_escape(e) {
                    items.push(Item::Set(ranges, neg));
                } else if e == 'b' {
                    items.push(Item::Char('\u{8}'));
                } else if e.is_ascii_digit() && e != '0'
                    || (e == '0' && s.get(i).is_some_and(char::is_ascii_digit))
                {
                    let (v, used) = octal(&s[i - 1..]);
                    i += used - 1;
                    items.push(Item::Char(v));
                } else {
                    items.push(Item::Char(escape_char(e, s, &mut i)));
                }
            }
            '-' => items.push(Item::Dash),
            c => items.push(Item::Char(c)),
        }
    }
    let mut positive: Vec<(char, char)> = Vec::new();
    let mut negated_sets: Vec<(&[(char, char)], bool)> = Vec::new();
    let mut k = 0;
    while k < items.len() {
        match (&items[k], items.get(k + 1), items.get(k + 2)) {
            (Item::Char(a), Some(Item::Dash), Some(Item::Char(b))) => {
                if a > b {
                    return Err("Range out of order in character class");
                }
                positive.push((*a, *b));
                k += 3;
            }
            (Item::Char(a), ..) => {
                positive.push((*a, *a));
                k += 1;
            }
            (Item::Dash, ..) => {
                positive.push(('-', '-'));
                k += 1;
            }
            (Item::Set(r, false), ..) => {
                positive.extend_from_slice(r);
                k += 1;
            }
            (Item::Set(r, true), ..) => {
                negated_sets.push((r, true));
                k += 1;
            }
        }
    }
    if positive.is_empty() && negated_sets.is_empty() {
        // `[]` never matches, `[^]` matches anything.
        return Ok((
            if negated {
                "(?s:.)".into()
            } else {
                "[^\\x{0}-\\x{10ffff}]".into()
            },
            i,
        ));
    }
    // Union of explicit ranges and negated sets, as nested classes.
    let mut out = String::from("[");
    if negated {
        out.push('^');
    }
    for &(a, b) in &positive {
        push_char(&mut out, a);
        if a != b {
            out.push('-');
            push_char(&mut out, b);
        }
    }
    for (ranges, neg) in negated_sets {
        push_ranges(&mut out, ranges, neg);
    }
    out.push(']');
    Ok((out, i))
}

/// The number of capturing groups (for telling backreferences from octal escapes).
fn count_groups(chars: &[char]) -> usize {
    let mut n = 0;
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => {
                let next: String = chars[i + 1..].iter().take(3).collect();
                if !next.starts_with('?')
                    || (next.starts_with("?<")
                        && !next.starts_with("?<=")
                        && !next.starts_with("?<!"))
                {
                    n += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(src: &str, flags: &str, s: &str) -> Option<MatchArray> {
        JsRegex::new(src, flags).unwrap().match_str(s)
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
    }
}
