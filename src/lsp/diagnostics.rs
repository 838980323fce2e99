//! The checker's diagnostics in the protocol's shape: code, severity, the
//! message with its help, and the secondary labels as related information.

use super::analysis::Snapshot;
use crate::diagnostic::{Diagnostic, Severity};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Range};
use std::collections::BTreeMap;

/// Every file's diagnostics, by URI (files without problems map to an
/// empty list).
pub fn by_uri(snap: &Snapshot) -> BTreeMap<String, Vec<lsp_types::Diagnostic>> {
    let mut out: BTreeMap<String, Vec<lsp_types::Diagnostic>> = snap
        .uris()
        .filter(|(_, u)| !u.is_empty())
        .map(|(_, u)| (u.to_string(), Vec::new()))
        .collect();
    for d in snap.diagnostics() {
        // A problem of no file (an empty directory) cannot be shown in one.
        let Some(primary) = &d.primary else { continue };
        let Some(uri) = snap.uri(primary.span.file) else {
            continue;
        };
        if let Some(list) = out.get_mut(uri) {
            list.push(convert(snap, d));
        }
    }
    out
}

/// One diagnostic for the editor.
pub fn convert(snap: &Snapshot, d: &Diagnostic) -> lsp_types::Diagnostic {
    let range = d
        .primary
        .as_ref()
        .and_then(|p| snap.location(p.span))
        .map_or_else(Range::default, |l| l.range);
    let mut message = d.message.clone();
    if let Some(p) = &d.primary {
        if !p.message.is_empty() {
            message.push_str(&format!(": {}", p.message));
        }
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|s| {
            Some(DiagnosticRelatedInformation {
                location: snap.location(s.span)?,
                message: s.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("clausec".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}
