//! Semantic diff of two versions of an agreement: what changes for a
//! customer, product by product, as behaviour of the compiled automata.
//!
//! Why behaviour and not text: a reworded, reordered or re-filed clause that
//! does the same must give no difference, and a one-character change of a
//! duration must. So every product both versions define is run, for every
//! billing mode both declare and every event that starts a rule in either
//! version, on the same probe timelines — the trigger alone at
//! [`TRIGGER_AT`] (nobody acts), then the trigger and one cure event just
//! before each instant at which either version acts — and what fires
//! (offset, verb, targets by name, modality), the states and the money terms
//! are compared. Method and limits: docs/diff.md. Pure: no IO.

mod compare;
mod cure;
pub mod group;
mod money;
pub mod probe;
mod render;
mod rules;
#[cfg(feature = "site")]
pub(crate) use rules::{kinds, selection as kind_selection};
pub mod scenario;

pub use render::{markdown, text};

use crate::eval::{EvalError, Program, SelectError};
use crate::model::Agreement;
use crate::vocab::{Billing, Reading};
use scenario::Distinction;
use serde::Serialize;

/// The trigger instant of every probe: a Tuesday morning in a 30-day month,
/// away from month ends (no clamping) and public holidays of the first week,
/// from which no period of 3, 6, 7, 10, 14, 15 or 30 calendar days (those
/// the shipped agreements use) ends on a rest day, so the Civil Code's
/// rest-day extension (Art. 203 ¶1) does not show as a longer count.
pub const TRIGGER_AT: &str = "2024-06-11T10:00:00+08:00";

/// The trigger instant as seconds since the epoch.
pub fn trigger_instant() -> i64 {
    chrono::DateTime::parse_from_rfc3339(TRIGGER_AT).map_or(1_718_071_200, |t| t.timestamp())
}

/// Why a diff could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("product `{product}` ({billing}) of `{agreement}`: {source}")]
    Select {
        agreement: String,
        product: String,
        billing: String,
        #[source]
        source: Box<SelectError>,
    },
    #[error("product `{product}` ({billing}): {source}")]
    Eval {
        product: String,
        billing: String,
        #[source]
        source: EvalError,
    },
    #[error("no product `{0}` in either version")]
    UnknownProduct(String),
}

/// One version's identity in the report.
#[derive(Clone, Debug, Serialize)]
pub struct VersionInfo {
    pub id: String,
    /// Short name used in citations (`2018`).
    pub label: String,
    pub version: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    ProductAdded,
    ProductRemoved,
    BillingAdded,
    BillingRemoved,
    RuleAdded,
    RuleRemoved,
    Timing,
    Modality,
    Targets,
    ActionAdded,
    ActionRemoved,
    State,
    Cure,
    Money,
}

impl ChangeKind {
    /// A product added or removed (not a change of behaviour).
    pub fn is_structural(self) -> bool {
        matches!(self, ChangeKind::ProductAdded | ChangeKind::ProductRemoved)
    }
}

/// One side of a change: what the version does, in words, and where it says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Side {
    pub what: String,
    pub cite: String,
}

/// One behavioural difference.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub product: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    pub billing: Vec<Billing>,
    /// The kind of account (variant values) the change is for; empty: every
    /// kind, or a product without variants.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Side>,
    /// The whole change in one line.
    pub text: String,
    /// The distinguishing scenario's name, when one could be written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Why there is no scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_scenario: Option<String>,
    #[serde(skip)]
    pub distinction: Option<Distinction>,
}

/// The whole diff.
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    pub old: VersionInfo,
    pub new: VersionInfo,
    pub trigger_at: String,
    pub products_compared: usize,
    pub changes: Vec<Change>,
}

/// One emitted scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioFile {
    pub product: String,
    /// `<product>.diff.clause`
    pub file_name: String,
    pub text: String,
}

fn label(a: &Agreement) -> String {
    if a.effective_stated {
        return chrono::Datelike::year(&a.effective).to_string();
    }
    let year: String = a.version.chars().take(4).collect();
    if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) {
        year
    } else {
        a.id.clone()
    }
}

fn info(a: &Agreement, label: String) -> VersionInfo {
    VersionInfo {
        id: a.id.clone(),
        label,
        version: a.version.clone(),
    }
}

/// Options of a diff.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only this product.
    pub product: Option<String>,
}

/// Compares two versions of an agreement.
pub fn diff(old: &Agreement, new: &Agreement, opts: &Options) -> Result<DiffReport, DiffError> {
    let (mut lo, mut ln) = (label(old), label(new));
    if lo == ln {
        (lo, ln) = (old.id.clone(), new.id.clone());
    }
    let ctx = rules::Ctx {
        old,
        new,
        old_label: lo.clone(),
        new_label: ln.clone(),
        t0: trigger_instant(),
        old_program: Program::from_agreements(vec![old.clone()]),
        new_program: Program::from_agreements(vec![new.clone()]),
    };
    let mut ids: Vec<&str> = old.products.iter().map(|p| p.id.as_str()).collect();
    for p in &new.products {
        if !ids.contains(&p.id.as_str()) {
            ids.push(&p.id);
        }
    }
    ids.sort_unstable();
    if let Some(only) = &opts.product {
        if !ids.contains(&only.as_str()) {
            return Err(DiffError::UnknownProduct(only.clone()));
        }
        ids.retain(|p| p == only);
    }
    let mut changes = Vec::new();
    let mut compared = 0;
    for id in ids {
        match (old.product(id), new.product(id)) {
            (Some(p), None) => changes.push(rules::product_change(&ctx, p, false)),
            (None, Some(p)) => changes.push(rules::product_change(&ctx, p, true)),
            (Some(po), Some(pn)) => {
                compared += 1;
                changes.extend(rules::product_changes(&ctx, po, pn)?);
            }
            (None, None) => {}
        }
    }
    for c in &mut changes {
        if c.distinction.is_some() {
            c.scenario = Some(c.text.clone());
        }
    }
    Ok(DiffReport {
        old: info(old, lo),
        new: info(new, ln),
        trigger_at: TRIGGER_AT.into(),
        products_compared: compared,
        changes,
    })
}

/// The scenario files of a report: one per product with a distinguishing
/// scenario, to be placed in the new version's directory.
pub fn scenario_files(report: &DiffReport, new: &Agreement) -> Vec<ScenarioFile> {
    let section = new.general.as_ref().map_or_else(
        || "§1".to_string(),
        |g| format!("§{}", g.section.trim_start_matches('§')),
    );
    let mut out: Vec<ScenarioFile> = Vec::new();
    for c in &report.changes {
        let (Some(d), Some(name)) = (&c.distinction, &c.scenario) else {
            continue;
        };
        let billing = std::iter::once(c.billing.first().map_or("postpaid", |b| b.name()))
            .chain(c.variants.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let block = scenario::scenario_text(name, &c.product, &billing, d, new.zone);
        match out.iter_mut().find(|f| f.product == c.product) {
            Some(f) => {
                f.text.push('\n');
                f.text.push_str(&block);
            }
            None => out.push(ScenarioFile {
                product: c.product.clone(),
                file_name: format!("{}.diff.clause", c.product),
                text: block,
            }),
        }
    }
    for f in &mut out {
        f.text = format!(
            "// Generated by `clausec diff` ({} → {}): each scenario holds under {} and fails\n\
             // under {}. Place this file in the {} agreement's directory to run it.\n\
             general {section} {{\n{}}}\n",
            report.old.id, report.new.id, report.new.id, report.old.id, report.new.id, f.text
        );
    }
    out
}

/// Reading used for every probe.
pub const READING: Reading = Reading::CustomerSafe;
