//! Durations on instants, the way the agreements count them.
//!
//! Instants are whole seconds since the Unix epoch (`i64`, UTC). Exact units
//! (`min`, `h`, `d` = 24 h) are plain arithmetic; calendar units are counted
//! on local dates in the agreement's zone:
//!
//! * `N calendar days` (自然日): the anchor's own day is not counted and the
//!   period ends at 24:00 of the N-th day, i.e. 00:00 local of
//!   `date(anchor) + N + 1` (the PRC Civil Code rule that the first day is
//!   not counted);
//! * `N workdays` (工作日): counted the same way on the working days of the
//!   shipped mainland-China calendar (`data/cn_mainland_workdays.txt`);
//!   a date outside that calendar is an error, never a guess;
//! * `N months`: the same local clock time N months later, clamped to the
//!   last day of a shorter month.
//!
//! `before D` counts backwards: `N calendar days` / `N workdays` before an
//! anchor start at 00:00 local of the N-th (working) day before the anchor's
//! date.

use crate::model::{DurationM, Unit};
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::sync::OnceLock;

/// Why a duration could not be placed on the time line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("date `{date}` is outside the working-day calendar ({first}..{last})")]
    OutsideCalendar {
        date: NaiveDate,
        first: NaiveDate,
        last: NaiveDate,
    },
    #[error("instant is outside the dates clausec can represent")]
    OutOfRange,
    #[error("working-day calendar data, line {line}: {message}")]
    Data { line: usize, message: String },
}

const DATA: &str = include_str!("../data/cn_mainland_workdays.txt");

/// A working-day calendar: which dates of its range are working days.
#[derive(Debug)]
pub struct WorkCalendar {
    first: NaiveDate,
    last: NaiveDate,
    /// One flag per date of the range, `true` = working day.
    working: Vec<bool>,
}

impl WorkCalendar {
    /// Parses the text format of `data/cn_mainland_workdays.txt`.
    pub fn parse(text: &str) -> Result<WorkCalendar, CalendarError> {
        let bad = |line: usize, message: &str| CalendarError::Data {
            line,
            message: message.to_string(),
        };
        let mut cal: Option<WorkCalendar> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let mut words = content.split_whitespace();
            let kind = words.next().unwrap_or("");
            let dates = words.next().ok_or_else(|| bad(line, "missing date"))?;
            let (a, b) = match dates.split_once("..") {
                Some((a, b)) => (a, b),
                None => (dates, dates),
            };
            let parse = |s: &str| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad(line, "bad date"))
            };
            let (a, b) = (parse(a)?, parse(b)?);
            if b < a {
                return Err(bad(line, "range ends before it starts"));
            }
            if kind == "range" {
                let days = (b - a).num_days() as usize + 1;
                let working = (0..days)
                    .map(|k| {
                        let d = a + chrono::Days::new(k as u64);
                        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
                    })
                    .collect();
                cal = Some(WorkCalendar {
                    first: a,
                    last: b,
                    working,
                });
                continue;
            }
            let cal = cal
                .as_mut()
                .ok_or_else(|| bad(line, "entry before the `range` line"))?;
            let value = match kind {
                "off" => false,
                "work" => true,
                _ => return Err(bad(line, "expected `range`, `off` or `work`")),
            };
            let mut d = a;
            while d <= b {
                let idx = cal
                    .index(d)
                    .ok_or_else(|| bad(line, "date outside the calendar range"))?;
                cal.working[idx] = value;
                d = d.succ_opt().ok_or_else(|| bad(line, "bad date"))?;
            }
        }
        cal.ok_or_else(|| bad(0, "no `range` line"))
    }

    fn index(&self, d: NaiveDate) -> Option<usize> {
        if d < self.first || d > self.last {
            return None;
        }
        Some((d - self.first).num_days() as usize)
    }

    /// First and last date the calendar knows.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        (self.first, self.last)
    }

    /// Whether `d` is a working day; an error outside the range.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        match self.index(d) {
            Some(i) => Ok(self.working[i]),
            None => Err(CalendarError::OutsideCalendar {
                date: d,
                first: self.first,
                last: self.last,
            }),
        }
    }
}

/// The shipped mainland-China calendar (parsed once).
pub fn cn_mainland() -> Result<&'static WorkCalendar, CalendarError> {
    static CAL: OnceLock<Result<WorkCalendar, CalendarError>> = OnceLock::new();
    CAL.get_or_init(|| WorkCalendar::parse(DATA))
        .as_ref()
        .map_err(Clone::clone)
}

/// The dates the working-day calendar covers (for the checker).
pub fn supported_range() -> Result<(NaiveDate, NaiveDate), CalendarError> {
    cn_mainland().map(WorkCalendar::range)
}

/// Everything needed to place durations: the zone and the working days.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub zone: Tz,
    pub calendar: &'static WorkCalendar,
}

impl Clock {
    pub fn new(zone: Tz) -> Result<Clock, CalendarError> {
        Ok(Clock {
            zone,
            calendar: cn_mainland()?,
        })
    }

    fn local(&self, at: i64) -> Result<NaiveDateTime, CalendarError> {
        let utc = DateTime::<Utc>::from_timestamp(at, 0).ok_or(CalendarError::OutOfRange)?;
        Ok(utc.with_timezone(&self.zone).naive_local())
    }

    /// The instant of a local date-time; in a gap (DST) the first valid
    /// instant after it, in an overlap the earlier one.
    fn instant(&self, local: NaiveDateTime) -> Result<i64, CalendarError> {
        let mut probe = local;
        for _ in 0..4 {
            if let Some(t) = self.zone.from_local_datetime(&probe).earliest() {
                return Ok(t.timestamp());
            }
            probe = probe
                .checked_add_signed(chrono::TimeDelta::minutes(30))
                .ok_or(CalendarError::OutOfRange)?;
        }
        Err(CalendarError::OutOfRange)
    }

    /// 00:00 local of a date.
    pub fn midnight(&self, d: NaiveDate) -> Result<i64, CalendarError> {
        self.instant(d.and_time(chrono::NaiveTime::MIN))
    }

    /// Local date of an instant.
    pub fn date(&self, at: i64) -> Result<NaiveDate, CalendarError> {
        Ok(self.local(at)?.date())
    }

    fn shift_date(d: NaiveDate, days: i64) -> Result<NaiveDate, CalendarError> {
        let r = if days >= 0 {
            d.checked_add_days(chrono::Days::new(days as u64))
        } else {
            d.checked_sub_days(chrono::Days::new(days.unsigned_abs()))
        };
        r.ok_or(CalendarError::OutOfRange)
    }

    /// `at` + `d`.
    pub fn add(&self, at: i64, d: DurationM) -> Result<i64, CalendarError> {
        let n = i64::from(d.count);
        if n == 0 {
            return Ok(at);
        }
        match d.unit {
            Unit::Minutes => at.checked_add(n * 60).ok_or(CalendarError::OutOfRange),
            Unit::Hours => at.checked_add(n * 3600).ok_or(CalendarError::OutOfRange),
            Unit::Days => at.checked_add(n * 86_400).ok_or(CalendarError::OutOfRange),
            Unit::CalendarDays => {
                let end = Self::shift_date(self.date(at)?, n + 1)?;
                self.midnight(end)
            }
            Unit::Workdays => {
                let mut day = self.date(at)?;
                let mut counted = 0;
                while counted < n {
                    day = Self::shift_date(day, 1)?;
                    if self.calendar.is_workday(day)? {
                        counted += 1;
                    }
                }
                self.midnight(Self::shift_date(day, 1)?)
            }
            Unit::Months => {
                let local = self.local(at)?;
                let shifted = local
                    .checked_add_months(Months::new(d.count))
                    .ok_or(CalendarError::OutOfRange)?;
                self.instant(shifted)
            }
        }
    }

    /// `at` − `d` (for `before D`).
    pub fn sub(&self, at: i64, d: DurationM) -> Result<i64, CalendarError> {
        let n = i64::from(d.count);
        if n == 0 {
            return Ok(at);
        }
        match d.unit {
            Unit::Minutes => at.checked_sub(n * 60).ok_or(CalendarError::OutOfRange),
            Unit::Hours => at.checked_sub(n * 3600).ok_or(CalendarError::OutOfRange),
            Unit::Days => at.checked_sub(n * 86_400).ok_or(CalendarError::OutOfRange),
            Unit::CalendarDays => self.midnight(Self::shift_date(self.date(at)?, -n)?),
            Unit::Workdays => {
                let mut day = self.date(at)?;
                let mut counted = 0;
                while counted < n {
                    day = Self::shift_date(day, -1)?;
                    if self.calendar.is_workday(day)? {
                        counted += 1;
                    }
                }
                self.midnight(day)
            }
            Unit::Months => {
                let local = self.local(at)?;
                let shifted = local
                    .checked_sub_months(Months::new(d.count))
                    .ok_or(CalendarError::OutOfRange)?;
                self.instant(shifted)
            }
        }
    }

    /// `on calendar day N`: the local day `date(anchor) + N` as
    /// `[00:00, 00:00 of the next day)`.
    pub fn day_window(&self, at: i64, n: u32) -> Result<(i64, i64), CalendarError> {
        let day = Self::shift_date(self.date(at)?, i64::from(n))?;
        Ok((
            self.midnight(day)?,
            self.midnight(Self::shift_date(day, 1)?)?,
        ))
    }

    /// Number of whole periods of `unit` (1 each) from `from` to `to`
    /// (0 when `to <= from`). Used by money terms.
    pub fn whole_periods(&self, from: i64, to: i64, per: Unit) -> Result<i64, CalendarError> {
        if to <= from {
            return Ok(0);
        }
        let secs = to - from;
        match per {
            Unit::Minutes => Ok(secs / 60),
            Unit::Hours => Ok(secs / 3600),
            Unit::Days => Ok(secs / 86_400),
            _ => {
                // months (and calendar units): count by stepping, starting
                // from an estimate so long spans stay cheap.
                let mut n: u32 = 0;
                loop {
                    let next = self.add(
                        from,
                        DurationM {
                            count: n + 1,
                            unit: per,
                        },
                    )?;
                    if next > to {
                        return Ok(i64::from(n));
                    }
                    n += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        Clock::new(chrono_tz::Asia::Shanghai).expect("shipped calendar parses")
    }
    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s)
            .expect("test instant")
            .timestamp()
    }
    fn dur(count: u32, unit: Unit) -> DurationM {
        DurationM { count, unit }
    }

    #[test]
    fn shipped_calendar_is_consistent() {
        let cal = cn_mainland().expect("parses");
        assert_eq!(
            cal.range(),
            (
                NaiveDate::from_ymd_opt(2018, 1, 1).expect("date"),
                NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")
            )
        );
        // every make-up working day falls on a weekend
        for line in DATA.lines() {
            let content = line.split('#').next().unwrap_or("").trim();
            if let Some(rest) = content.strip_prefix("work") {
                let d = rest.split_whitespace().next().expect("date");
                let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
                assert!(
                    matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
                    "{d} is not a weekend"
                );
            }
        }
    }

    #[test]
    fn exact_units_are_arithmetic() {
        let c = clock();
        let t = at("2024-06-01T10:00:00+08:00");
        assert_eq!(c.add(t, dur(24, Unit::Hours)), Ok(t + 86_400));
        assert_eq!(c.add(t, dur(15, Unit::Days)), Ok(t + 15 * 86_400));
        assert_eq!(c.add(t, dur(30, Unit::Minutes)), Ok(t + 1800));
    }

    #[test]
    fn calendar_days_end_at_midnight_after_the_nth_day() {
        let c = clock();
        let t = at("2024-06-01T10:00:00+08:00");
        assert_eq!(
            c.add(t, dur(7, Unit::CalendarDays)),
            Ok(at("2024-06-09T00:00:00+08:00"))
        );
        assert_eq!(
            c.sub(t, dur(7, Unit::CalendarDays)),
            Ok(at("2024-05-25T00:00:00+08:00"))
        );
        assert_eq!(
            c.day_window(t, 7),
            Ok((
                at("2024-06-08T00:00:00+08:00"),
                at("2024-06-09T00:00:00+08:00")
            ))
        );
    }

    #[test]
    fn workdays_skip_holidays_and_count_makeup_weekends() {
        let c = clock();
        // Friday 2024-09-13; 09-14 (Sat) is a make-up working day, 09-15..17 off.
        let t = at("2024-09-13T10:00:00+08:00");
        assert_eq!(
            c.add(t, dur(1, Unit::Workdays)),
            Ok(at("2024-09-15T00:00:00+08:00"))
        );
        assert_eq!(
            c.add(t, dur(2, Unit::Workdays)),
            Ok(at("2024-09-19T00:00:00+08:00"))
        );
        // National Day 2024: 09-30 (Mon) then 10-08 (Tue) after the holiday.
        let t = at("2024-09-29T10:00:00+08:00");
        assert_eq!(
            c.add(t, dur(2, Unit::Workdays)),
            Ok(at("2024-10-09T00:00:00+08:00"))
        );
    }

    #[test]
    fn workdays_outside_the_calendar_are_errors() {
        let c = clock();
        let t = at("2026-12-30T10:00:00+08:00");
        assert!(matches!(
            c.add(t, dur(5, Unit::Workdays)),
            Err(CalendarError::OutsideCalendar { .. })
        ));
        let t = at("2017-06-01T10:00:00+08:00");
        assert!(c.add(t, dur(1, Unit::Workdays)).is_err());
    }

    #[test]
    fn months_clamp_to_the_last_day() {
        let c = clock();
        let t = at("2024-01-31T10:00:00+08:00");
        assert_eq!(
            c.add(t, dur(1, Unit::Months)),
            Ok(at("2024-02-29T10:00:00+08:00"))
        );
        assert_eq!(
            c.sub(at("2024-03-31T10:00:00+08:00"), dur(1, Unit::Months)),
            Ok(at("2024-02-29T10:00:00+08:00"))
        );
        assert_eq!(
            c.whole_periods(t, at("2024-04-30T09:00:00+08:00"), Unit::Months),
            Ok(2)
        );
    }
}
