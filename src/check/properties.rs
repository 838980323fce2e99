//! Properties (`verify { … }`) → [`PropertyM`]: actions, targets and events
//! resolved against the product's declarations, durations validated, and
//! the forms that cannot mean anything refused (E0051).

use super::names::{self, Scope};
use super::{literals, Sink};
use crate::ast::{self, Ident, PropertyKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ActionRefM, MoneyM, Product, PropertyKindM, PropertyM, RatePeriod, Terms};
use crate::vocab::Billing;

/// A `verify` block outside a product and the general terms (E0051).
pub fn misplaced(sink: &mut Sink, v: &ast::VerifyBlock) {
    sink.push(
        Diagnostic::new(Code::E0051, "`verify` outside a product")
            .at(v.span, "properties are about one product's timelines")
            .help("move the block into the `product` whose timelines it is about"),
    );
}

/// A property about actions in the general terms' `verify` block (E0051):
/// only money bounds, which need no product's names, may stand there.
pub fn general_only_money(sink: &mut Sink, p: &ast::Property) -> bool {
    if matches!(p.kind, PropertyKind::LateFeeAtMost { .. }) {
        return true;
    }
    sink.push(
        Diagnostic::new(Code::E0051, "a property about actions in the general terms")
            .at(p.span, "actions and events are one product's")
            .help("state it in the `verify` block of each product it is about; the general terms' `verify` holds money bounds only"),
    );
    false
}

/// A money bound on a kind no term of `terms` is about (E0052): it would
/// hold of nothing.
pub fn bound_without_term(sink: &mut Sink, p: &PropertyM, terms: &[&MoneyM]) -> bool {
    let PropertyKindM::LateFeeAtMost { .. } = p.kind else {
        return true;
    };
    if terms
        .iter()
        .any(|t| matches!(t.kind, crate::model::MoneyKindM::LateFee { .. }))
    {
        return true;
    }
    sink.push(
        Diagnostic::new(Code::E0052, "a late-fee bound without a late fee")
            .at(p.origin.span, "no `late_fee` term applies here")
            .help(
                "bound the late fee the text charges: write its `late_fee` term, or drop the bound",
            ),
    );
    false
}

fn action(sink: &mut Sink, scope: &Scope, a: &ast::Action) -> Option<ActionRefM> {
    if let Some(amount) = &a.amount {
        sink.push(
            Diagnostic::new(Code::E0049, "a property's action names no amount")
                .at(amount.span, "amount not allowed here")
                .help("a property is about whether and when the action fires; drop the amount"),
        );
    }
    let verb = names::verb(sink, &a.verb)?;
    let targets = if a.targets.is_empty() {
        Vec::new()
    } else {
        scope.targets(sink, verb, a.verb.span, &a.targets)
    };
    Some(ActionRefM { verb, targets })
}

fn events(
    sink: &mut Sink,
    scope: &Scope,
    general: &[String],
    ids: &[Ident],
) -> Option<Vec<String>> {
    let mut ok = true;
    // `settled` (a payment that settles) parses only where it may stand
    for e in ids.iter().filter(|e| e.name != "settled") {
        ok &= scope.check_event(sink, e, general);
    }
    ok.then(|| ids.iter().map(|e| e.name.clone()).collect())
}

/// An event that both starts and ends what a property watches (E0051).
fn overlap(sink: &mut Sink, starts: &[Ident], ends: &[Ident], word: &str) -> bool {
    let Some(e) = ends
        .iter()
        .find(|e| starts.iter().any(|s| s.name == e.name))
    else {
        return false;
    };
    sink.push(
        Diagnostic::new(
            Code::E0051,
            format!("`{}` both starts the property and ends it", e.name),
        )
        .at(e.span, format!("also named after `{word}`"))
        .help("a property watches from one event to another; name each event once"),
    );
    true
}

pub fn check(
    sink: &mut Sink,
    scope: &Scope,
    general_events: &[String],
    p: &ast::Property,
) -> Option<PropertyM> {
    let kind = match &p.kind {
        PropertyKind::NoBefore {
            action: a,
            within,
            from,
            unless,
        } => {
            let action = action(sink, scope, a);
            let within = literals::duration(sink, within).and_then(|d| {
                if d.count == 0 {
                    sink.push(
                        Diagnostic::new(Code::E0051, "a property about no time at all")
                            .at(p.span, "`before 0…` can never be violated")
                            .help("give the minimum time the text promises before the action"),
                    );
                    None
                } else {
                    Some(d)
                }
            });
            let from_m = events(sink, scope, general_events, from);
            let unless_m = events(sink, scope, general_events, unless);
            if overlap(sink, from, unless, "unless") {
                return None;
            }
            PropertyKindM::NoBefore {
                action: action?,
                within: within?,
                from: from_m?,
                unless: unless_m?,
            }
        }
        PropertyKind::Preceded { action: a, by } => {
            let action = action(sink, scope, a);
            let by: Vec<Option<ActionRefM>> =
                by.iter().map(|b| action_of(sink, scope, b)).collect();
            let by: Option<Vec<ActionRefM>> = by.into_iter().collect();
            let (action, by) = (action?, by?);
            if let Some(same) = by.iter().find(|b| **b == action) {
                sink.push(
                    Diagnostic::new(
                        Code::E0051,
                        format!("`{}` cannot precede itself", same.verb.name()),
                    )
                    .at(p.span, "the action is among those that must precede it")
                    .help("name the notice or restriction that must come first"),
                );
                return None;
            }
            PropertyKindM::Preceded { action, by }
        }
        PropertyKind::AfterNo {
            after,
            action: a,
            until,
        } => {
            let action = action(sink, scope, a);
            let after_m = events(sink, scope, general_events, after);
            let until_m = events(sink, scope, general_events, until);
            if overlap(sink, after, until, "until") {
                return None;
            }
            PropertyKindM::AfterNo {
                after: after_m?,
                action: action?,
                until: until_m?,
            }
        }
        PropertyKind::Follows {
            action: a,
            after,
            unless,
        } => {
            let action = action(sink, scope, a);
            let after_m = events(sink, scope, general_events, after);
            let unless_m = events(sink, scope, general_events, unless);
            if overlap(sink, after, unless, "unless") {
                return None;
            }
            PropertyKindM::Follows {
                action: action?,
                after: after_m?,
                unless: unless_m?,
            }
        }
        PropertyKind::LateFeeAtMost { rate } => {
            let (r, per) = literals::rate(sink, rate)?;
            if per != RatePeriod::Day {
                sink.push(
                    Diagnostic::new(Code::E0051, "a late-fee bound counts whole days")
                        .at(rate.span, "a rate per day is a bound; this one is not")
                        .help("write the rate the text gives per day: `late_fee at most 0.05% per day of arrears`"),
                );
                return None;
            }
            PropertyKindM::LateFeeAtMost { rate: r }
        }
    };
    Some(PropertyM {
        kind,
        billing: Vec::new(),
        text: crate::fmt::property_text(p),
        origin: sink.origin(p.span),
    })
}

fn action_of(sink: &mut Sink, scope: &Scope, a: &ast::Action) -> Option<ActionRefM> {
    action(sink, scope, a)
}

/// The general terms' `verify` block: each money bound is checked once
/// and becomes a property of every product, for the billing modes of the
/// block's filter the product declares (its accounts' machines decide which
/// late fee applies).
pub fn general_bounds(
    sink: &mut Sink,
    general: Option<&Terms>,
    scope: Option<&Scope>,
    general_events: &[String],
    products: &mut [Product],
    v: &ast::VerifyBlock,
) {
    let (Some(general), Some(scope)) = (general, scope) else {
        return;
    };
    let modes = super::filters::resolve(sink, scope, &[], v.billing.as_deref()).billing;
    let terms: Vec<&MoneyM> = general.money.iter().collect();
    for prop in &v.properties {
        if !general_only_money(sink, prop) {
            continue;
        }
        let Some(m) = check(sink, scope, general_events, prop) else {
            continue;
        };
        if !bound_without_term(sink, &m, &terms) {
            continue;
        }
        for p in products.iter_mut() {
            let billing: Vec<Billing> = p
                .billing
                .iter()
                .copied()
                .filter(|b| modes.contains(b))
                .collect();
            if !billing.is_empty() {
                p.properties.push(PropertyM {
                    billing,
                    ..m.clone()
                });
            }
        }
    }
}
