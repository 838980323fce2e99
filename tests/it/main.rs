//! The integration test crate: one binary, one module per area.

/// The shipped agreements, each a directory of clause files.
pub const AGREEMENTS: &[&str] = &[
    "clauses/aliyun-2018",
    "clauses/aliyun-2024",
    "clauses/maxcompute-2018",
    "clauses/support-plan-2020",
    "clauses/tracing-2019",
];

mod architecture;
mod authoring;
mod bad_input;
mod bench_baseline;
mod cli;
mod codegen;
mod coverage;
mod cure_scope;
mod decoders;
mod diagnostics;
mod diff;
mod differential;
mod differential_gen;
mod expect;
mod explain;
mod fmt_roundtrip;
mod gen_agreement;
mod graph;
mod instant_order;
mod lang;
#[cfg(feature = "cli")]
mod lsp;
mod pending;
mod quotes;
mod readme;
mod reliability;
mod restart;
mod shipped;
#[cfg(feature = "site")]
mod site;
mod state;
mod stream;
mod summary;
mod support;
mod verify;
mod verify_builtin;
mod verify_money;
mod verify_months;
mod verify_random;
mod vocabulary;
