//! clausec — a compiler for contract clauses.
//!
//! Pipeline (data flows one way): [`syntax`] (pest) → [`ast`] → [`check`]
//! (names, units, readings; produces the typed [`model`]) → [`compile`]
//! (flat automaton IR) → [`eval`]. The core never prints, reads files or
//! exits; [`load`] is the one module that touches the disk and [`render`]
//! the one that turns diagnostics into text.
//!
//! # End to end
//!
//! Compile a clause held in memory, select a product and billing mode, then
//! evaluate a timeline at once or step one account through it:
//!
//! ```
//! use clausec::eval::Program;
//! use clausec::vocab::{Billing, Reading};
//!
//! let src = r#"
//! product log "日志服务" §1 {
//!   billing postpaid
//!   capabilities writes
//!   resources data
//!   on arrears {
//!     suspended: after 24h suspend writes §1.1 quote "暂停"
//!     after 7d from suspended purge data §1.2 quote "删除"
//!     until payment then resume writes
//!   }
//! }
//! "#;
//! let program = Program::compile_str("log.clause", src).expect("checks");
//! let m = program.select("log", Some(Billing::Postpaid), Reading::CustomerSafe).expect("compiles");
//!
//! let t0 = 1_717_207_200; // 2024-06-01T10:00:00+08:00
//! let arrears = m.event("arrears", t0).expect("built-in event");
//!
//! // one shot
//! let e = m.evaluate(&[arrears.clone()], t0 + 9 * 86_400).expect("evaluates");
//! let report = m.report(&e);
//! assert_eq!(report.actions[0].action, "suspend");
//! assert_eq!(report.actions[0].at, "2024-06-02T10:00:00+08:00");
//! assert_eq!(report.actions[1].action, "purge");
//! assert_eq!(report.irreversible, vec!["data".to_string()]);
//!
//! // incremental: one small state per account
//! let mut account = m.new_account();
//! assert!(m.step(&mut account, &arrears).expect("steps").is_empty());
//! assert_eq!(m.next_deadline(&account), Some(t0 + 86_400));
//! let fired = m.advance_to(&mut account, t0 + 2 * 86_400).expect("advances");
//! assert_eq!(fired.len(), 1); // the suspension
//! let paid = m.event("payment", t0 + 2 * 86_400).expect("built-in event");
//! m.step(&mut account, &paid).expect("steps");
//! let now = m.status(&account, t0 + 30 * 86_400).expect("status");
//! assert!(now.pending.is_empty()); // the purge was cancelled by the payment
//! assert_eq!(now.capabilities[1], clausec::model::CapabilityState::Active);
//! ```
#![forbid(unsafe_code)]

pub mod ast;
pub mod calendar;
pub mod check;
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
pub mod load;
pub mod model;
pub mod reference;
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
