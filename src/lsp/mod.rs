//! `clausec lsp`: a language server for clause files.
//!
//! Why this shape: the compiler is synchronous and fast enough to re-check a
//! whole agreement on every keystroke, so the server is a plain state
//! machine — [`Server::handle`] takes one JSON-RPC message and returns the
//! messages to send back — and the protocol's IO lives in one thin module
//! ([`transport`], stdio through the `lsp-server` crate, the one place here
//! that touches the disk or the process's streams). Tests drive the same
//! `Server` in-process with a [`Disk`] held in memory, and the integration
//! test drives the real binary over stdio.
//!
//! What it does with an open file: the agreement is every clause file of
//! the file's directory, checked as `clausec check` checks it (open buffers
//! over the disk; see [`analysis`]). Requests are answered from that
//! checked agreement:
//!
//! * diagnostics with their codes, help and related places ([`diagnostics`]);
//! * hover on a `§` citation (the article's text), a quote (where the text
//!   holds it), a duration (how it is counted, [`crate::describe`]) and an
//!   action (its meaning from [`crate::vocab::ACTIONS`] and the step's
//!   modality) ([`hover`]);
//! * go-to-definition of labels, anchors, events, targets, products and the
//!   general rules a product rule replaces ([`definition`]);
//! * completion from what the grammar expects at the cursor
//!   ([`crate::syntax::expected`]) filled with the agreement's names
//!   ([`complete`]);
//! * document symbols, and formatting with the `fmt` printer ([`symbols`]);
//! * quick fixes for the suggestions the checker marks safe ([`actions`]).

pub mod actions;
pub mod analysis;
pub mod complete;
pub mod definition;
pub mod diagnostics;
pub mod hover;
pub mod locate;
pub mod position;
mod server;
pub mod symbols;
pub mod textmate;
pub mod transport;

pub use server::Server;

use std::path::{Path, PathBuf};

/// What the server needs from the file system: the transport gives it the
/// real disk, tests a map in memory.
pub trait Disk {
    /// The `.clause` files directly inside `dir`, sorted.
    fn clause_files(&self, dir: &Path) -> Vec<PathBuf>;
    /// A file's bytes.
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
}
