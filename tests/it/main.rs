//! The integration test crate: one binary, one module per area.

mod fmt_roundtrip;
mod quotes;
