//! What an end of the agreement refunds, and the customer's right to a
//! full refund inside a refund window (docs/semantics.md, “Money”: ends
//! and refunds, refund window). The machine records the earliest end and
//! its cause ([`MoneySlots::ENDED`], [`MoneySlots::ENDED_CAUSE`]) and the
//! window's events ([`MoneySlots::WINDOW_FROM`],
//! [`MoneySlots::WINDOW_UNLESS`]); `status` decides from them.

use super::money;
use super::types::*;
use super::Machine;
use crate::compile::layout::amount_of_slots;
use crate::compile::{EventId, MoneySlots, RefundBasis, StepIx};
use crate::model::Rounding;
use rust_decimal::Decimal;

fn calendar(rule: &str) -> impl Fn(crate::calendar::CalendarError) -> EvalError + '_ {
    move |source| EvalError::Calendar {
        rule: rule.into(),
        source,
    }
}

impl Machine {
    fn amount_at(&self, st: &AccountState, k: usize) -> Result<Decimal, EvalError> {
        let m = self.ir.layout.money();
        amount_of_slots(st.slots[m.at(k)], st.slots[m.at(k) + 1]).ok_or(EvalError::Overflow)
    }

    /// What the earliest end up to `at` refunds: the first refund term
    /// about it decides (`no_refund`: 0.00); a refund counts from the
    /// last purchase (amount and `until` required) and gives nothing
    /// outside its term.
    pub(super) fn refund_at(
        &self,
        st: &AccountState,
        at: i64,
    ) -> Result<Option<Obligation>, EvalError> {
        let m = self.ir.layout.money();
        let ended = st.slots[m.at(MoneySlots::ENDED)];
        if self.ir.money.refunds.is_empty() || ended > at {
            return Ok(None);
        }
        let cause = u16::try_from(st.slots[m.at(MoneySlots::ENDED_CAUSE)])
            .ok()
            .map(EventId);
        let Some((index, term)) = self
            .ir
            .money
            .refunds
            .iter()
            .enumerate()
            .find(|(_, t)| t.causes.is_empty() || cause.is_some_and(|c| t.causes.contains(&c)))
        else {
            return Ok(None);
        };
        let kind = ObligationKind::Refund(u16::try_from(index).unwrap_or(u16::MAX));
        let Some(basis) = term.basis else {
            return Ok(Some(Obligation {
                kind,
                amount: Some(money::round(Decimal::ZERO, Rounding::HalfUp)),
                until: None,
            }));
        };
        let bought = st.slots[m.at(MoneySlots::PURCHASE_AT)];
        let until = st.slots[m.at(MoneySlots::PURCHASE_UNTIL)];
        if bought == UNSET || until == UNSET || st.flags & PURCHASE_HAS_AMOUNT == 0 {
            return Ok(None);
        }
        let amount = self.amount_at(st, MoneySlots::PURCHASE_AMOUNT)?;
        let refund = match basis {
            RefundBasis::MonthsThenDays => {
                money::refund_months_then_days(&self.clock, amount, bought, until, ended)
            }
            RefundBasis::Months | RefundBasis::Days => money::refund(
                &self.clock,
                amount,
                bought,
                until,
                ended,
                basis == RefundBasis::Months,
            ),
        }
        .map_err(calendar("refund"))?;
        Ok(refund.map(|r| Obligation {
            kind,
            amount: Some(r),
            until: None,
        }))
    }

    /// The refund window open at `at`: from the latest event it counts
    /// from, for its duration (inclusive), while its `unless` has not
    /// happened since; the customer may claim the full amount (that
    /// event's, or the last purchase's).
    pub(super) fn refund_window_at(
        &self,
        st: &AccountState,
        at: i64,
    ) -> Result<Option<(Window, Obligation)>, EvalError> {
        let Some(w) = &self.ir.money.refund_window else {
            return Ok(None);
        };
        let m = self.ir.layout.money();
        let from = st.slots[m.at(MoneySlots::WINDOW_FROM)];
        if from == UNSET || from > at {
            return Ok(None);
        }
        let end = self
            .clock
            .add(from, w.duration)
            .map_err(calendar("refund_window"))?;
        let lapsed = st.slots[m.at(MoneySlots::WINDOW_UNLESS)];
        if at > end || (lapsed != UNSET && from <= lapsed && lapsed <= at) {
            return Ok(None);
        }
        let amount = if st.flags & WINDOW_HAS_AMOUNT != 0 {
            Some(self.amount_at(st, MoneySlots::WINDOW_AMOUNT)?)
        } else if st.flags & PURCHASE_HAS_AMOUNT != 0
            && st.slots[m.at(MoneySlots::PURCHASE_AT)] != UNSET
        {
            Some(self.amount_at(st, MoneySlots::PURCHASE_AMOUNT)?)
        } else {
            None
        };
        Ok(Some((
            Window {
                step: StepIx(self.ir.money.refund_window_step),
                start: from,
                end: Some(end),
            },
            Obligation {
                kind: ObligationKind::RefundWindow,
                amount: amount.map(|a| money::round(a, Rounding::HalfUp)),
                until: Some(end),
            },
        )))
    }
}
