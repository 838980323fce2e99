//! The arrears balance and the late fee on it (docs/semantics.md, “The
//! arrears balance”, “Money”): for the automata whose rules read the
//! account state and for those with a late fee
//! ([`crate::compile::Layout::balance`]). Only `arrears` and `payment`
//! events come here; other events and automata without a balance pay
//! nothing.
//!
//! The late fee is kept as it accrues, so a state holds it in a few slots
//! however long the history: each period of an arrears episode accrues
//! `rate × outstanding at its end`, the balance after every event strictly
//! before that end. The balance is constant between events, so an event
//! first counts the periods that ended by its instant with the balance
//! before it ([`MoneySlots::LATE_PERIODS`], [`MoneySlots::LATE_ACCRUED`]),
//! then moves the balance; `status` adds the periods since the last event.

use super::machine::{Fault, ARREARS, PAYMENT};
use super::money;
use super::types::*;
use super::Machine;
use crate::compile::layout::{amount_of_slots, amount_slots, LATE_UNKNOWN, UNKNOWN_DEBT};
use crate::compile::{LateFee, MoneySlots};
use rust_decimal::Decimal;

fn calendar(source: crate::calendar::CalendarError) -> Fault {
    Box::new(EvalError::Calendar {
        rule: "late_fee".into(),
        source,
    })
}

impl Machine {
    /// The outstanding amount (negative: credit).
    pub(super) fn outstanding(&self, st: &AccountState) -> Decimal {
        let k = self.ir.layout.balance_slot();
        match (st.slots.get(k), st.slots.get(k + 1)) {
            (Some(&lo), Some(&hi)) => amount_of_slots(lo, hi).unwrap_or_default(),
            _ => Decimal::ZERO,
        }
    }

    /// Whether the account is in arrears: an amount is outstanding, or an
    /// arrears of unknown amount is unpaid.
    pub(super) fn in_arrears(&self, st: &AccountState) -> bool {
        st.flags & UNKNOWN_DEBT != 0 || self.outstanding(st) > Decimal::ZERO
    }

    /// An `arrears` or `payment` moves the balance (before the rules
    /// react); the late fee counts the periods that ended by then, and
    /// opens or closes its episode when the account enters or leaves
    /// arrears.
    pub(super) fn balance_event(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        if !self.ir.layout.balance || !matches!(ev.event.0, ARREARS | PAYMENT) {
            return Ok(());
        }
        let fee = self.ir.money.late_fee.as_ref();
        if let Some(lf) = fee {
            self.accrue(st, lf, ev.at)?;
        }
        let was = self.in_arrears(st);
        let k = self.ir.layout.balance_slot();
        let now = self.outstanding(st);
        let next = match (ev.event.0, ev.amount) {
            (ARREARS, Some(a)) => now.checked_add(a),
            (ARREARS, None) => {
                st.flags |= UNKNOWN_DEBT;
                Some(now)
            }
            (PAYMENT, Some(p)) => {
                st.flags &= !UNKNOWN_DEBT;
                now.checked_sub(p)
            }
            (PAYMENT, None) => {
                st.flags &= !UNKNOWN_DEBT;
                Some(now.min(Decimal::ZERO))
            }
            _ => return Ok(()),
        };
        let next = next.ok_or_else(|| Box::new(EvalError::Overflow))?;
        let [lo, hi] = amount_slots(next);
        if let Some(s) = st.slots.get_mut(k..k + 2) {
            s.copy_from_slice(&[lo, hi]);
        }
        let Some(lf) = fee else { return Ok(()) };
        let m = self.ir.layout.money();
        match (was, self.in_arrears(st)) {
            (false, true) => {
                let start = money::late_fee_start(&self.clock, lf.from, ev.at).map_err(calendar)?;
                st.slots[m.at(MoneySlots::LATE_START)] = start;
                st.slots[m.at(MoneySlots::LATE_END)] = i64::MAX;
                st.slots[m.at(MoneySlots::LATE_PERIODS)] = 0;
            }
            (true, false) => st.slots[m.at(MoneySlots::LATE_END)] = ev.at,
            _ => {}
        }
        Ok(())
    }

    /// The periods of the open episode that end by `limit` and are not
    /// counted yet, on the balance as it is now; `(accrued, unknown)`
    /// (the state is left unchanged).
    fn accrued_by(
        &self,
        st: &AccountState,
        lf: &LateFee,
        limit: i64,
    ) -> Result<(Decimal, bool, i64), Fault> {
        let m = self.ir.layout.money();
        let accrued = amount_of_slots(
            st.slots[m.at(MoneySlots::LATE_ACCRUED)],
            st.slots[m.at(MoneySlots::LATE_ACCRUED) + 1],
        )
        .ok_or_else(|| Box::new(EvalError::Overflow))?;
        let unknown = st.flags & LATE_UNKNOWN != 0;
        let start = st.slots[m.at(MoneySlots::LATE_START)];
        let counted = st.slots[m.at(MoneySlots::LATE_PERIODS)];
        if start == crate::compile::layout::UNSET
            || st.slots[m.at(MoneySlots::LATE_END)] != i64::MAX
        {
            return Ok((accrued, unknown, counted));
        }
        let periods = self
            .clock
            .whole_periods(start, limit, money::period_unit(lf.per))
            .map_err(calendar)?;
        if periods <= counted {
            return Ok((accrued, unknown, counted));
        }
        if st.flags & UNKNOWN_DEBT != 0 {
            return Ok((accrued, true, periods));
        }
        let owed = self.outstanding(st).max(Decimal::ZERO);
        let fee = owed
            .checked_mul(lf.rate)
            .and_then(|x| x.checked_mul(Decimal::from(periods - counted)))
            .and_then(|x| accrued.checked_add(x))
            .ok_or_else(|| Box::new(EvalError::Overflow))?;
        Ok((fee, unknown, periods))
    }

    /// Counts into the state the periods that ended by `limit`.
    fn accrue(&self, st: &mut AccountState, lf: &LateFee, limit: i64) -> Result<(), Fault> {
        let (accrued, unknown, periods) = self.accrued_by(st, lf, limit)?;
        let m = self.ir.layout.money();
        let [lo, hi] = amount_slots(accrued);
        st.slots[m.at(MoneySlots::LATE_ACCRUED)] = lo;
        st.slots[m.at(MoneySlots::LATE_ACCRUED) + 1] = hi;
        st.slots[m.at(MoneySlots::LATE_PERIODS)] = periods;
        if unknown {
            st.flags |= LATE_UNKNOWN;
        }
        Ok(())
    }

    /// The late fee owed at `at` (not before the account's last event):
    /// `None` when the account has never been in arrears.
    pub(super) fn late_fee_at(
        &self,
        st: &AccountState,
        at: i64,
    ) -> Result<Option<Obligation>, EvalError> {
        let Some(lf) = self.ir.money.late_fee.as_ref() else {
            return Ok(None);
        };
        let m = self.ir.layout.money();
        if st.slots[m.at(MoneySlots::LATE_START)] == crate::compile::layout::UNSET {
            return Ok(None);
        }
        let (fee, unknown, _) = self.accrued_by(st, lf, at).map_err(|e| *e)?;
        let paid = st.slots[m.at(MoneySlots::LATE_END)];
        Ok(Some(Obligation {
            kind: ObligationKind::LateFee,
            amount: (!unknown).then(|| money::round(fee, lf.rounding)),
            until: (paid <= at).then_some(paid),
        }))
    }
}
