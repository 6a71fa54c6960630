//! csv-parse as the action configures it: a list input (relaxed quotes, `#` comments,
//! records joined back with `,`) and one entry split into fields (strict), against
//! [`input::entries`] and [`input::fields`].

use serde_json::{Value as Json, json};

use super::{assert_mix, compare, concat_of, error, generate, oracle};
use crate::input;

/// Pieces of workflow inputs: fields, delimiters, quotes (paired, doubled and stray),
/// line endings of every kind, comments and spaces.
const PIECES: &[&str] = &[
    "a",
    "b c",
    "type=semver",
    "pattern={{version}}",
    "enable=true",
    ",",
    ",",
    "\"",
    "\"\"",
    "\"x,y\"",
    "\"q\"\"q\"",
    "\n",
    "\n",
    "\r\n",
    "\r",
    "#",
    "# c\n",
    " ",
    "\t",
    "'",
    "=",
    "é",
];

#[test]
fn inputs_split_as_csv_parse_does() {
    let inputs = generate(concat_of(PIECES, 10), 3000);
    let mut cases = Vec::new();
    let mut rust = Vec::new();
    for s in &inputs {
        cases.push(json!({ "kind": "csv_list", "input": s }));
        rust.push(match input::entries(s) {
            Ok(entries) => json!({ "out": entries }),
            Err(e) => error(&e.message),
        });
    }
    let list: Vec<Json> = inputs.iter().map(|s| json!({ "input": s })).collect();
    let mut node = oracle("csv_list", &list);
    assert_mix("csv", &node, "errors", |v| v.get("error").is_some());
    for s in &inputs {
        cases.push(json!({ "kind": "csv_fields", "input": s }));
        rust.push(match input::fields(s) {
            Ok(fields) => json!({ "out": fields }),
            Err(e) => error(&e.message),
        });
    }
    node.extend(oracle("csv_fields", &list));
    compare("csv", &cases, &node, &rust);
}
