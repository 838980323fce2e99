//! Changes that are the same apart from the product, listed once.
//!
//! Why: a change of the general terms (a new notice right on arrears)
//! changes every product that keeps the general rule; listed per product it
//! repeats a hundred times and hides the changes of the products
//! themselves. `clausec diff` and the report's diff page both group with
//! this one function.

use super::Change;
use crate::sourcetext::{Scope, SourceText};

/// A change listed once, with every product it applies to.
pub struct Grouped {
    pub text: String,
    pub old: String,
    pub new: String,
    pub products: Vec<String>,
    /// The billing modes of each product (same order).
    pub billing: Vec<String>,
    pub general: bool,
}

impl Grouped {
    /// Whether `c` is one of the changes grouped here.
    pub fn has(&self, c: &Change) -> bool {
        self.text == without_product(c)
            && self.old == side(&c.old)
            && self.new == side(&c.new)
            && self.products.contains(&c.product)
    }

    /// `(product, billing modes)` pairs.
    pub fn affected(&self) -> Vec<(&str, &str)> {
        self.products
            .iter()
            .zip(&self.billing)
            .map(|(p, b)| (p.as_str(), b.as_str()))
            .collect()
    }
}

/// A change in words without the product and billing modes it concerns
/// (`product · trigger · billing: what` → `on trigger: what`).
fn without_product(c: &Change) -> String {
    let rest = c
        .text
        .strip_prefix(c.product.as_str())
        .and_then(|t| t.strip_prefix(" · ").or_else(|| t.strip_prefix(": ")))
        .unwrap_or(&c.text);
    match (&c.trigger, rest.split_once(": ")) {
        (Some(t), Some((head, what))) if head.starts_with(t.as_str()) => format!("on {t}: {what}"),
        _ => rest.to_string(),
    }
}

/// The billing modes, then the kind of account (`prepaid did`) when the
/// change is for one.
fn billing_list(c: &Change) -> String {
    let modes = c
        .billing
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ");
    std::iter::once(modes)
        .chain(c.variants.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn side(s: &Option<crate::diff::Side>) -> String {
    s.as_ref()
        .map(|s| format!("{} ({})", s.what, s.cite))
        .unwrap_or_default()
}

/// Whether every `§` of a citation like `2024 §5.1, §5.2` is an article of
/// the general terms.
fn cites_general(text: Option<&SourceText>, cite: &str) -> bool {
    let Some(text) = text else { return false };
    let numbers: Vec<&str> = cite
        .split('§')
        .skip(1)
        .map(|n| n.trim_end_matches(|c: char| !c.is_ascii_digit()))
        .map(|n| {
            let end = n
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(n.len());
            n[..end].trim_end_matches('.')
        })
        .collect();
    !numbers.is_empty() && numbers.iter().all(|n| text.resolve(Scope::General, n).1)
}

/// Groups changes that are the same apart from the product.
pub fn group(
    changes: &[&Change],
    old: Option<&SourceText>,
    new: Option<&SourceText>,
) -> Vec<Grouped> {
    let mut out: Vec<(Grouped, Vec<&Change>)> = Vec::new();
    for c in changes {
        let same = |x: &&Change| {
            x.trigger == c.trigger
                && x.kind == c.kind
                && x.old == c.old
                && x.new == c.new
                && without_product(x) == without_product(c)
        };
        match out.iter_mut().find(|(_, cs)| cs.first().is_some_and(same)) {
            Some((g, cs)) => {
                g.products.push(c.product.clone());
                g.billing.push(billing_list(c));
                cs.push(c);
            }
            None => out.push((
                Grouped {
                    text: without_product(c),
                    old: side(&c.old),
                    new: side(&c.new),
                    products: vec![c.product.clone()],
                    billing: vec![billing_list(c)],
                    general: c.old.as_ref().is_none_or(|s| cites_general(old, &s.cite))
                        && c.new.as_ref().is_none_or(|s| cites_general(new, &s.cite))
                        && (c.old.is_some() || c.new.is_some()),
                },
                vec![c],
            )),
        }
    }
    out.into_iter().map(|(g, _)| g).collect()
}
