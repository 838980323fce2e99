//! Name resolution and checking: AST → [`crate::model::Agreement`].
//! (Being written; this placeholder only groups files.)

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::model::Agreement;
use crate::source::SourceMap;

/// Result of checking a set of parsed files.
#[derive(Debug, Default)]
pub struct Checked {
    pub agreements: Vec<Agreement>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks parsed files. Files are grouped into agreements by the directory
/// they were loaded from (files held in memory form one group).
pub fn check(_map: &SourceMap, _files: &[ast::File]) -> Checked {
    Checked::default()
}
