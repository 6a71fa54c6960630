//! Byte-level text helpers: line and column of an offset, line bounds, byte-order mark.
//!
//! Every rule works on bytes so that a file that is not valid UTF-8 is still handled:
//! the delimiters the rules look at are ASCII, and a column counts characters the way a
//! UTF-8 decoder would (one per byte that does not continue a sequence). A `\r` before a
//! `\n` is an ordinary byte at the end of a line, so CRLF text needs no special case.

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Turns offsets, visited in non-decreasing order, into 1-based lines and columns.
///
/// Columns count characters, not bytes; a byte-order mark at the start of the text is not
/// counted (editors do not show it). The work is linear in the text however many offsets
/// are located, even on one long line.
#[derive(Debug)]
pub struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
    /// Characters between the start of the current line and `pos`.
    column: usize,
}

impl<'a> LineCounter<'a> {
    /// A counter at the start of `text`.
    pub fn new(text: &'a [u8]) -> Self {
        let pos = if text.starts_with(BOM) { BOM.len() } else { 0 };
        LineCounter {
            text,
            pos,
            line: 1,
            column: 0,
        }
    }

    /// Line and column (both 1-based) of `offset`. Offsets before the previous one are
    /// reported at the previous one.
    pub fn locate(&mut self, offset: usize) -> (usize, usize) {
        if offset > self.pos {
            let span = &self.text[self.pos..offset];
            match memchr::memrchr(b'\n', span) {
                Some(nl) => {
                    self.line += memchr::memchr_iter(b'\n', span).count();
                    self.column = char_count(&span[nl + 1..]);
                }
                None => self.column += char_count(span),
            }
            self.pos = offset;
        }
        (self.line, 1 + self.column)
    }
}

/// Characters in `bytes` as a UTF-8 decoder counts them: bytes that do not continue a
/// multi-byte sequence.
pub fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// Byte range of the line holding `offset`, without its `\n`.
pub fn line_bounds(text: &[u8], offset: usize) -> (usize, usize) {
    let start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "héllo ghcr\nsecond".as_bytes();
        let mut c = LineCounter::new(text);
        assert_eq!(c.locate(7), (1, 7));
        assert_eq!(c.locate(text.len()), (2, 7));
    }

    #[test]
    fn byte_order_mark_is_not_a_column() {
        let text = b"\xEF\xBB\xBFabc";
        let mut c = LineCounter::new(text);
        assert_eq!(c.locate(3), (1, 1));
        assert_eq!(c.locate(4), (1, 2));
    }

    #[test]
    fn crlf_lines_count_like_lf_lines() {
        let text = b"a\r\nb\r\n  c";
        let mut c = LineCounter::new(text);
        assert_eq!(c.locate(8), (3, 3));
    }

    #[test]
    fn line_bounds_exclude_the_newline() {
        let text = b"one\ntwo\nthree";
        assert_eq!(line_bounds(text, 5), (4, 7));
        assert_eq!(line_bounds(text, 0), (0, 3));
        assert_eq!(line_bounds(text, 10), (8, 13));
    }
}
