//! The zone-graph search: every timeline of events, at any instants, as a
//! finite graph of (discrete state, zone) nodes.
//!
//! A node is the rules' local states, the midnight counters, which anchor
//! points are set, whether a `terminate` fired, the property monitor's
//! state, the **phase** of the current instant, and a zone over the clocks.
//! The phase encodes the evaluator's order within an instant
//! (docs/semantics.md): `Fresh` (nothing has happened at this instant yet:
//! an event may come before the steps due now — a cure at the deadline
//! saves), `After` (an event happened at this instant: the steps due now
//! fire before any further event of the instant), `Closed` (a step fired
//! with no event before it at this instant: no event can happen at it any
//! more, only after time passes). Time passes only when nothing is due and
//! by at least one second (clock [`W`]); it never passes a due instant.
//! Midnight (`z` = 86 400) comes before anything else at its instant.

use super::account::{self, Bal};
use super::dbm::Dbm;
use super::net::{Atom, Due, Net, W};
use super::Prop;
use crate::compile::{Automaton, EventId, StepIx};
use std::collections::{HashMap, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Fresh,
    After,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Disc {
    /// Per rule: 0 idle, k waiting for step k−1, steps+1 done.
    pub locals: Vec<u8>,
    pub counters: Vec<u8>,
    /// Anchor points that are set.
    pub set: u64,
    pub term: bool,
    pub phase: Phase,
    /// The property monitor's state.
    pub mon: u8,
    /// The arrears balance (`super::account`).
    pub bal: Bal,
    /// Per rule: its conjunctive cure's progress (`Machine::progress`).
    pub prog: Vec<u64>,
    /// The resources, packed as the evaluator packs them, when a guard
    /// reads one ([`Net::resources`]); 0 otherwise.
    pub res: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Start,
    Delay,
    Midnight,
    /// An event, and the balance it leaves.
    Event(EventId, Bal),
    Fire(usize, StepIx),
    /// The property is violated (by the move before it, or by the state).
    Violation,
}

struct Node {
    disc: Disc,
    zone: Dbm,
    parent: usize,
    mv: Move,
}

/// The property as a monitor over moves, in the automaton's numbering.
pub struct Monitor<'a> {
    pub prop: &'a Prop,
    /// The monitor's own anchor point (`no … before D from E`).
    pub anchor: Option<usize>,
    pub within: Option<Atom>,
}

pub struct Searched {
    pub states: usize,
    /// The moves from the start to the violation, when there is one.
    pub path: Option<Vec<(Move, Disc)>>,
    /// The state limit was reached first.
    pub exhausted: bool,
}

pub struct Search<'a> {
    pub net: &'a Net,
    pub ir: &'a Automaton,
    pub mon: Monitor<'a>,
    pub events: Vec<EventId>,
}

type Succ = (Move, Disc, Dbm, bool);

impl<'a> Search<'a> {
    /// Whether anchor point `a` is set (an event anchor may not be yet).
    fn is_set(d: &Disc, a: usize) -> bool {
        d.set & (1 << a) != 0
    }

    fn reached(&self, d: &Disc, z: Dbm, a: &Atom) -> Option<Dbm> {
        if !Self::is_set(d, a.anchor()) {
            return None;
        }
        match *a {
            Atom::Clock { clock, c, .. } => {
                let mut z = z;
                z.lower(clock, c).then_some(z)
            }
            Atom::Count { counter, n, .. } => {
                (d.counters.get(counter).copied().unwrap_or(0) >= n).then_some(z)
            }
        }
    }

    fn unreached(&self, d: &Disc, z: Dbm, a: &Atom) -> Option<Dbm> {
        if !Self::is_set(d, a.anchor()) {
            return Some(z);
        }
        match *a {
            Atom::Clock { clock, c, .. } => {
                let mut z = z;
                z.upper(clock, c - 1).then_some(z)
            }
            // not yet forced: a period rest days may extend can still wait
            Atom::Count {
                counter, n, slack, ..
            } => (d.counters.get(counter).copied().unwrap_or(0) < n + slack).then_some(z),
        }
    }

    /// Zones (a union) where `due` holds.
    fn due(&self, d: &Disc, z: &Dbm, due: &Due) -> Vec<Dbm> {
        match due {
            Due::Overdue => vec![z.clone()],
            Due::One(a) => self.reached(d, z.clone(), a).into_iter().collect(),
            Due::Min(a, b) => [a, b]
                .iter()
                .filter_map(|x| self.reached(d, z.clone(), x))
                .collect(),
            Due::Max(a, b) => self
                .reached(d, z.clone(), a)
                .and_then(|z| self.reached(d, z, b))
                .into_iter()
                .collect(),
        }
    }

    /// Zones (a union) where `due` does not hold.
    fn not_due(&self, d: &Disc, z: &Dbm, due: &Due) -> Vec<Dbm> {
        match due {
            Due::Overdue => Vec::new(),
            Due::One(a) => self.unreached(d, z.clone(), a).into_iter().collect(),
            Due::Min(a, b) => self
                .unreached(d, z.clone(), a)
                .and_then(|z| self.unreached(d, z, b))
                .into_iter()
                .collect(),
            Due::Max(a, b) => [a, b]
                .iter()
                .filter_map(|x| self.unreached(d, z.clone(), x))
                .collect(),
        }
    }

    /// The step rule `r` waits for.
    pub(super) fn waiting(&self, d: &Disc, r: usize) -> Option<usize> {
        self.net.rules.get(r)?.waits(*d.locals.get(r)?)
    }

    /// The resources after step `s` fired, when a guard reads them.
    fn resources(&self, s: StepIx, res: u32) -> u32 {
        if self.net.resources {
            account::fired(self.ir, s, res)
        } else {
            res
        }
    }

    pub(super) fn due_of(&self, d: &Disc, r: usize) -> Option<&Due> {
        let k = self.waiting(d, r)?;
        Some(&self.net.rules.get(r)?.steps.get(k)?.due)
    }

    /// The time bounds of waiting steps: time never passes a due instant.
    /// A union of zones: the later of two instants counted in exact time
    /// from two anchors bounds time by one clock or the other.
    fn invariant(&self, d: &Disc, z: Dbm) -> Vec<Dbm> {
        let mut zs = vec![z];
        if let Some(zc) = self.net.z {
            zs.retain_mut(|z| z.upper(zc, 86_400));
        }
        let set = |a: &Atom| Self::is_set(d, a.anchor());
        let reached = |a: &Atom| match *a {
            Atom::Count {
                counter, n, slack, ..
            } => set(a) && d.counters.get(counter).copied().unwrap_or(0) >= n + slack,
            Atom::Clock { .. } => false,
        };
        // an unset anchor bounds nothing: its step is not due until an
        // event sets it
        let bound = |a: &Atom| match *a {
            Atom::Clock { clock, c, .. } if set(a) => Some((clock, c)),
            _ => None,
        };
        for r in 0..self.net.rules.len() {
            let Some(due) = self.due_of(d, r) else {
                continue;
            };
            // alternatives, each a conjunction of bounds `clock ≤ c`
            let alternatives: Vec<Vec<(usize, i64)>> = match *due {
                Due::Overdue => vec![Vec::new()],
                Due::One(a) => vec![bound(&a).into_iter().collect()],
                Due::Min(a, b) => vec![[a, b].iter().filter_map(bound).collect()],
                Due::Max(a, b) => match (bound(&a), bound(&b)) {
                    (Some(x), Some(y)) => vec![vec![x], vec![y]],
                    (Some(x), None) if reached(&b) => vec![vec![x]],
                    (None, Some(y)) if reached(&a) => vec![vec![y]],
                    _ => vec![Vec::new()],
                },
            };
            zs = zs
                .into_iter()
                .flat_map(|z| {
                    alternatives.iter().filter_map(move |alt| {
                        let mut z = z.clone();
                        alt.iter().all(|&(x, c)| z.upper(x, c)).then_some(z)
                    })
                })
                .collect();
        }
        zs
    }

    fn set_anchor(&self, d: &mut Disc, z: &mut Dbm, a: usize) {
        let pt = self.net.anchors[a];
        z.reset(pt.clock);
        if let Some(k) = pt.counter {
            d.counters[k] = 0;
        }
        self.net.reset_months(&mut d.counters, a);
        d.set |= 1 << a;
    }

    fn clear_anchor(&self, d: &mut Disc, z: &mut Dbm, a: usize) {
        let pt = self.net.anchors[a];
        z.free(pt.clock);
        if let Some(k) = pt.counter {
            d.counters[k] = 0;
        }
        self.net.reset_months(&mut d.counters, a);
        d.set &= !(1 << a);
    }

    fn clear_rule(&self, d: &mut Disc, z: &mut Dbm, r: usize) {
        for &a in &self.net.rules[r].anchors {
            self.clear_anchor(d, z, a);
        }
    }

    /// The start: every rule idle, any time of day.
    pub fn start(&self) -> (Disc, Dbm) {
        let mut z = Dbm::zero(self.net.clocks());
        for c in 1..self.net.clocks() {
            z.free(c);
        }
        if let Some(zc) = self.net.z {
            z.upper(zc, 86_399);
        }
        let d = Disc {
            locals: vec![0; self.net.rules.len()],
            counters: vec![0; self.net.counter_cap.len()],
            set: 0,
            term: false,
            phase: Phase::Fresh,
            mon: 0,
            bal: Bal::Settled,
            prog: vec![0; self.net.rules.len()],
            res: 0,
        };
        (d, z)
    }

    /// Every move from a node. `bool`: the move violates the property.
    pub fn successors(&self, d: &Disc, z: &Dbm) -> Vec<Succ> {
        let mut out = Vec::new();
        if d.term {
            return out;
        }
        let mut rest = z.clone();
        if let Some(zc) = self.net.z {
            let mut tick = z.clone();
            if tick.lower(zc, 86_400) {
                let mut d2 = d.clone();
                tick.reset(zc);
                for (a, pt) in self.net.anchors.iter().enumerate() {
                    if let (true, Some(k)) = (d.set & (1 << a) != 0, pt.counter) {
                        let cap = self.net.counter_cap[k];
                        d2.counters[k] = d2.counters[k].saturating_add(1).min(cap);
                    }
                }
                // the month ends that may fall on this midnight
                for counters in self.net.month_midnight(&d2.counters, d2.set) {
                    let d3 = Disc {
                        counters,
                        ..d2.clone()
                    };
                    out.push((Move::Midnight, d3, tick.clone(), false));
                }
            }
            if !rest.upper(zc, 86_399) {
                return out;
            }
        }
        // steps due: `before` steps first, then in rule order
        let mut order: Vec<usize> = (0..self.net.rules.len())
            .filter(|&r| self.waiting(d, r).is_some())
            .collect();
        order.sort_by_key(|&r| (!matches!(self.due_of(d, r), Some(Due::Overdue)), r));
        let mut higher: Vec<Dbm> = vec![rest.clone()];
        for &r in &order {
            let Some(due) = self.due_of(d, r) else {
                continue;
            };
            for zone in higher.iter().flat_map(|z| self.due(d, z, due)) {
                out.extend(self.fire(d, zone, r));
            }
            higher = higher
                .iter()
                .flat_map(|z| self.not_due(d, z, due))
                .collect();
        }
        // `higher` is now: nothing due
        let quiet = higher;
        let event_zones: Vec<Dbm> = match d.phase {
            Phase::Fresh => vec![rest.clone()],
            Phase::After => quiet.clone(),
            Phase::Closed => Vec::new(),
        };
        for &e in &self.events {
            for zone in &event_zones {
                for b in account::moves(self.net, d.bal, e) {
                    out.extend(self.event(d, zone.clone(), e, b));
                }
            }
        }
        for zone in quiet {
            let mut zone = zone;
            zone.up();
            let mut d2 = d.clone();
            d2.phase = Phase::Fresh;
            if zone.lower(W, 1) {
                for z in self.invariant(&d2, zone) {
                    out.push((Move::Delay, d2.clone(), z, false));
                }
            }
        }
        out
    }

    /// Event `e` leaving the balance `b`: the balance moves (entering
    /// arrears starts an episode and fires the restrictions, settling ends
    /// it), then every rule takes the event in order (a conjunctive cure, a
    /// cure, or a start its guard allows), and an event a step counts from
    /// moves to this instant when it started a rule.
    fn event(&self, d: &Disc, mut z: Dbm, e: EventId, b: Bal) -> Vec<Succ> {
        let mut d2 = d.clone();
        d2.bal = b;
        if let Some(a) = self.net.episode {
            match (d.bal.in_arrears(), b.in_arrears()) {
                (false, true) => self.set_anchor(&mut d2, &mut z, a),
                (true, false) => self.clear_anchor(&mut d2, &mut z, a),
                _ => {}
            }
        }
        let mut started = false;
        for (r, rule) in self.net.rules.iter().enumerate() {
            let k = d2.locals[r];
            let n = rule.steps.len();
            let idle = k == 0;
            let done = rule.is_done(k);
            if rule.in_chain(k) {
                continue; // cured, waiting for its kept steps: events change nothing
            }
            let mut cured = false;
            if !idle {
                let (seen, complete) = account::progress(self.ir, rule.ir_rule, d2.prog[r], e, b);
                d2.prog[r] = seen;
                cured = complete;
            }
            if !idle && (cured || rule.cures.contains(&e)) {
                d2.prog[r] = 0;
                match rule.cured_to(k) {
                    // the kept steps count on from the anchors they have
                    Some(chain) => self.cure_to_chain(&mut d2, &mut z, r, chain),
                    None => {
                        d2.locals[r] = 0;
                        self.clear_rule(&mut d2, &mut z, r);
                    }
                }
            } else if (idle || done) && rule.trigger == e && account::holds(&rule.guard, b, d2.res)
            {
                self.clear_rule(&mut d2, &mut z, r);
                d2.prog[r] = 0;
                d2.locals[r] = 1;
                if n > 0 {
                    self.set_anchor(&mut d2, &mut z, rule.trigger_anchor);
                }
                started = true;
            }
        }
        if started {
            for &(ev, a) in &self.net.event_anchors {
                if ev == e {
                    self.set_anchor(&mut d2, &mut z, a);
                }
            }
        }
        let violated = self.monitor_event(&mut d2, &mut z, e);
        d2.phase = Phase::After;
        z.reset(W);
        let mut out = vec![(d2, z, violated)];
        if b.in_arrears() && !d.bal.in_arrears() {
            // the restrictions apply at the event's instant
            for &s in &self.net.restrictions {
                out = out
                    .into_iter()
                    .flat_map(|(mut d, z, bad)| {
                        d.res = self.resources(s, d.res);
                        self.monitor_fire(d, z, s)
                            .into_iter()
                            .map(move |(d, z, b2)| (d, z, bad || b2))
                    })
                    .collect();
            }
        }
        out.into_iter()
            .map(|(d2, z, bad)| (Move::Event(e, b), d2, z, bad))
            .collect()
    }

    /// Rule `r` is cured into the kept chain starting at local state
    /// `chain`: the anchors its steps count from are kept, the rule's
    /// others forgotten (nothing reads them any more).
    fn cure_to_chain(&self, d: &mut Disc, z: &mut Dbm, r: usize, chain: u8) {
        d.locals[r] = chain;
        let rule = &self.net.rules[r];
        let needed = rule
            .to_come(chain)
            .iter()
            .filter_map(|&k| rule.steps.get(k))
            .flat_map(|st| match st.due {
                Due::Overdue => Vec::new(),
                Due::One(a) => vec![a],
                Due::Min(a, b) | Due::Max(a, b) => vec![a, b],
            })
            .fold(0u64, |m, a| m | 1 << a.anchor());
        for &a in &rule.anchors {
            if needed & (1 << a) == 0 {
                self.clear_anchor(d, z, a);
            }
        }
    }

    /// Rule `r` fires the step it waits for (in the zone where it is the
    /// one to fire); the monitor may split the zone.
    fn fire(&self, d: &Disc, mut z: Dbm, r: usize) -> Vec<Succ> {
        let Some(k) = self.waiting(d, r) else {
            return Vec::new();
        };
        let rule = &self.net.rules[r];
        let step = &rule.steps[k];
        let mut d2 = d.clone();
        let (next, done) = rule.after_fire(d.locals[r]);
        d2.locals[r] = next;
        if let Some(a) = step.anchor {
            self.set_anchor(&mut d2, &mut z, a);
        }
        if done {
            self.clear_rule(&mut d2, &mut z, r);
        }
        // a step whose guard does not hold fires nothing
        let fires = account::holds(&step.guard, d.bal, d.res);
        if fires && self.ir.step(step.ix).terminates {
            d2.term = true;
        }
        if fires {
            d2.res = self.resources(step.ix, d2.res);
        }
        d2.phase = match d.phase {
            Phase::Fresh | Phase::Closed => Phase::Closed,
            Phase::After => Phase::After,
        };
        z.reset(W);
        let mv = Move::Fire(r, step.ix);
        if !fires {
            return vec![(mv, d2, z, false)];
        }
        self.monitor_fire(d2, z, step.ix)
            .into_iter()
            .map(|(d, z, bad)| (mv, d, z, bad))
            .collect()
    }

    /// Runs the search; `limit` bounds the nodes explored.
    pub fn run(&self, limit: usize) -> Searched {
        let (d0, z0) = self.start();
        let mut nodes: Vec<Node> = vec![Node {
            disc: d0.clone(),
            zone: z0.clone(),
            parent: usize::MAX,
            mv: Move::Start,
        }];
        let mut passed: HashMap<Disc, Vec<usize>> = HashMap::new();
        passed.entry(d0).or_default().push(0);
        let mut queue: VecDeque<usize> = VecDeque::from([0]);
        // nodes whose zone a later node of the same state includes: what
        // they reach, it reaches (successors are monotone in the zone)
        let mut covered: Vec<bool> = vec![false];
        let mut states = 0;
        while let Some(i) = queue.pop_front() {
            if covered.get(i).copied().unwrap_or(false) {
                continue;
            }
            states += 1;
            if nodes[i].mv == Move::Violation {
                return Searched {
                    states,
                    path: Some(path_to(&nodes, i)),
                    exhausted: false,
                };
            }
            if states > limit {
                return Searched {
                    states,
                    path: None,
                    exhausted: true,
                };
            }
            if self.stuck_violation(&nodes[i].disc) {
                let (disc, zone) = (nodes[i].disc.clone(), nodes[i].zone.clone());
                nodes.push(Node {
                    disc,
                    zone,
                    parent: i,
                    mv: Move::Violation,
                });
                covered.push(false);
                queue.push_front(nodes.len() - 1);
                continue;
            }
            let succ = self.successors(&nodes[i].disc, &nodes[i].zone);
            for (mv, disc, mut zone, bad) in succ {
                zone.extrapolate(&self.net.max);
                let seen = passed.entry(disc.clone()).or_default();
                if !bad && seen.iter().any(|&j| nodes[j].zone.includes(&zone)) {
                    continue;
                }
                let id = nodes.len();
                if !bad {
                    seen.retain(|&j| {
                        let sub = zone.includes(&nodes[j].zone);
                        if sub {
                            if let Some(c) = covered.get_mut(j) {
                                *c = true;
                            }
                        }
                        !sub
                    });
                    seen.push(id);
                }
                nodes.push(Node {
                    disc: disc.clone(),
                    zone: zone.clone(),
                    parent: i,
                    mv,
                });
                covered.push(false);
                if bad {
                    nodes.push(Node {
                        disc,
                        zone,
                        parent: id,
                        mv: Move::Violation,
                    });
                    covered.push(false);
                    // a violation found by an event costs that event
                    if matches!(mv, Move::Event(..)) {
                        queue.push_back(id + 1);
                    } else {
                        queue.push_front(id + 1);
                    }
                } else if matches!(mv, Move::Event(..)) {
                    queue.push_back(id);
                } else {
                    queue.push_front(id);
                }
            }
        }
        Searched {
            states,
            path: None,
            exhausted: false,
        }
    }
}

fn path_to(nodes: &[Node], mut i: usize) -> Vec<(Move, Disc)> {
    let mut out = Vec::new();
    while i != usize::MAX {
        out.push((nodes[i].mv, nodes[i].disc.clone()));
        i = nodes[i].parent;
    }
    out.reverse();
    out
}
