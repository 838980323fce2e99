//! Money terms: late fees, liability caps, refunds and refund windows, with
//! their rates and amounts as exact decimals.

use super::names::Scope;
use super::{literals, Sink};
use crate::ast::{Ident, MoneyKind, MoneyTerm};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{LateFeeStart, MoneyKindM, MoneyM, Rounding};

fn unknown_word(sink: &mut Sink, what: &str, i: &Ident, allowed: &[&str]) {
    let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    sink.push(
        Diagnostic::new(Code::E0016, format!("unknown {what} `{}`", i.name))
            .at(i.span, format!("not a {what}"))
            .help(format!("write {}", list.join(" or ")))
            .suggest(&i.name, allowed.iter().copied()),
    );
}

pub fn check_money(
    sink: &mut Sink,
    scope: &Scope,
    extra_events: &[String],
    m: &MoneyTerm,
) -> Option<MoneyM> {
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
        MoneyKind::Refund { by, part_month_by } => {
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
            }
        }
        MoneyKind::RefundWindow { duration, from } => {
            let d = literals::duration(sink, duration);
            let known = scope.check_event(sink, from, extra_events);
            if !known {
                return None;
            }
            MoneyKindM::RefundWindow {
                duration: d?,
                from: from.name.clone(),
            }
        }
    };
    Some(MoneyM {
        kind,
        modality: m.modality,
        cite: m.cite.as_ref().map(|c| c.number.clone()),
        quote: m.quote.as_ref().map(|q| q.value.clone()),
        origin: sink.origin(m.span),
    })
}
