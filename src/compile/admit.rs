//! Which kind of account an automaton is for — its billing mode and variant
//! values — and whether a filter admits it (docs/semantics.md, “Variants”).
//!
//! [`AccountKind::admits`] is the one admission test of the compiler: rules,
//! `while in arrears` restrictions and money terms all ask it. The account's
//! variants are checked once, when the automaton is selected
//! ([`account_kind`]): an unknown value, two values of one dimension, or a
//! missing value of a dimension an applicable filter names is a typed error,
//! never a silent default.

use super::CompileError;
use crate::model::{Agreement, Product, VariantReq};
use crate::vocab::Billing;

/// An account's billing mode and variant values (one per dimension, in the
/// order the dimensions are declared: the general terms', then the
/// product's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountKind<'a> {
    pub billing: Billing,
    pub variants: &'a [String],
}

impl AccountKind<'_> {
    /// Whether a filter (`[prepaid, yearly]`: billing modes, and per
    /// dimension the values that are alternatives) admits the account: the
    /// billing mode is listed and every named dimension has the account's
    /// value among its values.
    pub fn admits(&self, billing: &[Billing], variants: &[VariantReq]) -> bool {
        billing.contains(&self.billing)
            && variants
                .iter()
                .all(|r| r.values.iter().any(|v| self.variants.contains(v)))
    }
}

/// The account's variant values checked against `product`'s dimensions and
/// put in dimension order: each value names a dimension, no dimension
/// twice, and every dimension a filter that holds `billing` names is given.
pub fn account_kind(
    agreement: &Agreement,
    product: &Product,
    billing: Billing,
    variants: &[String],
) -> Result<Vec<String>, CompileError> {
    let dims: Vec<_> = agreement.variant_dimensions(product).collect();
    let mut given: Vec<Option<&String>> = vec![None; dims.len()];
    for v in variants {
        let Some(d) = dims.iter().position(|d| d.values.contains(v)) else {
            let known: Vec<String> = dims
                .iter()
                .map(|d| format!("{}: {}", d.name, d.values.join(", ")))
                .collect();
            return Err(CompileError::UnknownVariant {
                product: product.id.clone(),
                value: v.clone(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join("; ")
                },
            });
        };
        match given.get_mut(d) {
            Some(Some(first)) => {
                return Err(CompileError::VariantTwice {
                    dimension: dims.get(d).map(|x| x.name.clone()).unwrap_or_default(),
                    first: (*first).clone(),
                    second: v.clone(),
                })
            }
            Some(slot) => *slot = Some(v),
            None => {}
        }
    }
    for (modes, reqs) in filters(agreement, product) {
        if !modes.contains(&billing) {
            continue;
        }
        for req in reqs {
            let Some(d) = dims.iter().position(|d| d.name == req.dimension) else {
                continue;
            };
            if given.get(d).is_some_and(Option::is_none) {
                return Err(CompileError::VariantMissing {
                    product: product.id.clone(),
                    dimension: req.dimension.clone(),
                    values: dims.get(d).map(|x| x.values.join(", ")).unwrap_or_default(),
                });
            }
        }
    }
    Ok(given.into_iter().flatten().cloned().collect())
}

/// Every kind of account of `product` sold as `billing` that its filters
/// tell apart: one value of each dimension some filter holding `billing`
/// names, in every combination, in dimension order (one empty list when no
/// such filter names a variant). Each compiles to its own automaton.
pub fn kinds(agreement: &Agreement, product: &Product, billing: Billing) -> Vec<Vec<String>> {
    let named: Vec<&str> = filters(agreement, product)
        .filter(|(modes, _)| modes.contains(&billing))
        .flat_map(|(_, reqs)| reqs.iter().map(|r| r.dimension.as_str()))
        .collect();
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for d in agreement
        .variant_dimensions(product)
        .filter(|d| named.contains(&d.name.as_str()))
    {
        out = out
            .iter()
            .flat_map(|kind| {
                d.values.iter().map(move |v| {
                    let mut k = kind.clone();
                    k.push(v.clone());
                    k
                })
            })
            .collect();
    }
    out
}

/// The filter of every rule, money term and restriction an account of
/// `product` could have: the general terms' and the product's.
fn filters<'a>(
    agreement: &'a Agreement,
    product: &'a Product,
) -> impl Iterator<Item = (&'a Vec<Billing>, &'a Vec<VariantReq>)> + 'a {
    let general = agreement.general.iter();
    general
        .clone()
        .flat_map(|g| g.rules.iter().map(|r| (&r.billing, &r.variants)))
        .chain(product.rules.iter().map(|r| (&r.billing, &r.variants)))
        .chain(
            general
                .clone()
                .flat_map(|g| g.money.iter().map(|m| (&m.billing, &m.variants))),
        )
        .chain(product.money.iter().map(|m| (&m.billing, &m.variants)))
        .chain(general.flat_map(|g| g.restrictions.iter().map(|r| (&r.billing, &r.variants))))
        .chain(
            product
                .restrictions
                .iter()
                .map(|r| (&r.billing, &r.variants)),
        )
}
