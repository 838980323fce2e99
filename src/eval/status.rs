//! What is in force at an instant, and the one-shot evaluation.

use super::machine::{reported, service_state, Known, Machine, PAYMENT, PURCHASE};
use super::money;
use super::types::*;
use crate::ast::Modality;
use crate::compile::{CapKindIr, MoneySlots, StateKind, StepIx};
use rust_decimal::Decimal;

impl Machine {
    /// The status at `at` (call [`Machine::advance_to`] first so deadlines up
    /// to `at` have fired). Liability caps that need the payment history
    /// (`fees_paid N months`, `fees_of_breached_service`) are only computed
    /// by [`Machine::evaluate`], which has the timeline.
    pub fn status(&self, st: &AccountState, at: i64) -> Result<Status, EvalError> {
        let terminated = st.flags & TERMINATED != 0;
        let mut pending = Vec::new();
        let mut windows = Vec::new();
        let mut obligations = Vec::new();
        for rule in &self.ir.rules {
            let sid = {
                let mask = (1u64 << rule.bits) - 1;
                rule.first_state.0 + ((st.state >> rule.bit_offset) & mask) as u32
            };
            let fired_until = match self.ir.states[sid as usize].kind {
                StateKind::Idle => continue,
                StateKind::Waiting(s) => s.0,
                StateKind::Done => rule.first_step + rule.step_count,
            };
            // steps are placed in order, each knowing those before it
            let mut known = Known::default();
            for k in rule.steps() {
                let step = StepIx(k);
                let s = self.ir.step(step);
                let fired = k < fired_until;
                if !fired && terminated {
                    continue;
                }
                let p = self.place_knowing(st, step, &known).map_err(|e| *e)?;
                known.push(step, p.at);
                if !fired {
                    pending.push(Pending { due: p.at, step });
                }
                if let Some([start, end]) = p.window {
                    if fired || start <= at {
                        windows.push(Window {
                            step,
                            start,
                            end: Some(end),
                        });
                    }
                } else if fired && matches!(s.modality, Modality::May | Modality::CustomerMay) {
                    windows.push(Window {
                        step,
                        start: p.at,
                        end: None,
                    });
                }
                if fired && s.modality == Modality::CustomerMust {
                    obligations.push(Obligation {
                        kind: ObligationKind::Step(step),
                        amount: None,
                        until: Some(p.window.map_or(p.at, |w| w[1])),
                    });
                }
            }
        }
        pending.sort_by_key(|p| (p.due, p.step));
        let m = self.ir.money_slots();
        if let Some(lf) = &self.ir.money.late_fee {
            let start = st.slots[m.at(MoneySlots::LATE_START)];
            if start != UNSET {
                let paid = st.slots[m.at(MoneySlots::LATE_END)];
                let amount = if st.flags & LATE_HAS_AMOUNT != 0 {
                    let principal = money::from_slots(
                        st.slots[m.at(MoneySlots::LATE_AMOUNT)],
                        st.slots[m.at(MoneySlots::LATE_AMOUNT) + 1],
                    );
                    let fee = money::late_fee(
                        &self.clock,
                        principal,
                        lf.rate,
                        lf.per,
                        lf.rounding,
                        start,
                        paid.min(at),
                    )
                    .map_err(|source| EvalError::Calendar {
                        rule: "late_fee".into(),
                        source,
                    })?;
                    Some(fee.ok_or(EvalError::Overflow)?)
                } else {
                    None
                };
                obligations.push(Obligation {
                    kind: ObligationKind::LateFee,
                    amount,
                    until: (paid <= at).then_some(paid),
                });
            }
        }
        if let Some(rf) = &self.ir.money.refund {
            let ended = st.slots[m.at(MoneySlots::ENDED)];
            let bought = st.slots[m.at(MoneySlots::PURCHASE_AT)];
            let until = st.slots[m.at(MoneySlots::PURCHASE_UNTIL)];
            if ended <= at
                && bought != UNSET
                && until != UNSET
                && st.flags & PURCHASE_HAS_AMOUNT != 0
            {
                let amount = money::from_slots(
                    st.slots[m.at(MoneySlots::PURCHASE_AMOUNT)],
                    st.slots[m.at(MoneySlots::PURCHASE_AMOUNT) + 1],
                );
                let r = money::refund(
                    &self.clock,
                    amount,
                    bought,
                    until,
                    ended,
                    rf.by_month && !rf.part_month_by_day,
                )
                .map_err(|source| EvalError::Calendar {
                    rule: "refund".into(),
                    source,
                })?;
                if let Some(r) = r {
                    obligations.push(Obligation {
                        kind: ObligationKind::Refund,
                        amount: Some(r),
                        until: None,
                    });
                }
            }
        }
        if let Some(cap) = &self.ir.money.liability_cap {
            if let CapKindIr::Amount(a) = cap.kind {
                if st.slots[m.at(MoneySlots::BREACH)] != UNSET {
                    obligations.push(Obligation {
                        kind: ObligationKind::LiabilityCap,
                        amount: Some(a),
                        until: None,
                    });
                }
            }
        }
        let capabilities = (0..self.ir.capabilities.len())
            .map(|i| reported(self.cap(st, i)))
            .collect();
        let resources = (0..self.ir.resources.len())
            .map(|i| self.resource(st, i))
            .collect();
        Ok(Status {
            at,
            pending,
            windows,
            capabilities,
            service: service_state(terminated, self.cap(st, 0)),
            resources,
            obligations,
        })
    }

    /// One shot: applies the events at or before `at` (in order; they must
    /// be sorted), fires deadlines up to `at` and reports.
    pub fn evaluate(&self, timeline: &[Event], at: i64) -> Result<Evaluation, EvalError> {
        let mut st = self.new_account();
        let mut actions = Vec::with_capacity(timeline.len() + 16);
        for ev in timeline.iter().take_while(|e| e.at <= at) {
            self.apply(&mut st, ev, &mut actions).map_err(|e| *e)?;
        }
        self.advance_into(&mut st, at, &mut actions)?;
        // `before` steps fire after the instant they are reported at
        if !actions.is_sorted_by_key(|f| f.at) {
            actions.sort_by_key(|f| f.at);
        }
        let mut status = self.status(&st, at)?;
        let breach = st.slots[self.ir.money_slots().at(MoneySlots::BREACH)];
        if let (Some(cap), true) = (&self.ir.money.liability_cap, breach != UNSET) {
            let from = match cap.kind {
                CapKindIr::Months(n) => Some(
                    self.clock
                        .sub(
                            breach,
                            crate::model::DurationM {
                                count: n,
                                unit: crate::model::Unit::Months,
                            },
                        )
                        .map_err(|source| EvalError::Calendar {
                            rule: "liability_cap".into(),
                            source,
                        })?,
                ),
                CapKindIr::Service => Some(i64::MIN),
                CapKindIr::Amount(_) => None,
            };
            if let Some(from) = from {
                let mut sum = Decimal::ZERO;
                for e in timeline.iter().take_while(|e| e.at <= at) {
                    let paid = matches!(e.event.0, PAYMENT | PURCHASE);
                    if paid && from <= e.at && e.at < breach {
                        sum = sum
                            .checked_add(e.amount.unwrap_or_default())
                            .ok_or(EvalError::Overflow)?;
                    }
                }
                status.obligations.push(Obligation {
                    kind: ObligationKind::LiabilityCap,
                    amount: Some(money::round(sum, crate::model::Rounding::HalfUp)),
                    until: None,
                });
            }
        }
        Ok(Evaluation {
            at,
            reading: self.reading,
            actions,
            status,
        })
    }
}
