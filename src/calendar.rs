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
//! * `N workdays` (工作日): counted the same way on the working days of a
//!   working-day calendar (`calendar/workdays.rs`: the shipped mainland-China one,
//!   `data/cn_mainland_workdays.txt`, or a file in its format); a date
//!   outside the calendar is an error, never a guess;
//! * `N months`: the same local clock time N months later, clamped to the
//!   last day of a shorter month;
//! * `N calendar months`, `on hour N` and the Civil Code's rest-day
//!   extension of a period's last day: `calendar/civil.rs`.
//!
//! `before D` counts backwards: `N calendar days` / `N workdays` before an
//! anchor start at 00:00 local of the N-th (working) day before the anchor's
//! date.
//!
//! Speed: asking chrono-tz for the offset on every call dominated evaluation
//! time. Most agreements use a zone whose UTC offset has not changed in
//! decades (Asia/Shanghai: +08:00 since 1991), so [`Clock::new`] checks once
//! per zone whether the offset is constant over [`FAST_FROM`]..[`FAST_UNTIL`]
//! plus a year's margin on each side; if it is, dates are day numbers and
//! midnights are `day × 86 400 − offset`, plain integer arithmetic. An
//! instant or result outside that span, or a zone with daylight saving time,
//! takes the chrono-tz path, so every answer is the one chrono-tz gives
//! ([`Clock::exact`] keeps only that path; the reference interpreter uses it
//! and a property test compares the two).

mod civil;
mod workdays;

pub use workdays::{cn_mainland, intern, supported_range, WorkCalendar};

use crate::model::{DurationM, Unit};
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a duration could not be placed on the time line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("date `{date}` is outside the working-day calendar ({first}..{last}); extend it with a calendar file in the format of data/cn_mainland_workdays.txt, named in the agreement header (`calendar \"path\"`) or given to the command (`--calendar FILE`)")]
    OutsideCalendar {
        date: NaiveDate,
        first: NaiveDate,
        last: NaiveDate,
    },
    #[error("instant is outside the dates clausec can represent")]
    OutOfRange,
    #[error("working-day calendar data, line {line}, column {column}: {message}")]
    Data {
        line: usize,
        column: usize,
        message: String,
    },
}

/// 2000-01-01T00:00:00Z: the fast path serves instants from here …
pub const FAST_FROM: i64 = 946_684_800;
/// … to 2101-01-01T00:00:00Z (the checker bounds dates to 2000..2100).
pub const FAST_UNTIL: i64 = 4_133_980_800;
/// The offset is verified constant a year beyond each end, so a local time
/// near the ends has no second reading under another offset.
const VERIFY_MARGIN: i64 = 366 * 86_400;
/// Verification probes the offset every hour.
const PROBE_STEP: i64 = 3_600;
/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_DAY_FROM_CE: i64 = 719_163;

fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - UNIX_DAY_FROM_CE
}

fn date_of_number(day: i64) -> Result<NaiveDate, CalendarError> {
    i32::try_from(day + UNIX_DAY_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or(CalendarError::OutOfRange)
}

/// The zone's UTC offset (seconds) if chrono-tz gives the same one at every
/// hour of the verified span, else `None`. Computed once per zone.
fn constant_offset(zone: Tz) -> Option<i64> {
    static KNOWN: std::sync::Mutex<Vec<(Tz, Option<i64>)>> = std::sync::Mutex::new(Vec::new());
    let lookup =
        |known: &Vec<(Tz, Option<i64>)>| known.iter().find(|(z, _)| *z == zone).map(|(_, o)| *o);
    if let Some(o) = KNOWN.lock().ok().and_then(|k| lookup(&k)) {
        return o;
    }
    let offset_at = |t: i64| {
        DateTime::<Utc>::from_timestamp(t, 0).map(|u| {
            use chrono::Offset;
            i64::from(
                zone.offset_from_utc_datetime(&u.naive_utc())
                    .fix()
                    .local_minus_utc(),
            )
        })
    };
    let first = offset_at(FAST_FROM - VERIFY_MARGIN);
    let mut t = FAST_FROM - VERIFY_MARGIN;
    let mut constant = first.is_some();
    while constant && t <= FAST_UNTIL + VERIFY_MARGIN {
        constant = offset_at(t) == first;
        t += PROBE_STEP;
    }
    let result = if constant { first } else { None };
    if let Ok(mut k) = KNOWN.lock() {
        if lookup(&k).is_none() {
            k.push((zone, result));
        }
    }
    result
}

/// Everything needed to place durations: the zone and the working days.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub zone: Tz,
    pub calendar: &'static WorkCalendar,
    /// The zone's constant UTC offset over the fast span, if it has one.
    fixed: Option<i64>,
}

impl Clock {
    /// A clock with the integer fast path when the zone allows it.
    pub fn new(zone: Tz) -> Result<Clock, CalendarError> {
        Ok(Self::with_calendar(zone, cn_mainland()?))
    }

    /// [`Clock::new`] with another working-day calendar (a calendar file).
    pub fn with_calendar(zone: Tz, calendar: &'static WorkCalendar) -> Clock {
        Clock {
            zone,
            calendar,
            fixed: constant_offset(zone),
        }
    }

    /// A clock that asks chrono-tz on every call (the reference interpreter
    /// uses it, so the differential test also checks the fast path).
    pub fn exact(zone: Tz) -> Result<Clock, CalendarError> {
        Ok(Self::exact_with_calendar(zone, cn_mainland()?))
    }

    /// [`Clock::exact`] with another working-day calendar.
    pub fn exact_with_calendar(zone: Tz, calendar: &'static WorkCalendar) -> Clock {
        Clock {
            zone,
            calendar,
            fixed: None,
        }
    }

    /// Whether this clock takes the integer fast path for its zone.
    pub fn has_fast_path(&self) -> bool {
        self.fixed.is_some()
    }

    /// `at` + `n` calendar days (`n` > 0) when the fast path applies to both
    /// instants, else `None` (then [`Clock::add`] takes the exact path).
    /// What [`Clock::add`] computes for `Unit::CalendarDays` on that path.
    #[inline]
    pub fn calendar_days_fast(&self, at: i64, n: i64) -> Option<i64> {
        let off = self.fast(at)?;
        Self::midnight_at(Self::day_at(at, off).checked_add(n)?.checked_add(1)?, off)
    }

    /// [`Clock::calendar_days_fast`] with Civil Code Art. 203 ¶1
    /// ([`Clock::rest_day_extension`]): a last day that is a rest day moves
    /// to the first working day after it. `None` off the fast path or when
    /// a day it asks about is outside the calendar (then the exact path
    /// answers, or reports the error).
    #[inline]
    pub fn calendar_days_rest_fast(&self, at: i64, n: i64) -> Option<i64> {
        let off = self.fast(at)?;
        let mut last = Self::day_at(at, off).checked_add(n)?;
        while !self.calendar.is_workday_number(last).ok()? {
            last = last.checked_add(1)?;
        }
        Self::midnight_at(last.checked_add(1)?, off)
    }

    /// The zone's constant UTC offset over the fast span, if it has one.
    pub fn fixed_offset(&self) -> Option<i64> {
        self.fixed
    }

    /// The constant offset, if `at` lies in the fast span.
    #[inline]
    fn fast(&self, at: i64) -> Option<i64> {
        self.fixed
            .filter(|_| (FAST_FROM..=FAST_UNTIL).contains(&at))
    }

    /// `result` if it lies in the fast span too.
    fn fast_result(result: i64) -> Option<i64> {
        (FAST_FROM..=FAST_UNTIL).contains(&result).then_some(result)
    }

    /// Local day number (days since 1970-01-01) under offset `off`.
    fn day_at(at: i64, off: i64) -> i64 {
        (at + off).div_euclid(86_400)
    }

    /// 00:00 local of a day number under offset `off`, if in the fast span.
    fn midnight_at(day: i64, off: i64) -> Option<i64> {
        day.checked_mul(86_400)
            .map(|t| t - off)
            .and_then(Self::fast_result)
    }

    fn fast_workdays(
        &self,
        at: i64,
        off: i64,
        n: i64,
        forward: bool,
    ) -> Result<Option<i64>, CalendarError> {
        let mut day = Self::day_at(at, off);
        let mut counted = 0;
        while counted < n {
            day += if forward { 1 } else { -1 };
            if self.calendar.is_workday_number(day)? {
                counted += 1;
            }
        }
        Ok(Self::midnight_at(if forward { day + 1 } else { day }, off))
    }

    fn fast_months(at: i64, off: i64, months: u32, forward: bool) -> Option<i64> {
        let local = DateTime::<Utc>::from_timestamp(at + off, 0)?.naive_utc();
        let shifted = if forward {
            local.checked_add_months(Months::new(months))?
        } else {
            local.checked_sub_months(Months::new(months))?
        };
        Self::fast_result(shifted.and_utc().timestamp() - off)
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
        if let Some(t) = self
            .fixed
            .and_then(|off| Self::midnight_at(day_number(d), off))
        {
            return Ok(t);
        }
        self.instant(d.and_time(chrono::NaiveTime::MIN))
    }

    /// Local date of an instant.
    pub fn date(&self, at: i64) -> Result<NaiveDate, CalendarError> {
        if let Some(off) = self.fast(at) {
            return date_of_number(Self::day_at(at, off));
        }
        Ok(self.local(at)?.date())
    }

    /// 00:00 local of the day after the local date of `at`.
    ///
    /// On the fast path (the late fee's start, per arrears episode): `at`
    /// is in the fast span, so its local time is positive and its day
    /// number an unsigned division, and the next midnight is after `at`,
    /// so only the span's end bounds it (`midnight_at` of `day_at` + 1,
    /// in fewer instructions).
    #[inline(always)]
    pub fn next_midnight(&self, at: i64) -> Result<i64, CalendarError> {
        if let Some(off) = self.fast(at) {
            if let Ok(local) = u64::try_from(at + off) {
                let t = (local / 86_400 + 1) as i64 * 86_400 - off;
                if t <= FAST_UNTIL {
                    return Ok(t);
                }
            }
        }
        self.next_midnight_exact(at)
    }

    /// [`Clock::next_midnight`] off the fast path.
    #[inline(never)]
    fn next_midnight_exact(&self, at: i64) -> Result<i64, CalendarError> {
        let next = self.date(at)?.succ_opt().ok_or(CalendarError::OutOfRange)?;
        self.midnight(next)
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
                if let Some(off) = self.fast(at) {
                    if let Some(t) = Self::midnight_at(Self::day_at(at, off) + n + 1, off) {
                        return Ok(t);
                    }
                }
                let end = Self::shift_date(self.date(at)?, n + 1)?;
                self.midnight(end)
            }
            Unit::Workdays => {
                if let Some(off) = self.fast(at) {
                    if let Some(t) = self.fast_workdays(at, off, n, true)? {
                        return Ok(t);
                    }
                }
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
                if let Some(t) = self
                    .fast(at)
                    .and_then(|off| Self::fast_months(at, off, d.count, true))
                {
                    return Ok(t);
                }
                let local = self.local(at)?;
                let shifted = local
                    .checked_add_months(Months::new(d.count))
                    .ok_or(CalendarError::OutOfRange)?;
                self.instant(shifted)
            }
            Unit::CalendarMonths => self.calendar_months_end(at, d.count),
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
            Unit::CalendarDays => {
                if let Some(off) = self.fast(at) {
                    if let Some(t) = Self::midnight_at(Self::day_at(at, off) - n, off) {
                        return Ok(t);
                    }
                }
                self.midnight(Self::shift_date(self.date(at)?, -n)?)
            }
            Unit::Workdays => {
                if let Some(off) = self.fast(at) {
                    if let Some(t) = self.fast_workdays(at, off, n, false)? {
                        return Ok(t);
                    }
                }
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
                if let Some(t) = self
                    .fast(at)
                    .and_then(|off| Self::fast_months(at, off, d.count, false))
                {
                    return Ok(t);
                }
                let local = self.local(at)?;
                let shifted = local
                    .checked_sub_months(Months::new(d.count))
                    .ok_or(CalendarError::OutOfRange)?;
                self.instant(shifted)
            }
            Unit::CalendarMonths => self.calendar_months_before(at, d.count),
        }
    }

    /// `on calendar day N`: the local day `date(anchor) + N` as
    /// `[00:00, 00:00 of the next day)`.
    pub fn day_window(&self, at: i64, n: u32) -> Result<(i64, i64), CalendarError> {
        if let Some(off) = self.fast(at) {
            let day = Self::day_at(at, off) + i64::from(n);
            if let (Some(s), Some(e)) =
                (Self::midnight_at(day, off), Self::midnight_at(day + 1, off))
            {
                return Ok((s, e));
            }
        }
        let day = Self::shift_date(self.date(at)?, i64::from(n))?;
        Ok((
            self.midnight(day)?,
            self.midnight(Self::shift_date(day, 1)?)?,
        ))
    }

    /// Number of whole periods of `unit` (1 each) from `from` to `to`
    /// (0 when `to <= from`). Used by money terms.
    #[inline]
    pub fn whole_periods(&self, from: i64, to: i64, per: Unit) -> Result<i64, CalendarError> {
        if to <= from {
            return Ok(0);
        }
        let secs = to - from;
        match per {
            Unit::Minutes => Ok(secs / 60),
            Unit::Hours => Ok(secs / 3600),
            Unit::Days => Ok(secs / 86_400),
            _ => self.whole_periods_stepped(from, to, per),
        }
    }

    /// [`Clock::whole_periods`] of months and calendar units, counted by
    /// stepping.
    #[inline(never)]
    fn whole_periods_stepped(&self, from: i64, to: i64, per: Unit) -> Result<i64, CalendarError> {
        // months (and calendar units): count by stepping
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

    #[test]
    fn fixed_offset_zones_take_the_fast_path_and_dst_zones_do_not() {
        assert!(clock().has_fast_path());
        let ny = Clock::new(chrono_tz::America::New_York).expect("calendar");
        assert!(!ny.has_fast_path());
        let sp = Clock::new(chrono_tz::America::Sao_Paulo).expect("calendar");
        assert!(!sp.has_fast_path(), "DST until 2019");
        assert!(!Clock::exact(chrono_tz::Asia::Shanghai)
            .expect("calendar")
            .has_fast_path());
    }

    fn unit_of(k: u8) -> Unit {
        match k % 7 {
            0 => Unit::Minutes,
            1 => Unit::Hours,
            2 => Unit::Days,
            3 => Unit::CalendarDays,
            4 => Unit::Workdays,
            5 => Unit::CalendarMonths,
            _ => Unit::Months,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4_000))]
        /// The integer fast path gives exactly chrono-tz's answer, errors
        /// included, across the span's edges (1998..2103) and inside the
        /// workday calendar's years.
        #[test]
        fn fast_path_agrees_with_chrono_tz(
            at in 883_612_800i64..4_228_675_200,
            near in 1_514_736_000i64..1_798_732_800,
            pick_near in proptest::bool::ANY,
            count in 0u32..400,
            k in 0u8..7,
            to in -100_000_000i64..100_000_000,
        ) {
            let fast = clock();
            let exact = Clock::exact(chrono_tz::Asia::Shanghai).expect("calendar");
            let at = if pick_near { near } else { at };
            let d = dur(count, unit_of(k));
            proptest::prop_assert_eq!(fast.add(at, d), exact.add(at, d));
            proptest::prop_assert_eq!(fast.sub(at, d), exact.sub(at, d));
            proptest::prop_assert_eq!(fast.day_window(at, count), exact.day_window(at, count));
            proptest::prop_assert_eq!(fast.date(at), exact.date(at));
            proptest::prop_assert_eq!(fast.next_midnight(at), exact.next_midnight(at));
            // Art. 203 ¶1 on any instant and on a midnight (a period's end)
            proptest::prop_assert_eq!(fast.rest_day_extension(at), exact.rest_day_extension(at));
            if let Ok(end) = exact.next_midnight(at) {
                proptest::prop_assert_eq!(
                    fast.rest_day_extension(end),
                    exact.rest_day_extension(end)
                );
            }
            // the evaluator's inline calendar days: the exact answer or none
            if let (Some(t), true) = (fast.calendar_days_fast(at, i64::from(count)), count > 0) {
                proptest::prop_assert_eq!(Ok(t), exact.add(at, dur(count, Unit::CalendarDays)));
            }
            // and with the rest-day extension (a `Plan::RestDays` step, a
            // reading of a two-reading step)
            let rest = fast.calendar_days_rest_fast(at, i64::from(count));
            if let (Some(t), true) = (rest, count > 0) {
                let end = exact.add(at, dur(count, Unit::CalendarDays));
                proptest::prop_assert_eq!(Ok(t), end.and_then(|e| exact.rest_day_extension(e)));
            }
            if let Ok(day) = exact.date(at) {
                proptest::prop_assert_eq!(fast.midnight(day), exact.midnight(day));
            }
            if count < 40 {
                proptest::prop_assert_eq!(
                    fast.whole_periods(at, at + to, unit_of(k)),
                    exact.whole_periods(at, at + to, unit_of(k))
                );
            }
        }
    }
}
