//! Diagnostics → text or JSON. The only place that knows codespan-reporting.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

fn to_codespan(d: &Diagnostic) -> CsDiagnostic<crate::ast::FileId> {
    let base = match d.severity {
        Severity::Error => CsDiagnostic::error(),
        Severity::Warning => CsDiagnostic::warning(),
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(CsLabel::primary(p.span.file, p.span.range()).with_message(&p.message));
    }
    for s in &d.secondary {
        labels.push(CsLabel::secondary(s.span.file, s.span.range()).with_message(&s.message));
    }
    let mut notes = Vec::new();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    base.with_code(d.code.as_str())
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Writes diagnostics for people (colour decided by the writer).
pub fn emit(
    out: &mut dyn WriteColor,
    map: &SourceMap,
    diags: &[Diagnostic],
) -> Result<(), codespan_reporting::files::Error> {
    let config = term::Config::default();
    for d in diags {
        term::emit(out, &config, map, &to_codespan(d))?;
    }
    Ok(())
}

/// Renders diagnostics to a plain string (tests, snapshots).
pub fn to_string(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut buf = term::termcolor::NoColor::new(Vec::new());
    if emit(&mut buf, map, diags).is_err() {
        return String::from("<diagnostic could not be rendered>");
    }
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'static str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    suggestion: Option<JsonSuggestion<'a>>,
    related: Vec<JsonRelated<'a>>,
}

/// A [`crate::diagnostic::Suggestion`]: replace `line:column` up to
/// `end_line:end_column` (1-based, columns in characters, end exclusive)
/// with `replacement`; `safe` as defined there.
#[derive(Serialize)]
struct JsonSuggestion<'a> {
    replacement: &'a str,
    safe: bool,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

/// Diagnostics as a JSON array (`check --format json`).
pub fn to_json(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let items: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| {
            let pos = d.primary.as_ref().and_then(|p| {
                let f = map.get(p.span.file)?;
                let (l, c) = f.line_col(p.span.start as usize);
                let (el, ec) = f.line_col(p.span.end as usize);
                Some((f.name.as_str(), l, c, el, ec))
            });
            JsonDiagnostic {
                code: d.code.as_str(),
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                message: &d.message,
                file: pos.map(|p| p.0),
                line: pos.map(|p| p.1),
                column: pos.map(|p| p.2),
                end_line: pos.map(|p| p.3),
                end_column: pos.map(|p| p.4),
                label: d.primary.as_ref().map(|p| p.message.as_str()),
                help: d.help.as_deref(),
                suggestion: d.suggestion.as_ref().and_then(|s| {
                    let f = map.get(s.span.file)?;
                    let (line, column) = f.line_col(s.span.start as usize);
                    let (end_line, end_column) = f.line_col(s.span.end as usize);
                    Some(JsonSuggestion {
                        replacement: &s.replacement,
                        safe: s.safe,
                        line,
                        column,
                        end_line,
                        end_column,
                    })
                }),
                related: d
                    .secondary
                    .iter()
                    .filter_map(|s| {
                        let f = map.get(s.span.file)?;
                        let (line, column) = f.line_col(s.span.start as usize);
                        Some(JsonRelated {
                            file: f.name.as_str(),
                            line,
                            column,
                            message: &s.message,
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}
