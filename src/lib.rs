//! clausec — a compiler for contract clauses.
//!
//! Pipeline (data flows one way): [`syntax`] (pest) → [`ast`] → [`check`]
//! (names, units, readings; produces the typed [`model`]) → [`compile`]
//! (flat automaton IR) → [`eval`]. The core never prints, reads files or
//! exits; [`load`] is the one module that touches the disk and [`render`]
//! the one that turns diagnostics into text.
#![forbid(unsafe_code)]

pub mod ast;
pub mod calendar;
pub mod check;
pub mod cli;
pub mod compile;
pub mod coverage;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod fmt;
pub mod frontend;
pub mod load;
pub mod model;
pub mod reference;
pub mod render;
pub mod scenario;
pub mod source;
pub mod stream;
pub mod sourcetext;
pub mod summary;
pub mod syntax;
pub mod vocab;
