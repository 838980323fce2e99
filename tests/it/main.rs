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
mod quotes;
mod restart;
mod shipped;
mod stream;
mod summary;
mod vocabulary;
