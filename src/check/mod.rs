//! Name resolution and checking: AST → [`crate::model::Agreement`].
//!
//! Files are grouped into agreements by the directory they were loaded from
//! (files held in memory form one group). Each group needs exactly one
//! `agreement` header; an in-memory group without one gets the default
//! header `header::ANONYMOUS` so that a lone rule can be checked without
//! boilerplate. The checker never stops at the first problem: every stage
//! reports into a `Sink` and carries on with what it could make sense of,
//! so one run lists every problem of every file.

pub(crate) mod account;
pub mod allow;
mod blocks;
mod citations;
mod conditions;
mod filters;
mod header;
mod literals;
mod money;
mod names;
mod properties;
pub mod quotes;
mod restrictions;
mod scenarios;
mod steps;

pub use header::DEFAULT_CALENDAR;
pub use literals::{duration_value, UNIT_NAMES};

use crate::ast::{self, Span};
use crate::diagnostic::Diagnostic;
use crate::model::{Agreement, Origin};
use crate::source::SourceMap;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Result of checking a set of parsed files.
#[derive(Debug, Default)]
pub struct Checked {
    pub agreements: Vec<Agreement>,
    pub diagnostics: Vec<Diagnostic>,
    /// Warnings acknowledged by an `allow` (not in `diagnostics`).
    pub allowed: Vec<Diagnostic>,
    /// The `allow`s of `clausec verify`'s findings (`V0001` …).
    pub acknowledged: Vec<allow::Acknowledgement>,
}

impl Checked {
    /// Whether any diagnostic is an error (warnings do not count).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The error diagnostics alone, for commands that need error-free input.
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect()
    }
}

/// Where diagnostics collect, plus what every stage needs to describe a place.
pub(crate) struct Sink<'a> {
    pub map: &'a SourceMap,
    pub diags: Vec<Diagnostic>,
    /// The agreement text of the group being checked (its header's
    /// `source`), for help that quotes the agreement's own definitions.
    pub agreement_text: Option<PathBuf>,
}

impl<'a> Sink<'a> {
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
    /// A model origin for a span.
    pub fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.map.name(span.file).to_string(),
            line: self.map.line(span),
            span,
        }
    }
}

/// Which agreement a file belongs to: its directory, or `None` for files
/// held in memory.
fn group_key(map: &SourceMap, file: &ast::File) -> Option<PathBuf> {
    map.get(file.id)
        .and_then(|f| f.path.as_ref())
        .map(|p| p.parent().map(PathBuf::from).unwrap_or_default())
}

/// Groups files into agreements, in the order their first file appears.
pub fn group_files<'f>(map: &SourceMap, files: &'f [ast::File]) -> Vec<Vec<&'f ast::File>> {
    let mut order: Vec<Option<PathBuf>> = Vec::new();
    let mut groups: BTreeMap<Option<PathBuf>, Vec<&'f ast::File>> = BTreeMap::new();
    for f in files {
        let key = group_key(map, f);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(f);
    }
    order
        .into_iter()
        .filter_map(|k| groups.remove(&k))
        .collect()
}

/// Checks parsed files: one [`Agreement`] per group that has a usable
/// header, and every diagnostic of every file.
pub fn check(map: &SourceMap, files: &[ast::File]) -> Checked {
    let mut sink = Sink {
        map,
        diags: Vec::new(),
        agreement_text: None,
    };
    let mut agreements = Vec::new();
    for group in group_files(map, files) {
        let in_memory = group.first().is_some_and(|f| group_key(map, f).is_none());
        let header = header::check_headers(&mut sink, &group, in_memory);
        sink.agreement_text = header.source_path.as_ref().map(PathBuf::from);
        if let Some(a) = blocks::check_agreement(&mut sink, &group, header) {
            agreements.push(a);
        }
    }
    let mut diagnostics = sink.diags;
    diagnostics.extend(quotes::verify_quotes(map, files));
    let (cited, quiet) = citations::verify_citations(map, files);
    diagnostics.retain(|d| !citations::is_follow_up(d, &quiet));
    diagnostics.extend(cited);
    let (diagnostics, allowed, acknowledged) = allow::apply(files, diagnostics);
    Checked {
        agreements,
        diagnostics,
        allowed,
        acknowledged,
    }
}
