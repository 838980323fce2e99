//! The account state of issue #12 as the search sees it: the arrears
//! balance abstracted to three values, and what rules read of it (guards
//! on `in arrears`/`settled`, conjunctive cures with `settled`,
//! restrictions while in arrears), mirroring `eval/account.rs`.
//!
//! **The abstraction.** The evaluator's balance is an exact decimal and a
//! flag for a debt of unknown amount; the rules read only whether the
//! account is in arrears. The search keeps [`Bal`]: settled, settled with
//! credit, in arrears. An `arrears` event leads from settled to in arrears;
//! from settled with credit to in arrears (more than the credit) or settled
//! with credit (less); in arrears it stays. A `payment` leads to settled
//! with credit from settled or settled with credit, and from in arrears to
//! settled with credit (enough) or in arrears (not enough). Every change
//! of the real balance is one of these moves, so every timeline of the
//! evaluator is a timeline of the search. Settled (no credit) is left out
//! as a target: settled with credit allows every move settled allows and
//! one more (an arrears the credit covers), and reads the same to every
//! rule, so what it reaches includes what settled reaches. Conversely
//! every path of the search is a real timeline with the amounts
//! [`amounts`] picks.

use super::net::Net;
use crate::compile::layout::{Layout, PURGED, RELEASED};
use crate::compile::{Automaton, CondIr, EventId, Fx, StepIx, NONE, PROGRESS_SETTLED};
use crate::model::ResourceState;
use crate::vocab::BUILTIN_EVENTS;
use rust_decimal::Decimal;

/// The arrears balance, abstracted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bal {
    /// Nothing owed, no credit (the start).
    Settled,
    /// Nothing owed, some credit.
    Credit,
    InArrears,
}

impl Bal {
    pub fn in_arrears(self) -> bool {
        self == Bal::InArrears
    }
}

fn builtin(name: &str) -> EventId {
    EventId(
        BUILTIN_EVENTS
            .iter()
            .position(|e| *e == name)
            .map_or(u16::MAX, |i| i as u16),
    )
}

/// The balances event `e` may lead to from `b` (one when the balance
/// does not move).
pub fn moves(net: &Net, b: Bal, e: EventId) -> Vec<Bal> {
    if !net.balance {
        return vec![b];
    }
    if e == builtin("arrears") {
        match b {
            Bal::Settled | Bal::InArrears => vec![Bal::InArrears],
            Bal::Credit => vec![Bal::InArrears, Bal::Credit],
        }
    } else if e == builtin("payment") {
        match b {
            Bal::Settled | Bal::Credit => vec![Bal::Credit],
            Bal::InArrears => vec![Bal::Credit, Bal::InArrears],
        }
    } else {
        vec![b]
    }
}

/// Whether the search must carry the balance: a searched rule's guard or
/// step guard reads it, a searched rule's cure is conjunctive (its
/// progress may wait for `settled`), a searched step counts from the
/// arrears episode's start ([`Net::episode`]), the property names `settled`
/// (`names_settled`), or a restriction while in arrears performs an action
/// the property sees, ends the agreement or changes a resource. Otherwise
/// nothing the search observes reads it, and `arrears` and `payment` are
/// events like any other (searched when a searched rule reacts to them or
/// the property names them): carrying it would only multiply the states
/// by its three values.
pub fn read(ir: &Automaton, net: &Net, names_settled: bool, seen: &[&super::ActionPat]) -> bool {
    let reads = |c: &CondIr| matches!(c, CondIr::InArrears | CondIr::Settled);
    let rules = net.rules.iter().any(|r| {
        r.guard.iter().any(reads)
            || r.steps.iter().any(|s| s.guard.iter().any(reads))
            || ir
                .rules
                .get(r.ir_rule)
                .is_some_and(|x| x.progress_slot != NONE)
    });
    // a step counted from `arrears` counts from the episode's start
    let episode = net.episode.is_some();
    let restrictions = net.restrictions.iter().any(|&s| {
        ir.step(s).terminates
            || ir
                .step_effects(s)
                .iter()
                .any(|f| matches!(f, Fx::Release(_) | Fx::Purge(_)))
            || ir.actions(s).iter().any(|a| {
                seen.iter().any(|p| {
                    p.verb == a.verb
                        && (p.targets.is_empty()
                            || ir.targets(a).iter().any(|t| p.targets.contains(t)))
                })
            })
    });
    names_settled || rules || episode || restrictions
}

/// Whether every condition of a guard holds with the balance `b` and the
/// resources `res` (packed as the evaluator packs them).
pub fn holds(conds: &[CondIr], b: Bal, res: u32) -> bool {
    conds.iter().all(|c| match *c {
        CondIr::InArrears => b.in_arrears(),
        CondIr::Settled => !b.in_arrears(),
        CondIr::Resource(i, want) => {
            let now = match Layout::resource(res, usize::from(i)) {
                RELEASED => ResourceState::Released,
                PURGED => ResourceState::Purged,
                _ => ResourceState::Retained,
            };
            now == want
        }
        // refused by `Net::build`; never holds here
        CondIr::Capability(..) | CondIr::Never => false,
    })
}

/// The resources after step `s` fired (its release and purge effects).
pub fn fired(ir: &Automaton, s: StepIx, res: u32) -> u32 {
    ir.step_effects(s).iter().fold(res, |res, f| match *f {
        Fx::Release(mask) => Layout::release(res, mask),
        Fx::Purge(mask) => Layout::purge(res, mask),
        _ => res,
    })
}

/// Rule `r`'s conjunctive cure after event `e` (the balance already
/// moved to `b`): the progress it records, and whether the cure completes
/// (`Machine::progress`).
pub fn progress(ir: &Automaton, r: usize, seen: u64, e: EventId, b: Bal) -> (u64, bool) {
    let Some(rule) = ir.rules.get(r) else {
        return (seen, false);
    };
    if rule.progress_slot == NONE {
        return (seen, false);
    }
    let mine = ir.conj_events.get(rule.conj_events.range()).unwrap_or(&[]);
    let mut seen = seen;
    let pos = mine.iter().position(|x| *x == e);
    if let Some(i) = pos {
        seen |= 1 << i;
    }
    let settled_now = !b.in_arrears();
    let payment = e == builtin("payment");
    if payment && settled_now {
        seen |= PROGRESS_SETTLED;
    }
    let alts = ir
        .conjunctions
        .get(rule.conjunctions.range())
        .unwrap_or(&[]);
    let done = alts.iter().any(|c| {
        let completes = pos.is_some_and(|i| c.events & (1 << i) != 0) || (c.settled && payment);
        let events = seen & c.events == c.events;
        let settled = !c.settled || (seen & PROGRESS_SETTLED != 0 && settled_now);
        completes && events && settled
    });
    (seen, done)
}

/// Amounts for the balance moves of a path (`None`: the event moves no
/// balance, or its amount does not matter): an arrears that enters arrears
/// owes 100.00 more than the credit, one the credit covers 1.00; a payment
/// that settles pays what is owed and 1 000.00 more, one that does not
/// 1.00.
pub fn amounts(moves: &[(EventId, Bal, Bal)], balance: bool) -> Vec<Option<Decimal>> {
    let mut owed = Decimal::ZERO; // negative: credit
    let hundred = Decimal::new(10_000, 2);
    let one = Decimal::new(100, 2);
    let thousand = Decimal::new(100_000, 2);
    moves
        .iter()
        .map(|&(e, from, to)| {
            if !balance {
                return None;
            }
            let amount = if e == builtin("arrears") {
                match (from, to) {
                    (_, Bal::InArrears) if owed <= Decimal::ZERO => -owed + hundred,
                    (_, Bal::InArrears) => hundred,
                    _ => one,
                }
            } else if e == builtin("payment") {
                match to {
                    Bal::InArrears => one,
                    _ => owed.max(Decimal::ZERO) + thousand,
                }
            } else {
                return None;
            };
            if e == builtin("arrears") {
                owed += amount;
            } else {
                owed -= amount;
            }
            Some(amount)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Program;
    use crate::vocab::{Billing, Reading, Verb};

    #[test]
    fn the_balance_is_searched_only_where_something_reads_it() {
        let text = r#"
product p "日志服务" §1 {
  billing postpaid
  resources data
  events hold, unhold
  on arrears {
    after 24h suspend service §1.1
    until settled
  }
  on hold {
    after 7d purge data §1.2
    until unhold
  }
}
"#;
        let p = Program::compile_str("t.clause", text).expect("checks");
        let m = p
            .select("p", Some(Billing::Postpaid), Reading::CustomerSafe)
            .expect("compiles");
        let ir = &m.ir;
        assert!(ir.account_state && ir.layout.balance);
        let rule = |e: &str| {
            let e = ir.event_id(e).expect("event");
            ir.rules.iter().position(|r| r.trigger == e).expect("rule")
        };
        let net = |r: usize| {
            let keep: Vec<bool> = (0..ir.rules.len()).map(|k| k == r).collect();
            Net::build(ir, &m.clock, &keep).expect("searchable")
        };
        let purge = super::super::ActionPat {
            verb: Verb::Purge,
            targets: Vec::new(),
        };
        // `until settled` reads it; the hold rule does not
        assert!(read(ir, &net(rule("arrears")), false, &[&purge]));
        assert!(!read(ir, &net(rule("hold")), false, &[&purge]));
        // unless the property names `settled`
        assert!(read(ir, &net(rule("hold")), true, &[&purge]));
    }
}
