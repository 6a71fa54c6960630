//! Input parsing: how the action turns its `images`/`tags`/`flavor` inputs into entries and
//! an entry into fields. Both steps are csv-parse runs: the list step is relaxed about quotes
//! and drops `#` comment lines; the field step (per entry) is strict. Messages match
//! csv-parse's own, because the action fails with them.

use super::TagError;
use super::js;

/// The entries of one list input, as the action reads it: the whole input trimmed, parsed
/// as CSV (relaxed quotes, `#` comments at the start of a record), each record joined back
/// with `,`, empty entries dropped and the rest trimmed.
pub(crate) fn entries(input: &str) -> Result<Vec<String>, TagError> {
    let input = js::trim(input);
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let records = parse(input, Mode::List)?;
    Ok(records
        .into_iter()
        .map(|record| record.join(","))
        .filter(|entry| !entry.is_empty())
        .map(|entry| js::trim(&entry).to_string())
        .collect())
}

/// The fields of the first record of one entry (strict quotes, no comments); `None` when
/// the entry holds no record at all.
pub(crate) fn fields(entry: &str) -> Result<Option<Vec<String>>, TagError> {
    Ok(parse(entry, Mode::Entry)?.into_iter().next())
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The list step: `relax_quotes` and `comment: '#'` with `comment_no_infix`.
    List,
    /// The entry step: csv-parse's defaults (strict quotes, no comment).
    Entry,
}

const QUOTE: u8 = b'"';
const DELIMITER: u8 = b',';
const COMMENT: u8 = b'#';

/// csv-parse's state machine for the options the action uses (`relax_column_count`,
/// `skip_empty_lines`, record delimiter auto-discovered from the first line ending).
fn parse(input: &str, mode: Mode) -> Result<Vec<Vec<String>>, TagError> {
    let buf = input.as_bytes();
    let relax_quotes = mode == Mode::List;
    let comments = mode == Mode::List;
    let mut st = State::default();
    let mut record_delimiter: Option<&'static [u8]> = None;
    let mut pos = 0;
    while pos < buf.len() {
        if st.was_row_delimiter {
            st.lines += 1;
            st.was_row_delimiter = false;
        }
        if !st.quoting && record_delimiter.is_none() {
            record_delimiter = discover_delimiter(buf, pos);
        }
        let chr = buf[pos];
        if chr == b'\r' || chr == b'\n' {
            st.was_row_delimiter = true;
        }
        if st.escaping {
            st.escaping = false;
        } else {
            if st.quoting && chr == QUOTE && buf.get(pos + 1) == Some(&QUOTE) {
                st.escaping = true;
                pos += 1;
                continue;
            }
            if !st.commenting && chr == QUOTE {
                if st.quoting {
                    let next = buf.get(pos + 1).copied();
                    let next_is_record_delimiter = match record_delimiter {
                        None => {
                            record_delimiter = discover_delimiter(buf, pos + 1);
                            record_delimiter.is_some()
                        }
                        Some(rd) => buf[pos + 1..].starts_with(rd),
                    };
                    if matches!(next, None | Some(0) | Some(DELIMITER))
                        || next_is_record_delimiter
                        || (comments && next == Some(COMMENT))
                    {
                        st.quoting = false;
                        st.was_quoting = true;
                        pos += 1;
                        continue;
                    } else if !relax_quotes {
                        let got = char::from(next.unwrap_or(0));
                        return Err(TagError::new(format!(
                            "Invalid Closing Quote: got \"{got}\" at line {} instead of delimiter, \
                             record delimiter, trimable character (if activated) or comment",
                            st.lines
                        )));
                    } else {
                        st.quoting = false;
                        st.was_quoting = true;
                        st.field.insert(0, QUOTE);
                    }
                } else if !st.field.is_empty() {
                    if !relax_quotes {
                        return Err(TagError::new(format!(
                            "Invalid Opening Quote: a quote is found on field {} at line {}, value is {}",
                            st.record.len(),
                            st.lines,
                            js::json_string(&String::from_utf8_lossy(&st.field))
                        )));
                    }
                } else {
                    st.quoting = true;
                    pos += 1;
                    continue;
                }
            }
            if !st.quoting {
                let rd_len = record_delimiter
                    .filter(|rd| buf[pos..].starts_with(rd))
                    .map_or(0, <[u8]>::len);
                if rd_len != 0 {
                    let blank = !st.was_quoting && st.record.is_empty() && st.field.is_empty();
                    let comment_line = st.commenting && blank;
                    if !comment_line && !blank {
                        st.end_field();
                        st.end_record();
                    }
                    st.commenting = false;
                    pos += rd_len;
                    continue;
                }
                if st.commenting {
                    pos += 1;
                    continue;
                }
                if comments && chr == COMMENT && st.record.is_empty() && st.field.is_empty() {
                    st.commenting = true;
                    pos += 1;
                    continue;
                }
                if chr == DELIMITER {
                    st.end_field();
                    pos += 1;
                    continue;
                }
            }
        }
        st.field.push(chr);
        pos += 1;
    }
    if st.quoting {
        return Err(TagError::new(format!(
            "Quote Not Closed: the parsing is finished with an opening quote at line {}",
            st.lines
        )));
    }
    if st.was_quoting || !st.record.is_empty() || !st.field.is_empty() {
        st.end_field();
        st.end_record();
    }
    Ok(st.records)
}

/// The first line ending at `pos` fixes the record delimiter for the rest of the input.
fn discover_delimiter(buf: &[u8], pos: usize) -> Option<&'static [u8]> {
    let rest = &buf[pos.min(buf.len())..];
    [b"\r\n".as_slice(), b"\n", b"\r"]
        .into_iter()
        .find(|rd| rest.starts_with(rd))
}

struct State {
    quoting: bool,
    was_quoting: bool,
    escaping: bool,
    commenting: bool,
    was_row_delimiter: bool,
    lines: usize,
    field: Vec<u8>,
    record: Vec<String>,
    records: Vec<Vec<String>>,
}

impl Default for State {
    fn default() -> Self {
        State {
            quoting: false,
            was_quoting: false,
            escaping: false,
            commenting: false,
            was_row_delimiter: false,
            lines: 1,
            field: Vec::new(),
            record: Vec::new(),
            records: Vec::new(),
        }
    }
}

impl State {
    fn end_field(&mut self) {
        self.record
            .push(String::from_utf8_lossy(&self.field).into_owned());
        self.field.clear();
        self.was_quoting = false;
    }

    fn end_record(&mut self) {
        self.records.push(std::mem::take(&mut self.record));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> Vec<String> {
        entries(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn comment_lines_are_dropped_but_inline_hashes_kept() {
        assert_eq!(
            list("# c\ntype=raw,value=a#b\n  #x"),
            ["type=raw,value=a#b", "#x"]
        );
    }

    #[test]
    fn triple_quoted_field_survives_both_parses() {
        let e = list("type=match,\"\"\"pattern=^release\\d{1,2}\"\"\"");
        assert_eq!(e, ["type=match,\"pattern=^release\\d{1,2}\""]);
        let f = fields(&e[0]).unwrap().unwrap();
        assert_eq!(f, ["type=match", "pattern=^release\\d{1,2}"]);
    }

    #[test]
    fn quote_in_the_middle_of_an_entry_field_is_a_csv_error() {
        let e = fields("type=raw,value=a\"b").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid Opening Quote: a quote is found on field 1 at line 1, value is \"value=a\""
        );
        let e = fields("\"a\"b").unwrap_err();
        assert!(
            e.message
                .starts_with("Invalid Closing Quote: got \"b\" at line 1"),
            "{e}"
        );
    }

    #[test]
    fn unclosed_quote_reports_the_line() {
        let e = entries("a\nb\n\"c").unwrap_err();
        assert_eq!(
            e.message,
            "Quote Not Closed: the parsing is finished with an opening quote at line 3"
        );
    }

    #[test]
    fn relaxed_list_parse_keeps_stray_quotes() {
        assert_eq!(list("a\"b\"c\n\"x\"y"), ["a\"b\"c", "\"x\"y"]);
    }
}
