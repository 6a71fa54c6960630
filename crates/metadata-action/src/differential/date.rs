//! `moment(instant).tz(zone).format(format)` (moment-timezone, English locale), as the
//! action's `{{date}}` renders it, against [`date::format`].

use jiff::Timestamp;
use serde_json::{Value as Json, json};

use super::{compare, concat_of, generate, oracle};
use crate::date::{self, Zone};

/// Format tokens (every moment token the emulation knows and some it must pass through),
/// `[...]` literals, backslash escapes and separators.
const TOKENS: &[&str] = &[
    "YYYY", "YY", "Y", "YYYYY", "M", "MM", "MMM", "MMMM", "Mo", "D", "DD", "Do", "DDD", "DDDD",
    "DDDo", "d", "dd", "ddd", "dddd", "do", "e", "E", "H", "HH", "h", "hh", "k", "kk", "m", "mm",
    "s", "ss", "S", "SS", "SSS", "SSSS", "a", "A", "Z", "ZZ", "z", "zz", "X", "x", "Q", "Qo", "w",
    "ww", "wo", "W", "WW", "Wo", "gg", "gggg", "GG", "GGGG", "LT", "LTS", "L", "LL", "LLL", "LLLL",
    "l", "ll", "lll", "llll", "[lit]", "[", "]", "\\X", "\\", "-", ":", "/", " ", ".", "T", "t",
    "N", "é",
];

/// Zones: fixed and DST ones, half-hour and 45-minute offsets, a case-insensitive name, an
/// `Etc/` zone and unknown names (moment keeps local time, UTC here).
const ZONES: &[&str] = &[
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "asia/tokyo",
    "Etc/GMT+5",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "Europe/London",
    "Unknown/Zone",
    "utc",
];

#[test]
fn dates_format_as_moment_timezone() {
    // Instants from 1970 to 2030 (zone rules after the bundled databases' dates may differ).
    let inputs = generate(
        (
            0i64..1_893_456_000_000,
            concat_of(TOKENS, 6),
            proptest::sample::select(ZONES),
        ),
        3000,
    );
    let cases: Vec<Json> = inputs
        .iter()
        .map(|(ms, format, tz)| json!({ "ms": ms, "format": format, "tz": tz }))
        .collect();
    let node = oracle("date", &cases);
    let rust: Vec<Json> = inputs
        .iter()
        .map(|(ms, format, tz)| {
            let instant = Timestamp::from_millisecond(*ms).expect("an instant in range");
            json!({ "out": date::format(instant, &Zone::lookup(tz), Some(format)) })
        })
        .collect();
    compare("date", &cases, &node, &rust);
}
