//! Filters: `[prepaid, monthly]` on a rule, a money term or a restriction
//! names billing modes and variant values together. A billing mode must be
//! declared by the block; a variant value names its dimension (values are
//! unique across the dimensions an account has, so no qualifier is
//! needed). Values of one dimension are alternatives; the billing modes and
//! every named dimension must all match.

use super::names::{self, Scope};
use super::Sink;
use crate::ast::Ident;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{VariantDim, VariantReq};
use crate::vocab::{Billing, BILLING_MODES};

/// What a filter resolved to.
pub struct Resolved {
    /// Never empty: without billing modes in the filter, every mode of the
    /// block.
    pub billing: Vec<Billing>,
    pub variants: Vec<VariantReq>,
}

/// The dimension `value` belongs to, among `dims`.
pub fn dimension_of<'d>(dims: &'d [VariantDim], value: &str) -> Option<&'d VariantDim> {
    dims.iter().find(|d| d.values.iter().any(|v| v == value))
}

/// Resolves a filter against the block's billing modes and the variant
/// dimensions visible to it (`dims`: the general terms' and, for a
/// product, its own).
pub fn resolve(
    sink: &mut Sink,
    scope: &Scope,
    dims: &[VariantDim],
    filter: Option<&[Ident]>,
) -> Resolved {
    let declared = || {
        if scope.billing.is_empty() {
            Billing::ALL.to_vec()
        } else {
            scope.billing.clone()
        }
    };
    let Some(filter) = filter else {
        return Resolved {
            billing: declared(),
            variants: Vec::new(),
        };
    };
    let mut billing = Vec::new();
    let mut variants: Vec<VariantReq> = Vec::new();
    for m in filter {
        if Billing::from_name(&m.name).is_some() || dims.is_empty() {
            let Some(b) = names::billing_mode(sink, m) else {
                continue;
            };
            if scope.billing_declared && !scope.billing.contains(&b) {
                if scope.billing_broken {
                    continue; // the declaration's own error says enough
                }
                let mut d = Diagnostic::new(
                    Code::E0014,
                    format!(
                        "billing mode `{}` is not declared by {}",
                        m.name, scope.owner
                    ),
                )
                .at(m.span, "not a billing mode of this block")
                .help(format!(
                    "add `{}` to the `billing` declaration or remove it from the filter",
                    m.name
                ));
                if let Some(decl) = scope.billing_span {
                    d = d.also(decl, "declared billing modes");
                }
                sink.push(d);
                continue;
            }
            if !billing.contains(&b) {
                billing.push(b);
            }
            continue;
        }
        let Some(dim) = dimension_of(dims, &m.name) else {
            sink.push(unknown_value(m, dims, &scope.owner));
            continue;
        };
        match variants.iter_mut().find(|r| r.dimension == dim.name) {
            Some(r) if !r.values.contains(&m.name) => r.values.push(m.name.clone()),
            Some(_) => {}
            None => variants.push(VariantReq {
                dimension: dim.name.clone(),
                values: vec![m.name.clone()],
            }),
        }
    }
    // Without billing modes (or after an error): every declared mode, so
    // the model's "never empty" promise holds.
    if billing.is_empty() {
        billing = declared();
    }
    Resolved { billing, variants }
}

/// E0040: a word that is neither a billing mode nor a declared variant value.
pub fn unknown_value(m: &Ident, dims: &[VariantDim], owner: &str) -> Diagnostic {
    let values: Vec<&str> = dims
        .iter()
        .flat_map(|d| d.values.iter().map(String::as_str))
        .collect();
    let list: Vec<String> = dims
        .iter()
        .map(|d| format!("{}: {}", d.name, d.values.join(", ")))
        .collect();
    Diagnostic::new(Code::E0040, format!("unknown variant value `{}`", m.name))
        .at(
            m.span,
            "neither a billing mode nor a declared variant value",
        )
        .help(if list.is_empty() {
            format!("declare it in {owner}, e.g. `variants term: {}`", m.name)
        } else {
            format!(
                "the variants of {owner} are {}; declare it with `variants <dimension>: {}`",
                list.join("; "),
                m.name
            )
        })
        .suggest(
            &m.name,
            values.into_iter().chain(BILLING_MODES.iter().copied()),
        )
}

/// Whether two filters admit a common account (some billing mode and, for
/// every dimension both name, a common value).
pub fn overlap(
    (b1, v1): (&[Billing], &[VariantReq]),
    (b2, v2): (&[Billing], &[VariantReq]),
) -> bool {
    b1.iter().any(|b| b2.contains(b))
        && v1.iter().all(|r1| {
            v2.iter()
                .filter(|r2| r2.dimension == r1.dimension)
                .all(|r2| r1.values.iter().any(|v| r2.values.contains(v)))
        })
}
