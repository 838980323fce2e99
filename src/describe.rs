//! How durations and timings are said to people, and how a concrete date
//! was counted.
//!
//! Why one module: the same `7 calendar days` is printed by `summary`, drawn
//! by `graph`, explained in the report's tooltips and in the language
//! server's hovers. If each wrote its own words, one of them would sooner or
//! later say "7 days" where the agreement means 自然日 — and a wrong purge date
//! destroys data. The counting rules themselves live in [`crate::calendar`]
//! (and docs/semantics.md); this module only puts them into words, and
//! [`arithmetic`] shows the dates of one placement the machine computed
//! without computing it again.

use crate::ast::Modality;
use crate::model::{DurationM, TimingKindM, Unit};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

/// A duration as written in a clause file: `30min`, `24h`, `7d`,
/// `7 calendar days`, `3 workdays`, `1 month`, `6 months`.
pub fn duration(d: DurationM) -> String {
    let n = d.count;
    match d.unit {
        Unit::Minutes => format!("{n}min"),
        Unit::Hours => format!("{n}h"),
        Unit::Days => format!("{n}d"),
        Unit::CalendarDays if n == 1 => "1 calendar day".to_string(),
        Unit::CalendarDays => format!("{n} calendar days"),
        Unit::Workdays if n == 1 => "1 workday".to_string(),
        Unit::Workdays => format!("{n} workdays"),
        Unit::Months if n == 1 => "1 month".to_string(),
        Unit::Months => format!("{n} months"),
        Unit::CalendarMonths if n == 1 => "1 calendar month".to_string(),
        Unit::CalendarMonths => format!("{n} calendar months"),
    }
}

/// A duration in words for a page people read: `24 hours`, `7 × 24 hours`
/// (for `7d`: never mistaken for calendar days), `7 calendar days`,
/// `5 workdays`, `6 months`.
pub fn duration_words(d: DurationM) -> String {
    let n = d.count;
    let plural = |one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match d.unit {
        Unit::Minutes => plural("minute", "minutes"),
        Unit::Hours => plural("hour", "hours"),
        Unit::Days => format!("{n} × 24 hours"),
        Unit::CalendarDays => plural("calendar day", "calendar days"),
        Unit::Workdays => plural("workday", "workdays"),
        Unit::Months => plural("month", "months"),
        Unit::CalendarMonths => plural("calendar month", "calendar months"),
    }
}

/// How a duration is counted from its anchor, in one sentence (what the
/// language server shows on hover, what the report's legend says).
pub fn counting(d: DurationM) -> String {
    let n = d.count;
    match d.unit {
        Unit::Minutes | Unit::Hours => format!(
            "exactly {} from the anchor instant",
            duration(d).replace("min", " minutes").replace('h', " hours")
        ),
        Unit::Days => format!("exactly {n} × 24 hours from the anchor instant, at the same clock time"),
        Unit::CalendarDays => format!(
            "{} (自然日): the anchor's own day is not counted; ends at 24:00 local time of the {} day \
             after the anchor's date (PRC Civil Code Art. 201, 203); for a harmful provider step \
             under customer-safe, a last day that is a rest day moves to the next working day \
             (Art. 203 ¶1)",
            duration(d),
            ordinal(n)
        ),
        Unit::Workdays => format!(
            "{} (工作日): counted on the working days of the mainland-China calendar, the anchor's \
             own day not counted; ends at 24:00 local time of the {} working day",
            duration(d),
            ordinal(n)
        ),
        Unit::Months => format!(
            "{}: the same local clock time {n} month(s) later, on the last day of a shorter month",
            duration(d)
        ),
        Unit::CalendarMonths => format!(
            "{}: ends at 24:00 local time of the day of the {} month after the anchor's date that \
             corresponds to it, or of that month's last day (PRC Civil Code Art. 201, 202); for a \
             harmful provider step under customer-safe, a last day that is a rest day moves to the \
             next working day (Art. 203 ¶1)",
            duration(d),
            ordinal(n)
        ),
    }
}

/// How a duration counted back from its anchor (`before D`) is placed.
pub fn counting_back(d: DurationM) -> String {
    let n = d.count;
    match d.unit {
        Unit::CalendarDays => format!(
            "{}: at 00:00 local time of the {} day before the anchor's date",
            duration(d),
            ordinal(n)
        ),
        Unit::Workdays => format!(
            "{}: at 00:00 local time of the {} working day before the anchor's date",
            duration(d),
            ordinal(n)
        ),
        Unit::Months => format!(
            "{}: the same local clock time {n} month(s) earlier, on the last day of a shorter month",
            duration(d)
        ),
        Unit::CalendarMonths => format!(
            "{}: at 00:00 local time of the day {n} month(s) before the anchor's date (the month's \
             last day when it has no such day)",
            duration(d)
        ),
        Unit::Minutes | Unit::Hours | Unit::Days => {
            format!("{}: exactly that long before the anchor instant", duration(d))
        }
    }
}

/// What a step's modality says about its actions.
pub fn modality(m: Modality) -> &'static str {
    match m {
        Modality::Will => "a promise of the provider (将): it happens at the step's instant",
        Modality::May => {
            "a right of the provider (有权, 可能, 保留…权利): from the step's instant it may happen"
        }
        Modality::CustomerMay => "a right of the customer, open from the step's instant",
        Modality::CustomerMust => {
            "a customer deadline: the customer must act by the step's instant"
        }
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A timing in the clause language's words, its anchor named: `at once`,
/// `after 24h from suspended`, `within 7 calendar days from arrears`,
/// `7d before expiry`, `on calendar day 3 from order`.
pub fn timing(kind: TimingKindM, d: DurationM, anchor: &str) -> String {
    match kind {
        TimingKindM::At => format!("at once with {anchor}"),
        TimingKindM::After => format!("after {} from {anchor}", duration(d)),
        TimingKindM::Within => format!("within {} from {anchor}", duration(d)),
        TimingKindM::Before => format!("{} before {anchor}", duration(d)),
        TimingKindM::OnDay => format!("on calendar day {} from {anchor}", d.count),
        TimingKindM::OnHour => format!("on hour {} from {anchor}", d.count),
    }
}

/// An instant as people read it in the agreement's zone: `2024-06-03 10:00`
/// (seconds only when there are some).
pub fn instant(zone: Tz, at: i64) -> String {
    match DateTime::from_timestamp(at, 0) {
        Some(t) => {
            let l = zone.from_utc_datetime(&t.naive_utc());
            if l.second() == 0 {
                l.format("%Y-%m-%d %H:%M").to_string()
            } else {
                l.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
        None => at.to_string(),
    }
}

fn local_date(zone: Tz, at: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(at, 0).map(|t| zone.from_utc_datetime(&t.naive_utc()).date_naive())
}

fn short_date(d: NaiveDate) -> String {
    d.format("%m-%d").to_string()
}

/// One placement the machine made, for the words around it.
#[derive(Clone, Copy, Debug)]
pub struct Placed<'a> {
    pub kind: TimingKindM,
    pub duration: DurationM,
    /// What the timing counts from (`arrears`, a step's label).
    pub anchor: &'a str,
    /// The anchor's instant.
    pub anchor_at: i64,
    /// Where the machine placed the step.
    pub at: i64,
}

/// The date arithmetic of one placement, e.g. `arrears 2024-06-03 10:00 +
/// 7 calendar days: 06-03 not counted, 06-04 … 06-10 counted, ends 24:00 of
/// 06-10 = 2024-06-11 00:00`. Every date shown is read off `anchor_at` and
/// `at`; nothing is counted here.
pub fn arithmetic(zone: Tz, p: Placed) -> String {
    let from = format!("{} {}", p.anchor, instant(zone, p.anchor_at));
    let to = instant(zone, p.at);
    let d = duration(p.duration);
    let counted = || -> Option<String> {
        let first = local_date(zone, p.anchor_at)?;
        let end = local_date(zone, p.at)?;
        let last = end - Duration::days(1);
        let plain = first + Duration::days(i64::from(p.duration.count));
        if p.duration.unit == Unit::CalendarDays && last > plain {
            // Civil Code Art. 203 ¶1 moved a last day that is a rest day
            return Some(format!(
                "{} not counted, {} … {} counted; the last day is a rest day, so the period \
                 runs to the next working day (Civil Code Art. 203 ¶1) and ends 24:00 of {}",
                short_date(first),
                short_date(first + Duration::days(1)),
                short_date(plain),
                short_date(last)
            ));
        }
        Some(format!(
            "{} not counted, {} … {} counted, ends 24:00 of {}",
            short_date(first),
            short_date(first + Duration::days(1)),
            short_date(last),
            short_date(last)
        ))
    };
    match (p.kind, p.duration.unit) {
        (TimingKindM::At, _) => format!("at once with {from} = {to}"),
        (TimingKindM::After, Unit::CalendarDays | Unit::Workdays) => match counted() {
            Some(c) if p.duration.count > 0 => format!("{from} + {d}: {c} = {to}"),
            _ => format!("{from} + {d} = {to}"),
        },
        (TimingKindM::After, Unit::Days) => {
            format!("{from} + {d} ({} × 24 h) = {to}", p.duration.count)
        }
        (TimingKindM::After, _) => format!("{from} + {d} = {to}"),
        (TimingKindM::Before, _) => format!("{d} before {from} = {to}"),
        (TimingKindM::Within, _) => format!("window {from} … + {d}; placed at {to}"),
        (TimingKindM::OnDay, _) => format!(
            "calendar day {} after {from}; placed at {to}",
            p.duration.count
        ),
        (TimingKindM::OnHour, _) => {
            format!("hour {} after {from}; placed at {to}", p.duration.count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(count: u32, unit: Unit) -> DurationM {
        DurationM { count, unit }
    }

    #[test]
    fn durations_read_as_written() {
        assert_eq!(duration(d(24, Unit::Hours)), "24h");
        assert_eq!(duration(d(7, Unit::CalendarDays)), "7 calendar days");
        assert_eq!(duration(d(1, Unit::Months)), "1 month");
        assert_eq!(duration(d(3, Unit::Workdays)), "3 workdays");
    }

    #[test]
    fn calendar_days_name_the_counted_dates() {
        let zone: Tz = "Asia/Shanghai".parse().expect("zone");
        // 2024-06-03T10:00+08:00 and 2024-06-11T00:00+08:00
        let text = arithmetic(
            zone,
            Placed {
                kind: TimingKindM::After,
                duration: d(7, Unit::CalendarDays),
                anchor: "arrears",
                anchor_at: 1_717_380_000,
                at: 1_718_035_200,
            },
        );
        assert_eq!(
            text,
            "arrears 2024-06-03 10:00 + 7 calendar days: 06-03 not counted, 06-04 … 06-10 \
             counted, ends 24:00 of 06-10 = 2024-06-11 00:00"
        );
        // the same period under Art. 203 ¶1: 06-10 is 端午节, 06-11 a working day
        let extended = arithmetic(
            zone,
            Placed {
                kind: TimingKindM::After,
                duration: d(7, Unit::CalendarDays),
                anchor: "arrears",
                anchor_at: 1_717_380_000,
                at: 1_718_121_600,
            },
        );
        assert_eq!(
            extended,
            "arrears 2024-06-03 10:00 + 7 calendar days: 06-03 not counted, 06-04 … 06-10 \
             counted; the last day is a rest day, so the period runs to the next working day \
             (Civil Code Art. 203 ¶1) and ends 24:00 of 06-11 = 2024-06-12 00:00"
        );
        assert!(counting(d(7, Unit::CalendarDays)).contains("24:00 local time of the 7th day"));
        assert!(counting(d(2, Unit::Workdays)).contains("2nd working day"));
    }
}
