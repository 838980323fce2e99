//! The machines a stream needs, compiled on first use and numbered in the
//! order the input first names them (so the numbering, and with it every
//! tie-break, is the same whatever the thread count).

use super::error::LineErrorKind;
use super::record::OutputFormat;
use super::table::RecordShape;
use crate::eval::{AccountState, Machine, Program};
use crate::vocab::{Billing, Reading};
use std::collections::HashMap;

/// One compiled product × billing with what the stream keeps beside it.
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
    /// Product name → (billing as written, machine): keyed by the name alone
    /// so a lookup borrows the line's `&str` instead of allocating a key.
    by_name: HashMap<String, Vec<(Option<Billing>, u16)>>,
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

    /// The machine index for `product` under `billing`, compiling it the
    /// first time.
    pub fn resolve(
        &mut self,
        product: &str,
        billing: Option<Billing>,
    ) -> Result<u16, LineErrorKind> {
        if let Some(i) = self.known(product, billing) {
            return Ok(i);
        }
        let machine = self.program.select(product, billing, self.reading)?;
        // `billing: None` and the explicit default mode share one machine.
        let explicit = Some(machine.ir.billing);
        let i = match self.known(product, explicit) {
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
                self.remember(product, explicit, i);
                i
            }
        };
        self.remember(product, billing, i);
        Ok(i)
    }

    fn known(&self, product: &str, billing: Option<Billing>) -> Option<u16> {
        let modes = self.by_name.get(product)?;
        modes.iter().find(|(b, _)| *b == billing).map(|(_, i)| *i)
    }

    fn remember(&mut self, product: &str, billing: Option<Billing>, i: u16) {
        let modes = self.by_name.entry(product.to_string()).or_default();
        if !modes.iter().any(|(b, _)| *b == billing) {
            modes.push((billing, i));
        }
    }

    /// `(product, billing)` of every machine, by index (for checkpoints).
    pub fn keys(&self) -> Vec<(String, Billing)> {
        self.entries
            .iter()
            .map(|e| (e.machine.ir.product.clone(), e.machine.ir.billing))
            .collect()
    }
}
