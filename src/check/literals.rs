//! Literal values as written → typed values: durations, amounts, rates,
//! dates, instants and zones.
//!
//! The parser keeps literals as text so that lowering never fails; this
//! module is where a bad number, an unknown unit or an impossible date
//! becomes a diagnostic. Every function returns `None` after reporting, so
//! the caller carries on with the rest of the file.

use super::Sink;
use crate::ast::{AmountLit, DurationLit, Ident, InstantLit, RateLit, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{DurationM, RatePeriod, Unit};
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Unit spellings shown in help and suggestions.
pub const UNIT_NAMES: &[&str] = &[
    "min",
    "h",
    "d",
    "calendar days",
    "workdays",
    "months",
    "calendar day",
    "workday",
    "month",
];

/// Earliest and latest dates the language accepts.
pub fn supported_range() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or_default(),
    )
}

fn unit_of(text: &str) -> Option<Unit> {
    Some(match text {
        "min" => Unit::Minutes,
        "h" => Unit::Hours,
        "d" => Unit::Days,
        "calendar day" | "calendar days" => Unit::CalendarDays,
        "workday" | "workdays" => Unit::Workdays,
        "month" | "months" => Unit::Months,
        _ => return None,
    })
}

/// Largest count of a unit that stays within 100 years.
fn max_count(unit: Unit) -> u64 {
    const DAYS: u64 = 36_525;
    match unit {
        Unit::Minutes => DAYS * 24 * 60,
        Unit::Hours => DAYS * 24,
        Unit::Days | Unit::CalendarDays | Unit::Workdays => DAYS,
        Unit::Months => 1_200,
    }
}

fn is_currency(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase())
}

/// Parses a whole number that counts something (`24`, `12`), reporting
/// decimals and overflow as E0018.
pub fn whole_number(sink: &mut Sink, text: &str, span: Span, what: &str, max: u64) -> Option<u32> {
    if text.contains('.') {
        sink.push(
            Diagnostic::new(
                Code::E0018,
                format!("{what} must be a whole number, found `{text}`"),
            )
            .at(span, "not a whole number")
            .help("write a whole number, or use a smaller unit (`36h` rather than `1.5d`)"),
        );
        return None;
    }
    match text.parse::<u64>() {
        Ok(n) if n <= max => u32::try_from(n).ok(),
        _ => {
            sink.push(
                Diagnostic::new(Code::E0018, format!("{what} `{text}` is out of range"))
                    .at(span, format!("at most {max} here"))
                    .help("durations are limited to 100 years"),
            );
            None
        }
    }
}

/// `24h`, `15 calendar days`, … → [`DurationM`].
pub fn duration(sink: &mut Sink, lit: &DurationLit) -> Option<DurationM> {
    let unit = match unit_of(&lit.unit) {
        Some(u) => u,
        None if is_currency(&lit.unit) => {
            sink.push(
                Diagnostic::new(Code::E0017, "expected a duration, found an amount")
                    .at(lit.span, format!("`{}` is a currency", lit.unit))
                    .help("a duration has a unit of time: `min`, `h`, `d`, `calendar days`, `workdays`, `months`"),
            );
            return None;
        }
        None => {
            sink.push(
                Diagnostic::new(Code::E0016, format!("unknown duration unit `{}`", lit.unit))
                    .at(lit.unit_span, "not a unit of time")
                    .help("units are `min`, `h`, `d`, `calendar days`, `workdays`, `months`")
                    .suggest(&lit.unit, UNIT_NAMES.iter().copied()),
            );
            return None;
        }
    };
    let count = whole_number(sink, &lit.count, lit.span, "a duration", max_count(unit))?;
    Some(DurationM { count, unit })
}

/// `1000.00 CNY` → (value, currency).
pub fn amount(sink: &mut Sink, lit: &AmountLit) -> Option<(Decimal, String)> {
    let value = decimal(sink, &lit.value, lit.span)?;
    Some((value, lit.currency.name.clone()))
}

/// An exact decimal; too many digits is E0018.
pub fn decimal(sink: &mut Sink, text: &str, span: Span) -> Option<Decimal> {
    match Decimal::from_str(text) {
        Ok(d) => Some(d),
        Err(_) => {
            sink.push(
                Diagnostic::new(Code::E0018, format!("number `{text}` is out of range"))
                    .at(span, "too many digits for an exact decimal")
                    .help("amounts and rates hold at most 28 significant digits"),
            );
            None
        }
    }
}

/// `0.05% per day` → (fraction per period, period).
pub fn rate(sink: &mut Sink, lit: &RateLit) -> Option<(Decimal, RatePeriod)> {
    let percent = decimal(sink, &lit.percent, lit.span);
    let Some(per) = &lit.per else {
        sink.push(
            Diagnostic::new(Code::E0017, "a rate needs a period")
                .at(lit.span, "per what?")
                .help(format!(
                    "write `{}% per day` (or `per hour`, `per month`)",
                    lit.percent
                )),
        );
        return None;
    };
    let period = rate_period(sink, per)?;
    Some((percent? / Decimal::ONE_HUNDRED, period))
}

fn rate_period(sink: &mut Sink, per: &Ident) -> Option<RatePeriod> {
    Some(match per.name.as_str() {
        "day" => RatePeriod::Day,
        "hour" => RatePeriod::Hour,
        "month" => RatePeriod::Month,
        other if is_currency(other) => {
            sink.push(
                Diagnostic::new(Code::E0017, "expected a period, found a currency")
                    .at(per.span, "a rate is a percentage per unit of time")
                    .help("write `per day`, `per hour` or `per month`"),
            );
            return None;
        }
        other => {
            sink.push(
                Diagnostic::new(Code::E0016, format!("unknown rate period `{other}`"))
                    .at(per.span, "not a period")
                    .help("periods are `day`, `hour`, `month`")
                    .suggest(other, ["day", "hour", "month"]),
            );
            return None;
        }
    })
}

fn out_of_range(sink: &mut Sink, text: &str, span: Span) {
    sink.push(
        Diagnostic::new(
            Code::E0025,
            format!("date `{text}` is outside the supported range"),
        )
        .at(span, "before 2000-01-01 or after 2100-12-31")
        .help("dates must lie within 2000-01-01..2100-12-31"),
    );
}

/// `2024-05-15` → a date within the supported range.
pub fn date(sink: &mut Sink, text: &str, span: Span) -> Option<NaiveDate> {
    let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") else {
        sink.push(
            Diagnostic::new(Code::E0025, format!("`{text}` is not a date"))
                .at(span, "no such day")
                .help("write a real calendar date as `YYYY-MM-DD`, e.g. `2024-05-15`"),
        );
        return None;
    };
    let (lo, hi) = supported_range();
    if d < lo || d > hi {
        out_of_range(sink, text, span);
        return None;
    }
    Some(d)
}

/// An instant; without an offset it is local time in `zone`.
pub fn instant(sink: &mut Sink, lit: &InstantLit, zone: Tz) -> Option<DateTime<Utc>> {
    let text = lit.text.as_str();
    let bad = |sink: &mut Sink| {
        sink.push(
            Diagnostic::new(Code::E0025, format!("`{text}` is not a valid instant"))
                .at(lit.span, "no such date or time")
                .help(
                    "write `YYYY-MM-DDTHH:MM`, optionally with seconds and an offset like `+08:00`",
                ),
        );
    };
    let utc = if let Ok(dt) = DateTime::parse_from_rfc3339(&with_seconds(text)) {
        dt.with_timezone(&Utc)
    } else {
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"));
        let Ok(naive) = naive else {
            bad(sink);
            return None;
        };
        let (lo, hi) = supported_range();
        if naive.date() < lo || naive.date() > hi {
            out_of_range(sink, text, lit.span);
            return None;
        }
        match zone.from_local_datetime(&naive) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(..) => {
                sink.push(
                    Diagnostic::new(
                        Code::E0025,
                        format!("`{text}` happens twice in `{}`", zone.name()),
                    )
                    .at(lit.span, "ambiguous local time (clocks go back)")
                    .help("add the offset you mean, e.g. `+01:00`"),
                );
                return None;
            }
            LocalResult::None => {
                sink.push(
                    Diagnostic::new(
                        Code::E0025,
                        format!("`{text}` does not exist in `{}`", zone.name()),
                    )
                    .at(lit.span, "skipped when clocks go forward")
                    .help("pick a local time outside the daylight-saving gap, or add an offset"),
                );
                return None;
            }
        }
    };
    let (lo, hi) = supported_range();
    let day = utc.date_naive();
    if day < lo || day > hi {
        out_of_range(sink, text, lit.span);
        return None;
    }
    Some(utc)
}

/// RFC 3339 wants seconds; the language lets authors leave them out.
fn with_seconds(text: &str) -> String {
    // `YYYY-MM-DDTHH:MM` is 16 bytes; seconds present when byte 16 is ':'.
    if text.len() > 16 && text.as_bytes().get(16) != Some(&b':') && text.is_char_boundary(16) {
        format!("{}:00{}", &text[..16], &text[16..])
    } else {
        text.to_string()
    }
}

/// An IANA zone name.
pub fn zone(sink: &mut Sink, name: &Ident) -> Option<Tz> {
    match Tz::from_str(&name.name) {
        Ok(z) => Some(z),
        Err(_) => {
            sink.push(
                Diagnostic::new(Code::E0026, format!("unknown time zone `{}`", name.name))
                    .at(name.span, "not an IANA time-zone name")
                    .help("use an IANA name such as `Asia/Shanghai`")
                    .suggest(&name.name, chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())),
            );
            None
        }
    }
}
