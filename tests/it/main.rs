//! The integration test crate: one binary, one module per area.

mod bad_input;
mod coverage;
mod diagnostics;
mod fmt_roundtrip;
mod quotes;
