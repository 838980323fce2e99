//! Checked model → flat automaton IR, one [`Automaton`] per product ×
//! billing mode.
//!
//! Which rules apply: every product rule whose billing filter holds the
//! mode, and every general rule whose filter holds it unless the product has
//! a rule with the same trigger for that mode that performs any of the same
//! actions (专用条款 prevail where inconsistent; see
//! [`crate::model::RuleM::general_applies`]). Money terms likewise: a product's late fee, liability cap,
//! refund or refund window replaces the general one of the same kind; among
//! several of one kind the first written is used.
//!
//! Each rule becomes a chain of local states `idle → waiting(step 0) → … →
//! done`; the trigger edge leaves `idle` (and `done`: a finished rule can run
//! again), each `waiting` state has a deadline edge that fires its step, and
//! every non-idle state has edges on the cure events back to `idle`.

pub mod dot;
pub mod ir;

pub use ir::*;

use crate::ast::Modality;
use crate::model::{Agreement, Anchor, MoneyKindM, Product, RuleM, Target, Terms};
use crate::vocab::{step_harms_customer, Billing, BUILTIN_EVENTS};

/// Why a product × billing cannot be compiled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("unknown product `{0}`")]
    UnknownProduct(String),
    #[error("product `{product}` does not declare billing mode `{billing}`")]
    BillingNotDeclared { product: String, billing: String },
    #[error(
        "`{feature}` is checked but not yet executable (product `{product}`, billing `{billing}`)"
    )]
    NotYetExecutable {
        product: String,
        billing: String,
        feature: &'static str,
    },
    #[error(
        "product `{product}` has {count} {what}; the compact account state holds at most {max}"
    )]
    TooLarge {
        product: String,
        what: &'static str,
        count: usize,
        max: usize,
    },
}

/// Most capabilities (3 bits each in a `u64`).
pub const MAX_CAPABILITIES: usize = 21;
/// Most resources (2 bits each in a `u32`).
pub const MAX_RESOURCES: usize = 16;

/// The rules that apply to `product` under `billing`, general ones first.
pub fn applicable_rules<'a>(
    general: Option<&'a Terms>,
    product: &'a Product,
    billing: Billing,
) -> Vec<&'a RuleM> {
    let own: Vec<&RuleM> = product
        .rules
        .iter()
        .filter(|r| r.billing.contains(&billing))
        .collect();
    let mut out: Vec<&RuleM> = general
        .map(|g| {
            g.rules
                .iter()
                .filter(|r| r.general_applies(product, billing))
                .collect()
        })
        .unwrap_or_default();
    out.extend(own);
    out
}

/// Money terms in force, by kind: `(late_fee, liability_cap, refund, refund_window)`.
pub fn applicable_money<'a>(
    general: Option<&'a Terms>,
    product: &'a Product,
) -> [Option<&'a crate::model::MoneyM>; 4] {
    fn slot(k: &MoneyKindM) -> usize {
        match k {
            MoneyKindM::LateFee { .. } => 0,
            MoneyKindM::LiabilityCapMonths { .. }
            | MoneyKindM::LiabilityCapService
            | MoneyKindM::LiabilityCapAmount { .. } => 1,
            MoneyKindM::Refund { .. } | MoneyKindM::NoRefund { .. } => 2,
            MoneyKindM::RefundWindow { .. } => 3,
        }
    }
    let mut out = [None; 4];
    for m in general.map(|g| g.money.as_slice()).unwrap_or(&[]) {
        let k = slot(&m.kind);
        out[k] = out[k].or(Some(m));
    }
    let mut own = [None; 4];
    for m in &product.money {
        let k = slot(&m.kind);
        own[k] = own[k].or(Some(m));
    }
    for k in 0..4 {
        if own[k].is_some() {
            out[k] = own[k];
        }
    }
    out
}

/// An action's targets in the product's numbering. A general rule's
/// targets index the general terms' own lists; they are matched by name,
/// and a name the product does not declare is no target of its rules.
fn product_targets(
    general: Option<&Terms>,
    product: &Product,
    rule: &RuleM,
    targets: &[Target],
) -> Vec<Target> {
    let Some(general) = general.filter(|_| rule.general) else {
        return targets.to_vec();
    };
    let map = |names: &[String], i: u16, find: &dyn Fn(&str) -> Option<usize>| {
        let k = find(names.get(usize::from(i))?)?;
        u16::try_from(k).ok()
    };
    targets
        .iter()
        .filter_map(|t| match *t {
            Target::Capability(i) => {
                map(&general.capabilities, i, &|n| product.capability_index(n))
                    .map(Target::Capability)
            }
            Target::Resource(i) => {
                map(&general.resources, i, &|n| product.resource_index(n)).map(Target::Resource)
            }
        })
        .collect()
}

/// The first form of the account-state language (issue #12) a product ×
/// billing uses that this compiler does not execute yet: such a product is
/// refused with [`CompileError::NotYetExecutable`] rather than run with the
/// form ignored.
fn not_yet_executable(
    agreement: &Agreement,
    product: &Product,
    billing: Billing,
) -> Option<&'static str> {
    use crate::model::{PrecedenceM, TimingKindM, Unit};
    let shipped = crate::calendar::cn_mainland().ok();
    if !shipped.is_some_and(|c| std::ptr::eq(c, agreement.workdays)) {
        return Some("calendar file");
    }
    if agreement.variant_dimensions(product).next().is_some() {
        return Some("variants");
    }
    let general = agreement.general.as_ref();
    let rules = general
        .into_iter()
        .flat_map(|g| g.rules.iter())
        .chain(&product.rules)
        .filter(|r| r.billing.contains(&billing));
    for r in rules {
        let steps = || r.steps.iter();
        let timings =
            || steps().flat_map(|s| std::iter::once(&s.timing).chain(s.alternative.as_ref()));
        let found = [
            (!r.guard.is_empty(), "if <condition>"),
            (r.precedence != PrecedenceM::Both, "replaces / yields"),
            (!r.anchor_events.is_empty(), "from <another rule's event>"),
            (steps().any(|s| !s.guard.is_empty()), "if <condition>"),
            (steps().any(|s| s.even_if_cured), "even if cured"),
            (
                steps().any(|s| s.actions.iter().any(|a| a.amount.is_some())),
                "customer must pay <amount>",
            ),
            (
                timings().any(|t| t.duration.unit == Unit::CalendarMonths),
                "calendar months",
            ),
            (
                timings().any(|t| t.kind == TimingKindM::OnHour),
                "on hour N",
            ),
            (
                r.cure.as_ref().is_some_and(|c| c.has_conjunctions()),
                "until … and … / until settled",
            ),
        ];
        if let Some((_, what)) = found.into_iter().find(|(hit, _)| *hit) {
            return Some(what);
        }
    }
    let restrictions = general
        .into_iter()
        .flat_map(|g| g.restrictions.iter())
        .chain(&product.restrictions);
    if restrictions
        .into_iter()
        .any(|r| r.billing.contains(&billing))
    {
        return Some("while in arrears");
    }
    let blocks = general
        .map(|g| (g.money.as_slice(), g.billing.as_slice()))
        .into_iter()
        .chain(std::iter::once((
            product.money.as_slice(),
            product.billing.as_slice(),
        )));
    for (money, declared) in blocks {
        for m in money {
            let found = [
                (
                    !m.variants.is_empty() || declared.iter().any(|b| !m.billing.contains(b)),
                    "a filter on a money term",
                ),
                (matches!(m.kind, MoneyKindM::NoRefund { .. }), "no_refund"),
                (
                    matches!(&m.kind, MoneyKindM::Refund { causes, .. } if !causes.is_empty()),
                    "refund on <cause>",
                ),
                (
                    matches!(
                        &m.kind,
                        MoneyKindM::RefundWindow {
                            unless: Some(_),
                            ..
                        }
                    ),
                    "refund_window … unless",
                ),
            ];
            if let Some((_, what)) = found.into_iter().find(|(hit, _)| *hit) {
                return Some(what);
            }
        }
    }
    None
}

fn bits_for(states: u32) -> u32 {
    32 - (states.max(2) - 1).leading_zeros()
}

/// Compiles one product × billing mode.
pub fn compile(
    agreement: &Agreement,
    product_id: &str,
    billing: Billing,
) -> Result<Automaton, CompileError> {
    let product = agreement
        .product(product_id)
        .ok_or_else(|| CompileError::UnknownProduct(product_id.to_string()))?;
    if !product.billing.contains(&billing) {
        return Err(CompileError::BillingNotDeclared {
            product: product.id.clone(),
            billing: billing.name().to_string(),
        });
    }
    if let Some(feature) = not_yet_executable(agreement, product, billing) {
        return Err(CompileError::NotYetExecutable {
            product: product.id.clone(),
            billing: billing.name().to_string(),
            feature,
        });
    }
    let too_large = |what, count, max| CompileError::TooLarge {
        product: product.id.clone(),
        what,
        count,
        max,
    };
    if product.capabilities.len() > MAX_CAPABILITIES {
        return Err(too_large(
            "capabilities",
            product.capabilities.len(),
            MAX_CAPABILITIES,
        ));
    }
    if product.resources.len() > MAX_RESOURCES {
        return Err(too_large(
            "resources",
            product.resources.len(),
            MAX_RESOURCES,
        ));
    }
    let mut events: Vec<String> = BUILTIN_EVENTS.iter().map(|e| e.to_string()).collect();
    for e in &product.events {
        if !events.contains(e) {
            events.push(e.clone());
        }
    }
    let intern = |name: &str, events: &mut Vec<String>| -> EventId {
        match events.iter().position(|e| e == name) {
            Some(i) => EventId(i as u16),
            None => {
                events.push(name.to_string());
                EventId((events.len() - 1) as u16)
            }
        }
    };

    let rules_m = applicable_rules(agreement.general.as_ref(), product, billing);
    let mut rules = Vec::new();
    let mut steps = Vec::new();
    let mut states = Vec::new();
    let mut bit_offset = 0u32;
    for (ri, r) in rules_m.iter().enumerate() {
        let ri16 = ri as u16;
        let trigger = intern(&r.trigger, &mut events);
        let cures: Vec<EventId> = r
            .cure
            .as_ref()
            .map(|c| c.events.iter().map(|e| intern(e, &mut events)).collect())
            .unwrap_or_default();
        let resume = match r.cure.as_ref().map(|c| &c.resume) {
            Some(crate::model::ResumeM::All) => ResumeIr::All,
            Some(crate::model::ResumeM::Listed(l)) => ResumeIr::Listed(l.clone()),
            _ => ResumeIr::Nothing,
        };
        let first_step = steps.len() as u32;
        let timing = |t: &crate::model::TimingM| TimingIr {
            kind: t.kind,
            duration: t.duration,
            anchor: match t.anchor {
                // (`not_yet_executable` refuses event anchors above)
                Anchor::Trigger | Anchor::Event(_) => AnchorIr::Trigger,
                Anchor::Step(j) => AnchorIr::Step(StepIx(first_step + j as u32)),
            },
        };
        for s in &r.steps {
            let verbs = s.actions.iter().map(|a| a.verb);
            steps.push(StepIr {
                rule: ri16,
                timing: timing(&s.timing),
                alternative: s.alternative.as_ref().map(timing),
                modality: s.modality,
                actions: s
                    .actions
                    .iter()
                    .map(|a| ActionIr {
                        verb: a.verb,
                        targets: product_targets(
                            agreement.general.as_ref(),
                            product,
                            r,
                            &a.targets,
                        ),
                    })
                    .collect(),
                harmful: step_harms_customer(s.modality, verbs),
                terminates: s.modality == Modality::Will
                    && s.actions.iter().any(|a| a.verb.info().terminates),
                cite: s.cite.clone(),
                quote: s.quote.clone(),
                note: s.note.clone(),
                label: s.label.clone(),
                file: s.origin.file.clone(),
                line: s.origin.line,
            });
        }
        let n = r.steps.len() as u32;
        let base = states.len() as u32;
        let state_count = n + 2;
        let idle = StateId(base);
        let done = StateId(base + n + 1);
        let waiting = |k: u32| StateId(base + 1 + k);
        let first_target = if n == 0 { done } else { waiting(0) };
        let cure_edges = |resume: &ResumeIr| -> Vec<Edge> {
            cures
                .iter()
                .map(|&e| Edge {
                    event: Some(e),
                    target: idle,
                    effects: vec![Effect::Resume(resume.clone())],
                })
                .collect()
        };
        let start = Edge {
            event: Some(trigger),
            target: first_target,
            effects: vec![Effect::SetAnchor],
        };
        // idle: only the trigger
        states.push(State {
            rule: ri16,
            kind: StateKind::Idle,
            on_event: vec![start.clone()],
            on_deadline: None,
        });
        for k in 0..n {
            let step = StepIx(first_step + k);
            let next = if k + 1 == n { done } else { waiting(k + 1) };
            states.push(State {
                rule: ri16,
                kind: StateKind::Waiting(step),
                on_event: cure_edges(&resume),
                on_deadline: Some(Edge {
                    event: None,
                    target: next,
                    effects: vec![Effect::Fire(step)],
                }),
            });
        }
        // done: cured back to idle, or started again by a new trigger
        let mut done_edges = cure_edges(&resume);
        if !cures.contains(&trigger) {
            done_edges.push(start);
        }
        states.push(State {
            rule: ri16,
            kind: StateKind::Done,
            on_event: done_edges,
            on_deadline: None,
        });
        let bits = bits_for(state_count);
        rules.push(RuleIr {
            name: r.name.clone(),
            trigger,
            cures,
            resume,
            first_state: idle,
            state_count,
            first_step,
            step_count: n,
            bit_offset,
            bits,
            slot: ri,
            general: r.general,
            file: r.origin.file.clone(),
            line: r.origin.line,
        });
        bit_offset += bits;
    }
    if bit_offset > 64 {
        return Err(too_large("rule states (bits)", bit_offset as usize, 64));
    }

    let [late, cap, refund, window] = applicable_money(agreement.general.as_ref(), product);
    let cited = |m: &crate::model::MoneyM| Cited {
        cite: m.cite.clone(),
        quote: m.quote.clone(),
        file: m.origin.file.clone(),
        line: m.origin.line,
    };
    let mut money = MoneyIr::default();
    if let Some(m) = late {
        if let MoneyKindM::LateFee {
            rate,
            per,
            from,
            rounding,
        } = &m.kind
        {
            money.late_fee = Some(LateFeeIr {
                rate: *rate,
                per: *per,
                from: *from,
                rounding: *rounding,
                modality: m.modality,
                at: cited(m),
            });
        }
    }
    if let Some(m) = cap {
        let kind = match &m.kind {
            MoneyKindM::LiabilityCapMonths { months } => Some(CapKindIr::Months(*months)),
            MoneyKindM::LiabilityCapService => Some(CapKindIr::Service),
            MoneyKindM::LiabilityCapAmount { amount, .. } => Some(CapKindIr::Amount(*amount)),
            _ => None,
        };
        money.liability_cap = kind.map(|kind| CapIr { kind, at: cited(m) });
    }
    if let Some(m) = refund {
        if let MoneyKindM::Refund {
            by_month,
            part_month_by_day,
            ..
        } = &m.kind
        {
            money.refund = Some(RefundIr {
                by_month: *by_month,
                part_month_by_day: *part_month_by_day,
                at: cited(m),
            });
        }
    }
    if let Some(m) = window {
        if let MoneyKindM::RefundWindow { duration, from, .. } = &m.kind {
            let from = intern(from, &mut events);
            money.refund_window = Some(RefundWindowIr {
                duration: *duration,
                from,
                at: cited(m),
            });
        }
    }

    let mut reacting: Vec<Vec<u16>> = vec![Vec::new(); events.len()];
    for r in &rules {
        let mut evs = vec![r.trigger];
        evs.extend(r.cures.iter().copied());
        evs.sort_by_key(|e| e.0);
        evs.dedup();
        for e in evs {
            reacting[e.0 as usize].push(states[r.first_state.0 as usize].rule);
        }
    }
    let slot_count = rules.len() + MoneySlots::COUNT;
    Ok(Automaton {
        agreement: agreement.id.clone(),
        agreement_title: agreement.title.clone(),
        product: product.id.clone(),
        product_name: product.name.clone(),
        billing,
        zone: agreement.zone,
        events,
        capabilities: product.capabilities.clone(),
        resources: product.resources.clone(),
        rules,
        steps,
        states,
        reacting,
        money,
        slot_count,
    })
}
