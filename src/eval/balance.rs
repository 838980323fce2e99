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
use crate::compile::layout::{
    amount_of_slots, amount_sign, amount_slots, LATE_UNKNOWN, UNKNOWN_DEBT, UNSET,
};
use crate::compile::{LateFee, MoneySlots};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// The money slots and the arrears balance right after them
/// ([`crate::compile::Layout::balance_slot`]), borrowed as one array.
const SPAN: usize = MoneySlots::COUNT + 2;
/// The balance's first slot in that array.
const BALANCE: usize = MoneySlots::COUNT;

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
    #[inline]
    pub(super) fn in_arrears(&self, st: &AccountState) -> bool {
        st.flags & UNKNOWN_DEBT != 0 || self.balance_sign(st) == Some(Ordering::Greater)
    }

    /// The sign of the outstanding amount without building it (`None`: the
    /// slots hold no amount, which [`Machine::outstanding`] reads as zero).
    #[inline]
    fn balance_sign(&self, st: &AccountState) -> Option<Ordering> {
        let k = self.ir.layout.balance_slot();
        match (st.slots.get(k), st.slots.get(k + 1)) {
            (Some(&lo), Some(&hi)) => amount_sign(lo, hi),
            _ => None,
        }
    }

    /// An `arrears` or `payment` moves the balance (before the rules
    /// react); the late fee counts the periods that ended by then, and
    /// opens or closes its episode when the account enters or leaves
    /// arrears.
    #[inline]
    pub(super) fn balance_event(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        if !self.ir.layout.balance || !matches!(ev.event.0, ARREARS | PAYMENT) {
            return Ok(());
        }
        if ev.amount.is_none() {
            return self.unknown_event(st, ev);
        }
        self.balance_general(st, ev)
    }

    /// [`Machine::balance_event`] in `Decimal` arithmetic: an event with an
    /// amount, or a period of a known balance ended (off the inline path).
    #[inline(never)]
    fn balance_general(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        let fee = self.ir.money.late_fee.as_ref();
        if let Some(lf) = fee {
            self.accrue(st, lf, ev.at)?;
        }
        let was = self.in_arrears(st);
        self.move_balance(st, ev, self.ir.layout.balance_slot())?;
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

    /// An event after the agreement ended
    /// ([`TERMINATED`](crate::compile::layout::TERMINATED)): only money
    /// moves (docs/semantics.md, “The arrears balance”): an `arrears` or
    /// `payment` moves the balance and opens or closes the late fee's
    /// episode, the events of a refund window are still recorded; no
    /// rule, restriction or deadline reacts, so nothing fires and nothing
    /// else is written.
    #[inline]
    pub(super) fn ended_event(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        if self.ir.money.refund_window.is_some() {
            self.money_watch(st, ev);
        }
        self.balance_event(st, ev)
    }

    /// [`Machine::balance_event`] for an event of unknown amount (what a
    /// stream of events without amounts sends, every event after the
    /// agreement ended included) on the usual balance, zero's encoding
    /// (`[0, 0]`, which such events leave as it is): the slots and flags
    /// [`Machine::balance_general`] writes, on one borrow of the money
    /// slots and the balance after them, without `Decimal` arithmetic. An
    /// arrears owes an unknown amount more; a payment pays it. Any other
    /// balance takes [`Machine::unknown_move_event`]. Where periods of a
    /// known balance ended, the late fee needs `Decimal` arithmetic: that
    /// takes the general path before anything is written.
    #[inline(always)]
    fn unknown_event(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        let base = self.ir.layout.money().base;
        debug_assert_eq!(self.ir.layout.balance_slot(), base + BALANCE);
        let Some(w) = st
            .slots
            .get_mut(base..base + SPAN)
            .and_then(|s| <&mut [i64; SPAN]>::try_from(s).ok())
        else {
            return self.balance_general(st, ev);
        };
        if w[BALANCE] != 0 || w[BALANCE + 1] != 0 {
            return self.unknown_move_event(st, ev);
        }
        // zero: in arrears only for the unknown debt, and unmoved
        let arrears = ev.event.0 == ARREARS;
        let was = st.flags & UNKNOWN_DEBT != 0;
        let mut flags = if arrears {
            st.flags | UNKNOWN_DEBT
        } else {
            st.flags & !UNKNOWN_DEBT
        };
        let Some(lf) = self.ir.money.late_fee.as_ref() else {
            st.flags = flags;
            return Ok(());
        };
        // as `unknown_move_event` below, with the balance before the
        // event zero
        const A: usize = MoneySlots::LATE_ACCRUED;
        if w[A] == UNSET && w[A + 1] == UNSET {
            w[A] = 0;
            w[A + 1] = 0;
        }
        let start = w[MoneySlots::LATE_START];
        if start != UNSET && w[MoneySlots::LATE_END] == i64::MAX {
            let periods = self
                .clock
                .whole_periods(start, ev.at, money::period_unit(lf.per))
                .map_err(calendar)?;
            if periods > w[MoneySlots::LATE_PERIODS] {
                if !was {
                    return self.balance_general(st, ev);
                }
                w[MoneySlots::LATE_PERIODS] = periods;
                flags |= LATE_UNKNOWN;
            }
        }
        st.flags = flags;
        match (was, arrears) {
            (false, true) => {
                let start = money::late_fee_start(&self.clock, lf.from, ev.at).map_err(calendar)?;
                w[MoneySlots::LATE_START] = start;
                w[MoneySlots::LATE_END] = i64::MAX;
                w[MoneySlots::LATE_PERIODS] = 0;
            }
            (true, false) => w[MoneySlots::LATE_END] = ev.at,
            _ => {}
        }
        Ok(())
    }

    /// [`Machine::unknown_event`] on a balance other than zero's encoding
    /// (a credit, an amount owed, unset or unreadable slots), off the
    /// inline path: an arrears owes an unknown amount more; a payment
    /// settles what is owed (a credit stays) ([`unknown_move`]).
    #[inline(never)]
    fn unknown_move_event(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        let base = self.ir.layout.money().base;
        debug_assert_eq!(self.ir.layout.balance_slot(), base + BALANCE);
        let fee = self.ir.money.late_fee.as_ref();
        let flags = st.flags;
        let arrears = ev.event.0 == ARREARS;
        let Some(w) = st
            .slots
            .get_mut(base..base + SPAN)
            .and_then(|s| <&mut [i64; SPAN]>::try_from(s).ok())
        else {
            return self.balance_general(st, ev);
        };
        let (lo, hi) = (w[BALANCE], w[BALANCE + 1]);
        let sign = amount_sign(lo, hi);
        let was = flags & UNKNOWN_DEBT != 0 || sign == Some(Ordering::Greater);
        if let Some(lf) = fee {
            // the periods that ended by now, on the balance before the event
            // the accrued fee, read as the general path reads it: unset
            // slots as zero, written back as zero's encoding (any other
            // value is an amount's encoding, as `Layout::check` holds for
            // every state a machine takes, and re-encodes to itself)
            const A: usize = MoneySlots::LATE_ACCRUED;
            if w[A] == UNSET && w[A + 1] == UNSET {
                w[A] = 0;
                w[A + 1] = 0;
            }
            let start = w[MoneySlots::LATE_START];
            if start != UNSET && w[MoneySlots::LATE_END] == i64::MAX {
                let periods = self
                    .clock
                    .whole_periods(start, ev.at, money::period_unit(lf.per))
                    .map_err(calendar)?;
                if periods > w[MoneySlots::LATE_PERIODS] {
                    if flags & UNKNOWN_DEBT == 0 {
                        return self.balance_general(st, ev);
                    }
                    w[MoneySlots::LATE_PERIODS] = periods;
                    st.flags |= LATE_UNKNOWN;
                }
            }
        }
        if let Some([l, h]) = unknown_move(lo, hi, sign, arrears) {
            w[BALANCE] = l;
            w[BALANCE + 1] = h;
        }
        if arrears {
            st.flags |= UNKNOWN_DEBT;
        } else {
            st.flags &= !UNKNOWN_DEBT;
        }
        let Some(lf) = fee else { return Ok(()) };
        match (was, arrears) {
            (false, true) => {
                let start = money::late_fee_start(&self.clock, lf.from, ev.at).map_err(calendar)?;
                w[MoneySlots::LATE_START] = start;
                w[MoneySlots::LATE_END] = i64::MAX;
                w[MoneySlots::LATE_PERIODS] = 0;
            }
            (true, false) => w[MoneySlots::LATE_END] = ev.at,
            _ => {}
        }
        Ok(())
    }

    /// An `arrears` or `payment` with an amount moves the balance by it
    /// (`Decimal` arithmetic, off the inline path).
    #[inline(never)]
    fn move_balance(&self, st: &mut AccountState, ev: &Event, k: usize) -> Result<(), Fault> {
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
    ///
    /// What [`Machine::accrued_by`] gives, written back, without `Decimal`
    /// arithmetic where nothing accrues (no open episode, no period ended
    /// since the last count) or the amount is unknown (only the count
    /// moves): most events of an account.
    #[inline]
    fn accrue(&self, st: &mut AccountState, lf: &LateFee, limit: i64) -> Result<(), Fault> {
        let m = self.ir.layout.money();
        let k = m.at(MoneySlots::LATE_ACCRUED);
        match (st.slots[k], st.slots[k + 1]) {
            // read as zero, written back as zero's encoding
            (UNSET, UNSET) => st.slots[k..k + 2].copy_from_slice(&[0, 0]),
            (lo, hi) if amount_sign(lo, hi).is_none() => return Err(Box::new(EvalError::Overflow)),
            _ => {}
        }
        let start = st.slots[m.at(MoneySlots::LATE_START)];
        if start == UNSET || st.slots[m.at(MoneySlots::LATE_END)] != i64::MAX {
            return Ok(());
        }
        let periods = self
            .clock
            .whole_periods(start, limit, money::period_unit(lf.per))
            .map_err(calendar)?;
        if periods <= st.slots[m.at(MoneySlots::LATE_PERIODS)] {
            return Ok(());
        }
        if st.flags & UNKNOWN_DEBT != 0 {
            st.slots[m.at(MoneySlots::LATE_PERIODS)] = periods;
            st.flags |= LATE_UNKNOWN;
            return Ok(());
        }
        self.accrue_amount(st, lf, limit)
    }

    /// [`Machine::accrue`] when periods with a known balance ended:
    /// `Decimal` arithmetic, off the inline path.
    #[inline(never)]
    fn accrue_amount(&self, st: &mut AccountState, lf: &LateFee, limit: i64) -> Result<(), Fault> {
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

/// The balance slots after an `arrears` (`arrears`) or `payment` of
/// unknown amount, given their [`amount_sign`], without `Decimal` arithmetic: what
/// [`Machine::move_balance`] writes — the amount re-encoded after an
/// arrears, at most zero after a payment — or `None` where that is the
/// slots as they are (re-encoding an amount gives its slots back; unset or
/// unreadable slots read as zero and are written as zero's encoding).
#[inline]
fn unknown_move(lo: i64, hi: i64, sign: Option<Ordering>, arrears: bool) -> Option<[i64; 2]> {
    let keep = match sign {
        None => false,
        // a payment settles a positive balance: zero
        Some(Ordering::Greater) => arrears,
        Some(_) => !(lo == UNSET && hi == UNSET),
    };
    (!keep).then_some([0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const SHOP: &str = r#"
general §3 {
  billing postpaid
  late_fee may 0.05% per day of arrears from next_day §3.4
}
product search "搜索" §2 {
  billing postpaid
  capabilities upload
  resources data
  on arrears {
    after 24h suspend upload §2.2
    after 3 calendar days terminate and purge data §2.3
    until payment then resume all
  }
}
"#;

    /// The balance's inline path for events without an amount writes what
    /// the general path writes, on every account a random mix of arrears
    /// and payments (with and without amounts, before and after the end)
    /// reaches.
    #[test]
    fn events_without_amount_take_a_shortcut_to_the_same_state() {
        use crate::vocab::{Billing, Reading};
        let program = super::super::Program::compile_str("shop.clause", SHOP).expect("checks");
        let m = program
            .select("search", Some(Billing::Postpaid), Reading::CustomerSafe)
            .expect("compiles");
        assert!(m.ir.layout.balance && m.ir.money.late_fee.is_some());
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let (mut taken, mut ended) = (0, 0);
        for _ in 0..200 {
            let mut st = m.new_account();
            let mut at = 1_717_207_200;
            for _ in 0..30 {
                at += 3_600 * (1 + next(72) as i64);
                let name = if next(3) == 0 { "payment" } else { "arrears" };
                let mut ev = m.event(name, at).expect("event");
                if next(4) == 0 {
                    ev.amount = Some(Decimal::new(next(5_000) as i64, 2));
                }
                let (mut fast, mut general) = (st.clone(), st.clone());
                let a = m.balance_event(&mut fast, &ev).map_err(|e| *e);
                let b = m.balance_general(&mut general, &ev).map_err(|e| *e);
                assert_eq!(a, b);
                assert_eq!(
                    (fast.flags, &fast.slots),
                    (general.flags, &general.slots),
                    "{name} {:?} at {at}",
                    ev.amount
                );
                taken += usize::from(ev.amount.is_none());
                ended += usize::from(st.flags & crate::compile::layout::TERMINATED != 0);
                // the rules move the account on (and end it)
                m.step_into(&mut st, &ev, &mut Vec::new()).expect("steps");
            }
        }
        assert!(taken > 1_000 && ended > 100, "{taken} {ended}");
    }

    /// After the end only money moves, on its own path
    /// ([`Machine::ended_event`]): on accounts a random mix of arrears and
    /// payments ended, every later arrears or payment (with and without
    /// amounts, on a zero, owed, credit or unknown balance, with the late
    /// fee's episode open or closed) leaves the state the general path
    /// (`Decimal` arithmetic) leaves, fires nothing, and leaves the late
    /// fee the status reports the same; any other event changes nothing
    /// but the account's instant.
    #[test]
    fn after_the_end_money_moves_as_on_the_general_path() {
        use crate::vocab::{Billing, Reading};
        let program = super::super::Program::compile_str("shop.clause", SHOP).expect("checks");
        let m = program
            .select("search", Some(Billing::Postpaid), Reading::CustomerSafe)
            .expect("compiles");
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let (mut ended, mut moved, mut zero) = (0, 0, 0);
        for _ in 0..300 {
            let mut st = m.new_account();
            let mut at = 1_717_207_200;
            for _ in 0..40 {
                at += 3_600 * (1 + next(96) as i64);
                let name = match next(8) {
                    0 => "purchase",
                    1 => "outage_start",
                    2..=4 => "payment",
                    _ => "arrears",
                };
                let mut ev = m.event(name, at).expect("event");
                if next(3) == 0 {
                    ev.amount = Some(Decimal::new(next(5_000) as i64, 2));
                }
                let mut out = Vec::new();
                if st.flags & crate::compile::layout::TERMINATED == 0 {
                    m.step_into(&mut st, &ev, &mut out).expect("steps");
                    continue;
                }
                ended += 1;
                let mut general = st.clone();
                general.now = at;
                if matches!(name, "arrears" | "payment") {
                    zero += usize::from(m.outstanding(&st).is_zero() && ev.amount.is_none());
                    m.balance_general(&mut general, &ev).expect("moves");
                    moved += usize::from(general.slots != st.slots || general.flags != st.flags);
                }
                m.step_into(&mut st, &ev, &mut out).expect("steps");
                assert!(out.is_empty(), "{name} fired {out:?}");
                let whole = |s: &AccountState| {
                    let (a, b) = (s.state, s.caps);
                    (
                        a,
                        b,
                        s.resources,
                        s.flags,
                        s.now,
                        s.next_due,
                        s.slots.clone(),
                    )
                };
                assert_eq!(
                    whole(&st),
                    whole(&general),
                    "{name} {:?} at {at}",
                    ev.amount
                );
                let fee = |s: &AccountState| {
                    m.status(s, at + 86_400 * 40)
                        .expect("status")
                        .obligations
                        .into_iter()
                        .find(|o| o.kind == ObligationKind::LateFee)
                };
                assert_eq!(fee(&st), fee(&general));
            }
        }
        assert!(
            ended > 2_000 && moved > 1_000 && zero > 300,
            "{ended} {moved} {zero}"
        );
    }

    /// What [`Machine::move_balance`] writes for an event without amount.
    fn by_decimal(lo: i64, hi: i64, arrears: bool) -> [i64; 2] {
        let now = amount_of_slots(lo, hi).unwrap_or_default();
        amount_slots(if arrears { now } else { now.min(Decimal::ZERO) })
    }

    #[test]
    fn an_unknown_amount_moves_the_balance_as_decimal_arithmetic_does() {
        let mut cases = vec![
            (UNSET, UNSET),
            (0, 0),
            (0x7F00_0000, 0),
            (UNSET, 0),
            (-1, -1),
        ];
        for x in ["0", "-0", "0.00", "12.5", "-12.5", "0.0005", "-0.000"] {
            let [lo, hi] = amount_slots(Decimal::from_str(x).expect("decimal"));
            cases.push((lo, hi));
        }
        for (lo, hi) in cases {
            for arrears in [true, false] {
                assert_eq!(
                    unknown_move(lo, hi, amount_sign(lo, hi), arrears).unwrap_or([lo, hi]),
                    by_decimal(lo, hi, arrears),
                    "{lo:#x} {hi:#x} arrears {arrears}"
                );
            }
        }
    }
}
