//! `clausec verify`: properties of a product proved over every timeline its
//! compiled automaton can receive, or refuted with a counterexample
//! timeline written as a scenario.
//!
//! The search runs over the flat automaton ([`crate::compile::Automaton`]),
//! never the AST or the model: what it proves is what the evaluator does.
//! `net` turns each rule's chain into conditions on clocks (one per anchor
//! point) and midnight counters; `account` abstracts the arrears balance
//! of issue #12 to what the rules read of it; `search` explores the zone graph of
//! every order and timing of events (docs/semantics.md, "What verify
//! proves"); `monitor` watches the moves for the property; `witness`
//! turns a violating path back into instants and a `scenario` block;
//! `months` keeps calendar months as marks on the midnight counters.
//!
//! Pure: no IO, no printing, no clock reads; the CLI measures time.

mod account;
mod builtin;
mod cone;
mod dbm;
mod money;
mod monitor;
mod months;
mod net;
mod replay;
mod search;
mod witness;

pub use builtin::{check as builtin_checks, Check, Finding, Place, Report, Undecided};
pub use money::late_fee_at_most;
pub use witness::Counterexample;

use crate::compile::{EventId, StepIx};
use crate::eval::Machine;
use crate::model::Target;
use crate::model::{ActionRefM, DurationM, PropertyKindM, PropertyM};
use crate::vocab::Verb;
use search::{Monitor, Search};

/// `settled` in a property: a `payment` after which the account is settled
/// (never an event of an automaton).
pub const SETTLED: EventId = EventId(u16::MAX);

/// An action with the targets it must touch (none: any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPat {
    pub verb: Verb,
    /// In the automaton's numbering.
    pub targets: Vec<Target>,
}

/// A property in the automaton's numbering (built from
/// [`crate::model::PropertyM`] by [`Prop::of`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prop {
    /// `no A before D from E unless C`
    NoBefore {
        action: ActionPat,
        within: DurationM,
        from: Vec<EventId>,
        unless: Vec<EventId>,
    },
    /// `every A preceded by N or M`
    Preceded {
        action: ActionPat,
        by: Vec<ActionPat>,
    },
    /// `after C no A until U`
    AfterNo {
        after: Vec<EventId>,
        action: ActionPat,
        until: Vec<EventId>,
    },
    /// `eventually A follows E unless C`
    Follows {
        action: ActionPat,
        after: Vec<EventId>,
        unless: Vec<EventId>,
    },
}

impl Prop {
    /// A checked property in `machine`'s numbering; `Err`: why it cannot
    /// be searched on this automaton.
    pub fn of(machine: &Machine, p: &PropertyM) -> Result<Prop, String> {
        let ir = &machine.ir;
        let events = |names: &[String]| -> Result<Vec<EventId>, String> {
            names
                .iter()
                .map(|n| {
                    if n == "settled" {
                        return Ok(SETTLED);
                    }
                    ir.event_id(n)
                        .ok_or_else(|| format!("`{n}` is no event of this product's automaton"))
                })
                .collect()
        };
        let pat = |a: &ActionRefM| ActionPat {
            verb: a.verb,
            targets: a.targets.clone(),
        };
        Ok(match &p.kind {
            PropertyKindM::NoBefore {
                action,
                within,
                from,
                unless,
            } => Prop::NoBefore {
                action: pat(action),
                within: *within,
                from: events(from)?,
                unless: events(unless)?,
            },
            PropertyKindM::Preceded { action, by } => Prop::Preceded {
                action: pat(action),
                by: by.iter().map(pat).collect(),
            },
            PropertyKindM::AfterNo {
                after,
                action,
                until,
            } => Prop::AfterNo {
                after: events(after)?,
                action: pat(action),
                until: events(until)?,
            },
            PropertyKindM::Follows {
                action,
                after,
                unless,
            } => Prop::Follows {
                action: pat(action),
                after: events(after)?,
                unless: events(unless)?,
            },
            // decided on the late fee itself (`money.rs`), not on the zone graph
            PropertyKindM::LateFeeAtMost { .. } => {
                return Err("a money bound is decided by `late_fee_at_most`".into())
            }
        })
    }
}

/// What the search found.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Holds on every timeline.
    Proved,
    Violated(Box<Counterexample>),
    /// Not decided; the reason says why (never counted as proved).
    NotVerified(String),
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Nodes of the zone graph explored.
    pub states: usize,
}

/// Most nodes one search explores before it gives up (not verified).
pub const STATE_LIMIT: usize = 400_000;

/// Proves or refutes `prop` on `machine`'s automaton.
pub fn verify(machine: &Machine, prop: &Prop, limit: usize) -> Outcome {
    let not = |why: String| Outcome {
        verdict: Verdict::NotVerified(why),
        states: 0,
    };
    let (watched, seen): (Vec<&ActionPat>, Vec<&ActionPat>) = match prop {
        Prop::NoBefore { action, .. }
        | Prop::AfterNo { action, .. }
        | Prop::Follows { action, .. } => (vec![action], vec![action]),
        Prop::Preceded { action, by } => {
            (vec![action], std::iter::once(action).chain(by).collect())
        }
    };
    if seen.iter().any(|p| p.verb == Verb::Resume) {
        return not("the `resume` a cure reports is not searched yet".into());
    }
    // A safety property (all but `eventually`) first drops the rules that
    // only `terminate`: a terminate only cuts a timeline short, so every
    // timeline of the automaton is a prefix of one of the smaller one, and
    // what no prefix violates there holds here. A violation found without
    // them may be cut off by a terminate: the full search decides it.
    if !matches!(prop, Prop::Follows { .. }) {
        let first = search_cone(machine, prop, &watched, &seen, false, limit);
        // (the same rules: the first search decides)
        if matches!(first.verdict, Verdict::Proved)
            || cone(machine, &seen, false) == cone(machine, &seen, true)
        {
            return first;
        }
        let full = search_cone(machine, prop, &watched, &seen, true, limit);
        return Outcome {
            verdict: full.verdict,
            states: first.states + full.states,
        };
    }
    search_cone(machine, prop, &watched, &seen, true, limit)
}

/// The cone of influence: the rules that perform a watched action (and,
/// with `terminating`, those that end the agreement), and the rules whose
/// steps change what they read ([`cone::closed`]).
fn cone(machine: &Machine, seen: &[&ActionPat], terminating: bool) -> Vec<bool> {
    let ir = &machine.ir;
    let keep: Vec<bool> = ir
        .rules
        .iter()
        .map(|r| {
            r.steps().map(StepIx).any(|s| {
                (terminating && ir.step(s).terminates)
                    || ir.actions(s).iter().any(|a| {
                        seen.iter().any(|p| {
                            p.verb == a.verb
                                && (p.targets.is_empty()
                                    || ir.targets(a).iter().any(|t| p.targets.contains(t)))
                        })
                    })
            })
        })
        .collect();
    cone::closed(ir, &keep)
}

/// The search over the rules that perform a watched action (and, with
/// `terminating`, those that end the agreement).
fn search_cone(
    machine: &Machine,
    prop: &Prop,
    watched: &[&ActionPat],
    seen: &[&ActionPat],
    terminating: bool,
    limit: usize,
) -> Outcome {
    let ir = &machine.ir;
    let not = |why: String| Outcome {
        verdict: Verdict::NotVerified(why),
        states: 0,
    };
    let keep = cone(machine, seen, terminating);
    let mut net = match net::Net::build(ir, &machine.clock, &keep) {
        Ok(n) => n,
        Err(why) => return not(why),
    };
    // the balance only where something searched reads it (`account::read`)
    let names_settled = match prop {
        Prop::NoBefore { from, unless, .. } => from.iter().chain(unless).any(|e| *e == SETTLED),
        Prop::AfterNo { after, until, .. }
        | Prop::Follows {
            after,
            unless: until,
            ..
        } => after.iter().chain(until).any(|e| *e == SETTLED),
        Prop::Preceded { .. } => false,
    };
    net.balance = net.balance && account::read(ir, &net, names_settled, seen);
    // an action reported before the instant it fires at cannot be timed
    for rule in &net.rules {
        for s in &rule.steps {
            if s.due == net::Due::Overdue
                && ir
                    .actions(s.ix)
                    .iter()
                    .any(|a| watched.iter().any(|p| p.verb == a.verb))
            {
                return not(format!(
                    "a `before` step of rule {} performs `{}` (reported before the event that places it)",
                    ir.rule_name(usize::from(ir.step(s.ix).rule)),
                    watched.first().map_or("", |p| p.verb.name())
                ));
            }
        }
    }
    let mut monitor_anchor = None;
    let mut within = None;
    if let Prop::NoBefore { within: d, .. } = prop {
        let a = net.add_anchor();
        match net.after(a, *d) {
            Ok(atom) => {
                monitor_anchor = Some(a);
                within = Some(atom);
            }
            Err(why) => return not(format!("the property counts in {why}")),
        }
    }
    // every event a searched rule reacts to (a conjunctive cure's parts and
    // the balance's moves included: left out, a cure could never complete)
    let mut events = builtin::reacting_events(ir, &net);
    match prop {
        Prop::NoBefore { from, unless, .. } => events.extend(from.iter().chain(unless)),
        Prop::Preceded { .. } => {}
        Prop::AfterNo { after, until, .. } => events.extend(after.iter().chain(until)),
        Prop::Follows { after, unless, .. } => events.extend(after.iter().chain(unless)),
    }
    // `settled` is a payment that settles
    if let Some(e) = events.iter_mut().find(|e| **e == SETTLED) {
        *e = ir.event_id("payment").unwrap_or(SETTLED);
    }
    events.retain(|e| *e != SETTLED);
    events.sort_by_key(|e| e.0);
    events.dedup();
    let search = Search {
        net: &net,
        ir,
        mon: Monitor {
            prop,
            anchor: monitor_anchor,
            within,
        },
        events,
    };
    let found = search.run(limit);
    if found.exhausted {
        return Outcome {
            verdict: Verdict::NotVerified(format!(
                "the search stopped after {} states",
                found.states - 1
            )),
            states: found.states - 1,
        };
    }
    let verdict = match found.path {
        None => Verdict::Proved,
        // a month's end on any midnight its length can take (`months`):
        // the violation counts when the evaluator shows it too
        Some(path) if !net.months.is_empty() => match witness::confirmed(&search, &path, machine) {
            Some(c) => Verdict::Violated(Box::new(c)),
            None => Verdict::NotVerified(
                "violated when a period in calendar months ends on some midnight its length can take (Civil Code Art. 202); the evaluator's run of that timeline does not violate it".into(),
            ),
        },
        // the search let a period extended by rest days end on any day the
        // calendar could make it end: the violation counts when the
        // evaluator, with the agreement's calendar, shows it too
        Some(path) if net.slack => match witness::confirmed(&search, &path, machine) {
            Some(c) => Verdict::Violated(Box::new(c)),
            None => Verdict::NotVerified(format!(
                "violated when a period in calendar days that rest days extend (Civil Code Art. 203) ends on some day up to {} days late; where the calendar's rest days fall is not searched",
                net.rest_break
            )),
        },
        Some(path) => match witness::concretise(&search, &path, machine) {
            Some(c) => Verdict::Violated(Box::new(c)),
            None => Verdict::NotVerified(
                "violated on a path whose instants could not be reconstructed".into(),
            ),
        },
    };
    Outcome {
        verdict,
        states: found.states,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Program;
    use crate::vocab::{Billing, Reading};

    const LOG: &str = r#"
product log "日志服务" §1 {
  billing postpaid
  resources data
  on arrears {
    suspended: after 24h suspend service §1.1
    after 15d from suspended purge data §1.2
    until payment then resume all
  }
}
"#;

    fn machine(text: &str, reading: Reading) -> Machine {
        let p = Program::compile_str("t.clause", text).expect("checks");
        p.select("log", Some(Billing::Postpaid), reading)
            .expect("compiles")
    }

    fn pat(m: &Machine, verb: Verb) -> ActionPat {
        let _ = m;
        ActionPat {
            verb,
            targets: Vec::new(),
        }
    }

    fn ev(m: &Machine, name: &str) -> Vec<EventId> {
        vec![m.ir.event_id(name).expect("event")]
    }

    #[test]
    fn a_minimum_time_before_purge_is_proved_and_a_longer_one_refuted() {
        let m = machine(LOG, Reading::CustomerSafe);
        let prop = |h: u32| Prop::NoBefore {
            action: pat(&m, Verb::Purge),
            within: DurationM {
                count: h,
                unit: crate::model::Unit::Hours,
            },
            from: ev(&m, "arrears"),
            unless: ev(&m, "payment"),
        };
        let ok = verify(&m, &prop(16 * 24), STATE_LIMIT);
        assert!(matches!(ok.verdict, Verdict::Proved), "{ok:?}");
        assert!(ok.states > 1);
        let bad = verify(&m, &prop(16 * 24 + 1), STATE_LIMIT);
        let Verdict::Violated(c) = bad.verdict else {
            panic!("{bad:?}")
        };
        // the purge 16 days after the arrears, one hour short
        let (at, _) = c.step.expect("a step");
        let (t0, _) = c.events[0];
        assert_eq!(at - t0, 16 * 86_400);
        assert!(c.scenario(&m, "x").contains("expect no purge before"));
    }

    #[test]
    fn two_readings_from_two_anchors_take_the_later_or_the_earlier() {
        let text = r#"
product log "日志服务" §1 {
  billing postpaid
  resources data
  on arrears {
    suspended: after 24h suspend service §1.1
    after 15d from arrears or after 360h from suspended purge data §1.2 note "two readings"
    until payment
  }
}
"#;
        for (reading, hours) in [
            (Reading::CustomerSafe, 16 * 24),
            (Reading::Earliest, 15 * 24),
        ] {
            let m = machine(text, reading);
            let prop = |h: u32| Prop::NoBefore {
                action: pat(&m, Verb::Purge),
                within: DurationM {
                    count: h,
                    unit: crate::model::Unit::Hours,
                },
                from: ev(&m, "arrears"),
                unless: ev(&m, "payment"),
            };
            let ok = verify(&m, &prop(hours), STATE_LIMIT);
            assert!(matches!(ok.verdict, Verdict::Proved), "{reading:?} {ok:?}");
            let bad = verify(&m, &prop(hours + 1), STATE_LIMIT);
            let Verdict::Violated(c) = bad.verdict else {
                panic!("{reading:?} {bad:?}")
            };
            let (at, _) = c.step.expect("a step");
            assert_eq!(at - c.events[0].0, i64::from(hours) * 3600, "{reading:?}");
        }
    }

    #[test]
    fn liveness_and_ordering_properties() {
        let m = machine(LOG, Reading::CustomerSafe);
        let follows = Prop::Follows {
            action: pat(&m, Verb::Purge),
            after: ev(&m, "arrears"),
            unless: ev(&m, "payment"),
        };
        assert!(matches!(
            verify(&m, &follows, STATE_LIMIT).verdict,
            Verdict::Proved
        ));
        let preceded = Prop::Preceded {
            action: pat(&m, Verb::Purge),
            by: vec![pat(&m, Verb::Suspend)],
        };
        assert!(matches!(
            verify(&m, &preceded, STATE_LIMIT).verdict,
            Verdict::Proved
        ));
        let wrong = Prop::Preceded {
            action: pat(&m, Verb::Purge),
            by: vec![pat(&m, Verb::Notify)],
        };
        assert!(matches!(
            verify(&m, &wrong, STATE_LIMIT).verdict,
            Verdict::Violated(_)
        ));
        let after = Prop::AfterNo {
            after: ev(&m, "payment"),
            action: pat(&m, Verb::Purge),
            until: ev(&m, "arrears"),
        };
        assert!(matches!(
            verify(&m, &after, STATE_LIMIT).verdict,
            Verdict::Proved
        ));
        let never = Prop::AfterNo {
            after: ev(&m, "payment"),
            action: pat(&m, Verb::Purge),
            until: Vec::new(),
        };
        assert!(matches!(
            verify(&m, &never, STATE_LIMIT).verdict,
            Verdict::Violated(_)
        ));
    }
}
