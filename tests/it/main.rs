//! The integration test crate: one binary, one module per area.

mod authoring;
mod bad_input;
mod codegen;
mod coverage;
mod diagnostics;
mod diff;
mod differential;
mod expect;
mod explain;
mod fmt_roundtrip;
mod graph;
mod quotes;
mod restart;
mod shipped;
#[cfg(feature = "site")]
mod site;
mod stream;
mod summary;
mod vocabulary;
