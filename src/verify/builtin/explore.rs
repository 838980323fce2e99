//! The zone-graph exploration the built-in checks share: a cone of rules
//! as a net, explored with an observer that watches each move; `decide`
//! adds the rules that `terminate` when the smaller search finds the move.

use super::{Check, Ctx};
use crate::compile::{Automaton, EventId, StepIx};
use crate::verify::account;
use crate::verify::dbm::Dbm;
use crate::verify::net::Net;
use crate::verify::search::{Disc, Monitor, Move, Search};
use crate::verify::{witness, ActionPat, Counterexample, Prop};
use crate::vocab::Verb;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// The outcome of one exploration.
pub(super) struct Explored {
    pub(super) states: usize,
    pub(super) exhausted: bool,
    /// The moves from the start to the first move the observer marked.
    pub(super) hit: Option<Vec<(Move, Disc)>>,
}

/// One searched cone of rules: its net and the events that reach it.
pub(super) struct Cone {
    pub(super) net: Net,
    pub(super) events: Vec<EventId>,
    /// Per rule of the automaton: its index in the net.
    pub(super) index: HashMap<usize, usize>,
}

/// A property that never moves its monitor: the exploration's own
/// observer watches the moves instead.
fn neutral() -> Prop {
    Prop::AfterNo {
        after: Vec::new(),
        action: ActionPat {
            verb: Verb::Notify,
            targets: Vec::new(),
        },
        until: Vec::new(),
    }
}

impl Ctx<'_> {
    pub(super) fn cone(&self, rules: &[usize]) -> Result<Cone, String> {
        let ir = self.ir();
        let keep: Vec<bool> = (0..ir.rules.len()).map(|r| rules.contains(&r)).collect();
        let net = Net::build(ir, &self.machine.clock, &keep)?;
        let index = net
            .rules
            .iter()
            .enumerate()
            .map(|(j, r)| (r.ir_rule, j))
            .collect();
        let events = reacting_events(ir, &net);
        Ok(Cone { net, events, index })
    }

    /// Explores `cone`'s zone graph; `see` watches each move (the state
    /// before, the observer's value, the move, the state after) and gives
    /// the observer's next value and whether the move is the one sought.
    pub(super) fn explore<X: Clone + Eq + Hash>(
        &mut self,
        cone: &Cone,
        x0: X,
        mut see: impl FnMut(&Search, &Disc, &X, Move, &Disc) -> (X, bool),
    ) -> (Explored, Option<Counterexample>) {
        let prop = neutral();
        let search = Search {
            net: &cone.net,
            ir: self.ir(),
            mon: Monitor {
                prop: &prop,
                anchor: None,
                within: None,
            },
            events: cone.events.clone(),
        };
        let explored = explore(&search, self.limit, x0, &mut see);
        self.report.states += explored.states;
        let witness = explored
            .hit
            .as_ref()
            .and_then(|p| witness::concretise(&search, p, self.machine));
        (explored, witness)
    }

    /// Searches `rules`, then with the rules that `terminate` added when
    /// that finds the move sought; the full search decides.
    pub(super) fn decide<X: Clone + Eq + Hash>(
        &mut self,
        check: Check,
        at: usize,
        rules: &[usize],
        x0: X,
        mut see: impl FnMut(&Search, &Disc, &X, Move, &Disc) -> (X, bool),
    ) -> Option<Counterexample> {
        let ir = self.ir();
        let mut all = rules.to_vec();
        let mut rounds = vec![all.clone()];
        all.extend((0..ir.rules.len()).filter(|r| {
            !rules.contains(r) && ir.rules[*r].steps().any(|s| ir.step(StepIx(s)).terminates)
        }));
        all.sort_unstable();
        if all.len() > rules.len() {
            rounds.push(all);
        }
        let mut last = None;
        for round in rounds {
            let cone = match self.cone(&round) {
                Ok(c) => c,
                Err(why) => {
                    self.undecided(check, at, why);
                    return None;
                }
            };
            let (explored, witness) = self.explore(&cone, x0.clone(), &mut see);
            if explored.exhausted {
                self.undecided(
                    check,
                    at,
                    format!("the search stopped after {} states", explored.states),
                );
                return None;
            }
            explored.hit.as_ref()?;
            if !cone.net.months.is_empty() {
                // marks of different lengths are chosen independently
                last = Some(Err("found when a period in calendar months ends on some midnight its length can take (Civil Code Art. 202); which midnight the date gives is not searched".into()));
            } else if cone.net.slack {
                last = Some(Err(format!(
                    "found when a period in calendar days that rest days extend (Civil Code Art. 203) ends on some day up to {} days late; where the calendar's rest days fall is not searched",
                    cone.net.rest_break
                )));
            } else {
                last = Some(witness.ok_or_else(|| {
                    "found on a path whose instants could not be reconstructed".to_string()
                }));
            }
        }
        match last {
            Some(Ok(c)) => Some(c),
            Some(Err(why)) => {
                self.undecided(check, at, why);
                None
            }
            None => None,
        }
    }
}

/// Every event the rules of `net` react to: triggers, cure events, the
/// parts of conjunctive cures, and `arrears` and `payment` when a rule
/// reads the balance (they are what moves it), sorted, once each.
pub(in crate::verify) fn reacting_events(ir: &Automaton, net: &Net) -> Vec<EventId> {
    let mut events = Vec::new();
    for r in &net.rules {
        events.push(r.trigger);
        events.extend(&r.cures);
        if let Some(rule) = ir.rules.get(r.ir_rule) {
            events.extend(ir.conj_events.get(rule.conj_events.range()).unwrap_or(&[]));
        }
    }
    if net.balance {
        events.extend(["arrears", "payment"].iter().filter_map(|e| ir.event_id(e)));
    }
    events.sort_by_key(|e| e.0);
    events.dedup();
    events
}

/// The exploration proper: breadth-first in the number of events, as the
/// property search ([`Search::run`]), each discrete state with the
/// observer's value, subsumed zones skipped.
fn explore<X: Clone + Eq + Hash>(
    search: &Search,
    limit: usize,
    x0: X,
    see: &mut impl FnMut(&Search, &Disc, &X, Move, &Disc) -> (X, bool),
) -> Explored {
    struct Node<X> {
        disc: Disc,
        x: X,
        zone: Dbm,
        parent: usize,
        mv: Move,
    }
    let (d0, z0) = search.start();
    let mut nodes = vec![Node {
        disc: d0.clone(),
        x: x0.clone(),
        zone: z0,
        parent: usize::MAX,
        mv: Move::Start,
    }];
    let mut passed: HashMap<(Disc, X), Vec<usize>> = HashMap::new();
    passed.entry((d0, x0)).or_default().push(0);
    let mut queue = VecDeque::from([0usize]);
    let mut states = 0;
    let path = |nodes: &[Node<X>], mut i: usize, last: (Move, Disc)| {
        let mut out = vec![last];
        while i != usize::MAX {
            out.push((nodes[i].mv, nodes[i].disc.clone()));
            i = nodes[i].parent;
        }
        out.reverse();
        out
    };
    while let Some(i) = queue.pop_front() {
        states += 1;
        if states > limit {
            return Explored {
                states,
                exhausted: true,
                hit: None,
            };
        }
        for (mv, disc, mut zone, _) in search.successors(&nodes[i].disc, &nodes[i].zone) {
            let (x, hit) = see(search, &nodes[i].disc, &nodes[i].x, mv, &disc);
            if hit {
                return Explored {
                    states,
                    exhausted: false,
                    hit: Some(path(&nodes, i, (mv, disc))),
                };
            }
            zone.extrapolate(&search.net.max);
            let seen = passed.entry((disc.clone(), x.clone())).or_default();
            if seen.iter().any(|&j| nodes[j].zone.includes(&zone)) {
                continue;
            }
            seen.push(nodes.len());
            nodes.push(Node {
                disc,
                x,
                zone,
                parent: i,
                mv,
            });
            if matches!(mv, Move::Event(..)) {
                queue.push_back(nodes.len() - 1);
            } else {
                queue.push_front(nodes.len() - 1);
            }
        }
    }
    Explored {
        states,
        exhausted: false,
        hit: None,
    }
}

/// Whether the step `s` rule `j` (net numbering) fires from `d` does
/// something: its guard holds on the balance.
pub(super) fn guard_holds(search: &Search, d: &Disc, j: usize, s: StepIx) -> bool {
    search
        .net
        .rules
        .get(j)
        .and_then(|r| r.steps.iter().find(|st| st.ix == s))
        .is_some_and(|st| account::holds(&st.guard, d.bal, d.res))
}

/// Whether the move from `d` to `d2` cured rule `j` (net numbering): back
/// to idle, or into the chain of the `even if cured` steps it keeps (only
/// a cure enters one).
pub(super) fn was_cured(search: &Search, d: &Disc, d2: &Disc, j: usize) -> bool {
    let (Some(&k), Some(&k2), Some(rule)) =
        (d.locals.get(j), d2.locals.get(j), search.net.rules.get(j))
    else {
        return false;
    };
    let n = rule.steps.len();
    k != 0 && (k2 == 0 || (usize::from(k) <= n && usize::from(k2) > n + 1))
}
