//! How far from its trigger a rule's steps can land, to skip needless work.
//!
//! When an event starts a rule, [`super::Machine::step_into`] places every
//! step of the rule before changing anything, so a calendar error (a workday
//! outside the shipped calendar, an instant out of range) leaves the account
//! as it was. On the integer fast path of [`crate::calendar::Clock`] a step
//! that counts no workdays cannot fail as long as every instant involved
//! stays inside the fast span, so a rule whose steps all land within a known
//! distance of the trigger (its *reach*) needs no such check when the
//! trigger lies at least that far inside the span.

use crate::compile::{AnchorIr, Automaton, RuleIr, StepIx, TimingIr};
use crate::model::{TimingKindM, Unit};

/// An upper bound (seconds) on how far one timing lands from its anchor;
/// `None` for workdays, which can fail anywhere outside the calendar.
fn timing_reach(t: &TimingIr) -> Option<i64> {
    if t.kind == TimingKindM::At {
        return Some(0);
    }
    let unit: i64 = match t.duration.unit {
        Unit::Minutes => 60,
        Unit::Hours => 3_600,
        Unit::Days | Unit::CalendarDays => 86_400,
        Unit::Months => 31 * 86_400,
        Unit::Workdays => return None,
    };
    // Calendar days end at a midnight after the N-th day, day windows add
    // one more day and a clamped month moves a few days: two days of slack
    // cover all of them.
    i64::from(t.duration.count)
        .checked_mul(unit)?
        .checked_add(2 * 86_400)
}

/// The reach of `rule`: every step it places lies within this many seconds
/// of the trigger, either side. `None` when a step counts workdays or is
/// anchored on a later step.
pub fn rule_reach(ir: &Automaton, rule: &RuleIr) -> Option<i64> {
    let mut reach: Vec<i64> = Vec::with_capacity(rule.step_count as usize);
    for k in 0..rule.step_count {
        let s = ir.steps.get((rule.first_step + k) as usize)?;
        let mut r = 0i64;
        for t in std::iter::once(&s.timing).chain(s.alternative.iter()) {
            let base = match t.anchor {
                AnchorIr::Trigger => 0,
                AnchorIr::Step(StepIx(j)) => {
                    let local = j.checked_sub(rule.first_step)?;
                    *reach.get(local as usize)?
                }
            };
            r = r.max(base.checked_add(timing_reach(t)?)?);
        }
        reach.push(r);
    }
    Some(reach.into_iter().max().unwrap_or(0))
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
    fn reach_sums_anchored_steps_and_refuses_workdays() {
        let program = Program::compile_str("p.clause", SRC).expect("checks");
        let m = program
            .select("p", Some(Billing::Postpaid), Reading::CustomerSafe)
            .expect("compiles");
        let reach: Vec<Option<i64>> =
            m.ir.rules
                .iter()
                .map(|r| super::rule_reach(&m.ir, r))
                .collect();
        let day = 86_400;
        // 24 h + slack, then 2 months (≤ 62 days) + slack from that step
        assert_eq!(reach, vec![Some(day + 2 * day + 62 * day + 2 * day), None]);
    }
}
