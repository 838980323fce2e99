//! clausec — a compiler for contract clauses.
//!
//! Pipeline (data flows one way): [`syntax`] (pest) → [`ast`] → [`check`]
//! (names, units, readings; produces the typed [`model`]) → [`compile`]
//! (flat automaton IR) → [`eval`]. The core never prints, reads files or
//! exits; [`load`] is the one module that touches the disk and `render`
//! the one that turns diagnostics into text.
//!
//! # End to end
//!
//! Compile a clause held in memory, select a product and billing mode, then
//! evaluate a timeline at once or step one account through it:
//!
//! (the same code runs as a crate of its own that depends on clausec with
//! `default-features = false`: `tests/embed`)
#![doc = concat!("```\n", include_str!("../tests/embed/src/main.rs"), "```")]
#![forbid(unsafe_code)]

pub mod ast;
pub mod calendar;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compile;
pub mod coverage;
pub mod describe;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod expect;
pub mod fmt;
pub mod frontend;
pub mod hash;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod load;
#[cfg(feature = "cli")]
pub mod lsp;
pub mod model;
pub mod reference;
#[cfg(feature = "cli")]
pub mod render;
pub mod scenario;
#[cfg(feature = "site")]
pub mod site;
pub mod source;
pub mod sourcetext;
pub mod stream;
pub mod summary;
pub mod syntax;
pub mod vocab;
