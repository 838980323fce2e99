//! The front end as one call: parse every file of a [`SourceMap`], then
//! check them all. Used by the CLI and by library users.

use crate::ast;
use crate::check::{self, Checked};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::SourceMap;

/// Parses every file; files that fail to parse are reported and skipped.
pub fn parse_all(map: &SourceMap) -> (Vec<ast::File>, Vec<Diagnostic>) {
    parse_loaded(map, &[])
}

/// Parses every file the loader had no problem with (`load_diags`: bad
/// UTF-8, too large — those files are already reported and not parsed).
pub fn parse_loaded(
    map: &SourceMap,
    load_diags: &[Diagnostic],
) -> (Vec<ast::File>, Vec<Diagnostic>) {
    let skip: Vec<ast::FileId> = load_diags
        .iter()
        .filter_map(|d| d.primary.as_ref().map(|p| p.span.file))
        .collect();
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for (id, f) in map.files().filter(|(id, _)| !skip.contains(id)) {
        match crate::syntax::parse_file(id, &f.text) {
            Ok(file) => files.push(file),
            Err(mut all) => diags.append(&mut all),
        }
    }
    (files, diags)
}

/// Parses and checks everything in `map`. `load_diags` are problems the
/// loader found (bad UTF-8, size); files they concern are not parsed again.
pub fn front_end(map: &SourceMap, load_diags: Vec<Diagnostic>) -> Checked {
    let mut diagnostics = load_diags;
    if map.is_empty() {
        diagnostics.push(
            Diagnostic::new(Code::E0004, "no clause files found")
                .help("name `.clause` files or directories that contain them"),
        );
        return Checked {
            agreements: Vec::new(),
            diagnostics,
            allowed: Vec::new(),
            acknowledged: Vec::new(),
        };
    }
    let (files, mut parse_diags) = parse_loaded(map, &diagnostics);
    diagnostics.append(&mut parse_diags);
    let mut checked = check::check(map, &files);
    diagnostics.append(&mut checked.diagnostics);
    checked.diagnostics = diagnostics;
    checked
}

/// Splits diagnostics into those of the files the user named and those of
/// files loaded only as context (the rest of an agreement, see
/// [`crate::load::context_files`]). An unreadable agreement text (E0029)
/// concerns every file of the agreement and stays with the named ones.
pub fn split_context(
    map: &SourceMap,
    diags: Vec<Diagnostic>,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    diags.into_iter().partition(|d| {
        d.code == Code::E0029
            || d.primary
                .as_ref()
                .is_none_or(|p| !map.is_context(p.span.file))
    })
}
