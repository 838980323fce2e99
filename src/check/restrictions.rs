//! `while in arrears forbid new_instances §23.2 quote "…"`: a restriction
//! that holds while the account is in arrears and lifts by itself when it
//! is settled. Only `in arrears` is a state a restriction lasts for (the
//! texts speak of no other: "服务处于欠费状态时"); only restricting actions
//! (`suspend`, `freeze`, `forbid`, `stop`, `read_only`) can be lifted, and a
//! restriction is a provider promise (`will`).

use super::filters;
use super::names::{self, Scope};
use super::Sink;
use crate::ast::{self, ConditionKind, Modality, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ActionM, ConditionM, RestrictionM, VariantDim};
use crate::vocab::Verb;

/// Verbs a restriction may perform (undone when it lifts): the
/// vocabulary's restricting verbs.
pub fn restricting(v: Verb) -> bool {
    v.info().restricts()
}

pub fn check(
    sink: &mut Sink,
    scope: &Scope,
    dims: &[VariantDim],
    general: bool,
    ordinal: usize,
    r: &ast::Restriction,
) -> Option<RestrictionM> {
    let mut ok = true;
    let in_arrears = matches!(
        r.conditions.as_slice(),
        [c] if matches!(c.kind, ConditionKind::InArrears)
    );
    if !in_arrears {
        let span = match (r.conditions.first(), r.conditions.last()) {
            (Some(a), Some(b)) => {
                Span::new(a.span.file, a.span.start as usize, b.span.end as usize)
            }
            _ => r.span,
        };
        sink.push(
            Diagnostic::new(Code::E0048, "a restriction lasts only `while in arrears`")
                .at(span, "not a state a restriction can last for")
                .help("write `while in arrears …`; for a restriction that depends on another state, write a rule with a guard (`on <event> if … { … }`)"),
        );
        ok = false;
    }
    if r.modality != Modality::Will {
        let mut d = Diagnostic::new(
            Code::E0048,
            format!("a restriction is not `{}`", r.modality.keyword()),
        )
        .help("a restriction is what the provider does while the state holds: drop the modality");
        d = match r.modality_span {
            Some(m) => d.at(m, "a restriction is a provider promise (`will`)"),
            None => d.at(r.span, "a restriction is a provider promise (`will`)"),
        };
        sink.push(d);
        ok = false;
    }
    let filter = filters::resolve(sink, scope, dims, r.billing.as_deref());
    let mut actions = Vec::new();
    for a in &r.actions {
        let Some(verb) = names::verb(sink, &a.verb) else {
            ok = false;
            continue;
        };
        if !restricting(verb) {
            sink.push(
                Diagnostic::new(
                    Code::E0048,
                    format!("`{}` cannot last while in arrears", verb.name()),
                )
                .at(a.verb.span, "not a restriction that lifts by itself")
                .help("a restriction `suspend`s, `freeze`s, `forbid`s, `stop`s or makes `read_only`; write other actions as steps of a rule"),
            );
            ok = false;
            continue;
        }
        if let Some(amount) = &a.amount {
            sink.push(
                Diagnostic::new(Code::E0049, format!("`{}` takes no amount", verb.name()))
                    .at(amount.span, "an amount here")
                    .help("drop the amount"),
            );
        }
        let targets = scope.targets(sink, verb, a.verb.span, &a.targets);
        actions.push(ActionM {
            verb,
            targets,
            amount: None,
        });
    }
    let head = Span::new(
        r.span.file,
        r.span.start as usize,
        r.actions.last().map_or(r.span.end, |a| a.span.end) as usize,
    );
    super::steps::citation_warnings(sink, "restriction", head, r.cite.as_ref(), r.quote.as_ref());
    if !ok {
        return None;
    }
    Some(RestrictionM {
        name: format!("{}.while#{ordinal}", scope.id),
        state: ConditionM::InArrears,
        billing: filter.billing,
        variants: filter.variants,
        modality: r.modality,
        actions,
        cite: r.cite.as_ref().map(|c| c.number.clone()),
        quote: r.quote.as_ref().map(|q| q.value.clone()),
        note: r.note.as_ref().map(|n| n.value.clone()),
        general,
        origin: sink.origin(r.span),
    })
}
