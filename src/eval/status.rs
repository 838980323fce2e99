//! What is in force at an instant, and the one-shot evaluation.

use super::machine::{reported, service_state, Known, Machine, PAYMENT, PURCHASE};
use super::money;
use super::types::*;
use crate::compile::layout::{Layout, PURGED, RELEASED};
use crate::compile::{CapKindIr, MoneySlots, StateId, StateKind, StepIx};
use crate::model::ResourceState;
use crate::vocab::Modality;
use rust_decimal::Decimal;

impl Machine {
    /// What is in force for the account at `at`, which must not be before
    /// the last instant the account has seen (`StatusBefore` otherwise).
    /// Deadlines due up to `at` that the state has not fired yet are fired
    /// on a copy first: the status is the one [`Machine::advance_to`]`(at)`
    /// would leave, and `st` itself is unchanged. Liability caps that need
    /// the payment history (`fees_paid N months`,
    /// `fees_of_breached_service`) are only computed by
    /// [`Machine::evaluate`], which has the timeline.
    pub fn status(&self, st: &AccountState, at: i64) -> Result<Status, EvalError> {
        self.admit_ref(st)?;
        if !crate::compile::layout::accepted(at) {
            return Err(EvalError::OutOfRange { at });
        }
        if at < st.now {
            return Err(EvalError::StatusBefore { at, now: st.now });
        }
        if self.next_deadline(st)?.is_some_and(|due| due <= at) {
            let mut advanced = st.clone();
            self.advance_into(&mut advanced, at, &mut Vec::new())?;
            return self.status_of(&advanced, at);
        }
        self.status_of(st, at)
    }

    /// The status of a state that has fired everything due up to `at`.
    fn status_of(&self, st: &AccountState, at: i64) -> Result<Status, EvalError> {
        let terminated = st.flags & TERMINATED != 0;
        let mut pending = Vec::new();
        let mut windows = Vec::new();
        let mut obligations = Vec::new();
        // idle rules have nothing pending, no window and no obligation
        for r in self.ir.layout.busy_rules(st.state) {
            let Some(rule) = self.ir.rules.get(r) else {
                continue;
            };
            let sid = StateId(self.ir.layout.local(st.state, r));
            // a cured rule waiting for its `even if cured` steps: those
            // before the cure fired, the kept ones fire in turn, the rest
            // were cancelled
            let chain = self.ir.kept_chain(sid);
            let fired_until = match (self.rule_state(st, r), &chain) {
                (StateKind::Idle, _) => continue,
                (_, Some((until, _))) => *until,
                (StateKind::Waiting(s), None) => s.0,
                (StateKind::Done, None) => rule.first_step + rule.step_count,
            };
            let waiting_for = match self.rule_state(st, r) {
                StateKind::Waiting(s) => s.0,
                _ => u32::MAX,
            };
            // what a cure coming now would keep: all that is left of a kept
            // chain, else the chain the cure would lead to (none: idle)
            let keeps = match &chain {
                Some(_) => None,
                None => self
                    .ir
                    .cured_to
                    .get(sid.0 as usize)
                    .filter(|t| **t != crate::compile::NONE)
                    .and_then(|t| self.ir.kept_chain(StateId(*t)))
                    .map(|(_, kept)| kept),
            };
            // steps are placed in order, each knowing those before it
            let mut known = Known::default();
            for k in rule.steps() {
                let step = StepIx(k);
                let s = self.ir.step(step);
                let kept = chain.as_ref().map(|(_, kept)| kept.contains(&k));
                let fired = k < fired_until || (kept == Some(true) && k < waiting_for);
                if kept == Some(false) && !fired {
                    continue; // cancelled by the cure
                }
                let dropped = s.dropped_slot != crate::compile::NONE
                    && st
                        .slots
                        .get(s.dropped_slot as usize)
                        .is_some_and(|t| crate::compile::layout::accepted(*t));
                if kept == Some(true) && dropped {
                    continue; // kept, but the cure found its event not yet happened
                }
                if !fired && terminated {
                    continue;
                }
                let p = self.place_knowing(st, step, &known).map_err(|e| *e)?;
                known.push(step, p.at);
                // (`i64::MAX`: an event it counts from has not happened)
                if !fired && p.at != i64::MAX {
                    pending.push(Pending {
                        due: p.at,
                        step,
                        kept: kept == Some(true) || keeps.as_ref().is_some_and(|x| x.contains(&k)),
                    });
                }
                let skipped = s.skipped_slot != crate::compile::NONE
                    && st
                        .slots
                        .get(s.skipped_slot as usize)
                        .is_some_and(|t| crate::compile::layout::accepted(*t));
                if fired && skipped {
                    continue; // its guard did not hold: it fired nothing
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
                    let amount = self.ir.money.step_amounts.iter().find(|(x, _)| *x == step);
                    obligations.push(Obligation {
                        kind: ObligationKind::Step(step),
                        amount: amount.map(|(_, a)| *a),
                        until: Some(p.window.map_or(p.at, |w| w[1])),
                    });
                }
            }
        }
        pending.sort_by_key(|p| (p.due, p.step));
        let m = self.ir.layout.money();
        obligations.extend(self.late_fee_at(st, at)?);
        obligations.extend(self.refund_at(st, at)?);
        if let Some(CapKindIr::Amount(a)) = self.ir.money.liability_cap {
            if st.slots[m.at(MoneySlots::BREACH)] != UNSET {
                obligations.push(Obligation {
                    kind: ObligationKind::LiabilityCap,
                    amount: Some(a),
                    until: None,
                });
            }
        }
        if let Some((window, owed)) = self.refund_window_at(st, at)? {
            windows.push(window);
            obligations.push(owed);
        }
        let capabilities = (0..self.ir.capabilities.len())
            .map(|i| reported(Layout::cap(st.caps, i)))
            .collect();
        let resources = (0..self.ir.resources.len())
            .map(|i| match Layout::resource(st.resources, i) {
                RELEASED => ResourceState::Released,
                PURGED => ResourceState::Purged,
                _ => ResourceState::Retained,
            })
            .collect();
        Ok(Status {
            at,
            pending,
            windows,
            capabilities,
            service: service_state(terminated, Layout::cap(st.caps, 0)),
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
            self.step_into(&mut st, ev, &mut actions)?;
        }
        self.advance_into(&mut st, at, &mut actions)?;
        // `before` steps fire after the instant they are reported at
        if !actions.is_sorted_by_key(|f| f.at) {
            actions.sort_by_key(|f| f.at);
        }
        let mut status = self.status_of(&st, at)?;
        let breach = st.slots[self.ir.layout.money().at(MoneySlots::BREACH)];
        if let (Some(cap), true) = (&self.ir.money.liability_cap, breach != UNSET) {
            let from = match *cap {
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
                // in the order of the status: before the refund window
                let k = status
                    .obligations
                    .iter()
                    .position(|o| o.kind == ObligationKind::RefundWindow)
                    .unwrap_or(status.obligations.len());
                status.obligations.insert(
                    k,
                    Obligation {
                        kind: ObligationKind::LiabilityCap,
                        amount: Some(money::round(sum, crate::model::Rounding::HalfUp)),
                        until: None,
                    },
                );
            }
        }
        Ok(Evaluation {
            at,
            reading: self.ir.reading,
            actions,
            status,
        })
    }
}
