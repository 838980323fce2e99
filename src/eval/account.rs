//! The account state of issue #12 in the evaluator: guards, conjunctive
//! cures and restrictions while in arrears, on the arrears balance
//! (`balance.rs`) (docs/semantics.md, “The account-state semantics”). Only automata whose rules read that state come here
//! ([`crate::compile::Automaton::account_state`]); their events take the
//! plain path below, every rule in order, and the earliest deadline is
//! recomputed after each event. The other automata keep the fast path of
//! `machine.rs` and pay one branch per event.

use super::machine::{reported, Fault, PAYMENT};
use super::types::*;
use super::Machine;
use crate::compile::layout::Layout;
use crate::compile::{AnchorIr, CondIr, EdgeHot, Span32, StateId, StepIx, NONE, PROGRESS_SETTLED};
use crate::model::ResourceState;

impl Machine {
    /// Whether every condition of `conds` holds now.
    pub(super) fn holds(&self, st: &AccountState, conds: Span32) -> bool {
        let list = self.ir.conditions.get(conds.range()).unwrap_or(&[]);
        list.iter().all(|c| match *c {
            CondIr::InArrears => self.in_arrears(st),
            CondIr::Settled => !self.in_arrears(st),
            CondIr::Capability(i, want) => reported(Layout::cap(st.caps, usize::from(i))) == want,
            CondIr::Resource(i, want) => {
                let code = Layout::resource(st.resources, usize::from(i));
                let now = match code {
                    crate::compile::layout::RELEASED => ResourceState::Released,
                    crate::compile::layout::PURGED => ResourceState::Purged,
                    _ => ResourceState::Retained,
                };
                now == want
            }
            CondIr::Never => false,
        })
    }

    /// Rule `r`'s conjunctive cure after event `e` (applied to the
    /// balance): records what it has seen; whether the cure is complete.
    fn progress(&self, st: &mut AccountState, r: usize, e: u16) -> bool {
        let rule = &self.ir.rules[r];
        let slot = rule.progress_slot as usize;
        if rule.progress_slot == NONE || slot >= st.slots.len() {
            return false;
        }
        let mine = self
            .ir
            .conj_events
            .get(rule.conj_events.range())
            .unwrap_or(&[]);
        let mut seen = st.slots[slot] as u64;
        if let Some(i) = mine.iter().position(|x| x.0 == e) {
            seen |= 1 << i;
        }
        let settled_now = !self.in_arrears(st);
        if e == PAYMENT && settled_now {
            seen |= PROGRESS_SETTLED;
        }
        st.slots[slot] = seen as i64;
        let alts = self
            .ir
            .conjunctions
            .get(rule.conjunctions.range())
            .unwrap_or(&[]);
        alts.iter().any(|c| {
            let completes = mine
                .iter()
                .position(|x| x.0 == e)
                .is_some_and(|i| c.events & (1 << i) != 0)
                || (c.settled && e == PAYMENT);
            let events = seen & c.events == c.events;
            let settled = !c.settled || (seen & PROGRESS_SETTLED != 0 && settled_now);
            completes && events && settled
        })
    }

    /// The account entered arrears: every restriction's actions apply and
    /// are reported.
    fn restrict(&self, st: &mut AccountState, at: i64, out: &mut Vec<Fired>) {
        for r in &self.ir.restrictions {
            for k in r.steps.range() {
                let step = StepIx(k as u32);
                self.apply_step(st, step, at);
                out.push(Fired {
                    at,
                    step,
                    readings: None,
                    window: None,
                    restored: 0,
                });
            }
        }
    }

    /// The account is settled: every restriction's capabilities are active
    /// again, and a restriction that restored one reports its `resume`.
    fn lift(&self, st: &mut AccountState, at: i64, out: &mut Vec<Fired>) {
        for r in &self.ir.restrictions {
            let restored = st.caps & r.caps;
            st.caps &= !r.caps;
            if restored != 0 {
                out.push(Fired {
                    at,
                    step: StepIx(r.lift_step),
                    readings: None,
                    window: None,
                    restored: Layout::caps_not_active(restored),
                });
            }
        }
    }

    /// Rule `r` starts again or is cured back to idle: its steps' history
    /// (instants fired, cures that dropped a kept step) is forgotten.
    fn clear_fired(&self, st: &mut AccountState, r: usize) {
        for k in self.ir.rules[r].step_slots.range() {
            if let Some(s) = st.slots.get_mut(k) {
                *s = 0;
            }
        }
    }

    /// A cure at `at` led to local state `to`: each kept step of its chain
    /// counted from another rule's event that has not happened is dropped
    /// (docs/semantics.md, “Cure scope per step”).
    fn drop_unanchored(&self, st: &mut AccountState, to: StateId, at: i64) {
        let mut sid = to.0;
        while self
            .ir
            .kept_from
            .get(sid as usize)
            .is_some_and(|j| *j != NONE)
        {
            // the chain's own `done` ends it
            let Some(&k) = self.ir.waits.get(sid as usize).filter(|k| **k != NONE) else {
                return;
            };
            let s = self.ir.step(StepIx(k));
            if s.dropped_slot != NONE {
                let happened = std::iter::once(&s.timing)
                    .chain(s.alternative.as_ref())
                    .all(|t| match t.anchor {
                        AnchorIr::Event { slot, .. } => st
                            .slots
                            .get(slot as usize)
                            .is_some_and(|t| crate::compile::layout::accepted(*t)),
                        _ => true,
                    });
                if let Some(x) = st.slots.get_mut(s.dropped_slot as usize) {
                    *x = if happened { 0 } else { at };
                }
            }
            match self.ir.on_deadline.get(sid as usize) {
                Some(&next) => sid = next,
                None => return,
            }
        }
    }

    fn clear_progress(&self, st: &mut AccountState, r: usize) {
        let slot = self.ir.rules[r].progress_slot;
        if slot != NONE {
            if let Some(s) = st.slots.get_mut(slot as usize) {
                *s = 0;
            }
        }
    }

    /// [`Machine::apply`] for an automaton that reads the account state:
    /// the balance moves, then every rule in order takes the event (a
    /// cure, or a start its guard allows), then the deadlines at its
    /// instant fire.
    pub(super) fn apply_account(
        &self,
        st: &mut AccountState,
        ev: &Event,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        let e = usize::from(ev.event.0);
        // every rule this event may start can be placed, or nothing changes
        for r in 0..self.ir.rules.len() {
            self.check_start(st, r, e, ev.at)?;
        }
        let was = self.in_arrears(st);
        // the balance moves (`balance.rs`)
        self.money_event(st, ev)?;
        let episode = self.ir.episode_slot as usize;
        match (was, self.in_arrears(st)) {
            (false, true) => {
                if let Some(s) = st.slots.get_mut(episode) {
                    *s = ev.at;
                }
                self.restrict(st, ev.at, out);
            }
            (true, false) => {
                if let Some(s) = st.slots.get_mut(episode) {
                    *s = 0;
                }
                self.lift(st, ev.at, out);
            }
            _ => {}
        }
        for r in 0..self.ir.rules.len() {
            let sid = self.local(st, r);
            let running = sid != self.ir.rules[r].first_state;
            let cured_to = self.ir.cured_to.get(sid.0 as usize).copied();
            let curable = cured_to.is_some_and(|t| t != NONE);
            if running && curable && self.progress(st, r, ev.event.0) {
                self.cure(st, r, sid, ev.at, out);
                self.clear_progress(st, r);
                let to = cured_to.map_or(self.ir.rules[r].first_state, StateId);
                if to == self.ir.rules[r].first_state {
                    self.clear_fired(st, r);
                }
                self.drop_unanchored(st, to, ev.at);
                self.set_local(st, r, to);
                continue;
            }
            let Some(edge) = self.ir.edges.get(sid.0, e) else {
                continue;
            };
            if edge.flags & EdgeHot::SETS_ANCHOR != 0 {
                if !self.holds(st, self.ir.rules[r].guard) {
                    continue;
                }
                st.slots[Layout::anchor_slot(r)] = ev.at;
                self.clear_progress(st, r);
                self.clear_fired(st, r);
                // the latest instant this event started a rule
                for &(event, slot) in &self.ir.anchor_slots {
                    if event == ev.event {
                        if let Some(s) = st.slots.get_mut(slot as usize) {
                            *s = ev.at;
                        }
                    }
                }
            }
            if edge.flags & EdgeHot::RESUMES != 0 {
                self.cure(st, r, sid, ev.at, out);
                self.clear_progress(st, r);
                if edge.target == self.ir.rules[r].first_state.0 {
                    self.clear_fired(st, r);
                }
                self.drop_unanchored(st, StateId(edge.target), ev.at);
            }
            self.set_local(st, r, StateId(edge.target));
        }
        self.recompute_due(st)?;
        self.fire_due(st, ev.at, out)
    }
}
