//! clausec — a compiler for contract clauses.
//!
//! Clause files say what a service agreement does about arrears, expiry,
//! unpaid orders and money; clausec checks them, compiles each product ×
//! billing mode × reading into an executable automaton and runs accounts
//! through it.
//!
//! # The library, in short
//!
//! The names at the crate root are the whole of what an embedding crate
//! needs, and what this crate keeps stable:
//!
//! * [`Program`]: checked agreements ([`Program::compile_str`] for text in
//!   memory, [`Program::compile`] over a [`SourceMap`] of files read with
//!   [`load`]); `program.warnings` holds the warnings of a successful check,
//!   a failed one returns every [`Diagnostic`] (`Display` and
//!   `std::error::Error`; `diagnostic.located(&map)` names file, line and
//!   column).
//! * [`Machine`]: one product under one [`Selection`] (billing mode,
//!   reading; [`Program::select_with`]), with one-shot
//!   [`Machine::evaluate`] → [`Evaluation`] → [`Machine::report`] (the
//!   JSON of `clausec eval`, [`Report`]) and the step API
//!   ([`Machine::new_account`] → [`AccountState`], [`Machine::event`] →
//!   [`Event`], [`Machine::step`], [`Machine::advance_to`] → [`Fired`],
//!   [`Machine::status`], [`Machine::report_step`]). A saved
//!   [`AccountState`] carries its automaton's [`Fingerprint`] and is checked
//!   at every entry point ([`EvalError::State`]).
//! * [`StreamRunner`]: many accounts from NDJSON lines at once, the engine of
//!   `clausec run` ([`StreamOptions`], [`StreamBatch`], [`LineError`]).
//!
//! The modules below are the pipeline's stages, public so the command
//! line, the tests and the benchmarks reach them: data flows one way,
//! [`syntax`] (pest) → [`ast`] → [`check`] → [`model`] → [`compile`] (the
//! flat automaton and its [`compile::Layout`]) → [`eval`]. Their items carry
//! no stability promise beyond the root's; modules hidden from these docs
//! are the command line's and the tests' own. The core never prints, reads
//! files or exits; [`load`] is the one module that touches the disk.
//!
//! # End to end
//!
//! Compile a clause held in memory, select a product and billing mode, then
//! evaluate a timeline at once or step one account through it (the same
//! code runs as a crate of its own that depends on clausec with
//! `default-features = false`: `tests/embed`):
#![doc = concat!("```\n", include_str!("../tests/embed/src/main.rs"), "```")]
#![forbid(unsafe_code)]

pub use compile::{Fingerprint, Selection};
pub use diagnostic::Diagnostic;
pub use eval::{
    AccountState, EvalError, Evaluation, Event, Fired, Machine, Program, Report, SelectError,
    StateError, Status,
};
pub use source::SourceMap;
pub use stream::{
    Batch as StreamBatch, LineError, Options as StreamOptions, Runner as StreamRunner,
};
pub use vocab::{Billing, Reading};

pub mod ast;
pub mod calendar;
pub mod check;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
pub mod compile;
#[doc(hidden)]
pub mod coverage;
#[doc(hidden)]
pub mod describe;
pub mod diagnostic;
#[doc(hidden)]
pub mod diff;
pub mod eval;
#[doc(hidden)]
pub mod expect;
pub mod fmt;
pub mod frontend;
#[doc(hidden)]
pub mod hash;
#[cfg(feature = "kafka")]
#[doc(hidden)]
pub mod kafka;
pub mod load;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod lsp;
pub mod model;
#[doc(hidden)]
pub mod reference;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod render;
#[doc(hidden)]
pub mod scenario;
#[cfg(feature = "site")]
#[doc(hidden)]
pub mod site;
pub mod source;
#[doc(hidden)]
pub mod sourcetext;
pub mod stream;
#[doc(hidden)]
pub mod summary;
pub mod syntax;
pub mod verify;
pub mod vocab;
