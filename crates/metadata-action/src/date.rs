//! `{{date 'FORMAT' tz='Zone'}}` and `{{commit_date ...}}`: moment.js (English locale)
//! formatting of an instant in a time zone, with moment's tokenizer, `[literal]` escapes,
//! backslash escapes and localized formats (`LT`, `LL`, ...). Zones come from jiff's bundled
//! tz database, looked up case-insensitively like moment-timezone.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::js;

/// Where the instant is shown.
pub(crate) enum Zone {
    /// A zone moment-timezone knows.
    Named(TimeZone),
    /// An unknown zone name: moment keeps the runner's local time (UTC on GitHub runners),
    /// not marked as UTC.
    Local,
}

impl Zone {
    /// The zone named `name`, or [`Zone::Local`] when the database has none.
    pub(crate) fn lookup(name: &str) -> Zone {
        jiff::tz::db().get(name).map_or(Zone::Local, Zone::Named)
    }
}

/// `moment(instant).tz(zone).format(format)`; `format` None/empty uses moment's default.
pub(crate) fn format(instant: Timestamp, zone: &Zone, format: Option<&str>) -> String {
    let ms = instant.as_millisecond();
    let t = Fields::new(ms, zone);
    let format = match format {
        Some(f) if !f.is_empty() => f.to_string(),
        _ if t.is_utc => "YYYY-MM-DDTHH:mm:ss[Z]".to_string(),
        _ => "YYYY-MM-DDTHH:mm:ssZ".to_string(),
    };
    let chars: Vec<char> = expand_localized(&format).chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '['
            && let Some(len) = bracket_len(&chars[i..])
        {
            out.extend(&chars[i + 1..i + len - 1]);
            i += len;
            continue;
        }
        if chars[i] == '\\' {
            match token_len(&chars[i + 1..]) {
                Some(len) => {
                    out.extend(chars[i + 1..i + 1 + len].iter().filter(|&&c| c != '\\'));
                    i += 1 + len;
                }
                None => i += 1,
            }
            continue;
        }
        match token_len(&chars[i..]) {
            Some(len) => {
                let token: String = chars[i..i + len].iter().collect();
                match t.token(&token) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(&token),
                }
                i += len;
            }
            None => i += 1, // a line terminator: moment's tokenizer never matches it
        }
    }
    out
}

/// `\[[^\[]*\]` at the start of `s`: up to the last `]` before the next `[`.
fn bracket_len(s: &[char]) -> Option<usize> {
    let run = s[1..]
        .iter()
        .position(|&c| c == '[')
        .map_or(s.len(), |p| p + 1);
    s[..run]
        .iter()
        .rposition(|&c| c == ']')
        .filter(|&p| p > 0)
        .map(|p| p + 1)
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// The length of moment's formatting token at the start of `s` (its regex alternatives in
/// order); `None` at the end or at a line terminator.
fn token_len(s: &[char]) -> Option<usize> {
    let first = *s.first()?;
    let at = |i: usize| s.get(i).copied();
    let run = |c: char, max: usize| s.iter().take(max).take_while(|&&x| x == c).count();
    let starts = |p: &str| p.chars().enumerate().all(|(i, c)| at(i) == Some(c));
    let len = match first {
        'H' | 'h' if starts(&format!("{first}mm")) => {
            if at(3) == Some('s') && at(4) == Some('s') {
                5
            } else {
                3
            }
        }
        'M' if at(1) == Some('o') => 2,
        'M' => run('M', 4),
        'D' if at(1) == Some('o') => 2,
        'D' if starts("DDDo") => 4,
        'D' => run('D', 4),
        'd' if at(1) == Some('d') => run('d', 4),
        'd' => 1 + usize::from(at(1) == Some('o')),
        'w' => 1 + usize::from(matches!(at(1), Some('o' | '|' | 'w'))),
        'W' => 1 + usize::from(matches!(at(1), Some('o' | '|' | 'W'))),
        'Q' => 1 + usize::from(at(1) == Some('o')),
        'N' => run('N', 5),
        'Y' => match run('Y', 6) {
            6 => 6,
            5 => 5,
            4 => 4,
            2 | 3 => 2,
            _ => 1,
        },
        'y' if at(1) == Some('y') => run('y', 4),
        'y' => 1 + usize::from(at(1) == Some('o')),
        'g' | 'G' if at(1) == Some(first) => match run(first, 5) {
            5 => 5,
            4 => 4,
            _ => 2,
        },
        'h' | 'H' | 'k' | 'm' | 's' | 'z' | 'Z' => run(first, 2),
        'S' => run('S', 9),
        c if is_line_terminator(c) => return None,
        _ => 1,
    };
    Some(len)
}

/// Replaces `LTS`, `LT`, `L`...`LLLL`, `l`...`llll` (not inside `[...]` or after `\`).
fn expand_localized(format: &str) -> String {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '['
            && let Some(len) = bracket_len(&chars[i..])
        {
            out.extend(&chars[i..i + len]);
            i += len;
            continue;
        }
        let escaped = chars[i] == '\\';
        let j = i + usize::from(escaped);
        let run =
            |c: char, max: usize| chars[j..].iter().take(max).take_while(|&&x| x == c).count();
        let (len, expansion) = match chars.get(j) {
            Some('L') if chars.get(j + 1) == Some(&'T') => {
                if chars.get(j + 2) == Some(&'S') {
                    (3, "h:mm:ss A")
                } else {
                    (2, "h:mm A")
                }
            }
            Some('L') => {
                let n = run('L', 4);
                (
                    n,
                    [
                        "MM/DD/YYYY",
                        "MMMM D, YYYY",
                        "MMMM D, YYYY h:mm A",
                        "dddd, MMMM D, YYYY h:mm A",
                    ][n - 1],
                )
            }
            Some('l') => {
                let n = run('l', 4);
                (
                    n,
                    [
                        "M/D/YYYY",
                        "MMM D, YYYY",
                        "MMM D, YYYY h:mm A",
                        "ddd, MMM D, YYYY h:mm A",
                    ][n - 1],
                )
            }
            _ => {
                out.push(chars[i]);
                i += 1;
                continue;
            }
        };
        if escaped {
            out.extend(&chars[i..j + len]);
        } else {
            out.push_str(expansion);
        }
        i = j + len;
    }
    out
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The calendar fields of the instant as moment sees them in the zone.
struct Fields {
    ms: i64,
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millisecond: i64,
    weekday: i64,
    day_of_year: i64,
    offset_minutes: f64,
    abbreviation: String,
    is_utc: bool,
}

impl Fields {
    fn new(ms: i64, zone: &Zone) -> Fields {
        let ts = Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH);
        let (tz, named) = match zone {
            Zone::Named(tz) => (tz.clone(), true),
            Zone::Local => (TimeZone::UTC, false),
        };
        let info = tz.to_offset_info(ts);
        let abbreviation = if named {
            info.abbreviation().to_string()
        } else {
            String::new()
        };
        let offset_seconds = info.offset().seconds();
        let z = ts.to_zoned_datetime(tz);
        Fields {
            ms,
            year: i64::from(z.year()),
            month: i64::from(z.month()),
            day: i64::from(z.day()),
            hour: i64::from(z.hour()),
            minute: i64::from(z.minute()),
            second: i64::from(z.second()),
            millisecond: i64::from(z.millisecond()),
            weekday: i64::from(z.weekday().to_sunday_zero_offset()),
            day_of_year: i64::from(z.day_of_year()),
            offset_minutes: f64::from(offset_seconds) / 60.0,
            abbreviation,
            is_utc: named && offset_seconds == 0,
        }
    }

    /// The value of a moment token, `None` for text that is not one.
    fn token(&self, token: &str) -> Option<String> {
        let pad = |n: i64, width: usize| zero_fill(n, width, false);
        let ord = |n: i64| ordinal(n);
        let h12 = if self.hour % 12 == 0 {
            12
        } else {
            self.hour % 12
        };
        let (week, week_year) = week_of_year(self.year, self.day_of_year, 0, 6);
        let (iso_week, iso_year) = week_of_year(self.year, self.day_of_year, 1, 4);
        let quarter = (self.month + 2) / 3;
        let pm = self.hour > 11;
        Some(match token {
            "M" => self.month.to_string(),
            "MM" => pad(self.month, 2),
            "Mo" => ord(self.month),
            "MMM" => MONTHS[(self.month - 1) as usize][..3].to_string(),
            "MMMM" => MONTHS[(self.month - 1) as usize].to_string(),
            "D" => self.day.to_string(),
            "DD" => pad(self.day, 2),
            "Do" => ord(self.day),
            "DDD" => self.day_of_year.to_string(),
            "DDDD" => pad(self.day_of_year, 3),
            "DDDo" => ord(self.day_of_year),
            "d" | "e" => self.weekday.to_string(),
            "do" => ord(self.weekday),
            "dd" => WEEKDAYS[self.weekday as usize][..2].to_string(),
            "ddd" => WEEKDAYS[self.weekday as usize][..3].to_string(),
            "dddd" => WEEKDAYS[self.weekday as usize].to_string(),
            "E" => (if self.weekday == 0 { 7 } else { self.weekday }).to_string(),
            "w" => week.to_string(),
            "ww" => pad(week, 2),
            "wo" => ord(week),
            "W" => iso_week.to_string(),
            "WW" => pad(iso_week, 2),
            "Wo" => ord(iso_week),
            "gg" => pad(week_year.rem_euclid(100), 2),
            "gggg" => pad(week_year, 4),
            "ggggg" => pad(week_year, 5),
            "GG" => pad(iso_year.rem_euclid(100), 2),
            "GGGG" => pad(iso_year, 4),
            "GGGGG" => pad(iso_year, 5),
            "Q" => quarter.to_string(),
            "Qo" => ord(quarter),
            "N" | "NN" | "NNN" | "NNNNN" => "AD".into(),
            "NNNN" => "Anno Domini".into(),
            "y" => self.year.to_string(),
            "yy" => pad(self.year, 2),
            "yyy" => pad(self.year, 3),
            "yyyy" => pad(self.year, 4),
            "yo" => ord(self.year),
            "Y" if self.year <= 9999 => pad(self.year, 4),
            "Y" => format!("+{}", self.year),
            "YY" => pad(self.year % 100, 2),
            "YYYY" => pad(self.year, 4),
            "YYYYY" => pad(self.year, 5),
            "YYYYYY" => zero_fill(self.year, 6, true),
            "a" => (if pm { "pm" } else { "am" }).into(),
            "A" => (if pm { "PM" } else { "AM" }).into(),
            "H" => self.hour.to_string(),
            "HH" => pad(self.hour, 2),
            "h" => h12.to_string(),
            "hh" => pad(h12, 2),
            "k" => (if self.hour == 0 { 24 } else { self.hour }).to_string(),
            "kk" => pad(if self.hour == 0 { 24 } else { self.hour }, 2),
            "m" => self.minute.to_string(),
            "mm" => pad(self.minute, 2),
            "s" => self.second.to_string(),
            "ss" => pad(self.second, 2),
            "hmm" => format!("{h12}{}", pad(self.minute, 2)),
            "hmmss" => format!("{h12}{}{}", pad(self.minute, 2), pad(self.second, 2)),
            "Hmm" => format!("{}{}", self.hour, pad(self.minute, 2)),
            "Hmmss" => format!(
                "{}{}{}",
                self.hour,
                pad(self.minute, 2),
                pad(self.second, 2)
            ),
            "S" => (self.millisecond / 100).to_string(),
            "SS" => pad(self.millisecond / 10, 2),
            s if s.starts_with('S') && s.len() <= 9 => {
                let n = s.len();
                pad(self.millisecond * 10_i64.pow(n as u32 - 3), n)
            }
            "z" | "zz" => self.abbreviation.clone(),
            "Z" => self.offset(":"),
            "ZZ" => self.offset(""),
            "X" => self.ms.div_euclid(1000).to_string(),
            "x" => self.ms.to_string(),
            _ => return None,
        })
    }

    fn offset(&self, sep: &str) -> String {
        let (sign, m) = if self.offset_minutes < 0.0 {
            ('-', -self.offset_minutes)
        } else {
            ('+', self.offset_minutes)
        };
        let total = m.trunc() as i64;
        format!(
            "{sign}{}{sep}{}",
            zero_fill((m / 60.0).trunc() as i64, 2, false),
            zero_fill(total % 60, 2, false)
        )
    }
}

/// moment's `zeroFill`.
fn zero_fill(n: i64, width: usize, force_sign: bool) -> String {
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 {
        "-"
    } else if force_sign {
        "+"
    } else {
        ""
    };
    format!(
        "{sign}{}{digits}",
        "0".repeat(width.saturating_sub(digits.len()))
    )
}

/// English ordinals: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st...
fn ordinal(n: i64) -> String {
    let b = n % 10;
    let suffix = if (n % 100) / 10 == 1 {
        "th"
    } else {
        match b {
            1 => "st",
            2 => "nd",
            3 => "rd",
            _ => "th",
        }
    };
    format!("{}{suffix}", js::number_to_string(n as f64))
}

/// moment's week-of-year for a locale whose weeks start on `dow` and whose first week
/// contains January `7 + dow - doy`: `(week, week_year)`.
fn week_of_year(year: i64, day_of_year: i64, dow: i64, doy: i64) -> (i64, i64) {
    let offset = first_week_offset(year, dow, doy);
    let week = (day_of_year - offset - 1).div_euclid(7) + 1;
    if week < 1 {
        (week + weeks_in_year(year - 1, dow, doy), year - 1)
    } else if week > weeks_in_year(year, dow, doy) {
        (week - weeks_in_year(year, dow, doy), year + 1)
    } else {
        (week, year)
    }
}

fn first_week_offset(year: i64, dow: i64, doy: i64) -> i64 {
    let fwd = 7 + dow - doy;
    let weekday = i16::try_from(year)
        .ok()
        .and_then(|y| Date::new(y, 1, i8::try_from(fwd).ok()?).ok())
        .map_or(0, |d| i64::from(d.weekday().to_sunday_zero_offset()));
    let fwdlw = (7 + weekday - dow) % 7;
    -fwdlw + fwd - 1
}

fn weeks_in_year(year: i64, dow: i64, doy: i64) -> i64 {
    let days = if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
        366
    } else {
        365
    };
    (days - first_week_offset(year, dow, doy) + first_week_offset(year + 1, dow, doy)) / 7
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(instant: &str, zone: &str, f: &str) -> String {
        format(instant.parse().unwrap(), &Zone::lookup(zone), Some(f))
    }

    #[test]
    fn date_tokens_render_like_moment() {
        let t = "2024-05-07T20:03:04.056Z";
        assert_eq!(fmt(t, "UTC", "YYYYMMDD-HHmmss"), "20240507-200304");
        assert_eq!(
            fmt(t, "Asia/Tokyo", "YYYYMMDD-hhmmss A z Z ZZ"),
            "20240508-050304 AM JST +09:00 +0900"
        );
        assert_eq!(
            fmt(t, "UTC", "Do MMMM YYYY, dddd ddd dd d E"),
            "7th May 2024, Tuesday Tue Tu 2 2"
        );
        assert_eq!(
            fmt(t, "UTC", "DDD DDDD w ww W WW gggg GGGG Q Qo"),
            "128 128 19 19 19 19 2024 2024 2 2nd"
        );
        assert_eq!(
            fmt(t, "UTC", "S SS SSS SSSS X x k hmm"),
            "0 05 056 0560 1715112184 1715112184056 20 803"
        );
        assert_eq!(fmt(t, "UTC", "YYYYYY Y YY YYY"), "+002024 2024 24 242024");
    }

    #[test]
    fn date_literals_and_escapes() {
        let t = "2024-05-07T20:03:04Z";
        assert_eq!(fmt(t, "UTC", "[week] W [of] YYYY"), "week 19 of 2024");
        assert_eq!(
            fmt(t, "UTC", "YYYY-MM-DDTHH:mm:ss.SSS[Z]"),
            "2024-05-07T20:03:04.000Z"
        );
        assert_eq!(fmt(t, "UTC", "\\YYYY \\H"), "YYYY H");
        assert_eq!(fmt(t, "UTC", "[a]b]c[d"), "a]bc[2");
        assert_eq!(
            fmt(t, "UTC", "LT L ll [LT]"),
            "8:03 PM 05/07/2024 May 7, 2024 LT"
        );
    }

    #[test]
    fn eras_ordinals_zone_names_and_localized_formats() {
        let t = "2024-05-07T20:03:04.056Z";
        assert_eq!(
            fmt(t, "UTC", "N NNNN y yo yy w| Wo gg ggg a"),
            "AD Anno Domini 2024 2024th 2024 w| 19th 24 24g pm"
        );
        assert_eq!(
            fmt(t, "America/New_York", "z zz Z LLLL llll LTS"),
            "EDT EDT -04:00 Tuesday, May 7, 2024 4:03 PM Tue, May 7, 2024 4:03 PM 4:03:04 PM"
        );
        assert_eq!(fmt(t, "Europe/London", "z ZZ"), "BST +0100");
        assert_eq!(fmt(t, "Asia/Kolkata", "Z z"), "+05:30 IST");
        assert_eq!(fmt(t, "UTC", "e Mo DDDo do wo"), "2 5th 128th 2nd 19th");
    }

    #[test]
    fn unknown_zone_keeps_local_utc_time_unmarked() {
        let t = "2024-05-07T20:03:04Z";
        assert_eq!(fmt(t, "Mars/Olympus", "HH z Z"), "20  +00:00");
        assert_eq!(
            format(t.parse().unwrap(), &Zone::lookup("utc"), None),
            "2024-05-07T20:03:04Z"
        );
        assert_eq!(
            format(t.parse().unwrap(), &Zone::lookup("Asia/Tokyo"), None),
            "2024-05-08T05:03:04+09:00"
        );
    }
}
