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
    "calendar months",
    "calendar day",
    "workday",
    "month",
    "calendar month",
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
        "calendar month" | "calendar months" => Unit::CalendarMonths,
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
        Unit::Months | Unit::CalendarMonths => 1_200,
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
                    .help("a duration has a unit of time: `min`, `h`, `d`, `calendar days`, `workdays`, `months`, `calendar months`"),
            );
            return None;
        }
        None => {
            let d = Diagnostic::new(Code::E0016, format!("unknown duration unit `{}`", lit.unit))
                .at(lit.unit_span, "not a unit of time")
                .help("units are `min`, `h`, `d`, `calendar days`, `workdays`, `months`, `calendar months`");
            let d = match other_spelling(&lit.unit) {
                Some(spelling) => suggest_unit(sink, d, lit, spelling),
                None => d.suggest(&lit.unit, UNIT_NAMES.iter().copied()),
            };
            sink.push(d);
            return None;
        }
    };
    let count = whole_number(sink, &lit.count, lit.span, "a duration", max_count(unit))?;
    Some(DurationM { count, unit })
}

/// What a unit written in other words means in the language's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spelling {
    /// The same unit: replacing it keeps the meaning (`小时` → `h`).
    Same(&'static str),
    /// 日, 天, days: a day in the text is a calendar day unless it counts
    /// hours from an instant; which one the author means is theirs to say.
    Day,
    /// 周, weeks: so many times seven days.
    Week,
    /// 年, years: so many times twelve months.
    Year,
}

/// Units written in Chinese or in English words, or with a typo of form
/// (`calendar_days`), that mean one of the language's units.
fn other_spelling(unit: &str) -> Option<Spelling> {
    let folded = crate::diagnostic::fold_full_width(unit);
    if folded != unit && unit_of(&folded).is_some() {
        return None; // a full-width spelling: `suggest` handles it
    }
    Some(match unit.to_lowercase().as_str() {
        "小时" | "个小时" | "钟头" | "hour" | "hours" | "hr" | "hrs" => Spelling::Same("h"),
        "分钟" | "分" | "minute" | "minutes" | "mins" => Spelling::Same("min"),
        "自然日" | "个自然日" | "calendar_day" | "calendar_days" | "calendarday"
        | "calendardays" => Spelling::Same("calendar days"),
        "工作日" | "个工作日" | "working_days" | "business_days" | "workingdays"
        | "businessdays" => Spelling::Same("workdays"),
        "月" | "个月" | "mon" | "mons" => Spelling::Same("months"),
        "日" | "天" | "day" | "days" | "日历天" => Spelling::Day,
        "周" | "星期" | "个星期" | "礼拜" | "week" | "weeks" | "wk" => Spelling::Week,
        "年" | "year" | "years" | "yr" | "yrs" => Spelling::Year,
        _ => return None,
    })
}

/// The suggestion for a unit written in other words. Only a spelling of
/// the same unit is safe; 日/天 get `calendar days` with the agreement's own
/// definition (or the Civil Code's rule) in the help, and weeks and years
/// are rewritten in days and months for the author to confirm.
fn suggest_unit(sink: &Sink, d: Diagnostic, lit: &DurationLit, spelling: Spelling) -> Diagnostic {
    let count: Option<u64> = lit.count.parse().ok();
    let whole = |n: u64, unit: &str| format!("{n} {unit}");
    match spelling {
        Spelling::Same(unit) => d.suggest_at(
            lit.unit_span,
            unit,
            true,
            format!("`{}` is written `{unit}` in clause files;", lit.unit),
        ),
        Spelling::Day => {
            let n = count.unwrap_or(1);
            let why = match day_definition(sink) {
                Some((article, sentence)) => format!(
                    "the agreement defines its days in `§{article}`: “{sentence}” — write `{n} calendar days` (自然日: the anchor's own day is not counted, the period ends at 24:00 of day {n});"
                ),
                None => format!(
                    "a period in days does not count its first day and ends at 24:00 of the last (Civil Code Art. 201, 203): write `{n} calendar days` (自然日);"
                ),
            };
            d.suggest_at(
                lit.span,
                &whole(n, "calendar days"),
                false,
                format!(
                    "{why} `{n}d` is exactly {n} × 24 hours, for periods the text counts from an instant (“届满24小时”);",
                ),
            )
        }
        Spelling::Week => match count.and_then(|n| n.checked_mul(7)) {
            Some(days) => d.suggest_at(
                lit.span,
                &whole(days, "calendar days"),
                false,
                format!(
                    "the language counts weeks in days: `{} {}` is `{days} calendar days`;",
                    lit.count, lit.unit
                ),
            ),
            None => d,
        },
        Spelling::Year => match count.and_then(|n| n.checked_mul(12)) {
            Some(months) => d.suggest_at(
                lit.span,
                &whole(months, "months"),
                false,
                format!(
                    "the language counts years in months: `{} {}` is `{months} months`;",
                    lit.count, lit.unit
                ),
            ),
            None => d,
        },
    }
}

/// Where the agreement's text says what its 日 and 天 are: the article
/// and the sentence (e.g. the 2024 text's §14.4.13, “…所有的“日”、“天”均为自然日”).
fn day_definition(sink: &Sink) -> Option<(String, String)> {
    let path = sink.agreement_text.as_ref()?;
    let crate::source::AgreementText::Loaded(raw) = sink.map.agreement_text(path)? else {
        return None;
    };
    let text = crate::sourcetext::SourceText::new(raw);
    let norm = &text.norm;
    let found = ["“日”", "“天”"].iter().find_map(|w| {
        norm.match_indices(w).map(|(i, _)| i).find(|&i| {
            let end = norm[i..].find('。').map_or(norm.len(), |e| i + e);
            norm[i..end].contains("自然日") || norm[i..end].contains("工作日")
        })
    })?;
    let start = norm[..found]
        .rfind(['。', '；'])
        .map_or(0, |i| i + '。'.len_utf8());
    let end = norm[found..]
        .find('。')
        .map_or(norm.len(), |e| found + e + '。'.len_utf8());
    let article = text
        .article_at(found)
        .map(|a| text.articles[a].number.clone())?;
    // The sentence starts after the article's number when it is the first one.
    let heading = &text.articles[text.article_at(found)?].own;
    let start = start.max(heading.start);
    let sentence = norm[start..end].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some((article, sentence.to_string()))
}

/// A well-formed duration's value, or `None` (without a diagnostic: the
/// checker reports bad ones through `duration`). For tools that show
/// what a duration means while the agreement has errors elsewhere.
pub fn duration_value(lit: &DurationLit) -> Option<DurationM> {
    let unit = unit_of(&lit.unit)?;
    let count: u32 = lit.count.parse().ok()?;
    (u64::from(count) <= max_count(unit)).then_some(DurationM { count, unit })
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
            let d = Diagnostic::new(Code::E0026, format!("unknown time zone `{}`", name.name))
                .at(name.span, "not an IANA time-zone name");
            let d = if let Some((zone, why)) = zone_alias(&name.name) {
                d.replace_primary(zone, true, format!("{why}: write `{zone}`"))
            } else if let Some(z) = chrono_tz::TZ_VARIANTS
                .iter()
                .find(|z| z.name().eq_ignore_ascii_case(&name.name))
            {
                d.replace_primary(
                    z.name(),
                    true,
                    format!("zone names are case-sensitive: write `{}`", z.name()),
                )
            } else if let Some(offset) = fixed_offset(&name.name) {
                d.replace_primary(
                    "Asia/Shanghai",
                    false,
                    format!("`{}` is a fixed offset, not a zone; an agreement counted in China time uses `Asia/Shanghai` (UTC+8, no daylight saving since 1991){offset}", name.name),
                )
            } else {
                d.help("use an IANA name such as `Asia/Shanghai`")
                    .suggest(&name.name, chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()))
            };
            sink.push(d);
            None
        }
    }
}

/// Names people give the zones of the agreements that IANA spells
/// otherwise: (IANA name, why it is the same zone).
fn zone_alias(name: &str) -> Option<(&'static str, &'static str)> {
    let china = "Beijing time is the IANA zone `Asia/Shanghai` (there is no `Asia/Beijing`)";
    Some(match name.to_lowercase().as_str() {
        "asia/beijing" | "beijing" | "asia/peking" | "peking" | "china" | "cn" | "asia/china" => {
            ("Asia/Shanghai", china)
        }
        "asia/hongkong" | "hongkong" | "hong_kong" => (
            "Asia/Hong_Kong",
            "Hong Kong time is the IANA zone `Asia/Hong_Kong`",
        ),
        "asia/mumbai" | "asia/new_delhi" => (
            "Asia/Kolkata",
            "India's single zone is the IANA zone `Asia/Kolkata`",
        ),
        _ => return None,
    })
}

/// For `UTC+8`, `GMT+08:00`, `+08:00`: a note on the IANA fixed-offset
/// name (whose sign is inverted), when the offset is +8.
fn fixed_offset(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let rest = lower
        .strip_prefix("utc")
        .or_else(|| lower.strip_prefix("gmt"))
        .unwrap_or(&lower);
    match rest {
        "+8" | "+08" | "+8:00" | "+08:00" | "+0800" => {
            Some("; a fixed UTC+8 is `Etc/GMT-8` (IANA inverts the sign)")
        }
        _ => None,
    }
}
