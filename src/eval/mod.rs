//! The library API: compile sources into a [`Program`], select a product ×
//! billing mode as a [`Machine`], then either run one account incrementally
//! ([`Machine::step`], [`Machine::advance_to`], [`Machine::next_deadline`],
//! [`Machine::status`]) or evaluate a whole timeline at once
//! ([`Machine::evaluate`]). Semantics: docs/semantics.md; API and JSON
//! schema: docs/api.md.

mod account;
mod balance;
pub mod codegen;
pub mod explain;
mod machine;
pub mod money;
mod refund;
mod report;
mod status;
mod timeline;
mod types;

pub use machine::{Machine, Placement};
pub use report::{
    data_state, modality_name, ActionReport, ObligationReport, PendingReport, Report, WindowReport,
};
/// Exact decimals (amounts, the arrears balance), re-exported for generated
/// modules and callers that pass amounts.
pub use rust_decimal::Decimal;
pub use timeline::{parse_events, parse_instant, InstantError, TimelineError, TimelineEvent};
pub use types::*;

use crate::compile::{CompileError, Selection};
use crate::diagnostic::Diagnostic;
use crate::model::Agreement;
use crate::source::SourceMap;
use crate::vocab::{Billing, Reading};

/// Checked agreements ready to be compiled per product × billing.
#[derive(Clone, Debug)]
pub struct Program {
    pub agreements: Vec<Agreement>,
    /// Warnings of the front end (errors make [`Program::compile`] fail).
    pub warnings: Vec<Diagnostic>,
}

/// Why a product could not be selected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error("no agreement defines product `{0}`")]
    UnknownProduct(String),
    #[error(transparent)]
    Calendar(#[from] crate::calendar::CalendarError),
}

impl Program {
    /// Runs the front end over `map`; any error diagnostic → `Err` with all
    /// diagnostics.
    pub fn compile(map: &SourceMap) -> Result<Program, Vec<Diagnostic>> {
        let checked = crate::frontend::front_end(map, Vec::new());
        Self::from_checked(checked)
    }

    /// Compiles one clause text held in memory.
    pub fn compile_str(name: &str, text: &str) -> Result<Program, Vec<Diagnostic>> {
        let mut map = SourceMap::new();
        map.add_str(name, text);
        Self::compile(&map)
    }

    /// From the front end's result.
    pub fn from_checked(checked: crate::check::Checked) -> Result<Program, Vec<Diagnostic>> {
        if checked.has_errors() {
            return Err(checked.diagnostics);
        }
        Ok(Program {
            agreements: checked.agreements,
            warnings: checked.diagnostics,
        })
    }

    /// From already checked agreements.
    pub fn from_agreements(agreements: Vec<Agreement>) -> Program {
        Program {
            agreements,
            warnings: Vec::new(),
        }
    }

    /// Every (agreement, product, billing) the program can run.
    pub fn products(&self) -> Vec<(&str, &str, Billing)> {
        self.agreements
            .iter()
            .flat_map(|a| {
                a.products.iter().flat_map(move |p| {
                    p.billing
                        .iter()
                        .map(move |b| (a.id.as_str(), p.id.as_str(), *b))
                })
            })
            .collect()
    }

    /// Every kind of account the program can run: (agreement, product,
    /// billing, variant values), one per combination of values the
    /// product's filters tell apart ([`crate::compile::kinds`]).
    pub fn accounts(&self) -> Vec<(&str, &str, Billing, Vec<String>)> {
        let mut out = Vec::new();
        for a in &self.agreements {
            for p in &a.products {
                for &b in &p.billing {
                    for k in crate::compile::kinds(a, p, b) {
                        out.push((a.id.as_str(), p.id.as_str(), b, k));
                    }
                }
            }
        }
        out
    }

    /// Compiles `product` under `billing` (default: its first declared
    /// mode) and `reading`: [`Program::select_with`] with those two.
    pub fn select(
        &self,
        product: &str,
        billing: Option<Billing>,
        reading: Reading,
    ) -> Result<Machine, SelectError> {
        let mut selection = Selection::default().reading(reading);
        selection.billing = billing;
        self.select_with(product, &selection)
    }

    /// Compiles `product` as `selection` says (billing mode, reading, and
    /// whatever later choices [`Selection`] grows).
    pub fn select_with(
        &self,
        product: &str,
        selection: &Selection,
    ) -> Result<Machine, SelectError> {
        let agreement = self
            .agreements
            .iter()
            .find(|a| a.product(product).is_some())
            .ok_or_else(|| SelectError::UnknownProduct(product.to_string()))?;
        let ir = crate::compile::compile(agreement, product, selection)?;
        Ok(Machine::new(ir)?)
    }
}

/// `res` (2 bits per resource) with the resources in `mask` released,
/// except those already purged ([`crate::compile::Layout::release`]);
/// generated modules call it.
#[inline]
pub fn release_resources(res: u32, mask: u32) -> u32 {
    crate::compile::Layout::release(res, mask)
}

/// `res` with the resources in `mask` purged.
#[inline]
pub fn purge_resources(res: u32, mask: u32) -> u32 {
    crate::compile::Layout::purge(res, mask)
}
