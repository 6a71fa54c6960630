//! YAML scalar quoting for values placed into templates.

/// `value` as a YAML scalar: plain when YAML reads it back as the same string, otherwise
/// double-quoted with escapes.
pub(crate) fn scalar(value: &str) -> String {
    if is_plain_safe(value) {
        value.to_string()
    } else {
        double_quoted(value)
    }
}

/// `value` as a double-quoted YAML scalar.
pub(crate) fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_plain_safe(v: &str) -> bool {
    const RESERVED: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes",
        "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ];
    if RESERVED.contains(&v) {
        return false;
    }
    let first = v.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@` ".contains(first) {
        return false;
    }
    if v.ends_with(' ') || v.ends_with(':') || v.contains(": ") || v.contains(" #") {
        return false;
    }
    if v.chars().any(|c| c.is_control()) {
        return false;
    }
    // Anything YAML 1.1 or 1.2 could read as a number, date or other non-string.
    let looks_numeric = v
        .chars()
        .all(|c| c.is_ascii_digit() || "+-._:eExXoObB".contains(c))
        && v.chars().any(|c| c.is_ascii_digit());
    !looks_numeric
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_yaml_would_misread_are_quoted() {
        assert_eq!(scalar("main"), "main");
        assert_eq!(scalar("ghcr.io/acme/x"), "ghcr.io/acme/x");
        assert_eq!(scalar("on"), "\"on\"");
        assert_eq!(scalar("3000"), "\"3000\"");
        assert_eq!(scalar("1.0"), "\"1.0\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("*x"), "\"*x\"");
        assert_eq!(scalar("say \"hi\""), "say \"hi\"");
        assert_eq!(scalar("#x"), "\"#x\"");
    }
}
