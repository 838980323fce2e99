//! One agreement: its general terms and products, their rules and money
//! terms, duplicate products and rules, then the scenarios (which may name
//! any product of the agreement, so they come last).

use super::header::HeaderM;
use super::names::Scope;
use super::steps::{self, RuleCtx};
use super::{money, scenarios, Sink};
use crate::ast::{self, BlockKind, BodyItem, Item, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Agreement, IgnoreM, Product, RuleM, Terms, Unit};

/// A product as checked so far, with what scenarios resolve names against.
pub struct ProductScope {
    pub scope: Scope,
    pub span: Span,
    /// Longest reach of a `workdays` duration in the rules that apply to the
    /// product, in minutes (scenarios must stay inside the calendar).
    pub workday_reach: Option<i64>,
}

pub fn check_agreement(
    sink: &mut Sink,
    group: &[&ast::File],
    header: HeaderM,
) -> Option<Agreement> {
    let blocks: Vec<&ast::Block> = group
        .iter()
        .flat_map(|f| f.items.iter())
        .filter_map(|i| match i {
            Item::Block(b) => Some(b),
            Item::Agreement(_) => None,
        })
        .collect();
    let mut ignores = Vec::new();
    for b in &blocks {
        for item in &b.items {
            if let BodyItem::Ignore(i) = item {
                ignores.push(IgnoreM {
                    section: i.section.number.clone(),
                    reason: i.reason.value.clone(),
                    origin: sink.origin(i.span),
                });
            }
        }
    }

    let (general, general_scope) = general_terms(sink, &blocks);
    let general_events = general_scope
        .as_ref()
        .map_or(Vec::new(), |s| s.events.clone());
    let general_reach = general.as_ref().and_then(|g| workday_reach(&g.rules));

    let mut products: Vec<Product> = Vec::new();
    let mut scopes: Vec<ProductScope> = Vec::new();
    let mut first_span: Vec<(String, Span)> = Vec::new();
    for b in &blocks {
        let BlockKind::Product { id, name } = &b.kind else {
            continue;
        };
        let scope = Scope::declare(sink, Some(&id.name), &b.items);
        let ctx_events = &general_events;
        let (rules, money_terms) = rules_and_money(sink, &scope, ctx_events, b, false);
        if !rules.is_empty() && !scope.billing_declared {
            sink.push(
                Diagnostic::new(
                    Code::E0014,
                    format!("product `{}` has rules but no billing modes", id.name),
                )
                .at(id.span, "no `billing` declaration")
                .help("declare the modes the product is sold in, e.g. `billing prepaid, postpaid`"),
            );
        }
        if let Some((_, first)) = first_span.iter().find(|(n, _)| *n == id.name) {
            sink.push(
                Diagnostic::new(Code::E0022, format!("duplicate product `{}`", id.name))
                    .at(id.span, "declared again here")
                    .also(*first, "first declared here")
                    .help("a product is declared once per agreement; merge the two blocks"),
            );
            continue;
        }
        first_span.push((id.name.clone(), id.span));
        let reach = [workday_reach(&rules), general_reach]
            .into_iter()
            .flatten()
            .max();
        products.push(Product {
            id: id.name.clone(),
            name: name.value.clone(),
            section: b.section.number.clone(),
            billing: scope.billing.clone(),
            capabilities: scope.capabilities.clone(),
            resources: scope.resources.clone(),
            events: scope.events.clone(),
            rules,
            money: money_terms,
            scenarios: Vec::new(),
            span: b.span,
        });
        scopes.push(ProductScope {
            scope,
            span: id.span,
            workday_reach: reach,
        });
    }

    let calendar_years = super::header::calendar_years(&header.calendar);
    let env = scenarios::Env {
        products: &products.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        scopes: &scopes,
        general_events: &general_events,
        zone: header.zone,
        calendar_years,
    };
    let mut found = Vec::new();
    for b in &blocks {
        for item in &b.items {
            if let BodyItem::Scenario(s) = item {
                if let Some((i, m)) = scenarios::check_scenario(sink, &env, s) {
                    found.push((i, m));
                }
            }
        }
    }
    for (i, m) in found {
        if let Some(p) = products.get_mut(i) {
            p.scenarios.push(m);
        }
    }

    if !header.usable {
        return None;
    }
    Some(Agreement {
        id: header.id,
        title: header.title,
        version: header.version,
        effective: header.effective,
        effective_stated: header.effective_stated,
        zone: header.zone,
        calendar: header.calendar,
        source_path: header.source_path,
        general,
        products,
        ignores,
    })
}

/// The general blocks merged into one [`Terms`]: each block's rules are
/// checked against its own billing declaration and the capabilities,
/// resources and events of all general blocks together.
fn general_terms(sink: &mut Sink, blocks: &[&ast::Block]) -> (Option<Terms>, Option<Scope>) {
    let general: Vec<&ast::Block> = blocks
        .iter()
        .copied()
        .filter(|b| matches!(b.kind, BlockKind::General))
        .collect();
    let Some(first) = general.first() else {
        return (None, None);
    };
    let scopes: Vec<Scope> = general
        .iter()
        .map(|b| Scope::declare(sink, None, &b.items))
        .collect();
    let mut merged = Scope::declare(sink, None, &[]);
    for s in &scopes {
        for c in s.capabilities.iter().skip(1) {
            if !merged.capabilities.contains(c) {
                merged.capabilities.push(c.clone());
            }
        }
        for (from, to) in [
            (&s.resources, &mut merged.resources),
            (&s.events, &mut merged.events),
        ] {
            for r in from {
                if !to.contains(r) {
                    to.push(r.clone());
                }
            }
        }
        for b in &s.billing {
            if !merged.billing.contains(b) {
                merged.billing.push(*b);
            }
        }
        merged.billing_declared |= s.billing_declared;
        merged.billing_broken |= s.billing_broken;
    }
    let mut terms = Terms {
        section: first.section.number.clone(),
        ..Terms::default()
    };
    let mut ordinal_base = 0;
    for (b, own) in general.iter().zip(scopes) {
        let scope = Scope {
            capabilities: merged.capabilities.clone(),
            resources: merged.resources.clone(),
            events: merged.events.clone(),
            ..own
        };
        let (mut rules, mut money) = rules_and_money(sink, &scope, &[], b, true);
        for r in &mut rules {
            // keep names unique across the merged general blocks
            if let Some((base, n)) = r.name.rsplit_once('#') {
                let n: usize = n.parse().unwrap_or(0);
                r.name = format!("{base}#{}", n + ordinal_base);
            }
        }
        ordinal_base += b
            .items
            .iter()
            .filter(|i| matches!(i, BodyItem::Rule(_)))
            .count();
        terms.rules.append(&mut rules);
        terms.money.append(&mut money);
    }
    terms.billing = merged.billing.clone();
    terms.capabilities = merged.capabilities.clone();
    terms.resources = merged.resources.clone();
    terms.events = merged.events.clone();
    (Some(terms), Some(merged))
}

/// Rules and money terms of a block, with duplicate rules (E0024).
fn rules_and_money(
    sink: &mut Sink,
    scope: &Scope,
    extra_events: &[String],
    block: &ast::Block,
    general: bool,
) -> (Vec<RuleM>, Vec<crate::model::MoneyM>) {
    let mut rules: Vec<(RuleM, &ast::Rule)> = Vec::new();
    let mut money_terms = Vec::new();
    let mut ordinal = 0;
    for item in &block.items {
        match item {
            BodyItem::Rule(r) => {
                ordinal += 1;
                let ctx = RuleCtx {
                    scope,
                    extra_events,
                    general,
                    ordinal,
                };
                let m = steps::check_rule(sink, &ctx, r);
                let dup = rules.iter().find(|(o, oa)| {
                    o.trigger == m.trigger
                        && o.billing.iter().any(|b| m.billing.contains(b))
                        && oa.trigger.name == r.trigger.name
                });
                if let Some((o, oa)) = dup {
                    let shared: Vec<&str> = o
                        .billing
                        .iter()
                        .filter(|b| m.billing.contains(b))
                        .map(|b| b.name())
                        .collect();
                    sink.push(
                        Diagnostic::new(
                            Code::E0024,
                            format!(
                                "duplicate rule for `{}` and billing `{}`",
                                m.trigger,
                                shared.join(", ")
                            ),
                        )
                        .at(r.trigger.span, "a second rule for the same trigger and billing")
                        .also(oa.trigger.span, "first rule")
                        .help("merge the steps into one rule, or give the rules disjoint billing filters like `[prepaid]` and `[postpaid]`"),
                    );
                }
                rules.push((m, r));
            }
            BodyItem::Money(t) => {
                if let Some(m) = money::check_money(sink, scope, extra_events, t) {
                    money_terms.push(m);
                }
            }
            _ => {}
        }
    }
    (rules.into_iter().map(|(m, _)| m).collect(), money_terms)
}

/// Longest reach of a `workdays` timing in `rules`, in minutes.
fn workday_reach(rules: &[RuleM]) -> Option<i64> {
    rules
        .iter()
        .flat_map(|r| &r.steps)
        .flat_map(|s| std::iter::once(&s.timing).chain(&s.alternative))
        .filter(|t| t.duration.unit == Unit::Workdays)
        .map(|t| steps::minutes(t.duration).1)
        .max()
}
