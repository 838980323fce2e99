//! The periods of the PRC Civil Code that the clause language names, as
//! pure functions on instants (the reference interpreter and the evaluator
//! call these; neither re-derives a date rule):
//!
//! * Art. 201: the day (or hour) a period starts is not counted;
//! * Art. 202: a period of months ends on the corresponding day of the last
//!   month, or that month's last day when it has no such day;
//! * Art. 203: a period ends at 24:00 of its last day; ¶1: a last day that
//!   is a statutory rest day (法定休假日) moves to the day after the rest
//!   days end.

use super::{CalendarError, Clock};
use chrono::{Months, NaiveDate};

impl Clock {
    /// `N calendar months` from `at` (Art. 201–203): 24:00 (00:00 local of
    /// the next day) of the day of the N-th month after `at`'s local date
    /// that corresponds to it, or of that month's last day when the month
    /// is shorter. 2024-01-15T10:00 + 6 → 2024-07-16T00:00;
    /// 2024-08-31T10:00 + 6 → 2025-03-01T00:00.
    pub fn calendar_months_end(&self, at: i64, n: u32) -> Result<i64, CalendarError> {
        if n == 0 {
            return Ok(at);
        }
        let last_day = self
            .date(at)?
            .checked_add_months(Months::new(n))
            .ok_or(CalendarError::OutOfRange)?;
        self.midnight(next_day(last_day)?)
    }

    /// `before N calendar months` (a customer deadline counted back, like
    /// `before N calendar days`): 00:00 local of the day N months before
    /// `at`'s local date (the month's last day when it has no such day).
    pub fn calendar_months_before(&self, at: i64, n: u32) -> Result<i64, CalendarError> {
        if n == 0 {
            return Ok(at);
        }
        let day = self
            .date(at)?
            .checked_sub_months(Months::new(n))
            .ok_or(CalendarError::OutOfRange)?;
        self.midnight(day)
    }

    /// `on hour N` (第N小时): the window [at + (N−1) h, at + N h]. Hours are
    /// exact; the checker keeps N ≥ 1.
    pub fn hour_window(&self, at: i64, n: u32) -> Result<(i64, i64), CalendarError> {
        let n = i64::from(n);
        let start = (n - 1)
            .checked_mul(3_600)
            .and_then(|d| at.checked_add(d))
            .ok_or(CalendarError::OutOfRange)?;
        let end = start.checked_add(3_600).ok_or(CalendarError::OutOfRange)?;
        Ok((start, end))
    }

    /// Art. 203 ¶1 on the end of a day or month period (00:00 local after
    /// its last day, as [`Clock::add`] gives for `calendar days` and
    /// `calendar months`): when the last day is a statutory rest day — a
    /// day the working-day calendar does not mark as a working day, i.e. a
    /// weekend not made a working day or a public holiday — the period ends
    /// instead at 24:00 of the first working day after it. An end whose
    /// last day is a working day is returned unchanged; a last day outside
    /// the calendar is an error.
    pub fn rest_day_extension(&self, end: i64) -> Result<i64, CalendarError> {
        // the integer path: day numbers under the zone's constant offset
        if let Some(off) = self.fast(end) {
            let mut last = Self::day_at(end, off) - 1;
            if self.calendar.is_workday_number(last)? {
                return Ok(end);
            }
            while !self.calendar.is_workday_number(last)? {
                last += 1;
            }
            if let Some(t) = Self::midnight_at(last + 1, off) {
                return Ok(t);
            }
        }
        let mut last = self
            .date(end)?
            .pred_opt()
            .ok_or(CalendarError::OutOfRange)?;
        if !self.calendar.is_rest_day(last)? {
            return Ok(end);
        }
        while self.calendar.is_rest_day(last)? {
            last = next_day(last)?;
        }
        self.midnight(next_day(last)?)
    }
}

fn next_day(d: NaiveDate) -> Result<NaiveDate, CalendarError> {
    d.succ_opt().ok_or(CalendarError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use crate::calendar::{CalendarError, Clock, WorkCalendar};
    use crate::model::{DurationM, Unit};
    use chrono::DateTime;

    fn clock() -> Clock {
        Clock::new(chrono_tz::Asia::Shanghai).expect("shipped calendar parses")
    }
    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(&format!("{s}:00+08:00"))
            .expect("test instant")
            .timestamp()
    }
    fn months(n: u32) -> DurationM {
        DurationM {
            count: n,
            unit: Unit::CalendarMonths,
        }
    }

    #[test]
    fn calendar_months_end_at_24h_of_the_corresponding_day() {
        for c in [
            clock(),
            Clock::exact(chrono_tz::Asia::Shanghai).expect("clock"),
        ] {
            let end = |from: &str, n: u32| c.add(at(from), months(n));
            // the spec's two examples (aliyun_certification §57.1: "自购买之日起6个月")
            assert_eq!(end("2024-01-15T10:00", 6), Ok(at("2024-07-16T00:00")));
            assert_eq!(end("2024-08-31T10:00", 6), Ok(at("2025-03-01T00:00")));
            // no 29 February in 2025, one in 2024
            assert_eq!(end("2023-08-31T23:59", 6), Ok(at("2024-03-01T00:00")));
            assert_eq!(end("2024-01-31T00:00", 1), Ok(at("2024-03-01T00:00")));
            assert_eq!(end("2024-02-29T08:00", 12), Ok(at("2025-03-01T00:00")));
            // across a year end; the same day next month
            assert_eq!(end("2024-11-30T10:00", 3), Ok(at("2025-03-01T00:00")));
            assert_eq!(end("2024-12-15T00:00", 1), Ok(at("2025-01-16T00:00")));
            assert_eq!(end("2024-12-15T00:00", 0), Ok(at("2024-12-15T00:00")));
            // `N months` keeps its same-clock meaning beside it
            assert_eq!(
                c.add(
                    at("2024-01-15T10:00"),
                    DurationM {
                        count: 6,
                        unit: Unit::Months
                    }
                ),
                Ok(at("2024-07-15T10:00"))
            );
            // counted back: 00:00 of the corresponding (or last) day
            assert_eq!(
                c.sub(at("2024-07-16T10:00"), months(6)),
                Ok(at("2024-01-16T00:00"))
            );
            assert_eq!(
                c.sub(at("2024-08-31T10:00"), months(6)),
                Ok(at("2024-02-29T00:00"))
            );
            // whole periods for money terms step through the same ends
            assert_eq!(
                c.whole_periods(
                    at("2024-01-15T10:00"),
                    at("2024-07-16T00:00"),
                    Unit::CalendarMonths
                ),
                Ok(6)
            );
            assert_eq!(
                c.whole_periods(
                    at("2024-01-15T10:00"),
                    at("2024-07-15T23:59"),
                    Unit::CalendarMonths
                ),
                Ok(5)
            );
        }
    }

    #[test]
    fn hour_n_is_the_window_of_the_nth_hour() {
        let c = clock();
        // dataworks/opensearch "第12小时": (11 h, 12 h] after the anchor
        assert_eq!(
            c.hour_window(at("2024-06-01T10:00"), 12),
            Ok((at("2024-06-01T21:00"), at("2024-06-01T22:00")))
        );
        assert_eq!(
            c.hour_window(at("2024-06-01T23:30"), 1),
            Ok((at("2024-06-01T23:30"), at("2024-06-02T00:30")))
        );
    }

    #[test]
    fn rest_day_extension_moves_a_last_day_off_holidays_and_weekends() {
        let c = clock();
        let days = |n| DurationM {
            count: n,
            unit: Unit::CalendarDays,
        };
        let extended = |from: &str, d: DurationM| c.rest_day_extension(c.add(at(from), d)?);
        // 7 calendar days from 2024-09-25: last day 10-02, inside National
        // Day (10-01..10-07); the period ends at 24:00 of Tuesday 10-08.
        assert_eq!(
            extended("2024-09-25T10:00", days(7)),
            Ok(at("2024-10-09T00:00"))
        );
        // last day Saturday 2024-06-08, then Sunday and the Dragon Boat
        // Festival Monday 06-10: the end moves to 24:00 of Tuesday 06-11.
        assert_eq!(
            extended("2024-06-01T10:00", days(7)),
            Ok(at("2024-06-12T00:00"))
        );
        // a plain weekend: last day Saturday 2024-03-09 → Monday 03-11
        assert_eq!(
            extended("2024-03-02T10:00", days(7)),
            Ok(at("2024-03-12T00:00"))
        );
        // a make-up working Saturday (2024-09-14, 调休上班) is not a rest day
        assert_eq!(
            extended("2024-09-07T10:00", days(7)),
            Ok(at("2024-09-15T00:00"))
        );
        // a working last day is kept
        assert_eq!(
            extended("2024-06-04T10:00", days(7)),
            Ok(at("2024-06-12T00:00"))
        );
        // a month period ending on 2024-10-01 (National Day) → 10-08
        assert_eq!(
            extended("2024-08-01T10:00", months(2)),
            Ok(at("2024-10-09T00:00"))
        );
        // Spring Festival 2025 (01-28..02-04): last day 01-31 → Wednesday 02-05
        assert_eq!(
            extended("2025-01-21T10:00", days(10)),
            Ok(at("2025-02-06T00:00"))
        );
        // New Year 2026 (01-01..01-03): last day 2026-01-02 → Sunday
        // 01-04 is a make-up working day
        assert_eq!(
            extended("2025-12-26T10:00", days(7)),
            Ok(at("2026-01-05T00:00"))
        );
    }

    #[test]
    fn rest_days_beyond_the_calendar_are_errors_until_it_is_extended() {
        let c = clock();
        let end = at("2027-01-05T00:00");
        assert!(matches!(
            c.rest_day_extension(end),
            Err(CalendarError::OutsideCalendar { .. })
        ));
        // a calendar file for 2027 answers it: 2027-01-04 is a Monday
        let cal = crate::calendar::intern(
            WorkCalendar::parse("range 2027-01-01..2027-12-31\noff 2027-01-01\n").expect("parses"),
        );
        let c = Clock::with_calendar(chrono_tz::Asia::Shanghai, cal);
        assert_eq!(c.rest_day_extension(end), Ok(end));
        // last day Friday 2027-01-01 (off), then the weekend → Monday 01-04
        assert_eq!(
            c.rest_day_extension(at("2027-01-02T00:00")),
            Ok(at("2027-01-05T00:00"))
        );
    }
}
