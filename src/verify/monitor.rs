//! The property as a monitor that watches the search's moves.
//!
//! * `no A before D from E unless C`: state 1 from the first `E` (the start
//!   of the episode; a later `E` does not move it, as a running rule
//!   ignores its trigger) until a `C`. `A` fired in state 1 before `D` has
//!   passed since that `E` violates.
//! * `every A preceded by N`: state 1 once some `N` fired. `A` fired in state
//!   0 violates (an `N` of the same step does not precede it).
//! * `after C no A until U`: state 1 from a `C` until a `U`. `A` fired in
//!   state 1 violates.
//! * `eventually A follows E unless C`: state 1 from an `E` until an `A` or
//!   a `C`. A state 1 in which nothing can fire any more (no rule waits for
//!   a step, or the agreement ended) violates: the timeline that stops
//!   there never gets its `A`.
//!
//! After a `terminate` nothing fires and no event counts (the evaluator
//! ignores them), so the monitor stops with the automaton.

use super::dbm::Dbm;
use super::net::{Atom, Due};
use super::search::{Disc, Search};
use super::{ActionPat, Prop};
use crate::compile::{EventId, StepIx};

impl Search<'_> {
    /// Whether step `s` performs an action matching `p`.
    fn step_matches(&self, s: StepIx, p: &ActionPat) -> bool {
        self.ir.actions(s).iter().any(|a| {
            a.verb == p.verb
                && (p.targets.is_empty()
                    || self.ir.targets(a).iter().any(|t| p.targets.contains(t)))
        })
    }

    /// Whether event `e` (the balance already moved) is one of `list`:
    /// `settled` is a payment that leaves the account settled.
    fn names(&self, list: &[EventId], e: EventId, d: &Disc) -> bool {
        list.contains(&e)
            || (list.contains(&super::SETTLED)
                && !d.bal.in_arrears()
                && self.ir.event_id("payment") == Some(e))
    }

    /// The monitor sees event `e`; true when that alone violates.
    pub(super) fn monitor_event(&self, d: &mut Disc, z: &mut Dbm, e: EventId) -> bool {
        match self.mon.prop {
            Prop::NoBefore { from, unless, .. } => {
                if self.names(unless, e, d) {
                    d.mon = 0;
                    if let Some(a) = self.mon.anchor {
                        let pt = self.net.anchors[a];
                        z.free(pt.clock);
                        if let Some(k) = pt.counter {
                            d.counters[k] = 0;
                        }
                        self.net.reset_months(&mut d.counters, a);
                        d.set &= !(1 << a);
                    }
                } else if self.names(from, e, d) && d.mon == 0 {
                    d.mon = 1;
                    if let Some(a) = self.mon.anchor {
                        let pt = self.net.anchors[a];
                        z.reset(pt.clock);
                        if let Some(k) = pt.counter {
                            d.counters[k] = 0;
                        }
                        self.net.reset_months(&mut d.counters, a);
                        d.set |= 1 << a;
                    }
                }
            }
            Prop::Preceded { .. } => {}
            Prop::AfterNo { after, until, .. } => {
                if self.names(until, e, d) {
                    d.mon = 0;
                } else if self.names(after, e, d) {
                    d.mon = 1;
                }
            }
            Prop::Follows { after, unless, .. } => {
                if self.names(unless, e, d) {
                    d.mon = 0;
                } else if self.names(after, e, d) {
                    d.mon = 1;
                }
            }
        }
        false
    }

    /// The monitor sees step `s` fire: the successors, each with whether
    /// it violates (a split of the zone where the answer depends on time).
    pub(super) fn monitor_fire(&self, mut d: Disc, z: Dbm, s: StepIx) -> Vec<(Disc, Dbm, bool)> {
        match self.mon.prop {
            Prop::NoBefore { action, .. } => {
                if d.mon != 1 || !self.step_matches(s, action) {
                    return vec![(d, z, false)];
                }
                let Some(within) = self.mon.within else {
                    return vec![(d, z, true)];
                };
                let mut out = Vec::new();
                match within {
                    super::net::Atom::Clock { clock, c, .. } => {
                        let mut early = z.clone();
                        if early.upper(clock, c - 1) {
                            out.push((d.clone(), early, true));
                        }
                        let mut late = z;
                        if late.lower(clock, c) {
                            out.push((d, late, false));
                        }
                    }
                    super::net::Atom::Count { counter, n, .. } => {
                        let early = d.counters.get(counter).copied().unwrap_or(0) < n;
                        out.push((d, z, early));
                    }
                }
                out
            }
            Prop::Preceded { action, by } => {
                // in the step's order of actions
                let acts = self.ir.actions(s);
                let mut bad = false;
                for a in acts {
                    let m = |p: &super::ActionPat| {
                        a.verb == p.verb
                            && (p.targets.is_empty()
                                || self.ir.targets(a).iter().any(|t| p.targets.contains(t)))
                    };
                    if m(action) && d.mon == 0 {
                        bad = true;
                    }
                }
                if acts.iter().any(|a| {
                    by.iter().any(|p| {
                        a.verb == p.verb
                            && (p.targets.is_empty()
                                || self.ir.targets(a).iter().any(|t| p.targets.contains(t)))
                    })
                }) {
                    d.mon = 1;
                }
                vec![(d, z, bad)]
            }
            Prop::AfterNo { action, .. } => {
                let bad = d.mon == 1 && self.step_matches(s, action);
                vec![(d, z, bad)]
            }
            Prop::Follows { action, .. } => {
                if self.step_matches(s, action) {
                    d.mon = 0;
                }
                vec![(d, z, false)]
            }
        }
    }

    /// A state the timeline may stop in that violates a liveness property.
    pub(super) fn stuck_violation(&self, d: &Disc) -> bool {
        match self.mon.prop {
            Prop::Follows { .. } => {
                // a step waits that time alone makes due (a step counted
                // from an event that has not happened waits for an event)
                let set = |a: &Atom| d.set & (1 << a.anchor()) != 0;
                let waiting = (0..self.net.rules.len()).any(|r| match self.due_of(d, r) {
                    None => false,
                    Some(Due::Overdue) => true,
                    Some(Due::One(a)) => set(a),
                    Some(Due::Min(a, b)) => set(a) || set(b),
                    Some(Due::Max(a, b)) => set(a) && set(b),
                });
                d.mon == 1 && (d.term || !waiting)
            }
            _ => false,
        }
    }
}
