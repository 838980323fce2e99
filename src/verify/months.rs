//! Calendar months in the search (Civil Code Arts. 201, 202): `after N
//! calendar months` ends at 24:00 of the corresponding day of the N-th
//! month after the anchor's date, or of that month's last day
//! ([`crate::calendar::Clock::calendar_months_end`]). Counted in local
//! midnights after the anchor, that end is the `m`-th, where `m` depends
//! only on the anchor's **date** and lies in a bounded interval
//! [`bounds`] (6 months: the 182nd to the 185th).
//!
//! The search does not carry dates, so it chooses: a **month mark** per
//! anchor point and number of months, a counter of its own that is 0
//! until the end and then counts the midnights since it (saturating). At
//! each midnight, a mark not yet reached whose anchor has counted `m`
//! midnights, `lo ≤ m ≤ hi`, may be reached there — it must be at `hi`.
//! Anchor points set on the same date have counted the same midnights
//! (the counters are exact: one UTC offset), and the end depends on the
//! date only, so marks of the same length whose anchors show the same
//! count are reached at the same midnight: one choice for all of them.
//! Hence a step `after 6 calendar months` and a property `no … before 6
//! calendar months from …` counted from the same date end together on
//! every path, exactly as the evaluator has them end together on every
//! date: comparing them is exact. Every real timeline is a path (its
//! dates choose the midnight the calendar gives, one of `lo ..= hi`), so
//! what no path violates holds for every date; a violation found is
//! replayed through the evaluator before it is reported (a path may end
//! two different lengths in an order no date gives).
//!
//! A step is due from its mark (`Count` at least 1), and with Art. 203
//! ¶1's rest-day extension forced only `slack` midnights later, as for
//! calendar days.

use super::net::{Atom, Net};
use chrono::{Months, NaiveDate};

/// One month end counted from an anchor point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthMark {
    /// The anchor point it counts from.
    pub anchor: usize,
    pub months: u32,
    /// The midnights after the anchor the end can fall on: `lo ..= hi`.
    pub lo: u8,
    pub hi: u8,
    /// Its counter in the search's counters: 0 before the end, then 1 +
    /// the midnights since.
    pub counter: usize,
}

/// The least and greatest number of local midnights from an instant on
/// date `D` to the end of `n` calendar months from it (00:00 of the day
/// after `D + n months`, Art. 202's last day when the month is shorter),
/// over every date: the Gregorian calendar repeats every 400 years, so
/// one cycle holds every case.
pub fn bounds(n: u32) -> Option<(u32, u32)> {
    let start = NaiveDate::from_ymd_opt(2000, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(2400, 1, 1)?;
    let (mut lo, mut hi) = (u32::MAX, 0);
    let mut d = start;
    while d < end {
        let last = d.checked_add_months(Months::new(n))?;
        let m = u32::try_from((last - d).num_days() + 1).ok()?;
        lo = lo.min(m);
        hi = hi.max(m);
        d = d.succ_opt()?;
    }
    (lo <= hi).then_some((lo, hi))
}

impl Net {
    /// "`n` calendar months have passed since anchor point `a`" as an
    /// atom: its month mark reached (and, with `slack`, forced that many
    /// midnights later: a last day the rest days extend).
    pub fn month_atom(&mut self, a: usize, n: u32, slack: u8) -> Result<Atom, String> {
        let too_long = || format!("{n} calendar months (the search counts at most 250 days)");
        let (lo, hi) = bounds(n).ok_or_else(too_long)?;
        let (lo, hi) = match (u8::try_from(lo), u8::try_from(hi)) {
            (Ok(lo), Ok(hi)) if hi <= 250 => (lo, hi),
            _ => return Err(too_long()),
        };
        // the anchor counts midnights up to the latest end
        self.count_atom(a, u32::from(hi), 0)?;
        let cap = slack.saturating_add(1);
        let counter = match self.months.iter().find(|m| m.anchor == a && m.months == n) {
            Some(m) => m.counter,
            None => {
                self.counter_cap.push(0);
                let counter = self.counter_cap.len() - 1;
                self.months.push(MonthMark {
                    anchor: a,
                    months: n,
                    lo,
                    hi,
                    counter,
                });
                counter
            }
        };
        if let Some(c) = self.counter_cap.get_mut(counter) {
            *c = (*c).max(cap);
        }
        if slack > 0 {
            self.slack = true;
        }
        Ok(Atom::Count {
            anchor: a,
            counter,
            n: 1,
            slack,
        })
    }

    /// Anchor point `a` was set or forgotten: its month ends are not
    /// reached.
    pub fn reset_months(&self, counters: &mut [u8], a: usize) {
        for m in self.months.iter().filter(|m| m.anchor == a) {
            if let Some(c) = counters.get_mut(m.counter) {
                *c = 0;
            }
        }
    }

    /// The counters after a midnight (the anchors' own counters already
    /// moved on, `set` the anchor points that are set): every way the
    /// month marks can move. A reached mark counts the midnight; marks not
    /// yet reached whose anchor shows a count in `lo ..= hi` are reached
    /// here or not, one choice per length and count (the same date), and
    /// must be at `hi`.
    pub fn month_midnight(&self, counters: &[u8], set: u64) -> Vec<Vec<u8>> {
        let mut base = counters.to_vec();
        // (months, count) groups that may be reached at this midnight
        let mut groups: Vec<(u32, u8)> = Vec::new();
        for m in &self.months {
            let Some(&v) = counters.get(m.counter) else {
                continue;
            };
            if v > 0 {
                let cap = self.counter_cap.get(m.counter).copied().unwrap_or(1);
                if let Some(c) = base.get_mut(m.counter) {
                    *c = v.saturating_add(1).min(cap.max(1));
                }
                continue;
            }
            let set = set & (1 << m.anchor) != 0;
            let count = self.anchors.get(m.anchor).and_then(|p| p.counter);
            let Some(&days) = count.and_then(|k| counters.get(k)) else {
                continue;
            };
            if !set || days < m.lo || days > m.hi {
                continue;
            }
            if days == m.hi {
                if let Some(c) = base.get_mut(m.counter) {
                    *c = 1;
                }
            } else if !groups.contains(&(m.months, days)) {
                groups.push((m.months, days));
            }
        }
        let mut out = vec![base];
        for (months, days) in groups {
            let reached: Vec<Vec<u8>> = out
                .iter()
                .map(|cs| {
                    let mut cs = cs.clone();
                    for m in self.months.iter().filter(|m| m.months == months) {
                        let count = self.anchors.get(m.anchor).and_then(|p| p.counter);
                        let here = count.and_then(|k| counters.get(k)) == Some(&days)
                            && set & (1 << m.anchor) != 0
                            && counters.get(m.counter) == Some(&0);
                        if here {
                            if let Some(c) = cs.get_mut(m.counter) {
                                *c = 1;
                            }
                        }
                    }
                    cs
                })
                .collect();
            out.extend(reached);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Clock;
    use crate::model::{DurationM, Unit};

    /// The bounds hold the evaluator's own ends (`Clock::add`), and both
    /// are reached, on every date of 2023–2026 from every time of day.
    #[test]
    fn the_bounds_hold_every_end_the_evaluator_gives() {
        let clock = Clock::exact(chrono_tz::Asia::Shanghai).expect("clock");
        for n in [1, 2, 5, 6, 8] {
            let (lo, hi) = bounds(n).expect("bounds");
            let mut seen = Vec::new();
            let mut d = NaiveDate::from_ymd_opt(2023, 1, 1).expect("date");
            let stop = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
            while d < stop {
                let midnight = clock.midnight(d).expect("midnight");
                for at in [midnight, midnight + 36_000, midnight + 86_399] {
                    let end = clock
                        .add(
                            at,
                            DurationM {
                                count: n,
                                unit: Unit::CalendarMonths,
                            },
                        )
                        .expect("end");
                    // the midnights after `at` up to the end
                    let m = u32::try_from((end - midnight) / 86_400).expect("days");
                    assert_eq!((end - midnight) % 86_400, 0);
                    assert!((lo..=hi).contains(&m), "{n} months from {d}: {m}");
                    seen.push(m);
                }
                d = d.succ_opt().expect("next day");
            }
            assert!(seen.contains(&lo) && seen.contains(&hi), "{n}: {lo}..{hi}");
        }
        assert_eq!(bounds(6), Some((182, 185)));
        assert_eq!(bounds(1), Some((29, 32)));
    }
}
