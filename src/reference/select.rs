//! Which rules, restrictions and money terms apply to an account: its
//! product, billing mode and variants. Written for the reference alone (the
//! compiler has its own), so the differential test cross-checks precedence.

use super::{Account, RefError};
use crate::model::{
    Agreement, MoneyKindM, MoneyM, PrecedenceM, Product, RestrictionM, RuleM, VariantReq,
};
use crate::vocab::Billing;

/// Whether a filter (billing modes and variant values) admits the account.
pub fn admits(billing: &[Billing], variants: &[VariantReq], account: &Account) -> bool {
    billing.contains(&account.billing)
        && variants
            .iter()
            .all(|r| r.values.iter().any(|v| account.variants.contains(v)))
}

/// The account's variants are values of its product's dimensions, one per
/// dimension, and every dimension an applicable filter names is given.
pub fn check_variants(a: &Agreement, p: &Product, account: &Account) -> Result<(), RefError> {
    let dims: Vec<_> = a.variant_dimensions(p).collect();
    let mut given: Vec<(&str, &str)> = Vec::new();
    for v in &account.variants {
        let Some(d) = dims.iter().find(|d| d.values.contains(v)) else {
            let known: Vec<String> = dims
                .iter()
                .map(|d| format!("{}: {}", d.name, d.values.join(", ")))
                .collect();
            return Err(RefError::UnknownVariant {
                product: p.id.clone(),
                value: v.clone(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join("; ")
                },
            });
        };
        if let Some((_, first)) = given.iter().find(|(n, _)| *n == d.name) {
            return Err(RefError::VariantTwice {
                dimension: d.name.clone(),
                first: (*first).to_string(),
                second: v.clone(),
            });
        }
        given.push((&d.name, v));
    }
    let general = a.general.iter();
    let filters = general
        .clone()
        .flat_map(|g| g.rules.iter().map(|r| (&r.billing, &r.variants)))
        .chain(p.rules.iter().map(|r| (&r.billing, &r.variants)))
        .chain(
            general
                .clone()
                .flat_map(|g| g.money.iter().map(|m| (&m.billing, &m.variants))),
        )
        .chain(p.money.iter().map(|m| (&m.billing, &m.variants)))
        .chain(general.flat_map(|g| g.restrictions.iter().map(|r| (&r.billing, &r.variants))))
        .chain(p.restrictions.iter().map(|r| (&r.billing, &r.variants)));
    for (billing, variants) in filters {
        if !billing.contains(&account.billing) {
            continue;
        }
        for req in variants {
            if !given.iter().any(|(d, _)| *d == req.dimension) {
                let values = dims
                    .iter()
                    .find(|d| d.name == req.dimension)
                    .map_or(String::new(), |d| d.values.join(", "));
                return Err(RefError::VariantMissing {
                    product: p.id.clone(),
                    dimension: req.dimension.clone(),
                    values,
                });
            }
        }
    }
    Ok(())
}

/// Whether `cite` is `section` or one of its sub-articles.
fn cites(cite: &str, section: &str) -> bool {
    cite == section
        || cite
            .strip_prefix(section)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The rules that apply, general ones first, then the product's, each in
/// the order written. A general rule that `yields` gives way to a product
/// rule on its trigger; a product rule that `replaces §X` removes the
/// general rules on its trigger whose steps cite §X or a sub-article;
/// otherwise both apply (issue #12; one meaning under both semantics).
pub fn rules<'a>(a: &'a Agreement, p: &'a Product, account: &Account) -> Vec<&'a RuleM> {
    let admitted = |r: &&RuleM| admits(&r.billing, &r.variants, account);
    let own: Vec<&RuleM> = p.rules.iter().filter(admitted).collect();
    let mut out: Vec<&RuleM> = Vec::new();
    for g in a.general.iter().flat_map(|g| &g.rules).filter(admitted) {
        let removed = own.iter().any(|o| {
            o.trigger == g.trigger
                && match (&g.precedence, &o.precedence) {
                    (PrecedenceM::Yields, _) => true,
                    (_, PrecedenceM::Replaces(sections)) => sections.iter().any(|x| {
                        g.steps
                            .iter()
                            .any(|s| s.cite.as_deref().is_some_and(|c| cites(c, x)))
                    }),
                    _ => false,
                }
        });
        if !removed {
            out.push(g);
        }
    }
    out.extend(own);
    out
}

/// The `while in arrears` restrictions that apply (account state only).
pub fn restrictions<'a>(
    a: &'a Agreement,
    p: &'a Product,
    account: &Account,
) -> Vec<&'a RestrictionM> {
    a.general
        .iter()
        .flat_map(|g| &g.restrictions)
        .chain(&p.restrictions)
        .filter(|r| admits(&r.billing, &r.variants, account))
        .collect()
}

/// The money terms that apply, the product's first, each block's in the
/// order written, those whose filter admits the account (both semantics:
/// issue #12's money is the only money).
pub fn money<'a>(a: &'a Agreement, p: &'a Product, account: &Account) -> Vec<&'a MoneyM> {
    p.money
        .iter()
        .chain(a.general.iter().flat_map(|g| &g.money))
        .filter(|m| admits(&m.billing, &m.variants, account))
        .collect()
}

/// The first term of a kind (product before general).
pub fn first<'a>(terms: &[&'a MoneyM], want: fn(&MoneyKindM) -> bool) -> Option<&'a MoneyM> {
    terms.iter().copied().find(|m| want(&m.kind))
}
