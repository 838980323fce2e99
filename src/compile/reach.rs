//! How far from its trigger a rule's steps can land, to skip needless work.
//!
//! When an event starts a rule, [`crate::eval::Machine::step_into`] places every
//! step of the rule before changing anything, so a calendar error (a workday
//! outside the shipped calendar, an instant out of range) leaves the account
//! as it was. On the integer fast path of [`crate::calendar::Clock`] a step
//! that counts no workdays cannot fail as long as every instant involved
//! stays inside the fast span, so a rule whose steps all land within a known
//! distance of the trigger (its *reach*) needs no such check when the
//! trigger lies at least that far inside the span.

use super::ir::{AnchorIr, Rule, Step, StepIx, TimingIr};
use crate::calendar::{WorkCalendar, FAST_FROM, FAST_UNTIL};
use crate::model::{TimingKindM, Unit};

/// How far a rule's steps land from its trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// Upper bound, seconds, either side of the trigger.
    pub secs: i64,
    /// Some step counts workdays or takes the rest-day extension (so the
    /// span must lie inside the calendar).
    pub workdays: bool,
}

impl Reach {
    /// Whether every placement from `trigger` surely succeeds on the fast
    /// path: the definition [`Reach::safe_triggers`] is tested against.
    #[cfg(test)]
    pub fn safe_from(&self, trigger: i64, calendar: &WorkCalendar) -> bool {
        let (Some(lo), Some(hi)) = (
            trigger.checked_sub(self.secs),
            trigger.checked_add(self.secs),
        ) else {
            return false;
        };
        let in_span = lo >= FAST_FROM && hi <= FAST_UNTIL;
        let (first, last) = calendar.day_range();
        // two days of slack cover any UTC offset
        let in_calendar = lo >= (first + 2) * 86_400 && hi <= (last - 2) * 86_400;
        in_span && (!self.workdays || in_calendar)
    }

    /// The triggers `Reach::safe_from` (the tests' definition) accepts, as one inclusive interval
    /// `(from, until)` (empty when `from > until`), so the evaluator tests a
    /// trigger with two comparisons.
    pub fn safe_triggers(&self, calendar: &WorkCalendar) -> (i64, i64) {
        let (first, last) = calendar.day_range();
        let (mut lo, mut hi) = (FAST_FROM, FAST_UNTIL);
        if self.workdays {
            lo = lo.max((first + 2) * 86_400);
            hi = hi.min((last - 2) * 86_400);
        }
        match (lo.checked_add(self.secs), hi.checked_sub(self.secs)) {
            (Some(from), Some(until)) => (from, until),
            _ => (1, 0),
        }
    }
}

/// An upper bound (seconds) on how far one timing lands from its anchor.
/// `N workdays` span at most `N × (longest break + 1)` dates inside the
/// calendar, and the rest-day extension (`rest_days`) moves a period's end
/// by at most the longest break.
fn timing_reach(t: &TimingIr, longest_break: i64, rest_days: bool) -> Option<i64> {
    if t.kind == TimingKindM::At {
        return Some(0);
    }
    let n = i64::from(t.duration.count);
    let days_or_secs = match t.duration.unit {
        Unit::Minutes => n.checked_mul(60)?,
        Unit::Hours => n.checked_mul(3_600)?,
        Unit::Days | Unit::CalendarDays => n.checked_mul(86_400)?,
        Unit::Months | Unit::CalendarMonths => n.checked_mul(31 * 86_400)?,
        Unit::Workdays => n
            .checked_mul(longest_break.checked_add(1)?)?
            .checked_mul(86_400)?,
    };
    let extension = if rest_days {
        longest_break.checked_mul(86_400)?
    } else {
        0
    };
    // Calendar days and workdays end at a midnight after the N-th day, day
    // windows add one more day and a clamped month moves a few days: two
    // days of slack cover all of them.
    days_or_secs.checked_add(extension)?.checked_add(2 * 86_400)
}

/// The reach of `rule`: every step it places lies within `secs` of the
/// trigger, either side. `None` when a step is anchored on a later step.
pub fn rule_reach(steps: &[Step], rule: &Rule, calendar: &WorkCalendar) -> Option<Reach> {
    let longest_break = calendar.longest_break();
    let mut reach: Vec<i64> = Vec::with_capacity(rule.step_count as usize);
    let mut workdays = false;
    for k in 0..rule.step_count {
        let s = steps.get((rule.first_step + k) as usize)?;
        let mut r = 0i64;
        for t in std::iter::once(&s.timing).chain(s.alternative.iter()) {
            let base = match t.anchor {
                AnchorIr::Trigger => 0,
                // counted from the account's history: no bound from the trigger
                AnchorIr::Event { .. } | AnchorIr::Fired { .. } => return None,
                AnchorIr::Step(StepIx(j)) => {
                    let local = j.checked_sub(rule.first_step)?;
                    *reach.get(local as usize)?
                }
            };
            workdays |= t.kind != TimingKindM::At && t.duration.unit == Unit::Workdays;
            workdays |= s.rest_days;
            let extended =
                s.rest_days && matches!(t.duration.unit, Unit::CalendarDays | Unit::CalendarMonths);
            r = r.max(base.checked_add(timing_reach(t, longest_break, extended)?)?);
        }
        reach.push(r);
    }
    Some(Reach {
        secs: reach.into_iter().max().unwrap_or(0),
        workdays,
    })
}

#[cfg(test)]
mod tests {
    use crate::eval::Program;
    use crate::vocab::{Billing, Reading};

    const SRC: &str = r#"
product p "产品" §1 {
  billing postpaid
  capabilities writes
  resources data
  on arrears {
    suspended: after 24h suspend writes §1.1 quote "暂停"
    after 15 calendar days from arrears or after 2 months from suspended purge data §1.2 quote "删除"
    until payment then resume writes
  }
  on expiry {
    within 3 workdays notify §1.3 quote "通知"
  }
}
"#;

    #[test]
    fn reach_sums_anchored_steps_and_bounds_workdays_by_the_longest_break() {
        let program = Program::compile_str("p.clause", SRC).expect("checks");
        let m = program
            .select("p", Some(Billing::Postpaid), Reading::CustomerSafe)
            .expect("compiles");
        let cal = crate::calendar::cn_mainland().expect("calendar");
        let reach: Vec<Option<super::Reach>> =
            m.ir.rules
                .iter()
                .map(|r| super::rule_reach(&m.ir.steps, r, cal))
                .collect();
        let day = 86_400;
        // the longest break of the shipped calendar: Spring Festival or
        // National Day, 8 or 9 days with the weekends around them
        let brk = cal.longest_break();
        assert!((7..=12).contains(&brk), "{brk}");
        assert_eq!(
            reach,
            vec![
                // 24 h + slack, then 2 months (≤ 62 days) + slack from that step
                // the purge takes Art. 203 ¶1 (harmful, calendar days,
                // customer-safe): it needs the calendar
                Some(super::Reach {
                    secs: day + 2 * day + 62 * day + 2 * day,
                    workdays: true
                }),
                Some(super::Reach {
                    secs: 3 * (brk + 1) * day + 2 * day,
                    workdays: true
                }),
            ]
        );
        let r = reach[1].expect("reach");
        let t2019 = 1_561_946_400;
        assert!(r.safe_from(t2019, cal));
        // the calendar ends 2026-12-31: a trigger on 2026-12-30 must be checked
        assert!(!r.safe_from(1_798_588_800, cal));
        assert!(!reach[0].expect("reach").safe_from(1_798_588_800, cal));
        assert!(reach[0].expect("reach").safe_from(t2019, cal));
        // the interval form agrees with safe_from on and around its bounds
        for r in reach.iter().flatten() {
            let (from, until) = r.safe_triggers(cal);
            assert!(from <= until);
            for t in [from - 1, from, from + 1, t2019, until - 1, until, until + 1] {
                assert_eq!(r.safe_from(t, cal), (from..=until).contains(&t), "{t}");
            }
        }
    }
}
