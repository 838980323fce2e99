//! Money terms: late fees, liability caps, refunds, `no_refund` and refund
//! windows, with their rates and amounts as exact decimals, their billing
//! and variant filters and the ends (causes) a refund term is about; and,
//! per block, terms an earlier one of their kind shadows (W0010) or a
//! `no_refund` that contradicts a refund of the same scope (E0045).

use super::names::Scope;
use super::{filters, literals, Sink};
use crate::ast::{Ident, MoneyKind, MoneyTerm};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{LateFeeStart, MoneyKindM, MoneyM, Rounding, VariantDim};

fn unknown_word(sink: &mut Sink, what: &str, i: &Ident, allowed: &[&str]) {
    let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    sink.push(
        Diagnostic::new(Code::E0016, format!("unknown {what} `{}`", i.name))
            .at(i.span, format!("not a {what}"))
            .help(format!("write {}", list.join(" or ")))
            .suggest(&i.name, allowed.iter().copied()),
    );
}

/// The events a term names as causes (E0010 for unknown ones).
fn causes(
    sink: &mut Sink,
    scope: &Scope,
    extra_events: &[String],
    causes: &[Ident],
) -> Vec<String> {
    let mut out = Vec::new();
    for c in causes {
        if scope.check_event(sink, c, extra_events) && !out.contains(&c.name) {
            out.push(c.name.clone());
        }
    }
    out
}

pub fn check_money(
    sink: &mut Sink,
    scope: &Scope,
    dims: &[VariantDim],
    extra_events: &[String],
    m: &MoneyTerm,
) -> Option<MoneyM> {
    let filter = filters::resolve(sink, scope, dims, m.billing.as_deref());
    let kind = match &m.kind {
        MoneyKind::LateFee {
            rate,
            from,
            rounding,
        } => {
            let rate = literals::rate(sink, rate);
            let start = match from.name.as_str() {
                "arrears" => Some(LateFeeStart::Arrears),
                "next_day" => Some(LateFeeStart::NextDay),
                _ => {
                    sink.push(
                        Diagnostic::new(
                            Code::E0013,
                            format!("unknown late-fee start `{}`", from.name),
                        )
                        .at(from.span, "a late fee accrues from `arrears` or `next_day`")
                        .help("`from arrears`: from the arrears instant; `from next_day`: from 00:00 of the next local day (自欠费次日起)")
                        .suggest(&from.name, ["arrears", "next_day"]),
                    );
                    None
                }
            };
            let rounding = match rounding {
                None => Some(Rounding::HalfUp),
                Some(r) if r.name == "down" => Some(Rounding::Down),
                Some(r) if r.name == "half_up" => Some(Rounding::HalfUp),
                Some(r) => {
                    unknown_word(sink, "rounding", r, &["down", "half_up"]);
                    None
                }
            };
            let (rate, per) = rate?;
            MoneyKindM::LateFee {
                rate,
                per,
                from: start?,
                rounding: rounding?,
            }
        }
        MoneyKind::LiabilityCapMonths { months } => MoneyKindM::LiabilityCapMonths {
            months: literals::whole_number(
                sink,
                &months.name,
                months.span,
                "a number of months",
                1_200,
            )?,
        },
        MoneyKind::LiabilityCapService => MoneyKindM::LiabilityCapService,
        MoneyKind::LiabilityCapAmount(a) => {
            let (amount, currency) = literals::amount(sink, a)?;
            MoneyKindM::LiabilityCapAmount { amount, currency }
        }
        MoneyKind::Refund {
            by,
            part_month_by,
            causes: cause_list,
        } => {
            let causes = causes(sink, scope, extra_events, cause_list);
            let mut ok = true;
            if let Some(b) = by.as_ref().filter(|b| b.name != "month") {
                unknown_word(sink, "refund basis", b, &["month"]);
                ok = false;
            }
            if let Some(b) = part_month_by.as_ref().filter(|b| b.name != "day") {
                unknown_word(sink, "part-month basis", b, &["day"]);
                ok = false;
            }
            if !ok {
                return None;
            }
            MoneyKindM::Refund {
                by_month: by.is_some(),
                part_month_by_day: part_month_by.is_some(),
                causes,
            }
        }
        MoneyKind::NoRefund { causes: cause_list } => MoneyKindM::NoRefund {
            causes: causes(sink, scope, extra_events, cause_list),
        },
        MoneyKind::RefundWindow {
            duration,
            from,
            unless,
        } => {
            let d = literals::duration(sink, duration);
            let known = scope.check_event(sink, from, extra_events);
            let unless_known = unless
                .as_ref()
                .is_none_or(|u| scope.check_event(sink, u, extra_events));
            if !known || !unless_known {
                return None;
            }
            MoneyKindM::RefundWindow {
                duration: d?,
                from: from.name.clone(),
                unless: unless.as_ref().map(|u| u.name.clone()),
            }
        }
    };
    Some(MoneyM {
        kind,
        billing: filter.billing,
        variants: filter.variants,
        modality: m.modality,
        cite: m.cite.as_ref().map(|c| c.number.clone()),
        quote: m.quote.as_ref().map(|q| q.value.clone()),
        origin: sink.origin(m.span),
    })
}

/// The ends a refund-family term is about (`None`: any end).
fn cause_set(k: &MoneyKindM) -> Option<&[String]> {
    match k {
        MoneyKindM::Refund { causes, .. } | MoneyKindM::NoRefund { causes }
            if !causes.is_empty() =>
        {
            Some(causes)
        }
        _ => None,
    }
}

/// W0010 / E0045 over one block's money terms (with their spans), in the
/// order written: the first term whose filter (and, for refunds, cause)
/// matches decides, so a later one of its kind and scope never applies.
pub fn check_shadowing(sink: &mut Sink, terms: &[MoneyM]) {
    // a term's keyword (its span runs on over its quote and note)
    let head = |m: &MoneyM| {
        let s = m.origin.span;
        let len = m.kind.keyword().len().min(s.range().len());
        crate::ast::Span::new(s.file, s.start as usize, s.start as usize + len)
    };
    for (k, later) in terms.iter().enumerate() {
        let later_span = &head(later);
        for earlier in &terms[..k] {
            let earlier_span = &head(earlier);
            if earlier.kind.family() != later.kind.family()
                || !filters::overlap(
                    (&earlier.billing, &earlier.variants),
                    (&later.billing, &later.variants),
                )
            {
                continue;
            }
            let (e, l) = (cause_set(&earlier.kind), cause_set(&later.kind));
            let refund_vs_none = matches!(
                (&earlier.kind, &later.kind),
                (MoneyKindM::Refund { .. }, MoneyKindM::NoRefund { .. })
                    | (MoneyKindM::NoRefund { .. }, MoneyKindM::Refund { .. })
            );
            let same_causes = match (e, l) {
                (None, None) => true,
                (Some(a), Some(b)) => a.len() == b.len() && a.iter().all(|x| b.contains(x)),
                _ => false,
            };
            if refund_vs_none && same_causes {
                sink.push(
                    Diagnostic::new(
                        Code::E0045,
                        format!(
                            "`{}` contradicts the `{}` written before it",
                            later.kind.keyword(),
                            earlier.kind.keyword()
                        ),
                    )
                    .at(*later_span, "same accounts, same ends")
                    .also(*earlier_span, "this term")
                    .help("a text cannot both refund and not refund the same money: give the terms different causes (`on …`) or filters, or keep the one the text says"),
                );
                break;
            }
            // The earlier term covers every end the later one is about.
            let covered = match (e, l) {
                (None, _) => true,
                (Some(a), Some(b)) => b.iter().all(|x| a.contains(x)),
                (Some(_), None) => false,
            };
            if covered {
                sink.push(
                    Diagnostic::new(
                        Code::W0010,
                        format!(
                            "`{}` is shadowed by the `{}` written before it",
                            later.kind.keyword(),
                            earlier.kind.keyword()
                        ),
                    )
                    .at(*later_span, "never applies")
                    .also(*earlier_span, "this term decides first")
                    .help("the first term of a kind whose filter and causes match decides; give this one a narrower filter or cause and write it first, or remove it"),
                );
                break;
            }
        }
    }
}
