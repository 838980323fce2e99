//! Checks that need every rule an account is subject to — a product's own
//! rules and restrictions beside the general terms' — rather than one rule:
//!
//! * E0044: `from <event>` names an event that starts no rule the account
//!   has (`arrears` always qualifies: it opens the arrears episode);
//! * E0043: `settled` / `in arrears` where nothing can put the account in
//!   arrears (no `postpaid` mode, no `on arrears` rule, no late fee);
//! * E0042: a guard on a capability or resource state no step can produce;
//! * E0047: `replaces §X` where no general rule on the trigger cites §X;
//! * W0011: a general and a product rule that both apply to one trigger and
//!   account and change the same state differently.

use super::conditions;
use super::filters;
use super::Sink;
use crate::ast::{self, ConditionKind, CurePart, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    cites, CapabilityState, MoneyKindM, MoneyM, Product, ResourceState, RestrictionM, RuleM,
    Target, Terms, TimingM,
};
use crate::vocab::{Billing, CapState, ResourceEffect, Verb};

/// One block's checked rules beside the syntax they came from.
pub struct BlockView<'a> {
    pub owner: String,
    pub capabilities: &'a [String],
    pub resources: &'a [String],
    pub rules: Vec<(&'a RuleM, &'a ast::Rule)>,
    pub restrictions: Vec<(&'a RestrictionM, &'a ast::Restriction)>,
    pub money: &'a [MoneyM],
}

impl<'a> BlockView<'a> {
    pub fn of_product(
        p: &'a Product,
        rules: &[&'a ast::Rule],
        restrictions: &[&'a ast::Restriction],
    ) -> BlockView<'a> {
        let terms = (&p.rules, &p.restrictions, &p.money);
        let names = (&p.capabilities, &p.resources);
        BlockView::of(
            format!("product `{}`", p.id),
            names,
            terms,
            rules,
            restrictions,
        )
    }

    pub fn of_general(
        t: &'a Terms,
        rules: &[&'a ast::Rule],
        restrictions: &[&'a ast::Restriction],
    ) -> BlockView<'a> {
        let terms = (&t.rules, &t.restrictions, &t.money);
        let names = (&t.capabilities, &t.resources);
        BlockView::of(
            "the general terms".into(),
            names,
            terms,
            rules,
            restrictions,
        )
    }

    fn of(
        owner: String,
        (capabilities, resources): (&'a Vec<String>, &'a Vec<String>),
        (model_rules, model_restrictions, money): (
            &'a Vec<RuleM>,
            &'a Vec<RestrictionM>,
            &'a Vec<MoneyM>,
        ),
        rules: &[&'a ast::Rule],
        restrictions: &[&'a ast::Restriction],
    ) -> BlockView<'a> {
        BlockView {
            owner,
            capabilities,
            resources,
            rules: model_rules.iter().zip(rules.iter().copied()).collect(),
            restrictions: model_restrictions
                .iter()
                .zip(restrictions.iter().copied())
                .collect(),
            money,
        }
    }

    fn target_name(&self, t: Target) -> Option<&'a str> {
        match t {
            Target::Capability(i) => self.capabilities.get(usize::from(i)),
            Target::Resource(i) => self.resources.get(usize::from(i)),
        }
        .map(String::as_str)
    }
}

/// Runs every account-wide check.
pub fn check(sink: &mut Sink, general: Option<&BlockView>, products: &[BlockView]) {
    for view in products {
        let others: Vec<&BlockView> = general.into_iter().collect();
        anchors(sink, view, &others);
        arrears_states(sink, view, &others);
        reachable_states(sink, view, &others);
        if let Some(g) = general {
            replaces(sink, view, g);
            overlaps(sink, view, g);
        }
    }
    if let Some(g) = general {
        let others: Vec<&BlockView> = products.iter().collect();
        anchors(sink, g, &others);
        arrears_states(sink, g, &[]);
        reachable_states(sink, g, &others);
    }
}

fn overlap(a: &RuleM, b: &RuleM) -> bool {
    filters::overlap((&a.billing, &a.variants), (&b.billing, &b.variants))
}

/// E0044.
fn anchors(sink: &mut Sink, view: &BlockView, others: &[&BlockView]) {
    for (r, a) in &view.rules {
        for event in &r.anchor_events {
            if event == "arrears" {
                continue;
            }
            let starts = view
                .rules
                .iter()
                .chain(others.iter().flat_map(|o| o.rules.iter()))
                .any(|(s, _)| s.trigger == *event && overlap(r, s));
            if starts {
                continue;
            }
            let Some(span) = from_span(a, event) else {
                continue;
            };
            sink.push(
                Diagnostic::new(
                    Code::E0044,
                    format!("no rule of {} starts on `{event}`", view.owner),
                )
                .at(span, "counts from an event that starts no rule")
                .also(a.trigger.span, "in this rule")
                .help(format!(
                    "a step counts from the latest instant `{event}` started a rule of the same account; add a rule `on {event} …`, or count from this rule's trigger or an earlier step"
                )),
            );
        }
    }
}

/// Where a rule's steps first name `event` after `from`.
fn from_span(rule: &ast::Rule, event: &str) -> Option<Span> {
    rule.steps
        .iter()
        .flat_map(|s| std::iter::once(&s.timing).chain(&s.alternative))
        .filter_map(|t| t.from.as_ref())
        .find(|f| f.name == event)
        .map(|f| f.span)
}

/// Whether an account in `billing` can be in arrears at all.
fn has_arrears(view: &BlockView, others: &[&BlockView], billing: Billing) -> bool {
    let blocks = || std::iter::once(view).chain(others.iter().copied());
    billing == Billing::Postpaid
        || blocks().any(|b| {
            b.rules
                .iter()
                .any(|(r, _)| r.trigger == "arrears" && r.billing.contains(&billing))
                || b.money.iter().any(|m| {
                    matches!(m.kind, MoneyKindM::LateFee { .. }) && m.billing.contains(&billing)
                })
        })
}

/// Spans of `settled` / `in arrears` in a rule (cure, rule guard, step guards).
fn arrears_words(rule: &ast::Rule) -> Vec<Span> {
    let mut out = Vec::new();
    let guards = rule
        .guard
        .iter()
        .chain(rule.steps.iter().filter_map(|s| s.guard.as_ref()));
    for g in guards {
        out.extend(
            g.conditions
                .iter()
                .filter(|c| matches!(c.kind, ConditionKind::InArrears | ConditionKind::Settled))
                .map(|c| c.span),
        );
    }
    for alt in rule.cure.iter().flat_map(|c| &c.alternatives) {
        out.extend(alt.parts.iter().filter_map(|p| match p {
            CurePart::Settled(s) => Some(*s),
            CurePart::Event(_) => None,
        }));
    }
    out
}

/// E0043.
fn arrears_states(sink: &mut Sink, view: &BlockView, others: &[&BlockView]) {
    let uses = view
        .rules
        .iter()
        .map(|(r, a)| (r.billing.as_slice(), arrears_words(a)))
        .chain(view.restrictions.iter().map(|(r, a)| {
            (
                r.billing.as_slice(),
                a.conditions.iter().map(|c| c.span).collect(),
            )
        }));
    for (billing, spans) in uses {
        let Some(first) = spans.first() else {
            continue;
        };
        if billing.iter().any(|b| has_arrears(view, others, *b)) {
            continue;
        }
        let modes: Vec<&str> = billing.iter().map(|b| b.name()).collect();
        sink.push(
            Diagnostic::new(
                Code::E0043,
                format!(
                    "nothing puts an account of {} ({}) in arrears",
                    view.owner,
                    modes.join(", ")
                ),
            )
            .at(*first, "the arrears state of an account that never has arrears")
            .help("an account is in arrears after an `arrears` event (postpaid billing, an `on arrears` rule or a late fee); for a prepaid account write the event the text names, e.g. `until payment` or `until renewal`"),
        );
    }
}

/// What a `will` action makes of a capability as the status reads it (a
/// frozen or stopped capability reads `suspended`), from the vocabulary.
fn capability_effect(v: Verb) -> Option<CapabilityState> {
    v.info().capability_after.map(|c| match c {
        CapState::Active => CapabilityState::Active,
        CapState::Forbidden => CapabilityState::Forbidden,
        CapState::ReadOnly => CapabilityState::ReadOnly,
        CapState::Suspended | CapState::Frozen | CapState::Stopped => CapabilityState::Suspended,
    })
}

fn resource_effect(v: Verb) -> Option<ResourceState> {
    v.info().resource_after.map(|r| match r {
        ResourceEffect::Release => ResourceState::Released,
        ResourceEffect::Purge => ResourceState::Purged,
    })
}

/// Whether some `will` step or restriction of these blocks can bring the
/// named capability or resource into `state`.
fn producible(
    blocks: &[&BlockView],
    name: &str,
    state: Result<CapabilityState, ResourceState>,
) -> bool {
    blocks.iter().any(|b| {
        let steps = b.rules.iter().flat_map(|(r, _)| {
            r.steps
                .iter()
                .filter(|s| s.modality == ast::Modality::Will)
                .flat_map(|s| s.actions.iter())
        });
        let restricting = b.restrictions.iter().flat_map(|(r, _)| r.actions.iter());
        steps.chain(restricting).any(|a| {
            let hits = a.targets.iter().any(|t| b.target_name(*t) == Some(name));
            hits && match state {
                Ok(c) => capability_effect(a.verb) == Some(c),
                Err(r) => resource_effect(a.verb) == Some(r),
            }
        })
    })
}

/// E0042.
fn reachable_states(sink: &mut Sink, view: &BlockView, others: &[&BlockView]) {
    let blocks: Vec<&BlockView> = std::iter::once(view)
        .chain(others.iter().copied())
        .collect();
    for (_, a) in &view.rules {
        let guards = a
            .guard
            .iter()
            .chain(a.steps.iter().filter_map(|s| s.guard.as_ref()));
        for c in guards.flat_map(|g| &g.conditions) {
            let ConditionKind::State { subject, state } = &c.kind else {
                continue;
            };
            let wanted = if view.capabilities.contains(&subject.name) {
                match conditions::capability_state(&state.name) {
                    Some(CapabilityState::Active) | None => continue,
                    Some(s) => Ok(s),
                }
            } else if view.resources.contains(&subject.name) {
                match conditions::resource_state(&state.name) {
                    Some(ResourceState::Retained) | None => continue,
                    Some(s) => Err(s),
                }
            } else {
                continue;
            };
            if producible(&blocks, &subject.name, wanted) {
                continue;
            }
            sink.push(
                Diagnostic::new(
                    Code::E0042,
                    format!(
                        "`{} {}` can never hold for {}",
                        subject.name, state.name, view.owner
                    ),
                )
                .at(c.span, "no step or restriction produces this state")
                .help(format!(
                    "no rule an account of {} is subject to makes `{}` {}; check the state the text names",
                    view.owner, subject.name, state.name
                )),
            );
        }
    }
}

/// Whether product rule `r` takes precedence over general rule `g` for
/// the accounts both apply to (`replaces` or `yields`, as the compiler).
fn replaced_by(r: &RuleM, g: &RuleM) -> bool {
    overlap(r, g) && r.replaces(g)
}

/// E0047: `replaces §X` must remove at least one general rule.
fn replaces(sink: &mut Sink, view: &BlockView, general: &BlockView) {
    for (r, a) in &view.rules {
        let Some(ast::Precedence::Replaces(sections, _)) = &a.precedence else {
            continue;
        };
        for x in sections {
            let hit = general.rules.iter().any(|(g, _)| {
                g.trigger == r.trigger
                    && overlap(r, g)
                    && g.steps
                        .iter()
                        .any(|s| s.cite.as_deref().is_some_and(|c| cites(c, &x.number)))
            });
            if !hit {
                sink.push(
                    Diagnostic::new(
                        Code::E0047,
                        format!("`replaces §{}` replaces nothing", x.number),
                    )
                    .at(x.span, "no general rule on this trigger cites it")
                    .also(a.trigger.span, "this rule's trigger")
                    .help(format!(
                        "`replaces §X` removes the general rules on `{}` (for the same accounts) whose steps cite §X or a sub-article of it; name the article those rules cite",
                        r.trigger
                    )),
                );
            }
        }
    }
}

/// A block's capability and resource names, as its targets index them.
pub type Names<'a> = (&'a [String], &'a [String]);

fn name_of<'a>((capabilities, resources): Names<'a>, t: Target) -> Option<&'a str> {
    match t {
        Target::Capability(i) => capabilities.get(usize::from(i)),
        Target::Resource(i) => resources.get(usize::from(i)),
    }
    .map(String::as_str)
}

/// What a rule does to each piece of state, by name: (verb, timing,
/// second reading) of its `will` steps.
fn effects<'v>(names: Names<'v>, r: &RuleM) -> Vec<(&'v str, Verb, TimingM, Option<TimingM>)> {
    let mut out = Vec::new();
    for s in r.steps.iter().filter(|s| s.modality == ast::Modality::Will) {
        for a in &s.actions {
            let touched: Vec<&str> = match a.verb {
                Verb::Terminate => vec![AGREEMENT],
                Verb::Void => vec![ORDER],
                v if capability_effect(v).is_some() || resource_effect(v).is_some() => a
                    .targets
                    .iter()
                    .filter_map(|t| name_of(names, *t))
                    .collect(),
                _ => Vec::new(),
            };
            out.extend(
                touched
                    .into_iter()
                    .map(|n| (n, a.verb, s.timing, s.alternative)),
            );
        }
    }
    out
}

/// The piece of state `terminate` changes, as W0011 names it.
pub const AGREEMENT: &str = "(the agreement)";
/// The piece of state `void` changes, as W0011 names it.
pub const ORDER: &str = "(the order)";

/// W0011's test, the one owner of what a conflict is: product rule `r`
/// and general rule `g` apply to the same accounts on one trigger, no
/// precedence is written between them, and both change one piece of state
/// (a capability, a resource, [`AGREEMENT`], [`ORDER`]) with different
/// `will` steps (verb or timing). The name of the first such piece.
pub fn conflict<'v>(
    (r, mine): (&RuleM, Names<'v>),
    (g, theirs): (&RuleM, Names<'v>),
) -> Option<&'v str> {
    if g.trigger != r.trigger || !overlap(r, g) || replaced_by(r, g) {
        return None;
    }
    let mine = effects(mine, r);
    let theirs = effects(theirs, g);
    let on = |list: &[(&str, Verb, TimingM, Option<TimingM>)], n: &str| {
        let mut v: Vec<String> = list
            .iter()
            .filter(|(m, ..)| *m == n)
            .map(|(_, verb, t, alt)| format!("{verb:?} {t:?} {alt:?}"))
            .collect();
        v.sort();
        v
    };
    mine.iter().map(|(n, ..)| *n).find(|n| {
        let (x, y) = (on(&mine, n), on(&theirs, n));
        !y.is_empty() && x != y
    })
}

/// W0011: both rules apply and act on one piece of state differently.
fn overlaps(sink: &mut Sink, view: &BlockView, general: &BlockView) {
    for (r, a) in &view.rules {
        for (g, ga) in &general.rules {
            let mine = (view.capabilities, view.resources);
            let theirs = (general.capabilities, general.resources);
            let Some(name) = conflict((r, mine), (g, theirs)) else {
                continue;
            };
            sink.push(
                Diagnostic::new(
                    Code::W0011,
                    format!(
                        "a general and a product rule on `{}` both change `{name}`, differently",
                        r.trigger
                    ),
                )
                .at(a.trigger.span, "this product rule")
                .also(ga.trigger.span, "and this general rule apply to the same accounts")
                .help("say which prevails: `replaces §<article>` on the product rule, or `yields` on the general rule"),
            );
        }
    }
}
