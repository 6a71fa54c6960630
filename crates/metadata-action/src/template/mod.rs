//! The Handlebars subset the action's expressions use: `{{path}}`, `{{{path}}}`/`{{&path}}`,
//! helper calls with literal/path/sub-expression parameters and `key=value` hashes,
//! `{{#if}}`/`{{#unless}}`/`{{else}}`, comments, `~` whitespace control and `\{{` escapes.
//! Output is HTML-escaped as Handlebars does (which is why `&` in a branch becomes `-amp-`
//! after sanitising). Parse errors carry Handlebars' own messages for the common cases.
//!
//! By stage: `value` (JavaScript values and the [`Scope`]), `lexer` (tokens), `parser`
//! (nodes, Handlebars' parse errors) and `eval` (rendering).

mod eval;
mod lexer;
mod parser;
mod value;

pub(crate) use value::{Scope, Value};

use crate::TagError;
use eval::{render_nodes, strip_whitespace};
use parser::{Expr, Node, Parser};

/// `handlebars.compile(template)(scope)`.
pub(crate) fn render(template: &str, scope: &dyn Scope) -> Result<String, TagError> {
    let mut nodes = Parser::new(template).parse_program(None, false)?;
    strip_whitespace(&mut nodes, true);
    let mut out = String::new();
    render_nodes(&nodes, scope, &mut out)?;
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

    /// Differences the differential tests found, with node's results.
    #[test]
    fn fixes_found_by_the_differential_tests() {
        // helperMissing with only the options (a hash) renders nothing.
        assert_eq!(r("[{{foo k=1}}]"), "[]");
        // Block tags and comments alone on their lines take the lines with them.
        assert_eq!(r("{{#if n}}\nx\n{{/if}}\n"), "x\n");
        assert_eq!(r("a\n  {{#if n}}  \nx\n{{else}}\ny\n{{/if}}\nb"), "a\nx\nb");
        assert_eq!(r("{{#if n~}}  x  {{~else~}} y {{~/if}}|"), "x|");
        assert_eq!(r("{{!-- c --}}\nx"), "x");
        assert_eq!(r(" {{! c }} \nx"), "x");
        assert_eq!(r("a{{! c }}\nx"), "a\nx");
        // What the parser expects depends on where in a block it stops.
        assert_eq!(
            r("{{#if n}}"),
            "ERR Parse error on line 1:\n{{#if n}}\n---------^\nExpecting 'COMMENT', 'CONTENT', \
             'OPEN_RAW_BLOCK', 'OPEN_BLOCK', 'OPEN_INVERSE', 'OPEN_INVERSE_CHAIN', 'INVERSE', \
             'OPEN_ENDBLOCK', 'OPEN', 'OPEN_UNESCAPED', 'OPEN_PARTIAL', 'OPEN_PARTIAL_BLOCK', got 'EOF'"
        );
        assert_eq!(
            r("{{#if n}}{{else}}x"),
            "ERR Parse error on line 1:\n{{#if n}}{{else}}x\n------------------^\nExpecting \
             'OPEN_ENDBLOCK', got 'EOF'"
        );
        assert_eq!(
            r("{{a b=c}}}}"),
            "ERR Parse error on line 1:\n{{a b=c}}}}\n-------^\nExpecting 'CLOSE', got 'CLOSE_RAW_BLOCK'"
        );
        // Error lines count up to the last token read, not the blanks after it.
        assert!(r("{{ \n{{#if n}}").starts_with("ERR Parse error on line 1:"));
        // A raw block with no `{{{{` after it is a lexical error.
        assert_eq!(
            r("{{{{a}}}}x"),
            "ERR Lexical error on line 1. Unrecognized text.\n{{{{a}}}}x\n---------^"
        );
        assert_eq!(
            r("{{{{a}}}}0123456789012345678901"),
            "ERR Lexical error on line 1. Unrecognized text.\n{{{{a}}}}01234567890123456789\n---------^"
        );
        assert_eq!(
            r("{{./s}}{{{{z}}}}"),
            "ERR Parse error on line 1:\n{{./s}}{{{{z}}}}\n----------------^\nExpecting 'CONTENT', \
             'END_RAW_BLOCK', got '1'"
        );
        // The lexer shows a `{{!--` opening twice in the text already read.
        assert_eq!(
            r("{{!-- c --}}{{/if}}"),
            "ERR Parse error on line 1:\n{{!-{{!-- c --}}{{/if}}\n----------------^\nExpecting 'EOF', got 'OPEN_ENDBLOCK'"
        );
        assert_eq!(
            r("{{\n{{!-- c --}}"),
            "ERR Parse error on line 1:\n{{{{!-{{!-- c --}}\n------^\nExpecting 'ID', 'STRING', 'NUMBER', \
             'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'COMMENT'"
        );
    }
}
