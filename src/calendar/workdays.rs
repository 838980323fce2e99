//! Working-day calendars: which dates of a range are working days, read
//! from the text format of `data/cn_mainland_workdays.txt` (the shipped
//! mainland-China calendar) or from a file in the same format that an
//! agreement header (`calendar "path"`) or the CLI (`--calendar FILE`)
//! names. A date outside a calendar's range is an error, never a guess.

use super::{date_of_number, day_number, CalendarError};
use chrono::{Datelike, NaiveDate, Weekday};
use std::sync::{Mutex, OnceLock};

const DATA: &str = include_str!("../../data/cn_mainland_workdays.txt");

/// A working-day calendar: which dates of its range are working days.
#[derive(Debug, PartialEq, Eq)]
pub struct WorkCalendar {
    first: NaiveDate,
    last: NaiveDate,
    /// `first` as days since 1970-01-01.
    first_day: i64,
    /// One flag per date of the range, `true` = working day.
    working: Vec<bool>,
}

/// Longest range a calendar file may declare (a century): the flags are
/// allocated before the entries are read.
const MAX_RANGE_DAYS: i64 = 36_600;

impl WorkCalendar {
    /// Parses the text format of `data/cn_mainland_workdays.txt`:
    /// `range <first>..<last>` once, then `off <date>[..<date>]` and
    /// `work <date>` lines; `#` starts a comment. Errors name the line and
    /// the column of the offending word.
    pub fn parse(text: &str) -> Result<WorkCalendar, CalendarError> {
        let mut cal: Option<WorkCalendar> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.split('#').next().unwrap_or("");
            let bad = |word: &str, message: &str| CalendarError::Data {
                line,
                column: column_of(raw, word),
                message: message.to_string(),
            };
            let mut words = content.split_whitespace();
            let Some(kind) = words.next() else { continue };
            let Some(dates) = words.next() else {
                return Err(bad(kind, "missing date after the keyword"));
            };
            let (a, b) = dates.split_once("..").unwrap_or((dates, dates));
            let parse = |s: &str| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| bad(dates, "expected a date like `2027-01-01`"))
            };
            let (a, b) = (parse(a)?, parse(b)?);
            if b < a {
                return Err(bad(dates, "range ends before it starts"));
            }
            match (kind, cal.as_mut()) {
                ("range", Some(_)) => return Err(bad(kind, "second `range` line")),
                ("range", None) => {
                    let days = (b - a).num_days() + 1;
                    if days > MAX_RANGE_DAYS {
                        return Err(bad(dates, "a calendar covers at most 100 years"));
                    }
                    let working = (0..days)
                        .map(|k| {
                            let d = a + chrono::Days::new(k.unsigned_abs());
                            !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
                        })
                        .collect();
                    cal = Some(WorkCalendar {
                        first: a,
                        last: b,
                        first_day: day_number(a),
                        working,
                    });
                }
                ("off" | "work", None) => return Err(bad(kind, "entry before the `range` line")),
                ("off" | "work", Some(cal)) => {
                    let mut d = a;
                    while d <= b {
                        let idx = cal
                            .index(d)
                            .ok_or_else(|| bad(dates, "date outside the calendar's range"))?;
                        if let Some(flag) = cal.working.get_mut(idx) {
                            *flag = kind == "work";
                        }
                        d = d.succ_opt().ok_or_else(|| bad(dates, "bad date"))?;
                    }
                }
                _ => return Err(bad(kind, "expected `range`, `off` or `work`")),
            }
        }
        cal.ok_or(CalendarError::Data {
            line: 0,
            column: 0,
            message: "no `range` line".to_string(),
        })
    }

    /// A calendar that knows no date (every question about a working day
    /// is an error).
    pub fn empty() -> WorkCalendar {
        WorkCalendar {
            first: NaiveDate::MIN,
            last: NaiveDate::MIN,
            first_day: day_number(NaiveDate::MIN),
            working: Vec::new(),
        }
    }

    fn index(&self, d: NaiveDate) -> Option<usize> {
        if d < self.first || d > self.last {
            return None;
        }
        usize::try_from((d - self.first).num_days()).ok()
    }

    /// [`WorkCalendar::is_workday`] on a day number (days since 1970-01-01).
    pub(super) fn is_workday_number(&self, day: i64) -> Result<bool, CalendarError> {
        let i = day - self.first_day;
        match usize::try_from(i).ok().and_then(|i| self.working.get(i)) {
            Some(w) => Ok(*w),
            None => self.is_workday(date_of_number(day)?),
        }
    }

    /// The most consecutive non-working days inside the calendar: any
    /// `longest_break() + 1` consecutive dates of its range hold a working day.
    pub fn longest_break(&self) -> i64 {
        let (mut longest, mut run) = (0i64, 0i64);
        for w in &self.working {
            run = if *w { 0 } else { run + 1 };
            longest = longest.max(run);
        }
        longest
    }

    /// A hash of the calendar's dates and working days: part of every
    /// automaton's fingerprint, so states and checkpoints taken under
    /// other calendar data are recognised.
    pub fn digest(&self) -> u64 {
        let mut bytes = self.first_day.to_le_bytes().to_vec();
        bytes.extend(self.working.iter().map(|w| u8::from(*w)));
        crate::hash::hash_bytes(&bytes)
    }

    /// First and last date as day numbers (days since 1970-01-01).
    pub fn day_range(&self) -> (i64, i64) {
        (self.first_day, day_number(self.last))
    }

    /// First and last date the calendar knows.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        (self.first, self.last)
    }

    /// Whether `d` is a working day; an error outside the range.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        match self.index(d).and_then(|i| self.working.get(i)) {
            Some(w) => Ok(*w),
            None => Err(CalendarError::OutsideCalendar {
                date: d,
                first: self.first,
                last: self.last,
            }),
        }
    }

    /// Whether `d` is a statutory rest day (法定休假日, Civil Code Art. 203):
    /// a day the calendar does not mark as a working day — a weekend not
    /// made a working day, or a public holiday.
    pub fn is_rest_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.is_workday(d).map(|w| !w)
    }
}

/// 1-based column (in characters) of `word` in `line`.
fn column_of(line: &str, word: &str) -> usize {
    line.find(word)
        .map_or(1, |b| line.get(..b).map_or(0, |s| s.chars().count()) + 1)
}

/// The shipped mainland-China calendar (parsed once).
pub fn cn_mainland() -> Result<&'static WorkCalendar, CalendarError> {
    static CAL: OnceLock<Result<WorkCalendar, CalendarError>> = OnceLock::new();
    CAL.get_or_init(|| WorkCalendar::parse(DATA))
        .as_ref()
        .map_err(Clone::clone)
}

/// A calendar for the rest of the run: clocks hold `&'static` calendars (a
/// clock is a small `Copy` value on every evaluation path), so a calendar
/// read from a file is kept once per distinct content and never freed.
/// Loading the same file again returns the calendar already kept.
pub fn intern(cal: WorkCalendar) -> &'static WorkCalendar {
    static KEPT: Mutex<Vec<&'static WorkCalendar>> = Mutex::new(Vec::new());
    if let Ok(shipped) = cn_mainland() {
        if *shipped == cal {
            return shipped;
        }
    }
    let Ok(mut kept) = KEPT.lock() else {
        return Box::leak(Box::new(cal));
    };
    if let Some(found) = kept.iter().find(|k| ***k == cal) {
        return found;
    }
    let leaked: &'static WorkCalendar = Box::leak(Box::new(cal));
    kept.push(leaked);
    leaked
}

/// The dates the shipped working-day calendar covers (for the checker).
pub fn supported_range() -> Result<(NaiveDate, NaiveDate), CalendarError> {
    cn_mainland().map(WorkCalendar::range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn shipped_calendar_is_consistent() {
        let cal = cn_mainland().expect("parses");
        assert_eq!(cal.range(), (date("2018-01-01"), date("2026-12-31")));
        // every make-up working day falls on a weekend
        for line in DATA.lines() {
            let content = line.split('#').next().unwrap_or("").trim();
            if let Some(rest) = content.strip_prefix("work") {
                let d = date(rest.split_whitespace().next().expect("date"));
                assert!(
                    matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
                    "{d} is not a weekend"
                );
            }
        }
    }

    #[test]
    fn a_calendar_file_extends_the_range() {
        let text = "# 2027, a test calendar\nrange 2027-01-01..2027-12-31\noff 2027-01-01 元旦\nwork 2027-01-09 调休\n";
        let cal = WorkCalendar::parse(text).expect("parses");
        assert_eq!(cal.range(), (date("2027-01-01"), date("2027-12-31")));
        assert_eq!(cal.is_workday(date("2027-01-01")), Ok(false)); // Friday, off
        assert_eq!(cal.is_workday(date("2027-01-09")), Ok(true)); // Saturday, work
        assert_eq!(cal.is_workday(date("2027-01-10")), Ok(false)); // Sunday
        assert_eq!(cal.is_rest_day(date("2027-01-04")), Ok(false)); // Monday
        let kept = intern(WorkCalendar::parse(text).expect("parses"));
        let again = intern(WorkCalendar::parse(text).expect("parses"));
        assert!(std::ptr::eq(kept, again), "one calendar kept per content");
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = |text: &str| WorkCalendar::parse(text).expect_err("must fail");
        assert_eq!(
            err("range 2027-01-01..2027-12-31\noff  2027-02-30 no such day\n"),
            CalendarError::Data {
                line: 2,
                column: 6,
                message: "expected a date like `2027-01-01`".into()
            }
        );
        assert!(matches!(
            err("off 2027-01-01\n"),
            CalendarError::Data {
                line: 1,
                column: 1,
                ..
            }
        ));
        assert!(matches!(
            err("range 2027-01-01..2027-12-31\nholiday 2027-01-01\n"),
            CalendarError::Data {
                line: 2,
                column: 1,
                ..
            }
        ));
        assert!(matches!(
            err("range 2027-01-01..2027-12-31\n  off 2028-01-01\n"),
            CalendarError::Data {
                line: 2,
                column: 7,
                ..
            }
        ));
        assert!(matches!(
            err("range 2027-01-01..2026-12-31\n"),
            CalendarError::Data {
                line: 1,
                column: 7,
                ..
            }
        ));
        assert!(matches!(
            err("# nothing\n"),
            CalendarError::Data { line: 0, .. }
        ));
        let msg = err("range 2027-01-01..2027-12-31\noff\n").to_string();
        assert!(msg.contains("line 2, column 1"), "{msg}");
    }

    #[test]
    fn dates_outside_say_how_to_extend() {
        let cal = cn_mainland().expect("parses");
        let msg = cal
            .is_workday(date("2027-01-04"))
            .expect_err("outside")
            .to_string();
        assert!(msg.contains("2018-01-01..2026-12-31"), "{msg}");
        assert!(msg.contains("calendar \""), "{msg}");
        assert!(msg.contains("--calendar"), "{msg}");
    }
}
