//! `clausec explain-code E0028` (and `clausec --explain E0028`): the entry
//! of docs/errors.md for a diagnostic code — what it means, the failing
//! example and the fix — embedded at build time, so the binary explains its
//! codes wherever it is installed.

use crate::diagnostic::Code;
use std::process::ExitCode;

/// docs/errors.md as it was when the binary was built.
const ERRORS_MD: &str = include_str!("../../docs/errors.md");

#[derive(clap::Args)]
pub struct ExplainCodeArgs {
    /// A diagnostic code, like `E0028` or `W0001` (case does not matter).
    pub code: String,
}

/// The docs entry of `code`: from its `## CODE` heading to the next one.
pub fn entry(code: &str) -> Option<&'static str> {
    let heading = format!("\n## {code}\n");
    let start = ERRORS_MD.find(&heading)? + 1;
    let rest = &ERRORS_MD[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3 + 1);
    Some(rest[..end].trim_end())
}

pub fn run(a: ExplainCodeArgs) -> ExitCode {
    explain(&a.code)
}

/// Prints the entry of `code`; exit code 2 for a code that does not exist.
pub fn explain(code: &str) -> ExitCode {
    let wanted = code.trim().to_uppercase();
    let known = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(crate::verify::Check::ALL.iter().map(|c| c.code()))
        .find(|c| *c == wanted);
    match known.and_then(entry) {
        Some(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        None => {
            let codes = Code::ALL
                .iter()
                .map(|c| c.as_str())
                .chain(crate::verify::Check::ALL.iter().map(|c| c.code()));
            let hint = crate::diagnostic::closest(&wanted, codes)
                .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
            eprintln!(
                "error: `{code}` is not a diagnostic code of clausec{hint}; the codes are listed in docs/errors.md"
            );
            ExitCode::from(2)
        }
    }
}
