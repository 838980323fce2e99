//! The machines a stream needs, compiled on first use and numbered in the
//! order the input first names them (so the numbering, and with it every
//! tie-break, is the same whatever the thread count).

use super::error::LineErrorKind;
use super::record::OutputFormat;
use super::table::RecordShape;
use crate::compile::Selection;
use crate::eval::{AccountState, Machine, Program};
use crate::vocab::{Billing, Reading};
use std::collections::HashMap;

/// One compiled product × billing × variant values with what the stream
/// keeps beside it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub machine: Machine,
    pub format: OutputFormat,
    pub layout: RecordShape,
    /// A fresh account, the template for scratch states and money slots.
    pub fresh: AccountState,
}

#[derive(Debug)]
pub struct Catalog {
    program: Program,
    reading: Reading,
    pub entries: Vec<Entry>,
    /// Product name → (billing and variant values as written, machine):
    /// keyed by the name alone so a lookup borrows the line's `&str`
    /// instead of allocating a key.
    by_name: HashMap<String, Vec<Known>>,
}

impl Catalog {
    pub fn new(program: Program, reading: Reading) -> Catalog {
        Catalog {
            program,
            reading,
            entries: Vec::new(),
            by_name: HashMap::new(),
        }
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    pub fn reading(&self) -> Reading {
        self.reading
    }

    /// The machine index for `product` under `billing` with the variant
    /// values `variants` (in any order), compiling it the first time. An
    /// unknown value, two of one dimension or a missing one is the
    /// selection's error.
    pub fn resolve<S: AsRef<str>>(
        &mut self,
        product: &str,
        billing: Option<Billing>,
        variants: &[S],
    ) -> Result<u16, LineErrorKind> {
        if let Some(i) = self.known(product, billing, variants) {
            return Ok(i);
        }
        let mut selection = Selection::default().reading(self.reading);
        selection.billing = billing;
        selection.variants = variants.iter().map(|v| v.as_ref().to_string()).collect();
        let machine = self.program.select_with(product, &selection)?;
        // `billing: None` and the explicit default mode, and the values in
        // any order, share one machine.
        let explicit = Some(machine.ir.billing);
        let canonical = machine.ir.variants.clone();
        let i = match self.known(product, explicit, &canonical) {
            Some(i) => i,
            None => {
                let i = u16::try_from(self.entries.len())
                    .map_err(|_| LineErrorKind::TooManyMachines)?;
                self.entries.push(Entry {
                    format: OutputFormat::new(&machine),
                    layout: RecordShape::new(&machine),
                    fresh: machine.new_account(),
                    machine,
                });
                self.remember(product, explicit, &canonical, i);
                i
            }
        };
        self.remember(product, billing, variants, i);
        Ok(i)
    }

    fn known<S: AsRef<str>>(
        &self,
        product: &str,
        billing: Option<Billing>,
        variants: &[S],
    ) -> Option<u16> {
        let kinds = self.by_name.get(product)?;
        kinds
            .iter()
            .find(|k| k.billing == billing && same(&k.variants, variants))
            .map(|k| k.machine)
    }

    fn remember<S: AsRef<str>>(
        &mut self,
        product: &str,
        billing: Option<Billing>,
        variants: &[S],
        machine: u16,
    ) {
        let kinds = self.by_name.entry(product.to_string()).or_default();
        if !kinds
            .iter()
            .any(|k| k.billing == billing && same(&k.variants, variants))
        {
            kinds.push(Known {
                billing,
                variants: variants.iter().map(|v| v.as_ref().to_string()).collect(),
                machine,
            });
        }
    }

    /// `(product, billing, variants)` of every machine, by index (for
    /// checkpoints).
    pub fn keys(&self) -> Vec<(String, Billing, Vec<String>)> {
        self.entries
            .iter()
            .map(|e| {
                let ir = &e.machine.ir;
                (ir.product.clone(), ir.billing, ir.variants.clone())
            })
            .collect()
    }
}

/// A billing mode and variant values as some line wrote them, and their
/// machine.
#[derive(Debug)]
struct Known {
    billing: Option<Billing>,
    variants: Vec<String>,
    machine: u16,
}

fn same<S: AsRef<str>>(known: &[String], written: &[S]) -> bool {
    known.len() == written.len() && known.iter().zip(written).all(|(k, w)| k == w.as_ref())
}
