//! Code actions: the quick fixes the checker marks safe to apply (a
//! replacement that is another spelling of what the author wrote, see
//! [`crate::diagnostic::Suggestion`]). Suggestions that could change the
//! meaning stay in the diagnostic's help and are never offered as edits.

use super::analysis::Snapshot;
use super::diagnostics::convert;
use crate::ast::FileId;
use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The safe fixes for the diagnostics of `file` that touch `range`.
pub fn code_actions(snap: &Snapshot, file: FileId, range: Range) -> Vec<CodeActionOrCommand> {
    let Some(uri) = snap
        .uri(file)
        .and_then(|u| u.parse::<lsp_types::Uri>().ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in snap.diagnostics() {
        let Some(s) = d
            .suggestion
            .as_ref()
            .filter(|s| s.safe && s.span.file == file)
        else {
            continue;
        };
        let Some(at) = snap.location(s.span) else {
            continue;
        };
        let shown = convert(snap, d);
        if !overlaps(at.range, range) && !overlaps(shown.range, range) {
            continue;
        }
        let was = snap.map.snippet(s.span);
        let edit = TextEdit::new(at.range, s.replacement.clone());
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("replace `{was}` with `{}`", s.replacement),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![shown]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    out
}
