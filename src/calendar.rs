//! systemd calendar events (`OnCalendar=`, systemd.time(7)), checked before they reach a timer:
//! a strict subset of the grammar, so an accepted schedule is one systemd accepts (the property
//! tests compare with `systemd-analyze calendar`), and a rejected one gets a message saying
//! which part is wrong.
//!
//! Accepted: the shorthands (`daily`, `weekly`, …), and `[WEEKDAYS] [DATE] [TIME] [UTC]` where
//! WEEKDAYS is a list of days or ranges (`Mon..Fri,Sun`), DATE is `[YEAR-]MONTH-DAY`, TIME is
//! `HOUR:MINUTE[:SECOND]`, and each numeric part is `*`, a number, a range `a..b` or a list of
//! those, optionally repeated every `/n`.

/// Shorthands systemd expands itself.
const SHORTHANDS: &[&str] = &[
    "minutely",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "annually",
    "quarterly",
    "semiannually",
];

const WEEKDAYS: &[(&str, &str)] = &[
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];

/// Why a schedule is not a calendar event app2nix accepts.
pub type Error = String;

/// Check `spec`; `Ok` when systemd reads it as a calendar event.
pub fn check(spec: &str) -> Result<(), Error> {
    if spec.is_empty() {
        return Err("it is empty".into());
    }
    // systemd refuses leading and trailing space, tabs, and some runs of spaces: one space
    // between the parts is what it always reads.
    if spec.trim() != spec
        || spec.contains("  ")
        || spec.chars().any(|c| c.is_whitespace() && c != ' ')
    {
        return Err("separate its parts with single spaces, without spaces around it".into());
    }
    if SHORTHANDS.contains(&spec.to_ascii_lowercase().as_str()) {
        return Ok(());
    }
    let mut parts: Vec<&str> = spec.split(' ').collect();
    if parts.last().is_some_and(|p| p.eq_ignore_ascii_case("utc")) {
        parts.pop();
    }
    if parts.is_empty() {
        return Err("it names a time zone but no time".into());
    }
    let mut i = 0;
    if parts[i]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        weekdays(parts[i])?;
        i += 1;
    }
    if i < parts.len() && parts[i].contains('-') && !parts[i].contains(':') {
        date(parts[i])?;
        i += 1;
    }
    if i < parts.len() && parts[i].contains(':') {
        time(parts[i])?;
        i += 1;
    }
    if i == 0 {
        return Err(format!("`{}` is not a weekday, a date or a time", parts[0]));
    }
    match parts.get(i) {
        None => Ok(()),
        Some(rest) => Err(format!(
            "`{rest}` is not a weekday, a date, a time or `UTC` in its place"
        )),
    }
}

fn weekday(s: &str) -> Option<usize> {
    let l = s.to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .position(|(short, long)| l == *short || l == *long)
}

fn weekdays(s: &str) -> Result<(), Error> {
    for item in s.split(',') {
        let ok = match item.split_once("..") {
            // systemd's ranges go forward from Monday: `Fri..Mon` is refused.
            Some((a, b)) => matches!((weekday(a), weekday(b)), (Some(a), Some(b)) if a <= b),
            None => weekday(item).is_some(),
        };
        if !ok {
            return Err(format!(
                "`{item}` is not a weekday (Mon … Sun) or a range of them (Mon..Fri)"
            ));
        }
    }
    Ok(())
}

/// One numeric field: `*`, `n`, `a..b`, lists of those; a number or a range may repeat every
/// `/step`. systemd has no `*/step` (`0/15` repeats from 0), and a repeated number must leave
/// room for one repetition (`8/23` is a day, `8/24` is not).
fn field(s: &str, name: &str, min: u32, max: u32) -> Result<(), Error> {
    let bad = || {
        format!(
            "`{s}` is not a {name} ({min}…{max}, `*`, a range `a..b`, a list, or a start with a step: `{min}/5`)"
        )
    };
    for item in s.split(',') {
        let (value, step) = match item.split_once('/') {
            Some((v, st)) => match digits(st) {
                Some(n) if n > 0 && n <= max.max(1) => (v, Some(n)),
                _ => return Err(bad()),
            },
            None => (item, None),
        };
        let num = |x: &str| digits(x).filter(|n| (min..=max).contains(n));
        let ok = match value {
            "*" => step.is_none(),
            v => match v.split_once("..") {
                // systemd reads seconds as decimals, and `10..10` as `10.` then `.10`: a range of
                // seconds must be a real one (unless repeated).
                Some((a, b)) => matches!((num(a), num(b)),
                    (Some(a), Some(b)) if a < b || (a == b && (name != "second" || step.is_some()))),
                None => num(v).is_some_and(|n| step.is_none_or(|st| n + st <= max)),
            },
        };
        if !ok {
            return Err(bad());
        }
    }
    Ok(())
}

/// A number written with one to four digits and nothing else (`u32::from_str` also takes `+5`,
/// which systemd does not).
fn digits(x: &str) -> Option<u32> {
    (!x.is_empty() && x.len() <= 4 && x.bytes().all(|b| b.is_ascii_digit()))
        .then(|| x.parse().ok())
        .flatten()
}

fn date(s: &str) -> Result<(), Error> {
    let parts: Vec<&str> = s.split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [m, d] => (None, *m, *d),
        [y, m, d] => (Some(*y), *m, *d),
        _ => {
            return Err(format!(
                "`{s}` is not a date (`YEAR-MONTH-DAY` or `MONTH-DAY`)"
            ));
        }
    };
    if let Some(y) = year {
        field(y, "year", 1970, 2199)?;
    }
    field(month, "month", 1, 12)?;
    field(day, "day", 1, 31)
}

fn time(s: &str) -> Result<(), Error> {
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (*h, *m, None),
        [h, m, sec] => (*h, *m, Some(*sec)),
        _ => {
            return Err(format!(
                "`{s}` is not a time (`HOUR:MINUTE` or `HOUR:MINUTE:SECOND`)"
            ));
        }
    };
    field(h, "hour", 0, 23)?;
    field(m, "minute", 0, 59)?;
    if let Some(sec) = sec {
        field(sec, "second", 0, 59)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        for s in [
            "daily",
            "Weekly",
            "*-*-* 03:00:00",
            "03:00",
            "Mon..Fri 09:00",
            "Sat,Sun 10:30",
            "*-*-01 00:00:00",
            "2027-01-01",
            "*-02-28 12:00 UTC",
            "*:0/15",
            "Mon *-*-* 01:15:00",
            "*-*-* 0,12:00",
            "Monday 08:00",
        ] {
            assert_eq!(check(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn rejected() {
        for s in [
            "",
            "every full moon",
            "25:00",
            "Mon..Funday",
            "*-13-01",
            "*-*-* 03:00 Europe/Berlin",
            "daily; rm -rf /",
            "*:0/0",
            "3..1:00",
            "%h",
            // Found by the property test against `systemd-analyze calendar`.
            "*-*-8/24",
            "*:*/15",
            "*:1/59",
            "Fri..Mon 10:00",
            "*:*:10..10",
            // Found by the adversarial review: systemd refuses them all.
            "+5:00",
            "*-*-+1 +3:+0",
            "Mon\t09:00",
            "Mon\u{a0}09:00",
            " daily",
            "*-*-* 03:00  UTC",
        ] {
            assert!(check(s).is_err(), "{s}");
        }
    }
}
